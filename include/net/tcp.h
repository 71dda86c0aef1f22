/* TCP (RFC 9293): the wire format, the header/option parser and the
 * protocol core.
 *
 * The core (net/tcp_core.c) is pure: it knows nothing of pkbufs, locks,
 * threads or timers. Everything it needs from the kernel comes through
 * struct tcp_stack_ops (the clock, segment output, timer arming, waking
 * socket waiters, allocating and freeing connections), so the same code
 * runs in the kernel (net/tcp.c supplies the ops) and in the host unit
 * tests (a scripted peer supplies them). Callers serialise every call into
 * one struct tcp_stack (the kernel holds tcp_lock). docs/tcp.md has the
 * design. */
#ifndef NET_TCP_H
#define NET_TCP_H

#include <kernel/types.h>

/* ---------------------------------------------------------------- wire */
#define TCP_HLEN_MIN 20
#define TCP_HLEN_MAX 60
#define TCP_OPT_MAX 40

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20

#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOPT_WS 3
#define TCPOPT_SACK_OK 4
#define TCPOPT_SACK 5
/* SACK blocks an option can carry (40 option bytes: 2 + 8 * 4 + padding). */
#define TCP_SACK_BLOCKS_MAX 4
#define TCPOPT_TS 8

#define TCP_WSCALE_MAX 14       /* RFC 7323 2.3: larger shifts are treated as 14 */
#define TCP_MSS_DEFAULT 536     /* RFC 9293 3.7.1: without the option */
#define TCP_MSS_MIN 64          /* we never send smaller segments than this */

/* Sequence arithmetic modulo 2^32 (RFC 9293 3.4). */
static inline bool seq_lt(u32 a, u32 b) { return (s32)(a - b) < 0; }
static inline bool seq_le(u32 a, u32 b) { return (s32)(a - b) <= 0; }
static inline bool seq_gt(u32 a, u32 b) { return (s32)(a - b) > 0; }
static inline bool seq_ge(u32 a, u32 b) { return (s32)(a - b) >= 0; }
/* a <= x < b */
static inline bool seq_in(u32 x, u32 a, u32 b) { return seq_le(a, x) && seq_lt(x, b); }

/* A received segment after parsing (lib/tcp_parse.c). */
struct tcp_seg {
	u16 sport, dport;
	u32 seq, ack;
	u16 win;                /* unscaled */
	u8 flags;               /* TCP_* */
	u8 hlen;                /* header bytes, options included */
	u32 dlen;               /* payload bytes */
	const u8 *data;         /* payload (inside the parsed buffer) */
	/* options; has_* false when absent or malformed */
	bool has_mss, has_ws, has_ts, sack_ok;
	u16 mss;
	u8 wscale;              /* already capped at TCP_WSCALE_MAX */
	u32 tsval, tsecr;
	/* SACK blocks as sent: unchecked against anything (the option's
	 * length only); the connection validates them against its window */
	u8 nsack;
	u32 sack_start[TCP_SACK_BLOCKS_MAX], sack_end[TCP_SACK_BLOCKS_MAX];
};

/* Parse the TCP header and options of the untrusted segment buf[0, len):
 * data offset within [20, len], every option's length inside the option
 * area, known options of the wrong length ignored. 0 or -EINVAL. */
int tcp_parse(const u8 *buf, u32 len, struct tcp_seg *s);

/* Option writer: returns bytes written (a multiple of 4, <= TCP_OPT_MAX).
 * SACK blocks go last, as many of the nsack as fit in what is left of
 * the 40 option bytes (3 beside timestamps, 4 without). */
struct tcp_opts_out {
	bool mss, ws, ts, sack_ok;
	u16 mss_val;
	u8 ws_val;
	u32 tsval, tsecr;
	u8 nsack;
	u32 sack_start[TCP_SACK_BLOCKS_MAX], sack_end[TCP_SACK_BLOCKS_MAX];
};
u32 tcp_write_opts(u8 *buf, const struct tcp_opts_out *o);

/* ---------------------------------------------------------------- core */
enum tcp_state {
	TCP_CLOSED,
	TCP_LISTEN,
	TCP_SYN_SENT,
	TCP_SYN_RECEIVED,
	TCP_ESTABLISHED,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSE_WAIT,
	TCP_CLOSING,
	TCP_LAST_ACK,
	TCP_TIME_WAIT,
};

