/* Xen virtual block device frontend (device type "vbd").
 *
 * docs/blkfront.md describes the protocol, the choices and the hardening
 * rules; in short: everything the backend writes (xenstore keys, ring
 * indices, responses) is untrusted; a response is copied out of the ring
 * once, validated (bf_check_rsp), then acted on; a misbehaving backend
 * puts the device into an error state (xenbus_dev_fatal) and every
 * outstanding request completes with an error. Nothing the backend does
 * panics the guest or makes anything wait forever.
 *
 * Locks (innermost last):
 *   bf->mutex (mutex, thread context only): the device's state changes:
 *     xenbus callbacks (probe excepted), the fatal work, remove.
 *   q->lock (irqsave, one per queue): the ring, the shadow table, the
 *     free lists of slots, grant refs and granted pages, the queue of
 *     waiting requests and the counters. Taken by submit (any context)
 *     and the event handler. Nothing else is taken inside it except the
 *     grant-table, allocator and event-channel locks (leaf locks of those
 *     subsystems). done() callbacks always run after it is dropped.
 *   bf->park_lock (irqsave, a leaf): parked and the park list of
 *     requests kept across a suspend; taken alone (submit) or inside
 *     q->lock.
 *   bf_list_lock (irqsave): the list of devices for the monitor and the
 *     probe's search for a parked device.
 */
#include <kernel/atomic.h>
#include <kernel/blkdev.h>
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
#include <xen/blkfront.h>
#include <xen/events.h>
#include <xen/grant_table.h>
#include <xen/interface/io/protocols.h>
#include <xen/ring_check.h>
#include <xen/suspend.h>
#include <xen/xenbus.h>
#include "blkfront.h"

#define BF_REFS_PER_QUEUE 1024u        /* grant refs one queue may hold */
#define BF_STORM_LIMIT 10000u           /* spurious events per second */
#define BF_DRAIN_NS (5 * NSEC_PER_SEC)  /* wait for in-flight I/O on close */
#define BF_CONNECT_WAIT_NS (20 * NSEC_PER_SEC)
/* How often free persistent pages are offered back: Linux's blkfront
 * does it every 10 s too; Linux 6.1's blkback unmaps a persistent grant
 * unused for 60 s, so an idle pool shrinks about a minute after I/O stops. */
#define BF_PURGE_NS (10 * NSEC_PER_SEC)
/* How long requests kept across a suspend wait, from the resume, for the
 * device to be Connected again before they fail: a restore on a loaded
 * host reconnects in a few seconds; a backend that has not come back by
 * then is taken to be gone. */
#define BF_RESUME_WAIT_NS (30 * NSEC_PER_SEC)

enum bf_mode {
	BF_DIRECT,      /* trusted backend: the submitter's pages are granted */
	BF_BOUNCE,      /* untrusted: data copied through dedicated pages, granted per request */
	BF_PERSISTENT,  /* feature-persistent: dedicated pages granted once, data copied */
};

static const char *const bf_mode_names[] = { "direct", "bounce", "persistent" };

enum bf_state {
	BF_ST_INIT,        /* probed, waiting for the backend's InitWait */
	BF_ST_INITIALISED, /* rings and keys written, waiting for Connected */
	BF_ST_CONNECTED,   /* disk registered, I/O flows */
	BF_ST_CLOSING,     /* no new I/O; waiting for what is in flight */
	BF_ST_ERROR,       /* the backend misbehaved; everything failed */
	BF_ST_CLOSED,
	BF_ST_SUSPENDED,   /* rings gone for a suspend; the disk and its requests kept */
};

static const char *const bf_state_names[] = { "init", "initialised", "connected",
					      "closing", "error", "closed", "suspended" };

/* A dedicated page of ours (bounce or persistent data, indirect
 * descriptors). Persistent: granted once (ref), writable, for good. */
struct bf_gpage {
	struct bf_gpage *next;
	void *va;
	grant_ref_t ref;
};

/* One granted page of an in-flight request. */
struct bf_grant {
	grant_ref_t ref;           /* GNTTAB_INVALID_REF: none */
	struct bf_gpage *gp;       /* NULL: the submitter's page (direct) */
};

struct bf_shadow {
	struct blk_request *rq;
	struct bf_grant *grants;   /* kmalloc'd: nr_grants entries */
	unsigned int nr_grants;
	unsigned int nr_data;      /* the first nr_data grants carry rq's segments */
	bool is_read;
};

struct blkfront;

struct bf_queue {
	spinlock_t lock;
	struct blkfront *bf;
	unsigned int index;
	char lock_name[24];
	struct blkif_front_ring ring;
	struct blkif_sring *sring;
	unsigned int ring_pages;
	grant_ref_t ring_refs[XENBUS_MAX_RING_PAGES];
	unsigned int nr_ring_refs;
	unsigned int port;
	bool port_bound;
	bool dead;                 /* no ring access any more */
	bool broken;               /* the backend broke the protocol on it */
	u32 nr_slots;
	struct bf_shadow *shadow;  /* nr_slots */
	struct bf_expect *expect;  /* nr_slots */
	u32 *free_next;            /* free slot list, linked by index */
	u32 free_head;             /* nr_slots: empty */
	u32 gen;
	grant_ref_t *refs;         /* stack of free refs (allocated, ungranted) */
	unsigned int nr_refs, refs_free;
	struct bf_gpage *gp_free;
	unsigned int gp_nr_free, gp_total;
	struct blk_request *wait_head, *wait_tail;  /* linked by driver_data */
	unsigned int inflight;
	u64 storm_start;
	unsigned int storm_count;
	struct timer poll_timer;   /* while requests are in flight */
	bool poll_armed;
	bool poll_saw_pending;     /* last poll found unconsumed responses */
	u32 poll_cons;             /* rsp_cons at that poll */
	unsigned long events, spurious, requests, responses, errors, waits, missed;
	unsigned long purged;      /* persistent pages freed after the backend unmapped them */
};

struct blkfront {
	struct xenbus_device *dev;     /* NULL once removed */
	domid_t otherend_id;
	char otherend[XENBUS_PATH_MAX];
	struct mutex mutex;
	atomic_t refs;
	enum bf_state state;       /* written under mutex; read anywhere */
	struct blkfront *next;     /* bf_list */
	struct blk_disk disk;
	bool disk_registered;
	u32 vdev;
	char name[BLK_NAME_MAX];
	bool cdrom;
	bool trusted;
	enum bf_mode mode;
	struct bf_choice ch;
	unsigned int ring_size;
	bool feat_flush, feat_barrier, feat_discard, feat_secure;
	bool readonly;
	u64 sectors;
	unsigned int sector_size, phys_sector_size;
	struct waitqueue drain_wq;
	struct completion connected;   /* Connected or failed (boot wait) */
	struct work fatal_work;
	atomic_t fatal_pending;
	char fatal_msg[96];
	int fatal_err;
	unsigned long grant_leaks;
	/* The idle purge of persistent pages: a 10 s timer (armed while
	 * Connected in persistent mode, re-armed by itself) queues purge_work,
	 * which holds a reference while queued (purge_pending). */
	struct timer purge_timer;
	struct work purge_work;
	atomic_t purge_pending;
	/* Suspend and resume (docs/blkfront.md "Suspend and resume"). The
	 * xenbus suspend removes the device; when it is removed for a
	 * suspend the disk stays registered and every request in flight or
	 * waiting is kept on the park list (rebuilt from the blk_request,
	 * never from the old ring); submissions while parked join it. A
	 * probe of the same node adopts the device and requeues the list
	 * once Connected; park_timer fails it if that takes too long. */
	char nodename[XENBUS_PATH_MAX];
	spinlock_t park_lock;          /* leaf; guards parked and the list */
	bool parked;
	struct blk_request *park_head, *park_tail;   /* linked by driver_data */
	unsigned int nr_parked;
	struct timer park_timer;
	struct work park_work;
	atomic_t park_pending;
	unsigned long pm_parks, pm_kept, pm_requeued, pm_resplit, pm_failed;
	struct bf_queue q[BF_MAX_QUEUES];
};

/* Set by the pm hook's suspend step (before the xenbus hook removes the
 * devices), cleared by its resume step. */
static bool bf_pm_parking;

static DEFINE_SPINLOCK(bf_list_lock);
static struct blkfront *bf_list;

static void bf_get(struct blkfront *bf)
{
	atomic_inc(&bf->refs);
}

static void bf_put(struct blkfront *bf)
{
	unsigned long flags;

	if (!atomic_dec_and_test(&bf->refs))
		return;
	flags = spin_lock_irqsave(&bf_list_lock);
	for (struct blkfront **pp = &bf_list; *pp; pp = &(*pp)->next) {
		if (*pp == bf) {
			*pp = bf->next;
			break;
		}
	}
	spin_unlock_irqrestore(&bf_list_lock, flags);
	kfree(bf);
}

/* ------------------------------------------------------------ completion list */

struct bf_done {
	struct blk_request *head, *tail;
};

static void bf_done_add(struct bf_done *d, struct blk_request *rq, int err)
{
	rq->error = err;
	rq->driver_data = NULL;
	if (d->tail)
		d->tail->driver_data = rq;
	else
		d->head = rq;
	d->tail = rq;
}

/* Outside every lock: done() may submit again. */
static void bf_done_run(struct bf_done *d)
{
	struct blk_request *rq = d->head, *next;

	while (rq) {
		next = rq->driver_data;
		rq->driver_data = NULL;
		rq->done(rq, rq->error);
		rq = next;
	}
	d->head = d->tail = NULL;
}

/* ------------------------------------------------------------ errors */

static void bf_fatal_work(struct work *w);
static void bf_poll_arm(struct bf_queue *q);

/* The backend broke the protocol on q (q->lock held, any context): stop
 * using the ring, silence the port, and let the fatal work report it and
 * fail everything (xenbus_dev_fatal writes xenstore: thread context). */
