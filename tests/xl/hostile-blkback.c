/* hostile-blkback: a user-space Xen block backend for the xl lab's dom0
 * that serves one virtual disk to a domU from a file, honestly or, with
 * --mode, breaking the protocol on purpose (docs/hostile-backend.md).
 * It is its own toolstack: it writes both the frontend's and the
 * backend's xenstore directories, then plays the backend's part.
 *
 *   hostile-blkback --domid D --file PATH [--devid N] [--mode MODE]
 *                   [--after N] [--timeout S] [--trusted 0|1]
 *
 * MODE is "honest" (default) or one of the names in modes[] below. A
 * runtime fault is armed by SIGUSR1 (or after N requests with --after)
 * and hits the next request (or, for "unsolicited", happens at once);
 * the setup faults (bad feature values) apply from the start. After a
 * fault the backend keeps serving honestly, counting the requests that
 * still arrive ("late"), so a frontend that keeps using a broken device
 * is visible.
 *
 * It exits when the frontend is Closed (after we closed too), when the
 * frontend's directory disappears (domain destroyed), on SIGTERM/SIGINT
 * or after --timeout seconds (default 300), always unmapping what it
 * mapped and removing the backend directory. The last line on stdout is
 *   hostile-blkback: done mode=M reason=R requests=N responses=N late=N faults=N
 * Exit status: 0 done, 1 timeout, 2 usage or setup error.
 *
 * Built against Debian's libxen-dev (-lxenstore -lxengnttab -lxenevtchn);
 * the lab's dom0 archive carries those libraries for xl. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>
#include <xengnttab.h>
#include <xenevtchn.h>
#include "hostile-common.h"
#include <xen/io/blkif.h>
#include <xen/io/xenbus.h>

#define PAGE 4096u
#define SECT 512u
#define MAX_QUEUES 8u          /* what we accept from a frontend */
#define MAX_ORDER 8u           /* 256 ring pages: more is refused */
#define HONEST_ORDER 4u
#define HONEST_QUEUES 4u
#define HONEST_INDIRECT 32u
#define SEGS_PER_PAGE (PAGE / sizeof(struct blkif_request_segment))
#define MAX_SEGS (BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST * SEGS_PER_PAGE)
#define STORM_EVENTS 100000u

enum mode {
	M_HONEST, M_DUP_ID, M_UNKNOWN_ID, M_RSP_PROD_JUMP, M_WRONG_OP, M_BAD_STATUS,
	M_UNSOLICITED, M_STORM, M_SECTORS_ZERO, M_SECTOR_SIZE_3, M_ABSURD_RING_ORDER,
	M_ABSURD_QUEUES, M_ABSURD_INDIRECT, M_CLOSE_MIDIO, M_NODES_REMOVED, M_KEEP_MAPPED,
	M_STALL,
};

static const char *const modes[] = {
	[M_HONEST] = "honest", [M_DUP_ID] = "dup-id", [M_UNKNOWN_ID] = "unknown-id",
	[M_RSP_PROD_JUMP] = "rsp-prod-jump", [M_WRONG_OP] = "wrong-op",
	[M_BAD_STATUS] = "bad-status", [M_UNSOLICITED] = "unsolicited", [M_STORM] = "storm",
	[M_SECTORS_ZERO] = "sectors-zero", [M_SECTOR_SIZE_3] = "sector-size-3",
	[M_ABSURD_RING_ORDER] = "absurd-ring-order", [M_ABSURD_QUEUES] = "absurd-queues",
	[M_ABSURD_INDIRECT] = "absurd-indirect", [M_CLOSE_MIDIO] = "close-midio",
	[M_NODES_REMOVED] = "nodes-removed", [M_KEEP_MAPPED] = "keep-mapped",
	[M_STALL] = "stall",
};
#define NR_MODES (sizeof(modes) / sizeof(modes[0]))

struct queue {
	void *sring_map;
	unsigned int pages;
	blkif_back_ring_t ring;
	evtchn_port_t port;     /* ours (local) */
	bool bound;
};

