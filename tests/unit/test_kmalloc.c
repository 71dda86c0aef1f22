/* Host tests for mm/kmalloc.c: the size-class heap, over a page source
 * built on aligned_alloc() that records every page block it hands out. */
#include "kx.h"
#include <kernel/mm.h>
#include <string.h>
#include "test.h"

#define PGSZ 4096UL
#define HDR 16UL
#define MAXBLK 20000

/* ---- page source ---- */
struct blk {
	char *p;
	unsigned long n;
	bool live;
};

static struct blk blks[MAXBLK];
static unsigned long nblk;
static unsigned long src_live_pages, src_allocs, src_frees, src_errors;
static unsigned long src_limit = ~0UL; /* pages that may be live at once */

static void *src_alloc(unsigned long n)
{
	char *p;

	if (n == 0 || src_live_pages + n > src_limit || nblk == MAXBLK)
		return NULL;
	p = aligned_alloc(PGSZ, n * PGSZ);
	if (!p)
		return NULL;
	memset(p, 0xcc, n * PGSZ); /* garbage, like a recycled page */
	blks[nblk].p = p;
	blks[nblk].n = n;
	blks[nblk].live = true;
	nblk++;
	src_live_pages += n;
	src_allocs++;
	return p;
}

/* Freed blocks stay allocated (quarantined) until src_reset(), so a second
 * free or a stale header read is caught by the bookkeeping, not by luck. */
static void src_free(void *p, unsigned long n)
{
	for (unsigned long i = 0; i < nblk; i++)
		if (blks[i].p == p) {
			if (!blks[i].live || blks[i].n != n) {
				src_errors++;
				return;
			}
			blks[i].live = false;
			memset(p, 0xdd, n * PGSZ);
			src_live_pages -= n;
			src_frees++;
			return;
		}
	src_errors++;
}

static const struct kmalloc_page_source src = { src_alloc, src_free };
static struct kmalloc_heap heap;

static void src_reset(void)
{
	for (unsigned long i = 0; i < nblk; i++)
		free(blks[i].p);
	nblk = 0;
	src_live_pages = src_allocs = src_frees = src_errors = 0;
	src_limit = ~0UL;
	kheap_init(&heap, &src);
}

/* The block a pointer lies in, or NULL. */
static struct blk *blk_of(const void *p)
{
	for (unsigned long i = 0; i < nblk; i++)
		if ((const char *)p >= blks[i].p && (const char *)p < blks[i].p + blks[i].n * PGSZ)
			return &blks[i];
	return NULL;
}

/* What kheap_usable_size must report for a request. */
static size_t expected_usable(size_t size)
{
	size_t c = KMALLOC_MIN;

	if (size > KMALLOC_MAX_SMALL)
		return ((size + HDR + PGSZ - 1) / PGSZ) * PGSZ - HDR;
	while (c < size)
		c <<= 1;
	return c;
}

static void fill(void *p, size_t n, unsigned int seed)
{
	unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		b[i] = (unsigned char)(seed * 31 + i * 7);
}

static bool verify(const void *p, size_t n, unsigned int seed)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != (unsigned char)(seed * 31 + i * 7))
			return false;
	return true;
}

TEST(test_init)
{
	src_reset();
	CHECK_PTR_EQ(heap.src, &src);
	for (int i = 0; i < KMALLOC_CLASSES; i++)
		CHECK_PTR_EQ(heap.free_list[i], NULL);
	CHECK_EQ(heap.allocated_bytes, 0);
	CHECK_EQ(heap.nr_allocs, 0);
	CHECK_EQ(heap.nr_frees, 0);
	CHECK_EQ(KMALLOC_MIN << (KMALLOC_CLASSES - 1), KMALLOC_MAX_SMALL);
}

/* Every size from 1 to 5000 live at once: right usable size, aligned,
 * inside its page block, and no two objects overlap. */
