/* Xen consoles. dom0 writes through HYPERVISOR_console_io to Xen's own
 * serial line; a domU uses the shared console ring served by xenconsoled
 * in the backend domain, which is untrusted: its indices are copied once,
 * checked, and a backend that reports impossible values puts the console
 * into an error state instead of being believed. */
#include <xen/xen.h>
#include <xen/events.h>
#include <xen/console.h>
#include <xen/suspend.h>
#include <xen/hypercall.h>
#include <xen/interface/io/console.h>
#include <kernel/printk.h>
#include <kernel/monitor.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <kernel/time.h>
#include <asm/processor.h>

static void console_io_write(const char *s, size_t n)
{
	while (n) {
		unsigned int chunk = n > 512 ? 512 : (unsigned int)n;

		HYPERVISOR_console_io(CONSOLEIO_write, chunk, s);
		s += chunk;
		n -= chunk;
	}
}

static int console_io_getc(void)
{
	char c = 0;

	if (HYPERVISOR_console_io(CONSOLEIO_read, 1, &c) == 1)
		return (unsigned char)c;
	return -1;
}

static const struct console xen_console_io = {
	.name = "hvc0",
	.write = console_io_write,
	.getc = console_io_getc,
};

void xen_console_early_init(void)
{
	console_register(&xen_console_io);
}

/* How long output waits for a full ring to gain room before it is
 * dropped. A busy backend domain may not read for a while (seen under
 * emulation: tens of milliseconds with dom0's xenconsoled descheduled),
 * and losing console output there loses test results; a dead backend
 * must still not hang the kernel, so the wait is bounded and, once it has
 * run out, output is dropped at once until the backend reads again.
 * Before the clock runs the bound is a count of yields. */
#define RING_WAIT_NS (2 * NSEC_PER_SEC)
#define RING_WAIT_YIELDS 100000UL

/* All of this is used under printk's log_lock (output) or by the one
 * monitor reader (input), apart from init and resume on the boot CPU. */
static struct xencons_interface *ring;
static unsigned int ring_evtchn;
static bool ring_broken;
static bool ring_stalled;          /* the wait ran out: drop until the backend reads */
static unsigned long ring_dropped; /* bytes dropped, in total */
static unsigned long ring_dropped_told; /* of those, reported on the ring */

static void ring_fail(const char *what, u32 a, u32 b)
{
	if (ring_broken)
		return;
	ring_broken = true;
	/* Still report it on whatever other console exists. */
	pr_err("xen console: backend error (%s: %u/%u); console ring disabled\n", what, a, b);
}

static void ring_notify(void)
{
	evtchn_send(ring_evtchn);
}

/* Room for one byte in the output ring, waiting for the backend within
 * the bounds above: 1 if there is room, 0 if not, -EIO if the backend's
 * index is impossible. */
