/* Checked ring indices for frontends (lib/ring_check.c, pure, unit-tested
 * and fuzzed). A backend writes rsp_prod; a value that claims more
 * responses than there are requests outstanding is a protocol error.
 *
 * Indices are free-running u32 as in the ABI's ring.h: every distance is
 * computed as an unsigned u32 difference, so indices that wrapped past
 * 2^32 still count correctly (rsp_cons 0xfffffffe, rsp_prod 1: 3 new).
 *
 * ring_size must be a power of two from 1 to 2^30 (RING_SIZE() of a
 * shared ring); any other value is the caller's bug and gives -EINVAL. */
#ifndef XEN_RING_CHECK_H
#define XEN_RING_CHECK_H

#include <kernel/types.h>

/* How many new responses the backend published: untrusted_rsp_prod -
 * rsp_cons, if that is at most req_prod_pvt - rsp_cons (the requests
 * outstanding) and the outstanding count is at most ring_size; else
 * -EPROTO. 0 when nothing is new. */
int ring_rsp_count(u32 untrusted_rsp_prod, u32 rsp_cons, u32 req_prod_pvt, u32 ring_size);
/* Free request slots: ring_size - (req_prod_pvt - rsp_cons), 0 .. ring_size;
 * -EPROTO if the indices are inconsistent (more outstanding than the ring
 * holds). */
int ring_free_slots(u32 req_prod_pvt, u32 rsp_cons, u32 ring_size);

#endif