TEST(test_all_sizes)
{
	static void *ptr[5001];
	unsigned long bad_size = 0, bad_place = 0, bad_data = 0, expect_bytes = 0;

	src_reset();
	for (size_t s = 1; s <= 5000; s++) {
		struct blk *b;
		size_t u;

		ptr[s] = kheap_alloc(&heap, s);
		if (!ptr[s]) {
			CHECK_MSG(false, "kheap_alloc(%zu) returned NULL", s);
			return;
		}
		u = kheap_usable_size(&heap, ptr[s]);
		bad_size += u != expected_usable(s);
		expect_bytes += s > KMALLOC_MAX_SMALL ? u + HDR : u;
		b = blk_of(ptr[s]);
		bad_place += !b || (uintptr_t)ptr[s] % 16 != 0 ||
			     (char *)ptr[s] + u > b->p + b->n * PGSZ ||
			     (char *)ptr[s] < b->p + HDR;
		/* Small objects never straddle a page. */
		if (s <= KMALLOC_MAX_SMALL)
			bad_place += ((uintptr_t)ptr[s] % PGSZ) + u > PGSZ;
		fill(ptr[s], u, (unsigned int)s);
	}
	for (size_t s = 1; s <= 5000; s++)
		bad_data += !verify(ptr[s], kheap_usable_size(&heap, ptr[s]), (unsigned int)s);
	CHECK_EQ(bad_size, 0);
	CHECK_EQ(bad_place, 0);
	CHECK_EQ(bad_data, 0);
	CHECK_EQ(heap.allocated_bytes, expect_bytes);
	CHECK_EQ(heap.nr_allocs, 5000);
	CHECK_EQ(src_errors, 0);

	for (size_t s = 1; s <= 5000; s++)
		kheap_free(&heap, ptr[s]);
	CHECK_EQ(heap.allocated_bytes, 0);
	CHECK_EQ(heap.nr_frees, 5000);
	/* Large blocks went back to the source; slab pages are kept. */
	CHECK_EQ(src_frees, 5000 - KMALLOC_MAX_SMALL);
	CHECK_EQ(src_errors, 0);
}

TEST(test_class_boundaries)
{
	static const struct {
		size_t size, usable;
	} t[] = {
		{ 0, 16 },     { 1, 16 },       { 16, 16 },     { 17, 32 },     { 32, 32 },
		{ 33, 64 },    { 64, 64 },      { 65, 128 },    { 128, 128 },   { 129, 256 },
		{ 256, 256 },  { 257, 512 },    { 512, 512 },   { 513, 1024 },  { 1024, 1024 },
		{ 1025, 2048 }, { 2048, 2048 }, { 2049, 4080 }, { 4080, 4080 }, { 4081, 8176 },
		{ 8176, 8176 }, { 8177, 12272 }, { 1 << 20, (1 << 20) + 4080 },
	};

	src_reset();
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		void *p = kheap_alloc(&heap, t[i].size);

		CHECK_MSG(p && kheap_usable_size(&heap, p) == t[i].usable,
			  "size %zu: usable %zu, expected %zu", t[i].size,
			  p ? kheap_usable_size(&heap, p) : 0, t[i].usable);
		if (p) {
			memset(p, 0x5a, kheap_usable_size(&heap, p));
			kheap_free(&heap, p);
		}
	}
	CHECK_EQ(heap.allocated_bytes, 0);
	CHECK_EQ(src_errors, 0);
	/* Absurd sizes fail cleanly. */
	CHECK_PTR_EQ(kheap_alloc(&heap, (size_t)1 << 41), NULL);
	CHECK_PTR_EQ(kheap_alloc(&heap, ~(size_t)0), NULL);
	CHECK_EQ(heap.allocated_bytes, 0);
}