const char *tcp_state_name(int state);

/* Per-connection timers: deadlines in the stack's clock (ns), 0 = off. */
enum {
	TCP_T_RTX,      /* retransmission, SYN retry, zero-window probe */
	TCP_T_DELACK,   /* delayed ACK */
	TCP_T_KEEP,     /* keepalive; FIN_WAIT_2 of an orphan; TIME_WAIT end */
	TCP_T_COUNT
};

/* A byte ring: the send buffer (from SND.UNA) and the receive buffer (from
 * the next byte the application reads). */
struct tcp_ring {
	u8 *buf;
	u32 size;
	u32 start;
	u32 len;
};

/* Out-of-order ranges held in the receive ring beyond the in-order bytes. */
#define TCP_OOO_MAX 8
/* Ranges of the peer's SACK scoreboard kept; blocks beyond are ignored. */
#define TCP_SACKED_MAX 8
struct tcp_range {
	u32 start, end;         /* sequence numbers, [start, end) */
};

/* wake events */
#define TCP_WAKE_RX   1U     /* data, EOF or an error to read */
#define TCP_WAKE_TX   2U     /* send space or an error */
#define TCP_WAKE_CONN 4U     /* connect finished / accept queue grew */

struct tcp_stack;

#define TCB_NOWHERE 0
#define TCB_HASHED 1
#define TCB_UNHASHED 2

struct tcb {
	struct tcp_stack *stack;
	struct tcb *hnext;              /* hash chain, or the stack's unhashed list */
	u8 where;                       /* TCB_NOWHERE, TCB_HASHED, TCB_UNHASHED */
	bool bound_only;                /* bound by tcp_bind, not (yet) connected */
	u8 state;
	u32 laddr, raddr;               /* host order */
	u16 lport, rport;

	/* send sequence space */
	u32 iss, snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2, max_snd_wnd;
	u8 snd_wscale, rcv_wscale;
	bool ws_ok, ts_ok;
	u32 ts_recent;
	u32 ts_offset;                  /* random per connection (RFC 7323 7.1) */
	u32 last_ack_sent;              /* RCV.NXT in our last ACK (RFC 7323 4.3) */
	u64 ts_recent_age;              /* clock when ts_recent was stored */
	u16 peer_mss;                   /* from the peer's SYN */
	u16 mss;                        /* payload bytes per segment we send (options excluded) */
	u16 adv_mss;                    /* what we announced */
	u32 tso_max;                    /* payload bytes per TSO super-segment; 0 = no TSO */
	bool shut_wr;                   /* the application shut down writing */
	bool fin_queued;                /* our FIN has its sequence number */
	bool fin_sent;
	u32 fin_seq;                    /* our FIN's sequence number once queued */

	/* receive sequence space */
	u32 irs, rcv_nxt, rcv_adv;      /* rcv_adv: right edge we last advertised */
	bool fin_rcvd;
	struct tcp_range ooo[TCP_OOO_MAX];
	u8 nooo;
	bool sack_ok;                   /* both SYNs carried SACK-permitted (RFC 2018) */
	u32 ooo_recent;                 /* start of the out-of-order segment received last */
	u8 unacked_segs;                /* full segments received since our last ACK */
	bool ack_now;

	struct tcp_ring snd, rcv;
	u32 want_snd, want_rcv;         /* ring sizes still to allocate (embryonic child) */

	/* Buffer autotuning (docs/tcp.md "Buffer autotuning") */
	bool rcv_locked, snd_locked;    /* sized by SO_RCVBUF/SO_SNDBUF: never tuned */
	u32 rcv_clamp;                  /* memory pressure: announce at most this ring (0 = none) */
	u32 snd_clamp;                  /* memory pressure: queue at most this much (0 = none) */
	u32 rcvq_copied;                /* bytes the application read since rcvq_time */
	u64 rcvq_time;                  /* start of the current measurement (0 = none yet) */
	u64 rcv_rtt;                    /* receiver's RTT estimate from timestamp echoes, ns */
	u32 rcv_rtt_tsecr;              /* the echo the last sample came from */
	u32 ca_acked;                   /* congestion avoidance: bytes acked toward the next MSS */

