/* Self-tests for Xen event channels; skipped when not running on Xen. */
#include <kernel/ktest.h>
#include <kernel/time.h>
#include <kernel/errno.h>
#include <kernel/printk.h>
#include <kernel/smp.h>
#include "xen-ops.h"
#include <xen/hypercall.h>
#include <asm/paravirt.h>
#include <asm/processor.h>

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

static bool fifo_active(void)
{
	return evtchn_ops == &evtchn_fifo_ops;
}

/* Names the ABI in the KTAP log, so a run shows which one it tested. */
static void evtchn_abi_reported(struct ktest *t)
{
	struct evtchn_fifo_stats st;

	KT_ASSERT(t, evtchn_ops != NULL);
	evtchn_fifo_get_stats(&st);
	if (fifo_active()) {
		KT_EXPECT_EQ(t, evtchn_ops->max_channels, EVTCHN_FIFO_NR_CHANNELS);
		KT_EXPECT(t, st.array_pages >= 1);
		KT_EXPECT_EQ(t, st.link_bits, EVTCHN_FIFO_LINK_BITS);
		KT_EXPECT_EQ(t, st.bad_links, 0);
		kprintf("    # evtchn ABI: %s, %u array page(s), link_bits %u\n", evtchn_ops->name,
			st.array_pages, st.link_bits);
	} else {
		KT_EXPECT_EQ(t, evtchn_ops->max_channels, EVTCHN_2L_NR_CHANNELS);
		KT_EXPECT_EQ(t, st.array_pages, 0);
		kprintf("    # evtchn ABI: %s\n", evtchn_ops->name);
	}
}

/* A port moved to each other CPU is delivered there (FIFO: on that vCPU's
 * queue). */
static volatile unsigned int got_cpu;

static void cpu_handler(unsigned int port, void *data)
{
	got_cpu = smp_processor_id();
	got_calls++;
}

static void evtchn_delivered_on_its_cpu(struct ktest *t)
{
	unsigned int a, b, cpu;

	if (make_loopback(t, &a, &b))
		return;
	KT_ASSERT(t, evtchn_bind(b, cpu_handler, NULL) == 0);
	for_each_online_cpu(cpu) {
		u64 t0;

		KT_EXPECT_EQ(t, evtchn_set_cpu(b, cpu), 0);
		settle();
		t0 = clock_ns();
		KT_EXPECT_EQ(t, evtchn_send(a), 0);
		/* Spin rather than idle_wait: the time is the delivery's. */
		while (!got_calls && clock_ns() - t0 < NSEC_PER_SEC)
			cpu_relax();
		KT_EXPECT_EQ(t, got_calls, 1);
		KT_EXPECT_EQ(t, got_cpu, cpu);
		kprintf("    # CPU %u: delivered in %llu us\n", cpu,
			(unsigned long long)((clock_ns() - t0) / NSEC_PER_USEC));
	}
	evtchn_close(a);
	evtchn_close(b);
}

static void evtchn_priority_api(struct ktest *t)
{
	unsigned int a, b;

	if (make_loopback(t, &a, &b))
		return;
	if (fifo_active()) {
		KT_EXPECT_EQ(t, evtchn_set_priority(b, EVTCHN_FIFO_PRIORITY_MIN + 1), -EINVAL);
		KT_EXPECT_EQ(t, evtchn_set_priority(b, EVTCHN_FIFO_PRIORITY_MAX), 0);
		KT_EXPECT_EQ(t, evtchn_set_priority(b, EVTCHN_FIFO_PRIORITY_MIN), 0);
		KT_EXPECT_EQ(t, evtchn_set_priority(evtchn_ops->max_channels, 3), -EINVAL);
	} else {
		KT_EXPECT_EQ(t, evtchn_set_priority(b, 3), -EOPNOTSUPP);
	}
	evtchn_close(a);
	evtchn_close(b);
}

/* FIFO: two ports pending at once on one vCPU come out of the upcall
 * higher priority first, whatever order they were raised in. */
static volatile unsigned int order[4];

static void order_handler(unsigned int port, void *data)
{
	unsigned int n = got_calls;

	if (n < ARRAY_SIZE(order))
		order[n] = port;
	got_calls = n + 1;
}

static void evtchn_fifo_priority_order(struct ktest *t)
{
	unsigned int lo_a, lo_b, hi_a, hi_b, cpu;
	unsigned long flags;

	if (!fifo_active()) {
		ktest_skip(t, "2-level ABI: no priorities");
		return;
	}
	if (make_loopback(t, &lo_a, &lo_b))
		return;
	if (make_loopback(t, &hi_a, &hi_b)) {
		evtchn_close(lo_a);
		evtchn_close(lo_b);
		return;
	}
	KT_EXPECT_EQ(t, evtchn_set_priority(lo_b, 12), 0);
	KT_EXPECT_EQ(t, evtchn_set_priority(hi_b, 2), 0);
	KT_EXPECT(t, evtchn_bind(lo_b, order_handler, NULL) == 0);
	KT_EXPECT(t, evtchn_bind(hi_b, order_handler, NULL) == 0);
	settle();
	/* Events off on this CPU, both ports queued on it: the upcall that
	 * comes when they go back on finds both pending. The low-priority
	 * one is raised first. */
	flags = local_irq_save();
	cpu = smp_processor_id();
	KT_EXPECT_EQ(t, evtchn_set_cpu(lo_b, cpu), 0);
	KT_EXPECT_EQ(t, evtchn_set_cpu(hi_b, cpu), 0);
	KT_EXPECT_EQ(t, evtchn_send(lo_a), 0);
	KT_EXPECT_EQ(t, evtchn_send(hi_a), 0);
	KT_EXPECT(t, evtchn_ops->is_pending(lo_b) && evtchn_ops->is_pending(hi_b));
	local_irq_restore(flags);
	KT_EXPECT(t, wait_calls(2, NSEC_PER_SEC));
	KT_EXPECT_EQ(t, got_calls, 2);
	KT_EXPECT_EQ(t, order[0], hi_b);
	KT_EXPECT_EQ(t, order[1], lo_b);
	evtchn_close(lo_a);
	evtchn_close(lo_b);
	evtchn_close(hi_a);
	evtchn_close(hi_b);
}

