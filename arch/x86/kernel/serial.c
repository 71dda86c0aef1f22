/* 16550 UART on COM1, the native console.
 *
 * Output is held in a ring and written from the idle loop
 * (console_drain), a FIFO's worth at a time and never waiting for the
 * UART: at 115200 baud a byte takes 87 us, so a boot's 2 KiB of messages
 * written synchronously kept bare metal waiting about 180 ms, and even
 * QEMU spends a few microseconds per byte (a write to its backend). A
 * full ring is drained synchronously from its oldest byte, so nothing is
 * lost; power-off and panic write everything out first (console_flush,
 * oops_in_progress), and console_defer=0 writes every line at once (for
 * a kernel that hangs without ever idling). All entry points run under
 * the printk lock (log_lock), which serialises the ring. */
#include <kernel/cmdline.h>
#include <kernel/errno.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <asm/processor.h>
#include <asm/serial.h>

#define COM1 0x3f8
#define LSR_THRE 0x20
#define LSR_DR 0x01
#define IIR_FIFO 0xc0
#define TX_RING_SIZE 16384U
/* Bounded wait for THRE: a missing or stuck UART must not hang us. */
#define THRE_SPINS 100000

static bool present;
static bool defer = true;
static unsigned int fifo_size = 1;
static char tx_ring[TX_RING_SIZE];
static size_t tx_head, tx_tail; /* bytes ever queued / ever sent */
static unsigned long tx_sync_bytes; /* sent at once: the ring was full */
static bool drain_held; /* self-test: console_drain() leaves the ring alone */

extern bool oops_in_progress;

static int console_defer_set(const char *val)
{
	if (!val || (strcmp(val, "0") && strcmp(val, "1")))
		return -EINVAL;
	defer = val[0] == '1';
	return 0;
}
CMDLINE_OPTION(console_defer, "console_defer", console_defer_set,
	       "1 (default): the serial console writes from the idle loop; 0: at once");

static bool thre_wait(void)
{
	for (int i = 0; i < THRE_SPINS; i++) {
		if (inb(COM1 + 5) & LSR_THRE)
			return true;
		cpu_relax();
	}
	return false;
}

/* Queued bytes into the FIFO while it has room, without waiting (THRE
 * set: the FIFO is empty). A newline goes out as CR LF; cr_sent says the
 * CR of the newline at the tail has left already. */
static bool cr_sent;

static void tx_push(void)
{
	unsigned int room = fifo_size;

	if (tx_tail == tx_head || !(inb(COM1 + 5) & LSR_THRE))
		return;
	while (room && tx_tail != tx_head) {
		char c = tx_ring[tx_tail % TX_RING_SIZE];

		room--;
		if (c == '\n' && !cr_sent) {
			outb(COM1, '\r');
			cr_sent = true;
			continue;
		}
		outb(COM1, (u8)c);
		cr_sent = false;
		tx_tail++;
	}
}

static void tx_flush(void)
{
	while (tx_tail != tx_head) {
		if (!thre_wait()) {
			tx_tail = tx_head; /* a dead UART: drop, do not hang */
			return;
		}
		tx_push();
	}
}

static void serial_write(const char *s, size_t n)
{
	if (!defer || READ_ONCE(oops_in_progress)) {
		tx_flush();
		for (size_t i = 0; i < n; i++) {
			if (s[i] == '\n') {
				thre_wait();
				outb(COM1, '\r');
			}
			thre_wait();
			outb(COM1, (u8)s[i]);
		}
		return;
	}
	for (size_t i = 0; i < n; i++) {
		while (tx_head - tx_tail == TX_RING_SIZE) {
			size_t before = tx_tail;

			if (!thre_wait()) {
				tx_tail = tx_head;
				break;
			}
			tx_push();
			tx_sync_bytes += tx_tail - before;
		}
		tx_ring[tx_head++ % TX_RING_SIZE] = s[i];
	}
}

static bool serial_drain(void)
{
	if (!READ_ONCE(drain_held))
		tx_push();
	return tx_tail != tx_head;
}

bool serial_console_active(void)
{
	return present;
}

size_t serial_tx_queued(void)
{
	return READ_ONCE(tx_head) - READ_ONCE(tx_tail);
}

bool serial_defer_enabled(void)
{
	return defer;
}

void serial_hold_drain(bool hold)
{
	WRITE_ONCE(drain_held, hold);
}

size_t serial_tx_ring_size(void)
{
	return TX_RING_SIZE;
}

unsigned long serial_tx_sync_bytes(void)
{
	return READ_ONCE(tx_sync_bytes);
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
	.flush = tx_flush,
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
