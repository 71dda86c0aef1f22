/* Xen virtual network interface frontend (device type "vif").
 *
 * docs/netfront.md describes the protocol, the keys, the slot rules and
 * the hardening; in short: everything the backend writes (xenstore keys,
 * ring indices, responses) is untrusted; a response is copied out of the
 * ring once, validated (nf_check_tx_rsp, nf_rx_parse), then acted on; a
 * misbehaving backend puts the vif into an error state (carrier off,
 * xenbus_dev_fatal, TX in flight completed as errors) and nothing it
 * does panics the guest or makes anything wait forever.
 *
 * Each vif registers a struct netdev. Each queue has a TX ring and an RX
 * ring of one page each, and one event channel, or two with
 * feature-split-event-channels. Event handlers do the ring work
 * themselves, under the queue's irqsave locks, and hand received packets
 * to the stack with netdev_rx() after dropping them.
 *
 * Locks (innermost last):
 *   nf->mutex (mutex, thread context only): the vif's state changes:
 *     xenbus callbacks (probe excepted), the fatal work, remove.
 *   q->tx_lock (irqsave, per queue): the TX ring, the TX id table, its
 *     grant refs and bounce pages, the backlog. Taken by xmit (thread
 *     context, with stack locks held) and the TX event handler.
 *   q->rx_lock (irqsave, per queue): the RX ring, the posted buffers and
 *     their refs, the copied responses. Taken by the RX event handler and
 *     the poll timer.
 *   tx_lock and rx_lock are never held together. Inside either one only
 *   leaf locks of other subsystems are taken (grant table, allocator,
 *   event channels) and nf->stats_lock.
 *   nf->stats_lock (irqsave, leaf): the netdev's counters, which several
 *     queues update.
 *   nf->pm_lock (irqsave, leaf): the TX packets kept across a suspend
 *     and pm_keeping; taken alone (xmit) or inside tx_lock.
 *   nf_list_lock (irqsave): the list of vifs for the monitor and the
 *     probe's search for a parked vif.
 * netdev_rx() and netdev_set_carrier() are called with none of these
 * held. */
#include <kernel/atomic.h>
#include <kernel/cmdline.h>
#include <kernel/errno.h>
#include <kernel/mm.h>
#include <kernel/monitor.h>
#include <kernel/printk.h>
#include <kernel/sched.h>
#include <kernel/smp.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <kernel/time.h>
#include <kernel/work.h>
#include <net/checksum.h>
#include <net/netdev.h>
#include <net/inet.h>
#include <net/pkbuf.h>
#include <xen/events.h>
#include <xen/grant_table.h>
#include <xen/netfront.h>
#include <xen/ring_check.h>
#include <xen/suspend.h>
#include <xen/xenbus.h>
#include "netfront.h"

#define NF_STORM_LIMIT 10000u           /* events without work per second */
#define NF_POLL_NS NSEC_PER_SEC         /* the safety-net poll */
/* TX slots in flight with no answer at all for this long: the backend
 * is dead or wedged (a killed backend leaves our rings mapped-looking
 * and its port closed; nothing else would tell). netback answers a TX
 * slot as soon as it copied (or its mapping was released); 10 s is far
 * beyond that even on an emulated, loaded host. */
#define NF_TX_TIMEOUT_NS (10 * NSEC_PER_SEC)
#define NF_BACKLOG 512u                 /* packets waiting for TX ring room */
#define NF_GSO_MAX_SEGS 64u

_Static_assert(__CONST_RING_SIZE(netif_tx, 4096) == NF_RING_SIZE, "TX ring size");
_Static_assert(__CONST_RING_SIZE(netif_rx, 4096) == NF_RING_SIZE, "RX ring size");

enum nf_state {
	NF_ST_INIT,        /* probed, waiting for the backend's InitWait */
	NF_ST_WAIT,        /* rings posted, we are Connected, backend not yet */
	NF_ST_CONNECTED,   /* carrier on, packets flow */
	NF_ST_ERROR,       /* the backend misbehaved; the vif is down for good */
	NF_ST_CLOSED,
	NF_ST_SUSPENDED,   /* rings gone for a suspend; the netdev and its TX kept */
};

static const char *const nf_state_names[] = { "init", "waiting", "connected", "error",
					      "closed", "suspended" };

/* How long TX kept across a suspend waits, from the resume, for the vif
 * to be Connected again before it is dropped (TCP resends it anyway). */
#define NF_RESUME_WAIT_NS (30 * NSEC_PER_SEC)

/* Options (docs/netfront.md). */
static bool nf_opt_untrusted;            /* netfront.trusted=0: bounce for every vif */
static unsigned int nf_opt_queues = NF_MAX_QUEUES;
static bool nf_opt_offload = true;       /* checksum offload and TSO */

static int nf_set_trusted(const char *val)
{
	unsigned int v;

	if (!val || kstrtouint(val, 10, &v) || v > 1)
		return -EINVAL;
	nf_opt_untrusted = !v;
	return 0;
}
CMDLINE_OPTION(nf_trusted, "netfront.trusted", nf_set_trusted,
	       "0: treat every vif backend as untrusted (bounce TX through zeroed pages)");

static int nf_set_queues(const char *val)
{
	unsigned int v;

	if (!val || kstrtouint(val, 10, &v) || v < 1 || v > NF_MAX_QUEUES)
		return -EINVAL;
	nf_opt_queues = v;
	return 0;
}
CMDLINE_OPTION(nf_queues, "netfront.queues", nf_set_queues,
	       "most queues per vif (1-4; also bounded by vCPUs and the backend)");

static int nf_set_offload(const char *val)
{
	unsigned int v;

	if (!val || kstrtouint(val, 10, &v) || v > 1)
		return -EINVAL;
	nf_opt_offload = v;
	return 0;
}
CMDLINE_OPTION(nf_offload, "netfront.offload", nf_set_offload,
	       "0: no checksum offload and no TSO on vifs");

/* What one TX id (one data slot in flight) holds. */
struct nf_tx_slot {
	struct pkbuf *pkb;      /* direct: the packet; cb[0] counts its slots in flight */
	void *bounce;           /* bounce mode: our page, else NULL */
	bool first;             /* the packet's first slot (its errors are counted here) */
};

/* Per-port storm accounting: a port's handler runs on one CPU at a time. */
struct nf_storm {
	u64 start;
	unsigned int count;
};

struct netfront;

struct nf_queue {
	struct netfront *nf;
	unsigned int index;
	char tx_lock_name[24], rx_lock_name[24];
	spinlock_t tx_lock, rx_lock;
	bool dead;                  /* written under both locks: no ring access */
	bool broken;                /* the backend broke the protocol on this queue */
	bool split;
	unsigned int tx_port, rx_port;   /* the same port unless split */
	bool tx_bound, rx_bound;
	struct nf_storm tx_storm, rx_storm;
	struct timer poll_timer;
	bool poll_armed;

	/* TX (tx_lock) */
	struct netif_tx_front_ring tx;
	struct netif_tx_sring *tx_sring;
	grant_ref_t tx_ring_ref;
	bool tx_ring_granted;
	grant_ref_t tx_refs[NF_RING_SIZE];      /* one per id; INVALID once lost */
	bool tx_refs_held;
	u8 tx_state[NF_RING_SIZE];
	struct nf_tx_slot tx_slot[NF_RING_SIZE];
	u16 tx_free[NF_RING_SIZE];
	unsigned int tx_nfree;
	u32 tx_nulls_due;           /* extra-info slots awaiting their NULL answer */
	struct pkb_queue backlog;
	bool tx_saw_pending;
	u32 tx_poll_cons;
	u64 tx_stall_since;         /* poll time since which nothing was answered; 0: none */
	unsigned long tx_events, tx_spurious, tx_missed, tx_pkts, tx_slots, tx_errs, tx_bounced;
	unsigned long tx_backlogged, tx_gso;

	/* RX (rx_lock) */
	struct netif_rx_front_ring rx;
	struct netif_rx_sring *rx_sring;
	grant_ref_t rx_ring_ref;
	bool rx_ring_granted;
	grant_ref_t rx_refs[NF_RING_SIZE];
	bool rx_refs_held;
	struct pkbuf *rx_pkb[NF_RING_SIZE];     /* posted buffer per ring slot (granted) */
	union nf_rx_slot rx_copy[NF_RING_SIZE]; /* responses as copied, by ring slot */
	u32 rx_copied;              /* ring index up to which responses are copied */
	u32 rx_posted_target;
	bool rx_saw_pending;
	u32 rx_poll_cons;
	unsigned long rx_events, rx_spurious, rx_missed, rx_pkts, rx_multi, rx_errs, rx_drops;
	unsigned long rx_alloc_fail, rx_gso;
};

struct netfront {
	struct xenbus_device *dev;     /* NULL once removed */
	unsigned int handle;           /* the vif's id */
	domid_t otherend_id;
	char otherend[XENBUS_PATH_MAX];
	struct mutex mutex;
	atomic_t refs;
	enum nf_state state;           /* written under mutex; read anywhere */
	struct netfront *next;         /* nf_list */
	struct netdev ndev;
	bool registered;
	bool trusted;
	bool feat_sg, feat_gso, feat_csum, split, rx_notify;
	unsigned int nr_queues;
	bool mq_key;                   /* the backend has multi-queue-max-queues */
	spinlock_t stats_lock;
	struct work fatal_work;
	atomic_t fatal_pending;
	char fatal_msg[112];
	int fatal_err;
	unsigned long grant_leaks;     /* grants the backend kept after answering */
	/* Suspend and resume (docs/netfront.md): removed for a suspend, the
	 * vif keeps its netdev (address, routes, sockets) and the TX
	 * packets in flight or backlogged (pm_kept, under pm_lock, a leaf
	 * taken inside tx_lock or alone); a probe of the same node with the
	 * same MAC adopts it and sends them once Connected. pm_timer drops
	 * them if that takes too long. */
	char nodename[XENBUS_PATH_MAX];
	spinlock_t pm_lock;
	bool pm_keeping;
	struct pkb_queue pm_kept;
	struct timer pm_timer;
	struct work pm_work;
	atomic_t pm_pending;
	unsigned long pm_parks, pm_saved, pm_resent, pm_lost;
	struct nf_queue *q[NF_MAX_QUEUES];
};

/* Set by the pm hook's suspend step, before xenbus removes the devices. */
static bool nf_pm_parking;

