/* libFuzzer target: TCP segments from the network (lib/tcp_parse.c and
 * net/tcp_core.c).
 *
 * The whole input is first parsed as one segment (the parser's bounds).
 * Then it is read as a script against a stack holding a listener on port
 * 7 and a connection established with a peer on port 80:
 *   record := ctl u8, len u16 (LE), len bytes of TCP header + payload
 *   ctl bit 0: seq is relative to the connection's RCV.NXT
 *       bit 1: ack is relative to its SND.UNA
 *       bit 2: the ports are rewritten to the connection's
 *       (with bit 2, the payload is replaced by a function of each byte's
 *       sequence number, and every byte the application reads is checked
 *       against it: reassembly must deliver exactly the peer's stream)
 *       bit 3: SACK blocks are relative to its SND.UNA (so that scripts
 *       reach the sender's scoreboard with blocks inside its window)
 *       bits 4-7: then an action: 0-9 advance the clock by n*50 ms and run
 *       timers, 10 the application sends 3000 bytes, 11 it reads, 12 it
 *       shuts down writing, 13 it closes, 14 accept and close a child,
 *       15 advance 10 s and shrink tuned rings (memory pressure).
 * Autotuning is on (rings from 8 KiB up to 64 KiB; resizes refused now
 * and then).
 * After every step the core's invariants are checked: buffers within
 * their size, SND.UNA <= SND.NXT <= SND.MAX, out-of-order ranges sorted
 * inside the receive window, queue lengths within their bounds, every
 * segment it sends parses, and no connection is leaked at the end. */
#include <kernel/errno.h>
#include <net/byteorder.h>
#include <net/inet.h>
#include <net/socket.h>
#include <net/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(...)                                                                         \
	do {                                                                              \
		fprintf(stderr, "fuzz_tcp: " __VA_ARGS__);                                \
		fputc('\n', stderr);                                                      \
		abort();                                                                  \
	} while (0)

#define LOCAL 0x0a000002U
#define PEER 0x0a000001U
#define BUF 8192

static u64 g_now;
static u64 g_rand;
static int live;
static u8 outbuf[70000];

static u64 f_now(struct tcp_stack *st) { (void)st; return g_now; }

static void f_output(struct tcp_stack *st, struct tcb *t, const struct tcp_out *o)
{
	struct tcp_seg s;

	(void)st;
	if (o->hlen < TCP_HLEN_MIN || o->hlen > TCP_HLEN_MAX || o->hlen % 4)
		FAIL("bad header length %u", o->hlen);
	if (o->data_len && (!t || o->data_off + o->data_len > t->snd.len))
		FAIL("payload [%u, +%u) beyond the send buffer", o->data_off, o->data_len);
	memcpy(outbuf, o->hdr, o->hlen);
	if (o->data_len)
		tcp_snd_copy(t, o->data_off, outbuf + o->hlen, o->data_len);
	if (tcp_parse(outbuf, o->hlen + o->data_len, &s) < 0)
		FAIL("we sent a segment we cannot parse");
	if (o->gso_size && (!t || o->data_len <= o->gso_size))
		FAIL("gso segment without need");
}

static void f_timer(struct tcp_stack *st, u64 d) { (void)st; (void)d; }
static void f_wake(struct tcb *t, unsigned int e) { (void)t; (void)e; }

static struct tcb *f_alloc(struct tcp_stack *st, u32 sndbuf, u32 rcvbuf)
{
	struct tcb *t;

	(void)st;
	if (live >= 64)
		return NULL; /* like a kernel out of memory */
	t = calloc(1, sizeof(*t));
	t->snd.buf = sndbuf ? malloc(sndbuf) : NULL;
	t->snd.size = sndbuf;
	t->rcv.buf = rcvbuf ? malloc(rcvbuf) : NULL;
	t->rcv.size = rcvbuf;
	live++;
	return t;
}

static int f_alloc_bufs(struct tcp_stack *st, struct tcb *t, u32 sndbuf, u32 rcvbuf)
{
	(void)st;
	if (g_rand % 7 == 0)
		return -ENOMEM; /* sometimes, as a kernel short of pages */
	t->snd.buf = malloc(sndbuf);
	t->snd.size = sndbuf;
	t->rcv.buf = malloc(rcvbuf);
	t->rcv.size = rcvbuf;
	return 0;
}

