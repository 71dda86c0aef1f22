/* Xen block frontend (drivers/xen/blkfront.c, docs/blkfront.md). */
#ifndef XEN_BLKFRONT_H
#define XEN_BLKFRONT_H

/* Register the "vbd" driver with xenbus; called once by the Xen late
 * init after xenbus is up. 0 or -errno. */
int xen_blkfront_init(void);

#endif
