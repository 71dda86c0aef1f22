/* Self-tests for the direct map's coverage and for vmap_phys() and
 * pgt_map_range() on bad input and failure. */
#include <kernel/ktest.h>
#include <kernel/mm.h>
#include <kernel/boot.h>
#include <kernel/memmap.h>
#include <kernel/errno.h>
#include <asm/paravirt.h>
#include <asm/traps.h>

/* Away from the page-table suite's addresses in the self-test half. */
#define MM_TEST_VA (VMAP_BASE + VMAP_SIZE / 2 + 0x18000000UL)

static bool mapped(phys_addr_t pa)
{
	phys_addr_t got;
	u64 flags;

	return !pgt_lookup((unsigned long)__va(pa), &got, &flags) && got == pa;
}

/* The memory-map type at pa, 0 for a hole. */
static u32 type_at(phys_addr_t pa)
{
	const struct memmap *m = &boot_info.memmap;

	for (unsigned int i = 0; i < m->nr; i++)
		if (pa >= m->r[i].base && pa - m->r[i].base < m->r[i].size)
			return m->r[i].type;
	return 0;
}

static bool ram_like(u32 type)
{
	return type == MEM_RAM || type == MEM_KERNEL;
}

/* No page that holds any RAM, ACPI or NVS byte: such a page may be
 * mapped because of its neighbour. */
static bool page_all_unmappable(phys_addr_t pa)
{
	for (phys_addr_t p = pa; p < pa + PAGE_SIZE; p += 0x400) {
		u32 ty = type_at(p);

		if (ram_like(ty) || ty == MEM_ACPI || ty == MEM_NVS)
			return false;
	}
	return true;
}

/* The LAPIC page and the legacy VGA/BIOS window are MMIO or ROM unless
 * the memory map says RAM: they must not be in the write-back direct map. */
static void direct_map_skips_mmio(struct ktest *t)
{
	static const phys_addr_t probes[] = { 0xfee00000, 0xfec00000, 0xa0000, 0xb8000, 0xc0000 };
	unsigned int checked = 0;

	for (unsigned int i = 0; i < ARRAY_SIZE(probes); i++) {
		if (!page_all_unmappable(probes[i]))
			continue;
		checked++;
		if (mapped(probes[i]))
			ktest_fail(t, __FILE__, __LINE__, "MMIO/hole page %#llx is in the direct map",
				   (unsigned long long)probes[i]);
	}
	KT_EXPECT(t, checked > 0);
}

/* Every region of the map: RAM in (writable), ACPI/NVS in read-only where
 * firmware tables can be (not under Xen PV), holes and reserved out. */
static void direct_map_follows_memmap(struct ktest *t)
{
	const struct memmap *m = &boot_info.memmap;
	phys_addr_t limit = (phys_addr_t)CONFIG_PHYS_MEM_MAX_GB << 30;
	phys_addr_t got;
	u64 flags;

	for (unsigned int i = 0; i < m->nr; i++) {
		const struct mem_region *r = &m->r[i];
		phys_addr_t first = ALIGN_UP(r->base, PAGE_SIZE);
		phys_addr_t last = ALIGN_DOWN(r->base + r->size - 1, PAGE_SIZE);

		if (first > last || last >= limit)
			continue;
		if (ram_like(r->type)) {
			KT_EXPECT(t, mapped(first) && mapped(last));
			/* Xen PV maps page-table pages read-only, wherever
			 * they are: only natively is all of RAM writable. */
			if (!pgt_lookup((unsigned long)__va(first), &got, &flags))
				KT_EXPECT(t, (flags & PTE_NX) &&
					     ((flags & PTE_W) || !pv_ops->mmu->large_pages));
		} else if (r->type == MEM_ACPI || r->type == MEM_NVS) {
			if (!pv_ops->mmu->large_pages)
				continue; /* Xen PV: no frames behind them */
			/* The direct map ends with RAM (mm_init); tables above
			 * it (a PVH domU's at 0xfc000000) are mapped only
			 * while acpi.c reads them. */
			if (first >= memmap_ram_end(m))
				continue;
			KT_EXPECT(t, mapped(first));
			if (!pgt_lookup((unsigned long)__va(first), &got, &flags))
				KT_EXPECT(t, !(flags & PTE_W));
		} else if (page_all_unmappable(first)) {
			if (mapped(first))
				ktest_fail(t, __FILE__, __LINE__, "%s page %#llx is in the direct map",
					   memmap_type_name(r->type), (unsigned long long)first);
		}
	}
}

static void vmap_zero_size(struct ktest *t)
{
	void *p = alloc_pages(1);

	KT_ASSERT(t, p);
	KT_EXPECT(t, vmap_phys(__pa(p), 0, PAGE_KERNEL | PTE_NX) == NULL);
	KT_EXPECT(t, ioremap(0xfee00000, 0) == NULL);
	KT_EXPECT_EQ(t, pgt_map_range(MM_TEST_VA, __pa(p), 0, PAGE_KERNEL), -EINVAL);
	KT_EXPECT_EQ(t, vunmap(p, 0), -EINVAL);
	free_pages(p, 1);
}

/* Sizes whose page rounding or offset arithmetic would wrap, or that are
 * larger than the area: refused, and no address space used up. */
