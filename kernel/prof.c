/* A sampling profiler (include/kernel/prof.h, docs/monitor.md).
 *
 * Interrupt entry paths call prof_sample_regs() with the interrupted
 * frame; while a run is active each call claims one slot of the sample
 * buffer with an atomic increment and stores the instruction pointer.
 * A software timer on the CPU that started the run fires at the chosen
 * rate, so code that runs without device interrupts is sampled too (its
 * own interrupt is one of those entries). Other CPUs are sampled at their
 * own interrupts only.
 *
 * Where the samples fall: an interrupt is taken only where interrupts
 * (events, under Xen) are enabled, so time spent with them masked shows
 * up at the instruction that unmasks them (spin_unlock_irqrestore and
 * the like). An idle CPU shows up in its halt.
 *
 * Locking: none in the sampling path (it runs in interrupt context on any
 * CPU). `active` gates it; start and stop run in the monitor's thread,
 * one at a time. The buffer, once allocated, is never freed, so a
 * sampler that read `active` just before a stop can only write a slot of
 * memory that stays ours. */
#include <kernel/prof.h>
#include <kernel/compiler.h>
#include <kernel/errno.h>
#include <kernel/ksyms.h>
#include <kernel/mm.h>
#include <kernel/monitor.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <kernel/time.h>
#include <asm/page.h>
#include <asm/ptrace.h>

#define PROF_PAGES 32
#define PROF_MAX (PROF_PAGES * PAGE_SIZE / sizeof(unsigned long))
#define PROF_HZ_DEFAULT 1000
#define PROF_HZ_MAX 10000
#define PROF_TOP_DEFAULT 20
#define PROF_TOP_MAX 40

static unsigned long *samples;
static unsigned int nsamples;      /* slots claimed; may run past PROF_MAX */
static bool active;
static u64 period_ns, started_ns, stopped_ns;
static struct timer prof_timer;

void prof_sample(unsigned long ip)
{
	unsigned int i;

	if (!__atomic_load_n(&active, __ATOMIC_ACQUIRE))
		return;
	i = __atomic_fetch_add(&nsamples, 1, __ATOMIC_RELAXED);
	if (i < PROF_MAX)
		samples[i] = ip;
}

void prof_sample_regs(const struct pt_regs *regs)
{
	prof_sample(regs->rip);
}

static void prof_tick(struct timer *t)
{
	if (__atomic_load_n(&active, __ATOMIC_ACQUIRE))
		timer_add(t, clock_ns() + period_ns, prof_tick);
}

/* The hypercall page is one symbol but 128 stubs of 32 bytes, one per
 * hypercall. An event that arrives while a PV vCPU is in a hypercall
 * (blocked in sched_op when idle, or in any other) is delivered on the
 * way back, with the instruction pointer just after that stub's syscall.
 * So each stub is its own group, and idle time shows apart from the
 * other hypercalls. */
#define HYPERCALL_STUB 32

static unsigned long func_start(unsigned long ip)
{
	unsigned long off;
	const char *name = ksym_lookup(ip, &off);

	if (!name)
		return 0;
	if (!strcmp(name, "hypercall_page"))
		return ip & ~(unsigned long)(HYPERCALL_STUB - 1);
	return ip - off;
}

static int prof_start(unsigned int hz)
{
	if (__atomic_load_n(&active, __ATOMIC_RELAXED))
		return -EBUSY;
	if (!samples) {
		samples = alloc_pages(PROF_PAGES);
		if (!samples) {
			kprintf("prof: no memory for the sample buffer (%lu KiB)\n",
				(unsigned long)(PROF_PAGES * PAGE_SIZE / 1024));
			return -ENOMEM;
		}
	}
	period_ns = NSEC_PER_SEC / hz;
	nsamples = 0;
	started_ns = clock_ns();
	__atomic_store_n(&active, true, __ATOMIC_RELEASE);
	timer_add(&prof_timer, clock_ns() + period_ns, prof_tick);
	kprintf("prof: sampling at every interrupt and at %u Hz, up to %lu samples\n", hz,
		(unsigned long)PROF_MAX);
	return 0;
}

static void prof_report(unsigned int max)
{
	struct prof_entry top[PROF_TOP_MAX];
	unsigned int n = MIN(nsamples, (unsigned int)PROF_MAX), got;
	u64 ms = (stopped_ns - started_ns) / NSEC_PER_MSEC;

	kprintf("prof: %u samples in %llu ms%s\n", n, (unsigned long long)ms,
		nsamples > PROF_MAX ? " (buffer full: the later ones were not kept)" : "");
	if (!n)
		return;
	got = prof_top(samples, n, func_start, top, max);
	for (unsigned int i = 0; i < got; i++) {
		unsigned long off;
		const char *name = top[i].addr ? ksym_lookup(top[i].addr, &off) : NULL;
		unsigned int permille = (unsigned int)((u64)top[i].count * 1000 / n);

		if (name && off)
			kprintf("prof: %6u %3u.%u%% %s+%#lx (hypercall %lu)\n", top[i].count,
				permille / 10, permille % 10, name, off, off / HYPERCALL_STUB);
		else
			kprintf("prof: %6u %3u.%u%% %s\n", top[i].count, permille / 10,
				permille % 10, name ? name : "(outside the kernel's symbols)");
	}
	/* The report sorted the buffer in place: it is not a sample set any
	 * more. */
	nsamples = 0;
}

static int prof_stop(unsigned int max)
{
	if (!__atomic_load_n(&active, __ATOMIC_RELAXED)) {
		kprintf("prof: not running\n");
		return -EINVAL;
	}
	__atomic_store_n(&active, false, __ATOMIC_RELEASE);
	stopped_ns = clock_ns();
	timer_cancel(&prof_timer);
	prof_report(max);
	return 0;
}

/* The optional number after start/stop: def when absent, else 1..max. */
static int opt_number(int argc, char **argv, unsigned int def, unsigned int max,
		      const char *what, unsigned int *v)
{
	*v = def;
	if (argc == 3 && (kstrtouint(argv[2], 10, v) || !*v || *v > max)) {
		kprintf("prof: %s must be 1..%u\n", what, max);
		return -EINVAL;
	}
	return 0;
}

static int cmd_prof(int argc, char **argv)
{
	unsigned int v;

	if (argc == 1) {
		kprintf("prof: %s, %u samples so far\n",
			__atomic_load_n(&active, __ATOMIC_RELAXED) ? "running" : "stopped",
			MIN(nsamples, (unsigned int)PROF_MAX));
		return 0;
	}
	if (argc <= 3 && !strcmp(argv[1], "start")) {
		int rc = opt_number(argc, argv, PROF_HZ_DEFAULT, PROF_HZ_MAX, "HZ", &v);

		return rc ? rc : prof_start(v);
	}
	if (argc <= 3 && !strcmp(argv[1], "stop")) {
		int rc = opt_number(argc, argv, PROF_TOP_DEFAULT, PROF_TOP_MAX, "N", &v);

		return rc ? rc : prof_stop(v);
	}
	kprintf("usage: prof [start [HZ] | stop [N]]\n");
	return -EINVAL;
}

MONITOR_COMMAND(prof, "prof", "[start [HZ] | stop [N]]",
		"sample where the CPUs run; stop prints the N busiest functions", cmd_prof);