__printf(3, 4) static void bf_broken(struct bf_queue *q, int err, const char *fmt, ...)
{
	struct blkfront *bf = q->bf;
	va_list ap;

	if (q->broken)
		return;
	q->broken = true;
	if (q->port_bound)
		evtchn_mask(q->port);
	if (atomic_xchg(&bf->fatal_pending, 1))
		return;
	va_start(ap, fmt);
	vsnprintf(bf->fatal_msg, sizeof(bf->fatal_msg), fmt, ap);
	va_end(ap);
	bf->fatal_err = err;
	bf_get(bf);
	schedule_work(&bf->fatal_work);
}

/* ------------------------------------------------------------ resources (q->lock held) */

static bool bf_ref_get(struct bf_queue *q, grant_ref_t *ref)
{
	if (!q->refs_free)
		return false;
	*ref = q->refs[--q->refs_free];
	return true;
}

static void bf_ref_put(struct bf_queue *q, grant_ref_t ref)
{
	q->refs[q->refs_free++] = ref;
}

/* A dedicated page; persistent mode grants a new one for good. */
static struct bf_gpage *bf_gpage_get(struct bf_queue *q)
{
	struct blkfront *bf = q->bf;
	struct bf_gpage *gp = q->gp_free;

	if (gp) {
		q->gp_free = gp->next;
		q->gp_nr_free--;
		return gp;
	}
	if (bf->mode == BF_PERSISTENT && !q->refs_free)
		return NULL;
	gp = kzalloc(sizeof(*gp));
	if (!gp)
		return NULL;
	gp->va = alloc_pages(1);   /* zeroed: never holds anything but this disk's data */
	if (!gp->va) {
		kfree(gp);
		return NULL;
	}
	gp->ref = GNTTAB_INVALID_REF;
	if (bf->mode == BF_PERSISTENT) {
		bf_ref_get(q, &gp->ref);
		gnttab_grant_ref(gp->ref, bf->otherend_id, xen_virt_to_gfn(gp->va), false);
	}
	q->gp_total++;
	return gp;
}

static void bf_gpage_put(struct bf_queue *q, struct bf_gpage *gp)
{
	gp->next = q->gp_free;
	q->gp_free = gp;
	q->gp_nr_free++;
}

/* Grant resources a request of nr_pages pages needs beyond what is free;
 * false if it has to wait. */
static bool bf_resources_ok(struct bf_queue *q, unsigned int nr_pages)
{
	struct blkfront *bf = q->bf;

	if (q->free_head >= q->nr_slots)
		return false;
	if (bf->mode == BF_PERSISTENT) {
		unsigned int missing = nr_pages > q->gp_nr_free ? nr_pages - q->gp_nr_free : 0;

		return missing <= q->refs_free;
	}
	return nr_pages <= q->refs_free;
}

/* End the grants of a finished (or failed) request and give back what it
 * held. A grant the backend still maps after its response is a protocol
 * violation: the ref (and a page of ours) is handed to the deferred
 * list, a page of the submitter's is leaked with its ref. Returns false
 * if such a grant was found. */
static bool bf_release_grants(struct bf_queue *q, struct bf_shadow *sh)
{
	struct blkfront *bf = q->bf;
	bool ok = true;

	for (unsigned int i = 0; i < sh->nr_grants; i++) {
		struct bf_grant *g = &sh->grants[i];

		if (bf->mode == BF_PERSISTENT) {
			if (g->gp)
				bf_gpage_put(q, g->gp);
			continue;
		}
		if (g->ref == GNTTAB_INVALID_REF) {
			if (g->gp)
				bf_gpage_put(q, g->gp);
			continue;
		}
		if (gnttab_end_access(g->ref)) {
			ok = false;
			bf->grant_leaks++;
			/* The deferred list retries and frees the ref (and a
			 * page of ours) once the backend lets go; the
			 * submitter's own page cannot be held back. */
			if (g->gp) {
				gnttab_end_access_free(g->ref, g->gp->va, 1);
				kfree(g->gp);
				q->gp_total--;
			} else {
				gnttab_end_access_free(g->ref, NULL, 0);
			}
			g->gp = NULL;
			continue;
		}
		bf_ref_put(q, g->ref);
		if (g->gp)
			bf_gpage_put(q, g->gp);
	}
	return ok;
}

/* Bounce/persistent reads: copy the data out of our pages (before they
 * go back to the pool). */
static void bf_copy_out(struct bf_shadow *sh)
{
	struct blk_request *rq = sh->rq;

	for (unsigned int i = 0; i < sh->nr_data; i++) {
		struct bf_gpage *gp = sh->grants[i].gp;
		unsigned long off = (unsigned long)rq->segs[i].addr & (PAGE_SIZE - 1);

		if (gp)
			memcpy(rq->segs[i].addr, (char *)gp->va + off, rq->segs[i].len);
	}
}

static void bf_slot_free(struct bf_queue *q, u32 slot)
{
	struct bf_shadow *sh = &q->shadow[slot];

	kfree(sh->grants);
	sh->grants = NULL;
	sh->nr_grants = 0;
	sh->rq = NULL;
	q->expect[slot].inuse = false;
	q->free_next[slot] = q->free_head;
	q->free_head = slot;
	q->inflight--;
}

/* ------------------------------------------------------------ starting requests (q->lock held) */

static unsigned int bf_rq_pages(struct blkfront *bf, const struct blk_request *rq)
{
	unsigned int n;

	if (rq->op != BLK_OP_READ && rq->op != BLK_OP_WRITE)
		return 0;
	n = rq->nr_segs;
	if (n > BLKIF_MAX_SEGMENTS_PER_REQUEST)
		n += DIV_ROUND_UP(rq->nr_segs, BF_SEGS_PER_INDIRECT_PAGE);
	(void)bf;
	return n;
}

/* Grant one data page for a segment; 0 or -ENOMEM (nothing held then). */
static int bf_grant_data(struct bf_queue *q, const struct blk_seg *seg, bool is_write,
			 struct bf_grant *g)
{
	struct blkfront *bf = q->bf;
	domid_t be = bf->otherend_id;
	unsigned long off = (unsigned long)seg->addr & (PAGE_SIZE - 1);

	g->gp = NULL;
	g->ref = GNTTAB_INVALID_REF;
	if (bf->mode == BF_DIRECT) {
		bf_ref_get(q, &g->ref);
		gnttab_grant_ref(g->ref, be, xen_virt_to_gfn((void *)((unsigned long)seg->addr & PAGE_MASK)),
				 is_write);
		return 0;
	}
	g->gp = bf_gpage_get(q);
	if (!g->gp)
		return -ENOMEM;
	if (is_write)
		memcpy((char *)g->gp->va + off, seg->addr, seg->len);
	if (bf->mode == BF_PERSISTENT) {
		g->ref = g->gp->ref;
	} else {
		bf_ref_get(q, &g->ref);
		gnttab_grant_ref(g->ref, be, xen_virt_to_gfn(g->gp->va), is_write);
	}
	return 0;
}

/* An indirect descriptor page: always one of ours, read-only for the
 * backend unless it is persistent. */
static int bf_grant_indirect(struct bf_queue *q, struct bf_grant *g)
{
	struct blkfront *bf = q->bf;

	g->ref = GNTTAB_INVALID_REF;
	g->gp = bf_gpage_get(q);
	if (!g->gp)
		return -ENOMEM;
	if (bf->mode == BF_PERSISTENT) {
		g->ref = g->gp->ref;
	} else {
		bf_ref_get(q, &g->ref);
		/* granted after the descriptors are written (caller) */
	}
	return 0;
}

/* Build and place one request on the ring. 0; -EAGAIN if resources are
 * short right now (nothing held, retry later); another -errno fails rq. */
