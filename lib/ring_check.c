/* Checked shared-ring indices; see include/xen/ring_check.h. All distances
 * are u32 differences (wrapping by design), never sums. */
#include <xen/ring_check.h>
#include <kernel/errno.h>

#define RING_CHECK_MAX_SIZE (1u << 30)

static bool ring_size_ok(u32 ring_size)
{
	return ring_size && ring_size <= RING_CHECK_MAX_SIZE && !(ring_size & (ring_size - 1));
}

int ring_rsp_count(u32 untrusted_rsp_prod, u32 rsp_cons, u32 req_prod_pvt, u32 ring_size)
{
	u32 outstanding = req_prod_pvt - rsp_cons;
	u32 fresh = untrusted_rsp_prod - rsp_cons;

	if (!ring_size_ok(ring_size))
		return -EINVAL;
	if (outstanding > ring_size || fresh > outstanding)
		return -EPROTO;
	return (int)fresh;
}

int ring_free_slots(u32 req_prod_pvt, u32 rsp_cons, u32 ring_size)
{
	u32 outstanding = req_prod_pvt - rsp_cons;

	if (!ring_size_ok(ring_size))
		return -EINVAL;
	if (outstanding > ring_size)
		return -EPROTO;
	return (int)(ring_size - outstanding);
}
