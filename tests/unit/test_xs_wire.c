/* Host tests for lib/xs_wire.c: xenstore ring index arithmetic (the peer's
 * index is untrusted; u32 wraparound), wrapping ring copies, request
 * framing (exact bytes, both size limits) and the reply parsers (every
 * error path), then each function against a simple reference model over
 * fixed-seed random inputs. Payloads are passed in heap buffers of exactly
 * their length, so the ASan build catches any read past len. */
#include "kx.h"
#include <xen/xs_wire_util.h>
#include <stdlib.h>
#include <string.h>
#include "test.h"
#include "xs_err_names.h"

#define RING 1024u /* XENSTORE_RING_SIZE */

/* A heap copy of exactly n bytes (malloc(0) for n == 0: nothing readable). */
static char *dup_exact(const void *src, size_t n)
{
	char *p = malloc(n);

	if (!p && n)
		abort();
	if (n)
		memcpy(p, src, n);
	return p;
}

/* A string literal with its embedded NULs, without the compiler's final
 * NUL: LIT("a\0b") is "a\0b", 3. */
#define LIT(s) (s), (u32)(sizeof(s) - 1)

static u32 le32(const u8 *p)
{
	return p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

/* ---------------------------------------------------------------- rings */

TEST(test_ring_readable)
{
	/* Empty, partly full, exactly full, one past full. */
	CHECK_EQ(xs_ring_readable(0, 0, RING), 0);
	CHECK_EQ(xs_ring_readable(0, 5, RING), 5);
	CHECK_EQ(xs_ring_readable(100, 1123, RING), 1023);
	CHECK_EQ(xs_ring_readable(100, 1124, RING), 1024);
	CHECK_EQ(xs_ring_readable(100, 1125, RING), -EPROTO);
	CHECK_EQ(xs_ring_readable(0, 0x80000000u, RING), -EPROTO);
	CHECK_EQ(xs_ring_readable(0, 0xffffffffu, RING), -EPROTO);
	/* A producer behind our consumer is impossible, not "empty". */
	CHECK_EQ(xs_ring_readable(100, 99, RING), -EPROTO);
	CHECK_EQ(xs_ring_readable(100, 100 - RING, RING), -EPROTO);

	/* Free-running u32 indices wrap: distances still count. */
	CHECK_EQ(xs_ring_readable(0xffffffffu, 0xffffffffu, RING), 0);
	CHECK_EQ(xs_ring_readable(0xffffffffu, 0, RING), 1);
	CHECK_EQ(xs_ring_readable(0xfffffff0u, 0x10, RING), 0x20);
	CHECK_EQ(xs_ring_readable(0xfffffc00u, 0, RING), 1024);
	CHECK_EQ(xs_ring_readable(0xfffffbffu, 0, RING), -EPROTO);
	CHECK_EQ(xs_ring_readable(0xffffffffu, 0x3ff, RING), 1024);
	CHECK_EQ(xs_ring_readable(0xffffffffu, 0x400, RING), -EPROTO);
	CHECK_EQ(xs_ring_readable(0, 0xfffffc00u, RING), -EPROTO);
	CHECK_EQ(xs_ring_readable(0x7fffffffu, 0x80000000u, RING), 1);

	/* Other sizes, including the degenerate ones. */
	CHECK_EQ(xs_ring_readable(7, 7 + 16, 16), 16);
	CHECK_EQ(xs_ring_readable(7, 7 + 17, 16), -EPROTO);
	CHECK_EQ(xs_ring_readable(0xffffffffu, 0, 1), 1);
	CHECK_EQ(xs_ring_readable(0xffffffffu, 1, 1), -EPROTO);
	CHECK_EQ(xs_ring_readable(5, 5, 0), 0);
	CHECK_EQ(xs_ring_readable(5, 6, 0), -EPROTO);
}

TEST(test_ring_writable)
{
	CHECK_EQ(xs_ring_writable(0, 0, RING), 1024);
	CHECK_EQ(xs_ring_writable(5, 0, RING), 1019);
	CHECK_EQ(xs_ring_writable(1024, 0, RING), 0);
	CHECK_EQ(xs_ring_writable(1025, 0, RING), -EPROTO);
	/* A consumer ahead of our producer is impossible, not "all free". */
	CHECK_EQ(xs_ring_writable(100, 101, RING), -EPROTO);
	CHECK_EQ(xs_ring_writable(100, 100 + RING, RING), -EPROTO);
	CHECK_EQ(xs_ring_writable(0, 0xffffffffu, RING), 1023);
	CHECK_EQ(xs_ring_writable(0, 1, RING), -EPROTO);

	/* Wraparound. */
	CHECK_EQ(xs_ring_writable(0, 0xffffffffu, RING), 1023);
	CHECK_EQ(xs_ring_writable(0x10, 0xfffffff0u, RING), 1024 - 0x20);
	CHECK_EQ(xs_ring_writable(0, 0xfffffc00u, RING), 0);
	CHECK_EQ(xs_ring_writable(0, 0xfffffbffu, RING), -EPROTO);
	CHECK_EQ(xs_ring_writable(0xffffffffu, 0xffffffffu, RING), 1024);
	CHECK_EQ(xs_ring_writable(0x3ff, 0xffffffffu, RING), 0);
	CHECK_EQ(xs_ring_writable(0x400, 0xffffffffu, RING), -EPROTO);
	CHECK_EQ(xs_ring_writable(0x80000000u, 0x7fffffffu, RING), 1023);

	CHECK_EQ(xs_ring_writable(3, 3, 16), 16);
	CHECK_EQ(xs_ring_writable(3 + 16, 3, 16), 0);
	CHECK_EQ(xs_ring_writable(3 + 17, 3, 16), -EPROTO);
	CHECK_EQ(xs_ring_writable(9, 9, 0), 0);
	CHECK_EQ(xs_ring_writable(9, 8, 0), -EPROTO);
}

/* readable and writable describe the same ring from the two ends. */
TEST(test_ring_readable_writable_agree)
{
	static const u32 bases[] = { 0, 1, 0x3ff, 0x400, 0x7fffffffu, 0x80000000u,
				     0xfffffc00u, 0xfffffffeu, 0xffffffffu };

	for (unsigned int b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
		for (u32 d = 0; d <= RING + 2; d++) {
			u32 cons = bases[b], prod = cons + d;
			int r = xs_ring_readable(cons, prod, RING);
			int w = xs_ring_writable(prod, cons, RING);

			if (d <= RING) {
				CHECK_MSG(r == (int)d && w == (int)(RING - d),
					  "cons %#x prod %#x: readable %d writable %d", cons, prod,
					  r, w);
			} else {
				CHECK_MSG(r == -EPROTO && w == -EPROTO,
					  "cons %#x prod %#x: readable %d writable %d", cons, prod,
					  r, w);
			}
			/* The same distances backwards are all impossible. */
			if (d) {
				CHECK_EQ(xs_ring_readable(cons, cons - d, RING), -EPROTO);
				CHECK_EQ(xs_ring_writable(cons - d, cons, RING), -EPROTO);
			}
		}
	}
}

/* A ring of up to RING bytes between guard bytes that must stay
 * untouched (the gcc build has no ASan). */
#define GUARD 32
struct guarded {
	char mem[GUARD + RING + GUARD];
};

static volatile char *guarded_init(struct guarded *g, u32 size, char fill)
{
	memset(g->mem, 0x5a, sizeof(g->mem));
	memset(g->mem + GUARD, fill, size);
	return (volatile char *)(g->mem + GUARD);
}

static bool guards_intact(const struct guarded *g, u32 size)
{
	for (unsigned int i = 0; i < GUARD; i++)
		if (g->mem[i] != 0x5a)
			return false;
	for (size_t i = GUARD + size; i < sizeof(g->mem); i++)
		if (g->mem[i] != 0x5a)
			return false;
	return true;
}

TEST(test_ring_copy_out)
{
	struct guarded g;
	volatile char *ring = guarded_init(&g, RING, 0);
	char dst[RING + 8];

	for (u32 i = 0; i < RING; i++)
		ring[i] = (char)(i * 7 + 3);

	/* No wrap. */
	memset(dst, 0x77, sizeof(dst));
	xs_ring_copy_out(dst, ring, RING, 10, 20);
	for (u32 i = 0; i < 20; i++)
		CHECK_EQ((u8)dst[i], (u8)(char)((10 + i) * 7 + 3));
	CHECK_EQ((u8)dst[20], 0x77);

	/* Wrap at the end of the ring: bytes 1020..1023, then 0..5. */
	memset(dst, 0x77, sizeof(dst));
	xs_ring_copy_out(dst, ring, RING, 1020, 10);
	for (u32 i = 0; i < 10; i++)
		CHECK_EQ((u8)dst[i], (u8)(char)(((1020 + i) % RING) * 7 + 3));
	CHECK_EQ((u8)dst[10], 0x77);

	/* Free-running indices: 0xfffffffe is ring offset 1022, and the u32
	 * index itself wraps to 0 during the copy. */
	memset(dst, 0x77, sizeof(dst));
	xs_ring_copy_out(dst, ring, RING, 0xfffffffeu, 5);
	CHECK_EQ((u8)dst[0], (u8)(char)(1022 * 7 + 3));
	CHECK_EQ((u8)dst[1], (u8)(char)(1023 * 7 + 3));
	CHECK_EQ((u8)dst[2], (u8)(char)(0 * 7 + 3));
	CHECK_EQ((u8)dst[3], (u8)(char)(1 * 7 + 3));
	CHECK_EQ((u8)dst[4], (u8)(char)(2 * 7 + 3));
	CHECK_EQ((u8)dst[5], 0x77);

	/* A whole ring from the middle. */
	xs_ring_copy_out(dst, ring, RING, 0x12345678u, RING);
	for (u32 i = 0; i < RING; i++)
		if (!CHECK_MSG((u8)dst[i] == (u8)(char)(((0x678 + i) % RING) * 7 + 3),
			       "whole ring byte %u", i))
			break;

	/* len 0 touches nothing. */
	memset(dst, 0x77, sizeof(dst));
	xs_ring_copy_out(dst, ring, RING, 5, 0);
	CHECK_EQ((u8)dst[0], 0x77);

	/* Small rings: every offset stays inside the size. */
	xs_ring_copy_out(dst, ring, 4, 0xffffffffu, 9);
	for (u32 i = 0; i < 9; i++)
		CHECK_EQ((u8)dst[i], (u8)(char)(((3 + i) % 4) * 7 + 3));
	CHECK(guards_intact(&g, RING));
}

TEST(test_ring_copy_in)
{
	struct guarded g;
	volatile char *ring;
	char src[RING];

	for (u32 i = 0; i < RING; i++)
		src[i] = (char)(i * 13 + 1);

	/* No wrap: only the target bytes change. */
	ring = guarded_init(&g, RING, 0);
	xs_ring_copy_in(ring, RING, 100, src, 10);
	for (u32 i = 0; i < RING; i++)
		CHECK_EQ((u8)ring[i], (u8)(i >= 100 && i < 110 ? src[i - 100] : 0));
	CHECK(guards_intact(&g, RING));

	/* Wrap at the ring's end and of the u32 index. */
	ring = guarded_init(&g, RING, 0);
	xs_ring_copy_in(ring, RING, 0xfffffffdu, src, 6);
	CHECK_EQ((u8)ring[1021], (u8)src[0]);
	CHECK_EQ((u8)ring[1022], (u8)src[1]);
	CHECK_EQ((u8)ring[1023], (u8)src[2]);
	CHECK_EQ((u8)ring[0], (u8)src[3]);
	CHECK_EQ((u8)ring[1], (u8)src[4]);
	CHECK_EQ((u8)ring[2], (u8)src[5]);
	CHECK_EQ((u8)ring[3], 0);
	CHECK_EQ((u8)ring[1020], 0);
	CHECK(guards_intact(&g, RING));

	/* Whole ring, and len 0. */
	ring = guarded_init(&g, RING, 0);
	xs_ring_copy_in(ring, RING, 0x401, src, RING);
	for (u32 i = 0; i < RING; i++)
		CHECK_EQ((u8)ring[(0x401 + i) % RING], (u8)src[i]);
	xs_ring_copy_in(ring, RING, 7, "zzz", 0);
	CHECK_EQ((u8)ring[7], (u8)src[(7 - 1 + RING) % RING]);
	CHECK(guards_intact(&g, RING));

	/* A 16-byte ring never writes outside its 16 bytes. */
	ring = guarded_init(&g, 16, 0);
	xs_ring_copy_in(ring, 16, 0xfffffff8u, src, 40);
	for (u32 i = 0; i < 16; i++) {
		/* The last write to offset i wins. */
		u32 last = 0;

		for (u32 k = 0; k < 40; k++)
			if (((0xfffffff8u + k) & 15) == i)
				last = k;
		CHECK_EQ((u8)ring[i], (u8)src[last]);
	}
	CHECK(guards_intact(&g, 16));
}

/* A producer and a consumer passing random chunks through one ring whose
 * free-running indices start just below 2^32, against a FIFO model. */
TEST(test_ring_fifo_model)
{
	static char model[1 << 20];
	struct guarded g;
	u32 prod, cons, wrapped = 0;
	size_t head = 0, tail = 0; /* model[head, tail) is queued */
	unsigned long bytes = 0;

	xt_srand(0x5eed0001);
	for (unsigned int round = 0; round < 24; round++) {
		u32 size = 1u << xt_below(11); /* 1 .. 1024 */
		volatile char *ring = guarded_init(&g, size, 0);

		prod = cons = 0xffffffffu - (u32)xt_below(3 * size + 1);
		head = tail = 0;
		for (unsigned int step = 0; step < 400; step++) {
			int r = xs_ring_readable(cons, prod, size);
			int w = xs_ring_writable(prod, cons, size);
			u32 n;

			if (!CHECK_MSG(r == (int)(tail - head) && w == (int)(size - (tail - head)),
				       "size %u prod %#x cons %#x: readable %d writable %d, queued %zu",
				       size, prod, cons, r, w, tail - head))
				return;
			if (xt_below(2)) {
				char chunk[RING];

				n = (u32)xt_below((u64)w + 1);
				if (tail + n > sizeof(model))
					break;
				for (u32 i = 0; i < n; i++)
					chunk[i] = model[tail + i] = (char)xt_rand();
				xs_ring_copy_in(ring, size, prod, chunk, n);
				tail += n;
				if (prod + n < prod)
					wrapped++;
				prod += n;
			} else {
				char out[RING + 1];

				n = (u32)xt_below((u64)r + 1);
				out[n] = 0x3c;
				xs_ring_copy_out(out, ring, size, cons, n);
				if (!CHECK_MSG(!memcmp(out, model + head, n) && out[n] == 0x3c,
					       "size %u cons %#x: %u bytes read wrong", size, cons, n))
					return;
				head += n;
				cons += n;
				bytes += n;
			}
		}
		CHECK(guards_intact(&g, size));
	}
	/* The run really crossed the u32 wrap and moved data. */
	CHECK(wrapped >= 10);
	CHECK(bytes > 10000);
}

/* Random index pairs from "true" 64-bit positions: the function must see
 * the real distance through the truncation to u32, and reject every
 * distance of more than a ring. */
TEST(test_ring_random_indices)
{
	xt_srand(0x5eed0002);
	for (unsigned int it = 0; it < 200000; it++) {
		u32 size = 1u << xt_below(11);
		u64 tcons = xt_below(8) ? xt_rand() : (u64)xt_below(4) << 32 | (u32)-xt_below(2048);
		u32 cons = (u32)tcons;

		if (xt_below(2)) {
			u32 avail = (u32)xt_below((u64)size + 1);
			u32 prod = (u32)(tcons + avail);
			int r = xs_ring_readable(cons, prod, size);
			int w = xs_ring_writable(prod, cons, size);

			if (!CHECK_MSG(r == (int)avail && w == (int)(size - avail),
				       "size %u cons %#x prod %#x: %d/%d, want %u", size, cons, prod,
				       r, w, avail))
				return;
		} else {
			/* A bogus distance: just past the ring, anywhere, or
			 * "behind" (close to 2^32). */
			u64 k = xt_below(3);
			u32 d = k == 0 ? size + 1 + (u32)xt_below(16) :
				k == 1 ? size + 1 + (u32)xt_below(0xffffffffu - size) :
					 (u32)(0x100000000ULL - 1 - xt_below(2 * size));
			u32 prod = (u32)(tcons + d);

			if (d <= size)
				continue;
			if (!CHECK_MSG(xs_ring_readable(cons, prod, size) == -EPROTO &&
					       xs_ring_writable(prod, cons, size) == -EPROTO,
				       "size %u cons %#x prod %#x (distance %#x) accepted", size, cons,
				       prod, d))
				return;
		}
	}
}

/* ---------------------------------------------------------------- requests */

/* Build into a buffer of out_size bytes followed by a guard. Returns the
 * result; the guard must stay untouched. */
static int build(u32 type, u32 req, u32 tx, const char *const *parts, unsigned int n, bool raw,
		 u8 *out, u32 out_size)
{
	u8 *buf = malloc((size_t)out_size + 16);
	int rc;

	if (!buf)
		abort();
	memset(buf, 0xa5, (size_t)out_size + 16);
	rc = xs_build_request(type, req, tx, parts, n, raw, buf, out_size);
	for (unsigned int i = 0; i < 16; i++)
		CHECK_MSG(buf[out_size + i] == 0xa5, "wrote past out_size %u", out_size);
	if (out)
		memcpy(out, buf, out_size);
	free(buf);
	return rc;
}

TEST(test_build_request_layout)
{
	static const u8 want_read[] = {
		2, 0, 0, 0,                 /* XS_READ */
		0x78, 0x56, 0x34, 0x12,     /* req_id */
		0, 0, 0, 0,                 /* tx_id */
		16, 0, 0, 0,                /* len */
		'd', 'e', 'v', 'i', 'c', 'e', '/', 'v', 'b', 'd', '/', '0', '/', 's', 'x', 0,
	};
	static const u8 want_write[] = {
		11, 0, 0, 0,                /* XS_WRITE */
		1, 0, 0, 0,
		0xef, 0xbe, 0xad, 0xde,
		12, 0, 0, 0,
		'a', '/', 'b', 0, 'v', 'a', 'l', 'u', 'e', '!', '\n', 'x', /* value raw */
	};
	static const u8 want_watch[] = {
		4, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 9, 0, 0, 0,
		'/', 'p', 0, 't', 'o', 'k', 'e', 'n', 0,
	};
	u8 out[256];
	const char *p1[] = { "device/vbd/0/sx" };
	const char *p2[] = { "a/b", "value!\nx" };
	const char *p3[] = { "/p", "token" };

	CHECK_EQ(XS_HDR_SIZE, 16);
	CHECK_EQ(build(XS_READ, 0x12345678, 0, p1, 1, false, out, sizeof(out)), sizeof(want_read));
	CHECK(!memcmp(out, want_read, sizeof(want_read)));
	CHECK_EQ(out[sizeof(want_read)], 0xa5); /* nothing after the message */

	CHECK_EQ(build(XS_WRITE, 1, 0xdeadbeef, p2, 2, true, out, sizeof(out)), sizeof(want_write));
	CHECK(!memcmp(out, want_write, sizeof(want_write)));
	CHECK_EQ(out[sizeof(want_write)], 0xa5);

	CHECK_EQ(build(XS_WATCH, 0xffffffffu, 0xffffffffu, p3, 2, false, out, sizeof(out)),
		 sizeof(want_watch));
	CHECK(!memcmp(out, want_watch, sizeof(want_watch)));

	/* The header is struct xsd_sockmsg, field by field. */
	{
		struct xsd_sockmsg h;

		memcpy(&h, out, sizeof(h));
		CHECK_EQ(h.type, XS_WATCH);
		CHECK_EQ(h.req_id, 0xffffffffu);
		CHECK_EQ(h.tx_id, 0xffffffffu);
		CHECK_EQ(h.len, 9);
	}
}

TEST(test_build_request_edges)
{
	u8 out[64];
	const char *empty[] = { "" };
	const char *two[] = { "k", "" };
	const char *dir[] = { "a", "bc", "" };

	/* No parts: just a header with len 0. */
	CHECK_EQ(build(XS_TRANSACTION_START, 7, 0, NULL, 0, false, out, 16), 16);
	CHECK_EQ(le32(out), XS_TRANSACTION_START);
	CHECK_EQ(le32(out + 4), 7);
	CHECK_EQ(le32(out + 12), 0);
	/* last_raw with no parts changes nothing. */
	CHECK_EQ(build(XS_TRANSACTION_START, 7, 0, NULL, 0, true, out, 16), 16);
	CHECK_EQ(le32(out + 12), 0);

	/* An empty string is one NUL; raw it is nothing at all. */
	CHECK_EQ(build(XS_READ, 0, 0, empty, 1, false, out, sizeof(out)), 17);
	CHECK_EQ(le32(out + 12), 1);
	CHECK_EQ(out[16], 0);
	CHECK_EQ(build(XS_WRITE, 0, 0, empty, 1, true, out, sizeof(out)), 16);
	CHECK_EQ(le32(out + 12), 0);
	CHECK_EQ(build(XS_WRITE, 0, 0, two, 2, true, out, sizeof(out)), 18);
	CHECK(!memcmp(out + 16, "k", 2));
	CHECK_EQ(le32(out + 12), 2);
	/* Only the last part is raw. */
	CHECK_EQ(build(XS_WRITE, 0, 0, dir, 3, true, out, sizeof(out)), 16 + 5);
	CHECK(!memcmp(out + 16, "a\0bc", 5));
	CHECK_EQ(build(XS_WRITE, 0, 0, dir, 3, false, out, sizeof(out)), 16 + 6);
	CHECK(!memcmp(out + 16, "a\0bc\0", 6));
}

TEST(test_build_request_out_size)
{
	const char *p[] = { "abc", "defg" };
	u8 out[64];

	/* Exactly enough, one byte short, header only, less than a header. */
	CHECK_EQ(build(XS_WRITE, 1, 2, p, 2, false, out, 16 + 9), 25);
	CHECK_EQ(le32(out + 12), 9);
	CHECK_EQ(build(XS_WRITE, 1, 2, p, 2, false, NULL, 16 + 8), -E2BIG);
	CHECK_EQ(build(XS_WRITE, 1, 2, p, 2, true, out, 16 + 8), 24);
	CHECK_EQ(build(XS_WRITE, 1, 2, p, 2, true, NULL, 16 + 7), -E2BIG);
	CHECK_EQ(build(XS_WRITE, 1, 2, p, 2, false, NULL, 16 + 4), -E2BIG); /* first fits */
	CHECK_EQ(build(XS_WRITE, 1, 2, p, 2, false, NULL, 16 + 3), -E2BIG);
	CHECK_EQ(build(XS_WRITE, 1, 2, p, 2, false, NULL, 16), -E2BIG);
	CHECK_EQ(build(XS_WRITE, 1, 2, NULL, 0, false, NULL, 16), 16);
	for (u32 s = 0; s < 16; s++) {
		CHECK_EQ(build(XS_WRITE, 1, 2, NULL, 0, false, NULL, s), -E2BIG);
		CHECK_EQ(build(XS_WRITE, 1, 2, p, 2, false, NULL, s), -E2BIG);
	}
}

TEST(test_build_request_payload_max)
{
	size_t big = 16 + XENSTORE_PAYLOAD_MAX + 64;
	char *s4095 = malloc(4096), *s4096 = malloc(4097), *s2048 = malloc(2049);
	u8 *out = malloc(big);

	if (!s4095 || !s4096 || !s2048 || !out)
		abort();
	memset(s4095, 'x', 4095);
	s4095[4095] = 0;
	memset(s4096, 'y', 4096);
	s4096[4096] = 0;
	memset(s2048, 'z', 2048);
	s2048[2048] = 0;

	CHECK_EQ(XENSTORE_PAYLOAD_MAX, 4096);
	{
		/* 4095 + NUL = 4096: the limit itself is allowed. */
		const char *p[] = { s4095 };

		CHECK_EQ(build(XS_WRITE, 0, 0, p, 1, false, out, (u32)big), 16 + 4096);
		CHECK_EQ(le32(out + 12), 4096);
		CHECK_EQ(out[16 + 4095], 0);
		CHECK_EQ(build(XS_WRITE, 0, 0, p, 1, true, out, (u32)big), 16 + 4095);
	}
	{
		/* 4096 raw fits; with its NUL it is one over. */
		const char *p[] = { s4096 };

		CHECK_EQ(build(XS_WRITE, 0, 0, p, 1, true, out, (u32)big), 16 + 4096);
		CHECK_EQ(build(XS_WRITE, 0, 0, p, 1, false, NULL, (u32)big), -E2BIG);
		/* Even with an enormous buffer. */
		CHECK_EQ(build(XS_WRITE, 0, 0, p, 1, false, NULL, 0xffffffu), -E2BIG);
	}
	{
		/* Across parts: 2049 + 2048 raw is one over; 2049 + 2047 raw
		 * is the limit, and one over with the last NUL. */
		const char *p[] = { s2048, s2048 };
		const char *q[] = { s2048, s2048 + 1 };
		const char *r[] = { s2048, s2048 + 2, "" };

		CHECK_EQ(build(XS_WRITE, 0, 0, p, 2, true, NULL, (u32)big), -E2BIG);
		CHECK_EQ(build(XS_WRITE, 0, 0, p, 2, false, NULL, (u32)big), -E2BIG);
		CHECK_EQ(build(XS_WRITE, 0, 0, q, 2, true, out, (u32)big), 16 + 4096);
		CHECK_EQ(le32(out + 12), 4096);
		CHECK_EQ(out[16 + 2048], 0);
		CHECK_EQ(out[16 + 4095], 'z');
		CHECK_EQ(build(XS_WRITE, 0, 0, q, 2, false, NULL, (u32)big), -E2BIG);
		CHECK_EQ(build(XS_WRITE, 0, 0, r, 3, true, out, (u32)big), 16 + 4096);
		CHECK_EQ(build(XS_WRITE, 0, 0, r, 3, false, NULL, (u32)big), -E2BIG);
		/* Both limits at once: the payload limit is checked even when
		 * the buffer is also too small. */
		CHECK_EQ(build(XS_WRITE, 0, 0, p, 2, false, NULL, 100), -E2BIG);
	}
	free(s4095);
	free(s4096);
	free(s2048);
	free(out);
}

/* Reference: the request as the protocol describes it. */
static int ref_build(u32 type, u32 req, u32 tx, const char *const *parts, unsigned int n,
		     bool raw, u8 *out, u32 out_size)
{
	size_t pos = 16;
	u8 tmp[16 + XENSTORE_PAYLOAD_MAX + 64];

	for (unsigned int i = 0; i < n; i++) {
		size_t l = strlen(parts[i]) + !(raw && i == n - 1);

		if (pos + l > sizeof(tmp))
			return -E2BIG;
		memcpy(tmp + pos, parts[i], l);
		pos += l;
	}
	if (pos - 16 > XENSTORE_PAYLOAD_MAX || pos > out_size)
		return -E2BIG;
	for (unsigned int b = 0; b < 4; b++) {
		tmp[b] = (u8)(type >> 8 * b);
		tmp[4 + b] = (u8)(req >> 8 * b);
		tmp[8 + b] = (u8)(tx >> 8 * b);
		tmp[12 + b] = (u8)((pos - 16) >> 8 * b);
	}
	memcpy(out, tmp, pos);
	return (int)pos;
}

TEST(test_build_request_random)
{
	static char strs[8][1400];
	static u8 got[16 + XENSTORE_PAYLOAD_MAX + 64], want[16 + XENSTORE_PAYLOAD_MAX + 64];
	unsigned long ok = 0, big = 0;

	xt_srand(0x5eed0003);
	for (unsigned int it = 0; it < 6000; it++) {
		unsigned int n = (unsigned int)xt_below(9);
		const char *parts[8];
		bool raw = xt_below(2);
		u32 type = (u32)xt_rand(), req = (u32)xt_rand(), tx = (u32)xt_rand();
		u32 total = 16, out_size;
		int rc, rref;

		for (unsigned int i = 0; i < n; i++) {
			u64 k = xt_below(10);
			size_t l = k < 5 ? xt_below(8) : k < 9 ? xt_below(200) : xt_below(1400);

			for (size_t j = 0; j < l; j++)
				strs[i][j] = (char)(1 + xt_below(255));
			strs[i][l] = 0;
			parts[i] = strs[i];
			total += (u32)l + !(raw && i == n - 1);
		}
		switch (xt_below(4)) {
		case 0: out_size = total; break;
		case 1: out_size = total ? total - 1 : 0; break;
		case 2: out_size = (u32)xt_below(sizeof(got) + 1); break;
		default: out_size = sizeof(got); break;
		}
		rref = ref_build(type, req, tx, parts, n, raw, want, out_size);
		rc = build(type, req, tx, parts, n, raw, got, out_size);
		if (!CHECK_MSG(rc == rref, "iteration %u: %u parts, raw %d, out_size %u: rc %d, want %d",
			       it, n, raw, out_size, rc, rref))
			return;
		if (rc > 0) {
			ok++;
			if (!CHECK_MSG(!memcmp(got, want, (size_t)rc), "iteration %u: bytes differ", it))
				return;
		} else {
			big++;
		}
	}
	/* Both outcomes were exercised plenty. */
	CHECK(ok > 1000 && big > 1000);
}

/* ---------------------------------------------------------------- headers */

static bool type_used(u32 t)
{
	switch (t) {
	case 1: /* XS_DIRECTORY */
	case 2: /* XS_READ */
	case 3: /* XS_GET_PERMS */
	case 4: /* XS_WATCH */
	case 5: /* XS_UNWATCH */
	case 6: /* XS_TRANSACTION_START */
	case 7: /* XS_TRANSACTION_END */
	case 11: /* XS_WRITE */
	case 12: /* XS_MKDIR */
	case 13: /* XS_RM */
	case 14: /* XS_SET_PERMS */
	case 15: /* XS_WATCH_EVENT */
	case 16: /* XS_ERROR */
		return true;
	default:
		return false;
	}
}

static int check_hdr(u32 type, u32 len)
{
	struct xsd_sockmsg *h = malloc(sizeof(*h));
	int rc;

	if (!h)
		abort();
	h->type = type;
	h->req_id = 0xffffffffu;
	h->tx_id = 0x12345;
	h->len = len;
	rc = xs_check_header(h);
	free(h);
	return rc;
}

TEST(test_check_header)
{
	static const u32 lens[] = { 0, 1, 4095, 4096 };

	/* The ABI's numbering, which the table above relies on. */
	CHECK_EQ(XS_CONTROL, 0);
	CHECK_EQ(XS_DIRECTORY, 1);
	CHECK_EQ(XS_TRANSACTION_END, 7);
	CHECK_EQ(XS_WRITE, 11);
	CHECK_EQ(XS_WATCH_EVENT, 15);
	CHECK_EQ(XS_ERROR, 16);
	CHECK_EQ(XS_INVALID, 0xffff);

	for (u32 t = 0; t < XS_TYPE_COUNT + 40; t++)
		for (unsigned int l = 0; l < sizeof(lens) / sizeof(lens[0]); l++)
			CHECK_MSG(check_hdr(t, lens[l]) == (type_used(t) ? 0 : -EBADMSG),
				  "type %u len %u: %d", t, lens[l], check_hdr(t, lens[l]));
	/* Types that exist but are never replies to anything we send. */
	CHECK_EQ(check_hdr(XS_CONTROL, 0), -EBADMSG);
	CHECK_EQ(check_hdr(XS_INTRODUCE, 0), -EBADMSG);
	CHECK_EQ(check_hdr(XS_GET_DOMAIN_PATH, 0), -EBADMSG);
	CHECK_EQ(check_hdr(XS_RESET_WATCHES, 0), -EBADMSG);
	CHECK_EQ(check_hdr(XS_DIRECTORY_PART, 0), -EBADMSG);
	CHECK_EQ(check_hdr(XS_INVALID, 0), -EBADMSG);
	CHECK_EQ(check_hdr(0xffffffffu, 0), -EBADMSG);
	/* A used type with a valid low byte but junk above is not that type. */
	CHECK_EQ(check_hdr(0x100 | XS_READ, 0), -EBADMSG);
	CHECK_EQ(check_hdr(0x80000000u | XS_READ, 0), -EBADMSG);

	/* Length: the payload limit is inclusive. */
	CHECK_EQ(check_hdr(XS_READ, 4096), 0);
	CHECK_EQ(check_hdr(XS_READ, 4097), -EBADMSG);
	CHECK_EQ(check_hdr(XS_WATCH_EVENT, 0x10000), -EBADMSG);
	CHECK_EQ(check_hdr(XS_ERROR, 0x80000000u), -EBADMSG);
	CHECK_EQ(check_hdr(XS_ERROR, 0xffffffffu), -EBADMSG);
	CHECK_EQ(check_hdr(XS_INVALID, 0xffffffffu), -EBADMSG);

	xt_srand(0x5eed0004);
	for (unsigned int it = 0; it < 100000; it++) {
		u32 t = xt_below(2) ? (u32)xt_below(32) : (u32)xt_rand();
		u32 l = xt_below(2) ? (u32)xt_below(8192) : (u32)xt_rand();
		int want = type_used(t) && l <= 4096 ? 0 : -EBADMSG;

		if (!CHECK_MSG(check_hdr(t, l) == want, "type %#x len %#x: %d, want %d", t, l,
			       check_hdr(t, l), want))
			break;
	}
}

/* ---------------------------------------------------------------- errors */


static int err(const char *s, u32 len)
{
	char *b = dup_exact(s, len);
	int rc = xs_error_to_errno(b, len);

	free(b);
	return rc;
}

TEST(test_error_to_errno)
{
	char buf[32];

	/* Every entry of the ABI table is known here and vice versa. */
	CHECK_EQ(sizeof(xsd_errors) / sizeof(xsd_errors[0]), NR_ERR);
	for (unsigned int i = 0; i < NR_ERR && i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++) {
		CHECK_STR(xsd_errors[i].errstring, err_names[i].name);
		CHECK_EQ(xsd_errors[i].errnum, err_names[i].err);
	}

	for (unsigned int i = 0; i < NR_ERR; i++) {
		const char *n = err_names[i].name;
		u32 l = (u32)strlen(n);

		/* With its NUL, without (len ends the string), with junk
		 * after the NUL. */
		CHECK_MSG(err(n, l + 1) == -err_names[i].err, "\"%s\" -> %d", n, err(n, l + 1));
		CHECK_MSG(err(n, l) == -err_names[i].err, "\"%s\" without NUL -> %d", n, err(n, l));
		memcpy(buf, n, l + 1);
		memcpy(buf + l + 1, "ENOENT", 6);
		CHECK_MSG(err(buf, l + 7) == -err_names[i].err, "\"%s\\0ENOENT\" -> %d", n,
			  err(buf, l + 7));
		/* A prefix is not the name. */
		CHECK_MSG(err(n, l - 1) == -EIO, "\"%.*s\" -> %d", (int)l - 1, n, err(n, l - 1));
		/* Neither is a longer string, or another case. */
		memcpy(buf, n, l);
		buf[l] = 'X';
		buf[l + 1] = 0;
		CHECK_MSG(err(buf, l + 2) == -EIO, "\"%sX\" -> %d", n, err(buf, l + 2));
		memcpy(buf, n, l + 1);
		buf[0] = 'e';
		CHECK_MSG(err(buf, l + 1) == -EIO, "\"%s\" -> %d", buf, err(buf, l + 1));
	}

	/* Names that share prefixes stay apart. */
	CHECK_EQ(err(LIT("EISDIR\0")), -21);
	CHECK_EQ(err(LIT("EISCONN\0")), -106);
	CHECK_EQ(err(LIT("EIS\0")), -EIO);
	CHECK_EQ(err(LIT("ENO\0")), -EIO);
	CHECK_EQ(err(LIT("E\0")), -EIO);
	/* Unknown, empty, len 0, a known name cut by len, whitespace. */
	CHECK_EQ(err(LIT("EWHATEVER\0")), -EIO);
	CHECK_EQ(err(LIT("ETIMEDOUT\0")), -EIO);
	CHECK_EQ(err(LIT("\0")), -EIO);
	CHECK_EQ(err(LIT("\0ENOENT\0")), -EIO);
	CHECK_EQ(err("ENOENT", 0), -EIO);
	CHECK_EQ(err(LIT("ENOENT ")), -EIO);
	CHECK_EQ(err(LIT(" ENOENT\0")), -EIO);
	CHECK_EQ(err(LIT("ENOENT\n")), -EIO);
	/* "ENOSPC" read through a 5-byte window is "ENOSP". */
	CHECK_EQ(err("ENOSPC", 5), -EIO);
	CHECK_EQ(err("ENOSPCX", 6), -28);
}


TEST(test_error_random)
{
	char s[24];
	unsigned long known = 0;

	xt_srand(0x5eed0005);
	for (unsigned int it = 0; it < 100000; it++) {
		const char *n = err_names[xt_below(NR_ERR)].name;
		u32 l = (u32)strlen(n), len;
		int rc, want;

		memset(s, 0, sizeof(s));
		memcpy(s, n, l);
		/* Mutate: drop, change or add a character, or cut short. */
		switch (xt_below(6)) {
		case 0: s[xt_below(l)] = (char)xt_rand(); break;
		case 1: s[l] = (char)(1 + xt_below(255)); break;
		case 2: s[xt_below(l)] = 0; break;
		default: break;
		}
		len = (u32)xt_below(sizeof(s) + 1);
		if (xt_below(3) == 0)
			len = l + (u32)xt_below(2);
		for (u32 i = l + 1; i < sizeof(s); i++)
			if (xt_below(3) == 0)
				s[i] = (char)xt_rand();
		rc = err(s, len);
		want = ref_err(s, len);
		known += want != -5;
		if (!CHECK_MSG(rc == want, "\"%.*s\" len %u: %d, want %d", (int)len, s, len, rc, want))
			return;
	}
	CHECK(known > 30000);
}

/* ---------------------------------------------------------------- watch events */

static void expect_watch(const char *file, int line, const char *src, u32 len, int want_rc,
			 long want_token)
{
	static const char sentinel[2] = "";
	char *b = dup_exact(src, len);
	const char *path = &sentinel[0], *token = &sentinel[1];
	int rc = xs_parse_watch_event(b, len, &path, &token);

	if (xt_check(rc == want_rc, file, line, "watch len %u: rc %d, expected %d", len, rc,
		     want_rc)) {
		if (rc == 0)
			xt_check(path == b && token == b + want_token, file, line,
				 "watch len %u: path at %td, token at %td, expected 0 and %ld", len,
				 path - b, token - b, want_token);
		else
			xt_check(path == &sentinel[0] && token == &sentinel[1], file, line,
				 "watch len %u: outputs written on error", len);
	}
	free(b);
}

#define WATCH_OK(s, tok) expect_watch(__FILE__, __LINE__, LIT(s), 0, tok)
#define WATCH_BAD(s) expect_watch(__FILE__, __LINE__, LIT(s), -EBADMSG, 0)

TEST(test_watch_event)
{
	WATCH_OK("/local/domain/0/device/vif\0vif-watch\0", 27);
	WATCH_OK("p\0t\0", 2);
	/* Empty token is fine; bytes after the token's NUL are ignored. */
	WATCH_OK("p\0\0", 2);
	WATCH_OK("path\0tok\0junk", 5);
	WATCH_OK("path\0tok\0\0\0", 5);
	WATCH_OK("a\0b\0c\0", 2);

	/* len 0, a lone NUL, an empty path. */
	WATCH_BAD("");
	WATCH_BAD("\0");
	WATCH_BAD("\0tok\0");
	WATCH_BAD("\0\0");
	/* No NUL at all, path unterminated, token unterminated. */
	WATCH_BAD("path");
	WATCH_BAD("p");
	WATCH_BAD("path\0");
	WATCH_BAD("path\0tok");
	WATCH_BAD("path\0t");

	/* len cuts a well-formed event: only the full length parses. */
	{
		static const char ev[] = "backend/vbd\0tk\0";
		u32 full = sizeof(ev) - 1;

		for (u32 l = 0; l < full; l++)
			expect_watch(__FILE__, __LINE__, ev, l, -EBADMSG, 0);
		expect_watch(__FILE__, __LINE__, ev, full, 0, 12);
	}
}

/* Reference: two NULs within len, the first not at offset 0. */
static int ref_watch(const char *p, u32 len, long *tok)
{
	u32 i = 0, j;

	while (i < len && p[i])
		i++;
	if (i == len || i == 0)
		return -EBADMSG;
	for (j = i + 1; j < len && p[j]; j++)
		;
	if (j >= len)
		return -EBADMSG;
	*tok = i + 1;
	return 0;
}

/* ---------------------------------------------------------------- directories */

static int dir(const char *src, u32 len)
{
	char *b = dup_exact(src, len);
	int rc = xs_count_directory(b, len);

	free(b);
	return rc;
}

TEST(test_count_directory)
{
	char *big;

	CHECK_EQ(dir("", 0), 0);
	CHECK_EQ(dir(LIT("a\0")), 1);
	CHECK_EQ(dir(LIT("backend\0device\0control\0")), 3);
	CHECK_EQ(dir(LIT("a\0bb\0c\0")), 3);
	CHECK_EQ(dir(LIT("0\0""1\0""2\0""3\0")), 4);
	/* Empty names anywhere. */
	CHECK_EQ(dir(LIT("\0")), -EBADMSG);
	CHECK_EQ(dir(LIT("\0\0")), -EBADMSG);
	CHECK_EQ(dir(LIT("\0a\0")), -EBADMSG);
	CHECK_EQ(dir(LIT("a\0\0")), -EBADMSG);
	CHECK_EQ(dir(LIT("a\0\0b\0")), -EBADMSG);
	/* The last name unterminated. */
	CHECK_EQ(dir(LIT("a")), -EBADMSG);
	CHECK_EQ(dir(LIT("a\0b")), -EBADMSG);
	CHECK_EQ(dir(LIT("abc\0def")), -EBADMSG);
	/* len decides, not the bytes after it. */
	CHECK_EQ(dir("a\0b\0", 2), 1);
	CHECK_EQ(dir("a\0b\0", 3), -EBADMSG);

	/* The largest reply: 2048 one-character names. */
	big = malloc(4096);
	if (!big)
		abort();
	for (int i = 0; i < 4096; i += 2) {
		big[i] = (char)('a' + i % 26);
		big[i + 1] = 0;
	}
	CHECK_EQ(xs_count_directory(big, 4096), 2048);
	CHECK_EQ(xs_count_directory(big, 4095), -EBADMSG);
	CHECK_EQ(xs_count_directory(big, 4094), 2047);
	big[4094] = 0;
	CHECK_EQ(xs_count_directory(big, 4096), -EBADMSG);
	/* One 4095-character name. */
	for (int i = 0; i < 4095; i++)
		big[i] = 'n';
	big[4095] = 0;
	CHECK_EQ(xs_count_directory(big, 4096), 1);
	free(big);
}

/* Reference: split at NULs; every piece non-empty and the last one
 * terminated. */
static int ref_dir(const char *p, u32 len)
{
	int n = 0;
	u32 start = 0;

	for (u32 i = 0; i < len; i++) {
		if (p[i])
			continue;
		if (i == start)
			return -EBADMSG;
		n++;
		start = i + 1;
	}
	return start == len ? n : -EBADMSG;
}

/* ---------------------------------------------------------------- tx ids */

static void expect_tx(const char *file, int line, const char *src, u32 len, int want_rc,
		      u32 want)
{
	char *b = dup_exact(src, len);
	u32 v = 0xa5a5a5a5u;
	int rc = xs_parse_tx_id(b, len, &v);

	if (xt_check(rc == want_rc, file, line, "tx id len %u: rc %d, expected %d", len, rc,
		     want_rc))
		xt_check(v == (rc ? 0xa5a5a5a5u : want), file, line, "tx id len %u: %#x, expected %#x",
			 len, v, rc ? 0xa5a5a5a5u : want);
	free(b);
}

#define TX_OK(s, v) expect_tx(__FILE__, __LINE__, LIT(s), 0, v)
#define TX_BAD(s) expect_tx(__FILE__, __LINE__, LIT(s), -EBADMSG, 0)

TEST(test_tx_id)
{
	TX_OK("1\0", 1);
	TX_OK("42\0", 42);
	TX_OK("4294967295\0", 0xffffffffu);
	TX_OK("007\0", 7);
	/* Bytes after the NUL are ignored. */
	TX_OK("12\0junk", 12);
	TX_OK("12\0\0", 12);
	/* The longest accepted text: 15 characters. */
	TX_OK("000000000000099\0", 99);

	/* Zero is "no transaction", never an id. */
	TX_BAD("0\0");
	TX_BAD("0000\0");
	/* Too big for u32. */
	TX_BAD("4294967296\0");
	TX_BAD("99999999999\0");
	TX_BAD("18446744073709551616\0");
	/* Empty, no NUL within len, len 0. */
	TX_BAD("\0");
	TX_BAD("\0""5\0");
	TX_BAD("12");
	TX_BAD("");
	TX_BAD("4294967295");
	/* Not decimal. */
	TX_BAD("-1\0");
	TX_BAD("0x10\0");
	TX_BAD("1a\0");
	TX_BAD("a1\0");
	TX_BAD(" 1\0");
	TX_BAD("1 \0");
	TX_BAD("1\n\0");
	TX_BAD("1.0\0");
	/* 16 or more characters do not fit the parser's buffer, even when
	 * they are leading zeros (xenstored never sends those). */
	TX_BAD("0000000000000099\0");
	TX_BAD("00000000000000000000000000000001\0");

	/* len cuts the NUL off. */
	expect_tx(__FILE__, __LINE__, "123\0", 3, -EBADMSG, 0);
	expect_tx(__FILE__, __LINE__, "123\0", 4, 0, 123);
}

/* Reference: text up to the first NUL within len, 1-15 characters, an
 * optional '+' (as kstrtouint accepts) and decimal digits only, value in
 * 1 .. 2^32-1. */
static int ref_tx(const char *p, u32 len, u32 *v)
{
	u32 n = 0, i = 0;
	u64 acc = 0;

	while (n < len && p[n])
		n++;
	if (n == len || n == 0 || n >= 16)
		return -EBADMSG;
	if (p[0] == '+')
		i = 1;
	if (i == n)
		return -EBADMSG;
	for (; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -EBADMSG;
		acc = acc * 10 + (u64)(p[i] - '0');
		if (acc > 0xffffffffu)
			return -EBADMSG;
	}
	if (!acc)
		return -EBADMSG;
	*v = (u32)acc;
	return 0;
}

/* ---------------------------------------------------------------- random payloads */

/* Random short payloads from a small alphabet rich in NULs, through the
 * three structural parsers and their references. */
TEST(test_parsers_random)
{
	static const char alpha[] = { 0, 0, 0, 'a', '/', '9' };
	static const char digits[] = { 0, '0', '1', '9', '9', '5', '+', '-', 'x', ' ' };
	char s[40];
	unsigned long watch_ok = 0, dir_ok = 0, tx_ok = 0;

	xt_srand(0x5eed0006);
	for (unsigned int it = 0; it < 200000; it++) {
		u32 len = (u32)xt_below(sizeof(s) + 1);
		const char *path = NULL, *token = NULL;
		long tok = -1;
		char *b;
		int rc, want;
		u32 v = 0, vref = 0;
		bool good;

		if (it & 1) {
			for (u32 i = 0; i < len; i++)
				s[i] = alpha[xt_below(sizeof(alpha))];
		} else {
			for (u32 i = 0; i < len; i++)
				s[i] = xt_below(4) ? digits[1 + xt_below(5)] :
						     digits[xt_below(sizeof(digits))];
			if (len && xt_below(2))
				s[xt_below(len)] = 0;
			if (len > 10 && xt_below(2))
				len = 1 + (u32)xt_below(12);
		}
		b = dup_exact(s, len);

		rc = xs_parse_watch_event(b, len, &path, &token);
		want = ref_watch(b, len, &tok);
		good = CHECK_MSG(rc == want && (rc || (path == b && token == b + tok)),
				 "watch iteration %u len %u: rc %d, want %d", it, len, rc, want);
		watch_ok += rc == 0;

		rc = xs_count_directory(b, len);
		want = ref_dir(b, len);
		good &= CHECK_MSG(rc == want, "directory iteration %u len %u: %d, want %d", it, len,
				  rc, want);
		dir_ok += rc > 0;

		rc = xs_parse_tx_id(b, len, &v);
		want = ref_tx(b, len, &vref);
		good &= CHECK_MSG(rc == want && v == vref,
				  "tx iteration %u \"%.*s\" len %u: %d %u, want %d %u", it, (int)len,
				  b, len, rc, v, want, vref);
		tx_ok += rc == 0;
		free(b);
		if (!good)
			break;
	}
	/* Each parser saw plenty of valid inputs too. */
	CHECK(watch_ok > 5000 && dir_ok > 5000 && tx_ok > 5000);
}

int main(void)
{
	RUN(test_ring_readable);
	RUN(test_ring_writable);
	RUN(test_ring_readable_writable_agree);
	RUN(test_ring_copy_out);
	RUN(test_ring_copy_in);
	RUN(test_ring_fifo_model);
	RUN(test_ring_random_indices);
	RUN(test_build_request_layout);
	RUN(test_build_request_edges);
	RUN(test_build_request_out_size);
	RUN(test_build_request_payload_max);
	RUN(test_build_request_random);
	RUN(test_check_header);
	RUN(test_error_to_errno);
	RUN(test_error_random);
	RUN(test_watch_event);
	RUN(test_count_directory);
	RUN(test_tx_id);
	RUN(test_parsers_random);
	return xt_done();
}
