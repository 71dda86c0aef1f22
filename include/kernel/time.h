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

/* One-shot software timers, run from the timer interrupt. */
struct timer {
	u64 expires_ns;            /* clock_ns() deadline */
	void (*fn)(struct timer *t);
	struct timer *next;
	bool pending;
};
void timer_add(struct timer *t, u64 expires_ns, void (*fn)(struct timer *t));
bool timer_cancel(struct timer *t);
unsigned long timer_interrupt_count(void);
/* Idle until done(arg) is true or timeout_ns passes; returns the last
 * value of done(arg). done() runs with interrupts disabled and must not
 * wait itself. */
bool idle_wait(bool (*done)(void *arg), void *arg, u64 timeout_ns);

/* Boot-time first-instruction stamp converted to clock_ns() units. */
extern u64 boot_clock_ns;
extern u64 tsc_khz;

#endif
