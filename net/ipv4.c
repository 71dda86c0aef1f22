/* IPv4 (RFC 791, 1122): input validation and delivery, output with
 * routing and fragmentation, and reassembly under limits.
 *
 * Input trusts nothing: the header is parsed and its checksum verified by
 * lib/net_parse.c; the packet is trimmed to the header's total length;
 * sources that cannot be a host (0, broadcast, multicast, loopback from a
 * real device) and destinations that are not ours are dropped; source-
 * routed datagrams are dropped. Transports get p->data at their header.
 *
 * Reassembly (frag_lock): at most IP_FRAG_MAX_QUEUES datagrams in progress,
 * IP_FRAG_MAX_BYTES of buffers held in all, IP_FRAG_MAX_FRAGS fragments per
 * datagram, each queue forgotten IP_FRAG_TIMEOUT_NS after its first
 * fragment (with an ICMP time exceeded when the first fragment had come).
 * A new datagram when the table or the memory is full evicts the oldest
 * queue. Overlaps: an exact duplicate fragment is ignored, any other
 * overlap drops the whole datagram (RFC 5722's rule, applied to IPv4 too:
 * overlapping fragments only serve to evade filters). */
#include <net/net_parse.h>
#include <net/byteorder.h>
#include <net/checksum.h>
#include <kernel/string.h>
#include <kernel/printk.h>
#include <kernel/errno.h>
#include <kernel/time.h>
#include <kernel/spinlock.h>
#include "net.h"

struct ip_stats ip_stats;

static u16 ip_next_id;

/* ---------------------------------------------------------------- reassembly */
struct frag_queue {
	bool used;
	u32 src, dst;
	u16 id;
	u8 proto;
	struct netdev *dev;
	u64 expires;
	u32 total;              /* payload length, known once the last fragment came */
	u32 have;               /* payload bytes held */
	u32 mem;                /* buffer bytes held */
	u32 nfrags;
	struct pkbuf *frags;    /* sorted by offset; cb[0] offset, cb[1] payload length */
};

static DEFINE_SPINLOCK(frag_lock);
static struct frag_queue frag_queues[IP_FRAG_MAX_QUEUES];
static u32 frag_mem;
static u64 frag_reassembled, frag_timeouts, frag_overlaps, frag_limit_drops;

static void fq_release(struct frag_queue *q, struct pkbuf **drop)
{
	struct pkbuf *p = q->frags;

	while (p) {
		struct pkbuf *n = p->next;

		p->next = *drop;
		*drop = p;
		p = n;
	}
	frag_mem -= q->mem;
	q->used = false;
	q->frags = NULL;
}

static struct frag_queue *fq_oldest(void)
{
	struct frag_queue *old = NULL;

	for (unsigned int i = 0; i < IP_FRAG_MAX_QUEUES; i++)
		if (frag_queues[i].used && (!old || frag_queues[i].expires < old->expires))
			old = &frag_queues[i];
	return old;
}

/* Add fragment p (data at its IPv4 header, l3_off set) described by ii.
 * Returns the reassembled datagram (data at its header) when complete. */
static struct pkbuf *ip_reassemble(struct pkbuf *p, const struct ipv4_info *ii)
{
	struct pkbuf *drop = NULL, *done = NULL, **pp;
	struct frag_queue *q = NULL, *free_q = NULL;
	u32 off = ii->frag_off, plen = ii->tot_len - ii->hlen;
	u32 end = off + plen;
	unsigned long flags;
	bool bad = false;

