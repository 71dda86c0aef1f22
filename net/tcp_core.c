/* The TCP protocol core (RFC 9293, RFC 6298, RFC 5681/6582, RFC 7323,
 * RFC 5961): connection table, state machine, retransmission, congestion
 * control, timers. Pure code: the kernel glue (net/tcp.c) and the host
 * unit tests (tests/unit/test_tcp.c) supply struct tcp_stack_ops and
 * serialise all calls. docs/tcp.md describes the design. */
#include <kernel/errno.h>
#include <kernel/string.h>
#include <net/byteorder.h>
#include <net/checksum.h>
#include <net/inet.h>
#include <net/socket.h>
#include <net/tcp.h>

#define MS (1000ULL * 1000ULL)
#define SEC (1000ULL * MS)
#define PAWS_IDLE (24ULL * 24 * 3600 * SEC) /* RFC 7323 5.5: 24 days */
#define TCP_CWND_MAX (1U << 30)
/* Slow start's byte counting: at most this much growth per ACK (one
 * coalesced 64 KiB batch). */
#define TCP_ABC_LIMIT 65536U
#define EPHEMERAL_LO 49152
#define EPHEMERAL_HI 65535

static const char *const state_names[] = {
	[TCP_CLOSED] = "CLOSED",	   [TCP_LISTEN] = "LISTEN",
	[TCP_SYN_SENT] = "SYN_SENT",	   [TCP_SYN_RECEIVED] = "SYN_RECV",
	[TCP_ESTABLISHED] = "ESTABLISHED", [TCP_FIN_WAIT_1] = "FIN_WAIT_1",
	[TCP_FIN_WAIT_2] = "FIN_WAIT_2",   [TCP_CLOSE_WAIT] = "CLOSE_WAIT",
	[TCP_CLOSING] = "CLOSING",	   [TCP_LAST_ACK] = "LAST_ACK",
	[TCP_TIME_WAIT] = "TIME_WAIT",
};

const char *tcp_state_name(int state)
{
	if (state < 0 || state > TCP_TIME_WAIT)
		return "?";
	return state_names[state];
}

static inline u32 min32(u32 a, u32 b) { return a < b ? a : b; }
static inline u32 max32(u32 a, u32 b) { return a > b ? a : b; }

static u64 now(struct tcp_stack *st) { return st->ops->now(st); }

/* ---------------------------------------------------------------- rings */

static void ring_write(struct tcp_ring *r, u32 off, const u8 *src, u32 n)
{
	u32 pos = (r->start + off) % r->size;
	u32 first = min32(n, r->size - pos);

	memcpy(r->buf + pos, src, first);
	memcpy(r->buf, src + first, n - first);
}

static void ring_read(const struct tcp_ring *r, u32 off, u8 *dst, u32 n)
{
	u32 pos = (r->start + off) % r->size;
	u32 first = min32(n, r->size - pos);

	memcpy(dst, r->buf + pos, first);
	memcpy(dst + first, r->buf, n - first);
}

static void ring_consume(struct tcp_ring *r, u32 n)
{
	if (!n)
		return; /* also keeps a dropped (size 0) ring away from the modulo */
	r->start = (r->start + n) % r->size;
	r->len -= n;
	/* start stays where it is even when len reaches 0: out-of-order
	 * data beyond len is stored relative to it. */
}

void tcp_snd_copy(const struct tcb *t, u32 off, u8 *dst, u32 len)
{
	ring_read(&t->snd, off, dst, len);
}

void tcp_ring_move(struct tcp_ring *r, u8 *buf, u32 size, u32 keep)
{
	if (keep && r->buf)
		ring_read(r, 0, buf, keep);
	r->buf = buf;
	r->size = size;
	r->start = 0;
}

/* ---------------------------------------------------------------- autotuning */

static bool tuning(const struct tcp_stack *st, u32 max)
{
	return st->ops->resize && max;
}

/* The smallest power of two >= n, at least a page, at most 2^31. */
static u32 pow2_at_least(u64 n)
{
	u64 p = 4096;

	while (p < n && p < (1ULL << 31))
		p <<= 1;
	return (u32)p;
}

/* A sender in slow start doubles its window every round trip; a
 * connection limited by our window delivers about the whole ring per
 * round trip. So: when the application read more than half the ring in
 * the last round trip, the ring becomes twice what was read (room for the
 * next round trip's doubling), rounded up to a power of two. */
u32 tcp_tune_rcvbuf(u32 cur, u32 per_rtt, u32 max)
{
	u32 want;

	if ((u64)per_rtt * 2 <= cur || cur >= max)
		return cur;
	want = min32(pow2_at_least((u64)per_rtt * 2), max);
	return max32(want, cur);
}

/* The send ring holds what is in flight (up to the window) and what goes
 * out when the next ACKs open the window: twice the window keeps a
 * sender from waiting on its application between ACKs. */
u32 tcp_tune_sndbuf(u32 cur, u32 cwnd, u32 peer_wnd, u32 max)
{
	u32 wnd = min32(cwnd, peer_wnd), want;

	if ((u64)wnd * 2 <= cur || cur >= max)
		return cur;
	want = min32(pow2_at_least((u64)wnd * 2), max);
	return max32(want, cur);
}

u8 tcp_wscale_for(u32 bytes)
{
	u8 ws = 0;

	while (ws < TCP_WSCALE_MAX && (bytes >> ws) > 65535)
		ws++;
	return ws;
}

/* ---------------------------------------------------------------- hashing */

/* A keyed mix of the 4-tuple: the table's hash and RFC 6528's F() for
 * initial sequence numbers. Not cryptographic (docs/tcp.md): it makes the
 * values unpredictable to an off-path peer that does not know the key. */
static u32 mix4(const u32 *key, u32 a, u32 b, u32 c)
{
	u64 h = ((u64)key[0] << 32 | key[1]) ^ 0x9e3779b97f4a7c15ULL;

	h ^= a;
	h *= 0xff51afd7ed558ccdULL;
	h ^= (u64)b << 17 ^ key[2];
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= (u64)c << 7 ^ key[3];
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 29;
	return (u32)h;
}

static u32 tuple_hash(struct tcp_stack *st, u32 laddr, u16 lport, u32 raddr, u16 rport)
{
	return mix4(st->secret, laddr, raddr, (u32)lport << 16 | rport) & (TCP_HASH_SIZE - 1);
}

static void list_insert(struct tcp_stack *st, struct tcb *t, u8 where)
{
	struct tcb **head = where == TCB_HASHED
				    ? &st->hash[tuple_hash(st, t->laddr, t->lport, t->raddr, t->rport)]
				    : &st->unhashed;

	t->hnext = *head;
	*head = t;
	t->where = where;
	if (where == TCB_HASHED)
		st->nconn++;
}

static void list_remove(struct tcp_stack *st, struct tcb *t)
{
	struct tcb **pp;

	if (t->where == TCB_NOWHERE)
		return;
	pp = t->where == TCB_HASHED
		     ? &st->hash[tuple_hash(st, t->laddr, t->lport, t->raddr, t->rport)]
		     : &st->unhashed;
	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp == t) {
			*pp = t->hnext;
			break;
		}
	}
	if (t->where == TCB_HASHED)
		st->nconn--;
	t->where = TCB_NOWHERE;
	t->hnext = NULL;
}

static struct tcb *lookup(struct tcp_stack *st, u32 laddr, u16 lport, u32 raddr, u16 rport)
{
	struct tcb *t = st->hash[tuple_hash(st, laddr, lport, raddr, rport)];

	for (; t; t = t->hnext)
		if (t->lport == lport && t->rport == rport && t->laddr == laddr &&
		    t->raddr == raddr)
			return t;
	return NULL;
}

static struct tcb *lookup_listener(struct tcp_stack *st, u32 laddr, u16 lport)
{
	struct tcb *t, *any = NULL;

	for (t = st->unhashed; t; t = t->hnext) {
		if (t->state != TCP_LISTEN || t->lport != lport)
			continue;
		if (t->laddr == laddr)
			return t;
		if (t->laddr == INADDR_ANY)
			any = t;
	}
	return any;
}

void tcp_for_each(struct tcp_stack *st, void (*fn)(struct tcb *t, void *arg), void *arg)
{
	struct tcb *t, *next;

	for (u32 i = 0; i < TCP_HASH_SIZE; i++)
		for (t = st->hash[i]; t; t = next) {
			next = t->hnext;
			fn(t, arg);
		}
	for (t = st->unhashed; t; t = next) {
		next = t->hnext;
		fn(t, arg);
	}
}

static bool port_in_use(struct tcp_stack *st, u16 port, bool bound_only)
{
	struct tcb *t;

	for (t = st->unhashed; t; t = t->hnext)
		if (t->lport == port && (t->state == TCP_LISTEN || t->bound_only))
			return true;
	if (bound_only)
		return false;
	for (u32 i = 0; i < TCP_HASH_SIZE; i++)
		for (t = st->hash[i]; t; t = t->hnext)
			if (t->lport == port)
				return true;
	return false;
}

static int pick_port(struct tcp_stack *st, u16 *port)
{
	u32 span = EPHEMERAL_HI - EPHEMERAL_LO + 1;

	for (u32 i = 0; i < span; i++) {
		u16 p = (u16)(EPHEMERAL_LO + (st->next_port + i) % span);

		if (!port_in_use(st, p, false)) {
			st->next_port = (u16)((st->next_port + i + 1) % span);
			*port = p;
			return 0;
		}
	}
	return -EADDRINUSE;
}

/* ---------------------------------------------------------------- timers */

static void arm(struct tcp_stack *st, struct tcb *t, int which, u64 deadline)
{
	if (!deadline)
		deadline = 1;
	t->timer[which] = deadline;
	if (!st->next_timer || deadline < st->next_timer) {
		st->next_timer = deadline;
		st->ops->timer_armed(st, deadline);
	}
}

static void disarm(struct tcb *t, int which) { t->timer[which] = 0; }

u64 tcp_rto_now(const struct tcp_stack *st, const struct tcb *t)
{
	u64 rto = t->rto;

	for (u8 i = 0; i < t->backoff && rto < st->p.rto_max; i++)
		rto <<= 1;
	return rto > st->p.rto_max ? st->p.rto_max : rto;
}

static void arm_rtx(struct tcp_stack *st, struct tcb *t)
{
	arm(st, t, TCP_T_RTX, now(st) + tcp_rto_now(st, t));
}

