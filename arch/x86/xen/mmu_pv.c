/* Xen PV page tables. Entries hold machine frame numbers, every page-table
 * page must be read-only wherever it is mapped, and all writes go through
 * Xen, which validates them: mmu_update for entries (queued into a
 * multicall while a batch is open), update_va_mapping to change our own
 * mappings, mmuext_op for TLB flushes. */
#include "xen-ops.h"
#include <xen/hypercall.h>
#include <kernel/mm.h>
#include <kernel/printk.h>
#include <kernel/errno.h>
#include <asm/traps.h>
#include <xen/interface/memory.h>

unsigned long xen_p2m_size;
unsigned long *xen_p2m;
phys_addr_t xen_pt_start, xen_pt_end;   /* Xen's bootstrap page tables */

#define M2P ((const unsigned long *)MACH2PHYS_VIRT_START)

unsigned long pfn_to_mfn(unsigned long pfn)
{
	if (pfn >= xen_p2m_size)
		return INVALID_MFN_VALUE;
	return xen_p2m[pfn];
}

/* Number of M2P entries Xen lets us look up: its window is sized for the
 * largest machine it supports, the host's frames end far below that. */
static unsigned long m2p_entries;

static unsigned long m2p_size(void)
{
	struct xen_machphys_mapping map;
	unsigned long window = (MACH2PHYS_VIRT_END - MACH2PHYS_VIRT_START) / sizeof(unsigned long);

	if (m2p_entries)
		return m2p_entries;
	/* XENMEM_machphys_mapping names the last MFN the table covers. If
	 * Xen cannot tell, the window bounds it and the faulting read below
	 * still catches holes. */
	if (!HYPERVISOR_memory_op(XENMEM_machphys_mapping, &map) && map.max_mfn < window)
		m2p_entries = map.max_mfn + 1;
	else
		m2p_entries = window;
	return m2p_entries;
}

unsigned long mfn_to_pfn(unsigned long mfn)
{
	u64 pfn;

	if (mfn >= m2p_size())
		return INVALID_MFN_VALUE;
	/* Parts of the M2P covering absent frames may be unmapped: a read
	 * that faults means "no such frame", not a crash. */
	if (safe_read_u64(&M2P[mfn], &pfn))
		return INVALID_MFN_VALUE;
	/* Foreign or I/O frames map back to junk; check the round trip. */
	if (pfn >= xen_p2m_size || xen_p2m[pfn] != mfn)
		return INVALID_MFN_VALUE;
	return pfn;
}

u64 virt_to_machine(const void *va)
{
	phys_addr_t pa = __pa(va);

	return ((u64)pfn_to_mfn(PFN_DOWN(pa)) << PAGE_SHIFT) | (pa & (PAGE_SIZE - 1));
}

/* Pages that are (or, while the boot builds the direct map, may become)
 * page tables: Xen refuses writable mappings of them. While the boot pool
 * is in use, all of its pages under the early image map count, so a leaf
 * table filled there (through the image map) needs no remapping in the
 * direct map before it is linked; mm_init() gives the unused ones their
 * write access back (pgt_boot_pool_done()). */
static bool is_pt_page(phys_addr_t pa)
{
	if (pa >= xen_pt_start && pa < xen_pt_end)
		return true;
	if (pa >= pt_pool_start && pa < pt_pool_next)
		return true;
	return !mm_page_alloc_ready && pa >= pt_pool_start && pa < pt_pool_end &&
	       pa < kimg_map_limit;
}

static int xen_make_pte(phys_addr_t pa, u64 flags, u64 *pte)
{
	unsigned long mfn = pfn_to_mfn(PFN_DOWN(pa));

	/* No machine frame behind this pfn (beyond the P2M, or a hole in
	 * it): there is nothing to map. */
	if (mfn == INVALID_MFN_VALUE || mfn > (PTE_ADDR_MASK >> PAGE_SHIFT))
		return -ENXIO;
	/* Xen refuses writable mappings of page tables. */
	if (is_pt_page(pa) && !(flags & PTE_PS))
		flags &= ~PTE_W;
	*pte = ((u64)mfn << PAGE_SHIFT) | flags;
	return 0;
}

static u64 xen_make_table_entry(phys_addr_t pa)
{
	return ((u64)pfn_to_mfn(PFN_DOWN(pa)) << PAGE_SHIFT) | PTE_P | PTE_W | PTE_A | PTE_D;
}

static phys_addr_t xen_pte_phys(u64 pte)
{
	unsigned long pfn = mfn_to_pfn((pte & PTE_ADDR_MASK) >> PAGE_SHIFT);

	return pfn == INVALID_MFN_VALUE ? (phys_addr_t)-1 : PFN_PHYS(pfn);
}

