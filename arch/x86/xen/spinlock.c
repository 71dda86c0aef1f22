/* Xen spinlock slow path: a waiter that has spun for a while blocks its
 * vCPU in SCHEDOP_poll on a per-vCPU event channel (bound with bind_ipi
 * and kept masked, so it never raises an upcall); the holder's unlock
 * finds it by (lock, ticket) and kicks that channel. A preempted holder
 * then costs the waiters no CPU time. */
#include "xen-ops.h"
#include <xen/hypercall.h>
#include <kernel/spinlock.h>
#include <kernel/smp.h>
#include <kernel/time.h>
#include <asm/processor.h>

/* Upper bound on one poll: a lost kick costs at most this much. */
#define POLL_TIMEOUT_NS (1 * NSEC_PER_MSEC)

struct lock_waiting {
	struct spinlock *lock;
	u16 ticket;
};

static DEFINE_PER_CPU(unsigned int, kick_port);
static DEFINE_PER_CPU(struct lock_waiting, waiting);

int xen_spinlock_cpu_setup(unsigned int cpu)
{
	unsigned int port;
	int rc;

	if (per_cpu(kick_port, cpu))
		return 0;
	rc = evtchn_bind_ipi(cpu_data[cpu].vcpu_id, &port);
	if (rc)
		return rc;
	/* Never unmasked: SCHEDOP_poll sees it pending without an upcall. */
	per_cpu(kick_port, cpu) = port;
	return 0;
}

/* In a new domain: the port is gone with the old domain; bind anew. */
void xen_spinlock_resume_forget(unsigned int cpu)
{
	per_cpu(kick_port, cpu) = 0;
}

void xen_spinlock_cpu_dead(unsigned int cpu)
{
	unsigned int port = per_cpu(kick_port, cpu);

	per_cpu(kick_port, cpu) = 0;
	if (port)
		evtchn_close(port);
}

static void xen_lock_wait(struct spinlock *l, u16 ticket)
{
	unsigned int cpu = smp_processor_id();
	unsigned int port = per_cpu(kick_port, cpu);
	struct lock_waiting *w = &per_cpu(waiting, cpu);
	unsigned long flags;

	if (!port)
		return; /* too early: keep spinning */
	/* Events off: an interrupt handler waiting for another lock would
	 * overwrite our record. SCHEDOP_poll works with events masked. */
	flags = local_irq_save();
	evtchn_clear_pending(port);
	w->ticket = ticket;
	__atomic_store_n(&w->lock, l, __ATOMIC_SEQ_CST);
	/* Re-check after announcing ourselves (pairs with spin_unlock's
	 * barrier): either the holder sees our record or we see it freed. */
	if (__atomic_load_n(&l->head, __ATOMIC_ACQUIRE) != ticket) {
		evtchn_port_t p = port;
		struct sched_poll poll = { .nr_ports = 1, .timeout = clock_ns() + POLL_TIMEOUT_NS };

		set_xen_guest_handle(poll.ports, &p);
		HYPERVISOR_sched_op(SCHEDOP_poll, &poll);
	}
	__atomic_store_n(&w->lock, NULL, __ATOMIC_SEQ_CST);
	local_irq_restore(flags);
}

static void xen_lock_kick(struct spinlock *l, u16 ticket)
{
	unsigned int cpu;

	for_each_online_cpu(cpu) {
		struct lock_waiting *w = &per_cpu(waiting, cpu);

		if (__atomic_load_n(&w->lock, __ATOMIC_ACQUIRE) == l && READ_ONCE(w->ticket) == ticket) {
			evtchn_send(per_cpu(kick_port, cpu));
			return;
		}
	}
}

const struct pv_lock_ops xen_lock_ops = {
	.wait = xen_lock_wait,
	.kick = xen_lock_kick,
};
