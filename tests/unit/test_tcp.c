/* Host tests of TCP: the header/option parser (lib/tcp_parse.c) and the
 * protocol core (net/tcp_core.c) driven by a scripted peer. The peer
 * builds real segments (with checksums the core verifies), feeds them to
 * tcp_stack_input and parses what the core sends with the same parser;
 * time is a fake clock the tests advance. */
#include <kernel/errno.h>
#include <net/byteorder.h>
#include <net/checksum.h>
#include <net/inet.h>
#include <net/socket.h>
#include <net/tcp.h>
#include <string.h>
#include "test.h"

#define MS 1000000ULL
#define SEC 1000000000ULL
#define LOCAL 0x0a000002U
#define PEER 0x0a000001U

/* ---------------------------------------------------------------- harness */

struct pkt {
	u32 saddr, daddr;
	u8 b[70000];
	u32 len;
	u16 gso;
};

#define QMAX 128
static struct pkt outq[QMAX];
static unsigned int qhead, qtail;
static u64 g_now = 1000 * SEC;
static u64 g_rand = 12345;
static int live_tcbs;
static unsigned int wakes;
static u16 g_mtu = 1500;
static u32 g_tso;

static u64 h_now(struct tcp_stack *st) { (void)st; return g_now; }

static void h_output(struct tcp_stack *st, struct tcb *t, const struct tcp_out *o)
{
	struct pkt *p = &outq[qtail % QMAX];

	(void)st;
	if (qtail - qhead >= QMAX)
		qhead++; /* drop the oldest: tests pop what they look at */
	qtail++;
	p->saddr = o->saddr;
	p->daddr = o->daddr;
	memcpy(p->b, o->hdr, o->hlen);
	if (o->data_len)
		tcp_snd_copy(t, o->data_off, p->b + o->hlen, o->data_len);
	p->len = o->hlen + o->data_len;
	p->gso = o->gso_size;
}

static void h_timer(struct tcp_stack *st, u64 dl) { (void)st; (void)dl; }
static void h_wake(struct tcb *t, unsigned int ev) { (void)t; (void)ev; wakes++; }

static struct tcb *h_alloc(struct tcp_stack *st, u32 sndbuf, u32 rcvbuf)
{
	struct tcb *t = calloc(1, sizeof(*t));

	(void)st;
	t->snd.buf = sndbuf ? malloc(sndbuf) : NULL;
	t->snd.size = sndbuf;
	t->rcv.buf = rcvbuf ? malloc(rcvbuf) : NULL;
	t->rcv.size = rcvbuf;
	live_tcbs++;
	return t;
}

static int late_allocs;

static int h_alloc_bufs(struct tcp_stack *st, struct tcb *t, u32 sndbuf, u32 rcvbuf)
{
	(void)st;
	t->snd.buf = malloc(sndbuf);
	t->snd.size = sndbuf;
	t->rcv.buf = malloc(rcvbuf);
	t->rcv.size = rcvbuf;
	late_allocs++;
	return 0;
}

static void h_free(struct tcp_stack *st, struct tcb *t)
{
	(void)st;
	free(t->snd.buf);
	free(t->rcv.buf);
	memset(t, 0xa5, sizeof(*t)); /* use-after-free shows up under ASan anyway */
	free(t);
	live_tcbs--;
}

static int dropped_bufs;

static void h_drop_bufs(struct tcp_stack *st, struct tcb *t)
{
	(void)st;
	free(t->snd.buf);
	free(t->rcv.buf);
	t->snd.buf = t->rcv.buf = NULL;
	t->snd.size = t->rcv.size = 0;
	dropped_bufs++;
}

static u32 h_random(struct tcp_stack *st)
{
	(void)st;
	g_rand ^= g_rand << 13;
	g_rand ^= g_rand >> 7;
	g_rand ^= g_rand << 17;
	return (u32)g_rand;
}

static int h_route(struct tcp_stack *st, u32 d, u16 *mtu, u32 *tso)
{
	(void)st;
	(void)d;
	*mtu = g_mtu;
	*tso = g_tso;
	return 0;
}

/* Autotuning's resize: refused beyond g_resize_limit bytes per ring (the
 * kernel's memory budget), counted. */
static u32 g_resize_limit = ~0U;
static int resizes, resizes_refused;

static int h_resize(struct tcp_stack *st, struct tcb *t, struct tcp_ring *r, u32 bytes, u32 keep)
{
	u8 *nb, *old = r->buf;

	(void)st;
	(void)t;
	CHECK(keep <= bytes);
	CHECK(keep <= r->size);
	if (bytes > g_resize_limit) {
		resizes_refused++;
		return -ENOMEM;
	}
	nb = malloc(bytes);
	if (!nb)
		return -ENOMEM;
	tcp_ring_move(r, nb, bytes, keep);
	free(old);
	resizes++;
	return 0;
}

static const struct tcp_stack_ops hops = {
	.now = h_now, .output = h_output, .timer_armed = h_timer, .wake = h_wake,
	.alloc = h_alloc, .free = h_free, .random = h_random, .route = h_route,
	.drop_bufs = h_drop_bufs,
	.alloc_bufs = h_alloc_bufs,
	.resize = h_resize,
};

static struct tcp_stack st;

static void reset_stack(void)
{
	qhead = qtail = 0;
	live_tcbs = 0;
	g_mtu = 1500;
	g_tso = 0;
	g_resize_limit = ~0U;
	resizes = resizes_refused = 0;
	tcp_stack_init(&st, &hops); /* autotuning off: rcvbuf_max/sndbuf_max 0 */
}

static struct pkt *pop(void)
{
	if (qhead == qtail)
		return NULL;
	return &outq[qhead++ % QMAX];
}

static unsigned int pending(void) { return qtail - qhead; }

/* Whether the scripted peer's SYN or SYN-ACK offers SACK (open_active,
 * open_passive). */
static bool g_peer_sack;

/* Pop the next segment, parse it, and collect its SACK blocks (start, end
 * pairs into blk[], at most max); *nblk = -1 if it has no SACK option. */
static bool next_seg_sack(struct tcp_seg *s, u32 *blk, int max, int *nblk)
{
	struct pkt *p = pop();
	u32 i = TCP_HLEN_MIN;

	*nblk = -1;
	if (!p || tcp_parse(p->b, p->len, s))
		return false;
	while (i < s->hlen) {
		u8 kind = p->b[i];

		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (kind == TCPOPT_SACK) {
			int n = (p->b[i + 1] - 2) / 8;

			*nblk = n;
			for (int k = 0; k < n && k < max; k++) {
				blk[2 * k] = get_be32(&p->b[i + 2 + 8 * k]);
				blk[2 * k + 1] = get_be32(&p->b[i + 6 + 8 * k]);
			}
		}
		i += p->b[i + 1];
	}
	return true;
}

/* Pop the next segment and parse it; false if none or malformed. */
static bool next_seg(struct tcp_seg *s)
{
	struct pkt *p = pop();

	if (!p)
		return false;
	return tcp_parse(p->b, p->len, s) == 0;
}

static void advance(u64 ns)
{
	g_now += ns;
	tcp_stack_timers(&st, g_now);
}

/* The scripted peer. */
struct peer {
	u16 port, lport;        /* its port, the port it talks to */
	u32 seq, ack;           /* next sequence number it sends; what it acks */
	u16 win;
	bool ts;
	u32 tsval, tsecr;
	u8 ws;
};

static u8 segbuf[70000];

static void peer_send_raw(struct peer *pr, u8 flags, u32 seq, const void *data, u32 dlen,
			  const struct tcp_opts_out *extra, bool bad_csum)
{
	struct tcp_opts_out o = { 0 };
	u32 optlen, n;

	if (extra)
		o = *extra;
	if (pr->ts) {
		o.ts = true;
		o.tsval = pr->tsval;
		o.tsecr = pr->tsecr;
	}
	memset(segbuf, 0, TCP_HLEN_MIN);
	optlen = tcp_write_opts(segbuf + TCP_HLEN_MIN, &o);
	put_be16(segbuf, pr->port);
	put_be16(segbuf + 2, pr->lport);
	put_be32(segbuf + 4, seq);
	put_be32(segbuf + 8, (flags & TCP_ACK) ? pr->ack : 0);
	segbuf[12] = (u8)(((TCP_HLEN_MIN + optlen) / 4) << 4);
	segbuf[13] = flags;
	put_be16(segbuf + 14, pr->win);
	if (dlen)
		memcpy(segbuf + TCP_HLEN_MIN + optlen, data, dlen);
	n = TCP_HLEN_MIN + optlen + dlen;
	put_be16(segbuf + 16, csum_fold(csum_partial(segbuf, n,
						     csum_tcpudp_pseudo(PEER, LOCAL, IPPROTO_TCP, (u16)n))));
	if (bad_csum)
		segbuf[16] ^= 0x40;
	tcp_stack_input(&st, PEER, LOCAL, segbuf, n, false);
}

static void peer_send(struct peer *pr, u8 flags, const void *data, u32 dlen)
{
	peer_send_raw(pr, flags, pr->seq, data, dlen, NULL, false);
	pr->seq += dlen + !!(flags & TCP_SYN) + !!(flags & TCP_FIN);
}

static struct tcb *new_tcb(void)
{
	return tcp_tcb_new(&st, 65536, 65536);
}

/* Active open against the scripted peer; returns the established tcb. */
static struct tcb *open_active(struct peer *pr, bool ts, u8 ws, u16 peer_mss)
{
	struct tcb *t = new_tcb();
	struct tcp_seg s;
	struct tcp_opts_out o = { .mss = true, .mss_val = peer_mss, .ws = ws != 0xff,
				  .ws_val = ws, .sack_ok = g_peer_sack };

	t->attached = true;
	pr->port = 80;
	pr->win = 65535;
	pr->ts = false;
	CHECK_EQ(tcp_connect(&st, t, LOCAL, PEER, 80, g_mtu, g_tso), 0);
	CHECK(next_seg(&s));
	CHECK(s.flags == TCP_SYN);
	pr->lport = s.sport;
	pr->ack = s.seq + 1;
	pr->seq = 5000;
	pr->ts = ts && s.has_ts;
	pr->tsval = 100;
	pr->tsecr = s.tsval;
	peer_send_raw(pr, TCP_SYN | TCP_ACK, pr->seq, NULL, 0, &o, false);
	pr->seq++;
	CHECK_EQ(t->state, TCP_ESTABLISHED);
	CHECK(next_seg(&s));
	CHECK(s.flags == TCP_ACK && s.ack == pr->seq);
	if (s.has_ts)
		pr->tsecr = s.tsval;
	return t;
}

/* Passive open: a listener on 7, the peer connects; returns the accepted
 * child. */
static struct tcb *open_passive(struct tcb **lp, struct peer *pr, u16 pport)
{
	struct tcb *l = *lp, *c;
	struct tcp_seg s;
	struct tcp_opts_out o = { .mss = true, .mss_val = 1460, .ws = true, .ws_val = 7,
				  .sack_ok = g_peer_sack };

