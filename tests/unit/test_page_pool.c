/* Host tests for mm/page_pool.c: the bitmap page allocator. */
#include "kx.h"
#include <kernel/errno.h>
#include <kernel/mm.h>
#include <limits.h>
#include <string.h>
#include "test.h"

#define NPFN 1000 /* deliberately not a multiple of 64 */
#define WORDS ((NPFN + 63) / 64)

static u64 bitmap[WORDS + 1];
static struct page_pool pool;

static void setup(unsigned long nr)
{
	memset(bitmap, 0, sizeof(bitmap));
	bitmap[WORDS] = 0x0123456789abcdefULL; /* guard word: never touched */
	pool_init(&pool, bitmap, nr);
}

static unsigned long count_free(void)
{
	unsigned long n = 0;

	for (unsigned long i = 0; i < pool.nr_pfns; i++)
		n += pool_is_free(&pool, i);
	return n;
}

TEST(test_init)
{
	setup(NPFN);
	CHECK_EQ(pool.nr_pfns, NPFN);
	CHECK_EQ(pool.nr_free, 0);
	CHECK_EQ(count_free(), 0);
	CHECK(!pool_is_free(&pool, 0));
	CHECK(!pool_is_free(&pool, NPFN - 1));
	CHECK(!pool_is_free(&pool, NPFN));
	CHECK(!pool_is_free(&pool, ULONG_MAX));
	CHECK_EQ(pool_alloc(&pool, 1, 1), -ENOMEM);
	CHECK_EQ(bitmap[WORDS], 0x0123456789abcdefULL);

	/* Zero pages. */
	setup(0);
	CHECK_EQ(pool.nr_free, 0);
	pool_add_free(&pool, 0, 10);
	CHECK_EQ(pool.nr_free, 0);
	CHECK_EQ(pool_alloc(&pool, 1, 1), -ENOMEM);
}

TEST(test_add_free_and_reserve)
{
	setup(NPFN);
	pool_add_free(&pool, 10, 20);
	CHECK_EQ(pool.nr_free, 20);
	CHECK(!pool_is_free(&pool, 9));
	CHECK(pool_is_free(&pool, 10));
	CHECK(pool_is_free(&pool, 29));
	CHECK(!pool_is_free(&pool, 30));
	/* Adding overlapping ranges counts each page once. */
	pool_add_free(&pool, 20, 20);
	CHECK_EQ(pool.nr_free, 30);
	CHECK_EQ(count_free(), 30);
	/* Past the end is ignored, the part inside is added. */
	pool_add_free(&pool, NPFN - 5, 100);
	CHECK_EQ(pool.nr_free, 35);
	CHECK(pool_is_free(&pool, NPFN - 1));
	pool_add_free(&pool, NPFN, 10);
	pool_add_free(&pool, ULONG_MAX, 1);
	CHECK_EQ(pool.nr_free, 35);
	/* n == 0 is nothing. */
	pool_add_free(&pool, 100, 0);
	CHECK_EQ(pool.nr_free, 35);
	CHECK_EQ(bitmap[WORDS], 0x0123456789abcdefULL);

	/* Reserve part free, part used: only the free pages are taken away. */
	pool_reserve(&pool, 25, 20);
	CHECK_EQ(pool.nr_free, 20);
	CHECK(pool_is_free(&pool, 24));
	CHECK(!pool_is_free(&pool, 25));
	CHECK(!pool_is_free(&pool, 39));
	pool_reserve(&pool, 25, 20); /* again: no change */
	CHECK_EQ(pool.nr_free, 20);
	pool_reserve(&pool, NPFN - 2, 1000);
	CHECK_EQ(pool.nr_free, 18);
	CHECK_EQ(count_free(), 18);
	pool_reserve(&pool, ULONG_MAX - 1, 5);
	CHECK_EQ(pool.nr_free, 18);
}

/* "Out-of-range parts are ignored": a range that runs past the end of the
 * address space still frees its in-range part. */
TEST(test_add_free_huge_range)
{
	setup(NPFN);
	pool_add_free(&pool, 0, ULONG_MAX);
	CHECK_EQ(pool.nr_free, NPFN);
	setup(NPFN);
	pool_add_free(&pool, 900, ULONG_MAX);
	CHECK_EQ(pool.nr_free, NPFN - 900);
	pool_reserve(&pool, 950, ULONG_MAX);
	CHECK_EQ(pool.nr_free, 50);
}

