/* hostile-netback: a user-space Xen network backend for the xl lab's dom0
 * that gives a domU one virtual NIC (vif) attached, through a TAP device,
 * to a dom0 bridge; honestly or, with --mode, breaking the protocol on
 * purpose (docs/hostile-backend.md, "The vif personality"). Like
 * hostile-blkback it is its own toolstack: it writes the frontend's and
 * the backend's xenstore directories, then plays the backend's part.
 *
 *   hostile-netback --domid D [--devid N] [--mode MODE] [--after N]
 *                   [--timeout S] [--bridge BR] [--tap NAME] [--mac MAC]
 *                   [--ip ADDR]
 *
 * Data moves by grant copy (GNTTABOP_copy through gntdev): guest TX slots
 * are copied out into a buffer that is written to the TAP with a
 * virtio-net header (checksum offload and TSO pass through to dom0's
 * stack); packets read from the TAP are copied into the RX buffers the
 * frontend posted, a page per slot, with NETRXF_csum_blank /
 * data_validated and a GSO extra slot as netback sends them.
 *
 * A runtime fault is armed by SIGUSR1 (or after N packets with --after)
 * and hits the next TX request or the next packet for the guest, per
 * mode; setup faults apply from the start. After a fault the backend
 * goes on serving where its rings still make sense and counts the TX
 * packets that still arrive ("late").
 *
 * It exits when the frontend is Closed (after we closed too), when the
 * frontend's directory disappears, on SIGTERM/SIGINT or after --timeout
 * seconds (default 300), removing the backend directory. The last line
 * on stdout is
 *   hostile-netback: done mode=M reason=R tx=N rx=N late=N faults=N drops=N ...
 * (then how many packets took the scatter-gather, GSO and partial-checksum
 * paths each way).
 * Exit status: 0 done, 1 timeout, 2 usage or setup error, 3 "killed"
 * (the mode that dies mid-transfer without cleaning up).
 *
 * Built against Debian's libxen-dev (-lxenstore -lxengnttab -lxenevtchn). */
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
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>

#include <xenstore.h>
#include <xengnttab.h>
#include <xenevtchn.h>
#include "hostile-common.h"
#include <xen/grant_table.h>
#include <xen/io/netif.h>
#include <xen/io/xenbus.h>

#define PAGE 4096u
#define MAX_QUEUES 8u           /* what we accept from a frontend */
#define HONEST_QUEUES 2u
#define MAX_TX_SLOTS 18u        /* XEN_NETIF_NR_SLOTS_MIN: what every backend takes */
#define MAX_EXTRAS 4u
#define MAX_PKT 65535u          /* XEN_NETIF_MAX_TX_SIZE */
#define MAX_RX_SLOTS 18u        /* 64 KiB in pages, + the GSO extra */
#define NET_TX_RING_SIZE __CONST_RING_SIZE(netif_tx, PAGE)
#define NET_RX_RING_SIZE __CONST_RING_SIZE(netif_rx, PAGE)
#define STORM_EVENTS 100000u
#define VHDR sizeof(struct virtio_net_hdr)

enum mode {
	M_HONEST, M_TX_UNKNOWN_ID, M_TX_DUP_ID, M_TX_RSP_PROD_JUMP, M_RX_OFFSET_OVERFLOW,
	M_RX_STATUS_NEGATIVE, M_RX_STATUS_HUGE, M_RX_TOO_LONG, M_RX_MORE_SLOTS, M_RX_EXTRA_LOOP,
	M_RX_EXTRA_UNKNOWN, M_RX_RSP_PROD_JUMP, M_STORM, M_ABSURD_QUEUES, M_ABSURD_FEATURES,
	M_BAD_MAC, M_CLOSE_MIDIO, M_NODES_REMOVED, M_KILLED, M_RX_STATUS_ERROR,
};

static const char *const modes[] = {
	[M_HONEST] = "honest", [M_TX_UNKNOWN_ID] = "tx-unknown-id", [M_TX_DUP_ID] = "tx-dup-id",
	[M_TX_RSP_PROD_JUMP] = "tx-rsp-prod-jump", [M_RX_OFFSET_OVERFLOW] = "rx-offset-overflow",
	[M_RX_STATUS_NEGATIVE] = "rx-status-negative", [M_RX_STATUS_HUGE] = "rx-status-huge",
	[M_RX_TOO_LONG] = "rx-too-long", [M_RX_MORE_SLOTS] = "rx-more-slots",
	[M_RX_EXTRA_LOOP] = "rx-extra-loop", [M_RX_EXTRA_UNKNOWN] = "rx-extra-unknown",
	[M_RX_RSP_PROD_JUMP] = "rx-rsp-prod-jump", [M_STORM] = "storm",
	[M_ABSURD_QUEUES] = "absurd-queues", [M_ABSURD_FEATURES] = "absurd-features",
	[M_BAD_MAC] = "bad-mac", [M_CLOSE_MIDIO] = "close-midio",
	[M_NODES_REMOVED] = "nodes-removed", [M_KILLED] = "killed",
	[M_RX_STATUS_ERROR] = "rx-status-error",
};
#define NR_MODES (sizeof(modes) / sizeof(modes[0]))

/* Where a runtime fault strikes. */
enum where { W_SETUP, W_TX, W_RX };

static enum where fault_where(enum mode m)
{
	switch (m) {
	case M_TX_UNKNOWN_ID: case M_TX_DUP_ID: case M_TX_RSP_PROD_JUMP: case M_STORM:
	case M_CLOSE_MIDIO: case M_NODES_REMOVED: case M_KILLED:
		return W_TX;
	case M_RX_OFFSET_OVERFLOW: case M_RX_STATUS_NEGATIVE: case M_RX_STATUS_HUGE:
	case M_RX_STATUS_ERROR: case M_RX_TOO_LONG: case M_RX_MORE_SLOTS: case M_RX_EXTRA_LOOP: case M_RX_EXTRA_UNKNOWN:
	case M_RX_RSP_PROD_JUMP:
		return W_RX;
	default:
		return W_SETUP;
	}
}

