/* SMP pieces shared by Xen PV and PVH: counting vCPUs, per-vCPU event
 * plumbing (IPIs as event channels bound to the vCPU, the spinlock kick
 * channel, the vCPU's own VIRQ_TIMER) and sending IPIs. The mode files
 * (smp_pv.c, smp_pvh.c) start the vCPUs. */
#include "xen-ops.h"
#include <xen/hypercall.h>
#include <kernel/smp.h>
#include <kernel/printk.h>
#include <kernel/errno.h>
#include <asm/page.h>
#include <xen/suspend.h>
#include "suspend.h"

struct ipi_ports {
	unsigned int port[NR_IPIS];
};
static DEFINE_PER_CPU(struct ipi_ports, ipi_ports);

/* Per-vCPU vcpu_info areas, registered with Xen so that vCPUs beyond the
 * 32 slots of shared_info work, and each vCPU's hot data sits in a line
 * of its own. One page holds them all (64 bytes each, NR_CPUS <= 64). */
static struct vcpu_info vcpu_info_area[NR_CPUS] __aligned(PAGE_SIZE);
static bool vcpu_info_registered[NR_CPUS];

BUILD_BUG_ON(sizeof(vcpu_info_area) > PAGE_SIZE);

/* Register cpu's own vcpu_info (once: Xen refuses a second time, and it
 * survives VCPUOP_down). Falls back to the shared_info slot if Xen says
 * no and the vCPU has one. */
int xen_vcpu_info_setup(unsigned int cpu)
{
	unsigned int vcpu = cpu_data[cpu].vcpu_id;
	struct vcpu_info *vi = &vcpu_info_area[cpu];
	struct vcpu_register_vcpu_info r;
	unsigned long pfn = PFN_DOWN(__pa(vi)), flags;
	int rc;

	if (vcpu_info_registered[cpu]) {
		xen_vcpu_info[cpu] = vi;
		return 0;
	}
	if (vcpu < XEN_LEGACY_MAX_VCPUS && !xen_vcpu_info[cpu])
		xen_vcpu_info[cpu] = &HYPERVISOR_shared_info->vcpu_info[vcpu];
	/* PV names frames by machine number, PVH by guest frame number. */
	r.mfn = IS_ENABLED(CONFIG_XEN_PV) && xen_pv_domain ? pfn_to_mfn(pfn) : pfn;
	r.offset = (u32)((unsigned long)vi & (PAGE_SIZE - 1));
	r.rsvd = 0;
	/* Events off: Xen copies the current vcpu_info (the event mask
	 * included) into the new area, and the pointer must move with it. */
	flags = local_irq_save();
	rc = HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, vcpu, &r);
	if (!rc) {
		xen_vcpu_info[cpu] = vi;
		vcpu_info_registered[cpu] = true;
	}
	local_irq_restore(flags);
	if (rc) {
		if (vcpu >= XEN_LEGACY_MAX_VCPUS) {
			pr_err("xen: vCPU %u: registering its vcpu_info failed (%d)\n", vcpu, rc);
			return rc;
		}
		xen_vcpu_info[cpu] = &HYPERVISOR_shared_info->vcpu_info[vcpu];
		if (cpu == 0)
			pr_warn("xen: vcpu_info registration refused (%d); using shared_info\n", rc);
	}
	return 0;
}

/* In a new domain Xen knows no vcpu_info area of ours: vCPU 0 uses its
 * shared_info slot (events masked there, as we left it at boot) until it
 * registers again, which must come before the clock or the event mask is
 * read from our area. The other vCPUs are down and register as they come
 * up. Also forgets the boot vCPU's ports: Xen has none of them now. */
void xen_vcpu_info_resume(void)
{
	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
		vcpu_info_registered[cpu] = false;
	HYPERVISOR_shared_info->vcpu_info[cpu_data[0].vcpu_id].evtchn_upcall_mask = 1;
	xen_vcpu_info[0] = &HYPERVISOR_shared_info->vcpu_info[cpu_data[0].vcpu_id];
	if (xen_vcpu_info_setup(0))
		panic("xen: resume: cannot register vCPU 0's vcpu_info");
	/* Xen copied the slot's mask (set) into our area: events stay off. */
}

/* The boot CPU's per-vCPU ports in a new domain: forget the old numbers
 * (Xen has none of them) and bind new ones. Events off. */
static void xen_cpu0_resume_noirq(const struct xen_resume_info *ri)
{
	int rc;

	if (!ri->new_domain)
		return;
	for (int k = 0; k < NR_IPIS; k++)
		per_cpu(ipi_ports, 0).port[k] = 0;
	xen_spinlock_resume_forget(0);
	xen_time_resume_forget(0);
	rc = xen_smp_cpu_setup(0);
	if (rc)
		panic("xen: resume: the boot vCPU's event channels: %d", rc);
}

