/* Network devices: what a driver (the Xen network frontend, the loopback
 * device) registers, and what the stack calls.
 *
 * Contexts and locks:
 *  - netdev_rx() may be called from any context, event handlers included:
 *    it only queues the packet on the device's bounded input queue (a full
 *    queue drops and counts) and wakes the stack's receive thread, which
 *    runs the protocol input in thread context.
 *  - ops->xmit is called in thread context, possibly with stack locks held
 *    (socket, ARP): it never sleeps. A device that cannot take the packet now
 *    queues it in a bounded backlog or drops it; either way it owns it.
 *  - netdev_unregister() waits until the stack has stopped using the device
 *    (no xmit running or starting, input queue drained); the driver then
 *    frees its state. It must be called in thread context.
 * Lock order: stack locks (socket -> ARP/route) -> netdev_lock -> driver
 * locks. */
#ifndef NET_NETDEV_H
#define NET_NETDEV_H

#include <kernel/types.h>
#include <kernel/spinlock.h>
#include <net/pkbuf.h>

#define ETH_ALEN 6
#define ETH_HLEN 14
#define ETH_DATA_LEN 1500
#define NETDEV_NAME_LEN 16

/* features: what the device does for the stack */
#define NETIF_F_SG        (1U << 0) /* takes buffers longer than one page (multi-slot) */
#define NETIF_F_TX_CSUM   (1U << 1) /* completes PKB_F_CSUM_PARTIAL checksums */
#define NETIF_F_RX_CSUM   (1U << 2) /* may mark received packets PKB_F_CSUM_VALID */
#define NETIF_F_TSO4      (1U << 3) /* takes PKB_GSO_TCPV4 packets up to gso_max_size */
#define NETIF_F_LOOPBACK  (1U << 4) /* no Ethernet: packets are IPv4 datagrams */

struct netdev;

struct netdev_stats {
	u64 rx_packets, rx_bytes, rx_errors, rx_dropped;
	u64 tx_packets, tx_bytes, tx_errors, tx_dropped;
	u64 rx_csum_valid;      /* received marked validated by the peer */
	u64 tx_csum_offload;    /* sent with the checksum left to the peer */
	u64 tx_gso;             /* TSO super-packets sent */
};

struct netdev_ops {
	/* Send p (p->data at the Ethernet header, or the IPv4 header on a
	 * NETIF_F_LOOPBACK device). Takes ownership in every case. Returns 0,
	 * or -errno when it dropped the packet (-ENOBUFS: backlog full,
	 * -ENETDOWN: no carrier or device failed). */
	int (*xmit)(struct netdev *dev, struct pkbuf *p);
	/* Driver's lines for the `net` monitor command (optional). */
	void (*show)(struct netdev *dev);
};

struct netdev {
	char name[NETDEV_NAME_LEN];     /* "eth0", "lo" */
	u8 mac[ETH_ALEN];
	u16 mtu;                        /* L3 bytes per frame */
	u32 features;                   /* NETIF_F_* */
	u32 gso_max_size;               /* NETIF_F_TSO4: largest packet, headers included */
	u16 gso_max_segs;               /* NETIF_F_TSO4: most segments per packet */
	u16 max_frags;                  /* NETIF_F_SG: most page-pieces per packet */
	bool carrier;                   /* link up: netdev_set_carrier() */
	const struct netdev_ops *ops;
	void *priv;                     /* the driver's */
	/* Counted by the driver with interrupts off or under its own locks;
	 * read without locks for display. */
	struct netdev_stats stats;
	/* --- below: the stack's, drivers leave them alone --- */
	struct netdev *next;
	unsigned int ifindex;
	struct net_iface *iface;        /* IPv4 configuration and state */
	struct pkb_queue rxq;           /* guarded by rxq_lock (irqsave) */
	spinlock_t rxq_lock;
	u32 users;                      /* xmit calls in progress, under netdev_lock */
	bool dying;                     /* unregister started */
};

/* Register a device the driver filled (name may be empty: "ethN" is chosen).
 * The stack configures it from the command line or xenstore once carrier
 * comes up. Returns 0 or -errno. */
int netdev_register(struct netdev *dev);
/* Stop using dev and wait for stack users to finish; thread context. */
void netdev_unregister(struct netdev *dev);
/* Hand a received frame to the stack (any context). Takes ownership. */
void netdev_rx(struct netdev *dev, struct pkbuf *p);
/* Carrier on or off (any context). */
void netdev_set_carrier(struct netdev *dev, bool up);
/* Send through dev: software checksum when the device lacks
 * NETIF_F_TX_CSUM, software segmentation when it lacks NETIF_F_TSO4, then
 * ops->xmit. Takes ownership. Thread context. */
int netdev_xmit(struct netdev *dev, struct pkbuf *p);
/* Device by name, or NULL. The list is stable while the caller holds no
 * reference across a netdev_unregister() it could race with: monitor and
 * configuration code use it from thread context. */
struct netdev *netdev_by_name(const char *name);
/* Call fn for each registered device, under the device list lock (fn must
 * not sleep or register/unregister). */
void netdev_for_each(void (*fn)(struct netdev *dev, void *arg), void *arg);

#endif