	if (!l) {
		l = new_tcb();
		l->attached = true;
		CHECK_EQ(tcp_bind(&st, l, INADDR_ANY, 7), 0);
		CHECK_EQ(tcp_listen(&st, l, 8), 0);
		*lp = l;
	}
	pr->port = pport;
	pr->lport = 7;
	pr->seq = 777000;
	pr->win = 65535;
	pr->ts = true;
	pr->tsval = 1;
	pr->tsecr = 0;
	peer_send_raw(pr, TCP_SYN, pr->seq, NULL, 0, &o, false);
	pr->seq++;
	CHECK(next_seg(&s));
	CHECK(s.flags == (TCP_SYN | TCP_ACK));
	CHECK(s.ack == pr->seq);
	CHECK(s.has_mss && s.mss == 1460);
	CHECK(s.has_ws && s.has_ts);
	pr->ack = s.seq + 1;
	pr->tsecr = s.tsval;
	pr->tsval++;
	peer_send(pr, TCP_ACK, NULL, 0);
	c = tcp_accept(&st, l);
	CHECK(c != NULL);
	if (c)
		CHECK_EQ(c->state, TCP_ESTABLISHED);
	return c;
}

static void close_all(struct tcb *t)
{
	t->linger0 = true;
	tcp_close(&st, t);
}

/* ---------------------------------------------------------------- parser */

TEST(parse_basic)
{
	u8 b[64] = { 0 };
	struct tcp_seg s;

	put_be16(b, 1234);
	put_be16(b + 2, 80);
	put_be32(b + 4, 0x11223344);
	put_be32(b + 8, 0x55667788);
	b[12] = 5 << 4;
	b[13] = TCP_SYN | TCP_ACK;
	put_be16(b + 14, 1000);
	CHECK_EQ(tcp_parse(b, 24, &s), 0);
	CHECK_EQ(s.sport, 1234);
	CHECK_EQ(s.dport, 80);
	CHECK_EQ(s.seq, 0x11223344);
	CHECK_EQ(s.ack, 0x55667788);
	CHECK_EQ(s.flags, TCP_SYN | TCP_ACK);
	CHECK_EQ(s.win, 1000);
	CHECK_EQ(s.hlen, 20);
	CHECK_EQ(s.dlen, 4);
	CHECK(!s.has_mss && !s.has_ts && !s.has_ws);
	/* Too short, data offset below 5 or beyond the segment, port 0. */
	CHECK_EQ(tcp_parse(b, 19, &s), -EINVAL);
	b[12] = 4 << 4;
	CHECK_EQ(tcp_parse(b, 24, &s), -EINVAL);
	b[12] = 7 << 4;
	CHECK_EQ(tcp_parse(b, 24, &s), -EINVAL);
	b[12] = 5 << 4;
	put_be16(b, 0);
	CHECK_EQ(tcp_parse(b, 24, &s), -EINVAL);
}

TEST(parse_options)
{
	u8 b[60] = { 0 };
	struct tcp_seg s;
	struct tcp_opts_out o = { .mss = true, .mss_val = 1400, .ws = true, .ws_val = 20,
				  .ts = true, .tsval = 7, .tsecr = 9, .sack_ok = true };
	u32 n = tcp_write_opts(b + 20, &o);

	CHECK_EQ(n % 4, 0);
	CHECK(n <= TCP_OPT_MAX);
	put_be16(b, 1);
	put_be16(b + 2, 2);
	b[12] = (u8)(((20 + n) / 4) << 4);
	CHECK_EQ(tcp_parse(b, 20 + n, &s), 0);
	CHECK(s.has_mss && s.mss == 1400);
	CHECK(s.has_ws && s.wscale == TCP_WSCALE_MAX); /* 20 capped at 14 */
	CHECK(s.has_ts && s.tsval == 7 && s.tsecr == 9);
	CHECK(s.sack_ok);
	CHECK_EQ(s.dlen, 0);

	/* A length byte running past the option area. */
	memset(b + 20, 0, 40);
	b[12] = 6 << 4;
	b[20] = TCPOPT_MSS;
	b[21] = 8;
	CHECK_EQ(tcp_parse(b, 24, &s), -EINVAL);
	/* Length 0 and 1 would loop or step back. */
	b[21] = 0;
	CHECK_EQ(tcp_parse(b, 24, &s), -EINVAL);
	b[21] = 1;
	CHECK_EQ(tcp_parse(b, 24, &s), -EINVAL);
	/* Kind with no room for its length byte. */
	b[20] = TCPOPT_NOP;
	b[21] = TCPOPT_NOP;
	b[22] = TCPOPT_NOP;
	b[23] = 99;
	CHECK_EQ(tcp_parse(b, 24, &s), -EINVAL);
	/* A known option of the wrong length is ignored, the rest parsed. */
	b[20] = TCPOPT_MSS;
	b[21] = 3;
	b[22] = 5;
	b[23] = TCPOPT_EOL;
	CHECK_EQ(tcp_parse(b, 24, &s), 0);
	CHECK(!s.has_mss);
	/* EOL ends the walk even if garbage follows. */
	b[12] = 7 << 4;
	memset(b + 20, 0, 8);
	b[20] = TCPOPT_EOL;
	b[21] = 0xff;
	CHECK_EQ(tcp_parse(b, 28, &s), 0);
}

TEST(seq_arith)
{
	CHECK(seq_lt(0xfffffff0U, 0x10));
	CHECK(seq_gt(0x10, 0xfffffff0U));
	CHECK(seq_le(5, 5) && seq_ge(5, 5));
	CHECK(seq_in(0, 0xffffffffU, 2));
	CHECK(!seq_in(2, 0xffffffffU, 2));
}

TEST(rtt_estimator)
{
	struct tcb *t;

	reset_stack();
	t = new_tcb();
	CHECK_EQ(t->rto, 1 * SEC); /* RFC 6298 2.1 */
	tcp_rtt_sample(&st, t, 100 * MS);
	CHECK_EQ(t->srtt, 100 * MS);
	CHECK_EQ(t->rttvar, 50 * MS);
	CHECK_EQ(t->rto, 300 * MS);
	tcp_rtt_sample(&st, t, 200 * MS);
	/* rttvar = 3/4*50 + 1/4*100 = 62.5; srtt = 7/8*100 + 1/8*200 = 112.5 */
	CHECK_EQ(t->rttvar, 62500000ULL);
	CHECK_EQ(t->srtt, 112500000ULL);
	CHECK_EQ(t->rto, 112500000ULL + 250000000ULL);
	for (int i = 0; i < 50; i++)
		tcp_rtt_sample(&st, t, 1 * MS);
	CHECK_EQ(t->rto, st.p.rto_min); /* clamped */
	t->backoff = 3;
	CHECK_EQ(tcp_rto_now(&st, t), 8 * st.p.rto_min);
	t->backoff = 40;
	CHECK_EQ(tcp_rto_now(&st, t), st.p.rto_max);
	h_free(&st, t);
}

/* ---------------------------------------------------------------- handshakes */

TEST(active_open_and_data)
{
	struct peer pr;
	struct tcb *t;
	struct tcp_seg s;
	char buf[100];

	reset_stack();
	t = open_active(&pr, true, 2, 1460);
	CHECK(t->ws_ok && t->ts_ok);
	CHECK_EQ(t->snd_wscale, 2);
	CHECK_EQ(t->mss, 1460 - 12);
	CHECK(tcp_connect_done(t));
	/* The peer's data arrives in order; the first segment's ACK is
	 * delayed, the second's immediate (every second segment). */
	peer_send(&pr, TCP_ACK | TCP_PSH, "hello", 5);
	CHECK_EQ(pending(), 0);
	CHECK(t->timer[TCP_T_DELACK] != 0);
	advance(41 * MS);
	CHECK(next_seg(&s));
	CHECK(s.flags == TCP_ACK && s.ack == pr.seq);
	peer_send(&pr, TCP_ACK, "ab", 2);
	peer_send(&pr, TCP_ACK, "cd", 2);
	CHECK(next_seg(&s));
	CHECK(s.ack == pr.seq);
	CHECK_EQ(tcp_recv(&st, t, buf, sizeof(buf)), 9);
	CHECK(memcmp(buf, "helloabcd", 9) == 0);
	CHECK_EQ(tcp_recv(&st, t, buf, sizeof(buf)), -EAGAIN);
	/* We send; the peer's ACK frees the buffer. */
	CHECK_EQ(tcp_send(&st, t, "world", 5), 5);
	CHECK(next_seg(&s));
	CHECK_EQ(s.dlen, 5);
	CHECK(memcmp(s.data, "world", 5) == 0);
	CHECK(s.flags & TCP_PSH);
	CHECK(t->timer[TCP_T_RTX] != 0);
	pr.ack = s.seq + 5;
	pr.tsecr = s.tsval;
	peer_send(&pr, TCP_ACK, NULL, 0);
	CHECK_EQ(t->snd.len, 0);
	CHECK_EQ(t->timer[TCP_T_RTX], 0);
	close_all(t);
	CHECK_EQ(live_tcbs, 0);
}

/* A coalesced (GSO) receive carrying more than one full-sized segment is
 * ACKed at once (RFC 5681 4.2 counts segments, not packets); one of at
 * most our MSS is still delayed. */
TEST(coalesced_receive_acked_at_once)
{
	static char big[8000];
	struct peer pr;
	struct tcb *t;
	struct tcp_seg s;

	reset_stack();
	t = open_active(&pr, true, 2, 1460);
	CHECK(tcp_connect_done(t));
	CHECK(t->adv_mss > 0 && t->adv_mss < sizeof(big));
	memset(big, 'x', sizeof(big));
	peer_send(&pr, TCP_ACK, big, t->adv_mss);
	CHECK_EQ(pending(), 0);
	CHECK(t->timer[TCP_T_DELACK] != 0);
	advance(41 * MS);
	CHECK(next_seg(&s));
	CHECK(s.ack == pr.seq);
	peer_send(&pr, TCP_ACK, big, t->adv_mss + 1u);
	CHECK(next_seg(&s));
	CHECK(s.flags == TCP_ACK && s.ack == pr.seq);
	CHECK_EQ(t->timer[TCP_T_DELACK], 0);
	peer_send(&pr, TCP_ACK, big, sizeof(big));
	CHECK(next_seg(&s));
	CHECK(s.ack == pr.seq);
	close_all(t);
	CHECK_EQ(live_tcbs, 0);
}

/* The SACK option writer: 3 blocks fit beside timestamps, 4 without,
 * never more than asked; the bytes are NOP NOP 5 LEN then the blocks. */
TEST(sack_option_writer)
{
	u8 b[TCP_OPT_MAX + 8];
	struct tcp_opts_out o = { .ts = true, .tsval = 1, .tsecr = 2, .nsack = 4 };
	u32 n;

	for (u32 i = 0; i < 4; i++) {
		o.sack_start[i] = 1000 * (i + 1);
		o.sack_end[i] = 1000 * (i + 1) + 500;
	}
	memset(b, 0xee, sizeof(b));
	n = tcp_write_opts(b, &o);
	CHECK_EQ(n, 40u);
	CHECK(b[12] == TCPOPT_NOP && b[13] == TCPOPT_NOP && b[14] == TCPOPT_SACK);
	CHECK_EQ(b[15], 2 + 8 * 3);
	CHECK_EQ(get_be32(&b[16]), 1000u);
	CHECK_EQ(get_be32(&b[20]), 1500u);
	CHECK_EQ(get_be32(&b[32]), 3000u);
	CHECK_EQ(get_be32(&b[36]), 3500u);
	CHECK_EQ(b[40], 0xee);
	o.ts = false;
	n = tcp_write_opts(b, &o);
	CHECK_EQ(n, 36u);
	CHECK_EQ(b[3], 2 + 8 * 4);
	CHECK_EQ(get_be32(&b[28]), 4000u);
	o.nsack = 1;
	CHECK_EQ(tcp_write_opts(b, &o), 12u);
	/* Beside MSS, SACK-permitted, timestamps and window scale (24
	 * bytes) one block fits. */
	o = (struct tcp_opts_out){ .mss = true, .mss_val = 1460, .sack_ok = true, .ts = true,
				   .ws = true, .ws_val = 7, .nsack = 4 };
	n = tcp_write_opts(b, &o);
	CHECK(n <= TCP_OPT_MAX);
	CHECK_EQ(n, 24u + 4 + 8);
}

