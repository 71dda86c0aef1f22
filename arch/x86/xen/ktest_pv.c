/* Self-tests for Xen PV multicall batching; skipped in other modes. */
#include <kernel/ktest.h>
#include <kernel/mm.h>
#include <kernel/stats.h>
#include <kernel/string.h>
#include <kernel/errno.h>
#include "xen-ops.h"
#include <xen/hypercall.h>
#include <xen/interface/xen.h>

static const char *need_pv(void)
{
	return xen_pv_domain ? NULL : "not a Xen PV guest";
}

#define MC_VA (VMAP_BASE + VMAP_SIZE / 2 + 0x10000000UL)
#define NPAGES 8

/* make_pte for a page that certainly has a frame. */
static u64 pte_of(phys_addr_t pa, u64 flags)
{
	u64 pte = 0;

	pv_ops->mmu->make_pte(pa, flags, &pte);
	return pte;
}

static void multicall_batches_va_updates(struct ktest *t)
{
	u8 *buf = alloc_pages(NPAGES);
	unsigned long mc0, ent0;
	int rc;

	KT_ASSERT(t, buf);
	/* update_va_mapping needs the leaf table to exist: map, then unmap. */
	KT_ASSERT(t, pgt_map_range(MC_VA, __pa(buf), NPAGES * PAGE_SIZE, PAGE_KERNEL | PTE_NX) == 0);
	for (int i = 0; i < NPAGES; i++)
		KT_ASSERT(t, pgt_unmap(MC_VA + i * PAGE_SIZE) == 0);

	mc0 = stats_read(STAT_MULTICALLS);
	ent0 = stats_read(STAT_MULTICALL_ENTRIES);
	for (int i = 0; i < NPAGES; i++) {
		phys_addr_t pa = __pa(buf + i * PAGE_SIZE);

		xen_mc_queue(__HYPERVISOR_update_va_mapping, MC_VA + i * PAGE_SIZE,
			     pte_of(pa, PAGE_KERNEL | PTE_NX), UVMF_INVLPG | UVMF_LOCAL,
			     0, 0);
	}
	rc = xen_mc_flush();
	KT_EXPECT_EQ(t, rc, 0);
	KT_EXPECT_EQ(t, stats_read(STAT_MULTICALLS), mc0 + 1);
	KT_EXPECT_EQ(t, stats_read(STAT_MULTICALL_ENTRIES), ent0 + NPAGES);
	for (int i = 0; i < NPAGES; i++) {
		((volatile u8 *)MC_VA)[i * PAGE_SIZE + 1] = (u8)(0x40 + i);
		KT_EXPECT_EQ(t, buf[i * PAGE_SIZE + 1], 0x40 + i);
	}
	for (int i = 0; i < NPAGES; i++)
		KT_EXPECT_EQ(t, pgt_unmap(MC_VA + i * PAGE_SIZE), 0);
	free_pages(buf, NPAGES);
}

static void multicall_reports_failed_entry(struct ktest *t)
{
	u8 *buf = alloc_pages(1);
	int rc;

	KT_ASSERT(t, buf);
	KT_ASSERT(t, pgt_map_range(MC_VA, __pa(buf), PAGE_SIZE, PAGE_KERNEL | PTE_NX) == 0);
	KT_ASSERT(t, pgt_unmap(MC_VA) == 0);
	xen_mc_queue(__HYPERVISOR_update_va_mapping, MC_VA,
		     pte_of(__pa(buf), PAGE_KERNEL | PTE_NX), UVMF_INVLPG | UVMF_LOCAL, 0,
		     0);
	/* Xen's own range cannot be mapped by a guest: this entry fails. */
	xen_mc_queue(__HYPERVISOR_update_va_mapping, HYPERVISOR_VIRT_START,
		     pte_of(__pa(buf), PAGE_KERNEL), UVMF_INVLPG | UVMF_LOCAL, 0, 0);
	rc = xen_mc_flush();
	KT_EXPECT(t, rc < 0);
	/* The good entry still took effect. */
	((volatile u8 *)MC_VA)[9] = 0x99;
	KT_EXPECT_EQ(t, buf[9], 0x99);
	KT_EXPECT_EQ(t, pgt_unmap(MC_VA), 0);
	free_pages(buf, 1);
}

