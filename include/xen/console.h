/* Xen consoles (drivers/xen/console.c), brought up by the backends: Xen's
 * own through console_io (dom0) or the shared ring (domU). */
#ifndef XEN_CONSOLE_H
#define XEN_CONSOLE_H

void xen_console_early_init(void);                          /* console_io (dom0) */
int xen_console_ring_init(void *ring, unsigned int evtchn); /* domU ring */
void xen_console_ring_exit(void);        /* unregister and forget the ring */
/* Once events work: the console's input event. */
int xen_console_late_init(void);

#endif
