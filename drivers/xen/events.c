/* Xen event channels. The ABI-specific part (which ports are pending, how
 * to mask them, how a port follows its vCPU) sits behind a const
 * evtchn_ops table: the 2-level ABI here, FIFO in events_fifo.c, chosen
 * once in xen_events_init(); binding, dispatch and the hypercalls are
 * shared.
 *
 * Every port belongs to one CPU: Xen raises it on that vCPU, and only that
 * CPU's upcall dispatches it. New ports come back masked and belong to the
 * boot CPU until bound elsewhere.
 *
 * Locking: evtchn_lock (irqsave) protects the port table; handlers run
 * without it. A port's 'active' count lets unbind wait for a handler
 * still running on another CPU. The table grows in chunks as ports are
 * set up (FIFO has 2^17 possible ports, most never used); a chunk, once
 * published, stays, so lookups need no lock. */
#include <xen/xen.h>
#include <asm/paravirt.h>
#include <xen/events.h>
#include <xen/hypercall.h>
#include <kernel/printk.h>
#include <kernel/errno.h>
#include <kernel/stats.h>
#include <kernel/smp.h>
#include <kernel/spinlock.h>
#include <kernel/cmdline.h>
#include <kernel/string.h>
#include <kernel/mm.h>
#include <asm/processor.h>
#include <asm/page.h>
#include <xen/suspend.h>

#define BITS_PER_XEN_ULONG (sizeof(xen_ulong_t) * 8)
#define EVTCHN_2L_NR (BITS_PER_XEN_ULONG * BITS_PER_XEN_ULONG)
/* The largest port space of any ABI. */
#define MAX_PORTS EVTCHN_FIFO_NR_CHANNELS

struct port_info {
	evtchn_handler_t fn;
	void *data;
	unsigned long count;
	unsigned int cpu;
	unsigned int active;         /* handlers running now */
};

/* One page of port_info per chunk. */
#define PORTS_PER_CHUNK (PAGE_SIZE / sizeof(struct port_info))
#define NR_CHUNKS ((MAX_PORTS + PORTS_PER_CHUNK - 1) / PORTS_PER_CHUNK)

static struct port_info *port_chunks[NR_CHUNKS];
static DEFINE_SPINLOCK(evtchn_lock);
const struct evtchn_ops *evtchn_ops;
struct vcpu_info *xen_vcpu_info[NR_CPUS];

/* evtchn=2l|fifo: force an ABI; default FIFO when Xen has it. */
enum evtchn_abi { ABI_AUTO, ABI_2L, ABI_FIFO };
static enum evtchn_abi opt_abi = ABI_AUTO;

static int set_evtchn_abi(const char *val)
{
	if (!val)
		return -EINVAL;
	if (!strcmp(val, "2l"))
		opt_abi = ABI_2L;
	else if (!strcmp(val, "fifo"))
		opt_abi = ABI_FIFO;
	else
		return -EINVAL;
	return 0;
}
CMDLINE_OPTION(evtchn, "evtchn", set_evtchn_abi, "2l or fifo: force the event channel ABI");

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

/* The port's entry, or NULL for a port never set up (or out of range). */
static struct port_info *port_get(unsigned int port)
{
	struct port_info *chunk;

	if (!evtchn_ops || port >= evtchn_ops->max_channels)
		return NULL;
	chunk = __atomic_load_n(&port_chunks[port / PORTS_PER_CHUNK], __ATOMIC_ACQUIRE);
	return chunk ? &chunk[port % PORTS_PER_CHUNK] : NULL;
}

static int check_port(unsigned int port)
{
	return port_get(port) ? 0 : -EINVAL;
}

/* Make a port Xen gave us usable: the ABI's state for it, then its entry
 * in our table. Safe with events off (the allocator locks irqsave). */
static int port_setup(unsigned int port)
{
	unsigned int c = port / PORTS_PER_CHUNK;
	struct port_info *chunk;
	unsigned long flags;
	int rc;

	if (port >= evtchn_ops->max_channels)
		return -EPROTO;
	if (evtchn_ops->setup_port) {
		rc = evtchn_ops->setup_port(port);
		if (rc)
			return rc;
	}
	if (__atomic_load_n(&port_chunks[c], __ATOMIC_ACQUIRE))
		return 0;
	chunk = alloc_pages(1);   /* zeroed: no handler, CPU 0 */
	if (!chunk)
		return -ENOMEM;
	flags = spin_lock_irqsave(&evtchn_lock);
	if (!port_chunks[c]) {
		__atomic_store_n(&port_chunks[c], chunk, __ATOMIC_RELEASE);
		chunk = NULL;
	}
	spin_unlock_irqrestore(&evtchn_lock, flags);
	if (chunk)   /* another CPU set it up first */
		free_pages(chunk, 1);
	return 0;
}

