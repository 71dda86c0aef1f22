/* Host tests for lib/console_fifo.c, the held-back console output ring,
 * against a fake device that takes a set number of bytes per call (0:
 * busy) and records everything it was given: order and completeness
 * through wraps, a full ring written out from its oldest byte, drains
 * that never wait, a device that dies, and one that claims too much. */
#include <kernel/console_fifo.h>
#include <stdlib.h>
#include <string.h>
#include "test.h"

static char dev_out[1 << 16];
static size_t dev_len;
static size_t dev_take;      /* bytes the device takes per call; 0: busy */
static size_t dev_claim;     /* if set, the count it reports instead */
static int dev_waits, dev_waits_until_ready, dev_dead;

static size_t dev_write(const char *s, size_t n)
{
	size_t k = n < dev_take ? n : dev_take;

	memcpy(dev_out + dev_len, s, k);
	dev_len += k;
	return dev_claim ? dev_claim : k;
}

static bool dev_wait(void)
{
	dev_waits++;
	if (dev_dead)
		return false;
	if (dev_waits >= dev_waits_until_ready)
		dev_take = 3;
	return true;
}

static char ring[16];

static struct console_fifo fresh(void)
{
	struct console_fifo f = { .buf = ring, .size = sizeof(ring), .out = dev_write,
				  .wait = dev_wait };

	dev_len = 0;
	dev_take = 0;
	dev_claim = 0;
	dev_waits = 0;
	dev_waits_until_ready = 1;
	dev_dead = 0;
	return f;
}

TEST(test_held_until_drained)
{
	struct console_fifo f = fresh();

	cfifo_put(&f, "hello\n", 6);
	CHECK_EQ(cfifo_queued(&f), 6);
	CHECK_EQ(dev_len, 0); /* nothing written on put */
	dev_take = 0;
	CHECK(cfifo_drain(&f)); /* busy device: nothing taken, no wait */
	CHECK_EQ(dev_waits, 0);
	dev_take = 4;
	CHECK(cfifo_drain(&f));
	CHECK_EQ(dev_len, 4);
	CHECK(!cfifo_drain(&f));
	CHECK_EQ(dev_len, 6);
	CHECK(memcmp(dev_out, "hello\n", 6) == 0);
	CHECK_EQ(f.sync_bytes, 0);
}

TEST(test_full_ring_writes_oldest_first)
{
	struct console_fifo f = fresh();
	char in[100];

	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (char)('a' + i % 26);
	dev_waits_until_ready = 2; /* busy until the second wait */
	cfifo_put(&f, in, sizeof(in));
	/* Never more than the ring; the rest went out, in order. */
	CHECK(cfifo_queued(&f) <= sizeof(ring));
	CHECK_EQ(dev_len + cfifo_queued(&f), sizeof(in));
	CHECK_EQ(f.sync_bytes, dev_len);
	CHECK(dev_waits >= 2);
	cfifo_flush(&f);
	CHECK_EQ(cfifo_queued(&f), 0);
	CHECK_EQ(dev_len, sizeof(in));
	CHECK(memcmp(dev_out, in, sizeof(in)) == 0);
}

TEST(test_wraps_keep_order)
{
	struct console_fifo f = fresh();
	char in[5000], expect[5000];
	size_t total = 0;

	srand(7);
	dev_take = 5;
	for (int round = 0; round < 400 && total < sizeof(in) - 20; round++) {
		size_t n = (size_t)(rand() % 20);

		for (size_t i = 0; i < n; i++)
			in[i] = expect[total + i] = (char)rand();
		cfifo_put(&f, in, n);
		total += n;
		if (rand() % 3 == 0)
			cfifo_drain(&f);
		CHECK(cfifo_queued(&f) <= sizeof(ring));
	}
	cfifo_flush(&f);
	CHECK_EQ(dev_len, total);
	CHECK(memcmp(dev_out, expect, total) == 0);
}

TEST(test_dead_device_drops_and_goes_on)
{
	struct console_fifo f = fresh();
	char in[40];

	memset(in, 'x', sizeof(in));
	dev_dead = 1;
	cfifo_put(&f, in, sizeof(in)); /* must return: the device never takes */
	CHECK(f.dropped >= sizeof(in) - sizeof(ring));
	CHECK_EQ(f.sync_bytes, 0); /* dropped is not written */
	CHECK(cfifo_queued(&f) <= sizeof(ring));
	cfifo_flush(&f);
	CHECK_EQ(cfifo_queued(&f), 0);
	CHECK_EQ(f.dropped, sizeof(in));
	/* Without a wait callback a busy device counts as gone as well. */
	f.wait = NULL;
	cfifo_put(&f, "abc", 3);
	cfifo_flush(&f);
	CHECK_EQ(cfifo_queued(&f), 0);
	CHECK_EQ(f.dropped, sizeof(in) + 3);
}

TEST(test_device_claiming_too_much)
{
	struct console_fifo f = fresh();

	dev_take = 2;
	dev_claim = 1000; /* more than it was given */
	cfifo_put(&f, "abcdef", 6);
	cfifo_drain(&f);
	/* The tail never passes the head. */
	CHECK_EQ(cfifo_queued(&f), 0);
	CHECK_EQ(f.tail, f.head);
}

int main(void)
{
	RUN(test_held_until_drained);
	RUN(test_full_ring_writes_oldest_first);
	RUN(test_wraps_keep_order);
	RUN(test_dead_device_drops_and_goes_on);
	RUN(test_device_claiming_too_much);
	return xt_done();
}
