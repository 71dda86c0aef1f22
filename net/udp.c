/* UDP (RFC 768) and its sockets (udp_sock_ops, include/net/socket.h).
 *
 * udp_lock guards the list of bound sockets, each socket's receive queue
 * and byte count, and the reference counts. A socket is referenced by the
 * table while bound and open, and by each thread inside one of its calls;
 * it is freed when the last reference goes, so close() from one thread
 * while another waits in recvfrom() is safe: the waiter wakes with -EPIPE
 * and drops its reference.
 *
 * Receive queues are bounded by packets (UDP_RX_QUEUE_PKTS) and bytes
 * (SO_RCVBUF, default UDP_RX_QUEUE_BYTES); what does not fit is dropped and
 * counted. Checksums are verified unless the device vouched for them
 * (PKB_F_CSUM_VALID); on transmit the checksum is left to the device when
 * it has NETIF_F_TX_CSUM (PKB_F_CSUM_PARTIAL). */
#include <net/net_parse.h>
#include <net/byteorder.h>
#include <net/checksum.h>
#include <net/socket.h>
#include <kernel/string.h>
#include <kernel/mm.h>
#include <kernel/sched.h>
#include <kernel/errno.h>
#include <kernel/spinlock.h>
#include "net.h"

#define UDP_EPHEMERAL_LO 49152U
#define UDP_EPHEMERAL_HI 65535U

struct udp_sock {
	struct udp_sock *next;
	u32 laddr;
	u16 lport;
	bool bound, closed, broadcast;
	u32 refs;
	struct pkb_queue rxq;   /* cb[0]: source address, cb[1]: source port */
	u32 rx_bytes, rcvbuf;
	u64 drops;
	struct waitqueue wq;
};

static DEFINE_SPINLOCK(udp_lock);
static struct udp_sock *udp_socks;
static u16 udp_next_port = UDP_EPHEMERAL_LO;
static struct udp_stats udp_stats;

void udp_get_stats(struct udp_stats *st)
{
	*st = udp_stats;
}

/* Under udp_lock. */
static struct udp_sock *udp_lookup(u32 addr, u16 port)
{
	struct udp_sock *wild = NULL;

	for (struct udp_sock *u = udp_socks; u; u = u->next) {
		if (u->lport != port || u->closed)
			continue;
		if (u->laddr == addr)
			return u;
		if (u->laddr == INADDR_ANY)
			wild = u;
	}
	return wild;
}

static bool port_in_use(u16 port, u32 addr)
{
	for (struct udp_sock *u = udp_socks; u; u = u->next)
		if (u->lport == port && (u->laddr == addr || !u->laddr || !addr))
			return true;
	return false;
}

static void udp_put(struct udp_sock *u)
{
	unsigned long flags = spin_lock_irqsave(&udp_lock);
	bool last = --u->refs == 0;

	spin_unlock_irqrestore(&udp_lock, flags);
	if (last) {
		pkbq_purge(&u->rxq);
		kfree(u);
	}
}

/* Take a reference for a call; NULL (and -EPIPE) when closed. */
static struct udp_sock *udp_get(struct socket *s)
{
	struct udp_sock *u = s->proto;
	unsigned long flags = spin_lock_irqsave(&udp_lock);
	bool ok = u && !u->closed;

	if (ok)
		u->refs++;
	spin_unlock_irqrestore(&udp_lock, flags);
	return ok ? u : NULL;
}

