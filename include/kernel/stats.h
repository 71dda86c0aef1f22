/* Boot and runtime counters, printed for benchmarks and the monitor. */
#ifndef KERNEL_STATS_H
#define KERNEL_STATS_H

enum stat_id {
	STAT_HYPERCALLS,
	STAT_MULTICALLS,
	STAT_MULTICALL_ENTRIES,
	STAT_MMU_UPDATES,
	STAT_EXCEPTIONS,
	STAT_INTERRUPTS,
	STAT_SPURIOUS,
	STAT_EVENTS,
	STAT_TIMER_IRQS,
	STAT_UPCALLS_DEFERRED,  /* PVH upcalls that came with IF clear (xen_pvh_callback) */
	NR_STATS,
};

/* One row per CPU, so counting never bounces a cache line between CPUs;
 * readers sum the rows. */
extern unsigned long kstats_percpu[CONFIG_NR_CPUS][NR_STATS];

static inline void stats_add(enum stat_id id, unsigned long n)
{
	unsigned int cpu;

	/* struct cpu's id, at %gs:8 (include/kernel/smp.h). The entry code
	 * points GS at cpu_data[0] before the first hypercall is counted. */
	__asm__ __volatile__("movl %%gs:8, %0" : "=r"(cpu));
	/* One instruction: atomic against interrupts on this CPU, which
	 * count into the same row. */
	__asm__ __volatile__("addq %1, %0" : "+m"(kstats_percpu[cpu][id]) : "er"(n));
}

static inline void stats_inc(enum stat_id id)
{
	stats_add(id, 1);
}

/* Sum over every CPU. */
unsigned long stats_read(enum stat_id id);

void stats_report_boot(void);

#endif
