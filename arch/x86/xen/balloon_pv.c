/* Balloon page moves for a Xen PV guest (docs/balloon.md).
 *
 * A PV guest names its pages by machine frame, so giving a page away
 * means more than a hypercall: every mapping of the frame goes first (Xen
 * frees a frame only when nothing maps it any more, and a stale mapping
 * would reach memory that now belongs to someone else), then the P2M entry
 * becomes invalid, then XENMEM_decrease_reservation gets the MFNs. Taking
 * a page back is XENMEM_populate_physmap with the pfns: Xen picks fresh
 * frames, writes their MFNs into the array and updates its M2P table; we
 * check that, enter the MFN in the P2M and map the page again.
 *
 * The pages are zero when handed in (alloc_pages() zeroes them), so
 * nothing of ours leaves with them. Mappings: the direct map always, and
 * the early image map for pages below kimg_map_limit (boot page-table
 * pool pages the allocator got back). */
#include "xen-ops.h"
#include <xen/balloon.h>
#include <xen/hypercall.h>
#include <xen/interface/memory.h>
#include <kernel/mm.h>
#include <kernel/printk.h>
#include <kernel/errno.h>
#include <kernel/atomic.h>

/* Batch arrays: the balloon mutex is held by the caller. */
static unsigned long mfns[BALLOON_BATCH];
static xen_pfn_t frames[BALLOON_BATCH];

/* The P2M as the save of a live migration reads it. Xen's public header
 * (arch-x86/xen.h, arch_shared_info) has the guest increment
 * p2m_generation before and after it changes the P2M list: the count is
 * odd while a change is under way, and a reader that sees it differ from
 * what it saw before maps the list again. Xen and the toolstack only
 * read it; in this guest only the balloon (under its mutex, one batch at
 * a time) changes the P2M at run time, so the two increments need no
 * lock of their own. The count lives in shared_info, which a restore
 * copies into the new domain; xen_pv_publish_p2m() leaves it alone. */
static void p2m_change_begin(void)
{
	struct arch_shared_info *a = &HYPERVISOR_shared_info->arch;

	WRITE_ONCE(a->p2m_generation, READ_ONCE(a->p2m_generation) + 1);
	/* The odd count is visible before any entry changes. */
	smp_wmb();
}

static void p2m_change_end(void)
{
	struct arch_shared_info *a = &HYPERVISOR_shared_info->arch;

	/* Every entry is written before the count is even again. */
	smp_wmb();
	WRITE_ONCE(a->p2m_generation, READ_ONCE(a->p2m_generation) + 1);
}

/* The header allows a P2M entry to change only by one atomic write: a
 * reader must see the old frame or the new, never half of each. */
static void p2m_set(unsigned long pfn, unsigned long mfn)
{
	WRITE_ONCE(xen_p2m[pfn], mfn);
}

static bool image_alias_mapped(phys_addr_t pa)
{
	u64 *ptep;

	if (pa >= kimg_map_limit)
		return false;
	ptep = pgt_leaf_pte((unsigned long)kimg_va(pa));
	return ptep && (READ_ONCE(*ptep) & PTE_P);
}

/* A page coming back gets an image-map alias where the image map has a
 * leaf table for it (update_va_mapping needs one); it had one before it
 * went, unless the image map never covered it. */
static bool image_alias_possible(phys_addr_t pa)
{
	return pa < kimg_map_limit && pgt_leaf_pte((unsigned long)kimg_va(pa));
}

/* Queue the mappings of pa: to its frame (map) or to nothing. */
static int queue_mappings(phys_addr_t pa, bool map, bool alias)
{
	u64 pte = 0;
	int rc = 0, r;

	if (map && pv_ops->mmu->make_pte(pa, PAGE_KERNEL | PTE_NX, &pte))
		return -ENXIO;
	r = xen_mc_queue(__HYPERVISOR_update_va_mapping, (unsigned long)__va(pa), pte, UVMF_NONE,
			 0, 0);
	if (r)
		rc = r;
	if (alias) {
		r = xen_mc_queue(__HYPERVISOR_update_va_mapping, (unsigned long)kimg_va(pa), pte,
				 UVMF_NONE, 0, 0);
		if (r)
			rc = r;
	}
	return rc;
}

