/* DHCP client (RFC 2131), one per interface configured with ip=dhcp.
 *
 * States: SELECTING (DISCOVER sent, waiting for an OFFER), REQUESTING
 * (REQUEST for the offer sent, waiting for ACK or NAK), BOUND (address
 * set; renew at T1), RENEWING (REQUEST unicast to the server), REBINDING
 * (REQUEST broadcast after T2); at lease end the address is removed and
 * the client starts over. Retransmissions back off 2, 4, 8, 16, 32, 64 s
 * (RFC 2131 4.1 suggests 4 s doubling to 64 s; we start lower to boot
 * faster); after DHCP_MAX_TRIES requests the client returns to SELECTING.
 *
 * Replies are untrusted: the parser (lib/net_parse.c) walks the options
 * with bounds; here the reply must match our transaction id and MAC, be a
 * BOOTREPLY of the expected type, offer a unicast address with a
 * contiguous mask, a router inside the subnet (else ignored), and a lease
 * clamped to [DHCP_LEASE_MIN, DHCP_LEASE_MAX]. An ACK from another server
 * than the one we requested from is ignored.
 *
 * dhcp_lock guards the client table; packets are built under it and sent
 * after unlocking. The timer thread calls dhcp_tick; input comes on the
 * receive thread. */
#include <net/net_parse.h>
#include <net/byteorder.h>
#include <net/checksum.h>
#include <kernel/string.h>
#include <kernel/printk.h>
#include <kernel/errno.h>
#include <kernel/time.h>
#include <kernel/spinlock.h>
#include "net.h"

#define DHCP_CLIENTS 4
#define DHCP_MAX_TRIES 4
#define DHCP_BACKOFF_MIN_NS (2ULL * NSEC_PER_SEC)
#define DHCP_BACKOFF_MAX_NS (64ULL * NSEC_PER_SEC)
#define DHCP_LEASE_MIN 60U
#define DHCP_LEASE_MAX (365U * 24 * 3600)

enum { DHCP_OFF, DHCP_SELECTING, DHCP_REQUESTING, DHCP_BOUND, DHCP_RENEWING, DHCP_REBINDING };
static const char *const dhcp_state_names[] = { "off", "selecting", "requesting", "bound",
						 "renewing", "rebinding" };

struct dhcp_client {
	struct netdev *dev;
	u8 state;
	u8 tries;
	u32 xid;
	u64 next_ns;            /* next retransmission or timer */
	u64 backoff_ns;
	u64 start_ns;           /* of this exchange (the secs field) */
	u32 offer_addr, server;
	u32 addr, mask, router, dns;
	u64 t1_ns, t2_ns, expire_ns;
	u64 acks, naks, bad;
};

static DEFINE_SPINLOCK(dhcp_lock);
static struct dhcp_client dhcp_clients[DHCP_CLIENTS];
static u32 dhcp_xid_seed = 0x58d1c0de;

struct dhcp_tx {
	struct netdev *dev;
	u8 type;
	u32 xid, ciaddr, req, server, dst;
	u16 secs;
};

static struct dhcp_client *dhcp_find(struct netdev *dev)
{
	for (unsigned int i = 0; i < DHCP_CLIENTS; i++)
		if (dhcp_clients[i].state != DHCP_OFF && dhcp_clients[i].dev == dev)
			return &dhcp_clients[i];
	return NULL;
}

static u32 dhcp_new_xid(struct netdev *dev)
{
	/* Unpredictable enough for a LAN (xid only pairs replies). */
	dhcp_xid_seed = dhcp_xid_seed * 1103515245U + 12345U + (u32)clock_ns();
	return dhcp_xid_seed ^ ((u32)dev->mac[5] << 24 | (u32)dev->mac[4] << 16);
}

/* Schedule a (re)transmission of c's current message; under dhcp_lock. */
static void dhcp_prepare(struct dhcp_client *c, u64 now, struct dhcp_tx *tx)
{
	tx->dev = c->dev;
	tx->xid = c->xid;
	tx->ciaddr = 0;
	tx->req = 0;
	tx->server = 0;
	tx->dst = INADDR_BROADCAST;
	tx->secs = (u16)((now - c->start_ns) / NSEC_PER_SEC);
	switch (c->state) {
	case DHCP_SELECTING:
		tx->type = DHCPDISCOVER;
		break;
	case DHCP_REQUESTING:
		tx->type = DHCPREQUEST;
		tx->req = c->offer_addr;
		tx->server = c->server;
		break;
	case DHCP_RENEWING:
		tx->type = DHCPREQUEST;
		tx->ciaddr = c->addr;
		tx->dst = c->server;
		break;
	case DHCP_REBINDING:
		tx->type = DHCPREQUEST;
		tx->ciaddr = c->addr;
		break;
	default:
		tx->type = 0;
		return;
	}
	c->tries++;
	c->next_ns = now + c->backoff_ns;
	if (c->backoff_ns < DHCP_BACKOFF_MAX_NS)
		c->backoff_ns *= 2;
}