/* RFC 6298 section 2 (G, the clock granularity, taken as 1 ms). */
void tcp_rtt_sample(struct tcp_stack *st, struct tcb *t, u64 r)
{
	u64 var;

	if (!t->rtt_valid) {
		t->srtt = r;
		t->rttvar = r / 2;
		t->rtt_valid = true;
	} else {
		u64 d = t->srtt > r ? t->srtt - r : r - t->srtt;

		t->rttvar = (3 * t->rttvar + d) / 4;
		t->srtt = (7 * t->srtt + r) / 8;
	}
	var = 4 * t->rttvar;
	if (var < MS)
		var = MS;
	t->rto = t->srtt + var;
	if (t->rto < st->p.rto_min)
		t->rto = st->p.rto_min;
	if (t->rto > st->p.rto_max)
		t->rto = st->p.rto_max;
}

/* ---------------------------------------------------------------- output */

static u32 ts_now(struct tcp_stack *st, struct tcb *t)
{
	return (u32)(now(st) / MS) + t->ts_offset;
}

/* The round trip of a segment sent at sent (ns), unless it was sent
 * before the last outage ended (tcp_stack_link_up): such a round trip
 * measured the outage, tens of seconds for a save and restore, and one
 * such sample would set the RTO to about a minute. false then. */
static bool rtt_since(struct tcp_stack *st, u64 sent, u64 *rtt)
{
	u64 n = now(st);

	if (sent > n || (st->rtt_floor && sent < st->rtt_floor)) {
		st->stats.rtt_discarded++;
		return false;
	}
	*rtt = n - sent;
	return true;
}

/* The same from the echo of one of our timestamps (1 ms granularity: a
 * segment sent in the floor's millisecond counts as sent after it). */
static bool rtt_from_echo(struct tcp_stack *st, struct tcb *t, u32 tsecr, u64 *rtt)
{
	u32 ms = ts_now(st, t) - tsecr;
	u64 n = now(st), back = (u64)ms * MS;

	if (ms >= 0x7fffffff || back > n)
		return false;
	if (st->rtt_floor && n - back < st->rtt_floor - st->rtt_floor % MS) {
		st->stats.rtt_discarded++;
		return false;
	}
	*rtt = back;
	return true;
}

/* The part of the window announced so far that is still open. */
static u32 rcv_promised(const struct tcb *t)
{
	return seq_gt(t->rcv_adv, t->rcv_nxt) ? t->rcv_adv - t->rcv_nxt : 0;
}

static u32 rcv_space(const struct tcb *t)
{
	u32 space;

	/* An embryonic child announces the window its ring will have. */
	if (!t->rcv.size)
		return t->want_rcv;
	space = t->rcv.size - t->rcv.len;
	if (t->rcv_clamp && t->rcv_clamp < t->rcv.size) {
		/* Memory pressure: announce no more than the clamped ring,
		 * but never pull back the right edge already announced
		 * (RFC 9293 3.8.6): the ring still holds it. */
		u32 c = t->rcv_clamp > t->rcv.len ? t->rcv_clamp - t->rcv.len : 0;

		space = min32(space, max32(c, rcv_promised(t)));
	}
	return space;
}

/* Receive-ring bytes in use: the in-order bytes and the out-of-order
 * ones beyond them (the ranges are sorted: the last ends furthest). */
static u32 rcv_keep(const struct tcb *t)
{
	return t->rcv.len + (t->nooo ? t->ooo[t->nooo - 1].end - t->rcv_nxt : 0);
}

/* The SACK blocks of an ACK (RFC 2018 4): first the out-of-order range
 * holding the segment received last, then the others from the lowest
 * sequence up (the holes nearest the cumulative ACK matter most to the
 * sender). The writer keeps as many as fit. */
static void sack_blocks(const struct tcb *t, struct tcp_opts_out *opt)
{
	u8 first = 0;

	for (u8 i = 0; i < t->nooo; i++)
		if (seq_le(t->ooo[i].start, t->ooo_recent) && seq_lt(t->ooo_recent, t->ooo[i].end))
			first = i;
	opt->sack_start[0] = t->ooo[first].start;
	opt->sack_end[0] = t->ooo[first].end;
	opt->nsack = 1;
	for (u8 i = 0; i < t->nooo && opt->nsack < TCP_SACK_BLOCKS_MAX; i++) {
		if (i == first)
			continue;
		opt->sack_start[opt->nsack] = t->ooo[i].start;
		opt->sack_end[opt->nsack] = t->ooo[i].end;
		opt->nsack++;
	}
}

/* Build and hand one segment to the glue. data_len bytes from send-buffer
 * offset data_off; a SYN carries our options. */
static void send_seg(struct tcp_stack *st, struct tcb *t, u32 seq, u8 flags, u32 data_off,
		     u32 data_len, u16 gso)
{
	struct tcp_out o;
	struct tcp_opts_out opt = { 0 };
	u32 win = rcv_space(t), optlen;
	u8 *h = o.hdr;

	if (flags & TCP_SYN) {
		opt.mss = true;
		opt.mss_val = t->adv_mss;
		/* Offer the options on an active SYN; answer them on a SYN-ACK. */
		opt.ws = t->ws_ok || t->state == TCP_SYN_SENT;
		opt.ws_val = t->rcv_wscale;
		opt.ts = t->ts_ok || t->state == TCP_SYN_SENT;
		opt.sack_ok = t->sack_ok || (t->state == TCP_SYN_SENT && st->p.sack);
		/* A SYN's window is never scaled (RFC 7323 2.2). */
		win = min32(win, 65535);
	} else {
		win = min32(win >> t->rcv_wscale, 65535);
		if (!win)
			st->stats.zero_win_sent++;
	}
	if (opt.ts || t->ts_ok) {
		opt.ts = true;
		opt.tsval = ts_now(st, t);
		opt.tsecr = (flags & TCP_ACK) ? t->ts_recent : 0;
	}
	/* Only on segments without data: the MSS leaves no room for them
	 * beside a full payload. */
	if (!(flags & TCP_SYN) && (flags & TCP_ACK) && !data_len && t->sack_ok && t->nooo)
		sack_blocks(t, &opt);
	memset(h, 0, TCP_HLEN_MIN);
	optlen = tcp_write_opts(h + TCP_HLEN_MIN, &opt);
	put_be16(h, t->lport);
	put_be16(h + 2, t->rport);
	put_be32(h + 4, seq);
	put_be32(h + 8, (flags & TCP_ACK) ? t->rcv_nxt : 0);
	h[12] = (u8)(((TCP_HLEN_MIN + optlen) / 4) << 4);
	h[13] = flags;
	put_be16(h + 14, (u16)win);
	o.hlen = TCP_HLEN_MIN + optlen;
	o.saddr = t->laddr;
	o.daddr = t->raddr;
	o.data_off = data_off;
	o.data_len = data_len;
	o.gso_size = gso;
	if (flags & TCP_ACK) {
		u32 edge = t->rcv_nxt + (((flags & TCP_SYN) ? win : win << t->rcv_wscale));

		if (seq_gt(edge, t->rcv_adv))
			t->rcv_adv = edge;
		t->last_ack_sent = t->rcv_nxt;
		t->unacked_segs = 0;
		t->ack_now = false;
		disarm(t, TCP_T_DELACK);
	}
	t->segs_out++;
	t->bytes_out += data_len;
	st->stats.segs_out++;
	st->ops->output(st, t, &o);
}

static void send_ack(struct tcp_stack *st, struct tcb *t)
{
	send_seg(st, t, t->snd_nxt, TCP_ACK, 0, 0, 0);
}

/* A reset answering a segment that belongs to no connection (RFC 9293
 * 3.10.7.1): never in answer to a reset. */
static void send_rst_reply(struct tcp_stack *st, u32 src, u32 dst, const struct tcp_seg *s)
{
	struct tcp_out o = { 0 };
	u8 *h = o.hdr;
	u32 seq = 0, ack = 0;
	u8 flags = TCP_RST;

	if (s->flags & TCP_RST)
		return;
	if (s->flags & TCP_ACK) {
		seq = s->ack;
	} else {
		ack = s->seq + s->dlen + !!(s->flags & TCP_SYN) + !!(s->flags & TCP_FIN);
		flags |= TCP_ACK;
	}
	put_be16(h, s->dport);
	put_be16(h + 2, s->sport);
	put_be32(h + 4, seq);
	put_be32(h + 8, ack);
	h[12] = (TCP_HLEN_MIN / 4) << 4;
	h[13] = flags;
	o.hlen = TCP_HLEN_MIN;
	o.saddr = dst;
	o.daddr = src;
	st->stats.segs_out++;
	st->stats.rst_out++;
	st->ops->output(st, NULL, &o);
}

static void send_rst(struct tcp_stack *st, struct tcb *t)
{
	st->stats.rst_out++;
	send_seg(st, t, t->snd_nxt, TCP_RST | TCP_ACK, 0, 0, 0);
}

static bool synchronized_send(const struct tcb *t)
{
	switch (t->state) {
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
	case TCP_FIN_WAIT_1:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		return true;
	default:
		return false;
	}
}

/* Send what the windows, Nagle and sender SWS avoidance allow
 * (RFC 9293 3.8.6.2.1, RFC 5681). */
static void output(struct tcp_stack *st, struct tcb *t)
{
	if (!synchronized_send(t))
		return;
	for (;;) {
		u32 off = t->snd_nxt - t->snd_una;
		u32 flight = off;
		u32 avail, wnd, usable, len, maxseg;
		bool fin;
		u8 flags = TCP_ACK;

		if (t->fin_queued && seq_gt(t->snd_nxt, t->fin_seq))
			break; /* everything including our FIN is out */
		avail = t->snd.len - off;
		wnd = min32(t->snd_wnd, t->cwnd);
		usable = wnd > flight ? wnd - flight : 0;
		len = min32(avail, usable);
		maxseg = t->tso_max > t->mss ? t->tso_max : t->mss;
		len = min32(len, maxseg);
		fin = t->fin_queued && len == avail;
		if (!len && !fin) {
			/* Zero window with data waiting and nothing in flight:
			 * the persist timer will probe (RFC 9293 3.8.6.1). */
			if (avail && !t->snd_wnd && !flight && !t->timer[TCP_T_RTX])
				arm_rtx(st, t);
			break;
		}
		/* A segment counts as full at one MSS or at half the largest
		 * window the peer offered (RFC 9293 3.8.6.2.1, Fs = 1/2):
		 * otherwise a peer whose buffer is small next to the MSS (64
		 * KiB over a 64 KiB-MTU loopback) would be fed one delayed-ACK
		 * period at a time. */
		bool full = len >= t->mss || len >= t->max_snd_wnd / 2;

		if (len && !full && len < avail && flight)
			break; /* window-limited runt: wait for the window to open */
		if (len && !full && len == avail && !fin && !t->nodelay && flight)
			break; /* Nagle: one small segment in flight at a time */
		if (len > t->mss && len < avail)
			len -= len % t->mss;
		if (len && len == avail)
			flags |= TCP_PSH;
		if (fin)
			flags |= TCP_FIN;
		if (!t->ts_ok && !t->rtt_timing && t->snd_nxt == t->snd_max && len) {
			t->rtt_timing = true;
			t->rtt_seq = t->snd_nxt;
			t->rtt_start = now(st);
		}
		send_seg(st, t, t->snd_nxt, flags, off, len, len > t->mss ? t->mss : 0);
		if (seq_lt(t->snd_nxt, t->snd_max))
			{ t->retrans++; st->stats.retrans++; }
		t->snd_nxt += len + fin;
		if (seq_gt(t->snd_nxt, t->snd_max))
			t->snd_max = t->snd_nxt;
		if (!t->timer[TCP_T_RTX])
			arm_rtx(st, t);
	}
	if (t->ack_now)
		send_ack(st, t);
}

