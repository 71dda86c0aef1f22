/* Host tests for mm/memmap.c: adding, sanitising and reserving regions of
 * the physical memory map. */
#include "kx.h"
#include <kernel/errno.h>
#include <kernel/memmap.h>
#include <string.h>
#include "test.h"

#define KB 1024ULL
#define MB (1024ULL * KB)
#define GB (1024ULL * MB)
#define PG 4096ULL

static struct memmap m;

static void reset(void)
{
	memset(&m, 0xa5, sizeof(m));
	m.nr = 0;
	m.dropped = 0;
	m.lost_ram = 0;
}

#define RAM MEM_RAM
#define RES MEM_RESERVED
#define ACPI MEM_ACPI
#define NVS MEM_NVS
#define BAD MEM_UNUSABLE
#define KRN MEM_KERNEL

struct reg {
	u64 base, size;
	u32 type;
};

static void add_all(const struct reg *r, int n)
{
	for (int i = 0; i < n; i++)
		memmap_add(&m, r[i].base, r[i].size, r[i].type);
}

static void dump(void)
{
	for (unsigned int i = 0; i < m.nr && i < 16; i++)
		printf("    [%u] %#llx-%#llx %s\n", i, (unsigned long long)m.r[i].base,
		       (unsigned long long)(m.r[i].base + m.r[i].size),
		       memmap_type_name(m.r[i].type));
}

static void expect_map(const char *file, int line, const struct reg *w, int nw)
{
	bool ok = m.nr == (unsigned int)nw;

	for (int i = 0; ok && i < nw; i++)
		ok = m.r[i].base == w[i].base && m.r[i].size == w[i].size &&
		     m.r[i].type == w[i].type;
	if (!xt_check(ok, file, line, "memory map differs (%u regions, expected %d):", m.nr, nw)) {
		dump();
		printf("    expected:\n");
		for (int i = 0; i < nw; i++)
			printf("    [%d] %#llx-%#llx %s\n", i, (unsigned long long)w[i].base,
			       (unsigned long long)(w[i].base + w[i].size),
			       memmap_type_name(w[i].type));
	}
}

#define EXPECT_MAP(...)                                                                   \
	do {                                                                              \
		static const struct reg w_[] = { __VA_ARGS__ };                           \
		expect_map(__FILE__, __LINE__, w_, (int)(sizeof(w_) / sizeof(w_[0])));    \
	} while (0)
#define EXPECT_EMPTY() expect_map(__FILE__, __LINE__, NULL, 0)

#define SANITIZE(...)                                                                     \
	do {                                                                              \
		static const struct reg in_[] = { __VA_ARGS__ };                          \
		reset();                                                                  \
		add_all(in_, (int)(sizeof(in_) / sizeof(in_[0])));                        \
		memmap_sanitize(&m);                                                      \
	} while (0)

TEST(test_add_validation)
{
	reset();
	CHECK_EQ(memmap_add(&m, 0, PG, RAM), 0);
	CHECK_EQ(m.nr, 1);
	CHECK_EQ(m.r[0].base, 0);
	CHECK_EQ(m.r[0].size, PG);
	CHECK_EQ(m.r[0].type, RAM);
	CHECK_EQ(m.dropped, 0);

	/* Zero size. */
	CHECK_EQ(memmap_add(&m, 0x1000, 0, RAM), -EINVAL);
	CHECK_EQ(m.dropped, 1);
	/* Wrapping past 2^64. */
	CHECK_EQ(memmap_add(&m, ~0ULL - 0xfff, 0x2000, RAM), -EINVAL);
	CHECK_EQ(memmap_add(&m, 1, ~0ULL, RES), -EINVAL);
	CHECK_EQ(memmap_add(&m, ~0ULL, ~0ULL, RES), -EINVAL);
	/* Ending exactly at 2^64 is not representable either. */
	CHECK_EQ(memmap_add(&m, ~0ULL - 0xfff, 0x1000, RES), -EINVAL);
	/* Unknown types. */
	CHECK_EQ(memmap_add(&m, 0x1000, PG, 0), -EINVAL);
	CHECK_EQ(memmap_add(&m, 0x1000, PG, 6), -EINVAL);
	CHECK_EQ(memmap_add(&m, 0x1000, PG, 0xffffffffu), -EINVAL);
	CHECK_EQ(m.dropped, 8);
	CHECK_EQ(m.nr, 1);

	/* The largest representable region is fine. */
	CHECK_EQ(memmap_add(&m, 0, ~0ULL, RES), 0);
	CHECK_EQ(memmap_add(&m, ~0ULL - 0x1000, 0x1000, RES), 0);
	CHECK_EQ(m.nr, 3);
	CHECK_EQ(m.dropped, 8);
}