	flags = spin_lock_irqsave(&frag_lock);
	for (unsigned int i = 0; i < IP_FRAG_MAX_QUEUES; i++) {
		struct frag_queue *f = &frag_queues[i];

		if (!f->used) {
			if (!free_q)
				free_q = f;
			continue;
		}
		if (f->src == ii->src && f->dst == ii->dst && f->id == ii->id &&
		    f->proto == ii->proto) {
			q = f;
			break;
		}
	}
	if (!q) {
		if (!free_q) {
			frag_limit_drops++;
			free_q = fq_oldest();
			fq_release(free_q, &drop);
		}
		q = free_q;
		memset(q, 0, sizeof(*q));
		q->used = true;
		q->src = ii->src;
		q->dst = ii->dst;
		q->id = ii->id;
		q->proto = ii->proto;
		q->dev = p->dev;
		q->expires = clock_ns() + IP_FRAG_TIMEOUT_NS;
	}
	/* Memory: evict other datagrams, oldest first; never this one. */
	while (frag_mem + p->size > IP_FRAG_MAX_BYTES) {
		struct frag_queue *old = NULL;

		for (unsigned int i = 0; i < IP_FRAG_MAX_QUEUES; i++) {
			struct frag_queue *f = &frag_queues[i];

			if (f->used && f != q && (!old || f->expires < old->expires))
				old = f;
		}
		frag_limit_drops++;
		if (!old) {
			bad = true;
			break;
		}
		fq_release(old, &drop);
	}
	if (bad || q->nfrags >= IP_FRAG_MAX_FRAGS)
		goto kill;
	if (!ii->mf) {
		/* A second, different end is an inconsistency. */
		if ((q->total && q->total != end))
			goto kill;
		for (struct pkbuf *f = q->frags; f; f = f->next)
			if (f->cb[0] + f->cb[1] > end)
				goto kill;
		q->total = end;
	}
	if (q->total && end > q->total)
		goto kill;
	/* Find the place; check overlaps with the neighbours. */
	for (pp = &q->frags; *pp; pp = &(*pp)->next) {
		u32 o = (u32)(*pp)->cb[0], l = (u32)(*pp)->cb[1];

		if (o == off && l == plen) {
			/* Exact duplicate: ignore it. */
			spin_unlock_irqrestore(&frag_lock, flags);
			pkb_free(p);
			pkb_free_list(drop);
			return NULL;
		}
		if (off < o + l && o < end) {
			frag_overlaps++;
			goto kill;
		}
		if (o > off)
			break;
	}
	p->cb[0] = off;
	p->cb[1] = plen;
	p->next = *pp;
	*pp = p;
	p = NULL;
	q->nfrags++;
	q->have += plen;
	q->mem += (*pp)->size;
	frag_mem += (*pp)->size;
	if (q->total && q->have == q->total) {
		/* Complete (no overlaps, so the sum proves full coverage). */
		struct pkbuf *first = q->frags;
		const u8 *h = first->data;
		u32 hlen = (u32)(h[0] & 15) * 4;

		/* The first fragment's options may push the whole past the
		 * 16-bit total length: no such datagram exists. */
		done = hlen + q->total <= 65535 ? pkb_alloc(hlen + q->total, NET_HEADROOM) : NULL;
		if (done) {
			u8 *d = pkb_put(done, hlen + q->total);

			memcpy(d, h, hlen);
			for (struct pkbuf *f = q->frags; f; f = f->next) {
				u32 fh = (u32)(f->data[0] & 15) * 4;

				memcpy(d + hlen + f->cb[0], f->data + fh, (u32)f->cb[1]);
			}
			put_be16(d + 2, (u16)(hlen + q->total));
			put_be16(d + 6, 0);
			put_be16(d + 10, 0);
			put_be16(d + 10, ip_compute_csum(d, hlen));
			done->dev = first->dev;
			done->flags = first->flags & PKB_F_L2_BCAST;
			frag_reassembled++;
		}
		fq_release(q, &drop);
	}
	spin_unlock_irqrestore(&frag_lock, flags);
	pkb_free_list(drop);
	return done;

kill:
	fq_release(q, &drop);
	spin_unlock_irqrestore(&frag_lock, flags);
	pkb_free(p);
	pkb_free_list(drop);
	return NULL;
}

void ip_frag_expire(u64 now)
{
	struct pkbuf *drop = NULL, *first[IP_FRAG_MAX_QUEUES];
	unsigned int nfirst = 0;
	unsigned long flags = spin_lock_irqsave(&frag_lock);

	for (unsigned int i = 0; i < IP_FRAG_MAX_QUEUES; i++) {
		struct frag_queue *q = &frag_queues[i];

		if (!q->used || now < q->expires)
			continue;
		frag_timeouts++;
		/* RFC 792: time exceeded in reassembly, only when the first
		 * fragment (with the transport header) is here. */
		if (q->frags && q->frags->cb[0] == 0) {
			first[nfirst++] = q->frags;
			q->mem -= q->frags->size;
			frag_mem -= q->frags->size;
			q->frags = q->frags->next;
			first[nfirst - 1]->next = NULL;
		}
		fq_release(q, &drop);
	}
	spin_unlock_irqrestore(&frag_lock, flags);
	pkb_free_list(drop);
	for (unsigned int i = 0; i < nfirst; i++) {
		icmp_send_error(first[i], ICMP_TIME_EXCEEDED, 1);
		pkb_free(first[i]);
	}
}