struct queue {
	void *tx_map, *rx_map;
	netif_tx_back_ring_t tx;
	netif_rx_back_ring_t rx;
	evtchn_port_t tx_port, rx_port;   /* ours (local); equal unless split */
	bool bound_tx, bound_rx;
	bool tx_dead;                     /* stop reading its TX ring */
};

static struct {
	enum mode mode;
	unsigned int domid, devid;
	unsigned long after;
	unsigned int timeout_s;
	const char *bridge, *ip;
	char tap[IFNAMSIZ], mac[32];
	int tapfd;

	struct xs_handle *xs;
	xengnttab_handle *xgt;
	xenevtchn_handle *xce;
	char fe[128], be[128];

	struct queue q[MAX_QUEUES];
	unsigned int nq;
	bool connected, closed, be_removed;
	bool fe_sg, fe_gso4, fe_csum, fe_rx_notify;
	bool rx_dead;                     /* a fault broke the RX ring's indices */

	/* The packet from the TAP waiting for RX buffers (len 0: none). */
	unsigned char rxbuf[VHDR + MAX_PKT + 64];
	size_t rxlen;

	unsigned long tx_pkts, rx_pkts, late, faults, drops;
	unsigned long tx_gso, rx_gso, tx_sg, rx_sg, tx_csum, rx_csum;   /* paths exercised */
	bool fault_done;
	bool stalled;                     /* close-midio/nodes-removed: answer nothing */
} g = { .tapfd = -1 };

static volatile sig_atomic_t armed_sig, stop_sig;

static void on_usr1(int s) { (void)s; armed_sig = 1; }
static void on_term(int s) { (void)s; stop_sig = 1; }

/* ---------------------------------------------------------------- xenstore */

/* A boolean feature key of the frontend: exactly "1" counts. */
static bool fe_flag(const char *key)
{
	unsigned long v;

	return !xread_ul(g.fe, key, &v) && v == 1;
}

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
	bool absurd = g.mode == M_ABSURD_FEATURES;
	const char *mac = g.mode == M_BAD_MAC ? "00:16:3e:zz:01:02" : g.mac;
	const char *queues = g.mode == M_ABSURD_QUEUES ? "100000" : absurd ? "-3" : "2";

	return hc_mkdirs(t, g.domid, g.fe, g.be) &&
	       xwrite(t, g.fe, "backend", "%s", g.be) && xwrite(t, g.fe, "backend-id", "0") &&
	       xwrite(t, g.fe, "handle", "%u", g.devid) && xwrite(t, g.fe, "mac", "%s", mac) &&
	       xwrite(t, g.fe, "state", "%d", XenbusStateInitialising) &&
	       xwrite(t, g.be, "frontend", "%s", g.fe) &&
	       xwrite(t, g.be, "frontend-id", "%u", g.domid) &&
	       xwrite(t, g.be, "online", "1") && xwrite(t, g.be, "handle", "%u", g.devid) &&
	       xwrite(t, g.be, "mac", "%s", mac) && xwrite(t, g.be, "bridge", "%s", g.bridge) &&
	       xwrite(t, g.be, "type", "vif") &&
	       (!g.ip || xwrite(t, g.be, "ip", "%s", g.ip)) &&
	       xwrite(t, g.be, "feature-sg", absurd ? "4294967297" : "1") &&
	       xwrite(t, g.be, "feature-gso-tcpv4", absurd ? "-1" : "1") &&
	       xwrite(t, g.be, "feature-gso-tcpv6", absurd ? "banana" : "0") &&
	       xwrite(t, g.be, "feature-ipv6-csum-offload", absurd ? "99999999999999999999" : "0") &&
	       xwrite(t, g.be, "feature-rx-copy", "1") &&
	       xwrite(t, g.be, "feature-rx-flip", absurd ? "77" : "0") &&
	       xwrite(t, g.be, "feature-multicast-control", absurd ? "" : "0") &&
	       xwrite(t, g.be, "feature-split-event-channels", absurd ? "2" : "1") &&
	       xwrite(t, g.be, "feature-ctrl-ring", "0") &&
	       xwrite(t, g.be, "multi-queue-max-queues", "%s", queues) &&
	       xwrite(t, g.be, "state", "%d", XenbusStateInitWait);
}

static int create_nodes(void)
{
	return hc_transaction(fill_nodes);
}

/* ---------------------------------------------------------------- the TAP */

static int tap_open(void)
{
	struct ifreq ifr;
	char cmd[256];
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		say("/dev/net/tun: %s (is the tun module loaded?)", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", g.tap);
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		say("TUNSETIFF %s: %s", g.tap, strerror(errno));
		close(fd);
		return -1;
	}
	snprintf(g.tap, sizeof(g.tap), "%s", ifr.ifr_name);
	/* No offloads until the frontend says what it takes: the stack then
	 * hands us full checksums and MTU-sized frames. */
	if (ioctl(fd, TUNSETOFFLOAD, 0u)) {
		say("TUNSETOFFLOAD: %s", strerror(errno));
		close(fd);
		return -1;
	}
	g.tapfd = fd;
	snprintf(cmd, sizeof(cmd), "ip link set dev %s master %s && ip link set dev %s up",
		 g.tap, g.bridge, g.tap);
	if (system(cmd)) {
		say("'%s' failed", cmd);
		return -1;
	}
	return 0;
}

