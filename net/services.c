/* Built-in network services, enabled with netsvc=LIST (comma-separated):
 *   udpecho  UDP echo, port 7           tcpecho  TCP echo, port 7
 *   discard  TCP discard sink, port 9   chargen  TCP character source, port 19
 *   http     HTTP/1.1 status server, port 80: / (text), /status.json (JSON)
 * Each runs on its own threads against the socket API (include/net/
 * socket.h); a TCP service starts one thread per connection, at most
 * SVC_MAX_CONNS at a time per service (more are closed at once). Requests
 * from the network are untrusted: the HTTP request is read with a size
 * and time bound and only its request line is looked at. */
#include <net/socket.h>
#include <net/inet.h>
#include <kernel/cmdline.h>
#include <kernel/mm.h>
#include <kernel/sched.h>
#include <kernel/string.h>
#include <kernel/printk.h>
#include <kernel/errno.h>
#include <kernel/time.h>
#include <kernel/smp.h>
#include <kernel/crc32.h>
#include <kernel/netpattern.h>
#include <asm/paravirt.h>
#include "net.h"


#define SVC_MAX_CONNS 64
/* How long a service connection may sit with no data moving before it is
 * closed. Long enough for a peer to come back after an xl save/restore
 * or a migration: the clock counts the time suspended, and the peer's
 * retransmissions back off (to about 2 minutes for Linux) while the
 * guest cannot answer. */
#define SVC_IO_TIMEOUT_NS (300ULL * NSEC_PER_SEC)
#define SVC_BUF 4096
/* discard and chargen move bulk data: one socket call per 64 KiB, so a
 * send hands the stack a whole TSO super-segment's worth at once and
 * the per-call costs (locking, a reschedule) are paid per 64 KiB. */
#define SVC_BULK_BUF 65536
#define HTTP_REQ_MAX 4096
#define HTTP_REQ_TIMEOUT_NS (10ULL * NSEC_PER_SEC)
#define HTTP_BODY_MAX 6144

static u32 svc_enabled;

static int netsvc_set(const char *val)
{
	u32 mask = 0;

	if (!val)
		return -EINVAL;
	while (*val) {
		char word[16];
		unsigned int n = 0;

		while (val[n] && val[n] != ',' && n < sizeof(word) - 1) {
			word[n] = val[n];
			n++;
		}
		word[n] = 0;
		if (val[n] && val[n] != ',')
			return -EINVAL;
		if (!strcmp(word, "udpecho"))
			mask |= SVC_UDPECHO;
		else if (!strcmp(word, "tcpecho"))
			mask |= SVC_TCPECHO;
		else if (!strcmp(word, "discard"))
			mask |= SVC_DISCARD;
		else if (!strcmp(word, "chargen"))
			mask |= SVC_CHARGEN;
		else if (!strcmp(word, "http"))
			mask |= SVC_HTTP;
		else if (!strcmp(word, "all"))
			mask |= SVC_UDPECHO | SVC_TCPECHO | SVC_DISCARD | SVC_CHARGEN | SVC_HTTP;
		else
			return -EINVAL;
		val += n;
		if (*val == ',')
			val++;
	}
	svc_enabled = mask;
	return 0;
}
CMDLINE_OPTION(netsvc, "netsvc", netsvc_set,
	       "network services: udpecho,tcpecho,discard,chargen,http (or all)");

/* ---------------------------------------------------------------- UDP echo */
static int udpecho_main(void *arg)
{
	struct socket *s;
	u8 *buf = alloc_pages(16);      /* the largest datagram */
	int rc;

	(void)arg;
	if (!buf)
		return -ENOMEM;
	rc = sock_create(SOCK_DGRAM, &s);
	if (!rc)
		rc = sock_bind(s, INADDR_ANY, 7);
	if (rc) {
		pr_err("net: udpecho: %d\n", rc);
		if (!rc)
			sock_close(s);
		free_pages(buf, 16);
		return rc;
	}
	pr_info("net: udpecho on port 7\n");
	for (;;) {
		u32 from;
		u16 port;
		long n = sock_recvfrom(s, buf, 16 * 4096, &from, &port, SOCK_FOREVER);

		if (n >= 0)
			sock_sendto(s, buf, (size_t)n, from, port, SOCK_NOWAIT);
		else if (n != -ETIMEDOUT && n != -EAGAIN)
			break;
	}
	sock_close(s);
	free_pages(buf, 16);
	return 0;
}

