/* Internal interfaces between the stack's files (net/).
 *
 * Locks (all spinlocks taken with interrupts saved; none is held while
 * sleeping). Each guards only its own file's state, and the stack never
 * holds two of them at once except in the order below:
 *   udp_lock (net/udp.c)      UDP port table, per-socket queues, refcounts
 *   icmp_lock (net/icmp.c)    ping slots, the error rate limiter
 *   dhcp_lock (net/dhcp.c)    the per-interface DHCP state
 *   iface_lock (net/iface.c)  interface table and each net_iface's fields
 *   arp_lock (net/arp.c)      neighbour cache and pending queues
 *   frag_lock (net/ipv4.c)    reassembly queues
 *   -> netdev_lock, rxq_lock (net/netdev.c) -> driver locks
 * In practice packets are handed to the device (netdev_xmit) with none of
 * the stack's locks held: each file collects what to send under its lock
 * and sends after unlocking. net_cfg_mutex (a sleeping mutex, iface.c)
 * serialises configuration passes against interface removal. */
#ifndef NET_NET_H
#define NET_NET_H

#include <net/netdev.h>
#include <net/inet.h>

/* Link-layer input on the receive thread (net/eth.c): p->data at the
 * Ethernet header (or the IPv4 header on a NETIF_F_LOOPBACK device). */
void eth_input(struct netdev *dev, struct pkbuf *p);
/* Send an IPv4 datagram (p->data at its header) to nexthop on dev: ARP
 * resolution (the packet waits in the neighbour's bounded queue) or
 * broadcast. Takes ownership. */
int eth_output_ip(struct netdev *dev, struct pkbuf *p, u32 nexthop);
/* Prepend an Ethernet header and send (net/eth.c). */
int eth_xmit(struct netdev *dev, struct pkbuf *p, const u8 *dst, u16 type);

/* IPv4 input (net/ipv4.c): p->data at the IPv4 header. */
void ip_input(struct netdev *dev, struct pkbuf *p);
/* ip_send with the device chosen by the caller (DHCP: broadcast from
 * 0.0.0.0 on one interface). */
int ip_send_dev(struct pkbuf *p, struct netdev *dev, u32 src, u32 dst, u8 proto, u8 tos);
/* Reassembly bookkeeping (ipv4.c): drop expired queues (now: clock_ns()). */
void ip_frag_expire(u64 now);
struct ip_frag_stats {
	u32 queues, bytes;              /* in use */
	u64 reassembled, timeouts, overlaps, limit_drops;
};
void ip_frag_get_stats(struct ip_frag_stats *st);
/* Limits (docs/net.md). */
#define IP_FRAG_MAX_QUEUES 16
/* Netfront hands every frame over in a page of its own: 2 MiB is 512
 * fragments, eleven 64 KiB datagrams at MTU 1500. 128 fragments a
 * datagram covers 64 KiB at MTU 576. */
#define IP_FRAG_MAX_BYTES (2U * 1024U * 1024U)
#define IP_FRAG_MAX_FRAGS 128
#define IP_FRAG_TIMEOUT_NS (30ULL * 1000000000ULL)
#define IP_DEFAULT_TTL 64

/* ARP (net/arp.c). */
#define ARP_CACHE_SIZE 64
#define ARP_PENDING_MAX 8               /* packets waiting per neighbour */
#define ARP_REACHABLE_NS (60ULL * 1000000000ULL)
#define ARP_RETRY_NS (1000ULL * 1000000ULL)
#define ARP_MAX_PROBES 3
void arp_input(struct netdev *dev, struct pkbuf *p);
/* Send p (data at the IPv4 header) to ip on dev once resolved. */
int arp_resolve_send(struct netdev *dev, struct pkbuf *p, u32 ip);
/* Insert or refresh an entry (also sends its waiting packets). */
void arp_update(struct netdev *dev, u32 ip, const u8 *mac, bool create);
/* Look up a resolved entry: true and mac filled. */
bool arp_lookup(struct netdev *dev, u32 ip, u8 *mac);
/* Retries and expiry at time now; forget dev's entries (dev NULL: all). */
void arp_age(u64 now);
void arp_flush_dev(struct netdev *dev);
unsigned int arp_count(void);
unsigned int arp_pending_count(struct netdev *dev, u32 ip);
void arp_send_request(struct netdev *dev, u32 target, u32 src);
void arp_show(void);

