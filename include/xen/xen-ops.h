/* Pieces shared by the Xen PV and PVH backends and the Xen drivers. */
#ifndef XEN_XEN_OPS_H
#define XEN_XEN_OPS_H

#include <kernel/compiler.h>
#include <asm/paravirt.h>
#include <xen/interface/xen.h>
#include <xen/events.h>

extern struct shared_info *HYPERVISOR_shared_info;
extern struct start_info *xen_start_info;   /* PV only */
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

void __noreturn xen_shutdown(enum shutdown_reason why, int status);
void xen_report_version(void);
struct memmap;
/* Append XENMEM_memory_map's entries to m; 0 or -errno. */
int xen_memory_map_read(struct memmap *m);
/* The host's map (dom0 only), for information. */
int xen_machine_map_read(struct memmap *m);

/* Time (arch/x86/xen/time.c): pvclock + VIRQ_TIMER, shared by PV and PVH. */
extern const struct pv_time_ops xen_time_ops;
u64 xen_clock_raw_ns(void);      /* pvclock without the monotonic clamp */
extern unsigned long xen_clock_clamps;  /* times xen_clock_ns() clamped */

/* Events: include/xen/events.h. Per-vCPU plumbing shared by PV and PVH
 * (arch/x86/xen/smp.c, spinlock.c, time.c). */
unsigned int xen_detect_cpus(unsigned int max);
int xen_vcpu_info_setup(unsigned int cpu);
int xen_smp_cpu_setup(unsigned int cpu);
void xen_smp_cpu_teardown(unsigned int cpu);
void xen_send_ipi(unsigned int cpu, int kind);
int xen_spinlock_cpu_setup(unsigned int cpu);
void xen_spinlock_cpu_dead(unsigned int cpu);
int xen_time_cpu_setup(unsigned int cpu);
void xen_time_cpu_teardown(unsigned int cpu);
extern const struct pv_lock_ops xen_lock_ops;

/* Console (drivers/xen/console.c). */
void xen_console_early_init(void);       /* console_io (dom0) */
int xen_console_ring_init(void *ring, unsigned int evtchn);  /* domU ring */
void xen_console_ring_exit(void);        /* unregister and forget the ring */
int xen_console_late_init(void);

/* What the Xen boot handed us, whichever the mode: filled by the mode's
 * early setup (PV: start_info; PVH: start info and HVM parameters) and
 * used by the shared steps in arch/x86/xen/enlighten.c. Addresses are
 * (pseudo-)physical; 0 means none. */
struct xen_boot_info {
	bool initial_domain;
	bool pv;
	phys_addr_t console_pa;     /* domU console ring */
	unsigned int console_evtchn;
	phys_addr_t store_pa;       /* xenstore ring (none: dom0 without xenstored) */
	unsigned int store_evtchn;
};
extern struct xen_boot_info xen_boot;
struct bootinfo;
void xen_boot_console_init(void *ring_va);
void xen_boot_events_init(void);
void xen_boot_reserve(struct bootinfo *bi);
/* Guest services started once interrupts are on (drivers/xen/). */
void xen_guest_late_init(void);
int xen_control_init(void);
/* Follow cpu/<N>/availability (xl vcpu-set); drivers/xen/cpu_hotplug.c. */
int xen_cpu_hotplug_init(void);

/* Multicalls (arch/x86/xen/multicalls.c, PV). */
int xen_mc_queue(unsigned int op, unsigned long a0, unsigned long a1, unsigned long a2,
		 unsigned long a3, unsigned long a4);
int xen_mc_flush(void);
int xen_mmu_queue(u64 ptr, u64 val);

#endif