static DEFINE_SPINLOCK(nf_list_lock);
static struct netfront *nf_list;

static void nf_get(struct netfront *nf)
{
	atomic_inc(&nf->refs);
}

static void nf_put(struct netfront *nf)
{
	unsigned long flags;

	if (!atomic_dec_and_test(&nf->refs))
		return;
	flags = spin_lock_irqsave(&nf_list_lock);
	for (struct netfront **pp = &nf_list; *pp; pp = &(*pp)->next) {
		if (*pp == nf) {
			*pp = nf->next;
			break;
		}
	}
	spin_unlock_irqrestore(&nf_list_lock, flags);
	for (unsigned int i = 0; i < NF_MAX_QUEUES; i++)
		kfree(nf->q[i]);
	kfree(nf);
}

#define NF_STAT_ADD(nf, field, n)                                               \
	do {                                                                    \
		unsigned long __f = spin_lock_irqsave(&(nf)->stats_lock);       \
		(nf)->ndev.stats.field += (n);                                  \
		spin_unlock_irqrestore(&(nf)->stats_lock, __f);                 \
	} while (0)

/* ------------------------------------------------------------ errors */

/* The backend broke the protocol on q (one of q's locks held, any
 * context): stop using the rings, silence the ports, and let the fatal
 * work report it and take the vif down (xenstore writes: thread context). */
__printf(3, 4) static void nf_broken(struct nf_queue *q, int err, const char *fmt, ...)
{
	struct netfront *nf = q->nf;
	va_list ap;

	if (READ_ONCE(q->broken))
		return;
	WRITE_ONCE(q->broken, true);
	if (q->tx_bound)
		evtchn_mask(q->tx_port);
	if (q->rx_bound && q->split)
		evtchn_mask(q->rx_port);
	if (atomic_xchg(&nf->fatal_pending, 1))
		return;
	va_start(ap, fmt);
	vsnprintf(nf->fatal_msg, sizeof(nf->fatal_msg), fmt, ap);
	va_end(ap);
	nf->fatal_err = err;
	nf_get(nf);
	schedule_work(&nf->fatal_work);
}

static bool nf_q_usable(const struct nf_queue *q)
{
	return !q->dead && !READ_ONCE(q->broken);
}

/* Count an event that found no work; too many in a second is a storm. */
static void nf_storm(struct nf_queue *q, struct nf_storm *s, const char *which)
{
	u64 now = clock_ns();

	if (now - s->start > NSEC_PER_SEC) {
		s->start = now;
		s->count = 0;
	}
	if (++s->count > NF_STORM_LIMIT)
		nf_broken(q, -EPROTO, "queue %u: %s event storm (over %u events without work in 1 s)",
			  q->index, which, NF_STORM_LIMIT);
}

/* ------------------------------------------------------------ TX (tx_lock held) */

/* Pick a queue by flow so one TCP connection stays in order. */
static unsigned int nf_pick_queue(struct netfront *nf, const struct pkbuf *p)
{
	const u8 *d = p->data;
	u32 h;

	if (nf->nr_queues == 1 || p->len < NF_ETH_HLEN + 24 || d[12] != 0x08 || d[13] != 0)
		return 0;
	/* IPv4 source and destination, and the first 4 bytes after a
	 * 20-byte header (the ports, for TCP and UDP without options). */
	h = 0;
	for (unsigned int i = 26; i < 38; i++)
		h = h * 31 + d[i];
	return h % nf->nr_queues;
}

/* Put one packet on the TX ring. 0 (the ring owns p now); -EAGAIN: no
 * room right now (p untouched); another -errno: p cannot be sent (the
 * caller drops it). */
static int nf_tx_place(struct nf_queue *q, struct pkbuf *p)
{
	struct netfront *nf = q->nf;
	struct nf_piece pieces[NF_MAX_DATA_SLOTS];
	void *bounce[NF_MAX_DATA_SLOTS];
	unsigned int max = nf->feat_sg ? NF_MAX_DATA_SLOTS : 1, need;
	bool gso = p->gso_type == PKB_GSO_TCPV4, bouncing = !nf->trusted;
	u16 csum_flags = 0;
	int n = 0, freeslots;

	if (p->len < NF_ETH_HLEN || p->len > NF_MAX_PKT)
		return -EINVAL;
	if (p->gso_type != PKB_GSO_NONE && !gso)
		return -EINVAL;
	/* netback disables a vif that sends GSO with size 0. */
	if (gso && (!nf->feat_gso || !p->gso_size))
		return -EINVAL;
	if (!bouncing) {
		n = nf_tx_split((u64)(unsigned long)p->data, p->len, max, pieces);
		/* netback drops a packet whose first slot is shorter than
		 * an Ethernet header: copy those (and over-fragmented ones)
		 * into fresh pages. */
		if (n < 0 || pieces[0].len < NF_ETH_HLEN)
			bouncing = true;
	}
	if (bouncing) {
		n = (int)DIV_ROUND_UP(p->len, NF_PAGE_SIZE);
		if ((unsigned int)n > max)
			return -EMSGSIZE;
	}
	need = (unsigned int)n + (gso ? 1 : 0);
	freeslots = ring_free_slots(q->tx.req_prod_pvt, q->tx.rsp_cons, NF_RING_SIZE);
	if (freeslots < 0) {
		nf_broken(q, -EPROTO, "queue %u: TX ring indices inconsistent", q->index);
		return -ENETDOWN;
	}
	if ((unsigned int)freeslots < need || q->tx_nfree < (unsigned int)n)
		return -EAGAIN;
	if (bouncing) {
		u32 done = 0;

		for (int i = 0; i < n; i++) {
			u32 chunk = MIN(p->len - done, NF_PAGE_SIZE);

			/* alloc_pages zeroes: the backend sees nothing of ours
			 * beyond the packet. */
			bounce[i] = alloc_pages(1);
			if (!bounce[i]) {
				while (i--)
					free_pages(bounce[i], 1);
				return -ENOMEM;
			}
			memcpy(bounce[i], p->data + done, chunk);
			pieces[i].addr = (u64)(unsigned long)bounce[i];
			pieces[i].off = 0;
			pieces[i].len = (u16)chunk;
			done += chunk;
		}
		q->tx_bounced++;
	}
	if ((p->flags & PKB_F_CSUM_PARTIAL) && nf->feat_csum)
		csum_flags = NETTXF_csum_blank | NETTXF_data_validated;
	for (int i = 0; i < n; i++) {
		u16 id = q->tx_free[--q->tx_nfree];
		struct nf_tx_slot *s = &q->tx_slot[id];
		struct netif_tx_request *req;
		u16 flags = 0;

		s->pkb = bouncing ? NULL : p;
		s->bounce = bouncing ? bounce[i] : NULL;
		s->first = i == 0;
		gnttab_grant_ref(q->tx_refs[id], nf->otherend_id,
				 xen_virt_to_gfn((void *)(unsigned long)(pieces[i].addr & PAGE_MASK)),
				 true);
		q->tx_state[id] = NF_TX_PENDING;
		if (i + 1 < n)
			flags |= NETTXF_more_data;
		if (i == 0) {
			flags |= csum_flags;
			if (gso)
				flags |= NETTXF_extra_info;
		}
		req = RING_GET_REQUEST(&q->tx, q->tx.req_prod_pvt);
		req->gref = q->tx_refs[id];
		req->offset = pieces[i].off;
		req->flags = flags;
		req->id = id;
		/* The first slot carries the whole packet's size. */
		req->size = i == 0 ? (u16)p->len : pieces[i].len;
		q->tx.req_prod_pvt++;
		if (i == 0 && gso) {
			struct netif_extra_info *e =
				(struct netif_extra_info *)RING_GET_REQUEST(&q->tx, q->tx.req_prod_pvt);

			memset(e, 0, sizeof(*e));
			e->type = XEN_NETIF_EXTRA_TYPE_GSO;
			e->flags = 0;
			e->u.gso.size = p->gso_size;
			e->u.gso.type = XEN_NETIF_GSO_TYPE_TCPV4;
			q->tx.req_prod_pvt++;
			q->tx_nulls_due++;
		}
	}
	q->tx_pkts++;
	q->tx_slots += (unsigned int)n;
	NF_STAT_ADD(nf, tx_packets, 1);
	NF_STAT_ADD(nf, tx_bytes, p->len);
	if (csum_flags)
		NF_STAT_ADD(nf, tx_csum_offload, 1);
	if (gso) {
		q->tx_gso++;
		NF_STAT_ADD(nf, tx_gso, 1);
	}
	if (bouncing) {
		pkb_free(p);
	} else {
		p->cb[0] = (u64)n;   /* slots in flight */
		p->cb[1] = 0;        /* set: a grant of it is still mapped, never free it */
	}
	return 0;
}

static void nf_tx_push(struct nf_queue *q)
{
	bool notify;

	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&q->tx, notify);
	if (notify)
		evtchn_send(q->tx_port);
}

/* Send what waits in the backlog while there is room. */
static void nf_tx_drain_backlog(struct nf_queue *q)
{
	struct pkbuf *p;
	bool placed = false;

	while (nf_q_usable(q) && (p = q->backlog.head)) {
		int rc = nf_tx_place(q, p);

		if (rc == -EAGAIN)
			break;
		pkbq_pop(&q->backlog);
		if (rc) {
			NF_STAT_ADD(q->nf, tx_dropped, 1);
			pkb_free(p);
		} else {
			placed = true;
		}
	}
	if (placed)
		nf_tx_push(q);
}

/* One data slot is over (answered, or the queue is going away): revoke
 * its grant, free what it held. err: the backend's verdict. */
static void nf_tx_release(struct nf_queue *q, u16 id, int err)
{
	struct netfront *nf = q->nf;
	struct nf_tx_slot *s = &q->tx_slot[id];
	struct pkbuf *p = s->pkb;
	bool lost = false;

	q->tx_state[id] = NF_TX_FREE;
	if (err && s->first) {
		q->tx_errs++;
		NF_STAT_ADD(nf, tx_errors, 1);
	}
	if (gnttab_end_access(q->tx_refs[id])) {
		/* The backend still maps a page it already answered for.
		 * Our bounce page and the ref go to the deferred list; a
		 * packet's page is never freed (leaked, counted). The id
		 * has no ref any more and is not reused. */
		lost = true;
		nf->grant_leaks++;
		gnttab_end_access_free(q->tx_refs[id], s->bounce, s->bounce ? 1 : 0);
		s->bounce = NULL;
		q->tx_refs[id] = GNTTAB_INVALID_REF;
		if (p)
			p->cb[1] = 1;
	} else {
		if (s->bounce)
			free_pages(s->bounce, 1);
		s->bounce = NULL;
		q->tx_free[q->tx_nfree++] = id;
	}
	s->pkb = NULL;
	if (p && --p->cb[0] == 0 && !p->cb[1])
		pkb_free(p);
	if (lost)
		nf_broken(q, -EPROTO, "queue %u: backend kept a TX grant mapped after answering",
			  q->index);
}

