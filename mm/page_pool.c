/* Bitmap page allocator: one bit per page frame, set when in use. Simple,
 * bounded, and easy to check; first fit from a moving hint. */
#include <kernel/mm.h>
#include <kernel/errno.h>

static inline bool test_bit64(const u64 *b, unsigned long i)
{
	return (b[i / 64] >> (i % 64)) & 1;
}

static inline void set_bit64(u64 *b, unsigned long i)
{
	b[i / 64] |= 1ULL << (i % 64);
}

static inline void clear_bit64(u64 *b, unsigned long i)
{
	b[i / 64] &= ~(1ULL << (i % 64));
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

void pool_add_free(struct page_pool *p, unsigned long pfn, unsigned long n)
{
	for (unsigned long i = pfn; i < p->nr_pfns && i - pfn < n; i++) {
		if (test_bit64(p->bitmap, i)) {
			clear_bit64(p->bitmap, i);
			p->nr_free++;
		}
	}
}

void pool_reserve(struct page_pool *p, unsigned long pfn, unsigned long n)
{
	for (unsigned long i = pfn; i < p->nr_pfns && i - pfn < n; i++) {
		if (!test_bit64(p->bitmap, i)) {
			set_bit64(p->bitmap, i);
			p->nr_free--;
		}
	}
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
	for (unsigned long j = 0; j < n; j++)
		set_bit64(p->bitmap, (unsigned long)pfn + j);
	p->nr_free -= n;
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
	for (unsigned long j = 0; j < n; j++)
		clear_bit64(p->bitmap, pfn + j);
	p->nr_free += n;
	if (pfn < p->hint)
		p->hint = pfn;
	return 0;
}
