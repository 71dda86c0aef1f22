/* ARP (RFC 826): a bounded neighbour cache with timeouts, and a bounded
 * queue of packets per unresolved neighbour.
 *
 * arp_lock guards the whole table. Entries are INCOMPLETE (a request is
 * out; packets wait, at most ARP_PENDING_MAX of them, older ones kept) or
 * REACHABLE (resolved; forgotten ARP_REACHABLE_NS after the last
 * confirmation, so a moved address is re-learnt). An INCOMPLETE entry is
 * retried every ARP_RETRY_NS, ARP_MAX_PROBES times, then dropped with its
 * packets. A full table evicts the REACHABLE entry closest to expiry, then
 * the oldest INCOMPLETE one. Packets are sent after arp_lock is released.
 *
 * What a neighbour tells us is untrusted: only senders on the subnet of
 * the receiving interface are learnt, never our own address (a conflict
 * is logged), and a new entry is created only when the packet is a request
 * for us or a reply to a request of ours (RFC 826's merge rule otherwise
 * only refreshes existing entries). */
#include <net/net_parse.h>
#include <net/byteorder.h>
#include <kernel/string.h>
#include <kernel/printk.h>
#include <kernel/errno.h>
#include <kernel/time.h>
#include <kernel/spinlock.h>
#include "net.h"

enum { ARP_FREE, ARP_INCOMPLETE, ARP_REACHABLE };

struct arp_entry {
	u8 state;
	u8 probes;
	struct netdev *dev;
	u32 ip;
	u8 mac[ETH_ALEN];
	u64 expires;            /* REACHABLE: forget; INCOMPLETE: next probe */
	u64 created;
	struct pkb_queue pending;
};

static DEFINE_SPINLOCK(arp_lock);
static struct arp_entry arp_table[ARP_CACHE_SIZE];
static u64 arp_evictions, arp_failed, arp_pending_drops;

