/* ICMP (RFC 792, 1122): echo replies, our own echo requests (ping), errors
 * in (handed to TCP for its connections) and out (rate-limited).
 *
 * icmp_lock guards the ping slots and the error token bucket. A ping slot
 * is held by one pinging thread: it records the id and sequence it waits
 * for; input fills in the reply time and wakes the waiter. */
#include <net/net_parse.h>
#include <net/byteorder.h>
#include <net/checksum.h>
#include <kernel/string.h>
#include <kernel/mm.h>
#include <kernel/sched.h>
#include <kernel/errno.h>
#include <kernel/time.h>
#include <kernel/spinlock.h>
#include "net.h"

#define PING_SLOTS 4
#define PING_MAX_PAYLOAD 1472U
#define ICMP_QUOTE_MAX 548U     /* IP header + data quoted: 576 - 20 - 8 */

struct ping_slot {
	bool used;
	bool done;
	bool error;
	u16 id, seq;
	u32 dst;
	u64 sent_ns, reply_ns;
};

static DEFINE_SPINLOCK(icmp_lock);
static DEFINE_WAITQUEUE(ping_wq);
static struct ping_slot ping_slots[PING_SLOTS];
static u16 ping_next_id = 0x5800;
static u64 err_tokens_ns;       /* time at which the bucket was last refilled */
static u32 err_tokens = ICMP_ERR_BURST;
static struct icmp_stats icmp_stats;

/* A host's address: unicast, or loopback (which IPv4 input only accepts
 * from the loopback device). */
static bool host_addr(u32 a)
{
	return inet_addr_is_unicast(a) || (a >> 24) == 127;
}

void icmp_get_stats(struct icmp_stats *st)
{
	*st = icmp_stats;
}

/* Build an ICMP message of type/code with the 4 "rest of header" bytes and
 * a body, and send it from src to dst. */
static int icmp_send(u32 src, u32 dst, u8 type, u8 code, const u8 *rest, const u8 *body,
		     u32 body_len)
{
	struct pkbuf *p = pkb_alloc(ICMP_HLEN + body_len, NET_HEADROOM);
	u8 *m;

	if (!p)
		return -ENOMEM;
	m = pkb_put(p, ICMP_HLEN + body_len);
	m[0] = type;
	m[1] = code;
	put_be16(m + 2, 0);
	memcpy(m + 4, rest, 4);
	memcpy(m + ICMP_HLEN, body, body_len);
	put_be16(m + 2, ip_compute_csum(m, ICMP_HLEN + body_len));
	return ip_send(p, src, dst, IPPROTO_ICMP, 0);
}

static void icmp_echo_reply_in(const struct icmp_info *ci, u32 from)
{
	unsigned long flags = spin_lock_irqsave(&icmp_lock);
	bool woke = false;

	for (unsigned int i = 0; i < PING_SLOTS; i++) {
		struct ping_slot *s = &ping_slots[i];

		if (s->used && !s->done && s->id == ci->id && s->seq == ci->seq &&
		    (s->dst == from || ip_is_local(s->dst))) {
			s->done = true;
			s->reply_ns = clock_ns();
			woke = true;
		}
	}
	spin_unlock_irqrestore(&icmp_lock, flags);
	if (woke)
		wake_up(&ping_wq);
}

static void icmp_error_in(const u8 *msg, const struct icmp_info *ci)
{
	const u8 *quoted = msg + ci->quoted_off;
	u32 qh = (u32)(quoted[0] & 15) * 4;
	unsigned long flags;
	bool woke = false;

	icmp_stats.in_errors++;
	/* Only errors about datagrams we sent count. */
	if (!ip_is_local(ci->quoted_src))
		return;
	switch (ci->quoted_proto) {
	case IPPROTO_TCP:
		tcp_icmp_error(ci->type, ci->code, ci->mtu, quoted, ci->quoted_len);
		break;
	case IPPROTO_ICMP:
		/* An unreachable answer to one of our pings ends its wait. */
		if (quoted[qh] != ICMP_ECHO)
			break;
		flags = spin_lock_irqsave(&icmp_lock);
		for (unsigned int i = 0; i < PING_SLOTS; i++) {
			struct ping_slot *s = &ping_slots[i];

			if (s->used && !s->done && s->id == get_be16(quoted + qh + 4) &&
			    s->seq == get_be16(quoted + qh + 6)) {
				s->done = s->error = true;
				woke = true;
			}
		}
		spin_unlock_irqrestore(&icmp_lock, flags);
		if (woke)
			wake_up(&ping_wq);
		break;
	default:
		break;
	}
}

