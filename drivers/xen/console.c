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
#include <kernel/console_fifo.h>
#include <kernel/monitor.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <kernel/time.h>
#include "console_ring.h"
#include <asm/processor.h>

/* dom0's output through HYPERVISOR_console_io is held in a ring and
 * written from the idle loop, 512 bytes a call, as the native serial
 * console's is (lib/console_fifo.c, docs/boot.md): under emulation each
 * call costs Xen's serial driver a few microseconds per byte, paid on
 * the path to ready when written at once. Xen's answer is not looked at
 * (it was not before either): a byte Xen refuses is not ours to retry. */
#define CONSOLE_IO_RING_SIZE 8192U
#define CONSOLE_IO_CHUNK 512U
static char console_io_ring[CONSOLE_IO_RING_SIZE];

static size_t console_io_out(const char *s, size_t n)
{
	unsigned int chunk = n > CONSOLE_IO_CHUNK ? CONSOLE_IO_CHUNK : (unsigned int)n;

	HYPERVISOR_console_io(CONSOLEIO_write, chunk, s);
	return chunk;
}

static struct console_fifo console_io_tx = {
	.buf = console_io_ring,
	.size = CONSOLE_IO_RING_SIZE,
	.out = console_io_out,
};

static void console_io_write(const char *s, size_t n)
{
	cfifo_put(&console_io_tx, s, n);
	if (!console_defer_on())
		cfifo_flush(&console_io_tx);
}

static bool console_io_drain(void)
{
	return cfifo_drain(&console_io_tx);
}

