/* Xen event channels. The ABI-specific part (which ports are pending, how
 * to mask them) sits behind a const evtchn_ops table so the FIFO ABI can be
 * added next to the 2-level one; binding, dispatch and the hypercalls are
 * shared. */
#include <xen/xen-ops.h>
#include <xen/hypercall.h>
#include <kernel/printk.h>
#include <kernel/errno.h>
#include <kernel/stats.h>

#define BITS_PER_XEN_ULONG (sizeof(xen_ulong_t) * 8)
#define EVTCHN_2L_NR (BITS_PER_XEN_ULONG * BITS_PER_XEN_ULONG)
#define MAX_PORTS EVTCHN_2L_NR

struct port_info {
	evtchn_handler_t fn;
	void *data;
	unsigned long count;
};

static struct port_info ports[MAX_PORTS];
const struct evtchn_ops *evtchn_ops;

/* ---- 2-level ABI: bitmaps in shared_info, selector in vcpu_info ---- */

static inline void bit_clear(volatile xen_ulong_t *w, unsigned int bit)
{
	__atomic_fetch_and(w, ~((xen_ulong_t)1 << bit), __ATOMIC_SEQ_CST);
}

static inline void bit_set(volatile xen_ulong_t *w, unsigned int bit)
{
	__atomic_fetch_or(w, (xen_ulong_t)1 << bit, __ATOMIC_SEQ_CST);
}

static inline bool bit_test(const volatile xen_ulong_t *w, unsigned int bit)
{
	return (*w >> bit) & 1;
}

static void evtchn_2l_mask(unsigned int port)
{
	bit_set(&HYPERVISOR_shared_info->evtchn_mask[port / BITS_PER_XEN_ULONG],
		port % BITS_PER_XEN_ULONG);
}

static void evtchn_2l_unmask(unsigned int port)
{
	struct evtchn_unmask u = { .port = port };

	/* Xen re-raises the event if it became pending while masked. */
	HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &u);
}

static void evtchn_2l_clear_pending(unsigned int port)
{
	bit_clear(&HYPERVISOR_shared_info->evtchn_pending[port / BITS_PER_XEN_ULONG],
		  port % BITS_PER_XEN_ULONG);
}

static bool evtchn_2l_is_pending(unsigned int port)
{
	return bit_test(&HYPERVISOR_shared_info->evtchn_pending[port / BITS_PER_XEN_ULONG],
			port % BITS_PER_XEN_ULONG);
}

static bool evtchn_2l_is_masked(unsigned int port)
{
	return bit_test(&HYPERVISOR_shared_info->evtchn_mask[port / BITS_PER_XEN_ULONG],
			port % BITS_PER_XEN_ULONG);
}

static void evtchn_2l_handle_events(void)
{
	struct vcpu_info *v = xen_vcpu();
	struct shared_info *s = HYPERVISOR_shared_info;
	xen_ulong_t sel = __atomic_exchange_n(&v->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);

	while (sel) {
		unsigned int word = (unsigned int)__builtin_ctzl(sel);
		xen_ulong_t pend;

		sel &= sel - 1;
		pend = READ_ONCE(s->evtchn_pending[word]) & ~READ_ONCE(s->evtchn_mask[word]);
		while (pend) {
			unsigned int bit = (unsigned int)__builtin_ctzl(pend);

			pend &= pend - 1;
			evtchn_dispatch(word * BITS_PER_XEN_ULONG + bit);
		}
	}
}

static const struct evtchn_ops evtchn_2l_ops = {
	.name = "2-level",
	.max_channels = EVTCHN_2L_NR,
	.mask = evtchn_2l_mask,
	.unmask = evtchn_2l_unmask,
	.clear_pending = evtchn_2l_clear_pending,
	.is_pending = evtchn_2l_is_pending,
	.is_masked = evtchn_2l_is_masked,
	.handle_events = evtchn_2l_handle_events,
};

/* ---- shared part ---- */

void evtchn_dispatch(unsigned int port)
{
	struct port_info *p;

	if (port >= evtchn_ops->max_channels)
		return;
	p = &ports[port];
	/* Edge semantics: clear first so a new event during the handler
	 * is not lost. */
	evtchn_ops->clear_pending(port);
	p->count++;
	stats_inc(STAT_EVENTS);
	if (p->fn) {
		p->fn(port, p->data);
	} else {
		/* Nobody listens: mask it rather than storm. */
		evtchn_ops->mask(port);
		pr_warn("xen: event on unbound port %u masked\n", port);
	}
}