TEST(test_free_and_reuse)
{
	void *a, *b, *c;
	unsigned long pages;

	src_reset();
	a = kheap_alloc(&heap, 100);
	b = kheap_alloc(&heap, 100);
	CHECK(a && b && a != b);
	pages = src_live_pages;
	CHECK_EQ(pages, 1);
	kheap_free(&heap, a);
	CHECK_EQ(heap.allocated_bytes, 128);
	c = kheap_alloc(&heap, 120); /* same class: gets a's slot back */
	CHECK_PTR_EQ(c, a);
	CHECK_EQ(src_live_pages, pages);
	/* A full page's worth of a class, freed and allocated again, needs no
	 * new page. 4096 - 16 bytes hold 31 objects of 128. */
	{
		void *p[31];
		int n = 0;

		kheap_free(&heap, b);
		kheap_free(&heap, c);
		for (n = 0; n < 31; n++)
			p[n] = kheap_alloc(&heap, 128);
		CHECK_EQ(src_live_pages, 1);
		CHECK(kheap_alloc(&heap, 128) != NULL); /* the 32nd needs a page */
		CHECK_EQ(src_live_pages, 2);
		for (n = 0; n < 31; n++)
			kheap_free(&heap, p[n]);
		for (n = 0; n < 31; n++)
			p[n] = kheap_alloc(&heap, 128);
		CHECK_EQ(src_live_pages, 2);
	}
	/* NULL is ignored. */
	kheap_free(&heap, NULL);
	CHECK_EQ(src_errors, 0);
}

TEST(test_large)
{
	static const size_t sizes[] = { 2049, 4080, 4081, 10000, 65536, 3 << 20 };
	void *p[sizeof(sizes) / sizeof(sizes[0])];
	size_t n = sizeof(sizes) / sizeof(sizes[0]);

	src_reset();
	for (size_t i = 0; i < n; i++) {
		struct blk *b;

		p[i] = kheap_alloc(&heap, sizes[i]);
		CHECK(p[i] != NULL);
		if (!p[i])
			return;
		b = blk_of(p[i]);
		CHECK(b && b->p + HDR == (char *)p[i]);
		CHECK(b && b->n == (sizes[i] + HDR + PGSZ - 1) / PGSZ);
		fill(p[i], kheap_usable_size(&heap, p[i]), (unsigned int)i);
	}
	CHECK_EQ(src_allocs, n);
	for (size_t i = 0; i < n; i++)
		CHECK(verify(p[i], kheap_usable_size(&heap, p[i]), (unsigned int)i));
	for (size_t i = 0; i < n; i++)
		kheap_free(&heap, p[i]);
	CHECK_EQ(src_frees, n);
	CHECK_EQ(src_live_pages, 0);
	CHECK_EQ(src_errors, 0);
	CHECK_EQ(heap.allocated_bytes, 0);
	CHECK_EQ(heap.nr_frees, n);
}

TEST(test_double_free_ignored)
{
	void *a, *b, *c, *big;
	unsigned long frees;

	src_reset();
	a = kheap_alloc(&heap, 64);
	b = kheap_alloc(&heap, 64);
	kheap_free(&heap, a);
	frees = heap.nr_frees;
	kheap_free(&heap, a); /* double free */
	CHECK_EQ(heap.nr_frees, frees);
	CHECK_EQ(heap.allocated_bytes, 64);
	/* Had a gone onto the free list twice, the next two would be equal. */
	c = kheap_alloc(&heap, 64);
	CHECK_PTR_EQ(c, a);
	{
		void *d = kheap_alloc(&heap, 64);

		CHECK(d != NULL && d != c && d != b);
		kheap_free(&heap, d);
	}
	kheap_free(&heap, b);
	kheap_free(&heap, c);
	CHECK_EQ(heap.allocated_bytes, 0);

	/* Large: the source sees exactly one free. */
	big = kheap_alloc(&heap, 10000);
	kheap_free(&heap, big);
	kheap_free(&heap, big);
	CHECK_EQ(src_frees, 1);
	CHECK_EQ(src_errors, 0);
	CHECK_EQ(heap.allocated_bytes, 0);
}