static struct {
	enum mode mode;
	unsigned int domid, devid;
	const char *file;
	int fd;
	uint64_t sectors;       /* of the file, 512-byte units */
	unsigned long after;    /* arm after this many requests (0: SIGUSR1 only) */
	unsigned int timeout_s;
	int trusted;            /* -1: key not written */

	struct xs_handle *xs;
	xengnttab_handle *xgt;
	xenevtchn_handle *xce;
	char fe[128], be[128];

	struct queue q[MAX_QUEUES];
	unsigned int nq;
	bool connected, closed, be_removed;
	unsigned int max_indirect;

	unsigned long requests, responses, late, faults;
	bool fault_done;        /* the runtime fault has happened */
	bool stalled;           /* stop answering anything */
	void *kept_map;         /* keep-mapped: the mapping we keep */
	unsigned int kept_pages;
} g = { .fd = -1, .trusted = 0 };

static volatile sig_atomic_t armed_sig, stop_sig;

static void on_usr1(int s) { (void)s; armed_sig = 1; }
static void on_term(int s) { (void)s; stop_sig = 1; }

/* ---------------------------------------------------------------- xenstore */

static int fe_state(void)
{
	return hc_state(g.fe);
}

static void set_state(int s)
{
	if (g.be_removed)
		return;
	xwrite(XBT_NULL, g.be, "state", "%d", s);
}

/* Both directories, as a toolstack would (one transaction). */
static bool fill_nodes(xs_transaction_t t)
{
	unsigned int order = HONEST_ORDER, queues = HONEST_QUEUES;
	unsigned long long indirect = HONEST_INDIRECT;

	if (g.mode == M_ABSURD_RING_ORDER)
		order = 99;
	if (g.mode == M_ABSURD_QUEUES)
		queues = 100000;
	if (g.mode == M_ABSURD_INDIRECT)
		indirect = 4294967295ULL;
	return hc_mkdirs(t, g.domid, g.fe, g.be) &&
	       xwrite(t, g.fe, "backend", "%s", g.be) && xwrite(t, g.fe, "backend-id", "0") &&
	       xwrite(t, g.fe, "virtual-device", "%u", g.devid) &&
	       xwrite(t, g.fe, "device-type", "disk") &&
	       (g.trusted < 0 || xwrite(t, g.fe, "trusted", "%d", g.trusted)) &&
	       xwrite(t, g.fe, "state", "%d", XenbusStateInitialising) &&
	       xwrite(t, g.be, "frontend", "%s", g.fe) &&
	       xwrite(t, g.be, "frontend-id", "%u", g.domid) &&
	       xwrite(t, g.be, "online", "1") && xwrite(t, g.be, "removable", "0") &&
	       xwrite(t, g.be, "dev", "hostile") && xwrite(t, g.be, "type", "file") &&
	       xwrite(t, g.be, "mode", "w") && xwrite(t, g.be, "device-type", "disk") &&
	       xwrite(t, g.be, "max-ring-page-order", "%u", order) &&
	       xwrite(t, g.be, "multi-queue-max-queues", "%u", queues) &&
	       xwrite(t, g.be, "feature-max-indirect-segments", "%llu", indirect) &&
	       xwrite(t, g.be, "feature-persistent", "0") &&
	       xwrite(t, g.be, "feature-flush-cache", "1") &&
	       xwrite(t, g.be, "feature-barrier", "0") &&
	       xwrite(t, g.be, "feature-discard", "0") &&
	       xwrite(t, g.be, "state", "%d", XenbusStateInitWait);
}

static int create_nodes(void)
{
	return hc_transaction(fill_nodes);
}

/* ---------------------------------------------------------------- connect */

