/* xenstore client over the shared ring. The daemon at the other end is
 * untrusted: ring indices are copied once and checked, headers are
 * validated before their length is used, payloads are copied out of the
 * ring before parsing, and replies must match an outstanding request. A
 * protocol violation disables xenstore with one message; nothing in here
 * panics on daemon input.
 *
 * Threads: callers send whole requests under tx_mutex and then sleep until
 * their own reply arrives, so several requests are in flight at once,
 * matched by req_id, and a slow one blocks only its caller. The event
 * handler only wakes the reader thread ("xenstore"), which drains the
 * ring, completes requests and queues watch events for the watch thread
 * ("xenwatch"), which runs the callbacks (they may make requests).
 *
 * Locking: tx_mutex serialises writers of the request ring; req_lock
 * (irqsave) protects the pending list and request ids; watch_lock
 * (irqsave) protects the watch list and the event queue. Both spinlocks
 * are leaves. */
#include <xen/xenstore.h>
#include <xen/xs_wire_util.h>
#include <xen/xen.h>
#include <xen/events.h>
#include <xen/suspend.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <kernel/errno.h>
#include <kernel/sched.h>
#include <kernel/atomic.h>
#include <kernel/time.h>
#include <kernel/mm.h>
#include <asm/processor.h>

#define REPLY_TIMEOUT_NS (30 * NSEC_PER_SEC)
#define TX_RETRIES 16
/* Events queued for one watch before further ones are dropped (and
 * counted): a flood of changes must not exhaust memory. */
#define WATCH_QUEUE_MAX 64

static struct xenstore_domain_interface *intf;
static unsigned int xs_port;
static bool broken;

/* Receive state (reader thread only): a message may span several fills. */
static struct xsd_sockmsg rx_hdr;
static u32 rx_hdr_got, rx_body_got;
static char rx_body[XENSTORE_PAYLOAD_MAX + 1];

struct xs_request {
	u32 req_id, type;
	bool done;
	struct xsd_sockmsg hdr;
	char *body;                 /* XENSTORE_PAYLOAD_MAX + 1 bytes */
	struct xs_request *next;
};

static DEFINE_SPINLOCK(req_lock);
static struct xs_request *pending;
static u32 next_req_id = 1;
static DEFINE_MUTEX(tx_mutex);
/* Woken by the event channel: ring data or ring space. */
static DEFINE_WAITQUEUE(ring_wq);
/* Woken when any reply arrives or the connection breaks. */
static DEFINE_WAITQUEUE(reply_wq);
static struct thread *reader_thread, *watch_thread;

/* Watches and queued watch events. */
static DEFINE_SPINLOCK(watch_lock);
static struct xs_watch *watches;
static unsigned int watch_seq;
struct watch_event {
	struct watch_event *next;
	char *path;
	char token[24];
};
static struct watch_event *ev_head, **ev_tail = &ev_head;
static unsigned long events_dropped;
static DEFINE_WAITQUEUE(watch_wq);
static struct xs_watch *running_watch;
static DEFINE_WAITQUEUE(watch_done_wq);

bool xenstore_available(void)
{
	return READ_ONCE(intf) && !READ_ONCE(broken);
}

static void xs_fail(const char *what)
{
	if (!__atomic_exchange_n(&broken, true, __ATOMIC_SEQ_CST))
		pr_err("xenstore: protocol error from xenstored (%s); xenstore disabled\n", what);
	wake_up(&reply_wq);
	wake_up(&ring_wq);
}

static struct xs_watch *find_watch_locked(const char *token)
{
	for (struct xs_watch *w = watches; w; w = w->next)
		if (!strcmp(w->token, token))
			return w;
	return NULL;
}

