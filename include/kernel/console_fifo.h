/* Console output held back in a ring and written when the device can
 * take it without waiting (lib/console_fifo.c, docs/boot.md). Pure code:
 * the device is two callbacks, and the caller serialises every call
 * (the console drivers run under the printk lock). */
#ifndef KERNEL_CONSOLE_FIFO_H
#define KERNEL_CONSOLE_FIFO_H

#include <kernel/types.h>

struct console_fifo {
	char *buf;
	size_t size;              /* bytes in buf, a power of two */
	size_t head, tail;        /* bytes ever queued / ever written */
	unsigned long sync_bytes; /* written at once because the ring was full */
	unsigned long dropped;    /* given up: the device stopped taking any */
	/* Write from s (n > 0 bytes, contiguous in the ring) what the
	 * device takes now, without waiting; return how many it took. */
	size_t (*out)(const char *s, size_t n);
	/* Wait until the device may take more; false if it never will (a
	 * missing or stuck device: the bytes queued are then dropped). */
	bool (*wait)(void);
};

/* Queue n bytes; while the ring is full its oldest bytes are written
 * out first (waiting for the device), so nothing is lost or reordered. */
void cfifo_put(struct console_fifo *f, const char *s, size_t n);
/* One write of what the device takes now; true while bytes are left. */
bool cfifo_drain(struct console_fifo *f);
/* Write everything queued, waiting for the device. */
void cfifo_flush(struct console_fifo *f);

static inline size_t cfifo_queued(const struct console_fifo *f)
{
	return f->head - f->tail;
}

#endif
