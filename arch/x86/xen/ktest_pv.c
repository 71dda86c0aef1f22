/* Self-tests for Xen PV multicall batching; skipped in other modes. */
#include <kernel/ktest.h>
#include <kernel/mm.h>
#include <kernel/stats.h>
#include <kernel/string.h>
#include <kernel/errno.h>
#include <xen/xen-ops.h>
#include <xen/hypercall.h>
#include <xen/pv.h>

static const char *need_pv(void)
{
	return xen_pv_domain ? NULL : "not a Xen PV guest";
}

#define MC_VA (VMAP_BASE + VMAP_SIZE / 2 + 0x10000000UL)
#define NPAGES 8

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

	mc0 = kstats[STAT_MULTICALLS];
	ent0 = kstats[STAT_MULTICALL_ENTRIES];
	for (int i = 0; i < NPAGES; i++) {
		phys_addr_t pa = __pa(buf + i * PAGE_SIZE);

		xen_mc_queue(__HYPERVISOR_update_va_mapping, MC_VA + i * PAGE_SIZE,
			     pv_ops->mmu->make_pte(pa, PAGE_KERNEL | PTE_NX), UVMF_INVLPG | UVMF_LOCAL,
			     0, 0);
	}
	rc = xen_mc_flush();
	KT_EXPECT_EQ(t, rc, 0);
	KT_EXPECT_EQ(t, kstats[STAT_MULTICALLS], mc0 + 1);
	KT_EXPECT_EQ(t, kstats[STAT_MULTICALL_ENTRIES], ent0 + NPAGES);
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
		     pv_ops->mmu->make_pte(__pa(buf), PAGE_KERNEL | PTE_NX), UVMF_INVLPG | UVMF_LOCAL, 0,
		     0);
	/* Xen's own range cannot be mapped by a guest: this entry fails. */
	xen_mc_queue(__HYPERVISOR_update_va_mapping, HYPERVISOR_VIRT_START,
		     pv_ops->mmu->make_pte(__pa(buf), PAGE_KERNEL), UVMF_INVLPG | UVMF_LOCAL, 0, 0);
	rc = xen_mc_flush();
	KT_EXPECT(t, rc < 0);
	/* The good entry still took effect. */
	((volatile u8 *)MC_VA)[9] = 0x99;
	KT_EXPECT_EQ(t, buf[9], 0x99);
	KT_EXPECT_EQ(t, pgt_unmap(MC_VA), 0);
	free_pages(buf, 1);
}

static void mmu_updates_are_batched(struct ktest *t)
{
	enum { N = 64 };
	unsigned long va = MC_VA + 0x200000UL;
	u8 *buf = alloc_pages(N);
	unsigned long mc0, upd0;

	KT_ASSERT(t, buf);
	mc0 = kstats[STAT_MULTICALLS];
	upd0 = kstats[STAT_MMU_UPDATES];
	KT_ASSERT(t, pgt_map_range(va, __pa(buf), N * PAGE_SIZE, PAGE_KERNEL | PTE_NX) == 0);
	/* 64 entries, at most a couple of table links: a handful of
	 * multicalls, not one hypercall per page. */
	KT_EXPECT(t, kstats[STAT_MMU_UPDATES] - upd0 >= N);
	KT_EXPECT(t, kstats[STAT_MULTICALLS] - mc0 <= 4);
	for (int i = 0; i < N; i++)
		((volatile u8 *)va)[i * PAGE_SIZE] = (u8)i;
	for (int i = 0; i < N; i++)
		KT_EXPECT_EQ(t, buf[i * PAGE_SIZE], (u8)i);
	for (int i = 0; i < N; i++)
		pgt_unmap(va + (unsigned long)i * PAGE_SIZE);
	free_pages(buf, N);
}

static const struct ktest_case multicall_cases[] = {
	{ "batch_of_va_updates", multicall_batches_va_updates },
	{ "failed_entry_reported", multicall_reports_failed_entry },
	{ "mmu_updates_batched", mmu_updates_are_batched },
};
KTEST_SUITE(multicall, "multicall", multicall_cases, need_pv);