/* Resend the first unacknowledged segment (fast retransmit, partial ACK,
 * timeout). bytes caps the payload (1 for a zero-window probe). */
static void retransmit_head(struct tcp_stack *st, struct tcb *t, u32 bytes)
{
	u32 len = min32(min32(t->mss, t->snd.len), bytes);
	bool fin = t->fin_queued && t->snd_una + len == t->fin_seq;
	u8 flags = TCP_ACK | (fin ? TCP_FIN : 0) | (len ? TCP_PSH : 0);

	if (!len && !fin)
		return;
	t->rtt_timing = false; /* Karn: never time a retransmitted segment */
	t->retrans++;
	st->stats.retrans++;
	send_seg(st, t, t->snd_una, flags, 0, len, 0);
	if (seq_lt(t->snd_nxt, t->snd_una + len + fin))
		t->snd_nxt = t->snd_una + len + fin;
	if (seq_gt(t->snd_nxt, t->snd_max))
		t->snd_max = t->snd_nxt;
}

/* ---------------------------------------------------------------- lifetime */

static void set_state(struct tcp_stack *st, struct tcb *t, u8 state)
{
	/* The KEEP timer means keepalive only while established; the states
	 * that reuse it (FIN_WAIT_2, TIME_WAIT) arm it after the change. */
	if (state != TCP_ESTABLISHED && state != TCP_CLOSE_WAIT)
		disarm(t, TCP_T_KEEP);
	if (t->state == TCP_TIME_WAIT && st->ntw)
		st->ntw--;
	if (state == TCP_TIME_WAIT)
		st->ntw++;
	t->state = state;
}

static void unlink_child(struct tcb *t)
{
	struct tcb *l = t->parent, **pp;

	if (!l)
		return;
	pp = t->in_acceptq ? &l->acceptq : &l->synq;
	for (; *pp; pp = &(*pp)->lnext) {
		if (*pp == t) {
			*pp = t->lnext;
			if (t->in_acceptq)
				l->acceptq_len--;
			else
				l->synq_len--;
			break;
		}
	}
	t->parent = NULL;
	t->lnext = NULL;
	t->in_acceptq = false;
}

static void maybe_free(struct tcp_stack *st, struct tcb *t)
{
	if (t->state != TCP_CLOSED || t->attached || t->users || t->parent)
		return;
	list_remove(st, t);
	st->ops->free(st, t);
}

/* The connection is over: CLOSED, out of the table, waiters told err. */
static void to_closed(struct tcp_stack *st, struct tcb *t, int err)
{
	if (err && !t->err)
		t->err = err;
	set_state(st, t, TCP_CLOSED);
	for (int i = 0; i < TCP_T_COUNT; i++)
		disarm(t, i);
	list_remove(st, t);
	if (t->parent) {
		/* Never accepted: nobody will see it. */
		unlink_child(t);
	}
	if (t->attached || t->users) {
		list_insert(st, t, TCB_UNHASHED);
		st->ops->wake(t, TCP_WAKE_RX | TCP_WAKE_TX | TCP_WAKE_CONN);
	}
	maybe_free(st, t);
}

/* TIME_WAIT needs no data: an orphan gives its rings back at once, so a
 * server's thousands of TIME_WAIT connections cost only their tcbs. */
static void drop_bufs(struct tcp_stack *st, struct tcb *t)
{
	if (!st->ops->drop_bufs || !t->snd.buf)
		return;
	st->ops->drop_bufs(st, t);
	t->snd.len = t->rcv.len = 0;
	t->snd.start = t->rcv.start = 0;
	t->nooo = 0;
}

/* Returns false when t was closed instead (and may be freed). */
static bool enter_time_wait(struct tcp_stack *st, struct tcb *t)
{
	if (st->ntw >= st->p.tw_max) {
		/* Bounded: beyond tw_max, skip TIME_WAIT (a late duplicate
		 * then meets no connection and is answered with a reset). */
		st->stats.tw_limited++;
		to_closed(st, t, 0);
		return false;
	}
	set_state(st, t, TCP_TIME_WAIT);
	if (!t->attached && !t->parent)
		drop_bufs(st, t);
	disarm(t, TCP_T_RTX);
	disarm(t, TCP_T_DELACK);
	arm(st, t, TCP_T_KEEP, now(st) + 2 * st->p.msl);
	st->ops->wake(t, TCP_WAKE_RX | TCP_WAKE_TX);
	return true;
}

void tcp_release(struct tcp_stack *st, struct tcb *t)
{
	maybe_free(st, t);
}

/* ---------------------------------------------------------------- setup */

void tcp_stack_init(struct tcp_stack *st, const struct tcp_stack_ops *ops)
{
	memset(st, 0, sizeof(*st));
	st->ops = ops;
	st->p.rto_init = 1 * SEC;       /* RFC 6298 2.1 */
	st->p.rto_min = 200 * MS;       /* below RFC 6298's 1 s, as Linux: docs/tcp.md */
	st->p.rto_max = 60 * SEC;
	st->p.delack = 40 * MS;
	st->p.msl = 30 * SEC;
	st->p.fin_wait2 = 60 * SEC;
	st->p.keep_idle = 7200 * SEC;   /* RFC 1122 4.2.3.6 */
	st->p.keep_intvl = 75 * SEC;
	st->p.keep_cnt = 9;
	st->p.max_retries = 12;
	st->p.syn_retries = 6;
	st->p.tw_max = 4096;
	st->p.synq_max = 128;
	st->p.backlog_max = 256;
	st->p.conn_max = 8192;
	st->p.sack = true;
	for (int i = 0; i < 4; i++)
		st->secret[i] = ops->random(st);
	st->next_port = (u16)(ops->random(st) % (EPHEMERAL_HI - EPHEMERAL_LO + 1));
}

struct tcb *tcp_tcb_new(struct tcp_stack *st, u32 sndbuf, u32 rcvbuf)
{
	struct tcb *t = st->ops->alloc(st, sndbuf, rcvbuf);
	struct tcp_ring snd, rcv;
	void *priv;

	if (!t)
		return NULL;
	snd = t->snd;
	rcv = t->rcv;
	priv = t->priv;
	memset(t, 0, sizeof(*t));
	t->snd = snd;
	t->rcv = rcv;
	t->snd.start = t->snd.len = 0;
	t->rcv.start = t->rcv.len = 0;
	t->priv = priv;
	t->stack = st;
	t->state = TCP_CLOSED;
	t->rto = st->p.rto_init;
	t->ssthresh = 0x7fffffff;
	t->mss = TCP_MSS_DEFAULT;
	t->rcv_wscale = tcp_wscale_for(max32(t->rcv.size,
					     tuning(st, st->p.rcvbuf_max) ? st->p.rcvbuf_max : 0));
	return t;
}

/* RFC 6528: a clock term (4 us ticks) plus a keyed function of the
 * 4-tuple. */
static u32 gen_iss(struct tcp_stack *st, struct tcb *t)
{
	return (u32)(now(st) / 4000) +
	       mix4(st->secret, t->laddr ^ 0x5bd1e995U, t->raddr, (u32)t->lport << 16 | t->rport);
}

static void init_send_side(struct tcp_stack *st, struct tcb *t, u16 mtu, u32 tso_max)
{
	u32 m = mtu > 40 + TCP_MSS_MIN ? (u32)mtu - 40 : TCP_MSS_MIN;

	t->adv_mss = (u16)min32(m, 65535);
	t->tso_max = tso_max;
	t->iss = gen_iss(st, t);
	t->snd_una = t->iss;
	t->snd_nxt = t->iss + 1;
	t->snd_max = t->snd_nxt;
	t->recover = t->iss;
	t->ts_offset = st->ops->random(st);
}

/* After the peer's SYN: the negotiated options and our sending MSS. */
static void apply_syn_options(struct tcb *t, const struct tcp_seg *s, bool we_offered)
{
	t->ws_ok = s->has_ws && we_offered;
	if (t->ws_ok) {
		t->snd_wscale = s->wscale;
	} else {
		t->snd_wscale = 0;
		t->rcv_wscale = 0;
	}
	t->ts_ok = s->has_ts && we_offered;
	if (t->ts_ok)
		t->ts_recent = s->tsval;
	/* We report what we hold out of order; we never act on the peer's
	 * SACK blocks (NewReno sender), which RFC 2018 allows. */
	t->sack_ok = s->sack_ok && we_offered && t->stack->p.sack;
	t->peer_mss = s->has_mss ? s->mss : TCP_MSS_DEFAULT;
	t->mss = (u16)min32(t->peer_mss, t->adv_mss);
	if (t->ts_ok)
		t->mss -= 12;
	if (t->mss < TCP_MSS_MIN)
		t->mss = TCP_MSS_MIN;
	if (t->tso_max && t->tso_max <= t->mss)
		t->tso_max = 0;
	else if (t->tso_max)
		t->tso_max -= t->tso_max % t->mss;
	/* RFC 5681 3.1 initial window */
	t->cwnd = min32(4 * t->mss, max32(2 * t->mss, 4380));
}

static void established(struct tcp_stack *st, struct tcb *t)
{
	set_state(st, t, TCP_ESTABLISHED);
	t->last_rx = now(st);
	if (t->keepalive)
		arm(st, t, TCP_T_KEEP, t->last_rx + st->p.keep_idle);
	if (t->shut_wr) {
		t->fin_queued = true;
		t->fin_seq = t->snd_una + t->snd.len;
		set_state(st, t, TCP_FIN_WAIT_1);
	}
}