void ip_frag_get_stats(struct ip_frag_stats *st)
{
	unsigned long flags = spin_lock_irqsave(&frag_lock);

	st->queues = 0;
	for (unsigned int i = 0; i < IP_FRAG_MAX_QUEUES; i++)
		st->queues += frag_queues[i].used;
	st->bytes = frag_mem;
	st->reassembled = frag_reassembled;
	st->timeouts = frag_timeouts;
	st->overlaps = frag_overlaps;
	st->limit_drops = frag_limit_drops;
	spin_unlock_irqrestore(&frag_lock, flags);
}

/* ---------------------------------------------------------------- input */
static bool src_ok(u32 src, const struct netdev *dev, const struct net_iface *ifc)
{
	if (dev->features & NETIF_F_LOOPBACK)
		return true;
	if (!inet_addr_is_unicast(src)) {
		/* 0.0.0.0 is a host asking for an address (DHCP): no reply
		 * ever goes back to it, but nothing here answers it either. */
		return false;
	}
	if (ifc->addr && ifc->prefix_len < 31 &&
	    src == (ifc->addr | ~inet_prefix_mask(ifc->prefix_len)))
		return false;
	return true;
}

/* Is dst ours on dev: its address, a broadcast, or anything while dev is
 * unconfigured (a DHCP offer unicast to the address being offered). */
static bool dst_ok(u32 dst, u8 proto, const struct netdev *dev, const struct net_iface *ifc,
		   bool *bcast)
{
	*bcast = false;
	if (dev->features & NETIF_F_LOOPBACK)
		return ip_is_local(dst);
	if (dst == INADDR_BROADCAST ||
	    (ifc->addr && ifc->prefix_len < 31 &&
	     dst == (ifc->addr | ~inet_prefix_mask(ifc->prefix_len)))) {
		*bcast = true;
		return true;
	}
	if (!ifc->addr)
		return proto == IPPROTO_UDP && inet_addr_is_unicast(dst);
	return dst == ifc->addr;
}

void ip_input(struct netdev *dev, struct pkbuf *p)
{
	struct ipv4_info ii;
	struct ip_rxinfo ri;
	struct net_iface ifc;
	bool bcast;

	ip_stats.in_receives++;
	if (ipv4_parse(p->data, p->len, true, &ii)) {
		ip_stats.in_hdr_errors++;
		dev->stats.rx_errors++;
		pkb_free(p);
		return;
	}
	if (!net_iface_get(dev, &ifc) || !src_ok(ii.src, dev, &ifc) ||
	    !dst_ok(ii.dst, ii.proto, dev, &ifc, &bcast) || ii.opt_srcroute) {
		ip_stats.in_addr_errors++;
		pkb_free(p);
		return;
	}
	/* Ethernet pads short frames: the header's length is the truth. */
	pkb_trim(p, ii.tot_len);
	p->l3_off = (u16)(p->data - p->head);
	if (ii.mf || ii.frag_off) {
		/* The device's checksum verdict was about the fragment. */
		p->flags &= (u16)~(PKB_F_CSUM_VALID | PKB_F_CSUM_BLANK);
		p = ip_reassemble(p, &ii);
		if (!p)
			return;
		ip_stats.frag_reasm_ok++;
		if (ipv4_parse(p->data, p->len, true, &ii)) {
			ip_stats.in_hdr_errors++;
			pkb_free(p);
			return;
		}
		p->l3_off = (u16)(p->data - p->head);
	}
	if (bcast || (p->flags & PKB_F_L2_BCAST))
		bcast = true;
	ri.src = ii.src;
	ri.dst = ii.dst;
	ri.proto = ii.proto;
	ri.ttl = ii.ttl;
	ri.tos = ii.tos;
	ri.dev = dev;
	ri.bcast = bcast;
	pkb_pull(p, ii.hlen);
	p->l4_off = (u16)(p->data - p->head);
	ip_stats.in_delivers++;
	switch (ii.proto) {
	case IPPROTO_ICMP:
		icmp_input(p, &ri);
		break;
	case IPPROTO_UDP:
		udp_input(p, &ri);
		break;
	case IPPROTO_TCP:
		if (bcast) {
			pkb_free(p);
			break;
		}
		tcp_input(p, &ri);
		break;
	default:
		ip_stats.in_unknown_proto++;
		if (!bcast)
			icmp_send_error(p, ICMP_DEST_UNREACH, 2);
		pkb_free(p);
		break;
	}
}

