/* Stack start-up (include/net/inet.h). */
#include <net/inet.h>
#include <kernel/printk.h>
#include "net.h"

int net_init(void)
{
	int rc = netdev_start_rx_thread();

	if (rc)
		pr_err("net: cannot start the receive thread: %d\n", rc);
	return rc;
}