	/* RTT (RFC 6298), nanoseconds */
	u64 srtt, rttvar, rto;
	bool rtt_valid;
	bool rtt_timing;                /* a segment is being timed (no timestamps) */
	u32 rtt_seq;
	u64 rtt_start;
	u8 backoff;
	u8 retries;

	/* congestion control (RFC 5681 / RFC 6582) */
	u32 cwnd, ssthresh, recover;
	u8 dupacks;
	bool in_recovery;
	/* The peer's SACK scoreboard (RFC 6675), with sack_ok: ranges above
	 * SND.UNA it reported holding, sorted and merged; in recovery the
	 * holes below the highest are resent, rtx_next is where the next
	 * search starts */
	struct tcp_range sacked[TCP_SACKED_MAX];
	u8 nsacked;
	u32 rtx_next;
	/* Eifel detection (RFC 3522) of a spurious timeout, with timestamps */
	bool eifel_armed;
	bool link_restart;              /* the next RTO is tcp_stack_link_up's restart */
	u32 eifel_ts, eifel_cwnd, eifel_ssthresh, eifel_max;

	/* keepalive */
	u8 keep_probes;
	u64 last_rx;

	u64 timer[TCP_T_COUNT];

	/* options */
	bool nodelay, keepalive, linger0;

	/* socket attachment and error */
	bool attached;                  /* a socket refers to it */
	u32 users;                      /* threads inside a blocking call (kernel glue) */
	int err;                        /* pending -errno for the application */
	bool dead;                      /* unhashed, freed once unused */

	/* listener */
	struct tcb *parent;             /* embryonic/unaccepted child: its listener */
	struct tcb *lnext;              /* link in the parent's syn or accept list */
	struct tcb *synq, *acceptq;
	u32 synq_len, acceptq_len, backlog;
	bool in_acceptq;

	/* counters */
	u64 segs_in, segs_out, bytes_in, bytes_out, retrans, fast_retrans, rto_count,
		dupacks_in, ooo_segs, challenge_acks, paws_drops;

	void *priv;                     /* the kernel glue's (waitqueue, socket) */
};

/* A segment for the caller to send: header complete except the checksum
 * (zero); the payload (data_len bytes) is at send-buffer offset data_off
 * (bytes from SND.UNA), copied with tcp_snd_copy(). gso_size != 0 asks for
 * a TSO super-segment of that MSS. */
struct tcp_out {
	u32 saddr, daddr;
	u8 hdr[TCP_HLEN_MAX];
	u32 hlen;
	u32 data_off, data_len;
	u16 gso_size;
};

/* Tunables (times in ns). tcp_stack_init sets the RFC/Linux-like defaults;
 * tests shorten them. */
struct tcp_params {
	u64 rto_init, rto_min, rto_max;
	u64 delack;
	u64 msl;                        /* TIME_WAIT lasts 2 * msl */
	u64 fin_wait2;                  /* an orphan waits this long for the peer's FIN */
	u64 keep_idle, keep_intvl;
	u8 keep_cnt;
	u8 max_retries, syn_retries;
	u32 tw_max;                     /* TIME_WAIT connections at most; beyond: closed at once */
	u32 synq_max;                   /* embryonic connections per listener at most */
	u32 backlog_max;
	u32 conn_max;                   /* connections in the table at most */
	/* Autotuning ceilings for the rings (bytes); 0 = no autotuning (the
	 * default of tcp_stack_init; the kernel glue sets them). Tuning also
	 * needs ops->resize. */
	u32 rcvbuf_max, sndbuf_max;
	u32 buf_floor;                  /* memory pressure shrinks tuned rings back to this */
	bool sack;                      /* offer and answer SACK-permitted (default on) */
};