static void queue_watch_event(const char *payload, u32 len)
{
	const char *path, *token;
	struct watch_event *ev;
	struct xs_watch *w;
	unsigned long flags;
	size_t plen;

	if (xs_parse_watch_event(payload, len, &path, &token)) {
		xs_fail("malformed watch event");
		return;
	}
	plen = strlen(path);
	ev = kmalloc(sizeof(*ev));
	if (ev)
		ev->path = kmalloc(plen + 1);
	flags = spin_lock_irqsave(&watch_lock);
	/* Only tokens of registered watches are queued, each watch up to
	 * its bound; anything else is dropped here and counted. */
	w = find_watch_locked(token);
	if (!ev || !ev->path || !w || w->queued >= WATCH_QUEUE_MAX) {
		events_dropped++;
		if (w)
			w->dropped++;
		spin_unlock_irqrestore(&watch_lock, flags);
		if (ev)
			kfree(ev->path);
		kfree(ev);
		return;
	}
	memcpy(ev->path, path, plen + 1);
	strlcpy(ev->token, token, sizeof(ev->token));
	ev->next = NULL;
	*ev_tail = ev;
	ev_tail = &ev->next;
	w->queued++;
	spin_unlock_irqrestore(&watch_lock, flags);
	wake_up(&watch_wq);
}

static void deliver(void)
{
	struct xs_request *r = NULL;
	unsigned long flags;

	rx_body[rx_hdr.len] = '\0';
	if (rx_hdr.type == XS_WATCH_EVENT) {
		queue_watch_event(rx_body, rx_hdr.len);
		return;
	}
	flags = spin_lock_irqsave(&req_lock);
	for (struct xs_request **pp = &pending; *pp; pp = &(*pp)->next) {
		if ((*pp)->req_id == rx_hdr.req_id) {
			r = *pp;
			*pp = r->next;
			break;
		}
	}
	if (r) {
		r->hdr = rx_hdr;
		memcpy(r->body, rx_body, rx_hdr.len + 1);
		smp_store_release(&r->done, true);
	}
	spin_unlock_irqrestore(&req_lock, flags);
	if (r)
		wake_up(&reply_wq);
	else
		/* A reply to a request that already timed out, or junk. */
		pr_warn("xenstore: dropping unexpected reply (type %u, id %u)\n", rx_hdr.type,
			rx_hdr.req_id);
}

static bool ring_readable(void)
{
	return READ_ONCE(broken) ||
	       xs_ring_readable(intf->rsp_cons, READ_ONCE(intf->rsp_prod), XENSTORE_RING_SIZE) != 0;
}

/* Consume whatever the ring holds (reader thread only). */
static void process_ring(void)
{
	bool consumed = false;

	for (;;) {
		u32 cons = intf->rsp_cons;
		int avail = xs_ring_readable(cons, READ_ONCE(intf->rsp_prod), XENSTORE_RING_SIZE);
		u32 n;

		if (READ_ONCE(broken))
			break;
		if (avail < 0) {
			xs_fail("response ring indices");
			break;
		}
		if (avail == 0)
			break;
		rmb();
		if (rx_hdr_got < XS_HDR_SIZE) {
			n = MIN((u32)avail, XS_HDR_SIZE - rx_hdr_got);
			xs_ring_copy_out((char *)&rx_hdr + rx_hdr_got, intf->rsp, XENSTORE_RING_SIZE,
					 cons, n);
			rx_hdr_got += n;
			if (rx_hdr_got == XS_HDR_SIZE && xs_check_header(&rx_hdr)) {
				xs_fail("bad message header");
				break;
			}
		} else {
			n = MIN((u32)avail, rx_hdr.len - rx_body_got);
			xs_ring_copy_out(rx_body + rx_body_got, intf->rsp, XENSTORE_RING_SIZE, cons,
					 n);
			rx_body_got += n;
		}
		mb();
		intf->rsp_cons = cons + n;
		consumed = true;
		if (rx_hdr_got == XS_HDR_SIZE && rx_body_got == rx_hdr.len) {
			deliver();
			rx_hdr_got = rx_body_got = 0;
		}
	}
	/* Tell xenstored there is room again. */
	if (consumed)
		evtchn_send(xs_port);
}

