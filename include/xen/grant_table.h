/* Grant tables (drivers/xen/grant-table.c): how a guest lets another
 * domain map or copy one of its pages. The table's frames are set up per
 * boot mode (arch/x86/xen/grant-table.c: GNTTABOP_setup_table for PV,
 * XENMEM_add_to_physmap for PVH) and grow on demand up to the maximum
 * GNTTABOP_query_size reports. Refs 0-7 are reserved (console, xenstore,
 * tools) and never handed out.
 *
 * Ending access is the dangerous part (XSA-396): while the other end
 * still maps a grant, access cannot be ended, and the page must be neither
 * freed nor reused. gnttab_end_access() reports that; the ref then stays
 * allocated. gnttab_end_access_free() hands ref and page to a deferred
 * list that retries and frees only once access really ended (or leaks
 * them, with a message, if it never does).
 *
 * Every function may be called from any CPU and (except where it says
 * "may sleep") from interrupt context. */
#ifndef XEN_GRANT_TABLE_H
#define XEN_GRANT_TABLE_H

#include <kernel/compiler.h>
#include <xen/interface/xen.h>
#include <xen/interface/grant_table.h>
#include <xen/hypercall.h>

#define GNTTAB_INVALID_REF ((grant_ref_t)~0u)

/* Frame number of a direct-mapped kernel page as Xen names it for grants
 * and copies: the MFN in a PV guest, the PFN in a PVH guest. */
unsigned long xen_virt_to_gfn(const void *va);

/* Called once by the Xen backends after events work (not by drivers). */
int gnttab_init(void);
bool gnttab_available(void);
unsigned int gnttab_version(void);          /* 1 or 2 */

/* Reserve n refs (all or none); grows the table when needed (may sleep
 * then: call from thread context). -ENOSPC once the table is at its
 * maximum size and full. */
int gnttab_alloc_refs(grant_ref_t *refs, unsigned int n);
/* Give refs back. Only refs whose access was never granted or has ended. */
void gnttab_free_refs(const grant_ref_t *refs, unsigned int n);

/* Fill an allocated ref: domid may access frame gfn, read-only or not.
 * The entry is published (flags written last, after a barrier). */
void gnttab_grant_ref(grant_ref_t ref, domid_t domid, unsigned long gfn, bool readonly);
/* Allocate a ref and grant in one step; 0 or -errno. */
int gnttab_grant_access(domid_t domid, unsigned long gfn, bool readonly, grant_ref_t *ref);

/* Revoke access atomically: 0 if the entry was not in use and is now
 * invalid (the ref is still allocated: free it or re-grant it); -EBUSY if
 * the other end has it mapped (the page must stay; under v1 nothing
 * changed, under v2 the entry no longer permits new mappings but the
 * existing one lives on; call again later). -EINVAL for a ref that is
 * reserved or outside the table. */
int gnttab_end_access(grant_ref_t ref);
/* Revoke, then free ref and the n pages at va (from alloc_pages) now if
 * access ended, else later from the deferred list. Never fails. */
void gnttab_end_access_free(grant_ref_t ref, void *va, unsigned long n);
/* Whether the other end has the grant mapped right now (for checks only:
 * never decide to free on it; the answer may be stale at once). */
bool gnttab_is_mapped(grant_ref_t ref);

/* GNTTABOP_copy in batches; each op's status is set. Returns 0 if the
 * hypercall ran (check each status), else -errno. Thread context. */
int gnttab_copy(struct gnttab_copy *ops, unsigned int n);

/* For checks and the self-tests: the entry's flags as they stand (GTF_*;
 * under v2 with GTF_reading/GTF_writing taken from the status frame), or
 * -EINVAL for a reserved or out-of-range ref. Never decide to free on it. */
int gnttab_entry_flags(grant_ref_t ref);

/* For the self-tests: one page-sized slot where a grant can be mapped with
 * GNTTABOP_map_grant_ref and GNTMAP_host_map. *host_addr is what to pass
 * as host_addr (PV: a kernel virtual address with a page table behind it;
 * PVH: a guest-physical address in the hole the table frames use); the
 * return value is where the kernel reads the mapped page, or NULL when
 * there is no slot. */
void *gnttab_test_slot(u64 *host_addr);

struct gnttab_stats {
	unsigned int version;
	unsigned int nr_frames, max_frames;
	unsigned int refs_total, refs_used;     /* refs_total excludes 0-7 */
	unsigned long grants, ends, end_busy;   /* end_busy: revokes refused */
	unsigned long deferred, deferred_freed, leaked;
	unsigned long copies, copy_errors, grows;
};
void gnttab_get_stats(struct gnttab_stats *st);

/* GNTTABOP_*: uop points at count structures of the kind cmd names. */
static inline int HYPERVISOR_grant_table_op(unsigned int cmd, void *uop, unsigned int count)
{
	return (int)HYPERCALL(grant_table_op, cmd, uop, count, 0, 0);
}

/* ---- Between drivers/xen/grant-table.c and the per-mode frame mapping
 * (arch/x86/xen/grant-table.c); not for drivers. One table is chosen at
 * boot (PV or PVH) and never changes. */
struct gnttab_frame_ops {
	const char *name;
	/* Set aside kernel address space (and, for PVH, guest-physical
	 * space) for max_frames table frames and max_status status frames
	 * (v2; 0 under v1), plus the self-test slot; return where the table
	 * and the status frames will appear. Called once. */
	int (*reserve)(unsigned int max_frames, unsigned int max_status, void **shared,
		       void **status);
	/* Grow Xen's table to nr frames (nr_status status frames under v2)
	 * and map those not mapped yet (have, have_status). May sleep. */
	int (*map)(unsigned int have, unsigned int nr, unsigned int have_status,
		   unsigned int nr_status);
	/* Whether some frame this guest may grant is not expressible in a v1
	 * entry's 32-bit frame field. */
	bool (*needs_v2)(void);
	/* See gnttab_test_slot(). */
	void *(*test_slot)(u64 *host_addr);
	/* Before a suspend: take the frames (have, have_status) out of our
	 * page tables if the save would refuse them there (PV: they are
	 * Xen's frames). NULL: nothing to do. Events off. */
	void (*unmap)(unsigned int have, unsigned int have_status);
};
extern const struct gnttab_frame_ops xen_gnttab_pv_frame_ops;
extern const struct gnttab_frame_ops xen_gnttab_pvh_frame_ops;

#endif
