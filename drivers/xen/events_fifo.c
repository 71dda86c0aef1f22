/* The FIFO event channel ABI (Xen 4.4+), behind struct evtchn_ops.
 *
 * Each port has a 32-bit event word in the event array (pages we give Xen
 * with EVTCHNOP_expand_array as ports past the end are set up): PENDING,
 * MASKED, LINKED, BUSY and a 17-bit link to the next port of its queue.
 * Each vCPU has a control block (EVTCHNOP_init_control) with 16 queue
 * heads, one per priority, and a 'ready' bit per non-empty queue. Xen
 * appends a pending, unmasked, unlinked port to the tail of its priority's
 * queue on the port's vCPU; the guest consumes from the head.
 *
 * Who writes what:
 * - Xen: sets PENDING and LINKED, writes links (holding BUSY while it
 *   does, against our compare-and-swaps), writes head[q] when it starts
 *   an empty queue, sets ready bits.
 * - We: MASKED (atomic or, or a cmpxchg that expects BUSY clear), clear
 *   PENDING, clear LINKED and the link together as we take a port off a
 *   queue, take ready with an exchange.
 * Values Xen writes are read once into locals before use, and a link is
 * checked before it is followed: one that leaves the array, or names a
 * port we never unmasked (Xen links only unmasked ports), is counted, the
 * queue is dropped and we warn once, rather than chasing it.
 *
 * Locking: struct fifo_cpu (our place in each queue, the ready bits we
 * hold) is per-vCPU and touched only by its own CPU with events off (the
 * upcall, or hotplug teardown on the dying CPU). The event array grows
 * under fifo_array_lock (irqsave: ports are set up with events off);
 * readers need no lock, the page pointer is stored before the port count
 * is published. Word updates are atomic. */
#include <xen/xen.h>
#include <xen/events.h>
#include <xen/hypercall.h>
#include <xen/page.h>
#include <kernel/printk.h>
#include <kernel/errno.h>
#include <kernel/smp.h>
#include <kernel/spinlock.h>
#include <kernel/kconfig.h>
#include <kernel/mm.h>
#include <kernel/string.h>
#include <asm/processor.h>
#include <asm/page.h>

#define F_PENDING (1u << EVTCHN_FIFO_PENDING)
#define F_MASKED (1u << EVTCHN_FIFO_MASKED)
#define F_LINKED (1u << EVTCHN_FIFO_LINKED)
#define F_BUSY (1u << EVTCHN_FIFO_BUSY)
#define F_LINK_MASK ((u32)EVTCHN_FIFO_LINK_MASK)

#define WORDS_PER_PAGE (PAGE_SIZE / sizeof(event_word_t))
#define MAX_ARRAY_PAGES (EVTCHN_FIFO_NR_CHANNELS / WORDS_PER_PAGE)
#define ALL_QUEUES ((1u << EVTCHN_FIFO_MAX_QUEUES) - 1)
/* Events one handle_events() call consumes before it lets the upcall
 * loop (and so other work) run; the rest waits in fifo_cpu.ready. */
#define EVENTS_PER_CALL 1024

_Static_assert(EVTCHN_FIFO_NR_CHANNELS % WORDS_PER_PAGE == 0, "whole array pages");
_Static_assert(sizeof(struct evtchn_fifo_control_block) <= PAGE_SIZE, "control block fits a page");

struct fifo_cpu {
	struct evtchn_fifo_control_block *cb;   /* NULL until first registered */
	bool registered;                         /* with this domain's Xen */
	u32 head[EVTCHN_FIFO_MAX_QUEUES];        /* next port; 0: read cb->head */
	u32 ready;                               /* queues we know are non-empty */
};

static struct fifo_cpu fifo_cpus[NR_CPUS];

static event_word_t *array_pages[MAX_ARRAY_PAGES];
static unsigned int array_ports;         /* ports the array covers (published) */
static unsigned int max_ports;           /* 1 << link_bits, at most NR_CHANNELS */
static unsigned int link_bits;
static DEFINE_SPINLOCK(fifo_array_lock);

/* Ports we ever unmasked: the only ones Xen may link. Never cleared, as a
 * closed port can still sit in a queue. */
static unsigned long known[EVTCHN_FIFO_NR_CHANNELS / (8 * sizeof(unsigned long))];
static unsigned long bad_links;
static bool bad_link_warned;