/* ---------------------------------------------------------------- socket ops */

int tcp_bind(struct tcp_stack *st, struct tcb *t, u32 addr, u16 port)
{
	if (t->state != TCP_CLOSED || t->lport)
		return -EINVAL;
	if (!port) {
		if (pick_port(st, &port) < 0)
			return -EADDRINUSE;
	} else if (port_in_use(st, port, true)) {
		return -EADDRINUSE;
	}
	t->laddr = addr;
	t->lport = port;
	t->bound_only = true;
	if (t->where == TCB_NOWHERE)
		list_insert(st, t, TCB_UNHASHED);
	return 0;
}

int tcp_listen(struct tcp_stack *st, struct tcb *t, u32 backlog)
{
	int rc;

	if (t->state == TCP_LISTEN) {
		t->backlog = backlog ? min32(backlog, st->p.backlog_max) : 1;
		return 0;
	}
	if (t->state != TCP_CLOSED || t->err)
		return -EINVAL;
	if (!t->lport && (rc = tcp_bind(st, t, INADDR_ANY, 0)) < 0)
		return rc;
	t->backlog = backlog ? min32(backlog, st->p.backlog_max) : 1;
	t->bound_only = false;
	set_state(st, t, TCP_LISTEN);
	return 0;
}

int tcp_connect(struct tcp_stack *st, struct tcb *t, u32 src, u32 raddr, u16 rport, u16 mtu,
		u32 tso_max)
{
	int rc;

	if (t->state == TCP_SYN_SENT)
		return -EALREADY;
	if (t->state != TCP_CLOSED)
		return -EISCONN;
	if (t->err || !rport || !raddr)
		return -EINVAL;
	if (!t->lport && (rc = tcp_bind(st, t, src, 0)) < 0)
		return rc;
	if (t->laddr == INADDR_ANY)
		t->laddr = src;
	if (lookup(st, t->laddr, t->lport, raddr, rport))
		return -EADDRINUSE;
	if (st->nconn >= st->p.conn_max)
		return -ENOBUFS;
	list_remove(st, t);
	t->bound_only = false;
	t->raddr = raddr;
	t->rport = rport;
	init_send_side(st, t, mtu, tso_max);
	t->rcv_adv = 0;
	set_state(st, t, TCP_SYN_SENT);
	list_insert(st, t, TCB_HASHED);
	st->stats.active_opens++;
	send_seg(st, t, t->iss, TCP_SYN, 0, 0, 0);
	arm_rtx(st, t);
	return 0;
}

struct tcb *tcp_accept(struct tcp_stack *st, struct tcb *l)
{
	struct tcb *c = l->acceptq;

	(void)st;
	if (!c)
		return NULL;
	unlink_child(c);
	c->attached = true;
	return c;
}

/* Receive autotuning, after the application read n bytes: once per
 * round trip (the receiver's estimate from timestamp echoes, else the
 * sender's SRTT), the bytes read in it size the ring (tcp_tune_rcvbuf).
 * Under a pressure clamp nothing grows until the ring has shrunk; growth
 * after that asks ops->resize, that is the budget, again. */
static void tune_rcv(struct tcp_stack *st, struct tcb *t, u32 n)
{
	u64 rtt = t->rcv_rtt ? t->rcv_rtt : (t->rtt_valid ? t->srtt : 0), tnow, elapsed;
	u32 cur, want, per_rtt;

	if (!tuning(st, st->p.rcvbuf_max) || t->rcv_locked || !t->rcv.size || !rtt ||
	    t->rcv_clamp)
		return;
	if (rtt < MS)
		rtt = MS;
	tnow = now(st);
	if (!t->rcvq_time) {
		t->rcvq_time = tnow;
		t->rcvq_copied = 0;
		return;
	}
	t->rcvq_copied = t->rcvq_copied + n < t->rcvq_copied ? ~0U : t->rcvq_copied + n;
	elapsed = tnow - t->rcvq_time;
	if (elapsed < rtt)
		return;
	/* Per round trip: reads may have paused for longer than one. */
	per_rtt = (u32)((u64)t->rcvq_copied * rtt / elapsed);
	t->rcvq_time = tnow;
	t->rcvq_copied = 0;
	cur = t->rcv.size;
	want = tcp_tune_rcvbuf(cur, per_rtt, st->p.rcvbuf_max);
	if (want <= cur)
		return;
	if (st->ops->resize(st, t, &t->rcv, want, rcv_keep(t)) < 0) {
		st->stats.tune_refused++;
		return;
	}
	st->stats.rcv_grown++;
}

/* Send autotuning, when the application has more than the ring takes. */
static void tune_snd(struct tcp_stack *st, struct tcb *t)
{
	u32 want;

	if (!tuning(st, st->p.sndbuf_max) || t->snd_locked || !t->snd.size || t->snd_clamp)
		return;
	want = tcp_tune_sndbuf(t->snd.size, t->cwnd, t->max_snd_wnd, st->p.sndbuf_max);
	if (want <= t->snd.size)
		return;
	if (st->ops->resize(st, t, &t->snd, want, t->snd.len) < 0) {
		st->stats.tune_refused++;
		return;
	}
	st->stats.snd_grown++;
}

/* Under a clamp: shrink a ring as soon as what it must hold fits. For the
 * receive ring that is the unread bytes plus the window still open. */
static u64 shrink_rings(struct tcp_stack *st, struct tcb *t)
{
	u64 freed = 0;
	u32 old;

	if (t->snd_clamp && t->snd.buf && t->snd.size > t->snd_clamp &&
	    t->snd.len <= t->snd_clamp) {
		old = t->snd.size;
		if (st->ops->resize(st, t, &t->snd, t->snd_clamp, t->snd.len) == 0) {
			freed += old - t->snd.size;
			t->snd_clamp = 0;
			st->stats.rings_shrunk++;
		}
	}
	if (t->rcv_clamp && t->rcv.buf && t->rcv.size > t->rcv_clamp &&
	    t->rcv.len + rcv_promised(t) <= t->rcv_clamp && rcv_keep(t) <= t->rcv_clamp) {
		old = t->rcv.size;
		if (st->ops->resize(st, t, &t->rcv, t->rcv_clamp, rcv_keep(t)) == 0) {
			freed += old - t->rcv.size;
			t->rcv_clamp = 0;
			st->stats.rings_shrunk++;
		}
	}
	return freed;
}

struct shrink_ctx {
	struct tcp_stack *st;
	u64 freed;
};

static void shrink_one(struct tcb *t, void *arg)
{
	struct shrink_ctx *c = arg;
	u32 floor = c->st->p.buf_floor;

	if (!floor)
		return;
	if (t->snd.buf && !t->snd_locked && t->snd.size > floor)
		t->snd_clamp = floor;
	if (t->rcv.buf && !t->rcv_locked && t->rcv.size > floor)
		t->rcv_clamp = floor;
	c->freed += shrink_rings(c->st, t);
}

u64 tcp_stack_shrink(struct tcp_stack *st)
{
	struct shrink_ctx c = { st, 0 };

	if (!st->ops->resize)
		return 0;
	tcp_for_each(st, shrink_one, &c);
	return c.freed;
}

static u32 snd_limit(const struct tcb *t)
{
	return t->snd_clamp && t->snd_clamp < t->snd.size ? t->snd_clamp : t->snd.size;
}

long tcp_send(struct tcp_stack *st, struct tcb *t, const void *buf, u32 len)
{
	u32 n;

	if (t->err)
		return t->err;
	if (t->shut_wr)
		return -EPIPE;
	switch (t->state) {
	case TCP_SYN_SENT:
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		break;
	case TCP_CLOSED:
	case TCP_LISTEN:
		return -ENOTCONN;
	default:
		return -EPIPE;
	}
	if (len > t->snd.size - t->snd.len)
		tune_snd(st, t);
	n = t->snd.len < snd_limit(t) ? min32(len, snd_limit(t) - t->snd.len) : 0;
	if (!n)
		return len ? -EAGAIN : 0;
	ring_write(&t->snd, t->snd.len, buf, n);
	t->snd.len += n;
	output(st, t);
	return n;
}

bool tcp_can_send(const struct tcb *t)
{
	u32 lim = snd_limit(t);

	/* Wake a writer once a quarter of the ring (at most 64 KiB) is free,
	 * not on every ACK: it then refills in one call (as Linux's write
	 * space threshold). */
	return t->err || t->shut_wr || t->state == TCP_CLOSED ||
	       (t->snd.len < lim && lim - t->snd.len >= min32(lim / 4, 65536));
}

bool tcp_can_recv(const struct tcb *t)
{
	return t->rcv.len || t->fin_rcvd || t->err || t->state == TCP_CLOSED;
}

bool tcp_connect_done(const struct tcb *t)
{
	return t->state != TCP_SYN_SENT && t->state != TCP_SYN_RECEIVED;
}

long tcp_recv(struct tcp_stack *st, struct tcb *t, void *buf, u32 len)
{
	u32 n = min32(len, t->rcv.len);

	if (n) {
		u32 old_edge = t->rcv_adv;
		u32 thresh = min32(t->rcv.size / 2, t->adv_mss ? t->adv_mss : TCP_MSS_DEFAULT);

		u32 open_before = rcv_promised(t), space;

		ring_read(&t->rcv, 0, buf, n);
		ring_consume(&t->rcv, n);
		/* Relocate the out-of-order bytes? Not needed: they sit at
		 * their offset beyond rcv.len, which ring_consume keeps. */
		tune_rcv(st, t, n);
		if (t->rcv_clamp)
			(void)shrink_rings(st, t);
		space = rcv_space(t);
		/* Receiver SWS avoidance (RFC 9293 3.8.6.2.2): tell the peer
		 * once the window grew by min(half the buffer, one MSS), and
		 * (as Linux) only when the window we would announce is at
		 * least twice what is still open: while the peer has half its
		 * window or more, the ACKs its data draws carry the news, and
		 * an update per read would double our packet rate. */
		/* And when the application drained everything while an ACK
		 * was being delayed: the sender may be waiting for it (Nagle,
		 * or a full send buffer), and the data is consumed anyway. */
		if ((t->state == TCP_ESTABLISHED || t->state == TCP_FIN_WAIT_1 ||
		     t->state == TCP_FIN_WAIT_2) &&
		    ((seq_ge(t->rcv_nxt + space - old_edge, thresh) &&
		      (u64)open_before * 2 <= space) ||
		     (!t->rcv.len && t->timer[TCP_T_DELACK]))) {
			st->stats.win_updates++;
			send_ack(st, t);
		}
		return n;
	}
	if (!len)
		return 0;
	if (t->fin_rcvd)
		return 0;
	if (t->err)
		return t->err;
	if (t->state == TCP_CLOSED || t->state == TCP_LISTEN)
		return -ENOTCONN;
	return -EAGAIN;
}