static void tap_offloads(void)
{
	unsigned int off = 0;

	if (g.fe_csum) {
		off |= TUN_F_CSUM;
		/* TSO needs partial checksums and, being larger than a page,
		 * scatter-gather. */
		if (g.fe_gso4 && g.fe_sg)
			off |= TUN_F_TSO4;
	}
	if (ioctl(g.tapfd, TUNSETOFFLOAD, off))
		say("TUNSETOFFLOAD %#x: %s", off, strerror(errno));
}

/* ---------------------------------------------------------------- checksums */

static uint32_t sum16(const unsigned char *p, size_t n, uint32_t s)
{
	for (; n > 1; p += 2, n -= 2)
		s += (uint32_t)p[0] << 8 | p[1];
	if (n)
		s += (uint32_t)p[0] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* For an IPv4 TCP/UDP frame: where its L4 checksum starts and where the
 * field is (offset from that start), and the L4 length. -1 otherwise. */
static int l4_csum_pos(const unsigned char *f, size_t len, unsigned int *start,
		       unsigned int *field, unsigned int *l4len, unsigned int *proto)
{
	unsigned int ihl, tot;

	if (len < ETH_HLEN + 20 || f[12] != 0x08 || f[13] != 0x00 || (f[14] >> 4) != 4)
		return -1;
	ihl = (f[14] & 15u) * 4u;
	tot = (unsigned int)f[16] << 8 | f[17];
	if (ihl < 20 || ETH_HLEN + ihl > len || tot < ihl || ETH_HLEN + tot > len)
		return -1;
	*proto = f[23];
	*start = ETH_HLEN + ihl;
	*l4len = tot - ihl;
	if (*proto == 6 && *l4len >= 20)
		*field = 16;
	else if (*proto == 17 && *l4len >= 8)
		*field = 6;
	else
		return -1;
	return 0;
}

/* The pseudo-header sum (not complemented), as a partial checksum wants
 * in the L4 field. */
static uint16_t pseudo_sum(const unsigned char *f, unsigned int proto, unsigned int l4len)
{
	uint32_t s = sum16(f + ETH_HLEN + 12, 8, 0);

	return fold(s + proto + l4len);
}

/* ---------------------------------------------------------------- connect */

static int bind_port(const char *dir, const char *key, evtchn_port_t *out)
{
	unsigned long port;
	xenevtchn_port_or_error_t p;

	if (xread_ul(dir, key, &port) || port > 0xffffffffu) {
		say("frontend: %s/%s missing or bad", dir, key);
		return -1;
	}
	p = xenevtchn_bind_interdomain(g.xce, g.domid, (evtchn_port_t)port);
	if (p < 0) {
		say("binding event channel %lu failed: %s", port, strerror(errno));
		return -1;
	}
	*out = (evtchn_port_t)p;
	return 0;
}

static void *map_ring(const char *dir, const char *key)
{
	unsigned long ref;
	void *m;

	if (xread_ul(dir, key, &ref) || ref > 0xffffffffu) {
		say("frontend: %s/%s missing or bad", dir, key);
		return NULL;
	}
	m = xengnttab_map_grant_ref(g.xgt, g.domid, (uint32_t)ref, PROT_READ | PROT_WRITE);
	if (!m)
		say("mapping %s %lu failed: %s", key, ref, strerror(errno));
	return m;
}

static int map_queue(struct queue *q, const char *dir)
{
	char *split = xread(dir, "event-channel-tx");

	q->tx_map = map_ring(dir, "tx-ring-ref");
	q->rx_map = map_ring(dir, "rx-ring-ref");
	if (!q->tx_map || !q->rx_map) {
		free(split);
		return -1;
	}
	BACK_RING_INIT(&q->tx, (netif_tx_sring_t *)q->tx_map, PAGE);
	BACK_RING_INIT(&q->rx, (netif_rx_sring_t *)q->rx_map, PAGE);
	if (split) {
		free(split);
		if (bind_port(dir, "event-channel-tx", &q->tx_port))
			return -1;
		q->bound_tx = true;
		if (bind_port(dir, "event-channel-rx", &q->rx_port))
			return -1;
		q->bound_rx = true;
	} else {
		if (bind_port(dir, "event-channel", &q->tx_port))
			return -1;
		q->bound_tx = true;
		q->rx_port = q->tx_port;
	}
	return 0;
}

static int connect_frontend(void)
{
	unsigned long nq = 1;

	if (!fe_flag("request-rx-copy")) {
		say("frontend without request-rx-copy=1 refused (copy only)");
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
		if (map_queue(&g.q[i], dir))
			return -1;
	}
	g.fe_sg = fe_flag("feature-sg");
	g.fe_gso4 = fe_flag("feature-gso-tcpv4");
	g.fe_csum = !fe_flag("feature-no-csum-offload");
	g.fe_rx_notify = fe_flag("feature-rx-notify");
	tap_offloads();
	set_state(XenbusStateConnected);
	g.connected = true;
	say("connected: %u queue(s)%s, sg %d, gso-tcpv4 %d, csum-offload %d, rx-notify %d, tap %s",
	    g.nq, g.q[0].rx_port != g.q[0].tx_port ? " split" : "", g.fe_sg, g.fe_gso4, g.fe_csum,
	    g.fe_rx_notify, g.tap);
	return 0;
}

static void disconnect(void)
{
	for (unsigned int i = 0; i < g.nq; i++) {
		struct queue *q = &g.q[i];

		if (q->bound_tx)
			xenevtchn_unbind(g.xce, q->tx_port);
		if (q->bound_rx)
			xenevtchn_unbind(g.xce, q->rx_port);
		q->bound_tx = q->bound_rx = false;
		if (q->tx_map)
			xengnttab_unmap(g.xgt, q->tx_map, 1);
		if (q->rx_map)
			xengnttab_unmap(g.xgt, q->rx_map, 1);
		q->tx_map = q->rx_map = NULL;
	}
	g.nq = 0;
	g.connected = false;
}

/* ---------------------------------------------------------------- faults */

static bool armed(enum where w)
{
	if (g.fault_done || g.mode == M_HONEST || fault_where(g.mode) != w)
		return false;
	return armed_sig || (g.after && g.tx_pkts + g.rx_pkts >= g.after);
}

static void fault_begin(void)
{
	g.fault_done = true;
	g.faults++;
}

static void notify(evtchn_port_t p)
{
	xenevtchn_notify(g.xce, p);
}

/* ---------------------------------------------------------------- TX */

static void tx_push(struct queue *q, uint16_t id, int16_t status)
{
	netif_tx_response_t *r = RING_GET_RESPONSE(&q->tx, q->tx.rsp_prod_pvt);

	r->id = id;
	r->status = status;
	q->tx.rsp_prod_pvt++;
}

static void tx_publish(struct queue *q)
{
	int n;

	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&q->tx, n);
	if (n)
		notify(q->tx_port);
}

