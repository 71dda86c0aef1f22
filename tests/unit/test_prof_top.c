/* Host tests for prof_top() (lib/prof_top.c): samples grouped by the
 * function a lookup maps them to, the largest groups first, equal counts
 * in address order, the limit on entries, samples outside every function,
 * and a large random set checked against a direct count. */
#include <kernel/prof.h>
#include <stdlib.h>
#include <string.h>
#include "test.h"

/* Functions start every 0x100 bytes from 0x1000; below that, nothing. */
static unsigned long lookup(unsigned long ip)
{
	return ip < 0x1000 ? 0 : ip & ~0xfful;
}

TEST(test_groups_and_order)
{
	unsigned long s[] = { 0x1310, 0x1005, 0x1320, 0x10ff, 0x1301, 0x2000, 0x1000, 0x1300 };
	struct prof_entry top[8];
	unsigned int n = prof_top(s, 8, lookup, top, 8);

	CHECK_EQ(n, 3u);
	CHECK_EQ(top[0].addr, 0x1300ul);
	CHECK_EQ(top[0].count, 4u);
	CHECK_EQ(top[1].addr, 0x1000ul);
	CHECK_EQ(top[1].count, 3u);
	CHECK_EQ(top[2].addr, 0x2000ul);
	CHECK_EQ(top[2].count, 1u);
	/* The buffer now holds the sorted function starts. */
	for (unsigned int i = 1; i < 8; i++)
		CHECK(s[i - 1] <= s[i]);
}

TEST(test_ties_in_address_order)
{
	unsigned long s[] = { 0x3000, 0x2000, 0x1000, 0x3001, 0x2001, 0x1001 };
	struct prof_entry top[3];

	CHECK_EQ(prof_top(s, 6, lookup, top, 3), 3u);
	CHECK_EQ(top[0].addr, 0x1000ul);
	CHECK_EQ(top[1].addr, 0x2000ul);
	CHECK_EQ(top[2].addr, 0x3000ul);
}

TEST(test_limit_keeps_the_largest)
{
	/* Counts 1, 2, 3, 4, 5 for functions 0x1000 .. 0x1400; keep 2. */
	unsigned long s[15];
	struct prof_entry top[3] = { { 0xdead, 77 }, { 0xdead, 77 }, { 0xdead, 77 } };
	unsigned int k = 0;

	for (unsigned int f = 0; f < 5; f++)
		for (unsigned int c = 0; c <= f; c++)
			s[k++] = 0x1000 + f * 0x100 + c;
	CHECK_EQ(prof_top(s, k, lookup, top, 2), 2u);
	CHECK_EQ(top[0].addr, 0x1400ul);
	CHECK_EQ(top[0].count, 5u);
	CHECK_EQ(top[1].addr, 0x1300ul);
	CHECK_EQ(top[1].count, 4u);
	CHECK_EQ(top[2].addr, 0xdeadul);   /* past the limit: untouched */
	CHECK_EQ(top[2].count, 77u);
}

TEST(test_unknown_and_empty)
{
	unsigned long s[] = { 0x10, 0x20, 0x1000 };
	struct prof_entry top[4];

	CHECK_EQ(prof_top(s, 3, lookup, top, 4), 2u);
	CHECK_EQ(top[0].addr, 0ul);   /* outside every function: its own group */
	CHECK_EQ(top[0].count, 2u);
	CHECK_EQ(prof_top(s, 0, lookup, top, 4), 0u);
	CHECK_EQ(prof_top(s, 3, lookup, top, 0), 0u);
}

TEST(test_random_against_count)
{
	enum { N = 20000, F = 64, MAX = 10 };
	unsigned long *s = malloc(N * sizeof(*s));
	unsigned int count[F] = { 0 };
	struct prof_entry top[MAX];
	unsigned int n;

	if (!s)
		abort();
	srand(7);
	for (unsigned int i = 0; i < N; i++) {
		/* Skewed: low functions far more often. */
		unsigned int f = (unsigned int)(rand() % F) * (unsigned int)(rand() % F) / F;

		s[i] = 0x1000 + f * 0x100 + (unsigned int)(rand() % 0x100);
		count[f]++;
	}
	n = prof_top(s, N, lookup, top, MAX);
	CHECK_EQ(n, (unsigned int)MAX);
	for (unsigned int i = 0; i < n; i++) {
		unsigned int f = (unsigned int)((top[i].addr - 0x1000) / 0x100);
		unsigned int larger = 0;

		CHECK_EQ(top[i].count, count[f]);
		if (i)
			CHECK(top[i - 1].count >= top[i].count);
		/* Exactly i functions beat it (ties broken by address). */
		for (unsigned int g = 0; g < F; g++)
			if (count[g] > count[f] || (count[g] == count[f] && g < f))
				larger++;
		CHECK_EQ(larger, i);
	}
	for (unsigned int i = 1; i < N; i++)
		CHECK(s[i - 1] <= s[i]);
	free(s);
}

int main(void)
{
	RUN(test_groups_and_order);
	RUN(test_ties_in_address_order);
	RUN(test_limit_keeps_the_largest);
	RUN(test_unknown_and_empty);
	RUN(test_random_against_count);
	return xt_done();
}
