/* Host tests for the stack's pure code: lib/inet_csum.c (RFC 1071 examples,
 * odd lengths, split sums, the pseudo header), lib/net_parse.c (each
 * parser's accept and reject boundaries, builders round-tripping through
 * the parsers) and lib/inet_parse.c (addresses, prefixes, ip= values, the
 * xenstore hint). */
#include <kernel/errno.h>
#include <net/checksum.h>
#include <net/byteorder.h>
#include <net/net_parse.h>
#include <net/inet.h>
#include <string.h>
#include "test.h"

/* ------------------------------------------------------------ checksum */
TEST(test_csum_rfc1071)
{
	/* RFC 1071 section 3 example: the sum of these words is 0xddf2. */
	const u8 b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

	CHECK_EQ(csum_partial(b, sizeof(b), 0) % 0xffff, 0xddf2u % 0xffff);
	CHECK_EQ(csum_fold(csum_partial(b, sizeof(b), 0)), (u16)~0xddf2);
	/* All zeros: complement of zero. */
	CHECK_EQ(ip_compute_csum(b, 0), 0xffff);
}

TEST(test_csum_odd_and_split)
{
	u8 buf[301];
	u32 ref = 0;

	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (u8)(i * 7 + 3);
	for (unsigned i = 0; i + 1 < sizeof(buf); i += 2)
		ref += (u32)buf[i] << 8 | buf[i + 1];
	ref += (u32)buf[300] << 8;
	CHECK_EQ(csum_fold(csum_partial(buf, sizeof(buf), 0)), csum_fold(ref));
	/* Even-length first block, then the rest. */
	for (unsigned cut = 0; cut <= 300; cut += 2)
		CHECK_EQ(csum_fold(csum_partial(buf + cut, sizeof(buf) - cut,
						csum_partial(buf, cut, 0))),
			 csum_fold(ref));
	/* A block with its checksum stored verifies to 0. */
	u8 h[20] = { 0x45, 0, 0, 20, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2 };
	u16 c = ip_compute_csum(h, 20);

	put_be16(h + 10, c);
	CHECK_EQ(ip_compute_csum(h, 20), 0);
	/* Large sums carry correctly (0xffff words). */
	u8 ff[4096];

	memset(ff, 0xff, sizeof(ff));
	CHECK_EQ(csum_fold(csum_partial(ff, sizeof(ff), 0)), 0);
}

TEST(test_csum_pseudo)
{
	/* src 10.0.0.1, dst 10.0.0.2, UDP, length 12 */
	u32 s = csum_tcpudp_pseudo(0x0a000001, 0x0a000002, 17, 12);
	u32 ref = 0x0a00 + 0x0001 + 0x0a00 + 0x0002 + 17 + 12;

	CHECK_EQ(csum_fold(s), csum_fold(ref));
	/* Carries: all-ones addresses. */
	s = csum_tcpudp_pseudo(0xffffffff, 0xffffffff, 6, 0xffff);
	CHECK_EQ(csum_fold(s), csum_fold(0xffffu * 5 + 6));
}

