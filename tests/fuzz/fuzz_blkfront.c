/* libFuzzer target: what blkfront decides from backend data without
 * Xen (drivers/xen/blkfront_ring.c): the response verdict against the
 * shadow table, the feature negotiation and ring segment descriptors.
 *
 * Input layout (short inputs are zero-padded to the 24-byte prefix):
 *   [0, 4)   max-ring-page-order  [4, 8) multi-queue-max-queues
 *   [8, 12)  feature-max-indirect-segments  [12] feature-persistent
 *            (the driver range-checks these before negotiating; here any
 *            u32 within those ranges: order 0..16, queues 1..65536,
 *            indirect any, persistent 0..1)
 *   [13]     online CPUs - 1   [14] the driver wants persistent grants
 *   [15]     shadow table size: 1 << (byte % 10) slots (1 .. 512)
 *   [16, 20) which slots start in use (bits, repeated over the table)
 *   [20, 24) a segment probe: offset u16, length u16 (LE)
 *   then 16-byte responses as the ABI lays them out: id (u64), operation
 *   (u8), pad, status (s16), pad.
 *
 * Checked against a reference model: the verdict for every response
 * (slot past the table, slot not outstanding or of another generation,
 * wrong operation, else OK with the status mapped to 0/-EIO/-EOPNOTSUPP);
 * an accepted response frees its slot, so a duplicate is never accepted;
 * the negotiation's invariants; a segment descriptor only for an aligned,
 * non-empty piece inside the page, with the right sector numbers. */
#include <kernel/errno.h>
#include "../../drivers/xen/blkfront.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(...)                                                                         \
	do {                                                                              \
		fprintf(stderr, "fuzz_blkfront: " __VA_ARGS__);                           \
		fputc('\n', stderr);                                                      \
		abort();                                                                  \
	} while (0)

#define PREFIX 24
#define MAX_SLOTS 512

static u32 get32(const u8 *p)
{
	return p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static void check_negotiation(const u8 *p)
{
	struct bf_offer o = {
		.max_ring_order = get32(p) % 17,
		.max_queues = get32(p + 4) % 65536 + 1,
		.max_indirect = get32(p + 8),
		.persistent = p[12] & 1,
	};
	unsigned int cpus = p[13] + 1u;
	bool want = p[14] & 1;
	struct bf_choice c;

	bf_negotiate(&o, cpus, want, &c);
	if (c.ring_order > BF_MAX_RING_ORDER || c.ring_order > o.max_ring_order)
		FAIL("ring order %u from offer %u", c.ring_order, o.max_ring_order);
	if (c.ring_order != (o.max_ring_order < BF_MAX_RING_ORDER ? o.max_ring_order
								: BF_MAX_RING_ORDER))
		FAIL("ring order %u not the largest allowed by %u", c.ring_order, o.max_ring_order);
	if (c.nr_queues < 1 || c.nr_queues > BF_MAX_QUEUES || c.nr_queues > cpus ||
	    c.nr_queues > o.max_queues)
		FAIL("%u queues from offer %u, %u CPUs", c.nr_queues, o.max_queues, cpus);
	if (o.max_indirect > BLKIF_MAX_SEGMENTS_PER_REQUEST) {
		if (c.indirect_segs <= BLKIF_MAX_SEGMENTS_PER_REQUEST ||
		    c.indirect_segs > BF_MAX_INDIRECT_SEGS || c.indirect_segs > o.max_indirect)
			FAIL("indirect %u from offer %u", c.indirect_segs, o.max_indirect);
		if (c.max_segs != c.indirect_segs || !c.indirect_pages ||
		    c.indirect_pages > BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST ||
		    c.indirect_pages * BF_SEGS_PER_INDIRECT_PAGE < c.indirect_segs)
			FAIL("indirect geometry %u segs %u pages", c.max_segs, c.indirect_pages);
	} else if (c.indirect_segs || c.indirect_pages ||
		   c.max_segs != BLKIF_MAX_SEGMENTS_PER_REQUEST) {
		FAIL("indirect chosen from offer %u", o.max_indirect);
	}
	if (c.persistent != (want && o.persistent))
		FAIL("persistent %d (want %d, offer %u)", c.persistent, want, o.persistent);
}

static void check_segment(const u8 *p)
{
	u32 off = p[0] | (u32)p[1] << 8, len = p[2] | (u32)p[3] << 8;
	struct blkif_request_segment seg = { 0 };
	bool valid = len && !(off & 511) && !(len & 511) && off + len <= 4096;
	int rc = bf_make_seg(off, len, 1234, &seg);

	if (valid != (rc == 0))
		FAIL("segment off %u len %u: %d", off, len, rc);
	if (!rc && (seg.gref != 1234 || seg.first_sect != off / 512 ||
		    seg.last_sect != (off + len) / 512 - 1 || seg.last_sect > 7))
		FAIL("segment off %u len %u: sectors %u..%u", off, len, seg.first_sect,
		     seg.last_sect);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	u8 prefix[PREFIX] = { 0 };
	static struct bf_expect slots[MAX_SLOTS];
	u32 nr_slots, used;

	memcpy(prefix, data, size < PREFIX ? size : PREFIX);
	check_negotiation(prefix);
	check_segment(prefix + 20);

	nr_slots = 1u << (prefix[15] % 10);
	used = get32(prefix + 16);
	for (u32 i = 0; i < nr_slots; i++) {
		slots[i].inuse = (used >> (i % 32)) & 1;
		slots[i].id = bf_make_id(i * 7 + 1, i);
		slots[i].op = (u8)(i % 4 == 3 ? BLKIF_OP_INDIRECT : i % 3);
		slots[i].alt_op = slots[i].op == BLKIF_OP_INDIRECT ? (u8)(i & 1) : slots[i].op;
	}

	for (size_t at = PREFIX; at + 16 <= size; at += 16) {
		struct blkif_response rsp;
		enum bf_rsp_verdict v, want;
		u32 slot = ~0u, s;
		int err = 1, want_err = 0;
		bool odd = false;

		memcpy(&rsp, data + at, sizeof(rsp));
		s = (u32)rsp.id;
		if (s >= nr_slots)
			want = BF_RSP_BAD_ID;
		else if (!slots[s].inuse || slots[s].id != rsp.id)
			want = BF_RSP_NOT_OUTSTANDING;
		else if (rsp.operation != slots[s].op && rsp.operation != slots[s].alt_op)
			want = BF_RSP_BAD_OP;
		else
			want = BF_RSP_OK;
		v = bf_check_rsp(&rsp, slots, nr_slots, &slot, &err, &odd);
		if (v != want)
			FAIL("response id %#llx op %u: verdict %d, expected %d",
			     (unsigned long long)rsp.id, rsp.operation, v, want);
		if (v != BF_RSP_OK)
			continue;
		if (slot != s)
			FAIL("slot %u for id %#llx", slot, (unsigned long long)rsp.id);
		switch (rsp.status) {
		case BLKIF_RSP_OKAY:
			want_err = 0;
			break;
		case BLKIF_RSP_EOPNOTSUPP:
			want_err = -EOPNOTSUPP;
			break;
		default:
			want_err = -EIO;
			break;
		}
		if (err != want_err)
			FAIL("status %d gave %d", rsp.status, err);
		if (odd != (rsp.status != BLKIF_RSP_OKAY && rsp.status != BLKIF_RSP_ERROR &&
			    rsp.status != BLKIF_RSP_EOPNOTSUPP))
			FAIL("status %d: odd flag %d", rsp.status, odd);
		/* The driver frees the slot: a duplicate must now be refused. */
		slots[s].inuse = false;
	}
	return 0;
}