#define BITS_PER_UL (8 * sizeof(unsigned long))

static void mark_known(unsigned int port)
{
	__atomic_fetch_or(&known[port / BITS_PER_UL], 1UL << (port % BITS_PER_UL),
			  __ATOMIC_SEQ_CST);
}

static bool is_known(unsigned int port)
{
	return (__atomic_load_n(&known[port / BITS_PER_UL], __ATOMIC_ACQUIRE) >>
		(port % BITS_PER_UL)) & 1;
}

/* The frame number Xen wants for a page of ours: PV guests name frames by
 * machine number, PVH ones by guest frame. */
static int page_gfn(void *va, u64 *gfn)
{
	unsigned long pfn = PFN_DOWN(__pa(va));

	if (IS_ENABLED(CONFIG_XEN_PV) && xen_pv_domain) {
		unsigned long mfn = pfn_to_mfn(pfn);

		if (mfn == INVALID_MFN_VALUE)
			return -ENXIO;
		*gfn = mfn;
		return 0;
	}
	*gfn = pfn;
	return 0;
}

static volatile event_word_t *fifo_word(unsigned int port)
{
	if (port >= __atomic_load_n(&array_ports, __ATOMIC_ACQUIRE))
		return NULL;
	return &array_pages[port / WORDS_PER_PAGE][port % WORDS_PER_PAGE];
}

/* Add one array page; fifo_array_lock held. */
static int expand_locked(void)
{
	unsigned int slot = array_ports / WORDS_PER_PAGE;
	struct evtchn_expand_array ea = { 0 };
	event_word_t *page;
	int rc;

	if (slot >= MAX_ARRAY_PAGES || array_ports >= max_ports)
		return -ENOSPC;
	page = alloc_pages(1);
	if (!page)
		return -ENOMEM;
	/* Born masked: a port is unmasked only once it has a handler (see
	 * bind_masked() in events.c), and Xen re-raises, as soon as the page
	 * is added, events that were pending while it was missing. */
	for (unsigned int i = 0; i < WORDS_PER_PAGE; i++)
		page[i] = F_MASKED;
	rc = page_gfn(page, &ea.array_gfn);
	if (!rc)
		rc = HYPERVISOR_event_channel_op(EVTCHNOP_expand_array, &ea);
	if (rc) {
		free_pages(page, 1);
		return rc;
	}
	array_pages[slot] = page;
	__atomic_store_n(&array_ports, array_ports + (unsigned int)WORDS_PER_PAGE,
			 __ATOMIC_RELEASE);
	return 0;
}

static int fifo_setup_port(unsigned int port)
{
	unsigned long flags;
	int rc = 0;

	if (port >= max_ports)
		return -EINVAL;
	if (port < __atomic_load_n(&array_ports, __ATOMIC_ACQUIRE))
		return 0;
	flags = spin_lock_irqsave(&fifo_array_lock);
	while (!rc && array_ports <= port)
		rc = expand_locked();
	spin_unlock_irqrestore(&fifo_array_lock, flags);
	if (rc)
		pr_warn("xen: FIFO event array: no page for port %u: %d\n", port, rc);
	return rc;
}

static int fifo_cpu_init(unsigned int cpu)
{
	struct fifo_cpu *fc = &fifo_cpus[cpu];
	struct evtchn_init_control ic = { .offset = 0, .vcpu = cpu_data[cpu].vcpu_id };
	void *page;
	int rc;

	/* The boot CPU registers in fifo_init(); a CPU back from hotplug
	 * keeps its block (Xen has no way to unregister one). After a
	 * restore the same page is registered again, cleared: Xen takes the
	 * queue heads from it as they are. */
	if (fc->registered)
		return 0;
	page = fc->cb;
	if (page)
		memset(page, 0, PAGE_SIZE);
	else
		page = alloc_pages(1);
	if (!page)
		return -ENOMEM;
	rc = page_gfn(page, &ic.control_gfn);
	if (!rc)
		rc = HYPERVISOR_event_channel_op(EVTCHNOP_init_control, &ic);
	if (rc) {
		if (page != fc->cb)
			free_pages(page, 1);
		return rc;
	}
	fc->registered = true;
	if (cpu == 0)
		link_bits = ic.link_bits;
	for (unsigned int q = 0; q < EVTCHN_FIFO_MAX_QUEUES; q++)
		fc->head[q] = 0;
	fc->ready = 0;
	WRITE_ONCE(fc->cb, page);
	return 0;
}