/* Consume TX responses. Returns how many were consumed. */
static unsigned int nf_tx_process(struct nf_queue *q)
{
	unsigned int rounds = 0, got = 0;
	int more;

	for (;;) {
		u32 untrusted_prod = READ_ONCE(q->tx_sring->rsp_prod);
		int n;

		xen_rmb();   /* the responses after the index */
		n = ring_rsp_count(untrusted_prod, q->tx.rsp_cons, q->tx.req_prod_pvt, NF_RING_SIZE);
		if (n < 0) {
			nf_broken(q, -EPROTO, "queue %u: TX rsp_prod %u impossible (consumed %u, requested %u)",
				  q->index, untrusted_prod, q->tx.rsp_cons, q->tx.req_prod_pvt);
			return got;
		}
		for (int i = 0; i < n; i++) {
			struct netif_tx_response rsp;
			enum nf_tx_verdict v;
			u16 id = 0;
			int err = 0;

			RING_COPY_RESPONSE(&q->tx, q->tx.rsp_cons, &rsp);
			v = nf_check_tx_rsp(&rsp, q->tx_state, NF_RING_SIZE, q->tx_nulls_due, &id,
					    &err);
			if (v == NF_TXV_NULL) {
				q->tx_nulls_due--;
				q->tx.rsp_cons++;
				got++;
				continue;
			}
			if (v != NF_TXV_OK) {
				nf_broken(q, -EPROTO, "queue %u: bad TX response (id %u, status %d): %s",
					  q->index, rsp.id, rsp.status, nf_tx_verdict_str(v));
				return got;
			}
			q->tx.rsp_cons++;
			got++;
			nf_tx_release(q, id, err);
			if (READ_ONCE(q->broken))
				return got;
		}
		RING_FINAL_CHECK_FOR_RESPONSES(&q->tx, more);
		if (!more)
			break;
		if (++rounds > 2 * NF_RING_SIZE) {
			nf_broken(q, -EPROTO, "queue %u: TX responses never stop", q->index);
			return got;
		}
	}
	return got;
}

/* ------------------------------------------------------------ RX (rx_lock held) */

/* Keep every RX slot posted: a fresh zeroed page per slot whose buffer
 * went to the stack; slots whose buffer came back unused (extra info,
 * dropped packets) are posted again with the same grant. */
static void nf_rx_refill(struct nf_queue *q)
{
	struct netfront *nf = q->nf;
	bool pushed = false, notify;

	while (q->rx.req_prod_pvt - q->rx.rsp_cons < q->rx_posted_target) {
		u32 idx = q->rx.req_prod_pvt & (NF_RING_SIZE - 1);
		struct netif_rx_request *req;

		if (!q->rx_pkb[idx]) {
			struct pkbuf *p = pkb_alloc(NF_PAGE_SIZE, 0);

			if (!p) {
				q->rx_alloc_fail++;   /* the poll retries */
				break;
			}
			q->rx_pkb[idx] = p;
			gnttab_grant_ref(q->rx_refs[idx], nf->otherend_id, xen_virt_to_gfn(p->head),
					 false);
		}
		req = RING_GET_REQUEST(&q->rx, q->rx.req_prod_pvt);
		req->id = (u16)idx;
		req->gref = q->rx_refs[idx];
		q->rx.req_prod_pvt++;
		pushed = true;
	}
	if (!pushed)
		return;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&q->rx, notify);
	if (notify)
		evtchn_send(q->rx_port);
}

/* Revoke the grant of RX slot idx so its page is ours alone. false (and
 * the vif broken) if the backend still maps it: the buffer is then lost
 * to us and never touched again. */
static bool nf_rx_take(struct nf_queue *q, u32 idx)
{
	if (!gnttab_end_access(q->rx_refs[idx]))
		return true;
	q->nf->grant_leaks++;
	gnttab_end_access_free(q->rx_refs[idx], NULL, 0);
	q->rx_refs[idx] = GNTTAB_INVALID_REF;
	q->rx_pkb[idx] = NULL;   /* leaked: the backend may still write it */
	nf_broken(q, -EPROTO, "queue %u: backend kept an RX grant mapped", q->index);
	return false;
}

/* Turn a parsed packet into a pkbuf on *out. The slots' buffers either
 * go to the stack (refill posts new ones) or stay posted. */
static void nf_rx_deliver(struct nf_queue *q, const struct nf_rx_pkt *pkt, struct pkbuf ***out)
{
	struct netfront *nf = q->nf;
	u32 first = q->rx.rsp_cons;
	struct pkbuf *p;

	if (pkt->error) {
		q->rx_errs++;
		NF_STAT_ADD(nf, rx_errors, 1);
		return;
	}
	if (pkt->len < NF_ETH_HLEN || pkt->len > PKB_MAX_LEN) {
		q->rx_drops++;
		NF_STAT_ADD(nf, rx_dropped, 1);
		return;
	}
	if (pkt->nr_data == 1) {
		u32 idx = (first + pkt->data_slot[0]) & (NF_RING_SIZE - 1);

		if (!nf_rx_take(q, idx))
			return;
		p = q->rx_pkb[idx];
		q->rx_pkb[idx] = NULL;
		p->data = p->head + pkt->off[0];
		p->len = pkt->size[0];
	} else {
		u32 pos = 0;

		/* The slots' sizes add up to pkt->len (nf_rx_parse): all
		 * of it is copied in below. */
		p = pkb_alloc_filled(pkt->len, 0);
		if (!p) {
			q->rx_drops++;
			NF_STAT_ADD(nf, rx_dropped, 1);
			return;
		}
		for (u32 k = 0; k < pkt->nr_data; k++) {
			u32 idx = (first + pkt->data_slot[k]) & (NF_RING_SIZE - 1);
			struct pkbuf *b;

			if (!nf_rx_take(q, idx)) {
				pkb_free(p);
				return;
			}
			b = q->rx_pkb[idx];
			memcpy(p->data + pos, b->head + pkt->off[k], pkt->size[k]);
			pos += pkt->size[k];
			/* Copied out: the page holds nothing but what this
			 * backend wrote, so refill posts it again instead of
			 * allocating and zeroing a fresh one (16 pages per
			 * 64 KiB GSO packet). */
			gnttab_grant_ref(q->rx_refs[idx], nf->otherend_id, xen_virt_to_gfn(b->head),
					 false);
		}
		p->len = pkt->len;
		q->rx_multi++;
	}
	p->flags = 0;
	if (nf->feat_csum && (pkt->flags & NETRXF_csum_blank))
		p->flags |= PKB_F_CSUM_VALID | PKB_F_CSUM_BLANK;
	else if (pkt->flags & NETRXF_data_validated)
		p->flags |= PKB_F_CSUM_VALID;
	if (pkt->gso_size) {
		p->gso_type = PKB_GSO_TCPV4;
		p->gso_size = pkt->gso_size;
		q->rx_gso++;
	}
	q->rx_pkts++;
	NF_STAT_ADD(nf, rx_packets, 1);
	NF_STAT_ADD(nf, rx_bytes, p->len);
	if (p->flags & PKB_F_CSUM_VALID)
		NF_STAT_ADD(nf, rx_csum_valid, 1);
	p->next = NULL;
	**out = p;
	*out = &p->next;
}

/* Consume RX responses into packets (list *out). Returns the slots consumed. */
static unsigned int nf_rx_process(struct nf_queue *q, struct pkbuf ***out)
{
	unsigned int rounds = 0, got = 0;

	for (;;) {
		u32 untrusted_prod = READ_ONCE(q->rx_sring->rsp_prod);
		int n;

		xen_rmb();
		n = ring_rsp_count(untrusted_prod, q->rx.rsp_cons, q->rx.req_prod_pvt, NF_RING_SIZE);
		if (n < 0) {
			nf_broken(q, -EPROTO, "queue %u: RX rsp_prod %u impossible (consumed %u, posted %u)",
				  q->index, untrusted_prod, q->rx.rsp_cons, q->rx.req_prod_pvt);
			return got;
		}
		/* Copy each newly published slot once; parsing and acting use
		 * the copy only. Slots of a partial packet were copied already:
		 * a producer index that moved back behind them is a lie. */
		if (q->rx.rsp_cons + (u32)n - q->rx_copied > NF_RING_SIZE) {
			nf_broken(q, -EPROTO, "queue %u: RX rsp_prod %u went back (copied up to %u)",
				  q->index, untrusted_prod, q->rx_copied);
			return got;
		}
		while (q->rx_copied != q->rx.rsp_cons + (u32)n) {
			u32 i = q->rx_copied;

			q->rx_copy[i & (NF_RING_SIZE - 1)].rsp = *(volatile struct netif_rx_response *)
				RING_GET_RESPONSE(&q->rx, i);
			q->rx_copied++;
		}
		for (;;) {
			u32 avail = q->rx_copied - q->rx.rsp_cons;
			struct nf_rx_pkt pkt;
			enum nf_rx_verdict v;

			if (!avail)
				break;
			v = nf_rx_parse(q->rx_copy, q->rx.rsp_cons, avail, nf_opt_offload, &pkt);
			if (v == NF_RXV_INCOMPLETE)
				break;   /* the rest of the packet is on its way */
			if (v != NF_RXV_OK) {
				nf_broken(q, -EPROTO, "queue %u: bad RX response at %u: %s", q->index,
					  q->rx.rsp_cons, nf_rx_verdict_str(v));
				return got;
			}
			nf_rx_deliver(q, &pkt, out);
			if (READ_ONCE(q->broken))
				return got;
			q->rx.rsp_cons += pkt.nr_slots;
			got += pkt.nr_slots;
		}
		/* Ask for an event past what we copied (a partial packet
		 * stays unconsumed), then look once more. */
		q->rx_sring->rsp_event = q->rx_copied + 1;
		xen_mb();
		if (READ_ONCE(q->rx_sring->rsp_prod) == q->rx_copied)
			break;
		if (++rounds > 2 * NF_RING_SIZE) {
			nf_broken(q, -EPROTO, "queue %u: RX responses never stop", q->index);
			return got;
		}
	}
	return got;
}

