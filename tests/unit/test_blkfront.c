/* Host tests for drivers/xen/blkfront_ring.c: what blkfront picks from a
 * backend's offer, the segment descriptors it writes, and the judgement
 * of each response a backend returns (ids out of range, replayed or stale
 * ids, wrong operations, every status). */
#include "kx.h"
#include <kernel/errno.h>
#include "../../drivers/xen/blkfront.h"
#include <stdio.h>
#include <string.h>
#include "test.h"

TEST(negotiate)
{
	struct bf_offer o = { .max_ring_order = 0, .max_queues = 1, .max_indirect = 0,
			      .persistent = 0 };
	struct bf_choice c;

	bf_negotiate(&o, 4, true, &c);
	CHECK_EQ(c.ring_order, 0u);
	CHECK_EQ(c.nr_queues, 1u);
	CHECK_EQ(c.indirect_segs, 0u);
	CHECK_EQ(c.max_segs, 11u);
	CHECK_EQ(c.indirect_pages, 0u);
	CHECK(!c.persistent);

	o = (struct bf_offer){ .max_ring_order = 9, .max_queues = 64, .max_indirect = 4096,
			       .persistent = 1 };
	bf_negotiate(&o, 2, true, &c);
	CHECK_EQ(c.ring_order, 4u);
	CHECK_EQ(c.nr_queues, 2u);           /* online vCPUs bound it */
	CHECK_EQ(c.indirect_segs, (unsigned)BF_MAX_INDIRECT_SEGS);
	CHECK_EQ(c.max_segs, (unsigned)BF_MAX_INDIRECT_SEGS);
	CHECK_EQ(c.indirect_pages, 1u);
	CHECK(c.persistent);
	bf_negotiate(&o, 8, false, &c);
	CHECK_EQ(c.nr_queues, 4u);           /* our maximum */
	CHECK(!c.persistent);

	/* 11 indirect segments are no better than a direct request. */
	o = (struct bf_offer){ .max_ring_order = 2, .max_queues = 0, .max_indirect = 11 };
	bf_negotiate(&o, 4, true, &c);
	CHECK_EQ(c.ring_order, 2u);
	CHECK_EQ(c.nr_queues, 1u);
	CHECK_EQ(c.indirect_segs, 0u);
	o.max_indirect = 12;
	bf_negotiate(&o, 4, true, &c);
	CHECK_EQ(c.indirect_segs, 12u);
	CHECK_EQ(c.max_segs, 12u);
	CHECK_EQ(c.indirect_pages, 1u);
}

TEST(segments)
{
	struct blkif_request_segment s;

	CHECK_EQ(bf_make_seg(0, 4096, 77, &s), 0);
	CHECK_EQ(s.gref, 77u);
	CHECK_EQ(s.first_sect, 0);
	CHECK_EQ(s.last_sect, 7);
	CHECK_EQ(bf_make_seg(512, 512, 5, &s), 0);
	CHECK_EQ(s.first_sect, 1);
	CHECK_EQ(s.last_sect, 1);
	CHECK_EQ(bf_make_seg(3584, 512, 5, &s), 0);
	CHECK_EQ(s.first_sect, 7);
	CHECK_EQ(s.last_sect, 7);
	CHECK_EQ(bf_make_seg(0, 0, 5, &s), -EINVAL);
	CHECK_EQ(bf_make_seg(256, 512, 5, &s), -EINVAL);
	CHECK_EQ(bf_make_seg(0, 700, 5, &s), -EINVAL);
	CHECK_EQ(bf_make_seg(3584, 1024, 5, &s), -EINVAL);
	CHECK_EQ(bf_make_seg(4096, 512, 5, &s), -EINVAL);
	CHECK_EQ(bf_make_seg(0xfffffe00u, 1024, 5, &s), -EINVAL);   /* wraps */
}

TEST(abi_sizes)
{
	/* The x86_64 layout blkback expects with protocol x86_64-abi. */
	CHECK_EQ(sizeof(struct blkif_request), 112u);
	CHECK_EQ(sizeof(struct blkif_response), 16u);
	CHECK_EQ(sizeof(struct blkif_request_discard) <= 112u, 1);
	CHECK_EQ(sizeof(struct blkif_request_indirect) <= 112u, 1);
	CHECK_EQ(__CONST_RING_SIZE(blkif, 4096), 32u);
	CHECK_EQ(__CONST_RING_SIZE(blkif, 16 * 4096), 512u);
	CHECK_EQ(BF_SEGS_PER_INDIRECT_PAGE, 512u);
}