/* RFC 2018 on our receiving side: SACK-permitted offered on our SYN and
 * agreed only when the peer offers it too; data beyond a hole draws an
 * immediate ACK whose first block is the range that segment joined, the
 * others following; the filled hole ends the blocks. */
TEST(sack_receiver)
{
	static char d[4000];
	struct peer pr;
	struct tcb *t, *l = NULL;
	struct tcp_seg s;
	u32 blk[8], base;
	int n;

	reset_stack();
	memset(d, 'q', sizeof(d));
	/* Without the peer's offer: no SACK, plain duplicate ACKs. */
	g_peer_sack = false;
	t = open_active(&pr, true, 2, 1460);
	CHECK(!t->sack_ok);
	base = pr.seq;
	peer_send_raw(&pr, TCP_ACK, base + 1000, d, 100, NULL, false);
	CHECK(next_seg_sack(&s, blk, 4, &n));
	CHECK(s.ack == base && n == -1);
	close_all(t);

	/* With it. Our SYN offered it (checked on the wire). */
	g_peer_sack = true;
	reset_stack();
	CHECK_EQ(tcp_connect(&st, t = new_tcb(), LOCAL, PEER, 81, g_mtu, g_tso), 0);
	CHECK(next_seg(&s));
	CHECK(s.flags == TCP_SYN && s.sack_ok);
	close_all(t);
	reset_stack();
	t = open_active(&pr, true, 2, 1460);
	CHECK(t->sack_ok);
	base = pr.seq;
	peer_send_raw(&pr, TCP_ACK, base + 1000, d, 100, NULL, false);
	CHECK(next_seg_sack(&s, blk, 4, &n));
	CHECK(s.ack == base);
	CHECK_EQ(n, 1);
	CHECK(blk[0] == base + 1000 && blk[1] == base + 1100);
	/* A second range further on: it comes first, the older one after. */
	peer_send_raw(&pr, TCP_ACK, base + 3000, d, 200, NULL, false);
	CHECK(next_seg_sack(&s, blk, 4, &n));
	CHECK_EQ(n, 2);
	CHECK(blk[0] == base + 3000 && blk[1] == base + 3200);
	CHECK(blk[2] == base + 1000 && blk[3] == base + 1100);
	/* Joining the first range makes it the most recent again. */
	peer_send_raw(&pr, TCP_ACK, base + 1100, d, 50, NULL, false);
	CHECK(next_seg_sack(&s, blk, 4, &n));
	CHECK_EQ(n, 2);
	CHECK(blk[0] == base + 1000 && blk[1] == base + 1150);
	CHECK(blk[2] == base + 3000 && blk[3] == base + 3200);
	/* More ranges than fit beside timestamps: 3 blocks. */
	peer_send_raw(&pr, TCP_ACK, base + 2000, d, 10, NULL, false);
	CHECK(next_seg_sack(&s, blk, 4, &n));
	peer_send_raw(&pr, TCP_ACK, base + 2500, d, 10, NULL, false);
	CHECK(next_seg_sack(&s, blk, 4, &n));
	CHECK_EQ(n, 3);
	CHECK(blk[0] == base + 2500 && blk[1] == base + 2510);
	CHECK(blk[2] == base + 1000 && blk[3] == base + 1150);
	/* Fill every hole: a cumulative ACK and no SACK option. */
	peer_send_raw(&pr, TCP_ACK, base, d, 3200, NULL, false);
	CHECK(next_seg_sack(&s, blk, 4, &n));
	CHECK(s.ack == base + 3200);
	CHECK_EQ(n, -1);
	CHECK_EQ(t->nooo, 0);
	close_all(t);

	/* Passive: a SYN offering it gets it back on the SYN-ACK. */
	reset_stack();
	t = open_passive(&l, &pr, 3001);
	CHECK(t && t->sack_ok);
	close_all(t);
	close_all(l);
	/* A stack with SACK off neither offers nor agrees. */
	reset_stack();
	st.p.sack = false;
	t = open_active(&pr, true, 2, 1460);
	CHECK(!t->sack_ok);
	close_all(t);
	g_peer_sack = false;
	CHECK_EQ(live_tcbs, 0);
}

TEST(passive_open_accept)
{
	struct peer pr;
	struct tcb *l = NULL, *c;
	struct tcp_seg s;
	char buf[16];

	reset_stack();
	c = open_passive(&l, &pr, 3000);
	CHECK(c && c->ws_ok && c->ts_ok);
	CHECK_EQ(c->snd_wscale, 7);
	CHECK_EQ(l->acceptq_len, 0);
	CHECK(tcp_accept(&st, l) == NULL);
	peer_send(&pr, TCP_ACK | TCP_PSH, "x", 1);
	CHECK_EQ(tcp_recv(&st, c, buf, 16), 1);
	/* A segment for no connection gets a reset. */
	pr.port = 3999;
	peer_send(&pr, TCP_ACK, NULL, 0);
	while (next_seg(&s) && !(s.flags & TCP_RST))
		;
	CHECK(s.flags & TCP_RST);
	CHECK_EQ(s.seq, pr.ack);
	close_all(c);
	tcp_close(&st, l);
	CHECK_EQ(live_tcbs, 0);
}

TEST(simultaneous_open)
{
	struct tcb *t;
	struct peer pr = { 0 };
	struct tcp_seg s;
	struct tcp_opts_out o = { .mss = true, .mss_val = 1000 };

	reset_stack();
	t = new_tcb();
	t->attached = true;
	CHECK_EQ(tcp_bind(&st, t, LOCAL, 4000), 0);
	CHECK_EQ(tcp_connect(&st, t, LOCAL, PEER, 5000, 1500, 0), 0);
	CHECK(next_seg(&s) && s.flags == TCP_SYN);
	CHECK_EQ(tcp_send(&st, t, "early", 5), 5); /* queued before the handshake */
	pr.port = 5000;
	pr.lport = 4000;
	pr.seq = 90000;
	pr.win = 8000;
	/* The peer's own SYN crosses ours. */
	peer_send_raw(&pr, TCP_SYN, pr.seq, NULL, 0, &o, false);
	pr.seq++;
	CHECK_EQ(t->state, TCP_SYN_RECEIVED);
	CHECK(next_seg(&s) && s.flags == (TCP_SYN | TCP_ACK));
	CHECK_EQ(s.ack, pr.seq);
	/* Its SYN-ACK (to our SYN) completes it. */
	pr.ack = s.seq + 1;
	peer_send_raw(&pr, TCP_SYN | TCP_ACK, pr.seq - 1, NULL, 0, &o, false);
	CHECK_EQ(t->state, TCP_ESTABLISHED);
	CHECK_EQ(t->mss, 1000);
	CHECK(!t->ws_ok && !t->ts_ok);
	/* The early data goes out whole, right after our SYN. */
	while (next_seg(&s) && !s.dlen)
		;
	CHECK_EQ(s.dlen, 5);
	CHECK_EQ(s.seq, pr.ack);
	CHECK(memcmp(s.data, "early", 5) == 0);
	close_all(t);
	CHECK_EQ(live_tcbs, 0);
}

TEST(connect_refused_and_syn_timeout)
{
	struct tcb *t;
	struct peer pr = { 0 };
	struct tcp_seg s;
	int syns = 0;

	reset_stack();
	t = new_tcb();
	t->attached = true;
	CHECK_EQ(tcp_connect(&st, t, LOCAL, PEER, 81, 1500, 0), 0);
	CHECK(next_seg(&s));
	pr.port = 81;
	pr.lport = s.sport;
	pr.ack = s.seq + 1;
	/* A reset with a wrong ACK is ignored; with the right one refuses. */
	pr.ack++;
	peer_send_raw(&pr, TCP_RST | TCP_ACK, 0, NULL, 0, NULL, false);
	CHECK_EQ(t->state, TCP_SYN_SENT);
	pr.ack--;
	peer_send_raw(&pr, TCP_RST | TCP_ACK, 0, NULL, 0, NULL, false);
	CHECK_EQ(t->state, TCP_CLOSED);
	CHECK_EQ(t->err, -ECONNREFUSED);
	CHECK(tcp_connect_done(t));
	tcp_close(&st, t);

	/* No answer: SYNs with backoff, then ETIMEDOUT. */
	t = new_tcb();
	t->attached = true;
	CHECK_EQ(tcp_connect(&st, t, LOCAL, PEER, 81, 1500, 0), 0);
	CHECK(next_seg(&s));
	for (int i = 0; i < 200 && t->state == TCP_SYN_SENT; i++) {
		advance(1 * SEC);
		while (next_seg(&s))
			if (s.flags == TCP_SYN)
				syns++;
	}
	CHECK_EQ(t->state, TCP_CLOSED);
	CHECK_EQ(t->err, -ETIMEDOUT);
	CHECK_EQ(syns, st.p.syn_retries);
	tcp_close(&st, t);
	CHECK_EQ(live_tcbs, 0);
}

/* ---------------------------------------------------------------- loss */

static u32 sent_bytes_until_quiet(struct tcp_seg *segs, int max, int *n)
{
	struct tcp_seg s;
	u32 total = 0;

	*n = 0;
	while (next_seg(&s)) {
		if (*n < max)
			segs[(*n)++] = s;
		total += s.dlen;
	}
	return total;
}

/* Ten 1000-byte segments of data in flight on t (MSS 1000), the first
 * of them ACKed by the peer; returns the first segment's sequence. */
static u32 ten_in_flight_first_acked(struct peer *pr, struct tcb *t, const u8 *data, u32 len)
{
	struct tcp_seg segs[64];
	int n;
	u32 una;

	CHECK_EQ(t->mss, 1000);
	t->nodelay = true;
	t->cwnd = 10000; /* a window of 10 segments in flight */
	CHECK_EQ(tcp_send(&st, t, data, len), (long)len);
	sent_bytes_until_quiet(segs, 64, &n);
	CHECK_EQ(n, 10);
	una = segs[0].seq;
	pr->ack = una + 1000;
	peer_send(pr, TCP_ACK, NULL, 0);
	(void)sent_bytes_until_quiet(segs, 64, &n); /* cwnd growth may send more */
	return una;
}

TEST(fast_retransmit_newreno)
{
	struct peer pr;
	struct tcb *t;
	struct tcp_seg segs[64], s;
	static u8 data[20000];
	int n;
	u32 una;

	reset_stack();
	for (u32 i = 0; i < sizeof(data); i++)
		data[i] = (u8)(i * 7);
	t = open_active(&pr, false, 0xff, 1000);
	/* Segments 1 and 4 are lost: the peer ACKs segment 0, then sends
	 * duplicate ACKs for 2, 3. */
	una = ten_in_flight_first_acked(&pr, t, data, sizeof(data));
	for (int i = 0; i < 3; i++)
		peer_send(&pr, TCP_ACK, NULL, 0);
	CHECK(t->in_recovery);
	CHECK_EQ(t->fast_retrans, 1);
	CHECK(next_seg(&s));
	CHECK_EQ(s.seq, una + 1000);
	CHECK_EQ(s.dlen, 1000);
	CHECK(memcmp(s.data, data + 1000, 1000) == 0);
	CHECK_EQ(t->recover, t->snd_max);
	/* A partial ACK (up to the second hole) retransmits the next hole at
	 * once and stays in recovery. */
	pr.ack = una + 4000;
	peer_send(&pr, TCP_ACK, NULL, 0);
	CHECK(t->in_recovery);
	CHECK(next_seg(&s));
	CHECK_EQ(s.seq, una + 4000);
	(void)sent_bytes_until_quiet(segs, 64, &n);
	/* The full ACK ends recovery with cwnd <= ssthresh. */
	pr.ack = t->recover;
	peer_send(&pr, TCP_ACK, NULL, 0);
	CHECK(!t->in_recovery);
	CHECK(t->cwnd <= t->ssthresh);
	close_all(t);
	CHECK_EQ(live_tcbs, 0);
}