static int bf_start(struct bf_queue *q, struct blk_request *rq)
{
	struct blkfront *bf = q->bf;
	union {
		struct blkif_request rw;
		struct blkif_request_discard discard;
		struct blkif_request_indirect ind;
	} req;
	struct bf_shadow *sh;
	struct bf_expect *ex;
	unsigned int npages = bf_rq_pages(bf, rq), i;
	bool is_write = rq->op == BLK_OP_WRITE, indirect = false;
	u32 slot;
	u64 id;
	int rc = 0;

	if (!bf_resources_ok(q, npages))
		return -EAGAIN;
	slot = q->free_head;
	sh = &q->shadow[slot];
	ex = &q->expect[slot];
	sh->grants = NULL;
	if (npages) {
		sh->grants = kmalloc(npages * sizeof(*sh->grants));
		if (!sh->grants)
			return -EAGAIN;
		for (i = 0; i < npages; i++) {
			sh->grants[i].ref = GNTTAB_INVALID_REF;
			sh->grants[i].gp = NULL;
		}
	}
	q->free_head = q->free_next[slot];
	q->inflight++;
	sh->rq = rq;
	sh->nr_grants = 0;
	sh->nr_data = 0;
	sh->is_read = rq->op == BLK_OP_READ;
	id = bf_make_id(++q->gen, slot);
	memset(&req, 0, sizeof(req));

	switch (rq->op) {
	case BLK_OP_FLUSH:
		req.rw.operation = bf->feat_flush ? BLKIF_OP_FLUSH_DISKCACHE : BLKIF_OP_WRITE_BARRIER;
		req.rw.nr_segments = 0;
		req.rw.handle = (u16)bf->vdev;
		req.rw.id = id;
		ex->op = ex->alt_op = req.rw.operation;
		break;
	case BLK_OP_DISCARD:
		req.discard.operation = BLKIF_OP_DISCARD;
		req.discard.flag = 0;
		req.discard.handle = (u16)bf->vdev;
		req.discard.id = id;
		req.discard.sector_number = rq->sector;
		req.discard.nr_sectors = rq->nr_sectors;
		ex->op = ex->alt_op = BLKIF_OP_DISCARD;
		break;
	case BLK_OP_READ:
	case BLK_OP_WRITE: {
		u8 op = is_write ? BLKIF_OP_WRITE : BLKIF_OP_READ;
		struct blkif_request_segment *segs = req.rw.seg;
		unsigned int nind = 0;

		indirect = rq->nr_segs > BLKIF_MAX_SEGMENTS_PER_REQUEST;
		if (is_write && (rq->flags & BLK_REQ_FUA) && !indirect)
			op = BLKIF_OP_WRITE_BARRIER;
		for (i = 0; i < rq->nr_segs; i++) {
			rc = bf_grant_data(q, &rq->segs[i], is_write, &sh->grants[i]);
			if (rc)
				goto undo;
			sh->nr_grants++;
			sh->nr_data++;
		}
		if (indirect) {
			nind = npages - rq->nr_segs;
			for (i = 0; i < nind; i++) {
				rc = bf_grant_indirect(q, &sh->grants[rq->nr_segs + i]);
				if (rc)
					goto undo;
				sh->nr_grants++;
			}
		}
		for (i = 0; i < rq->nr_segs; i++) {
			struct blkif_request_segment s;
			unsigned long off = (unsigned long)rq->segs[i].addr & (PAGE_SIZE - 1);

			rc = bf_make_seg((u32)off, rq->segs[i].len, sh->grants[i].ref, &s);
			if (rc)
				goto undo;
			if (indirect) {
				struct bf_gpage *ip =
					sh->grants[rq->nr_segs + i / BF_SEGS_PER_INDIRECT_PAGE].gp;

				((struct blkif_request_segment *)ip->va)[i % BF_SEGS_PER_INDIRECT_PAGE] = s;
			} else {
				segs[i] = s;
			}
		}
		if (indirect) {
			req.ind.operation = BLKIF_OP_INDIRECT;
			req.ind.indirect_op = op;
			req.ind.nr_segments = (u16)rq->nr_segs;
			req.ind.id = id;
			req.ind.sector_number = rq->sector;
			req.ind.handle = (u16)bf->vdev;
			for (i = 0; i < nind; i++) {
				struct bf_grant *g = &sh->grants[rq->nr_segs + i];

				if (bf->mode != BF_PERSISTENT)
					gnttab_grant_ref(g->ref, bf->otherend_id,
							 xen_virt_to_gfn(g->gp->va), true);
				req.ind.indirect_grefs[i] = g->ref;
			}
			/* Linux's blkback echoes the indirect_op; INDIRECT is accepted too. */
			ex->op = op;
			ex->alt_op = BLKIF_OP_INDIRECT;
		} else {
			req.rw.operation = op;
			req.rw.nr_segments = (u8)rq->nr_segs;
			req.rw.handle = (u16)bf->vdev;
			req.rw.id = id;
			req.rw.sector_number = rq->sector;
			ex->op = ex->alt_op = op;
		}
		break;
	}
	default:
		rc = -EOPNOTSUPP;
		goto undo;
	}

	ex->id = id;
	ex->inuse = true;
	memcpy(RING_GET_REQUEST(&q->ring, q->ring.req_prod_pvt), &req, sizeof(struct blkif_request));
	q->ring.req_prod_pvt++;
	q->requests++;
	return 0;

undo:
	/* Nothing was published: the grants were never seen by the backend
	 * in a request, but end them properly anyway. */
	bf_release_grants(q, sh);
	bf_slot_free(q, slot);
	return rc == -ENOMEM ? -EAGAIN : rc;
}

/* Start waiting requests while there is room; notify the backend once. */
static void bf_kick(struct bf_queue *q, struct bf_done *done)
{
	bool pushed = false, notify;
	struct blk_request *rq;
	int rc;

	if (q->dead || q->broken)
		return;
	while ((rq = q->wait_head)) {
		rc = bf_start(q, rq);
		if (rc == -EAGAIN) {
			/* Nothing in flight to free resources later: fail it. */
			if (q->inflight)
				break;
			rc = -ENOMEM;
		}
		q->wait_head = rq->driver_data;
		if (!q->wait_head)
			q->wait_tail = NULL;
		rq->driver_data = NULL;
		if (rc)
			bf_done_add(done, rq, rc);
		else
			pushed = true;
	}
	if (!pushed)
		return;
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&q->ring, notify);
	if (notify)
		evtchn_send(q->port);
	bf_poll_arm(q);
}

/* ------------------------------------------------------------ responses */

/* q->lock held, events off. */
static void bf_process(struct bf_queue *q, struct bf_done *done, bool from_event)
{
	struct blkfront *bf = q->bf;
	unsigned int rounds = 0, got = 0;
	int more;

	for (;;) {
		u32 untrusted_prod = READ_ONCE(q->sring->rsp_prod);
		int n;

		xen_rmb();   /* the responses after the index */
		n = ring_rsp_count(untrusted_prod, q->ring.rsp_cons, q->ring.req_prod_pvt,
				   q->nr_slots);
		if (n < 0) {
			bf_broken(q, -EPROTO, "queue %u: rsp_prod %u impossible (consumed %u, requested %u)",
				  q->index, untrusted_prod, q->ring.rsp_cons, q->ring.req_prod_pvt);
			return;
		}
		for (int i = 0; i < n; i++) {
			struct blkif_response rsp;
			enum bf_rsp_verdict v;
			struct bf_shadow *sh;
			u32 slot = 0;
			int err = 0;
			bool odd = false;

			RING_COPY_RESPONSE(&q->ring, q->ring.rsp_cons, &rsp);
			v = bf_check_rsp(&rsp, q->expect, q->nr_slots, &slot, &err, &odd);
			if (v != BF_RSP_OK) {
				bf_broken(q, -EPROTO, "queue %u: bad response (id %#llx, op %u): %s",
					  q->index, (unsigned long long)rsp.id, rsp.operation,
					  bf_rsp_verdict_str(v));
				return;
			}
			q->ring.rsp_cons++;
			q->responses++;
			got++;
			sh = &q->shadow[slot];
			if (err) {
				q->errors++;
				if (odd)
					pr_warn("blkfront %s: unknown response status %d, taken as an error\n",
						bf->name, rsp.status);
			}
			/* End access first, so the backend cannot change the
			 * data after we copied it. */
			if (!bf_release_grants(q, sh)) {
				bf_broken(q, -EPROTO, "queue %u: backend kept a grant mapped after its response",
					  q->index);
				err = -EIO;
			} else if (!err && sh->is_read && bf->mode != BF_DIRECT) {
				bf_copy_out(sh);
			}
			bf_done_add(done, sh->rq, err);
			bf_slot_free(q, slot);
			if (q->broken)
				return;
		}
		RING_FINAL_CHECK_FOR_RESPONSES(&q->ring, more);
		if (!more)
			break;
		if (++rounds > 2 * q->nr_slots) {
			bf_broken(q, -EPROTO, "queue %u: responses never stop", q->index);
			return;
		}
	}
	if (!got && from_event) {
		u64 now = clock_ns();

		q->spurious++;
		if (now - q->storm_start > NSEC_PER_SEC) {
			q->storm_start = now;
			q->storm_count = 0;
		}
		if (++q->storm_count > BF_STORM_LIMIT) {
			bf_broken(q, -EPROTO, "queue %u: event storm (over %u events without a response in 1 s)",
				  q->index, BF_STORM_LIMIT);
			return;
		}
	}
	bf_kick(q, done);
	if (!q->inflight)
		wake_up(&bf->drain_wq);
}

/* The safety net: once a second while requests are in flight, look at
 * the ring ourselves. Responses found there without an event are counted
 * (missed) and handled, so a lost notification delays I/O by a second
 * instead of hanging it. */
static void bf_poll(struct timer *t)
{
	struct bf_queue *q = container_of(t, struct bf_queue, poll_timer);
	struct bf_done done = { 0 };
	unsigned long flags;

	flags = spin_lock_irqsave(&q->lock);
	q->poll_armed = false;
	if (!q->dead && !q->broken && q->inflight) {
		bool pending = READ_ONCE(q->sring->rsp_prod) != q->ring.rsp_cons;

		/* Responses may be in transit with their event on the way:
		 * only a second poll that finds them still unconsumed, with
		 * nothing consumed in between, means the event was lost. */
		if (pending && q->poll_saw_pending && q->poll_cons == q->ring.rsp_cons) {
			if (!q->missed++)
				pr_warn("blkfront %s: queue %u: responses without an event for 1 s\n",
					q->bf->name, q->index);
			bf_process(q, &done, false);
			pending = false;
		}
		q->poll_saw_pending = pending;
		q->poll_cons = q->ring.rsp_cons;
		bf_poll_arm(q);
	}
	spin_unlock_irqrestore(&q->lock, flags);
	bf_done_run(&done);
}

/* q->lock held. */
static void bf_poll_arm(struct bf_queue *q)
{
	if (q->poll_armed || q->dead || q->broken || !q->inflight)
		return;
	q->poll_armed = true;
	timer_add(&q->poll_timer, clock_ns() + NSEC_PER_SEC, bf_poll);
}

static void bf_event(unsigned int port, void *data)
{
	struct bf_queue *q = data;
	struct bf_done done = { 0 };
	unsigned long flags;

	(void)port;
	flags = spin_lock_irqsave(&q->lock);
	q->events++;
	if (!q->dead && !q->broken)
		bf_process(q, &done, true);
	spin_unlock_irqrestore(&q->lock, flags);
	bf_done_run(&done);
}

/* ------------------------------------------------------------ idle purge */

/* Free the pool pages of q that the backend no longer maps (q->lock
 * held). Only free pages are looked at: a page on gp_free is in no
 * request, and the lock keeps bf_gpage_get from handing it out meanwhile.
 * The backend maps a ref only when a request names it, so once access
 * has ended nothing can map it again and ref and page may go; a page the
 * backend still maps stays a valid persistent grant. */
static void bf_purge_queue(struct bf_queue *q)
{
	struct bf_gpage **pp = &q->gp_free, *gp;

	while ((gp = *pp)) {
		if (gp->ref == GNTTAB_INVALID_REF || gnttab_is_mapped(gp->ref)) {
			/* Cheap test first: revoking a mapped v2 entry would
			 * withdraw its permission and need a re-grant. */
			pp = &gp->next;
			continue;
		}
		if (gnttab_end_access(gp->ref)) {
			/* Mapped after all (the backend raced us). Under v2
			 * the failed revoke cleared the entry's permission:
			 * restore it, or the backend could not map the ref
			 * again once it drops its mapping. Under v1 a failed
			 * revoke changed nothing, and rewriting the flags
			 * would clobber Xen's in-use bits. */
			if (gnttab_version() == 2)
				gnttab_grant_ref(gp->ref, q->bf->otherend_id,
						 xen_virt_to_gfn(gp->va), false);
			pp = &gp->next;
			continue;
		}
		*pp = gp->next;
		/* The ref goes back to the queue's reserve (not the table):
		 * the pool may grow again under load without allocating. */
		bf_ref_put(q, gp->ref);
		free_pages(gp->va, 1);
		kfree(gp);
		q->gp_nr_free--;
		q->gp_total--;
		q->purged++;
	}
}

