/* Xen network frontend (drivers/xen/netfront.c, docs/netfront.md). */
#ifndef XEN_NETFRONT_H
#define XEN_NETFRONT_H

/* Register the "vif" driver with xenbus; existing vifs are probed and
 * each becomes a network device (ethN). Thread context, after the network
 * stack started. */
int xen_netfront_init(void);

#endif
