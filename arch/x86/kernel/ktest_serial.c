/* Self-test of the native serial console's output ring (serial.c,
 * docs/boot.md): held-back output is written by console_drain() and
 * console_flush(); a burst larger than the ring fills it, never more,
 * and the overflow goes out at once, oldest first. The burst's lines are
 * numbered: the host runner (tests/boot/signatures.py) fails the run
 * when one is missing or out of order, so lost or reordered output is
 * caught where it is seen. */
#include <kernel/ktest.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <asm/serial.h>

#define FILL_LINES 320 /* about 22 KiB of lines: more than the 16 KiB ring */

static const char *need_serial(void)
{
	if (!serial_console_active())
		return "no 16550 console";
	if (!console_defer_on())
		return "console_defer=0";
	return NULL;
}

static void drain_writes_held_output(struct ktest *t)
{
	unsigned long spins = 0;

	serial_hold_drain(true);
	kprintf("        # serial: a line held back\n");
	KT_EXPECT(t, serial_tx_queued() > 0);
	serial_hold_drain(false);
	while (console_drain() && spins < 10000000UL)
		spins++;
	KT_EXPECT_EQ(t, serial_tx_queued(), 0);
}

static void burst_larger_than_ring(struct ktest *t)
{
	unsigned long sync0 = serial_tx_sync_bytes();
	size_t max_queued = 0, written = 0;
	char pad[41];

	memset(pad, '.', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	serial_hold_drain(true);
	for (unsigned int i = 0; i < FILL_LINES; i++) {
		written += (size_t)kprintf("        # serial fill %u/%u %s\n", i, FILL_LINES, pad);
		max_queued = MAX(max_queued, serial_tx_queued());
	}
	serial_hold_drain(false);
	KT_ASSERT(t, written > serial_tx_ring_size());
	/* Full (less at most one FIFO load, written to make room), never
	 * past full; what did not fit left at once. */
	KT_EXPECT(t, max_queued <= serial_tx_ring_size());
	KT_EXPECT(t, max_queued + 16 >= serial_tx_ring_size());
	KT_EXPECT(t, serial_tx_sync_bytes() - sync0 >= written - serial_tx_ring_size());
	console_flush();
	KT_EXPECT_EQ(t, serial_tx_queued(), 0);
}

static const struct ktest_case serial_cases[] = {
	{ "drain_writes_held_output", drain_writes_held_output },
	{ "burst_larger_than_ring", burst_larger_than_ring },
};
KTEST_SUITE(serial, "serial", serial_cases, need_serial);
