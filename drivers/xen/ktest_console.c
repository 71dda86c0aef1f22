/* Self-tests for the output side of the domU console ring
 * (drivers/xen/console.c) on a ring page of our own, where the test plays
 * the backend: it decides when the consumer index moves, or sets it to
 * nonsense. Under Xen only, since waiting for room yields to Xen. */
#include <kernel/ktest.h>
#include <kernel/mm.h>
#include <kernel/string.h>
#include <kernel/time.h>
#include <xen/xen.h>
#include "console_ring.h"

#define OUT_SIZE sizeof(((struct xencons_interface *)0)->out)

static const char *need_xen(void)
{
	return HYPERVISOR_shared_info ? NULL : "not running on Xen";
}

static char reported[160];
static void report(const char *msg, size_t n)
{
	if (n >= sizeof(reported))
		n = sizeof(reported) - 1;
	memcpy(reported, msg, n);
	reported[n] = '\0';
}

/* A full ring, with its producer index well past zero so that the
 * indices wrap the way a long-running console's do. */
static struct xencons_interface *full_ring(struct cons_ring *r, u64 wait_ns)
{
	struct xencons_interface *intf = alloc_pages(1);

	memset(r, 0, sizeof(*r));
	if (!intf)
		return NULL;
	intf->out_cons = 0xfffffc00u;
	intf->out_prod = intf->out_cons + OUT_SIZE;
	r->intf = intf;
	r->wait_ns = wait_ns;
	r->wait_yields = 1000000;
	r->report_locked = report;
	reported[0] = '\0';
	return intf;
}

/* The bytes between two producer positions, as the backend would read. */
static void ring_read(const struct xencons_interface *intf, XENCONS_RING_IDX from, char *dst,
		      size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = intf->out[MASK_XENCONS_IDX(from + i, intf->out)];
}

static struct xencons_interface *drain_intf;
static void drain_all(struct timer *t)
{
	(void)t;
	WRITE_ONCE(drain_intf->out_cons, drain_intf->out_prod);
}

/* The backend reads only after 20 ms: the write waits for it and loses
 * nothing (before the wait was bounded by a count of yields, a busy dom0
 * cost test results this way). */
static void waits_for_slow_backend(struct ktest *t)
{
	struct cons_ring r;
	struct xencons_interface *intf = full_ring(&r, 2 * NSEC_PER_SEC);
	struct timer tm = { 0 };
	XENCONS_RING_IDX start;
	char got[8];

	KT_ASSERT(t, intf);
	start = intf->out_prod;
	drain_intf = intf;
	timer_add(&tm, clock_ns() + 20 * NSEC_PER_MSEC, drain_all);
	cons_ring_write(&r, "late\n", 5);
	timer_cancel(&tm);
	KT_EXPECT_EQ(t, r.dropped, 0);
	KT_EXPECT(t, !r.stalled && !r.broken);
	KT_EXPECT(t, r.yields > 0);
	KT_EXPECT_EQ(t, intf->out_prod - start, 6);
	ring_read(intf, start, got, 6);
	KT_EXPECT(t, !memcmp(got, "late\r\n", 6));
	free_pages(intf, 1);
}

/* A backend that never reads: the first write waits out its bound and
 * drops; later writes drop without waiting; once the backend reads, the
 * next write first says how much was lost. */
static void dead_backend_drops_then_reports(struct ktest *t)
{
	static const char want[] = "\r\nxen console: 5 bytes dropped while the backend did not read\r\nok";
	struct cons_ring r;
	struct xencons_interface *intf = full_ring(&r, 10 * NSEC_PER_MSEC);
	XENCONS_RING_IDX start;
	unsigned long yields;
	char got[sizeof(want)];

	KT_ASSERT(t, intf);
	cons_ring_write(&r, "abc", 3);
	KT_EXPECT_EQ(t, r.dropped, 3);
	KT_EXPECT(t, r.stalled);
	KT_EXPECT(t, r.yields > 0);
	yields = r.yields;
	cons_ring_write(&r, "de", 2);
	KT_EXPECT_EQ(t, r.dropped, 5);
	KT_EXPECT_EQ(t, r.yields, yields);  /* no second wait */

	start = intf->out_prod;
	WRITE_ONCE(intf->out_cons, intf->out_prod);  /* the backend reads it all */
	cons_ring_write(&r, "ok", 2);
	KT_EXPECT(t, !r.stalled);
	KT_EXPECT_EQ(t, r.dropped, 5);
	KT_EXPECT_EQ(t, r.dropped_told, 5);
	KT_EXPECT_EQ(t, intf->out_prod - start, sizeof(want) - 1);
	ring_read(intf, start, got, sizeof(want) - 1);
	got[sizeof(want) - 1] = '\0';
	KT_EXPECT(t, !strcmp(got, want));
	free_pages(intf, 1);
}

/* A consumer index ahead of the producer, or further behind it than the
 * ring is long, disables the ring without writing or waiting (and the
 * report of it must not need printk's lock, which the caller holds). */
static void impossible_index_disables(struct ktest *t)
{
	struct cons_ring r;
	struct xencons_interface *intf = full_ring(&r, 2 * NSEC_PER_SEC);
	XENCONS_RING_IDX prod;

	KT_ASSERT(t, intf);
	prod = intf->out_prod;
	WRITE_ONCE(intf->out_cons, prod + 1);
	cons_ring_write(&r, "x", 1);
	KT_EXPECT(t, r.broken);
	KT_EXPECT_EQ(t, r.yields, 0);
	KT_EXPECT_EQ(t, intf->out_prod, prod);
	KT_EXPECT(t, !strncmp(reported, "xen console: backend error (output indices", 42));
	WRITE_ONCE(intf->out_cons, prod);  /* sane again: the ring stays off */
	cons_ring_write(&r, "y", 1);
	KT_EXPECT_EQ(t, intf->out_prod, prod);
	free_pages(intf, 1);

	intf = full_ring(&r, 2 * NSEC_PER_SEC);
	KT_ASSERT(t, intf);
	prod = intf->out_prod;
	WRITE_ONCE(intf->out_cons, prod - OUT_SIZE - 1);
	cons_ring_write(&r, "z", 1);
	KT_EXPECT(t, r.broken);
	KT_EXPECT_EQ(t, intf->out_prod, prod);
	KT_EXPECT(t, reported[0] != '\0');
	free_pages(intf, 1);
}

static const struct ktest_case xencons_cases[] = {
	{ "waits_for_slow_backend", waits_for_slow_backend },
	{ "dead_backend_drops_then_reports", dead_backend_drops_then_reports },
	{ "impossible_index_disables", impossible_index_disables },
};
KTEST_SUITE(xencons, "xencons", xencons_cases, need_xen);
