/* Per-device IPv4 state, routing, and configuration (net/net.h,
 * include/net/inet.h): the ip= command-line option, the vif's xenstore
 * hint, DHCP.
 *
 * iface_lock (irqsave) guards the interface table and every field of each
 * net_iface. Readers copy what they need (net_iface_get) and drop the lock.
 * net_cfg_mutex serialises a configuration pass of the timer thread (which
 * may start DHCP or send a gratuitous ARP on a device) against the removal
 * of that device: net_iface_detach takes it before forgetting the device.
 *
 * Configuration happens when a device's carrier comes up: netdev_set_carrier
 * may run in an event handler, so it only marks the interface and wakes the
 * stack's timer thread, which applies, in order of precedence: an ip= value
 * naming the device (or, without a name, for eth0), the vif's xenstore
 * hint, nothing. */
#include <net/inet.h>
#include <net/net_parse.h>
#include <kernel/cmdline.h>
#include <kernel/mm.h>
#include <kernel/sched.h>
#include <kernel/string.h>
#include <kernel/printk.h>
#include <kernel/errno.h>
#include <kernel/spinlock.h>
#include "net.h"

#define NET_MAX_IFACES 8
#define NET_MAX_IPCFG 4

struct iface_priv {
	struct net_iface pub;
	bool cfg_pending;       /* carrier changed: the timer thread looks */
	bool applied;           /* configuration chosen since the last carrier on */
	bool have_hint;
	u32 hint_addr;
	u8 hint_prefix;
};

static DEFINE_SPINLOCK(iface_lock);
static struct iface_priv *ifaces[NET_MAX_IFACES];
static struct mutex net_cfg_mutex;

/* ip= values, parsed at boot (before any device exists). */
static struct inet_cfg ipcfg[NET_MAX_IPCFG];
static unsigned int nr_ipcfg;

static int ipcfg_set(const char *val)
{
	struct inet_cfg c;

	if (!val || inet_parse_ipcfg(val, &c))
		return -EINVAL;
	/* A later value for the same device replaces the earlier one. */
	for (unsigned int i = 0; i < nr_ipcfg; i++) {
		if (!strcmp(ipcfg[i].dev, c.dev)) {
			ipcfg[i] = c;
			return 0;
		}
	}
	if (nr_ipcfg >= NET_MAX_IPCFG)
		return -ENOSPC;
	ipcfg[nr_ipcfg++] = c;
	return 0;
}
CMDLINE_OPTION(ip, "ip", ipcfg_set,
	       "IPv4 configuration: [DEV:]A.B.C.D[/N][,gw=A.B.C.D] | [DEV:]dhcp | [DEV:]off");

/* Before any device or the timer thread (net_init). */
void net_iface_init(void)
{
	mutex_init(&net_cfg_mutex, "net_cfg");
}

static struct iface_priv *priv_of(struct netdev *dev)
{
	for (unsigned int i = 0; i < NET_MAX_IFACES; i++)
		if (ifaces[i] && ifaces[i]->pub.dev == dev)
			return ifaces[i];
	return NULL;
}

int net_iface_attach(struct netdev *dev)
{
	struct iface_priv *ip = kzalloc(sizeof(*ip));
	unsigned long flags;
	int rc = -ENOSPC;

	if (!ip)
		return -ENOMEM;
	ip->pub.dev = dev;
	flags = spin_lock_irqsave(&iface_lock);
	for (unsigned int i = 0; i < NET_MAX_IFACES; i++) {
		if (!ifaces[i]) {
			ifaces[i] = ip;
			dev->iface = &ip->pub;
			rc = 0;
			break;
		}
	}
	spin_unlock_irqrestore(&iface_lock, flags);
	if (rc)
		kfree(ip);
	return rc;
}

void net_iface_detach(struct netdev *dev)
{
	struct iface_priv *ip;
	unsigned long flags;

	mutex_lock(&net_cfg_mutex);
	flags = spin_lock_irqsave(&iface_lock);
	ip = priv_of(dev);
	for (unsigned int i = 0; i < NET_MAX_IFACES; i++)
		if (ifaces[i] == ip)
			ifaces[i] = NULL;
	dev->iface = NULL;
	spin_unlock_irqrestore(&iface_lock, flags);
	dhcp_stop(dev);
	arp_flush_dev(dev);
	mutex_unlock(&net_cfg_mutex);
	kfree(ip);
}