void udp_input(struct pkbuf *p, const struct ip_rxinfo *ri)
{
	struct udp_info ui;
	struct udp_sock *u;
	unsigned long flags;
	bool verify = !(p->flags & PKB_F_CSUM_VALID);
	bool queued = false;
	int rc;

	rc = udp_parse(p->data, p->len, ri->src, ri->dst, verify, &ui);
	if (rc) {
		if (rc == -EBADMSG)
			udp_stats.csum_errors++;
		else
			udp_stats.bad++;
		pkb_free(p);
		return;
	}
	udp_stats.in++;
	pkb_trim(p, ui.len);
	pkb_pull(p, UDP_HLEN);
	if (ui.dport == DHCP_CLIENT_PORT && ui.sport == DHCP_SERVER_PORT && dhcp_input(p, ri))
		return;
	flags = spin_lock_irqsave(&udp_lock);
	u = udp_lookup(ri->bcast ? INADDR_ANY : ri->dst, ui.dport);
	if (!u && ri->bcast)
		u = NULL;
	if (u && (!ri->bcast || u->broadcast || u->laddr == INADDR_ANY)) {
		if (u->rx_bytes + p->len > u->rcvbuf || !pkbq_push(&u->rxq, p)) {
			u->drops++;
			udp_stats.queue_drops++;
		} else {
			p->cb[0] = ri->src;
			p->cb[1] = ui.sport;
			u->rx_bytes += p->len;
			queued = true;
			wake_up(&u->wq);
		}
	}
	spin_unlock_irqrestore(&udp_lock, flags);
	if (queued)
		return;
	if (!u) {
		udp_stats.no_port++;
		if (!ri->bcast) {
			/* The error quotes the datagram: restore its headers. */
			p->data = p->head + p->l3_off;
			p->len += (u32)(p->l4_off - p->l3_off) + UDP_HLEN;
			icmp_send_error(p, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH);
		}
	}
	pkb_free(p);
}

/* ---------------------------------------------------------------- socket ops */
int udp_sock_create(struct socket *s)
{
	struct udp_sock *u = kzalloc(sizeof(*u));

	if (!u)
		return -ENOMEM;
	pkbq_init(&u->rxq, UDP_RX_QUEUE_PKTS);
	u->rcvbuf = UDP_RX_QUEUE_BYTES;
	u->refs = 1;    /* the socket's */
	waitqueue_init(&u->wq, "udp_sock");
	s->proto = u;
	return 0;
}

/* Under udp_lock. */
static int udp_bind_locked(struct udp_sock *u, u32 addr, u16 port)
{
	if (u->bound)
		return -EINVAL;
	if (!port) {
		for (u32 tries = 0; tries <= UDP_EPHEMERAL_HI - UDP_EPHEMERAL_LO; tries++) {
			u16 cand = udp_next_port;

			udp_next_port = (u16)(cand == UDP_EPHEMERAL_HI ? UDP_EPHEMERAL_LO : cand + 1U);
			if (!port_in_use(cand, addr)) {
				port = cand;
				break;
			}
		}
		if (!port)
			return -EADDRINUSE;
	} else if (port_in_use(port, addr)) {
		return -EADDRINUSE;
	}
	u->laddr = addr;
	u->lport = port;
	u->bound = true;
	u->next = udp_socks;
	udp_socks = u;
	return 0;
}

static int udp_bind(struct socket *s, u32 addr, u16 port)
{
	struct udp_sock *u = udp_get(s);
	unsigned long flags;
	int rc;

	if (!u)
		return -EPIPE;
	if (addr && !ip_is_local(addr)) {
		udp_put(u);
		return -EADDRNOTAVAIL;
	}
	flags = spin_lock_irqsave(&udp_lock);
	rc = udp_bind_locked(u, addr, port);
	spin_unlock_irqrestore(&udp_lock, flags);
	udp_put(u);
	return rc;
}

static long udp_sendto(struct socket *s, const void *buf, size_t len, u32 addr, u16 port,
		       u64 timeout_ns)
{
	struct udp_sock *u = udp_get(s);
	struct ip_route rt;
	struct pkbuf *p;
	unsigned long flags;
	u32 src;
	u8 *h;
	long rc;

	(void)timeout_ns;       /* datagrams are queued or dropped, never waited for */
	if (!u)
		return -EPIPE;
	rc = -EINVAL;
	if (len > UDP_MAX_PAYLOAD || !port || !addr)
		goto out;
	rc = -EACCES;
	if ((addr == INADDR_BROADCAST || addr == 0) && !u->broadcast)
		goto out;
	rc = ip_route_lookup(addr, &rt);
	if (rc)
		goto out;
	if (!u->bound) {
		flags = spin_lock_irqsave(&udp_lock);
		rc = u->bound ? 0 : udp_bind_locked(u, INADDR_ANY, 0);
		spin_unlock_irqrestore(&udp_lock, flags);
		if (rc)
			goto out;
	}
	src = u->laddr ? u->laddr : rt.src;
	rc = -ENOMEM;
	p = pkb_alloc(UDP_HLEN + (u32)len, NET_HEADROOM);
	if (!p)
		goto out;
	h = pkb_put(p, UDP_HLEN + (u32)len);
	put_be16(h, u->lport);
	put_be16(h + 2, port);
	put_be16(h + 4, (u16)(UDP_HLEN + len));
	memcpy(h + UDP_HLEN, buf, len);
	{
		u32 sum = csum_tcpudp_pseudo(src, addr, IPPROTO_UDP, (u16)(UDP_HLEN + len));

		if ((rt.features & NETIF_F_TX_CSUM) && UDP_HLEN + len + IP_HLEN_MIN <= rt.mtu) {
			/* The field holds the folded pseudo-header sum (not
			 * complemented); the device completes it. */
			u16 ps = (u16)~csum_fold(sum);

			put_be16(h + 6, ps);
			p->flags |= PKB_F_CSUM_PARTIAL;
			p->csum_start = (u16)(h - p->head);
			p->csum_offset = 6;
		} else {
			u16 c;

			put_be16(h + 6, 0);
			c = csum_fold(csum_partial(h, UDP_HLEN + len, sum));
			put_be16(h + 6, c ? c : 0xffff);
		}
	}
	udp_stats.out++;
	rc = ip_send(p, src, addr, IPPROTO_UDP, 0);
	if (!rc)
		rc = (long)len;
out:
	udp_put(u);
	return rc;
}