static void nf_rx_hand_over(struct netfront *nf, struct pkbuf *list)
{
	while (list) {
		struct pkbuf *next = list->next;

		list->next = NULL;
		netdev_rx(&nf->ndev, list);
		list = next;
	}
}

/* ------------------------------------------------------------ events */

static unsigned int nf_do_tx(struct nf_queue *q)
{
	unsigned long flags = spin_lock_irqsave(&q->tx_lock);
	unsigned int got = 0;

	if (nf_q_usable(q)) {
		got = nf_tx_process(q);
		nf_tx_drain_backlog(q);
	}
	spin_unlock_irqrestore(&q->tx_lock, flags);
	return got;
}

static unsigned int nf_do_rx(struct nf_queue *q)
{
	struct pkbuf *list = NULL, **tail = &list;
	unsigned long flags = spin_lock_irqsave(&q->rx_lock);
	unsigned int got = 0;

	if (nf_q_usable(q)) {
		got = nf_rx_process(q, &tail);
		if (nf_q_usable(q))
			nf_rx_refill(q);
	}
	spin_unlock_irqrestore(&q->rx_lock, flags);
	nf_rx_hand_over(q->nf, list);
	return got;
}

static void nf_event_tx(unsigned int port, void *data)
{
	struct nf_queue *q = data;

	(void)port;
	q->tx_events++;
	if (!nf_do_tx(q) && nf_q_usable(q)) {
		q->tx_spurious++;
		nf_storm(q, &q->tx_storm, "TX");
	}
}

static void nf_event_rx(unsigned int port, void *data)
{
	struct nf_queue *q = data;

	(void)port;
	q->rx_events++;
	if (!nf_do_rx(q) && nf_q_usable(q)) {
		q->rx_spurious++;
		nf_storm(q, &q->rx_storm, "RX");
	}
}

/* One channel for both rings. */
static void nf_event_both(unsigned int port, void *data)
{
	struct nf_queue *q = data;
	unsigned int got;

	(void)port;
	q->rx_events++;
	got = nf_do_rx(q);
	got += nf_do_tx(q);
	if (!got && nf_q_usable(q)) {
		q->rx_spurious++;
		nf_storm(q, &q->rx_storm, "");
	}
}

/* TX completion timeout (tx_lock held, from the poll, before
 * tx_poll_cons moves on): slots in flight and no answer consumed for
 * NF_TX_TIMEOUT_NS make the vif fail, which completes everything in
 * flight and in the backlog as errors. */
static void nf_tx_watchdog(struct nf_queue *q)
{
	u32 inflight = q->tx.req_prod_pvt - q->tx.rsp_cons;
	u64 now = clock_ns();

	if (!inflight) {
		q->tx_stall_since = 0;
		return;
	}
	if (!q->tx_stall_since || q->tx.rsp_cons != q->tx_poll_cons) {
		q->tx_stall_since = now;
		return;
	}
	if (now - q->tx_stall_since >= NF_TX_TIMEOUT_NS)
		nf_broken(q, -ETIMEDOUT,
			  "queue %u: backend answered none of %u TX slots in %llu s (dead backend?)",
			  q->index, inflight, (unsigned long long)((now - q->tx_stall_since) / NSEC_PER_SEC));
}

/* The safety net, once a second while the queue lives: responses that a
 * second look still finds unconsumed, with nothing consumed in between,
 * lost their event (counted as missed) and are handled here; RX buffers
 * that could not be allocated are posted again. */
static void nf_poll(struct timer *t)
{
	struct nf_queue *q = container_of(t, struct nf_queue, poll_timer);
	struct pkbuf *list = NULL, **tail = &list;
	unsigned long flags;

	flags = spin_lock_irqsave(&q->tx_lock);
	if (nf_q_usable(q)) {
		bool pending = READ_ONCE(q->tx_sring->rsp_prod) != q->tx.rsp_cons;

		if (pending && q->tx_saw_pending && q->tx_poll_cons == q->tx.rsp_cons) {
			q->tx_missed++;
			nf_tx_process(q);
			pending = false;
		}
		q->tx_saw_pending = pending;
		nf_tx_watchdog(q);
		q->tx_poll_cons = q->tx.rsp_cons;
		if (nf_q_usable(q))
			nf_tx_drain_backlog(q);
	}
	spin_unlock_irqrestore(&q->tx_lock, flags);

	flags = spin_lock_irqsave(&q->rx_lock);
	q->poll_armed = false;
	if (nf_q_usable(q)) {
		bool pending = READ_ONCE(q->rx_sring->rsp_prod) != q->rx_copied;

		if (pending && q->rx_saw_pending && q->rx_poll_cons == q->rx.rsp_cons) {
			q->rx_missed++;
			nf_rx_process(q, &tail);
			pending = false;
		}
		q->rx_saw_pending = pending;
		q->rx_poll_cons = q->rx.rsp_cons;
		if (nf_q_usable(q))
			nf_rx_refill(q);
	}
	if (!q->dead) {
		q->poll_armed = true;
		timer_add(&q->poll_timer, clock_ns() + NF_POLL_NS, nf_poll);
	}
	spin_unlock_irqrestore(&q->rx_lock, flags);
	nf_rx_hand_over(q->nf, list);
}

/* ------------------------------------------------------------ netdev ops */

static int nf_xmit(struct netdev *dev, struct pkbuf *p)
{
	struct netfront *nf = dev->priv;
	struct nf_queue *q;
	unsigned long flags;
	int rc;

	if (READ_ONCE(nf->state) != NF_ST_CONNECTED) {
		unsigned long kf = spin_lock_irqsave(&nf->pm_lock);
		bool kept = nf->pm_keeping && pkbq_push(&nf->pm_kept, p);

		spin_unlock_irqrestore(&nf->pm_lock, kf);
		if (kept)
			return 0;   /* sent after the resume */
		NF_STAT_ADD(nf, tx_dropped, 1);
		pkb_free(p);
		return -ENETDOWN;
	}
	q = nf->q[nf_pick_queue(nf, p)];
	flags = spin_lock_irqsave(&q->tx_lock);
	if (!nf_q_usable(q)) {
		rc = -ENETDOWN;
	} else if (q->backlog.head) {
		/* Keep order: behind what already waits. */
		rc = pkbq_push(&q->backlog, p) ? 0 : -ENOBUFS;
		if (!rc)
			q->tx_backlogged++;
	} else {
		rc = nf_tx_place(q, p);
		if (rc == -EAGAIN) {
			rc = pkbq_push(&q->backlog, p) ? 0 : -ENOBUFS;
			if (!rc)
				q->tx_backlogged++;
		} else if (!rc) {
			nf_tx_push(q);
		}
	}
	spin_unlock_irqrestore(&q->tx_lock, flags);
	if (rc) {
		NF_STAT_ADD(nf, tx_dropped, 1);
		pkb_free(p);
	}
	return rc;
}

static void nf_show_one(struct netfront *nf);

static void nf_ndev_show(struct netdev *dev)
{
	nf_show_one(dev->priv);
}

static const struct netdev_ops nf_netdev_ops = {
	.xmit = nf_xmit,
	.show = nf_ndev_show,
};

/* ------------------------------------------------------------ monitor */

static void nf_show_one(struct netfront *nf)
{
	const struct netdev_stats *st = &nf->ndev.stats;
	const u8 *m = nf->ndev.mac;

	kprintf("  vif %u %s: %s, carrier %s, backend %s (dom %u), mac %02x:%02x:%02x:%02x:%02x:%02x\n",
		nf->handle, nf->registered ? nf->ndev.name : "-", nf_state_names[READ_ONCE(nf->state)],
		nf->ndev.carrier ? "on" : "off", nf->otherend, nf->otherend_id, m[0], m[1], m[2],
		m[3], m[4], m[5]);
	kprintf("    %u queue(s), %s event channels, sg %s, tso %s, csum offload %s, rx-notify %s, "
		"%s\n",
		nf->nr_queues, nf->split ? "split" : "shared", nf->feat_sg ? "on" : "off",
		nf->feat_gso ? "on" : "off", nf->feat_csum ? "on" : "off",
		nf->rx_notify ? "on" : "off",
		nf->trusted ? "trusted backend" : "untrusted backend: TX bounced");
	kprintf("    stats: rx_packets %llu rx_bytes %llu rx_errors %llu rx_dropped %llu "
		"tx_packets %llu tx_bytes %llu tx_errors %llu tx_dropped %llu rx_csum_valid %llu "
		"tx_csum_offload %llu tx_gso %llu\n",
		(unsigned long long)st->rx_packets, (unsigned long long)st->rx_bytes,
		(unsigned long long)st->rx_errors, (unsigned long long)st->rx_dropped,
		(unsigned long long)st->tx_packets, (unsigned long long)st->tx_bytes,
		(unsigned long long)st->tx_errors, (unsigned long long)st->tx_dropped,
		(unsigned long long)st->rx_csum_valid, (unsigned long long)st->tx_csum_offload,
		(unsigned long long)st->tx_gso);
	for (unsigned int i = 0; i < nf->nr_queues; i++) {
		struct nf_queue *q = nf->q[i];

		if (!q)
			continue;
		kprintf("    q%u: ports %u/%u, tx: pkts %lu slots %lu errors %lu bounced %lu gso %lu "
			"backlogged %lu waiting %u in-flight %u events %lu spurious %lu missed %lu\n",
			i, q->tx_port, q->rx_port, q->tx_pkts, q->tx_slots, q->tx_errs, q->tx_bounced,
			q->tx_gso, q->tx_backlogged, q->backlog.len,
			q->tx_sring ? q->tx.req_prod_pvt - q->tx.rsp_cons : 0, q->tx_events,
			q->tx_spurious, q->tx_missed);
		kprintf("        rx: pkts %lu multi-slot %lu gso %lu errors %lu dropped %lu posted %u "
			"alloc-fail %lu events %lu spurious %lu missed %lu%s\n",
			q->rx_pkts, q->rx_multi, q->rx_gso, q->rx_errs, q->rx_drops,
			q->rx_sring ? q->rx.req_prod_pvt - q->rx.rsp_cons : 0, q->rx_alloc_fail,
			q->rx_events, q->rx_spurious, q->rx_missed,
			READ_ONCE(q->broken) ? ", BROKEN" : "");
	}
	if (nf->grant_leaks)
		kprintf("    grants the backend kept mapped: %lu\n", nf->grant_leaks);
	if (nf->pm_parks)
		kprintf("    suspend: parked %lu time(s), TX kept %lu, resent %lu, lost %lu, waiting %u\n",
			nf->pm_parks, nf->pm_saved, nf->pm_resent, nf->pm_lost, nf->pm_kept.len);
	if (nf->state == NF_ST_ERROR)
		kprintf("    error: %s\n", nf->fatal_msg);
}