void net_iface_carrier(struct netdev *dev, bool up)
{
	unsigned long flags = spin_lock_irqsave(&iface_lock);
	struct iface_priv *ip = priv_of(dev);

	if (ip) {
		ip->pub.up = up;
		ip->cfg_pending = true;
		if (!up)
			ip->applied = false;
	}
	spin_unlock_irqrestore(&iface_lock, flags);
	net_timer_kick();
}

bool net_iface_get(struct netdev *dev, struct net_iface *out)
{
	unsigned long flags = spin_lock_irqsave(&iface_lock);
	struct iface_priv *ip = priv_of(dev);

	if (ip)
		*out = ip->pub;
	spin_unlock_irqrestore(&iface_lock, flags);
	return ip != NULL;
}

u32 net_iface_bcast(struct netdev *dev)
{
	struct net_iface ifc;

	if (!net_iface_get(dev, &ifc) || !ifc.addr || ifc.prefix_len >= 31)
		return 0;
	return ifc.addr | ~inet_prefix_mask(ifc.prefix_len);
}

int net_iface_set(struct netdev *dev, u32 addr, u8 prefix_len, u32 gateway, u8 how)
{
	unsigned long flags;
	struct iface_priv *ip;
	char a[16], g[16];

	if (prefix_len > 32)
		return -EINVAL;
	if (addr && !(dev->features & NETIF_F_LOOPBACK) && !inet_addr_is_unicast(addr))
		return -EINVAL;
	if (gateway && (!addr || ((gateway ^ addr) & inet_prefix_mask(prefix_len))))
		return -EINVAL;
	flags = spin_lock_irqsave(&iface_lock);
	ip = priv_of(dev);
	if (ip) {
		ip->pub.addr = addr;
		ip->pub.prefix_len = addr ? prefix_len : 0;
		ip->pub.gateway = gateway;
		ip->pub.config = addr ? how : NET_CFG_NONE;
	}
	spin_unlock_irqrestore(&iface_lock, flags);
	if (!ip)
		return -ENODEV;
	/* Old neighbours may be off the new subnet. */
	arp_flush_dev(dev);
	if (!addr) {
		pr_info("net: %s unconfigured\n", dev->name);
		return 0;
	}
	pr_info("net: %s %s/%u gw %s (%s)\n", dev->name, inet_format_addr(addr, a), prefix_len,
		gateway ? inet_format_addr(gateway, g) : "none",
		how == NET_CFG_STATIC ? "static" : how == NET_CFG_XENSTORE ? "xenstore" :
		how == NET_CFG_DHCP ? "dhcp" : "?");
	/* Gratuitous ARP: neighbours update stale entries for this address. */
	if (!(dev->features & NETIF_F_LOOPBACK) && dev->carrier)
		arp_send_request(dev, addr, addr);
	return 0;
}

int net_iface_config_hint(struct netdev *dev, const char *untrusted_ips)
{
	unsigned long flags;
	struct iface_priv *ip;
	u32 addr;
	u8 prefix;

	if (inet_parse_hint(untrusted_ips, &addr, &prefix))
		return -EINVAL;
	flags = spin_lock_irqsave(&iface_lock);
	ip = priv_of(dev);
	if (ip) {
		ip->have_hint = true;
		ip->hint_addr = addr;
		ip->hint_prefix = prefix;
		ip->cfg_pending = true;
	}
	spin_unlock_irqrestore(&iface_lock, flags);
	if (!ip)
		return -ENODEV;
	net_timer_kick();
	return 0;
}

/* The ip= value for dev, or NULL. A value without a device name is eth0's. */
static const struct inet_cfg *ipcfg_for(const struct netdev *dev)
{
	for (unsigned int i = 0; i < nr_ipcfg; i++)
		if (!strcmp(ipcfg[i].dev, dev->name))
			return &ipcfg[i];
	if (!strcmp(dev->name, "eth0"))
		for (unsigned int i = 0; i < nr_ipcfg; i++)
			if (!ipcfg[i].dev[0])
				return &ipcfg[i];
	return NULL;
}

