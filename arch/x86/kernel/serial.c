/* 16550 UART on COM1, polled. The native console. */
#include <kernel/printk.h>
#include <asm/processor.h>
#include <asm/serial.h>

#define COM1 0x3f8
#define LSR_THRE 0x20
#define LSR_DR 0x01

static bool present;

static void serial_putc(char c)
{
	/* Bounded wait: a missing or stuck UART must not hang the kernel. */
	for (int i = 0; i < 100000 && !(inb(COM1 + 5) & LSR_THRE); i++)
		cpu_relax();
	outb(COM1, (u8)c);
}

static void serial_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
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
	return console_register(&serial_console);
}
