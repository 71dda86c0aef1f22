/* Pure parsers and builders of the stack's wire formats (lib/net_parse.c,
 * lib/inet_parse.c). Every function here reads only the bytes it is given,
 * checks every length against them, and has no side effect but its output
 * structure: they are unit-tested and fuzzed on the host.
 *
 * Parsers return 0 or -EINVAL (malformed), -EBADMSG (checksum wrong) or
 * -EPROTONOSUPPORT (well-formed but not something the stack handles).
 * Addresses come out in host order. */
#ifndef NET_NET_PARSE_H
#define NET_NET_PARSE_H

#include <kernel/types.h>

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP  0x0806
#define ETHERTYPE_VLAN 0x8100

/* ---- Ethernet */
struct eth_info {
	u8 dst[6], src[6];
	u16 type;
	u32 hlen;               /* 14 */
	bool bcast;             /* dst ff:ff:ff:ff:ff:ff */
	bool mcast;             /* group bit of dst set (broadcast included) */
};
int eth_parse(const u8 *buf, u32 len, struct eth_info *out);
/* Write a 14-byte header at buf. */
void eth_build(u8 *buf, const u8 *dst, const u8 *src, u16 type);

/* ---- ARP (Ethernet + IPv4 only) */
#define ARP_LEN 28
#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY   2
struct arp_info {
	u16 op;
	u8 sha[6], tha[6];
	u32 spa, tpa;
};
int arp_parse(const u8 *buf, u32 len, struct arp_info *out);
void arp_build(u8 *buf, u16 op, const u8 *sha, u32 spa, const u8 *tha, u32 tpa);

/* ---- IPv4 */
#define IPV4_MF 0x2000
#define IPV4_DF 0x4000
#define IPV4_RF 0x8000
struct ipv4_info {
	u32 hlen;               /* header bytes, options included: 20..60 */
	u32 tot_len;            /* header + payload, <= the buffer */
	u8 tos, ttl, proto;
	u16 id;
	bool df, mf;
	u32 frag_off;           /* bytes */
	u32 src, dst;
	u32 opt_count;          /* options seen (NOP and EOL excluded) */
	bool opt_srcroute;      /* loose or strict source route present */
};
/* verify_csum false: the header checksum is not checked (a header the
 * caller built itself). Rejects: version != 4, IHL < 5, header or total
 * length beyond the buffer, tot_len < hlen, the reserved flag, a fragment
 * whose end passes 65535, malformed options (a length byte below 2 or
 * running past the header, a duplicate single-use option). */
int ipv4_parse(const u8 *buf, u32 len, bool verify_csum, struct ipv4_info *out);
/* Write a 20-byte header (no options) with its checksum. */
void ipv4_build(u8 *buf, u32 tot_len, u16 id, u16 frag_field, u8 ttl, u8 proto, u8 tos,
		u32 src, u32 dst);

/* ---- ICMP */
#define ICMP_ECHOREPLY     0
#define ICMP_DEST_UNREACH  3
#define ICMP_SOURCE_QUENCH 4
#define ICMP_REDIRECT      5
#define ICMP_ECHO          8
#define ICMP_TIME_EXCEEDED 11
#define ICMP_PARAMETERPROB 12
#define ICMP_PORT_UNREACH  3    /* code of ICMP_DEST_UNREACH */
#define ICMP_FRAG_NEEDED   4
#define ICMP_HLEN 8
struct icmp_info {
	u8 type, code;
	u16 id, seq;            /* echo request/reply */
	u16 mtu;                /* destination unreachable, fragmentation needed */
	bool is_error;          /* 3, 4, 5, 11, 12 */
	/* errors: the quoted datagram (its IPv4 header is valid as far as the
	 * structure goes, and at least 8 bytes of its payload are present) */
	u32 quoted_off, quoted_len;
	u8 quoted_proto;
	u32 quoted_src, quoted_dst;
};
int icmp_parse(const u8 *buf, u32 len, bool verify_csum, struct icmp_info *out);