static int reader_fn(void *arg)
{
	for (;;) {
		wait_event(ring_wq, ring_readable());
		if (READ_ONCE(broken)) {
			/* Nothing more will be read; sleep until forever. */
			wait_event(ring_wq, false);
		}
		process_ring();
	}
	return 0;
}

static void xs_event(unsigned int port, void *data)
{
	/* Interrupt context: only wake the reader and any blocked sender. */
	wake_up(&ring_wq);
}

static bool ring_has_space(void)
{
	int space = xs_ring_writable(intf->req_prod, READ_ONCE(intf->req_cons),
				     XENSTORE_RING_SIZE);

	if (space < 0)
		xs_fail("request ring indices");
	return READ_ONCE(broken) || space > 0;
}

/* Called with tx_mutex held. A message that stops half-way leaves the
 * stream desynchronised for good: then the connection is given up. */
static int send_bytes(const u8 *p, u32 len)
{
	u32 sent = 0;

	while (sent < len) {
		u32 prod = intf->req_prod;
		int space = xs_ring_writable(prod, READ_ONCE(intf->req_cons), XENSTORE_RING_SIZE);
		u32 n;

		if (READ_ONCE(broken))
			return -EPROTO;
		if (space < 0) {
			xs_fail("request ring indices");
			return -EPROTO;
		}
		if (space == 0) {
			evtchn_send(xs_port);
			if (!wait_event_timeout(ring_wq, ring_has_space(), REPLY_TIMEOUT_NS)) {
				if (sent)
					xs_fail("request ring stuck half-way through a message");
				return sent ? -EPROTO : -ETIMEDOUT;
			}
			continue;
		}
		n = MIN((u32)space, len - sent);
		mb();
		xs_ring_copy_in(intf->req, XENSTORE_RING_SIZE, prod, p + sent, n);
		wmb();
		intf->req_prod = prod + n;
		evtchn_send(xs_port);
		sent += n;
	}
	return 0;
}

static void unlist_request(struct xs_request *r)
{
	unsigned long flags = spin_lock_irqsave(&req_lock);

	for (struct xs_request **pp = &pending; *pp; pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	}
	spin_unlock_irqrestore(&req_lock, flags);
}

static void free_request(struct xs_request *r)
{
	if (r)
		kfree(r->body);
	kfree(r);
}

/* Build a request, list it as pending and put it on the ring; on success
 * *out is the pending request, for xs_collect. */
static int xs_submit(u32 type, xs_tx_t tx, const char *const *parts, unsigned int n,
		     bool last_raw, struct xs_request **out)
{
	struct xs_request *r;
	unsigned long flags;
	u8 *msg;
	int len, rc;

	if (!READ_ONCE(intf))
		return -ENODEV;
	if (READ_ONCE(broken))
		return -EPROTO;
	might_sleep();
	r = kzalloc(sizeof(*r));
	msg = kmalloc(XS_HDR_SIZE + XENSTORE_PAYLOAD_MAX);
	if (r)
		r->body = kmalloc(XENSTORE_PAYLOAD_MAX + 1);
	if (!r || !r->body || !msg) {
		free_request(r);
		kfree(msg);
		return -ENOMEM;
	}
	flags = spin_lock_irqsave(&req_lock);
	r->req_id = next_req_id++;
	r->type = type;
	len = xs_build_request(type, r->req_id, tx, parts, n, last_raw, msg,
			       XS_HDR_SIZE + XENSTORE_PAYLOAD_MAX);
	if (len >= 0) {
		r->next = pending;
		pending = r;
	}
	spin_unlock_irqrestore(&req_lock, flags);
	if (len < 0) {
		free_request(r);
		kfree(msg);
		return len;
	}
	mutex_lock(&tx_mutex);
	rc = send_bytes(msg, (u32)len);
	mutex_unlock(&tx_mutex);
	kfree(msg);
	if (rc) {
		unlist_request(r);
		free_request(r);
		return rc;
	}
	*out = r;
	return 0;
}