void evtchn_dispatch(unsigned int port)
{
	struct port_info *p = port_get(port);
	evtchn_handler_t fn;
	void *data;

	if (!p) {
		/* Never handed out by a bind: nobody can listen. */
		if (port < evtchn_ops->max_channels)
			evtchn_ops->mask(port);
		return;
	}
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

static struct xen_pm_hook events_hook;

/* Runs before anything is bound (time_init binds VIRQ_TIMER later): Xen
 * drops events pending when a domain switches to FIFO, and a port bound
 * under one ABI's bookkeeping would be lost in the other's. */
int xen_events_init(void)
{
	const struct evtchn_ops *ops = &evtchn_2l_ops;
	int rc;

	if (opt_abi != ABI_2L) {
		/* FIFO's init either switches Xen over and sets up the boot
		 * vCPU, or fails with Xen still on 2-level. */
		rc = evtchn_fifo_ops.init();
		if (!rc)
			ops = &evtchn_fifo_ops;
		else
			pr_info("xen: FIFO event channels unavailable (%d)%s\n", rc,
				opt_abi == ABI_FIFO ? ", evtchn=fifo ignored" : "");
	}
	if (ops == &evtchn_2l_ops) {
		rc = ops->init();
		if (rc)
			return rc;
		/* Whatever the domain builder or a previous kernel left
		 * unmasked must not fire into handlers we have not installed.
		 * (FIFO array pages are born masked.) */
		for (unsigned int i = 0; i < ops->max_channels; i++)
			ops->mask(i);
	}
	evtchn_ops = ops;
	xen_pm_register(&events_hook);
	pr_info("xen: event channels: %s ABI, %u ports\n", evtchn_ops->name,
		evtchn_ops->max_channels);
	return 0;
}

/* Resume into a new domain: Xen starts it on the 2-level ABI with every
 * port closed and masked. Forget every binding (their owners bind again
 * in their own resume steps, and get new port numbers) and set the ABI
 * up again: FIFO if we had it and the new host still has it. Events off,
 * the other CPUs offline, so no handler runs. */
static void events_resume_noirq(const struct xen_resume_info *ri)
{
	int rc;

	if (!ri->new_domain)
		return;
	for (unsigned int c = 0; c < NR_CHUNKS; c++)
		if (port_chunks[c])
			memset(port_chunks[c], 0, PORTS_PER_CHUNK * sizeof(struct port_info));
	if (evtchn_ops == &evtchn_fifo_ops) {
		rc = evtchn_fifo_resume();
		if (!rc)
			return;
		pr_warn("xen: resume: FIFO event channels unavailable (%d); 2-level\n", rc);
		evtchn_ops = &evtchn_2l_ops;
	}
	memset(cpu_ports_2l, 0, sizeof(cpu_ports_2l));
	evtchn_2l_init();
	for (unsigned int i = 0; i < evtchn_2l_ops.max_channels; i++)
		evtchn_2l_mask(i);
}

static struct xen_pm_hook events_hook = {
	.name = "event channels",
	.level = XEN_PM_EVENTS,
	.resume_noirq = events_resume_noirq,
};

int evtchn_cpu_init(unsigned int cpu)
{
	if (!evtchn_ops || cpu >= NR_CPUS)
		return -EINVAL;
	return evtchn_ops->cpu_init ? evtchn_ops->cpu_init(cpu) : 0;
}

int evtchn_set_cpu(unsigned int port, unsigned int cpu)
{
	struct evtchn_bind_vcpu b = { .port = port, .vcpu = cpu_data[cpu].vcpu_id };
	struct port_info *p = port_get(port);
	unsigned long flags;
	bool was_masked;
	int rc;

	if (!p || cpu >= NR_CPUS)
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
	evtchn_ops->bind_to_cpu(port, p->cpu, cpu);
	p->cpu = cpu;
	spin_unlock_irqrestore(&evtchn_lock, flags);
	if (!was_masked)
		evtchn_ops->unmask(port);
	return 0;
}

int evtchn_bind_cpu(unsigned int port, evtchn_handler_t fn, void *data, unsigned int cpu)
{
	struct port_info *p;
	unsigned long flags;
	int rc;

	if (!evtchn_ops || port >= evtchn_ops->max_channels || !fn || cpu >= NR_CPUS)
		return -EINVAL;
	/* Ports from the domain builder (console, xenstore) were never
	 * through a bind here. */
	rc = port_setup(port);
	if (rc)
		return rc;
	p = port_get(port);
	flags = spin_lock_irqsave(&evtchn_lock);
	if (p->fn) {
		spin_unlock_irqrestore(&evtchn_lock, flags);
		return -EBUSY;
	}
	p->fn = fn;
	p->data = data;
	evtchn_ops->bind_to_cpu(port, p->cpu, cpu);
	p->cpu = cpu;
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
	struct port_info *p = port_get(port);
	unsigned long flags;
	unsigned int cpu;

	if (!p)
		return;
	evtchn_ops->mask(port);
	flags = spin_lock_irqsave(&evtchn_lock);
	p->fn = NULL;
	p->data = NULL;
	cpu = p->cpu;
	evtchn_ops->bind_to_cpu(port, cpu, 0);
	p->cpu = 0;
	spin_unlock_irqrestore(&evtchn_lock, flags);
	/* A handler already running on another CPU may still use data. */
	if (cpu != smp_processor_id())
		while (__atomic_load_n(&p->active, __ATOMIC_ACQUIRE))
			cpu_relax();
}

/* New ports come back masked: Xen may mark a port pending as it binds it
 * (bind_interdomain does, so no early event is lost), and that event must
 * reach the handler attached later by evtchn_bind(), not the unbound-port
 * path. Events stay off across the hypercall so nothing slips in between.
 * A port we cannot set up (past the ABI's range, no memory for its FIFO
 * array page) is closed again: nothing could ever be delivered on it. */
static int bind_masked(int cmd, void *arg, const u32 *port)
{
	unsigned long flags = local_irq_save();
	int rc = HYPERVISOR_event_channel_op(cmd, arg);
	int err = 0;

	if (!rc) {
		err = port_setup(*port);
		if (!err)
			evtchn_ops->mask(*port);
	}
	local_irq_restore(flags);
	if (!rc && err) {
		struct evtchn_close c = { .port = *port };

		pr_warn("xen: new event channel %u unusable (%d), closed\n", *port, err);
		HYPERVISOR_event_channel_op(EVTCHNOP_close, &c);
		return err;
	}
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

int evtchn_set_priority(unsigned int port, unsigned int priority)
{
	if (!evtchn_ops)
		return -ENODEV;
	if (!evtchn_ops->set_priority)
		return -EOPNOTSUPP;
	if (check_port(port) || priority > EVTCHN_FIFO_PRIORITY_MIN)
		return -EINVAL;
	return evtchn_ops->set_priority(port, priority);
}

unsigned long evtchn_count(unsigned int port)
{
	struct port_info *p = port_get(port);

	return p ? READ_ONCE(p->count) : 0;
}

unsigned int evtchn_cpu(unsigned int port)
{
	struct port_info *p = port_get(port);

	return p ? READ_ONCE(p->cpu) : 0;
}

bool evtchn_is_bound(unsigned int port)
{
	struct port_info *p = port_get(port);

	return p && READ_ONCE(p->fn) != NULL;
}

/* Move every port bound to cpu over to the boot CPU (hotplug). Per-vCPU
 * ports (IPIs, VIRQ_TIMER) are closed by their owners instead. Called on
 * the CPU going down: what Xen already queued for it (FIFO links a port
 * into one vCPU's queue and will not link it again until that queue is
 * consumed) is delivered here before the vCPU stops. */
void evtchn_move_cpu_ports(unsigned int cpu)
{
	unsigned long flags;

	for (unsigned int c = 0; c < NR_CHUNKS; c++) {
		struct port_info *chunk = __atomic_load_n(&port_chunks[c], __ATOMIC_ACQUIRE);

		if (!chunk)
			continue;
		for (unsigned int i = 0; i < PORTS_PER_CHUNK; i++) {
			unsigned int port = c * PORTS_PER_CHUNK + i;

			if (port < evtchn_ops->max_channels && READ_ONCE(chunk[i].cpu) == cpu &&
			    READ_ONCE(chunk[i].fn))
				evtchn_set_cpu(port, 0);
		}
	}
	if (cpu == smp_processor_id()) {
		flags = local_irq_save();
		evtchn_ops->handle_events(cpu);
		local_irq_restore(flags);
	}
}