static void queue_fin(struct tcp_stack *st, struct tcb *t)
{
	t->shut_wr = true;
	switch (t->state) {
	case TCP_ESTABLISHED:
		set_state(st, t, TCP_FIN_WAIT_1);
		break;
	case TCP_CLOSE_WAIT:
		set_state(st, t, TCP_LAST_ACK);
		break;
	default:
		return; /* SYN_SENT / SYN_RECEIVED: established() queues it */
	}
	t->fin_queued = true;
	t->fin_seq = t->snd_una + t->snd.len;
	output(st, t);
}

int tcp_shutdown_wr(struct tcp_stack *st, struct tcb *t)
{
	if (t->shut_wr)
		return 0;
	switch (t->state) {
	case TCP_SYN_SENT:
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		queue_fin(st, t);
		return 0;
	default:
		return t->err ? t->err : -ENOTCONN;
	}
}

int tcp_setopt(struct tcp_stack *st, struct tcb *t, int opt, int val)
{
	switch (opt) {
	case SO_NODELAY:
		t->nodelay = val != 0;
		if (t->nodelay)
			output(st, t);
		return 0;
	case SO_KEEPALIVE:
		t->keepalive = val != 0;
		if (t->keepalive && (t->state == TCP_ESTABLISHED || t->state == TCP_CLOSE_WAIT)) {
			t->keep_probes = 0;
			arm(st, t, TCP_T_KEEP, now(st) + st->p.keep_idle);
		} else if (!t->keepalive && t->state != TCP_TIME_WAIT &&
			   t->state != TCP_FIN_WAIT_2) {
			disarm(t, TCP_T_KEEP);
		}
		return 0;
	case SO_LINGER_ZERO:
		t->linger0 = val != 0;
		return 0;
	default:
		return -EINVAL;
	}
}

static void abort_conn(struct tcp_stack *st, struct tcb *t)
{
	if (t->state != TCP_SYN_SENT && t->state != TCP_CLOSED && t->state != TCP_LISTEN &&
	    t->state != TCP_TIME_WAIT)
		send_rst(st, t);
	to_closed(st, t, -ECONNABORTED);
}

void tcp_abort(struct tcp_stack *st, struct tcb *t, int err)
{
	if (t->state == TCP_CLOSED || t->state == TCP_LISTEN)
		return;
	if (t->state != TCP_SYN_SENT && t->state != TCP_TIME_WAIT)
		send_rst(st, t);
	to_closed(st, t, err);
}

void tcp_close(struct tcp_stack *st, struct tcb *t)
{
	struct tcb *c;

	t->attached = false;
	switch (t->state) {
	case TCP_LISTEN:
		/* Reset every child the application never accepted. */
		while ((c = t->synq) || (c = t->acceptq)) {
			unlink_child(c);
			abort_conn(st, c);
		}
		to_closed(st, t, 0);
		return;
	case TCP_CLOSED:
	case TCP_SYN_SENT:
		to_closed(st, t, 0);
		return;
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		/* Unread data or linger-zero: abort with a reset (RFC 9293
		 * 3.10.4 allows it; RFC 2525 2.17 recommends it for unread
		 * data, so the peer learns it was lost). */
		if (t->linger0 || t->rcv.len) {
			abort_conn(st, t);
			return;
		}
		queue_fin(st, t);
		return;
	case TCP_FIN_WAIT_2:
		arm(st, t, TCP_T_KEEP, now(st) + st->p.fin_wait2);
		return;
	case TCP_TIME_WAIT:
		drop_bufs(st, t);
		return;
	default:
		if (t->linger0)
			abort_conn(st, t);
		return; /* FIN_WAIT_1, CLOSING, LAST_ACK finish alone */
	}
}

/* ---------------------------------------------------------------- input */

/* Add [start, end) to the sorted range set r[0..*n), merging every
 * overlapping or adjacent range. false (nothing changed) when it would be
 * a new range and the set already holds max. */
static bool ranges_add(struct tcp_range *r, u8 *n, u8 max, u32 start, u32 end)
{
	u8 i, j;
	bool touches = false;

	for (i = 0; i < *n; i++)
		if (seq_le(r[i].start, end) && seq_le(start, r[i].end))
			touches = true;
	if (!touches && *n >= max)
		return false;
	for (i = 0; i < *n;) {
		if (seq_le(r[i].start, end) && seq_le(start, r[i].end)) {
			if (seq_lt(r[i].start, start))
				start = r[i].start;
			if (seq_gt(r[i].end, end))
				end = r[i].end;
			/* Remove it keeping the rest sorted. */
			for (j = i; j + 1 < *n; j++)
				r[j] = r[j + 1];
			(*n)--;
			continue;
		}
		i++;
	}
	/* Keep them sorted by start (insertion). */
	for (i = 0; i < *n && seq_lt(r[i].start, start); i++)
		;
	for (j = *n; j > i; j--)
		r[j] = r[j - 1];
	r[i].start = start;
	r[i].end = end;
	(*n)++;
	return true;
}

static void ooo_insert(struct tcb *t, u32 start, u32 end)
{
	/* ooo_fits() said there is room. */
	(void)ranges_add(t->ooo, &t->nooo, TCP_OOO_MAX, start, end);
}

static bool ooo_fits(const struct tcb *t, u32 start, u32 end)
{
	if (t->nooo < TCP_OOO_MAX)
		return true;
	for (u8 i = 0; i < t->nooo; i++)
		if (seq_le(t->ooo[i].start, end) && seq_le(start, t->ooo[i].end))
			return true;
	return false;
}

/* In-order and out-of-order payload into the receive ring. seq/data/len
 * are already trimmed to the window. */
static void receive_data(struct tcp_stack *st, struct tcb *t, u32 seq, const u8 *data, u32 len)
{
	if (!len)
		return;
	t->bytes_in += len;
	if (seq == t->rcv_nxt) {
		bool had_holes = t->nooo != 0;

		ring_write(&t->rcv, t->rcv.len, data, len);
		t->rcv.len += len;
		t->rcv_nxt += len;
		/* Pull in whatever out-of-order ranges now connect. */
		while (t->nooo && seq_le(t->ooo[0].start, t->rcv_nxt)) {
			if (seq_gt(t->ooo[0].end, t->rcv_nxt)) {
				u32 more = t->ooo[0].end - t->rcv_nxt;

				t->rcv.len += more;
				t->rcv_nxt += more;
			}
			for (u8 i = 1; i < t->nooo; i++)
				t->ooo[i - 1] = t->ooo[i];
			t->nooo--;
		}
		if (had_holes)
			t->ack_now = true; /* RFC 5681 4.2: ACK at once when a hole fills */
		if (!t->attached && !t->parent) {
			/* Orphan: nobody will read; keep the window open. */
			ring_consume(&t->rcv, t->rcv.len);
		}
		st->ops->wake(t, TCP_WAKE_RX);
		/* RFC 5681 4.2: ACK at least every second full-sized segment.
		 * A coalesced (GSO) receive of more than one segment's worth
		 * counts as the segments it carries, so it is ACKed at once,
		 * as Linux does: counted as one, every other 64 KiB packet
		 * went unACKed, and the sender's window grew half as fast. */
		if (len > t->adv_mss || ++t->unacked_segs >= 2)
			t->ack_now = true;
		else if (!t->timer[TCP_T_DELACK])
			arm(st, t, TCP_T_DELACK, now(st) + st->p.delack);
		return;
	}
	/* Beyond a hole: keep it at its place in the ring if a range is free;
	 * either way ACK at once (the duplicate ACK drives fast retransmit). */
	t->ooo_segs++;
	t->ack_now = true;
	if (!ooo_fits(t, seq, seq + len))
		return;
	ring_write(&t->rcv, t->rcv.len + (seq - t->rcv_nxt), data, len);
	ooo_insert(t, seq, seq + len);
	t->ooo_recent = seq;
}

/* ---------------------------------------------------------------- SACK sender */

/* Forget what SND.UNA has passed. */
static void sack_trim(struct tcb *t)
{
	u8 i = 0, j;

	while (i < t->nsacked) {
		struct tcp_range *r = &t->sacked[i];

		if (seq_le(r->end, t->snd_una)) {
			for (j = i; j + 1 < t->nsacked; j++)
				t->sacked[j] = t->sacked[j + 1];
			t->nsacked--;
			continue;
		}
		if (seq_lt(r->start, t->snd_una))
			r->start = t->snd_una;
		i++;
	}
}

/* The peer's SACK blocks into the scoreboard. They are the peer's word:
 * a block counts only when it is well formed and lies within what we
 * sent and it has not acknowledged (SND.UNA, SND.MAX]; a D-SACK or stale
 * block (at or below SND.UNA) and anything past SND.MAX is ignored, and
 * a full scoreboard keeps what it has. */
static void sack_update(struct tcb *t, const struct tcp_seg *s)
{
	u32 wnd = t->snd_max - t->snd_una;

	for (u8 k = 0; k < s->nsack && k < TCP_SACK_BLOCKS_MAX; k++) {
		u32 untrusted_start = s->sack_start[k], untrusted_end = s->sack_end[k];
		/* Offsets from SND.UNA, unsigned: 0 < start < end <= SND.MAX
		 * with no modular wrap (three seq_* comparisons would let a
		 * block straddle the half-space and pass). */
		u32 off_start = untrusted_start - t->snd_una, off_end = untrusted_end - t->snd_una;

		if (!off_start || off_start >= off_end || off_end > wnd)
			continue;
		(void)ranges_add(t->sacked, &t->nsacked, TCP_SACKED_MAX, untrusted_start,
				 untrusted_end);
	}
}

/* The next hole to resend in recovery: the first sequence at or after
 * rtx_next (and SND.UNA) that no SACKed range covers, below the highest
 * range's start; *len runs to the next range. false if none. */
static bool sack_next_hole(const struct tcb *t, u32 *seq, u32 *len)
{
	u32 s = seq_gt(t->rtx_next, t->snd_una) ? t->rtx_next : t->snd_una;

	for (u8 i = 0; i < t->nsacked; i++) {
		const struct tcp_range *r = &t->sacked[i];

		if (seq_le(r->end, s))
			continue;
		if (seq_le(r->start, s)) {
			s = r->end;
			continue;
		}
		*seq = s;
		*len = r->start - s;
		return true;
	}
	return false;
}