static void dhcp_send(const struct dhcp_tx *tx)
{
	struct pkbuf *p;
	u8 *u;
	int len;

	if (!tx->type)
		return;
	p = pkb_alloc(UDP_HLEN + DHCP_BUILD_MAX, NET_HEADROOM);
	if (!p)
		return;
	u = pkb_put(p, UDP_HLEN + DHCP_BUILD_MAX);
	len = dhcp_build(u + UDP_HLEN, DHCP_BUILD_MAX, tx->type, tx->xid, tx->dev->mac,
			 tx->ciaddr, tx->req, tx->server, tx->secs);
	if (len < 0) {
		pkb_free(p);
		return;
	}
	pkb_trim(p, UDP_HLEN + (u32)len);
	put_be16(u, DHCP_CLIENT_PORT);
	put_be16(u + 2, DHCP_SERVER_PORT);
	put_be16(u + 4, (u16)(UDP_HLEN + len));
	put_be16(u + 6, 0);
	{
		u16 c = csum_fold(csum_partial(u, UDP_HLEN + (u32)len,
					       csum_tcpudp_pseudo(tx->ciaddr, tx->dst, IPPROTO_UDP,
								  (u16)(UDP_HLEN + len))));

		put_be16(u + 6, c ? c : 0xffff);
	}
	if (tx->dst == INADDR_BROADCAST)
		ip_send_dev(p, tx->dev, tx->ciaddr, tx->dst, IPPROTO_UDP, 0);
	else
		ip_send(p, tx->ciaddr, tx->dst, IPPROTO_UDP, 0);
}

static void dhcp_restart(struct dhcp_client *c, u64 now)
{
	c->state = DHCP_SELECTING;
	c->tries = 0;
	c->xid = dhcp_new_xid(c->dev);
	c->backoff_ns = DHCP_BACKOFF_MIN_NS;
	c->start_ns = now;
	c->next_ns = now;
}

int dhcp_start(struct netdev *dev)
{
	unsigned long flags = spin_lock_irqsave(&dhcp_lock);
	struct dhcp_client *c = dhcp_find(dev);
	int rc = 0;

	if (!c) {
		for (unsigned int i = 0; i < DHCP_CLIENTS; i++) {
			if (dhcp_clients[i].state == DHCP_OFF) {
				c = &dhcp_clients[i];
				memset(c, 0, sizeof(*c));
				c->dev = dev;
				dhcp_restart(c, clock_ns());
				break;
			}
		}
		if (!c)
			rc = -ENOSPC;
	}
	spin_unlock_irqrestore(&dhcp_lock, flags);
	if (!rc) {
		pr_info("net: %s: DHCP started\n", dev->name);
		net_timer_kick();
	}
	return rc;
}

void dhcp_stop(struct netdev *dev)
{
	unsigned long flags = spin_lock_irqsave(&dhcp_lock);
	struct dhcp_client *c = dhcp_find(dev);

	if (c)
		c->state = DHCP_OFF;
	spin_unlock_irqrestore(&dhcp_lock, flags);
}

void dhcp_tick(u64 now)
{
	struct dhcp_tx tx[DHCP_CLIENTS];
	struct netdev *unset[DHCP_CLIENTS];
	unsigned int ntx = 0, nunset = 0;
	unsigned long flags = spin_lock_irqsave(&dhcp_lock);

	for (unsigned int i = 0; i < DHCP_CLIENTS; i++) {
		struct dhcp_client *c = &dhcp_clients[i];

		if (c->state == DHCP_OFF)
			continue;
		if (!c->dev->carrier)
			continue;
		if (c->state >= DHCP_BOUND && now >= c->expire_ns) {
			pr_warn("net: %s: DHCP lease expired\n", c->dev->name);
			unset[nunset++] = c->dev;
			dhcp_restart(c, now);
		} else if (c->state == DHCP_BOUND && now >= c->t1_ns) {
			c->state = DHCP_RENEWING;
			c->tries = 0;
			c->xid = dhcp_new_xid(c->dev);
			c->backoff_ns = DHCP_BACKOFF_MIN_NS;
			c->start_ns = now;
			c->next_ns = now;
		} else if (c->state == DHCP_RENEWING && now >= c->t2_ns) {
			c->state = DHCP_REBINDING;
			c->tries = 0;
			c->next_ns = now;
		}
		if (c->state == DHCP_BOUND || now < c->next_ns)
			continue;
		if (c->tries >= DHCP_MAX_TRIES && c->state == DHCP_REQUESTING)
			dhcp_restart(c, now);
		if (c->tries >= DHCP_MAX_TRIES && c->state == DHCP_SELECTING) {
			/* Keep trying, at the longest interval. */
			c->tries = 0;
		}
		dhcp_prepare(c, now, &tx[ntx++]);
	}
	spin_unlock_irqrestore(&dhcp_lock, flags);
	for (unsigned int i = 0; i < nunset; i++)
		net_iface_set(unset[i], 0, 0, 0, NET_CFG_NONE);
	for (unsigned int i = 0; i < ntx; i++)
		dhcp_send(&tx[i]);
}