struct tcp_stack_ops {
	u64 (*now)(struct tcp_stack *st);
	/* Send a segment (tcb NULL for a reset answering no connection). */
	void (*output)(struct tcp_stack *st, struct tcb *tcb, const struct tcp_out *o);
	/* A timer deadline earlier than any armed before may now exist. */
	void (*timer_armed)(struct tcp_stack *st, u64 deadline);
	void (*wake)(struct tcb *tcb, unsigned int events);
	/* A new connection with its rings allocated (rcvbuf/sndbuf bytes), or
	 * NULL. The core initialises the rest. */
	struct tcb *(*alloc)(struct tcp_stack *st, u32 sndbuf, u32 rcvbuf);
	void (*free)(struct tcp_stack *st, struct tcb *tcb);
	/* Optional: give tcb its rings later (0 or -ENOMEM). When present, a
	 * listener's embryonic children get theirs only once the handshake
	 * completes, so a SYN flood pins tcbs, not buffers. */
	int (*alloc_bufs)(struct tcp_stack *st, struct tcb *tcb, u32 sndbuf, u32 rcvbuf);
	/* Optional: free tcb's rings early (an orphan in TIME_WAIT needs
	 * none); afterwards buf is NULL and size 0, and free copes. */
	void (*drop_bufs)(struct tcp_stack *st, struct tcb *tcb);
	u32 (*random)(struct tcp_stack *st);
	/* Route facts toward daddr for a passive open: L3 MTU and the TSO
	 * payload limit (0 = none). -errno when unreachable. */
	int (*route)(struct tcp_stack *st, u32 daddr, u16 *mtu, u32 *tso_max);
	/* Optional (autotuning): replace ring r of tcb (its snd or rcv) with
	 * one of at least bytes, keeping its first keep bytes: allocate, then
	 * tcp_ring_move(), then free the old buffer. 0, or -ENOMEM when the
	 * memory budget or the allocator refuses (the ring stays as it was). */
	int (*resize)(struct tcp_stack *st, struct tcb *tcb, struct tcp_ring *r, u32 bytes,
		      u32 keep);
};

#define TCP_HASH_BITS 8
#define TCP_HASH_SIZE (1U << TCP_HASH_BITS)

struct tcp_stats {
	u64 segs_in, segs_out, bad_csum, bad_hdr, no_conn, rst_out, active_opens,
		passive_opens, syn_evicted, syn_dropped, accept_overflow, tw_limited, estab_resets,
		timeouts, retrans, challenge_acks, paws_drops, rto_fired, probes, fast_retrans,
		dupacks, zero_win_sent, spurious_rto, delack_fired, win_updates, rcv_grown,
		snd_grown, tune_refused, rings_shrunk, sack_rtx, link_restarts, rtt_discarded;
};

struct tcp_stack {
	const struct tcp_stack_ops *ops;
	struct tcp_params p;
	struct tcb *hash[TCP_HASH_SIZE];        /* connections with a 4-tuple */
	struct tcb *unhashed;                   /* bound, listening and closed-not-freed */
	u32 nconn;                              /* hashed connections */
	u32 ntw;                                /* in TIME_WAIT */
	u32 secret[4];                          /* hash and ISN key */
	u16 next_port;
	u64 next_timer;                         /* earliest armed deadline, 0 none */
	/* The last tcp_stack_link_up: a segment sent before it gives no RTT
	 * sample (its round trip spanned the outage). 0: none yet. */
	u64 rtt_floor;
	struct tcp_stats stats;
	void *priv;
};

void tcp_stack_init(struct tcp_stack *st, const struct tcp_stack_ops *ops);

/* A segment arrived for local address dst from src: buf[0, len) is the
 * untrusted TCP header + payload; csum_ok when the device validated it. */
void tcp_stack_input(struct tcp_stack *st, u32 src, u32 dst, const u8 *buf, u32 len,
		     bool csum_ok);
/* An ICMP error quoted our segment (RFC 9293 3.10.7: soft errors only,
 * except "fragmentation needed" which lowers the MSS). */
void tcp_stack_icmp(struct tcp_stack *st, u8 type, u8 code, u16 mtu, u32 saddr, u32 daddr,
		    u16 sport, u16 dport, u32 seq);
/* Run every timer due at now; recomputes st->next_timer. */
void tcp_stack_timers(struct tcp_stack *st, u64 now);
/* A link came (back) up after an outage in which segments were lost
 * without a trace: a suspend and resume, a save and restore, a migration
 * or a carrier flap. Round trips that spanned the outage are not
 * sampled, and every connection with unacknowledged data retransmits at
 * the next timer run, its backoff and retry count reset (docs/tcp.md
 * "After an outage"). */
