/* The TCP header and option parser (untrusted input) and the option
 * writer. Pure: host-tested (tests/unit/test_tcp.c) and fuzzed
 * (tests/fuzz/fuzz_tcp.c). */
#include <kernel/errno.h>
#include <kernel/string.h>
#include <net/byteorder.h>
#include <net/tcp.h>

/* Walk the option area opt[0, n). Every length byte is checked against
 * what is left before it is used; a malformed length makes the whole
 * segment invalid (it cannot be told apart from garbage). Known options
 * whose length is wrong are ignored, as RFC 9293 3.1 lets a receiver do. */
static int parse_opts(const u8 *opt, u32 n, struct tcp_seg *s)
{
	u32 i = 0;

	while (i < n) {
		u8 kind = opt[i];
		u8 olen;

		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= n)
			return -EINVAL;
		olen = opt[i + 1];
		if (olen < 2 || olen > n - i)
			return -EINVAL;
		switch (kind) {
		case TCPOPT_MSS:
			if (olen == 4) {
				s->has_mss = true;
				s->mss = get_be16(&opt[i + 2]);
			}
			break;
		case TCPOPT_WS:
			if (olen == 3) {
				s->has_ws = true;
				s->wscale = opt[i + 2] > TCP_WSCALE_MAX ? TCP_WSCALE_MAX : opt[i + 2];
			}
			break;
		case TCPOPT_SACK_OK:
			if (olen == 2)
				s->sack_ok = true;
			break;
		case TCPOPT_SACK:
			/* 1 to 4 blocks of 8 bytes; anything else is ignored. */
			if (olen >= 10 && (olen - 2) % 8 == 0 && !s->nsack) {
				u32 k = (olen - 2u) / 8u;

				if (k > TCP_SACK_BLOCKS_MAX)
					k = TCP_SACK_BLOCKS_MAX;
				for (u32 j = 0; j < k; j++) {
					s->sack_start[j] = get_be32(&opt[i + 2 + 8 * j]);
					s->sack_end[j] = get_be32(&opt[i + 6 + 8 * j]);
				}
				s->nsack = (u8)k;
			}
			break;
		case TCPOPT_TS:
			if (olen == 10) {
				s->has_ts = true;
				s->tsval = get_be32(&opt[i + 2]);
				s->tsecr = get_be32(&opt[i + 6]);
			}
			break;
		default:
			break;
		}
		i += olen;
	}
	return 0;
}

int tcp_parse(const u8 *buf, u32 len, struct tcp_seg *s)
{
	u32 hlen;

	memset(s, 0, sizeof(*s));
	if (!buf || len < TCP_HLEN_MIN)
		return -EINVAL;
	hlen = (u32)(buf[12] >> 4) * 4;
	if (hlen < TCP_HLEN_MIN || hlen > len)
		return -EINVAL;
	s->sport = get_be16(&buf[0]);
	s->dport = get_be16(&buf[2]);
	s->seq = get_be32(&buf[4]);
	s->ack = get_be32(&buf[8]);
	s->flags = buf[13] & 0x3f;
	s->win = get_be16(&buf[14]);
	s->hlen = (u8)hlen;
	s->dlen = len - hlen;
	s->data = buf + hlen;
	if (parse_opts(buf + TCP_HLEN_MIN, hlen - TCP_HLEN_MIN, s) < 0)
		return -EINVAL;
	/* Port 0 is reserved and never a valid endpoint. */
	if (!s->sport || !s->dport)
		return -EINVAL;
	return 0;
}

u32 tcp_write_opts(u8 *b, const struct tcp_opts_out *o)
{
	u32 n = 0;

	if (o->mss) {
		b[n++] = TCPOPT_MSS;
		b[n++] = 4;
		put_be16(&b[n], o->mss_val);
		n += 2;
	}
	if (o->sack_ok) {
		b[n++] = TCPOPT_NOP;
		b[n++] = TCPOPT_NOP;
		b[n++] = TCPOPT_SACK_OK;
		b[n++] = 2;
	}
	if (o->ts) {
		b[n++] = TCPOPT_NOP;
		b[n++] = TCPOPT_NOP;
		b[n++] = TCPOPT_TS;
		b[n++] = 10;
		put_be32(&b[n], o->tsval);
		put_be32(&b[n + 4], o->tsecr);
		n += 8;
	}
	if (o->ws) {
		b[n++] = TCPOPT_NOP;
		b[n++] = TCPOPT_WS;
		b[n++] = 3;
		b[n++] = o->ws_val;
	}
	if (o->nsack) {
		/* NOP NOP kind length, then 8 bytes a block. */
		u32 fit = n + 4 + 8 <= TCP_OPT_MAX ? (TCP_OPT_MAX - n - 4) / 8 : 0;
		u32 k = o->nsack < fit ? o->nsack : fit;

		k = k < TCP_SACK_BLOCKS_MAX ? k : TCP_SACK_BLOCKS_MAX;
		if (k) {
			b[n++] = TCPOPT_NOP;
			b[n++] = TCPOPT_NOP;
			b[n++] = TCPOPT_SACK;
			b[n++] = (u8)(2 + 8 * k);
			for (u32 i = 0; i < k; i++, n += 8) {
				put_be32(&b[n], o->sack_start[i]);
				put_be32(&b[n + 4], o->sack_end[i]);
			}
		}
	}
	return n;
}