/* Thread context (kworker), holding the reference the timer took. The
 * queue locks alone suffice: teardown marks every queue dead under its
 * lock before it frees anything, and a dead queue is not touched. */
static void bf_purge_work(struct work *w)
{
	struct blkfront *bf = container_of(w, struct blkfront, purge_work);

	for (unsigned int i = 0; i < BF_MAX_QUEUES; i++) {
		struct bf_queue *q = &bf->q[i];
		unsigned long flags = spin_lock_irqsave(&q->lock);

		if (!q->dead && !q->broken && q->gp_free && READ_ONCE(bf->mode) == BF_PERSISTENT &&
		    READ_ONCE(bf->state) == BF_ST_CONNECTED)
			bf_purge_queue(q);
		spin_unlock_irqrestore(&q->lock, flags);
	}
	atomic_set(&bf->purge_pending, 0);
	bf_put(bf);
}

/* Timer (interrupt context): no purging here, only queueing the work and
 * re-arming. q[0].lock orders this against teardown, which marks q[0]
 * dead under it before cancelling the timer: either we see dead and stop,
 * or our re-arm happens first and the cancel removes it. */
static void bf_purge_tick(struct timer *t)
{
	struct blkfront *bf = container_of(t, struct blkfront, purge_timer);
	unsigned long flags = spin_lock_irqsave(&bf->q[0].lock);

	if (!bf->q[0].dead && READ_ONCE(bf->state) == BF_ST_CONNECTED) {
		if (!atomic_xchg(&bf->purge_pending, 1)) {
			bf_get(bf);
			schedule_work(&bf->purge_work);
		}
		timer_add(&bf->purge_timer, clock_ns() + BF_PURGE_NS, bf_purge_tick);
	}
	spin_unlock_irqrestore(&bf->q[0].lock, flags);
}

/* ------------------------------------------------------------ submit */

static int bf_check_rq(struct blkfront *bf, const struct blk_request *rq)
{
	u64 total = 0;

	switch (rq->op) {
	case BLK_OP_FLUSH:
		return bf->feat_flush || bf->feat_barrier ? 0 : -EOPNOTSUPP;
	case BLK_OP_DISCARD:
		if (!bf->feat_discard)
			return -EOPNOTSUPP;
		if (!rq->nr_sectors || rq->sector > bf->sectors ||
		    rq->nr_sectors > bf->sectors - rq->sector)
			return -EINVAL;
		return bf->readonly ? -EROFS : 0;
	case BLK_OP_WRITE:
		if (bf->readonly)
			return -EROFS;
		if ((rq->flags & BLK_REQ_FUA) &&
		    (!bf->feat_barrier || rq->nr_segs > BLKIF_MAX_SEGMENTS_PER_REQUEST))
			return -EOPNOTSUPP;
		/* fallthrough */
	case BLK_OP_READ:
		if (!rq->nr_segs || rq->nr_segs > bf->ch.max_segs || !rq->segs)
			return -EINVAL;
		for (unsigned int i = 0; i < rq->nr_segs; i++) {
			unsigned long a = (unsigned long)rq->segs[i].addr;
			u32 len = rq->segs[i].len;

			if (!len || (a & 511) || (len & 511) || (a & (PAGE_SIZE - 1)) + len > PAGE_SIZE)
				return -EINVAL;
			total += len >> SECTOR_SHIFT;
		}
		if (rq->sector > bf->sectors || total > bf->sectors - rq->sector)
			return -EINVAL;
		return 0;
	}
	return -EOPNOTSUPP;
}

/* ------------------------------------------------------------ kept requests (suspend) */

/* Append rq to the park list if the device is parked (suspended, or
 * reconnecting after a resume); false if it is not. Any context. */
static bool bf_park_rq(struct blkfront *bf, struct blk_request *rq)
{
	unsigned long flags = spin_lock_irqsave(&bf->park_lock);
	bool parked = bf->parked;

	if (parked) {
		rq->driver_data = NULL;
		if (bf->park_tail)
			bf->park_tail->driver_data = rq;
		else
			bf->park_head = rq;
		bf->park_tail = rq;
		bf->nr_parked++;
	}
	spin_unlock_irqrestore(&bf->park_lock, flags);
	return parked;
}

/* Take the whole park list; clear parked if it was empty (so that a
 * submission from now on goes to the ring, after everything kept). */
static struct blk_request *bf_park_take(struct blkfront *bf, bool clear_if_empty)
{
	unsigned long flags = spin_lock_irqsave(&bf->park_lock);
	struct blk_request *rq = bf->park_head;

	bf->park_head = bf->park_tail = NULL;
	bf->nr_parked = 0;
	if (!rq && clear_if_empty)
		bf->parked = false;
	spin_unlock_irqrestore(&bf->park_lock, flags);
	return rq;
}

/* Complete everything kept with err and stop keeping. */
static void bf_fail_parked(struct blkfront *bf, int err)
{
	struct blk_request *rq, *next;
	unsigned long flags;

	flags = spin_lock_irqsave(&bf->park_lock);
	bf->parked = false;
	rq = bf->park_head;
	bf->park_head = bf->park_tail = NULL;
	bf->nr_parked = 0;
	spin_unlock_irqrestore(&bf->park_lock, flags);
	for (; rq; rq = next) {
		next = rq->driver_data;
		rq->driver_data = NULL;
		bf->pm_failed++;
		rq->done(rq, err);
	}
}

/* A kept request the reconnected device cannot take whole (fewer
 * segments per request, or FUA it cannot do natively any more) runs as
 * pieces: children of our own that point into its segment list. */
struct bf_split {
	struct blkfront *bf;
	struct blk_request *orig;
	atomic_t pending;          /* pieces not done, plus one while submitting */
	int err;                   /* the first error */
	bool flush_after;          /* FUA emulated: a flush once the pieces are done */
	unsigned int nr;
	struct blk_request child[];   /* nr pieces, then the flush */
};

static int bf_submit(struct blk_disk *disk, struct blk_request *rq);
static int bf_check_rq(struct blkfront *bf, const struct blk_request *rq);

static void bf_split_finish(struct bf_split *sp)
{
	struct blk_request *orig = sp->orig;
	int err = READ_ONCE(sp->err);

	kfree(sp);
	orig->done(orig, err);
}

static void bf_split_set_err(struct bf_split *sp, int err)
{
	int zero = 0;

	if (err)
		__atomic_compare_exchange_n(&sp->err, &zero, err, false, __ATOMIC_SEQ_CST,
					    __ATOMIC_SEQ_CST);
}

static void bf_split_flush_done(struct blk_request *c, int err)
{
	struct bf_split *sp = c->priv;

	bf_split_set_err(sp, err);
	bf_split_finish(sp);
}

static void bf_split_put(struct bf_split *sp)
{
	struct blk_request *f;

	if (!atomic_dec_and_test(&sp->pending))
		return;
	if (sp->flush_after && !READ_ONCE(sp->err)) {
		f = &sp->child[sp->nr];
		if (!bf_submit(&sp->bf->disk, f))
			return;   /* bf_split_flush_done finishes */
		bf_split_set_err(sp, -EIO);
	}
	bf_split_finish(sp);
}

static void bf_split_done(struct blk_request *c, int err)
{
	struct bf_split *sp = c->priv;

	bf_split_set_err(sp, err);
	bf_split_put(sp);
}

/* Does rq (read or write) need cutting for what the device does now? */
static bool bf_needs_split(struct blkfront *bf, const struct blk_request *rq)
{
	if (rq->op != BLK_OP_READ && rq->op != BLK_OP_WRITE)
		return false;
	if (rq->nr_segs > READ_ONCE(bf->ch.max_segs))
		return true;
	return rq->op == BLK_OP_WRITE && (rq->flags & BLK_REQ_FUA) &&
	       (!bf->feat_barrier || rq->nr_segs > BLKIF_MAX_SEGMENTS_PER_REQUEST);
}

/* Submit rq as pieces (see struct bf_split). 0 if taken (rq's done()
 * will run once), -errno if refused. Any context. */
static int bf_resplit(struct blkfront *bf, struct blk_request *rq)
{
	u32 lens[BF_MAX_INDIRECT_SEGS];
	unsigned int starts[BF_MAX_INDIRECT_SEGS], limit = READ_ONCE(bf->ch.max_segs);
	bool fua = rq->op == BLK_OP_WRITE && (rq->flags & BLK_REQ_FUA), keep_fua = false;
	struct bf_split *sp;
	u64 sector = rq->sector;
	int n;

	if (!rq->nr_segs || rq->nr_segs > BF_MAX_INDIRECT_SEGS || !rq->segs || !limit)
		return -EINVAL;
	if (fua && bf->feat_barrier) {
		/* WRITE_BARRIER has no indirect form: pieces of at most 11. */
		limit = MIN(limit, (unsigned int)BLKIF_MAX_SEGMENTS_PER_REQUEST);
		keep_fua = true;
	}
	for (unsigned int i = 0; i < rq->nr_segs; i++)
		lens[i] = rq->segs[i].len;
	n = bf_split_plan(lens, rq->nr_segs, limit, bf->sector_size ? bf->sector_size : 512,
			  starts, BF_MAX_INDIRECT_SEGS);
	if (n < 0)
		return n;
	sp = kzalloc(sizeof(*sp) + ((size_t)n + 1) * sizeof(struct blk_request));
	if (!sp)
		return -ENOMEM;
	sp->bf = bf;
	sp->orig = rq;
	sp->nr = (unsigned int)n;
	/* Without barriers FUA becomes a flush after the pieces; a backend
	 * with neither flush nor barrier has no volatile cache to flush. */
	sp->flush_after = fua && !keep_fua && bf->feat_flush;
	atomic_set(&sp->pending, n + 1);
	for (int k = 0; k < n; k++) {
		struct blk_request *c = &sp->child[k];
		unsigned int end = k + 1 < n ? starts[k + 1] : rq->nr_segs;
		u64 bytes = 0;

		c->op = rq->op;
		c->flags = keep_fua ? rq->flags : rq->flags & ~BLK_REQ_FUA;
		c->sector = sector;
		c->segs = rq->segs + starts[k];
		c->nr_segs = end - starts[k];
		for (unsigned int i = starts[k]; i < end; i++)
			bytes += rq->segs[i].len;
		c->nr_sectors = bytes >> SECTOR_SHIFT;
		sector += c->nr_sectors;
		c->done = bf_split_done;
		c->priv = sp;
	}
	if (sp->flush_after) {
		sp->child[n].op = BLK_OP_FLUSH;
		sp->child[n].done = bf_split_flush_done;
		sp->child[n].priv = sp;
	}
	__atomic_add_fetch(&bf->pm_resplit, 1, __ATOMIC_RELAXED);
	for (int k = 0; k < n; k++) {
		int rc = bf_submit(&bf->disk, &sp->child[k]);

		if (rc)
			bf_split_done(&sp->child[k], rc);
	}
	bf_split_put(sp);
	return 0;
}

