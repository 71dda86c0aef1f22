/* Granting a shared ring to the backend. Kept apart from the rest of the
 * client because it is the only xenbus code that needs the grant tables. */
#include "xenbus_internal.h"
#include <xen/grant_table.h>
#include <kernel/mm.h>
#include <kernel/errno.h>

int xenbus_grant_ring(struct xenbus_device *dev, void *va, unsigned int nr_pages,
		      grant_ref_t *grefs)
{
	unsigned int i;
	int rc = 0;

	if (!va || !grefs || nr_pages == 0 || nr_pages > XENBUS_MAX_RING_PAGES ||
	    ((unsigned long)va & (PAGE_SIZE - 1))) {
		rc = -EINVAL;
		xenbus_dev_fatal(dev, rc, "granting a ring of %u page(s)", nr_pages);
		return rc;
	}
	for (i = 0; i < nr_pages; i++) {
		rc = gnttab_grant_access(dev->otherend_id,
					 xen_virt_to_gfn((const char *)va + (unsigned long)i * PAGE_SIZE),
					 false, &grefs[i]);
		if (rc)
			break;
	}
	if (!rc)
		return 0;
	/* All or nothing: take back what was granted. Nobody has the refs
	 * yet (they were never written to xenstore), so ending access
	 * cannot find them mapped; if it ever did, the ref is leaked rather
	 * than reused while mapped. */
	while (i--) {
		if (!gnttab_end_access(grefs[i]))
			gnttab_free_refs(&grefs[i], 1);
		grefs[i] = GNTTAB_INVALID_REF;
	}
	xenbus_dev_fatal(dev, rc, "granting ring page access to domain %u", dev->otherend_id);
	return rc;
}