static void f_free(struct tcp_stack *st, struct tcb *t)
{
	(void)st;
	free(t->snd.buf);
	free(t->rcv.buf);
	free(t);
	live--;
}

static void f_drop_bufs(struct tcp_stack *st, struct tcb *t)
{
	(void)st;
	free(t->snd.buf);
	free(t->rcv.buf);
	t->snd.buf = t->rcv.buf = NULL;
	t->snd.size = t->rcv.size = 0;
}

static u32 f_random(struct tcp_stack *st)
{
	(void)st;
	g_rand = g_rand * 6364136223846793005ULL + 1442695040888963407ULL;
	return (u32)(g_rand >> 33);
}

static int f_route(struct tcp_stack *st, u32 d, u16 *mtu, u32 *tso)
{
	(void)st;
	(void)d;
	*mtu = 1500;
	*tso = 16384;
	return 0;
}

/* Autotuning's resize: refused now and then (the kernel's budget). */
static int f_resize(struct tcp_stack *st, struct tcb *t, struct tcp_ring *r, u32 bytes, u32 keep)
{
	u8 *nb, *old = r->buf;

	(void)st;
	(void)t;
	if (keep > bytes || keep > r->size || (r == &t->rcv && keep < t->rcv.len) ||
	    (r == &t->snd && keep != t->snd.len))
		FAIL("resize keeps %u of %u into %u", keep, r->size, bytes);
	if ((g_now / 1000000) % 7 == 3)
		return -ENOMEM;
	nb = malloc(bytes);
	if (!nb)
		return -ENOMEM;
	tcp_ring_move(r, nb, bytes, keep);
	free(old);
	return 0;
}

static const struct tcp_stack_ops fops = {
	.now = f_now, .output = f_output, .timer_armed = f_timer, .wake = f_wake,
	.alloc = f_alloc, .free = f_free, .random = f_random, .route = f_route,
	.drop_bufs = f_drop_bufs,
	.alloc_bufs = f_alloc_bufs,
	.resize = f_resize,
};

static u8 pat(u32 seq)
{
	return (u8)(seq * 2654435761U >> 24);
}

/* ctl bit 3: add base to every SACK block edge. A bounded walk of the
 * option area; a malformed option ends it (the parser judges those). */
static void rel_sack(u8 *seg, u32 len, u32 base)
{
	u32 hl = (u32)(seg[12] >> 4) * 4, i = TCP_HLEN_MIN;

	if (hl > len)
		return;
	while (i + 1 < hl) {
		u8 kind = seg[i], ol;

		if (kind == TCPOPT_EOL)
			return;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		ol = seg[i + 1];
		if (ol < 2 || ol > hl - i)
			return;
		if (kind == TCPOPT_SACK)
			for (u32 k = i + 2; k + 8 <= i + ol; k += 8) {
				put_be32(seg + k, get_be32(seg + k) + base);
				put_be32(seg + k + 4, get_be32(seg + k + 4) + base);
			}
		i += ol;
	}
}