static int map_queue(struct queue *q, const char *dir, unsigned int order)
{
	uint32_t refs[1u << MAX_ORDER];
	unsigned long port, v;
	char key[32];

	q->pages = 1u << order;
	if (order == 0 && !xread_ul(dir, "ring-ref", &v)) {
		refs[0] = (uint32_t)v;
	} else {
		for (unsigned int i = 0; i < q->pages; i++) {
			snprintf(key, sizeof(key), "ring-ref%u", i);
			if (xread_ul(dir, key, &v)) {
				say("frontend: %s/%s missing", dir, key);
				return -1;
			}
			refs[i] = (uint32_t)v;
		}
	}
	if (xread_ul(dir, "event-channel", &port)) {
		say("frontend: %s/event-channel missing", dir);
		return -1;
	}
	q->sring_map = xengnttab_map_domain_grant_refs(g.xgt, q->pages, g.domid, refs,
						       PROT_READ | PROT_WRITE);
	if (!q->sring_map) {
		say("mapping %u ring page(s) failed: %s", q->pages, strerror(errno));
		return -1;
	}
	BACK_RING_INIT(&q->ring, (blkif_sring_t *)q->sring_map, PAGE * q->pages);
	{
		xenevtchn_port_or_error_t p = xenevtchn_bind_interdomain(g.xce, g.domid,
									 (evtchn_port_t)port);
		if (p < 0) {
			say("binding event channel %lu failed: %s", port, strerror(errno));
			return -1;
		}
		q->port = (evtchn_port_t)p;
		q->bound = true;
	}
	return 0;
}

static int connect_frontend(void)
{
	unsigned long order = 0, nq = 1;
	char *proto = xread(g.fe, "protocol");
	uint64_t sectors = g.sectors;
	unsigned int ss = SECT;

	if (!proto || strcmp(proto, "x86_64-abi")) {
		say("frontend protocol '%s' refused (x86_64-abi only)", proto ? proto : "(none)");
		free(proto);
		return -1;
	}
	free(proto);
	if (!xread_ul(g.fe, "ring-page-order", &order) && order > MAX_ORDER) {
		say("frontend ring-page-order %lu refused", order);
		return -1;
	}
	if (!xread_ul(g.fe, "multi-queue-num-queues", &nq) && (nq == 0 || nq > MAX_QUEUES)) {
		say("frontend multi-queue-num-queues %lu refused", nq);
		return -1;
	}
	g.nq = (unsigned int)nq;
	for (unsigned int i = 0; i < g.nq; i++) {
		char dir[160];

		if (g.nq == 1)
			snprintf(dir, sizeof(dir), "%s", g.fe);
		else
			snprintf(dir, sizeof(dir), "%s/queue-%u", g.fe, i);
		if (map_queue(&g.q[i], dir, (unsigned int)order))
			return -1;
	}
	g.max_indirect = HONEST_INDIRECT;
	if (g.mode == M_SECTORS_ZERO)
		sectors = 0;
	if (g.mode == M_SECTOR_SIZE_3)
		ss = 3;
	if (!xwrite(XBT_NULL, g.be, "sectors", "%" PRIu64, sectors) ||
	    !xwrite(XBT_NULL, g.be, "sector-size", "%u", ss) ||
	    !xwrite(XBT_NULL, g.be, "physical-sector-size", "%u", ss) ||
	    !xwrite(XBT_NULL, g.be, "info", "0"))
		return -1;
	set_state(XenbusStateConnected);
	g.connected = true;
	say("connected: %u queue(s), ring-page-order %lu, sectors %" PRIu64 ", sector-size %u",
	    g.nq, order, sectors, ss);
	return 0;
}

static void disconnect(void)
{
	for (unsigned int i = 0; i < g.nq; i++) {
		struct queue *q = &g.q[i];

		if (q->bound)
			xenevtchn_unbind(g.xce, q->port);
		q->bound = false;
		if (q->sring_map)
			xengnttab_unmap(g.xgt, q->sring_map, q->pages);
		q->sring_map = NULL;
	}
	g.nq = 0;
	g.connected = false;
}

/* ---------------------------------------------------------------- requests */

static void push(struct queue *q, uint64_t id, uint8_t op, int16_t status)
{
	blkif_response_t *rsp = RING_GET_RESPONSE(&q->ring, q->ring.rsp_prod_pvt);

	rsp->id = id;
	rsp->operation = op;
	rsp->status = status;
	q->ring.rsp_prod_pvt++;
	g.responses++;
}