/* The SACK option parsed (1-4 blocks; a length that is not 2 + 8n is
 * ignored) and the sender's use of it: with segments 1, 4 and 6 of ten
 * lost, the duplicate ACKs' blocks send every hole once, in order, before
 * any new data; blocks outside (SND.UNA, SND.MAX] are ignored. */
TEST(sack_sender)
{
	struct peer pr;
	struct tcb *t;
	struct tcp_seg segs[64], s;
	static u8 data[20000];
	struct tcp_opts_out o = { 0 };
	u8 b[60] = { 0 };
	int n;
	u32 una, len;

	/* Parser. */
	o.nsack = 4;
	for (u32 i = 0; i < 4; i++) {
		o.sack_start[i] = 100 * i + 1;
		o.sack_end[i] = 100 * i + 50;
	}
	len = tcp_write_opts(b + 20, &o);
	put_be16(b, 1);
	put_be16(b + 2, 2);
	b[12] = (u8)(((20 + len) / 4) << 4);
	CHECK_EQ(tcp_parse(b, 20 + len, &s), 0);
	CHECK_EQ(s.nsack, 4);
	CHECK(s.sack_start[3] == 301 && s.sack_end[3] == 350);
	b[23] = 11; /* not 2 + 8n: ignored, the segment still parses */
	b[20 + 2 + 11] = TCPOPT_EOL;
	CHECK_EQ(tcp_parse(b, 20 + len, &s), 0);
	CHECK_EQ(s.nsack, 0);

	reset_stack();
	g_peer_sack = true;
	for (u32 i = 0; i < sizeof(data); i++)
		data[i] = (u8)(i * 7);
	t = open_active(&pr, false, 0xff, 1000);
	CHECK(t->sack_ok);
	una = ten_in_flight_first_acked(&pr, t, data, sizeof(data));
	/* Duplicate ACKs for 2, 3 (one range), then 5, then 7: the blocks
	 * say what arrived; a bogus block beyond SND.MAX and a stale one
	 * below SND.UNA ride along and must change nothing. */
	o = (struct tcp_opts_out){ .nsack = 3 };
	o.sack_start[0] = una + 2000;
	o.sack_end[0] = una + 4000;
	o.sack_start[1] = t->snd_max + 1000;
	o.sack_end[1] = t->snd_max + 2000;
	o.sack_start[2] = una - 500;
	o.sack_end[2] = una;
	peer_send_raw(&pr, TCP_ACK, pr.seq, NULL, 0, &o, false);
	CHECK_EQ(t->nsacked, 1);
	o = (struct tcp_opts_out){ .nsack = 2 };
	o.sack_start[0] = una + 5000;
	o.sack_end[0] = una + 6000;
	o.sack_start[1] = una + 2000;
	o.sack_end[1] = una + 4000;
	peer_send_raw(&pr, TCP_ACK, pr.seq, NULL, 0, &o, false);
	o.sack_start[0] = una + 7000;
	o.sack_end[0] = una + 8000;
	peer_send_raw(&pr, TCP_ACK, pr.seq, NULL, 0, &o, false);
	CHECK(t->in_recovery);
	CHECK_EQ(t->nsacked, 3);
	/* Fast retransmit: the head. */
	CHECK(next_seg(&s));
	CHECK_EQ(s.seq, una + 1000);
	CHECK_EQ(s.dlen, 1000);
	CHECK_EQ(pending(), 0);
	/* Each further duplicate ACK sends the next hole: 4, then 6. */
	o.sack_start[0] = una + 8000;
	o.sack_end[0] = una + 9000;
	o.sack_start[1] = una + 5000;
	o.sack_end[1] = una + 6000;
	peer_send_raw(&pr, TCP_ACK, pr.seq, NULL, 0, &o, false);
	CHECK(next_seg(&s));
	CHECK_EQ(s.seq, una + 4000);
	CHECK(memcmp(s.data, data + 4000, 1000) == 0);
	CHECK_EQ(pending(), 0);
	o.sack_start[0] = una + 9000;
	o.sack_end[0] = una + 10000;
	peer_send_raw(&pr, TCP_ACK, pr.seq, NULL, 0, &o, false);
	CHECK(next_seg(&s));
	CHECK_EQ(s.seq, una + 6000);
	/* No hole left below the highest block: the next duplicate ACK
	 * inflates the window instead (new data may follow). */
	peer_send_raw(&pr, TCP_ACK, pr.seq, NULL, 0, &o, false);
	while (next_seg(&s))
		CHECK(seq_ge(s.seq, una + 10000));
	CHECK_EQ(st.stats.sack_rtx, 2);
	/* The partial ACK up to the second hole: nothing resent twice. */
	pr.ack = una + 4000;
	peer_send_raw(&pr, TCP_ACK, pr.seq, NULL, 0, &o, false);
	CHECK(t->in_recovery);
	while (next_seg(&s))
		CHECK(s.seq != una + 4000 && s.seq != una + 6000);
	CHECK(t->nsacked >= 1 && seq_ge(t->sacked[0].start, una + 4000));
	/* The full ACK ends recovery and empties the scoreboard. */
	pr.ack = t->recover;
	peer_send(&pr, TCP_ACK, NULL, 0);
	CHECK(!t->in_recovery);
	CHECK_EQ(t->nsacked, 0);
	close_all(t);
	CHECK_EQ(live_tcbs, 0);

	/* With TSO a hole of several segments goes as one super-segment:
	 * segments 1-3 lost, the head resent alone, then 2 and 3 at once. */
	reset_stack();
	g_tso = 65536;
	t = open_active(&pr, false, 0xff, 1000);
	t->nodelay = true;
	t->cwnd = 10000;
	CHECK_EQ(tcp_send(&st, t, data, 10000), 10000L);
	sent_bytes_until_quiet(segs, 64, &n);
	una = t->snd_una;
	pr.ack = una + 1000;
	peer_send(&pr, TCP_ACK, NULL, 0);
	(void)sent_bytes_until_quiet(segs, 64, &n);
	o = (struct tcp_opts_out){ .nsack = 1 };
	o.sack_start[0] = una + 4000;
	for (int i = 0; i < 4; i++) {
		o.sack_end[0] = una + 5000 + 1000 * (u32)i;
		peer_send_raw(&pr, TCP_ACK, pr.seq, NULL, 0, &o, false);
	}
	CHECK(t->in_recovery);
	CHECK(next_seg(&s));
	CHECK(s.seq == una + 1000 && s.dlen == 1000);
	CHECK(next_seg(&s));
	CHECK(s.seq == una + 2000 && s.dlen == 2000);
	g_peer_sack = false;
	close_all(t);
	CHECK_EQ(live_tcbs, 0);
}

TEST(rto_backoff_and_timeout)
{
	struct peer pr;
	struct tcb *t;
	struct tcp_seg s;
	u64 last = 0, gap, prev_gap = 0;
	int rtx = 0;

	reset_stack();
	t = open_active(&pr, false, 0xff, 1460);
	CHECK_EQ(tcp_send(&st, t, "abc", 3), 3);
	CHECK(next_seg(&s));
	last = g_now;
	/* Nothing comes back: each retransmission waits twice as long. */
	for (int i = 0; i < 100000 && t->state == TCP_ESTABLISHED; i++) {
		advance(100 * MS);
		if (next_seg(&s) && s.dlen == 3) {
			gap = g_now - last;
			if (prev_gap && gap < st.p.rto_max)
				CHECK(gap >= 2 * prev_gap - 100 * MS);
			prev_gap = gap;
			last = g_now;
			rtx++;
			CHECK_EQ(t->cwnd, t->mss); /* loss window */
		}
	}
	CHECK_EQ(rtx, st.p.max_retries);
	CHECK_EQ(t->state, TCP_CLOSED);
	CHECK_EQ(t->err, -ETIMEDOUT);
	CHECK_EQ(tcp_send(&st, t, "x", 1), -ETIMEDOUT);
	tcp_close(&st, t);
	CHECK_EQ(live_tcbs, 0);
}

TEST(rto_then_recovery)
{
	struct peer pr;
	struct tcb *t;
	struct tcp_seg s;
	static u8 data[5000];

	reset_stack();
	t = open_active(&pr, true, 0, 1000);
	t->nodelay = true;
	CHECK_EQ(tcp_send(&st, t, data, 3000), 3000);
	while (next_seg(&s))
		;
	advance(1100 * MS);
	CHECK(next_seg(&s)); /* the head again */
	CHECK_EQ(s.seq, t->snd_una);
	CHECK_EQ(t->backoff, 1);
	/* The peer got everything (only our ACK path was slow). */
	pr.ack = t->snd_max;
	pr.tsecr = s.tsval;
	peer_send(&pr, TCP_ACK, NULL, 0);
	CHECK_EQ(t->snd.len, 0);
	CHECK_EQ(t->backoff, 0);
	CHECK_EQ(t->retries, 0);
	CHECK_EQ(t->timer[TCP_T_RTX], 0);
	close_all(t);
}

TEST(spurious_rto_eifel)
{
	struct peer pr;
	struct tcb *t;
	struct tcp_seg s, first;
	static u8 data[5000];
	u32 cwnd_before, max_before;
	int resent = 0;

	reset_stack();
	t = open_active(&pr, true, 0, 1000);
	t->nodelay = true;
	CHECK_EQ(tcp_send(&st, t, data, 4000), 4000);
	CHECK(next_seg(&first));
	while (next_seg(&s))
		;
	cwnd_before = t->cwnd;
	max_before = t->snd_max;
	g_now += 5 * MS; /* the timestamp clock moves on */
	advance(1100 * MS);
	CHECK(next_seg(&s)); /* the head again */
	CHECK_EQ(t->cwnd, t->mss);
	CHECK(t->eifel_armed);
	/* The ACK of the original first segment arrives late: it echoes the
	 * original timestamp, older than the retransmission's. */
	pr.ack = first.seq + 1000;
	pr.tsecr = first.tsval;
	peer_send(&pr, TCP_ACK, NULL, 0);
	CHECK_EQ(st.stats.spurious_rto, 1);
	/* Restored, then grown by the bytes this ACK covers (slow start
	 * counts bytes, RFC 3465: 1000, a little more than one MSS). */
	CHECK_EQ(t->cwnd, cwnd_before + 1000);
	CHECK(seq_ge(t->snd_nxt, max_before));   /* no go-back-N resend... */
	while (next_seg(&s))
		if (seq_lt(s.seq, max_before) && s.dlen)
			resent++;
	CHECK_EQ(resent, 0); /* ...only the 48 bytes never sent went out */
	/* A genuine timeout (the ACK echoes the retransmission) is not undone. */
	advance(5 * SEC);
	while (next_seg(&s))
		;
	pr.ack = t->snd_max;
	pr.tsecr = s.tsval;
	peer_send(&pr, TCP_ACK, NULL, 0);
	CHECK_EQ(st.stats.spurious_rto, 1);
	close_all(t);
}

