/* Xen time for PV and PVH: the pvclock in vcpu_time_info is the clock, a
 * single-shot VCPUOP timer delivered as VIRQ_TIMER is the clock event,
 * and shared_info's wall clock plus system time gives the date. */
#include "xen-ops.h"
#include <xen/hypercall.h>
#include <kernel/time.h>
#include <kernel/printk.h>
#include <kernel/stats.h>
#include <asm/processor.h>
#include <kernel/smp.h>
#include <xen/suspend.h>

extern u64 boot_tsc_start;
extern struct hypervisor_info boot_hypervisor;
static u64 last_ns;

struct pvclock_snapshot {
	u64 tsc_timestamp;
	u64 system_time;
	u32 mul;
	s8 shift;
};

static void pvclock_snapshot(struct pvclock_snapshot *s)
{
	const volatile struct vcpu_time_info *t = &xen_vcpu()->time;
	u32 ver;

	/* An odd or changed version means Xen was updating it: retry. */
	do {
		ver = t->version;
		rmb();
		s->tsc_timestamp = t->tsc_timestamp;
		s->system_time = t->system_time;
		s->mul = t->tsc_to_system_mul;
		s->shift = t->tsc_shift;
		rmb();
	} while ((ver & 1) || ver != t->version);
}

static s64 scale_delta(s64 delta, const struct pvclock_snapshot *s)
{
	bool neg = delta < 0;
	u64 d = neg ? (u64)-delta : (u64)delta;

	if (s->shift < 0)
		d >>= -s->shift;
	else
		d <<= s->shift;
	d = (u64)(((unsigned __int128)d * s->mul) >> 32);
	return neg ? -(s64)d : (s64)d;
}

/* Times xen_clock_ns() returned its previous value instead of a smaller
 * pvclock reading; the self-tests report it, as a clamp hides a clock that
 * went backwards. */
unsigned long xen_clock_clamps;

/* The pvclock as Xen defines it, with no clamping: the self-tests need to
 * see whether it really is monotonic within one vCPU. */
u64 xen_clock_raw_ns(void)
{
	struct pvclock_snapshot s;

	pvclock_snapshot(&s);
	return s.system_time + (u64)scale_delta((s64)(rdtsc() - s.tsc_timestamp), &s);
}

/* Added to Xen's system time to make our clock: 0 until a restore on a
 * host whose system time is behind what the clock read before the save
 * (a migration to a host that booted later). Xen's timer deadlines are in
 * its own time, so set_oneshot takes it off again. Written only on the
 * boot CPU while the others are offline. */
static u64 clock_offset;
static u64 clock_at_suspend;

static u64 xen_clock_ns(void)
{
	u64 ns = xen_clock_raw_ns() + READ_ONCE(clock_offset);
	u64 last = __atomic_load_n(&last_ns, __ATOMIC_RELAXED);

	/* Keep the clock monotonic across Xen's periodic recalibration and
	 * across vCPUs, whose pvclock copies may differ by a little: the
	 * clock never goes below what any CPU has returned. */
	do {
		if (ns < last) {
			__atomic_fetch_add(&xen_clock_clamps, 1, __ATOMIC_RELAXED);
			return last;
		}
	} while (!__atomic_compare_exchange_n(&last_ns, &last, ns, true, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return ns;
}

static void xen_timer_event(unsigned int port, void *data)
{
	stats_inc(STAT_TIMER_IRQS);
	timer_interrupt();
}

static int xen_set_oneshot(u64 deadline_ns)
{
	u64 off = READ_ONCE(clock_offset);
	/* A deadline before the offset is in Xen's past: it fires at once. */
	struct vcpu_set_singleshot_timer t = {
		.timeout_abs_ns = deadline_ns > off ? deadline_ns - off : 1,
		.flags = 0,
	};

	/* A vCPU may only arm its own timer. */
	return HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, this_cpu()->vcpu_id, &t);
}

static DEFINE_PER_CPU(unsigned int, timer_port);

/* Each vCPU has its own VIRQ_TIMER and single-shot timer. */
int xen_time_cpu_setup(unsigned int cpu)
{
	unsigned int vcpu = cpu_data[cpu].vcpu_id, port;
	int rc;

	if (per_cpu(timer_port, cpu))
		return 0;
	/* A periodic tick would only wake us for nothing. */
	HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, vcpu, NULL);
	rc = evtchn_bind_virq_vcpu(VIRQ_TIMER, vcpu, &port);
	if (rc) {
		pr_err("time: binding VIRQ_TIMER for vCPU %u failed: %d\n", vcpu, rc);
		return rc;
	}
	rc = evtchn_bind_cpu(port, xen_timer_event, NULL, cpu);
	if (rc) {
		evtchn_close(port);
		return rc;
	}
	per_cpu(timer_port, cpu) = port;
	if (cpu == 0)
		pr_info("time: one-shot VCPUOP timer on event channel %u\n", port);
	return 0;
}

void xen_time_resume_forget(unsigned int cpu)
{
	per_cpu(timer_port, cpu) = 0;
}

