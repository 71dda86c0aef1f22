/* What the Xen backends (PV and PVH, arch/x86/xen/) share among
 * themselves and nobody else needs: boot hand-over, time, per-vCPU
 * plumbing, PV multicalls. Drivers use <xen/xen.h>, <xen/events.h> and
 * friends instead. */
#ifndef ARCH_X86_XEN_XEN_OPS_H
#define ARCH_X86_XEN_XEN_OPS_H

#include <kernel/compiler.h>
#include <asm/paravirt.h>
#include <xen/xen.h>
#include <xen/events.h>
#include <xen/console.h>
#include <xen/page.h>

extern struct start_info *xen_start_info;   /* PV only */

void __noreturn xen_shutdown(enum shutdown_reason why, int status);
void xen_report_version(void);
struct memmap;
/* Append XENMEM_memory_map's entries to m; 0 or -errno. */
int xen_memory_map_read(struct memmap *m);
/* The host's map (dom0 only), for information. */
int xen_machine_map_read(struct memmap *m);

/* Time (arch/x86/xen/time.c): pvclock + VIRQ_TIMER, shared by PV and PVH. */
extern const struct pv_time_ops xen_time_ops;

/* Events: include/xen/events.h. Per-vCPU plumbing shared by PV and PVH
 * (arch/x86/xen/smp.c, spinlock.c, time.c). */
unsigned int xen_detect_cpus(unsigned int max);
int xen_vcpu_info_setup(unsigned int cpu);
int xen_smp_cpu_setup(unsigned int cpu);
void xen_smp_cpu_teardown(unsigned int cpu);
void xen_send_ipi(unsigned int cpu, int kind);
struct cpu;
int xen_vcpu_up(struct cpu *c);
void __noreturn xen_vcpu_down_and_reenter(void (*entry)(void));
void xen_cpu_dead(unsigned int cpu);
int xen_spinlock_cpu_setup(unsigned int cpu);
void xen_spinlock_cpu_dead(unsigned int cpu);
/* Resume into a new domain: forget cpu's old port numbers (suspend.c). */
void xen_spinlock_resume_forget(unsigned int cpu);
void xen_time_resume_forget(unsigned int cpu);
/* Register the suspend/resume hooks of smp.c (suspend.c's list). */
void xen_smp_pm_init(void);
int xen_time_cpu_setup(unsigned int cpu);
void xen_time_cpu_teardown(unsigned int cpu);
extern const struct pv_lock_ops xen_lock_ops;

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

/* Multicalls (arch/x86/xen/multicalls.c, PV). */
int xen_mc_queue(unsigned int op, unsigned long a0, unsigned long a1, unsigned long a2,
		 unsigned long a3, unsigned long a4);
int xen_mc_flush(void);
/* Give a secondary CPU its batch before it first runs: 0 or -ENOMEM. */
int xen_mc_cpu_init(unsigned int cpu);
int xen_mmu_queue(u64 ptr, u64 val);

/* PV MMU internals (mmu_pv.c): the P2M list, Xen's bootstrap page
 * tables, the ops group. */
extern unsigned long xen_p2m_size;
extern unsigned long *xen_p2m;
extern phys_addr_t xen_pt_start, xen_pt_end;
extern const struct pv_mmu_ops xen_pv_mmu_ops;

/* Multicall batches (arch/x86/xen/multicalls.c). begin disables events
 * until the matching (outermost) end, which flushes; they nest. */
void xen_mc_batch_begin(void);
int xen_mc_batch_end(void);
bool xen_mc_in_batch(void);

#endif
