/* Pure parts of blkfront: negotiation arithmetic, segment descriptors,
 * response validation. Host unit-tested (tests/unit/test_blkfront.c). */
#include <kernel/errno.h>
#include "blkfront.h"

void bf_negotiate(const struct bf_offer *o, unsigned int online_cpus, bool want_persistent,
		  struct bf_choice *c)
{
	unsigned int q;

	c->ring_order = MIN(o->max_ring_order, (unsigned int)BF_MAX_RING_ORDER);
	/* One queue per vCPU, as far as the backend and we go. */
	q = MIN(o->max_queues, online_cpus);
	q = MIN(q, (unsigned int)BF_MAX_QUEUES);
	c->nr_queues = q ? q : 1;
	if (o->max_indirect > BLKIF_MAX_SEGMENTS_PER_REQUEST) {
		c->indirect_segs = MIN(o->max_indirect, (unsigned int)BF_MAX_INDIRECT_SEGS);
		c->max_segs = c->indirect_segs;
		c->indirect_pages = DIV_ROUND_UP(c->indirect_segs, BF_SEGS_PER_INDIRECT_PAGE);
	} else {
		c->indirect_segs = 0;
		c->max_segs = BLKIF_MAX_SEGMENTS_PER_REQUEST;
		c->indirect_pages = 0;
	}
	c->persistent = want_persistent && o->persistent == 1;
}

int bf_make_seg(u32 off, u32 len, grant_ref_t gref, struct blkif_request_segment *seg)
{
	if (!len || (off & 511) || (len & 511) || off >= 4096 || len > 4096 - off)
		return -EINVAL;
	seg->gref = gref;
	seg->first_sect = (u8)(off >> 9);
	seg->last_sect = (u8)(((off + len) >> 9) - 1);
	return 0;
}

enum bf_rsp_verdict bf_check_rsp(const struct blkif_response *rsp, const struct bf_expect *slots,
				 u32 nr_slots, u32 *slot, int *err, bool *odd_status)
{
	u64 untrusted_id = rsp->id;
	u8 untrusted_op = rsp->operation;
	s16 untrusted_status = rsp->status;
	u32 s = (u32)untrusted_id;
	const struct bf_expect *e;

	if (s >= nr_slots)
		return BF_RSP_BAD_ID;
	e = &slots[s];
	if (!e->inuse || e->id != untrusted_id)
		return BF_RSP_NOT_OUTSTANDING;
	if (untrusted_op != e->op && untrusted_op != e->alt_op)
		return BF_RSP_BAD_OP;
	*slot = s;
	*odd_status = false;
	switch (untrusted_status) {
	case BLKIF_RSP_OKAY:
		*err = 0;
		break;
	case BLKIF_RSP_EOPNOTSUPP:
		*err = -EOPNOTSUPP;
		break;
	case BLKIF_RSP_ERROR:
		*err = -EIO;
		break;
	default:
		*err = -EIO;
		*odd_status = true;
		break;
	}
	return BF_RSP_OK;
}

const char *bf_rsp_verdict_str(enum bf_rsp_verdict v)
{
	switch (v) {
	case BF_RSP_OK:
		return "ok";
	case BF_RSP_BAD_ID:
		return "id past the shadow table";
	case BF_RSP_NOT_OUTSTANDING:
		return "id of no outstanding request";
	case BF_RSP_BAD_OP:
		return "operation differs from the request's";
	}
	return "?";
}

int bf_split_plan(const u32 *lens, unsigned int nr_segs, unsigned int max_segs, u32 lbs,
		  unsigned int *starts, unsigned int max_pieces)
{
	unsigned int pos = 0, pieces = 0;

	if (!nr_segs || !max_segs || !lbs || !max_pieces)
		return -EINVAL;
	while (pos < nr_segs) {
		unsigned int end = nr_segs - pos > max_segs ? pos + max_segs : nr_segs;
		unsigned int cut = 0;
		u64 bytes = 0;

		/* The longest prefix of at most max_segs segments that ends
		 * on a logical block boundary. */
		for (unsigned int i = pos; i < end; i++) {
			if (!lens[i])
				return -EINVAL;
			bytes += lens[i];
			if (bytes % lbs == 0)
				cut = i + 1;
		}
		if (!cut || pieces == max_pieces)
			return -EINVAL;
		starts[pieces++] = pos;
		pos = cut;
	}
	return (int)pieces;
}