/* A suspend and resume as the core sees it: the clock jumps over the
 * outage, the overdue RTO fires while the link is still down (its
 * segment is lost), then the link comes back (tcp_stack_link_up). The
 * head goes again at once with the backoff reset; an ACK echoing a
 * timestamp from before the outage (a frame the driver kept) gives no
 * 20 s RTT sample and no Eifel undo; one echoing a later timestamp
 * samples as usual. */
TEST(link_up_after_outage)
{
	struct peer pr;
	struct tcb *t;
	struct tcp_seg s, first;
	static u8 data[5000];
	u64 srtt, rto;

	reset_stack();
	t = open_active(&pr, true, 0, 1000);
	t->nodelay = true;
	CHECK(t->rtt_valid);
	srtt = t->srtt;
	rto = t->rto;
	CHECK_EQ(tcp_send(&st, t, data, 3000), 3000);
	CHECK(next_seg(&first));
	while (next_seg(&s))
		;
	/* Suspended for 20 s: no timer ran; at the resume the RTO is
	 * overdue and fires into a link that is not back yet. */
	g_now += 20 * SEC;
	advance(1 * MS);
	CHECK(next_seg(&s));
	CHECK_EQ(s.seq, first.seq);
	CHECK_EQ(t->backoff, 1);
	while (next_seg(&s))
		;
	/* With its backoff, the next try would come only after 2 RTOs. */
	CHECK(t->timer[TCP_T_RTX] >= g_now + 2 * rto - MS);
	tcp_stack_link_up(&st);
	CHECK_EQ(t->backoff, 0);
	CHECK_EQ(t->retries, 0);
	CHECK_EQ(st.stats.link_restarts, 1);
	advance(0);
	CHECK(next_seg(&s)); /* the head, at once */
	CHECK_EQ(s.seq, first.seq);
	CHECK(!t->eifel_armed);
	/* The original first segment, kept by the driver and sent after
	 * the resume, is what the peer ACKs: its echo predates the outage. */
	pr.ack = first.seq + 1000;
	pr.tsecr = first.tsval;
	peer_send(&pr, TCP_ACK, NULL, 0);
	CHECK_EQ(t->srtt, srtt);
	CHECK_EQ(t->rto, rto);
	CHECK_EQ(st.stats.rtt_discarded, 1);
	CHECK_EQ(st.stats.spurious_rto, 0);
	CHECK(seq_lt(t->snd_nxt, t->snd_max)); /* no jump past the lost rest */
	/* The rest is resent and ACKed with a fresh echo: sampled. */
	advance(3 * MS);
	while (next_seg(&s))
		;
	pr.ack = t->snd_max;
	pr.tsecr = s.tsval;
	advance(2 * MS);
	peer_send(&pr, TCP_ACK, NULL, 0);
	CHECK_EQ(t->snd.len, 0);
	CHECK_EQ(st.stats.rtt_discarded, 1);
	CHECK(t->srtt != srtt);
	CHECK(t->srtt < srtt + 10 * MS);
	close_all(t);
}

/* Without timestamps the timed segment is dropped at the link-up: an ACK
 * for it afterwards gives no sample. An idle connection sends nothing. */
TEST(link_up_no_ts_and_idle)
{
	struct peer pr;
	struct tcb *t;
	struct tcp_seg s;
	static u8 data[2000];
	u64 srtt;

	reset_stack();
	t = open_active(&pr, false, 0, 1000);
	t->nodelay = true;
	srtt = t->srtt;
	tcp_stack_link_up(&st); /* idle: nothing to restart */
	advance(0);
	CHECK(!next_seg(&s));
	CHECK_EQ(st.stats.link_restarts, 0);
	CHECK_EQ(tcp_send(&st, t, data, 1000), 1000);
	CHECK(next_seg(&s));
	CHECK(t->rtt_timing);
	g_now += 15 * SEC;
	tcp_stack_link_up(&st);
	CHECK(!t->rtt_timing);
	advance(0);
	CHECK(next_seg(&s));
	pr.ack = t->snd_max;
	peer_send(&pr, TCP_ACK, NULL, 0);
	CHECK_EQ(t->snd.len, 0);
	CHECK_EQ(t->srtt, srtt);
	close_all(t);
}

TEST(out_of_order_reassembly)
{
	struct peer pr;
	struct tcb *t;
	struct tcp_seg s;
	char buf[64];
	u32 base;

	reset_stack();
	t = open_active(&pr, false, 0xff, 1460);
	base = pr.seq;
	/* 3rd, then 2nd, then 1st: each out-of-order one is ACKed at once
	 * with the old ACK number (a duplicate ACK). */
	peer_send_raw(&pr, TCP_ACK, base + 8, "CCCC", 4, NULL, false);
	CHECK(next_seg(&s) && s.ack == base);
	peer_send_raw(&pr, TCP_ACK, base + 4, "BBBB", 4, NULL, false);
	CHECK(next_seg(&s) && s.ack == base);
	CHECK_EQ(t->nooo, 1); /* merged */
	CHECK_EQ(tcp_recv(&st, t, buf, 64), -EAGAIN);
	peer_send_raw(&pr, TCP_ACK, base, "AAAA", 4, NULL, false);
	CHECK(next_seg(&s) && s.ack == base + 12); /* hole filled: ACK now */
	CHECK_EQ(tcp_recv(&st, t, buf, 64), 12);
	CHECK(memcmp(buf, "AAAABBBBCCCC", 12) == 0);
	/* A duplicate (old) segment: ACKed, not delivered twice. */
	peer_send_raw(&pr, TCP_ACK, base, "AAAA", 4, NULL, false);
	CHECK(next_seg(&s) && s.ack == base + 12);
	CHECK_EQ(tcp_recv(&st, t, buf, 64), -EAGAIN);
	/* An overlapping one: only the new part counts. */
	peer_send_raw(&pr, TCP_ACK, base + 10, "CCDD", 4, NULL, false);
	CHECK_EQ(tcp_recv(&st, t, buf, 64), 2);
	CHECK(memcmp(buf, "DD", 2) == 0);
	/* Ranges merged in the middle keep the list sorted, and filling the
	 * first hole delivers exactly the contiguous part. */
	base += 14;
	pr.seq = base;
	peer_send_raw(&pr, TCP_ACK, base + 10, "bbbb", 4, NULL, false);
	peer_send_raw(&pr, TCP_ACK, base + 20, "dddd", 4, NULL, false);
	peer_send_raw(&pr, TCP_ACK, base + 30, "ffff", 4, NULL, false);
	peer_send_raw(&pr, TCP_ACK, base + 40, "hhhh", 4, NULL, false);
	peer_send_raw(&pr, TCP_ACK, base + 14, "cccccc", 6, NULL, false); /* joins 10..24 */
	CHECK_EQ(t->nooo, 3);
	for (u8 i = 1; i < t->nooo; i++)
		CHECK(seq_gt(t->ooo[i].start, t->ooo[i - 1].end));
	peer_send_raw(&pr, TCP_ACK, base, "aaaaaaaaaa", 10, NULL, false);
	CHECK_EQ(tcp_recv(&st, t, buf, 64), 24);
	CHECK(memcmp(buf, "aaaaaaaaaabbbbccccccdddd", 24) == 0);
	base += 24;
	pr.seq = base;
	peer_send_raw(&pr, TCP_ACK, base, "eeeeee", 6, NULL, false);
	CHECK_EQ(tcp_recv(&st, t, buf, 64), 10);
	CHECK_MSG(memcmp(buf, "eeeeeeffff", 10) == 0, "got %.10s", buf);
	base += 10;
	pr.seq = base;
	peer_send_raw(&pr, TCP_ACK, base, "gggggg", 6, NULL, false);
	CHECK_EQ(tcp_recv(&st, t, buf, 64), 10);
	CHECK(memcmp(buf, "gggggghhhh", 10) == 0);
	CHECK_EQ(t->nooo, 0);
	/* More holes than ranges: the extra segment is dropped, not stored. */
	pr.seq = base + 10;
	for (u32 i = 0; i < TCP_OOO_MAX + 3; i++)
		peer_send_raw(&pr, TCP_ACK, pr.seq + 10 + i * 10, "zz", 2, NULL, false);
	CHECK_EQ(t->nooo, TCP_OOO_MAX);
	close_all(t);
}

/* ---------------------------------------------------------------- windows */

TEST(zero_window_probe)
{
	struct peer pr;
	struct tcb *t;
	struct tcp_seg s;
	int probes = 0;

	reset_stack();
	t = open_active(&pr, false, 0xff, 1460);
	pr.win = 0;
	peer_send(&pr, TCP_ACK, NULL, 0); /* the window closes */
	CHECK_EQ(t->snd_wnd, 0);
	CHECK_EQ(tcp_send(&st, t, "0123456789", 10), 10);
	CHECK_EQ(pending(), 0); /* nothing may go */
	CHECK(t->timer[TCP_T_RTX] != 0);
	/* Probes of one byte, answered with the window still closed: the
	 * connection stays up however long this lasts. */
	for (int i = 0; i < 40; i++) {
		advance(2 * SEC);
		while (next_seg(&s)) {
			CHECK_EQ(s.dlen, 1);
			CHECK_EQ(s.seq, t->snd_una);
			probes++;
			peer_send(&pr, TCP_ACK, NULL, 0);
		}
	}
	CHECK(probes >= 5);
	CHECK_EQ(t->state, TCP_ESTABLISHED);
	/* The window opens: everything goes. */
	pr.win = 1000;
	peer_send(&pr, TCP_ACK, NULL, 0);
	advance(0);
	{
		u32 got = 0;

		while (next_seg(&s))
			got += s.dlen;
		CHECK(got >= 9);
	}
	close_all(t);
}

TEST(nagle_and_nodelay)
{
	struct peer pr;
	struct tcb *t;
	struct tcp_seg s;

	reset_stack();
	t = open_active(&pr, false, 0xff, 1460);
	CHECK_EQ(tcp_send(&st, t, "a", 1), 1);
	CHECK_EQ(tcp_send(&st, t, "b", 1), 1);
	CHECK_EQ(tcp_send(&st, t, "c", 1), 1);
	CHECK(next_seg(&s) && s.dlen == 1);
	CHECK_EQ(pending(), 0); /* Nagle holds b, c until the ACK */
	pr.ack = s.seq + 1;
	peer_send(&pr, TCP_ACK, NULL, 0);
	CHECK(next_seg(&s) && s.dlen == 2);
	CHECK(memcmp(s.data, "bc", 2) == 0);
	CHECK_EQ(tcp_setopt(&st, t, SO_NODELAY, 1), 0);
	CHECK_EQ(tcp_send(&st, t, "d", 1), 1);
	CHECK(next_seg(&s) && s.dlen == 1); /* no waiting */
	close_all(t);
}