static struct xen_pm_hook cpu0_hook = {
	.name = "boot vCPU ports",
	.level = XEN_PM_CPU,
	.resume_noirq = xen_cpu0_resume_noirq,
};

void xen_smp_pm_init(void)
{
	xen_pm_register(&cpu0_hook);
}

unsigned int xen_detect_cpus(unsigned int max)
{
	unsigned int n = 0;

	/* vCPU ids are dense from 0; VCPUOP_is_up fails (-ENOENT) past the
	 * domain's last one. */
	for (unsigned int v = 0; v < max; v++) {
		if (HYPERVISOR_vcpu_op(VCPUOP_is_up, v, NULL) < 0)
			break;
		cpu_data[v].vcpu_id = v;
		n++;
	}
	if (n == max && HYPERVISOR_vcpu_op(VCPUOP_is_up, max, NULL) >= 0)
		pr_warn("xen: the domain has more than %u vCPUs (CONFIG_NR_CPUS); the rest stay down\n",
			max);
	return n ? n : 1;
}

static void ipi_event(unsigned int port, void *data)
{
	smp_ipi_received((enum ipi_kind)(unsigned long)data);
}

int xen_smp_cpu_setup(unsigned int cpu)
{
	unsigned int vcpu = cpu_data[cpu].vcpu_id;
	int rc;

	/* The boot vCPU's here; the others' before they start (start_cpu). */
	if (cpu == 0) {
		rc = xen_vcpu_info_setup(0);
		if (rc)
			return rc;
	}
	/* The vCPU's event state (FIFO control block) before its ports. */
	rc = evtchn_cpu_init(cpu);
	if (rc) {
		pr_err("xen: event channels for vCPU %u: %d\n", vcpu, rc);
		return rc;
	}

	for (int k = 0; k < NR_IPIS; k++) {
		unsigned int port;

		if (per_cpu(ipi_ports, cpu).port[k])
			continue;
		rc = evtchn_bind_ipi(vcpu, &port);
		if (!rc)
			rc = evtchn_bind_cpu(port, ipi_event, (void *)(unsigned long)k, cpu);
		if (rc) {
			pr_err("xen: IPI %d for vCPU %u: %d\n", k, vcpu, rc);
			return rc;
		}
		per_cpu(ipi_ports, cpu).port[k] = port;
	}
	rc = xen_spinlock_cpu_setup(cpu);
	if (rc)
		return rc;
	return xen_time_cpu_setup(cpu);
}

void xen_smp_cpu_teardown(unsigned int cpu)
{
	for (int k = 0; k < NR_IPIS; k++) {
		unsigned int port = per_cpu(ipi_ports, cpu).port[k];

		per_cpu(ipi_ports, cpu).port[k] = 0;
		if (port)
			evtchn_close(port);
	}
	xen_spinlock_cpu_dead(cpu);
	xen_time_cpu_teardown(cpu);
	/* Driver ports that followed this CPU go back to the boot CPU. */
	evtchn_move_cpu_ports(cpu);
}

void __noreturn secondary_reenter(struct cpu *c, void *stack_top, void (*entry)(void));

/* Start a vCPU whose context Xen has (VCPUOP_initialise), or resume one
 * that went down: it then continues in xen_vcpu_down_and_reenter(). */
int xen_vcpu_up(struct cpu *c)
{
	int rc = HYPERVISOR_vcpu_op(VCPUOP_up, c->vcpu_id, NULL);

	if (rc)
		pr_err("smp: VCPUOP_up(vCPU %u): %d\n", c->vcpu_id, rc);
	return rc;
}

/* The end of a vCPU going offline: undo its per-vCPU plumbing and stop.
 * VCPUOP_up resumes it right after VCPUOP_down, so it then starts over
 * through its mode's entry on a clean idle stack. */
void __noreturn xen_vcpu_down_and_reenter(void (*entry)(void))
{
	struct cpu *c = this_cpu();

	xen_smp_cpu_teardown(c->id);
	HYPERVISOR_vcpu_op(VCPUOP_down, c->vcpu_id, NULL);
	secondary_reenter(c, (char *)c->idle_stack + CPU_IDLE_STACK_PAGES * PAGE_SIZE, entry);
}

/* On a CPU that stays: wait until Xen has the vCPU down, so that it may
 * be brought up again. */
void xen_cpu_dead(unsigned int cpu)
{
	for (int i = 0; i < 100000 && HYPERVISOR_vcpu_op(VCPUOP_is_up, cpu_data[cpu].vcpu_id, NULL) > 0;
	     i++)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
}

void xen_send_ipi(unsigned int cpu, int kind)
{
	unsigned int port = per_cpu(ipi_ports, cpu).port[kind];

	if (port)
		evtchn_send(port);
}