/* Resubmit what was kept (bf->mutex held, Connected): each request is
 * built afresh from its blk_request, with grants for the new backend,
 * and cut into pieces if the new limits demand it. */
static void bf_requeue_parked(struct blkfront *bf)
{
	struct blk_request *rq, *next;
	unsigned long n = 0;

	while ((rq = bf_park_take(bf, true))) {
		for (; rq; rq = next) {
			int rc;

			next = rq->driver_data;
			rq->driver_data = NULL;
			rc = bf_submit(&bf->disk, rq);
			if (rc) {
				bf->pm_failed++;
				rq->done(rq, rc);
			} else {
				n++;
			}
		}
	}
	timer_cancel(&bf->park_timer);
	bf->pm_requeued += n;
	if (n)
		pr_info("blkfront %s: %lu kept request(s) submitted again\n", bf->name, n);
}

/* ------------------------------------------------------------ submit */

/* Put a checked request on its queue and start what fits. */
static int bf_enqueue(struct blkfront *bf, struct blk_request *rq)
{
	struct bf_done done = { 0 };
	struct bf_queue *q;
	unsigned long flags;

	rq->queue = smp_processor_id() % MAX(READ_ONCE(bf->ch.nr_queues), 1u);
	q = &bf->q[rq->queue];
	flags = spin_lock_irqsave(&q->lock);
	if (q->dead || q->broken || READ_ONCE(bf->state) != BF_ST_CONNECTED) {
		spin_unlock_irqrestore(&q->lock, flags);
		/* A suspend under way: the request is kept for later. */
		return bf_park_rq(bf, rq) ? 0 : -ENODEV;
	}
	rq->driver_data = NULL;
	if (q->wait_tail)
		q->wait_tail->driver_data = rq;
	else
		q->wait_head = rq;
	q->wait_tail = rq;
	if (q->wait_head != rq)
		q->waits++;
	bf_kick(q, &done);
	spin_unlock_irqrestore(&q->lock, flags);
	bf_done_run(&done);
	return 0;
}

static int bf_submit(struct blk_disk *disk, struct blk_request *rq)
{
	struct blkfront *bf = disk->driver_data;
	int rc;

	if (READ_ONCE(bf->state) != BF_ST_CONNECTED)
		return bf_park_rq(bf, rq) ? 0 : -ENODEV;
	if (bf_needs_split(bf, rq))
		return bf_resplit(bf, rq);
	rc = bf_check_rq(bf, rq);
	if (rc)
		return rc;
	return bf_enqueue(bf, rq);
}


/* ------------------------------------------------------------ monitor */

static unsigned int bf_inflight(struct blkfront *bf)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < bf->ch.nr_queues; i++)
		n += READ_ONCE(bf->q[i].inflight);
	return n;
}

static void bf_show_one(struct blkfront *bf)
{
	kprintf("  blkfront %s: %s, backend %s (dom %u), vdev %u, %s\n", bf->name,
		bf_state_names[READ_ONCE(bf->state)], bf->otherend, bf->otherend_id,
		bf->vdev, bf->cdrom ? "cdrom" : "disk");
	kprintf("    ring %u page(s) (%u slots), %u queue(s), indirect %u segs, %s grants%s, "
		"flush %s, discard %s\n",
		1u << bf->ch.ring_order, bf->ring_size, bf->ch.nr_queues, bf->ch.indirect_segs,
		bf_mode_names[bf->mode], bf->trusted ? "" : " (untrusted backend: bounce)",
		bf->feat_flush ? "cache" : bf->feat_barrier ? "barrier" : "no",
		bf->feat_discard ? (bf->feat_secure ? "secure" : "yes") : "no");
	for (unsigned int i = 0; i < bf->ch.nr_queues; i++) {
		struct bf_queue *q = &bf->q[i];

		kprintf("    q%u: port %u, in flight %u, requests %lu, responses %lu, errors %lu, "
			"waited %lu, events %lu, spurious %lu, missed %lu, pages %u, purged %lu, "
			"refs free %u/%u%s\n",
			i, q->port, q->inflight, q->requests, q->responses, q->errors, q->waits,
			q->events, q->spurious, q->missed, q->gp_total, q->purged, q->refs_free, q->nr_refs,
			q->broken ? ", BROKEN" : "");
	}
	if (bf->grant_leaks)
		kprintf("    grants the backend kept mapped: %lu\n", bf->grant_leaks);
	if (bf->pm_parks)
		kprintf("    suspend: parked %lu time(s), kept %lu request(s), requeued %lu, "
			"re-split %lu, failed %lu, waiting %u\n", bf->pm_parks, bf->pm_kept,
			bf->pm_requeued, bf->pm_resplit, bf->pm_failed, READ_ONCE(bf->nr_parked));
}

static void bf_show(struct blk_disk *disk)
{
	bf_show_one(disk->driver_data);
}

static void bf_release(struct blk_disk *disk)
{
	bf_put(disk->driver_data);
}

static const struct blk_disk_ops bf_disk_ops = {
	.submit = bf_submit,
	.show = bf_show,
	.release = bf_release,
};

static int cmd_blkfront(int argc, char **argv)
{
	unsigned long flags;
	struct blkfront *bf;
	unsigned int n = 0;

	(void)argc;
	(void)argv;
	/* The list lock only guards the walk; printing under an irq lock is
	 * fine here (console output takes log_lock, a leaf). */
	flags = spin_lock_irqsave(&bf_list_lock);
	for (bf = bf_list; bf; bf = bf->next, n++)
		bf_show_one(bf);
	spin_unlock_irqrestore(&bf_list_lock, flags);
	if (!n)
		kprintf("  no vbd devices\n");
	return 0;
}
MONITOR_COMMAND(blkfront, "blkfront", "blkfront", "Xen block frontends: rings, queues, grants, state",
		cmd_blkfront);

/* ------------------------------------------------------------ setup and teardown (bf->mutex) */

static void bf_queue_free(struct bf_queue *q)
{
	struct bf_gpage *gp;

	/* The ring: each page goes back only once its grant has ended. A
	 * backend that has not unmapped yet (it does on its way to Closed)
	 * leaves the page on the grant table's deferred list; pages never
	 * granted are freed at once. */
	for (unsigned int i = 0; q->sring && i < q->ring_pages; i++) {
		void *va = (char *)q->sring + i * PAGE_SIZE;

		if (i < q->nr_ring_refs)
			gnttab_end_access_free(q->ring_refs[i], va, 1);
		else
			free_pages(va, 1);
	}
	q->sring = NULL;
	q->nr_ring_refs = 0;
	while ((gp = q->gp_free)) {
		q->gp_free = gp->next;
		if (gp->ref != GNTTAB_INVALID_REF)
			gnttab_end_access_free(gp->ref, gp->va, 1);   /* persistent */
		else
			free_pages(gp->va, 1);
		kfree(gp);
	}
	q->gp_nr_free = q->gp_total = 0;
	if (q->refs && q->refs_free)
		gnttab_free_refs(q->refs, q->refs_free);
	kfree(q->refs);
	q->refs = NULL;
	q->nr_refs = q->refs_free = 0;
	kfree(q->shadow);
	kfree(q->expect);
	kfree(q->free_next);
	q->shadow = NULL;
	q->expect = NULL;
	q->free_next = NULL;
}

/* Mark q dead (bf_kick starts nothing more), let responses already on
 * the ring complete into done when drain is set, then stop its poll timer
 * and unbind its port (both wait for a running handler). The slots still
 * in use are the caller's: failed at a close, parked at a suspend. */
static void bf_queue_quiesce(struct bf_queue *q, struct bf_done *done, bool drain)
{
	unsigned long flags = spin_lock_irqsave(&q->lock);

	q->dead = true;
	if (drain && q->sring && q->expect && !q->broken)
		bf_process(q, done, false);
	spin_unlock_irqrestore(&q->lock, flags);
	timer_cancel(&q->poll_timer);
	if (q->port_bound) {
		evtchn_unbind(q->port);
		evtchn_close(q->port);
		q->port_bound = false;
	}
}

/* Stop every queue, unbind its port (waits for a running handler), and
 * fail all in-flight and waiting requests with err. */
static void bf_stop_queues(struct blkfront *bf, int err)
{
	struct bf_done done = { 0 };

	for (unsigned int i = 0; i < BF_MAX_QUEUES; i++) {
		struct bf_queue *q = &bf->q[i];
		unsigned long flags;
		struct blk_request *rq;

		bf_queue_quiesce(q, &done, false);
		flags = spin_lock_irqsave(&q->lock);
		for (u32 s = 0; q->expect && s < q->nr_slots; s++) {
			struct bf_shadow *sh = &q->shadow[s];

			if (!q->expect[s].inuse)
				continue;
			bf_release_grants(q, sh);
			bf_done_add(&done, sh->rq, err);
			bf_slot_free(q, s);
		}
		while ((rq = q->wait_head)) {
			q->wait_head = rq->driver_data;
			bf_done_add(&done, rq, err);
		}
		q->wait_tail = NULL;
		spin_unlock_irqrestore(&q->lock, flags);
	}
	bf_done_run(&done);
	wake_up(&bf->drain_wq);
}