static int nf_parse_ipv4(const char *s, u8 ip[4])
{
	for (unsigned int i = 0; i < 4; i++) {
		unsigned int v = 0, digits = 0;

		while (*s >= '0' && *s <= '9' && digits < 3) {
			v = v * 10 + (unsigned int)(*s++ - '0');
			digits++;
		}
		if (!digits || v > 255)
			return -EINVAL;
		ip[i] = (u8)v;
		if (*s != (i == 3 ? '\0' : '.'))
			return -EINVAL;
		s++;
	}
	return 0;
}

/* `netfront arp IF A.B.C.D [COUNT [LEN]]`: broadcast ARP requests (probes
 * with sender address 0.0.0.0, which Linux answers) for the L2 tests
 * while the stack above is not there. Every other frame starts 20 bytes
 * before a page end, so it takes two TX slots. */
static int nf_cmd_arp(int argc, char **argv)
{
	unsigned int count = 1, len = 60;
	struct netdev *dev;
	u8 ip[4];
	int sent = 0;

	if (argc < 4 || nf_parse_ipv4(argv[3], ip))
		return -EINVAL;
	if (argc > 4 && (kstrtouint(argv[4], 10, &count) || count > 100000))
		return -EINVAL;
	if (argc > 5 && (kstrtouint(argv[5], 10, &len) || len < 42 || len > 4000))
		return -EINVAL;
	dev = netdev_by_name(argv[2]);
	if (!dev || dev->ops != &nf_netdev_ops)
		return -ENODEV;
	for (unsigned int i = 0; i < count; i++) {
		bool cross = i & 1;
		struct pkbuf *p = pkb_alloc(cross ? NF_PAGE_SIZE + len : len,
					    cross ? NF_PAGE_SIZE - 20 : 0);
		u8 *f;

		if (!p)
			return -ENOMEM;
		f = pkb_put(p, len);
		memset(f, 0, len);
		memset(f, 0xff, 6);
		memcpy(f + 6, dev->mac, 6);
		f[12] = 0x08, f[13] = 0x06;            /* ARP */
		f[14] = 0, f[15] = 1;                  /* Ethernet */
		f[16] = 0x08, f[17] = 0;               /* IPv4 */
		f[18] = 6, f[19] = 4;
		f[20] = 0, f[21] = 1;                  /* request */
		memcpy(f + 22, dev->mac, 6);
		memcpy(f + 38, ip, 4);
		if (!netdev_xmit(dev, p))
			sent++;
		if ((i & 63) == 63)
			sleep_ns(NSEC_PER_MSEC);
	}
	kprintf("  netfront: %d of %u ARP request(s) sent on %s\n", sent, count, dev->name);
	return 0;
}

static void nf_put_be16(u8 *p, u16 v)
{
	p[0] = (u8)(v >> 8);
	p[1] = (u8)v;
}

/* `netfront tcp IF A.B.C.D SEGS MSS`: one TCP ACK segment from
 * 169.254.77.77 to A.B.C.D carrying SEGS * MSS bytes, sent to the
 * Ethernet broadcast address with its checksum left to the backend
 * (PKB_F_CSUM_PARTIAL) and, for SEGS > 1, as one TSO packet with a GSO
 * extra. The lab checks that netback took it whole (dom0's vif counts the
 * bytes, no TX error, the carrier stays on): netback disables a vif whose
 * GSO or checksum metadata it cannot parse. */
static int nf_cmd_tcp(int argc, char **argv)
{
	unsigned int segs, mss, payload, l4len;
	const u32 saddr = 0xA9FE4D4D;   /* 169.254.77.77 */
	struct netdev *dev;
	struct pkbuf *p;
	u8 ip[4], *f, *iph, *th;
	u32 daddr;
	int rc;

	if (argc < 6 || nf_parse_ipv4(argv[3], ip) || kstrtouint(argv[4], 10, &segs) ||
	    kstrtouint(argv[5], 10, &mss) || !segs || segs > 64 || mss < 1 || mss > 1460)
		return -EINVAL;
	payload = segs * mss;
	if (payload + 54 > NF_MAX_PKT)
		return -EINVAL;
	dev = netdev_by_name(argv[2]);
	if (!dev || dev->ops != &nf_netdev_ops)
		return -ENODEV;
	daddr = (u32)ip[0] << 24 | (u32)ip[1] << 16 | (u32)ip[2] << 8 | ip[3];
	p = pkb_alloc(54 + payload, NET_HEADROOM);
	if (!p)
		return -ENOMEM;
	f = pkb_put(p, 54 + payload);
	memset(f, 0, 54 + payload);
	memset(f, 0xff, 6);
	memcpy(f + 6, dev->mac, 6);
	f[12] = 0x08;
	iph = f + 14;
	iph[0] = 0x45;
	nf_put_be16(iph + 2, (u16)(40 + payload));
	nf_put_be16(iph + 4, 0x1234);
	nf_put_be16(iph + 6, 0x4000);           /* DF */
	iph[8] = 64;
	iph[9] = 6;                             /* TCP */
	for (unsigned int i = 0; i < 4; i++) {
		iph[12 + i] = (u8)(saddr >> (24 - 8 * i));
		iph[16 + i] = ip[i];
	}
	nf_put_be16(iph + 10, ip_compute_csum(iph, 20));
	th = iph + 20;
	nf_put_be16(th, 40000);
	nf_put_be16(th + 2, 9);                 /* discard */
	th[7] = 1;                              /* seq 1 */
	th[11] = 1;                             /* ack 1 */
	th[12] = 5 << 4;
	th[13] = 0x10;                          /* ACK */
	nf_put_be16(th + 14, 1024);
	for (unsigned int i = 0; i < payload; i++)
		th[20 + i] = (u8)('a' + i % 26);
	l4len = 20 + payload;
	/* The field holds the pseudo-header sum (not complemented). */
	nf_put_be16(th + 16, (u16)~csum_fold(csum_tcpudp_pseudo(saddr, daddr, 6, (u16)l4len)));
	p->flags = PKB_F_CSUM_PARTIAL;
	p->csum_start = (u16)(th - p->head);
	p->csum_offset = 16;
	if (segs > 1) {
		p->gso_type = PKB_GSO_TCPV4;
		p->gso_size = (u16)mss;
	}
	rc = netdev_xmit(dev, p);
	kprintf("  netfront: TCP packet of %u bytes (%u x %u) on %s: %d\n", 54 + payload, segs, mss,
		dev->name, rc);
	return 0;
}

static int cmd_netfront(int argc, char **argv)
{
	unsigned long flags;
	struct netfront *nf;
	unsigned int n = 0;

	if (argc >= 2 && !strcmp(argv[1], "arp"))
		return nf_cmd_arp(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "tcp"))
		return nf_cmd_tcp(argc, argv);
	/* "netfront N": vif N only (the listing of every vif is long, and
	 * a slow console makes it slower still). */
	if (argc == 2) {
		unsigned int handle;

		if (kstrtouint(argv[1], 10, &handle))
			return -EINVAL;
		flags = spin_lock_irqsave(&nf_list_lock);
		for (nf = nf_list; nf; nf = nf->next) {
			if (nf->handle == handle) {
				nf_show_one(nf);
				n++;
			}
		}
		spin_unlock_irqrestore(&nf_list_lock, flags);
		if (!n)
			kprintf("  no vif %u\n", handle);
		return 0;
	}
	if (argc > 2)
		return -EINVAL;
	flags = spin_lock_irqsave(&nf_list_lock);
	for (nf = nf_list; nf; nf = nf->next, n++)
		nf_show_one(nf);
	spin_unlock_irqrestore(&nf_list_lock, flags);
	if (!n)
		kprintf("  no vif devices\n");
	return 0;
}
MONITOR_COMMAND(netfront, "netfront",
		"netfront [N | arp IF A.B.C.D [COUNT [LEN]] | tcp IF A.B.C.D SEGS MSS]",
		"Xen network frontends: queues, rings, counters, state; L2 test frames",
		cmd_netfront);

/* ------------------------------------------------------------ setup and teardown (nf->mutex) */

static void nf_queue_free(struct nf_queue *q)
{
	/* A granted ring page goes back only once the backend unmapped it
	 * (the deferred list waits for that); one never granted at once. */
	if (q->tx_sring && q->tx_ring_granted)
		gnttab_end_access_free(q->tx_ring_ref, q->tx_sring, 1);
	else if (q->tx_sring)
		free_pages(q->tx_sring, 1);
	if (q->rx_sring && q->rx_ring_granted)
		gnttab_end_access_free(q->rx_ring_ref, q->rx_sring, 1);
	else if (q->rx_sring)
		free_pages(q->rx_sring, 1);
	q->tx_ring_granted = q->rx_ring_granted = false;
	q->tx_sring = NULL;
	q->rx_sring = NULL;
	for (unsigned int i = 0; i < NF_RING_SIZE; i++) {
		if (q->tx_refs_held && q->tx_refs[i] != GNTTAB_INVALID_REF)
			gnttab_free_refs(&q->tx_refs[i], 1);
		if (q->rx_refs_held && q->rx_refs[i] != GNTTAB_INVALID_REF)
			gnttab_free_refs(&q->rx_refs[i], 1);
	}
	q->tx_refs_held = q->rx_refs_held = false;
	pkbq_purge(&q->backlog);
}

/* Keep p for after the resume (under tx_lock or nothing); false if the
 * list is full (the caller frees p; counted as lost). */
