/* The kernel's Xen API: what generic and arch code may know about Xen. */
#ifndef XEN_XEN_H
#define XEN_XEN_H

#include <kernel/compiler.h>

struct pv_ops;

extern const struct pv_ops xen_pv_ops;
extern const struct pv_ops xen_pvh_ops;

#endif
