/* xenstore client over the shared ring. The daemon at the other end is
 * untrusted: ring indices are copied once and checked, headers are
 * validated before their length is used, payloads are copied out of the
 * ring before parsing, and replies must match the outstanding request. A
 * protocol violation disables xenstore with one message; nothing in here
 * panics on daemon input. */
#include <xen/xenstore.h>
#include <xen/xs_wire_util.h>
#include <xen/xen-ops.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <kernel/errno.h>
#include <kernel/work.h>
#include <kernel/time.h>
#include <kernel/mm.h>
#include <asm/processor.h>

#define REPLY_TIMEOUT_NS (30 * NSEC_PER_SEC)
#define TX_RETRIES 16

static struct xenstore_domain_interface *intf;
static unsigned int xs_port;
static bool broken;

/* Receive state: a message may span several ring fills. */
static struct xsd_sockmsg rx_hdr;
static u32 rx_hdr_got, rx_body_got;
static char rx_body[XENSTORE_PAYLOAD_MAX + 1];

/* The one outstanding request. */
static struct {
	bool waiting, done;
	u32 req_id, type;
	struct xsd_sockmsg hdr;
	char body[XENSTORE_PAYLOAD_MAX + 1];
} reply;
static u32 next_req_id = 1;

/* Watches and queued watch events. */
static struct xs_watch *watches;
static unsigned int watch_seq;
struct watch_event {
	struct watch_event *next;
	char *path;
	char token[24];
};
static struct watch_event *ev_head, **ev_tail = &ev_head;
static unsigned long events_dropped;

static void watch_work_fn(struct work *w);
static struct work watch_work = WORK_INIT(watch_work_fn);

bool xenstore_available(void)
{
	return intf && !broken;
}

static void xs_fail(const char *what)
{
	if (!broken)
		pr_err("xenstore: protocol error from xenstored (%s); xenstore disabled\n", what);
	broken = true;
}

static void queue_watch_event(const char *payload, u32 len)
{
	const char *path, *token;
	struct watch_event *ev;
	size_t plen;

	if (xs_parse_watch_event(payload, len, &path, &token)) {
		xs_fail("malformed watch event");
		return;
	}
	plen = strlen(path);
	ev = kmalloc(sizeof(*ev));
	if (ev)
		ev->path = kmalloc(plen + 1);
	if (!ev || !ev->path || strlen(token) >= sizeof(ev->token)) {
		/* Unknown (over-long) tokens cannot be ours; memory shortage
		 * loses the event, which is counted. */
		if (ev)
			kfree(ev->path);
		kfree(ev);
		events_dropped++;
		return;
	}
	memcpy(ev->path, path, plen + 1);
	strlcpy(ev->token, token, sizeof(ev->token));
	ev->next = NULL;
	*ev_tail = ev;
	ev_tail = &ev->next;
	schedule_work(&watch_work);
}

static void deliver(void)
{
	rx_body[rx_hdr.len] = '\0';
	if (rx_hdr.type == XS_WATCH_EVENT) {
		queue_watch_event(rx_body, rx_hdr.len);
		return;
	}
	if (reply.waiting && !reply.done && rx_hdr.req_id == reply.req_id) {
		reply.hdr = rx_hdr;
		memcpy(reply.body, rx_body, rx_hdr.len + 1);
		reply.done = true;
		return;
	}
	/* A reply to a request that already timed out, or junk. */
	pr_warn("xenstore: dropping unexpected reply (type %u, id %u)\n", rx_hdr.type,
		rx_hdr.req_id);
}

