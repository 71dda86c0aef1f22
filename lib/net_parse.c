/* Pure parsers and builders of Ethernet, ARP, IPv4, ICMP, UDP and DHCP
 * (include/net/net_parse.h). Input is untrusted: every read is checked
 * against the given length first. No allocation, no global state. */
#include <net/net_parse.h>
#include <net/byteorder.h>
#include <net/checksum.h>
#include <kernel/errno.h>

static void copy6(u8 *d, const u8 *s)
{
	for (int i = 0; i < 6; i++)
		d[i] = s[i];
}

/* ---------------------------------------------------------------- Ethernet */
int eth_parse(const u8 *buf, u32 len, struct eth_info *out)
{
	bool all = true;

	if (!buf || len < 14)
		return -EINVAL;
	copy6(out->dst, buf);
	copy6(out->src, buf + 6);
	out->type = get_be16(buf + 12);
	out->hlen = 14;
	for (int i = 0; i < 6; i++)
		all = all && buf[i] == 0xff;
	out->bcast = all;
	out->mcast = (buf[0] & 1) != 0;
	/* A frame claiming to come from a group address is forged. */
	if (buf[6] & 1)
		return -EINVAL;
	/* 802.3 length field instead of a type: not IPv4 or ARP. */
	if (out->type < 0x0600)
		return -EPROTONOSUPPORT;
	return 0;
}

void eth_build(u8 *buf, const u8 *dst, const u8 *src, u16 type)
{
	copy6(buf, dst);
	copy6(buf + 6, src);
	put_be16(buf + 12, type);
}

/* ---------------------------------------------------------------- ARP */
int arp_parse(const u8 *buf, u32 len, struct arp_info *out)
{
	if (!buf || len < ARP_LEN)
		return -EINVAL;
	/* Ethernet hardware, IPv4 protocol, 6- and 4-byte addresses. */
	if (get_be16(buf) != 1 || get_be16(buf + 2) != ETHERTYPE_IPV4 || buf[4] != 6 ||
	    buf[5] != 4)
		return -EPROTONOSUPPORT;
	out->op = get_be16(buf + 6);
	if (out->op != ARP_OP_REQUEST && out->op != ARP_OP_REPLY)
		return -EPROTONOSUPPORT;
	copy6(out->sha, buf + 8);
	out->spa = get_be32(buf + 14);
	copy6(out->tha, buf + 18);
	out->tpa = get_be32(buf + 24);
	/* A group address as a sender's hardware address is forged. */
	if (out->sha[0] & 1)
		return -EINVAL;
	return 0;
}

void arp_build(u8 *buf, u16 op, const u8 *sha, u32 spa, const u8 *tha, u32 tpa)
{
	put_be16(buf, 1);
	put_be16(buf + 2, ETHERTYPE_IPV4);
	buf[4] = 6;
	buf[5] = 4;
	put_be16(buf + 6, op);
	copy6(buf + 8, sha);
	put_be32(buf + 14, spa);
	copy6(buf + 18, tha);
	put_be32(buf + 24, tpa);
}

/* ---------------------------------------------------------------- IPv4 */
/* Options (RFC 791): EOL (0) ends the list, NOP (1) is one byte, every
 * other option has a length byte counting itself and its type byte. */
static int ipv4_walk_options(const u8 *opt, u32 len, struct ipv4_info *out)
{
	u32 i = 0;
	u32 seen = 0;   /* bit per option number 0..31 of the single-use ones */

	while (i < len) {
		u8 type = opt[i];
		u32 olen;

		if (type == 0)
			break;
		if (type == 1) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return -EINVAL;
		olen = opt[i + 1];
		if (olen < 2 || olen > len - i)
			return -EINVAL;
		if ((type & 0x1f) < 32) {
			u32 bit = 1U << (type & 0x1f);

			if (seen & bit)
				return -EINVAL;
			seen |= bit;
		}
		/* Loose (131) and strict (137) source routes: the stack refuses
		 * source-routed datagrams, the parser reports them. */
		if (type == 131 || type == 137)
			out->opt_srcroute = true;
		out->opt_count++;
		i += olen;
	}
	return 0;
}

int ipv4_parse(const u8 *buf, u32 len, bool verify_csum, struct ipv4_info *out)
{
	u32 hlen, tot, frag;

	if (!buf || len < 20)
		return -EINVAL;
	if ((buf[0] >> 4) != 4)
		return -EPROTONOSUPPORT;
	hlen = (u32)(buf[0] & 0x0f) * 4;
	if (hlen < 20 || hlen > len)
		return -EINVAL;
	tot = get_be16(buf + 2);
	if (tot < hlen || tot > len)
		return -EINVAL;
	if (verify_csum && ip_compute_csum(buf, hlen) != 0)
		return -EBADMSG;
	frag = get_be16(buf + 6);
	if (frag & IPV4_RF)
		return -EINVAL;
	out->hlen = hlen;
	out->tot_len = tot;
	out->tos = buf[1];
	out->id = get_be16(buf + 4);
	out->df = (frag & IPV4_DF) != 0;
	out->mf = (frag & IPV4_MF) != 0;
	out->frag_off = (frag & 0x1fff) * 8;
	out->ttl = buf[8];
	out->proto = buf[9];
	out->src = get_be32(buf + 12);
	out->dst = get_be32(buf + 16);
	out->opt_count = 0;
	out->opt_srcroute = false;
	/* The reassembled datagram may not pass the 16-bit total length. */
	if (out->frag_off + (tot - hlen) > 65535)
		return -EINVAL;
	/* A fragment other than the last carries a multiple of 8 bytes. */
	if (out->mf && ((tot - hlen) % 8 != 0 || tot == hlen))
		return -EINVAL;
	if (out->df && (out->mf || out->frag_off))
		return -EINVAL;
	return ipv4_walk_options(buf + 20, hlen - 20, out);
}

