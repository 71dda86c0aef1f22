/* Generic time: uptime from the pv_ops clock and one-shot software timers,
 * one sorted list per CPU multiplexed onto that CPU's one-shot clock
 * event. Locking: each list has an irqsave spinlock (a leaf lock; timer
 * callbacks run without it held). */
#include <kernel/time.h>
#include <kernel/printk.h>
#include <kernel/spinlock.h>
#include <kernel/smp.h>
#include <kernel/sched.h>
#include <asm/paravirt.h>
#include <asm/processor.h>

u64 boot_clock_ns;
u64 tsc_khz;
static bool ready;

struct timer_base {
	spinlock_t lock;
	struct timer *head;
	struct timer *running;     /* callback in progress */
	unsigned long nr_irqs;
};
static struct timer_base timer_bases[NR_CPUS];

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
	int rc;

	for (unsigned int i = 0; i < NR_CPUS; i++)
		spin_lock_init(&timer_bases[i].lock, "timer_base");
	rc = pv_ops->time->init();
	if (rc)
		panic("time: clock initialisation failed (%d)", rc);
	ready = true;
	{
		u64 wc = pv_ops->time->wallclock_s();

		pr_info("time: clock %s, wall clock %llu s since the epoch\n",
			pv_ops->time->clocksource, (unsigned long long)wc);
	}
}

/* Called with the base locked, on the base's own CPU. */
static void program_next(struct timer_base *b)
{
	if (b->head)
		pv_ops->time->set_oneshot(b->head->expires_ns);
}

static void insert_sorted(struct timer_base *b, struct timer *t)
{
	struct timer **pp = &b->head;

	while (*pp && (*pp)->expires_ns <= t->expires_ns)
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
}

void timer_add(struct timer *t, u64 expires_ns, void (*fn)(struct timer *t))
{
	unsigned long flags;
	struct timer_base *b;

	if (READ_ONCE(t->pending))
		timer_cancel(t);
	flags = local_irq_save();
	b = &timer_bases[smp_processor_id()];
	spin_lock(&b->lock);
	t->expires_ns = expires_ns;
	t->fn = fn;
	t->cpu = smp_processor_id();
	t->pending = true;
	insert_sorted(b, t);
	if (b->head == t)
		program_next(b);
	spin_unlock(&b->lock);
	local_irq_restore(flags);
}

bool timer_cancel(struct timer *t)
{
	struct timer_base *b;
	unsigned long flags;
	bool found = false;
	unsigned int cpu;

	for (;;) {
		cpu = READ_ONCE(t->cpu);
		b = &timer_bases[cpu < NR_CPUS ? cpu : 0];
		flags = spin_lock_irqsave(&b->lock);
		if (READ_ONCE(t->cpu) == cpu)
			break;
		spin_unlock_irqrestore(&b->lock, flags);
	}
	for (struct timer **pp = &b->head; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			found = true;
			break;
		}
	}
	t->pending = false;
	spin_unlock_irqrestore(&b->lock, flags);
	/* The callback may be running on its CPU right now; the caller may
	 * free the timer once we return, so wait for it (never for our own
	 * CPU, where it would be the caller itself). */
	if (cpu != smp_processor_id())
		while (READ_ONCE(b->running) == t)
			cpu_relax();
	return found;
}

/* Runs with interrupts (events) disabled, from this CPU's clock event. */
void timer_interrupt(void)
{
	struct timer_base *b = &timer_bases[smp_processor_id()];
	u64 now = clock_ns();

	spin_lock(&b->lock);
	b->nr_irqs++;
	while (b->head && b->head->expires_ns <= now) {
		struct timer *t = b->head;

		b->head = t->next;
		t->pending = false;
		b->running = t;
		spin_unlock(&b->lock);
		t->fn(t);
		spin_lock(&b->lock);
		b->running = NULL;
		now = clock_ns();
	}
	program_next(b);
	spin_unlock(&b->lock);
}

unsigned long timer_interrupt_count(void)
{
	unsigned long n = 0;

	for (unsigned int i = 0; i < NR_CPUS; i++)
		n += READ_ONCE(timer_bases[i].nr_irqs);
	return n;
}

void timers_cpu_start(void)
{
	struct timer_base *b = &timer_bases[smp_processor_id()];
	unsigned long flags = spin_lock_irqsave(&b->lock);

	program_next(b);
	spin_unlock_irqrestore(&b->lock, flags);
}

static void timers_cpu_start_on(void *unused)
{
	timers_cpu_start();
}

void timers_migrate(unsigned int from, unsigned int to)
{
	struct timer_base *src = &timer_bases[from], *dst = &timer_bases[to];
	unsigned long flags = local_irq_save();
	struct timer *list;

	spin_lock(from < to ? &src->lock : &dst->lock);
	spin_lock(from < to ? &dst->lock : &src->lock);
	list = src->head;
	src->head = NULL;
	while (list) {
		struct timer *t = list;

		list = t->next;
		t->cpu = to;
		insert_sorted(dst, t);
	}
	spin_unlock(&dst->lock);
	spin_unlock(&src->lock);
	local_irq_restore(flags);
	/* The target reprograms its clock event when its next timer
	 * interrupt or add happens; make that now. */
	if (to == smp_processor_id())
		timers_cpu_start();
	else
		smp_call_function_single(to, timers_cpu_start_on, NULL);
}

bool idle_wait(bool (*done)(void *arg), void *arg, u64 timeout_ns)
{
	u64 end = deadline_after(timeout_ns);

	for (;;) {
		u64 now;

		if (done(arg))
			return true;
		now = clock_ns();
		if (now >= end)
			return done(arg);
		sleep_until(MIN(end, now + NSEC_PER_MSEC));
	}
}