static long udp_recvfrom(struct socket *s, void *buf, size_t len, u32 *addr, u16 *port,
			 u64 timeout_ns)
{
	struct udp_sock *u = udp_get(s);
	struct pkbuf *p = NULL;
	unsigned long flags;
	long rc;

	if (!u)
		return -EPIPE;
	if (!u->bound) {
		udp_put(u);
		return -EINVAL;
	}
	if (timeout_ns != SOCK_NOWAIT)
		wait_event_timeout(u->wq, READ_ONCE(u->rxq.len) || READ_ONCE(u->closed),
				   timeout_ns);
	flags = spin_lock_irqsave(&udp_lock);
	if (!u->closed) {
		p = pkbq_pop(&u->rxq);
		if (p)
			u->rx_bytes -= p->len;
	}
	spin_unlock_irqrestore(&udp_lock, flags);
	if (!p) {
		rc = READ_ONCE(u->closed) ? -EPIPE :
		     timeout_ns == SOCK_NOWAIT ? -EAGAIN : -ETIMEDOUT;
	} else {
		/* Datagram semantics: what does not fit in buf is lost. */
		rc = (long)(p->len < len ? p->len : len);
		memcpy(buf, p->data, (size_t)rc);
		if (addr)
			*addr = (u32)p->cb[0];
		if (port)
			*port = (u16)p->cb[1];
		pkb_free(p);
	}
	udp_put(u);
	return rc;
}

static int udp_setopt(struct socket *s, int opt, int val)
{
	struct udp_sock *u = udp_get(s);
	int rc = 0;

	if (!u)
		return -EPIPE;
	if (opt == SO_BROADCAST)
		u->broadcast = val != 0;
	else if (opt == SO_RCVBUF && val >= 2048 && val <= 4 * 1024 * 1024)
		u->rcvbuf = (u32)val;
	else
		rc = -EINVAL;
	udp_put(u);
	return rc;
}

static int udp_getname(struct socket *s, bool peer, u32 *addr, u16 *port)
{
	struct udp_sock *u = udp_get(s);

	if (!u)
		return -EPIPE;
	if (peer) {
		udp_put(u);
		return -ENOTCONN;
	}
	*addr = u->laddr;
	*port = u->lport;
	udp_put(u);
	return 0;
}

static void udp_close(struct socket *s)
{
	struct udp_sock *u = s->proto;
	unsigned long flags;

	if (!u)
		return;
	flags = spin_lock_irqsave(&udp_lock);
	u->closed = true;
	for (struct udp_sock **pp = &udp_socks; *pp; pp = &(*pp)->next) {
		if (*pp == u) {
			*pp = u->next;
			break;
		}
	}
	spin_unlock_irqrestore(&udp_lock, flags);
	wake_up(&u->wq);
	s->proto = NULL;
	udp_put(u);
}

const struct sock_ops udp_sock_ops = {
	.bind = udp_bind,
	.sendto = udp_sendto,
	.recvfrom = udp_recvfrom,
	.setopt = udp_setopt,
	.getname = udp_getname,
	.close = udp_close,
};