TEST(test_add_overflow)
{
	reset();
	for (unsigned int i = 0; i < MEMMAP_MAX; i++)
		CHECK_EQ(memmap_add(&m, (u64)i * 2 * PG, PG, RAM), 0);
	CHECK_EQ(m.nr, MEMMAP_MAX);
	CHECK_EQ(m.dropped, 0);
	CHECK_EQ(memmap_add(&m, 1 * GB, PG, RAM), -ENOSPC);
	CHECK_EQ(memmap_add(&m, 2 * GB, PG, RES), -ENOSPC);
	CHECK_EQ(m.nr, MEMMAP_MAX);
	CHECK_EQ(m.dropped, 2);
	/* An invalid entry when full is still counted once. */
	CHECK_EQ(memmap_add(&m, 0, 0, RES), -EINVAL);
	CHECK_EQ(m.dropped, 3);
	/* Sanitising a full map keeps all of it (no merges possible here). */
	memmap_sanitize(&m);
	CHECK_EQ(m.nr, MEMMAP_MAX);
	CHECK_EQ(m.dropped, 3);
	CHECK_EQ(memmap_ram_total(&m), MEMMAP_MAX * PG);
}

TEST(test_sanitize_basic)
{
	reset();
	memmap_sanitize(&m);
	EXPECT_EMPTY();
	CHECK_EQ(memmap_ram_total(&m), 0);
	CHECK_EQ(memmap_ram_end(&m), 0);

	SANITIZE({ 0x100000, 0x7f00000, RAM });
	EXPECT_MAP({ 0x100000, 0x7f00000, RAM });

	/* Unsorted, non-overlapping input comes out sorted. */
	SANITIZE({ 0x100000, 0x700000, RAM }, { 0xf0000, 0x10000, RES }, { 0, 0x9f000, RAM },
		 { 0xfee00000, 0x1000, RES });
	EXPECT_MAP({ 0, 0x9f000, RAM }, { 0xf0000, 0x10000, RES }, { 0x100000, 0x700000, RAM },
		   { 0xfee00000, 0x1000, RES });
	CHECK_EQ(memmap_ram_total(&m), 0x9f000 + 0x700000);
	CHECK_EQ(memmap_ram_end(&m), 0x800000);
}

TEST(test_sanitize_merge)
{
	/* Adjacent regions of one type merge. */
	SANITIZE({ 0x1000, 0x1000, RAM }, { 0x2000, 0x3000, RAM }, { 0, 0x1000, RAM });
	EXPECT_MAP({ 0, 0x5000, RAM });
	SANITIZE({ 0x10000, 0x800, RES }, { 0x10800, 0x800, RES });
	EXPECT_MAP({ 0x10000, 0x1000, RES });
	/* Overlapping regions of one type merge into their union. */
	SANITIZE({ 0, 0x8000, RAM }, { 0x4000, 0x8000, RAM }, { 0x2000, 0x1000, RAM });
	EXPECT_MAP({ 0, 0xc000, RAM });
	/* Duplicates. */
	SANITIZE({ 0x1000, 0x1000, ACPI }, { 0x1000, 0x1000, ACPI });
	EXPECT_MAP({ 0x1000, 0x1000, ACPI });
	/* Different types do not merge, holes are kept. */
	SANITIZE({ 0, 0x1000, RAM }, { 0x1000, 0x1000, RES }, { 0x2000, 0x1000, ACPI },
		 { 0x4000, 0x1000, ACPI });
	EXPECT_MAP({ 0, 0x1000, RAM }, { 0x1000, 0x1000, RES }, { 0x2000, 0x1000, ACPI },
		   { 0x4000, 0x1000, ACPI });
}