/* An id in range that the frontend has not got outstanding (not among
 * the requests still on the ring, nor the one being answered). */
static uint16_t unused_tx_id(struct queue *q, RING_IDX from, RING_IDX to, uint16_t cur)
{
	for (uint16_t cand = (uint16_t)((cur + 128) % NET_TX_RING_SIZE);;
	     cand = (uint16_t)((cand + 1) % NET_TX_RING_SIZE)) {
		bool used = cand == cur;

		for (RING_IDX i = from; i != to && !used; i++)
			used = RING_GET_REQUEST(&q->tx, i)->id == cand;
		if (!used)
			return cand;
		if (cand == cur)   /* went round: every id is posted */
			return 0xffff;
	}
}

/* One packet off the TX ring at req_cons. 0: consumed (answered or
 * deliberately not), 1: not all of it is on the ring yet, -1: stop. */
static int tx_one(struct queue *q, RING_IDX rp)
{
	static unsigned char pkt[VHDR + MAX_PKT + PAGE];
	netif_tx_request_t slot[MAX_TX_SLOTS + 1];
	netif_extra_info_t gso = { 0 };
	xengnttab_grant_copy_segment_t seg[MAX_TX_SLOTS];
	struct virtio_net_hdr *vh = (struct virtio_net_hdr *)pkt;
	unsigned char *f = pkt + VHDR;
	RING_IDX c = q->tx.req_cons;
	unsigned int n = 0, nextra = 0, total, rest = 0, len;
	int16_t status = NETIF_RSP_OKAY;
	bool fault = false;

	if (c == rp)
		return 1;
	RING_COPY_REQUEST(&q->tx, c, &slot[0]);
	c++;
	n = 1;
	if (slot[0].flags & NETTXF_extra_info) {
		netif_extra_info_t e;

		do {
			if (c == rp)
				return 1;
			memcpy(&e, RING_GET_REQUEST(&q->tx, c), sizeof(e));
			c++;
			nextra++;
			if (e.type == XEN_NETIF_EXTRA_TYPE_GSO)
				gso = e;
			else if (e.type != XEN_NETIF_EXTRA_TYPE_MCAST_ADD &&
				 e.type != XEN_NETIF_EXTRA_TYPE_MCAST_DEL)
				status = NETIF_RSP_ERROR;
		} while ((e.flags & XEN_NETIF_EXTRA_FLAG_MORE) && nextra < MAX_EXTRAS);
		if (e.flags & XEN_NETIF_EXTRA_FLAG_MORE)
			status = NETIF_RSP_ERROR;
	}
	while (slot[n - 1].flags & NETTXF_more_data) {
		if (n == MAX_TX_SLOTS + 1) {
			say("frontend sent a packet of more than %u slots: stopping this TX ring",
			    MAX_TX_SLOTS);
			q->tx_dead = true;
			return -1;
		}
		if (c == rp)
			return 1;
		RING_COPY_REQUEST(&q->tx, c, &slot[n]);
		c++;
		n++;
	}
	q->tx.req_cons = c;
	g.tx_pkts++;
	if (g.fault_done)
		g.late++;
	if (armed(W_TX)) {
		fault = true;
		fault_begin();
		switch (g.mode) {
		case M_CLOSE_MIDIO:
			say("fault close-midio: TX id %u left unanswered, state Closed", slot[0].id);
			set_state(XenbusStateClosed);
			g.stalled = true;
			return -1;
		case M_NODES_REMOVED:
			say("fault nodes-removed: TX id %u left unanswered, %s removed", slot[0].id, g.be);
			xs_rm(g.xs, XBT_NULL, g.be);
			g.be_removed = true;
			g.stalled = true;
			return -1;
		case M_KILLED:
			say("fault killed: TX id %u left unanswered; exiting at once, nodes left behind",
			    slot[0].id);
			say("done mode=%s reason=killed tx=%lu rx=%lu late=0 faults=1 drops=%lu",
			    modes[g.mode], g.tx_pkts, g.rx_pkts, g.drops);
			_exit(3);
		case M_STORM:
			say("fault storm: %u notifications before answering TX id %u", STORM_EVENTS,
			    slot[0].id);
			for (unsigned int i = 0; i < STORM_EVENTS && !stop_sig; i++) {
				notify(q->tx_port);
				if (q->rx_port != q->tx_port)
					notify(q->rx_port);
			}
			break;
		default:
			break;
		}
	}

	/* Check the slots: the first one's size is the whole packet's. */
	total = slot[0].size;
	for (unsigned int i = 1; i < n; i++)
		rest += slot[i].size;
	if (n > 1 && !g.fe_sg)
		status = NETIF_RSP_ERROR;
	if (total < ETH_HLEN || rest >= total || total - rest > PAGE)
		status = NETIF_RSP_ERROR;
	for (unsigned int i = 0; i < n && status == NETIF_RSP_OKAY; i++) {
		len = i ? slot[i].size : total - rest;
		if ((i && !len) || slot[i].offset + len > PAGE)
			status = NETIF_RSP_ERROR;
		seg[i] = (xengnttab_grant_copy_segment_t){
			.source.foreign = { .ref = slot[i].gref, .offset = slot[i].offset,
					    .domid = (uint16_t)g.domid },
			.dest.virt = NULL,   /* set below, once all lengths are known */
			.len = (uint16_t)len,
			.flags = GNTCOPY_source_gref,
		};
	}
	if (status == NETIF_RSP_OKAY) {
		/* Destinations: the fragments one after another. */
		size_t off = 0;

		for (unsigned int i = 0; i < n; i++) {
			seg[i].dest.virt = f + off;
			off += seg[i].len;
		}
		if (xengnttab_grant_copy(g.xgt, n, seg)) {
			say("grant copy of a TX packet failed: %s", strerror(errno));
			status = NETIF_RSP_ERROR;
		}
		for (unsigned int i = 0; i < n && status == NETIF_RSP_OKAY; i++)
			if (seg[i].status != GNTST_okay)
				status = NETIF_RSP_ERROR;
	}
	if (status == NETIF_RSP_OKAY) {
		unsigned int start, field, l4len, proto;

		memset(vh, 0, VHDR);
		if (slot[0].flags & NETTXF_csum_blank || gso.type == XEN_NETIF_EXTRA_TYPE_GSO) {
			if (l4_csum_pos(f, total, &start, &field, &l4len, &proto)) {
				status = NETIF_RSP_ERROR;
			} else {
				vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
				vh->csum_start = (uint16_t)start;
				vh->csum_offset = (uint16_t)field;
				/* GSO without csum_blank: netback forces a partial
				 * checksum and so writes the pseudo-header sum. */
				if (!(slot[0].flags & NETTXF_csum_blank)) {
					uint16_t ps = pseudo_sum(f, proto, l4len);

					f[start + field] = (unsigned char)(ps >> 8);
					f[start + field + 1] = (unsigned char)ps;
				}
			}
		}
		if (status == NETIF_RSP_OKAY && gso.type == XEN_NETIF_EXTRA_TYPE_GSO) {
			unsigned int doff = 0;

			if (gso.u.gso.type != XEN_NETIF_GSO_TYPE_TCPV4 || !gso.u.gso.size ||
			    vh->csum_offset != 16)
				status = NETIF_RSP_ERROR;
			else
				doff = (f[vh->csum_start + 12] >> 4) * 4u;
			if (status == NETIF_RSP_OKAY && (doff < 20 || vh->csum_start + doff > total))
				status = NETIF_RSP_ERROR;
			if (status == NETIF_RSP_OKAY) {
				vh->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
				vh->gso_size = gso.u.gso.size;
				vh->hdr_len = (uint16_t)(vh->csum_start + doff);
			}
		}
	}
	if (status == NETIF_RSP_OKAY) {
		ssize_t w = write(g.tapfd, pkt, VHDR + total);

		if (w != (ssize_t)(VHDR + total)) {
			g.drops++;
			status = NETIF_RSP_DROPPED;
		} else {
			g.tx_sg += n > 1;
			g.tx_gso += vh->gso_type != VIRTIO_NET_HDR_GSO_NONE;
			g.tx_csum += (slot[0].flags & NETTXF_csum_blank) != 0;
		}
	} else {
		g.drops++;
	}

	/* Answers: the first slot, a NULL per extra, then the fragments. */
	if (fault && g.mode == M_TX_UNKNOWN_ID) {
		uint16_t bad = unused_tx_id(q, c, rp, slot[0].id);

		say("fault tx-unknown-id: TX id %u answered as id %u (not outstanding)",
		    slot[0].id, bad);
		tx_push(q, bad, status);
	} else {
		tx_push(q, slot[0].id, status);
	}
	if (fault && g.mode == M_TX_DUP_ID) {
		say("fault tx-dup-id: TX id %u answered twice", slot[0].id);
		tx_push(q, slot[0].id, status);
	}
	for (unsigned int i = 0; i < nextra; i++)
		tx_push(q, 0, NETIF_RSP_NULL);
	for (unsigned int i = 1; i < n; i++)
		tx_push(q, slot[i].id, status);
	if (fault && g.mode == M_TX_RSP_PROD_JUMP) {
		say("fault tx-rsp-prod-jump: TX id %u answered, rsp_prod 1000 past it", slot[0].id);
		q->tx.rsp_prod_pvt += 1000;
	}
	return 0;
}