TEST(test_alloc_single)
{
	long a, b, c;

	setup(NPFN);
	pool_add_free(&pool, 100, 3);
	a = pool_alloc(&pool, 1, 1);
	b = pool_alloc(&pool, 1, 1);
	c = pool_alloc(&pool, 1, 1);
	CHECK(a >= 100 && a < 103);
	CHECK(b >= 100 && b < 103);
	CHECK(c >= 100 && c < 103);
	CHECK(a != b && b != c && a != c);
	CHECK_EQ(pool.nr_free, 0);
	CHECK(!pool_is_free(&pool, (unsigned long)a));
	/* Exhausted. */
	CHECK_EQ(pool_alloc(&pool, 1, 1), -ENOMEM);
	CHECK_EQ(pool.nr_free, 0);
	/* Free one, get it back. */
	CHECK_EQ(pool_free(&pool, (unsigned long)b, 1), 0);
	CHECK_EQ(pool.nr_free, 1);
	CHECK(pool_is_free(&pool, (unsigned long)b));
	CHECK_EQ(pool_alloc(&pool, 1, 1), b);
	CHECK_EQ(pool_alloc(&pool, 1, 1), -ENOMEM);
}

TEST(test_alloc_contiguous_and_aligned)
{
	long a;

	setup(NPFN);
	/* Free: 3..9, 20..27, 64..200 */
	pool_add_free(&pool, 3, 7);
	pool_add_free(&pool, 20, 8);
	pool_add_free(&pool, 64, 137);

	/* 8 contiguous: only 20..27 or later fits. */
	a = pool_alloc(&pool, 8, 1);
	CHECK(a == 20 || (a >= 64 && a + 8 <= 201));
	for (long i = a; i < a + 8; i++)
		CHECK(!pool_is_free(&pool, (unsigned long)i));
	CHECK_EQ(pool.nr_free, 7 + 8 + 137 - 8);
	CHECK_EQ(pool_free(&pool, (unsigned long)a, 8), 0);

	/* Aligned to 16: first candidates 16 (not free), 32 (not), 64. */
	a = pool_alloc(&pool, 4, 16);
	CHECK(a >= 64 && a % 16 == 0 && a + 4 <= 201);
	CHECK_EQ(pool_free(&pool, (unsigned long)a, 4), 0);

	/* Aligned to 64 with 64 pages: only 64..127 or 128..191. */
	a = pool_alloc(&pool, 64, 64);
	CHECK(a == 64 || a == 128);
	CHECK_EQ(pool_free(&pool, (unsigned long)a, 64), 0);

	/* 128 aligned to 128 cannot fit (128..255 exceeds 200). */
	CHECK_EQ(pool_alloc(&pool, 128, 128), -ENOMEM);
	/* More than the largest run but less than the total. */
	CHECK_EQ(pool_alloc(&pool, 138, 1), -ENOMEM);
	CHECK_EQ(pool.nr_free, 7 + 8 + 137);
	/* The largest run exactly. */
	CHECK_EQ(pool_alloc(&pool, 137, 1), 64);
	CHECK_EQ(pool.nr_free, 15);

	/* Bad arguments. */
	CHECK_EQ(pool_alloc(&pool, 0, 1), -ENOMEM);
	CHECK_EQ(pool_alloc(&pool, 1, 0), -ENOMEM);
	CHECK_EQ(pool_alloc(&pool, 1, 3), -ENOMEM);
	CHECK_EQ(pool_alloc(&pool, ULONG_MAX, 1), -ENOMEM);
	CHECK_EQ(pool.nr_free, 15);
	CHECK_EQ(bitmap[WORDS], 0x0123456789abcdefULL);
}

