/* Suspend and resume for xl save / restore / migrate, shared by PV and
 * PVH; what differs per mode (what to convert before the hypercall, its
 * argument, how shared_info and the ring event channels come back) sits
 * behind struct xen_suspend_mode_ops in suspend_pv.c and suspend_pvh.c.
 *
 * The sequence (docs/lifecycle.md):
 *  1. every CPU but the boot CPU goes offline through CPU hotplug, which
 *     closes its IPI, spinlock and timer ports and parks its vCPU with
 *     VCPUOP_down (a vCPU that is down is not part of the saved state);
 *  2. the hooks' suspend steps, from the devices down to the events;
 *  3. events off; suspend_noirq steps; the mode's preparation; the
 *     SCHEDOP_shutdown(SHUTDOWN_suspend) hypercall on vCPU 0;
 *  4. it returns 1 if the toolstack cancelled the suspend or only took a
 *     checkpoint (the same domain runs on), 0 in a new domain: then the
 *     mode re-maps shared_info and the boot vCPU's vcpu_info is
 *     registered again before anything reads the clock or the event mask;
 *  5. resume_noirq steps, events on, resume steps, from the events up;
 *  6. the CPUs that were online come back up (a new VCPUOP_initialise in
 *     a new domain).
 *
 * Locking: suspend_mutex lets one suspend run at a time; hooks_lock
 * (irqsave, a leaf) protects the hook list, which only grows. */
#include "xen-ops.h"
#include "suspend.h"
#include <xen/suspend.h>
#include <xen/hypercall.h>
#include <kernel/printk.h>
#include <kernel/errno.h>
#include <kernel/smp.h>
#include <kernel/sched.h>
#include <kernel/spinlock.h>
#include <kernel/time.h>
#include <kernel/monitor.h>
#include <xen/xenstore.h>

#define MAX_HOOKS 32

static DEFINE_SPINLOCK(hooks_lock);
static struct xen_pm_hook *hooks;       /* ascending level */
static DEFINE_MUTEX(suspend_mutex);
static struct xen_suspend_stats stats;

void xen_pm_register(struct xen_pm_hook *h)
{
	unsigned long flags = spin_lock_irqsave(&hooks_lock);
	struct xen_pm_hook **pp = &hooks;

	for (struct xen_pm_hook *p = hooks; p; p = p->next)
		if (p == h)
			goto out;   /* already there: a cycle otherwise */
	/* After the hooks of the same level: registration order within one. */
	while (*pp && (*pp)->level <= h->level)
		pp = &(*pp)->next;
	h->next = *pp;
	*pp = h;
out:
	spin_unlock_irqrestore(&hooks_lock, flags);
}

/* A snapshot of the list in ascending order; the list only grows, and a
 * hook registered while a suspend runs simply takes part in the next. */
static unsigned int snapshot(struct xen_pm_hook **out)
{
	unsigned long flags = spin_lock_irqsave(&hooks_lock);
	unsigned int n = 0;

	for (struct xen_pm_hook *p = hooks; p && n < MAX_HOOKS; p = p->next)
		out[n++] = p;
	spin_unlock_irqrestore(&hooks_lock, flags);
	return n;
}

static const struct xen_suspend_mode_ops *mode_ops(void)
{
	if (IS_ENABLED(CONFIG_XEN_PV) && xen_pv_domain)
		return &xen_suspend_pv_ops;
	if (IS_ENABLED(CONFIG_XEN_PVH) && !xen_pv_domain)
		return &xen_suspend_pvh_ops;
	return NULL;
}

static void resume_hooks(struct xen_pm_hook **h, unsigned int n, const struct xen_resume_info *ri)
{
	for (unsigned int i = 0; i < n; i++)
		if (h[i]->resume)
			h[i]->resume(ri);
}

