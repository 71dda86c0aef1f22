/* A sampling profiler for the monitor (kernel/prof.c, docs/monitor.md):
 * `prof start [HZ]` records the interrupted instruction pointer at every
 * interrupt entry (Xen event upcall, PVH callback, native APIC timer), with
 * a software timer on the starting CPU at HZ so that busy code is sampled
 * even when no device interrupts; `prof stop [N]` prints the N functions
 * with the most samples. There are no performance counters under Xen or
 * QEMU/TCG, so this is the way to see where a guest's CPU time goes. */
#ifndef KERNEL_PROF_H
#define KERNEL_PROF_H

#include <kernel/types.h>

struct pt_regs;

/* Called first thing by interrupt entry paths; costs one load when off. */
void prof_sample_regs(const struct pt_regs *regs);
void prof_sample(unsigned long ip);

/* One function's share of a sample set, for prof_top(). */
struct prof_entry {
	unsigned long addr;        /* function start (0: outside the symbol table) */
	unsigned int count;
};

/* Pure part (lib/prof_top.c, host-tested): replace each of samples[0..n)
 * by lookup(ip), the start of the function containing it (0 if none),
 * sort them in place, and fill top[0..max) with the largest groups,
 * largest first, equal counts in address order. Returns how many entries
 * it filled (at most max, at most the number of distinct functions). */
unsigned int prof_top(unsigned long *samples, unsigned int n,
		      unsigned long (*lookup)(unsigned long ip), struct prof_entry *top,
		      unsigned int max);

#endif
