/* Generic 4-level page-table code. It reads entries directly but changes
 * them only through pv_ops->mmu, so the same walker drives native tables
 * and Xen PV's read-only, hypervisor-validated ones. */
#include <kernel/mm.h>
#include <kernel/printk.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <kernel/spinlock.h>
#include <kernel/smp.h>
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

void *pt_fill_va(phys_addr_t pa)
{
	if (!mm_page_alloc_ready && pa < kimg_map_limit)
		return kimg_va(pa);
	return pt_page_va(pa);
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
	memset(pt_fill_va(pa), 0, PAGE_SIZE);
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

/* Clear every present leaf entry in [va, end): 4 KiB entries, and 2 MiB
 * ones the range covers entirely. Tables themselves stay (empty tables are
 * harmless and may be reused). Runs in the caller's batch. */
static int clear_range(unsigned long va, unsigned long end)
{
	const struct pv_mmu_ops *mmu = pv_ops->mmu;
	int rc = 0, err;

	while (va < end) {
		unsigned long next = ALIGN_DOWN(va, LARGE_PAGE_SIZE) + LARGE_PAGE_SIZE;
		u64 *t;

		if (next < va || next > end)
			next = end;
		err = walk_to(va, 2, false, &t);
		if (err) {
			/* Nothing mapped below this point (-ENOENT), or a 1 GiB
			 * page we never create (-EEXIST): nothing of ours. */
			va = next;
			continue;
		}
		if (t[pt_index(va, 2)] & PTE_PS) {
			if (IS_ALIGNED(va, LARGE_PAGE_SIZE) && end - va >= LARGE_PAGE_SIZE)
				err = mmu->set_pte(&t[pt_index(va, 2)], 0);
			else
				err = -EINVAL; /* part of a large page: not ours to split */
			if (err && !rc)
				rc = err;
			va = next;
			continue;
		}
		if (!(t[pt_index(va, 2)] & PTE_P)) {
			va = next;
			continue;
		}
		t = pt_page_va(mmu->pte_phys(t[pt_index(va, 2)]));
		for (; va < next; va += PAGE_SIZE) {
			unsigned int i = pt_index(va, 1);

			if (!(t[i] & PTE_P))
				continue;
			err = mmu->set_pte(&t[i], 0);
			if (err && !rc)
				rc = err;
		}
	}
	return rc;
}

/* After entries were removed: every CPU may hold the old translations, so
 * with more than one CPU online the others flush too (a stale entry on
 * another CPU would let it reach a page that is no longer mapped there).
 * Kernel mappings are never removed in interrupt context, and this CPU's
 * interrupts are on, as the cross-CPU flush needs. */
static void flush_range(unsigned long va, unsigned long end)
{
	const struct pv_mmu_ops *mmu = pv_ops->mmu;

	if (num_online_cpus() > 1) {
		flush_tlb_all_cpus();
		return;
	}
	if (end - va > 64 * PAGE_SIZE) {
		mmu->flush_tlb_all();
		return;
	}
	for (; va < end; va += PAGE_SIZE)
		mmu->flush_tlb_one(va);
}

/* Lowest virtual address of a leaf table linked by map_leaf_prebuilt()
 * whose link may still sit in the open batch (~0UL: none). Under
 * pgt_lock. */
static unsigned long prebuilt_pending_va = ~0UL;

/* Xen PV (mmu->prepare_pt): map [*vap, end) up to the next 2 MiB boundary
 * when that range has no leaf table yet, by filling a fresh one with plain
 * stores while it is still ordinary memory, then queueing what makes it
 * read-only and its link: Xen validates the 512 entries once, at the link,
 * instead of one mmu_update each. *done says whether it did; if not (a
 * table exists), the caller maps entry by entry. Nothing is linked on
 * failure. Runs in the caller's batch. */
static int map_leaf_prebuilt(unsigned long *vap, phys_addr_t *pap, unsigned long end, u64 flags,
			     bool *done)
{
	const struct pv_mmu_ops *mmu = pv_ops->mmu;
	unsigned long va = *vap, next = ALIGN_DOWN(va, LARGE_PAGE_SIZE) + LARGE_PAGE_SIZE;
	phys_addr_t pa = *pap, table;
	unsigned int i2 = pt_index(va, 2);
	u64 *t2, *w, pte;
	int rc;

	*done = false;
	if (next < va || next > end)
		next = end;
	rc = walk_to(va, 2, true, &t2);
	if (rc)
		return rc;
	if (READ_ONCE(t2[i2]) & PTE_P)
		return 0;
	table = pt_alloc();
	if (!table)
		return -ENOMEM;
	/* The page must be writable here and now: through the early image
	 * map, or through the direct map once the link that maps it there
	 * has been applied. */
	if (!mm_page_alloc_ready && table >= kimg_map_limit && table >= direct_map_end)
		panic("page table page %#llx is not mapped", (unsigned long long)table);
	/* Its direct-map alias (the writable one past the image map, the
	 * one prepare_pt must find) must not be a link still queued. */
	if (table < direct_map_end && (unsigned long)__va(table) >= prebuilt_pending_va) {
		rc = mmu->batch_flush();
		if (rc)
			return rc;
		prebuilt_pending_va = ~0UL;
	}
	w = pt_fill_va(table);
	memset(w, 0, PAGE_SIZE);
	for (; va < next; va += PAGE_SIZE, pa += PAGE_SIZE) {
		rc = mmu->make_pte(pa, flags, &pte);
		if (rc)
			return rc; /* not linked: the page stays unused */
		w[pt_index(va, 1)] = pte;
	}
	rc = mmu->prepare_pt(1, table);
	if (!rc)
		rc = mmu->set_pte(&t2[i2], mmu->make_table_entry(table));
	if (rc)
		return rc;
	prebuilt_pending_va = MIN(prebuilt_pending_va, ALIGN_DOWN(*vap, LARGE_PAGE_SIZE));
	*vap = va;
	*pap = pa;
	*done = true;
	return 0;
}

static int map_range_locked(unsigned long va, phys_addr_t pa, unsigned long size, u64 flags)
{
	const struct pv_mmu_ops *mmu = pv_ops->mmu;
	unsigned long start = va, end;
	u64 pte;
	int rc = 0, err;

	if ((va | pa) & (PAGE_SIZE - 1) || !size || size > ~0UL - (PAGE_SIZE - 1))
		return -EINVAL;
	end = va + ALIGN_UP(size, PAGE_SIZE);
	if (end < va || pa + (end - va) - 1 < pa)
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
			rc = mmu->make_pte(pa, flags | PTE_PS, &pte);
			if (rc)
				break;
			rc = mmu->set_pte(&t[pt_index(va, 2)], pte);
			va += LARGE_PAGE_SIZE;
			pa += LARGE_PAGE_SIZE;
			continue;
		}
		if (mmu->prepare_pt) {
			bool done;

			rc = map_leaf_prebuilt(&va, &pa, end, flags, &done);
			if (rc)
				break;
			if (done)
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
			/* A frame that does not exist (Xen PV: no machine
			 * frame behind the pfn) fails the whole mapping
			 * instead of leaving a non-present entry behind. */
			rc = mmu->make_pte(pa, flags, &pte);
			if (rc)
				break;
			rc = mmu->set_pte(&t[i], pte);
			va += PAGE_SIZE;
			pa += PAGE_SIZE;
		} while (!rc && va < end && pt_index(va, 1) != 0);
	}
	/* Queued entries are applied (or refused) here. */
	err = mmu->batch_end();
	prebuilt_pending_va = ~0UL;
	if (!rc)
		rc = err;
	if (rc) {
		/* All or nothing: everything in [start, va) that is present
		 * was put there by this call (it checked each entry was free
		 * first), so take it away again. The entry that made us stop
		 * with -EEXIST lies at va and is left alone. */
		mmu->batch_begin();
		clear_range(start, va);
		mmu->batch_end();
		flush_range(start, va);
	}
	return rc;
}

