/* Software TCP segmentation (net/net.h): a PKB_GSO_TCPV4 super-packet for
 * a device without NETIF_F_TSO4 becomes MSS-sized segments, each with a
 * copy of the link, IPv4 and TCP headers: IP total length and id (id + i)
 * and header checksum, TCP sequence advanced by the bytes before it, FIN
 * and PSH only on the last segment and CWR only on the first, and the TCP
 * checksum left to the device (PKB_F_CSUM_PARTIAL) when it can, else
 * computed here. The super-packet comes from our own TCP, but its header
 * lengths are checked against the buffer anyway. */
#include <net/netdev.h>
#include <net/byteorder.h>
#include <net/checksum.h>
#include <kernel/string.h>
#include <kernel/errno.h>
#include "net.h"

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

int net_sw_gso(struct netdev *dev, struct pkbuf *p)
{
	u32 l2 = (dev->features & NETIF_F_LOOPBACK) ? 0 : ETH_HLEN;
	u32 iphl, tcphl, hdrs, payload, mss = p->gso_size, off;
	u32 src, dst, seq;
	const u8 *ip, *tcp;
	u16 id;
	u8 flags;
	int rc = 0;

	if (p->len < l2 + IP_HLEN_MIN)
		goto bad;
	ip = p->data + l2;
	iphl = (u32)(ip[0] & 15) * 4;
	if ((ip[0] >> 4) != 4 || iphl < IP_HLEN_MIN || ip[9] != IPPROTO_TCP ||
	    p->len < l2 + iphl + 20)
		goto bad;
	tcp = ip + iphl;
	tcphl = (u32)(tcp[12] >> 4) * 4;
	if (tcphl < 20 || p->len < l2 + iphl + tcphl || !mss)
		goto bad;
	hdrs = l2 + iphl + tcphl;
	payload = p->len - hdrs;
	src = get_be32(ip + 12);
	dst = get_be32(ip + 16);
	id = get_be16(ip + 4);
	seq = get_be32(tcp + 4);
	flags = tcp[13];
	for (off = 0; off < payload || (off == 0 && payload == 0); off += mss) {
		u32 n = payload - off > mss ? mss : payload - off;
		bool first = off == 0, last = off + n >= payload;
		struct pkbuf *s = pkb_alloc_filled(hdrs + n, NET_HEADROOM);   /* all copied in */
		u8 *d, *sip, *stcp;
		u32 sum;
		int r;

		if (!s) {
			dev->stats.tx_dropped++;
			rc = -ENOMEM;
			break;
		}
		d = pkb_put(s, hdrs + n);
		memcpy(d, p->data, hdrs);
		memcpy(d + hdrs, p->data + hdrs + off, n);
		sip = d + l2;
		stcp = sip + iphl;
		put_be16(sip + 2, (u16)(iphl + tcphl + n));
		put_be16(sip + 4, (u16)(id + off / mss));
		put_be16(sip + 10, 0);
		put_be16(sip + 10, ip_compute_csum(sip, iphl));
		put_be32(stcp + 4, seq + off);
		stcp[13] = flags;
		if (!last)
			stcp[13] &= (u8)~(TCP_FIN | TCP_PSH);
		if (!first)
			stcp[13] &= (u8)~TCP_CWR;
		sum = csum_tcpudp_pseudo(src, dst, IPPROTO_TCP, (u16)(tcphl + n));
		s->dev = dev;
		if (dev->features & NETIF_F_TX_CSUM) {
			put_be16(stcp + 16, (u16)~csum_fold(sum));
			s->flags |= PKB_F_CSUM_PARTIAL;
			s->csum_start = (u16)(stcp - s->head);
			s->csum_offset = 16;
		} else {
			put_be16(stcp + 16, 0);
			put_be16(stcp + 16, csum_fold(csum_partial(stcp, tcphl + n, sum)));
		}
		r = dev->ops->xmit(dev, s);
		if (r && !rc)
			rc = r;
		if (last)
			break;
	}
	pkb_free(p);
	return rc;
bad:
	dev->stats.tx_errors++;
	pkb_free(p);
	return -EINVAL;
}
