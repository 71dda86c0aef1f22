/* Ethernet input and output (net/net.h). Input runs on the receive thread:
 * the header is parsed by lib/net_parse.c, frames not for us (another
 * unicast MAC) or of types other than IPv4 and ARP are dropped and
 * counted. */
#include <net/net_parse.h>
#include <net/byteorder.h>
#include <kernel/string.h>
#include <kernel/errno.h>
#include "net.h"

static const u8 eth_bcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

void eth_input(struct netdev *dev, struct pkbuf *p)
{
	struct eth_info e;

	if (dev->features & NETIF_F_LOOPBACK) {
		ip_input(dev, p);
		return;
	}
	if (eth_parse(p->data, p->len, &e)) {
		dev->stats.rx_errors++;
		pkb_free(p);
		return;
	}
	/* Unicast to another station (a bridge flooding): not ours. */
	if (!e.mcast && memcmp(e.dst, dev->mac, ETH_ALEN)) {
		dev->stats.rx_dropped++;
		pkb_free(p);
		return;
	}
	/* Our own frames echoed back by a bridge are not input. */
	if (!memcmp(e.src, dev->mac, ETH_ALEN)) {
		dev->stats.rx_dropped++;
		pkb_free(p);
		return;
	}
	if (e.mcast)
		p->flags |= PKB_F_L2_BCAST;
	pkb_pull(p, ETH_HLEN);
	switch (e.type) {
	case ETHERTYPE_IPV4:
		ip_input(dev, p);
		break;
	case ETHERTYPE_ARP:
		arp_input(dev, p);
		break;
	default:
		dev->stats.rx_dropped++;
		pkb_free(p);
		break;
	}
}

int eth_xmit(struct netdev *dev, struct pkbuf *p, const u8 *dst, u16 type)
{
	if (pkb_headroom(p) < ETH_HLEN) {
		/* Every stack allocation has NET_HEADROOM; a packet without it
		 * came from a bug: drop rather than panic. */
		dev->stats.tx_dropped++;
		pkb_free(p);
		return -EINVAL;
	}
	eth_build(pkb_push(p, ETH_HLEN), dst, dev->mac, type);
	return netdev_xmit(dev, p);
}

int eth_output_ip(struct netdev *dev, struct pkbuf *p, u32 nexthop)
{
	if (dev->features & NETIF_F_LOOPBACK)
		return netdev_xmit(dev, p);
	if (nexthop == INADDR_BROADCAST || (nexthop && nexthop == net_iface_bcast(dev)))
		return eth_xmit(dev, p, eth_bcast, ETHERTYPE_IPV4);
	return arp_resolve_send(dev, p, nexthop);
}