static void tx_process(struct queue *q)
{
	int more;

	if (g.stalled || q->tx_dead)
		return;
	do {
		RING_IDX rp = __atomic_load_n(&q->tx.sring->req_prod, __ATOMIC_RELAXED);
		int r = 0;

		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (rp - q->tx.req_cons > NET_TX_RING_SIZE) {
			say("frontend TX req_prod %u impossible (req_cons %u): ignoring the ring", rp,
			    q->tx.req_cons);
			q->tx_dead = true;
			return;
		}
		while (q->tx.req_cons != rp && (r = tx_one(q, rp)) == 0)
			;
		tx_publish(q);
		if (r < 0 || g.stalled)
			return;
		if (r == 1 && q->tx.req_cons != rp)
			return;   /* half a packet: wait for the rest */
		RING_FINAL_CHECK_FOR_REQUESTS(&q->tx, more);
	} while (more);
}

/* ---------------------------------------------------------------- RX */

static void rx_publish(struct queue *q)
{
	int n;

	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&q->rx, n);
	if (n)
		notify(q->rx_port);
}

static netif_rx_response_t *rx_rsp(struct queue *q, RING_IDX i)
{
	return RING_GET_RESPONSE(&q->rx, i);
}

/* Copy LEN bytes at DATA into the buffer of the RX request at index I
 * (offset 0); the request's id into *id. 0 or -1. */
