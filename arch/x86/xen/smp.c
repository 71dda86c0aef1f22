/* SMP pieces shared by Xen PV and PVH: counting vCPUs, per-vCPU event
 * plumbing (IPIs as event channels bound to the vCPU, the spinlock kick
 * channel, the vCPU's own VIRQ_TIMER) and sending IPIs. The mode files
 * (smp_pv.c, smp_pvh.c) start the vCPUs. */
#include <xen/xen-ops.h>
#include <xen/hypercall.h>
#include <kernel/smp.h>
#include <kernel/printk.h>
#include <kernel/errno.h>

struct ipi_ports {
	unsigned int port[NR_IPIS];
};
static DEFINE_PER_CPU(struct ipi_ports, ipi_ports);

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

void xen_send_ipi(unsigned int cpu, int kind)
{
	unsigned int port = per_cpu(ipi_ports, cpu).port[kind];

	if (port)
		evtchn_send(port);
}