static void bf_free_queues(struct blkfront *bf)
{
	for (unsigned int i = 0; i < BF_MAX_QUEUES; i++)
		bf_queue_free(&bf->q[i]);
}

/* Everything down: disk gone, requests failed, rings freed. */
static void bf_teardown(struct blkfront *bf, int err, enum bf_state final)
{
	WRITE_ONCE(bf->state, final);
	if (bf->disk_registered) {
		bf->disk_registered = false;
		blk_unregister_disk(&bf->disk);   /* release() drops its reference later */
	}
	bf_stop_queues(bf, err);
	timer_cancel(&bf->park_timer);
	bf_fail_parked(bf, err);
	/* Every queue is dead now, so the purge timer stops re-arming; this
	 * removes a pending one and waits for a running one. A purge work
	 * already queued holds its own reference and finds the queues dead. */
	timer_cancel(&bf->purge_timer);
	bf_free_queues(bf);
	complete_all(&bf->connected);
}

/* The device is removed for a suspend (bf->mutex held): instead of
 * failing what is outstanding, keep it. Responses already on the ring
 * complete normally; every request still in flight (its grants ended,
 * our pages back; the blk_request itself is our copy) and every waiting
 * one goes to the park list ahead of whatever submitters park meanwhile.
 * The rings and ports are freed as for a close; the disk stays. */
static void bf_park_device(struct blkfront *bf)
{
	struct blk_request *head = NULL, *tail = NULL, *rq;
	struct bf_done done = { 0 };
	unsigned long flags;
	unsigned int n = 0;

	flags = spin_lock_irqsave(&bf->park_lock);
	bf->parked = true;
	spin_unlock_irqrestore(&bf->park_lock, flags);
	WRITE_ONCE(bf->state, BF_ST_SUSPENDED);
	for (unsigned int i = 0; i < BF_MAX_QUEUES; i++) {
		struct bf_queue *q = &bf->q[i];

		bf_queue_quiesce(q, &done, true);
		flags = spin_lock_irqsave(&q->lock);
		for (u32 sl = 0; q->expect && sl < q->nr_slots; sl++) {
			struct bf_shadow *sh = &q->shadow[sl];

			if (!q->expect[sl].inuse)
				continue;
			/* A grant the backend still maps goes to the deferred
			 * list; the backend finishes its I/O before it closes,
			 * which the xenbus suspend waits for. */
			bf_release_grants(q, sh);
			rq = sh->rq;
			bf_slot_free(q, sl);
			rq->driver_data = NULL;
			if (tail)
				tail->driver_data = rq;
			else
				head = rq;
			tail = rq;
			n++;
		}
		while ((rq = q->wait_head)) {
			q->wait_head = rq->driver_data;
			rq->driver_data = NULL;
			if (tail)
				tail->driver_data = rq;
			else
				head = rq;
			tail = rq;
			n++;
		}
		q->wait_tail = NULL;
		spin_unlock_irqrestore(&q->lock, flags);
	}
	bf_done_run(&done);
	flags = spin_lock_irqsave(&bf->park_lock);
	if (head) {
		tail->driver_data = bf->park_head;
		if (!bf->park_head)
			bf->park_tail = tail;
		bf->park_head = head;
		bf->nr_parked += n;
	}
	spin_unlock_irqrestore(&bf->park_lock, flags);
	bf->pm_parks++;
	bf->pm_kept += n;
	timer_cancel(&bf->purge_timer);
	bf_free_queues(bf);
	wake_up(&bf->drain_wq);
	pr_info("blkfront %s: suspended; %u request(s) kept (%u in flight or waiting)\n", bf->name,
		READ_ONCE(bf->nr_parked), n);
}

/* Fresh per-queue state for a device set up again (counters kept). */
static void bf_queue_reset(struct bf_queue *q)
{
	unsigned long flags = spin_lock_irqsave(&q->lock);

	q->dead = false;
	q->broken = false;
	q->inflight = 0;
	q->wait_head = q->wait_tail = NULL;
	q->poll_armed = false;
	q->poll_saw_pending = false;
	q->storm_count = 0;
	spin_unlock_irqrestore(&q->lock, flags);
}

/* The resume gave the device BF_RESUME_WAIT_NS to come back. */
static void bf_park_work(struct work *w)
{
	struct blkfront *bf = container_of(w, struct blkfront, park_work);
	bool drop = false;

	atomic_set(&bf->park_pending, 0);
	mutex_lock(&bf->mutex);
	if (bf->state != BF_ST_CONNECTED && READ_ONCE(bf->parked)) {
		pr_warn("blkfront %s: not connected %llu s after the resume; failing %u kept request(s)\n",
			bf->name, (unsigned long long)(BF_RESUME_WAIT_NS / NSEC_PER_SEC),
			READ_ONCE(bf->nr_parked));
		bf_fail_parked(bf, -EIO);
		if (!bf->dev && bf->state == BF_ST_SUSPENDED) {
			/* Never found again: the disk goes, and with it the
			 * reference the suspend kept. */
			WRITE_ONCE(bf->state, BF_ST_CLOSED);
			if (bf->disk_registered) {
				bf->disk_registered = false;
				blk_unregister_disk(&bf->disk);
			}
			drop = true;
		}
	}
	mutex_unlock(&bf->mutex);
	if (drop)
		bf_put(bf);
	bf_put(bf);
}

static void bf_park_tick(struct timer *t)
{
	struct blkfront *bf = container_of(t, struct blkfront, park_timer);

	if (!atomic_xchg(&bf->park_pending, 1)) {
		bf_get(bf);
		schedule_work(&bf->park_work);
	}
}

static void bf_fatal_work(struct work *w)
{
	struct blkfront *bf = container_of(w, struct blkfront, fatal_work);

	mutex_lock(&bf->mutex);
	if (bf->dev && bf->state != BF_ST_CLOSED && bf->state != BF_ST_ERROR) {
		xenbus_dev_fatal(bf->dev, bf->fatal_err, "%s", bf->fatal_msg);
		bf_teardown(bf, -EIO, BF_ST_ERROR);
	}
	mutex_unlock(&bf->mutex);
	bf_put(bf);
}

static int bf_queue_setup(struct blkfront *bf, struct bf_queue *q)
{
	unsigned int pages = 1u << bf->ch.ring_order, per_rq, want;
	int rc;

	q->sring = alloc_pages(pages);
	if (!q->sring)
		return -ENOMEM;
	q->ring_pages = pages;
	SHARED_RING_INIT(q->sring);
	FRONT_RING_INIT(&q->ring, q->sring, PAGE_SIZE * pages);
	q->nr_slots = RING_SIZE(&q->ring);
	q->shadow = kzalloc(q->nr_slots * sizeof(*q->shadow));
	q->expect = kzalloc(q->nr_slots * sizeof(*q->expect));
	q->free_next = kmalloc(q->nr_slots * sizeof(*q->free_next));
	if (!q->shadow || !q->expect || !q->free_next)
		return -ENOMEM;
	for (u32 s = 0; s < q->nr_slots; s++)
		q->free_next[s] = s + 1;
	q->free_head = 0;
	/* Grant refs, reserved now (the allocation may sleep; submit may not). */
	per_rq = bf->ch.max_segs + bf->ch.indirect_pages;
	want = MIN(q->nr_slots * per_rq, BF_REFS_PER_QUEUE);
	want = MAX(want, per_rq);
	q->refs = kmalloc(want * sizeof(*q->refs));
	if (!q->refs)
		return -ENOMEM;
	rc = gnttab_alloc_refs(q->refs, want);
	if (rc) {
		kfree(q->refs);
		q->refs = NULL;
		return rc;
	}
	q->nr_refs = q->refs_free = want;
	rc = xenbus_grant_ring(bf->dev, q->sring, pages, q->ring_refs);
	if (rc)
		return rc;
	q->nr_ring_refs = pages;
	rc = xenbus_alloc_evtchn(bf->dev, &q->port);
	if (rc)
		return rc;
	/* One queue per vCPU: its events go to that vCPU when it is online. */
	rc = evtchn_bind_cpu(q->port, bf_event, q, cpu_online(q->index) ? q->index : 0);
	if (rc) {
		evtchn_close(q->port);
		return rc;
	}
	q->port_bound = true;
	return 0;
}

struct bf_keys_arg {
	struct blkfront *bf;
};

static int bf_write_queue_keys(xs_tx_t tx, struct blkfront *bf, struct bf_queue *q,
			       const char *dir)
{
	int rc;

	if (bf->ch.ring_order == 0) {
		rc = xenbus_printf(tx, dir, "ring-ref", "%u", q->ring_refs[0]);
		if (rc)
			return rc;
	} else {
		for (unsigned int i = 0; i < q->nr_ring_refs; i++) {
			char node[16];

			snprintf(node, sizeof(node), "ring-ref%u", i);
			rc = xenbus_printf(tx, dir, node, "%u", q->ring_refs[i]);
			if (rc)
				return rc;
		}
	}
	return xenbus_printf(tx, dir, "event-channel", "%u", q->port);
}

