/* Self-tests of SMP: every CPU that should be up is up and runs threads,
 * IPIs reach each CPU, a TLB shootdown is seen by all, and a lock torture
 * across CPUs keeps an exact count. Also prints IPI and lock costs as
 * KTAP diagnostics ("# bench ...") for make bench. */
#include <kernel/ktest.h>
#include <kernel/sched.h>
#include <kernel/smp.h>
#include <kernel/spinlock.h>
#include <kernel/printk.h>
#include <kernel/time.h>
#include <kernel/mm.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <kernel/cmdline.h>
#include <asm/paravirt.h>
#include <asm/processor.h>

extern unsigned int smp_cpus_wanted;

static void all_cpus_online(struct ktest *t)
{
	KT_EXPECT_EQ(t, num_online_cpus(), smp_cpus_wanted);
	kprintf("    # %u CPU(s) online of %u found\n", num_online_cpus(), nr_cpus_possible);
}

struct where {
	unsigned int want;
	volatile unsigned int ran_on;
};

static int report_cpu(void *arg)
{
	struct where *w = arg;

	/* Cooperative scheduling: yielding must not move us off our CPU. */
	for (int i = 0; i < 10; i++)
		yield();
	w->ran_on = smp_processor_id();
	return 0;
}

static void threads_on_every_cpu(struct ktest *t)
{
	static struct where w[NR_CPUS];
	struct thread *th[NR_CPUS] = { 0 };
	unsigned int cpu;

	for_each_online_cpu(cpu) {
		w[cpu].want = cpu;
		w[cpu].ran_on = ~0U;
		th[cpu] = thread_create("ktest-cpu", report_cpu, &w[cpu], (int)cpu);
		KT_EXPECT(t, th[cpu] != NULL);
	}
	for (cpu = 0; cpu < NR_CPUS; cpu++) {
		if (!th[cpu])
			continue;
		thread_join(th[cpu]);
		KT_EXPECT_EQ(t, w[cpu].ran_on, cpu);
	}
}

static void note_cpu(void *arg)
{
	unsigned int *slot = arg;

	*slot = smp_processor_id();
}

static void ipi_each_cpu(struct ktest *t)
{
	unsigned int cpu;

	for_each_online_cpu(cpu) {
		unsigned long before = cpu_data[cpu].nr_ipis_received;
		volatile unsigned int seen = ~0U;

		KT_EXPECT_EQ(t, smp_call_function_single(cpu, note_cpu, (void *)&seen), 0);
		KT_EXPECT_EQ(t, seen, cpu);
		if (cpu != smp_processor_id())
			KT_EXPECT(t, cpu_data[cpu].nr_ipis_received > before);
	}
	KT_EXPECT_EQ(t, smp_call_function_single(NR_CPUS, note_cpu, NULL), -ENXIO);
}

struct read_ctx {
	volatile u64 *va;
	u64 seen[NR_CPUS];
};

static void read_on_cpu(void *arg)
{
	struct read_ctx *r = arg;

	r->seen[smp_processor_id()] = *r->va;
}

static void tlb_shootdown(struct ktest *t)
{
	static struct read_ctx r;
	unsigned long flushes[NR_CPUS];
	void *p1 = alloc_pages(1), *p2 = alloc_pages(1);
	unsigned long va;
	unsigned int cpu;
	void *m;

	KT_ASSERT(t, p1 && p2);
	*(u64 *)p1 = 0x1111111111111111ULL;
	*(u64 *)p2 = 0x2222222222222222ULL;
	m = vmap_phys(__pa(p1), PAGE_SIZE, PAGE_KERNEL | PTE_NX);
	KT_ASSERT(t, m != NULL);
	va = (unsigned long)m;
	r.va = m;
	/* Every CPU caches the old translation... */
	smp_call_function_others(read_on_cpu, &r);
	read_on_cpu(&r);
	for_each_online_cpu(cpu) {
		KT_EXPECT_EQ(t, r.seen[cpu], 0x1111111111111111ULL);
		flushes[cpu] = cpu_data[cpu].nr_tlb_flushes;
	}
	/* ...then the page is remapped with only a local flush, and the
	 * shootdown must reach the others. */
	KT_ASSERT(t, pgt_unmap(va) == 0);
	KT_ASSERT(t, pgt_map_range(va, __pa(p2), PAGE_SIZE, PAGE_KERNEL | PTE_NX) == 0);
	flush_tlb_all_cpus();
	smp_call_function_others(read_on_cpu, &r);
	read_on_cpu(&r);
	for_each_online_cpu(cpu) {
		KT_EXPECT_EQ(t, r.seen[cpu], 0x2222222222222222ULL);
		KT_EXPECT(t, cpu_data[cpu].nr_tlb_flushes > flushes[cpu]);
	}
	pgt_unmap(va);
	flush_tlb_all_cpus();
	free_pages(p1, 1);
	free_pages(p2, 1);
}

