/* Where the grant table's frames appear in our address space, per guest
 * mode (the generic side is drivers/xen/grant-table.c; which table is used
 * is decided once at boot):
 *
 * - PV: GNTTABOP_setup_table grows Xen's table and returns the machine
 *   frames; we map them with update_va_mapping into kernel virtual space
 *   set aside at boot. They are Xen's frames, not in our P2M, so the
 *   generic vmap (which translates pseudo-physical addresses) cannot map
 *   them directly.
 * - PVH: XENMEM_add_to_physmap(XENMAPSPACE_grant_table) puts frame i at a
 *   guest frame we choose; Xen first removes whatever page is at that
 *   frame, so it must be one that holds nothing: never RAM, never a
 *   device. The kernel maps that guest-physical window once, ahead.
 *
 * Both keep the window for the table's maximum size from the start, so
 * growing never moves frames already in use.
 *
 * Locking: reserve() runs once from gnttab_init(); map() is called with
 * the grant table's grow mutex held (drivers/xen/grant-table.c), which
 * serialises every use of the state here. */
#include "xen-ops.h"
#include <xen/grant_table.h>
#include <xen/hypercall.h>
#include <kernel/boot.h>
#include <kernel/memmap.h>
#include <kernel/mm.h>
#include <kernel/printk.h>
#include <kernel/errno.h>
#include <asm/page.h>

/* Kernel virtual windows, shared by both modes. */
static void *win_shared, *win_status, *win_slot;

unsigned long xen_virt_to_gfn(const void *va)
{
	unsigned long pfn = PFN_DOWN(__pa(va));

	if (IS_ENABLED(CONFIG_XEN_PV) && xen_pv_domain)
		return pfn_to_mfn(pfn);
	return pfn;
}

/* ---------------------------------------------------------------- PV */

/* Kernel address space with page tables behind it: vmap_phys() maps a
 * stretch of our own low memory read-only, which makes the page tables
 * exist; each page's entry is then pointed at a grant frame as the table
 * grows. The low pages themselves stay ours and are only aliased. */
static void *pv_window(unsigned int pages)
{
	if (!pages)
		return NULL;
	return vmap_phys(0, (unsigned long)pages * PAGE_SIZE, PAGE_KERNEL_RO | PTE_NX);
}

static int pv_reserve(unsigned int max_frames, unsigned int max_status, void **shared,
		      void **status)
{
	win_shared = pv_window(max_frames);
	win_status = pv_window(max_status);
	win_slot = pv_window(1);
	if (!win_shared || (max_status && !win_status) || !win_slot)
		return -ENOMEM;
	*shared = win_shared;
	*status = win_status;
	return 0;
}

static int pv_map_mfn(void *va, u64 mfn, u64 flags)
{
	u64 pte = (mfn << PAGE_SHIFT) | flags;

	if (mfn > (PTE_ADDR_MASK >> PAGE_SHIFT))
		return -ERANGE;
	/* Every CPU may have the old read-only alias cached. */
	return HYPERVISOR_update_va_mapping((unsigned long)va, pte, UVMF_INVLPG | UVMF_ALL);
}

static int pv_map(unsigned int have, unsigned int nr, unsigned int have_status,
		  unsigned int nr_status)
{
	unsigned int n = nr > nr_status ? nr : nr_status;
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = nr };
	struct gnttab_get_status_frames gs = { .dom = DOMID_SELF, .nr_frames = nr_status };
	u64 *frames;
	int rc;

	if (!IS_ENABLED(CONFIG_XEN_PV))
		return -ENODEV;
	/* xen_pfn_t and the status list's uint64_t are both 8 bytes. */
	_Static_assert(sizeof(xen_pfn_t) == sizeof(u64), "one frame list for both");
	frames = kmalloc(n * sizeof(u64));
	if (!frames)
		return -ENOMEM;
	set_xen_guest_handle(st.frame_list, (xen_pfn_t *)frames);
	rc = HYPERVISOR_grant_table_op(GNTTABOP_setup_table, &st, 1);
	if (!rc && st.status != GNTST_okay)
		rc = -ENOSPC;
	for (unsigned int i = have; !rc && i < nr; i++)
		rc = pv_map_mfn((char *)win_shared + (unsigned long)i * PAGE_SIZE, frames[i],
				PAGE_KERNEL | PTE_NX);
	if (!rc && nr_status > have_status) {
		set_xen_guest_handle(gs.frame_list, frames);
		rc = HYPERVISOR_grant_table_op(GNTTABOP_get_status_frames, &gs, 1);
		if (!rc && gs.status != GNTST_okay)
			rc = -EIO;
		/* Only Xen writes status frames: read-only for us. */
		for (unsigned int i = have_status; !rc && i < nr_status; i++)
			rc = pv_map_mfn((char *)win_status + (unsigned long)i * PAGE_SIZE,
					frames[i], PAGE_KERNEL_RO | PTE_NX);
	}
	kfree(frames);
	return rc;
}

/* A PV domain's pages may sit anywhere in the host's memory: v2 is needed
 * if the host has machine frames a v1 entry cannot name. */
static bool pv_needs_v2(void)
{
	long max_mfn = HYPERCALL(memory_op, XENMEM_maximum_ram_page, 0, 0, 0, 0);

	return max_mfn > 0 && (unsigned long)max_mfn > 0xffffffffUL;
}

static void *pv_test_slot(u64 *host_addr)
{
	*host_addr = (unsigned long)win_slot;
	return win_slot;
}

/* Not-present entries: the save walks our page tables and refuses a
 * frame that is not the domain's; map() puts the frames back. */