static bool nf_pm_keep(struct netfront *nf, struct pkbuf *p)
{
	unsigned long flags = spin_lock_irqsave(&nf->pm_lock);
	bool ok = pkbq_push(&nf->pm_kept, p);

	spin_unlock_irqrestore(&nf->pm_lock, flags);
	if (!ok) {
		nf->pm_lost++;
		NF_STAT_ADD(nf, tx_dropped, 1);
	}
	return ok;
}

/* Drop what was kept (the vif did not come back, or went away). */
static void nf_pm_drop(struct netfront *nf)
{
	unsigned long flags = spin_lock_irqsave(&nf->pm_lock);
	u32 n = nf->pm_kept.len;

	nf->pm_keeping = false;
	pkbq_purge(&nf->pm_kept);
	spin_unlock_irqrestore(&nf->pm_lock, flags);
	nf->pm_lost += n;
	NF_STAT_ADD(nf, tx_dropped, n);
}

/* Stop a queue: no ring access any more, ports closed (waits for a
 * running handler), TX in flight completed as errors, RX buffers taken
 * back. Grants the backend still maps go to the deferred list. */
static void nf_queue_stop(struct netfront *nf, struct nf_queue *q, bool keep)
{
	unsigned long flags;

	flags = spin_lock_irqsave(&q->tx_lock);
	q->dead = true;
	spin_unlock_irqrestore(&q->tx_lock, flags);
	flags = spin_lock_irqsave(&q->rx_lock);
	q->dead = true;
	spin_unlock_irqrestore(&q->rx_lock, flags);
	timer_cancel(&q->poll_timer);
	if (q->tx_bound) {
		evtchn_unbind(q->tx_port);
		evtchn_close(q->tx_port);
	}
	if (q->rx_bound && q->split) {
		evtchn_unbind(q->rx_port);
		evtchn_close(q->rx_port);
	}
	q->tx_bound = q->rx_bound = false;

	flags = spin_lock_irqsave(&q->tx_lock);
	for (u32 id = 0; id < NF_RING_SIZE; id++) {
		struct pkbuf *p;

		if (q->tx_state[id] != NF_TX_PENDING)
			continue;
		/* Released as failed; a grant still mapped is not broken
		 * protocol here (the backend may be mid-packet), just kept. */
		struct nf_tx_slot *s = &q->tx_slot[id];

		p = s->pkb;
		q->tx_state[id] = NF_TX_FREE;
		if (s->first && keep && !p) {
			nf->pm_lost++;   /* bounced: the packet itself is gone */
			NF_STAT_ADD(nf, tx_dropped, 1);
		} else if (s->first && !keep) {
			q->tx_errs++;
			NF_STAT_ADD(nf, tx_errors, 1);
		}
		if (gnttab_end_access(q->tx_refs[id])) {
			nf->grant_leaks++;
			gnttab_end_access_free(q->tx_refs[id], s->bounce, s->bounce ? 1 : 0);
			q->tx_refs[id] = GNTTAB_INVALID_REF;
			if (p)
				p->cb[1] = 1;
		} else if (s->bounce) {
			free_pages(s->bounce, 1);
		}
		s->bounce = NULL;
		s->pkb = NULL;
		if (p && --p->cb[0] == 0) {
			if (p->cb[1]) {
				/* still mapped by the backend: never reused */
				if (keep)
					nf->pm_lost++;
			} else if (keep && nf_pm_keep(nf, p)) {
				nf->pm_saved++;
			} else {
				pkb_free(p);
			}
		}
	}
	for (struct pkbuf *p; keep && (p = q->backlog.head);) {
		pkbq_pop(&q->backlog);
		if (nf_pm_keep(nf, p))
			nf->pm_saved++;
		else
			pkb_free(p);
	}
	NF_STAT_ADD(nf, tx_dropped, q->backlog.len);
	pkbq_purge(&q->backlog);
	spin_unlock_irqrestore(&q->tx_lock, flags);

	flags = spin_lock_irqsave(&q->rx_lock);
	for (u32 i = 0; i < NF_RING_SIZE; i++) {
		struct pkbuf *p = q->rx_pkb[i];

		if (!p)
			continue;
		q->rx_pkb[i] = NULL;
		if (gnttab_end_access(q->rx_refs[i])) {
			/* Still mapped: leave page and ref to the backend. */
			nf->grant_leaks++;
			gnttab_end_access_free(q->rx_refs[i], NULL, 0);
			q->rx_refs[i] = GNTTAB_INVALID_REF;
			continue;
		}
		pkb_free(p);
	}
	spin_unlock_irqrestore(&q->rx_lock, flags);
}

/* Everything down: carrier off, queues stopped and freed. The netdev
 * stays registered (with no carrier) until the device is removed. */
static void nf_teardown(struct netfront *nf, enum nf_state final)
{
	WRITE_ONCE(nf->state, final);
	if (nf->registered)
		netdev_set_carrier(&nf->ndev, false);
	for (unsigned int i = 0; i < NF_MAX_QUEUES; i++) {
		if (!nf->q[i])
			continue;
		nf_queue_stop(nf, nf->q[i], false);
		nf_queue_free(nf->q[i]);
	}
	timer_cancel(&nf->pm_timer);
	nf_pm_drop(nf);
}

/* Removed for a suspend (nf->mutex held): carrier off, rings and ports
 * freed as for a close, but the netdev stays registered and the TX
 * packets in flight (of a trusted backend: bounced ones are gone) and
 * backlogged are kept, as are packets the stack sends until the vif is
 * back. */
static void nf_park_device(struct netfront *nf)
{
	unsigned long flags;

	WRITE_ONCE(nf->state, NF_ST_SUSPENDED);
	netdev_set_carrier(&nf->ndev, false);
	for (unsigned int i = 0; i < NF_MAX_QUEUES; i++) {
		if (!nf->q[i])
			continue;
		nf_queue_stop(nf, nf->q[i], true);
		nf_queue_free(nf->q[i]);
	}
	flags = spin_lock_irqsave(&nf->pm_lock);
	nf->pm_keeping = true;
	spin_unlock_irqrestore(&nf->pm_lock, flags);
	nf->pm_parks++;
	pr_info("netfront vif %u: suspended; %u TX packet(s) kept\n", nf->handle, nf->pm_kept.len);
}

/* Connected again after a resume (nf->mutex held): send what was kept. */
static void nf_pm_resend(struct netfront *nf)
{
	struct pkb_queue list;
	unsigned long flags;
	struct pkbuf *p;
	unsigned long n = 0;

	pkbq_init(&list, NF_BACKLOG);
	flags = spin_lock_irqsave(&nf->pm_lock);
	list = nf->pm_kept;
	pkbq_init(&nf->pm_kept, NF_BACKLOG);
	nf->pm_keeping = false;
	spin_unlock_irqrestore(&nf->pm_lock, flags);
	timer_cancel(&nf->pm_timer);
	while ((p = pkbq_pop(&list))) {
		if (!nf_xmit(&nf->ndev, p))
			n++;
		else
			nf->pm_lost++;   /* counted as dropped by nf_xmit */
	}
	nf->pm_resent += n;
	if (n)
		pr_info("netfront vif %u: %lu kept TX packet(s) sent again\n", nf->handle, n);
}

/* The resume gave the vif NF_RESUME_WAIT_NS to come back. */
static void nf_pm_work(struct work *w)
{
	struct netfront *nf = container_of(w, struct netfront, pm_work);
	bool drop = false;

	atomic_set(&nf->pm_pending, 0);
	mutex_lock(&nf->mutex);
	if (nf->state != NF_ST_CONNECTED && READ_ONCE(nf->pm_keeping)) {
		pr_warn("netfront vif %u: not connected %llu s after the resume; dropping %u kept TX packet(s)\n",
			nf->handle, (unsigned long long)(NF_RESUME_WAIT_NS / NSEC_PER_SEC),
			nf->pm_kept.len);
		nf_pm_drop(nf);
	}
	if (!nf->dev && nf->state == NF_ST_SUSPENDED) {
		/* Never found again: the netdev goes with the reference
		 * the suspend kept. */
		WRITE_ONCE(nf->state, NF_ST_CLOSED);
		if (nf->registered) {
			netdev_unregister(&nf->ndev);
			nf->registered = false;
		}
		drop = true;
	}
	mutex_unlock(&nf->mutex);
	if (drop)
		nf_put(nf);
	nf_put(nf);
}

static void nf_pm_tick(struct timer *t)
{
	struct netfront *nf = container_of(t, struct netfront, pm_timer);

	if (!atomic_xchg(&nf->pm_pending, 1)) {
		nf_get(nf);
		schedule_work(&nf->pm_work);
	}
}

static void nf_fatal_work(struct work *w)
{
	struct netfront *nf = container_of(w, struct netfront, fatal_work);

	mutex_lock(&nf->mutex);
	if (nf->dev && nf->state != NF_ST_CLOSED && nf->state != NF_ST_ERROR) {
		pr_err("netfront vif %u: %s; the vif is disabled\n", nf->handle, nf->fatal_msg);
		xenbus_dev_fatal(nf->dev, nf->fatal_err, "%s", nf->fatal_msg);
		nf_teardown(nf, NF_ST_ERROR);
	}
	mutex_unlock(&nf->mutex);
	nf_put(nf);
}

