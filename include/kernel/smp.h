/* Per-CPU data. Every CPU (vCPU under Xen) owns one struct cpu, reached
 * through the GS segment base, which each CPU points at its own entry
 * before it runs any C code that may lock or print. Other per-CPU state
 * lives in arrays indexed by smp_processor_id() (DEFINE_PER_CPU), owned by
 * the subsystem that uses it. */
#ifndef KERNEL_SMP_H
#define KERNEL_SMP_H

#include <kernel/compiler.h>
#include <kernel/atomic.h>

#define NR_CPUS CONFIG_NR_CPUS
/* Each CPU's idle thread (and start-up) stack. */
#define CPU_IDLE_STACK_PAGES 4

struct thread;

struct cpu {
	struct cpu *self;           /* %gs:0, must stay first */
	unsigned int id;            /* %gs:8: index into cpu_data[] */
	unsigned int irq_depth;     /* interrupt handlers running on this CPU */
	struct thread *current;
	/* What the outermost interrupt interrupted (rip, rflags), for the
	 * lock checker's reports. */
	unsigned long irq_from_rip[4], irq_from_flags[4];
	unsigned int spin_depth;    /* spinlocks held (lock checker) */
	bool need_resched;
	bool going_offline;          /* hotplug asked this CPU to stop */
	u32 apic_id;                /* native and PVH: local APIC id */
	unsigned int vcpu_id;       /* Xen: the vCPU number */
	void *idle_stack;           /* base of the idle thread's stack */
	/* Counters kept per CPU so the hot paths never share a cache line. */
	unsigned long nr_ipis_received;
	unsigned long nr_tlb_flushes;
};

extern struct cpu cpu_data[NR_CPUS];
extern unsigned int nr_cpus_possible;   /* CPUs found (MADT, Xen) */
extern unsigned long cpu_online_mask;   /* bit n: cpu_data[n] online */

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;

	__asm__ __volatile__("mov %%gs:0, %0" : "=r"(c));
	return c;
}

static inline unsigned int smp_processor_id(void)
{
	unsigned int id;

	__asm__ __volatile__("movl %%gs:8, %0" : "=r"(id));
	return id;
}

static inline bool cpu_online(unsigned int cpu)
{
	return cpu < NR_CPUS && (__atomic_load_n(&cpu_online_mask, __ATOMIC_ACQUIRE) >> cpu) & 1;
}

static inline unsigned int num_online_cpus(void)
{
	unsigned long m = __atomic_load_n(&cpu_online_mask, __ATOMIC_RELAXED);
	unsigned int n = 0;

	/* No popcount builtin: it needs libgcc, which the kernel lacks. */
	for (; m; m &= m - 1)
		n++;
	return n;
}

#define for_each_online_cpu(c) \
	for ((c) = 0; (c) < NR_CPUS; (c)++) \
		if (cpu_online(c))

#define for_each_possible_cpu(c) for ((c) = 0; (c) < nr_cpus_possible; (c)++)

static inline bool in_interrupt(void)
{
	return this_cpu()->irq_depth != 0;
}

/* type must be a plain type name: wrap arrays in a struct (an array
 * declarator in name would put the CPU index on the wrong dimension). */
#define DEFINE_PER_CPU(type, name) __typeof__(type) name[NR_CPUS]
#define DECLARE_PER_CPU(type, name) extern __typeof__(type) name[NR_CPUS]
#define per_cpu(name, cpu) ((name)[cpu])
#define this_cpu_ptr(name) (&(name)[smp_processor_id()])

/* Boot CPU: point GS at cpu_data[0]; the first thing start_kernel does. */
void smp_early_init(void);
/* Bring up the other CPUs (honours nosmp and maxcpus=). */
void smp_init(void);
/* Entry of a secondary CPU once its mode-specific start code has set up
 * GS, stacks and traps: joins the scheduler and never returns. */
void __noreturn secondary_start(void);

/* IPIs. */
enum ipi_kind {
	IPI_RESCHEDULE,
	IPI_CALL_FUNCTION,
	NR_IPIS,
};
void smp_send_reschedule(unsigned int cpu);
/* Run fn(arg) on cpu (in interrupt context there) and wait for it to
 * finish; on this CPU it is a direct call. 0 or -errno. */
int smp_call_function_single(unsigned int cpu, void (*fn)(void *), void *arg);
/* Run fn(arg) on every other online CPU and wait. */
int smp_call_function_others(void (*fn)(void *), void *arg);
/* Called by each backend's IPI handler. */
void smp_ipi_received(enum ipi_kind kind);
/* Flush the whole TLB of every online CPU (this one included). */
void flush_tlb_all_cpus(void);

/* Offline/online for hotplug (kernel/smp.c); CPU 0 never goes offline. */
int cpu_down(unsigned int cpu);
int cpu_up(unsigned int cpu);
/* Set when something outside the kernel (the Xen toolstack through
 * cpu/N/availability) decides which CPUs are online. */
extern bool cpu_hotplug_managed;
/* Called by the idle loop of a CPU asked to go offline. */
void smp_cpu_offline_self(void);

#endif