TEST(test_sanitize_overlap_priority)
{
	/* Reserved inside RAM wins and splits it. */
	SANITIZE({ 0, 0x100000, RAM }, { 0x9f000, 0x61000, RES });
	EXPECT_MAP({ 0, 0x9f000, RAM }, { 0x9f000, 0x61000, RES });
	SANITIZE({ 0x9f000, 0x1000, RES }, { 0, 0x100000, RAM });
	EXPECT_MAP({ 0, 0x9f000, RAM }, { 0x9f000, 0x1000, RES }, { 0xa0000, 0x60000, RAM });
	/* Reserved over both edges of RAM. */
	SANITIZE({ 0x10000, 0x10000, RAM }, { 0x8000, 0x10000, RES }, { 0x1c000, 0x10000, NVS });
	EXPECT_MAP({ 0x8000, 0x10000, RES }, { 0x18000, 0x4000, RAM }, { 0x1c000, 0x10000, NVS });
	/* Reserved covering RAM completely: no RAM left. */
	SANITIZE({ 0x10000, 0x1000, RAM }, { 0, 0x100000, RES });
	EXPECT_MAP({ 0, 0x100000, RES });
	CHECK_EQ(memmap_ram_total(&m), 0);
	CHECK_EQ(memmap_ram_end(&m), 0);
	/* Among non-RAM types the larger number wins. */
	SANITIZE({ 0, 0x4000, RES }, { 0x1000, 0x1000, ACPI });
	EXPECT_MAP({ 0, 0x1000, RES }, { 0x1000, 0x1000, ACPI }, { 0x2000, 0x2000, RES });
	SANITIZE({ 0x1000, 0x1000, RES }, { 0, 0x4000, ACPI });
	EXPECT_MAP({ 0, 0x4000, ACPI });
	SANITIZE({ 0, 0x3000, NVS }, { 0x1000, 0x3000, ACPI }, { 0x2000, 0x800, BAD },
		 { 0, 0x10000, RAM });
	EXPECT_MAP({ 0, 0x2000, NVS }, { 0x2000, 0x800, BAD }, { 0x2800, 0x800, NVS },
		   { 0x3000, 0x1000, ACPI }, { 0x4000, 0xc000, RAM });
}

TEST(test_sanitize_page_trim)
{
	/* RAM is trimmed inwards to whole pages. */
	SANITIZE({ 0x100, 0x2000, RAM });
	EXPECT_MAP({ 0x1000, 0x1000, RAM });
	SANITIZE({ 0x1000, 0x1fff, RAM });
	EXPECT_MAP({ 0x1000, 0x1000, RAM });
	/* Less than a page: gone. */
	SANITIZE({ 0x100, 0x800, RAM });
	EXPECT_EMPTY();
	SANITIZE({ 0x1001, 0x1ffe, RAM });
	EXPECT_EMPTY();
	/* Non-RAM is not trimmed. */
	SANITIZE({ 0x100, 0x800, RES }, { 0x2345, 0x10, ACPI });
	EXPECT_MAP({ 0x100, 0x800, RES }, { 0x2345, 0x10, ACPI });
	/* RAM cut at an unaligned reserved boundary loses the partial pages. */
	SANITIZE({ 0, 0x10000, RAM }, { 0x1800, 0x1000, RES });
	EXPECT_MAP({ 0, 0x1000, RAM }, { 0x1800, 0x1000, RES }, { 0x3000, 0xd000, RAM });
	CHECK_EQ(memmap_ram_total(&m), 0xe000);
	/* At the very top of the address space. */
	SANITIZE({ ~0ULL - 0x2000, 0x2000, RAM });
	EXPECT_MAP({ ~0ULL - 0x1fff, 0x1000, RAM });
	SANITIZE({ ~0ULL - 0xffe, 0xffe, RAM });
	EXPECT_EMPTY();
	/* Invalid entries never reach the map. */
	SANITIZE({ 0, 0x2000, RAM }, { 0x1000, 0, RES }, { ~0ULL, 2, RES });
	EXPECT_MAP({ 0, 0x2000, RAM });
	CHECK_EQ(m.dropped, 2);
}

