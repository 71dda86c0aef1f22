/* The kernel's Xen API for generic code and Xen drivers: which kind of
 * domain this is, the shared_info page and each vCPU's vcpu_info. Event
 * channels are in <xen/events.h>, xenstore in <xen/xenstore.h>, the
 * console hooks in <xen/console.h>. What only the Xen backends need is
 * private to arch/x86/xen/ (xen-ops.h there). */
#ifndef XEN_XEN_H
#define XEN_XEN_H

#include <kernel/compiler.h>
#include <xen/interface/xen.h>

struct pv_ops;

extern const struct pv_ops xen_pv_ops;
extern const struct pv_ops xen_pvh_ops;

extern struct shared_info *HYPERVISOR_shared_info;
extern bool xen_initial_domain;
extern bool xen_pv_domain;

/* Each vCPU's vcpu_info: the slot in shared_info at first, then the
 * per-CPU copy registered with VCPUOP_register_vcpu_info. */
extern struct vcpu_info *xen_vcpu_info[CONFIG_NR_CPUS];

static inline struct vcpu_info *xen_vcpu(void)
{
	unsigned int cpu;

	__asm__ __volatile__("movl %%gs:8, %0" : "=r"(cpu)); /* smp_processor_id() */
	return xen_vcpu_info[cpu];
}

/* Driver start-up, called by the backends once xenstore works. */
int xen_control_init(void);
/* Follow cpu/<N>/availability (xl vcpu-set); drivers/xen/cpu_hotplug.c. */
int xen_cpu_hotplug_init(void);

/* For the self-tests: the pvclock without the monotonic clamp, and how
 * often the clamp was needed (arch/x86/xen/time.c). */
u64 xen_clock_raw_ns(void);
extern unsigned long xen_clock_clamps;
/* From Xen's time CPUID leaf: every TSC read traps to Xen (emulated), the
 * host TSC is reliable; and whether the pvclock claims a stable TSC. */
extern bool xen_tsc_emulated, xen_tsc_reliable;
bool xen_pvclock_stable(void);

#endif
