/* Balloon page moves for a Xen PVH guest (docs/balloon.md). Xen
 * translates our frame numbers itself, so a page given away is just its
 * frame number handed to XENMEM_decrease_reservation (Xen unmaps it from
 * our physical address space; our own page tables keep their entries,
 * which nothing uses while the page is out), and taking it back is
 * XENMEM_populate_physmap of the same frame number. */
#include "xen-ops.h"
#include <xen/balloon.h>
#include <xen/hypercall.h>
#include <xen/interface/memory.h>
#include <kernel/mm.h>
#include <kernel/printk.h>
#include <kernel/errno.h>

/* The caller holds the balloon mutex. */
static xen_pfn_t gfns[BALLOON_BATCH];

static int reservation_op(unsigned int cmd, const unsigned long *pfns, unsigned int n)
{
	struct xen_memory_reservation r = {
		.nr_extents = n,
		.extent_order = 0,
		.domid = DOMID_SELF,
	};
	int done;

	for (unsigned int i = 0; i < n; i++)
		gfns[i] = pfns[i];
	set_xen_guest_handle(r.extent_start, gfns);
	done = HYPERVISOR_memory_op(cmd, &r);
	if (done < 0 || (unsigned int)done > n) {
		if (done > 0)
			panic("balloon: reservation op %u did %d of %u", cmd, done, n);
		return done;
	}
	return done ? done : -EBUSY;
}

static int pvh_release(unsigned long *pfns, unsigned int n)
{
	return reservation_op(XENMEM_decrease_reservation, pfns, n);
}

static int pvh_reclaim(unsigned long *pfns, unsigned int n)
{
	return reservation_op(XENMEM_populate_physmap, pfns, n);
}

const struct balloon_ops xen_balloon_pvh_ops = {
	.name = "PVH",
	.release = pvh_release,
	.reclaim = pvh_reclaim,
};
