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
	NR_STATS,
};

extern unsigned long kstats[NR_STATS];

static inline void stats_inc(enum stat_id id)
{
	kstats[id]++;
}

static inline void stats_add(enum stat_id id, unsigned long n)
{
	kstats[id] += n;
}

void stats_report_boot(void);

#endif