static void check_batched_map(struct ktest *t, unsigned long va, u8 *buf, int n, u8 seed)
{
	for (int i = 0; i < n; i++)
		((volatile u8 *)va)[i * PAGE_SIZE] = (u8)(seed + i);
	for (int i = 0; i < n; i++)
		KT_EXPECT_EQ(t, buf[i * PAGE_SIZE], (u8)(seed + i));
	for (int i = 0; i < n; i++)
		KT_EXPECT_EQ(t, pgt_unmap(va + (unsigned long)i * PAGE_SIZE), 0);
}

static void mmu_updates_are_batched(struct ktest *t)
{
	enum { N = 64 };
	unsigned long va = MC_VA + 0x200000UL;
	u8 *buf = alloc_pages(N);
	unsigned long mc0, upd0;
	bool fresh = !pgt_leaf_pte(va);

	KT_ASSERT(t, buf);
	/* Into a 2 MiB range without a leaf table: the table is filled
	 * while it is ordinary memory and linked once (mm/pgtable.c), so
	 * a few updates (the link, the page's aliases made read-only), not
	 * one per entry. */
	mc0 = stats_read(STAT_MULTICALLS);
	upd0 = stats_read(STAT_MMU_UPDATES);
	KT_ASSERT(t, pgt_map_range(va, __pa(buf), N * PAGE_SIZE, PAGE_KERNEL | PTE_NX) == 0);
	if (fresh)
		KT_EXPECT(t, stats_read(STAT_MMU_UPDATES) - upd0 <= 4);
	KT_EXPECT(t, stats_read(STAT_MULTICALLS) - mc0 <= 4);
	check_batched_map(t, va, buf, N, 1);

	/* The leaf table exists now: each entry is an mmu_update, and 64
	 * of them still take a handful of multicalls, not one hypercall
	 * per page. */
	KT_ASSERT(t, pgt_leaf_pte(va) != NULL);
	mc0 = stats_read(STAT_MULTICALLS);
	upd0 = stats_read(STAT_MMU_UPDATES);
	KT_ASSERT(t, pgt_map_range(va, __pa(buf), N * PAGE_SIZE, PAGE_KERNEL | PTE_NX) == 0);
	KT_EXPECT(t, stats_read(STAT_MMU_UPDATES) - upd0 >= N);
	KT_EXPECT(t, stats_read(STAT_MULTICALLS) - mc0 <= 4);
	check_batched_map(t, va, buf, N, 7);
	free_pages(buf, N);
}

/*
 * A PTE write queued as mmu_update, then an update_va_mapping of the same
 * address queued after it: Xen must see them in that order, so the second
 * wins. (With the mmu_update run appended at flush time, the first won.)
 * And the other way round.
 */
static void multicall_keeps_order(struct ktest *t)
{
	u8 *a = alloc_pages(1), *b = alloc_pages(1);
	u64 *ptep;

	KT_ASSERT(t, a && b);
	KT_ASSERT(t, pgt_map_range(MC_VA, __pa(a), PAGE_SIZE, PAGE_KERNEL | PTE_NX) == 0);
	ptep = pgt_leaf_pte(MC_VA);
	KT_ASSERT(t, ptep);

	xen_mc_batch_begin();
	KT_EXPECT_EQ(t, pv_ops->mmu->set_pte(ptep, pte_of(__pa(b), PAGE_KERNEL | PTE_NX)), 0);
	xen_mc_queue(__HYPERVISOR_update_va_mapping, MC_VA, pte_of(__pa(a), PAGE_KERNEL | PTE_NX),
		     UVMF_INVLPG | UVMF_LOCAL, 0, 0);
	KT_EXPECT_EQ(t, xen_mc_batch_end(), 0);
	((volatile u8 *)MC_VA)[17] = 0x5a;
	KT_EXPECT_EQ(t, a[17], 0x5a);
	KT_EXPECT_EQ(t, b[17], 0);

	xen_mc_batch_begin();
	xen_mc_queue(__HYPERVISOR_update_va_mapping, MC_VA, pte_of(__pa(a), PAGE_KERNEL | PTE_NX),
		     UVMF_INVLPG | UVMF_LOCAL, 0, 0);
	KT_EXPECT_EQ(t, pv_ops->mmu->set_pte(ptep, pte_of(__pa(b), PAGE_KERNEL | PTE_NX)), 0);
	KT_EXPECT_EQ(t, xen_mc_batch_end(), 0);
	pv_ops->mmu->flush_tlb_one(MC_VA);
	((volatile u8 *)MC_VA)[18] = 0xa5;
	KT_EXPECT_EQ(t, b[18], 0xa5);
	KT_EXPECT_EQ(t, a[18], 0);

	KT_EXPECT_EQ(t, pgt_unmap(MC_VA), 0);
	free_pages(a, 1);
	free_pages(b, 1);
}

