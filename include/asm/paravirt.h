/* The paravirt-ops layer: every operation whose implementation differs
 * between bare metal and a Xen guest mode is reached through these const
 * tables. One backend's struct pv_ops is chosen at boot (from the entry path
 * and the hypervisor CPUID leaves) and never changes afterwards.
 * docs/pv-ops.md describes each op. */
#ifndef ASM_PARAVIRT_H
#define ASM_PARAVIRT_H

#include <kernel/compiler.h>
#include <asm/page.h>

struct bootinfo;
struct pt_regs;
struct spinlock;
struct cpu;

enum shutdown_reason {
	SHUTDOWN_POWEROFF,
	SHUTDOWN_REBOOT,
	SHUTDOWN_CRASH,
};

struct pv_init_ops {
	/* Fill the boot information (memory map, command line) from the boot
	 * protocol and bring up the earliest console. No allocation yet. */
	void (*early_setup)(struct bootinfo *bi);
	/* Last chance to adjust the memory map before the page allocator uses
	 * it (Xen PV removes its bootstrap page tables, P2M, start info). */
	void (*reserve_memory)(struct bootinfo *bi);
	/* After the page allocator and the direct map exist: map shared pages,
	 * set up interrupt delivery. */
	void (*post_mm_setup)(struct bootinfo *bi);
	/* After timers and interrupts are live: switch the console to its
	 * final (interrupt-driven) form, announce features. */
	void (*late_setup)(void);
};

struct pv_cpu_ops {
	/* Install exception and interrupt entry points (lidt, or Xen's
	 * set_trap_table plus event/failsafe callbacks). */
	void (*load_idt)(void);
	/* Wait for the next interrupt/event with interrupts enabled. */
	void (*safe_halt)(void);
	/* Leave the machine. status is the self-test result for harnesses. */
	void __noreturn (*shutdown)(enum shutdown_reason why, int status);
};

struct pv_irq_ops {
	/* Return X86_EFLAGS_IF if interrupts (events) are enabled. */
	unsigned long (*save_fl)(void);
	void (*restore_fl)(unsigned long flags);
	void (*irq_disable)(void);
	void (*irq_enable)(void);
};

struct pv_mmu_ops {
	/* Build a page-table entry for (pseudo-)physical address pa into
	 * *pte. 0, or -ENXIO if pa has no frame behind it (Xen PV: no P2M
	 * entry); callers must not install anything then. */
	int (*make_pte)(phys_addr_t pa, u64 flags, u64 *pte);
	/* Entry linking to a lower-level table at pa. Distinct from
	 * make_pte because Xen PV must drop RW from leaf mappings of
	 * page-table pages but never from the links themselves. */
	u64 (*make_table_entry)(phys_addr_t pa);
	/* (Pseudo-)physical address held by an entry. */
	phys_addr_t (*pte_phys)(u64 pte);
	/* Write one entry of a live page table. Under Xen PV the write is a
	 * validated mmu_update, queued while a batch is open. */
	int (*set_pte)(u64 *ptep, u64 val);
	/* A page is about to become (or stops being) a page table at level
	 * 1..4. Xen PV must make it read-only first. */
	int (*alloc_pt)(int level, phys_addr_t pa);
	int (*release_pt)(int level, phys_addr_t pa);
	/* Optional (NULL natively). A page was filled as a level-'level'
	 * table while it was ordinary writable memory and is about to be
	 * linked in: queue, in the open batch, what makes it read-only in
	 * our own mappings (Xen PV). Unlike alloc_pt it issues nothing at
	 * once; the mappings it looks at must already be applied. */
	int (*prepare_pt)(int level, phys_addr_t pa);
	/* Open a batch of page-table updates (Xen PV: one multicall), apply
	 * what is queued so far, and close the batch (applying the rest). */
	void (*batch_begin)(void);
	int (*batch_flush)(void);
	int (*batch_end)(void);
	void (*flush_tlb_one)(unsigned long va);
	void (*flush_tlb_all)(void);
	unsigned long (*read_cr2)(void);
	/* 2 MiB mappings allowed (not in Xen PV). */
	bool large_pages;
	/* Pseudo-physical address of the current top-level table. */
	phys_addr_t (*read_cr3)(void);
};

