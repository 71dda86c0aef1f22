/* Xen PV SMP: a secondary vCPU is started with VCPUOP_initialise, which
 * takes its whole initial context (registers, kernel stack, page-table
 * base, GS base), then VCPUOP_up. The vCPU loads its own trap table and
 * callbacks first thing (pv_ops->cpu->load_idt), as the boot vCPU did. */
#include "xen-ops.h"
#include <xen/hypercall.h>
#include <kernel/smp.h>
#include <kernel/printk.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <kernel/mm.h>
#include <asm/page.h>
#include "suspend.h"

void xen_pv_secondary_startup(void);
void __noreturn xen_pv_secondary_start(struct cpu *c);

static bool initialised[NR_CPUS];

/* In a new domain a vCPU that was down at the save has no context:
 * VCPUOP_initialise it again as it comes up. */
void xen_pv_smp_resume(void)
{
	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
		initialised[cpu] = false;
}

static void xen_pv_set_cpu_base(struct cpu *c)
{
	HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, (unsigned long)c);
}

void __noreturn xen_pv_secondary_start(struct cpu *c)
{
	pv_ops->cpu->load_idt();
	secondary_start();
}

static int xen_pv_start_cpu(unsigned int cpu, void *stack_top)
{
	struct cpu *c = &cpu_data[cpu];
	struct vcpu_guest_context *ctx;
	unsigned long top_mfn;
	int rc;

	rc = xen_mc_cpu_init(cpu);
	if (rc)
		return rc;
	rc = xen_vcpu_info_setup(cpu);
	if (rc)
		return rc;
	/* Events stay off until the vCPU has its callbacks. */
	xen_vcpu_info[cpu]->evtchn_upcall_mask = 1;
	if (!initialised[cpu]) {
		ctx = kzalloc(sizeof(*ctx));
		if (!ctx)
			return -ENOMEM;
		top_mfn = pfn_to_mfn(PFN_DOWN(pv_ops->mmu->read_cr3()));
		ctx->flags = VGCF_in_kernel;
		ctx->user_regs.rip = (unsigned long)xen_pv_secondary_startup;
		ctx->user_regs.rsp = (unsigned long)stack_top;
		ctx->user_regs.rdi = (unsigned long)c;
		ctx->user_regs.rsi = (unsigned long)stack_top;
		ctx->user_regs.cs = FLAT_KERNEL_CS;
		ctx->user_regs.ss = FLAT_KERNEL_SS;
		ctx->user_regs.ds = FLAT_KERNEL_DS;
		ctx->user_regs.es = FLAT_KERNEL_DS;
		ctx->user_regs.eflags = 0x1000; /* IOPL 1, as Xen's own PV guests start */
		ctx->kernel_ss = FLAT_KERNEL_SS;
		ctx->kernel_sp = (unsigned long)stack_top;
		ctx->ctrlreg[3] = (unsigned long)top_mfn << PAGE_SHIFT;
		ctx->gs_base_kernel = (unsigned long)c;
		rc = HYPERVISOR_vcpu_op(VCPUOP_initialise, c->vcpu_id, ctx);
		kfree(ctx);
		if (rc) {
			pr_err("smp: VCPUOP_initialise(vCPU %u): %d\n", c->vcpu_id, rc);
			return rc;
		}
		initialised[cpu] = true;
	}
	return xen_vcpu_up(c);
}

static void __noreturn xen_pv_cpu_die(void)
{
	xen_vcpu_down_and_reenter(xen_pv_secondary_startup);
}

static void xen_pv_flush_tlb_mask(unsigned long mask)
{
	struct mmuext_op op = { .cmd = MMUEXT_TLB_FLUSH_MULTI };
	unsigned long vmask = 0;
	unsigned int cpu;

	for_each_online_cpu(cpu)
		if (mask & (1UL << cpu))
			vmask |= 1UL << cpu_data[cpu].vcpu_id;
	set_xen_guest_handle(op.arg2.vcpumask, &vmask);
	if (HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF))
		pr_err("xen: TLB shootdown failed\n");
}

const struct pv_smp_ops xen_pv_smp_ops = {
	.set_cpu_base = xen_pv_set_cpu_base,
	.detect_cpus = xen_detect_cpus,
	.cpu_setup = xen_smp_cpu_setup,
	.start_cpu = xen_pv_start_cpu,
	.send_ipi = xen_send_ipi,
	.cpu_die = xen_pv_cpu_die,
	.cpu_dead = xen_cpu_dead,
	.flush_tlb_mask = xen_pv_flush_tlb_mask,
};