TEST(receive_window_and_update)
{
	struct peer pr;
	struct tcb *t;
	struct tcp_seg s;
	static u8 big[65536], buf[65536];

	reset_stack();
	t = open_active(&pr, false, 0, 1460);
	CHECK_EQ(t->rcv_wscale, 1); /* 65536 does not fit 16 bits */
	/* Fill the whole buffer. */
	for (u32 off = 0; off < 65536; off += 1460) {
		u32 n = 65536 - off < 1460 ? 65536 - off : 1460;

		peer_send(&pr, TCP_ACK, big + off, n);
	}
	advance(st.p.delack + 1); /* an odd segment count: the last ACK waited */
	while (next_seg(&s))
		;
	CHECK_EQ(s.win, 0);
	/* A segment beyond the window is not taken. */
	peer_send(&pr, TCP_ACK, "x", 1);
	CHECK(next_seg(&s) && s.ack == pr.seq - 1);
	pr.seq--;
	/* Reading opens the window and tells the peer. */
	CHECK_EQ(tcp_recv(&st, t, buf, 30000), 30000);
	CHECK(next_seg(&s));
	CHECK_EQ((u32)s.win << 1, 30000U);
	close_all(t);
}

/* The receiver's window closes, a probe arrives while the reader has
 * freed only a little, then the reader drains in small reads: an update
 * must reach the sender without its probe timer backing off. */
TEST(window_reopens_after_probe)
{
	struct peer pr;
	struct tcb *t;
	struct tcp_seg s;
	static u8 big[65536], buf[4096];
	u32 got_update = 0;

	reset_stack();
	t = open_active(&pr, false, 0, 1460);
	for (u32 off = 0; off < 65536; off += 1460) {
		u32 n = 65536 - off < 1460 ? 65536 - off : 1460;

		peer_send(&pr, TCP_ACK, big + off, n);
	}
	advance(st.p.delack + 1);
	while (next_seg(&s))
		;
	CHECK_EQ(s.win, 0);
	CHECK_EQ(tcp_recv(&st, t, buf, 4096), 4096);
	while (next_seg(&s))
		;
	/* The peer's zero-window probe: one byte, now accepted (and ACKed
	 * within the delayed-ACK time). */
	peer_send(&pr, TCP_ACK, "p", 1);
	advance(st.p.delack + 1);
	CHECK(next_seg(&s));
	CHECK_EQ(s.ack, pr.seq);
	/* Small reads: an update announcing at least half the buffer. */
	for (int i = 0; i < 16; i++) {
		if (tcp_recv(&st, t, buf, 4096) <= 0)
			break;
		while (next_seg(&s))
			if ((u32)s.win << 1 >= 32768)
				got_update++;
	}
	CHECK(got_update >= 1);
	close_all(t);
}

TEST(tso_super_segments)
{
	struct peer pr;
	struct tcb *t;
	struct tcp_seg s;
	static u8 data[65536];
	struct pkt *p;

	reset_stack();
	g_tso = 65000;
	t = open_active(&pr, false, 7, 1460);
	CHECK(t->tso_max >= 40 * 1460);
	t->cwnd = 60000;
	CHECK_EQ(tcp_send(&st, t, data, sizeof(data)), (long)sizeof(data));
	p = pop();
	CHECK(p != NULL);
	if (p) {
		CHECK_EQ(tcp_parse(p->b, p->len, &s), 0);
		/* cwnd-limited: whole MSS multiples (only a super-segment
		 * carrying the last queued byte may end short). */
		CHECK(s.dlen > 1460);
		CHECK(s.dlen <= 60000);
		CHECK_EQ(s.dlen % 1460, 0);
		CHECK_EQ(p->gso, 1460);
	}
	close_all(t);
}

/* ---------------------------------------------------------------- RST, SYN, PAWS */

TEST(rst_rfc5961)
{
	struct peer pr;
	struct tcb *t;
	struct tcp_seg s;
	u32 base;

	reset_stack();
	t = open_active(&pr, false, 0xff, 1460);
	base = pr.seq;
	/* In the window but not exact: a challenge ACK, no reset. */
	peer_send_raw(&pr, TCP_RST, base + 100, NULL, 0, NULL, false);
	CHECK_EQ(t->state, TCP_ESTABLISHED);
	CHECK(next_seg(&s) && s.flags == TCP_ACK && s.ack == base);
	CHECK_EQ(t->challenge_acks, 1);
	/* Outside the window: dropped silently. */
	peer_send_raw(&pr, TCP_RST, base + 200000, NULL, 0, NULL, false);
	CHECK_EQ(t->state, TCP_ESTABLISHED);
	CHECK_EQ(pending(), 0);
	/* A SYN on an established connection: challenged, not reset. */
	peer_send_raw(&pr, TCP_SYN, base + 5, NULL, 0, NULL, false);
	CHECK_EQ(t->state, TCP_ESTABLISHED);
	CHECK(next_seg(&s) && s.flags == TCP_ACK);
	/* An ACK of data never sent: ACKed and dropped. */
	pr.ack += 5000;
	peer_send(&pr, TCP_ACK, "zz", 2);
	CHECK_EQ(t->rcv.len, 0);
	pr.ack -= 5000;
	pr.seq -= 2;
	/* Bad checksum: ignored entirely. */
	peer_send_raw(&pr, TCP_RST, base, NULL, 0, NULL, true);
	CHECK_EQ(t->state, TCP_ESTABLISHED);
	CHECK_EQ(st.stats.bad_csum, 1);
	/* The exact sequence number resets. */
	peer_send_raw(&pr, TCP_RST, base, NULL, 0, NULL, false);
	CHECK_EQ(t->state, TCP_CLOSED);
	CHECK_EQ(t->err, -ECONNRESET);
	CHECK_EQ(tcp_recv(&st, t, segbuf, 10), -ECONNRESET);
	tcp_close(&st, t);
	CHECK_EQ(live_tcbs, 0);
}

TEST(paws)
{
	struct peer pr;
	struct tcb *t;
	struct tcp_seg s;
	char buf[8];

	reset_stack();
	t = open_active(&pr, true, 0, 1460);
	CHECK(t->ts_ok);
	pr.tsval = 1000;
	peer_send(&pr, TCP_ACK, "new", 3);
	CHECK_EQ(t->ts_recent, 1000);
	/* An old duplicate with an older timestamp: dropped, ACKed. */
	while (next_seg(&s))
		;
	pr.tsval = 500;
	peer_send(&pr, TCP_ACK, "old", 3);
	CHECK_EQ(t->paws_drops, 1);
	CHECK(next_seg(&s) && s.ack == pr.seq - 3);
	CHECK_EQ(tcp_recv(&st, t, buf, 8), 3);
	CHECK(memcmp(buf, "new", 3) == 0);
	close_all(t);
}

/* ---------------------------------------------------------------- closing */

TEST(active_close_time_wait)
{
	struct peer pr;
	struct tcb *t;
	struct tcp_seg s;

	reset_stack();
	t = open_active(&pr, false, 0xff, 1460);
	CHECK_EQ(tcp_send(&st, t, "bye", 3), 3);
	CHECK(next_seg(&s));
	tcp_close(&st, t); /* the socket lets go; FIN after the data */
	CHECK_EQ(t->state, TCP_FIN_WAIT_1);
	CHECK(next_seg(&s));
	CHECK(s.flags & TCP_FIN);
	CHECK_EQ(s.seq, t->fin_seq);
	pr.ack = s.seq + 1;
	peer_send(&pr, TCP_ACK, NULL, 0);
	CHECK_EQ(t->state, TCP_FIN_WAIT_2);
	peer_send(&pr, TCP_FIN | TCP_ACK, NULL, 0);
	CHECK_EQ(t->state, TCP_TIME_WAIT);
	CHECK(next_seg(&s) && s.ack == pr.seq);
	CHECK_EQ(st.ntw, 1);
	/* An orphan in TIME_WAIT holds no buffers. */
	CHECK(t->snd.buf == NULL && t->rcv.buf == NULL);
	/* A retransmitted FIN in TIME_WAIT is ACKed again. */
	peer_send_raw(&pr, TCP_FIN | TCP_ACK, pr.seq - 1, NULL, 0, NULL, false);
	CHECK(next_seg(&s) && s.ack == pr.seq);
	advance(2 * st.p.msl + 1);
	CHECK_EQ(live_tcbs, 0);
	CHECK_EQ(st.ntw, 0);
	/* Afterwards: no connection, a reset. */
	peer_send(&pr, TCP_ACK, NULL, 0);
	CHECK(next_seg(&s) && (s.flags & TCP_RST));
}

TEST(passive_close_and_simultaneous_close)
{
	struct peer pr;
	struct tcb *t;
	struct tcp_seg s;
	char buf[8];

	reset_stack();
	t = open_active(&pr, false, 0xff, 1460);
	peer_send(&pr, TCP_FIN | TCP_ACK, "end", 3);
	CHECK_EQ(t->state, TCP_CLOSE_WAIT);
	CHECK(next_seg(&s) && s.ack == pr.seq);
	CHECK_EQ(tcp_recv(&st, t, buf, 8), 3);
	CHECK_EQ(tcp_recv(&st, t, buf, 8), 0); /* EOF */
	CHECK_EQ(tcp_send(&st, t, "ok", 2), 2); /* half-close: still writable */
	CHECK(next_seg(&s) && s.dlen == 2);
	CHECK_EQ(tcp_shutdown_wr(&st, t), 0);
	CHECK_EQ(t->state, TCP_LAST_ACK);
	CHECK(next_seg(&s) && (s.flags & TCP_FIN));
	CHECK_EQ(tcp_send(&st, t, "x", 1), -EPIPE);
	pr.ack = s.seq + 1;
	peer_send(&pr, TCP_ACK, NULL, 0);
	CHECK_EQ(t->state, TCP_CLOSED);
	CHECK_EQ(t->err, 0);
	tcp_close(&st, t);
	CHECK_EQ(live_tcbs, 0);

	/* Both FINs cross: CLOSING, then TIME_WAIT. */
	t = open_active(&pr, false, 0xff, 1460);
	CHECK_EQ(tcp_shutdown_wr(&st, t), 0);
	CHECK(next_seg(&s) && (s.flags & TCP_FIN));
	peer_send(&pr, TCP_FIN | TCP_ACK, NULL, 0); /* does not ack our FIN */
	CHECK_EQ(t->state, TCP_CLOSING);
	pr.ack = s.seq + 1;
	peer_send(&pr, TCP_ACK, NULL, 0);
	CHECK_EQ(t->state, TCP_TIME_WAIT);
	tcp_close(&st, t);
	advance(2 * st.p.msl + 1);
	CHECK_EQ(live_tcbs, 0);
}

TEST(fin_retransmitted)
{
	struct peer pr;
	struct tcb *t;
	struct tcp_seg s;
	bool fin_again = false;

	reset_stack();
	t = open_active(&pr, false, 0xff, 1460);
	tcp_close(&st, t);
	CHECK(next_seg(&s) && (s.flags & TCP_FIN));
	advance(1100 * MS);
	while (next_seg(&s))
		if (s.flags & TCP_FIN)
			fin_again = true;
	CHECK(fin_again);
	pr.ack = t->fin_seq + 1;
	peer_send(&pr, TCP_FIN | TCP_ACK, NULL, 0);
	CHECK_EQ(t->state, TCP_TIME_WAIT);
	advance(2 * st.p.msl + 1);
	CHECK_EQ(live_tcbs, 0);
}

TEST(time_wait_bounded)
{
	struct peer pr;
	struct tcb *t;
	struct tcp_seg s;

	reset_stack();
	st.p.tw_max = 2;
	for (int i = 0; i < 4; i++) {
		t = open_active(&pr, false, 0xff, 1460);
		tcp_close(&st, t);
		CHECK(next_seg(&s) && (s.flags & TCP_FIN));
		pr.ack = s.seq + 1;
		peer_send(&pr, TCP_FIN | TCP_ACK, NULL, 0);
		while (next_seg(&s))
			;
	}
	CHECK_EQ(st.ntw, 2);
	CHECK_EQ(st.stats.tw_limited, 2);
	CHECK_EQ(live_tcbs, 2);
	advance(2 * st.p.msl + 1);
	CHECK_EQ(live_tcbs, 0);
}

