/* Suspend for a PV guest. The save reads vCPU 0's RDX as the start_info
 * frame and rewrites start_info and shared_info for the new domain; it
 * needs every frame our page tables name to be ours (so shared_info must
 * not be mapped), the P2M findable through shared_info, and the xenstore
 * and console frames in start_info as pseudo-physical numbers (it does
 * not convert them itself). */
#include "xen-ops.h"
#include "suspend.h"
#include <xen/hypercall.h>
#include <kernel/printk.h>
#include <kernel/errno.h>
#include <asm/page.h>

/* The virtually mapped P2M list: root of the address space it is mapped
 * in, where, and how long. The save walks our page tables from there
 * (shared_info.arch.p2m_cr3), also before the guest is suspended during
 * a live migration, so this is published at boot and after each restore.
 * The generation is not touched here: Xen starts it at 0, the balloon
 * (balloon_pv.c, the only run-time writer of the P2M) increments it
 * around each batch, and a restore copies it into the new domain's
 * shared_info, so a reader never sees it go back. */
void xen_pv_publish_p2m(void)
{
	struct arch_shared_info *a = &HYPERVISOR_shared_info->arch;
	unsigned long root = pfn_to_mfn(PFN_DOWN(pv_ops->mmu->read_cr3()));

	a->max_pfn = xen_p2m_size;
	a->p2m_vaddr = (unsigned long)xen_p2m;
	a->pfn_to_mfn_frame_list_list = 0;
	WRITE_ONCE(a->p2m_cr3, xen_pfn_to_cr3(root));
}

static int pv_suspend(struct xen_resume_info *ri)
{
	struct start_info *si = xen_start_info;
	unsigned long store_mfn = si->store_mfn, cons_mfn = si->console.domU.mfn;
	unsigned long si_mfn = pfn_to_mfn(PFN_DOWN(__pa(si)));
	struct sched_shutdown s = { .reason = SHUTDOWN_suspend };
	int rc;

	xen_pv_publish_p2m();
	si->store_mfn = mfn_to_pfn(store_mfn);
	si->console.domU.mfn = mfn_to_pfn(cons_mfn);
	if (xen_pv_unmap_shared_info())
		panic("xen: suspend: cannot unmap shared_info");

	/* The third argument (RDX) names start_info for the save. */
	rc = (int)HYPERCALL(sched_op, SCHEDOP_shutdown, &s, si_mfn, 0, 0);

	if (rc) {
		/* Cancelled or a checkpoint: the same domain, which left
		 * start_info alone. */
		si->store_mfn = store_mfn;
		si->console.domU.mfn = cons_mfn;
		if (xen_pv_map_shared_info(si->shared_info))
			panic("xen: resume: cannot map shared_info again");
		return 1;
	}
	/* A new domain: the restore rewrote start_info (machine frames and
	 * event channels of the rings, where shared_info now is). */
	if (xen_pv_map_shared_info(si->shared_info))
		panic("xen: resume: cannot map the new shared_info");
	ri->store_evtchn = si->store_evtchn;
	ri->console_evtchn = si->console.domU.evtchn;
	xen_pv_publish_p2m();
	xen_pv_smp_resume();
	return 0;
}

const struct xen_suspend_mode_ops xen_suspend_pv_ops = {
	.name = "PV",
	.suspend = pv_suspend,
};