static void publish(struct queue *q)
{
	int notify;

	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&q->ring, notify);
	if (notify)
		xenevtchn_notify(g.xce, q->port);
}

/* Read or write the segments: map them all, copy, unmap (unless told to
 * keep the mapping). BLKIF_RSP_* status. */
static int do_rw(bool write, uint64_t sector, const struct blkif_request_segment *seg,
		 unsigned int nseg, bool keep)
{
	uint32_t refs[MAX_SEGS];
	uint64_t total = 0;
	unsigned char *map;
	int status = BLKIF_RSP_OKAY;

	if (nseg == 0 || nseg > MAX_SEGS)
		return BLKIF_RSP_ERROR;
	for (unsigned int i = 0; i < nseg; i++) {
		if (seg[i].first_sect > seg[i].last_sect || seg[i].last_sect >= PAGE / SECT)
			return BLKIF_RSP_ERROR;
		total += seg[i].last_sect - seg[i].first_sect + 1u;
		refs[i] = seg[i].gref;
	}
	if (sector > g.sectors || total > g.sectors - sector)
		return BLKIF_RSP_ERROR;
	map = xengnttab_map_domain_grant_refs(g.xgt, nseg, g.domid, refs,
					      write ? PROT_READ : PROT_READ | PROT_WRITE);
	if (!map) {
		say("mapping %u data grant(s) failed: %s", nseg, strerror(errno));
		return BLKIF_RSP_ERROR;
	}
	for (unsigned int i = 0; i < nseg && status == BLKIF_RSP_OKAY; i++) {
		size_t len = (size_t)(seg[i].last_sect - seg[i].first_sect + 1u) * SECT;
		unsigned char *p = map + (size_t)i * PAGE + seg[i].first_sect * SECT;
		off_t off = (off_t)(sector * SECT);
		ssize_t n;

		if (write) {
			n = pwrite(g.fd, p, len, off);
			if (n != (ssize_t)len)
				status = BLKIF_RSP_ERROR;
		} else {
			n = pread(g.fd, p, len, off);
			if (n < 0)
				status = BLKIF_RSP_ERROR;
			else if ((size_t)n < len)
				memset(p + n, 0, len - (size_t)n);   /* past the end of a sparse file */
		}
		sector += len / SECT;
	}
	if (keep && !g.kept_map) {
		g.kept_map = map;
		g.kept_pages = nseg;
		say("fault keep-mapped: %u data grant(s) stay mapped after the response", nseg);
	} else {
		xengnttab_unmap(g.xgt, map, nseg);
	}
	return status;
}

/* The segments of an indirect request, copied out of its descriptor pages. */
static int indirect_segs(const blkif_request_indirect_t *ir, struct blkif_request_segment *seg)
{
	unsigned int nseg = ir->nr_segments, npages;
	uint32_t refs[BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST];
	void *map;

	if (nseg == 0 || nseg > g.max_indirect)
		return -1;
	npages = (nseg + SEGS_PER_PAGE - 1) / SEGS_PER_PAGE;
	for (unsigned int i = 0; i < npages; i++)
		refs[i] = ir->indirect_grefs[i];
	map = xengnttab_map_domain_grant_refs(g.xgt, npages, g.domid, refs, PROT_READ);
	if (!map)
		return -1;
	memcpy(seg, map, nseg * sizeof(*seg));
	xengnttab_unmap(g.xgt, map, npages);
	return (int)nseg;
}

/* Faults that hit a request once armed (the others happen at setup, or
 * for "unsolicited" when armed with nothing outstanding). */
static bool runtime_fault(enum mode m)
{
	switch (m) {
	case M_DUP_ID: case M_UNKNOWN_ID: case M_RSP_PROD_JUMP: case M_WRONG_OP:
	case M_BAD_STATUS: case M_STORM: case M_CLOSE_MIDIO: case M_NODES_REMOVED:
	case M_KEEP_MAPPED: case M_STALL:
		return true;
	default:
		return false;
	}
}

static bool armed(void)
{
	if (g.fault_done || g.mode == M_HONEST)
		return false;
	return armed_sig || (g.after && g.requests > g.after);
}