/* ---------------------------------------------------------------- output */
static u16 ip_new_id(void)
{
	return __atomic_add_fetch(&ip_next_id, 1, __ATOMIC_RELAXED);
}

static int ip_fragment(struct netdev *dev, struct pkbuf *p, u32 nexthop, u32 src, u32 dst,
		       u8 proto, u8 tos)
{
	u32 total = p->len, maxp = ((u32)dev->mtu - IP_HLEN_MIN) & ~7U, off = 0;
	u16 id = ip_new_id();
	int rc = 0;

	if (dev->mtu < 68 || !maxp) {
		pkb_free(p);
		ip_stats.out_frag_fails++;
		return -EMSGSIZE;
	}
	/* A fragment cannot carry a partial checksum: finish it here. */
	if (p->flags & PKB_F_CSUM_PARTIAL)
		net_sw_csum(p);
	while (off < total) {
		u32 n = total - off > maxp ? maxp : total - off;
		bool last = off + n == total;
		struct pkbuf *f = pkb_alloc(n + IP_HLEN_MIN, NET_HEADROOM);
		int r;

		if (!f) {
			rc = -ENOMEM;
			break;
		}
		pkb_put(f, IP_HLEN_MIN);
		memcpy(pkb_put(f, n), p->data + off, n);
		ipv4_build(f->data, n + IP_HLEN_MIN, id,
			   (u16)((last ? 0 : IPV4_MF) | (off / 8)), IP_DEFAULT_TTL, proto, tos, src,
			   dst);
		f->dev = dev;
		ip_stats.out_frags_created++;
		r = eth_output_ip(dev, f, nexthop);
		if (r && !rc)
			rc = r;
		off += n;
	}
	pkb_free(p);
	return rc;
}

static int ip_output(struct netdev *dev, struct pkbuf *p, u32 nexthop, u32 src, u32 dst,
		     u8 proto, u8 tos)
{
	u8 *h;
	bool gso = p->gso_type != PKB_GSO_NONE;

	ip_stats.out_requests++;
	if (p->len + IP_HLEN_MIN > 65535) {
		pkb_free(p);
		return -EMSGSIZE;
	}
	if (p->len + IP_HLEN_MIN > dev->mtu && !gso)
		return ip_fragment(dev, p, nexthop, src, dst, proto, tos);
	if (pkb_headroom(p) < IP_HLEN_MIN + ETH_HLEN) {
		pkb_free(p);
		return -EINVAL;
	}
	h = pkb_push(p, IP_HLEN_MIN);
	/* TCP sets DF (path MTU discovery, RFC 1191); others may fragment. */
	ipv4_build(h, p->len, ip_new_id(), proto == IPPROTO_TCP ? IPV4_DF : 0, IP_DEFAULT_TTL,
		   proto, tos, src, dst);
	p->l3_off = (u16)(h - p->head);
	p->dev = dev;
	return eth_output_ip(dev, p, nexthop);
}

int ip_send_dev(struct pkbuf *p, struct netdev *dev, u32 src, u32 dst, u8 proto, u8 tos)
{
	return ip_output(dev, p, dst, src, dst, proto, tos);
}

int ip_send(struct pkbuf *p, u32 src, u32 dst, u8 proto, u8 tos)
{
	struct ip_route rt;
	int rc = ip_route_lookup(dst, &rt);

	if (rc) {
		ip_stats.out_no_routes++;
		pkb_free(p);
		return rc;
	}
	return ip_output(rt.dev, p, rt.nexthop, src ? src : rt.src, dst, proto, tos);
}
