/* The balloon's pure part: reading memory/target (written by the
 * toolstack, so untrusted) and deciding how many pages to move. No state,
 * no allocation: host unit-tested (tests/unit/test_balloon.c) and fuzzed
 * (tests/fuzz/fuzz_balloon.c). */
#include <xen/balloon.h>
#include <kernel/errno.h>

#define TARGET_MAX_DIGITS 20

int balloon_parse_target(const char *untrusted, size_t len, u64 *kib)
{
	u64 v = 0;

	if (!untrusted || !len || len > TARGET_MAX_DIGITS)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		char c = untrusted[i];

		if (c < '0' || c > '9')
			return -EINVAL;
		/* Twenty digits can overflow; a value above the maximum is
		 * refused before it could. */
		if (v > BALLOON_TARGET_MAX_KIB)
			continue;
		v = v * 10 + (u64)(c - '0');
	}
	if (v > BALLOON_TARGET_MAX_KIB)
		return -ERANGE;
	*kib = v;
	return 0;
}

void balloon_goal(const struct balloon_plan *p, u64 target_kib, struct balloon_goal *g)
{
	u64 short_kib, pages;

	g->clamp = BALLOON_EXACT;
	g->want_out = 0;
	if (target_kib > p->base_kib) {
		/* Growing past the boot size needs memory the page allocator
		 * has no room for (docs/balloon.md): stay at the boot size. */
		g->clamp = BALLOON_ABOVE_BOOT;
		return;
	}
	short_kib = p->base_kib - target_kib;
	pages = short_kib / 4 + (short_kib % 4 != 0);
	if (pages > p->max_out) {
		g->clamp = BALLOON_BELOW_FLOOR;
		pages = p->max_out;
	}
	g->want_out = (unsigned long)pages;
}

long balloon_step(unsigned long out, unsigned long want_out, unsigned long batch)
{
	unsigned long n;

	if (batch > (unsigned long)INT64_MAX)
		batch = (unsigned long)INT64_MAX;
	if (out < want_out) {
		n = want_out - out;
		return (long)(n < batch ? n : batch);
	}
	n = out - want_out;
	return -(long)(n < batch ? n : batch);
}