/* One request, copied off the ring already. Returns false when the fault
 * means "never answer this one". */
static bool serve(struct queue *q, const blkif_request_t *req_in)
{
	blkif_request_t req = *req_in;
	struct blkif_request_segment seg[MAX_SEGS];
	uint8_t op = req.operation, rop = op;
	int status, nseg;
	bool fault = false;

	g.requests++;
	if (g.fault_done)
		g.late++;
	if (runtime_fault(g.mode) && armed()) {
		fault = true;
		g.fault_done = true;
		g.faults++;
		switch (g.mode) {
		case M_CLOSE_MIDIO:
			say("fault close-midio: request id %#" PRIx64 " left unanswered, state Closed",
			    req.id);
			set_state(XenbusStateClosed);
			g.stalled = true;
			return false;
		case M_NODES_REMOVED:
			say("fault nodes-removed: request id %#" PRIx64 " left unanswered, %s removed",
			    req.id, g.be);
			xs_rm(g.xs, XBT_NULL, g.be);
			g.be_removed = true;
			g.stalled = true;
			return false;
		case M_STALL:
			say("fault stall: request id %#" PRIx64 " and all later ones left unanswered",
			    req.id);
			g.stalled = true;
			return false;
		case M_STORM:
			say("fault storm: %u notifications before answering id %#" PRIx64,
			    STORM_EVENTS, req.id);
			for (unsigned int i = 0; i < STORM_EVENTS && !stop_sig; i++)
				xenevtchn_notify(g.xce, q->port);
			break;
		default:
			break;
		}
	}

	switch (op) {
	case BLKIF_OP_READ:
	case BLKIF_OP_WRITE:
		if (req.nr_segments > BLKIF_MAX_SEGMENTS_PER_REQUEST) {
			status = BLKIF_RSP_ERROR;
			break;
		}
		memcpy(seg, req.seg, req.nr_segments * sizeof(seg[0]));
		status = do_rw(op == BLKIF_OP_WRITE, req.sector_number, seg, req.nr_segments,
			       fault && g.mode == M_KEEP_MAPPED);
		break;
	case BLKIF_OP_INDIRECT: {
		blkif_request_indirect_t ir;

		memcpy(&ir, &req, sizeof(ir));
		rop = ir.indirect_op;
		if (rop != BLKIF_OP_READ && rop != BLKIF_OP_WRITE) {
			status = BLKIF_RSP_ERROR;
			break;
		}
		nseg = indirect_segs(&ir, seg);
		status = nseg < 0 ? BLKIF_RSP_ERROR :
			 do_rw(rop == BLKIF_OP_WRITE, ir.sector_number, seg, (unsigned int)nseg,
			       fault && g.mode == M_KEEP_MAPPED);
		break;
	}
	case BLKIF_OP_FLUSH_DISKCACHE:
		status = fsync(g.fd) ? BLKIF_RSP_ERROR : BLKIF_RSP_OKAY;
		break;
	default:
		status = BLKIF_RSP_EOPNOTSUPP;
		break;
	}

	if (!fault) {
		push(q, req.id, rop, (int16_t)status);
		return true;
	}
	switch (g.mode) {
	case M_DUP_ID:
		say("fault dup-id: id %#" PRIx64 " answered twice", req.id);
		push(q, req.id, rop, (int16_t)status);
		push(q, req.id, rop, (int16_t)status);
		break;
	case M_UNKNOWN_ID:
		say("fault unknown-id: id %#" PRIx64 " answered as %#" PRIx64, req.id,
		    (uint64_t)(req.id ^ (1ULL << 40)));
		push(q, req.id ^ (1ULL << 40), rop, (int16_t)status);
		break;
	case M_RSP_PROD_JUMP:
		say("fault rsp-prod-jump: id %#" PRIx64 " answered, rsp_prod 1000 past it", req.id);
		push(q, req.id, rop, (int16_t)status);
		q->ring.rsp_prod_pvt += 1000;
		break;
	case M_WRONG_OP:
		say("fault wrong-op: id %#" PRIx64 " op %u answered as op %u", req.id, rop,
		    rop == BLKIF_OP_READ ? BLKIF_OP_WRITE : BLKIF_OP_READ);
		push(q, req.id, rop == BLKIF_OP_READ ? BLKIF_OP_WRITE : BLKIF_OP_READ, (int16_t)status);
		break;
	case M_BAD_STATUS:
		say("fault bad-status: id %#" PRIx64 " answered with status 77", req.id);
		push(q, req.id, rop, 77);
		break;
	default:   /* storm, keep-mapped: the answer itself is right */
		push(q, req.id, rop, (int16_t)status);
		break;
	}
	return true;
}