static int rx_copy(struct queue *q, RING_IDX i, const unsigned char *data, size_t len, uint16_t *id)
{
	netif_rx_request_t req;
	xengnttab_grant_copy_segment_t seg;

	RING_COPY_REQUEST(&q->rx, i, &req);
	*id = req.id;
	if (!len)
		return 0;
	seg = (xengnttab_grant_copy_segment_t){
		.source.virt = (void *)data,
		.dest.foreign = { .ref = req.gref, .offset = 0, .domid = (uint16_t)g.domid },
		.len = (uint16_t)len,
		.flags = GNTCOPY_dest_gref,
	};
	if (xengnttab_grant_copy(g.xgt, 1, &seg) || seg.status != GNTST_okay)
		return -1;
	return 0;
}

static void rx_set(struct queue *q, RING_IDX i, uint16_t id, uint16_t off, uint16_t flags,
		   int16_t status)
{
	netif_rx_response_t *r = rx_rsp(q, i);

	r->id = id;
	r->offset = off;
	r->flags = flags;
	r->status = status;
}

static void rx_set_extra(struct queue *q, RING_IDX i, uint8_t type, uint8_t flags, uint16_t mss)
{
	netif_extra_info_t e = { .type = type, .flags = flags };

	e.u.gso.size = mss;
	e.u.gso.type = XEN_NETIF_GSO_TYPE_TCPV4;
	memcpy(rx_rsp(q, i), &e, sizeof(e));
}

/* The faults that replace a packet's delivery. AVAIL buffers are posted
 * from req_cons; returns true when it took the packet. */
static bool rx_fault(struct queue *q, const unsigned char *f, size_t len, RING_IDX avail)
{
	RING_IDX c = q->rx.req_cons;
	uint16_t id;
	size_t l1 = len < PAGE ? len : PAGE;

	switch (g.mode) {
	case M_RX_OFFSET_OVERFLOW: {
		/* An offset inside the page whose data runs one byte past
		 * its end, whatever the packet's size. */
		uint16_t off = (uint16_t)(PAGE + 1 - l1);

		rx_copy(q, c, f, l1, &id);
		say("fault rx-offset-overflow: RX id %u answered with offset %u size %zu (one byte past the page)",
		    id, off, l1);
		rx_set(q, c, id, off, NETRXF_data_validated, (int16_t)l1);
		c++;
		break;
	}
	case M_RX_STATUS_ERROR:
		/* What netback writes when its copy into the guest's page
		 * failed: the packet is lost, the ring intact (the control
		 * case next to rx-status-negative). */
		rx_copy(q, c, f, l1, &id);
		say("fault rx-status-error: RX id %u answered with NETIF_RSP_ERROR (-1)", id);
		rx_set(q, c, id, 0, NETRXF_data_validated, NETIF_RSP_ERROR);
		c++;
		break;
	case M_RX_STATUS_NEGATIVE:
		rx_copy(q, c, f, l1, &id);
		say("fault rx-status-negative: RX id %u answered with status -1234", id);
		rx_set(q, c, id, 0, NETRXF_data_validated, -1234);
		c++;
		break;
	case M_RX_STATUS_HUGE:
		rx_copy(q, c, f, l1, &id);
		say("fault rx-status-huge: RX id %u answered with status 32767 (a page is 4096)", id);
		rx_set(q, c, id, 0, NETRXF_data_validated, 32767);
		c++;
		break;
	case M_RX_TOO_LONG: {
		static const unsigned char zero[PAGE];

		if (avail < 17)
			return false;
		say("fault rx-too-long: one packet of 17 full slots (69632 bytes > 65535)");
		for (unsigned int i = 0; i < 17; i++, c++) {
			rx_copy(q, c, i == 0 ? f : zero, i == 0 ? l1 : PAGE, &id);
			rx_set(q, c, id, 0, i < 16 ? NETRXF_more_data : 0, (int16_t)PAGE);
		}
		break;
	}
	case M_RX_MORE_SLOTS:
		say("fault rx-more-slots: %u buffers posted, %u answered (rsp_prod past req_prod)",
		    avail, avail + 2);
		for (RING_IDX i = 0; i < avail; i++, c++) {
			rx_copy(q, c, f, l1, &id);
			rx_set(q, c, id, 0, NETRXF_data_validated, (int16_t)l1);
		}
		for (RING_IDX i = 0; i < 2; i++, c++)
			rx_set(q, c, (uint16_t)(c % NET_RX_RING_SIZE), 0, NETRXF_data_validated, 60);
		g.rx_dead = true;
		break;
	case M_RX_EXTRA_LOOP:
		if (avail < 2)
			return false;
		rx_copy(q, c, f, l1, &id);
		say("fault rx-extra-loop: RX id %u, then %u extra slots all with EXTRA_FLAG_MORE", id,
		    avail - 1);
		rx_set(q, c, id, 0, NETRXF_data_validated | NETRXF_extra_info, (int16_t)l1);
		c++;
		for (RING_IDX i = 1; i < avail; i++, c++) {
			uint16_t dummy;

			rx_copy(q, c, NULL, 0, &dummy);
			rx_set_extra(q, c, XEN_NETIF_EXTRA_TYPE_GSO, XEN_NETIF_EXTRA_FLAG_MORE, 1448);
		}
		g.rx_dead = true;
		break;
	case M_RX_EXTRA_UNKNOWN:
		if (avail < 2)
			return false;
		rx_copy(q, c, f, l1, &id);
		say("fault rx-extra-unknown: RX id %u followed by an extra of type 77", id);
		rx_set(q, c, id, 0, NETRXF_data_validated | NETRXF_extra_info, (int16_t)l1);
		c++;
		rx_set_extra(q, c, 77, 0, 1448);
		c++;
		break;
	case M_RX_RSP_PROD_JUMP:
		rx_copy(q, c, f, l1, &id);
		say("fault rx-rsp-prod-jump: RX id %u answered, rsp_prod 1000 past it", id);
		rx_set(q, c, id, 0, NETRXF_data_validated, (int16_t)l1);
		c++;
		q->rx.req_cons = c;
		q->rx.rsp_prod_pvt = c + 1000;
		g.rx_dead = true;
		return true;
	default:
		return false;
	}
	q->rx.req_cons = c;
	q->rx.rsp_prod_pvt = c;
	return true;
}