TEST(test_sanitize_too_many_pieces)
{
	/* One big RAM region with 127 holes punched: 255 pieces. The lowest
	 * MEMMAP_MAX are kept, the rest counted as dropped, and no kept RAM
	 * region overlaps a dropped reservation (they are all above). */
	reset();
	CHECK_EQ(memmap_add(&m, 0, 1 * GB, RAM), 0);
	for (unsigned int i = 1; i < MEMMAP_MAX; i++)
		CHECK_EQ(memmap_add(&m, (u64)i * 2 * MB, PG, RES), 0);
	memmap_sanitize(&m);
	CHECK_EQ(m.nr, MEMMAP_MAX);
	CHECK_EQ(m.dropped, 2 * MEMMAP_MAX - 1 - MEMMAP_MAX);
	CHECK_EQ(m.r[0].base, 0);
	CHECK_EQ(m.r[0].type, RAM);
	for (unsigned int i = 1; i < m.nr; i++)
		CHECK_MSG(m.r[i].base >= m.r[i - 1].base + m.r[i - 1].size &&
				  m.r[i].type == (i % 2 ? RES : RAM),
			  "region %u", i);
	/* The last kept piece is RES #64 at 128 MiB; nothing above it. */
	CHECK_EQ(m.r[m.nr - 1].base, 128 * MB);
	CHECK_EQ(memmap_ram_end(&m), 128 * MB);
}

TEST(test_reserve)
{
	/* A hole in the middle of RAM. */
	SANITIZE({ 0, 128 * MB, RAM });
	memmap_reserve(&m, 1 * MB, 1 * MB);
	EXPECT_MAP({ 0, 1 * MB, RAM }, { 1 * MB, 1 * MB, KRN }, { 2 * MB, 126 * MB, RAM });
	CHECK_EQ(memmap_ram_total(&m), 127 * MB);
	CHECK_EQ(memmap_ram_end(&m), 128 * MB);

	/* A second, unaligned hole: every page it touches is taken. */
	memmap_reserve(&m, 64 * MB + 0x800, 0x1000);
	EXPECT_MAP({ 0, 1 * MB, RAM }, { 1 * MB, 1 * MB, KRN }, { 2 * MB, 62 * MB, RAM },
		   { 64 * MB, 0x2000, KRN }, { 64 * MB + 0x2000, 64 * MB - 0x2000, RAM });

	/* Reserving what is reserved changes nothing; adjacent reservations merge. */
	memmap_reserve(&m, 1 * MB, 0x1000);
	memmap_reserve(&m, 2 * MB, 1 * MB);
	EXPECT_MAP({ 0, 1 * MB, RAM }, { 1 * MB, 2 * MB, KRN }, { 3 * MB, 61 * MB, RAM },
		   { 64 * MB, 0x2000, KRN }, { 64 * MB + 0x2000, 64 * MB - 0x2000, RAM });

	/* The top of RAM. */
	memmap_reserve(&m, 127 * MB, 1 * MB);
	CHECK_EQ(memmap_ram_end(&m), 127 * MB);

	/* Size 0: nothing. */
	{
		unsigned int nr = m.nr;

		memmap_reserve(&m, 5 * MB, 0);
		CHECK_EQ(m.nr, nr);
		CHECK_EQ(memmap_ram_total(&m), 1 * MB + 61 * MB + 63 * MB - 0x2000);
	}
	/* A range wrapping past 2^64 reserves up to the top; it is neither
	 * refused nor counted as dropped. */
	{
		unsigned int d = m.dropped;

		memmap_reserve(&m, 100 * MB, ~0ULL);
		CHECK_EQ(m.dropped, d);
		CHECK_EQ(memmap_ram_end(&m), 100 * MB);
		CHECK_EQ(memmap_ram_total(&m), 1 * MB + 61 * MB + 36 * MB - 0x2000);
	}

	/* Everything: the RAM becomes the kernel's, the space above stays a hole. */
	memmap_reserve(&m, 0, 1 * GB);
	EXPECT_MAP({ 0, 128 * MB, KRN });
	CHECK_EQ(memmap_ram_total(&m), 0);
}

