/* Host tests for lib/ring_check.c: every boundary of the response count
 * and the free-slot count (empty, one, exactly the outstanding requests,
 * one more, a full ring, one past it, a producer behind the consumer), the
 * same with indices straddling 2^32, bad ring sizes, and fixed-seed random
 * indices against a reference that measures distances in 64 bits. */
#include <kernel/errno.h>
#include <xen/ring_check.h>
#include "test.h"

/* (to - from) mod 2^32 without u32 arithmetic. */
static u64 dist(u32 from, u32 to)
{
	return ((u64)to + 0x100000000ULL - from) % 0x100000000ULL;
}

static int ref_rsp_count(u32 prod, u32 cons, u32 req, u32 size)
{
	u64 outstanding = dist(cons, req), fresh = dist(cons, prod);

	if (outstanding > size || fresh > outstanding)
		return -EPROTO;
	return (int)fresh;
}

static int ref_free_slots(u32 req, u32 cons, u32 size)
{
	u64 outstanding = dist(cons, req);

	return outstanding > size ? -EPROTO : (int)(size - outstanding);
}

/* Every check at base and at base shifted to just below 2^32, so the same
 * distances are measured across the wrap. */
static const u32 bases[] = { 0, 1, 100, 0xffffffffu, 0xfffffffeu, 0xffffffc0u, 0x80000000u,
			     0x7fffffffu };

TEST(test_rsp_count_boundaries)
{
	const u32 size = 32;

	for (unsigned int b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
		u32 c = bases[b];

		/* Nothing outstanding: only prod == cons is allowed. */
		CHECK_EQ(ring_rsp_count(c, c, c, size), 0);
		CHECK_EQ(ring_rsp_count(c + 1, c, c, size), -EPROTO);
		CHECK_EQ(ring_rsp_count(c - 1, c, c, size), -EPROTO);
		/* 5 outstanding: 0..5 new, 6 is too many, behind is invalid. */
		for (u32 k = 0; k <= 5; k++)
			CHECK_EQ(ring_rsp_count(c + k, c, c + 5, size), (int)k);
		CHECK_EQ(ring_rsp_count(c + 6, c, c + 5, size), -EPROTO);
		CHECK_EQ(ring_rsp_count(c - 1, c, c + 5, size), -EPROTO);
		CHECK_EQ(ring_rsp_count(c + 0x80000000u, c, c + 5, size), -EPROTO);
		/* A full ring. */
		CHECK_EQ(ring_rsp_count(c + size, c, c + size, size), (int)size);
		CHECK_EQ(ring_rsp_count(c + size - 1, c, c + size, size), (int)size - 1);
		/* Our own indices inconsistent: more outstanding than slots. */
		CHECK_EQ(ring_rsp_count(c, c, c + size + 1, size), -EPROTO);
		CHECK_EQ(ring_rsp_count(c + 1, c, c + size + 1, size), -EPROTO);
		CHECK_EQ(ring_rsp_count(c, c, c - 1, size), -EPROTO);
	}
	/* Across the wrap, written out. */
	CHECK_EQ(ring_rsp_count(1, 0xfffffffeu, 2, 32), 3);
	CHECK_EQ(ring_rsp_count(2, 0xfffffffeu, 2, 32), 4);
	CHECK_EQ(ring_rsp_count(3, 0xfffffffeu, 2, 32), -EPROTO);
	CHECK_EQ(ring_rsp_count(0, 0xffffffffu, 0, 32), 1);
	CHECK_EQ(ring_rsp_count(0xffffffffu, 0xffffffffu, 0, 32), 0);
	CHECK_EQ(ring_rsp_count(0xfffffff0u, 0xffffffe0u, 0x00000000u, 32), 16);
	CHECK_EQ(ring_rsp_count(0, 0xffffffe0u, 0, 32), 32);
	CHECK_EQ(ring_rsp_count(0, 0xffffffdfu, 0, 32), -EPROTO);
}

TEST(test_free_slots_boundaries)
{
	for (unsigned int b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
		u32 c = bases[b];

		CHECK_EQ(ring_free_slots(c, c, 32), 32);
		CHECK_EQ(ring_free_slots(c + 1, c, 32), 31);
		CHECK_EQ(ring_free_slots(c + 31, c, 32), 1);
		CHECK_EQ(ring_free_slots(c + 32, c, 32), 0);
		CHECK_EQ(ring_free_slots(c + 33, c, 32), -EPROTO);
		CHECK_EQ(ring_free_slots(c - 1, c, 32), -EPROTO);
		CHECK_EQ(ring_free_slots(c + 0x80000000u, c, 32), -EPROTO);
		CHECK_EQ(ring_free_slots(c, c, 1), 1);
		CHECK_EQ(ring_free_slots(c + 1, c, 1), 0);
		CHECK_EQ(ring_free_slots(c + 2, c, 1), -EPROTO);
	}
	CHECK_EQ(ring_free_slots(0x10, 0xfffffff0u, 32), 0);
	CHECK_EQ(ring_free_slots(0x0f, 0xfffffff0u, 32), 1);
	CHECK_EQ(ring_free_slots(0x11, 0xfffffff0u, 32), -EPROTO);
	CHECK_EQ(ring_free_slots(0, 0, 1u << 30), 1 << 30);
	CHECK_EQ(ring_free_slots(0xc0000000u, 0, 1u << 30), -EPROTO);
	CHECK_EQ(ring_free_slots(0x40000000u, 0, 1u << 30), 0);
}

TEST(test_bad_sizes)
{
	static const u32 bad[] = { 0, 3, 6, 33, 0x80000000u, 0xffffffffu, (1u << 30) + 1,
				   (1u << 30) | (1u << 29) };

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ(ring_rsp_count(0, 0, 0, bad[i]), -EINVAL);
		CHECK_EQ(ring_free_slots(0, 0, bad[i]), -EINVAL);
	}
	for (u32 s = 1; s && s <= 1u << 30; s <<= 1) {
		CHECK_EQ(ring_rsp_count(0, 0, 0, s), 0);
		CHECK_EQ(ring_free_slots(0, 0, s), (int)s);
	}
}

TEST(test_random_against_reference)
{
	xt_srand(71);
	for (int i = 0; i < 200000; i++) {
		u32 size = 1u << xt_below(31);
		u32 cons = (u32)xt_rand();
		/* Mostly near each other (the interesting cases), sometimes anywhere. */
		u32 req = xt_below(4) ? cons + (u32)xt_below(2 * size + 3) - 1 : (u32)xt_rand();
		u32 prod = xt_below(4) ? cons + (u32)xt_below(2 * size + 3) - 1 : (u32)xt_rand();

		if (xt_below(8) == 0)
			cons = 0xffffffffu - (u32)xt_below(64);
		CHECK_EQ(ring_rsp_count(prod, cons, req, size), ref_rsp_count(prod, cons, req, size));
		CHECK_EQ(ring_free_slots(req, cons, size), ref_free_slots(req, cons, size));
	}
}

int main(void)
{
	RUN(test_rsp_count_boundaries);
	RUN(test_free_slots_boundaries);
	RUN(test_bad_sizes);
	RUN(test_random_against_reference);
	return xt_done();
}