static int nf_queue_setup(struct netfront *nf, struct nf_queue *q)
{
	/* Queue i's events go to vCPU i when it is online. */
	unsigned int cpu = cpu_online(q->index) ? q->index : 0;
	int rc;

	memset(&q->tx, 0, sizeof(q->tx));
	memset(&q->rx, 0, sizeof(q->rx));
	q->dead = false;
	q->broken = false;
	q->tx_nulls_due = 0;
	q->tx_stall_since = 0;
	q->tx_poll_cons = 0;
	pkbq_init(&q->backlog, NF_BACKLOG);
	for (unsigned int i = 0; i < NF_RING_SIZE; i++) {
		q->tx_refs[i] = q->rx_refs[i] = GNTTAB_INVALID_REF;
		q->tx_state[i] = NF_TX_FREE;
		q->tx_free[i] = (u16)(NF_RING_SIZE - 1 - i);
	}
	q->tx_nfree = NF_RING_SIZE;
	/* Refs reserved now (may sleep); the ring paths never allocate. */
	rc = gnttab_alloc_refs(q->tx_refs, NF_RING_SIZE);
	if (rc)
		return rc;
	q->tx_refs_held = true;
	rc = gnttab_alloc_refs(q->rx_refs, NF_RING_SIZE);
	if (rc)
		return rc;
	q->rx_refs_held = true;

	q->tx_sring = alloc_pages(1);
	q->rx_sring = alloc_pages(1);
	if (!q->tx_sring || !q->rx_sring) {
		if (q->tx_sring)
			free_pages(q->tx_sring, 1);
		if (q->rx_sring)
			free_pages(q->rx_sring, 1);
		q->tx_sring = NULL;
		q->rx_sring = NULL;
		return -ENOMEM;
	}
	SHARED_RING_INIT(q->tx_sring);
	FRONT_RING_INIT(&q->tx, q->tx_sring, PAGE_SIZE);
	SHARED_RING_INIT(q->rx_sring);
	FRONT_RING_INIT(&q->rx, q->rx_sring, PAGE_SIZE);
	q->rx_copied = 0;
	q->rx_posted_target = NF_RING_SIZE;
	rc = xenbus_grant_ring(nf->dev, q->tx_sring, 1, &q->tx_ring_ref);
	if (rc)
		return rc;
	q->tx_ring_granted = true;
	rc = xenbus_grant_ring(nf->dev, q->rx_sring, 1, &q->rx_ring_ref);
	if (rc)
		return rc;
	q->rx_ring_granted = true;

	q->split = nf->split;
	rc = xenbus_alloc_evtchn(nf->dev, &q->tx_port);
	if (rc)
		return rc;
	if (q->split) {
		rc = xenbus_alloc_evtchn(nf->dev, &q->rx_port);
		if (rc) {
			evtchn_close(q->tx_port);
			return rc;
		}
	} else {
		q->rx_port = q->tx_port;
	}
	rc = evtchn_bind_cpu(q->tx_port, q->split ? nf_event_tx : nf_event_both, q, cpu);
	if (rc) {
		evtchn_close(q->tx_port);
		if (q->split)
			evtchn_close(q->rx_port);
		return rc;
	}
	q->tx_bound = true;
	if (q->split) {
		rc = evtchn_bind_cpu(q->rx_port, nf_event_rx, q, cpu);
		if (rc) {
			evtchn_close(q->rx_port);
			return rc;
		}
	}
	q->rx_bound = true;
	return 0;
}

static int nf_write_queue_keys(xs_tx_t tx, struct nf_queue *q, const char *dir)
{
	int rc;

	rc = xenbus_printf(tx, dir, "tx-ring-ref", "%u", q->tx_ring_ref);
	if (!rc)
		rc = xenbus_printf(tx, dir, "rx-ring-ref", "%u", q->rx_ring_ref);
	if (rc)
		return rc;
	if (q->split) {
		rc = xenbus_printf(tx, dir, "event-channel-tx", "%u", q->tx_port);
		if (!rc)
			rc = xenbus_printf(tx, dir, "event-channel-rx", "%u", q->rx_port);
		return rc;
	}
	return xenbus_printf(tx, dir, "event-channel", "%u", q->tx_port);
}

static int nf_write_keys(xs_tx_t tx, void *arg)
{
	struct netfront *nf = arg;
	const char *node = nf->dev->nodename;
	int rc;

	if (nf->nr_queues == 1) {
		rc = nf_write_queue_keys(tx, nf->q[0], node);
		if (rc)
			return rc;
	} else {
		for (unsigned int i = 0; i < nf->nr_queues; i++) {
			char dir[XENBUS_PATH_MAX + 16];

			snprintf(dir, sizeof(dir), "%s/queue-%u", node, i);
			rc = nf_write_queue_keys(tx, nf->q[i], dir);
			if (rc)
				return rc;
		}
	}
	/* Only a backend that offers queues reads the count. */
	if (nf->mq_key) {
		rc = xenbus_printf(tx, node, "multi-queue-num-queues", "%u", nf->nr_queues);
		if (rc)
			return rc;
	}
	/* netback refuses to work without copy mode. */
	rc = xenbus_printf(tx, node, "request-rx-copy", "%u", 1);
	if (!rc)
		rc = xenbus_printf(tx, node, "feature-rx-notify", "%u", 1);
	/* We assemble multi-slot RX packets and take GSO extras. */
	if (!rc)
		rc = xenbus_printf(tx, node, "feature-sg", "%u", 1);
	if (!rc)
		rc = xenbus_printf(tx, node, "feature-gso-tcpv4", "%u", nf_opt_offload ? 1 : 0);
	if (!rc)
		rc = xenbus_printf(tx, node, "feature-no-csum-offload", "%u", nf_opt_offload ? 0 : 1);
	return rc;
}

/* Read a backend feature with a range; anything odd counts as absent. */
static unsigned int nf_read_feature(struct netfront *nf, const char *node, unsigned int max,
				    unsigned int def)
{
	unsigned int v;

	if (xenbus_read_uint_default(nf->dev->otherend, node, 0, max, def, &v))
		return def;
	return v;
}

/* The backend waits for us (InitWait): rings, buffers, keys, Connected,
 * and the netdev (carrier comes with the backend's Connected). */
/* xl writes the vif's ip= setting into the backend's "ip" key (addresses
 * separated by spaces). The stack uses it when no ip= option names this
 * device; the value is the backend's, so the stack validates it. */
static void nf_config_hint(struct netfront *nf)
{
	char untrusted_ips[128];
	int rc = xenbus_read_str(nf->dev->otherend, "ip", untrusted_ips, sizeof(untrusted_ips));

	if (rc)
		return;         /* no ip= in the vif configuration */
	rc = net_iface_config_hint(&nf->ndev, untrusted_ips);
	if (rc)
		pr_warn("netfront vif %u: backend's ip key unusable (%d); ignored\n", nf->handle,
			rc);
}

static void nf_talk_to_backend(struct netfront *nf)
{
	const char *what = "netback lacks feature-rx-copy";
	u64 t0 = clock_ns(), t_feat, t_rings, t_bufs, t_keys;
	unsigned int maxq;
	int rc = -EOPNOTSUPP;

	if (nf_read_feature(nf, "feature-rx-copy", 1, 0) != 1)
		goto fail;
	nf->feat_sg = nf_read_feature(nf, "feature-sg", 1, 0) == 1;
	nf->feat_gso = nf_opt_offload && nf->feat_sg &&
		       nf_read_feature(nf, "feature-gso-tcpv4", 1, 0) == 1;
	/* netback takes csum_blank TX packets whatever it advertises. */
	nf->feat_csum = nf_opt_offload;
	nf->split = nf_read_feature(nf, "feature-split-event-channels", 1, 0) == 1;
	nf->rx_notify = true;
	maxq = nf_read_feature(nf, "multi-queue-max-queues", 64, 0);
	nf->mq_key = maxq > 0;
	nf->nr_queues = MIN(MAX(maxq, 1u), num_online_cpus());
	nf->nr_queues = MIN(nf->nr_queues, nf_opt_queues);
	nf->nr_queues = MAX(nf->nr_queues, 1u);

	what = "setting up the rings";
	t_feat = clock_ns();
	for (unsigned int i = 0; i < nf->nr_queues; i++) {
		struct nf_queue *q = nf->q[i];

		rc = nf_queue_setup(nf, q);
		if (rc)
			goto fail;
	}
	t_rings = clock_ns();
	for (unsigned int i = 0; i < nf->nr_queues; i++) {
		struct nf_queue *q = nf->q[i];
		unsigned long flags = spin_lock_irqsave(&q->rx_lock);

		nf_rx_refill(q);
		spin_unlock_irqrestore(&q->rx_lock, flags);
	}
	t_bufs = clock_ns();
	what = "writing the frontend keys";
	rc = xs_transaction(nf_write_keys, nf);
	if (rc)
		goto fail;
	t_keys = clock_ns();
	if (!nf->registered) {
		struct netdev *d = &nf->ndev;

		d->mtu = ETH_DATA_LEN;
		d->features = 0;
		if (nf->feat_sg)
			d->features |= NETIF_F_SG;
		if (nf->feat_csum)
			d->features |= NETIF_F_TX_CSUM | NETIF_F_RX_CSUM;
		if (nf->feat_gso) {
			d->features |= NETIF_F_TSO4;
			d->gso_max_size = NF_MAX_PKT;
			d->gso_max_segs = NF_GSO_MAX_SEGS;
		}
		d->max_frags = nf->feat_sg ? NF_MAX_DATA_SLOTS : 1;
		d->carrier = false;
		d->ops = &nf_netdev_ops;
		d->priv = nf;
		what = "registering the network device";
		rc = netdev_register(d);
		if (rc)
			goto fail;
		nf->registered = true;
		nf_config_hint(nf);
	} else {
		/* Found again after a suspend: the same netdev (address,
		 * sockets), with what this backend offers. */
		u32 f = nf->ndev.features & ~(NETIF_F_SG | NETIF_F_TSO4);

		if (nf->feat_sg)
			f |= NETIF_F_SG;
		if (nf->feat_gso)
			f |= NETIF_F_TSO4;
		WRITE_ONCE(nf->ndev.max_frags, (u16)(nf->feat_sg ? NF_MAX_DATA_SLOTS : 1));
		WRITE_ONCE(nf->ndev.features, f);
	}
	WRITE_ONCE(nf->state, NF_ST_WAIT);
	for (unsigned int i = 0; i < nf->nr_queues; i++) {
		struct nf_queue *q = nf->q[i];
		unsigned long flags = spin_lock_irqsave(&q->rx_lock);

		q->poll_armed = true;
		timer_add(&q->poll_timer, clock_ns() + NF_POLL_NS, nf_poll);
		spin_unlock_irqrestore(&q->rx_lock, flags);
	}
	what = "switching to Connected";
	rc = xenbus_switch_state(nf->dev, XenbusStateConnected);
	if (rc)
		goto fail;
	pr_info("netfront vif %u (%s): %u queue(s), %s channels, sg %s, tso %s, csum %s, %s\n",
		nf->handle, nf->ndev.name, nf->nr_queues, nf->split ? "split" : "shared",
		nf->feat_sg ? "on" : "off", nf->feat_gso ? "on" : "off",
		nf->feat_csum ? "on" : "off", nf->trusted ? "trusted" : "untrusted (bounce)");
	/* Connecting is xenstore round trips mostly; on a loaded host
	 * they add up: say where the time went. */
	pr_info("netfront vif %u: connected in %llu ms (features %llu, rings %llu, buffers %llu, "
		"keys %llu, rest %llu)\n", nf->handle, (clock_ns() - t0) / NSEC_PER_MSEC,
		(t_feat - t0) / NSEC_PER_MSEC, (t_rings - t_feat) / NSEC_PER_MSEC,
		(t_bufs - t_rings) / NSEC_PER_MSEC, (t_keys - t_bufs) / NSEC_PER_MSEC,
		(clock_ns() - t_keys) / NSEC_PER_MSEC);
	return;
fail:
	xenbus_dev_fatal(nf->dev, rc, "%s", what);
	nf_teardown(nf, NF_ST_ERROR);
}