TEST(test_alloc_wraps_around_hint)
{
	long a, b;

	setup(NPFN);
	pool_add_free(&pool, 0, NPFN);
	/* Move the hint to the end, then free early pages: they are found. */
	a = pool_alloc(&pool, NPFN - 10, 1);
	CHECK_EQ(a, 0);
	b = pool_alloc(&pool, 10, 1);
	CHECK_EQ(b, NPFN - 10);
	CHECK_EQ(pool.nr_free, 0);
	CHECK_EQ(pool_free(&pool, 5, 3), 0);
	CHECK_EQ(pool_free(&pool, NPFN - 1, 1), 0);
	CHECK_EQ(pool_alloc(&pool, 3, 1), 5);
	CHECK_EQ(pool_alloc(&pool, 1, 1), NPFN - 1);
	CHECK_EQ(pool_alloc(&pool, 1, 1), -ENOMEM);

	/* A run straddling the hint is found too. */
	setup(NPFN);
	pool_add_free(&pool, 0, NPFN);
	CHECK_EQ(pool_alloc(&pool, NPFN, 1), 0);
	CHECK_EQ(pool_free(&pool, 500, 10), 0); /* hint = 500 */
	CHECK_EQ(pool_alloc(&pool, 2, 1), 500);  /* hint = 502 */
	CHECK_EQ(pool_free(&pool, 500, 2), 0);  /* hint = 500 */
	CHECK_EQ(pool_alloc(&pool, 5, 1), 500);  /* hint = 505 */
	CHECK_EQ(pool_free(&pool, 500, 5), 0);
	CHECK_EQ(pool_alloc(&pool, 10, 1), 500);
}

TEST(test_free_errors)
{
	u64 snapshot[WORDS + 1];
	struct page_pool before;

	setup(NPFN);
	pool_add_free(&pool, 0, 100);
	CHECK_EQ(pool_alloc(&pool, 10, 1), 0);
	memcpy(snapshot, bitmap, sizeof(bitmap));
	before = pool;

	/* Double free of part of a range: -EINVAL and nothing changes, not
	 * even the pages of the range that were in use. */
	CHECK_EQ(pool_free(&pool, 5, 10), -EINVAL);
	CHECK_EQ(pool_free(&pool, 50, 1), -EINVAL);
	/* Out of range. */
	CHECK_EQ(pool_free(&pool, NPFN, 1), -EINVAL);
	CHECK_EQ(pool_free(&pool, NPFN - 1, 2), -EINVAL);
	CHECK_EQ(pool_free(&pool, ULONG_MAX, 1), -EINVAL);
	CHECK_EQ(pool_free(&pool, 5, ULONG_MAX), -EINVAL);
	CHECK_EQ(pool_free(&pool, 0, 0), -EINVAL);
	CHECK(memcmp(snapshot, bitmap, sizeof(bitmap)) == 0);
	CHECK_EQ(pool.nr_free, before.nr_free);
	CHECK_EQ(pool.hint, before.hint);

	/* The proper free works, then the same free fails. */
	CHECK_EQ(pool_free(&pool, 0, 10), 0);
	CHECK_EQ(pool.nr_free, 100);
	memcpy(snapshot, bitmap, sizeof(bitmap));
	CHECK_EQ(pool_free(&pool, 0, 10), -EINVAL);
	CHECK_EQ(pool_free(&pool, 9, 1), -EINVAL);
	CHECK(memcmp(snapshot, bitmap, sizeof(bitmap)) == 0);
	CHECK_EQ(pool.nr_free, 100);

	/* Freeing the last page (tail of the last bitmap word) works. */
	pool_reserve(&pool, NPFN - 1, 1);
	CHECK_EQ(pool_free(&pool, NPFN - 1, 1), 0);
	CHECK(pool_is_free(&pool, NPFN - 1));
	CHECK_EQ(bitmap[WORDS], 0x0123456789abcdefULL);
}

/* ---- randomized against a bool-array model ---- */
static bool model[NPFN];

static bool model_has_run(unsigned long n, unsigned long align)
{
	for (unsigned long i = 0; i + n <= NPFN; i += align) {
		unsigned long j = 0;

		while (j < n && model[i + j])
			j++;
		if (j == n)
			return true;
	}
	return false;
}

struct live {
	long pfn;
	unsigned long n;
};

static bool overlaps_live(const struct live *live, unsigned long nlive, unsigned long p,
			  unsigned long n)
{
	for (unsigned long k = 0; k < nlive; k++)
		if ((unsigned long)live[k].pfn < p + n && p < (unsigned long)live[k].pfn + live[k].n)
			return true;
	return false;
}