void xen_evtchn_do_upcall(void)
{
	struct vcpu_info *v = xen_vcpu();

	/* Runs with events masked. Loop until no new upcall is flagged, but
	 * bounded so a storm cannot hold the CPU forever. */
	for (int i = 0; i < 64; i++) {
		WRITE_ONCE(v->evtchn_upcall_pending, 0);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		evtchn_ops->handle_events();
		if (!READ_ONCE(v->evtchn_upcall_pending))
			break;
	}
}

int xen_events_init(void)
{
	evtchn_ops = &evtchn_2l_ops;
	for (unsigned int i = 0; i < MAX_PORTS; i++)
		ports[i] = (struct port_info){ 0 };
	pr_info("xen: event channels: %s ABI, %u ports\n", evtchn_ops->name,
		evtchn_ops->max_channels);
	return 0;
}

static int check_port(unsigned int port)
{
	return port < evtchn_ops->max_channels ? 0 : -EINVAL;
}

int evtchn_bind(unsigned int port, evtchn_handler_t fn, void *data)
{
	unsigned long flags;

	if (check_port(port) || !fn)
		return -EINVAL;
	if (ports[port].fn)
		return -EBUSY;
	flags = local_irq_save();
	ports[port].fn = fn;
	ports[port].data = data;
	local_irq_restore(flags);
	evtchn_ops->unmask(port);
	return 0;
}

void evtchn_unbind(unsigned int port)
{
	unsigned long flags;

	if (check_port(port))
		return;
	evtchn_ops->mask(port);
	flags = local_irq_save();
	ports[port].fn = NULL;
	ports[port].data = NULL;
	local_irq_restore(flags);
}

/* New ports come back masked: Xen may mark a port pending as it binds it
 * (bind_interdomain does, so no early event is lost), and that event must
 * reach the handler attached later by evtchn_bind(), not the unbound-port
 * path. Events stay off across the hypercall so nothing slips in between. */
static int bind_masked(int cmd, void *arg, const u32 *port)
{
	unsigned long flags = local_irq_save();
	int rc = HYPERVISOR_event_channel_op(cmd, arg);

	if (!rc && !check_port(*port))
		evtchn_ops->mask(*port);
	local_irq_restore(flags);
	return rc;
}

int evtchn_alloc_unbound(domid_t remote, unsigned int *port)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = remote };
	int rc = bind_masked(EVTCHNOP_alloc_unbound, &a, &a.port);

	if (rc)
		return rc;
	if (check_port(a.port))
		return -EPROTO;
	*port = a.port;
	return 0;
}

int evtchn_bind_interdomain(domid_t remote, unsigned int remote_port, unsigned int *port)
{
	struct evtchn_bind_interdomain b = { .remote_dom = remote, .remote_port = remote_port };
	int rc = bind_masked(EVTCHNOP_bind_interdomain, &b, &b.local_port);

	if (rc)
		return rc;
	if (check_port(b.local_port))
		return -EPROTO;
	*port = b.local_port;
	return 0;
}

int evtchn_bind_virq(unsigned int virq, unsigned int *port)
{
	struct evtchn_bind_virq b = { .virq = virq, .vcpu = 0 };
	int rc = bind_masked(EVTCHNOP_bind_virq, &b, &b.port);

	if (rc)
		return rc;
	if (check_port(b.port))
		return -EPROTO;
	*port = b.port;
	return 0;
}

int evtchn_send(unsigned int port)
{
	struct evtchn_send s = { .port = port };

	return HYPERVISOR_event_channel_op(EVTCHNOP_send, &s);
}

int evtchn_close(unsigned int port)
{
	struct evtchn_close c = { .port = port };

	evtchn_unbind(port);
	return HYPERVISOR_event_channel_op(EVTCHNOP_close, &c);
}

void evtchn_mask(unsigned int port)
{
	if (!check_port(port))
		evtchn_ops->mask(port);
}

void evtchn_unmask(unsigned int port)
{
	if (!check_port(port))
		evtchn_ops->unmask(port);
}

unsigned long evtchn_count(unsigned int port)
{
	return check_port(port) ? 0 : ports[port].count;
}

bool evtchn_is_bound(unsigned int port)
{
	return !check_port(port) && ports[port].fn != NULL;
}