/* Wait for a submitted request's reply (the REPLY_TIMEOUT_NS from now) and
 * check it; on success *out holds it (free with free_request), otherwise
 * the request is freed. */
static int xs_collect(struct xs_request *r, struct xs_request **out)
{
	int rc = 0;

	if (!wait_event_timeout(reply_wq, smp_load_acquire(&r->done) || READ_ONCE(broken),
				REPLY_TIMEOUT_NS))
		rc = -ETIMEDOUT;
	/* Off the list whatever happened; a reply arriving later is dropped
	 * by the reader as unexpected. */
	unlist_request(r);
	if (!rc && !smp_load_acquire(&r->done))
		rc = -EPROTO;
	if (rc) {
		free_request(r);
		return rc;
	}
	if (r->hdr.type == XS_ERROR) {
		rc = xs_error_to_errno(r->body, r->hdr.len);
		free_request(r);
		return rc;
	}
	if (r->hdr.type != r->type) {
		free_request(r);
		xs_fail("reply type does not match the request");
		return -EPROTO;
	}
	if (out)
		*out = r;
	else
		free_request(r);
	return 0;
}

/* Send a request and wait for its reply; on success *out holds it (free
 * with free_request). */
static int xs_talk(u32 type, xs_tx_t tx, const char *const *parts, unsigned int n, bool last_raw,
		   struct xs_request **out)
{
	struct xs_request *r;
	int rc = xs_submit(type, tx, parts, n, last_raw, &r);

	return rc ? rc : xs_collect(r, out);
}

static int xs_simple(u32 type, xs_tx_t tx, const char *path, struct xs_request **out)
{
	const char *parts[] = { path };

	return xs_talk(type, tx, parts, 1, false, out);
}

int xs_read(xs_tx_t tx, const char *path, char *buf, size_t size)
{
	struct xs_request *r;
	int rc = xs_simple(XS_READ, tx, path, &r);
	u32 n;

	if (rc)
		return rc;
	/* The value is not NUL-terminated on the wire; stop at an embedded
	 * NUL so callers always see a C string. */
	n = (u32)strnlen(r->body, r->hdr.len);
	if (n + 1 > size) {
		free_request(r);
		return -E2BIG;
	}
	memcpy(buf, r->body, n);
	buf[n] = '\0';
	free_request(r);
	return (int)n;
}

int xs_write(xs_tx_t tx, const char *path, const char *value)
{
	const char *parts[] = { path, value };

	return xs_talk(XS_WRITE, tx, parts, 2, true, NULL);
}

/* All the writes go on the ring before the first reply is awaited, so n
 * of them cost about one round trip through xenstored instead of n (the
 * boot writes its feature nodes this way). Each write's own result goes
 * to rcs[i] if rcs is given; the return value is the first error, or 0. */
int xs_write_many(xs_tx_t tx, const char *const *paths, const char *const *values,
		  unsigned int n, int *rcs)
{
	struct xs_request *reqs[XS_WRITE_MANY_MAX];
	int first = 0;

	if (n > XS_WRITE_MANY_MAX) {
		for (unsigned int i = 0; rcs && i < n; i++)
			rcs[i] = -E2BIG;
		return -E2BIG;
	}
	for (unsigned int i = 0; i < n; i++) {
		const char *parts[] = { paths[i], values[i] };
		int rc = xs_submit(XS_WRITE, tx, parts, 2, true, &reqs[i]);

		if (rc)
			reqs[i] = NULL;
		if (rcs)
			rcs[i] = rc;
		if (rc && !first)
			first = rc;
	}
	for (unsigned int i = 0; i < n; i++) {
		int rc;

		if (!reqs[i])
			continue;
		rc = xs_collect(reqs[i], NULL);
		if (rcs)
			rcs[i] = rc;
		if (rc && !first)
			first = rc;
	}
	return first;
}

int xs_mkdir(xs_tx_t tx, const char *path)
{
	return xs_simple(XS_MKDIR, tx, path, NULL);
}

