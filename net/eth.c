/* Ethernet input (net/net.h). */
#include <net/netdev.h>
#include "net.h"

void eth_input(struct netdev *dev, struct pkbuf *p)
{
	dev->stats.rx_dropped++;
	pkb_free(p);
}