struct pv_time_ops {
	const char *clocksource;
	/* Calibrate the clock and set up the timer interrupt. */
	int (*init)(void);
	/* Monotonic nanoseconds since an arbitrary point before boot. */
	u64 (*clock_ns)(void);
	/* Fire timer_interrupt() once at (or after) the given clock_ns(). */
	int (*set_oneshot)(u64 deadline_ns);
	/* Seconds since the Unix epoch, or 0 if unknown. */
	u64 (*wallclock_s)(void);
};

/* Spinlock slow path. NULL hooks: waiters just spin (bare metal, where a
 * lock holder is never descheduled behind our back). */
struct pv_lock_ops {
	/* Block this CPU until kicked for (l, ticket) or a short timeout;
	 * spurious returns are fine, the caller re-checks the lock. */
	void (*wait)(struct spinlock *l, u16 ticket);
	/* Wake whichever CPU waits in wait() for l to reach ticket. */
	void (*kick)(struct spinlock *l, u16 ticket);
};

/* Bringing up and talking to other CPUs (kernel/smp.c is the generic part;
 * arch/x86/kernel/smp.c, arch/x86/xen/smp_pv.c and smp_pvh.c the modes). */
struct pv_smp_ops {
	/* Point this CPU's GS base at its struct cpu (first thing on every
	 * CPU, before any lock or print). */
	void (*set_cpu_base)(struct cpu *c);
	/* Find the CPUs there are, up to max: fill cpu_data[i].apic_id or
	 * .vcpu_id for each; returns how many (at least 1, the boot CPU). */
	unsigned int (*detect_cpus)(unsigned int max);
	/* Per-CPU interrupt plumbing for the calling CPU (IPIs, timer
	 * event, vcpu_info); runs on each CPU as it comes up, boot CPU
	 * included. 0 or -errno. */
	int (*cpu_setup)(unsigned int cpu);
	/* Start cpu on a fresh stack; the CPU ends in secondary_start(). */
	int (*start_cpu)(unsigned int cpu, void *stack_top);
	void (*send_ipi)(unsigned int cpu, int kind);
	/* Undo cpu_setup on the calling CPU and stop it for good (hotplug). */
	void __noreturn (*cpu_die)(void);
	/* The other side of cpu_die, on a CPU that stays (e.g. VCPUOP_down
	 * confirmation). */
	void (*cpu_dead)(unsigned int cpu);
	/* Flush the TLBs of the CPUs in mask (may include this one); NULL:
	 * generic IPI-driven flush. */
	void (*flush_tlb_mask)(unsigned long mask);
};

struct pv_ops {
	const char *name;
	const struct pv_init_ops *init;
	const struct pv_cpu_ops *cpu;
	const struct pv_irq_ops *irq;
	const struct pv_mmu_ops *mmu;
	const struct pv_time_ops *time;
	const struct pv_lock_ops *lock;
	const struct pv_smp_ops *smp;
};

extern const struct pv_ops *pv_ops;

/* The native backend (arch/x86/kernel/) and its groups, for backends that
 * share them (PVH uses native cpu, irq and mmu ops). */
extern const struct pv_ops native_pv_ops;
extern const struct pv_init_ops native_init_ops;
extern const struct pv_cpu_ops native_cpu_ops;
extern const struct pv_irq_ops native_irq_ops;
extern const struct pv_mmu_ops native_mmu_ops;
extern const struct pv_lock_ops native_lock_ops;
extern const struct pv_smp_ops native_smp_ops;
void native_safe_halt(void);
void native_drop_identity_map(void);

static inline unsigned long local_irq_save(void)
{
	unsigned long f = pv_ops->irq->save_fl();

	pv_ops->irq->irq_disable();
	return f;
}

static inline void local_irq_restore(unsigned long f)
{
	pv_ops->irq->restore_fl(f);
}

static inline void local_irq_enable(void)
{
	pv_ops->irq->irq_enable();
}

static inline void local_irq_disable(void)
{
	pv_ops->irq->irq_disable();
}

static inline bool irqs_enabled(void)
{
	return pv_ops->irq->save_fl() != 0;
}

#endif