static void pv_unmap(unsigned int have, unsigned int have_status)
{
	for (unsigned int i = 0; i < have; i++)
		HYPERVISOR_update_va_mapping((unsigned long)win_shared + i * PAGE_SIZE, 0,
					     UVMF_INVLPG | UVMF_LOCAL);
	for (unsigned int i = 0; i < have_status; i++)
		HYPERVISOR_update_va_mapping((unsigned long)win_status + i * PAGE_SIZE, 0,
					     UVMF_INVLPG | UVMF_LOCAL);
}

const struct gnttab_frame_ops xen_gnttab_pv_frame_ops = {
	.name = "PV setup_table",
	.unmap = pv_unmap,
	.reserve = pv_reserve,
	.map = pv_map,
	.needs_v2 = pv_needs_v2,
	.test_slot = pv_test_slot,
};

/* ---------------------------------------------------------------- PVH */

static u64 pvh_base_gfn, pvh_slot_gfn;
static unsigned int pvh_max_frames;

/* Guest frames for the table: [base, base + max_frames) table frames, then
 * the status frames, then the self-test slot.
 *
 * Why this is safe: add_to_physmap throws away what is at the target
 * frame, so it must be neither RAM nor a device.
 * - The hardware domain's map is the host's. Xen marks host RAM it did not
 *   give dom0 as unusable: real memory, so no device decodes there, and
 *   not populated in our physmap. An unusable region big enough is used.
 * - Otherwise (every domU: it has no devices besides what its memory map
 *   lists) the first 2 MiB boundary above both 4 GiB and the end of every
 *   region of the memory map. Below 4 GiB sit the local APIC and other
 *   fixed ranges that need not be listed; above the map nothing exists. */
static u64 pvh_pick_base(unsigned long pages)
{
	const struct memmap *m = &boot_info.memmap;
	u64 bytes = (u64)pages * PAGE_SIZE, top = 1ULL << 32;

	if (xen_initial_domain) {
		for (unsigned int i = 0; i < m->nr; i++) {
			const struct mem_region *r = &m->r[i];
			u64 start = ALIGN_UP(r->base, PAGE_SIZE);

			if (r->type != MEM_UNUSABLE || start < r->base ||
			    r->base + r->size < start + bytes)
				continue;
			return start >> PAGE_SHIFT;
		}
		pr_warn("xen: grant table: no unusable host RAM region to hold %lu frames, "
			"using the space above the memory map\n", pages);
	}
	for (unsigned int i = 0; i < m->nr; i++)
		if (m->r[i].base + m->r[i].size > top)
			top = m->r[i].base + m->r[i].size;
	return ALIGN_UP(top, LARGE_PAGE_SIZE) >> PAGE_SHIFT;
}

static int pvh_reserve(unsigned int max_frames, unsigned int max_status, void **shared,
		       void **status)
{
	unsigned long pages = (unsigned long)max_frames + max_status + 1;
	phys_addr_t pa;

	pvh_base_gfn = pvh_pick_base(pages);
	pvh_max_frames = max_frames;
	pvh_slot_gfn = pvh_base_gfn + pages - 1;
	pa = pvh_base_gfn << PAGE_SHIFT;
	/* Mapped ahead of time: nothing reads a frame before it exists. */
	win_shared = vmap_phys(pa, (unsigned long)max_frames * PAGE_SIZE, PAGE_KERNEL | PTE_NX);
	if (max_status)
		win_status = vmap_phys(pa + (u64)max_frames * PAGE_SIZE,
				       (unsigned long)max_status * PAGE_SIZE,
				       PAGE_KERNEL_RO | PTE_NX);
	win_slot = vmap_phys(pa + (u64)(pages - 1) * PAGE_SIZE, PAGE_SIZE, PAGE_KERNEL | PTE_NX);
	if (!win_shared || (max_status && !win_status) || !win_slot)
		return -ENOMEM;
	pr_info("xen: grant table frames at guest frames %#llx-%#llx\n",
		(unsigned long long)pvh_base_gfn,
		(unsigned long long)(pvh_base_gfn + pages - 1));
	*shared = win_shared;
	*status = win_status;
	return 0;
}

static int pvh_add(unsigned long idx, u64 gfn)
{
	struct xen_add_to_physmap x = {
		.domid = DOMID_SELF,
		.space = XENMAPSPACE_grant_table,
		.idx = idx,
		.gpfn = gfn,
	};

	return HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x);
}

static int pvh_map(unsigned int have, unsigned int nr, unsigned int have_status,
		   unsigned int nr_status)
{
	int rc = 0;

	/* Xen grows its table up to the index asked for: the highest index
	 * first grows it once, the rest find their frames there already. */
	for (unsigned int i = nr; !rc && i-- > have;)
		rc = pvh_add(i, pvh_base_gfn + i);
	/* Status frames exist once the table has grown (v2). */
	for (unsigned int i = have_status; !rc && i < nr_status; i++)
		rc = pvh_add(i | XENMAPIDX_grant_table_status,
			     pvh_base_gfn + pvh_max_frames + i);
	return rc;
}

static bool pvh_needs_v2(void)
{
	const struct memmap *m = &boot_info.memmap;

	for (unsigned int i = 0; i < m->nr; i++)
		if (m->r[i].type == MEM_RAM && (m->r[i].base + m->r[i].size) >> PAGE_SHIFT >
						       0x100000000ULL)
			return true;
	return false;
}

static void *pvh_test_slot(u64 *host_addr)
{
	*host_addr = pvh_slot_gfn << PAGE_SHIFT;
	return win_slot;
}

const struct gnttab_frame_ops xen_gnttab_pvh_frame_ops = {
	.name = "PVH add_to_physmap",
	.reserve = pvh_reserve,
	.map = pvh_map,
	.needs_v2 = pvh_needs_v2,
	.test_slot = pvh_test_slot,
};