TEST(test_reserve_leaves_non_ram)
{
	/* Holes and firmware regions inside the range stay what they were. */
	SANITIZE({ 0, 0x9f000, RAM }, { 0x9f000, 0x1000, RES }, { 0xf0000, 0x10000, RES },
		 { 1 * MB, 7 * MB, RAM }, { 8 * MB, 0x10000, ACPI }, { 8 * MB + 0x10000, 1 * MB, RAM });
	memmap_reserve(&m, 0, 8 * MB + 0x18000);
	EXPECT_MAP({ 0, 0x9f000, KRN }, { 0x9f000, 0x1000, RES }, { 0xf0000, 0x10000, RES },
		   { 1 * MB, 7 * MB, KRN }, { 8 * MB, 0x10000, ACPI },
		   { 8 * MB + 0x10000, 0x8000, KRN }, { 8 * MB + 0x18000, 1 * MB - 0x8000, RAM });
	/* Firmware wins over the kernel's claim if it comes later. */
	memmap_add(&m, 0, 0x1000, NVS);
	memmap_sanitize(&m);
	CHECK_EQ(m.r[0].type, NVS);
	CHECK_EQ(m.r[1].base, 0x1000);
	CHECK_EQ(m.r[1].type, KRN);
	/* Loaders cannot claim the kernel's type. */
	CHECK_EQ(memmap_add(&m, 64 * MB, PG, KRN), -EINVAL);
}

/* True if any RAM region overlaps [lo, hi). */
static bool ram_overlaps(u64 lo, u64 hi)
{
	for (unsigned int i = 0; i < m.nr; i++)
		if (m.r[i].type == RAM && m.r[i].base < hi && m.r[i].base + m.r[i].size > lo)
			return true;
	return false;
}

TEST(test_reserve_full_map)
{
	/* A full map of RAM pieces with gaps between them. */
	reset();
	for (unsigned int i = 0; i < MEMMAP_MAX; i++)
		CHECK_EQ(memmap_add(&m, (u64)i * 2 * MB, (i == 7 ? 1 : 4) * PG, RAM), 0);
	memmap_sanitize(&m);
	CHECK_EQ(m.nr, MEMMAP_MAX);
	/* Splitting the region at 20 MiB needs two more slots: the two
	 * smallest RAM regions go (the one-page piece at 14 MiB, then one of
	 * the one-page remainders), and the reservation takes effect. */
	memmap_reserve(&m, 20 * MB + PG, PG);
	CHECK_EQ(m.nr, MEMMAP_MAX);
	CHECK(!ram_overlaps(20 * MB + PG, 20 * MB + 2 * PG));
	CHECK_EQ(m.dropped, 2);
	CHECK_EQ(m.lost_ram, 2 * PG);
	CHECK_EQ(memmap_ram_total(&m), (u64)(MEMMAP_MAX - 1) * 4 * PG + PG - 1 * PG - 2 * PG);
	CHECK(!ram_overlaps(14 * MB, 14 * MB + PG));
	{
		bool found = false;

		for (unsigned int i = 0; i < m.nr; i++)
			found |= m.r[i].base == 20 * MB + PG && m.r[i].size == PG &&
				 m.r[i].type == KRN;
		CHECK(found);
	}
	/* The map is still sane: sorted, disjoint, adjacent types differ. */
	for (unsigned int i = 1; i < m.nr; i++)
		CHECK_MSG(m.r[i - 1].base + m.r[i - 1].size <= m.r[i].base &&
				  (m.r[i - 1].base + m.r[i - 1].size < m.r[i].base ||
				   m.r[i - 1].type != m.r[i].type),
			  "regions %u and %u", i - 1, i);

	/* Every later reservation still takes effect, however full the map. */
	for (unsigned int k = 0; k < 40; k++) {
		u64 a = (u64)(k * 7 % MEMMAP_MAX) * 2 * MB + PG;

		memmap_reserve(&m, a, 0x10);
		CHECK_MSG(!ram_overlaps(a, a + 0x10), "reservation %u at %#llx", k,
			  (unsigned long long)a);
		CHECK(m.nr <= MEMMAP_MAX);
	}
}

