/* Network devices: registration, the receive thread and the transmit path
 * (include/net/netdev.h).
 *
 * netdev_lock guards the device list and each device's users count and
 * dying flag. Each device's rxq_lock (irqsave: drivers call netdev_rx from
 * event handlers) guards its input queue. The receive thread takes a
 * device's packets in batches and runs protocol input without either lock. */
#include <net/netdev.h>
#include <net/checksum.h>
#include <kernel/sched.h>
#include <kernel/string.h>
#include <kernel/printk.h>
#include <kernel/errno.h>
#include <kernel/time.h>
#include "net.h"

#define NETDEV_RXQ_LIMIT 1024U
#define NETDEV_RX_BATCH 64U

static DEFINE_SPINLOCK(netdev_lock);
static struct netdev *netdev_list;
static unsigned int netdev_next_index = 1;
static unsigned int netdev_next_eth;

static DEFINE_WAITQUEUE(net_rx_wq);
static bool net_rx_pending;
static struct thread *net_rx_thread;

int netdev_register(struct netdev *dev)
{
	unsigned long flags;
	int rc;

	if (!dev->ops || !dev->ops->xmit)
		return -EINVAL;
	spin_lock_init(&dev->rxq_lock, "netdev_rxq");
	pkbq_init(&dev->rxq, NETDEV_RXQ_LIMIT);
	dev->users = 0;
	dev->dying = false;
	dev->iface = NULL;
	flags = spin_lock_irqsave(&netdev_lock);
	if (!dev->name[0]) {
		if (dev->features & NETIF_F_LOOPBACK)
			strlcpy(dev->name, "lo", sizeof(dev->name));
		else
			snprintf(dev->name, sizeof(dev->name), "eth%u", netdev_next_eth++);
	}
	dev->ifindex = netdev_next_index++;
	spin_unlock_irqrestore(&netdev_lock, flags);

	rc = net_iface_attach(dev);
	if (rc)
		return rc;
	flags = spin_lock_irqsave(&netdev_lock);
	dev->next = netdev_list;
	netdev_list = dev;
	spin_unlock_irqrestore(&netdev_lock, flags);
	pr_info("net: %s registered, mac %02x:%02x:%02x:%02x:%02x:%02x mtu %u\n", dev->name,
		dev->mac[0], dev->mac[1], dev->mac[2], dev->mac[3], dev->mac[4], dev->mac[5],
		dev->mtu);
	return 0;
}

void netdev_unregister(struct netdev *dev)
{
	unsigned long flags;
	struct netdev **pp;

	flags = spin_lock_irqsave(&netdev_lock);
	dev->dying = true;
	for (pp = &netdev_list; *pp; pp = &(*pp)->next) {
		if (*pp == dev) {
			*pp = dev->next;
			break;
		}
	}
	spin_unlock_irqrestore(&netdev_lock, flags);
	/* Users are short (one xmit, one input batch): poll. */
	for (;;) {
		flags = spin_lock_irqsave(&netdev_lock);
		bool busy = dev->users != 0;

		spin_unlock_irqrestore(&netdev_lock, flags);
		if (!busy)
			break;
		sleep_ns(NSEC_PER_MSEC);
	}
	net_iface_detach(dev);
	flags = spin_lock_irqsave(&dev->rxq_lock);
	pkbq_purge(&dev->rxq);
	spin_unlock_irqrestore(&dev->rxq_lock, flags);
	pr_info("net: %s unregistered\n", dev->name);
}

void netdev_rx(struct netdev *dev, struct pkbuf *p)
{
	unsigned long flags;
	bool ok;

	p->dev = dev;
	flags = spin_lock_irqsave(&dev->rxq_lock);
	ok = !dev->dying && pkbq_push(&dev->rxq, p);

	spin_unlock_irqrestore(&dev->rxq_lock, flags);
	if (!ok) {
		dev->stats.rx_dropped++;
		pkb_free(p);
		return;
	}
	__atomic_store_n(&net_rx_pending, true, __ATOMIC_SEQ_CST);
	wake_up(&net_rx_wq);
}

void netdev_set_carrier(struct netdev *dev, bool up)
{
	if (dev->carrier == up)
		return;
	dev->carrier = up;
	pr_info("net: %s carrier %s\n", dev->name, up ? "on" : "off");
	net_iface_carrier(dev, up);
}

/* Take a use of dev unless it is going away. */
static bool netdev_get(struct netdev *dev)
{
	unsigned long flags = spin_lock_irqsave(&netdev_lock);
	bool ok = !dev->dying;

	if (ok)
		dev->users++;
	spin_unlock_irqrestore(&netdev_lock, flags);
	return ok;
}

