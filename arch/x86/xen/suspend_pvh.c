/* Suspend for a PVH guest. The hypercall takes no start_info argument;
 * the HVM save stream keeps all memory (the shared_info and grant frames'
 * guest frames included, as plain pages) and the xenstore and console
 * frames, but not the event callback, and the restore hands out new ring
 * event channels through HVM parameters. */
#include "xen-ops.h"
#include "suspend.h"
#include <xen/hypercall.h>
#include <kernel/printk.h>
#include <kernel/errno.h>
#include <asm/page.h>
#include <asm/traps.h>

static int pvh_suspend(struct xen_resume_info *ri)
{
	struct sched_shutdown s = { .reason = SHUTDOWN_suspend };
	struct xen_add_to_physmap xatp = {
		.domid = DOMID_SELF,
		.space = XENMAPSPACE_shared_info,
		.gpfn = PFN_DOWN(__pa(HYPERVISOR_shared_info)),
	};
	u64 v;
	int rc;

	rc = (int)HYPERCALL(sched_op, SCHEDOP_shutdown, &s, 0, 0, 0);
	if (rc)
		return 1;   /* the same domain: everything stays */

	/* The frame that held shared_info came back as a plain page. */
	rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp);
	if (rc)
		panic("xen: resume: mapping shared_info failed: %d", rc);
	rc = hvm_set_param(HVM_PARAM_CALLBACK_IRQ,
			   ((u64)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56) | IRQ_VECTOR_XEN_CALLBACK);
	if (rc)
		panic("xen: resume: cannot set the event callback vector: %d", rc);
	if (!hvm_get_param(HVM_PARAM_STORE_EVTCHN, &v) && v < (1u << 30))
		ri->store_evtchn = (unsigned int)v;
	if (!hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN, &v) && v < (1u << 30))
		ri->console_evtchn = (unsigned int)v;
	xen_pvh_smp_resume();
	return 0;
}

const struct xen_suspend_mode_ops xen_suspend_pvh_ops = {
	.name = "PVH",
	.suspend = pvh_suspend,
};
