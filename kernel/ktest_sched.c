/* Self-tests of threads and the ways they wait: exit/join, wait queues,
 * completions with and without timeout, mutexes, sleeps. */
#include <kernel/ktest.h>
#include <kernel/sched.h>
#include <kernel/smp.h>
#include <kernel/time.h>
#include <kernel/errno.h>
#include <kernel/printk.h>

static int return_arg(void *arg)
{
	return (int)(long)arg;
}

static void thread_exit_join(struct ktest *t)
{
	unsigned int before = sched_nr_threads();
	struct thread *th[8];

	for (long i = 0; i < 8; i++) {
		th[i] = thread_create("ktest-exit", return_arg, (void *)(i * 3 - 7), CPU_ANY);
		KT_ASSERT(t, th[i] != NULL);
	}
	for (long i = 0; i < 8; i++)
		KT_EXPECT_EQ(t, thread_join(th[i]), i * 3 - 7);
	KT_EXPECT_EQ(t, sched_nr_threads(), before);
}

static int exit_early(void *arg)
{
	thread_exit(42);
}

static void thread_exit_call(struct ktest *t)
{
	struct thread *th = thread_create("ktest-exit2", exit_early, NULL, CPU_ANY);

	KT_ASSERT(t, th != NULL);
	KT_EXPECT_EQ(t, thread_join(th), 42);
}

struct wq_ctx {
	struct waitqueue wq;
	volatile int flag;
	volatile int woke;
};