TEST(keepalive)
{
	struct peer pr;
	struct tcb *t;
	struct tcp_seg s;
	int probes = 0;

	reset_stack();
	st.p.keep_idle = 10 * SEC;
	st.p.keep_intvl = 1 * SEC;
	st.p.keep_cnt = 3;
	t = open_active(&pr, false, 0xff, 1460);
	CHECK_EQ(tcp_setopt(&st, t, SO_KEEPALIVE, 1), 0);
	advance(9 * SEC);
	CHECK_EQ(pending(), 0);
	advance(1 * SEC + 1);
	CHECK(next_seg(&s));
	CHECK_EQ(s.seq, t->snd_una - 1); /* an old sequence number */
	/* The peer answers: the connection is idle again for keep_idle. */
	peer_send(&pr, TCP_ACK, NULL, 0);
	advance(2 * SEC);
	CHECK_EQ(pending(), 0);
	/* Then the peer vanishes: keep_cnt probes, then ETIMEDOUT. */
	for (int i = 0; i < 30; i++) {
		advance(1 * SEC);
		while (next_seg(&s))
			probes++;
	}
	CHECK_EQ(probes, 3);
	CHECK_EQ(t->state, TCP_CLOSED);
	CHECK_EQ(t->err, -ETIMEDOUT);
	tcp_close(&st, t);
	CHECK_EQ(live_tcbs, 0);
}

/* ---------------------------------------------------------------- listeners */

TEST(time_wait_reuse_by_new_syn)
{
	struct peer pr;
	struct tcb *l = NULL, *c;
	struct tcp_seg s;
	struct tcp_opts_out o = { .mss = true, .mss_val = 1460 };

	reset_stack();
	c = open_passive(&l, &pr, 4444);
	CHECK(c != NULL);
	/* The server closes first and ends in TIME_WAIT. */
	tcp_close(&st, c);
	CHECK(next_seg(&s) && (s.flags & TCP_FIN));
	pr.ack = s.seq + 1;
	pr.tsecr = s.tsval;
	peer_send(&pr, TCP_ACK | TCP_FIN, NULL, 0);
	CHECK_EQ(c->state, TCP_TIME_WAIT);
	while (next_seg(&s))
		;
	/* The client reuses its port at once with a higher ISN: the old
	 * connection gives way and the listener answers. */
	pr.ts = false;
	peer_send_raw(&pr, TCP_SYN, pr.seq + 100000, NULL, 0, &o, false);
	CHECK(next_seg(&s));
	CHECK_EQ(s.flags, TCP_SYN | TCP_ACK);
	CHECK_EQ(s.ack, pr.seq + 100001);
	CHECK_EQ(st.ntw, 0);
	CHECK_EQ(l->synq_len, 1);
	tcp_close(&st, l);
	CHECK_EQ(live_tcbs, 0);
}

TEST(syn_flood_bounded)
{
	struct peer pr = { 0 }, good;
	struct tcb *l = NULL, *c;
	struct tcp_opts_out o = { .mss = true, .mss_val = 1460 };

	reset_stack();
	st.p.synq_max = 4;
	l = new_tcb();
	l->attached = true;
	CHECK_EQ(tcp_bind(&st, l, INADDR_ANY, 7), 0);
	CHECK_EQ(tcp_listen(&st, l, 8), 0);
	/* 50 spoofed SYNs that never complete. */
	pr.lport = 7;
	pr.win = 1000;
	for (int i = 0; i < 50; i++) {
		pr.port = (u16)(10000 + i);
		peer_send_raw(&pr, TCP_SYN, (u32)i * 1000, NULL, 0, &o, false);
	}
	CHECK_EQ(l->synq_len, 4);
	CHECK_EQ(st.stats.syn_evicted, 46);
	CHECK_EQ(live_tcbs, 1 + 4);
	/* Embryonic connections hold no buffers, only their tcbs. */
	for (struct tcb *e = l->synq; e; e = e->lnext)
		CHECK(e->snd.buf == NULL && e->rcv.buf == NULL && e->rcv.size == 0);
	late_allocs = 0;
	/* A real client still gets in. */
	qhead = qtail;
	c = open_passive(&l, &good, 20000);
	CHECK(c != NULL);
	CHECK_EQ(late_allocs, 1); /* rings once the handshake completed */
	if (c)
		CHECK(c->rcv.size == 65536 && c->snd.size == 65536);
	/* The embryonic ones time out with their SYN-ACK retries. */
	for (int i = 0; i < 300; i++)
		advance(1 * SEC);
	CHECK_EQ(l->synq_len, 0);
	CHECK_EQ(live_tcbs, 2);
	if (c)
		close_all(c);
	tcp_close(&st, l);
	CHECK_EQ(live_tcbs, 0);
}

TEST(backlog_bounded)
{
	struct peer pr[4];
	struct tcb *l = NULL;
	struct tcp_seg s;
	struct tcp_opts_out o = { .mss = true, .mss_val = 1460 };

	reset_stack();
	l = new_tcb();
	l->attached = true;
	CHECK_EQ(tcp_bind(&st, l, INADDR_ANY, 7), 0);
	CHECK_EQ(tcp_listen(&st, l, 2), 0);
	for (int i = 0; i < 3; i++) {
		memset(&pr[i], 0, sizeof(pr[i]));
		pr[i].port = (u16)(30000 + i);
		pr[i].lport = 7;
		pr[i].seq = 100;
		pr[i].win = 1000;
		peer_send_raw(&pr[i], TCP_SYN, pr[i].seq, NULL, 0, &o, false);
		pr[i].seq++;
		if (next_seg(&s)) {
			pr[i].ack = s.seq + 1;
			peer_send(&pr[i], TCP_ACK, NULL, 0);
		}
	}
	/* Two wait to be accepted; the third SYN was not answered. */
	CHECK_EQ(l->acceptq_len, 2);
	CHECK_EQ(st.stats.syn_dropped, 1);
	/* Bind conflicts with the listener. */
	{
		struct tcb *o2 = new_tcb();

		CHECK_EQ(tcp_bind(&st, o2, INADDR_ANY, 7), -EADDRINUSE);
		tcp_close(&st, o2);
	}
	/* Closing the listener resets the unaccepted children. */
	qhead = qtail;
	tcp_close(&st, l);
	{
		int rsts = 0;

		while (next_seg(&s))
			if (s.flags & TCP_RST)
				rsts++;
		CHECK_EQ(rsts, 2);
	}
	CHECK_EQ(live_tcbs, 0);
}

TEST(icmp_frag_needed)
{
	struct peer pr;
	struct tcb *t;
	struct tcp_seg s;
	static u8 data[3000];

	reset_stack();
	t = open_active(&pr, false, 0xff, 1460);
	t->nodelay = true;
	CHECK_EQ(tcp_send(&st, t, data, 3000), 3000);
	CHECK(next_seg(&s));
	/* Forged: a sequence number not in flight is ignored. */
	tcp_stack_icmp(&st, 3, 4, 1000, LOCAL, PEER, t->lport, 80, t->snd_una - 5000);
	CHECK_EQ(t->mss, 1460);
	tcp_stack_icmp(&st, 3, 4, 1000, LOCAL, PEER, t->lport, 80, t->snd_una);
	CHECK_EQ(t->mss, 960);
	close_all(t);
}

/* ---- autotuning */

TEST(tune_sizing)
{
	/* Receive: grow only when more than half the ring came in one round
	 * trip; to twice that, a power of two, within the ceiling. */
	CHECK_EQ(tcp_tune_rcvbuf(65536, 0, 4 << 20), 65536);
	CHECK_EQ(tcp_tune_rcvbuf(65536, 32768, 4 << 20), 65536);
	CHECK_EQ(tcp_tune_rcvbuf(65536, 32769, 4 << 20), 131072);
	CHECK_EQ(tcp_tune_rcvbuf(65536, 40000, 4 << 20), 131072);
	CHECK_EQ(tcp_tune_rcvbuf(65536, 65536, 4 << 20), 131072);
	CHECK_EQ(tcp_tune_rcvbuf(65536, 100000, 4 << 20), 262144);
	CHECK_EQ(tcp_tune_rcvbuf(65536, 1 << 20, 262144), 262144);
	CHECK_EQ(tcp_tune_rcvbuf(2 << 20, 2 << 20, 4 << 20), 4 << 20);
	CHECK_EQ(tcp_tune_rcvbuf(4 << 20, 4 << 20, 4 << 20), 4 << 20);
	CHECK_EQ(tcp_tune_rcvbuf(8 << 20, 8 << 20, 4 << 20), 8 << 20); /* never shrinks */
	CHECK_EQ(tcp_tune_rcvbuf(4096, 0xffffffffU, 0xffffffffU), 1U << 31); /* no overflow */
	/* Send: twice min(cwnd, peer's window). */
	CHECK_EQ(tcp_tune_sndbuf(262144, 100000, 1 << 20, 4 << 20), 262144);
	CHECK_EQ(tcp_tune_sndbuf(262144, 131072, 1 << 20, 4 << 20), 262144);
	CHECK_EQ(tcp_tune_sndbuf(262144, 200000, 1 << 20, 4 << 20), 524288);
	CHECK_EQ(tcp_tune_sndbuf(262144, 1 << 20, 65535, 4 << 20), 262144);
	CHECK_EQ(tcp_tune_sndbuf(262144, 3 << 20, 3 << 20, 4 << 20), 4 << 20);
	CHECK_EQ(tcp_tune_sndbuf(65536, 0xffffffffU, 0xffffffffU, 0xffffffffU), 1U << 31);
	/* Window shifts. */
	CHECK_EQ(tcp_wscale_for(65535), 0);
	CHECK_EQ(tcp_wscale_for(65536), 1);
	CHECK_EQ(tcp_wscale_for(262144), 3);
	CHECK_EQ(tcp_wscale_for(4 << 20), 7);
	CHECK_EQ(tcp_wscale_for(0xffffffffU), TCP_WSCALE_MAX);
}

/* The value of stream byte i (the tests' pattern). */
static u8 pat(u32 i) { return (u8)(i * 7 + (i >> 9)); }

struct rx_view {
	u32 ack, edge, tsval;   /* from our latest segment */
};

static void drain_ours(struct rx_view *v)
{
	struct tcp_seg s;

	while (next_seg(&s)) {
		v->ack = s.ack;
		v->edge = s.ack + ((u32)s.win << 5);
		if (s.has_ts)
			v->tsval = s.tsval;
	}
}

/* A window-limited peer sends as much as we allow each 50 ms round trip;
 * we read everything. The ring and the window grow round after round up
 * to the ceiling, every byte arrives intact, and a refused resize (the
 * budget) leaves the connection working at the size it has. */