bool dhcp_input(struct pkbuf *p, const struct ip_rxinfo *ri)
{
	struct dhcp_info di;
	struct dhcp_client *c;
	struct dhcp_tx tx = { 0 };
	unsigned long flags;
	bool set = false, naked = false;
	u32 addr = 0, gw = 0;
	u8 prefix = 0;
	u64 now = clock_ns();

	flags = spin_lock_irqsave(&dhcp_lock);
	c = dhcp_find(ri->dev);
	if (!c) {
		spin_unlock_irqrestore(&dhcp_lock, flags);
		return false;   /* a socket on port 68 may want it */
	}
	if (dhcp_parse(p->data, p->len, &di) || di.op != 2 || di.xid != c->xid ||
	    memcmp(di.chaddr, ri->dev->mac, ETH_ALEN)) {
		c->bad++;
		goto out;
	}
	if (di.msg_type == DHCPOFFER && c->state == DHCP_SELECTING) {
		if (!inet_addr_is_unicast(di.yiaddr) || !di.server_id ||
		    !inet_addr_is_unicast(di.server_id)) {
			c->bad++;
			goto out;
		}
		c->offer_addr = di.yiaddr;
		c->server = di.server_id;
		c->state = DHCP_REQUESTING;
		c->tries = 0;
		c->backoff_ns = DHCP_BACKOFF_MIN_NS;
		dhcp_prepare(c, now, &tx);
	} else if (di.msg_type == DHCPACK &&
		   (c->state == DHCP_REQUESTING || c->state == DHCP_RENEWING ||
		    c->state == DHCP_REBINDING)) {
		u32 lease = di.lease, mask;
		int pl;

		if (!inet_addr_is_unicast(di.yiaddr) ||
		    (c->state == DHCP_REQUESTING && di.yiaddr != c->offer_addr) ||
		    (c->state != DHCP_REQUESTING && di.yiaddr != c->addr) ||
		    (c->state == DHCP_REQUESTING && di.server_id && di.server_id != c->server)) {
			c->bad++;
			goto out;
		}
		mask = di.subnet_mask ? di.subnet_mask : 0xffffff00U;
		pl = inet_mask_prefix(mask);
		if (pl < 0 || pl > 30) {
			c->bad++;
			goto out;
		}
		if (lease < DHCP_LEASE_MIN)
			lease = DHCP_LEASE_MIN;
		if (lease > DHCP_LEASE_MAX)
			lease = DHCP_LEASE_MAX;
		c->addr = di.yiaddr;
		c->mask = mask;
		c->router = di.router && !((di.router ^ di.yiaddr) & mask) &&
					    di.router != di.yiaddr ?
				    di.router :
				    0;
		c->dns = di.dns;
		if (di.server_id && inet_addr_is_unicast(di.server_id))
			c->server = di.server_id;
		c->expire_ns = now + (u64)lease * NSEC_PER_SEC;
		c->t1_ns = now + (di.t1 && di.t1 < lease ? (u64)di.t1 : (u64)lease / 2) *
					 NSEC_PER_SEC;
		c->t2_ns = now + (di.t2 && di.t2 < lease ? (u64)di.t2 : (u64)lease * 7 / 8) *
					 NSEC_PER_SEC;
		c->state = DHCP_BOUND;
		c->acks++;
		set = true;
		addr = c->addr;
		prefix = (u8)pl;
		gw = c->router;
	} else if (di.msg_type == DHCPNAK && c->state != DHCP_SELECTING &&
		   c->state != DHCP_BOUND) {
		c->naks++;
		naked = c->state != DHCP_REQUESTING;
		pr_warn("net: %s: DHCP NAK, starting over\n", c->dev->name);
		dhcp_restart(c, now);
	} else {
		c->bad++;
	}
out:
	spin_unlock_irqrestore(&dhcp_lock, flags);
	pkb_free(p);
	if (naked)
		net_iface_set(ri->dev, 0, 0, 0, NET_CFG_NONE);
	if (set) {
		struct net_iface ifc;

		if (!net_iface_get(ri->dev, &ifc) || ifc.addr != addr ||
		    ifc.prefix_len != prefix || ifc.gateway != gw)
			net_iface_set(ri->dev, addr, prefix, gw, NET_CFG_DHCP);
	}
	dhcp_send(&tx);
	if (set)
		net_timer_kick();
	return true;
}

void dhcp_show(struct netdev *dev)
{
	struct dhcp_client c;
	unsigned long flags = spin_lock_irqsave(&dhcp_lock);
	struct dhcp_client *cp = dhcp_find(dev);
	u64 now = clock_ns();
	char s[16];

	if (cp)
		c = *cp;
	spin_unlock_irqrestore(&dhcp_lock, flags);
	if (!cp)
		return;
	kprintf("  dhcp %s server %s, lease left %llus, acks %llu naks %llu bad %llu\n",
		dhcp_state_names[c.state], c.server ? inet_format_addr(c.server, s) : "-",
		(unsigned long long)(c.state >= DHCP_BOUND && c.expire_ns > now ?
					     (c.expire_ns - now) / NSEC_PER_SEC :
					     0),
		(unsigned long long)c.acks, (unsigned long long)c.naks,
		(unsigned long long)c.bad);
}