static void unsolicited(void)
{
	struct queue *q = &g.q[0];

	g.fault_done = true;
	g.faults++;
	say("fault unsolicited: a response with nothing outstanding (req_cons %u, rsp_prod %u)",
	    q->ring.req_cons, q->ring.rsp_prod_pvt);
	push(q, 0x1234, BLKIF_OP_READ, BLKIF_RSP_OKAY);
	publish(q);
	xenevtchn_notify(g.xce, q->port);
}

static void process(struct queue *q)
{
	int more;

	if (g.stalled)
		return;
	do {
		RING_IDX rp = __atomic_load_n(&q->ring.sring->req_prod, __ATOMIC_RELAXED);
		RING_IDX rc = q->ring.req_cons;

		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (RING_REQUEST_PROD_OVERFLOW(&q->ring, rp)) {
			say("frontend req_prod %u impossible (req_cons %u): ignoring the ring", rp, rc);
			g.stalled = true;
			return;
		}
		while (rc != rp && !RING_REQUEST_CONS_OVERFLOW(&q->ring, rc)) {
			blkif_request_t req;

			RING_COPY_REQUEST(&q->ring, rc, &req);
			q->ring.req_cons = ++rc;
			if (!serve(q, &req)) {
				publish(q);
				return;
			}
		}
		publish(q);
		RING_FINAL_CHECK_FOR_REQUESTS(&q->ring, more);
	} while (more && !g.stalled);
}

/* ---------------------------------------------------------------- main */

