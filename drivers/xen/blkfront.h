/* blkfront internals shared by the driver (blkfront.c) and its pure
 * helpers (blkfront_ring.c), which the host unit tests compile too.
 * Nothing here touches Xen, locks or memory allocation. */
#ifndef DRIVERS_XEN_BLKFRONT_H
#define DRIVERS_XEN_BLKFRONT_H

#include <kernel/compiler.h>

#include <xen/interface/io/blkif.h>
#ifndef xen_mb
/* io/ring.h's barriers, used when its macros expand. x86 is TSO: only
 * the full one needs a fence. */
#define xen_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __asm__ __volatile__("" ::: "memory")
#define xen_wmb() __asm__ __volatile__("" ::: "memory")
#endif

/* Our side of the negotiation (docs/blkfront.md says why these values). */
#define BF_MAX_RING_ORDER 4          /* 16 ring pages, 512 requests */
#define BF_MAX_QUEUES 4
#define BF_MAX_INDIRECT_SEGS 64      /* 256 KiB per request */
#define BF_SEGS_PER_INDIRECT_PAGE (4096u / sizeof(struct blkif_request_segment))
#define BF_MAX_INDIRECT_PAGES \
	((BF_MAX_INDIRECT_SEGS + BF_SEGS_PER_INDIRECT_PAGE - 1) / BF_SEGS_PER_INDIRECT_PAGE)

/* What the backend offered, as read (each already range-checked, absent
 * keys given their defaults), and what we chose from it. */
struct bf_offer {
	unsigned int max_ring_order;   /* max-ring-page-order, default 0 */
	unsigned int max_queues;       /* multi-queue-max-queues, default 1 */
	unsigned int max_indirect;     /* feature-max-indirect-segments, default 0 */
	unsigned int persistent;       /* feature-persistent, default 0 */
};

struct bf_choice {
	unsigned int ring_order;       /* 0..BF_MAX_RING_ORDER */
	unsigned int nr_queues;        /* 1..BF_MAX_QUEUES */
	unsigned int indirect_segs;    /* 0 (none) or 12..BF_MAX_INDIRECT_SEGS */
	unsigned int max_segs;         /* per request: 11 or indirect_segs */
	unsigned int indirect_pages;   /* per request, at most */
	bool persistent;
};

void bf_negotiate(const struct bf_offer *o, unsigned int online_cpus, bool want_persistent,
		  struct bf_choice *c);

/* A ring request's segment for len bytes at in-page offset off: 512-byte
 * units, first and last sector inclusive. 0, or -EINVAL if the piece is
 * empty, not 512-byte aligned or crosses the page end. */
int bf_make_seg(u32 off, u32 len, grant_ref_t gref, struct blkif_request_segment *seg);

/* Request ids: the shadow slot in the low 32 bits, a per-queue generation
 * in the high 32, so that a response naming a slot since reused (a
 * replayed or forged id) does not match. */
static inline u64 bf_make_id(u32 gen, u32 slot)
{
	return ((u64)gen << 32) | slot;
}

/* What the driver expects for one shadow slot. */
struct bf_expect {
	u64 id;
	u8 op;          /* the operation the response must carry */
	u8 alt_op;      /* a second accepted one (INDIRECT), or = op */
	bool inuse;
};

enum bf_rsp_verdict {
	BF_RSP_OK,             /* *slot and *err are valid */
	BF_RSP_BAD_ID,         /* slot number past the table */
	BF_RSP_NOT_OUTSTANDING,/* slot free, or an older generation */
	BF_RSP_BAD_OP,         /* operation differs from the request's */
};

/* Judge one response, already copied out of the shared ring, against
 * the shadow table. On BF_RSP_OK, *slot is the slot and *err the
 * request's result: 0, -EIO (BLKIF_RSP_ERROR or an unknown status) or
 * -EOPNOTSUPP; *odd_status is set for a status outside the three the
 * ABI defines. */
enum bf_rsp_verdict bf_check_rsp(const struct blkif_response *rsp, const struct bf_expect *slots,
				 u32 nr_slots, u32 *slot, int *err, bool *odd_status);
const char *bf_rsp_verdict_str(enum bf_rsp_verdict v);

/* Re-splitting a request kept across a suspend: the new backend may take
 * fewer segments per request than the old one did. Cut a request of
 * nr_segs segments of lens[i] bytes into pieces of at most max_segs
 * segments, each piece a whole number of logical blocks (lbs bytes),
 * taking the longest such piece each time. starts[k] is the first
 * segment of piece k (starts[0] = 0). Returns the number of pieces, or
 * -EINVAL if no cut fits (a block spread over more than max_segs
 * segments, an empty segment, a bad argument) or more than max_pieces
 * pieces would be needed. */
int bf_split_plan(const u32 *lens, unsigned int nr_segs, unsigned int max_segs, u32 lbs,
		  unsigned int *starts, unsigned int max_pieces);

#endif