#define TORTURE_ROUNDS 20000
/* The torture stops early after this long: with more vCPUs than the host
 * runs at once, every hand-off waits for the next holder's vCPU to be
 * scheduled, and the count stays exact however far it got. */
#define TORTURE_BUDGET_NS (3 * NSEC_PER_SEC)
#define TORTURE_MS_MAX 600000U

/* torture_ms=N: the torture runs N ms however many rounds that takes (no
 * round limit). For a test that needs the lock torture still running
 * while something else happens (the lab's vCPU hot-unplug under load):
 * 20000 rounds take well under the default 3 s on a quick host. */
static unsigned int torture_ms;

static int set_torture_ms(const char *val)
{
	unsigned int ms;

	if (!val || kstrtouint(val, 10, &ms) || ms < 100 || ms > TORTURE_MS_MAX)
		return -EINVAL;
	torture_ms = ms;
	return 0;
}
CMDLINE_OPTION(torture_ms, "torture_ms", set_torture_ms,
	       "run the smp lock torture self-test for N ms (100..600000), no round limit");

struct torture {
	spinlock_t lock;
	volatile unsigned long counter;
	volatile int inside;
	volatile int violations;
	volatile bool stop;
	u64 deadline;
};

struct torturer {
	struct torture *tt;
	unsigned long done;     /* rounds this thread completed */
};

static int torture_fn(void *arg)
{
	struct torturer *me = arg;
	struct torture *tt = me->tt;

	for (unsigned long i = 0; (torture_ms || i < TORTURE_ROUNDS) && !tt->stop; i++) {
		/* Each thread watches the budget itself: the main thread may
		 * wait long for its CPU while the others hammer the lock. */
		if ((i & 15) == 0 && clock_ns() > tt->deadline)
			break;
		unsigned long flags = 0;

		/* Half the acquisitions disable interrupts, as drivers do. */
		if (i & 1)
			flags = spin_lock_irqsave(&tt->lock);
		else
			spin_lock(&tt->lock);
		if (tt->inside++)
			tt->violations++;
		/* A non-atomic read-modify-write: only the lock keeps it
		 * exact across CPUs. */
		tt->counter = tt->counter + 1;
		tt->inside--;
		if (i & 1)
			spin_unlock_irqrestore(&tt->lock, flags);
		else
			spin_unlock(&tt->lock);
		me->done++;
		if ((i & 15) == 0)
			cond_resched();
	}
	return 0;
}

/* Cost of one contended acquisition in the torture, for the bench line. */
static u64 contended_ns;

static bool torturers_done(void *arg)
{
	struct thread **th = arg;

	for (unsigned int i = 0; th[i]; i++)
		if (READ_ONCE(th[i]->state) != THREAD_DEAD)
			return false;
	return true;
}

static void lock_torture(struct ktest *t)
{
	static struct torture tt;
	static struct torturer who[2 * NR_CPUS];
	struct thread *th[2 * NR_CPUS + 1] = { 0 };
	unsigned int n = 0, cpu;
	unsigned long total = 0;
	struct spin_stats s0, s1;
	u64 t0;

	spin_lock_init(&tt.lock, "ktest_torture");
	tt.counter = 0;
	tt.inside = 0;
	tt.violations = 0;
	tt.stop = false;
	spin_stats_read(&s0);
	t0 = clock_ns();
	tt.deadline = t0 + (torture_ms ? torture_ms * NSEC_PER_MSEC : TORTURE_BUDGET_NS);
	for_each_online_cpu(cpu) {
		for (int k = 0; k < 2; k++) {
			who[n] = (struct torturer){ .tt = &tt, .done = 0 };
			th[n] = thread_create("ktest-torture", torture_fn, &who[n], (int)cpu);
			KT_ASSERT(t, th[n] != NULL);
			n++;
		}
	}
	idle_wait(torturers_done, th, tt.deadline - t0);
	tt.stop = true;
	for (unsigned int i = 0; i < n; i++) {
		thread_join(th[i]);
		total += who[i].done;
	}
	contended_ns = total ? (clock_ns() - t0) / total : 0;
	spin_stats_read(&s1);
	KT_EXPECT_EQ(t, tt.counter, total);
	KT_EXPECT(t, total >= n); /* everyone got the lock at least once */
	KT_EXPECT_EQ(t, tt.violations, 0);
	kprintf("    # %u threads, %lu acquisitions (of %lu), %lu contended, %lu blocked waits\n", n,
		total, torture_ms ? total : (unsigned long)n * TORTURE_ROUNDS,
		s1.contended - s0.contended,
		s1.slowpath - s0.slowpath);
}

