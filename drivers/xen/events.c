/* Xen event channels. The ABI-specific part (which ports are pending, how
 * to mask them, how a port follows its vCPU) sits behind a const
 * evtchn_ops table so the FIFO ABI can sit next to the 2-level one;
 * binding, dispatch and the hypercalls are shared.
 *
 * Every port belongs to one CPU: Xen raises it on that vCPU, and only that
 * CPU's upcall dispatches it. New ports come back masked and belong to the
 * boot CPU until bound elsewhere.
 *
 * Locking: evtchn_lock (irqsave) protects the port table; handlers run
 * without it. A port's 'active' count lets unbind wait for a handler
 * still running on another CPU. */
#include <xen/xen-ops.h>
#include <xen/hypercall.h>
#include <kernel/printk.h>
#include <kernel/errno.h>
#include <kernel/stats.h>
#include <kernel/smp.h>
#include <kernel/spinlock.h>
#include <asm/processor.h>

#define BITS_PER_XEN_ULONG (sizeof(xen_ulong_t) * 8)
#define EVTCHN_2L_NR (BITS_PER_XEN_ULONG * BITS_PER_XEN_ULONG)
#define MAX_PORTS EVTCHN_2L_NR

struct port_info {
	evtchn_handler_t fn;
	void *data;
	unsigned long count;
	unsigned int cpu;
	unsigned int active;         /* handlers running now */
};

static struct port_info ports[MAX_PORTS];
static DEFINE_SPINLOCK(evtchn_lock);
const struct evtchn_ops *evtchn_ops;
struct vcpu_info *xen_vcpu_info[NR_CPUS];

/* ---- 2-level ABI: bitmaps in shared_info, selector in vcpu_info ---- */

/* Ports each CPU dispatches: Xen sets the selector bit on the port's vCPU,
 * but the pending bitmap is shared, so a scan must skip other CPUs'. */
static xen_ulong_t cpu_ports_2l[NR_CPUS][BITS_PER_XEN_ULONG];

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

static void evtchn_2l_bind_to_cpu(unsigned int port, unsigned int old, unsigned int cpu)
{
	bit_clear(&cpu_ports_2l[old][port / BITS_PER_XEN_ULONG], port % BITS_PER_XEN_ULONG);
	bit_set(&cpu_ports_2l[cpu][port / BITS_PER_XEN_ULONG], port % BITS_PER_XEN_ULONG);
}

static void evtchn_2l_handle_events(unsigned int cpu)
{
	struct vcpu_info *v = xen_vcpu();
	struct shared_info *s = HYPERVISOR_shared_info;
	xen_ulong_t sel = __atomic_exchange_n(&v->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);

	while (sel) {
		unsigned int word = (unsigned int)__builtin_ctzl(sel);
		xen_ulong_t pend;

		sel &= sel - 1;
		pend = READ_ONCE(s->evtchn_pending[word]) & ~READ_ONCE(s->evtchn_mask[word]) &
		       READ_ONCE(cpu_ports_2l[cpu][word]);
		while (pend) {
			unsigned int bit = (unsigned int)__builtin_ctzl(pend);

			pend &= pend - 1;
			evtchn_dispatch(word * BITS_PER_XEN_ULONG + bit);
		}
	}
}

static int evtchn_2l_init(void)
{
	/* All ports start on the boot CPU. */
	for (unsigned int w = 0; w < BITS_PER_XEN_ULONG; w++)
		cpu_ports_2l[0][w] = ~(xen_ulong_t)0;
	return 0;
}

static const struct evtchn_ops evtchn_2l_ops = {
	.name = "2-level",
	.max_channels = EVTCHN_2L_NR,
	.init = evtchn_2l_init,
	.mask = evtchn_2l_mask,
	.unmask = evtchn_2l_unmask,
	.clear_pending = evtchn_2l_clear_pending,
	.is_pending = evtchn_2l_is_pending,
	.is_masked = evtchn_2l_is_masked,
	.bind_to_cpu = evtchn_2l_bind_to_cpu,
	.handle_events = evtchn_2l_handle_events,
};