#define NS 8
static struct bf_expect slots[NS];

static struct blkif_response rsp(u64 id, u8 op, s16 status)
{
	struct blkif_response r;

	memset(&r, 0, sizeof(r));
	r.id = id;
	r.operation = op;
	r.status = status;
	return r;
}

TEST(responses)
{
	struct blkif_response r;
	u32 slot = 99;
	int err = 1;
	bool odd = true;

	memset(slots, 0, sizeof(slots));
	slots[3] = (struct bf_expect){ .id = bf_make_id(7, 3), .op = BLKIF_OP_READ,
				       .alt_op = BLKIF_OP_READ, .inuse = true };
	slots[5] = (struct bf_expect){ .id = bf_make_id(9, 5), .op = BLKIF_OP_WRITE,
				       .alt_op = BLKIF_OP_INDIRECT, .inuse = true };

	r = rsp(bf_make_id(7, 3), BLKIF_OP_READ, BLKIF_RSP_OKAY);
	CHECK_EQ(bf_check_rsp(&r, slots, NS, &slot, &err, &odd), BF_RSP_OK);
	CHECK_EQ(slot, 3u);
	CHECK_EQ(err, 0);
	CHECK(!odd);
	r.status = BLKIF_RSP_ERROR;
	CHECK_EQ(bf_check_rsp(&r, slots, NS, &slot, &err, &odd), BF_RSP_OK);
	CHECK_EQ(err, -EIO);
	r.status = BLKIF_RSP_EOPNOTSUPP;
	CHECK_EQ(bf_check_rsp(&r, slots, NS, &slot, &err, &odd), BF_RSP_OK);
	CHECK_EQ(err, -EOPNOTSUPP);
	r.status = 42;
	CHECK_EQ(bf_check_rsp(&r, slots, NS, &slot, &err, &odd), BF_RSP_OK);
	CHECK_EQ(err, -EIO);
	CHECK(odd);

	/* Ids: past the table, a free slot, a stale generation. */
	r = rsp(bf_make_id(7, NS), BLKIF_OP_READ, 0);
	CHECK_EQ(bf_check_rsp(&r, slots, NS, &slot, &err, &odd), BF_RSP_BAD_ID);
	r = rsp(~0ULL, BLKIF_OP_READ, 0);
	CHECK_EQ(bf_check_rsp(&r, slots, NS, &slot, &err, &odd), BF_RSP_BAD_ID);
	r = rsp(bf_make_id(7, 4), BLKIF_OP_READ, 0);
	CHECK_EQ(bf_check_rsp(&r, slots, NS, &slot, &err, &odd), BF_RSP_NOT_OUTSTANDING);
	r = rsp(bf_make_id(6, 3), BLKIF_OP_READ, 0);
	CHECK_EQ(bf_check_rsp(&r, slots, NS, &slot, &err, &odd), BF_RSP_NOT_OUTSTANDING);
	/* A response after the slot completed (a replay). */
	slots[3].inuse = false;
	r = rsp(bf_make_id(7, 3), BLKIF_OP_READ, 0);
	CHECK_EQ(bf_check_rsp(&r, slots, NS, &slot, &err, &odd), BF_RSP_NOT_OUTSTANDING);

	/* Operations: indirect accepts its indirect_op and INDIRECT only. */
	r = rsp(bf_make_id(9, 5), BLKIF_OP_WRITE, 0);
	CHECK_EQ(bf_check_rsp(&r, slots, NS, &slot, &err, &odd), BF_RSP_OK);
	CHECK_EQ(slot, 5u);
	r.operation = BLKIF_OP_INDIRECT;
	CHECK_EQ(bf_check_rsp(&r, slots, NS, &slot, &err, &odd), BF_RSP_OK);
	r.operation = BLKIF_OP_READ;
	CHECK_EQ(bf_check_rsp(&r, slots, NS, &slot, &err, &odd), BF_RSP_BAD_OP);
	r.operation = BLKIF_OP_DISCARD;
	CHECK_EQ(bf_check_rsp(&r, slots, NS, &slot, &err, &odd), BF_RSP_BAD_OP);
	CHECK(bf_rsp_verdict_str(BF_RSP_BAD_OP)[0] != '?');
}

/* Random responses against random shadow tables: the verdict is OK
 * exactly when a reference model says so. */