struct holder {
	spinlock_t *lock;
	volatile bool holding;
	u64 hold_ns;
	u64 slowpath_before;    /* spin_stats.slowpath when the hold began */
	bool waiter_blocks;     /* the lock backend has a wait op */
	bool waiter_seen;
};

static int hold_lock(void *arg)
{
	struct holder *h = arg;

	struct spin_stats st;
	u64 t0, waited;

	spin_lock(h->lock);
	h->holding = true;
	/* Hold until the waiter has queued (its ticket is taken) and then for
	 * hold_ns more, or, where the backend can block, until the waiter
	 * has blocked: a fixed hold time fails whenever the waiter's vCPU is
	 * descheduled for longer than it (a loaded host). Bounded by 5 s. */
	t0 = clock_ns();
	while (READ_ONCE(h->lock->tail) == (u16)(READ_ONCE(h->lock->head) + 1) &&
	       clock_ns() - t0 < 5 * NSEC_PER_SEC)
		cpu_relax();
	h->waiter_seen = READ_ONCE(h->lock->tail) != (u16)(READ_ONCE(h->lock->head) + 1);
	t0 = clock_ns();
	for (;;) {
		waited = clock_ns() - t0;
		if (waited >= 5 * NSEC_PER_SEC)
			break;
		if (!h->waiter_blocks && waited >= h->hold_ns)
			break;
		if (h->waiter_blocks) {
			spin_stats_read(&st);
			if (st.slowpath > h->slowpath_before && waited >= h->hold_ns / 10)
				break;
		}
		cpu_relax();
	}
	spin_unlock(h->lock);
	return 0;
}

/* A waiter that cannot get the lock for a long while must leave the fast
 * spin: under Xen it blocks in the backend (counted) and is woken by the
 * unlock; natively it keeps spinning. Either way it gets the lock. */
static void lock_slowpath(struct ktest *t)
{
	static spinlock_t l = SPINLOCK_INIT("ktest_slowpath");
	static struct holder h;
	struct spin_stats s0, s1;
	unsigned int other = 0, cpu;
	struct thread *th;

	for_each_online_cpu(cpu)
		if (cpu != smp_processor_id())
			other = cpu;
	if (other == smp_processor_id()) {
		ktest_skip(t, "one CPU");
		return;
	}
	h.lock = &l;
	h.holding = false;
	h.hold_ns = 30 * NSEC_PER_MSEC;
	h.waiter_blocks = pv_ops->lock->wait != NULL;
	h.waiter_seen = false;
	spin_stats_read(&s0);
	h.slowpath_before = s0.slowpath;
	th = thread_create("ktest-holder", hold_lock, &h, (int)other);
	KT_ASSERT(t, th != NULL);
	while (!h.holding)
		cpu_relax();
	spin_lock(&l);
	spin_unlock(&l);
	spin_stats_read(&s1);
	thread_join(th);
	kprintf("    # %lu blocked waits, %lu kicks\n", s1.slowpath - s0.slowpath,
		s1.kicks - s0.kicks);
	KT_EXPECT(t, h.waiter_seen);
	if (pv_ops->lock->wait)
		KT_EXPECT(t, s1.slowpath > s0.slowpath);
	else
		KT_EXPECT_EQ(t, s1.slowpath, s0.slowpath);
}

/* Lines printed at once from threads on every CPU and from a timer
 * interrupt must land whole in the log: each captured line is exactly one
 * of the lines printed, never a mix. Debug level keeps them off the
 * console (only the log buffer gets them). */
#define PRINT_ROUNDS 200
#define LOG_COPY 16384

struct print_ctx {
	struct timer tm;
	volatile bool stop;
	volatile unsigned int irq_lines;
};

