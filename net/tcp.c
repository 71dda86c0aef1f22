/* TCP in the kernel: the glue between the pure protocol core
 * (net/tcp_core.c) and the stack, the scheduler and the socket API.
 *
 * Locks (docs/tcp.md):
 *   tcp_lock (mutex)  - the whole core: the connection table and every
 *                       tcb. Taken by the receive thread (tcp_input), the
 *                       tcp timer thread and socket calls. Never held while
 *                       sleeping for an event and never while calling
 *                       ip_send: segments built under it wait on
 *                       tcp_txq and go out after the unlock (tcp_unlock),
 *                       so a loopback that delivers synchronously cannot
 *                       re-enter it.
 *   tcp_txlock (spin)  - tcp_txq and tcp_tx_busy: taken under tcp_lock
 *                       (queueing) and after it (draining), never held
 *                       across ip_send.
 *   a tcb's waitqueue  - spinlock inside; woken under tcp_lock.
 *   tcp_timer_wq       - ditto.
 * Order: tcp_lock -> tcp_txlock; tcp_lock -> waitqueue locks; IPv4's
 * locks only with neither tcp lock held.
 * Timer callbacks of the kernel are never used: the tcp timer thread
 * sleeps until the earliest deadline (schedule_until) and runs the
 * protocol timers in thread context. */
#include <asm/processor.h>
#include <kernel/errno.h>
#include <kernel/ktest.h>
#include <kernel/mm.h>
#include <kernel/monitor.h>
#include <kernel/printk.h>
#include <kernel/sched.h>
#include <kernel/string.h>
#include <kernel/time.h>
#include <net/byteorder.h>
#include <net/checksum.h>
#include <net/inet.h>
#include <net/pkbuf.h>
#include <net/socket.h>
#include <net/tcp.h>
#include "tcp_glue.h"
#include "net.h"

/* Ring sizes. A connection's window is at most its receive ring, and
 * throughput at most window / RTT: 64 KiB over a 90 ms RTT (a loaded
 * emulated lab) is 5.8 Mbit/s. New connections get TCP_BUF_LARGE rings
 * while every connection's rings together stay within an eighth of RAM
 * (tcp_ring_bytes, under tcp_lock), TCP_BUF_DEFAULT beyond that. The
 * core's autotuning then grows a busy connection's rings with its
 * bandwidth-delay product up to TCP_BUF_TUNE_MAX, within the same budget
 * (k_resize), and memory pressure shrinks them back to TCP_BUF_LARGE
 * (tcp_stack_shrink). */
#define TCP_BUF_DEFAULT (64U * 1024)
#define TCP_BUF_LARGE (256U * 1024)
#define TCP_BUF_MIN (4U * 1024)
#define TCP_BUF_MAX (1024U * 1024)
#define TCP_BUF_TUNE_MAX (4U * 1024 * 1024)
#define TCP_TXQ_MAX 4096

/* The glue's part of a connection: its wait queue and ring pages. */
struct tcp_sk {
	struct tcb tcb;
	struct waitqueue wq;
	bool app_closed;        /* close() ran: blocked callers return */
	u32 snd_pages, rcv_pages;
};

static DEFINE_MUTEX(tcp_lock);
static struct tcp_stack tcp_st;
static bool tcp_ready;
static struct pkb_queue tcp_txq;        /* segments to send after unlock */
static DEFINE_SPINLOCK(tcp_txlock);     /* tcp_txq, tcp_tx_busy */
static bool tcp_tx_busy;                /* a thread is draining tcp_txq */
static DEFINE_WAITQUEUE(tcp_timer_wq);
static bool tcp_timer_kick;
static struct thread *tcp_timer_thread;
static u64 tcp_rand_state;
static u64 tcp_allocs, tcp_frees, tcp_tx_nomem;

static struct tcp_sk *sk_of(struct tcb *t)
{
	return container_of(t, struct tcp_sk, tcb);
}

/* ---------------------------------------------------------------- ops */

static u64 k_now(struct tcp_stack *st)
{
	(void)st;
	return clock_ns();
}

/* The stack's random numbers: the TSC and the clock stirred by a
 * splitmix step. Unpredictable enough for ISNs and ports against an
 * off-path guesser without a view of our clock; not cryptographic
 * (docs/tcp.md). */
static u32 k_random(struct tcp_stack *st)
{
	u64 z;

	(void)st;
	tcp_rand_state += 0x9e3779b97f4a7c15ULL ^ rdtsc();
	z = tcp_rand_state;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (u32)(z ^ (z >> 31));
}