TEST(test_bad_pointers_ignored)
{
	char *foreign = aligned_alloc(PGSZ, PGSZ);
	char *p, *q, *big;
	unsigned long frees, bytes;

	src_reset();
	memset(foreign, 0, PGSZ);
	p = kheap_alloc(&heap, 64);
	q = kheap_alloc(&heap, 64);
	big = kheap_alloc(&heap, 5000);
	fill(p, 64, 1);
	fill(q, 64, 2);
	frees = heap.nr_frees;
	bytes = heap.allocated_bytes;

	/* A page the heap never handed out. */
	kheap_free(&heap, foreign + 64);
	CHECK_EQ(kheap_usable_size(&heap, foreign + 64), 0);
	/* Inside an object, and the page header itself. */
	kheap_free(&heap, p + 1);
	kheap_free(&heap, p + 8);
	kheap_free(&heap, p + 16);
	kheap_free(&heap, p + 32);
	kheap_free(&heap, (char *)((uintptr_t)p & ~(PGSZ - 1)));
	kheap_free(&heap, (char *)((uintptr_t)p & ~(PGSZ - 1)) + 8);
	/* Inside a large allocation, including its second page. */
	kheap_free(&heap, big + 16);
	kheap_free(&heap, big - 8);
	kheap_free(&heap, (char *)((uintptr_t)big & ~(PGSZ - 1)) + PGSZ);
	CHECK_EQ(heap.nr_frees, frees);
	CHECK_EQ(heap.allocated_bytes, bytes);
	CHECK_EQ(src_frees, 0);
	CHECK(verify(p, 64, 1));
	CHECK(verify(q, 64, 2));
	/* The heap still works and hands out distinct objects. */
	{
		char *r = kheap_alloc(&heap, 64), *s = kheap_alloc(&heap, 64);

		CHECK(r && s && r != s && r != p && r != q && s != p && s != q);
		kheap_free(&heap, r);
		kheap_free(&heap, s);
	}
	kheap_free(&heap, p);
	kheap_free(&heap, q);
	kheap_free(&heap, big);
	CHECK_EQ(heap.allocated_bytes, 0);
	CHECK_EQ(src_errors, 0);
	free(foreign);
}

/* The unused tail of a slab page lines up with the object grid but was never
 * an object: freeing it must be ignored, or the next allocation of that class
 * would run off the end of the page. */
TEST(test_slab_tail_not_an_object)
{
	static const size_t classes[] = { 32, 64, 128, 256, 512, 1024, 2048 };

	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		size_t sz = classes[i];
		size_t per_page = (PGSZ - HDR) / sz;
		char *page, *tail;
		unsigned long bytes;
		bool overflow = false;

		src_reset();
		page = (char *)((uintptr_t)kheap_alloc(&heap, sz) & ~(PGSZ - 1));
		tail = page + HDR + per_page * sz; /* first grid slot past the last object */
		if (tail >= page + PGSZ)
			continue; /* 16: the grid ends exactly at the page end */
		bytes = heap.allocated_bytes;
		kheap_free(&heap, tail);
		CHECK_MSG(heap.allocated_bytes == bytes, "class %zu: free of the page tail at +%zu "
			  "was accepted", sz, (size_t)(tail - page));
		/* No object handed out may cross its page. */
		for (size_t k = 0; k < per_page + 2; k++) {
			char *o = kheap_alloc(&heap, sz);

			if (o && ((uintptr_t)o % PGSZ) + sz > PGSZ)
				overflow = true;
		}
		CHECK_MSG(!overflow, "class %zu: an object crosses the end of its page", sz);
	}
	src_reset();
}