TEST(test_carve)
{
	u64 base = 0;

	/* Lowest RAM that holds it: the 1 MiB region is too small. */
	SANITIZE({ 0, 1 * MB, RAM }, { 4 * MB, 16 * MB, RAM }, { 64 * MB, 64 * MB, RAM });
	CHECK_EQ(memmap_carve(&m, 2 * MB, 0, &base), 0);
	CHECK_EQ(base, 4 * MB);
	EXPECT_MAP({ 0, 1 * MB, RAM }, { 4 * MB, 2 * MB, KRN }, { 6 * MB, 14 * MB, RAM },
		   { 64 * MB, 64 * MB, RAM });
	/* Partial pages count as whole ones; small enough for the lowest RAM. */
	CHECK_EQ(memmap_carve(&m, 0x1800, 0, &base), 0);
	CHECK_EQ(base, 0);
	EXPECT_MAP({ 0, 0x2000, KRN }, { 0x2000, 1 * MB - 0x2000, RAM }, { 4 * MB, 2 * MB, KRN },
		   { 6 * MB, 14 * MB, RAM }, { 64 * MB, 64 * MB, RAM });

	/* The whole range must lie below the limit, not just its first page:
	 * 8 MiB from 6 MiB would end above 12 MiB. */
	base = 1;
	CHECK_EQ(memmap_carve(&m, 8 * MB, 12 * MB, &base), -ENOMEM);
	CHECK_EQ(base, 1);
	CHECK_EQ(memmap_ram_total(&m), 1 * MB - 0x2000 + 14 * MB + 64 * MB);
	/* It fits exactly up to the limit. */
	CHECK_EQ(memmap_carve(&m, 6 * MB, 12 * MB, &base), 0);
	CHECK_EQ(base, 6 * MB);
	CHECK(!ram_overlaps(6 * MB, 12 * MB));
	/* A limit inside a region that starts below it. */
	CHECK_EQ(memmap_carve(&m, 64 * MB, 100 * MB, &base), -ENOMEM);
	CHECK_EQ(memmap_carve(&m, 32 * MB, 100 * MB, &base), 0);
	CHECK_EQ(base, 64 * MB);
	/* Too big for anything, zero, or wrapping. */
	CHECK_EQ(memmap_carve(&m, 1 * GB, 0, &base), -ENOMEM);
	CHECK_EQ(memmap_carve(&m, 0, 0, &base), -EINVAL);
	CHECK_EQ(memmap_carve(&m, ~0ULL, 0, &base), -EINVAL);
}

TEST(test_totals)
{
	SANITIZE({ 4 * GB, 4 * GB, RAM }, { 0, 0x9f000, RAM }, { 1 * MB, 3 * GB - 1 * MB, RAM },
		 { 0xfec00000, 0x1400000, RES }, { 16 * GB, 1 * GB, RES });
	CHECK_EQ(memmap_ram_total(&m), 0x9f000 + 3 * GB - 1 * MB + 4 * GB);
	/* Reserved regions above RAM do not count. */
	CHECK_EQ(memmap_ram_end(&m), 8 * GB);
}

TEST(test_type_names)
{
	CHECK_STR(memmap_type_name(MEM_RAM), "usable");
	CHECK_STR(memmap_type_name(MEM_RESERVED), "reserved");
	CHECK_STR(memmap_type_name(MEM_ACPI), "ACPI data");
	CHECK_STR(memmap_type_name(MEM_NVS), "ACPI NVS");
	CHECK_STR(memmap_type_name(MEM_UNUSABLE), "unusable");
	CHECK_STR(memmap_type_name(MEM_KERNEL), "kernel");
	CHECK_STR(memmap_type_name(0), "unknown");
	CHECK_STR(memmap_type_name(99), "unknown");
}

/* ---- randomized, against a granule-by-granule reference model ---- */
#define GRAN 0x400ULL  /* 1 KiB: a quarter page, so trimming matters */
#define NGRAN 512      /* 512 KiB of address space */

static int rank(u32 t)
{
	return t == MEM_RAM ? 0 : t == MEM_KERNEL ? 1 : (int)t;
}

/* What sanitising does to the model: every maximal run of RAM granules
 * loses its partial pages at both ends. */
static void model_trim(u32 *g)
{
	for (int i = 0; i < NGRAN;) {
		int j = i;

		while (j < NGRAN && g[j] == g[i])
			j++;
		if (g[i] == MEM_RAM)
			for (int k = i; k < j; k++) {
				u64 lo = (u64)k * GRAN, hi = lo + GRAN;

				if (lo < (((u64)i * GRAN + PG - 1) & ~(PG - 1)) ||
				    hi > (((u64)j * GRAN) & ~(PG - 1)))
					g[k] = 0;
			}
		i = j;
	}
}

