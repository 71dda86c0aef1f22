/* The kernel's event-channel API for Xen drivers (drivers/xen/events.c).
 * Ports are bound masked; evtchn_bind*() attaches a handler and unmasks.
 * Handlers run in interrupt context on the port's CPU, with events off:
 * they only record work and wake threads. */
#ifndef XEN_EVENTS_H
#define XEN_EVENTS_H

#include <kernel/compiler.h>
#include <xen/interface/xen.h>

typedef void (*evtchn_handler_t)(unsigned int port, void *data);

/* The ABI-specific part: 2-level bitmaps or FIFO queues. */
struct evtchn_ops {
	const char *name;
	unsigned int max_channels;
	int (*init)(void);
	void (*mask)(unsigned int port);
	void (*unmask)(unsigned int port);
	void (*clear_pending)(unsigned int port);
	bool (*is_pending)(unsigned int port);
	bool (*is_masked)(unsigned int port);
	/* The port now belongs to cpu (was old). */
	void (*bind_to_cpu)(unsigned int port, unsigned int old, unsigned int cpu);
	/* Find this CPU's pending, unmasked ports; evtchn_dispatch() each. */
	void (*handle_events)(unsigned int cpu);
};
extern const struct evtchn_ops *evtchn_ops;

int xen_events_init(void);
void xen_evtchn_do_upcall(void);
void evtchn_dispatch(unsigned int port);

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
unsigned long evtchn_count(unsigned int port);
bool evtchn_is_bound(unsigned int port);

#endif