/* Consume whatever the ring holds; called with events on or off. */
static void process_ring(void)
{
	unsigned long flags;
	bool consumed = false;

	if (!intf || broken)
		return;
	flags = local_irq_save();
	for (;;) {
		u32 cons = intf->rsp_cons;
		int avail = xs_ring_readable(cons, READ_ONCE(intf->rsp_prod), XENSTORE_RING_SIZE);
		u32 n;

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
	local_irq_restore(flags);
	/* Tell xenstored there is room again. */
	if (consumed)
		evtchn_send(xs_port);
}

static void xs_event(unsigned int port, void *data)
{
	/* Interrupt context: only defer. Waiters poll the ring themselves. */
	schedule_work(&watch_work);
}

static bool reply_or_broken(void *arg)
{
	process_ring();
	return reply.done || broken;
}

static bool ring_has_space(void *arg)
{
	int space = xs_ring_writable(intf->req_prod, READ_ONCE(intf->req_cons),
				     XENSTORE_RING_SIZE);

	if (space < 0)
		xs_fail("request ring indices");
	return broken || space > 0;
}

static int send_bytes(const u8 *p, u32 len)
{
	while (len) {
		u32 prod = intf->req_prod;
		int space = xs_ring_writable(prod, READ_ONCE(intf->req_cons), XENSTORE_RING_SIZE);
		u32 n;

		if (space < 0) {
			xs_fail("request ring indices");
			return -EPROTO;
		}
		if (space == 0) {
			evtchn_send(xs_port);
			if (!idle_wait(ring_has_space, NULL, REPLY_TIMEOUT_NS))
				return -ETIMEDOUT;
			if (broken)
				return -EPROTO;
			continue;
		}
		n = MIN((u32)space, len);
		mb();
		xs_ring_copy_in(intf->req, XENSTORE_RING_SIZE, prod, p, n);
		wmb();
		intf->req_prod = prod + n;
		evtchn_send(xs_port);
		p += n;
		len -= n;
	}
	return 0;
}

/* Send a request and wait for its reply (in reply.hdr/body). */
static int xs_talk(u32 type, xs_tx_t tx, const char *const *parts, unsigned int n, bool last_raw)
{
	static u8 msg[XS_HDR_SIZE + XENSTORE_PAYLOAD_MAX];
	int len, rc;

	if (!intf)
		return -ENODEV;
	if (broken)
		return -EPROTO;
	if (reply.waiting)
		return -EBUSY; /* requests are never nested */
	len = xs_build_request(type, next_req_id, tx, parts, n, last_raw, msg, sizeof(msg));
	if (len < 0)
		return len;
	reply.waiting = true;
	reply.done = false;
	reply.req_id = next_req_id++;
	reply.type = type;
	rc = send_bytes(msg, (u32)len);
	if (!rc && !idle_wait(reply_or_broken, NULL, REPLY_TIMEOUT_NS))
		rc = -ETIMEDOUT;
	if (!rc && broken)
		rc = -EPROTO;
	reply.waiting = false;
	if (rc)
		return rc;
	if (reply.hdr.type == XS_ERROR)
		return xs_error_to_errno(reply.body, reply.hdr.len);
	if (reply.hdr.type != type) {
		xs_fail("reply type does not match the request");
		return -EPROTO;
	}
	return 0;
}

static int xs_simple(u32 type, xs_tx_t tx, const char *path)
{
	const char *parts[] = { path };

	return xs_talk(type, tx, parts, 1, false);
}

int xs_read(xs_tx_t tx, const char *path, char *buf, size_t size)
{
	int rc = xs_simple(XS_READ, tx, path);
	u32 n;

	if (rc)
		return rc;
	/* The value is not NUL-terminated on the wire; stop at an embedded
	 * NUL so callers always see a C string. */
	n = (u32)strnlen(reply.body, reply.hdr.len);
	if (n + 1 > size)
		return -E2BIG;
	memcpy(buf, reply.body, n);
	buf[n] = '\0';
	return (int)n;
}

int xs_write(xs_tx_t tx, const char *path, const char *value)
{
	const char *parts[] = { path, value };

	return xs_talk(XS_WRITE, tx, parts, 2, true);
}

int xs_mkdir(xs_tx_t tx, const char *path)
{
	return xs_simple(XS_MKDIR, tx, path);
}

int xs_rm(xs_tx_t tx, const char *path)
{
	return xs_simple(XS_RM, tx, path);
}

static int copy_list(char *buf, size_t size)
{
	int count = xs_count_directory(reply.body, reply.hdr.len);

	if (count < 0) {
		xs_fail("malformed list reply");
		return -EPROTO;
	}
	if (reply.hdr.len + 1 > size)
		return -E2BIG;
	memcpy(buf, reply.body, reply.hdr.len);
	buf[reply.hdr.len] = '\0';
	return count;
}

int xs_directory(xs_tx_t tx, const char *path, char *buf, size_t size)
{
	int rc = xs_simple(XS_DIRECTORY, tx, path);

	return rc ? rc : copy_list(buf, size);
}

int xs_get_perms(xs_tx_t tx, const char *path, char *buf, size_t size)
{
	int rc = xs_simple(XS_GET_PERMS, tx, path);

	return rc ? rc : copy_list(buf, size);
}

int xs_set_perms(xs_tx_t tx, const char *path, const char *const *perms, unsigned int n)
{
	const char *parts[1 + 16];

	if (n == 0 || n > 16)
		return -EINVAL;
	parts[0] = path;
	for (unsigned int i = 0; i < n; i++) {
		/* Each entry is a type letter and a domain id. */
		if (!strchr("nrwb", perms[i][0]) || !perms[i][1])
			return -EINVAL;
		parts[1 + i] = perms[i];
	}
	return xs_talk(XS_SET_PERMS, tx, parts, 1 + n, false);
}

int xs_transaction_start(xs_tx_t *tx)
{
	const char *parts[] = { "" };
	int rc = xs_talk(XS_TRANSACTION_START, 0, parts, 1, false);

	if (rc)
		return rc;
	if (xs_parse_tx_id(reply.body, reply.hdr.len, tx)) {
		xs_fail("bad transaction id");
		return -EPROTO;
	}
	return 0;
}

int xs_transaction_end(xs_tx_t tx, bool abort)
{
	return xs_simple(XS_TRANSACTION_END, tx, abort ? "F" : "T");
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

int xs_watch(struct xs_watch *w)
{
	const char *parts[2];
	int rc;

	snprintf(w->token, sizeof(w->token), "xw%u", ++watch_seq);
	w->fired = 0;
	w->next = watches;
	watches = w;
	parts[0] = w->path;
	parts[1] = w->token;
	rc = xs_talk(XS_WATCH, 0, parts, 2, false);
	if (rc)
		watches = w->next;
	return rc;
}

int xs_unwatch(struct xs_watch *w)
{
	const char *parts[] = { w->path, w->token };

	for (struct xs_watch **pp = &watches; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			return xs_talk(XS_UNWATCH, 0, parts, 2, false);
		}
	}
	return -ENOENT;
}

static void watch_work_fn(struct work *work)
{
	process_ring();
	for (;;) {
		unsigned long flags = local_irq_save();
		struct watch_event *ev = ev_head;

		if (ev) {
			ev_head = ev->next;
			if (!ev_head)
				ev_tail = &ev_head;
		}
		local_irq_restore(flags);
		if (!ev)
			break;
		/* Tokens are compared as strings; an unknown one is ignored. */
		for (struct xs_watch *w = watches; w; w = w->next) {
			if (!strcmp(w->token, ev->token)) {
				w->fired++;
				w->cb(w, ev->path);
				break;
			}
		}
		kfree(ev->path);
		kfree(ev);
	}
}

void xenstore_poll(void)
{
	if (!reply.waiting)
		watch_work_fn(&watch_work);
}

int xenstore_init(void *ring, unsigned int evtchn)
{
	char domid[16];
	int rc;

	intf = ring;
	xs_port = evtchn;
	broken = false;
	rc = evtchn_bind(evtchn, xs_event, NULL);
	if (rc) {
		intf = NULL;
		return rc;
	}
	rc = xs_read(0, "domid", domid, sizeof(domid));
	if (rc < 0) {
		pr_err("xenstore: cannot read our domid: %d\n", rc);
		return rc;
	}
	pr_info("xenstore: connected (ring event channel %u), domid %s\n", evtchn, domid);
	return 0;
}

unsigned long xenstore_events_dropped(void);
unsigned long xenstore_events_dropped(void)
{
	return events_dropped;
}