static void print_tick(struct timer *tm)
{
	struct print_ctx *p = container_of(tm, struct print_ctx, tm);

	if (p->stop)
		return;
	pr_debug("ktest-pl irq %08u zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\n", p->irq_lines++);
	timer_add(tm, clock_ns() + 200 * NSEC_PER_USEC, print_tick);
}

static struct print_ctx print_ctx;

static int print_fn(void *arg)
{
	unsigned long id = (unsigned long)arg;

	/* At least PRINT_ROUNDS lines, and on until the interrupt side has
	 * printed its share (or the main thread says stop). */
	for (int i = 0; i < 100 * PRINT_ROUNDS && (i < PRINT_ROUNDS || !print_ctx.stop); i++) {
		pr_debug("ktest-pl t%02lu %08d aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
			 id, i);
		if ((i & 7) == 0)
			cond_resched();
	}
	return 0;
}

static bool line_ok(const char *l, size_t n)
{
	static const char tpat[] = "ktest-pl tNN NNNNNNNN aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	static const char ipat[] = "ktest-pl irq NNNNNNNN zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz";
	const char *pat = n == sizeof(tpat) - 1 ? tpat : n == sizeof(ipat) - 1 ? ipat : NULL;

	if (!pat)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (pat[i] == 'N' ? (l[i] < '0' || l[i] > '9') : l[i] != pat[i])
			return false;
	}
	return true;
}

static const char *find_tag(const char *s, const char *end)
{
	for (; s + 8 <= end; s++)
		if (!memcmp(s, "ktest-pl", 8))
			return s;
	return NULL;
}

static bool enough_irq_lines(void *arg)
{
	return print_ctx.irq_lines >= 20;
}

static void printk_lines_whole(struct ktest *t)
{
	struct print_ctx *pp = &print_ctx;
	struct thread *th[NR_CPUS];
	unsigned int n = 0, cpu, seen = 0, bad = 0;
	char *buf = kmalloc(LOG_COPY);
	size_t len;

	KT_ASSERT(t, buf != NULL);
	pp->stop = false;
	pp->irq_lines = 0;
	timer_add(&pp->tm, clock_ns() + 200 * NSEC_PER_USEC, print_tick);
	for_each_online_cpu(cpu) {
		th[n] = thread_create("ktest-print", print_fn, (void *)(unsigned long)cpu, (int)cpu);
		KT_ASSERT(t, th[n] != NULL);
		n++;
	}
	idle_wait(enough_irq_lines, NULL, 5 * NSEC_PER_SEC);
	pp->stop = true;
	for (unsigned int i = 0; i < n; i++)
		thread_join(th[i]);
	timer_cancel(&pp->tm);
	len = log_buf_copy(buf, LOG_COPY);
	/* Every line that carries our tag (after its timestamp) must be one
	 * whole line of ours. */
	for (size_t i = 0; i < len;) {
		size_t e = i;
		const char *tag;

		while (e < len && buf[e] != '\n')
			e++;
		if (e == len)
			break;
		tag = find_tag(buf + i, buf + e);
		if (tag && i > 0) {
			seen++;
			if (!line_ok(tag, (size_t)(buf + e - tag)))
				bad++;
		}
		i = e + 1;
	}
	kfree(buf);
	kprintf("    # %u tagged lines checked, %u interrupt lines printed\n", seen, pp->irq_lines);
	KT_EXPECT(t, seen > 50);
	KT_EXPECT(t, pp->irq_lines > 0);
	KT_EXPECT_EQ(t, bad, 0);
}

static void nothing(void *arg)
{
}

static void bench_costs(struct ktest *t)
{
	static spinlock_t l = SPINLOCK_INIT("ktest_bench");
	const int n = 20000;
	u64 t0, lock_ns, ipi_ns = 0;
	unsigned int target = 0, cpu;

	t0 = clock_ns();
	for (int i = 0; i < n; i++) {
		spin_lock(&l);
		spin_unlock(&l);
	}
	lock_ns = (clock_ns() - t0) / n;
	for_each_online_cpu(cpu)
		if (cpu != smp_processor_id()) {
			target = cpu;
			break;
		}
	if (target != smp_processor_id()) {
		const int rounds = 200;

		t0 = clock_ns();
		for (int i = 0; i < rounds; i++)
			smp_call_function_single(target, nothing, NULL);
		ipi_ns = (clock_ns() - t0) / rounds;
	}
	kprintf("    # bench lock_uncontended_ns=%llu lock_torture_ns=%llu ipi_roundtrip_ns=%llu "
		"cpus=%u\n", (unsigned long long)lock_ns, (unsigned long long)contended_ns,
		(unsigned long long)ipi_ns, num_online_cpus());
	KT_EXPECT(t, lock_ns < 100000);
}

