/* Between the shared suspend code (suspend.c) and the per-mode parts
 * (suspend_pv.c, suspend_pvh.c); nobody else uses this. */
#ifndef ARCH_X86_XEN_SUSPEND_H
#define ARCH_X86_XEN_SUSPEND_H

#include <xen/suspend.h>

struct xen_suspend_mode_ops {
	const char *name;
	/* Events off, on vCPU 0, other vCPUs down: prepare what the save
	 * needs, make the SCHEDOP_shutdown(SHUTDOWN_suspend) hypercall and
	 * put back what this mode needs before anything else runs: 1 for
	 * cancelled (the same domain), 0 for a new domain, in which case ri
	 * gets the new console and xenstore event channels. */
	int (*suspend)(struct xen_resume_info *ri);
};
extern const struct xen_suspend_mode_ops xen_suspend_pv_ops;
extern const struct xen_suspend_mode_ops xen_suspend_pvh_ops;

/* arch/x86/xen/smp.c: register the boot vCPU's vcpu_info again in a new
 * domain, and forget every other vCPU's registration (they register again
 * as they come up). Events off. */
void xen_vcpu_info_resume(void);
/* smp_pv.c / smp_pvh.c: vCPUs that were down at the save have no context
 * in the new domain and need VCPUOP_initialise again. */
void xen_pv_smp_resume(void);
void xen_pvh_smp_resume(void);
/* enlighten_pv.c: where shared_info appears (its machine address), or
 * the page's own frame while the domain is being saved. */
int xen_pv_map_shared_info(unsigned long maddr);
int xen_pv_unmap_shared_info(void);
/* suspend_pv.c: publish the P2M's location in shared_info for the save
 * (at boot and after each restore, as the root's frame changes). */
void xen_pv_publish_p2m(void);

#endif