static int fifo_init(void)
{
	int rc;

	/* max_ports must be set before the first expand; the real limit
	 * comes back from init_control below. */
	max_ports = EVTCHN_FIFO_NR_CHANNELS;
	rc = fifo_cpu_init(0);
	if (rc)
		return rc;   /* Xen stays on 2-level */
	/* Xen switched: from here there is no way back short of
	 * EVTCHNOP_reset, which would close the builder's ports too. */
	if (link_bits && link_bits < EVTCHN_FIFO_LINK_BITS)
		max_ports = 1u << link_bits;
	/* The first page now, so the ports the domain builder made
	 * (console, xenstore) are covered and masked. */
	rc = fifo_setup_port(1);
	if (rc)
		panic("xen: FIFO event channels: first array page: %d", rc);
	return 0;
}

int evtchn_fifo_resume(void)
{
	unsigned int pages = array_ports / WORDS_PER_PAGE;
	int rc;

	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
		fifo_cpus[cpu].registered = false;
	memset(known, 0, sizeof(known));
	rc = fifo_cpu_init(0);
	if (rc)
		return rc;
	if (link_bits && link_bits < EVTCHN_FIFO_LINK_BITS)
		max_ports = 1u << link_bits;
	/* Our array pages, in order, every port masked and idle again. */
	for (unsigned int i = 0; i < pages; i++) {
		struct evtchn_expand_array ea = { 0 };

		for (unsigned int w = 0; w < WORDS_PER_PAGE; w++)
			array_pages[i][w] = F_MASKED;
		rc = page_gfn(array_pages[i], &ea.array_gfn);
		if (!rc)
			rc = HYPERVISOR_event_channel_op(EVTCHNOP_expand_array, &ea);
		if (rc) {
			/* Xen is on FIFO now: there is no way back. */
			panic("xen: resume: FIFO event array page %u: %d", i, rc);
		}
	}
	return 0;
}

static void fifo_mask(unsigned int port)
{
	volatile event_word_t *w = fifo_word(port);

	/* A port past the array has no word: its page comes masked. */
	if (w)
		__atomic_fetch_or(w, F_MASKED, __ATOMIC_SEQ_CST);
}

/* Clear MASKED ourselves only while the port is not PENDING; a pending
 * port must be linked by Xen, which EVTCHNOP_unmask does (and it raises
 * the upcall). The cmpxchg expects BUSY clear so we never overwrite a
 * link Xen is writing. */
static void fifo_unmask(unsigned int port)
{
	volatile event_word_t *w = fifo_word(port);
	struct evtchn_unmask u = { .port = port };
	event_word_t old;

	if (!w)
		return;
	/* Before the word can be unmasked: Xen may link it from then on. */
	mark_known(port);
	old = *w;
	for (;;) {
		if (!(old & F_MASKED))
			return;
		if (old & F_PENDING)
			break;
		old &= ~F_BUSY;
		if (__atomic_compare_exchange_n(w, &old, old & ~F_MASKED, false, __ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST))
			return;
		cpu_relax();
	}
	HYPERVISOR_event_channel_op(EVTCHNOP_unmask, &u);
}

static void fifo_clear_pending(unsigned int port)
{
	volatile event_word_t *w = fifo_word(port);

	if (w)
		__atomic_fetch_and(w, ~F_PENDING, __ATOMIC_SEQ_CST);
}

static bool fifo_is_pending(unsigned int port)
{
	volatile event_word_t *w = fifo_word(port);

	return w && (*w & F_PENDING);
}

static bool fifo_is_masked(unsigned int port)
{
	volatile event_word_t *w = fifo_word(port);

	return !w || (*w & F_MASKED);
}

/* Xen queues a port on the vCPU EVTCHNOP_bind_vcpu named; there is no
 * per-CPU state of ours to move. */
static void fifo_bind_to_cpu(unsigned int port, unsigned int old, unsigned int cpu)
{
}

static int fifo_set_priority(unsigned int port, unsigned int priority)
{
	struct evtchn_set_priority sp = { .port = port, .priority = priority };

	return HYPERVISOR_event_channel_op(EVTCHNOP_set_priority, &sp);
}