/* ---------------------------------------------------------------- TCP */
struct tcp_service {
	const char *name;
	u16 port;
	u32 bit;
	void (*serve)(struct socket *c);
	u32 conns;              /* running connection threads (atomic) */
	u64 served;
};

struct svc_conn {
	struct tcp_service *svc;
	struct socket *sock;
};

/* Send all of buf; false on error. */
static bool send_all(struct socket *c, const void *buf, size_t len)
{
	const u8 *b = buf;

	while (len) {
		long n = sock_send(c, b, len, SVC_IO_TIMEOUT_NS);

		if (n <= 0)
			return false;
		b += n;
		len -= (size_t)n;
	}
	return true;
}

static void serve_echo(struct socket *c)
{
	u8 *buf = kmalloc(SVC_BUF);

	if (!buf)
		return;
	for (;;) {
		long n = sock_recv(c, buf, SVC_BUF, SVC_IO_TIMEOUT_NS);

		if (n <= 0 || !send_all(c, buf, (size_t)n))
			break;
	}
	kfree(buf);
}

/* The sink: reads until the peer closes (or an error), then prints one
 * line "net: discard: peer=A:P bytes=N crc32=0xXXXXXXXX" with the CRC-32 of
 * what it read, so a lab client can compare it with what it sent
 * (docs/xen-lab.md, "The network lab"). */
static void serve_discard(struct socket *c)
{
	u8 *buf = kmalloc(SVC_BULK_BUF);
	u64 total = 0;
	u32 crc = 0;
	long n;
	u32 peer = 0;
	u16 pport = 0;
	char a[16];

	if (!buf)
		return;
	sock_getname(c, true, &peer, &pport);
	while ((n = sock_recv(c, buf, SVC_BULK_BUF, SVC_IO_TIMEOUT_NS)) > 0) {
		crc = crc32(crc, buf, (size_t)n);
		total += (u64)n;
	}
	pr_info("net: discard: peer=%s:%u bytes=%llu crc32=0x%08x%s\n", inet_format_addr(peer, a),
		pport, (unsigned long long)total, crc, n < 0 ? " (error)" : "");
	kfree(buf);
}

/* The lab's chargen: the netpattern stream of NETPAT_CHARGEN_SEED from
 * offset 0 until the peer closes (include/kernel/netpattern.h), so the
 * client checks every byte it receives without asking for anything. */
static void serve_chargen(struct socket *c)
{
	u8 *buf = kmalloc(SVC_BULK_BUF);
	u64 off = 0;

	if (!buf)
		return;
	for (;;) {
		netpat_fill(buf, NETPAT_CHARGEN_SEED, off, SVC_BULK_BUF);
		if (!send_all(c, buf, SVC_BULK_BUF))
			break;
		off += SVC_BULK_BUF;
	}
	kfree(buf);
}

/* ---- HTTP status server */
struct sbuf {
	char *b;
	size_t len, cap;
};

