/* libFuzzer target for every parser of the network stack (lib/net_parse.c,
 * lib/inet_parse.c). The first input byte picks the parser (modulo 8):
 *   0 Ethernet   1 ARP   2 IPv4   3 ICMP   4 UDP (next 8 bytes: the
 *   pseudo-header addresses)   5 DHCP   6 ip= value   7 address strings
 * and the rest is the packet or string (strings are NUL-terminated copies).
 *
 * Besides what ASan and UBSan see (every read must stay inside an exact
 * heap copy), each accepted input is checked: the lengths a parser reports
 * lie inside the input, the checksum verdict agrees with a direct sum, and
 * accepted configuration strings round-trip through the formatter. */
#include <kernel/errno.h>
#include <net/checksum.h>
#include <net/byteorder.h>
#include <net/net_parse.h>
#include <net/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(...)                                                                         \
	do {                                                                              \
		fprintf(stderr, "fuzz_net: " __VA_ARGS__);                                \
		fputc('\n', stderr);                                                      \
		abort();                                                                  \
	} while (0)

static void check_rc(int rc, const char *what)
{
	if (rc != 0 && rc != -EINVAL && rc != -EBADMSG && rc != -EPROTONOSUPPORT)
		FAIL("%s: unexpected rc %d", what, rc);
}

static void fuzz_ipv4(const u8 *b, u32 n)
{
	struct ipv4_info ii;
	int rc = ipv4_parse(b, n, true, &ii);

	check_rc(rc, "ipv4");
	if (rc)
		return;
	if (ii.hlen < 20 || ii.hlen > 60 || ii.hlen > ii.tot_len || ii.tot_len > n)
		FAIL("ipv4 lengths %u %u of %u", ii.hlen, ii.tot_len, n);
	if (ip_compute_csum(b, ii.hlen) != 0)
		FAIL("ipv4 accepted a bad checksum");
	if (ii.frag_off + ii.tot_len - ii.hlen > 65535)
		FAIL("ipv4 fragment end past 65535");
}

static void fuzz_icmp(const u8 *b, u32 n)
{
	struct icmp_info ci;
	int rc = icmp_parse(b, n, true, &ci);

	check_rc(rc, "icmp");
	if (rc)
		return;
	if (ip_compute_csum(b, n) != 0)
		FAIL("icmp accepted a bad checksum");
	if (ci.is_error) {
		u32 qh;

		if (ci.quoted_off + ci.quoted_len > n || ci.quoted_len < 28)
			FAIL("icmp quote %u+%u of %u", ci.quoted_off, ci.quoted_len, n);
		qh = (u32)(b[ci.quoted_off] & 15) * 4;
		if (qh < 20 || qh + 8 > ci.quoted_len)
			FAIL("icmp quoted header %u of %u", qh, ci.quoted_len);
	}
}

static void fuzz_udp(const u8 *b, u32 n)
{
	struct udp_info ui;
	u32 s, d;
	int rc;

	if (n < 8)
		return;
	s = get_be32(b);
	d = get_be32(b + 4);
	b += 8;
	n -= 8;
	rc = udp_parse(b, n, s, d, true, &ui);
	check_rc(rc, "udp");
	if (rc)
		return;
	if (ui.len < 8 || ui.len > n)
		FAIL("udp length %u of %u", ui.len, n);
	if (!ui.no_csum &&
	    csum_fold(csum_partial(b, ui.len, csum_tcpudp_pseudo(s, d, 17, (u16)ui.len))))
		FAIL("udp accepted a bad checksum");
}

static void fuzz_dhcp(const u8 *b, u32 n)
{
	struct dhcp_info di;
	int rc = dhcp_parse(b, n, &di);

	check_rc(rc, "dhcp");
	if (rc)
		return;
	if (di.msg_type < 1 || di.msg_type > 8)
		FAIL("dhcp message type %u", di.msg_type);
	if (di.subnet_mask && inet_mask_prefix(di.subnet_mask) < 0)
		FAIL("dhcp mask %#x", di.subnet_mask);
}

static void fuzz_ipcfg(const char *s)
{
	struct inet_cfg c, c2;
	char buf[80], a[16], g[16];

	if (inet_parse_ipcfg(s, &c))
		return;
	if (c.dhcp || c.off)
		return;
	if (!inet_addr_is_unicast(c.addr) || c.prefix > 32)
		FAIL("ipcfg \"%s\" gave %#x/%u", s, c.addr, c.prefix);
	if (c.gw)
		snprintf(buf, sizeof(buf), "%s%s%s/%u,gw=%s", c.dev, c.dev[0] ? ":" : "",
			 inet_format_addr(c.addr, a), c.prefix, inet_format_addr(c.gw, g));
	else
		snprintf(buf, sizeof(buf), "%s%s%s/%u", c.dev, c.dev[0] ? ":" : "",
			 inet_format_addr(c.addr, a), c.prefix);
	if (inet_parse_ipcfg(buf, &c2) || c2.addr != c.addr || c2.prefix != c.prefix ||
	    c2.gw != c.gw || strcmp(c2.dev, c.dev))
		FAIL("ipcfg \"%s\" does not round-trip via \"%s\"", s, buf);
}

static void fuzz_addr(const char *s)
{
	u32 a, a2;
	u8 p;
	char buf[16];

	if (!inet_parse_addr(s, &a)) {
		if (strcmp(inet_format_addr(a, buf), s))
			FAIL("addr \"%s\" formats as \"%s\"", s, buf);
	}
	if (!inet_parse_hint(s, &a2, &p) && (p > 32 || !inet_addr_is_unicast(a2)))
		FAIL("hint \"%s\"", s);
	if (!inet_parse_prefix(s, &a2, &p, 24) && p > 32)
		FAIL("prefix \"%s\"", s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	u8 sel;
	u8 *b;
	u32 n;
	union {
		struct eth_info e;
		struct arp_info a;
	} u;

	if (size < 1 || size > 70000)
		return 0;
	sel = data[0] % 8;
	n = (u32)(size - 1);
	/* An exact copy (plus a NUL for the string parsers), so that any read
	 * past n bytes is an ASan report. */
	b = malloc(n + 1);
	if (!b)
		abort();
	memcpy(b, data + 1, n);
	b[n] = 0;
	switch (sel) {
	case 0:
		check_rc(eth_parse(b, n, &u.e), "eth");
		break;
	case 1:
		check_rc(arp_parse(b, n, &u.a), "arp");
		break;
	case 2:
		fuzz_ipv4(b, n);
		break;
	case 3:
		fuzz_icmp(b, n);
		break;
	case 4:
		fuzz_udp(b, n);
		break;
	case 5:
		fuzz_dhcp(b, n);
		break;
	case 6:
		if (!memchr(b, 0, n))
			fuzz_ipcfg((const char *)b);
		break;
	default:
		if (!memchr(b, 0, n))
			fuzz_addr((const char *)b);
		break;
	}
	free(b);
	return 0;
}
