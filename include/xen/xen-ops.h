/* Pieces shared by the Xen PV and PVH backends and the Xen drivers. */
#ifndef XEN_XEN_OPS_H
#define XEN_XEN_OPS_H

#include <kernel/compiler.h>
#include <asm/paravirt.h>
#include <xen/interface/xen.h>

extern struct shared_info *HYPERVISOR_shared_info;
extern struct start_info *xen_start_info;   /* PV only */
extern bool xen_initial_domain;
extern bool xen_pv_domain;

static inline struct vcpu_info *xen_vcpu(void)
{
	return &HYPERVISOR_shared_info->vcpu_info[0];
}

void __noreturn xen_shutdown(enum shutdown_reason why, int status);
void xen_report_version(void);
struct memmap;
/* Append XENMEM_memory_map's entries to m; 0 or -errno. */
int xen_memory_map_read(struct memmap *m);
/* The host's map (dom0 only), for information. */
int xen_machine_map_read(struct memmap *m);

/* Time (arch/x86/xen/time.c): pvclock + VIRQ_TIMER, shared by PV and PVH. */
extern const struct pv_time_ops xen_time_ops;
u64 xen_clock_raw_ns(void);      /* pvclock without the monotonic clamp */
extern unsigned long xen_clock_clamps;  /* times xen_clock_ns() clamped */

/* Events (drivers/xen/events.c). */
typedef void (*evtchn_handler_t)(unsigned int port, void *data);
struct evtchn_ops {
	const char *name;
	unsigned int max_channels;
	void (*mask)(unsigned int port);
	void (*unmask)(unsigned int port);
	void (*clear_pending)(unsigned int port);
	bool (*is_pending)(unsigned int port);
	bool (*is_masked)(unsigned int port);
	/* Find pending, unmasked ports and call evtchn_dispatch() for each. */
	void (*handle_events)(void);
};
int xen_events_init(void);
void xen_evtchn_do_upcall(void);
void evtchn_dispatch(unsigned int port);
int evtchn_bind(unsigned int port, evtchn_handler_t fn, void *data);
void evtchn_unbind(unsigned int port);
int evtchn_alloc_unbound(domid_t remote, unsigned int *port);
int evtchn_bind_interdomain(domid_t remote, unsigned int remote_port, unsigned int *port);
int evtchn_bind_virq(unsigned int virq, unsigned int *port);
int evtchn_send(unsigned int port);
int evtchn_close(unsigned int port);
void evtchn_mask(unsigned int port);
void evtchn_unmask(unsigned int port);
unsigned long evtchn_count(unsigned int port);
bool evtchn_is_bound(unsigned int port);
extern const struct evtchn_ops *evtchn_ops;

/* Console (drivers/xen/console.c). */
void xen_console_early_init(void);       /* console_io (dom0) */
int xen_console_ring_init(void *ring, unsigned int evtchn);  /* domU ring */
int xen_console_late_init(void);

/* Guest services started once interrupts are on (drivers/xen/). */
struct xen_store_location {
	phys_addr_t ring_pa;    /* 0: no xenstore (e.g. dom0 without xenstored) */
	unsigned int evtchn;
};
extern struct xen_store_location xen_store;
void xen_guest_late_init(void);
int xen_control_init(void);

/* Multicalls (arch/x86/xen/multicalls.c, PV). */
int xen_mc_queue(unsigned int op, unsigned long a0, unsigned long a1, unsigned long a2,
		 unsigned long a3, unsigned long a4);
int xen_mc_flush(void);
int xen_mmu_queue(u64 ptr, u64 val);

#endif
