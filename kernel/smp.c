/* Generic SMP: per-CPU data, bringing the other CPUs up through pv_ops,
 * cross-CPU function calls, TLB shootdown and CPU hotplug.
 *
 * Locking: each CPU's call queue has an irqsave spinlock (a leaf lock);
 * hotplug_lock (a mutex) serialises cpu_up/cpu_down. */
#include <kernel/smp.h>
#include <kernel/sched.h>
#include <kernel/printk.h>
#include <kernel/cmdline.h>
#include <kernel/string.h>
#include <kernel/errno.h>
#include <kernel/mm.h>
#include <kernel/time.h>
#include <kernel/stats.h>
#include <asm/paravirt.h>
#include <asm/processor.h>

#define CPU_START_TIMEOUT_NS (5 * NSEC_PER_SEC)

/* The boot CPU's entry is usable before smp_early_init(): the entry code
 * points GS at it first thing. */
struct cpu cpu_data[NR_CPUS] = { [0] = { .self = &cpu_data[0], .id = 0 } };
unsigned int nr_cpus_possible = 1;
unsigned long cpu_online_mask;
/* For the boot's bench line: what bringing the other CPUs up cost. */
u64 smp_bringup_ns;
unsigned long smp_bringup_hypercalls;
/* CPUs smp_init() tried to bring up (found, capped by nosmp/maxcpus). */
unsigned int smp_cpus_wanted = 1;

static bool opt_nosmp;
static unsigned int opt_maxcpus = NR_CPUS;
static struct completion cpu_started[NR_CPUS];
static struct completion cpu_stopped[NR_CPUS];
static DEFINE_MUTEX(hotplug_lock);
bool cpu_hotplug_managed;
/* A CPU going offline waits for its running thread to reach a scheduling
 * point (the scheduler is cooperative), which a busy thread may take a
 * while to do. */
#define CPU_STOP_TIMEOUT_NS (60 * NSEC_PER_SEC)

struct call_entry {
	void (*fn)(void *arg);
	void *arg;
	bool done;
	struct call_entry *next;
};

struct call_queue {
	spinlock_t lock;
	struct call_entry *head;
};
static struct call_queue call_queues[NR_CPUS];

static int set_nosmp(const char *val)
{
	if (val)
		return -EINVAL;
	opt_nosmp = true;
	return 0;
}
CMDLINE_OPTION(nosmp, "nosmp", set_nosmp, "run on the boot CPU only");

static int set_maxcpus(const char *val)
{
	unsigned long n = 0;

	if (!val || !*val)
		return -EINVAL;
	for (const char *p = val; *p; p++) {
		if (*p < '0' || *p > '9' || n > NR_CPUS * 10UL)
			return -EINVAL;
		n = n * 10 + (unsigned long)(*p - '0');
	}
	if (n == 0)
		return -EINVAL;
	opt_maxcpus = n > NR_CPUS ? NR_CPUS : (unsigned int)n;
	return 0;
}
CMDLINE_OPTION(maxcpus, "maxcpus", set_maxcpus, "bring up at most N CPUs (N >= 1)");