/* FIFO: unmasking a pending port must go through Xen (which links it and
 * raises the upcall); unmasking one that is not pending is local and
 * raises nothing; an event after that is delivered as usual. */
static void evtchn_fifo_unmask_reraises(struct ktest *t)
{
	unsigned int a, b;

	if (!fifo_active()) {
		ktest_skip(t, "2-level ABI");
		return;
	}
	if (make_loopback(t, &a, &b))
		return;
	KT_ASSERT(t, evtchn_bind(b, loop_handler, NULL) == 0);
	settle();
	evtchn_mask(b);
	KT_EXPECT(t, evtchn_ops->is_masked(b));
	KT_EXPECT_EQ(t, evtchn_send(a), 0);
	KT_EXPECT_EQ(t, evtchn_send(a), 0);
	idle_wait(never, NULL, 20 * NSEC_PER_MSEC);
	KT_EXPECT_EQ(t, got_calls, 0);
	KT_EXPECT(t, evtchn_ops->is_pending(b));
	evtchn_unmask(b);
	KT_EXPECT(t, wait_calls(1, NSEC_PER_SEC));
	KT_EXPECT(t, !evtchn_ops->is_masked(b));
	KT_EXPECT(t, !evtchn_ops->is_pending(b));
	/* Two sends while masked are one event (edge). */
	idle_wait(never, NULL, 20 * NSEC_PER_MSEC);
	KT_EXPECT_EQ(t, got_calls, 1);
	/* Not pending: a local unmask, no event. */
	evtchn_mask(b);
	evtchn_unmask(b);
	KT_EXPECT(t, !evtchn_ops->is_masked(b));
	idle_wait(never, NULL, 20 * NSEC_PER_MSEC);
	KT_EXPECT_EQ(t, got_calls, 1);
	KT_EXPECT_EQ(t, evtchn_send(a), 0);
	KT_EXPECT(t, wait_calls(2, NSEC_PER_SEC));
	evtchn_close(a);
	evtchn_close(b);
}

/* FIFO: ports past the first event array page (1024 ports) work once the
 * array has grown to them. A domU may be limited below that
 * (max_event_channels, 1023 by default): then the case skips. */
#define FAR_PORT 1024
#define MAX_HELD 1400
static unsigned int held[MAX_HELD];

static void evtchn_fifo_port_beyond_first_page(struct ktest *t)
{
	unsigned int n = 0, far = 0, peer = 0, i;
	struct evtchn_fifo_stats st;
	int rc = 0;

	if (!fifo_active()) {
		ktest_skip(t, "2-level ABI");
		return;
	}
	/* Unbound ports (ours and the peer side of a loopback) until one
	 * lands past the first page. */
	while (n < MAX_HELD) {
		unsigned int p;

		rc = evtchn_alloc_unbound(DOMID_SELF, &p);
		if (rc)
			break;
		held[n++] = p;
		if (p >= FAR_PORT) {
			far = p;
			break;
		}
	}
	if (far) {
		rc = evtchn_bind_interdomain(DOMID_SELF, far, &peer);
		KT_EXPECT_EQ(t, rc, 0);
	}
	if (far && !rc) {
		evtchn_fifo_get_stats(&st);
		KT_EXPECT(t, st.array_pages >= 2);
		KT_EXPECT(t, peer >= FAR_PORT);
		KT_EXPECT(t, evtchn_bind(peer, loop_handler, NULL) == 0);
		KT_EXPECT(t, evtchn_bind(far, loop_handler, NULL) == 0);
		settle();
		KT_EXPECT_EQ(t, evtchn_send(far), 0);
		KT_EXPECT(t, wait_calls(1, NSEC_PER_SEC));
		KT_EXPECT_EQ(t, got_port, peer);
		settle();
		KT_EXPECT_EQ(t, evtchn_send(peer), 0);
		KT_EXPECT(t, wait_calls(1, NSEC_PER_SEC));
		KT_EXPECT_EQ(t, got_port, far);
		kprintf("    # ports %u <-> %u, %u array pages\n", far, peer, st.array_pages);
		evtchn_close(peer);
	}
	for (i = 0; i < n; i++)
		evtchn_close(held[i]);
	if (!far)
		ktest_skip(t, rc == -ENOSPC ? "domain limited to fewer than 1025 event channels"
					    : "could not allocate enough ports");
}

static const struct ktest_case evtchn_cases[] = {
	{ "abi_reported", evtchn_abi_reported },
	{ "loopback_send_runs_handler", evtchn_loopback },
	{ "mask_defers_delivery", evtchn_mask_defers },
	{ "bad_ports_rejected", evtchn_bad_port_rejected },
	{ "timer_virq_delivers", evtchn_timer_virq_delivers },
	{ "delivered_on_its_cpu", evtchn_delivered_on_its_cpu },
	{ "priority_api", evtchn_priority_api },
	{ "fifo_priority_order", evtchn_fifo_priority_order },
	{ "fifo_unmask_reraises", evtchn_fifo_unmask_reraises },
	{ "fifo_port_beyond_first_page", evtchn_fifo_port_beyond_first_page },
};
KTEST_SUITE(evtchn, "evtchn", evtchn_cases, need_xen);