void icmp_input(struct pkbuf *p, const struct ip_rxinfo *ri)
{
	struct icmp_info ci;
	bool verify = !(p->flags & PKB_F_CSUM_VALID);

	if (icmp_parse(p->data, p->len, verify, &ci)) {
		icmp_stats.bad++;
		pkb_free(p);
		return;
	}
	switch (ci.type) {
	case ICMP_ECHO:
		icmp_stats.in_echo++;
		/* No replies to broadcast pings (RFC 1122 allows ignoring them;
		 * answering invites amplification). */
		if (!ri->bcast && host_addr(ri->src) &&
		    !icmp_send(ri->dst, ri->src, ICMP_ECHOREPLY, 0, p->data + 4,
			       p->data + ICMP_HLEN, p->len - ICMP_HLEN))
			icmp_stats.out_echo_reply++;
		break;
	case ICMP_ECHOREPLY:
		icmp_echo_reply_in(&ci, ri->src);
		break;
	default:
		if (ci.is_error)
			icmp_error_in(p->data, &ci);
		break;
	}
	pkb_free(p);
}

/* The error token bucket: ICMP_ERR_PER_SEC tokens a second, at most
 * ICMP_ERR_BURST saved. Called under icmp_lock. */
static bool icmp_err_allowed(void)
{
	u64 now = clock_ns();
	u64 step = NSEC_PER_SEC / ICMP_ERR_PER_SEC;

	if (now - err_tokens_ns >= step) {
		u64 add = (now - err_tokens_ns) / step;

		err_tokens = add + err_tokens > ICMP_ERR_BURST ? ICMP_ERR_BURST :
							      (u32)(add + err_tokens);
		err_tokens_ns += add * step;
		if (now - err_tokens_ns > NSEC_PER_SEC)
			err_tokens_ns = now;
	}
	if (!err_tokens)
		return false;
	err_tokens--;
	return true;
}

void icmp_send_error(const struct pkbuf *p, u8 type, u8 code)
{
	const u8 *h = p->head + p->l3_off;
	u32 avail = (u32)(p->data + p->len - h), hl, tot, qlen;
	u32 src, dst;
	u8 rest[4] = { 0 };
	unsigned long flags;
	bool ok;

	/* The header was validated on input; check the bounds again anyway
	 * (this is called from several places). */
	if (p->l3_off >= p->size || avail < IP_HLEN_MIN)
		return;
	hl = (u32)(h[0] & 15) * 4;
	tot = get_be16(h + 2);
	if (hl < IP_HLEN_MIN || hl > avail)
		return;
	src = get_be32(h + 12);
	dst = get_be32(h + 16);
	/* Never about: non-first fragments, broadcasts, non-unicast
	 * sources, ICMP errors (only echo requests get errors). */
	if ((get_be16(h + 6) & 0x1fff) || (p->flags & PKB_F_L2_BCAST) ||
	    !host_addr(src) || dst == INADDR_BROADCAST || !host_addr(dst))
		return;
	if (h[9] == IPPROTO_ICMP && (avail < hl + 1 || h[hl] != ICMP_ECHO))
		return;
	flags = spin_lock_irqsave(&icmp_lock);
	ok = icmp_err_allowed();
	if (!ok)
		icmp_stats.rate_limited++;
	spin_unlock_irqrestore(&icmp_lock, flags);
	if (!ok)
		return;
	qlen = tot < avail ? tot : avail;
	if (qlen > ICMP_QUOTE_MAX)
		qlen = ICMP_QUOTE_MAX;
	if (qlen < hl)
		return;
	if (!icmp_send(ip_is_local(dst) ? dst : 0, src, type, code, rest, h, qlen))
		icmp_stats.out_errors++;
}

int icmp_ping(u32 dst, u16 seq, u32 payload_len, u64 timeout_ns, u64 *rtt_ns)
{
	struct ping_slot *slot = NULL;
	unsigned long flags;
	u8 rest[4], *body;
	u16 id = 0;
	int rc;

	if (payload_len > PING_MAX_PAYLOAD)
		return -EINVAL;
	flags = spin_lock_irqsave(&icmp_lock);
	for (unsigned int i = 0; i < PING_SLOTS; i++) {
		if (!ping_slots[i].used) {
			slot = &ping_slots[i];
			id = ++ping_next_id;
			slot->used = true;
			slot->done = slot->error = false;
			slot->id = id;
			slot->seq = seq;
			slot->dst = dst;
			slot->sent_ns = clock_ns();
			break;
		}
	}
	spin_unlock_irqrestore(&icmp_lock, flags);
	if (!slot)
		return -EBUSY;
	body = kmalloc(payload_len ? payload_len : 1);
	if (!body) {
		rc = -ENOMEM;
		goto out;
	}
	for (u32 i = 0; i < payload_len; i++)
		body[i] = (u8)(0x20 + i % 64);
	put_be16(rest, id);
	put_be16(rest + 2, seq);
	rc = icmp_send(0, dst, ICMP_ECHO, 0, rest, body, payload_len);
	kfree(body);
	if (rc)
		goto out;
	if (!wait_event_timeout(ping_wq, READ_ONCE(slot->done), timeout_ns)) {
		rc = -ETIMEDOUT;
		goto out;
	}
	rc = slot->error ? -EHOSTUNREACH : 0;
	if (!rc)
		*rtt_ns = slot->reply_ns - slot->sent_ns;
out:
	flags = spin_lock_irqsave(&icmp_lock);
	slot->used = false;
	spin_unlock_irqrestore(&icmp_lock, flags);
	return rc;
}