/* Deliver the waiting packet on queue 0 if enough buffers are posted.
 * 0 delivered or dropped, 1 waiting for buffers. */
static int rx_deliver(void)
{
	struct queue *q = &g.q[0];
	struct virtio_net_hdr vh;
	unsigned char *f = g.rxbuf + VHDR;
	size_t len = g.rxlen - VHDR;
	unsigned int need, nslots;
	uint16_t flags = 0;
	bool gso = false;
	RING_IDX rp, avail, c;

	memcpy(&vh, g.rxbuf, VHDR);
	if (vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		if (vh.csum_start + vh.csum_offset + 2u > len) {
			g.drops++;
			return 0;
		}
		if (g.fe_csum) {
			flags |= NETRXF_csum_blank | NETRXF_data_validated;
		} else {
			/* The frontend computes nothing: we do, over the data. */
			uint16_t s;

			f[vh.csum_start + vh.csum_offset] = 0;
			f[vh.csum_start + vh.csum_offset + 1] = 0;
			s = (uint16_t)~fold(sum16(f + vh.csum_start, len - vh.csum_start, 0));
			f[vh.csum_start + vh.csum_offset] = (unsigned char)(s >> 8);
			f[vh.csum_start + vh.csum_offset + 1] = (unsigned char)s;
			flags |= NETRXF_data_validated;
		}
	} else if (vh.flags & VIRTIO_NET_HDR_F_DATA_VALID) {
		flags |= NETRXF_data_validated;
	}
	if ((vh.gso_type & ~VIRTIO_NET_HDR_GSO_ECN) != VIRTIO_NET_HDR_GSO_NONE) {
		if ((vh.gso_type & ~VIRTIO_NET_HDR_GSO_ECN) != VIRTIO_NET_HDR_GSO_TCPV4 ||
		    !g.fe_gso4 || !vh.gso_size) {
			g.drops++;
			return 0;
		}
		gso = true;
	}
	nslots = (unsigned int)((len + PAGE - 1) / PAGE);
	if (!nslots || nslots > MAX_RX_SLOTS - 1 || (nslots > 1 && !g.fe_sg)) {
		g.drops++;
		return 0;
	}
	need = nslots + (gso ? 1u : 0u);

	rp = __atomic_load_n(&q->rx.sring->req_prod, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	avail = rp - q->rx.req_cons;
	if (avail > NET_RX_RING_SIZE) {
		say("frontend RX req_prod %u impossible (req_cons %u): no more RX", rp,
		    q->rx.req_cons);
		g.rx_dead = true;
		return 0;
	}
	if (avail < need) {
		/* Ask to be told when enough are there (feature-rx-notify). */
		q->rx.sring->req_event = q->rx.req_cons + need;
		mb();
		return 1;
	}
	if (armed(W_RX)) {
		fault_begin();
		if (rx_fault(q, f, len, avail)) {
			g.rx_pkts++;
			rx_publish(q);
			return 0;
		}
		/* Not enough buffers for this fault's shape: try again later
		 * with the next packet. */
		g.fault_done = false;
		g.faults--;
	}

	c = q->rx.req_cons;
	for (unsigned int i = 0; i < nslots; i++) {
		size_t off = (size_t)i * PAGE, l = len - off < PAGE ? len - off : PAGE;
		uint16_t id, fl = i == 0 ? flags : 0;
		int16_t st = (int16_t)l;

		if (rx_copy(q, c, f + off, l, &id)) {
			say("grant copy to RX buffer failed");
			st = NETIF_RSP_ERROR;
		}
		if (i + 1 < nslots)
			fl |= NETRXF_more_data;
		if (i == 0 && gso)
			fl |= NETRXF_extra_info;
		rx_set(q, c, id, 0, fl, st);
		c++;
		if (i == 0 && gso) {
			uint16_t dummy;

			rx_copy(q, c, NULL, 0, &dummy);
			rx_set_extra(q, c, XEN_NETIF_EXTRA_TYPE_GSO, 0, vh.gso_size);
			c++;
		}
	}
	q->rx.req_cons = c;
	q->rx.rsp_prod_pvt = c;
	g.rx_pkts++;
	g.rx_sg += nslots > 1;
	g.rx_gso += gso;
	g.rx_csum += (flags & NETRXF_csum_blank) != 0;
	rx_publish(q);
	return 0;
}

/* Packets from the TAP for the guest, while buffers last. */
static void rx_process(void)
{
	if (!g.connected || g.rx_dead || g.stalled)
		return;
	for (int budget = 64; budget > 0; budget--) {
		if (!g.rxlen) {
			ssize_t n = read(g.tapfd, g.rxbuf, sizeof(g.rxbuf));

			if (n <= 0)
				return;
			if ((size_t)n < VHDR + ETH_HLEN) {
				g.drops++;
				continue;
			}
			g.rxlen = (size_t)n;
		}
		if (rx_deliver())
			return;
		g.rxlen = 0;
		if (g.rx_dead)
			return;
	}
}

/* Packets that came while no frontend was connected: dropped. */
static void tap_drain(void)
{
	while (read(g.tapfd, g.rxbuf, sizeof(g.rxbuf)) > 0)
		;
}

/* ---------------------------------------------------------------- main */

static void usage(void)
{
	fprintf(stderr, "usage: hostile-netback --domid D [--devid N] [--mode MODE] [--after N]\n"
			"       [--timeout S] [--bridge BR] [--tap NAME] [--mac MAC] [--ip ADDR]\n"
			"modes:");
	for (unsigned int i = 0; i < M_RX_STATUS_ERROR; i++)
		fprintf(stderr, " %s", modes[i]);
	/* The modes whose fault is no violation, on a line of their own. */
	fprintf(stderr, "\nmodes without a violation (the packet is lost, the vif lives):");
	for (unsigned int i = M_RX_STATUS_ERROR; i < NR_MODES; i++)
		fprintf(stderr, " %s", modes[i]);
	fputc('\n', stderr);
	exit(2);
}

static bool mac_ok(const char *s)
{
	unsigned int b[6];
	char tail;

	return strlen(s) == 17 &&
	       sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		      &tail) == 6 && !(b[0] & 1);
}