/* ---- shared part ---- */

void evtchn_dispatch(unsigned int port)
{
	struct port_info *p;
	evtchn_handler_t fn;
	void *data;

	if (port >= evtchn_ops->max_channels)
		return;
	p = &ports[port];
	/* Edge semantics: clear first so a new event during the handler
	 * is not lost. */
	evtchn_ops->clear_pending(port);
	spin_lock(&evtchn_lock);
	fn = p->fn;
	data = p->data;
	p->count++;
	if (fn)
		p->active++;
	spin_unlock(&evtchn_lock);
	stats_inc(STAT_EVENTS);
	if (fn) {
		fn(port, data);
		__atomic_fetch_sub(&p->active, 1, __ATOMIC_RELEASE);
	} else {
		/* Nobody listens: mask it rather than storm. */
		evtchn_ops->mask(port);
		pr_warn("xen: event on unbound port %u masked\n", port);
	}
}

void xen_evtchn_do_upcall(void)
{
	struct cpu *c = this_cpu();
	struct vcpu_info *v = xen_vcpu();

	/* Runs with events masked. Loop until no new upcall is flagged, but
	 * bounded so a storm cannot hold the CPU forever. */
	for (int i = 0; i < 64; i++) {
		WRITE_ONCE(v->evtchn_upcall_pending, 0);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		evtchn_ops->handle_events(c->id);
		if (!READ_ONCE(v->evtchn_upcall_pending))
			break;
	}
}

int xen_events_init(void)
{
	int rc;

	evtchn_ops = &evtchn_2l_ops;
	for (unsigned int i = 0; i < MAX_PORTS; i++)
		ports[i] = (struct port_info){ 0 };
	rc = evtchn_ops->init();
	if (rc)
		return rc;
	/* Whatever the domain builder or a previous kernel left unmasked
	 * must not fire into handlers we have not installed. */
	for (unsigned int i = 0; i < evtchn_ops->max_channels; i++)
		evtchn_ops->mask(i);
	pr_info("xen: event channels: %s ABI, %u ports\n", evtchn_ops->name,
		evtchn_ops->max_channels);
	return 0;
}

static int check_port(unsigned int port)
{
	return port < evtchn_ops->max_channels ? 0 : -EINVAL;
}

int evtchn_set_cpu(unsigned int port, unsigned int cpu)
{
	struct evtchn_bind_vcpu b = { .port = port, .vcpu = cpu_data[cpu].vcpu_id };
	unsigned long flags;
	bool was_masked;
	int rc;

	if (check_port(port) || cpu >= NR_CPUS)
		return -EINVAL;
	/* Masked across the move so no event lands on the wrong CPU's
	 * scan in between. */
	was_masked = evtchn_ops->is_masked(port);
	evtchn_ops->mask(port);
	rc = HYPERVISOR_event_channel_op(EVTCHNOP_bind_vcpu, &b);
	if (rc && rc != -EINVAL) {
		if (!was_masked)
			evtchn_ops->unmask(port);
		return rc;
	}
	/* -EINVAL: IPI and per-vCPU VIRQ ports cannot move; they were bound
	 * to the right vCPU already. */
	flags = spin_lock_irqsave(&evtchn_lock);
	evtchn_ops->bind_to_cpu(port, ports[port].cpu, cpu);
	ports[port].cpu = cpu;
	spin_unlock_irqrestore(&evtchn_lock, flags);
	if (!was_masked)
		evtchn_ops->unmask(port);
	return 0;
}