/* Resend the next hole, if any (RFC 6675 NextSeg rule 1, every hole
 * below the highest SACKed byte taken as lost). One MSS, or with TSO up
 * to half the window in one super-segment: a dropped 64 KiB TSO packet
 * (netem drops packets, not segments) is a hole of 45 segments, and one
 * MSS per duplicate ACK would take many round trips to fill it, while the
 * lost segments have left the network and free that much of the window.
 * true if one went. */
static bool sack_retransmit_hole(struct tcp_stack *st, struct tcb *t)
{
	u32 seq, len, off, cap = t->mss;

	if (!t->sack_ok || !sack_next_hole(t, &seq, &len))
		return false;
	off = seq - t->snd_una;
	if (off >= t->snd.len)
		return false;
	if (t->tso_max > t->mss) {
		cap = max32(t->mss, min32(t->tso_max, t->cwnd / 2));
		cap -= cap % t->mss;
	}
	len = min32(min32(len, cap), t->snd.len - off);
	t->rtt_timing = false; /* Karn */
	t->retrans++;
	st->stats.retrans++;
	st->stats.sack_rtx++;
	send_seg(st, t, seq, TCP_ACK, off, len, len > t->mss ? t->mss : 0);
	t->rtx_next = seq + len;
	return true;
}

static void new_ack(struct tcp_stack *st, struct tcb *t, const struct tcp_seg *s)
{
	u32 acked = s->ack - t->snd_una;
	u32 data = min32(acked, t->snd.len);
	u32 flight;

	ring_consume(&t->snd, data);
	t->snd_una = s->ack;
	if (seq_lt(t->snd_nxt, t->snd_una))
		t->snd_nxt = t->snd_una;
	sack_trim(t);
	if (t->eifel_armed) {
		t->eifel_armed = false;
		if (s->has_ts && s->tsecr && seq_lt(s->tsecr, t->eifel_ts)) {
			/* RFC 3522/4015: the ACK is for the original
			 * transmission: the timeout was spurious. Undo the
			 * window reduction and resume after what was sent
			 * instead of sending it all again. */
			st->stats.spurious_rto++;
			t->cwnd = t->eifel_cwnd;
			t->ssthresh = t->eifel_ssthresh;
			if (seq_lt(t->snd_nxt, t->eifel_max) && seq_le(t->eifel_max, t->snd_max))
				t->snd_nxt = t->eifel_max;
		}
	}
	flight = t->snd_max - t->snd_una;
	/* RTT: the timestamp echo (RFC 7323 4.1), else the timed segment
	 * unless it was retransmitted (Karn; rtt_timing cleared then). */
	if (t->ts_ok && s->has_ts && s->tsecr) {
		u64 rtt;

		if (rtt_from_echo(st, t, s->tsecr, &rtt))
			tcp_rtt_sample(st, t, rtt);
	} else if (t->rtt_timing && seq_gt(s->ack, t->rtt_seq)) {
		u64 rtt;

		t->rtt_timing = false;
		if (rtt_since(st, t->rtt_start, &rtt))
			tcp_rtt_sample(st, t, rtt);
	}
	t->backoff = 0;
	t->retries = 0;
	if (t->in_recovery) {
		if (seq_ge(s->ack, t->recover)) {
			/* Full acknowledgment (RFC 6582 3.2 step 3). */
			t->cwnd = min32(t->ssthresh, max32(flight, t->mss) + t->mss);
			t->in_recovery = false;
			t->dupacks = 0;
		} else {
			/* Partial: resend the next hole, deflate (step 3). With
			 * the peer's SACK blocks the holes come from the
			 * scoreboard, past what this recovery resent already;
			 * without, the head is the hole. */
			if (!t->sack_ok || !t->nsacked)
				retransmit_head(st, t, ~0U);
			else
				(void)sack_retransmit_hole(st, t);
			t->cwnd = t->cwnd > acked ? t->cwnd - acked : 0;
			if (acked >= t->mss)
				t->cwnd += t->mss;
			if (t->cwnd < t->mss)
				t->cwnd = t->mss;
			arm_rtx(st, t);
		}
	} else {
		t->dupacks = 0;
		if (t->cwnd < t->ssthresh) {
			/* Slow start with byte counting (RFC 3465): a stretch
			 * ACK (a receiver that coalesced a TSO/GRO batch ACKs
			 * 64 KiB at once) counts every byte it covers, up to
			 * TCP_ABC_LIMIT, where one MSS per ACK would all but
			 * stop the growth. */
			t->cwnd += min32(acked, max32(TCP_ABC_LIMIT, 2 * t->mss));
			t->ca_acked = 0;
		} else {
			/* Congestion avoidance by byte counting (RFC 5681
			 * 3.1): one MSS per window's worth acknowledged. */
			t->ca_acked += acked;
			if (t->ca_acked >= t->cwnd) {
				t->ca_acked -= t->cwnd;
				t->cwnd += t->mss;
			}
		}
		if (t->cwnd > TCP_CWND_MAX)
			t->cwnd = TCP_CWND_MAX; /* no wrap however long it runs */
	}
	if (t->snd_una == t->snd_max)
		disarm(t, TCP_T_RTX);
	else if (!t->in_recovery)
		arm_rtx(st, t);
	if (t->snd_clamp)
		(void)shrink_rings(st, t);
	st->ops->wake(t, TCP_WAKE_TX);
}

static void dup_ack(struct tcp_stack *st, struct tcb *t, const struct tcp_seg *s)
{
	u32 flight = t->snd_max - t->snd_una;

	t->dupacks_in++;
	st->stats.dupacks++;
	t->dupacks++;
	if (!t->in_recovery) {
		if (t->dupacks == 3 && seq_gt(s->ack, t->recover)) {
			/* Fast retransmit, enter NewReno recovery (RFC 6582). */
			t->ssthresh = max32(flight / 2, 2 * t->mss);
			t->recover = t->snd_max;
			t->in_recovery = true;
			t->fast_retrans++;
			st->stats.fast_retrans++;
			retransmit_head(st, t, ~0U);
			t->rtx_next = t->snd_una + min32(t->mss, t->snd.len);
			t->cwnd = t->ssthresh + 3 * t->mss;
			arm_rtx(st, t);
		}
	} else if (t->dupacks > 3) {
		/* Each duplicate ACK says a segment left the network: its
		 * place goes to the next SACK hole if there is one, else it
		 * inflates the window for new data (RFC 6582 step 4). */
		if (!sack_retransmit_hole(st, t))
			t->cwnd += t->mss;
	}
}

/* ACK processing for synchronized states (RFC 9293 3.10.7.4 fifth).
 * Returns false when the segment is to be dropped. */
static bool process_ack(struct tcp_stack *st, struct tcb *t, const struct tcp_seg *s)
{
	u32 win = (u32)s->win << t->snd_wscale;
	bool window_update;

	if (t->state == TCP_SYN_RECEIVED) {
		if (!seq_gt(s->ack, t->snd_una) || seq_gt(s->ack, t->snd_max)) {
			send_rst_reply(st, t->raddr, t->laddr, s);
			return false;
		}
		t->snd_wnd = win;
		t->max_snd_wnd = max32(t->max_snd_wnd, win);
		t->snd_wl1 = s->seq;
		t->snd_wl2 = s->ack;
		/* Our SYN is acknowledged: SND.UNA moves past it here, so the
		 * send ring (which starts after the SYN) loses no byte. */
		t->snd_una = t->iss + 1;
		t->backoff = 0;
		t->retries = 0;
		if (t->snd_una == t->snd_max)
			disarm(t, TCP_T_RTX);
		if (t->want_snd || t->want_rcv) {
			/* The handshake is complete: now the rings. */
			if (st->ops->alloc_bufs(st, t, t->want_snd, t->want_rcv) < 0) {
				st->stats.syn_dropped++;
				abort_conn(st, t);
				return false;
			}
			t->want_snd = t->want_rcv = 0;
		}
		established(st, t);
		if (t->parent) {
			struct tcb *l = t->parent, **pp;

			/* From the SYN queue to the end of the accept queue. */
			unlink_child(t);
			if (l->acceptq_len >= l->backlog) {
				st->stats.accept_overflow++;
				abort_conn(st, t);
				return false;
			}
			for (pp = &l->acceptq; *pp; pp = &(*pp)->lnext)
				;
			*pp = t;
			t->parent = l;
			t->in_acceptq = true;
			l->acceptq_len++;
			st->ops->wake(l, TCP_WAKE_CONN);
		} else {
			st->ops->wake(t, TCP_WAKE_CONN);
		}
	}
	/* RFC 5961 5.2: an ACK for data never sent, or too old to be in the
	 * peer's window, gets an ACK and is dropped. */
	if (seq_gt(s->ack, t->snd_max)) {
		send_ack(st, t);
		return false;
	}
	if (seq_lt(s->ack, t->snd_una - max32(t->max_snd_wnd, 1))) {
		t->challenge_acks++;
		st->stats.challenge_acks++;
		send_ack(st, t);
		return false;
	}
	window_update = seq_lt(t->snd_wl1, s->seq) ||
			(t->snd_wl1 == s->seq && seq_le(t->snd_wl2, s->ack));
	if (t->sack_ok && s->nsack)
		sack_update(t, s);
	if (seq_gt(s->ack, t->snd_una)) {
		new_ack(st, t, s);
	} else if (s->ack == t->snd_una && !s->dlen && !(s->flags & (TCP_SYN | TCP_FIN)) &&
		   win == t->snd_wnd && t->snd_max != t->snd_una && t->snd_wnd) {
		dup_ack(st, t, s);
	}
	if (window_update) {
		if (!t->snd_wnd && win) {
			/* The window opened: stop probing and send at once. A
			 * probe byte still unacknowledged was dropped by the
			 * closed window: it goes again with what follows. */
			t->backoff = 0;
			if (t->snd_max - t->snd_una <= 1) {
				t->snd_nxt = t->snd_una;
				disarm(t, TCP_T_RTX);
			}
		}
		t->snd_wnd = win;
		t->max_snd_wnd = max32(t->max_snd_wnd, win);
		t->snd_wl1 = s->seq;
		t->snd_wl2 = s->ack;
	}
	if (!t->snd_wnd)
		t->retries = 0; /* a zero-window peer answering probes is alive */

	/* Our FIN acknowledged? */
	if (t->fin_queued && seq_gt(t->snd_una, t->fin_seq)) {
		switch (t->state) {
		case TCP_FIN_WAIT_1:
			set_state(st, t, TCP_FIN_WAIT_2);
			if (!t->attached)
				arm(st, t, TCP_T_KEEP, now(st) + st->p.fin_wait2);
			break;
		case TCP_CLOSING:
			if (!enter_time_wait(st, t))
				return false;
			break;
		case TCP_LAST_ACK:
			to_closed(st, t, 0);
			return false;
		default:
			break;
		}
	}
	return true;
}