int main(int argc, char **argv)
{
	const char *reason = "?";
	bool have_domid = false;
	double deadline;
	int rc = 0;

	g.devid = 1;       /* xl's first vif is 0 */
	hc_prog = "hostile-netback";
	g.timeout_s = 300;
	g.bridge = "xenbr0";
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
		} else if (!strcmp(a, "--after")) {
			g.after = num(v);
		} else if (!strcmp(a, "--timeout")) {
			g.timeout_s = (unsigned int)num(v);
		} else if (!strcmp(a, "--bridge")) {
			g.bridge = v;
		} else if (!strcmp(a, "--tap")) {
			if (strlen(v) >= IFNAMSIZ)
				usage();
			snprintf(g.tap, sizeof(g.tap), "%s", v);
		} else if (!strcmp(a, "--mac")) {
			if (!mac_ok(v))
				usage();
			snprintf(g.mac, sizeof(g.mac), "%s", v);
		} else if (!strcmp(a, "--ip")) {
			g.ip = v;
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
	if (!have_domid || g.domid == 0 || g.domid >= 0x7ff0 || g.devid > 0xffff ||
	    strspn(g.bridge, "abcdefghijklmnopqrstuvwxyz0123456789-_.") != strlen(g.bridge) ||
	    strspn(g.tap, "abcdefghijklmnopqrstuvwxyz0123456789-_.%") != strlen(g.tap))
		usage();
	if (!g.mac[0])
		snprintf(g.mac, sizeof(g.mac), "00:16:3e:%02x:%02x:%02x", (g.domid >> 8) & 0x7f,
			 g.domid & 0xff, g.devid & 0xff);
	if (!g.tap[0])
		snprintf(g.tap, sizeof(g.tap), "hvif%u.%u", g.domid, g.devid);
	snprintf(g.fe, sizeof(g.fe), "/local/domain/%u/device/vif/%u", g.domid, g.devid);
	snprintf(g.be, sizeof(g.be), "/local/domain/0/backend/vif/%u/%u", g.domid, g.devid);

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
	xengnttab_set_max_grants(g.xgt, 2 * MAX_QUEUES + 8);
	if (tap_open())
		return 2;
	if (create_nodes()) {
		say("writing the device's xenstore nodes failed: %s", strerror(errno));
		return 2;
	}
	/* No xenstore watch: libxenstore would start a reader thread for
	 * it, and a fresh clone is what the emulated dom0's fork flake hits
	 * (docs/xen-lab.md; seen here as "malloc(): corrupted top size" right
	 * after the nodes were written). The loop reads the frontend's state
	 * at least every 200 ms anyway. */
	say("serving vif %u to domain %u through %s on %s, mac %s, mode %s", g.devid, g.domid,
	    g.tap, g.bridge, g.mac, modes[g.mode]);

	deadline = now_s() + g.timeout_s;
	for (;;) {
		struct pollfd pfd[3] = {
			{ .fd = -1 },   /* (no watch: see above) */
			{ .fd = xenevtchn_fd(g.xce), .events = POLLIN },
			{ .fd = g.tapfd, .events = POLLIN },
		};
		/* The TAP only when a packet could go somewhere now. */
		bool want_tap = g.connected && !g.rx_dead && !g.stalled && !g.rxlen;
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
		n = poll(pfd, want_tap ? 3 : 2, g.rxlen ? 20 : 200);
		if (n < 0 && errno != EINTR) {
			reason = "poll";
			rc = 2;
			break;
		}
		if (n > 0 && (pfd[1].revents & POLLIN)) {
			xenevtchn_port_or_error_t p = xenevtchn_pending(g.xce);

			if (p >= 0)
				xenevtchn_unmask(g.xce, (evtchn_port_t)p);
		}
		if (!g.connected)
			tap_drain();
		/* Serve every ring on any wakeup: cheap, and a lost event
		 * must not stall us. */
		for (unsigned int i = 0; i < g.nq; i++)
			tx_process(&g.q[i]);
		rx_process();
		fs = fe_state();
		if (fs < 0) {
			reason = "frontend-gone";
			break;
		}
		if (!g.connected && !g.closed && fs == XenbusStateConnected) {
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
	if (!g.be_removed)
		xs_rm(g.xs, XBT_NULL, g.be);
	say("done mode=%s reason=%s tx=%lu rx=%lu late=%lu faults=%lu drops=%lu "
	    "tx_sg=%lu tx_gso=%lu tx_csum_blank=%lu rx_sg=%lu rx_gso=%lu rx_csum_blank=%lu",
	    modes[g.mode], reason, g.tx_pkts, g.rx_pkts, g.late, g.faults, g.drops, g.tx_sg,
	    g.tx_gso, g.tx_csum, g.rx_sg, g.rx_gso, g.rx_csum);
	xs_close(g.xs);
	close(g.tapfd);
	return rc;
}
