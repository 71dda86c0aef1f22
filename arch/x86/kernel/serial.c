/* 16550 UART on COM1, the native console.
 *
 * Output is held in a ring and written from the idle loop
 * (console_drain), a FIFO's worth at a time and never waiting for the
 * UART: at 115200 baud a byte takes 87 us, so a boot's 2 KiB of messages
 * written synchronously kept bare metal waiting about 180 ms, and even
 * QEMU spends a few microseconds per byte (a write to its backend). The
 * ring is lib/console_fifo.c: a full one is written out synchronously
 * from its oldest byte, so nothing is lost (a UART that shows no THRE
 * within a bounded wait is written anyway, see "stuck"); power-off,
 * reboot and panic write everything out first and every line after it
 * at once (console_flush_final, console_defer_on), and
 * console_defer=0 writes every line at once (for a kernel that hangs
 * without ever idling). All entry points run under the printk lock
 * (log_lock), which serialises the ring. */
#include <kernel/console_fifo.h>
#include <kernel/printk.h>
#include <asm/processor.h>
#include <asm/serial.h>

#define COM1 0x3f8
#define LSR_THRE 0x20
#define LSR_DR 0x01
#define IIR_FIFO 0xc0
#define TX_RING_SIZE 16384U
/* Bounded wait for THRE (about 0.1 s under QEMU, 1 s on hardware): the
 * host side of an emulated UART can stop reading for a while (its pipe
 * full), and a missing or stuck UART must not hang us. */
#define THRE_SPINS 1000000

static bool present;
static unsigned int fifo_size = 1;
static bool drain_held; /* self-test: console_drain() leaves the ring alone */
static bool cr_sent;    /* the CR of the newline at the ring's tail is out */
/* THRE did not come within the bounded wait: write without waiting, as
 * a FIFO load at a time, until the UART shows THRE again. Bytes a stuck
 * UART cannot take are lost there, as they always were; the ring keeps
 * everything else (a dropped ring would lose 16 KiB at a time). */
static bool stuck;
static char tx_ring[TX_RING_SIZE];

static bool thre_wait(void)
{
	for (int i = 0; i < THRE_SPINS; i++) {
		if (inb(COM1 + 5) & LSR_THRE) {
			stuck = false;
			return true;
		}
		cpu_relax();
	}
	stuck = true;
	return true;
}

/* Bytes into the FIFO while it has room, without waiting (THRE set: the
 * FIFO is empty; or the UART is stuck). A newline goes out as CR LF. */
static size_t tx_out(const char *s, size_t n)
{
	unsigned int room = fifo_size;
	size_t i = 0;

	if (inb(COM1 + 5) & LSR_THRE)
		stuck = false;
	else if (!stuck)
		return 0;
	while (room && i < n) {
		room--;
		if (s[i] == '\n' && !cr_sent) {
			outb(COM1, '\r');
			cr_sent = true;
			continue;
		}
		outb(COM1, (u8)s[i++]);
		cr_sent = false;
	}
	return i;
}

static struct console_fifo tx = {
	.buf = tx_ring,
	.size = TX_RING_SIZE,
	.out = tx_out,
	.wait = thre_wait,
};

static void serial_write(const char *s, size_t n)
{
	cfifo_put(&tx, s, n);
	if (!console_defer_on())
		cfifo_flush(&tx);
}

static bool serial_drain(void)
{
	if (READ_ONCE(drain_held))
		return cfifo_queued(&tx) != 0;
	return cfifo_drain(&tx);
}

static void serial_flush(void)
{
	cfifo_flush(&tx);
}

bool serial_console_active(void)
{
	return present;
}

void serial_hold_drain(bool hold)
{
	WRITE_ONCE(drain_held, hold);
}

size_t serial_tx_queued(void)
{
	return READ_ONCE(tx.head) - READ_ONCE(tx.tail);
}

size_t serial_tx_ring_size(void)
{
	return TX_RING_SIZE;
}

unsigned long serial_tx_sync_bytes(void)
{
	return READ_ONCE(tx.sync_bytes);
}

static int serial_getc(void)
{
	if (!(inb(COM1 + 5) & LSR_DR))
		return -1;
	return inb(COM1);
}

static const struct console serial_console = {
	.name = "ttyS0",
	.write = serial_write,
	.drain = serial_drain,
	.flush = serial_flush,
	.getc = serial_getc,
	.poll_input = true, /* no UART interrupt wiring yet */
};

int serial_init(void)
{
	outb(COM1 + 1, 0x00);	/* no interrupts */
	outb(COM1 + 3, 0x80);	/* DLAB */
	outb(COM1 + 0, 0x01);	/* 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03);	/* 8n1 */
	outb(COM1 + 2, 0xc7);	/* FIFO on, cleared */
	outb(COM1 + 4, 0x03);	/* DTR, RTS */
	/* Scratch register round trip tells whether a UART is there. */
	outb(COM1 + 7, 0x5a);
	present = inb(COM1 + 7) == 0x5a;
	if (!present)
		return -1;
	/* A 16550A reports its FIFO in IIR bits 7:6; a 16450 has none. */
	fifo_size = (inb(COM1 + 2) & IIR_FIFO) == IIR_FIFO ? 16 : 1;
	return console_register(&serial_console);
}