static int bf_write_keys(xs_tx_t tx, void *arg)
{
	struct blkfront *bf = ((struct bf_keys_arg *)arg)->bf;
	const char *node = bf->dev->nodename;
	int rc;

	/* ring-page-order only for more than one page: a blkback that sees
	 * it (even "0") looks for ring-ref0.. instead of ring-ref. */
	if (bf->ch.ring_order) {
		rc = xenbus_printf(tx, node, "ring-page-order", "%u", bf->ch.ring_order);
		if (rc)
			return rc;
	}
	if (bf->ch.nr_queues == 1) {
		rc = bf_write_queue_keys(tx, bf, &bf->q[0], node);
		if (rc)
			return rc;
	} else {
		rc = xenbus_printf(tx, node, "multi-queue-num-queues", "%u", bf->ch.nr_queues);
		if (rc)
			return rc;
		for (unsigned int i = 0; i < bf->ch.nr_queues; i++) {
			char dir[XENBUS_PATH_MAX + 16];

			snprintf(dir, sizeof(dir), "%s/queue-%u", node, i);
			rc = bf_write_queue_keys(tx, bf, &bf->q[i], dir);
			if (rc)
				return rc;
		}
	}
	/* Without it blkback assumes the x86_32 layout. */
	rc = xenbus_printf(tx, node, "protocol", "%s", XEN_IO_PROTO_ABI_X86_64);
	if (rc)
		return rc;
	/* We can do persistent grants; whether they are used is known at
	 * Connected (Linux's blkback advertises the feature only then). */
	return xenbus_printf(tx, node, "feature-persistent", "%u", 1);
}

/* Read a backend feature with a range; anything odd counts as absent. */
static unsigned int bf_read_feature(struct blkfront *bf, const char *node, unsigned int max,
				    unsigned int def)
{
	unsigned int v;

	if (xenbus_read_uint_default(bf->dev->otherend, node, 0, max, def, &v))
		return def;
	return v;
}

/* The backend is waiting for us (InitWait): rings, keys, Initialised. */
static void bf_talk_to_backend(struct blkfront *bf)
{
	struct bf_offer o;
	struct bf_keys_arg arg = { bf };
	const char *what = "setting up the rings";
	int rc;

	o.max_ring_order = bf_read_feature(bf, "max-ring-page-order", 31, 0);
	o.max_queues = bf_read_feature(bf, "multi-queue-max-queues", 64, 1);
	if (!o.max_queues)
		o.max_queues = 1;
	o.max_indirect = bf_read_feature(bf, "feature-max-indirect-segments", 1u << 20, 0);
	o.persistent = bf_read_feature(bf, "feature-persistent", 1, 0);
	bf_negotiate(&o, num_online_cpus(), true, &bf->ch);
	bf->mode = bf->trusted ? BF_DIRECT : BF_BOUNCE;   /* until Connected says more */

	for (unsigned int i = 0; i < BF_MAX_QUEUES; i++)
		bf_queue_reset(&bf->q[i]);
	for (unsigned int i = 0; i < bf->ch.nr_queues; i++) {
		rc = bf_queue_setup(bf, &bf->q[i]);
		if (rc)
			goto fail;
	}
	bf->ring_size = bf->q[0].nr_slots;
	what = "writing the frontend keys";
	rc = xs_transaction(bf_write_keys, &arg);
	if (rc)
		goto fail;
	what = "switching to Initialised";
	rc = xenbus_switch_state(bf->dev, XenbusStateInitialised);
	if (rc)
		goto fail;
	WRITE_ONCE(bf->state, BF_ST_INITIALISED);
	return;
fail:
	xenbus_dev_fatal(bf->dev, rc, "%s", what);
	bf_teardown(bf, -EIO, BF_ST_ERROR);
}

static bool is_pow2(unsigned int v)
{
	return v && !(v & (v - 1));
}

/* The backend is Connected: read the disk's shape, register it. */
static void bf_connect(struct blkfront *bf)
{
	char mode[4] = "";
	unsigned int info = 0, ss, pss;
	struct blk_disk nd;
	bool requeue = false;
	u64 sectors;
	int rc;

	if (bf->state == BF_ST_CONNECTED) {
		/* Again: a resize. */
		if (xenbus_read_u64(bf->dev->otherend, "sectors", 0, ~0ULL >> SECTOR_SHIFT, &sectors))
			return;
		sectors = ALIGN_DOWN(sectors, (u64)(bf->sector_size >> SECTOR_SHIFT));
		if (sectors != bf->sectors) {
			pr_info("blkfront %s: resized from %llu to %llu sectors\n", bf->name,
				(unsigned long long)bf->sectors, (unsigned long long)sectors);
			WRITE_ONCE(bf->sectors, sectors);
			blk_disk_resized(&bf->disk, sectors);
		}
		return;
	}
	if (bf->state != BF_ST_INITIALISED)
		return;
	rc = xenbus_read_u64(bf->dev->otherend, "sectors", 0, ~0ULL >> SECTOR_SHIFT, &sectors);
	if (rc) {
		xenbus_dev_fatal(bf->dev, rc, "reading sectors");
		goto fail;
	}
	rc = xenbus_read_uint_default(bf->dev->otherend, "info", 0, ~0u, 0, &info);
	if (rc) {
		xenbus_dev_fatal(bf->dev, rc, "reading info");
		goto fail;
	}
	rc = xenbus_read_uint_default(bf->dev->otherend, "sector-size", 0, ~0u, 512, &ss);
	if (rc || (ss != 512 && ss != 4096)) {
		xenbus_dev_fatal(bf->dev, -EINVAL, "sector-size %u unsupported", ss);
		goto fail;
	}
	if (xenbus_read_uint_default(bf->dev->otherend, "physical-sector-size", 0, ~0u, ss, &pss) ||
	    pss < ss || !is_pow2(pss) || pss > (1u << 20)) {
		pr_warn("blkfront %s: physical-sector-size ignored (using %u)\n", bf->name, ss);
		pss = ss;
	}
	/* Both sides said yes: the backend keeps every grant mapped, so
	 * only our own pool pages may be granted (copying). */
	bf->ch.persistent = bf_read_feature(bf, "feature-persistent", 1, 0) == 1;
	bf->mode = bf->ch.persistent ? BF_PERSISTENT : bf->trusted ? BF_DIRECT : BF_BOUNCE;
	bf->feat_flush = bf_read_feature(bf, "feature-flush-cache", 1, 0);
	bf->feat_barrier = bf_read_feature(bf, "feature-barrier", 1, 0);
	bf->feat_discard = bf_read_feature(bf, "feature-discard", 1, 0);
	bf->feat_secure = bf->feat_discard && bf_read_feature(bf, "discard-secure", 1, 0);
	if (xenbus_read_str(bf->dev->otherend, "mode", mode, sizeof(mode)) < 0)
		mode[0] = 0;
	bf->readonly = (info & VDISK_READONLY) || !strcmp(mode, "r");
	bf->sector_size = ss;
	bf->phys_sector_size = pss;
	bf->sectors = ALIGN_DOWN(sectors, (u64)(ss >> SECTOR_SHIFT));

	memset(&nd, 0, sizeof(nd));
	strlcpy(nd.name, bf->name, sizeof(nd.name));
	nd.nr_sectors = bf->sectors;
	nd.logical_block_size = ss;
	nd.physical_block_size = pss;
	if (bf->readonly)
		nd.features |= BLK_FEAT_RO;
	if (bf->feat_flush || bf->feat_barrier)
		nd.features |= BLK_FEAT_FLUSH;
	/* FUA rides on WRITE_BARRIER, which has no indirect form. */
	if (bf->feat_barrier && !bf->ch.indirect_segs)
		nd.features |= BLK_FEAT_FUA;
	if (bf->feat_discard) {
		nd.features |= BLK_FEAT_DISCARD;
		nd.discard_granularity = bf_read_feature(bf, "discard-granularity", 1u << 30, 0);
		nd.discard_alignment = bf_read_feature(bf, "discard-alignment", 1u << 30, 0);
	}
	if (bf->feat_secure)
		nd.features |= BLK_FEAT_SECURE_DISCARD;
	if (info & VDISK_REMOVABLE)
		nd.features |= BLK_FEAT_REMOVABLE;
	if ((info & VDISK_CDROM) || bf->cdrom)
		nd.features |= BLK_FEAT_CDROM;
	nd.max_segs = bf->ch.max_segs;
	nd.max_sectors = bf->ch.max_segs * (PAGE_SIZE >> SECTOR_SHIFT);
	nd.nr_queues = bf->ch.nr_queues;
	nd.queue_depth = bf->ring_size;
	nd.ops = &bf_disk_ops;
	nd.driver_data = bf;

	if (bf->disk_registered) {
		/* Found again after a suspend: the same disk, with what the
		 * (possibly different) backend offers now. The block layer
		 * may be splitting a request with the old limits right now;
		 * bf_submit cuts what exceeds the new ones. */
		if (ss != bf->disk.logical_block_size) {
			xenbus_dev_fatal(bf->dev, -EINVAL, "sector size %u after the resume, was %u",
					 ss, bf->disk.logical_block_size);
			goto fail;
		}
		WRITE_ONCE(bf->disk.features, nd.features);
		WRITE_ONCE(bf->disk.physical_block_size, pss);
		WRITE_ONCE(bf->disk.discard_granularity, nd.discard_granularity);
		WRITE_ONCE(bf->disk.discard_alignment, nd.discard_alignment);
		WRITE_ONCE(bf->disk.max_segs, nd.max_segs);
		WRITE_ONCE(bf->disk.max_sectors, nd.max_sectors);
		WRITE_ONCE(bf->disk.nr_queues, nd.nr_queues);
		WRITE_ONCE(bf->disk.queue_depth, nd.queue_depth);
		WRITE_ONCE(bf->state, BF_ST_CONNECTED);
		if (bf->disk.nr_sectors != bf->sectors)
			blk_disk_resized(&bf->disk, bf->sectors);
		requeue = true;
	} else {
		bf->disk = nd;
		WRITE_ONCE(bf->state, BF_ST_CONNECTED);
		bf_get(bf);    /* the disk's; dropped by release() */
		rc = blk_register_disk(&bf->disk);
		if (rc) {
			WRITE_ONCE(bf->state, BF_ST_INITIALISED);
			bf_put(bf);
			xenbus_dev_fatal(bf->dev, rc, "registering disk %s", bf->name);
			goto fail;
		}
		bf->disk_registered = true;
	}
	rc = xenbus_switch_state(bf->dev, XenbusStateConnected);
	if (rc)
		pr_warn("blkfront %s: writing state Connected failed (%d)\n", bf->name, rc);
	pr_info("blkfront %s: %llu sectors of %u bytes%s, %u queue(s), ring %u page(s), "
		"%u segs/request, %s grants\n",
		bf->name, (unsigned long long)bf->sectors, ss, bf->readonly ? ", read-only" : "",
		bf->ch.nr_queues, 1u << bf->ch.ring_order, bf->ch.max_segs, bf_mode_names[bf->mode]);
	if (bf->mode == BF_PERSISTENT)
		timer_add(&bf->purge_timer, clock_ns() + BF_PURGE_NS, bf_purge_tick);
	complete_all(&bf->connected);
	if (requeue)
		bf_requeue_parked(bf);
	return;
fail:
	bf_teardown(bf, -EIO, BF_ST_ERROR);
}

