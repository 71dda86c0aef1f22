/* Xen time for PV and PVH: the pvclock in vcpu_time_info is the clock, a
 * single-shot VCPUOP timer delivered as VIRQ_TIMER is the clock event,
 * and shared_info's wall clock plus system time gives the date. */
#include <xen/xen-ops.h>
#include <xen/hypercall.h>
#include <kernel/time.h>
#include <kernel/printk.h>
#include <kernel/stats.h>
#include <asm/processor.h>

extern u64 boot_tsc_start;
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

static u64 xen_clock_ns(void)
{
	u64 ns = xen_clock_raw_ns();

	/* Keep the clock monotonic across Xen's periodic recalibration. */
	if (ns < last_ns) {
		ns = last_ns;
		xen_clock_clamps++;
	}
	last_ns = ns;
	return ns;
}

static void xen_timer_event(unsigned int port, void *data)
{
	stats_inc(STAT_TIMER_IRQS);
	timer_interrupt();
}

static int xen_set_oneshot(u64 deadline_ns)
{
	struct vcpu_set_singleshot_timer t = { .timeout_abs_ns = deadline_ns, .flags = 0 };

	return HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, 0, &t);
}

static int xen_time_init(void)
{
	struct pvclock_snapshot s;
	unsigned int port;
	u64 khz;
	int rc;

	pvclock_snapshot(&s);
	boot_clock_ns = s.system_time + (u64)scale_delta((s64)(boot_tsc_start - s.tsc_timestamp), &s);
	khz = s.mul ? (NSEC_PER_MSEC << 32) / s.mul : 0;
	khz = s.shift < 0 ? khz << -s.shift : khz >> s.shift;
	tsc_khz = khz;
	pr_info("time: Xen pvclock, TSC %llu kHz (mul %u shift %d)\n", (unsigned long long)khz,
		s.mul, s.shift);

	/* A periodic tick would only wake us for nothing. */
	HYPERVISOR_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
	rc = evtchn_bind_virq(VIRQ_TIMER, &port);
	if (rc) {
		pr_err("time: binding VIRQ_TIMER failed: %d\n", rc);
		return rc;
	}
	rc = evtchn_bind(port, xen_timer_event, NULL);
	if (!rc)
		pr_info("time: one-shot VCPUOP timer on event channel %u\n", port);
	return rc;
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
	nsec += xen_clock_ns();
	return sec + nsec / NSEC_PER_SEC;
}

const struct pv_time_ops xen_time_ops = {
	.clocksource = "xen-pvclock",
	.init = xen_time_init,
	.clock_ns = xen_clock_ns,
	.set_oneshot = xen_set_oneshot,
	.wallclock_s = xen_wallclock_s,
};