static int unmap_range_locked(unsigned long va, unsigned long size)
{
	const struct pv_mmu_ops *mmu = pv_ops->mmu;
	unsigned long end;
	int rc, err;

	if (va & (PAGE_SIZE - 1) || !size || size > ~0UL - (PAGE_SIZE - 1))
		return -EINVAL;
	end = va + ALIGN_UP(size, PAGE_SIZE);
	if (end < va)
		return -EINVAL;
	mmu->batch_begin();
	rc = clear_range(va, end);
	err = mmu->batch_end();
	flush_range(va, end);
	return rc ? rc : err;
}

/* pgt_lock serialises every change to the kernel page tables (and the
 * vmap bump pointer): two CPUs creating the same missing table, or one
 * freeing what the other walks, would corrupt them. It is never taken in
 * interrupt context; lock order: pgt_lock -> the page allocator's lock. */
static DEFINE_SPINLOCK(pgt_lock);

int pgt_map_range(unsigned long va, phys_addr_t pa, unsigned long size, u64 flags)
{
	int rc;

	spin_lock(&pgt_lock);
	rc = map_range_locked(va, pa, size, flags);
	spin_unlock(&pgt_lock);
	return rc;
}

int pgt_unmap_range(unsigned long va, unsigned long size)
{
	int rc;

	spin_lock(&pgt_lock);
	rc = unmap_range_locked(va, size);
	spin_unlock(&pgt_lock);
	return rc;
}