TEST(responses_random)
{
	for (int round = 0; round < 20000; round++) {
		struct blkif_response r;
		u32 slot = 0;
		int err = 0;
		bool odd = false, want;
		u32 s;

		for (u32 i = 0; i < NS; i++) {
			slots[i].inuse = xt_below(2);
			slots[i].id = bf_make_id((u32)xt_below(4), i);
			slots[i].op = (u8)xt_below(7);
			slots[i].alt_op = xt_below(2) ? slots[i].op : BLKIF_OP_INDIRECT;
		}
		r = rsp(xt_below(3) ? bf_make_id((u32)xt_below(4), (u32)xt_below(NS + 2)) : xt_rand(),
			(u8)xt_below(8), (s16)(xt_below(5) - 2));
		s = (u32)r.id;
		want = s < NS && slots[s].inuse && slots[s].id == r.id &&
		       (r.operation == slots[s].op || r.operation == slots[s].alt_op);
		CHECK_EQ(bf_check_rsp(&r, slots, NS, &slot, &err, &odd) == BF_RSP_OK, want);
		if (want)
			CHECK_EQ(slot, s);
	}
}

/* Re-splitting kept requests for a backend with fewer segments. */
TEST(split_fixed)
{
	u32 lens[64];
	unsigned int starts[64];

	for (int i = 0; i < 64; i++)
		lens[i] = 4096;
	/* 64 segments of a page, 11 a piece: 6 pieces, the last of 9. */
	CHECK_EQ(bf_split_plan(lens, 64, 11, 512, starts, 64), 6);
	for (int k = 0; k < 6; k++)
		CHECK_EQ(starts[k], (unsigned int)(11 * k));
	/* Fits as it is: one piece. */
	CHECK_EQ(bf_split_plan(lens, 11, 11, 512, starts, 64), 1);
	CHECK_EQ(starts[0], 0u);
	/* Not enough room for the pieces. */
	CHECK_EQ(bf_split_plan(lens, 64, 11, 512, starts, 5), -EINVAL);
	/* 4096-byte blocks made of 512-byte segments: a cut only every 8. */
	for (int i = 0; i < 24; i++)
		lens[i] = 512;
	CHECK_EQ(bf_split_plan(lens, 24, 11, 4096, starts, 64), 3);
	CHECK_EQ(starts[1], 8u);
	CHECK_EQ(starts[2], 16u);
	/* A block over more segments than a piece may have: impossible. */
	CHECK_EQ(bf_split_plan(lens, 24, 7, 4096, starts, 64), -EINVAL);
	/* Bad arguments. */
	CHECK_EQ(bf_split_plan(lens, 0, 11, 512, starts, 64), -EINVAL);
	CHECK_EQ(bf_split_plan(lens, 4, 0, 512, starts, 64), -EINVAL);
	lens[2] = 0;
	CHECK_EQ(bf_split_plan(lens, 4, 11, 512, starts, 64), -EINVAL);
}

/* Random requests: every plan covers the segments in order, each piece
 * within max_segs and a whole number of blocks; -EINVAL only when a
 * reference check finds no such cut. */
TEST(split_random)
{
	for (int round = 0; round < 20000; round++) {
		u32 lens[64], lbs = xt_below(2) ? 512 : 4096;
		unsigned int starts[64], n = 1 + (unsigned int)xt_below(64);
		unsigned int max = 1 + (unsigned int)xt_below(64);
		u64 total = 0;
		int pieces;

		for (unsigned int i = 0; i < n; i++) {
			lens[i] = 512u * (1 + (u32)xt_below(8));
			total += lens[i];
		}
		if (total % lbs) {
			lens[n - 1] += (u32)(lbs - total % lbs);
			if (lens[n - 1] > 4096) {
				lens[n - 1] = 4096;
				continue;
			}
		}
		pieces = bf_split_plan(lens, n, max, lbs, starts, 64);
		if (pieces < 0) {
			/* Only 4096-byte blocks of small segments can fail: a
			 * block spread over more than max segments. */
			CHECK(lbs == 4096);
			continue;
		}
		CHECK(pieces >= 1);
		CHECK_EQ(starts[0], 0u);
		for (int k = 0; k < pieces; k++) {
			unsigned int end = k + 1 < pieces ? starts[k + 1] : n;
			u64 bytes = 0;

			CHECK(end > starts[k]);
			CHECK(end - starts[k] <= max);
			for (unsigned int i = starts[k]; i < end; i++)
				bytes += lens[i];
			CHECK_EQ(bytes % lbs, 0u);
		}
		if (n <= max)
			CHECK_EQ(pieces, 1);
	}
}

int main(void)
{
	RUN(negotiate);
	RUN(segments);
	RUN(abi_sizes);
	RUN(responses);
	RUN(responses_random);
	RUN(split_fixed);
	RUN(split_random);
	return xt_done();
}