/* Batches run with events off, restored only by the outermost end. */
static void multicall_batch_masks_events(struct ktest *t)
{
	unsigned long flags = local_irq_save();

	local_irq_enable();
	xen_mc_batch_begin();
	KT_EXPECT(t, !irqs_enabled());
	xen_mc_batch_begin();
	KT_EXPECT_EQ(t, xen_mc_batch_end(), 0);
	KT_EXPECT(t, !irqs_enabled());
	KT_EXPECT_EQ(t, xen_mc_batch_end(), 0);
	KT_EXPECT(t, irqs_enabled());
	/* A batch opened with events off leaves them off. */
	local_irq_disable();
	xen_mc_batch_begin();
	KT_EXPECT_EQ(t, xen_mc_batch_end(), 0);
	KT_EXPECT(t, !irqs_enabled());
	local_irq_restore(flags);
}

/* A pfn without a machine frame cannot become a PTE, and a mapping that
 * runs into one fails whole. */
static void make_pte_invalid_pfn_fails(struct ktest *t)
{
	phys_addr_t last = PFN_PHYS(xen_p2m_size - 1), beyond = PFN_PHYS(xen_p2m_size);
	phys_addr_t got;
	u64 pte = 0x1234, flags;

	KT_EXPECT_EQ(t, pv_ops->mmu->make_pte(beyond, PAGE_KERNEL_RO, &pte), -ENXIO);
	KT_EXPECT_EQ(t, pte, 0x1234);
	KT_EXPECT_EQ(t, pv_ops->mmu->make_pte(PFN_PHYS(1UL << 40), PAGE_KERNEL_RO, &pte), -ENXIO);
	KT_EXPECT_EQ(t, pv_ops->mmu->make_pte(last, PAGE_KERNEL_RO, &pte), 0);
	KT_EXPECT_EQ(t, pgt_map_range(MC_VA, last, 2 * PAGE_SIZE, PAGE_KERNEL_RO | PTE_NX), -ENXIO);
	/* The good first page was taken back. */
	KT_EXPECT_EQ(t, pgt_lookup(MC_VA, &got, &flags), -ENOENT);
	KT_EXPECT_EQ(t, pgt_lookup(MC_VA + PAGE_SIZE, &got, &flags), -ENOENT);
	KT_EXPECT(t, vmap_phys(last, 2 * PAGE_SIZE, PAGE_KERNEL_RO | PTE_NX) == NULL);
}

/* M2P lookups of frames no machine has return "invalid", not a fault. */
static void mfn_to_pfn_bounds(struct ktest *t)
{
	unsigned long window = (MACH2PHYS_VIRT_END - MACH2PHYS_VIRT_START) / sizeof(unsigned long);

	KT_EXPECT_EQ(t, mfn_to_pfn(pfn_to_mfn(5)), 5);
	KT_EXPECT_EQ(t, mfn_to_pfn(pfn_to_mfn(xen_p2m_size - 1)), xen_p2m_size - 1);
	KT_EXPECT(t, mfn_to_pfn(window - 1) == INVALID_MFN_VALUE);
	KT_EXPECT(t, mfn_to_pfn(window / 2) == INVALID_MFN_VALUE);
	KT_EXPECT(t, mfn_to_pfn(1UL << 36) == INVALID_MFN_VALUE);
	KT_EXPECT(t, mfn_to_pfn(~0UL >> PAGE_SHIFT) == INVALID_MFN_VALUE);
	KT_EXPECT(t, mfn_to_pfn(INVALID_MFN_VALUE) == INVALID_MFN_VALUE);
}

static const struct ktest_case multicall_cases[] = {
	{ "batch_of_va_updates", multicall_batches_va_updates },
	{ "failed_entry_reported", multicall_reports_failed_entry },
	{ "mmu_updates_batched", mmu_updates_are_batched },
	{ "submission_order_kept", multicall_keeps_order },
	{ "batch_masks_events", multicall_batch_masks_events },
	{ "make_pte_invalid_pfn", make_pte_invalid_pfn_fails },
	{ "mfn_to_pfn_bounds", mfn_to_pfn_bounds },
};
KTEST_SUITE(multicall, "multicall", multicall_cases, need_pv);