static u32 tso_limit(const struct ip_route *rt)
{
	u32 max = rt->gso_max_size;

	if (!(rt->features & NETIF_F_TSO4) || max <= TCP_HLEN_MAX + IP_HLEN_MIN)
		return 0;
	if (max > PKB_MAX_LEN - NET_HEADROOM)
		max = PKB_MAX_LEN - NET_HEADROOM;
	return max - TCP_HLEN_MAX - IP_HLEN_MIN;
}

static int k_route(struct tcp_stack *st, u32 daddr, u16 *mtu, u32 *tso)
{
	struct ip_route rt;
	int rc = ip_route_lookup(daddr, &rt);

	(void)st;
	if (rc < 0)
		return rc;
	*mtu = rt.mtu;
	*tso = tso_limit(&rt);
	return 0;
}

/* Build the packet now (the send buffer may change after unlock) and
 * queue it for tcp_unlock. */
static void k_output(struct tcp_stack *st, struct tcb *t, const struct tcp_out *o)
{
	u32 len = o->hlen + o->data_len;
	/* Filled below: the header, then exactly data_len bytes. */
	struct pkbuf *p = pkb_alloc_filled(len, NET_HEADROOM);
	struct ip_route rt;
	u8 *h;

	(void)st;
	if (!p) {
		tcp_tx_nomem++;
		return; /* as a loss on the wire: retransmission recovers */
	}
	h = pkb_put(p, len);
	memcpy(h, o->hdr, o->hlen);
	if (o->data_len)
		tcp_snd_copy(t, o->data_off, h + o->hlen, o->data_len);
	if (ip_route_lookup(o->daddr, &rt) == 0 &&
	    (rt.features & NETIF_F_TX_CSUM || o->gso_size)) {
		/* The device (or netdev_xmit / software GSO) completes it: the
		 * field holds the folded pseudo-header sum. */
		put_be16(h + 16, (u16)~csum_fold(csum_tcpudp_pseudo(o->saddr, o->daddr,
								    IPPROTO_TCP, (u16)len)));
		p->flags |= PKB_F_CSUM_PARTIAL;
		p->csum_start = (u16)pkb_headroom(p);
		p->csum_offset = 16;
	} else {
		put_be16(h + 16, csum_fold(csum_partial(h, len, csum_tcpudp_pseudo(
							     o->saddr, o->daddr, IPPROTO_TCP,
							     (u16)len))));
	}
	if (o->gso_size) {
		p->gso_type = PKB_GSO_TCPV4;
		p->gso_size = o->gso_size;
	}
	p->cb[0] = o->saddr;
	p->cb[1] = o->daddr;
	spin_lock(&tcp_txlock);
	if (!pkbq_push(&tcp_txq, p)) {
		spin_unlock(&tcp_txlock);
		pkb_free(p);
		return;
	}
	spin_unlock(&tcp_txlock);
}

static void k_timer_armed(struct tcp_stack *st, u64 deadline)
{
	(void)st;
	(void)deadline;
	tcp_timer_kick = true;
	wake_up(&tcp_timer_wq);
}

static void k_wake(struct tcb *t, unsigned int events)
{
	(void)events;
	wake_up(&sk_of(t)->wq);
}