void ipv4_build(u8 *buf, u32 tot_len, u16 id, u16 frag_field, u8 ttl, u8 proto, u8 tos,
		u32 src, u32 dst)
{
	buf[0] = 0x45;
	buf[1] = tos;
	put_be16(buf + 2, (u16)tot_len);
	put_be16(buf + 4, id);
	put_be16(buf + 6, frag_field);
	buf[8] = ttl;
	buf[9] = proto;
	put_be16(buf + 10, 0);
	put_be32(buf + 12, src);
	put_be32(buf + 16, dst);
	put_be16(buf + 10, ip_compute_csum(buf, 20));
}

/* ---------------------------------------------------------------- ICMP */
int icmp_parse(const u8 *buf, u32 len, bool verify_csum, struct icmp_info *out)
{
	struct ipv4_info q;

	if (!buf || len < ICMP_HLEN)
		return -EINVAL;
	if (verify_csum && ip_compute_csum(buf, len) != 0)
		return -EBADMSG;
	out->type = buf[0];
	out->code = buf[1];
	out->id = get_be16(buf + 4);
	out->seq = get_be16(buf + 6);
	out->mtu = 0;
	out->quoted_off = out->quoted_len = 0;
	out->quoted_proto = 0;
	out->quoted_src = out->quoted_dst = 0;
	switch (out->type) {
	case ICMP_ECHOREPLY:
	case ICMP_ECHO:
		out->is_error = false;
		if (out->code != 0)
			return -EINVAL;
		return 0;
	case ICMP_DEST_UNREACH:
	case ICMP_SOURCE_QUENCH:
	case ICMP_REDIRECT:
	case ICMP_TIME_EXCEEDED:
	case ICMP_PARAMETERPROB:
		break;
	default:
		out->is_error = false;
		return -EPROTONOSUPPORT;
	}
	out->is_error = true;
	if (out->type == ICMP_DEST_UNREACH && out->code == ICMP_FRAG_NEEDED)
		out->mtu = get_be16(buf + 6);
	/* The quoted datagram: its header as it left us, and 8 or more bytes
	 * of its payload. It was truncated by the router, so its total length
	 * may exceed what is quoted: parse the header alone. */
	if (len - ICMP_HLEN < 28)
		return -EINVAL;
	{
		const u8 *qb = buf + ICMP_HLEN;
		u32 qlen = len - ICMP_HLEN;
		u32 qh;

		if ((qb[0] >> 4) != 4)
			return -EINVAL;
		qh = (u32)(qb[0] & 0x0f) * 4;
		if (qh < 20 || qh + 8 > qlen)
			return -EINVAL;
		q.opt_count = 0;
		q.opt_srcroute = false;
		if (ipv4_walk_options(qb + 20, qh - 20, &q))
			return -EINVAL;
		out->quoted_off = ICMP_HLEN;
		out->quoted_len = qlen;
		out->quoted_proto = qb[9];
		out->quoted_src = get_be32(qb + 12);
		out->quoted_dst = get_be32(qb + 16);
	}
	return 0;
}

/* ---------------------------------------------------------------- UDP */
int udp_parse(const u8 *buf, u32 len, u32 src, u32 dst, bool verify_csum,
	      struct udp_info *out)
{
	u32 ulen;

	if (!buf || len < UDP_HLEN)
		return -EINVAL;
	ulen = get_be16(buf + 4);
	if (ulen < UDP_HLEN || ulen > len)
		return -EINVAL;
	out->sport = get_be16(buf);
	out->dport = get_be16(buf + 2);
	out->len = ulen;
	out->no_csum = get_be16(buf + 6) == 0;
	if (verify_csum && !out->no_csum) {
		u32 sum = csum_tcpudp_pseudo(src, dst, 17, (u16)ulen);

		if (csum_fold(csum_partial(buf, ulen, sum)) != 0)
			return -EBADMSG;
	}
	/* Port 0 is not a valid source or destination. */
	if (!out->dport)
		return -EINVAL;
	return 0;
}

/* ---------------------------------------------------------------- DHCP */
static int dhcp_opt_addr(const u8 *v, u32 olen, bool list, u32 *out)
{
	if (list ? (olen < 4 || olen % 4) : olen != 4)
		return -EINVAL;
	*out = get_be32(v);
	return 0;
}