static void mark_online(unsigned int cpu, bool on)
{
	if (on)
		__atomic_fetch_or(&cpu_online_mask, 1UL << cpu, __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_and(&cpu_online_mask, ~(1UL << cpu), __ATOMIC_SEQ_CST);
}

void smp_early_init(void)
{
	for (unsigned int i = 0; i < NR_CPUS; i++) {
		cpu_data[i].self = &cpu_data[i];
		cpu_data[i].id = i;
	}
	pv_ops->smp->set_cpu_base(&cpu_data[0]);
	for (unsigned int i = 0; i < NR_CPUS; i++) {
		spin_lock_init(&call_queues[i].lock, "call_queue");
		completion_init(&cpu_started[i]);
		completion_init(&cpu_stopped[i]);
	}
	mark_online(0, true);
}

static int bring_up(unsigned int cpu)
{
	struct cpu *c = &cpu_data[cpu];
	int rc;

	if (!c->idle_stack) {
		c->idle_stack = alloc_pages(CPU_IDLE_STACK_PAGES);
		if (!c->idle_stack)
			return -ENOMEM;
	}
	reinit_completion(&cpu_started[cpu]);
	c->going_offline = false;
	rc = pv_ops->smp->start_cpu(cpu, (char *)c->idle_stack + CPU_IDLE_STACK_PAGES * PAGE_SIZE);
	if (rc)
		return rc;
	if (!wait_for_completion_timeout(&cpu_started[cpu], CPU_START_TIMEOUT_NS))
		return -ETIMEDOUT;
	return 0;
}

void smp_init(void)
{
	unsigned int want, found, up = 1;
	unsigned long hc0 = stats_read(STAT_HYPERCALLS);
	u64 t0 = clock_ns();
	int rc;

	rc = pv_ops->smp->cpu_setup(0);
	if (rc)
		pr_err("smp: boot CPU setup failed: %d\n", rc);
	found = pv_ops->smp->detect_cpus(NR_CPUS);
	if (found < 1)
		found = 1;
	nr_cpus_possible = found;
	want = opt_nosmp ? 1 : MIN(found, opt_maxcpus);
	smp_cpus_wanted = want;
	for (unsigned int cpu = 1; cpu < want; cpu++) {
		rc = bring_up(cpu);
		if (rc) {
			pr_err("smp: CPU %u did not come up: %d\n", cpu, rc);
			continue;
		}
		up++;
	}
	smp_bringup_ns = clock_ns() - t0;
	smp_bringup_hypercalls = stats_read(STAT_HYPERCALLS) - hc0;
	pr_info("smp: %u of %u CPU(s) online%s in %llu us, %lu hypercalls\n", up, found,
		opt_nosmp ? " (nosmp)" : want < found ? " (maxcpus)" : "",
		(unsigned long long)(smp_bringup_ns / NSEC_PER_USEC), smp_bringup_hypercalls);
}

void __noreturn secondary_start(void)
{
	struct cpu *c = this_cpu();
	int rc;

	sched_init_secondary(c->idle_stack);
	rc = pv_ops->smp->cpu_setup(c->id);
	if (rc)
		panic("smp: CPU %u setup failed: %d", c->id, rc);
	mark_online(c->id, true);
	complete(&cpu_started[c->id]);
	local_irq_enable();
	timers_cpu_start();
	cpu_idle_loop();
}

void smp_send_reschedule(unsigned int cpu)
{
	if (cpu_online(cpu) && cpu != smp_processor_id())
		pv_ops->smp->send_ipi(cpu, IPI_RESCHEDULE);
}

static void run_calls(void)
{
	struct call_queue *q = &call_queues[smp_processor_id()];

	for (;;) {
		unsigned long flags = spin_lock_irqsave(&q->lock);
		struct call_entry *e = q->head;

		if (e)
			q->head = e->next;
		spin_unlock_irqrestore(&q->lock, flags);
		if (!e)
			return;
		e->fn(e->arg);
		smp_store_release(&e->done, true);
	}
}

void smp_ipi_received(enum ipi_kind kind)
{
	struct cpu *c = this_cpu();

	c->nr_ipis_received++;
	if (kind == IPI_CALL_FUNCTION)
		run_calls();
	else
		c->need_resched = true;
}

static void queue_call(unsigned int cpu, struct call_entry *e)
{
	struct call_queue *q = &call_queues[cpu];
	unsigned long flags = spin_lock_irqsave(&q->lock);

	e->done = false;
	e->next = q->head;
	q->head = e;
	spin_unlock_irqrestore(&q->lock, flags);
	pv_ops->smp->send_ipi(cpu, IPI_CALL_FUNCTION);
}

int smp_call_function_single(unsigned int cpu, void (*fn)(void *), void *arg)
{
	struct call_entry e = { .fn = fn, .arg = arg };
	unsigned long flags;

	if (cpu == smp_processor_id()) {
		flags = local_irq_save();
		fn(arg);
		local_irq_restore(flags);
		return 0;
	}
	if (!cpu_online(cpu))
		return -ENXIO;
	/* Waiting with interrupts off could deadlock against a CPU that is
	 * calling us at the same time. */
	if (!irqs_enabled())
		panic("smp_call_function_single with interrupts disabled");
	queue_call(cpu, &e);
	while (!smp_load_acquire(&e.done))
		cpu_relax();
	return 0;
}

int smp_call_function_others(void (*fn)(void *), void *arg)
{
	struct call_entry e[NR_CPUS];
	unsigned int me = smp_processor_id(), cpu;

	if (num_online_cpus() > 1 && !irqs_enabled())
		panic("smp_call_function_others with interrupts disabled");
	for_each_online_cpu(cpu) {
		e[cpu] = (struct call_entry){ .fn = fn, .arg = arg, .done = true };
		if (cpu != me) {
			e[cpu].done = false;
			queue_call(cpu, &e[cpu]);
		}
	}
	for (cpu = 0; cpu < NR_CPUS; cpu++)
		if (cpu != me && cpu_online(cpu))
			while (!smp_load_acquire(&e[cpu].done))
				cpu_relax();
	return 0;
}

static void local_flush(void *arg)
{
	this_cpu()->nr_tlb_flushes++;
	pv_ops->mmu->flush_tlb_all();
}

void flush_tlb_all_cpus(void)
{
	if (pv_ops->smp->flush_tlb_mask) {
		unsigned int cpu;

		for_each_online_cpu(cpu)
			cpu_data[cpu].nr_tlb_flushes++;
		pv_ops->smp->flush_tlb_mask(__atomic_load_n(&cpu_online_mask, __ATOMIC_ACQUIRE));
		return;
	}
	local_flush(NULL);
	smp_call_function_others(local_flush, NULL);
}

/* ---- hotplug ---- */

void smp_cpu_offline_self(void)
{
	struct cpu *c = this_cpu();

	/* Running the idle thread, so no other thread of ours is on this
	 * CPU: move them all, and the timers, to the boot CPU. */
	local_irq_disable();
	mark_online(c->id, false);
	local_irq_enable();
	sched_evacuate_cpu(c->id, 0);
	timers_migrate(c->id, 0);
	/* Calls queued before we went offline still get run. */
	run_calls();
	local_irq_disable();
	complete(&cpu_stopped[c->id]);
	pv_ops->smp->cpu_die();
}

int cpu_down(unsigned int cpu)
{
	if (cpu == 0 || cpu >= NR_CPUS)
		return -EINVAL;
	if (!pv_ops->smp->cpu_die)
		return -EOPNOTSUPP;
	mutex_lock(&hotplug_lock);
	if (!cpu_online(cpu)) {
		mutex_unlock(&hotplug_lock);
		return 0;
	}
	reinit_completion(&cpu_stopped[cpu]);
	WRITE_ONCE(cpu_data[cpu].going_offline, true);
	pv_ops->smp->send_ipi(cpu, IPI_RESCHEDULE);
	if (!wait_for_completion_timeout(&cpu_stopped[cpu], CPU_STOP_TIMEOUT_NS)) {
		/* Called off. If the CPU was already on its way out it
		 * finishes, and we wait for that instead. */
		WRITE_ONCE(cpu_data[cpu].going_offline, false);
		if (cpu_online(cpu) || !wait_for_completion_timeout(&cpu_stopped[cpu],
								   CPU_START_TIMEOUT_NS)) {
			mutex_unlock(&hotplug_lock);
			pr_err("smp: CPU %u did not stop (a thread there never yields?)\n", cpu);
			return -ETIMEDOUT;
		}
	}
	if (pv_ops->smp->cpu_dead)
		pv_ops->smp->cpu_dead(cpu);
	mutex_unlock(&hotplug_lock);
	pr_info("smp: CPU %u offline\n", cpu);
	return 0;
}

int cpu_up(unsigned int cpu)
{
	int rc;

	if (cpu >= nr_cpus_possible)
		return -EINVAL;
	mutex_lock(&hotplug_lock);
	rc = cpu_online(cpu) ? 0 : bring_up(cpu);
	mutex_unlock(&hotplug_lock);
	if (!rc)
		pr_info("smp: CPU %u online\n", cpu);
	return rc;
}