/* ---- UDP */
#define UDP_HLEN 8
struct udp_info {
	u16 sport, dport;
	u32 len;                /* header + payload from the UDP length field */
	bool no_csum;           /* checksum field 0: sender sent none */
};
/* len: the IP payload length (the buffer); the UDP length field may be
 * smaller (trailing bytes are ignored) but never larger, nor below 8.
 * src/dst for the pseudo header when verify_csum. */
int udp_parse(const u8 *buf, u32 len, u32 src, u32 dst, bool verify_csum,
	      struct udp_info *out);

/* ---- DHCP (RFC 2131/2132), client side */
#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
#define DHCP_FIXED_LEN 236
#define DHCP_MIN_LEN 240        /* fixed part + magic cookie */
#define DHCP_MAGIC 0x63825363U
#define DHCPDISCOVER 1
#define DHCPOFFER    2
#define DHCPREQUEST  3
#define DHCPDECLINE  4
#define DHCPACK      5
#define DHCPNAK      6
#define DHCPRELEASE  7
#define DHCPINFORM   8
struct dhcp_info {
	u8 op;                  /* 1 request, 2 reply */
	u32 xid;
	u32 ciaddr, yiaddr, siaddr, giaddr;
	u8 chaddr[6];
	u8 msg_type;            /* option 53, 1..8 (required) */
	u32 server_id;          /* option 54, 0 if absent */
	u32 subnet_mask;        /* option 1, contiguous; 0 if absent */
	u32 router;             /* option 3, first; 0 if absent */
	u32 dns;                /* option 6, first; 0 if absent */
	u32 lease;              /* option 51 seconds, 0 if absent */
	u32 t1, t2;             /* options 58, 59 seconds, 0 if absent */
	u32 opt_count;
};
int dhcp_parse(const u8 *buf, u32 len, struct dhcp_info *out);
/* Build a client message of type msg_type into buf (cap bytes, at least
 * DHCP_BUILD_MAX); requested_ip/server_id 0: the option is left out.
 * Returns the length or -EINVAL. */
#define DHCP_BUILD_MAX 300
int dhcp_build(u8 *buf, u32 cap, u8 msg_type, u32 xid, const u8 *mac, u32 ciaddr,
	       u32 requested_ip, u32 server_id, u16 secs);

/* ---- configuration strings (lib/inet_parse.c) */
/* "a.b.c.d/n" (n 0..32) or "a.b.c.d" (then *prefix = def_prefix). */
int inet_parse_prefix(const char *s, u32 *addr, u8 *prefix, u8 def_prefix);
/* Netmask for a prefix length, and the prefix length of a contiguous mask
 * (-EINVAL when not contiguous). */
u32 inet_prefix_mask(u8 prefix);
int inet_mask_prefix(u32 mask);

#define INET_CFG_DEV_MAX 16
struct inet_cfg {
	char dev[INET_CFG_DEV_MAX];     /* "" : the first Ethernet device */
	bool dhcp;
	bool off;                       /* "off"/"none": leave it unconfigured */
	u32 addr;
	u8 prefix;
	u32 gw;                         /* 0: none */
};
/* One ip= value: [DEV:](dhcp|off|A.B.C.D[/N][,gw=A.B.C.D]). Unknown keys,
 * a gateway outside the subnet, a network/broadcast/0/loopback/multicast
 * address are -EINVAL. */
int inet_parse_ipcfg(const char *s, struct inet_cfg *out);
/* The vif's xenstore "ip" key: one or more addresses separated by spaces;
 * the first is taken ("a.b.c.d" -> prefix 24; "a.b.c.d/n" honoured). */
int inet_parse_hint(const char *s, u32 *addr, u8 *prefix);
/* True when addr can be a host's unicast address. */
bool inet_addr_is_unicast(u32 addr);

#endif