int dhcp_parse(const u8 *buf, u32 len, struct dhcp_info *out)
{
	u32 i = DHCP_MIN_LEN;
	bool ended = false;
	u32 seen[8] = { 0 };    /* one bit per option code: duplicates refused */

	if (!buf || len < DHCP_MIN_LEN)
		return -EINVAL;
	out->op = buf[0];
	if (out->op != 1 && out->op != 2)
		return -EINVAL;
	/* Ethernet, 6-byte hardware addresses. */
	if (buf[1] != 1 || buf[2] != 6)
		return -EPROTONOSUPPORT;
	out->xid = get_be32(buf + 4);
	out->ciaddr = get_be32(buf + 12);
	out->yiaddr = get_be32(buf + 16);
	out->siaddr = get_be32(buf + 20);
	out->giaddr = get_be32(buf + 24);
	copy6(out->chaddr, buf + 28);
	if (get_be32(buf + 236) != DHCP_MAGIC)
		return -EINVAL;
	out->msg_type = 0;
	out->server_id = out->subnet_mask = out->router = out->dns = 0;
	out->lease = out->t1 = out->t2 = 0;
	out->opt_count = 0;

	while (i < len) {
		u8 code = buf[i];
		u32 olen;
		const u8 *v;
		int rc = 0;

		if (code == 0) {        /* pad */
			i++;
			continue;
		}
		if (code == 255) {      /* end */
			ended = true;
			break;
		}
		if (i + 1 >= len)
			return -EINVAL;
		olen = buf[i + 1];
		if (olen > len - i - 2)
			return -EINVAL;
		v = buf + i + 2;
		if (seen[code / 32] & (1U << (code % 32)))
			return -EINVAL;
		seen[code / 32] |= 1U << (code % 32);
		out->opt_count++;
		switch (code) {
		case 53:
			if (olen != 1 || v[0] < DHCPDISCOVER || v[0] > DHCPINFORM)
				return -EINVAL;
			out->msg_type = v[0];
			break;
		case 1:
			rc = dhcp_opt_addr(v, olen, false, &out->subnet_mask);
			if (!rc && inet_mask_prefix(out->subnet_mask) < 0)
				rc = -EINVAL;
			break;
		case 3:
			rc = dhcp_opt_addr(v, olen, true, &out->router);
			break;
		case 6:
			rc = dhcp_opt_addr(v, olen, true, &out->dns);
			break;
		case 51:
			rc = dhcp_opt_addr(v, olen, false, &out->lease);
			break;
		case 54:
			rc = dhcp_opt_addr(v, olen, false, &out->server_id);
			break;
		case 58:
			rc = dhcp_opt_addr(v, olen, false, &out->t1);
			break;
		case 59:
			rc = dhcp_opt_addr(v, olen, false, &out->t2);
			break;
		default:
			break;  /* others: skipped, bounds checked above */
		}
		if (rc)
			return rc;
		i += 2 + olen;
	}
	if (!ended || !out->msg_type)
		return -EINVAL;
	return 0;
}

static u32 dhcp_put_opt(u8 *buf, u32 at, u8 code, const u8 *v, u8 len)
{
	buf[at] = code;
	buf[at + 1] = len;
	for (u32 i = 0; i < len; i++)
		buf[at + 2 + i] = v[i];
	return at + 2 + len;
}

int dhcp_build(u8 *buf, u32 cap, u8 msg_type, u32 xid, const u8 *mac, u32 ciaddr,
	       u32 requested_ip, u32 server_id, u16 secs)
{
	u32 at = DHCP_MIN_LEN;
	u8 v[4];
	/* subnet mask, router, DNS, lease, T1, T2 */
	static const u8 params[] = { 1, 3, 6, 51, 58, 59 };

	if (!buf || cap < DHCP_BUILD_MAX || msg_type < DHCPDISCOVER || msg_type > DHCPINFORM)
		return -EINVAL;
	for (u32 i = 0; i < DHCP_BUILD_MAX; i++)
		buf[i] = 0;
	buf[0] = 1;     /* BOOTREQUEST */
	buf[1] = 1;
	buf[2] = 6;
	put_be32(buf + 4, xid);
	put_be16(buf + 8, secs);
	/* No broadcast flag: we accept unicast replies to our MAC. */
	put_be32(buf + 12, ciaddr);
	copy6(buf + 28, mac);
	put_be32(buf + 236, DHCP_MAGIC);
	v[0] = msg_type;
	at = dhcp_put_opt(buf, at, 53, v, 1);
	if (requested_ip) {
		put_be32(v, requested_ip);
		at = dhcp_put_opt(buf, at, 50, v, 4);
	}
	if (server_id) {
		put_be32(v, server_id);
		at = dhcp_put_opt(buf, at, 54, v, 4);
	}
	at = dhcp_put_opt(buf, at, 55, params, sizeof(params));
	buf[at++] = 255;
	/* Some servers ignore messages shorter than a BOOTP packet (300). */
	return at < DHCP_BUILD_MAX ? (int)DHCP_BUILD_MAX : (int)at;
}