int xen_suspend(void)
{
	const struct xen_suspend_mode_ops *ops = mode_ops();
	struct xen_pm_hook *h[MAX_HOOKS];
	struct xen_resume_info ri = { .new_domain = false };
	bool was_online[NR_CPUS] = { false };
	unsigned int n, done, cpu;
	unsigned long flags;
	u64 t0, t1;
	int rc = 0;

	if (!ops || xen_initial_domain)
		return -EOPNOTSUPP;
	if (!mutex_trylock(&suspend_mutex))
		return -EBUSY;
	stats.suspends++;
	pr_info("xen: suspending (%s)\n", ops->name);

	for (cpu = 1; cpu < nr_cpus_possible && cpu < NR_CPUS; cpu++) {
		if (!cpu_online(cpu))
			continue;
		rc = cpu_down(cpu);
		if (rc) {
			pr_err("xen: suspend: CPU %u would not go offline: %d\n", cpu, rc);
			goto cpus_up;
		}
		was_online[cpu] = true;
	}
	/* The caller is pinned to the boot CPU; the hypercall must be made
	 * on vCPU 0, whose registers the save reads. */
	if (smp_processor_id() != 0) {
		pr_err("xen: suspend: not on the boot CPU\n");
		rc = -EINVAL;
		goto cpus_up;
	}

	n = snapshot(h);
	for (done = n; done > 0; done--) {
		struct xen_pm_hook *k = h[done - 1];

		if (k->suspend && (rc = k->suspend())) {
			pr_err("xen: suspend: %s refused: %d; suspend cancelled\n", k->name, rc);
			break;
		}
	}
	if (rc) {
		/* Resume, as after a cancel, only what was suspended. */
		resume_hooks(h + done, n - done, &ri);
		goto cpus_up;
	}

	t0 = clock_ns();
	flags = local_irq_save();
	for (unsigned int i = n; i > 0; i--)
		if (h[i - 1]->suspend_noirq)
			h[i - 1]->suspend_noirq();
	rc = ops->suspend(&ri);
	if (rc == 0) {
		ri.new_domain = true;
		/* Before anything reads the clock or the event mask: the new
		 * domain reads neither from our area until it is registered. */
		xen_vcpu_info_resume();
	}
	for (unsigned int i = 0; i < n; i++)
		if (h[i]->resume_noirq)
			h[i]->resume_noirq(&ri);
	local_irq_restore(flags);
	resume_hooks(h, n, &ri);
	t1 = clock_ns();
	stats.last_down_ns = t1 - t0;
	if (rc == 0)
		stats.resumed_new++;
	else
		stats.cancelled++;
	pr_info("xen: %s after %llu ms (xenstore event channel %u, console %u)\n",
		rc == 0 ? "resumed in a new domain" : "suspend cancelled or checkpointed, resumed",
		(unsigned long long)(stats.last_down_ns / NSEC_PER_MSEC), ri.store_evtchn,
		ri.console_evtchn);

cpus_up:
	for (cpu = 1; cpu < NR_CPUS; cpu++) {
		int e;

		if (!was_online[cpu])
			continue;
		e = cpu_up(cpu);
		if (e)
			pr_err("xen: resume: CPU %u did not come back: %d\n", cpu, e);
	}
	if (rc < 0)
		stats.failed++;
	mutex_unlock(&suspend_mutex);
	return rc;
}

void xen_suspend_get_stats(struct xen_suspend_stats *st)
{
	*st = stats;
}

static void read_raw_clock(void *arg)
{
	*(u64 *)arg = xen_clock_raw_ns();
}

static int cmd_suspend(int argc, char **argv)
{
	struct xen_suspend_stats st;
	unsigned int cpu;

	xen_suspend_get_stats(&st);
	/* Each vCPU's own pvclock: after a restore they must agree. */
	for_each_online_cpu(cpu) {
		u64 ns = 0;

		if (cpu == smp_processor_id())
			ns = xen_clock_raw_ns();
		else
			smp_call_function_single(cpu, read_raw_clock, &ns);
		kprintf("suspend: cpu%u pvclock %llu ms\n", cpu, (unsigned long long)(ns / NSEC_PER_MSEC));
	}
	kprintf("suspend: clock clamps %lu, TSC %s\n", xen_clock_clamps,
		xen_tsc_emulated ? "emulated" : "native");
	if (xenstore_available()) {
		char domid[16];
		u64 t0 = clock_ns();
		int rc = xs_read(0, "domid", domid, sizeof(domid));

		kprintf("suspend: xenstore round trip %llu us (%d)\n",
			(unsigned long long)((clock_ns() - t0) / 1000), rc);
	}
	kprintf("suspend: suspends=%lu resumed_new=%lu cancelled=%lu failed=%lu last_down_ms=%llu\n",
	       st.suspends, st.resumed_new, st.cancelled, st.failed,
	       (unsigned long long)(st.last_down_ns / NSEC_PER_MSEC));
	return 0;
}
MONITOR_COMMAND(suspend, "suspend", "", "xl save/restore/migrate counters", cmd_suspend);