static int ring_room(void)
{
	bool clock = clock_ready();
	u64 start = clock ? clock_ns() : 0;

	for (unsigned long yields = 0;; yields++) {
		XENCONS_RING_IDX untrusted_cons = READ_ONCE(ring->out_cons);
		XENCONS_RING_IDX used = ring->out_prod - untrusted_cons;

		mb();
		if (used > sizeof(ring->out)) {
			ring_fail("output indices", ring->out_prod, untrusted_cons);
			return -EIO;
		}
		if (used < sizeof(ring->out)) {
			ring_stalled = false;
			return 1;
		}
		if (ring_stalled)
			return 0;
		if (clock ? clock_ns() - start > RING_WAIT_NS : yields > RING_WAIT_YIELDS) {
			ring_stalled = true;
			return 0;
		}
		/* Full: let the backend run. */
		ring_notify();
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
}

/* Queue one byte; false if it had to be dropped. */
static bool ring_put(char c)
{
	XENCONS_RING_IDX prod;

	if (ring_room() <= 0)
		return false;
	prod = ring->out_prod;
	ring->out[MASK_XENCONS_IDX(prod, ring->out)] = c;
	wmb();
	ring->out_prod = prod + 1;
	return true;
}

static size_t ring_put_all(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((s[i] == '\n' && !ring_put('\r')) || !ring_put(s[i]))
			return i;
	return n;
}

static void ring_write(const char *s, size_t n)
{
	size_t done;

	if (!ring || ring_broken)
		return;
	/* Once the backend reads again, say what it missed, so a gap in the
	 * output is never silent. */
	if (ring_dropped != ring_dropped_told && ring_room() > 0) {
		char note[96];
		int len = snprintf(note, sizeof(note),
				   "\nxen console: %lu bytes dropped while the backend did not read\n",
				   ring_dropped - ring_dropped_told);
		size_t want = len < (int)sizeof(note) ? (size_t)len : sizeof(note) - 1;

		if (ring_put_all(note, want) == want)
			ring_dropped_told = ring_dropped;
	}
	done = ring_put_all(s, n);
	ring_dropped += n - done;
	ring_notify();
}

static int ring_getc(void)
{
	XENCONS_RING_IDX cons, untrusted_prod;
	char c;

	if (!ring || ring_broken)
		return -1;
	cons = ring->in_cons;
	untrusted_prod = READ_ONCE(ring->in_prod);
	rmb();
	if (untrusted_prod - cons > sizeof(ring->in)) {
		ring_fail("input indices", untrusted_prod, cons);
		return -1;
	}
	if (untrusted_prod == cons)
		return -1;
	c = READ_ONCE(ring->in[MASK_XENCONS_IDX(cons, ring->in)]);
	mb();
	ring->in_cons = cons + 1;
	ring_notify();
	return (unsigned char)c;
}

static const struct console xen_console_ring = {
	.name = "hvc0",
	.write = ring_write,
	.getc = ring_getc,
};

int xen_console_ring_init(void *page, unsigned int evtchn)
{
	ring = page;
	ring_evtchn = evtchn;
	ring_broken = false;
	ring_stalled = false;
	return console_register(&xen_console_ring);
}

/* Undo xen_console_ring_init() when the ring cannot stay mapped: the
 * console must stop writing to the old address before that mapping goes.
 * Called during boot on the boot CPU alone; unregistered first so that
 * printk no longer picks the console by the time the ring is forgotten. */
void xen_console_ring_exit(void)
{
	console_unregister(&xen_console_ring);
	ring = NULL;
	ring_evtchn = 0;
}

static void xen_console_pm_init(void);

static void console_event(unsigned int port, void *data)
{
	console_input_kick();
}

int xen_console_late_init(void)
{
	unsigned int port;
	int rc;

	if (ring_dropped)
		pr_warn("xen console: %lu bytes dropped while the ring was full\n", ring_dropped);
	/* Input arrives as an event: the ring's channel for a domU, the
	 * console VIRQ for dom0's console_io. */
	if (ring) {
		rc = evtchn_bind(ring_evtchn, console_event, NULL);
	} else {
		rc = evtchn_bind_virq(VIRQ_CONSOLE, &port);
		if (!rc)
			rc = evtchn_bind(port, console_event, NULL);
	}
	if (rc)
		pr_warn("xen console: no input events (%d)\n", rc);
	xen_console_pm_init();
	return rc;
}

/* A new domain has a new ring event channel (the ring page is ours and
 * stays): output notifies the new port from here on, input is bound to
 * it. Early, so that the resume's own messages reach xenconsoled. */
static void console_resume_noirq(const struct xen_resume_info *ri)
{
	int rc;

	if (!ri->new_domain || !ring)
		return;
	if (!ri->console_evtchn) {
		ring_fail("no event channel after restore", 0, 0);
		return;
	}
	ring_evtchn = ri->console_evtchn;
	rc = evtchn_bind(ring_evtchn, console_event, NULL);
	if (rc)
		pr_warn("xen console: no input events after restore (%d)\n", rc);
	/* Whatever was written while the port was unknown. */
	ring_notify();
}

static struct xen_pm_hook console_hook = {
	.name = "console",
	.level = XEN_PM_CONSOLE,
	.resume_noirq = console_resume_noirq,
};

static void xen_console_pm_init(void)
{
	if (ring)
		xen_pm_register(&console_hook);
}
