/* Generic 4-level page-table code. It reads entries directly but changes
 * them only through pv_ops->mmu, so the same walker drives native tables
 * and Xen PV's read-only, hypervisor-validated ones. */
#include <kernel/mm.h>
#include <kernel/printk.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <asm/paravirt.h>

phys_addr_t pt_pool_start, pt_pool_next, pt_pool_end;
phys_addr_t direct_map_end;
phys_addr_t kimg_map_limit;
bool mm_page_alloc_ready;

void *pt_page_va(phys_addr_t pa)
{
	if (pa < direct_map_end)
		return __va(pa);
	if (pa < kimg_map_limit)
		return kimg_va(pa);
	panic("page table page %#llx is not mapped", (unsigned long long)pa);
}

static unsigned int pt_index(unsigned long va, int level)
{
	return (va >> (PAGE_SHIFT + 9 * (level - 1))) & 511;
}

static phys_addr_t pt_alloc(void)
{
	phys_addr_t pa;

	if (mm_page_alloc_ready)
		return alloc_page_phys();
	if (pt_pool_next >= pt_pool_end)
		panic("boot page-table pool exhausted (%llu pages)",
		      (unsigned long long)((pt_pool_end - pt_pool_start) >> PAGE_SHIFT));
	pa = pt_pool_next;
	pt_pool_next += PAGE_SIZE;
	return pa;
}

/* Find (or create) the table that entry table[i] at 'level' points to. */
static int next_table(u64 *table, unsigned int i, int level, bool create, u64 **out)
{
	const struct pv_mmu_ops *mmu = pv_ops->mmu;
	u64 e = READ_ONCE(table[i]);
	phys_addr_t pa;
	int rc;

	if (e & PTE_P) {
		if (e & PTE_PS)
			return -EEXIST;
		*out = pt_page_va(mmu->pte_phys(e));
		return 0;
	}
	if (!create)
		return -ENOENT;
	pa = pt_alloc();
	if (!pa)
		return -ENOMEM;
	memset(pt_page_va(pa), 0, PAGE_SIZE);
	rc = mmu->alloc_pt(level - 1, pa);
	if (!rc)
		rc = mmu->set_pte(&table[i], mmu->make_table_entry(pa));
	/* The walk that follows reads this entry back: apply it now. */
	if (!rc)
		rc = mmu->batch_flush();
	if (rc) {
		pr_err("pgtable: cannot install level-%d table %#llx: %d\n", level - 1,
		       (unsigned long long)pa, rc);
		return rc;
	}
	*out = pt_page_va(pa);
	return 0;
}

static int walk_to(unsigned long va, int level, bool create, u64 **table)
{
	u64 *t = pt_page_va(pv_ops->mmu->read_cr3());

	for (int l = 4; l > level; l--) {
		int rc = next_table(t, pt_index(va, l), l, create, &t);

		if (rc)
			return rc;
	}
	*table = t;
	return 0;
}

int pgt_map_range(unsigned long va, phys_addr_t pa, unsigned long size, u64 flags)
{
	const struct pv_mmu_ops *mmu = pv_ops->mmu;
	unsigned long end = va + ALIGN_UP(size, PAGE_SIZE);
	int rc = 0;

	if ((va | pa) & (PAGE_SIZE - 1) || end < va)
		return -EINVAL;
	mmu->batch_begin();
	while (va < end && !rc) {
		u64 *t;

		if (mmu->large_pages && IS_ALIGNED(va, LARGE_PAGE_SIZE) &&
		    IS_ALIGNED(pa, LARGE_PAGE_SIZE) && end - va >= LARGE_PAGE_SIZE) {
			rc = walk_to(va, 2, true, &t);
			if (rc)
				break;
			if (t[pt_index(va, 2)] & PTE_P) {
				rc = -EEXIST;
				break;
			}
			rc = mmu->set_pte(&t[pt_index(va, 2)], mmu->make_pte(pa, flags | PTE_PS));
			va += LARGE_PAGE_SIZE;
			pa += LARGE_PAGE_SIZE;
			continue;
		}
		rc = walk_to(va, 1, true, &t);
		if (rc)
			break;
		/* Fill this leaf table in one go. */
		do {
			unsigned int i = pt_index(va, 1);

			if (t[i] & PTE_P) {
				rc = -EEXIST;
				break;
			}
			rc = mmu->set_pte(&t[i], mmu->make_pte(pa, flags));
			va += PAGE_SIZE;
			pa += PAGE_SIZE;
		} while (!rc && va < end && pt_index(va, 1) != 0);
	}
	if (!rc)
		rc = mmu->batch_end();
	else
		mmu->batch_end();
	return rc;
}

int pgt_lookup(unsigned long va, phys_addr_t *pa, u64 *flags)
{
	const struct pv_mmu_ops *mmu = pv_ops->mmu;
	u64 *t = pt_page_va(mmu->read_cr3());

	for (int l = 4; l >= 1; l--) {
		u64 e = READ_ONCE(t[pt_index(va, l)]);

		if (!(e & PTE_P))
			return -ENOENT;
		if (l == 1 || (l == 2 && (e & PTE_PS))) {
			unsigned long off = va & ((l == 2 ? LARGE_PAGE_SIZE : PAGE_SIZE) - 1);

			*pa = mmu->pte_phys(e) + off;
			*flags = e & ~PTE_ADDR_MASK;
			return 0;
		}
		t = pt_page_va(mmu->pte_phys(e));
	}
	return -ENOENT;
}

int pgt_unmap(unsigned long va)
{
	const struct pv_mmu_ops *mmu = pv_ops->mmu;
	u64 *t;
	int rc = walk_to(va, 1, false, &t);

	if (rc)
		return rc;
	if (!(t[pt_index(va, 1)] & PTE_P))
		return -ENOENT;
	mmu->batch_begin();
	rc = mmu->set_pte(&t[pt_index(va, 1)], 0);
	if (!rc)
		rc = mmu->batch_end();
	else
		mmu->batch_end();
	mmu->flush_tlb_one(va);
	return rc;
}

static unsigned long vmap_next;

void *ioremap(phys_addr_t pa, unsigned long size)
{
	return vmap_phys(pa, size, PAGE_KERNEL_NOCACHE | PTE_NX);
}

void *vmap_phys(phys_addr_t pa, unsigned long size, u64 flags)
{
	unsigned long off = pa & (PAGE_SIZE - 1);
	unsigned long len = ALIGN_UP(size + off, PAGE_SIZE);
	unsigned long va = VMAP_BASE + vmap_next;

	if (len > VMAP_SIZE / 2 - vmap_next)
		return NULL;
	if (pgt_map_range(va, pa - off, len, flags))
		return NULL;
	vmap_next += len + PAGE_SIZE; /* guard page */
	return (void *)(va + off);
}