/* Take the port off its queue: clear LINKED and the link in one go and
 * return the link it had (0: it was the tail). Waits out BUSY. Clearing
 * the link too makes a stale head (Xen does not clear cb->head) read as
 * an empty queue. */
static u32 clear_linked(volatile event_word_t *w)
{
	event_word_t old = *w & ~F_BUSY;

	while (!__atomic_compare_exchange_n(w, &old, old & ~(F_LINKED | F_LINK_MASK), false,
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
		old &= ~F_BUSY;
		cpu_relax();
	}
	return old & F_LINK_MASK;
}

static bool port_ok(unsigned int port)
{
	return port < __atomic_load_n(&array_ports, __ATOMIC_ACQUIRE) && is_known(port);
}

static void drop_queue(struct fifo_cpu *fc, unsigned int q, unsigned int port)
{
	unsigned long n = __atomic_add_fetch(&bad_links, 1, __ATOMIC_RELAXED);

	fc->head[q] = 0;
	fc->ready &= ~(1u << q);
	if (!__atomic_exchange_n(&bad_link_warned, true, __ATOMIC_RELAXED))
		pr_warn("xen: FIFO queue %u on CPU %u links to bad port %u; queue dropped "
			"(warned once, %lu so far)\n", q, smp_processor_id(), port, n);
}

/* Consume the head of queue q: take it off the queue, then dispatch it if
 * it is still pending and unmasked (a port masked or cleared while queued
 * is skipped). */
static void consume_one(struct fifo_cpu *fc, unsigned int q)
{
	unsigned int port = fc->head[q];
	volatile event_word_t *w;
	event_word_t word;
	u32 next;

	if (!port) {
		/* We reached the tail last time: Xen wrote a new head when it
		 * started the queue again. */
		port = READ_ONCE(fc->cb->head[q]);
		if (!port) {
			/* A ready bit with nothing behind it. */
			fc->ready &= ~(1u << q);
			return;
		}
	}
	if (!port_ok(port)) {
		drop_queue(fc, q, port);
		return;
	}
	w = fifo_word(port);
	next = clear_linked(w);
	if (next && !port_ok(next)) {
		drop_queue(fc, q, next);
		next = 0;
	} else {
		fc->head[q] = next;
		if (!next)
			fc->ready &= ~(1u << q);
	}
	word = *w;
	if ((word & F_PENDING) && !(word & F_MASKED))
		evtchn_dispatch(port);
}

/* Highest priority first: the lowest-numbered ready queue gets the next
 * event, and ready is re-read after each one, so an event that arrives on
 * a better queue overtakes the rest of a worse one. */
static void fifo_handle_events(unsigned int cpu)
{
	struct fifo_cpu *fc = &fifo_cpus[cpu];
	unsigned int budget = EVENTS_PER_CALL;

	if (!fc->cb)
		return;   /* nothing can be queued for a vCPU without a block */
	for (;;) {
		u32 ready = __atomic_exchange_n(&fc->cb->ready, 0, __ATOMIC_SEQ_CST);

		fc->ready = (fc->ready | ready) & ALL_QUEUES;
		if (!fc->ready)
			return;
		if (!budget--) {
			/* Come back for the rest after the upcall loop has
			 * had a look round. */
			WRITE_ONCE(xen_vcpu()->evtchn_upcall_pending, 1);
			return;
		}
		consume_one(fc, (unsigned int)__builtin_ctz(fc->ready));
	}
}

void evtchn_fifo_get_stats(struct evtchn_fifo_stats *st)
{
	st->array_pages = __atomic_load_n(&array_ports, __ATOMIC_ACQUIRE) / WORDS_PER_PAGE;
	st->link_bits = link_bits;
	st->bad_links = __atomic_load_n(&bad_links, __ATOMIC_RELAXED);
}

const struct evtchn_ops evtchn_fifo_ops = {
	.name = "FIFO",
	.max_channels = EVTCHN_FIFO_NR_CHANNELS,
	.init = fifo_init,
	.cpu_init = fifo_cpu_init,
	.setup_port = fifo_setup_port,
	.mask = fifo_mask,
	.unmask = fifo_unmask,
	.clear_pending = fifo_clear_pending,
	.is_pending = fifo_is_pending,
	.is_masked = fifo_is_masked,
	.bind_to_cpu = fifo_bind_to_cpu,
	.handle_events = fifo_handle_events,
	.set_priority = fifo_set_priority,
};
