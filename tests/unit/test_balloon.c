/* Host tests for lib/balloon_plan.c: memory/target values that parse
 * (0, the largest accepted, leading zeros) and every kind that must not
 * (empty, sign, space, newline, suffix, hex, 21 digits, one above the
 * maximum, overflowing 2^64); the goal for targets below, at and above
 * the boot size and below the floor (rounding up to whole pages); and
 * the planner's steps against a reference over random inputs. */
#include <kernel/errno.h>
#include <xen/balloon.h>
#include <string.h>
#include "test.h"

static int parse(const char *s, u64 *v)
{
	return balloon_parse_target(s, strlen(s), v);
}

TEST(test_parse_good)
{
	u64 v = 77;

	CHECK_EQ(parse("131072", &v), 0);
	CHECK_EQ(v, 131072);
	CHECK_EQ(parse("0", &v), 0);
	CHECK_EQ(v, 0);
	CHECK_EQ(parse("000065536", &v), 0);
	CHECK_EQ(v, 65536);
	CHECK_EQ(parse("1073741824", &v), 0);
	CHECK_EQ(v, BALLOON_TARGET_MAX_KIB);
	/* Only len bytes count: a value not NUL-terminated. */
	CHECK_EQ(balloon_parse_target("4096junk", 4, &v), 0);
	CHECK_EQ(v, 4096);
}

TEST(test_parse_bad)
{
	static const char *const bad[] = {
		"", " 1", "1 ", "+1", "-1", "1\n", "64M", "0x10", "1.5", "１", "\t7", "1,0",
		"123456789012345678901",
	};
	u64 v = 42;

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ(parse(bad[i], &v), -EINVAL);
		CHECK_EQ(v, 42);
	}
	CHECK_EQ(balloon_parse_target(NULL, 3, &v), -EINVAL);
	CHECK_EQ(balloon_parse_target("5", 0, &v), -EINVAL);
	CHECK_EQ(balloon_parse_target("1\0", 2, &v), -EINVAL);
	CHECK_EQ(parse("1073741825", &v), -ERANGE);
	CHECK_EQ(parse("18446744073709551615", &v), -ERANGE);
	CHECK_EQ(parse("18446744073709551616", &v), -ERANGE);
	CHECK_EQ(parse("99999999999999999999", &v), -ERANGE);
	CHECK_EQ(v, 42);
}

TEST(test_goal)
{
	/* 128 MiB guest, floor 32 MiB: at most 96 MiB may go. */
	struct balloon_plan p = { .base_kib = 131072, .max_out = 24576 };
	struct balloon_goal g;

	balloon_goal(&p, 131072, &g);
	CHECK_EQ(g.want_out, 0);
	CHECK_EQ(g.clamp, BALLOON_EXACT);
	balloon_goal(&p, 65536, &g);
	CHECK_EQ(g.want_out, 16384);
	CHECK_EQ(g.clamp, BALLOON_EXACT);
	/* A part page rounds up: the guest ends at or below the target. */
	balloon_goal(&p, 131071, &g);
	CHECK_EQ(g.want_out, 1);
	balloon_goal(&p, 131068, &g);
	CHECK_EQ(g.want_out, 1);
	balloon_goal(&p, 131067, &g);
	CHECK_EQ(g.want_out, 2);
	/* Exactly the floor, then below it. */
	balloon_goal(&p, 32768, &g);
	CHECK_EQ(g.want_out, 24576);
	CHECK_EQ(g.clamp, BALLOON_EXACT);
	balloon_goal(&p, 32767, &g);
	CHECK_EQ(g.want_out, 24576);
	CHECK_EQ(g.clamp, BALLOON_BELOW_FLOOR);
	balloon_goal(&p, 0, &g);
	CHECK_EQ(g.want_out, 24576);
	CHECK_EQ(g.clamp, BALLOON_BELOW_FLOOR);
	/* Above the boot size: nothing out, said so. */
	balloon_goal(&p, 131073, &g);
	CHECK_EQ(g.want_out, 0);
	CHECK_EQ(g.clamp, BALLOON_ABOVE_BOOT);
	balloon_goal(&p, BALLOON_TARGET_MAX_KIB, &g);
	CHECK_EQ(g.want_out, 0);
	/* A guest at or below its floor gives nothing. */
	p.max_out = 0;
	balloon_goal(&p, 1024, &g);
	CHECK_EQ(g.want_out, 0);
	CHECK_EQ(g.clamp, BALLOON_BELOW_FLOOR);
}

TEST(test_step)
{
	CHECK_EQ(balloon_step(0, 0, 512), 0);
	CHECK_EQ(balloon_step(0, 1, 512), 1);
	CHECK_EQ(balloon_step(0, 16384, 512), 512);
	CHECK_EQ(balloon_step(16000, 16384, 512), 384);
	CHECK_EQ(balloon_step(16384, 0, 512), -512);
	CHECK_EQ(balloon_step(100, 0, 512), -100);
	CHECK_EQ(balloon_step(5, 5, 512), 0);
	CHECK_EQ(balloon_step(0, ~0UL, ~0UL), INT64_MAX);
	CHECK_EQ(balloon_step(~0UL, 0, ~0UL), -INT64_MAX);
	CHECK_EQ(balloon_step(3, 9, 0), 0);
}

/* Walking with the planner's steps reaches any goal, in the fewest
 * batches. */
TEST(test_step_walk)
{
	xt_srand(9);
	for (int k = 0; k < 2000; k++) {
		unsigned long out = xt_below(100000), want = xt_below(100000);
		unsigned long batch = 1 + xt_below(1000), steps = 0, dist;
		long s;

		dist = out > want ? out - want : want - out;
		while ((s = balloon_step(out, want, batch)) != 0) {
			CHECK(s <= (long)batch && s >= -(long)batch);
			out = (unsigned long)((long)out + s);
			steps++;
			if (steps > 200000)
				break;
		}
		CHECK_EQ(out, want);
		CHECK_EQ(steps, (dist + batch - 1) / batch);
	}
}

int main(void)
{
	RUN(test_parse_good);
	RUN(test_parse_bad);
	RUN(test_goal);
	RUN(test_step);
	RUN(test_step_walk);
	return xt_done();
}