static void handle_rst(struct tcp_stack *st, struct tcb *t)
{
	switch (t->state) {
	case TCP_SYN_RECEIVED:
		to_closed(st, t, t->parent ? 0 : -ECONNREFUSED);
		break;
	case TCP_ESTABLISHED:
	case TCP_FIN_WAIT_1:
	case TCP_FIN_WAIT_2:
	case TCP_CLOSE_WAIT:
		st->stats.estab_resets++;
		to_closed(st, t, -ECONNRESET);
		break;
	default:
		to_closed(st, t, 0);
		break;
	}
}

static void listen_input(struct tcp_stack *st, struct tcb *l, u32 src, u32 dst,
			 const struct tcp_seg *s)
{
	struct tcb *c;
	u16 mtu = 576;
	u32 tso = 0;

	if (s->flags & TCP_RST)
		return;
	if (s->flags & TCP_ACK) {
		send_rst_reply(st, src, dst, s);
		return;
	}
	if (!(s->flags & TCP_SYN) || (s->flags & TCP_FIN))
		return;
	if (l->acceptq_len >= l->backlog || st->nconn >= st->p.conn_max) {
		/* Silently: the peer retries its SYN once we made room. */
		st->stats.syn_dropped++;
		return;
	}
	if (l->synq_len >= st->p.synq_max) {
		/* SYN flood: evict the oldest embryonic connection (the
		 * queue's tail) so new, possibly legitimate, ones get in. */
		struct tcb *old = l->synq;

		while (old->lnext)
			old = old->lnext;
		st->stats.syn_evicted++;
		unlink_child(old);
		to_closed(st, old, 0);
	}
	if (st->ops->route(st, src, &mtu, &tso) < 0) {
		st->stats.syn_dropped++;
		return;
	}
	if (st->ops->alloc_bufs) {
		c = tcp_tcb_new(st, 0, 0);
		if (c) {
			c->want_snd = l->snd.size;
			c->want_rcv = l->rcv.size;
		}
	} else {
		c = tcp_tcb_new(st, l->snd.size, l->rcv.size);
	}
	if (!c) {
		st->stats.syn_dropped++;
		return;
	}
	/* A listener sized by SO_RCVBUF/SO_SNDBUF passes the sizes on, and
	 * with them the end of tuning. */
	c->rcv_locked = l->rcv_locked;
	c->snd_locked = l->snd_locked;
	c->rcv_wscale = tcp_wscale_for(max32(l->rcv.size, tuning(st, st->p.rcvbuf_max) &&
								!c->rcv_locked ? st->p.rcvbuf_max : 0));
	c->laddr = dst;
	c->lport = l->lport;
	c->raddr = src;
	c->rport = s->sport;
	c->nodelay = l->nodelay;
	c->keepalive = l->keepalive;
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	init_send_side(st, c, mtu, tso);
	apply_syn_options(c, s, true);
	c->snd_wnd = s->win; /* a SYN's window is unscaled */
	c->max_snd_wnd = s->win;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = c->iss;
	c->last_rx = now(st);
	set_state(st, c, TCP_SYN_RECEIVED);
	list_insert(st, c, TCB_HASHED);
	c->parent = l;
	c->lnext = l->synq;
	l->synq = c;
	l->synq_len++;
	st->stats.passive_opens++;
	send_seg(st, c, c->iss, TCP_SYN | TCP_ACK, 0, 0, 0);
	arm_rtx(st, c);
}

static void syn_sent_input(struct tcp_stack *st, struct tcb *t, const struct tcp_seg *s)
{
	bool ack_ok = false;

	if (s->flags & TCP_ACK) {
		if (seq_le(s->ack, t->iss) || seq_gt(s->ack, t->snd_max)) {
			send_rst_reply(st, t->raddr, t->laddr, s);
			return;
		}
		ack_ok = true;
	}
	if (s->flags & TCP_RST) {
		if (ack_ok)
			to_closed(st, t, -ECONNREFUSED);
		return;
	}
	if (!(s->flags & TCP_SYN))
		return;
	t->irs = s->seq;
	t->rcv_nxt = s->seq + 1;
	apply_syn_options(t, s, true);
	t->snd_wnd = s->win;
	t->max_snd_wnd = s->win;
	t->snd_wl1 = s->seq;
	t->snd_wl2 = s->ack;
	if (ack_ok) {
		t->snd_una = s->ack;
		u64 rtt;

		if (t->backoff == 0 && t->retries == 0 && !t->ts_ok) {
			if (rtt_since(st, t->timer[TCP_T_RTX] - t->rto, &rtt))
				tcp_rtt_sample(st, t, rtt);
		} else if (t->ts_ok && s->has_ts && s->tsecr) {
			if (rtt_from_echo(st, t, s->tsecr, &rtt))
				tcp_rtt_sample(st, t, rtt);
		}
		t->backoff = 0;
		t->retries = 0;
		disarm(t, TCP_T_RTX);
		established(st, t);
		t->ack_now = true;
		st->ops->wake(t, TCP_WAKE_CONN | TCP_WAKE_TX);
		output(st, t);
		return;
	}
	/* Simultaneous open (RFC 9293 3.5, figure 8). */
	set_state(st, t, TCP_SYN_RECEIVED);
	send_seg(st, t, t->iss, TCP_SYN | TCP_ACK, 0, 0, 0);
	arm_rtx(st, t);
}

static bool acceptable(const struct tcb *t, u32 seq, u32 seglen)
{
	u32 wnd = rcv_space(t);
	u32 nxt = t->rcv_nxt;

	if (!seglen)
		return wnd ? seq_in(seq, nxt, nxt + wnd) : seq == nxt;
	if (!wnd)
		return false;
	return seq_in(seq, nxt, nxt + wnd) || seq_in(seq + seglen - 1, nxt, nxt + wnd);
}

/* RFC 9293 3.10.7.4: segment arrives in a synchronized state (or
 * SYN_RECEIVED). */
static void conn_input(struct tcp_stack *st, struct tcb *t, struct tcp_seg *s)
{
	u32 seglen = s->dlen + !!(s->flags & TCP_SYN) + !!(s->flags & TCP_FIN);
	bool fin;

	/* In SYN_RECEIVED, the peer's SYN again: a retransmission (answer
	 * with our SYN-ACK again), or in a simultaneous open its SYN-ACK,
	 * whose ACK completes the handshake (RFC 9293 figure 8; the SYN is
	 * old, so it is stripped rather than failing the window test). */
	if (t->state == TCP_SYN_RECEIVED && (s->flags & TCP_SYN) && s->seq == t->irs) {
		if (!(s->flags & TCP_ACK) || !seq_gt(s->ack, t->snd_una) ||
		    seq_gt(s->ack, t->snd_max)) {
			send_seg(st, t, t->iss, TCP_SYN | TCP_ACK, 0, 0, 0);
			return;
		}
		s->flags &= (u8)~TCP_SYN;
		s->seq++;
		seglen--;
	}
	/* PAWS (RFC 7323 5.3). */
	if (t->ts_ok && s->has_ts && !(s->flags & TCP_RST) && seq_lt(s->tsval, t->ts_recent)) {
		if (now(st) - t->ts_recent_age <= PAWS_IDLE || !t->ts_recent_age) {
			t->paws_drops++;
			st->stats.paws_drops++;
			send_ack(st, t);
			return;
		}
	}
	if (!acceptable(t, s->seq, seglen)) {
		/* With a zero window, an in-sequence segment's ACK still counts. */
		if (!(rcv_space(t) == 0 && s->seq == t->rcv_nxt)) {
			if (!(s->flags & TCP_RST))
				send_ack(st, t);
			return;
		}
		s->dlen = 0;
		s->flags &= (u8)~(TCP_FIN | TCP_SYN);
		t->ack_now = true;
	}
	/* Trim to the window. */
	if (seq_lt(s->seq, t->rcv_nxt)) {
		u32 cut = t->rcv_nxt - s->seq;

		if (s->flags & TCP_SYN) {
			s->flags &= (u8)~TCP_SYN;
			s->seq++;
			cut--;
		}
		if (cut > s->dlen) {
			s->flags &= (u8)~TCP_FIN; /* an old FIN */
			cut = s->dlen;
		}
		s->data += cut;
		s->dlen -= cut;
		s->seq += cut;
	}
	if (seq_gt(s->seq + s->dlen, t->rcv_nxt + rcv_space(t))) {
		s->dlen = t->rcv_nxt + rcv_space(t) - s->seq;
		s->flags &= (u8)~TCP_FIN;
	}
	/* RFC 7323 4.3: remember the timestamp of the segment we ACK next. */
	if (t->ts_ok && s->has_ts && seq_ge(s->tsval, t->ts_recent) &&
	    seq_le(s->seq, t->last_ack_sent)) {
		t->ts_recent = s->tsval;
		t->ts_recent_age = now(st);
	}
	/* The receiver's RTT for autotuning (as Linux's receive-side
	 * estimate): a data segment echoing a timestamp of ours that no
	 * sample used yet left the peer about one round trip after we sent
	 * that timestamp. */
	if (t->ts_ok && s->has_ts && s->dlen && s->tsecr && s->tsecr != t->rcv_rtt_tsecr) {
		u64 back;

		t->rcv_rtt_tsecr = s->tsecr;
		if (rtt_from_echo(st, t, s->tsecr, &back) && back < 60000 * MS) {
			u64 r = back ? back : MS;

			t->rcv_rtt = t->rcv_rtt ? t->rcv_rtt - t->rcv_rtt / 8 + r / 8 : r;
		}
	}
	t->last_rx = now(st);
	t->keep_probes = 0;
	if (t->keepalive && (t->state == TCP_ESTABLISHED || t->state == TCP_CLOSE_WAIT))
		t->timer[TCP_T_KEEP] = t->last_rx + st->p.keep_idle;

	if (s->flags & TCP_RST) {
		/* RFC 5961 3.2: only the exact next sequence number resets;
		 * anything else in the window gets a challenge ACK. */
		if (s->seq == t->rcv_nxt) {
			handle_rst(st, t);
		} else {
			t->challenge_acks++;
			st->stats.challenge_acks++;
			send_ack(st, t);
		}
		return;
	}
	if (s->flags & TCP_SYN) {
		/* RFC 5961 4.2: a SYN in a synchronized state is challenged. */
		t->challenge_acks++;
		st->stats.challenge_acks++;
		send_ack(st, t);
		return;
	}
	if (!(s->flags & TCP_ACK))
		return;
	if (t->state == TCP_TIME_WAIT) {
		/* A retransmitted FIN: ACK it and restart the 2 MSL wait. */
		if (s->flags & TCP_FIN) {
			send_ack(st, t);
			arm(st, t, TCP_T_KEEP, now(st) + 2 * st->p.msl);
		}
		return;
	}
	if (!process_ack(st, t, s))
		return;
	if (t->state == TCP_CLOSED)
		return;

	switch (t->state) {
	case TCP_ESTABLISHED:
	case TCP_FIN_WAIT_1:
	case TCP_FIN_WAIT_2:
		receive_data(st, t, s->seq, s->data, s->dlen);
		break;
	default:
		break; /* the peer already sent its FIN: ignore data */
	}
	fin = (s->flags & TCP_FIN) && s->seq + s->dlen == t->rcv_nxt && !t->fin_rcvd;
	if (fin) {
		t->rcv_nxt++;
		t->fin_rcvd = true;
		t->ack_now = true;
		st->ops->wake(t, TCP_WAKE_RX);
		switch (t->state) {
		case TCP_SYN_RECEIVED:
		case TCP_ESTABLISHED:
			set_state(st, t, TCP_CLOSE_WAIT);
			break;
		case TCP_FIN_WAIT_1:
			/* Our FIN not yet acknowledged (else FIN_WAIT_2). */
			set_state(st, t, TCP_CLOSING);
			break;
		case TCP_FIN_WAIT_2:
			if (!enter_time_wait(st, t))
				return;
			break;
		default:
			break;
		}
	} else if ((s->flags & TCP_FIN) && !t->fin_rcvd) {
		t->ack_now = true; /* FIN beyond a hole: dropped, ACK what we have */
	}
	if (t->state == TCP_TIME_WAIT) {
		send_ack(st, t);
		return;
	}
	output(st, t);
	if (t->ack_now)
		send_ack(st, t);
}