__printf(2, 3) static void sb_printf(struct sbuf *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (s->len >= s->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(s->b + s->len, s->cap - s->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		s->len = s->len + (size_t)n < s->cap ? s->len + (size_t)n : s->cap - 1;
}

struct dev_walk {
	struct sbuf *sb;
	bool json;
	bool first;
};

static void http_dev(struct netdev *d, void *arg)
{
	struct dev_walk *w = arg;

	if (w->json)
		sb_printf(w->sb,
			  "%s{\"name\":\"%s\",\"mtu\":%u,\"carrier\":%s,\"rx_packets\":%llu,"
			  "\"rx_bytes\":%llu,\"rx_dropped\":%llu,\"tx_packets\":%llu,"
			  "\"tx_bytes\":%llu,\"tx_dropped\":%llu}",
			  w->first ? "" : ",", d->name, d->mtu, d->carrier ? "true" : "false",
			  (unsigned long long)d->stats.rx_packets,
			  (unsigned long long)d->stats.rx_bytes,
			  (unsigned long long)d->stats.rx_dropped,
			  (unsigned long long)d->stats.tx_packets,
			  (unsigned long long)d->stats.tx_bytes,
			  (unsigned long long)d->stats.tx_dropped);
	else
		sb_printf(w->sb, "device %s: mtu %u carrier %s rx %llu pkts %llu bytes, tx %llu "
				 "pkts %llu bytes\n",
			  d->name, d->mtu, d->carrier ? "on" : "off",
			  (unsigned long long)d->stats.rx_packets,
			  (unsigned long long)d->stats.rx_bytes,
			  (unsigned long long)d->stats.tx_packets,
			  (unsigned long long)d->stats.tx_bytes);
	w->first = false;
}

static void http_status(struct sbuf *sb, bool json)
{
	u64 up_ms = uptime_ns() / NSEC_PER_MSEC;
	unsigned long free_kib = mm_free_pages() * 4, total_kib = mm_total_pages() * 4;
	struct dev_walk w = { sb, json, true };
	struct udp_stats us;
	struct icmp_stats is;

	udp_get_stats(&us);
	icmp_get_stats(&is);
	if (json) {
		sb_printf(sb, "{\"kernel\":\"xenolith\",\"mode\":\"%s\",\"uptime_ms\":%llu,"
			      "\"vcpus\":%u,\"memory\":{\"total_kib\":%lu,\"free_kib\":%lu},"
			      "\"devices\":[",
			  pv_ops->name, (unsigned long long)up_ms, num_online_cpus(), total_kib,
			  free_kib);
		netdev_for_each(http_dev, &w);
		sb_printf(sb, "],\"counters\":{\"ip_in\":%llu,\"ip_out\":%llu,\"udp_in\":%llu,"
			      "\"udp_out\":%llu,\"icmp_echo_in\":%llu}}\n",
			  (unsigned long long)ip_stats.in_receives,
			  (unsigned long long)ip_stats.out_requests, (unsigned long long)us.in,
			  (unsigned long long)us.out, (unsigned long long)is.in_echo);
	} else {
		sb_printf(sb, "xenolith\nmode: %s\nuptime: %llu.%03llu s\nvcpus: %u\n"
			      "memory: %lu KiB total, %lu KiB free\n",
			  pv_ops->name, (unsigned long long)(up_ms / 1000),
			  (unsigned long long)(up_ms % 1000), num_online_cpus(), total_kib, free_kib);
		netdev_for_each(http_dev, &w);
		sb_printf(sb, "ip: in %llu out %llu\nudp: in %llu out %llu\nicmp: echo in %llu\n",
			  (unsigned long long)ip_stats.in_receives,
			  (unsigned long long)ip_stats.out_requests, (unsigned long long)us.in,
			  (unsigned long long)us.out, (unsigned long long)is.in_echo);
	}
}

/* Read the request head (up to the blank line) within bounds; the length
 * read, or -errno. */
static long http_read_request(struct socket *c, char *req, size_t cap)
{
	u64 deadline = clock_ns() + HTTP_REQ_TIMEOUT_NS;
	size_t have = 0;

	while (have < cap - 1) {
		u64 now = clock_ns();
		long n;

		if (now >= deadline)
			return -ETIMEDOUT;
		n = sock_recv(c, req + have, cap - 1 - have, deadline - now);
		if (n <= 0)
			return n ? n : -ECONNRESET;
		have += (size_t)n;
		req[have] = 0;
		for (size_t i = 3; i < have; i++)
			if (req[i - 3] == '\r' && req[i - 2] == '\n' && req[i - 1] == '\r' &&
			    req[i] == '\n')
				return (long)have;
	}
	return -E2BIG;
}

static void serve_http(struct socket *c)
{
	char *req = kmalloc(HTTP_REQ_MAX);
	char *body = kmalloc(HTTP_BODY_MAX);
	char head[256];
	struct sbuf sb = { body, 0, HTTP_BODY_MAX };
	const char *status = "200 OK", *ctype = "text/plain";
	bool head_only = false;
	long n;

	if (!req || !body)
		goto out;
	n = http_read_request(c, req, HTTP_REQ_MAX);
	if (n < 0) {
		if (n == -E2BIG) {
			status = "431 Request Header Fields Too Large";
			sb_printf(&sb, "request too large\n");
		} else {
			goto out;
		}
	} else {
		/* Request line: METHOD SP PATH SP VERSION. Only the first line
		 * is examined. */
		char *sp1 = NULL, *sp2 = NULL, *eol = NULL;

		for (char *p = req; *p; p++) {
			if (*p == '\r' || *p == '\n') {
				eol = p;
				break;
			}
			if (*p == ' ' && !sp1)
				sp1 = p;
			else if (*p == ' ' && !sp2)
				sp2 = p;
		}
		if (!sp1 || !sp2 || !eol || sp2 < sp1) {
			status = "400 Bad Request";
			sb_printf(&sb, "bad request\n");
		} else {
			*sp1 = 0;
			*sp2 = 0;
			head_only = !strcmp(req, "HEAD");
			if (strcmp(req, "GET") && !head_only) {
				status = "405 Method Not Allowed";
				sb_printf(&sb, "GET or HEAD only\n");
			} else if (!strcmp(sp1 + 1, "/") || !strcmp(sp1 + 1, "/status")) {
				http_status(&sb, false);
			} else if (!strcmp(sp1 + 1, "/status.json") || !strcmp(sp1 + 1, "/json")) {
				ctype = "application/json";
				http_status(&sb, true);
			} else {
				status = "404 Not Found";
				sb_printf(&sb, "not found\n");
			}
		}
	}
	snprintf(head, sizeof(head),
		 "HTTP/1.1 %s\r\nServer: xenolith\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		 "Connection: close\r\n\r\n",
		 status, ctype, sb.len);
	if (send_all(c, head, strlen(head)) && !head_only)
		send_all(c, body, sb.len);
out:
	kfree(req);
	kfree(body);
}

static struct tcp_service tcp_services[] = {
	{ "tcpecho", 7, SVC_TCPECHO, serve_echo, 0, 0 },
	{ "discard", 9, SVC_DISCARD, serve_discard, 0, 0 },
	{ "chargen", 19, SVC_CHARGEN, serve_chargen, 0, 0 },
	{ "http", 80, SVC_HTTP, serve_http, 0, 0 },
};

static int svc_conn_main(void *arg)
{
	struct svc_conn *sc = arg;

	sc->svc->serve(sc->sock);
	sock_shutdown_wr(sc->sock);
	sock_close(sc->sock);
	__atomic_sub_fetch(&sc->svc->conns, 1, __ATOMIC_SEQ_CST);
	kfree(sc);
	return 0;
}

static int svc_listen_main(void *arg)
{
	struct tcp_service *svc = arg;
	struct socket *l;
	int rc = sock_create(SOCK_STREAM, &l);

	if (!rc) {
		rc = sock_bind(l, INADDR_ANY, svc->port);
		if (!rc)
			rc = sock_listen(l, SVC_MAX_CONNS);
		if (rc)
			sock_close(l);
	}
	if (rc) {
		pr_err("net: %s: cannot listen on port %u: %d\n", svc->name, svc->port, rc);
		return rc;
	}
	pr_info("net: %s on port %u\n", svc->name, svc->port);
	for (;;) {
		struct socket *c;
		struct svc_conn *sc;
		struct thread *t;

		rc = sock_accept(l, &c, SOCK_FOREVER);
		if (rc) {
			if (rc == -ETIMEDOUT || rc == -EAGAIN || rc == -ENOMEM) {
				sleep_ns(10 * NSEC_PER_MSEC);
				continue;
			}
			break;
		}
		if (__atomic_add_fetch(&svc->conns, 1, __ATOMIC_SEQ_CST) > SVC_MAX_CONNS) {
			__atomic_sub_fetch(&svc->conns, 1, __ATOMIC_SEQ_CST);
			sock_close(c);
			continue;
		}
		sc = kmalloc(sizeof(*sc));
		t = NULL;
		if (sc) {
			sc->svc = svc;
			sc->sock = c;
			t = thread_create(svc->name, svc_conn_main, sc, CPU_ANY);
		}
		if (!t) {
			kfree(sc);
			sock_close(c);
			__atomic_sub_fetch(&svc->conns, 1, __ATOMIC_SEQ_CST);
			continue;
		}
		svc->served++;
		thread_detach(t);
	}
	pr_err("net: %s: accept failed: %d\n", svc->name, rc);
	sock_close(l);
	return rc;
}

/* Services already started (each at most once). */
static u32 svc_started;

void net_services_start_mask(u32 mask)
{
	struct thread *t;

	mask &= ~__atomic_fetch_or(&svc_started, mask, __ATOMIC_SEQ_CST);
	if (mask & SVC_UDPECHO) {
		t = thread_create("udpecho", udpecho_main, NULL, CPU_ANY);
		if (t)
			thread_detach(t);
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(tcp_services); i++) {
		if (!(mask & tcp_services[i].bit))
			continue;
		t = thread_create(tcp_services[i].name, svc_listen_main, &tcp_services[i], CPU_ANY);
		if (t)
			thread_detach(t);
	}
}

void net_services_start(void)
{
	net_services_start_mask(svc_enabled);
}
