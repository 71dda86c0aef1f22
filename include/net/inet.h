/* IPv4 for the transports (UDP, TCP, ICMP) and for configuration.
 *
 * Addresses and ports are u32/u16 in host order everywhere in this API;
 * only wire headers hold network order. The stack's input runs on its
 * receive thread (see netdev.h); transports' entry points below are
 * called there, in thread context, with no stack lock held. */
#ifndef NET_INET_H
#define NET_INET_H

#include <kernel/types.h>
#include <net/pkbuf.h>
#include <net/netdev.h>

#define IPPROTO_ICMP 1
#define IPPROTO_TCP  6
#define IPPROTO_UDP  17

#define INADDR_ANY       0x00000000U
#define INADDR_BROADCAST 0xffffffffU
#define INADDR_LOOPBACK  0x7f000001U

#define IP_HLEN_MIN 20

/* Per-device IPv4 state (netdev->iface). */
struct net_iface {
	struct netdev *dev;
	u32 addr;               /* 0: unconfigured */
	u8 prefix_len;          /* 0..32 */
	u32 gateway;            /* 0: none through this interface */
	u32 dns;                /* from DHCP, informational */
	u8 config;              /* NET_CFG_* that set addr */
	bool up;
};

#define NET_CFG_NONE     0
#define NET_CFG_STATIC   1  /* ip= on the command line */
#define NET_CFG_XENSTORE 2  /* the vif's "ip" key */
#define NET_CFG_DHCP     3

/* Where a datagram to dst goes. */
struct ip_route {
	struct netdev *dev;
	u32 src;                /* the interface's address */
	u32 nexthop;            /* dst itself, or the gateway */
	u16 mtu;                /* L3 MTU of the device */
	u32 features;           /* the device's NETIF_F_* */
	u32 gso_max_size;
};

/* Route to dst; -ENETUNREACH when no configured interface reaches it. */
int ip_route_lookup(u32 dst, struct ip_route *rt);
/* True when addr is one of ours (or loopback). */
bool ip_is_local(u32 addr);

/* Send p, whose data is the L4 header + payload, as one IPv4 datagram from
 * src to dst (src 0: the route's). Pushes the IP header (needs
 * IP_HLEN_MIN of headroom beyond the link header: NET_HEADROOM suffices),
 * resolves the next hop (ARP; the packet waits in a bounded per-neighbour
 * queue), fragments when larger than the MTU unless p is PKB_GSO_TCPV4 and
 * the device does TSO. csum_start/csum_offset (PKB_F_CSUM_PARTIAL) are
 * offsets from head, so they survive the push. Takes ownership; returns 0
 * (sent or queued) or -errno (dropped). Thread context; never sleeps. */
int ip_send(struct pkbuf *p, u32 src, u32 dst, u8 proto, u8 tos);

/* What IPv4 input tells a transport about a datagram. p->data is at the
 * L4 header and p->len is the L4 length (header + payload). */
struct ip_rxinfo {
	u32 src, dst;
	u8 proto, ttl, tos;
	struct netdev *dev;
	bool bcast;             /* to a broadcast address */
};

/* Transport input, called by IPv4 input on the receive thread; each takes
 * ownership of p. Verifying the L4 checksum is the transport's job (skip it
 * when p has PKB_F_CSUM_VALID). */
void udp_input(struct pkbuf *p, const struct ip_rxinfo *ri);
void tcp_input(struct pkbuf *p, const struct ip_rxinfo *ri);
/* ICMP errors about a datagram we sent: type, code, the RFC 1191 next-hop
 * MTU (type 3 code 4, else 0), and the quoted header of our datagram (its
 * IPv4 header and at least 8 bytes of L4 header, bounds-checked by the
 * caller). */
void tcp_icmp_error(u8 type, u8 code, u16 mtu, const u8 *quoted, u32 quoted_len);
/* Send an ICMP error about the received datagram whose IPv4 header starts
 * at head + p->l3_off (rate-limited; never about ICMP errors, broadcasts or
 * fragments other than the first). p is not taken. */
void icmp_send_error(const struct pkbuf *p, u8 type, u8 code);

/* Configure iface by hand (ip= or monitor). prefix_len 0..32. */
int net_iface_set(struct netdev *dev, u32 addr, u8 prefix_len, u32 gateway, u8 how);
/* The vif's xenstore "ip" key (which xl writes from the vif's ip=), for
 * the network frontend to pass on: "a.b.c.d[/n] ..." (first address
 * taken, prefix 24 when not given; untrusted, validated here). Used when
 * carrier comes up and no ip= option names the device. 0 or -EINVAL,
 * -ENODEV. Thread context. */
int net_iface_config_hint(struct netdev *dev, const char *untrusted_ips);
/* Parse "a.b.c.d" into host order; 0 or -EINVAL. Pure: lib/inet_parse.c. */
int inet_parse_addr(const char *s, u32 *addr);
/* Format host-order addr as "a.b.c.d" into buf (at least 16 bytes). */
char *inet_format_addr(u32 addr, char *buf);

/* Stack start-up: the receive thread, loopback, services; called once the
 * scheduler runs, before drivers register devices. */
int net_init(void);

#endif
