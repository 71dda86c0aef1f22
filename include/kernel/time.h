#ifndef KERNEL_TIME_H
#define KERNEL_TIME_H

#include <kernel/types.h>

#define NSEC_PER_USEC 1000ULL
#define NSEC_PER_MSEC 1000000ULL
#define NSEC_PER_SEC 1000000000ULL

bool clock_ready(void);
/* Nanoseconds since the kernel's first instruction (boot TSC), once the
 * clock is ready; from pv_ops->time->clock_ns(). */
u64 uptime_ns(void);
u64 clock_ns(void);
void time_init(void);
/* Called by the active clock-event backend when the one-shot timer fires. */
void timer_interrupt(void);
void udelay(unsigned long us);

/* One-shot software timers, run from the timer interrupt of the CPU that
 * added them. Each CPU keeps its own sorted list under its own lock and
 * programs its own clock event. */
struct timer {
	u64 expires_ns;            /* clock_ns() deadline */
	void (*fn)(struct timer *t);
	struct timer *next;
	bool pending;
	unsigned int cpu;          /* list it is on while pending */
};
void timer_add(struct timer *t, u64 expires_ns, void (*fn)(struct timer *t));
bool timer_cancel(struct timer *t);
unsigned long timer_interrupt_count(void);
/* Move this CPU's pending timers to cpu (hotplug, the CPU going away). */
void timers_migrate(unsigned int from, unsigned int to);
/* Re-arm this CPU's clock event for its earliest timer (CPU bring-up). */
void timers_cpu_start(void);
/* Poll done(arg) about every millisecond, sleeping in between, until it
 * is true or timeout_ns passes; returns its last value. For self-tests
 * that watch a counter; drivers wait on wait queues instead. */
bool idle_wait(bool (*done)(void *arg), void *arg, u64 timeout_ns);

/* Boot-time first-instruction stamp converted to clock_ns() units. */
extern u64 boot_clock_ns;
extern u64 tsc_khz;

#endif