/* ICMP (net/icmp.c). */
void icmp_input(struct pkbuf *p, const struct ip_rxinfo *ri);
/* Send one echo request and wait for its reply: 0 and the round-trip time,
 * -ETIMEDOUT, -EHOSTUNREACH (an error came back), -EBUSY (all slots). */
int icmp_ping(u32 dst, u16 seq, u32 payload_len, u64 timeout_ns, u64 *rtt_ns);
struct icmp_stats {
	u64 in_echo, out_echo_reply, in_errors, out_errors, rate_limited, bad;
};
void icmp_get_stats(struct icmp_stats *st);
/* Tokens of the error rate limiter: ICMP_ERR_BURST, ICMP_ERR_PER_SEC. */
#define ICMP_ERR_BURST 20
#define ICMP_ERR_PER_SEC 10

/* UDP (net/udp.c). */
#define UDP_RX_QUEUE_PKTS 256
#define UDP_RX_QUEUE_BYTES (256U * 1024U)
#define UDP_MAX_PAYLOAD 65507U
struct udp_stats {
	u64 in, out, no_port, csum_errors, queue_drops, bad;
};
void udp_get_stats(struct udp_stats *st);

/* DHCP client (net/dhcp.c). */
int dhcp_start(struct netdev *dev);
void dhcp_stop(struct netdev *dev);
/* A datagram to port 68 on ri->dev (p->data at the UDP payload); true
 * when the client took it (it frees p in every case when true). */
bool dhcp_input(struct pkbuf *p, const struct ip_rxinfo *ri);
void dhcp_tick(u64 now);
void dhcp_show(struct netdev *dev);

/* Software checksum and segmentation (net/netdev.c, net/gso.c). */
int net_sw_gso(struct netdev *dev, struct pkbuf *p);
void net_sw_csum(struct pkbuf *p);

/* The stack's per-device state comes and goes with the device: attach on
 * register, detach (ARP entries, routes, queued packets) on unregister,
 * carrier changes (start DHCP...). net/iface.c. Thread context for attach
 * and detach; carrier may come from any context. */
int net_iface_attach(struct netdev *dev);
void net_iface_detach(struct netdev *dev);
void net_iface_carrier(struct netdev *dev, bool up);
/* Copy dev's configuration under iface_lock; false when it has none. */
bool net_iface_get(struct netdev *dev, struct net_iface *out);
/* The subnet broadcast of dev, or 0. */
u32 net_iface_bcast(struct netdev *dev);
void net_iface_show_all(void);
/* Set up iface.c's state; net_init, first. */
void net_iface_init(void);
/* The timer thread: configure interfaces whose carrier came up. */
void net_iface_apply_pending(void);
/* Wake the stack's timer thread (configuration to apply). */
void net_timer_kick(void);
/* The loopback device (net/loopback.c). */
int loopback_init(void);
extern struct netdev *net_loopback_dev;

/* Built-in services (net/services.c), from netsvc=; the self-test starts
 * the ones it tests with net_services_start_mask (each runs once). */
#define SVC_UDPECHO (1U << 0)
#define SVC_TCPECHO (1U << 1)
#define SVC_DISCARD (1U << 2)
#define SVC_CHARGEN (1U << 3)
#define SVC_HTTP    (1U << 4)
#define SVC_ALL     0x1fU
void net_services_start(void);
void net_services_start_mask(u32 mask);

/* TCP's lines for the `net` monitor command (the TCP helper's code). */
void tcp_show_connections(void);
/* An interface's carrier came back and its address is set: TCP restarts
 * what the outage held up (tcp_stack_link_up). Thread context. */
void tcp_link_up(void);

/* Start the receive thread (net_init, once). */
int netdev_start_rx_thread(void);

/* Counters for `net` and the status server. */
struct ip_stats {
	u64 in_receives, in_hdr_errors, in_addr_errors, in_delivers, in_unknown_proto;
	u64 out_requests, out_no_routes, out_frags_created, out_frag_fails;
	u64 frag_reasm_ok;
};
extern struct ip_stats ip_stats;

#endif