/* ------------------------------------------------------------ xenbus callbacks */

/* A reference to nf unless its last one is already being dropped. */
static bool nf_tryget(struct netfront *nf)
{
	long r = atomic_read(&nf->refs);

	while (r > 0) {
		if (atomic_cmpxchg(&nf->refs, r, r + 1))
			return true;
		r = atomic_read(&nf->refs);
	}
	return false;
}

/* The vif of node dev->nodename with this MAC was removed for a suspend
 * and is found again: take it over (netdev and kept TX included). 0, or
 * -ENOENT if there is no such vif. */
static int nf_adopt(struct xenbus_device *dev, const u8 mac[6])
{
	struct netfront *nf, *found = NULL;
	unsigned int trusted;
	unsigned long flags;
	int rc = -ENOENT;

	flags = spin_lock_irqsave(&nf_list_lock);
	for (nf = nf_list; nf; nf = nf->next) {
		if (READ_ONCE(nf->state) == NF_ST_SUSPENDED && !strcmp(nf->nodename, dev->nodename) &&
		    !memcmp(nf->ndev.mac, mac, 6) && nf_tryget(nf)) {
			found = nf;
			break;
		}
	}
	spin_unlock_irqrestore(&nf_list_lock, flags);
	if (!found)
		return -ENOENT;
	nf = found;
	mutex_lock(&nf->mutex);
	if (nf->state == NF_ST_SUSPENDED && !nf->dev) {
		nf->dev = dev;
		nf->otherend_id = dev->otherend_id;
		strlcpy(nf->otherend, dev->otherend, sizeof(nf->otherend));
		if (xenbus_read_uint_default(dev->nodename, "trusted", 0, 1, 1, &trusted))
			trusted = 0;
		nf->trusted = trusted && !nf_opt_untrusted;
		atomic_set(&nf->fatal_pending, 0);
		WRITE_ONCE(nf->state, NF_ST_INIT);
		dev->drvdata = nf;   /* xenbus owns the reference the suspend kept */
		pr_info("netfront vif %u (%s): found again after the suspend (backend dom %u); %u TX packet(s) kept\n",
			nf->handle, nf->ndev.name, nf->otherend_id, nf->pm_kept.len);
		rc = 0;
	}
	mutex_unlock(&nf->mutex);
	nf_put(nf);   /* the lookup's */
	return rc;
}

static int nf_probe(struct xenbus_device *dev)
{
	struct netfront *nf;
	char mac[24];
	u8 hw[6];
	unsigned int trusted;
	unsigned long flags;
	int rc;

	rc = xenbus_read_str(dev->nodename, "mac", mac, sizeof(mac));
	if (rc < 0 || nf_parse_mac(mac, hw)) {
		pr_err("netfront %s: no valid mac key\n", dev->nodename);
		return rc < 0 ? rc : -EINVAL;
	}
	if (!nf_adopt(dev, hw))
		return 0;
	nf = kzalloc(sizeof(*nf));
	if (!nf)
		return -ENOMEM;
	memcpy(nf->ndev.mac, hw, 6);
	for (unsigned int i = 0; i < NF_MAX_QUEUES; i++) {
		struct nf_queue *q = kzalloc(sizeof(*q));

		if (!q) {
			for (unsigned int j = 0; j < i; j++)
				kfree(nf->q[j]);
			kfree(nf);
			return -ENOMEM;
		}
		q->nf = nf;
		q->index = i;
		snprintf(q->tx_lock_name, sizeof(q->tx_lock_name), "netfront_tx%u", i);
		snprintf(q->rx_lock_name, sizeof(q->rx_lock_name), "netfront_rx%u", i);
		spin_lock_init(&q->tx_lock, q->tx_lock_name);
		spin_lock_init(&q->rx_lock, q->rx_lock_name);
		pkbq_init(&q->backlog, NF_BACKLOG);
		nf->q[i] = q;
	}
	nf->dev = dev;
	nf->handle = dev->id;
	nf->otherend_id = dev->otherend_id;
	strlcpy(nf->otherend, dev->otherend, sizeof(nf->otherend));
	if (xenbus_read_uint_default(dev->nodename, "trusted", 0, 1, 1, &trusted))
		trusted = 0;   /* unreadable: assume the worst */
	nf->trusted = trusted && !nf_opt_untrusted;
	nf->nr_queues = 1;
	mutex_init(&nf->mutex, "netfront");
	spin_lock_init(&nf->stats_lock, "netfront_stats");
	atomic_set(&nf->refs, 1);
	nf->fatal_work.fn = nf_fatal_work;
	nf->pm_work.fn = nf_pm_work;
	spin_lock_init(&nf->pm_lock, "netfront_pm");
	pkbq_init(&nf->pm_kept, NF_BACKLOG);
	strlcpy(nf->nodename, dev->nodename, sizeof(nf->nodename));
	dev->drvdata = nf;
	flags = spin_lock_irqsave(&nf_list_lock);
	nf->next = nf_list;
	nf_list = nf;
	spin_unlock_irqrestore(&nf_list_lock, flags);
	return 0;
}

/* Backend Closing/Closed or gone: carrier off, everything down. */
static void nf_close(struct netfront *nf)
{
	enum nf_state st = nf->state;

	if (st == NF_ST_CLOSED || st == NF_ST_ERROR)
		return;
	nf_teardown(nf, NF_ST_CLOSED);
	pr_info("netfront vif %u: closed\n", nf->handle);
}

static void nf_otherend_changed(struct xenbus_device *dev, enum xenbus_state be)
{
	struct netfront *nf = dev->drvdata;

	if (!nf)
		return;
	mutex_lock(&nf->mutex);
	switch (be) {
	case XenbusStateInitWait:
		if (nf->state == NF_ST_INIT && !dev->failed)
			nf_talk_to_backend(nf);
		break;
	case XenbusStateConnected:
		if (nf->state == NF_ST_INIT && !dev->failed)
			nf_talk_to_backend(nf);
		if (nf->state == NF_ST_WAIT && !dev->failed) {
			WRITE_ONCE(nf->state, NF_ST_CONNECTED);
			netdev_set_carrier(&nf->ndev, true);
			/* Kick the rings: requests posted before the backend
			 * looked at them. */
			for (unsigned int i = 0; i < nf->nr_queues; i++)
				evtchn_send(nf->q[i]->rx_port);
			if (READ_ONCE(nf->pm_keeping))
				nf_pm_resend(nf);
		}
		break;
	case XenbusStateClosing:
	case XenbusStateClosed:
		nf_close(nf);
		xenbus_switch_state(dev, XenbusStateClosed);
		break;
	case XenbusStateUnknown:
		/* The backend's state node vanished after it took our rings:
		 * nobody will answer. Before that nothing is shared yet. */
		if (nf->state == NF_ST_WAIT || nf->state == NF_ST_CONNECTED) {
			pr_warn("netfront vif %u: backend state gone; closing\n", nf->handle);
			nf_close(nf);
			xenbus_switch_state(dev, XenbusStateClosed);
		}
		break;
	default:
		break;
	}
	mutex_unlock(&nf->mutex);
}

static void nf_remove(struct xenbus_device *dev)
{
	struct netfront *nf = dev->drvdata;

	if (!nf)
		return;
	mutex_lock(&nf->mutex);
	if (READ_ONCE(nf_pm_parking) && nf->registered &&
	    (nf->state == NF_ST_INIT || nf->state == NF_ST_WAIT || nf->state == NF_ST_CONNECTED)) {
		/* Removed for a suspend: keep the netdev and its TX; the
		 * reference xenbus held stays with the parked vif. */
		nf_park_device(nf);
		nf->dev = NULL;
		mutex_unlock(&nf->mutex);
		dev->drvdata = NULL;
		return;
	}
	nf_close(nf);
	WRITE_ONCE(nf->state, NF_ST_CLOSED);
	if (nf->registered) {
		/* Waits for the stack's users of the device to finish. */
		netdev_unregister(&nf->ndev);
		nf->registered = false;
	}
	nf->dev = NULL;
	mutex_unlock(&nf->mutex);
	dev->drvdata = NULL;
	nf_put(nf);
}

static const struct xenbus_driver nf_driver = {
	.name = "netfront",
	.devicetype = "vif",
	.probe = nf_probe,
	.otherend_changed = nf_otherend_changed,
	.remove = nf_remove,
};

/* Just above the xenbus frontends' level (as blkfront's): set before
 * the devices are removed, cleared after the bus is started again. */
static int nf_pm_suspend(void)
{
	WRITE_ONCE(nf_pm_parking, true);
	return 0;
}

static void nf_pm_resume(const struct xen_resume_info *ri)
{
	unsigned long flags;

	(void)ri;
	WRITE_ONCE(nf_pm_parking, false);
	flags = spin_lock_irqsave(&nf_list_lock);
	for (struct netfront *nf = nf_list; nf; nf = nf->next) {
		if (READ_ONCE(nf->pm_keeping) || READ_ONCE(nf->state) == NF_ST_SUSPENDED)
			timer_add(&nf->pm_timer, clock_ns() + NF_RESUME_WAIT_NS, nf_pm_tick);
	}
	spin_unlock_irqrestore(&nf_list_lock, flags);
}

static struct xen_pm_hook nf_pm_hook = {
	.name = "netfront",
	.level = (enum xen_pm_level)(XEN_PM_DEVICES + 1),
	.suspend = nf_pm_suspend,
	.resume = nf_pm_resume,
};

int xen_netfront_init(void)
{
	int rc;

	xen_pm_register(&nf_pm_hook);
	rc = xenbus_register_frontend(&nf_driver);

	if (rc)
		pr_err("netfront: cannot register with xenbus (%d)\n", rc);
	return rc;
}