/* Expected map from the per-granule winning type (0 = nothing). */
static int model_map(const u32 *g, struct reg *out)
{
	int n = 0;

	for (int i = 0; i < NGRAN;) {
		int j = i;
		u64 lo, hi;

		while (j < NGRAN && g[j] == g[i])
			j++;
		lo = (u64)i * GRAN;
		hi = (u64)j * GRAN;
		if (g[i] == MEM_RAM) {
			lo = (lo + PG - 1) & ~(PG - 1);
			hi &= ~(PG - 1);
		}
		if (g[i] && hi > lo) {
			out[n].base = lo;
			out[n].size = hi - lo;
			out[n].type = g[i];
			n++;
		}
		i = j;
	}
	return n;
}

TEST(test_random_against_model)
{
	static u32 g[NGRAN];
	static struct reg want[NGRAN];
	unsigned long bad = 0, bad_idem = 0, bad_totals = 0;

	xt_srand(4242);
	for (int iter = 0; iter < 3000; iter++) {
		int nadd = 1 + (int)xt_below(40);
		unsigned int dropped = 0;
		int nw;
		bool same;

		reset();
		memset(g, 0, sizeof(g));
		for (int k = 0; k < nadd; k++) {
			u64 a = xt_below(NGRAN), len = xt_below(NGRAN / 4);
			u32 t = (u32)(1 + xt_below(5));

			if (xt_below(4) == 0)
				t = MEM_RAM; /* plenty of RAM */
			if (a + len > NGRAN)
				len = NGRAN - a;
			if (xt_below(30) == 0) {
				/* Invalid entries are dropped and change nothing. */
				memmap_add(&m, a * GRAN, 0, t);
				dropped++;
				continue;
			}
			if (len == 0)
				len = 1;
			if (xt_below(10) == 0 && k > 0) {
				/* Interleave reservations. They sanitize first:
				 * partial RAM pages are gone for good. Then
				 * every RAM granule in the pages the range
				 * touches becomes the kernel's. */
				u64 plo = (a * GRAN) / PG * PG / GRAN;
				u64 phi = ((a + len) * GRAN + PG - 1) / PG * PG / GRAN;

				memmap_reserve(&m, a * GRAN, len * GRAN);
				model_trim(g);
				for (u64 i = plo; i < phi && i < NGRAN; i++)
					if (g[i] == MEM_RAM)
						g[i] = MEM_KERNEL;
				continue;
			}
			memmap_add(&m, a * GRAN, len * GRAN, t);
			for (u64 i = a; i < a + len; i++)
				if (!g[i] || rank(t) > rank(g[i]))
					g[i] = t;
		}
		memmap_sanitize(&m);
		nw = model_map(g, want);
		same = m.nr == (unsigned int)nw && m.dropped == dropped;
		for (int i = 0; same && i < nw; i++)
			same = m.r[i].base == want[i].base && m.r[i].size == want[i].size &&
			       m.r[i].type == want[i].type;
		if (!same && bad++ < 3) {
			CHECK_MSG(false, "iteration %d: map differs from model (%u vs %d regions)", iter,
				  m.nr, nw);
			dump();
		}
		{
			u64 total = 0, end = 0;

			for (int i = 0; i < nw; i++)
				if (want[i].type == MEM_RAM) {
					total += want[i].size;
					end = want[i].base + want[i].size;
				}
			bad_totals += memmap_ram_total(&m) != total || memmap_ram_end(&m) != end;
		}
		/* Sanitising again changes nothing. */
		{
			static struct memmap copy;

			memcpy(&copy, &m, sizeof(m));
			memmap_sanitize(&m);
			bad_idem += m.nr != copy.nr ||
				    memcmp(m.r, copy.r, m.nr * sizeof(m.r[0])) != 0;
		}
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(bad_totals, 0);
	CHECK_EQ(bad_idem, 0);
}

int main(void)
{
	RUN(test_add_validation);
	RUN(test_add_overflow);
	RUN(test_sanitize_basic);
	RUN(test_sanitize_merge);
	RUN(test_sanitize_overlap_priority);
	RUN(test_sanitize_page_trim);
	RUN(test_sanitize_too_many_pieces);
	RUN(test_reserve);
	RUN(test_reserve_leaves_non_ram);
	RUN(test_reserve_full_map);
	RUN(test_carve);
	RUN(test_totals);
	RUN(test_type_names);
	RUN(test_random_against_model);
	return xt_done();
}