void tcp_stack_input(struct tcp_stack *st, u32 src, u32 dst, const u8 *buf, u32 len,
		     bool csum_ok)
{
	struct tcp_seg s;
	struct tcb *t;

	st->stats.segs_in++;
	if (len > 0xffff) {
		st->stats.bad_hdr++;
		return;
	}
	if (!csum_ok &&
	    csum_fold(csum_partial(buf, len, csum_tcpudp_pseudo(src, dst, IPPROTO_TCP, (u16)len)))) {
		st->stats.bad_csum++;
		return;
	}
	if (tcp_parse(buf, len, &s) < 0) {
		st->stats.bad_hdr++;
		return;
	}
	t = lookup(st, dst, s.dport, src, s.sport);
	if (t && t->state == TCP_TIME_WAIT && (s.flags & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN &&
	    seq_gt(s.seq, t->rcv_nxt)) {
		/* A new incarnation whose SYN is beyond the old sequence
		 * space may reuse the 4-tuple (RFC 9293 3.6.1). */
		to_closed(st, t, 0);
		t = NULL;
	}
	if (t) {
		t->segs_in++;
		if (t->state == TCP_SYN_SENT)
			syn_sent_input(st, t, &s);
		else
			conn_input(st, t, &s);
		return;
	}
	t = lookup_listener(st, dst, s.dport);
	if (t) {
		t->segs_in++;
		listen_input(st, t, src, dst, &s);
		return;
	}
	st->stats.no_conn++;
	send_rst_reply(st, src, dst, &s);
}

void tcp_stack_icmp(struct tcp_stack *st, u8 type, u8 code, u16 mtu, u32 saddr, u32 daddr,
		    u16 sport, u16 dport, u32 seq)
{
	struct tcb *t = lookup(st, saddr, sport, daddr, dport);

	if (!t || seq_lt(seq, t->snd_una) || seq_gt(seq, t->snd_max))
		return; /* not about data in flight: forged or stale */
	if (type != 3)
		return;
	if (code == 4) {
		/* Fragmentation needed (RFC 1191): shrink the MSS. */
		u32 m = mtu > 40 + TCP_MSS_MIN ? (u32)mtu - 40 - (t->ts_ok ? 12 : 0) : TCP_MSS_MIN;

		if (m >= TCP_MSS_MIN && m < t->mss) {
			t->mss = (u16)m;
			if (t->tso_max)
				t->tso_max -= t->tso_max % t->mss;
			retransmit_head(st, t, ~0U);
		}
		return;
	}
	/* Port/protocol unreachable while connecting: refused (as Linux);
	 * other errors are soft (RFC 9293 3.9.2.2) and only time out. */
	if (t->state == TCP_SYN_SENT && (code == 2 || code == 3))
		to_closed(st, t, -ECONNREFUSED);
}

/* ---------------------------------------------------------------- timers */

/* Returns false when t was closed (and may be freed). */
static bool rtx_timeout(struct tcp_stack *st, struct tcb *t)
{
	u32 flight = t->snd_max - t->snd_una;
	bool restart = t->link_restart;

	t->link_restart = false;

	if (t->state == TCP_SYN_SENT || t->state == TCP_SYN_RECEIVED) {
		if (++t->retries > st->p.syn_retries) {
			st->stats.timeouts++;
			to_closed(st, t, -ETIMEDOUT);
			return false;
		}
		t->backoff++;
		t->retrans++;
		st->stats.retrans++;
		send_seg(st, t, t->iss, TCP_SYN | (t->state == TCP_SYN_RECEIVED ? TCP_ACK : 0), 0, 0,
			 0);
		arm_rtx(st, t);
		return true;
	}
	if (!synchronized_send(t))
		return true;
	if (!flight && !(t->snd.len && !t->snd_wnd))
		return true; /* nothing outstanding any more */
	if (++t->retries > st->p.max_retries) {
		st->stats.timeouts++;
		send_rst(st, t);
		to_closed(st, t, -ETIMEDOUT);
		return false;
	}
	t->rto_count++;
	st->stats.rto_fired++;
	if (!t->snd_wnd)
		st->stats.probes++;
	if (restart) {
		/* tcp_stack_link_up's restart: what was in flight during the
		 * outage is lost, not delayed; an ACK echoing an older
		 * timestamp (a frame the driver kept over the outage) says
		 * nothing about the rest, so no Eifel undo. */
		t->eifel_armed = false;
	} else if (t->snd_wnd && t->ts_ok && !t->backoff) {
		/* Remember what to restore should this timeout prove spurious
		 * (the first ACK after it echoes an older timestamp). */
		t->eifel_armed = true;
		t->eifel_ts = ts_now(st, t);
		t->eifel_cwnd = t->cwnd;
		t->eifel_ssthresh = t->ssthresh;
		t->eifel_max = t->snd_max;
	}
	if (t->snd_wnd) {
		/* RFC 5681 3.1 eq. 4, RFC 6298 5.5-5.7. */
		t->ssthresh = max32(flight / 2, 2 * t->mss);
		t->cwnd = t->mss;
		t->recover = t->snd_max;
		t->in_recovery = false;
		t->dupacks = 0;
	}
	/* Go-back-N resends everything; the peer may have reneged on
	 * what it reported (RFC 2018 8). */
	t->nsacked = 0;
	if (t->backoff < 16)
		t->backoff++;
	/* Go back: everything after the head is sent again as ACKs come. */
	t->snd_nxt = t->snd_una;
	retransmit_head(st, t, t->snd_wnd ? ~0U : 1);
	arm_rtx(st, t);
	return true;
}

static void keep_timeout(struct tcp_stack *st, struct tcb *t)
{
	switch (t->state) {
	case TCP_TIME_WAIT:
	case TCP_FIN_WAIT_2:
		to_closed(st, t, 0);
		return;
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		if (!t->keepalive)
			return;
		if (t->keep_probes >= st->p.keep_cnt) {
			st->stats.timeouts++;
			to_closed(st, t, -ETIMEDOUT);
			return;
		}
		/* A probe: an old sequence number makes the peer ACK. */
		t->keep_probes++;
		send_seg(st, t, t->snd_una - 1, TCP_ACK, 0, 0, 0);
		arm(st, t, TCP_T_KEEP, now(st) + st->p.keep_intvl);
		return;
	default:
		return;
	}
}

static void run_timers(struct tcb *t, void *arg)
{
	struct tcp_stack *st = arg;
	u64 n = now(st);

	if (t->timer[TCP_T_DELACK] && t->timer[TCP_T_DELACK] <= n) {
		t->timer[TCP_T_DELACK] = 0;
		if (t->state != TCP_CLOSED && t->state != TCP_LISTEN) {
			st->stats.delack_fired++;
			send_ack(st, t);
		}
	}
	if (t->timer[TCP_T_RTX] && t->timer[TCP_T_RTX] <= n) {
		t->timer[TCP_T_RTX] = 0;
		if (!rtx_timeout(st, t))
			return; /* t may be freed */
	}
	if (t->timer[TCP_T_KEEP] && t->timer[TCP_T_KEEP] <= n) {
		t->timer[TCP_T_KEEP] = 0;
		keep_timeout(st, t);
	}
}

static void link_up_one(struct tcb *t, void *arg)
{
	struct tcp_stack *st = arg;

	t->rtt_timing = false;
	if (!t->timer[TCP_T_RTX] || t->state == TCP_LISTEN || t->state == TCP_CLOSED)
		return;
	/* The retransmissions during the outage never left, so they say
	 * nothing about the peer: start again from one RTO, now. */
	t->backoff = 0;
	t->retries = 0;
	t->link_restart = true;
	st->stats.link_restarts++;
	arm(st, t, TCP_T_RTX, now(st));
}

void tcp_stack_link_up(struct tcp_stack *st)
{
	st->rtt_floor = now(st);
	tcp_for_each(st, link_up_one, st);
}

static void min_timer(struct tcb *t, void *arg)
{
	u64 *m = arg;

	for (int i = 0; i < TCP_T_COUNT; i++)
		if (t->timer[i] && (!*m || t->timer[i] < *m))
			*m = t->timer[i];
}

void tcp_stack_timers(struct tcp_stack *st, u64 n)
{
	u64 next = 0;

	(void)n;
	if (st->next_timer && st->next_timer <= now(st))
		tcp_for_each(st, run_timers, st);
	tcp_for_each(st, min_timer, &next);
	st->next_timer = next;
}