static const u8 zero_mac[ETH_ALEN];
static const u8 bcast_mac[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static struct arp_entry *arp_find(struct netdev *dev, u32 ip)
{
	for (unsigned int i = 0; i < ARP_CACHE_SIZE; i++) {
		struct arp_entry *e = &arp_table[i];

		if (e->state != ARP_FREE && e->dev == dev && e->ip == ip)
			return e;
	}
	return NULL;
}

/* A free slot, evicting one when full; its old pending packets go onto
 * *drop for the caller to free after unlocking. */
static struct arp_entry *arp_alloc(struct pkbuf **drop)
{
	struct arp_entry *victim = NULL;

	for (unsigned int i = 0; i < ARP_CACHE_SIZE; i++) {
		struct arp_entry *e = &arp_table[i];

		if (e->state == ARP_FREE)
			return e;
		if (!victim || (e->state == ARP_REACHABLE && victim->state != ARP_REACHABLE) ||
		    (e->state == victim->state &&
		     (e->state == ARP_REACHABLE ? e->expires < victim->expires
						: e->created < victim->created)))
			victim = e;
	}
	arp_evictions++;
	while (victim->pending.len) {
		struct pkbuf *p = pkbq_pop(&victim->pending);

		p->next = *drop;
		*drop = p;
	}
	victim->state = ARP_FREE;
	return victim;
}

void arp_send_request(struct netdev *dev, u32 target, u32 src)
{
	struct pkbuf *p = pkb_alloc(ARP_LEN, NET_HEADROOM);

	if (!p)
		return;
	arp_build(pkb_put(p, ARP_LEN), ARP_OP_REQUEST, dev->mac, src, zero_mac, target);
	eth_xmit(dev, p, bcast_mac, ETHERTYPE_ARP);
}

static void arp_send_reply(struct netdev *dev, const struct arp_info *req, u32 our_ip)
{
	struct pkbuf *p = pkb_alloc(ARP_LEN, NET_HEADROOM);

	if (!p)
		return;
	arp_build(pkb_put(p, ARP_LEN), ARP_OP_REPLY, dev->mac, our_ip, req->sha, req->spa);
	eth_xmit(dev, p, req->sha, ETHERTYPE_ARP);
}

/* Send a list of IPv4 packets to mac (outside arp_lock). */
static void arp_flush_list(struct netdev *dev, struct pkbuf *list, const u8 *mac)
{
	while (list) {
		struct pkbuf *p = list;

		list = p->next;
		p->next = NULL;
		eth_xmit(dev, p, mac, ETHERTYPE_IPV4);
	}
}

void arp_update(struct netdev *dev, u32 ip, const u8 *mac, bool create)
{
	struct pkbuf *send = NULL, **tail = &send, *drop = NULL;
	unsigned long flags = spin_lock_irqsave(&arp_lock);
	struct arp_entry *e = arp_find(dev, ip);
	u8 m[ETH_ALEN];

	memcpy(m, mac, ETH_ALEN);
	if (!e && create) {
		e = arp_alloc(&drop);
		e->dev = dev;
		e->ip = ip;
		e->created = clock_ns();
		pkbq_init(&e->pending, ARP_PENDING_MAX);
	}
	if (e) {
		if (e->state == ARP_REACHABLE && memcmp(e->mac, m, ETH_ALEN)) {
			char a[16];

			pr_info("net: %s: %s moved to another MAC\n", dev->name,
				inet_format_addr(ip, a));
		}
		e->state = ARP_REACHABLE;
		memcpy(e->mac, m, ETH_ALEN);
		e->expires = clock_ns() + ARP_REACHABLE_NS;
		e->probes = 0;
		while (e->pending.len) {
			struct pkbuf *p = pkbq_pop(&e->pending);

			*tail = p;
			tail = &p->next;
		}
	}
	spin_unlock_irqrestore(&arp_lock, flags);
	pkb_free_list(drop);
	arp_flush_list(dev, send, m);
}

bool arp_lookup(struct netdev *dev, u32 ip, u8 *mac)
{
	unsigned long flags = spin_lock_irqsave(&arp_lock);
	struct arp_entry *e = arp_find(dev, ip);
	bool ok = e && e->state == ARP_REACHABLE;

	if (ok)
		memcpy(mac, e->mac, ETH_ALEN);
	spin_unlock_irqrestore(&arp_lock, flags);
	return ok;
}

int arp_resolve_send(struct netdev *dev, struct pkbuf *p, u32 ip)
{
	struct net_iface ifc;
	struct pkbuf *drop = NULL;
	unsigned long flags;
	struct arp_entry *e;
	u8 mac[ETH_ALEN];
	bool probe = false, queued;

	if (!net_iface_get(dev, &ifc) || !ifc.addr) {
		pkb_free(p);
		return -ENETUNREACH;
	}
	flags = spin_lock_irqsave(&arp_lock);
	e = arp_find(dev, ip);
	if (e && e->state == ARP_REACHABLE) {
		memcpy(mac, e->mac, ETH_ALEN);
		spin_unlock_irqrestore(&arp_lock, flags);
		return eth_xmit(dev, p, mac, ETHERTYPE_IPV4);
	}
	if (!e) {
		e = arp_alloc(&drop);
		e->state = ARP_INCOMPLETE;
		e->dev = dev;
		e->ip = ip;
		e->probes = 1;
		e->created = clock_ns();
		e->expires = e->created + ARP_RETRY_NS;
		pkbq_init(&e->pending, ARP_PENDING_MAX);
		probe = true;
	}
	queued = pkbq_push(&e->pending, p);
	if (!queued)
		arp_pending_drops++;
	spin_unlock_irqrestore(&arp_lock, flags);
	pkb_free_list(drop);
	if (!queued)
		pkb_free(p);
	if (probe)
		arp_send_request(dev, ip, ifc.addr);
	return queued ? 0 : -ENOBUFS;
}

void arp_input(struct netdev *dev, struct pkbuf *p)
{
	struct net_iface ifc;
	struct arp_info a;
	u32 mask;
	bool for_us;

	if (arp_parse(p->data, p->len, &a) || !net_iface_get(dev, &ifc) || !ifc.addr) {
		pkb_free(p);
		return;
	}
	pkb_free(p);
	mask = inet_prefix_mask(ifc.prefix_len);
	if (a.spa == ifc.addr) {
		if (memcmp(a.sha, dev->mac, ETH_ALEN))
			pr_warn("net: %s: address conflict: %02x:%02x:%02x:%02x:%02x:%02x "
				"claims our address\n",
				dev->name, a.sha[0], a.sha[1], a.sha[2], a.sha[3], a.sha[4],
				a.sha[5]);
		return;
	}
	/* Learn only unicast senders on our subnet. */
	if (!inet_addr_is_unicast(a.spa) || ((a.spa ^ ifc.addr) & mask) ||
	    a.spa == (ifc.addr | ~mask))
		return;
	for_us = a.tpa == ifc.addr;
	arp_update(dev, a.spa, a.sha, for_us);
	if (for_us && a.op == ARP_OP_REQUEST)
		arp_send_reply(dev, &a, ifc.addr);
}

void arp_age(u64 now)
{
	struct pkbuf *drop = NULL;
	struct { struct netdev *dev; u32 ip; } probes[ARP_CACHE_SIZE];
	unsigned int nprobe = 0;
	unsigned long flags = spin_lock_irqsave(&arp_lock);

	for (unsigned int i = 0; i < ARP_CACHE_SIZE; i++) {
		struct arp_entry *e = &arp_table[i];

		if (e->state == ARP_FREE || now < e->expires)
			continue;
		if (e->state == ARP_INCOMPLETE && e->probes < ARP_MAX_PROBES) {
			e->probes++;
			e->expires = now + ARP_RETRY_NS;
			probes[nprobe].dev = e->dev;
			probes[nprobe].ip = e->ip;
			nprobe++;
			continue;
		}
		if (e->state == ARP_INCOMPLETE)
			arp_failed++;
		while (e->pending.len) {
			struct pkbuf *p = pkbq_pop(&e->pending);

			p->next = drop;
			drop = p;
		}
		e->state = ARP_FREE;
	}
	spin_unlock_irqrestore(&arp_lock, flags);
	pkb_free_list(drop);
	for (unsigned int i = 0; i < nprobe; i++) {
		struct net_iface ifc;

		if (net_iface_get(probes[i].dev, &ifc) && ifc.addr)
			arp_send_request(probes[i].dev, probes[i].ip, ifc.addr);
	}
}

void arp_flush_dev(struct netdev *dev)
{
	struct pkbuf *drop = NULL;
	unsigned long flags = spin_lock_irqsave(&arp_lock);

	for (unsigned int i = 0; i < ARP_CACHE_SIZE; i++) {
		struct arp_entry *e = &arp_table[i];

		if (e->state == ARP_FREE || (dev && e->dev != dev))
			continue;
		while (e->pending.len) {
			struct pkbuf *p = pkbq_pop(&e->pending);

			p->next = drop;
			drop = p;
		}
		e->state = ARP_FREE;
	}
	spin_unlock_irqrestore(&arp_lock, flags);
	pkb_free_list(drop);
}

unsigned int arp_count(void)
{
	unsigned int n = 0;
	unsigned long flags = spin_lock_irqsave(&arp_lock);

	for (unsigned int i = 0; i < ARP_CACHE_SIZE; i++)
		n += arp_table[i].state != ARP_FREE;
	spin_unlock_irqrestore(&arp_lock, flags);
	return n;
}

unsigned int arp_pending_count(struct netdev *dev, u32 ip)
{
	unsigned long flags = spin_lock_irqsave(&arp_lock);
	struct arp_entry *e = arp_find(dev, ip);
	unsigned int n = e ? e->pending.len : 0;

	spin_unlock_irqrestore(&arp_lock, flags);
	return n;
}

void arp_show(void)
{
	struct arp_entry copy[ARP_CACHE_SIZE];
	u64 now = clock_ns(), ev, fail, pdrop;
	unsigned long flags = spin_lock_irqsave(&arp_lock);

	memcpy(copy, arp_table, sizeof(copy));
	ev = arp_evictions;
	fail = arp_failed;
	pdrop = arp_pending_drops;
	spin_unlock_irqrestore(&arp_lock, flags);
	kprintf("arp cache (max %u): evictions %llu, failed %llu, queue drops %llu\n",
		ARP_CACHE_SIZE, (unsigned long long)ev, (unsigned long long)fail,
		(unsigned long long)pdrop);
	for (unsigned int i = 0; i < ARP_CACHE_SIZE; i++) {
		struct arp_entry *e = &copy[i];
		char a[16];

		if (e->state == ARP_FREE)
			continue;
		/* The device pointer is only printed by name if still ours:
		 * entries of a removed device were flushed before it went. */
		if (e->state == ARP_REACHABLE)
			kprintf("  %-15s %02x:%02x:%02x:%02x:%02x:%02x %-5s %llus\n",
				inet_format_addr(e->ip, a), e->mac[0], e->mac[1], e->mac[2],
				e->mac[3], e->mac[4], e->mac[5], e->dev->name,
				(unsigned long long)(e->expires > now ?
						     (e->expires - now) / 1000000000ULL : 0));
		else
			kprintf("  %-15s (incomplete, %u queued) %s\n", inet_format_addr(e->ip, a),
				e->pending.len, e->dev->name);
	}
}