static u32 buf_pages(u32 bytes)
{
	return (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
}

static int k_alloc_bufs(struct tcp_stack *st, struct tcb *t, u32 sndbuf, u32 rcvbuf);

static struct tcb *k_alloc(struct tcp_stack *st, u32 sndbuf, u32 rcvbuf)
{
	struct tcp_sk *sk = kzalloc(sizeof(*sk));

	if (!sk)
		return NULL;
	/* Sizes 0: an embryonic child, whose rings come with k_alloc_bufs. */
	if (k_alloc_bufs(st, &sk->tcb, sndbuf, rcvbuf) < 0) {
		kfree(sk);
		return NULL;
	}
	waitqueue_init(&sk->wq, "tcp_sk");
	tcp_allocs++;
	return &sk->tcb;
}

static u64 tcp_ring_bytes;     /* every connection's rings (tcp_lock) */

static u64 tcp_ring_budget(void)
{
	return (u64)mm_total_pages() * PAGE_SIZE / 8;
}

/* Large rings when they fit in the budget, else the default size. */
static u32 ring_size_within_budget(u32 want, u64 other)
{
	if (want > TCP_BUF_DEFAULT && tcp_ring_bytes + other + want > tcp_ring_budget())
		return TCP_BUF_DEFAULT;
	return want;
}

static int k_alloc_bufs(struct tcp_stack *st, struct tcb *t, u32 sndbuf, u32 rcvbuf)
{
	struct tcp_sk *sk = sk_of(t);
	u32 sp, rp;
	void *s, *r;

	if ((sndbuf > TCP_BUF_DEFAULT || rcvbuf > TCP_BUF_DEFAULT) &&
	    tcp_ring_bytes + sndbuf + rcvbuf > tcp_ring_budget())
		(void)tcp_stack_shrink(st); /* tuned rings make room over time */
	sndbuf = ring_size_within_budget(sndbuf, rcvbuf);
	rcvbuf = ring_size_within_budget(rcvbuf, sndbuf);
	sp = buf_pages(sndbuf);
	rp = buf_pages(rcvbuf);
	s = sp ? alloc_pages(sp) : NULL;
	r = rp ? alloc_pages(rp) : NULL;
	if ((sp && !s) || (rp && !r)) {
		if (s)
			free_pages(s, sp);
		if (r)
			free_pages(r, rp);
		return -ENOMEM;
	}
	tcp_ring_bytes += (u64)(sp + rp) * PAGE_SIZE;
	t->snd.buf = s;
	t->snd.size = sp * PAGE_SIZE;
	sk->snd_pages = sp;
	t->rcv.buf = r;
	t->rcv.size = rp * PAGE_SIZE;
	sk->rcv_pages = rp;
	return 0;
}

static void k_drop_bufs(struct tcp_stack *st, struct tcb *t)
{
	struct tcp_sk *sk = sk_of(t);

	(void)st;
	if (t->snd.buf) {
		free_pages(t->snd.buf, sk->snd_pages);
		tcp_ring_bytes -= (u64)sk->snd_pages * PAGE_SIZE;
	}
	if (t->rcv.buf) {
		free_pages(t->rcv.buf, sk->rcv_pages);
		tcp_ring_bytes -= (u64)sk->rcv_pages * PAGE_SIZE;
	}
	t->snd.buf = t->rcv.buf = NULL;
	t->snd.size = t->rcv.size = 0;
}

/* Memory pressure seen by the timer thread: free memory below a
 * sixteenth of RAM. (A full budget is pressure only when a new
 * connection meets it, in k_alloc_bufs: tuned rings that merely use the
 * budget are not shrunk, or they would shrink and grow in turn.) */
static bool tcp_mem_pressure(void)
{
	return mm_free_pages() < mm_total_pages() / 16;
}

/* ops->resize (autotuning): a new ring within the budget, leaving at
 * least a sixteenth of RAM free; the old ring's bytes move over. */
static int k_resize(struct tcp_stack *st, struct tcb *t, struct tcp_ring *r, u32 bytes,
		    u32 keep)
{
	struct tcp_sk *sk = sk_of(t);
	u32 *pages_of = r == &t->snd ? &sk->snd_pages : &sk->rcv_pages;
	u32 np = buf_pages(bytes), op = *pages_of;
	void *old = r->buf, *nb;

	(void)st;
	if (keep > np * PAGE_SIZE)
		return -EINVAL;
	if (np > op) {
		u64 grow = (u64)(np - op) * PAGE_SIZE;

		if (tcp_ring_bytes + grow > tcp_ring_budget() ||
		    mm_free_pages() < mm_total_pages() / 16 + (np - op))
			return -ENOMEM;
	}
	nb = alloc_pages(np);
	if (!nb)
		return -ENOMEM;
	tcp_ring_move(r, nb, np * PAGE_SIZE, keep);
	if (old)
		free_pages(old, op);
	tcp_ring_bytes = tcp_ring_bytes + (u64)np * PAGE_SIZE - (u64)op * PAGE_SIZE;
	*pages_of = np;
	return 0;
}

static void k_free(struct tcp_stack *st, struct tcb *t)
{
	k_drop_bufs(st, t);
	kfree(sk_of(t));
	tcp_frees++;
}

static const struct tcp_stack_ops tcp_kops = {
	.now = k_now,
	.output = k_output,
	.timer_armed = k_timer_armed,
	.wake = k_wake,
	.alloc = k_alloc,
	.free = k_free,
	.drop_bufs = k_drop_bufs,
	.alloc_bufs = k_alloc_bufs,
	.random = k_random,
	.route = k_route,
	.resize = k_resize,
};

/* ---------------------------------------------------------------- locking */

static int tcp_timer_main(void *arg);

static void tcp_lock_acquire(void)
{
	mutex_lock(&tcp_lock);
	if (!tcp_ready) {
		/* First use (the stack has no TCP init hook): set up here. */
		tcp_rand_state = rdtsc() ^ clock_ns();
		tcp_stack_init(&tcp_st, &tcp_kops);
		tcp_st.p.rcvbuf_max = TCP_BUF_TUNE_MAX;
		tcp_st.p.sndbuf_max = TCP_BUF_TUNE_MAX;
		tcp_st.p.buf_floor = TCP_BUF_LARGE;
		pkbq_init(&tcp_txq, TCP_TXQ_MAX);
		tcp_ready = true;
		tcp_timer_thread = thread_create("tcp_timer", tcp_timer_main, NULL, CPU_ANY);
		if (!tcp_timer_thread)
			pr_err("tcp: no timer thread: retransmissions will not run\n");
		else
			thread_detach(tcp_timer_thread);
	}
}

/* Unlock, then send what was built under the lock. One thread at a time
 * drains tcp_txq (tcp_tx_busy), in order: two threads each sending their
 * own batch could overtake each other, and reordered segments cost the
 * peer duplicate ACKs and us spurious fast retransmissions. */
static void tcp_unlock(void)
{
	struct pkbuf *list, *p;

	mutex_unlock(&tcp_lock);
	spin_lock(&tcp_txlock);
	if (tcp_tx_busy) {
		spin_unlock(&tcp_txlock); /* the drainer will send ours too */
		return;
	}
	tcp_tx_busy = true;
	for (;;) {
		list = tcp_txq.head;
		tcp_txq.head = tcp_txq.tail = NULL;
		tcp_txq.len = 0;
		if (!list)
			break;
		spin_unlock(&tcp_txlock);
		while ((p = list)) {
			list = p->next;
			p->next = NULL;
			(void)ip_send(p, (u32)p->cb[0], (u32)p->cb[1], IPPROTO_TCP, 0);
		}
		spin_lock(&tcp_txlock);
	}
	tcp_tx_busy = false;
	spin_unlock(&tcp_txlock);
}

static int tcp_timer_main(void *arg)
{
	(void)arg;
	for (;;) {
		u64 next, now;

		/* Let a runnable receive thread on this CPU deliver the ACKs
		 * it holds before timeouts are judged. */
		yield();
		now = clock_ns();

		mutex_lock(&tcp_lock);
		tcp_timer_kick = false;
		tcp_stack_timers(&tcp_st, now);
		/* Tuned rings go back under memory pressure (also checked
		 * when a new connection's rings fall back to the default). */
		if (tcp_mem_pressure())
			(void)tcp_stack_shrink(&tcp_st);
		next = tcp_st.next_timer;
		tcp_unlock();
		/* Sleep until the earliest deadline or until a new, earlier
		 * one is armed (tcp_timer_kick). */
		now = clock_ns();
		if (!next || next > now)
			(void)wait_event_timeout(tcp_timer_wq, tcp_timer_kick,
						 next ? next - now : TIMEOUT_FOREVER);
	}
	return 0;
}

/* ---------------------------------------------------------------- input */

void tcp_input(struct pkbuf *p, const struct ip_rxinfo *ri)
{
	if (ri->bcast) {
		pkb_free(p); /* TCP is unicast only: never answer a broadcast */
		return;
	}
	tcp_lock_acquire();
	tcp_stack_input(&tcp_st, ri->src, ri->dst, p->data, p->len,
			(p->flags & PKB_F_CSUM_VALID) != 0);
	tcp_unlock();
	pkb_free(p);
}

void tcp_icmp_error(u8 type, u8 code, u16 mtu, const u8 *q, u32 qlen)
{
	u32 ihl;

	if (qlen < IP_HLEN_MIN)
		return;
	ihl = (u32)(q[0] & 0x0f) * 4;
	if ((q[0] >> 4) != 4 || ihl < IP_HLEN_MIN || qlen < ihl + 8 || q[9] != IPPROTO_TCP)
		return;
	tcp_lock_acquire();
	tcp_stack_icmp(&tcp_st, type, code, mtu, get_be32(q + 12), get_be32(q + 16),
		       get_be16(q + ihl), get_be16(q + ihl + 2), get_be32(q + ihl + 4));
	tcp_unlock();
}

/* ---------------------------------------------------------------- sockets */

static struct tcb *tcb_of(struct socket *s)
{
	return s->proto;
}

int tcp_sock_create(struct socket *s)
{
	struct tcb *t;

	tcp_lock_acquire();
	t = tcp_tcb_new(&tcp_st, TCP_BUF_LARGE, TCP_BUF_LARGE);
	if (t)
		t->attached = true;
	tcp_unlock();
	if (!t)
		return -ENOMEM;
	s->type = SOCK_STREAM;
	s->ops = &tcp_sock_ops;
	s->proto = t;
	return 0;
}

static int k_bind(struct socket *s, u32 addr, u16 port)
{
	int rc;

	if (addr != INADDR_ANY && !ip_is_local(addr))
		return -EADDRNOTAVAIL;
	tcp_lock_acquire();
	rc = tcp_bind(&tcp_st, tcb_of(s), addr, port);
	tcp_unlock();
	return rc;
}

static int k_listen(struct socket *s, int backlog)
{
	int rc;

	tcp_lock_acquire();
	rc = tcp_listen(&tcp_st, tcb_of(s), backlog > 0 ? (u32)backlog : 1);
	tcp_unlock();
	return rc;
}

/* Wait on t's queue until cond(t) or the timeout; t->users keeps t
 * alive meanwhile. Returns 1 when cond held, 0 on timeout, -EBADF when
 * another thread closed the socket (t may be gone then: the caller must
 * not touch it again). cond is read without the lock, as a hint: callers
 * re-check under it. Called and returns unlocked. */
static int tcp_wait(struct tcb *t, bool (*cond)(const struct tcb *t), u64 timeout_ns)
{
	struct tcp_sk *sk = sk_of(t);
	bool ok, closed;

	tcp_lock_acquire();
	t->users++;
	tcp_unlock();
	ok = wait_event_timeout(sk->wq, cond(t) || sk->app_closed, timeout_ns);
	tcp_lock_acquire();
	t->users--;
	closed = sk->app_closed;
	if (closed)
		tcp_release(&tcp_st, t);
	tcp_unlock();
	if (closed)
		return -EBADF;
	return ok ? 1 : 0;
}

static u64 remaining(u64 deadline)
{
	u64 now = clock_ns();

	if (deadline == TIMEOUT_FOREVER)
		return TIMEOUT_FOREVER;
	return deadline > now ? deadline - now : 0;
}

static bool accept_ready(const struct tcb *l)
{
	return l->acceptq || l->state != TCP_LISTEN;
}

static int k_accept(struct socket *s, struct socket **out, u64 timeout_ns)
{
	struct tcb *l = tcb_of(s), *c;
	u64 deadline = deadline_after(timeout_ns);
	struct socket *ns;
	int rc;

	for (;;) {
		tcp_lock_acquire();
		if (l->state != TCP_LISTEN || sk_of(l)->app_closed) {
			tcp_unlock();
			return -EINVAL;
		}
		c = tcp_accept(&tcp_st, l);
		tcp_unlock();
		if (c)
			break;
		if (timeout_ns == SOCK_NOWAIT)
			return -EAGAIN;
		rc = tcp_wait(l, accept_ready, remaining(deadline));
		if (rc <= 0)
			return rc ? rc : -ETIMEDOUT;
	}
	ns = kzalloc(sizeof(*ns));
	if (!ns) {
		tcp_lock_acquire();
		c->linger0 = true;
		tcp_close(&tcp_st, c);
		tcp_unlock();
		return -ENOMEM;
	}
	ns->type = SOCK_STREAM;
	ns->ops = &tcp_sock_ops;
	ns->proto = c;
	*out = ns;
	return 0;
}

static int k_connect(struct socket *s, u32 addr, u16 port, u64 timeout_ns)
{
	struct tcb *t = tcb_of(s);
	struct ip_route rt;
	int rc;

	tcp_lock_acquire();
	if (t->state == TCP_SYN_SENT || t->state == TCP_SYN_RECEIVED) {
		rc = 0; /* an earlier non-blocking connect: wait for it */
	} else {
		tcp_unlock();
		rc = ip_route_lookup(addr, &rt);
		if (rc < 0)
			return rc;
		tcp_lock_acquire();
		rc = tcp_connect(&tcp_st, t, rt.src, addr, port, rt.mtu, tso_limit(&rt));
	}
	tcp_unlock();
	if (rc < 0)
		return rc;
	if (timeout_ns == SOCK_NOWAIT && !tcp_connect_done(t))
		return -EAGAIN;
	rc = tcp_wait(t, tcp_connect_done, timeout_ns);
	if (rc < 0)
		return rc;
	if (!rc) {
		/* Give up: the connection attempt ends here. */
		tcp_lock_acquire();
		if (!tcp_connect_done(t))
			tcp_abort(&tcp_st, t, -ETIMEDOUT);
		tcp_unlock();
		return -ETIMEDOUT;
	}
	tcp_lock_acquire();
	rc = t->state == TCP_CLOSED ? (t->err ? t->err : -ECONNREFUSED) : 0;
	tcp_unlock();
	return rc;
}

static long k_sendto(struct socket *s, const void *buf, size_t len, u32 addr, u16 port,
		     u64 timeout_ns)
{
	struct tcb *t = tcb_of(s);
	u64 deadline = deadline_after(timeout_ns);
	size_t done = 0;
	long n;

	(void)addr;
	(void)port;
	while (done < len) {
		u32 chunk = len - done > 0x40000000 ? 0x40000000 : (u32)(len - done);

		tcp_lock_acquire();
		n = sk_of(t)->app_closed ? -EPIPE : tcp_send(&tcp_st, t, (const u8 *)buf + done, chunk);
		tcp_unlock();
		if (n > 0) {
			done += (size_t)n;
			/* The scheduler is cooperative: let the receive and
			 * timer threads of this CPU run between chunks. */
			cond_resched();
			continue;
		}
		if (n != -EAGAIN)
			return done ? (long)done : n;
		if (timeout_ns == SOCK_NOWAIT)
			return done ? (long)done : -EAGAIN;
		n = tcp_wait(t, tcp_can_send, remaining(deadline));
		if (n < 0)
			return done ? (long)done : n;
		if (!n)
			return done ? (long)done : -ETIMEDOUT;
	}
	return (long)done;
}

static long k_recvfrom(struct socket *s, void *buf, size_t len, u32 *addr, u16 *port,
		       u64 timeout_ns)
{
	struct tcb *t = tcb_of(s);
	u64 deadline = deadline_after(timeout_ns);
	long n;

	for (;;) {
		tcp_lock_acquire();
		if (addr)
			*addr = t->raddr;
		if (port)
			*port = t->rport;
		n = sk_of(t)->app_closed ? -EBADF
					 : tcp_recv(&tcp_st, t, buf, len > 0x40000000 ? 0x40000000 : (u32)len);
		tcp_unlock();
		if (n != -EAGAIN) {
			if (n > 0)
				cond_resched(); /* as in k_sendto */
			return n;
		}
		if (timeout_ns == SOCK_NOWAIT)
			return -EAGAIN;
		n = tcp_wait(t, tcp_can_recv, remaining(deadline));
		if (n < 0)
			return n;
		if (!n)
			return -ETIMEDOUT;
	}
}

static int k_shutdown_wr(struct socket *s)
{
	int rc;

	tcp_lock_acquire();
	rc = tcp_shutdown_wr(&tcp_st, tcb_of(s));
	tcp_unlock();
	return rc;
}

/* Replace a connection's ring (before any data): SO_RCVBUF/SO_SNDBUF. */
static int resize_ring(struct tcb *t, bool rcv, int val)
{
	struct tcp_sk *sk = sk_of(t);
	u32 bytes = (u32)val, pages;
	void *buf;

	if (val < (int)TCP_BUF_MIN)
		bytes = TCP_BUF_MIN;
	if (bytes > TCP_BUF_MAX)
		bytes = TCP_BUF_MAX;
	if (t->state != TCP_CLOSED && t->state != TCP_LISTEN)
		return -EISCONN; /* the window was announced already */
	pages = buf_pages(bytes);
	buf = alloc_pages(pages);
	if (!buf)
		return -ENOMEM;
	tcp_ring_bytes += (u64)pages * PAGE_SIZE;
	if (rcv) {
		free_pages(t->rcv.buf, sk->rcv_pages);
		tcp_ring_bytes -= (u64)sk->rcv_pages * PAGE_SIZE;
		t->rcv.buf = buf;
		t->rcv.size = pages * PAGE_SIZE;
		sk->rcv_pages = pages;
		t->rcv_wscale = tcp_wscale_for(t->rcv.size);
		t->rcv_locked = true; /* sized by the application: not tuned */
	} else {
		free_pages(t->snd.buf, sk->snd_pages);
		tcp_ring_bytes -= (u64)sk->snd_pages * PAGE_SIZE;
		t->snd.buf = buf;
		t->snd.size = pages * PAGE_SIZE;
		sk->snd_pages = pages;
		t->snd_locked = true;
	}
	return 0;
}

static int k_setopt(struct socket *s, int opt, int val)
{
	struct tcb *t = tcb_of(s);
	int rc;

	tcp_lock_acquire();
	if (opt == SO_RCVBUF || opt == SO_SNDBUF)
		rc = resize_ring(t, opt == SO_RCVBUF, val);
	else
		rc = tcp_setopt(&tcp_st, t, opt, val);
	tcp_unlock();
	return rc;
}

static int k_getname(struct socket *s, bool peer, u32 *addr, u16 *port)
{
	struct tcb *t = tcb_of(s);

	tcp_lock_acquire();
	if (peer && (t->state == TCP_CLOSED || t->state == TCP_LISTEN) && !t->raddr) {
		tcp_unlock();
		return -ENOTCONN;
	}
	if (addr)
		*addr = peer ? t->raddr : t->laddr;
	if (port)
		*port = peer ? t->rport : t->lport;
	tcp_unlock();
	return 0;
}

static void k_close(struct socket *s)
{
	struct tcb *t = tcb_of(s);
	struct tcp_sk *sk = sk_of(t);

	tcp_lock_acquire();
	sk->app_closed = true;
	wake_up(&sk->wq); /* other threads blocked on it return */
	tcp_close(&tcp_st, t);
	tcp_unlock();
	s->proto = NULL;
}

const struct sock_ops tcp_sock_ops = {
	.bind = k_bind,
	.listen = k_listen,
	.accept = k_accept,
	.connect = k_connect,
	.sendto = k_sendto,
	.recvfrom = k_recvfrom,
	.shutdown_wr = k_shutdown_wr,
	.setopt = k_setopt,
	.getname = k_getname,
	.close = k_close,
};

/* ---------------------------------------------------------------- monitor */

/* Where sending stands: what a stalled stream needs looked at. Timers in
 * ms from now ("off" when not armed, negative when overdue). */
static void show_send_state(struct tcb *t)
{
	u64 n = t->stack->ops->now(t->stack);
	char left[TCP_T_COUNT][24];

	for (int i = 0; i < TCP_T_COUNT; i++) {
		if (t->timer[i])
			snprintf(left[i], sizeof(left[i]), "%lld",
				 ((long long)t->timer[i] - (long long)n) / 1000000);
		else
			snprintf(left[i], sizeof(left[i]), "off");
	}
	printk("    una %u nxt +%u max +%u wnd %u (peer max %u) backoff %u retries %u "
	       "recovery %s sacked %u dupacks %u timers (ms) rtx %s delack %s keep %s; "
	       "rcv_nxt %u; timestamps %s, ours now %u, peer's last %u\n",
	       t->snd_una, t->snd_nxt - t->snd_una, t->snd_max - t->snd_una, t->snd_wnd,
	       t->max_snd_wnd, t->backoff, t->retries, t->in_recovery ? "yes" : "no", t->nsacked,
	       t->dupacks, left[TCP_T_RTX], left[TCP_T_DELACK], left[TCP_T_KEEP], t->rcv_nxt,
	       t->ts_ok ? "on" : "off", (u32)(n / 1000000) + t->ts_offset, t->ts_recent);
}

static void show_one(struct tcb *t, void *arg)
{
	char la[16], ra[16];

	(void)arg;
	inet_format_addr(t->laddr, la);
	inet_format_addr(t->raddr, ra);
	printk("  %-11s %s:%u %s:%u rq %u/%u sq %u/%u cwnd %u ssth %u rtt %llu/%llu us "
	       "rcv-rtt %llu us rto %llu ms "
	       "in %llu/%llu out %llu/%llu rtx %llu fr %llu to %llu%s\n",
	       tcp_state_name(t->state), la, t->lport, ra, t->rport, t->rcv.len, t->rcv.size,
	       t->snd.len, t->snd.size,
	       t->cwnd, t->ssthresh > 0x7ffffff ? 0 : t->ssthresh,
	       (unsigned long long)(t->srtt / 1000), (unsigned long long)(t->rttvar / 1000),
	       (unsigned long long)(t->rcv_rtt / 1000), (unsigned long long)(t->rto / 1000000), (unsigned long long)t->segs_in,
	       (unsigned long long)t->bytes_in, (unsigned long long)t->segs_out,
	       (unsigned long long)t->bytes_out, (unsigned long long)t->retrans,
	       (unsigned long long)t->fast_retrans, (unsigned long long)t->rto_count,
	       t->state == TCP_LISTEN ? " (listen)" : "");
	if (t->state != TCP_LISTEN)
		show_send_state(t);
}

void tcp_link_up(void)
{
	/* No connection was ever made: nothing to restart (and no reason
	 * to set the stack up here). */
	if (!READ_ONCE(tcp_ready))
		return;
	tcp_lock_acquire();
	tcp_stack_link_up(&tcp_st);
	tcp_unlock();
}

void tcp_show_connections(void)
{
	struct tcp_stats *s = &tcp_st.stats;

	tcp_lock_acquire();
	printk("tcp: %u connections (%u in TIME_WAIT), allocs %llu frees %llu\n", tcp_st.nconn,
	       tcp_st.ntw, (unsigned long long)tcp_allocs, (unsigned long long)tcp_frees);
	printk("  segs in %llu out %llu, bad csum %llu hdr %llu, no conn %llu, rst out %llu, "
	       "opens %llu/%llu, syn evicted %llu dropped %llu, retrans %llu, timeouts %llu, "
	       "challenge acks %llu, paws %llu, tx nomem %llu, rto %llu, probes %llu, "
	       "fast rtx %llu (SACK holes %llu), dupacks %llu, zero windows sent %llu, spurious rto %llu, "
	       "delayed acks %llu, window updates %llu, link restarts %llu, rtt discarded %llu\n"
	       "  rings %llu KiB of %llu KiB budget, grown rcv %llu snd %llu, refused %llu, "
	       "shrunk %llu\n",
	       (unsigned long long)s->segs_in, (unsigned long long)s->segs_out,
	       (unsigned long long)s->bad_csum, (unsigned long long)s->bad_hdr,
	       (unsigned long long)s->no_conn, (unsigned long long)s->rst_out,
	       (unsigned long long)s->active_opens, (unsigned long long)s->passive_opens,
	       (unsigned long long)s->syn_evicted, (unsigned long long)s->syn_dropped,
	       (unsigned long long)s->retrans, (unsigned long long)s->timeouts,
	       (unsigned long long)s->challenge_acks, (unsigned long long)s->paws_drops,
	       (unsigned long long)tcp_tx_nomem, (unsigned long long)s->rto_fired,
	       (unsigned long long)s->probes, (unsigned long long)s->fast_retrans,
	       (unsigned long long)s->sack_rtx,
	       (unsigned long long)s->dupacks, (unsigned long long)s->zero_win_sent,
	       (unsigned long long)s->spurious_rto, (unsigned long long)s->delack_fired,
	       (unsigned long long)s->win_updates, (unsigned long long)s->link_restarts,
	       (unsigned long long)s->rtt_discarded, (unsigned long long)(tcp_ring_bytes / 1024),
	       (unsigned long long)(tcp_ring_budget() / 1024), (unsigned long long)s->rcv_grown,
	       (unsigned long long)s->snd_grown, (unsigned long long)s->tune_refused,
	       (unsigned long long)s->rings_shrunk);
	tcp_for_each(&tcp_st, show_one, NULL);
	tcp_unlock();
}

static int cmd_tcp(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	tcp_show_connections();
	return 0;
}

MONITOR_COMMAND(tcp, "tcp", "tcp", "TCP connections and counters", cmd_tcp);

/* ---------------------------------------------------------------- for self-tests */

void tcp_glue_stats(struct tcp_glue_stats *out)
{
	tcp_lock_acquire();
	out->conns = tcp_st.nconn;
	out->time_wait = tcp_st.ntw;
	out->live = tcp_allocs - tcp_frees;
	out->bad_csum = tcp_st.stats.bad_csum;
	out->retrans = tcp_st.stats.retrans;
	out->rto_fired = tcp_st.stats.rto_fired;
	out->probes = tcp_st.stats.probes;
	out->fast_retrans = tcp_st.stats.fast_retrans;
	out->dupacks = tcp_st.stats.dupacks;
	out->zero_win_sent = tcp_st.stats.zero_win_sent;
	out->spurious_rto = tcp_st.stats.spurious_rto;
	out->delack_fired = tcp_st.stats.delack_fired;
	out->win_updates = tcp_st.stats.win_updates;
	out->tx_nomem = tcp_tx_nomem;
	tcp_unlock();
}
