/* The kernel's event-channel API for Xen drivers (drivers/xen/events.c).
 * Ports are bound masked; evtchn_bind*() attaches a handler and unmasks.
 * Handlers run in interrupt context on the port's CPU, with events off:
 * they only record work and wake threads. */
#ifndef XEN_EVENTS_H
#define XEN_EVENTS_H

#include <kernel/compiler.h>
#include <xen/interface/xen.h>

typedef void (*evtchn_handler_t)(unsigned int port, void *data);

/* The ABI-specific part: 2-level bitmaps or FIFO queues. Ports at or past
 * max_channels never reach these ops; ports below it do once setup_port
 * (when there is one) has accepted them. */
struct evtchn_ops {
	const char *name;
	unsigned int max_channels;
	/* Switch Xen to this ABI and set up the boot vCPU; -errno leaves Xen
	 * on the ABI it was on (the caller falls back to 2-level). */
	int (*init)(void);
	/* Register cpu's per-vCPU state with Xen (FIFO: its control block)
	 * before any port is bound to it; 0 if already done. NULL: none. */
	int (*cpu_init)(unsigned int cpu);
	/* Make port usable (FIFO: add event array pages up to it); a new
	 * page comes masked. NULL: every port below max_channels is. */
	int (*setup_port)(unsigned int port);
	void (*mask)(unsigned int port);
	void (*unmask)(unsigned int port);
	void (*clear_pending)(unsigned int port);
	bool (*is_pending)(unsigned int port);
	bool (*is_masked)(unsigned int port);
	/* The port now belongs to cpu (was old). */
	void (*bind_to_cpu)(unsigned int port, unsigned int old, unsigned int cpu);
	/* Find this CPU's pending, unmasked ports; evtchn_dispatch() each.
	 * Runs on cpu itself with events off. */
	void (*handle_events)(unsigned int cpu);
	/* EVTCHN_FIFO_PRIORITY_MAX (0, first) .. _MIN (15). NULL: no
	 * priorities in this ABI. */
	int (*set_priority)(unsigned int port, unsigned int priority);
};
extern const struct evtchn_ops *evtchn_ops;
extern const struct evtchn_ops evtchn_fifo_ops;   /* drivers/xen/events_fifo.c */

/* What the FIFO ABI has seen (zeros under 2-level): array pages added,
 * and queue links from Xen that pointed outside the array or at a port
 * never unmasked (each drops that queue). */
struct evtchn_fifo_stats {
	unsigned int array_pages;
	unsigned int link_bits;
	unsigned long bad_links;
};
void evtchn_fifo_get_stats(struct evtchn_fifo_stats *st);

int xen_events_init(void);
/* Resume into a new domain with the FIFO ABI (events_fifo.c): every
 * vCPU's control block forgotten, the boot vCPU's registered again and
 * the event array given back to Xen, every port masked; -errno leaves Xen
 * on 2-level. */
int evtchn_fifo_resume(void);
void xen_evtchn_do_upcall(void);
void evtchn_dispatch(unsigned int port);
/* Per-vCPU event setup for cpu (ops->cpu_init); xen_smp_cpu_setup() calls
 * it on every CPU, the boot CPU included, before binding its ports. */
int evtchn_cpu_init(unsigned int cpu);

/* Attach fn to a port (on the boot CPU, or on cpu) and unmask it. */
int evtchn_bind(unsigned int port, evtchn_handler_t fn, void *data);
int evtchn_bind_cpu(unsigned int port, evtchn_handler_t fn, void *data, unsigned int cpu);
void evtchn_unbind(unsigned int port);
/* Move a bound port's delivery to another CPU (EVTCHNOP_bind_vcpu). */
int evtchn_set_cpu(unsigned int port, unsigned int cpu);
unsigned int evtchn_cpu(unsigned int port);
void evtchn_move_cpu_ports(unsigned int cpu);

/* New ports, returned masked. */
int evtchn_alloc_unbound(domid_t remote, unsigned int *port);
int evtchn_bind_interdomain(domid_t remote, unsigned int remote_port, unsigned int *port);
int evtchn_bind_virq(unsigned int virq, unsigned int *port);
int evtchn_bind_virq_vcpu(unsigned int virq, unsigned int vcpu, unsigned int *port);
int evtchn_bind_ipi(unsigned int vcpu, unsigned int *port);

int evtchn_send(unsigned int port);
int evtchn_close(unsigned int port);
void evtchn_mask(unsigned int port);
void evtchn_unmask(unsigned int port);
void evtchn_clear_pending(unsigned int port);
/* FIFO: the queue the port's events go to, 0 (first) .. 15; new ports
 * get EVTCHN_FIFO_PRIORITY_DEFAULT (7). -EOPNOTSUPP under 2-level. */
int evtchn_set_priority(unsigned int port, unsigned int priority);
unsigned long evtchn_count(unsigned int port);
bool evtchn_is_bound(unsigned int port);

#endif