static void netdev_put(struct netdev *dev)
{
	unsigned long flags = spin_lock_irqsave(&netdev_lock);

	dev->users--;
	spin_unlock_irqrestore(&netdev_lock, flags);
}

void net_sw_csum(struct pkbuf *p)
{
	u8 *start = p->head + p->csum_start;
	u32 len = (u32)(p->data + p->len - start);
	u8 *field = start + p->csum_offset;
	u16 c;

	/* The field holds the pseudo-header sum, which the sum includes. */
	c = csum_fold(csum_partial(start, len, 0));
	/* UDP sends 0 as "no checksum": a computed 0 goes out as 0xffff.
	 * For TCP both encodings are the same value. */
	if (c == 0)
		c = 0xffff;
	field[0] = (u8)(c >> 8);
	field[1] = (u8)c;
	p->flags &= (u16)~PKB_F_CSUM_PARTIAL;
}

int netdev_xmit(struct netdev *dev, struct pkbuf *p)
{
	int rc;

	if (!netdev_get(dev)) {
		pkb_free(p);
		return -ENETDOWN;
	}
	p->dev = dev;
	if (p->gso_type != PKB_GSO_NONE && !(dev->features & NETIF_F_TSO4)) {
		rc = net_sw_gso(dev, p);
	} else {
		if ((p->flags & PKB_F_CSUM_PARTIAL) && !(dev->features & NETIF_F_TX_CSUM))
			net_sw_csum(p);
		rc = dev->ops->xmit(dev, p);
	}
	netdev_put(dev);
	return rc;
}

struct netdev *netdev_by_name(const char *name)
{
	unsigned long flags = spin_lock_irqsave(&netdev_lock);
	struct netdev *d;

	for (d = netdev_list; d; d = d->next)
		if (!strcmp(d->name, name))
			break;
	spin_unlock_irqrestore(&netdev_lock, flags);
	return d;
}

void netdev_for_each(void (*fn)(struct netdev *dev, void *arg), void *arg)
{
	unsigned long flags = spin_lock_irqsave(&netdev_lock);

	for (struct netdev *d = netdev_list; d; d = d->next)
		fn(d, arg);
	spin_unlock_irqrestore(&netdev_lock, flags);
}

/* One batch from the first device with input; false when none had any. */
static bool net_rx_one_batch(void)
{
	struct netdev *dev = NULL;
	struct pkbuf *batch = NULL, **tail = &batch;
	unsigned long flags;

	flags = spin_lock_irqsave(&netdev_lock);
	for (struct netdev *d = netdev_list; d; d = d->next) {
		if (d->rxq.len && !d->dying) {
			dev = d;
			dev->users++;
			break;
		}
	}
	spin_unlock_irqrestore(&netdev_lock, flags);
	if (!dev)
		return false;

	flags = spin_lock_irqsave(&dev->rxq_lock);
	for (unsigned int i = 0; i < NETDEV_RX_BATCH; i++) {
		struct pkbuf *p = pkbq_pop(&dev->rxq);

		if (!p)
			break;
		*tail = p;
		tail = &p->next;
	}
	spin_unlock_irqrestore(&dev->rxq_lock, flags);

	while (batch) {
		struct pkbuf *p = batch;

		batch = p->next;
		p->next = NULL;
		eth_input(dev, p);
	}
	netdev_put(dev);
	/* Round-robin: move dev to the list's end so that one busy device
	 * does not starve the others. */
	flags = spin_lock_irqsave(&netdev_lock);
	if (!dev->dying && dev->next) {
		struct netdev **pp = &netdev_list;

		while (*pp && *pp != dev)
			pp = &(*pp)->next;
		if (*pp) {
			*pp = dev->next;
			while (*pp)
				pp = &(*pp)->next;
			*pp = dev;
			dev->next = NULL;
		}
	}
	spin_unlock_irqrestore(&netdev_lock, flags);
	return true;
}

static int net_rx_main(void *arg)
{
	(void)arg;
	for (;;) {
		/* Clear before draining: a packet queued during the drain sets
		 * it again and the wait below returns at once. */
		__atomic_store_n(&net_rx_pending, false, __ATOMIC_SEQ_CST);
		while (net_rx_one_batch())
			cond_resched();
		wait_event(net_rx_wq, __atomic_load_n(&net_rx_pending, __ATOMIC_SEQ_CST));
	}
	return 0;
}

int netdev_start_rx_thread(void)
{
	if (net_rx_thread)
		return 0;
	net_rx_thread = thread_create("netrx", net_rx_main, NULL, CPU_ANY);
	if (!net_rx_thread)
		return -ENOMEM;
	thread_detach(net_rx_thread);
	return 0;
}