/* Stop the boot vCPU's timer and remember the clock, just before the
 * suspend hypercall. */
static void xen_time_suspend_noirq(void)
{
	clock_at_suspend = xen_clock_ns();
	HYPERVISOR_vcpu_op(VCPUOP_stop_singleshot_timer, this_cpu()->vcpu_id, NULL);
}

/* Keep the clock monotonic: if Xen's system time now is behind the clock
 * at the save, the difference joins the offset. The timer port is bound
 * again by then (XEN_PM_CPU). */
static void xen_time_resume_noirq(const struct xen_resume_info *ri)
{
	u64 now = xen_clock_raw_ns() + clock_offset;

	if (now < clock_at_suspend) {
		clock_offset += clock_at_suspend - now;
		pr_info("time: Xen's clock is %llu ms behind the saved one; offset now %llu ms\n",
			(unsigned long long)((clock_at_suspend - now) / NSEC_PER_MSEC),
			(unsigned long long)(clock_offset / NSEC_PER_MSEC));
	}
}

/* The deadline we had programmed died with the suspend: program the
 * earliest pending timer again. */
static void xen_time_resume(const struct xen_resume_info *ri)
{
	timers_cpu_start();
}

static struct xen_pm_hook time_hook = {
	.name = "time",
	.level = XEN_PM_TIME,
	.suspend_noirq = xen_time_suspend_noirq,
	.resume_noirq = xen_time_resume_noirq,
	.resume = xen_time_resume,
};

void xen_time_cpu_teardown(unsigned int cpu)
{
	unsigned int port = per_cpu(timer_port, cpu);

	per_cpu(timer_port, cpu) = 0;
	HYPERVISOR_vcpu_op(VCPUOP_stop_singleshot_timer, cpu_data[cpu].vcpu_id, NULL);
	if (port)
		evtchn_close(port);
}

bool xen_tsc_emulated, xen_tsc_reliable;

/* Xen's time leaf (base + 3, sub-leaf 0): EAX bit 0 says Xen emulates the
 * TSC for this domain (every rdtsc traps to it), bit 1 that the host TSC
 * is reliable; EBX is the tsc_mode. A PV guest must ask through Xen's
 * forced-emulation prefix to see Xen's leaves. */
static void xen_read_time_leaf(void)
{
	u32 leaf = boot_hypervisor.base + 3, a = 0, b = 0, c = 0, d = 0;

	if (!boot_hypervisor.base || boot_hypervisor.max_leaf < leaf)
		return;
	if (xen_pv_domain)
		__asm__ __volatile__("ud2; .ascii \"xen\"; cpuid"
				     : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
				     : "a"(leaf), "c"(0));
	else
		cpuid_count(leaf, 0, &a, &b, &c, &d);
	xen_tsc_emulated = a & 1;
	xen_tsc_reliable = a & 2;
	pr_info("time: TSC %s by Xen (tsc_mode %u), host TSC %sreliable%s\n",
		xen_tsc_emulated ? "emulated" : "not emulated", b, xen_tsc_reliable ? "" : "not ",
		xen_tsc_emulated ? ": every TSC read traps to Xen" : "");
}

bool xen_pvclock_stable(void)
{
	return READ_ONCE(xen_vcpu()->time.flags) & XEN_PVCLOCK_TSC_STABLE_BIT;
}

static int xen_time_init(void)
{
	struct pvclock_snapshot s;
	u64 khz;

	pvclock_snapshot(&s);
	boot_clock_ns = s.system_time + (u64)scale_delta((s64)(boot_tsc_start - s.tsc_timestamp), &s);
	khz = s.mul ? (NSEC_PER_MSEC << 32) / s.mul : 0;
	khz = s.shift < 0 ? khz << -s.shift : khz >> s.shift;
	tsc_khz = khz;
	pr_info("time: Xen pvclock, TSC %llu kHz (mul %u shift %d)\n", (unsigned long long)khz,
		s.mul, s.shift);
	xen_read_time_leaf();

	xen_pm_register(&time_hook);
	xen_smp_pm_init();
	/* The boot vCPU's timer event now; the others' as they come up. */
	return xen_time_cpu_setup(0);
}

static u64 xen_wallclock_s(void)
{
	const volatile struct shared_info *sh = HYPERVISOR_shared_info;
	u32 ver;
	u64 sec, nsec;

	do {
		ver = sh->wc_version;
		rmb();
		sec = ((u64)sh->wc_sec_hi << 32) | sh->wc_sec;
		nsec = sh->wc_nsec;
		rmb();
	} while ((ver & 1) || ver != sh->wc_version);
	/* Wall clock = Xen's base + Xen's own system time (no offset). */
	nsec += xen_clock_raw_ns();
	return sec + nsec / NSEC_PER_SEC;
}

const struct pv_time_ops xen_time_ops = {
	.clocksource = "xen-pvclock",
	.init = xen_time_init,
	.clock_ns = xen_clock_ns,
	.set_oneshot = xen_set_oneshot,
	.wallclock_s = xen_wallclock_s,
};