/* Configure dev, whose carrier is up: had, a configuration was chosen
 * since the carrier last came up; hint, the toolstack's address
 * (haddr/hprefix); cur, how the address in use was set. */
static void iface_configure(struct netdev *dev, bool had, bool hint, u32 haddr, u8 hprefix,
			    u8 cur)
{
	const struct inet_cfg *c = ipcfg_for(dev);

	if (c) {
		if (had || c->off)
			return;
		if (c->dhcp)
			dhcp_start(dev);
		else
			net_iface_set(dev, c->addr, c->prefix, c->gw, NET_CFG_STATIC);
	} else if (hint && (cur == NET_CFG_NONE || cur == NET_CFG_XENSTORE)) {
		net_iface_set(dev, haddr, hprefix, 0, NET_CFG_XENSTORE);
	} else if (had && cur != NET_CFG_NONE) {
		/* Carrier came back: announce the address again. */
		struct net_iface ifc;

		if (net_iface_get(dev, &ifc) && ifc.addr)
			arp_send_request(dev, ifc.addr, ifc.addr);
	}
}

/* The timer thread: configure interfaces whose carrier came up. */
void net_iface_apply_pending(void)
{
	bool link_up = false;

	mutex_lock(&net_cfg_mutex);
	for (unsigned int i = 0; i < NET_MAX_IFACES; i++) {
		struct iface_priv *ip;
		struct netdev *dev = NULL;
		bool up = false, hint = false, had = false;
		u32 haddr = 0;
		u8 hprefix = 0, cur = 0;
		unsigned long flags = spin_lock_irqsave(&iface_lock);

		ip = ifaces[i];
		if (ip && ip->cfg_pending) {
			ip->cfg_pending = false;
			dev = ip->pub.dev;
			up = ip->pub.up;
			had = ip->applied;
			hint = ip->have_hint;
			haddr = ip->hint_addr;
			hprefix = ip->hint_prefix;
			cur = ip->pub.config;
			if (up)
				ip->applied = true;
		}
		spin_unlock_irqrestore(&iface_lock, flags);
		if (!dev || (dev->features & NETIF_F_LOOPBACK) || !up)
			continue;
		iface_configure(dev, had, hint, haddr, hprefix, cur);
		link_up |= !had;
	}
	mutex_unlock(&net_cfg_mutex);
	/* A carrier came (back) up (!had; not only a new hint): TCP
	 * restarts what was lost while it was down (after a resume, every
	 * frame sent since the suspend), now that the address is set
	 * again. Outside net_cfg_mutex: tcp_lock is not ordered after it. */
	if (link_up)
		tcp_link_up();
}

static bool is_loopback_addr(u32 a)
{
	return (a >> 24) == 127;
}

bool ip_is_local(u32 addr)
{
	bool local = is_loopback_addr(addr);
	unsigned long flags;

	if (local || !addr)
		return local;
	flags = spin_lock_irqsave(&iface_lock);
	for (unsigned int i = 0; i < NET_MAX_IFACES; i++)
		if (ifaces[i] && ifaces[i]->pub.addr == addr)
			local = true;
	spin_unlock_irqrestore(&iface_lock, flags);
	return local;
}

static void route_fill(struct ip_route *rt, struct netdev *dev, u32 src, u32 nexthop)
{
	rt->dev = dev;
	rt->src = src;
	rt->nexthop = nexthop;
	rt->mtu = dev->mtu;
	rt->features = dev->features;
	rt->gso_max_size = dev->gso_max_size;
}

