/* Software TCP segmentation (net/net.h). */
#include <net/netdev.h>
#include <kernel/errno.h>
#include "net.h"

int net_sw_gso(struct netdev *dev, struct pkbuf *p)
{
	dev->stats.tx_dropped++;
	pkb_free(p);
	return -EOPNOTSUPP;
}