static int wq_waiter(void *arg)
{
	struct wq_ctx *c = arg;

	wait_event(c->wq, c->flag);
	__atomic_fetch_add(&c->woke, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static void waitqueue_wakes_all(struct ktest *t)
{
	static struct wq_ctx c;
	struct thread *th[4];

	waitqueue_init(&c.wq, "ktest_wq");
	c.flag = 0;
	c.woke = 0;
	for (int i = 0; i < 4; i++) {
		th[i] = thread_create("ktest-wq", wq_waiter, &c, CPU_ANY);
		KT_ASSERT(t, th[i] != NULL);
	}
	sleep_ns(20 * NSEC_PER_MSEC);
	/* A wake-up without the condition puts them back to sleep. */
	wake_up(&c.wq);
	sleep_ns(20 * NSEC_PER_MSEC);
	KT_EXPECT_EQ(t, c.woke, 0);
	c.flag = 1;
	wake_up(&c.wq);
	for (int i = 0; i < 4; i++)
		thread_join(th[i]);
	KT_EXPECT_EQ(t, c.woke, 4);
}

static void completion_timeout(struct ktest *t)
{
	static struct completion c;
	u64 t0, dt;

	completion_init(&c);
	t0 = clock_ns();
	KT_EXPECT(t, !wait_for_completion_timeout(&c, 30 * NSEC_PER_MSEC));
	dt = clock_ns() - t0;
	/* Not before the timeout, and not wildly after (emulation). */
	KT_EXPECT(t, dt >= 30 * NSEC_PER_MSEC);
	KT_EXPECT(t, dt < 500 * NSEC_PER_MSEC);
	complete(&c);
	KT_EXPECT(t, wait_for_completion_timeout(&c, 0));
	/* One complete() satisfies one wait. */
	KT_EXPECT(t, !wait_for_completion_timeout(&c, 0));
	complete_all(&c);
	KT_EXPECT(t, wait_for_completion_timeout(&c, 0));
	KT_EXPECT(t, wait_for_completion_timeout(&c, 0));
}

struct timed_complete {
	struct timer tm;
	struct completion c;
	u64 fired_ns;
};

static void fire_complete(struct timer *tm)
{
	struct timed_complete *tc = container_of(tm, struct timed_complete, tm);

	tc->fired_ns = clock_ns();
	complete(&tc->c);
}

static void completion_from_interrupt(struct ktest *t)
{
	static struct timed_complete tc;
	u64 woke;

	completion_init(&tc.c);
	timer_add(&tc.tm, clock_ns() + 10 * NSEC_PER_MSEC, fire_complete);
	KT_ASSERT(t, wait_for_completion_timeout(&tc.c, 2 * NSEC_PER_SEC));
	woke = clock_ns();
	KT_EXPECT(t, woke >= tc.fired_ns);
	KT_EXPECT(t, woke - tc.fired_ns < 200 * NSEC_PER_MSEC);
}

struct mutex_ctx {
	struct mutex m;
	volatile unsigned long counter;
	volatile int inside;
	volatile int violations;
};

#define MUTEX_ROUNDS 2000

static int mutex_worker(void *arg)
{
	struct mutex_ctx *c = arg;

	for (int i = 0; i < MUTEX_ROUNDS; i++) {
		mutex_lock(&c->m);
		if (__atomic_fetch_add(&c->inside, 1, __ATOMIC_SEQ_CST) != 0)
			c->violations++;
		c->counter = c->counter + 1;
		/* Give others a chance to contend while we hold it. */
		if ((i & 63) == 0)
			yield();
		__atomic_fetch_sub(&c->inside, 1, __ATOMIC_SEQ_CST);
		mutex_unlock(&c->m);
		cond_resched();
	}
	return 0;
}

static void mutex_exclusion(struct ktest *t)
{
	static struct mutex_ctx c;
	struct thread *th[4];

	mutex_init(&c.m, "ktest_mutex");
	c.counter = 0;
	c.violations = 0;
	for (int i = 0; i < 4; i++) {
		th[i] = thread_create("ktest-mutex", mutex_worker, &c, CPU_ANY);
		KT_ASSERT(t, th[i] != NULL);
	}
	for (int i = 0; i < 4; i++)
		thread_join(th[i]);
	KT_EXPECT_EQ(t, c.counter, 4 * MUTEX_ROUNDS);
	KT_EXPECT_EQ(t, c.violations, 0);
	KT_EXPECT(t, mutex_trylock(&c.m));
	KT_EXPECT(t, mutex_is_held_by_me(&c.m));
	mutex_unlock(&c.m);
}

struct holder_ctx {
	struct mutex m;
	struct completion locked, release;
};

static int hold_mutex(void *arg)
{
	struct holder_ctx *h = arg;

	mutex_lock(&h->m);
	complete(&h->locked);
	/* Hold it until the test has seen a timed-out attempt. */
	wait_for_completion_timeout(&h->release, 10 * NSEC_PER_SEC);
	mutex_unlock(&h->m);
	return 0;
}

static void mutex_timeout(struct ktest *t)
{
	static struct holder_ctx h;
	struct thread *th;
	u64 t0;

	mutex_init(&h.m, "ktest_mutex_to");
	completion_init(&h.locked);
	completion_init(&h.release);
	th = thread_create("ktest-holder", hold_mutex, &h, CPU_ANY);
	KT_ASSERT(t, th != NULL);
	/* Only once the other thread holds it does a timeout mean anything. */
	KT_ASSERT(t, wait_for_completion_timeout(&h.locked, 10 * NSEC_PER_SEC));
	t0 = clock_ns();
	KT_EXPECT(t, !mutex_lock_timeout(&h.m, 10 * NSEC_PER_MSEC));
	KT_EXPECT(t, clock_ns() - t0 >= 10 * NSEC_PER_MSEC);
	complete(&h.release);
	KT_EXPECT(t, mutex_lock_timeout(&h.m, 10 * NSEC_PER_SEC));
	if (mutex_is_held_by_me(&h.m))
		mutex_unlock(&h.m);
	thread_join(th);
}

static void sleep_duration(struct ktest *t)
{
	u64 t0 = clock_ns(), dt;

	sleep_ns(25 * NSEC_PER_MSEC);
	dt = clock_ns() - t0;
	KT_EXPECT(t, dt >= 25 * NSEC_PER_MSEC);
	KT_EXPECT(t, dt < 500 * NSEC_PER_MSEC);
}

/* Many threads ping-pong through completions: exercises wake-ups across
 * CPUs and run-queue handoff. */
struct pingpong {
	struct completion ping, pong;
	int rounds;
};

static int ponger(void *arg)
{
	struct pingpong *p = arg;

	for (int i = 0; i < p->rounds; i++) {
		if (!wait_for_completion_timeout(&p->ping, 5 * NSEC_PER_SEC))
			return -ETIMEDOUT;
		complete(&p->pong);
	}
	return 0;
}

static void pingpong_threads(struct ktest *t)
{
	static struct pingpong p;
	struct thread *th;
	int i;

	completion_init(&p.ping);
	completion_init(&p.pong);
	p.rounds = 500;
	th = thread_create("ktest-pong", ponger, &p, CPU_ANY);
	KT_ASSERT(t, th != NULL);
	for (i = 0; i < p.rounds; i++) {
		complete(&p.ping);
		if (!wait_for_completion_timeout(&p.pong, 5 * NSEC_PER_SEC)) {
			kprintf("    # pong %d lost; ping done %lu pong done %lu\n", i, p.ping.done,
				p.pong.done);
			sched_show_cpus();
			sched_show_threads();
			break;
		}
	}
	KT_EXPECT_EQ(t, i, p.rounds);
	KT_EXPECT_EQ(t, thread_join(th), 0);
}

static const struct ktest_case sched_cases[] = {
	{ "thread_exit_join", thread_exit_join },
	{ "thread_exit_call", thread_exit_call },
	{ "waitqueue_wakes_all", waitqueue_wakes_all },
	{ "completion_timeout", completion_timeout },
	{ "completion_from_interrupt", completion_from_interrupt },
	{ "mutex_exclusion", mutex_exclusion },
	{ "mutex_timeout", mutex_timeout },
	{ "sleep_duration", sleep_duration },
	{ "pingpong_threads", pingpong_threads },
};
KTEST_SUITE(sched, "sched", sched_cases, NULL);
