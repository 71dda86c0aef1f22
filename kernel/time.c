/* Generic time: uptime from the pv_ops clock and one-shot software timers
 * multiplexed onto the backend's single one-shot clock event. */
#include <kernel/time.h>
#include <kernel/printk.h>
#include <asm/paravirt.h>
#include <asm/processor.h>

u64 boot_clock_ns;
u64 tsc_khz;
static bool ready;
static struct timer *timer_head;
static unsigned long nr_timer_irqs;

bool clock_ready(void)
{
	return ready;
}

u64 clock_ns(void)
{
	return pv_ops->time->clock_ns();
}

u64 uptime_ns(void)
{
	u64 now = clock_ns();

	return now > boot_clock_ns ? now - boot_clock_ns : 0;
}

void udelay(unsigned long us)
{
	u64 end = clock_ns() + us * NSEC_PER_USEC;

	while (clock_ns() < end)
		cpu_relax();
}

void time_init(void)
{
	int rc = pv_ops->time->init();

	if (rc)
		panic("time: clock initialisation failed (%d)", rc);
	ready = true;
	{
		u64 wc = pv_ops->time->wallclock_s();

		pr_info("time: clock %s, wall clock %llu s since the epoch\n",
			pv_ops->time->clocksource, (unsigned long long)wc);
	}
}

static void program_next(void)
{
	if (timer_head)
		pv_ops->time->set_oneshot(timer_head->expires_ns);
}

void timer_add(struct timer *t, u64 expires_ns, void (*fn)(struct timer *t))
{
	unsigned long flags = local_irq_save();
	struct timer **pp = &timer_head;

	if (t->pending)
		timer_cancel(t);
	t->expires_ns = expires_ns;
	t->fn = fn;
	t->pending = true;
	while (*pp && (*pp)->expires_ns <= expires_ns)
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
	if (timer_head == t)
		program_next();
	local_irq_restore(flags);
}

bool timer_cancel(struct timer *t)
{
	unsigned long flags = local_irq_save();
	bool found = false;

	for (struct timer **pp = &timer_head; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			found = true;
			break;
		}
	}
	t->pending = false;
	local_irq_restore(flags);
	return found;
}

/* Runs with interrupts (events) disabled, from the clock-event handler. */
void timer_interrupt(void)
{
	u64 now = clock_ns();

	nr_timer_irqs++;
	while (timer_head && timer_head->expires_ns <= now) {
		struct timer *t = timer_head;

		timer_head = t->next;
		t->pending = false;
		t->fn(t);
		now = clock_ns();
	}
	program_next();
}

unsigned long timer_interrupt_count(void)
{
	return nr_timer_irqs;
}

static void wake_only(struct timer *t)
{
}

bool idle_wait(bool (*done)(void *arg), void *arg, u64 timeout_ns)
{
	struct timer deadline = { 0 };
	u64 end = clock_ns() + timeout_ns;
	bool ok;

	/* Arm a timer so the idle loop wakes even if no event comes. */
	timer_add(&deadline, end, wake_only);
	for (;;) {
		/* Check with interrupts off and let safe_halt enable them
		 * atomically: an event arriving after the check must end the
		 * halt, not be consumed before it (a lost wakeup that would
		 * sleep until the deadline). */
		local_irq_disable();
		ok = done(arg);
		if (ok || clock_ns() >= end) {
			local_irq_enable();
			break;
		}
		pv_ops->cpu->safe_halt();
	}
	timer_cancel(&deadline);
	return ok;
}
