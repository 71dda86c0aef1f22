/* libFuzzer target: lib/balloon_plan.c. Input: 8 bytes base_kib and 8
 * bytes max_out (LE; short inputs are zero-padded), then the memory/target
 * value as xenstore would hand it (any bytes, by length).
 *
 * Checked against a reference written from include/xen/balloon.h: the
 * parser accepts exactly 1..20 ASCII digits whose value is at most
 * BALLOON_TARGET_MAX_KIB (-ERANGE above, -EINVAL for anything else) and
 * leaves the result untouched on error; the goal of a parsed target is
 * the page-rounded shortfall clamped to max_out, never above it; the
 * planner's step never passes the goal or the batch. */
#include <kernel/errno.h>
#include <xen/balloon.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(...)                                                                         \
	do {                                                                              \
		fprintf(stderr, "fuzz_balloon: " __VA_ARGS__);                            \
		fputc('\n', stderr);                                                      \
		abort();                                                                  \
	} while (0)

#define PREFIX 16

static u64 get64(const u8 *p)
{
	u64 v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static int ref_parse(const u8 *s, size_t len, u64 *v)
{
	unsigned __int128 acc = 0;

	if (!len || len > 20)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		acc = acc * 10 + (s[i] - '0');
	}
	if (acc > BALLOON_TARGET_MAX_KIB)
		return -ERANGE;
	*v = (u64)acc;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	u8 head[PREFIX] = { 0 };
	struct balloon_plan p;
	struct balloon_goal g;
	size_t len = size > PREFIX ? size - PREFIX : 0;
	char *s;
	u64 v = 0x1234, rv = 0x1234;
	int rc, rref;
	long step;

	memcpy(head, data, size < PREFIX ? size : PREFIX);
	p.base_kib = get64(head) % (BALLOON_TARGET_MAX_KIB + 2);
	p.max_out = (unsigned long)get64(head + 8);
	/* An exact heap copy, so ASan sees a read past len. */
	s = malloc(len ? len : 1);
	if (!s)
		return 0;
	memcpy(s, data + (size - len), len);
	rc = balloon_parse_target(s, len, &v);
	rref = ref_parse((const u8 *)s, len, &rv);
	free(s);
	if (rc != rref)
		FAIL("parse gave %d, reference %d", rc, rref);
	if (rc) {
		if (v != 0x1234)
			FAIL("result written on error");
		return 0;
	}
	if (v != rv)
		FAIL("parsed %llu, reference %llu", (unsigned long long)v, (unsigned long long)rv);

	balloon_goal(&p, v, &g);
	if (g.want_out > p.max_out)
		FAIL("goal %lu above max_out %lu", g.want_out, p.max_out);
	if (v > p.base_kib) {
		if (g.want_out || g.clamp != BALLOON_ABOVE_BOOT)
			FAIL("above the boot size: goal %lu clamp %d", g.want_out, g.clamp);
	} else {
		u64 need = (p.base_kib - v + 3) / 4;

		if (need > p.max_out) {
			if (g.want_out != p.max_out || g.clamp != BALLOON_BELOW_FLOOR)
				FAIL("below the floor: goal %lu clamp %d", g.want_out, g.clamp);
		} else if (g.want_out != need || g.clamp != BALLOON_EXACT) {
			FAIL("goal %lu (clamp %d), expected %llu", g.want_out, g.clamp,
			     (unsigned long long)need);
		}
	}
	/* A step from anywhere towards the goal, in batches of up to 4096. */
	{
		unsigned long out = (unsigned long)(get64(head + 8) >> 3);
		unsigned long batch = (unsigned long)(v % 4097);

		step = balloon_step(out, g.want_out, batch);
		if (step > 0 && ((unsigned long)step > batch || out + (unsigned long)step > g.want_out))
			FAIL("step %ld from %lu to %lu passes the goal or the batch %lu", step, out,
			     g.want_out, batch);
		if (step < 0 && ((unsigned long)-step > batch || out - (unsigned long)-step < g.want_out))
			FAIL("step %ld from %lu to %lu passes the goal or the batch %lu", step, out,
			     g.want_out, batch);
		if (!step && batch && out != g.want_out)
			FAIL("no step from %lu to %lu", out, g.want_out);
	}
	return 0;
}