int ip_route_lookup(u32 dst, struct ip_route *rt)
{
	struct iface_priv *best = NULL, *gw = NULL, *bc = NULL;
	unsigned long flags;
	int best_len = -1;

	if (!dst)
		return -ENETUNREACH;
	if (is_loopback_addr(dst) || ip_is_local(dst)) {
		if (!net_loopback_dev)
			return -ENETUNREACH;
		route_fill(rt, net_loopback_dev, is_loopback_addr(dst) ? INADDR_LOOPBACK : dst,
			   dst);
		return 0;
	}
	flags = spin_lock_irqsave(&iface_lock);
	for (unsigned int i = 0; i < NET_MAX_IFACES; i++) {
		struct iface_priv *ip = ifaces[i];
		u32 mask;

		if (!ip || !ip->pub.up || !ip->pub.addr ||
		    (ip->pub.dev->features & NETIF_F_LOOPBACK))
			continue;
		mask = inet_prefix_mask(ip->pub.prefix_len);
		if (!((dst ^ ip->pub.addr) & mask) && ip->pub.prefix_len > best_len) {
			best = ip;
			best_len = ip->pub.prefix_len;
		}
		if (!gw && ip->pub.gateway)
			gw = ip;
		if (!bc)
			bc = ip;
	}
	if (dst == INADDR_BROADCAST && bc)
		route_fill(rt, bc->pub.dev, bc->pub.addr, dst);
	else if (best)
		route_fill(rt, best->pub.dev, best->pub.addr, dst);
	else if (gw)
		route_fill(rt, gw->pub.dev, gw->pub.addr, gw->pub.gateway);
	spin_unlock_irqrestore(&iface_lock, flags);
	if (!best && !gw && !(dst == INADDR_BROADCAST && bc))
		return -ENETUNREACH;
	return 0;
}

void net_iface_show_all(void)
{
	struct iface_priv copy[NET_MAX_IFACES];
	bool used[NET_MAX_IFACES];
	unsigned long flags = spin_lock_irqsave(&iface_lock);

	for (unsigned int i = 0; i < NET_MAX_IFACES; i++) {
		used[i] = ifaces[i] != NULL;
		if (used[i])
			copy[i] = *ifaces[i];
	}
	spin_unlock_irqrestore(&iface_lock, flags);
	for (unsigned int i = 0; i < NET_MAX_IFACES; i++) {
		struct net_iface *f = &copy[i].pub;
		struct netdev *d = f->dev;
		char a[16], g[16];
		static const char *const how[] = { "none", "static", "xenstore", "dhcp" };

		if (!used[i])
			continue;
		kprintf("%s: mac %02x:%02x:%02x:%02x:%02x:%02x mtu %u carrier %s features%s%s%s%s\n",
			d->name, d->mac[0], d->mac[1], d->mac[2], d->mac[3], d->mac[4], d->mac[5],
			d->mtu, d->carrier ? "on" : "off",
			d->features & NETIF_F_SG ? " sg" : "",
			d->features & NETIF_F_TX_CSUM ? " tx-csum" : "",
			d->features & NETIF_F_RX_CSUM ? " rx-csum" : "",
			d->features & NETIF_F_TSO4 ? " tso4" : "");
		if (f->addr)
			kprintf("  inet %s/%u gw %s (%s)\n", inet_format_addr(f->addr, a),
				f->prefix_len, f->gateway ? inet_format_addr(f->gateway, g) : "none",
				how[f->config < 4 ? f->config : 0]);
		else
			kprintf("  inet unconfigured\n");
		kprintf("  rx %llu pkts %llu bytes, %llu errors %llu dropped, %llu csum-valid\n",
			(unsigned long long)d->stats.rx_packets, (unsigned long long)d->stats.rx_bytes,
			(unsigned long long)d->stats.rx_errors, (unsigned long long)d->stats.rx_dropped,
			(unsigned long long)d->stats.rx_csum_valid);
		kprintf("  tx %llu pkts %llu bytes, %llu errors %llu dropped, %llu csum-offload "
			"%llu gso\n",
			(unsigned long long)d->stats.tx_packets, (unsigned long long)d->stats.tx_bytes,
			(unsigned long long)d->stats.tx_errors, (unsigned long long)d->stats.tx_dropped,
			(unsigned long long)d->stats.tx_csum_offload,
			(unsigned long long)d->stats.tx_gso);
		if (f->config == NET_CFG_DHCP || !f->addr)
			dhcp_show(d);
		if (d->ops->show)
			d->ops->show(d);
	}
}