void tcp_stack_link_up(struct tcp_stack *st);

/* Socket-level operations, non-blocking; the glue waits around them. */
struct tcb *tcp_tcb_new(struct tcp_stack *st, u32 sndbuf, u32 rcvbuf);
int tcp_bind(struct tcp_stack *st, struct tcb *t, u32 addr, u16 port);
int tcp_listen(struct tcp_stack *st, struct tcb *t, u32 backlog);
/* Route facts for the connection: source address, L3 MTU, TSO limit. */
int tcp_connect(struct tcp_stack *st, struct tcb *t, u32 src, u32 raddr, u16 rport, u16 mtu,
		u32 tso_max);
/* Pop an established child; NULL if none. */
struct tcb *tcp_accept(struct tcp_stack *st, struct tcb *listener);
/* Queue up to len bytes: count, or -errno (-EAGAIN when the buffer is full). */
long tcp_send(struct tcp_stack *st, struct tcb *t, const void *buf, u32 len);
/* Read up to len bytes: count, 0 at EOF, -EAGAIN, or -errno. */
long tcp_recv(struct tcp_stack *st, struct tcb *t, void *buf, u32 len);
int tcp_shutdown_wr(struct tcp_stack *st, struct tcb *t);
int tcp_setopt(struct tcp_stack *st, struct tcb *t, int opt, int val);
/* The socket lets go: FIN (or RST with linger0, or with unread data), and
 * the core frees t once it is closed and t->users is 0. */
void tcp_close(struct tcp_stack *st, struct tcb *t);
/* End the connection now (a reset unless still connecting); t stays
 * attached and reports err. */
void tcp_abort(struct tcp_stack *st, struct tcb *t, int err);
/* Called after t->users dropped: frees t if nothing refers to it. */
void tcp_release(struct tcp_stack *st, struct tcb *t);
/* Copy send-buffer bytes [off, off+len) for an output segment. */
void tcp_snd_copy(const struct tcb *t, u32 off, u8 *dst, u32 len);

/* Readiness, for wait conditions (the glue's lock held, or racy hints). */
bool tcp_can_recv(const struct tcb *t);
bool tcp_can_send(const struct tcb *t);
bool tcp_connect_done(const struct tcb *t);

/* Iterate every connection (hashed and unhashed) for the monitor. */
void tcp_for_each(struct tcp_stack *st, void (*fn)(struct tcb *t, void *arg), void *arg);

/* Exposed for the unit tests: the RFC 6298 estimator and the current
 * (backed-off) retransmission timeout. */
void tcp_rtt_sample(struct tcp_stack *st, struct tcb *t, u64 rtt_ns);
u64 tcp_rto_now(const struct tcp_stack *st, const struct tcb *t);

/* Autotuning, pure sizing (docs/tcp.md): the receive ring for a
 * connection whose application read per_rtt bytes in the last round trip,
 * and the send ring for a sender whose window is min(cwnd, peer's window);
 * each returns cur when no growth is due, never more than max, and sizes
 * that are powers of two (at least a page). */
u32 tcp_tune_rcvbuf(u32 cur, u32 per_rtt, u32 max);
u32 tcp_tune_sndbuf(u32 cur, u32 cwnd, u32 peer_wnd, u32 max);
/* The window shift for a receive ring that may grow to bytes. */
u8 tcp_wscale_for(u32 bytes);
/* For ops->resize: move the first keep bytes of r into buf (size bytes,
 * linear from offset 0) and make buf the ring's storage. */
void tcp_ring_move(struct tcp_ring *r, u8 *buf, u32 size, u32 keep);
/* Memory pressure: tuned rings go back toward st->p.buf_floor (send rings
 * at once when their data fits, receive rings once the window announced
 * so far fits; meanwhile the window is clamped). Returns bytes freed. */
u64 tcp_stack_shrink(struct tcp_stack *st);

/* Kernel entry for the monitor: one line per connection. */
void tcp_show_connections(void);

#endif
