/* Self-test of the Xen PV direct map as a whole (docs/boot.md): every RAM
 * page below direct_map_end is mapped at __va() to exactly the machine
 * frame the P2M names (and the M2P maps back), no-execute, writable unless
 * it is a page table, and nothing else is mapped there. The direct map is
 * built by filling leaf tables in ordinary memory and linking them whole
 * (mm/pgtable.c), so this is what checks that path entry by entry. */
#include <kernel/ktest.h>
#include <kernel/mm.h>
#include <kernel/boot.h>
#include <kernel/printk.h>
#include "xen-ops.h"

extern struct page_pool kernel_pool;

static const char *need_pv(void)
{
	return xen_pv_domain ? NULL : "not a Xen PV guest";
}

static bool ram_type(u32 type)
{
	return type == MEM_RAM || type == MEM_KERNEL;
}

/* Is pa in a RAM (or kernel) region of the boot memory map? The map is
 * sorted; *cur only moves forward as pa does. */
static bool is_ram(const struct memmap *m, unsigned int *cur, phys_addr_t pa)
{
	while (*cur < m->nr && m->r[*cur].base + m->r[*cur].size <= pa)
		(*cur)++;
	return *cur < m->nr && m->r[*cur].base <= pa && ram_type(m->r[*cur].type);
}

/* A page the kernel uses as a page table, and so mapped read-only. */
static bool may_be_table(phys_addr_t pa)
{
	if (pa >= xen_pt_start && pa < xen_pt_end)
		return true;
	if (pa >= pt_pool_start && pa < pt_pool_next)
		return true;
	/* Tables made after boot come from the allocator: never free. */
	return PFN_DOWN(pa) < mm_total_pages() && !pool_is_free(&kernel_pool, PFN_DOWN(pa));
}

static void direct_map_matches_p2m(struct ktest *t)
{
	const struct memmap *m = &boot_info.memmap;
	unsigned long checked = 0, ro = 0, bad = 0;
	unsigned int cur = 0;
	phys_addr_t end = direct_map_end;

	KT_ASSERT(t, end > 0 && end <= PFN_PHYS(xen_p2m_size));
	for (phys_addr_t base = 0; base < end; base += LARGE_PAGE_SIZE) {
		u64 *leaf = pgt_leaf_pte((unsigned long)__va(base));

		for (unsigned int i = 0; i < 512 && base + PFN_PHYS(i) < end; i++) {
			phys_addr_t pa = base + PFN_PHYS(i);
			unsigned long pfn = PFN_DOWN(pa), mfn;
			u64 e = leaf ? READ_ONCE(leaf[i]) : 0;
			bool ram = is_ram(m, &cur, pa);

			if (!ram) {
				/* Holes and reserved ranges have no mapping. */
				if (e & PTE_P) {
					if (bad++ < 4)
						ktest_fail(t, __FILE__, __LINE__,
							   "%#llx is not RAM but mapped (%#llx)",
							   (unsigned long long)pa, (unsigned long long)e);
				}
				continue;
			}
			checked++;
			mfn = (unsigned long)((e & PTE_ADDR_MASK) >> PAGE_SHIFT);
			if (!(e & PTE_P) || mfn != xen_p2m[pfn] || mfn_to_pfn(mfn) != pfn ||
			    !(e & PTE_NX)) {
				if (bad++ < 4)
					ktest_fail(t, __FILE__, __LINE__,
						   "pfn %#lx: entry %#llx, P2M says mfn %#lx",
						   pfn, (unsigned long long)e, xen_p2m[pfn]);
				continue;
			}
			if (!(e & PTE_W)) {
				ro++;
				if (!may_be_table(pa) && bad++ < 4)
					ktest_fail(t, __FILE__, __LINE__,
						   "pfn %#lx is read-only but no page table", pfn);
			} else if ((pa >= xen_pt_start && pa < xen_pt_end) ||
				   (pa >= pt_pool_start && pa < pt_pool_next)) {
				/* Xen would never allow it; checked anyway. */
				if (bad++ < 4)
					ktest_fail(t, __FILE__, __LINE__,
						   "page table %#lx is mapped writable", pfn);
			}
		}
	}
	kprintf("    # %lu RAM pages checked against the P2M up to %#llx, %lu read-only "
		"(page tables), %lu bad\n", checked, (unsigned long long)end, ro, bad);
	KT_EXPECT_EQ(t, bad, 0);
	KT_EXPECT(t, checked > 0);
}

/* The boot pool's pages that never became tables were read-only in the
 * direct map while it was built; they are ordinary memory again. */
static void unused_boot_pool_writable(struct ktest *t)
{
	unsigned long n = 0;

	for (phys_addr_t pa = pt_pool_next; pa < pt_pool_end; pa += PAGE_SIZE) {
		u64 *pte = pgt_leaf_pte((unsigned long)__va(pa));
		u64 e = pte ? READ_ONCE(*pte) : 0;

		KT_ASSERT(t, e & PTE_P);
		if (!(e & PTE_W))
			KT_EXPECT(t, !pool_is_free(&kernel_pool, PFN_DOWN(pa)));
		n++;
	}
	kprintf("    # %lu unused boot page-table pool pages\n", n);
	/* And writing one really works (a free one, through kmalloc's
	 * source, may be any; this one is certain to be mapped). */
	{
		u8 *p = alloc_pages(1);

		KT_ASSERT(t, p);
		p[0] = 0x5a;
		KT_EXPECT_EQ(t, p[0], 0x5a);
		free_pages(p, 1);
	}
}

static const struct ktest_case pvmap_cases[] = {
	{ "direct_map_matches_p2m", direct_map_matches_p2m },
	{ "unused_boot_pool_writable", unused_boot_pool_writable },
};
KTEST_SUITE(pvmap, "pvmap", pvmap_cases, need_pv);