static void vmap_absurd_size(struct ktest *t)
{
	void *page = alloc_pages(1);
	phys_addr_t pa;
	u8 *a, *b;

	KT_ASSERT(t, page);
	pa = __pa(page);
	a = vmap_phys(pa, PAGE_SIZE, PAGE_KERNEL | PTE_NX);
	KT_ASSERT(t, a);
	KT_EXPECT_EQ(t, vunmap(a, PAGE_SIZE), 0);

	KT_EXPECT(t, vmap_phys(pa, ~0UL, PAGE_KERNEL | PTE_NX) == NULL);
	KT_EXPECT(t, vmap_phys(pa + 0xff0, ~0UL - 0xfe0, PAGE_KERNEL | PTE_NX) == NULL);
	KT_EXPECT(t, vmap_phys(pa + 0xff0, ~0UL - 0x1000 + 1, PAGE_KERNEL | PTE_NX) == NULL);
	KT_EXPECT(t, vmap_phys(pa, VMAP_SIZE, PAGE_KERNEL | PTE_NX) == NULL);
	KT_EXPECT(t, ioremap(~0ULL & ~0xfffULL, PAGE_SIZE) == NULL);
	KT_EXPECT(t, ioremap(1ULL << 52, PAGE_SIZE) == NULL);
	KT_EXPECT_EQ(t, pgt_map_range(MM_TEST_VA, pa, ~0UL, PAGE_KERNEL), -EINVAL);
	KT_EXPECT_EQ(t, pgt_map_range(MM_TEST_VA, pa, ~0UL - MM_TEST_VA + 1, PAGE_KERNEL), -EINVAL);

	/* Nothing consumed: the next mapping lands where the first did. */
	b = vmap_phys(pa, PAGE_SIZE, PAGE_KERNEL | PTE_NX);
	KT_EXPECT(t, b == a);
	if (b) {
		b[5] = 0x77;
		KT_EXPECT_EQ(t, ((u8 *)page)[5], 0x77);
		KT_EXPECT_EQ(t, vunmap(b, PAGE_SIZE), 0);
	}
	/* vunmap only takes vmap mappings. */
	KT_EXPECT_EQ(t, vunmap(page, PAGE_SIZE), -EINVAL);
	free_pages(page, 1);
}

/* A mapping that runs into something already mapped fails whole: the
 * pages before the collision are gone again, the collision stays. */
static void map_range_rolls_back(struct ktest *t)
{
	enum { N = 12, HIT = 7 };
	u8 *buf = alloc_pages(N), *other = alloc_pages(1);
	phys_addr_t got;
	u64 flags, v;
	int bad = 0;

	KT_ASSERT(t, buf && other);
	KT_ASSERT(t, pgt_map_range(MM_TEST_VA + HIT * PAGE_SIZE, __pa(other), PAGE_SIZE,
				   PAGE_KERNEL | PTE_NX) == 0);
	KT_EXPECT_EQ(t, pgt_map_range(MM_TEST_VA, __pa(buf), N * PAGE_SIZE, PAGE_KERNEL | PTE_NX),
		     -EEXIST);
	for (int i = 0; i < N; i++)
		if (i != HIT)
			bad += pgt_lookup(MM_TEST_VA + i * PAGE_SIZE, &got, &flags) != -ENOENT;
	KT_EXPECT_EQ(t, bad, 0);
	/* Nothing stale in the TLB either. */
	KT_EXPECT_EQ(t, safe_read_u64((const void *)MM_TEST_VA, &v), -EFAULT);
	KT_EXPECT_EQ(t, pgt_lookup(MM_TEST_VA + HIT * PAGE_SIZE, &got, &flags), 0);
	KT_EXPECT_EQ(t, got, __pa(other));

	/* The same through vmap_phys-sized unmapping of a range. */
	KT_EXPECT_EQ(t, pgt_unmap_range(MM_TEST_VA, N * PAGE_SIZE), 0);
	KT_EXPECT_EQ(t, pgt_lookup(MM_TEST_VA + HIT * PAGE_SIZE, &got, &flags), -ENOENT);
	/* And now the whole range maps. */
	KT_EXPECT_EQ(t, pgt_map_range(MM_TEST_VA, __pa(buf), N * PAGE_SIZE, PAGE_KERNEL | PTE_NX), 0);
	KT_EXPECT_EQ(t, pgt_lookup(MM_TEST_VA + HIT * PAGE_SIZE, &got, &flags), 0);
	KT_EXPECT_EQ(t, got, __pa(buf) + HIT * PAGE_SIZE);
	KT_EXPECT_EQ(t, pgt_unmap_range(MM_TEST_VA, N * PAGE_SIZE), 0);
	free_pages(buf, N);
	free_pages(other, 1);
}

static const struct ktest_case mm_cases[] = {
	{ "direct_map_skips_mmio", direct_map_skips_mmio },
	{ "direct_map_follows_memmap", direct_map_follows_memmap },
	{ "vmap_zero_size", vmap_zero_size },
	{ "vmap_absurd_size", vmap_absurd_size },
	{ "map_range_rolls_back", map_range_rolls_back },
};
KTEST_SUITE(mm, "mm", mm_cases, NULL);
