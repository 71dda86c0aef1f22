/* The held-back console output ring (include/kernel/console_fifo.h).
 * head and tail count bytes ever queued and written, so head - tail is
 * what is queued and their difference never exceeds the size; the ring
 * index is a count masked by size - 1. */
#include <kernel/console_fifo.h>

/* One out() call on the oldest contiguous piece; bytes it took. */
static size_t write_some(struct console_fifo *f)
{
	size_t at = f->tail & (f->size - 1);
	size_t n = f->head - f->tail, took;

	if (!n)
		return 0;
	if (n > f->size - at)
		n = f->size - at; /* up to the wrap; the rest next time */
	took = f->out(f->buf + at, n);
	if (took > n)
		took = n; /* a device claiming more than it was given */
	f->tail += took;
	return took;
}

/* Write at least one byte, waiting for the device; false when it is
 * gone (everything queued is dropped then: a dead console must not
 * hang the kernel, and output still comes in after it). */
static bool write_waiting(struct console_fifo *f)
{
	size_t took;

	while (!(took = write_some(f))) {
		if (!f->wait || !f->wait()) {
			f->dropped += f->head - f->tail;
			f->tail = f->head;
			return false;
		}
	}
	return true;
}

void cfifo_put(struct console_fifo *f, const char *s, size_t n)
{
	while (n) {
		size_t room = f->size - (f->head - f->tail), at, piece;

		if (!room) {
			size_t before = f->tail;

			if (write_waiting(f))
				f->sync_bytes += f->tail - before;
			continue;
		}
		at = f->head & (f->size - 1);
		piece = n < room ? n : room;
		if (piece > f->size - at)
			piece = f->size - at;
		for (size_t i = 0; i < piece; i++)
			f->buf[at + i] = s[i];
		f->head += piece;
		s += piece;
		n -= piece;
	}
}

bool cfifo_drain(struct console_fifo *f)
{
	write_some(f);
	return f->head != f->tail;
}

void cfifo_flush(struct console_fifo *f)
{
	while (f->head != f->tail && write_waiting(f))
		;
}
