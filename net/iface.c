/* Per-device IPv4 state (net/net.h). */
#include <net/inet.h>
#include <kernel/mm.h>
#include <kernel/errno.h>
#include "net.h"

int net_iface_attach(struct netdev *dev)
{
	struct net_iface *ifp = kzalloc(sizeof(*ifp));

	if (!ifp)
		return -ENOMEM;
	ifp->dev = dev;
	dev->iface = ifp;
	return 0;
}

void net_iface_detach(struct netdev *dev)
{
	kfree(dev->iface);
	dev->iface = NULL;
}

void net_iface_carrier(struct netdev *dev, bool up)
{
	if (dev->iface)
		dev->iface->up = up;
}