struct busy {
	volatile bool stop;
	volatile unsigned long rounds;
	volatile unsigned int last_cpu;
};

static int busy_fn(void *arg)
{
	struct busy *b = arg;

	while (!b->stop) {
		for (int i = 0; i < 1000; i++)
			cpu_relax();
		b->rounds++;
		b->last_cpu = smp_processor_id();
		cond_resched();
	}
	return 0;
}

static int sleeper_fn(void *arg)
{
	sleep_ns(100 * NSEC_PER_MSEC);
	return (int)smp_processor_id();
}

/* Take the last CPU offline while a busy thread and a sleeping one live
 * there: both carry on elsewhere (the sleeper's wake-up timer moves too);
 * bring it back and run a thread on it again. */
static void hotplug_offline_online(struct ktest *t)
{
	static struct busy b;
	struct thread *busy, *sleeper, *probe;
	static struct where w;
	unsigned int cpu = 0, c;
	unsigned long r0;

	for_each_online_cpu(c)
		cpu = c;
	if (cpu == 0) {
		ktest_skip(t, "one CPU");
		return;
	}
	if (!pv_ops->smp->cpu_die) {
		ktest_skip(t, "no CPU offlining in this mode");
		return;
	}
	/* A domU's vCPUs belong to the toolstack (cpu/N/availability): taking
	 * one down and up here would fight xl vcpu-set. The lab tests hotplug
	 * there through xl instead. */
	if (cpu_hotplug_managed) {
		ktest_skip(t, "vCPUs are managed by the toolstack");
		return;
	}
	b.stop = false;
	b.rounds = 0;
	busy = thread_create("ktest-busy", busy_fn, &b, (int)cpu);
	sleeper = thread_create("ktest-sleeper", sleeper_fn, NULL, (int)cpu);
	KT_ASSERT(t, busy && sleeper);
	sleep_ns(20 * NSEC_PER_MSEC);
	KT_ASSERT(t, cpu_down(cpu) == 0);
	KT_EXPECT(t, !cpu_online(cpu));
	KT_EXPECT_EQ(t, num_online_cpus(), smp_cpus_wanted - 1);
	r0 = b.rounds;
	sleep_ns(50 * NSEC_PER_MSEC);
	KT_EXPECT(t, b.rounds > r0);
	KT_EXPECT(t, b.last_cpu != cpu);
	/* Woken by its (moved) timer, on another CPU. */
	KT_EXPECT(t, (unsigned int)thread_join(sleeper) != cpu);
	KT_EXPECT_EQ(t, thread_create("x", sleeper_fn, NULL, (int)cpu) == NULL, 1);
	KT_ASSERT(t, cpu_up(cpu) == 0);
	KT_EXPECT(t, cpu_online(cpu));
	w.ran_on = ~0U;
	probe = thread_create("ktest-cpu", report_cpu, &w, (int)cpu);
	KT_ASSERT(t, probe != NULL);
	thread_join(probe);
	KT_EXPECT_EQ(t, w.ran_on, cpu);
	/* And down/up once more: the second round reuses what the first
	 * left (Xen: a vCPU resumes after VCPUOP_down). */
	KT_EXPECT_EQ(t, cpu_down(cpu), 0);
	KT_EXPECT_EQ(t, cpu_up(cpu), 0);
	w.ran_on = ~0U;
	probe = thread_create("ktest-cpu", report_cpu, &w, (int)cpu);
	KT_ASSERT(t, probe != NULL);
	thread_join(probe);
	KT_EXPECT_EQ(t, w.ran_on, cpu);
	b.stop = true;
	thread_join(busy);
	KT_EXPECT_EQ(t, num_online_cpus(), smp_cpus_wanted);
}

static const struct ktest_case smp_cases[] = {
	{ "all_cpus_online", all_cpus_online },
	{ "threads_on_every_cpu", threads_on_every_cpu },
	{ "ipi_each_cpu", ipi_each_cpu },
	{ "tlb_shootdown", tlb_shootdown },
	{ "lock_torture", lock_torture },
	{ "lock_slowpath", lock_slowpath },
	{ "printk_lines_whole", printk_lines_whole },
	{ "bench_costs", bench_costs },
	{ "hotplug_offline_online", hotplug_offline_online },
};
KTEST_SUITE(smp, "smp", smp_cases, NULL);