int xs_rm(xs_tx_t tx, const char *path)
{
	return xs_simple(XS_RM, tx, path, NULL);
}

static int copy_list(struct xs_request *r, char *buf, size_t size)
{
	int count = xs_count_directory(r->body, r->hdr.len);

	if (count < 0) {
		free_request(r);
		xs_fail("malformed list reply");
		return -EPROTO;
	}
	if (r->hdr.len + 1 > size) {
		free_request(r);
		return -E2BIG;
	}
	memcpy(buf, r->body, r->hdr.len);
	buf[r->hdr.len] = '\0';
	free_request(r);
	return count;
}

int xs_directory(xs_tx_t tx, const char *path, char *buf, size_t size)
{
	struct xs_request *r;
	int rc = xs_simple(XS_DIRECTORY, tx, path, &r);

	return rc ? rc : copy_list(r, buf, size);
}

int xs_get_perms(xs_tx_t tx, const char *path, char *buf, size_t size)
{
	struct xs_request *r;
	int rc = xs_simple(XS_GET_PERMS, tx, path, &r);

	return rc ? rc : copy_list(r, buf, size);
}

/* One permission entry: a type letter then a decimal domain id. */
static bool valid_perm(const char *p)
{
	if (!p || !p[0] || !strchr("nrwb", p[0]) || !p[1])
		return false;
	for (p++; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

int xs_set_perms(xs_tx_t tx, const char *path, const char *const *perms, unsigned int n)
{
	const char *parts[1 + 16];

	if (n == 0 || n > 16)
		return -EINVAL;
	parts[0] = path;
	for (unsigned int i = 0; i < n; i++) {
		if (!valid_perm(perms[i]))
			return -EINVAL;
		parts[1 + i] = perms[i];
	}
	return xs_talk(XS_SET_PERMS, tx, parts, 1 + n, false, NULL);
}

int xs_transaction_start(xs_tx_t *tx)
{
	const char *parts[] = { "" };
	struct xs_request *r;
	int rc = xs_talk(XS_TRANSACTION_START, 0, parts, 1, false, &r);

	if (rc)
		return rc;
	rc = xs_parse_tx_id(r->body, r->hdr.len, tx);
	free_request(r);
	if (rc) {
		xs_fail("bad transaction id");
		return -EPROTO;
	}
	return 0;
}

int xs_transaction_end(xs_tx_t tx, bool abort)
{
	return xs_simple(XS_TRANSACTION_END, tx, abort ? "F" : "T", NULL);
}

int xs_transaction(int (*fn)(xs_tx_t tx, void *arg), void *arg)
{
	for (int i = 0; i < TX_RETRIES; i++) {
		xs_tx_t tx;
		int rc = xs_transaction_start(&tx);

		if (rc)
			return rc;
		rc = fn(tx, arg);
		if (rc) {
			xs_transaction_end(tx, true);
			return rc;
		}
		rc = xs_transaction_end(tx, false);
		if (rc != -EAGAIN)
			return rc;
	}
	return -EAGAIN;
}

static bool watch_listed_locked(const struct xs_watch *w)
{
	for (struct xs_watch *p = watches; p; p = p->next)
		if (p == w)
			return true;
	return false;
}

static void unlist_watch(struct xs_watch *w)
{
	unsigned long flags = spin_lock_irqsave(&watch_lock);

	for (struct xs_watch **pp = &watches; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	spin_unlock_irqrestore(&watch_lock, flags);
}

int xs_watch(struct xs_watch *w)
{
	const char *parts[2];
	unsigned long flags;
	int rc;

	if (!w || !w->path || !w->cb)
		return -EINVAL;
	flags = spin_lock_irqsave(&watch_lock);
	if (watch_listed_locked(w)) {
		/* Re-linking it would make the list a cycle. */
		spin_unlock_irqrestore(&watch_lock, flags);
		return -EEXIST;
	}
	snprintf(w->token, sizeof(w->token), "xw%u", ++watch_seq);
	w->fired = 0;
	w->queued = 0;
	w->dropped = 0;
	w->next = watches;
	watches = w;
	spin_unlock_irqrestore(&watch_lock, flags);
	parts[0] = w->path;
	parts[1] = w->token;
	rc = xs_talk(XS_WATCH, 0, parts, 2, false, NULL);
	if (rc)
		unlist_watch(w);
	return rc;
}

static void purge_events(struct xs_watch *w)
{
	unsigned long flags = spin_lock_irqsave(&watch_lock);
	struct watch_event **pp = &ev_head, *dead = NULL;

	while (*pp) {
		struct watch_event *ev = *pp;

		if (!strcmp(ev->token, w->token)) {
			*pp = ev->next;
			ev->next = dead;
			dead = ev;
		} else {
			pp = &ev->next;
		}
	}
	ev_tail = &ev_head;
	while (*ev_tail)
		ev_tail = &(*ev_tail)->next;
	w->queued = 0;
	spin_unlock_irqrestore(&watch_lock, flags);
	while (dead) {
		struct watch_event *ev = dead;

		dead = ev->next;
		kfree(ev->path);
		kfree(ev);
	}
}

int xs_unwatch(struct xs_watch *w)
{
	const char *parts[] = { w->path, w->token };
	unsigned long flags;
	bool listed;

	flags = spin_lock_irqsave(&watch_lock);
	listed = watch_listed_locked(w);
	spin_unlock_irqrestore(&watch_lock, flags);
	if (!listed)
		return -ENOENT;
	unlist_watch(w);
	purge_events(w);
	/* After we return the caller may free w: wait for a callback still
	 * running on the watch thread (unless that is us). */
	if (current_thread() != watch_thread)
		wait_event(watch_done_wq, READ_ONCE(running_watch) != w);
	return xs_talk(XS_UNWATCH, 0, parts, 2, false, NULL);
}

static struct watch_event *next_event(struct xs_watch **wp)
{
	unsigned long flags = spin_lock_irqsave(&watch_lock);
	struct watch_event *ev = ev_head;

	*wp = NULL;
	if (ev) {
		ev_head = ev->next;
		if (!ev_head)
			ev_tail = &ev_head;
		*wp = find_watch_locked(ev->token);
		if (*wp) {
			(*wp)->queued--;
			running_watch = *wp;
		}
	}
	spin_unlock_irqrestore(&watch_lock, flags);
	return ev;
}

static int watch_fn(void *arg)
{
	for (;;) {
		struct xs_watch *w;
		struct watch_event *ev;

		wait_event(watch_wq, READ_ONCE(ev_head) != NULL);
		while ((ev = next_event(&w))) {
			if (w) {
				w->fired++;
				w->cb(w, ev->path);
				WRITE_ONCE(running_watch, NULL);
				wake_up(&watch_done_wq);
			}
			kfree(ev->path);
			kfree(ev);
		}
	}
	return 0;
}

/* ---- suspend and resume ----
 * Suspend holds tx_mutex from its suspend step to its resume step, so no
 * request starts meanwhile, and waits (bounded) until every request in
 * flight has its reply and the reader has consumed every whole message:
 * the ring is quiet when the domain is saved. In a new domain xenstored
 * knows nothing of us but the ring page: bind its new event channel and
 * register every watch again (each fires once, as after any XS_WATCH). */
#define SUSPEND_QUIET_NS (5 * NSEC_PER_SEC)
static bool suspended_locked;

static bool ring_quiet(void)
{
	unsigned long flags = spin_lock_irqsave(&req_lock);
	bool idle = !pending;

	spin_unlock_irqrestore(&req_lock, flags);
	return READ_ONCE(broken) ||
	       (idle && READ_ONCE(intf->rsp_cons) == READ_ONCE(intf->rsp_prod) && !rx_hdr_got);
}

static int xs_suspend(void)
{
	if (!READ_ONCE(intf))
		return 0;
	mutex_lock(&tx_mutex);
	if (!wait_event_timeout(reply_wq, ring_quiet(), SUSPEND_QUIET_NS) && !ring_quiet()) {
		mutex_unlock(&tx_mutex);
		pr_warn("xenstore: requests still in flight after %llu s\n",
			(unsigned long long)(SUSPEND_QUIET_NS / NSEC_PER_SEC));
		return -EBUSY;
	}
	suspended_locked = true;
	return 0;
}

static void xs_resume(const struct xen_resume_info *ri)
{
	struct xs_watch *list[32];
	unsigned int n = 0;
	unsigned long flags;
	int rc;

	if (!suspended_locked)
		return;
	suspended_locked = false;
	if (!ri->new_domain) {
		mutex_unlock(&tx_mutex);
		return;
	}
	if (!ri->store_evtchn) {
		xs_fail("no event channel after restore");
		mutex_unlock(&tx_mutex);
		return;
	}
	/* A reply half-written by the old xenstored is never finished. */
	if (intf->rsp_cons != READ_ONCE(intf->rsp_prod)) {
		pr_warn("xenstore: response ring not empty after restore; skipped\n");
		intf->rsp_cons = READ_ONCE(intf->rsp_prod);
	}
	rx_hdr_got = rx_body_got = 0;
	xs_port = ri->store_evtchn;
	rc = evtchn_bind(xs_port, xs_event, NULL);
	mutex_unlock(&tx_mutex);
	if (rc) {
		xs_fail("cannot bind the new event channel");
		return;
	}
	wake_up(&ring_wq);
	flags = spin_lock_irqsave(&watch_lock);
	for (struct xs_watch *w = watches; w && n < ARRAY_SIZE(list); w = w->next)
		list[n++] = w;
	spin_unlock_irqrestore(&watch_lock, flags);
	if (n == ARRAY_SIZE(list))
		pr_warn("xenstore: more than %u watches; only %u registered again\n", n, n);
	for (unsigned int i = 0; i < n; i++) {
		const char *parts[2] = { list[i]->path, list[i]->token };

		rc = xs_talk(XS_WATCH, 0, parts, 2, false, NULL);
		if (rc)
			pr_err("xenstore: watch on %s lost in the restore: %d\n", list[i]->path, rc);
	}
	pr_info("xenstore: reconnected (ring event channel %u), %u watches again\n", xs_port, n);
}

static struct xen_pm_hook xs_hook = {
	.name = "xenstore",
	.level = XEN_PM_XENSTORE,
	.suspend = xs_suspend,
	.resume = xs_resume,
};

int xenstore_init(void *ring, unsigned int evtchn)
{
	char domid[16];
	int rc;

	if (!reader_thread)
		reader_thread = thread_create("xenstore", reader_fn, NULL, 0);
	if (!watch_thread)
		watch_thread = thread_create("xenwatch", watch_fn, NULL, 0);
	if (!reader_thread || !watch_thread) {
		pr_err("xenstore: cannot start its threads\n");
		return -ENOMEM;
	}
	xs_port = evtchn;
	broken = false;
	WRITE_ONCE(intf, ring);
	rc = evtchn_bind(evtchn, xs_event, NULL);
	if (rc) {
		WRITE_ONCE(intf, NULL);
		pr_err("xenstore: cannot bind event channel %u: %d\n", evtchn, rc);
		return rc;
	}
	/* Anything xenstored put in the ring before we bound the port. */
	wake_up(&ring_wq);
	rc = xs_read(0, "domid", domid, sizeof(domid));
	if (rc < 0) {
		pr_err("xenstore: cannot read our domid: %d; xenstore disabled\n", rc);
		evtchn_unbind(evtchn);
		/* Not available from now on, whatever the cause. */
		WRITE_ONCE(intf, NULL);
		return rc;
	}
	xen_pm_register(&xs_hook);
	pr_info("xenstore: connected (ring event channel %u), domid %s\n", evtchn, domid);
	return 0;
}

unsigned long xenstore_events_dropped(void)
{
	return READ_ONCE(events_dropped);
}