static void console_io_flush(void)
{
	cfifo_flush(&console_io_tx);
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
	.drain = console_io_drain,
	.flush = console_io_flush,
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

/* The domU console. Output runs under printk's log_lock, input in the one
 * monitor reader; init and resume run on the boot CPU alone. */
static struct cons_ring out = {
	.wait_ns = RING_WAIT_NS,
	.wait_yields = RING_WAIT_YIELDS,
	.report_locked = console_note_locked,
};

static void ring_notify(const struct cons_ring *r)
{
	if (r->evtchn)
		evtchn_send(r->evtchn);
}

/* Disable the ring for good. locked: called from inside the console's
 * write, under printk's lock, where printk itself cannot be used. */
static void ring_fail(struct cons_ring *r, bool locked, const char *what, u32 a, u32 b)
{
	char msg[128];
	int len;

	if (r->broken)
		return;
	r->broken = true;
	len = snprintf(msg, sizeof(msg), "xen console: backend error (%s: %u/%u); console ring disabled\n",
		       what, a, b);
	if (len >= (int)sizeof(msg))
		len = sizeof(msg) - 1;
	/* Still report it on whatever other console exists, and in the log. */
	if (locked)
		r->report_locked(msg, (size_t)len);
	else
		pr_err("%s", msg);
}

/* Room for one byte in the output ring, waiting for the backend within
 * the ring's bounds: 1 if there is room, 0 if not, -EIO if the backend's
 * index is impossible. */
static int ring_room(struct cons_ring *r)
{
	bool clock = false;
	u64 start = 0;

	for (unsigned long waited = 0;; waited++) {
		XENCONS_RING_IDX untrusted_cons = READ_ONCE(r->intf->out_cons);
		XENCONS_RING_IDX prod = r->intf->out_prod;
		XENCONS_RING_IDX used = prod - untrusted_cons;

		mb();
		if (used > sizeof(r->intf->out)) {
			ring_fail(r, true, "output indices", prod, untrusted_cons);
			return -EIO;
		}
		if (used < sizeof(r->intf->out)) {
			r->stalled = false;
			return 1;
		}
		if (r->stalled)
			return 0;
		/* The clock is read only once the ring is full, not per byte. */
		if (!waited) {
			clock = clock_ready();
			start = clock ? clock_ns() : 0;
		} else if (clock ? clock_ns() - start > r->wait_ns : waited > r->wait_yields) {
			r->stalled = true;
			return 0;
		}
		/* Full: let the backend run. */
		ring_notify(r);
		r->yields++;
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
}

/* Queue one byte; false if it had to be dropped. */
static bool ring_put(struct cons_ring *r, char c)
{
	XENCONS_RING_IDX prod;

	if (ring_room(r) <= 0)
		return false;
	prod = r->intf->out_prod;
	r->intf->out[MASK_XENCONS_IDX(prod, r->intf->out)] = c;
	wmb();
	r->intf->out_prod = prod + 1;
	return true;
}

static size_t ring_put_all(struct cons_ring *r, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((s[i] == '\n' && !ring_put(r, '\r')) || !ring_put(r, s[i]))
			return i;
	return n;
}

void cons_ring_write(struct cons_ring *r, const char *s, size_t n)
{
	size_t done;

	if (!r->intf || r->broken)
		return;
	/* Once the backend reads again, say what it missed, so a gap in the
	 * output is never silent. */
	if (r->dropped != r->dropped_told && ring_room(r) > 0) {
		char note[96];
		int len = snprintf(note, sizeof(note),
				   "\nxen console: %lu bytes dropped while the backend did not read\n",
				   r->dropped - r->dropped_told);
		size_t want = len < (int)sizeof(note) ? (size_t)len : sizeof(note) - 1;

		if (ring_put_all(r, note, want) == want)
			r->dropped_told = r->dropped;
	}
	done = ring_put_all(r, s, n);
	if (!r->broken)
		r->dropped += n - done;
	ring_notify(r);
}

static void ring_write(const char *s, size_t n)
{
	cons_ring_write(&out, s, n);
}

static int ring_getc(void)
{
	struct xencons_interface *ring = out.intf;
	XENCONS_RING_IDX cons, untrusted_prod;
	char c;

	if (!ring || out.broken)
		return -1;
	cons = ring->in_cons;
	untrusted_prod = READ_ONCE(ring->in_prod);
	rmb();
	if (untrusted_prod - cons > sizeof(ring->in)) {
		ring_fail(&out, false, "input indices", untrusted_prod, cons);
		return -1;
	}
	if (untrusted_prod == cons)
		return -1;
	c = READ_ONCE(ring->in[MASK_XENCONS_IDX(cons, ring->in)]);
	mb();
	ring->in_cons = cons + 1;
	ring_notify(&out);
	return (unsigned char)c;
}

static const struct console xen_console_ring = {
	.name = "hvc0",
	.write = ring_write,
	.getc = ring_getc,
};

int xen_console_ring_init(void *page, unsigned int evtchn)
{
	out.intf = page;
	out.evtchn = evtchn;
	out.broken = false;
	out.stalled = false;
	return console_register(&xen_console_ring);
}

/* Undo xen_console_ring_init() when the ring cannot stay mapped: the
 * console must stop writing to the old address before that mapping goes.
 * Called during boot on the boot CPU alone; unregistered first so that
 * printk no longer picks the console by the time the ring is forgotten. */
void xen_console_ring_exit(void)
{
	console_unregister(&xen_console_ring);
	out.intf = NULL;
	out.evtchn = 0;
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

	if (out.dropped)
		pr_warn("xen console: %lu bytes dropped while the ring was full\n", out.dropped);
	/* Input arrives as an event: the ring's channel for a domU, the
	 * console VIRQ for dom0's console_io. */
	if (out.intf) {
		rc = evtchn_bind(out.evtchn, console_event, NULL);
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

	if (!ri->new_domain || !out.intf)
		return;
	if (!ri->console_evtchn) {
		ring_fail(&out, false, "no event channel after restore", 0, 0);
		return;
	}
	out.evtchn = ri->console_evtchn;
	rc = evtchn_bind(out.evtchn, console_event, NULL);
	if (rc)
		pr_warn("xen console: no input events after restore (%d)\n", rc);
	/* Whatever was written while the port was unknown. */
	ring_notify(&out);
}

static struct xen_pm_hook console_hook = {
	.name = "console",
	.level = XEN_PM_CONSOLE,
	.resume_noirq = console_resume_noirq,
};

static void xen_console_pm_init(void)
{
	if (out.intf)
		xen_pm_register(&console_hook);
}