int pgt_boot_pool_done(void)
{
	const struct pv_mmu_ops *mmu = pv_ops->mmu;
	phys_addr_t end = MIN(pt_pool_end, kimg_map_limit);
	int rc = 0, err;

	if (!mmu->prepare_pt)
		return 0;
	spin_lock(&pgt_lock);
	mmu->batch_begin();
	for (phys_addr_t p = pt_pool_next; p < end && p < direct_map_end && !rc; p += PAGE_SIZE) {
		u64 *ptep = pgt_leaf_pte((unsigned long)__va(p));
		u64 e = ptep ? READ_ONCE(*ptep) : 0;

		if ((e & PTE_P) && !(e & PTE_W))
			rc = mmu->set_pte(ptep, e | PTE_W);
	}
	err = mmu->batch_end();
	/* No translation cached read-only may outlive the change. */
	mmu->flush_tlb_all();
	spin_unlock(&pgt_lock);
	return rc ? rc : err;
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

u64 *pgt_leaf_pte(unsigned long va)
{
	u64 *t;

	if (walk_to(va, 1, false, &t))
		return NULL;
	return &t[pt_index(va, 1)];
}

static int unmap_one_locked(unsigned long va)
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
	flush_range(va, va + PAGE_SIZE);
	return rc;
}

int pgt_unmap(unsigned long va)
{
	int rc;

	spin_lock(&pgt_lock);
	rc = unmap_one_locked(va);
	spin_unlock(&pgt_lock);
	return rc;
}

/* The lower half of the vmap area is handed out by a bump pointer with a
 * guard page after each mapping; the upper half is for self-tests. Only the
 * most recent mapping's address space is given back by vunmap(). */
#define VMAP_ALLOC_SIZE (VMAP_SIZE / 2)
/* Physical addresses x86-64 page tables can hold. */
#define PHYS_ADDR_LIMIT (1ULL << 52)

static unsigned long vmap_next;

void *ioremap(phys_addr_t pa, unsigned long size)
{
	return vmap_phys(pa, size, PAGE_KERNEL_NOCACHE | PTE_NX);
}

void *vmap_phys(phys_addr_t pa, unsigned long size, u64 flags)
{
	unsigned long off = pa & (PAGE_SIZE - 1);
	unsigned long len, va;

	/* Sizes are checked before any arithmetic on them: size + off and
	 * the page rounding must not wrap, and the result must fit. */
	if (!size || size > VMAP_ALLOC_SIZE - off)
		return NULL;
	len = ALIGN_UP(size + off, PAGE_SIZE);
	if (pa >= PHYS_ADDR_LIMIT || len > PHYS_ADDR_LIMIT - (pa - off))
		return NULL;
	spin_lock(&pgt_lock);
	if (vmap_next > VMAP_ALLOC_SIZE || len > VMAP_ALLOC_SIZE - vmap_next) {
		spin_unlock(&pgt_lock);
		return NULL;
	}
	va = VMAP_BASE + vmap_next;
	/* A failed mapping leaves nothing behind. */
	if (map_range_locked(va, pa - off, len, flags)) {
		spin_unlock(&pgt_lock);
		return NULL;
	}
	vmap_next += len + PAGE_SIZE; /* guard page */
	spin_unlock(&pgt_lock);
	return (void *)(va + off);
}

int vunmap(const void *addr, unsigned long size)
{
	unsigned long a = (unsigned long)addr, off = a & (PAGE_SIZE - 1), va = a - off, len;
	int rc;

	if (!size || size > VMAP_ALLOC_SIZE - off)
		return -EINVAL;
	len = ALIGN_UP(size + off, PAGE_SIZE);
	spin_lock(&pgt_lock);
	if (va < VMAP_BASE || va - VMAP_BASE >= vmap_next || len > vmap_next - (va - VMAP_BASE)) {
		spin_unlock(&pgt_lock);
		return -EINVAL;
	}
	rc = unmap_range_locked(va, len);
	/* The last mapping handed out: its address space can be reused. */
	if (!rc && va - VMAP_BASE + len + PAGE_SIZE == vmap_next)
		vmap_next = va - VMAP_BASE;
	spin_unlock(&pgt_lock);
	return rc;
}

bool direct_map_covers(phys_addr_t pa, unsigned long size)
{
	phys_addr_t limit = (phys_addr_t)CONFIG_PHYS_MEM_MAX_GB << 30;
	phys_addr_t p = ALIGN_DOWN(pa, PAGE_SIZE), got;
	u64 flags;

	/* The direct map never reaches past the configured limit, so __va()
	 * of anything below it stays inside the direct-map slot. */
	if (!size || pa >= limit || size > limit - pa)
		return false;
	for (; p < pa + size; p += PAGE_SIZE)
		if (pgt_lookup((unsigned long)__va(p), &got, &flags) || got != p)
			return false;
	return true;
}
