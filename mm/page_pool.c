/* Bitmap page allocator: one bit per page frame, set when in use. Simple,
 * bounded, and easy to check; first fit from a moving hint. */
#include <kernel/mm.h>
#include <kernel/errno.h>

static inline bool test_bit64(const u64 *b, unsigned long i)
{
	return (b[i / 64] >> (i % 64)) & 1;
}


void pool_init(struct page_pool *p, u64 *bitmap, unsigned long nr_pfns)
{
	p->bitmap = bitmap;
	p->nr_pfns = nr_pfns;
	p->nr_free = 0;
	p->hint = 0;
	for (unsigned long i = 0; i < DIV_ROUND_UP_UL(nr_pfns, 64); i++)
		bitmap[i] = ~0ULL;
}

static unsigned int popcount64(u64 x)
{
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (unsigned int)((x * 0x0101010101010101ULL) >> 56);
}

/* Mark [pfn, pfn + n) used or free, clipped to the pool, a 64-bit word
 * at a time (the boot frees all of RAM this way: 65,536 pages for 256 MiB
 * cost milliseconds bit by bit under emulation). Returns how many bits
 * changed. */
static unsigned long update_range(struct page_pool *p, unsigned long pfn, unsigned long n,
				  bool used)
{
	unsigned long end, changed = 0;

	if (pfn >= p->nr_pfns)
		return 0;
	end = n > p->nr_pfns - pfn ? p->nr_pfns : pfn + n;
	while (pfn < end) {
		unsigned long lo = pfn % 64, bits = MIN(64 - lo, end - pfn);
		u64 mask = bits == 64 ? ~0ULL : ((1ULL << bits) - 1) << lo;
		u64 *w = &p->bitmap[pfn / 64];

		if (used) {
			changed += popcount64(~*w & mask);
			*w |= mask;
		} else {
			changed += popcount64(*w & mask);
			*w &= ~mask;
		}
		pfn += bits;
	}
	return changed;
}

void pool_add_free(struct page_pool *p, unsigned long pfn, unsigned long n)
{
	p->nr_free += update_range(p, pfn, n, false);
}

void pool_reserve(struct page_pool *p, unsigned long pfn, unsigned long n)
{
	p->nr_free -= update_range(p, pfn, n, true);
}

bool pool_is_free(const struct page_pool *p, unsigned long pfn)
{
	return pfn < p->nr_pfns && !test_bit64(p->bitmap, pfn);
}

static long search(struct page_pool *p, unsigned long from, unsigned long to, unsigned long n,
		   unsigned long align)
{
	unsigned long i = (from + align - 1) & ~(align - 1);

	while (i + n <= to && i + n > i) {
		unsigned long j;

		/* Skip fully used words quickly. */
		if ((i % 64) == 0 && p->bitmap[i / 64] == ~0ULL) {
			i += 64;
			i = (i + align - 1) & ~(align - 1);
			continue;
		}
		for (j = 0; j < n; j++)
			if (test_bit64(p->bitmap, i + j))
				break;
		if (j == n)
			return (long)i;
		i = (i + j + 1 + align - 1) & ~(align - 1);
	}
	return -ENOMEM;
}

long pool_alloc(struct page_pool *p, unsigned long n, unsigned long align)
{
	long pfn;

	if (n == 0 || n > p->nr_free || align == 0 || (align & (align - 1)))
		return -ENOMEM;
	pfn = search(p, p->hint, p->nr_pfns, n, align);
	if (pfn < 0)
		pfn = search(p, 0, MIN(p->hint + n, p->nr_pfns), n, align);
	if (pfn < 0)
		return -ENOMEM;
	p->nr_free -= update_range(p, (unsigned long)pfn, n, true);
	p->hint = (unsigned long)pfn + n;
	return pfn;
}

int pool_free(struct page_pool *p, unsigned long pfn, unsigned long n)
{
	if (n == 0 || pfn >= p->nr_pfns || n > p->nr_pfns - pfn)
		return -EINVAL;
	for (unsigned long j = 0; j < n; j++)
		if (!test_bit64(p->bitmap, pfn + j))
			return -EINVAL;
	p->nr_free += update_range(p, pfn, n, false);
	if (pfn < p->hint)
		p->hint = pfn;
	return 0;
}