TEST(test_source_exhausted)
{
	void *p[64];
	int n = 0;

	src_reset();
	src_limit = 2;
	CHECK_PTR_EQ(kheap_alloc(&heap, 3 * PGSZ), NULL); /* needs 4 pages */
	CHECK_EQ(heap.allocated_bytes, 0);
	CHECK_EQ(heap.nr_allocs, 0);
	/* Two pages of 2048-byte objects: one object per page. */
	for (n = 0; n < 64; n++) {
		p[n] = kheap_alloc(&heap, 2048);
		if (!p[n])
			break;
	}
	CHECK_EQ(n, 2);
	CHECK_EQ(heap.nr_allocs, 2);
	CHECK_PTR_EQ(kheap_alloc(&heap, 16), NULL);
	/* Freed objects are reusable even while the source is empty. */
	kheap_free(&heap, p[0]);
	CHECK_PTR_EQ(kheap_alloc(&heap, 2000), p[0]);
	src_limit = ~0UL;
	CHECK(kheap_alloc(&heap, 16) != NULL);
	CHECK_EQ(src_errors, 0);
}

/* ---- randomized stress against a model of live objects ---- */
struct obj {
	char *p;
	size_t size, usable;
	unsigned int seed;
};

TEST(test_random_stress)
{
	static struct obj live[600];
	size_t nlive = 0;
	unsigned long bad_overlap = 0, bad_data = 0, bad_size = 0, nalloc = 0, nfree = 0;
	unsigned long expect_bytes = 0;

	src_reset();
	xt_srand(2024);
	for (unsigned int iter = 0; iter < 30000; iter++) {
		bool do_alloc = nlive == 0 || (nlive < 600 && xt_below(100) < 55);

		if (do_alloc) {
			uint64_t r = xt_below(100);
			size_t size = r < 70 ? 1 + xt_below(256) :
				      r < 95 ? 1 + xt_below(KMALLOC_MAX_SMALL) : 1 + xt_below(20000);
			char *p = kheap_alloc(&heap, size);
			struct obj *o;

			if (!p) {
				CHECK_MSG(false, "kheap_alloc(%zu) failed", size);
				break;
			}
			o = &live[nlive];
			o->p = p;
			o->size = size;
			o->usable = kheap_usable_size(&heap, p);
			o->seed = iter;
			bad_size += o->usable != expected_usable(size);
			for (size_t k = 0; k < nlive; k++)
				bad_overlap += p < live[k].p + live[k].usable && live[k].p < p + o->usable;
			fill(p, o->usable, o->seed);
			expect_bytes += size > KMALLOC_MAX_SMALL ? o->usable + HDR : o->usable;
			nlive++;
			nalloc++;
		} else {
			size_t k = xt_below(nlive);

			bad_data += !verify(live[k].p, live[k].usable, live[k].seed);
			kheap_free(&heap, live[k].p);
			expect_bytes -= live[k].size > KMALLOC_MAX_SMALL ? live[k].usable + HDR :
									   live[k].usable;
			live[k] = live[--nlive];
			nfree++;
		}
		if (iter % 1000 == 0) {
			for (size_t k = 0; k < nlive; k++)
				bad_data += !verify(live[k].p, live[k].usable, live[k].seed);
			bad_size += heap.allocated_bytes != expect_bytes;
		}
	}
	for (size_t k = 0; k < nlive; k++) {
		bad_data += !verify(live[k].p, live[k].usable, live[k].seed);
		kheap_free(&heap, live[k].p);
	}
	CHECK_EQ(bad_overlap, 0);
	CHECK_EQ(bad_data, 0);
	CHECK_EQ(bad_size, 0);
	CHECK_EQ(heap.allocated_bytes, 0);
	CHECK_EQ(heap.nr_allocs, heap.nr_frees);
	CHECK_EQ(src_errors, 0);
	CHECK(nalloc > 10000 && nfree > 10000);
	src_reset();
}

int main(void)
{
	RUN(test_init);
	RUN(test_all_sizes);
	RUN(test_class_boundaries);
	RUN(test_free_and_reuse);
	RUN(test_large);
	RUN(test_double_free_ignored);
	RUN(test_bad_pointers_ignored);
	RUN(test_slab_tail_not_an_object);
	RUN(test_source_exhausted);
	RUN(test_random_stress);
	src_reset();
	return xt_done();
}