TEST(test_random_against_model)
{
	static struct live live[NPFN];
	unsigned long nlive = 0;
	unsigned long bad_alloc = 0, bad_enomem = 0, bad_free = 0, bad_state = 0, ops = 0;
	unsigned long n_ok = 0, n_enomem = 0, n_bigaligned = 0;

	xt_srand(99);
	setup(NPFN);
	memset(model, 0, sizeof(model));

	for (int iter = 0; iter < 40000; iter++) {
		uint64_t op = xt_below(100);

		ops++;
		if (op < 5) {
			/* Add RAM where nothing is allocated (adding RAM marks
			 * pages free whatever they were). */
			unsigned long p = xt_below(NPFN + 50), n = xt_below(80);

			if (overlaps_live(live, nlive, p, n))
				continue;
			pool_add_free(&pool, p, n);
			for (unsigned long i = p; i < p + n && i < NPFN; i++)
				model[i] = true;
		} else if (op < 7) {
			/* Reserve a range that holds no live allocation. */
			unsigned long p = xt_below(NPFN), n = 1 + xt_below(20);

			if (overlaps_live(live, nlive, p, n))
				continue;
			pool_reserve(&pool, p, n);
			for (unsigned long i = p; i < p + n && i < NPFN; i++)
				model[i] = false;
		} else if (op < 55) {
			/* Allocate. */
			unsigned long n = 1 + (xt_below(4) ? xt_below(4) : xt_below(70));
			unsigned long align = 1UL << xt_below(xt_below(3) ? 1 : 7);
			long r = pool_alloc(&pool, n, align);

			if (r < 0) {
				bad_enomem += r != -ENOMEM || model_has_run(n, align);
				n_enomem++;
				continue;
			}
			n_ok++;
			n_bigaligned += n > 8 && align > 8;
			if ((unsigned long)r % align || (unsigned long)r + n > NPFN) {
				bad_alloc++;
				continue;
			}
			for (unsigned long i = 0; i < n; i++) {
				bad_alloc += !model[r + i];
				model[r + i] = false;
			}
			live[nlive].pfn = r;
			live[nlive].n = n;
			nlive++;
		} else if (op < 95) {
			/* Free a live allocation, sometimes in two pieces. */
			unsigned long k;

			if (!nlive)
				continue;
			k = xt_below(nlive);
			if (live[k].n > 1 && xt_below(3) == 0) {
				unsigned long half = live[k].n / 2;

				bad_free += pool_free(&pool, (unsigned long)live[k].pfn, half) != 0;
				bad_free += pool_free(&pool, (unsigned long)live[k].pfn + half,
						      live[k].n - half) != 0;
			} else {
				bad_free += pool_free(&pool, (unsigned long)live[k].pfn, live[k].n) != 0;
			}
			for (unsigned long i = 0; i < live[k].n; i++)
				model[live[k].pfn + i] = true;
			live[k] = live[--nlive];
		} else {
			/* A bad free: some page in the range is free or out of range. */
			unsigned long p = xt_below(NPFN + 10), n = 1 + xt_below(10);
			bool all_used = p + n <= NPFN;
			u64 snap[WORDS + 1];
			unsigned long nf = pool.nr_free;

			for (unsigned long i = p; all_used && i < p + n; i++)
				all_used = !model[i];
			if (all_used)
				continue; /* might free someone else's pages */
			memcpy(snap, bitmap, sizeof(bitmap));
			bad_free += pool_free(&pool, p, n) != -EINVAL;
			bad_free += memcmp(snap, bitmap, sizeof(bitmap)) != 0 || pool.nr_free != nf;
		}
		/* Full state comparison every few operations. */
		if (iter % 16 == 0 || iter > 39990) {
			unsigned long mf = 0;

			for (unsigned long i = 0; i < NPFN; i++) {
				mf += model[i];
				bad_state += pool_is_free(&pool, i) != model[i];
			}
			bad_state += pool.nr_free != mf;
		}
	}
	CHECK_EQ(bad_alloc, 0);
	CHECK_EQ(bad_enomem, 0);
	CHECK_EQ(bad_free, 0);
	CHECK_EQ(bad_state, 0);
	CHECK_EQ(bitmap[WORDS], 0x0123456789abcdefULL);
	CHECK(ops == 40000);
	/* The mix really exercised success, failure and large aligned runs. */
	CHECK_MSG(n_ok > 5000 && n_enomem > 500 && n_bigaligned > 50,
		  "coverage: %lu allocations, %lu -ENOMEM, %lu large aligned", n_ok, n_enomem,
		  n_bigaligned);
}

int main(void)
{
	RUN(test_init);
	RUN(test_add_free_and_reserve);
	RUN(test_add_free_huge_range);
	RUN(test_alloc_single);
	RUN(test_alloc_contiguous_and_aligned);
	RUN(test_alloc_wraps_around_hint);
	RUN(test_free_errors);
	RUN(test_random_against_model);
	return xt_done();
}