int evtchn_bind_cpu(unsigned int port, evtchn_handler_t fn, void *data, unsigned int cpu)
{
	unsigned long flags;

	if (check_port(port) || !fn || cpu >= NR_CPUS)
		return -EINVAL;
	flags = spin_lock_irqsave(&evtchn_lock);
	if (ports[port].fn) {
		spin_unlock_irqrestore(&evtchn_lock, flags);
		return -EBUSY;
	}
	ports[port].fn = fn;
	ports[port].data = data;
	evtchn_ops->bind_to_cpu(port, ports[port].cpu, cpu);
	ports[port].cpu = cpu;
	spin_unlock_irqrestore(&evtchn_lock, flags);
	evtchn_ops->unmask(port);
	return 0;
}

int evtchn_bind(unsigned int port, evtchn_handler_t fn, void *data)
{
	return evtchn_bind_cpu(port, fn, data, 0);
}

void evtchn_unbind(unsigned int port)
{
	unsigned long flags;
	unsigned int cpu;

	if (check_port(port))
		return;
	evtchn_ops->mask(port);
	flags = spin_lock_irqsave(&evtchn_lock);
	ports[port].fn = NULL;
	ports[port].data = NULL;
	cpu = ports[port].cpu;
	evtchn_ops->bind_to_cpu(port, cpu, 0);
	ports[port].cpu = 0;
	spin_unlock_irqrestore(&evtchn_lock, flags);
	/* A handler already running on another CPU may still use data. */
	if (cpu != smp_processor_id())
		while (__atomic_load_n(&ports[port].active, __ATOMIC_ACQUIRE))
			cpu_relax();
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
	if (!rc && check_port(*port))
		return -EPROTO;
	return rc;
}

int evtchn_alloc_unbound(domid_t remote, unsigned int *port)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = remote };
	int rc = bind_masked(EVTCHNOP_alloc_unbound, &a, &a.port);

	if (!rc)
		*port = a.port;
	return rc;
}

int evtchn_bind_interdomain(domid_t remote, unsigned int remote_port, unsigned int *port)
{
	struct evtchn_bind_interdomain b = { .remote_dom = remote, .remote_port = remote_port };
	int rc = bind_masked(EVTCHNOP_bind_interdomain, &b, &b.local_port);

	if (!rc)
		*port = b.local_port;
	return rc;
}

int evtchn_bind_virq_vcpu(unsigned int virq, unsigned int vcpu, unsigned int *port)
{
	struct evtchn_bind_virq b = { .virq = virq, .vcpu = vcpu };
	int rc = bind_masked(EVTCHNOP_bind_virq, &b, &b.port);

	if (!rc)
		*port = b.port;
	return rc;
}

int evtchn_bind_virq(unsigned int virq, unsigned int *port)
{
	return evtchn_bind_virq_vcpu(virq, 0, port);
}

int evtchn_bind_ipi(unsigned int vcpu, unsigned int *port)
{
	struct evtchn_bind_ipi b = { .vcpu = vcpu };
	int rc = bind_masked(EVTCHNOP_bind_ipi, &b, &b.port);

	if (!rc)
		*port = b.port;
	return rc;
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

void evtchn_clear_pending(unsigned int port)
{
	if (!check_port(port))
		evtchn_ops->clear_pending(port);
}

unsigned long evtchn_count(unsigned int port)
{
	return check_port(port) ? 0 : READ_ONCE(ports[port].count);
}

unsigned int evtchn_cpu(unsigned int port)
{
	return check_port(port) ? 0 : READ_ONCE(ports[port].cpu);
}

bool evtchn_is_bound(unsigned int port)
{
	return !check_port(port) && READ_ONCE(ports[port].fn) != NULL;
}

/* Move every port bound to cpu over to the boot CPU (hotplug). Per-vCPU
 * ports (IPIs, VIRQ_TIMER) are closed by their owners instead. */
void evtchn_move_cpu_ports(unsigned int cpu)
{
	for (unsigned int port = 0; port < evtchn_ops->max_channels; port++)
		if (READ_ONCE(ports[port].cpu) == cpu && READ_ONCE(ports[port].fn))
			evtchn_set_cpu(port, 0);
}
