/* The loopback device "lo" (127.0.0.1/8): packets sent to a local address
 * come back through the receive thread, so the whole stack runs without a
 * real device (the KTAP suite uses it). Packets are IPv4 datagrams
 * (NETIF_F_LOOPBACK); checksums are never computed for them, as they never
 * leave memory: a PKB_F_CSUM_PARTIAL packet arrives as PKB_F_CSUM_VALID. */
#include <net/netdev.h>
#include <net/inet.h>
#include <kernel/printk.h>
#include "net.h"

struct netdev *net_loopback_dev;

static int lo_xmit(struct netdev *dev, struct pkbuf *p)
{
	dev->stats.tx_packets++;
	dev->stats.tx_bytes += p->len;
	if (p->flags & PKB_F_CSUM_PARTIAL) {
		dev->stats.tx_csum_offload++;
		p->flags &= (u16)~PKB_F_CSUM_PARTIAL;
	}
	if (p->gso_type != PKB_GSO_NONE)
		dev->stats.tx_gso++;
	p->flags |= PKB_F_CSUM_VALID;
	p->flags &= (u16)~PKB_F_L2_BCAST;
	p->gso_type = PKB_GSO_NONE;
	p->gso_size = 0;
	dev->stats.rx_packets++;
	dev->stats.rx_bytes += p->len;
	netdev_rx(dev, p);
	return 0;
}

static const struct netdev_ops lo_ops = {
	.xmit = lo_xmit,
};

static struct netdev lo_dev = {
	.name = "lo",
	.mtu = 65535,
	.features = NETIF_F_LOOPBACK | NETIF_F_SG | NETIF_F_TX_CSUM | NETIF_F_RX_CSUM |
		    NETIF_F_TSO4,
	.gso_max_size = 65535,
	.gso_max_segs = 1024,
	.ops = &lo_ops,
};

int loopback_init(void)
{
	int rc = netdev_register(&lo_dev);

	if (rc) {
		pr_err("net: cannot register lo: %d\n", rc);
		return rc;
	}
	net_loopback_dev = &lo_dev;
	netdev_set_carrier(&lo_dev, true);
	return net_iface_set(&lo_dev, INADDR_LOOPBACK, 8, 0, NET_CFG_STATIC);
}