static void flush_all_tlbs(void)
{
	struct mmuext_op op = { .cmd = MMUEXT_TLB_FLUSH_ALL };

	if (HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF))
		pr_err("balloon: TLB flush failed\n");
}

/* Map pfn again to mfn, one hypercall per mapping (the slow path after a
 * failed batch). 0 or -errno. */
static int remap_one(unsigned long pfn, bool alias)
{
	phys_addr_t pa = PFN_PHYS(pfn);
	u64 pte;
	int rc;

	if (pv_ops->mmu->make_pte(pa, PAGE_KERNEL | PTE_NX, &pte))
		return -ENXIO;
	rc = HYPERVISOR_update_va_mapping((unsigned long)__va(pa), pte, UVMF_INVLPG | UVMF_LOCAL);
	if (!rc && alias)
		rc = HYPERVISOR_update_va_mapping((unsigned long)kimg_va(pa), pte,
						  UVMF_INVLPG | UVMF_LOCAL);
	return rc;
}

static int do_release(unsigned long *pfns, unsigned int n)
{
	u64 alias_bits[BALLOON_BATCH / 64] = { 0 };
	unsigned int i;
	int rc = 0, done;

	for (i = 0; i < n; i++) {
		mfns[i] = pfn_to_mfn(pfns[i]);
		if (mfns[i] == INVALID_MFN_VALUE) {
			/* An allocator page without a frame: a broken P2M.
			 * Give away only what came before it. */
			pr_err("balloon: pfn %#lx has no machine frame\n", pfns[i]);
			break;
		}
		if (image_alias_mapped(PFN_PHYS(pfns[i])))
			alias_bits[i / 64] |= 1ULL << (i % 64);
	}
	n = i;
	if (!n)
		return -EINVAL;

	xen_mc_batch_begin();
	for (i = 0; i < n; i++) {
		int r = queue_mappings(PFN_PHYS(pfns[i]), false, alias_bits[i / 64] >> (i % 64) & 1);

		if (r)
			rc = r;
	}
	if (xen_mc_batch_end())
		rc = -EIO;
	if (rc) {
		/* Some unmapping failed: put everything back as it was and
		 * give nothing. */
		for (i = 0; i < n; i++)
			if (remap_one(pfns[i], alias_bits[i / 64] >> (i % 64) & 1))
				panic("balloon: cannot map pfn %#lx again", pfns[i]);
		return -EIO;
	}
	for (i = 0; i < n; i++)
		p2m_set(pfns[i], INVALID_MFN_VALUE);
	/* Other vCPUs may still hold translations of the old mappings. */
	flush_all_tlbs();

	{
		struct xen_memory_reservation r = {
			.nr_extents = n,
			.extent_order = 0,
			.domid = DOMID_SELF,
		};

		for (i = 0; i < n; i++)
			frames[i] = mfns[i];
		set_xen_guest_handle(r.extent_start, frames);
		done = HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r);
	}
	if (done < 0 || (unsigned int)done > n) {
		pr_err("balloon: decrease_reservation of %u pages: %d\n", n, done);
		done = 0;
	}
	/* Frames Xen did not take are still ours: back into the P2M and
	 * mapped, as the caller expects of pages not given away. */
	for (i = (unsigned int)done; i < n; i++) {
		p2m_set(pfns[i], mfns[i]);
		if (remap_one(pfns[i], alias_bits[i / 64] >> (i % 64) & 1))
			panic("balloon: cannot map pfn %#lx again", pfns[i]);
	}
	return done ? done : -EBUSY;
}

/* After populate_physmap: the M2P entry of mfn must name pfn. Xen writes
 * it for PV guests; if it does not, we write it ourselves. */
static int check_m2p(unsigned long pfn, unsigned long mfn)
{
	struct mmu_update u;

	if (mfn_to_pfn(mfn) == pfn)
		return 0;
	u.ptr = ((u64)mfn << PAGE_SHIFT) | MMU_MACHPHYS_UPDATE;
	u.val = pfn;
	if (HYPERVISOR_mmu_update(&u, 1, NULL, DOMID_SELF) || mfn_to_pfn(mfn) != pfn)
		return -EIO;
	return 0;
}