/* ------------------------------------------------------------ Ethernet, ARP */
TEST(test_eth)
{
	u8 f[14];
	const u8 bc[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	const u8 mac[6] = { 0x00, 0x16, 0x3e, 1, 2, 3 };
	struct eth_info e;

	eth_build(f, bc, mac, ETHERTYPE_ARP);
	CHECK_EQ(eth_parse(f, 14, &e), 0);
	CHECK(e.bcast && e.mcast);
	CHECK_EQ(e.type, ETHERTYPE_ARP);
	CHECK(!memcmp(e.src, mac, 6));
	CHECK_EQ(eth_parse(f, 13, &e), -EINVAL);
	eth_build(f, mac, bc, ETHERTYPE_IPV4);  /* group source */
	CHECK_EQ(eth_parse(f, 14, &e), -EINVAL);
	eth_build(f, mac, mac, 0x05dc);         /* 802.3 length */
	CHECK_EQ(eth_parse(f, 14, &e), -EPROTONOSUPPORT);
	eth_build(f, mac, mac, ETHERTYPE_IPV4);
	CHECK_EQ(eth_parse(f, 14, &e), 0);
	CHECK(!e.bcast && !e.mcast);
}

TEST(test_arp)
{
	u8 b[ARP_LEN + 4];
	const u8 a[6] = { 2, 0, 0, 0, 0, 1 }, z[6] = { 0 };
	struct arp_info ai;

	arp_build(b, ARP_OP_REQUEST, a, 0x0a000001, z, 0x0a000002);
	CHECK_EQ(arp_parse(b, ARP_LEN, &ai), 0);
	CHECK_EQ(ai.op, ARP_OP_REQUEST);
	CHECK_EQ(ai.spa, 0x0a000001);
	CHECK_EQ(ai.tpa, 0x0a000002);
	CHECK(!memcmp(ai.sha, a, 6));
	CHECK_EQ(arp_parse(b, ARP_LEN + 4, &ai), 0);   /* Ethernet padding */
	CHECK_EQ(arp_parse(b, ARP_LEN - 1, &ai), -EINVAL);
	b[5] = 16;      /* IPv6-sized protocol address */
	CHECK_EQ(arp_parse(b, ARP_LEN, &ai), -EPROTONOSUPPORT);
	b[5] = 4;
	put_be16(b + 6, 3);     /* RARP */
	CHECK_EQ(arp_parse(b, ARP_LEN, &ai), -EPROTONOSUPPORT);
	put_be16(b + 6, 2);
	b[8] = 1;       /* group sender address */
	CHECK_EQ(arp_parse(b, ARP_LEN, &ai), -EINVAL);
}

/* ------------------------------------------------------------ IPv4 */
static void mk_ip(u8 *b, u32 tot, u16 frag)
{
	ipv4_build(b, tot, 0x1234, frag, 64, 17, 0, 0x0a000001, 0x0a000002);
}

static void refresh_csum(u8 *b)
{
	u32 hl = (u32)(b[0] & 15) * 4;

	put_be16(b + 10, 0);
	put_be16(b + 10, ip_compute_csum(b, hl));
}

TEST(test_ipv4_basic)
{
	u8 b[100] = { 0 };
	struct ipv4_info ii;

	mk_ip(b, 60, 0);
	CHECK_EQ(ipv4_parse(b, 100, true, &ii), 0);
	CHECK_EQ(ii.hlen, 20);
	CHECK_EQ(ii.tot_len, 60);
	CHECK_EQ(ii.proto, 17);
	CHECK_EQ(ii.src, 0x0a000001);
	CHECK_EQ(ii.dst, 0x0a000002);
	CHECK_EQ(ii.id, 0x1234);
	CHECK(!ii.mf && !ii.df && ii.frag_off == 0);
	CHECK_EQ(ipv4_parse(b, 59, true, &ii), -EINVAL);       /* tot_len past the buffer */
	CHECK_EQ(ipv4_parse(b, 19, true, &ii), -EINVAL);
	b[11] ^= 1;
	CHECK_EQ(ipv4_parse(b, 100, true, &ii), -EBADMSG);
	CHECK_EQ(ipv4_parse(b, 100, false, &ii), 0);
	mk_ip(b, 19, 0);        /* tot_len below the header */
	CHECK_EQ(ipv4_parse(b, 100, true, &ii), -EINVAL);
	mk_ip(b, 60, 0);
	b[0] = 0x65;
	refresh_csum(b);
	CHECK_EQ(ipv4_parse(b, 100, true, &ii), -EPROTONOSUPPORT);
	b[0] = 0x44;            /* IHL 4 */
	CHECK_EQ(ipv4_parse(b, 100, false, &ii), -EINVAL);
	b[0] = 0x4f;            /* IHL 15 = 60 bytes, tot_len 60: no payload */
	memset(b + 20, 1, 40);  /* all NOP */
	refresh_csum(b);
	CHECK_EQ(ipv4_parse(b, 100, true, &ii), 0);
	CHECK_EQ(ii.hlen, 60);
	CHECK_EQ(ii.opt_count, 0);
}

TEST(test_ipv4_frag_fields)
{
	u8 b[100] = { 0 };
	struct ipv4_info ii;

	mk_ip(b, 36, IPV4_MF | 3);      /* 16 payload bytes at offset 24 */
	CHECK_EQ(ipv4_parse(b, 100, true, &ii), 0);
	CHECK(ii.mf);
	CHECK_EQ(ii.frag_off, 24);
	mk_ip(b, 37, IPV4_MF);          /* non-last fragment of 17 bytes */
	CHECK_EQ(ipv4_parse(b, 100, true, &ii), -EINVAL);
	mk_ip(b, 20, IPV4_MF);          /* empty non-last fragment */
	CHECK_EQ(ipv4_parse(b, 100, true, &ii), -EINVAL);
	mk_ip(b, 37, 0x1fff);           /* last fragment passing 65535 */
	CHECK_EQ(ipv4_parse(b, 100, true, &ii), -EINVAL);
	mk_ip(b, 28, 0x1fff);           /* ends at 65535 + ... 8*8191+8 = 65536 */
	CHECK_EQ(ipv4_parse(b, 100, true, &ii), -EINVAL);
	mk_ip(b, 27, 0x1fff);           /* 65528 + 7 = 65535: allowed */
	CHECK_EQ(ipv4_parse(b, 100, true, &ii), 0);
	mk_ip(b, 40, IPV4_RF);
	CHECK_EQ(ipv4_parse(b, 100, true, &ii), -EINVAL);
	mk_ip(b, 40, IPV4_DF | IPV4_MF);
	CHECK_EQ(ipv4_parse(b, 100, true, &ii), -EINVAL);
	mk_ip(b, 40, IPV4_DF);
	CHECK_EQ(ipv4_parse(b, 100, true, &ii), 0);
	CHECK(ii.df);
}

TEST(test_ipv4_options)
{
	u8 b[100] = { 0 };
	struct ipv4_info ii;

	mk_ip(b, 40, 0);
	b[0] = 0x46;    /* 4 option bytes */
	/* router alert (148, len 4) */
	b[20] = 148; b[21] = 4; b[22] = 0; b[23] = 0;
	refresh_csum(b);
	CHECK_EQ(ipv4_parse(b, 100, true, &ii), 0);
	CHECK_EQ(ii.opt_count, 1);
	b[21] = 5;      /* runs past the header */
	refresh_csum(b);
	CHECK_EQ(ipv4_parse(b, 100, true, &ii), -EINVAL);
	b[21] = 1;      /* below 2 */
	refresh_csum(b);
	CHECK_EQ(ipv4_parse(b, 100, true, &ii), -EINVAL);
	b[20] = 1; b[21] = 1; b[22] = 1; b[23] = 7;     /* NOPs then a type with no length byte */
	refresh_csum(b);
	CHECK_EQ(ipv4_parse(b, 100, true, &ii), -EINVAL);
	b[23] = 0;      /* EOL ends the list */
	refresh_csum(b);
	CHECK_EQ(ipv4_parse(b, 100, true, &ii), 0);
	b[0] = 0x47;    /* 8 option bytes: LSRR len 7 + EOL; then duplicates */
	b[20] = 131; b[21] = 7; b[22] = 4; memset(b + 23, 9, 4); b[27] = 0;
	refresh_csum(b);
	CHECK_EQ(ipv4_parse(b, 100, true, &ii), 0);
	CHECK(ii.opt_srcroute);
	b[20] = 148; b[21] = 4; b[22] = 0; b[23] = 0;
	b[24] = 148; b[25] = 4; b[26] = 0; b[27] = 0;
	refresh_csum(b);
	CHECK_EQ(ipv4_parse(b, 100, true, &ii), -EINVAL);
}

/* ------------------------------------------------------------ ICMP */
static void icmp_fix(u8 *b, u32 len)
{
	put_be16(b + 2, 0);
	put_be16(b + 2, ip_compute_csum(b, len));
}

TEST(test_icmp)
{
	u8 b[64] = { 0 };
	struct icmp_info ci;

	b[0] = ICMP_ECHO;
	put_be16(b + 4, 77);
	put_be16(b + 6, 5);
	icmp_fix(b, 16);
	CHECK_EQ(icmp_parse(b, 16, true, &ci), 0);
	CHECK(!ci.is_error);
	CHECK_EQ(ci.id, 77);
	CHECK_EQ(ci.seq, 5);
	CHECK_EQ(icmp_parse(b, 7, true, &ci), -EINVAL);
	b[9] = 1;
	CHECK_EQ(icmp_parse(b, 16, true, &ci), -EBADMSG);
	b[1] = 1;       /* echo with a code */
	icmp_fix(b, 16);
	CHECK_EQ(icmp_parse(b, 16, true, &ci), -EINVAL);
	b[0] = 42; b[1] = 0;
	icmp_fix(b, 16);
	CHECK_EQ(icmp_parse(b, 16, true, &ci), -EPROTONOSUPPORT);

	/* port unreachable quoting a UDP datagram */
	memset(b, 0, sizeof(b));
	b[0] = ICMP_DEST_UNREACH;
	b[1] = ICMP_FRAG_NEEDED;
	put_be16(b + 6, 1400);
	mk_ip(b + 8, 100, 0);   /* the quoted header's length says 100: truncated quote */
	icmp_fix(b, 36);
	CHECK_EQ(icmp_parse(b, 36, true, &ci), 0);
	CHECK(ci.is_error);
	CHECK_EQ(ci.mtu, 1400);
	CHECK_EQ(ci.quoted_off, 8);
	CHECK_EQ(ci.quoted_len, 28);
	CHECK_EQ(ci.quoted_proto, 17);
	CHECK_EQ(ci.quoted_dst, 0x0a000002);
	icmp_fix(b, 35);        /* 7 bytes of quoted payload */
	CHECK_EQ(icmp_parse(b, 35, true, &ci), -EINVAL);
	b[8] = 0x46;            /* quoted IHL 24: needs 32 */
	icmp_fix(b, 36);
	CHECK_EQ(icmp_parse(b, 36, true, &ci), -EINVAL);
	b[8] = 0x55;
	icmp_fix(b, 36);
	CHECK_EQ(icmp_parse(b, 36, true, &ci), -EINVAL);
}

/* ------------------------------------------------------------ UDP */
TEST(test_udp)
{
	u8 b[32] = { 0 };
	struct udp_info ui;
	u32 s = 0x0a000001, d = 0x0a000002;

	put_be16(b, 1000);
	put_be16(b + 2, 7);
	put_be16(b + 4, 12);
	memcpy(b + 8, "ping", 4);
	put_be16(b + 6, csum_fold(csum_partial(b, 12, csum_tcpudp_pseudo(s, d, 17, 12))));
	CHECK_EQ(udp_parse(b, 12, s, d, true, &ui), 0);
	CHECK_EQ(ui.sport, 1000);
	CHECK_EQ(ui.dport, 7);
	CHECK_EQ(ui.len, 12);
	CHECK(!ui.no_csum);
	CHECK_EQ(udp_parse(b, 16, s, d, true, &ui), 0);        /* trailing bytes */
	CHECK_EQ(udp_parse(b, 11, s, d, true, &ui), -EINVAL);  /* length past the data */
	CHECK_EQ(udp_parse(b, 12, s, d + 1, true, &ui), -EBADMSG);
	CHECK_EQ(udp_parse(b, 12, s, d + 1, false, &ui), 0);
	put_be16(b + 6, 0);     /* no checksum */
	CHECK_EQ(udp_parse(b, 12, s, d + 1, true, &ui), 0);
	CHECK(ui.no_csum);
	put_be16(b + 4, 7);
	CHECK_EQ(udp_parse(b, 12, s, d, true, &ui), -EINVAL);
	put_be16(b + 4, 12);
	put_be16(b + 2, 0);
	CHECK_EQ(udp_parse(b, 12, s, d, false, &ui), -EINVAL);
	CHECK_EQ(udp_parse(b, 7, s, d, false, &ui), -EINVAL);
}

/* ------------------------------------------------------------ DHCP */
static u32 mk_reply(u8 *b, u8 type, bool end)
{
	u32 at;
	const u8 mac[6] = { 0, 0x16, 0x3e, 0, 0, 9 };

	memset(b, 0, 600);
	CHECK_EQ(dhcp_build(b, 600, DHCPDISCOVER, 0xabcdef01, mac, 0, 0, 0, 3), DHCP_BUILD_MAX);
	b[0] = 2;
	put_be32(b + 16, 0x0a000032);
	at = DHCP_MIN_LEN;
	b[at++] = 53; b[at++] = 1; b[at++] = type;
	b[at++] = 54; b[at++] = 4; put_be32(b + at, 0x0a000001); at += 4;
	b[at++] = 1; b[at++] = 4; put_be32(b + at, 0xffffff00); at += 4;
	b[at++] = 3; b[at++] = 8; put_be32(b + at, 0x0a000001); put_be32(b + at + 4, 9); at += 8;
	b[at++] = 51; b[at++] = 4; put_be32(b + at, 3600); at += 4;
	b[at++] = 0;    /* pad */
	b[at++] = 200; b[at++] = 0;     /* unknown, empty */
	if (end)
		b[at++] = 255;
	return at;
}

TEST(test_dhcp)
{
	u8 b[600];
	struct dhcp_info di;
	const u8 mac[6] = { 0, 0x16, 0x3e, 0, 0, 9 };
	u32 n;
	int len;

	n = mk_reply(b, DHCPOFFER, true);
	CHECK_EQ(dhcp_parse(b, n, &di), 0);
	CHECK_EQ(di.op, 2);
	CHECK_EQ(di.xid, 0xabcdef01);
	CHECK_EQ(di.msg_type, DHCPOFFER);
	CHECK_EQ(di.yiaddr, 0x0a000032);
	CHECK_EQ(di.server_id, 0x0a000001);
	CHECK_EQ(di.subnet_mask, 0xffffff00);
	CHECK_EQ(di.router, 0x0a000001);
	CHECK_EQ(di.lease, 3600);
	CHECK(!memcmp(di.chaddr, mac, 6));
	CHECK_EQ(dhcp_parse(b, n - 1, &di), -EINVAL);  /* no end option */
	n = mk_reply(b, DHCPOFFER, false);
	CHECK_EQ(dhcp_parse(b, n, &di), -EINVAL);
	n = mk_reply(b, 9, true);
	CHECK_EQ(dhcp_parse(b, n, &di), -EINVAL);
	n = mk_reply(b, DHCPACK, true);
	put_be32(b + DHCP_MIN_LEN + 3 + 6 + 2, 0xff00ff00);     /* mask not contiguous */
	CHECK_EQ(dhcp_parse(b, n, &di), -EINVAL);
	n = mk_reply(b, DHCPACK, true);
	b[DHCP_MIN_LEN + 4] = 5;        /* server id length 5 */
	CHECK_EQ(dhcp_parse(b, n, &di), -EINVAL);
	n = mk_reply(b, DHCPACK, true);
	b[n - 4] = 250; b[n - 3] = 200; /* option length past the end */
	CHECK_EQ(dhcp_parse(b, n - 1, &di), -EINVAL);
	n = mk_reply(b, DHCPACK, true);
	b[DHCP_MIN_LEN + 3] = 53;       /* duplicate message type (len 4 -> rejected anyway) */
	CHECK_EQ(dhcp_parse(b, n, &di), -EINVAL);
	n = mk_reply(b, DHCPACK, true);
	put_be32(b + 236, 0x63825364);
	CHECK_EQ(dhcp_parse(b, n, &di), -EINVAL);
	CHECK_EQ(dhcp_parse(b, 239, &di), -EINVAL);

	len = dhcp_build(b, sizeof(b), DHCPREQUEST, 7, mac, 0, 0x0a000032, 0x0a000001, 0);
	CHECK_EQ(len, DHCP_BUILD_MAX);
	CHECK_EQ(dhcp_parse(b, (u32)len, &di), 0);
	CHECK_EQ(di.op, 1);
	CHECK_EQ(di.msg_type, DHCPREQUEST);
	CHECK_EQ(di.server_id, 0x0a000001);
	CHECK_EQ(dhcp_build(b, 100, DHCPREQUEST, 7, mac, 0, 0, 0, 0), -EINVAL);
	CHECK_EQ(dhcp_build(b, sizeof(b), 0, 7, mac, 0, 0, 0, 0), -EINVAL);
}

/* ------------------------------------------------------------ strings */
TEST(test_inet_addr)
{
	u32 a = 0;
	char buf[16];
	static const char *bad[] = { "", "1", "1.2.3", "1.2.3.4.", "1.2.3.4.5", "256.0.0.1",
				     "01.2.3.4", "1..3.4", " 1.2.3.4", "1.2.3.4 ", "-1.2.3.4",
				     "1.2.3.4/24", "1.2.3.1000", "a.b.c.d" };

	CHECK_EQ(inet_parse_addr("10.0.0.2", &a), 0);
	CHECK_EQ(a, 0x0a000002);
	CHECK_EQ(inet_parse_addr("255.255.255.255", &a), 0);
	CHECK_EQ(a, 0xffffffff);
	CHECK_EQ(inet_parse_addr("0.0.0.0", &a), 0);
	CHECK_EQ(a, 0);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_MSG(inet_parse_addr(bad[i], &a) == -EINVAL, "accepted \"%s\"", bad[i]);
	CHECK_STR(inet_format_addr(0x0a000002, buf), "10.0.0.2");
	CHECK_STR(inet_format_addr(0xffffffff, buf), "255.255.255.255");
	CHECK_STR(inet_format_addr(0, buf), "0.0.0.0");
	CHECK_STR(inet_format_addr(0xc0a86465, buf), "192.168.100.101");
	CHECK_EQ(inet_prefix_mask(0), 0);
	CHECK_EQ(inet_prefix_mask(24), 0xffffff00);
	CHECK_EQ(inet_prefix_mask(32), 0xffffffff);
	CHECK_EQ(inet_mask_prefix(0xffffff00), 24);
	CHECK_EQ(inet_mask_prefix(0), 0);
	CHECK_EQ(inet_mask_prefix(0xffffffff), 32);
	CHECK_EQ(inet_mask_prefix(0xff00ff00), -EINVAL);
	CHECK_EQ(inet_mask_prefix(0x00ffffff), -EINVAL);
}

TEST(test_ipcfg)
{
	struct inet_cfg c;
	u32 a;
	u8 p;
	static const char *bad[] = { "", "eth0:", ":dhcp", "10.0.0.2/33", "10.0.0.2/", "10.0.0.0/24",
				     "10.0.0.255/24", "127.0.0.2/8", "224.0.0.1/4",
				     "10.0.0.2/24,gw=10.0.1.1", "10.0.0.2/24,gw=10.0.0.2",
				     "10.0.0.2/24,foo=1", "10.0.0.2/24,gw=10.0.0.1,gw=10.0.0.3",
				     "ETH0:dhcp", "averyveryverylongname:dhcp", "10.0.0.2/24x",
				     "dhcpx", "10.0.0.2/024" };

	CHECK_EQ(inet_parse_ipcfg("10.0.0.2/24,gw=10.0.0.1", &c), 0);
	CHECK_EQ(c.addr, 0x0a000002);
	CHECK_EQ(c.prefix, 24);
	CHECK_EQ(c.gw, 0x0a000001);
	CHECK_STR(c.dev, "");
	CHECK(!c.dhcp && !c.off);
	CHECK_EQ(inet_parse_ipcfg("eth1:192.168.1.5/16", &c), 0);
	CHECK_STR(c.dev, "eth1");
	CHECK_EQ(c.prefix, 16);
	CHECK_EQ(c.gw, 0);
	CHECK_EQ(inet_parse_ipcfg("10.1.2.3", &c), 0);
	CHECK_EQ(c.prefix, 24);
	CHECK_EQ(inet_parse_ipcfg("dhcp", &c), 0);
	CHECK(c.dhcp);
	CHECK_EQ(inet_parse_ipcfg("eth2:dhcp", &c), 0);
	CHECK(c.dhcp);
	CHECK_STR(c.dev, "eth2");
	CHECK_EQ(inet_parse_ipcfg("eth0:off", &c), 0);
	CHECK(c.off);
	CHECK_EQ(inet_parse_ipcfg("10.0.0.1/32", &c), 0);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_MSG(inet_parse_ipcfg(bad[i], &c) == -EINVAL, "accepted \"%s\"", bad[i]);

	CHECK_EQ(inet_parse_hint("10.0.0.5", &a, &p), 0);
	CHECK_EQ(a, 0x0a000005);
	CHECK_EQ(p, 24);
	CHECK_EQ(inet_parse_hint(" 10.0.0.5/16 10.0.0.6", &a, &p), 0);
	CHECK_EQ(p, 16);
	CHECK_EQ(inet_parse_hint("10.0.0.5,", &a, &p), -EINVAL);
	CHECK_EQ(inet_parse_hint("", &a, &p), -EINVAL);
	CHECK_EQ(inet_parse_hint("0.0.0.0", &a, &p), -EINVAL);
	CHECK_EQ(inet_parse_prefix("1.2.3.4/8", &a, &p, 24), 0);
	CHECK_EQ(p, 8);
	CHECK_EQ(inet_parse_prefix("1.2.3.4", &a, &p, 24), 0);
	CHECK_EQ(p, 24);
}

int main(void)
{
	RUN(test_csum_rfc1071);
	RUN(test_csum_odd_and_split);
	RUN(test_csum_pseudo);
	RUN(test_eth);
	RUN(test_arp);
	RUN(test_ipv4_basic);
	RUN(test_ipv4_frag_fields);
	RUN(test_ipv4_options);
	RUN(test_icmp);
	RUN(test_udp);
	RUN(test_dhcp);
	RUN(test_inet_addr);
	RUN(test_ipcfg);
	return xt_done();
}