static void usage(void)
{
	fprintf(stderr, "usage: hostile-blkback --domid D --file PATH [--devid N] [--mode MODE]\n"
			"       [--after N] [--timeout S] [--trusted 0|1|none]\nmodes:");
	for (unsigned int i = 0; i < NR_MODES; i++)
		fprintf(stderr, " %s", modes[i]);
	fputc('\n', stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *reason = "?";
	bool have_domid = false;
	struct stat st;
	double deadline;
	int rc = 0;

	g.devid = 51728;   /* xvdb */
	hc_prog = "hostile-blkback";
	g.timeout_s = 300;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			usage();
		i++;
		if (!strcmp(a, "--domid")) {
			g.domid = (unsigned int)num(v);
			have_domid = true;
		} else if (!strcmp(a, "--devid")) {
			g.devid = (unsigned int)num(v);
		} else if (!strcmp(a, "--file")) {
			g.file = v;
		} else if (!strcmp(a, "--after")) {
			g.after = num(v);
		} else if (!strcmp(a, "--timeout")) {
			g.timeout_s = (unsigned int)num(v);
		} else if (!strcmp(a, "--trusted")) {
			g.trusted = !strcmp(v, "none") ? -1 : (int)num(v);
		} else if (!strcmp(a, "--mode")) {
			unsigned int m;

			for (m = 0; m < NR_MODES && strcmp(modes[m], v); m++)
				;
			if (m == NR_MODES)
				usage();
			g.mode = (enum mode)m;
		} else {
			usage();
		}
	}
	if (!have_domid || !g.file || g.domid == 0 || g.domid >= 0x7ff0)
		usage();
	g.fd = open(g.file, O_RDWR);
	if (g.fd < 0 || fstat(g.fd, &st)) {
		say("%s: %s", g.file, strerror(errno));
		return 2;
	}
	g.sectors = (uint64_t)st.st_size / SECT;
	snprintf(g.fe, sizeof(g.fe), "/local/domain/%u/device/vbd/%u", g.domid, g.devid);
	snprintf(g.be, sizeof(g.be), "/local/domain/0/backend/vbd/%u/%u", g.domid, g.devid);

	signal(SIGUSR1, on_usr1);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	signal(SIGPIPE, SIG_IGN);

	g.xs = hc_xs = xs_open(0);
	g.xgt = xengnttab_open(NULL, 0);
	g.xce = xenevtchn_open(NULL, 0);
	if (!g.xs || !g.xgt || !g.xce) {
		say("cannot open xenstore/gntdev/evtchn: %s", strerror(errno));
		return 2;
	}
	/* Enough single mappings for the largest request plus the rings. */
	xengnttab_set_max_grants(g.xgt, MAX_QUEUES * (1u << MAX_ORDER) + 2 * MAX_SEGS);
	if (create_nodes()) {
		say("writing the device's xenstore nodes failed: %s", strerror(errno));
		return 2;
	}
	if (!xs_watch(g.xs, g.fe, "fe")) {
		say("xs_watch %s: %s", g.fe, strerror(errno));
		return 2;
	}
	say("serving %s (%" PRIu64 " sectors) to domain %u as vbd %u, mode %s%s", g.file,
	    g.sectors, g.domid, g.devid, modes[g.mode],
	    g.trusted < 0 ? "" : g.trusted ? ", trusted" : ", untrusted");

	deadline = now_s() + g.timeout_s;
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = xs_fileno(g.xs), .events = POLLIN },
			{ .fd = xenevtchn_fd(g.xce), .events = POLLIN },
		};
		char **w;
		int fs, n;

		if (stop_sig) {
			reason = "signal";
			break;
		}
		if (now_s() > deadline) {
			reason = "timeout";
			rc = 1;
			break;
		}
		if (g.connected && g.mode == M_UNSOLICITED && !g.fault_done &&
		    (armed_sig || (g.after && g.requests >= g.after)))
			unsolicited();
		n = poll(pfd, 2, 200);
		if (n < 0 && errno != EINTR) {
			reason = "poll";
			rc = 2;
			break;
		}
		if (n > 0 && (pfd[1].revents & POLLIN)) {
			xenevtchn_port_or_error_t p = xenevtchn_pending(g.xce);

			if (p >= 0) {
				xenevtchn_unmask(g.xce, (evtchn_port_t)p);
				for (unsigned int i = 0; i < g.nq; i++)
					if (g.q[i].bound && g.q[i].port == (evtchn_port_t)p)
						process(&g.q[i]);
			}
		}
		/* Requests that came before an event we would see: poll the
		 * rings too (cheap, and a lost event must not stall us). */
		for (unsigned int i = 0; i < g.nq; i++)
			process(&g.q[i]);
		while ((w = xs_check_watch(g.xs)))
			free(w);
		fs = fe_state();
		if (fs < 0) {
			reason = "frontend-gone";
			break;
		}
		if (!g.connected && !g.closed &&
		    (fs == XenbusStateInitialised || fs == XenbusStateConnected)) {
			if (connect_frontend()) {
				disconnect();
				set_state(XenbusStateClosing);
				g.closed = true;
			}
		}
		if ((fs == XenbusStateClosing || fs == XenbusStateClosed) && !g.closed) {
			say("frontend %s: closing", fs == XenbusStateClosing ? "Closing" : "Closed");
			disconnect();
			set_state(XenbusStateClosed);
			g.closed = true;
		}
		if (g.closed && fs == XenbusStateClosed) {
			reason = "closed";
			break;
		}
	}
	disconnect();
	if (g.kept_map)
		xengnttab_unmap(g.xgt, g.kept_map, g.kept_pages);
	if (!g.be_removed)
		xs_rm(g.xs, XBT_NULL, g.be);
	say("done mode=%s reason=%s requests=%lu responses=%lu late=%lu faults=%lu", modes[g.mode],
	    reason, g.requests, g.responses, g.late, g.faults);
	xs_close(g.xs);
	return rc;
}
