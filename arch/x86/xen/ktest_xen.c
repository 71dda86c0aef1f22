/* Self-tests for Xen event channels; skipped when not running on Xen. */
#include <kernel/ktest.h>
#include <kernel/time.h>
#include <kernel/errno.h>
#include <kernel/printk.h>
#include <xen/xen-ops.h>
#include <xen/hypercall.h>

static const char *need_xen(void)
{
	return HYPERVISOR_shared_info ? NULL : "not running on Xen";
}

static volatile unsigned int got_port, got_calls;
static volatile void *got_data;

static void loop_handler(unsigned int port, void *data)
{
	got_port = port;
	got_data = data;
	got_calls++;
}

static bool calls_reached(void *arg)
{
	return got_calls >= *(unsigned int *)arg;
}

static bool wait_calls(unsigned int n, u64 timeout_ns)
{
	return idle_wait(calls_reached, &n, timeout_ns);
}

static bool never(void *arg)
{
	return false;
}

/* Let any event already pending on a new port arrive, then start counting
 * from zero. */
static void settle(void)
{
	idle_wait(never, NULL, 5 * NSEC_PER_MSEC);
	got_calls = 0;
}

static int make_loopback(struct ktest *t, unsigned int *a, unsigned int *b)
{
	int rc = evtchn_alloc_unbound(DOMID_SELF, a);

	if (rc) {
		ktest_fail(t, __FILE__, __LINE__, "alloc_unbound: %d", rc);
		return rc;
	}
	rc = evtchn_bind_interdomain(DOMID_SELF, *a, b);
	if (rc) {
		ktest_fail(t, __FILE__, __LINE__, "bind_interdomain: %d", rc);
		evtchn_close(*a);
	}
	return rc;
}

static void evtchn_loopback(struct ktest *t)
{
	static int cookie;
	unsigned int a, b;
	unsigned long before;

	if (make_loopback(t, &a, &b))
		return;
	KT_EXPECT(t, a != b);
	KT_ASSERT(t, evtchn_bind(b, loop_handler, &cookie) == 0);
	KT_EXPECT_EQ(t, evtchn_bind(b, loop_handler, NULL), -EBUSY);
	settle();
	before = evtchn_count(b);
	KT_EXPECT_EQ(t, evtchn_send(a), 0);
	KT_EXPECT(t, wait_calls(1, NSEC_PER_SEC));
	KT_EXPECT_EQ(t, got_port, b);
	KT_EXPECT(t, got_data == &cookie);
	KT_EXPECT_EQ(t, evtchn_count(b), before + 1);
	/* And the other direction. */
	KT_ASSERT(t, evtchn_bind(a, loop_handler, NULL) == 0);
	settle();
	KT_EXPECT_EQ(t, evtchn_send(b), 0);
	KT_EXPECT(t, wait_calls(1, NSEC_PER_SEC));
	KT_EXPECT_EQ(t, got_port, a);
	KT_EXPECT_EQ(t, evtchn_close(a), 0);
	KT_EXPECT_EQ(t, evtchn_close(b), 0);
}

static void evtchn_mask_defers(struct ktest *t)
{
	unsigned int a, b;

	if (make_loopback(t, &a, &b))
		return;
	KT_ASSERT(t, evtchn_bind(b, loop_handler, NULL) == 0);
	settle();
	evtchn_mask(b);
	KT_EXPECT_EQ(t, evtchn_send(a), 0);
	idle_wait(never, NULL, 20 * NSEC_PER_MSEC);
	KT_EXPECT_EQ(t, got_calls, 0);
	KT_EXPECT(t, evtchn_ops->is_pending(b));
	evtchn_unmask(b);
	KT_EXPECT(t, wait_calls(1, NSEC_PER_SEC));
	KT_EXPECT(t, !evtchn_ops->is_pending(b));
	evtchn_close(a);
	evtchn_close(b);
}

static void evtchn_bad_port_rejected(struct ktest *t)
{
	unsigned int p;

	KT_EXPECT_EQ(t, evtchn_bind(evtchn_ops->max_channels, loop_handler, NULL), -EINVAL);
	/* Xen itself rejects sends on a port we never allocated. */
	KT_EXPECT(t, evtchn_send(evtchn_ops->max_channels - 1) < 0);
	KT_EXPECT(t, evtchn_bind_virq(10000, &p) < 0);
}

/* Set from the probe's own callback, which timer_interrupt() runs from the
 * VIRQ_TIMER handler: when it ran and what the timer interrupt count was
 * then. */
static volatile u64 probe_fired_ns;
static volatile unsigned long probe_irq_count;

static void probe_fired(struct timer *tm)
{
	probe_irq_count = timer_interrupt_count();
	probe_fired_ns = clock_ns();
}

static bool probe_has_fired(void *arg)
{
	return probe_fired_ns != 0;
}

/* Under emulation Xen's timer softirq and our event upcall can lag, but
 * a one-shot timer that only came with idle_wait's own 1 s timeout would
 * be far later than this. */
#define VIRQ_TIMER_LATE_NS (200 * NSEC_PER_MSEC)

static void evtchn_timer_virq_delivers(struct ktest *t)
{
	static struct timer probe;
	unsigned long before = timer_interrupt_count();
	u64 deadline;

	/* The generic timer suite checks ordering; here a timer programmed
	 * through VCPUOP_set_singleshot_timer must come back as a VIRQ_TIMER
	 * event near its deadline. The probe records its own firing time:
	 * idle_wait's timeout timer would also end the wait (and even run the
	 * probe late), so the wait alone proves nothing. */
	probe_fired_ns = 0;
	probe_irq_count = 0;
	deadline = clock_ns() + 20 * NSEC_PER_MSEC;
	timer_add(&probe, deadline, probe_fired);
	idle_wait(probe_has_fired, NULL, NSEC_PER_SEC);
	timer_cancel(&probe);
	KT_ASSERT(t, probe_fired_ns != 0);
	KT_EXPECT(t, probe_fired_ns >= deadline);
	KT_EXPECT(t, probe_fired_ns - deadline <= VIRQ_TIMER_LATE_NS);
	KT_EXPECT(t, probe_irq_count > before);
	if (probe_fired_ns >= deadline)
		kprintf("        # VIRQ_TIMER probe fired %llu us after its deadline\n",
			(unsigned long long)((probe_fired_ns - deadline) / NSEC_PER_USEC));
}

static const struct ktest_case evtchn_cases[] = {
	{ "loopback_send_runs_handler", evtchn_loopback },
	{ "mask_defers_delivery", evtchn_mask_defers },
	{ "bad_ports_rejected", evtchn_bad_port_rejected },
	{ "timer_virq_delivers", evtchn_timer_virq_delivers },
};
KTEST_SUITE(evtchn, "evtchn", evtchn_cases, need_xen);