static int xen_set_pte(u64 *ptep, u64 val)
{
	u64 ma = virt_to_machine(ptep);
	int rc;

	rc = xen_mmu_queue(ma | MMU_NORMAL_PT_UPDATE, val);
	if (!xen_mc_in_batch() && !rc)
		rc = xen_mc_flush();
	return rc;
}

static int xen_batch_flush(void)
{
	return xen_mc_flush();
}

/* Change the protection of one of our own mappings of pa. */
static int remap_self(unsigned long va, phys_addr_t pa, u64 flags)
{
	u64 pte;
	int rc = xen_make_pte(pa, flags, &pte);

	if (!rc)
		rc = HYPERVISOR_update_va_mapping(va, pte, UVMF_INVLPG | UVMF_LOCAL);
	if (rc)
		pr_err("xen: update_va_mapping(%#lx) failed: %d\n", va, rc);
	return rc;
}

static int xen_alloc_pt(int level, phys_addr_t pa)
{
	int rc = 0;

	/* Flush queued entries first: they may map this very page. */
	xen_mc_flush();
	if (pa < kimg_map_limit)
		rc = remap_self((unsigned long)kimg_va(pa), pa, PAGE_KERNEL_RO);
	if (!rc && pa < direct_map_end)
		rc = remap_self((unsigned long)__va(pa), pa, PAGE_KERNEL_RO | PTE_NX);
	return rc;
}

/* Queue dropping RW from the leaf entry mapping va, if there is one.
 * No TLB flush: Xen flushes stale writable translations itself when the
 * page's type changes to page table, and we never write through them. */
static int protect_alias(unsigned long va)
{
	u64 *ptep = pgt_leaf_pte(va);
	u64 e;

	if (!ptep)
		return 0; /* nothing mapped there, nothing to protect */
	e = READ_ONCE(*ptep);
	if (!(e & PTE_P) || !(e & PTE_W))
		return 0;
	return xen_mmu_queue(virt_to_machine(ptep) | MMU_NORMAL_PT_UPDATE, e & ~PTE_W);
}

/* A table built in writable memory (mm/pgtable.c): its image-map and
 * direct-map aliases become read-only by mmu_updates queued in the same
 * batch as the link that follows, so a whole leaf table costs three
 * queued entries instead of 512 updates and two hypercalls. */
static int xen_prepare_pt(int level, phys_addr_t pa)
{
	int rc = 0;

	if (pa < kimg_map_limit)
		rc = protect_alias((unsigned long)kimg_va(pa));
	if (!rc && pa < direct_map_end)
		rc = protect_alias((unsigned long)__va(pa));
	return rc;
}

static int xen_release_pt(int level, phys_addr_t pa)
{
	int rc = 0;

	if (pa < kimg_map_limit)
		rc = remap_self((unsigned long)kimg_va(pa), pa, PAGE_KERNEL);
	if (!rc && pa < direct_map_end)
		rc = remap_self((unsigned long)__va(pa), pa, PAGE_KERNEL | PTE_NX);
	return rc;
}

static void mmuext(unsigned int cmd, unsigned long va)
{
	struct mmuext_op op = { .cmd = cmd };

	op.arg1.linear_addr = va;
	if (HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF))
		pr_err("xen: mmuext_op %u failed\n", cmd);
}

static void xen_flush_tlb_one(unsigned long va)
{
	mmuext(MMUEXT_INVLPG_LOCAL, va);
}

static void xen_flush_tlb_all(void)
{
	mmuext(MMUEXT_TLB_FLUSH_LOCAL, 0);
}

static unsigned long xen_read_cr2(void)
{
	return xen_vcpu()->arch.cr2;
}

static phys_addr_t xen_read_cr3(void)
{
	return __pa((void *)xen_start_info->pt_base);
}

const struct pv_mmu_ops xen_pv_mmu_ops = {
	.make_pte = xen_make_pte,
	.make_table_entry = xen_make_table_entry,
	.pte_phys = xen_pte_phys,
	.set_pte = xen_set_pte,
	.alloc_pt = xen_alloc_pt,
	.release_pt = xen_release_pt,
	.prepare_pt = xen_prepare_pt,
	.batch_begin = xen_mc_batch_begin,
	.batch_flush = xen_batch_flush,
	.batch_end = xen_mc_batch_end,
	.flush_tlb_one = xen_flush_tlb_one,
	.flush_tlb_all = xen_flush_tlb_all,
	.read_cr2 = xen_read_cr2,
	.large_pages = false,
	.read_cr3 = xen_read_cr3,
};