/* Give frames[from..n) (MFNs that we got but cannot use) back to Xen. */
static void return_frames(unsigned long *pfns, unsigned int from, unsigned int n)
{
	struct xen_memory_reservation r = {
		.nr_extents = n - from,
		.extent_order = 0,
		.domid = DOMID_SELF,
	};

	for (unsigned int i = from; i < n; i++)
		p2m_set(pfns[i], INVALID_MFN_VALUE);
	set_xen_guest_handle(r.extent_start, &frames[from]);
	if (HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r) != (int)(n - from))
		pr_err("balloon: could not return %u unusable frames to Xen\n", n - from);
}

static int do_reclaim(unsigned long *pfns, unsigned int n)
{
	const unsigned long mfn_max = PTE_ADDR_MASK >> PAGE_SHIFT;
	struct xen_memory_reservation r = {
		.nr_extents = n,
		.extent_order = 0,
		.domid = DOMID_SELF,
	};
	unsigned int i, ok;
	int done, rc = 0;

	for (i = 0; i < n; i++)
		frames[i] = pfns[i];
	set_xen_guest_handle(r.extent_start, frames);
	done = HYPERVISOR_memory_op(XENMEM_populate_physmap, &r);
	if (done <= 0)
		return done < 0 ? done : -EBUSY;
	if ((unsigned int)done > n) {
		/* Xen says it wrote more frames than we asked for: which
		 * of the array to trust is unknown. Use none; the caller
		 * keeps the pages out and reports it. */
		pr_err("balloon: populate_physmap did %d of %u\n", done, n);
		return done;
	}

	/* The MFNs Xen wrote: each must be a frame we can map and whose
	 * M2P entry names our pfn. The first one that is not ends the
	 * batch; it and the rest go back to Xen. */
	for (ok = 0; ok < (unsigned int)done; ok++) {
		unsigned long mfn = frames[ok];

		if (mfn > mfn_max || mfn == INVALID_MFN_VALUE) {
			pr_err("balloon: populate_physmap gave frame %#lx for pfn %#lx\n", mfn,
			       pfns[ok]);
			break;
		}
		p2m_set(pfns[ok], mfn);
		if (check_m2p(pfns[ok], mfn)) {
			pr_err("balloon: M2P of frame %#lx does not name pfn %#lx\n", mfn, pfns[ok]);
			p2m_set(pfns[ok], INVALID_MFN_VALUE);
			break;
		}
	}
	if (ok < (unsigned int)done)
		return_frames(pfns, ok, (unsigned int)done);

	xen_mc_batch_begin();
	for (i = 0; i < ok; i++) {
		int q = queue_mappings(PFN_PHYS(pfns[i]), true, image_alias_possible(PFN_PHYS(pfns[i])));

		if (q)
			rc = q;
	}
	if (xen_mc_batch_end())
		rc = -EIO;
	if (rc) {
		/* Which entry failed is not known: map them one by one; a
		 * page that will not map goes back to Xen with the rest
		 * after it. */
		for (i = 0; i < ok; i++)
			if (remap_one(pfns[i], image_alias_possible(PFN_PHYS(pfns[i]))))
				break;
		if (i < ok) {
			pr_err("balloon: cannot map pfn %#lx again\n", pfns[i]);
			return_frames(pfns, i, ok);
			ok = i;
		}
	}
	return ok ? (int)ok : -EIO;
}

/* One batch of P2M changes each: the generation is odd throughout. */
static int pv_release(unsigned long *pfns, unsigned int n)
{
	int rc;

	p2m_change_begin();
	rc = do_release(pfns, n);
	p2m_change_end();
	return rc;
}

static int pv_reclaim(unsigned long *pfns, unsigned int n)
{
	int rc;

	p2m_change_begin();
	rc = do_reclaim(pfns, n);
	p2m_change_end();
	return rc;
}

const struct balloon_ops xen_balloon_pv_ops = {
	.name = "PV",
	.release = pv_release,
	.reclaim = pv_reclaim,
};