/* Backend Closing/Closed (or the device goes away): no new I/O, give
 * what is in flight a bounded time, fail the rest, close. */
static void bf_close(struct blkfront *bf)
{
	enum bf_state st = bf->state;

	if (st == BF_ST_CLOSED || st == BF_ST_ERROR)
		return;   /* an error state stays (the fatal work tore it down) */
	if (st == BF_ST_CONNECTED) {
		WRITE_ONCE(bf->state, BF_ST_CLOSING);
		if (!wait_event_timeout(bf->drain_wq, bf_inflight(bf) == 0, BF_DRAIN_NS))
			pr_warn("blkfront %s: %u request(s) still in flight after %llu s; failing them\n",
				bf->name, bf_inflight(bf), BF_DRAIN_NS / NSEC_PER_SEC);
	}
	bf_teardown(bf, -EIO, BF_ST_CLOSED);
	pr_info("blkfront %s: closed\n", bf->name);
}

/* ------------------------------------------------------------ xenbus callbacks */

/* A reference to bf unless its last one is already being dropped. */
static bool bf_tryget(struct blkfront *bf)
{
	long r = atomic_read(&bf->refs);

	while (r > 0) {
		if (atomic_cmpxchg(&bf->refs, r, r + 1))
			return true;
		r = atomic_read(&bf->refs);
	}
	return false;
}

/* The device of node dev->nodename was removed for a suspend and is
 * found again (a new domain, or the same one after a cancel or a
 * checkpoint): take it over, disk and kept requests included. 0, or
 * -ENOENT if there is no such device. */
static int bf_adopt(struct xenbus_device *dev, unsigned int vdev)
{
	struct blkfront *bf, *found = NULL;
	unsigned int trusted;
	unsigned long flags;
	int rc = -ENOENT;

	flags = spin_lock_irqsave(&bf_list_lock);
	for (bf = bf_list; bf; bf = bf->next) {
		if (READ_ONCE(bf->state) == BF_ST_SUSPENDED && bf->vdev == vdev &&
		    !strcmp(bf->nodename, dev->nodename) && bf_tryget(bf)) {
			found = bf;
			break;
		}
	}
	spin_unlock_irqrestore(&bf_list_lock, flags);
	if (!found)
		return -ENOENT;
	bf = found;
	mutex_lock(&bf->mutex);
	if (bf->state == BF_ST_SUSPENDED && !bf->dev) {
		bf->dev = dev;
		bf->otherend_id = dev->otherend_id;
		strlcpy(bf->otherend, dev->otherend, sizeof(bf->otherend));
		if (xenbus_read_uint_default(dev->nodename, "trusted", 0, 1, 1, &trusted))
			trusted = 0;
		bf->trusted = trusted;
		atomic_set(&bf->fatal_pending, 0);
		completion_init(&bf->connected);
		WRITE_ONCE(bf->state, BF_ST_INIT);
		dev->drvdata = bf;   /* xenbus owns the reference the suspend kept */
		pr_info("blkfront %s: found again after the suspend (backend dom %u); %u request(s) kept\n",
			bf->name, bf->otherend_id, READ_ONCE(bf->nr_parked));
		rc = 0;
	}
	mutex_unlock(&bf->mutex);
	bf_put(bf);    /* the lookup's */
	return rc;
}

static int bf_probe(struct xenbus_device *dev)
{
	struct blkfront *bf;
	char type[16] = "";
	unsigned int vdev, trusted;
	unsigned long flags;
	int rc;

	rc = xenbus_read_uint(dev->nodename, "virtual-device", 0, ~0u, &vdev);
	if (rc)
		return rc;
	if (!bf_adopt(dev, vdev))
		return 0;
	bf = kzalloc(sizeof(*bf));
	if (!bf)
		return -ENOMEM;
	bf->dev = dev;
	bf->otherend_id = dev->otherend_id;
	strlcpy(bf->otherend, dev->otherend, sizeof(bf->otherend));
	bf->vdev = vdev;
	strlcpy(bf->nodename, dev->nodename, sizeof(bf->nodename));
	rc = blk_vbd_name(vdev, bf->name, sizeof(bf->name));
	if (rc) {
		pr_err("blkfront: virtual-device %u has no name\n", vdev);
		kfree(bf);
		return rc;
	}
	if (xenbus_read_str(dev->nodename, "device-type", type, sizeof(type)) >= 0)
		bf->cdrom = !strcmp(type, "cdrom");
	if (xenbus_read_uint_default(dev->nodename, "trusted", 0, 1, 1, &trusted))
		trusted = 0;   /* unreadable: assume the worst */
	bf->trusted = trusted;
	mutex_init(&bf->mutex, "blkfront");
	atomic_set(&bf->refs, 1);
	waitqueue_init(&bf->drain_wq, "blkfront_drain");
	completion_init(&bf->connected);
	bf->fatal_work.fn = bf_fatal_work;
	bf->purge_work.fn = bf_purge_work;
	bf->park_work.fn = bf_park_work;
	spin_lock_init(&bf->park_lock, "blkfront_park");
	for (unsigned int i = 0; i < BF_MAX_QUEUES; i++) {
		struct bf_queue *q = &bf->q[i];

		snprintf(q->lock_name, sizeof(q->lock_name), "blkfront_q%u", i);
		spin_lock_init(&q->lock, q->lock_name);
		q->bf = bf;
		q->index = i;
	}
	dev->drvdata = bf;
	flags = spin_lock_irqsave(&bf_list_lock);
	bf->next = bf_list;
	bf_list = bf;
	spin_unlock_irqrestore(&bf_list_lock, flags);
	return 0;
}

static void bf_otherend_changed(struct xenbus_device *dev, enum xenbus_state be)
{
	struct blkfront *bf = dev->drvdata;

	if (!bf)
		return;
	mutex_lock(&bf->mutex);
	switch (be) {
	case XenbusStateInitWait:
		if (bf->state == BF_ST_INIT && !dev->failed)
			bf_talk_to_backend(bf);
		break;
	case XenbusStateInitialised:
		break;
	case XenbusStateConnected:
		if (bf->state == BF_ST_INIT && !dev->failed)
			bf_talk_to_backend(bf);
		if (!dev->failed)
			bf_connect(bf);
		break;
	case XenbusStateClosing:
	case XenbusStateClosed:
		bf_close(bf);
		if (bf->state == BF_ST_CLOSED || bf->state == BF_ST_ERROR)
			xenbus_switch_state(dev, XenbusStateClosed);
		break;
	case XenbusStateUnknown:
		/* The backend's state node is gone (or unreadable) after it
		 * took our rings: nobody will answer what is in flight.
		 * Close as for Closed, which bounds the wait; before
		 * Initialised nothing is shared yet and the state may simply
		 * not be written yet. */
		if (bf->state == BF_ST_INITIALISED || bf->state == BF_ST_CONNECTED) {
			pr_warn("blkfront %s: backend state gone; closing\n", bf->name);
			bf_close(bf);
			xenbus_switch_state(dev, XenbusStateClosed);
		}
		break;
	default:
		break;
	}
	mutex_unlock(&bf->mutex);
}

static void bf_remove(struct xenbus_device *dev)
{
	struct blkfront *bf = dev->drvdata;

	if (!bf)
		return;
	mutex_lock(&bf->mutex);
	if (READ_ONCE(bf_pm_parking) && bf->disk_registered &&
	    (bf->state == BF_ST_CONNECTED || bf->state == BF_ST_INIT ||
	     bf->state == BF_ST_INITIALISED)) {
		/* Removed for a suspend: keep the disk and its requests; the
		 * reference xenbus held stays with the parked device. */
		bf_park_device(bf);
		bf->dev = NULL;
		mutex_unlock(&bf->mutex);
		dev->drvdata = NULL;
		return;
	}
	bf_close(bf);
	WRITE_ONCE(bf->state, BF_ST_CLOSED);
	bf->dev = NULL;
	mutex_unlock(&bf->mutex);
	dev->drvdata = NULL;
	bf_put(bf);
}

static const struct xenbus_driver bf_driver = {
	.name = "blkfront",
	.devicetype = "vbd",
	.probe = bf_probe,
	.otherend_changed = bf_otherend_changed,
	.remove = bf_remove,
};

/* Just above the xenbus frontends' level: the suspend step runs before
 * theirs removes the devices, the resume step after theirs found them
 * again (probing may still be under way then). */
static int bf_pm_suspend(void)
{
	WRITE_ONCE(bf_pm_parking, true);
	return 0;
}

static void bf_pm_resume(const struct xen_resume_info *ri)
{
	unsigned long flags;

	(void)ri;
	WRITE_ONCE(bf_pm_parking, false);
	flags = spin_lock_irqsave(&bf_list_lock);
	for (struct blkfront *bf = bf_list; bf; bf = bf->next) {
		if (READ_ONCE(bf->parked))
			timer_add(&bf->park_timer, clock_ns() + BF_RESUME_WAIT_NS, bf_park_tick);
	}
	spin_unlock_irqrestore(&bf_list_lock, flags);
}

static struct xen_pm_hook bf_pm_hook = {
	.name = "blkfront",
	.level = (enum xen_pm_level)(XEN_PM_DEVICES + 1),
	.suspend = bf_pm_suspend,
	.resume = bf_pm_resume,
};

int xen_blkfront_init(void)
{
	int rc;

	xen_pm_register(&bf_pm_hook);
	rc = xenbus_register_frontend(&bf_driver);

	if (rc)
		pr_err("blkfront: cannot register with xenbus (%d)\n", rc);
	return rc;
}