TEST(autotune_receive)
{
	struct peer pr;
	struct tcb *t;
	struct rx_view v = { 0 };
	static u8 seg[1448], buf[1 << 20];
	u32 sent = 0, got = 0, bad = 0, max_edge_open = 0, last_size;

	reset_stack();
	st.p.rcvbuf_max = 1 << 20;
	t = open_active(&pr, true, 7, 1460);
	CHECK_EQ(t->rcv_wscale, 5); /* chosen for the 1 MiB ceiling */
	CHECK_EQ(t->rcv.size, 65536);
	v.ack = pr.seq;
	v.edge = pr.seq + 65535;
	v.tsval = pr.tsecr;
	g_now += 50 * MS; /* the first data comes a round trip after our ACK */
	for (int round = 0; round < 12; round++) {
		if (v.edge - v.ack > max_edge_open)
			max_edge_open = v.edge - v.ack;
		pr.tsecr = v.tsval; /* echo our newest timestamp */
		pr.tsval++;
		while (seq_lt(pr.seq, v.edge)) {
			u32 n = v.edge - pr.seq < sizeof(seg) ? v.edge - pr.seq : sizeof(seg);

			for (u32 i = 0; i < n; i++)
				seg[i] = pat(sent + i);
			peer_send(&pr, TCP_ACK, seg, n);
			sent += n;
			drain_ours(&v);
		}
		for (;;) {
			long n = tcp_recv(&st, t, buf, sizeof(buf));

			if (n <= 0)
				break;
			for (long i = 0; i < n; i++)
				bad += buf[i] != pat(got + (u32)i);
			got += (u32)n;
		}
		drain_ours(&v);
		g_now += 50 * MS;
		tcp_stack_timers(&st, g_now);
		drain_ours(&v);
	}
	CHECK_EQ(got, sent);
	CHECK_EQ(bad, 0);
	CHECK(st.stats.rcv_grown >= 3);
	CHECK_EQ(t->rcv.size, 1U << 20);                /* up to the ceiling */
	CHECK(max_edge_open > 512 * 1024);              /* and announced */
	CHECK(t->rcv_rtt >= 45 * MS && t->rcv_rtt <= 55 * MS);
	close_all(t);
	CHECK_EQ(live_tcbs, 0);

	/* The budget refuses: the ring stays, the data still flows. */
	reset_stack();
	st.p.rcvbuf_max = 1 << 20;
	g_resize_limit = 131072;
	t = open_active(&pr, true, 7, 1460);
	v.ack = pr.seq;
	v.edge = pr.seq + 65535;
	v.tsval = pr.tsecr;
	g_now += 50 * MS; /* the first data comes a round trip after our ACK */
	sent = got = bad = 0;
	last_size = 0;
	for (int round = 0; round < 8; round++) {
		pr.tsecr = v.tsval;
		pr.tsval++;
		while (seq_lt(pr.seq, v.edge)) {
			u32 n = v.edge - pr.seq < sizeof(seg) ? v.edge - pr.seq : sizeof(seg);

			for (u32 i = 0; i < n; i++)
				seg[i] = pat(sent + i);
			peer_send(&pr, TCP_ACK, seg, n);
			sent += n;
			drain_ours(&v);
		}
		for (;;) {
			long n = tcp_recv(&st, t, buf, sizeof(buf));

			if (n <= 0)
				break;
			for (long i = 0; i < n; i++)
				bad += buf[i] != pat(got + (u32)i);
			got += (u32)n;
		}
		drain_ours(&v);
		g_now += 50 * MS;
		tcp_stack_timers(&st, g_now);
		drain_ours(&v);
		last_size = t->rcv.size;
	}
	CHECK_EQ(got, sent);
	CHECK_EQ(bad, 0);
	CHECK_EQ(last_size, 131072);
	CHECK(st.stats.tune_refused >= 1);
	CHECK(resizes_refused >= 1);
	close_all(t);
	CHECK_EQ(live_tcbs, 0);
}

/* SO_RCVBUF-style locking: a locked ring is never tuned. */
TEST(autotune_locked)
{
	struct peer pr;
	struct tcb *t;
	struct rx_view v = { 0 };
	static u8 seg[1448], buf[65536];

	reset_stack();
	st.p.rcvbuf_max = 1 << 20;
	t = open_active(&pr, true, 7, 1460);
	t->rcv_locked = true;
	v.ack = pr.seq;
	v.edge = pr.seq + 65535;
	v.tsval = pr.tsecr;
	g_now += 50 * MS; /* the first data comes a round trip after our ACK */
	for (int round = 0; round < 6; round++) {
		pr.tsecr = v.tsval;
		pr.tsval++;
		while (seq_lt(pr.seq, v.edge)) {
			u32 n = v.edge - pr.seq < sizeof(seg) ? v.edge - pr.seq : sizeof(seg);

			peer_send(&pr, TCP_ACK, seg, n);
			drain_ours(&v);
		}
		while (tcp_recv(&st, t, buf, sizeof(buf)) > 0)
			;
		drain_ours(&v);
		g_now += 50 * MS;
		tcp_stack_timers(&st, g_now);
		drain_ours(&v);
	}
	CHECK_EQ(t->rcv.size, 65536);
	CHECK_EQ(st.stats.rcv_grown, 0);
	close_all(t);
}

/* The sender's ring grows with the window when the application has more
 * to send than it takes; the stream stays intact across the moves; memory
 * pressure takes it back once its data fits. */
TEST(autotune_send_and_shrink)
{
	struct peer pr;
	struct tcb *t;
	struct tcp_seg s;
	static u8 data[1 << 20];
	u32 queued = 0, bad = 0, acked_to;
	long n;

	for (u32 i = 0; i < sizeof(data); i++)
		data[i] = pat(i);
	reset_stack();
	st.p.sndbuf_max = 1 << 20;
	st.p.buf_floor = 65536;
	t = open_active(&pr, false, 7, 1460);
	t->nodelay = true;
	acked_to = t->snd_una;
	for (int round = 0; round < 40 && queued < sizeof(data); round++) {
		n = tcp_send(&st, t, data + queued, sizeof(data) - queued);
		if (n > 0)
			queued += (u32)n;
		/* The peer takes every segment and ACKs each. */
		while (next_seg(&s)) {
			for (u32 i = 0; i < s.dlen; i++)
				bad += s.data[i] != pat(s.seq - (t->iss + 1) + i);
			if (s.dlen && seq_gt(s.seq + s.dlen, acked_to))
				acked_to = s.seq + s.dlen;
		}
		pr.ack = acked_to;
		peer_send(&pr, TCP_ACK, NULL, 0);
		g_now += 10 * MS;
	}
	CHECK_EQ(bad, 0);
	CHECK(st.stats.snd_grown >= 1);
	CHECK(t->snd.size > 65536);
	CHECK(t->snd.size <= 1U << 20);
	/* Pressure: the ring holds what is unacknowledged; it shrinks to the
	 * floor as soon as that fits. */
	(void)tcp_stack_shrink(&st);
	if (t->snd.len > 65536) {
		CHECK(t->snd_clamp == 65536);
		CHECK_EQ(tcp_send(&st, t, data, 1), -EAGAIN); /* nothing more queued */
		while (next_seg(&s))
			if (s.dlen && seq_gt(s.seq + s.dlen, acked_to))
				acked_to = s.seq + s.dlen;
		pr.ack = acked_to;
		peer_send(&pr, TCP_ACK, NULL, 0);
	}
	CHECK_EQ(t->snd.size, 65536);
	CHECK_EQ(t->snd_clamp, 0);
	CHECK(st.stats.rings_shrunk >= 1);
	/* The stream goes on intact after the move. */
	n = tcp_send(&st, t, data + queued % sizeof(data), 1000);
	CHECK_EQ(n, 1000);
	while (next_seg(&s))
		for (u32 i = 0; i < s.dlen; i++)
			bad += s.data[i] != pat((s.seq - (t->iss + 1) + i) % sizeof(data));
	CHECK_EQ(bad, 0);
	close_all(t);
	CHECK_EQ(live_tcbs, 0);
}

/* Pressure on a grown receive ring: the window stops growing at the
 * floor without its right edge moving back, the ring shrinks once the
 * unread bytes and the open window fit, and no byte is lost. */
TEST(autotune_receive_shrink)
{
	struct peer pr;
	struct tcb *t;
	struct rx_view v = { 0 };
	static u8 seg[1448], buf[1 << 20];
	u32 sent = 0, got = 0, bad = 0, prev_edge = 0;

	reset_stack();
	st.p.rcvbuf_max = 1 << 20;
	st.p.buf_floor = 65536;
	t = open_active(&pr, true, 7, 1460);
	v.ack = pr.seq;
	v.edge = pr.seq + 65535;
	v.tsval = pr.tsecr;
	g_now += 50 * MS; /* the first data comes a round trip after our ACK */
	for (int round = 0; round < 14; round++) {
		pr.tsecr = v.tsval;
		pr.tsval++;
		while (seq_lt(pr.seq, v.edge)) {
			u32 n = v.edge - pr.seq < sizeof(seg) ? v.edge - pr.seq : sizeof(seg);

			for (u32 i = 0; i < n; i++)
				seg[i] = pat(sent + i);
			peer_send(&pr, TCP_ACK, seg, n);
			sent += n;
			drain_ours(&v);
		}
		if (round == 6) {
			CHECK(t->rcv.size > 65536);
			prev_edge = v.edge;
			(void)tcp_stack_shrink(&st);
			CHECK_EQ(t->rcv_clamp, 65536);
			g_resize_limit = 65536; /* the budget allows no growth now */
			/* Our next segment keeps the edge announced. */
			peer_send(&pr, TCP_ACK, NULL, 0);
			drain_ours(&v);
			CHECK(seq_ge(v.edge, prev_edge));
		}
		for (;;) {
			long n = tcp_recv(&st, t, buf, sizeof(buf));

			if (n <= 0)
				break;
			for (long i = 0; i < n; i++)
				bad += buf[i] != pat(got + (u32)i);
			got += (u32)n;
		}
		drain_ours(&v);
		g_now += 50 * MS;
		tcp_stack_timers(&st, g_now);
		drain_ours(&v);
	}
	CHECK_EQ(got, sent);
	CHECK_EQ(bad, 0);
	CHECK(st.stats.rings_shrunk >= 1);
	CHECK_EQ(t->rcv.size, 65536);
	CHECK_EQ(t->rcv_clamp, 0);
	close_all(t);
	CHECK_EQ(live_tcbs, 0);
}

int main(void)
{
	RUN(parse_basic);
	RUN(parse_options);
	RUN(seq_arith);
	RUN(rtt_estimator);
	RUN(active_open_and_data);
	RUN(coalesced_receive_acked_at_once);
	RUN(sack_option_writer);
	RUN(sack_receiver);
	RUN(passive_open_accept);
	RUN(simultaneous_open);
	RUN(connect_refused_and_syn_timeout);
	RUN(fast_retransmit_newreno);
	RUN(sack_sender);
	RUN(rto_backoff_and_timeout);
	RUN(rto_then_recovery);
	RUN(spurious_rto_eifel);
	RUN(link_up_after_outage);
	RUN(link_up_no_ts_and_idle);
	RUN(out_of_order_reassembly);
	RUN(zero_window_probe);
	RUN(nagle_and_nodelay);
	RUN(receive_window_and_update);
	RUN(window_reopens_after_probe);
	RUN(tso_super_segments);
	RUN(rst_rfc5961);
	RUN(paws);
	RUN(active_close_time_wait);
	RUN(passive_close_and_simultaneous_close);
	RUN(fin_retransmitted);
	RUN(time_wait_bounded);
	RUN(keepalive);
	RUN(time_wait_reuse_by_new_syn);
	RUN(syn_flood_bounded);
	RUN(backlog_bounded);
	RUN(icmp_frag_needed);
	RUN(tune_sizing);
	RUN(autotune_receive);
	RUN(autotune_locked);
	RUN(autotune_send_and_shrink);
	RUN(autotune_receive_shrink);
	return xt_done();
}