static void check_tcb(struct tcb *t, void *arg)
{
	(void)arg;
	if (t->snd.len > t->snd.size || t->rcv.len > t->rcv.size)
		FAIL("buffer overflow snd %u/%u rcv %u/%u", t->snd.len, t->snd.size, t->rcv.len,
		     t->rcv.size);
	if (t->state > TCP_TIME_WAIT)
		FAIL("state %u", t->state);
	/* The window announced never reaches beyond the ring (autotuning
	 * moves and shrinks rings). */
	if (t->rcv.buf && t->state >= TCP_ESTABLISHED && seq_gt(t->rcv_adv, t->rcv_nxt) &&
	    t->rcv_adv - t->rcv_nxt > t->rcv.size - t->rcv.len)
		FAIL("window edge %u beyond the ring: nxt %u len %u size %u", t->rcv_adv,
		     t->rcv_nxt, t->rcv.len, t->rcv.size);
	if (t->snd.size > 65536 || t->rcv.size > 65536)
		FAIL("ring beyond the tuning ceiling: %u %u", t->snd.size, t->rcv.size);
	if (t->state == TCP_LISTEN || t->state == TCP_CLOSED)
		return;
	if (t->state != TCP_SYN_SENT && t->state != TCP_SYN_RECEIVED &&
	    (seq_gt(t->snd_una, t->snd_nxt) || seq_gt(t->snd_nxt, t->snd_max)))
		FAIL("una %u nxt %u max %u", t->snd_una, t->snd_nxt, t->snd_max);
	if (t->nooo > TCP_OOO_MAX)
		FAIL("nooo %u", t->nooo);
	for (u8 i = 0; i < t->nooo; i++) {
		const struct tcp_range *r = &t->ooo[i];

		if (!seq_gt(r->start, t->rcv_nxt) || !seq_lt(r->start, r->end) ||
		    seq_gt(r->end, t->rcv_nxt + (t->rcv.size - t->rcv.len)))
			FAIL("ooo range %u [%u, %u) rcv_nxt %u", i, r->start, r->end, t->rcv_nxt);
		if (i && !seq_gt(r->start, t->ooo[i - 1].end))
			FAIL("ooo ranges overlap or unsorted: %u [%u,%u) after [%u,%u) nxt %u", i, r->start, r->end, t->ooo[i - 1].start, t->ooo[i - 1].end, t->rcv_nxt);
	}
	/* The SACK scoreboard: sorted, disjoint, within (SND.UNA, SND.MAX]
	 * whatever the peer claimed. */
	if (t->nsacked > TCP_SACKED_MAX)
		FAIL("nsacked %u", t->nsacked);
	for (u8 i = 0; i < t->nsacked; i++) {
		const struct tcp_range *r = &t->sacked[i];

		if (!seq_lt(r->start, r->end) || seq_lt(r->start, t->snd_una) ||
		    seq_gt(r->end, t->snd_max))
			FAIL("sacked range %u [%u, %u) una %u max %u", i, r->start, r->end,
			     t->snd_una, t->snd_max);
		if (i && !seq_gt(r->start, t->sacked[i - 1].end))
			FAIL("sacked ranges overlap or unsorted at %u", i);
	}
	if (t->synq_len > 4 || t->acceptq_len > t->backlog)
		FAIL("listener queues %u %u", t->synq_len, t->acceptq_len);
	if (!t->cwnd && t->state == TCP_ESTABLISHED)
		FAIL("cwnd 0");
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct tcp_stack st;
	static u8 seg[70000], appbuf[4096];
	struct tcp_seg s;
	struct tcb *l, *c;
	size_t off = 0;
	u8 hdr[TCP_HLEN_MAX];
	u32 read_seq = 0;
	bool verify = true;

	/* 1. The parser over the raw input. */
	if (tcp_parse(data, (u32)size, &s) == 0) {
		if (s.hlen < TCP_HLEN_MIN || s.hlen > size || s.hlen + s.dlen != size ||
		    s.data != data + s.hlen)
			FAIL("parse bounds");
		if (s.has_ws && s.wscale > TCP_WSCALE_MAX)
			FAIL("wscale");
	}

	/* 2. A stack with a listener and an established connection. */
	g_now = 1000000000ULL;
	g_rand = 1;
	live = 0;
	tcp_stack_init(&st, &fops);
	st.p.synq_max = 4;
	st.p.tw_max = 4;
	st.p.rcvbuf_max = 65536;
	st.p.sndbuf_max = 65536;
	st.p.buf_floor = BUF;
	l = tcp_tcb_new(&st, BUF, BUF);
	l->attached = true;
	if (tcp_bind(&st, l, INADDR_ANY, 7) || tcp_listen(&st, l, 2))
		FAIL("listen");
	c = tcp_tcb_new(&st, BUF, BUF);
	c->attached = true;
	if (tcp_connect(&st, c, LOCAL, PEER, 80, 1500, 16384))
		FAIL("connect");
	/* The peer's SYN-ACK: MSS 1000, WS 2, timestamps, SACK-permitted (so
	 * the script's SACK blocks reach the scoreboard). */
	memset(hdr, 0, sizeof(hdr));
	put_be16(hdr, 80);
	put_be16(hdr + 2, c->lport);
	put_be32(hdr + 4, 5000);
	put_be32(hdr + 8, c->iss + 1);
	hdr[12] = 10 << 4;
	hdr[13] = TCP_SYN | TCP_ACK;
	put_be16(hdr + 14, 8000);
	{
		struct tcp_opts_out o = { .mss = true, .mss_val = 1000, .ws = true, .ws_val = 2,
					  .ts = true, .tsval = 10, .tsecr = 1, .sack_ok = true };
		u32 n = tcp_write_opts(hdr + 20, &o);

		hdr[12] = (u8)(((20 + n) / 4) << 4);
		tcp_stack_input(&st, PEER, LOCAL, hdr, 20 + n, true);
	}
	if (c->state != TCP_ESTABLISHED || !c->sack_ok)
		FAIL("handshake");
	read_seq = c->irs + 1;

	while (off + 3 <= size) {
		u8 ctl = data[off];
		u32 len = (u32)data[off + 1] | (u32)data[off + 2] << 8;
		u8 act = ctl >> 4;

		off += 3;
		if (len > size - off)
			len = (u32)(size - off);
		memcpy(seg, data + off, len);
		off += len;
		if (len >= TCP_HLEN_MIN && c) {
			if (ctl & 1)
				put_be32(seg + 4, get_be32(seg + 4) + c->rcv_nxt);
			if (ctl & 2)
				put_be32(seg + 8, get_be32(seg + 8) + c->snd_una);
			if (ctl & 8)
				rel_sack(seg, len, c->snd_una);
			if (ctl & 4) {
				u32 hl = (u32)(seg[12] >> 4) * 4, sq = get_be32(seg + 4);

				put_be16(seg, 80);
				put_be16(seg + 2, c->lport);
				/* The stream's bytes are a function of their
				 * sequence number (a SYN takes the first). */
				if (seg[13] & TCP_SYN)
					sq++;
				for (u32 i = hl; i < len; i++)
					seg[i] = pat(sq + (i - hl));
			} else if (get_be16(seg) == 80 && get_be16(seg + 2) == c->lport) {
				verify = false; /* arbitrary bytes for the connection */
			}
		}
		tcp_stack_input(&st, PEER, LOCAL, seg, len, true);
		if (c && c->state == TCP_CLOSED) {
			tcp_close(&st, c);
			c = NULL;
		}
		switch (act) {
		case 10:
			if (c)
				(void)tcp_send(&st, c, appbuf, 3000);
			break;
		case 11:
			if (c) {
				long n = tcp_recv(&st, c, appbuf, sizeof(appbuf));

				for (long i = 0; verify && i < n; i++)
					if (appbuf[i] != pat(read_seq + (u32)i))
						FAIL("byte %ld of a read is not the peer's", i);
				if (n > 0)
					read_seq += (u32)n;
			}
			break;
		case 12:
			if (c)
				(void)tcp_shutdown_wr(&st, c);
			break;
		case 13:
			if (c) {
				tcp_close(&st, c);
				c = NULL;
			}
			break;
		case 14: {
			struct tcb *a = tcp_accept(&st, l);

			if (a)
				tcp_close(&st, a);
			break;
		}
		case 15:
			g_now += 10000000000ULL;
			tcp_stack_timers(&st, g_now);
			(void)tcp_stack_shrink(&st); /* memory pressure */
			break;
		default:
			g_now += (u64)act * 50000000ULL;
			tcp_stack_timers(&st, g_now);
			break;
		}
		if (c && c->state == TCP_CLOSED) {
			tcp_close(&st, c);
			c = NULL;
		}
		tcp_for_each(&st, check_tcb, NULL);
	}
	/* Tear down: everything must be freed once all timers ran out. */
	if (c) {
		c->linger0 = true;
		tcp_close(&st, c);
	}
	tcp_close(&st, l);
	for (int i = 0; i < 400 && live; i++) {
		g_now += 5000000000ULL;
		tcp_stack_timers(&st, g_now);
	}
	g_now += 3600000000000ULL;
	tcp_stack_timers(&st, g_now);
	if (live)
		FAIL("%d connections leaked", live);
	return 0;
}
