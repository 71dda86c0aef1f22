/* Xen PVH SMP: a secondary vCPU is started by hypercall, directly in
 * 64-bit mode on the kernel's page tables (VCPUOP_initialise with a
 * vcpu_hvm_context, then VCPUOP_up). PVH allows this as well as the local
 * APIC's INIT-SIPI-SIPI; the hypercall needs no real-mode trampoline below
 * 1 MiB and no emulated APIC, and it is what Xen documents for PVH. */
#include "xen-ops.h"
#include <xen/hypercall.h>
#include <xen/interface/hvm/hvm_vcpu.h>
#include <kernel/smp.h>
#include <kernel/printk.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <asm/processor.h>
#include <asm/page.h>
#include "suspend.h"

#define MSR_GS_BASE 0xc0000101

void secondary_startup_64(void);

static bool initialised[NR_CPUS];

/* In a new domain a vCPU that was down at the save has no context:
 * VCPUOP_initialise it again as it comes up. */
void xen_pvh_smp_resume(void)
{
	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
		initialised[cpu] = false;
}

static void xen_pvh_set_cpu_base(struct cpu *c)
{
	native_wrmsr(MSR_GS_BASE, (u64)(unsigned long)c);
}

static unsigned long read_cr(int n)
{
	unsigned long v = 0;

	if (n == 0)
		__asm__ __volatile__("mov %%cr0, %0" : "=r"(v));
	else if (n == 3)
		__asm__ __volatile__("mov %%cr3, %0" : "=r"(v));
	else
		__asm__ __volatile__("mov %%cr4, %0" : "=r"(v));
	return v;
}

static int xen_pvh_start_cpu(unsigned int cpu, void *stack_top)
{
	struct cpu *c = &cpu_data[cpu];
	struct vcpu_hvm_context ctx;
	int rc;

	rc = xen_vcpu_info_setup(cpu);
	if (rc)
		return rc;
	if (!initialised[cpu]) {
		memset(&ctx, 0, sizeof(ctx));
		ctx.mode = VCPU_HVM_MODE_64B;
		/* The same paging and mode as the boot vCPU. */
		ctx.cpu_regs.x86_64.cr0 = read_cr(0);
		ctx.cpu_regs.x86_64.cr3 = read_cr(3);
		ctx.cpu_regs.x86_64.cr4 = read_cr(4);
		ctx.cpu_regs.x86_64.efer = native_rdmsr(MSR_EFER);
		ctx.cpu_regs.x86_64.rip = (unsigned long)secondary_startup_64;
		ctx.cpu_regs.x86_64.rsp = (unsigned long)stack_top;
		ctx.cpu_regs.x86_64.rdi = (unsigned long)c;
		ctx.cpu_regs.x86_64.rsi = (unsigned long)stack_top;
		ctx.cpu_regs.x86_64.rflags = 0x2;
		rc = HYPERVISOR_vcpu_op(VCPUOP_initialise, c->vcpu_id, &ctx);
		if (rc) {
			pr_err("smp: VCPUOP_initialise(vCPU %u): %d\n", c->vcpu_id, rc);
			return rc;
		}
		initialised[cpu] = true;
	}
	return xen_vcpu_up(c);
}

static void __noreturn xen_pvh_cpu_die(void)
{
	xen_vcpu_down_and_reenter(secondary_startup_64);
}

const struct pv_smp_ops xen_pvh_smp_ops = {
	.set_cpu_base = xen_pvh_set_cpu_base,
	.detect_cpus = xen_detect_cpus,
	.cpu_setup = xen_smp_cpu_setup,
	.start_cpu = xen_pvh_start_cpu,
	.send_ipi = xen_send_ipi,
	.cpu_die = xen_pvh_cpu_die,
	.cpu_dead = xen_cpu_dead,
};
