/* nettest: the xl lab's network test and benchmark tool, for the dom0 and
 * the lab's Linux domU. Built statically by `make nettest` into
 * $(objtree)/host/nettest (tests/nettest.mk), so it runs anywhere without
 * libraries. Data is the seeded pattern of lib/netpattern.c, which the
 * kernel's services share; tests/xl/netpattern.h holds the conventions.
 *
 *   nettest [OPTIONS] udp-echo HOST:PORT      datagrams of sizes --min..--max
 *   nettest [OPTIONS] udp-pps HOST:PORT       echo packet rate, --size bytes
 *   nettest [OPTIONS] tcp-send HOST:PORT      pattern to a discard sink
 *   nettest [OPTIONS] tcp-recv HOST:PORT      from a chargen source, checked
 *   nettest [OPTIONS] tcp-echo HOST:PORT      pattern out and back, checked
 *   nettest [OPTIONS] tcp-connrate HOST:PORT  connect, 1 byte echoed, close
 *   nettest [OPTIONS] serve SPEC...           udpecho:P tcpecho:P sink:P source:P
 *   nettest [OPTIONS] crc                     CRC-32 of --bytes of --seed's stream
 *
 * Options: -n COUNT, --min N, --max N, --size N, --bytes N (K/M/G suffixes,
 * binary), --secs S, --seed S, --conns N, --window N, --timeout MS (UDP
 * reply wait), --retries N, --max-loss N, --io-timeout MS (TCP, no progress),
 * --for S (serve: exit after S seconds), --bind ADDR, --no-sum (serve: the
 * sink skips the CRC), -v. SIGUSR1 ends a --secs TCP run early, with its
 * normal result (a bulk transfer in the background that a scenario stops).
 *
 * Output: a one-line result "nettest: MODE ok|FAIL key=value ... [-- why]"
 * last; exit 0 ok, 1 wrong data or counts, 2 usage, 3 network error.
 * The server prints "nettest: sink peer=A:P bytes=N crc32=0xX ms=T" per
 * finished sink connection (the shape the guest services' lines have). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <kernel/crc32.h>
#include "netpattern.h"

#define CHUNK (64u * 1024u)
#define UDP_MAX 65507u
#define MAX_CONNS 1024
#define MAX_WINDOW 256
#define RECENT 256

static struct {
	uint64_t count, min, max, size, bytes, seed, conns, window, timeout_ms, retries;
	uint64_t max_loss, io_timeout_ms;
	double secs, serve_for;
	int seed_set, bytes_set, secs_set, no_sum, verbose;
	const char *bind;
} opt = {
	.count = 10000, .min = 1, .max = 1472, .size = 64, .bytes = 1u << 20, .seed = 1,
	.conns = 1, .window = 8, .timeout_ms = 500, .retries = 3, .max_loss = 0,
	.io_timeout_ms = 30000, .secs = 0, .serve_for = 0, .bind = "0.0.0.0",
};

static const char *mode_name = "nettest";
/* SIGUSR1: a --secs run ends now, as if its time were up. */
static volatile sig_atomic_t stop_now;

static void on_usr1(int sig)
{
	(void)sig;
	stop_now = 1;
}

/* ------------------------------------------------------------ utilities */
static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

__attribute__((noreturn)) static void usage(const char *why)
{
	if (why)
		fprintf(stderr, "nettest: %s\n", why);
	fprintf(stderr,
		"usage: nettest [OPTIONS] udp-echo|udp-pps|tcp-send|tcp-recv|tcp-echo|tcp-connrate HOST:PORT\n"
		"       nettest [OPTIONS] serve udpecho:PORT|tcpecho:PORT|sink:PORT|source:PORT...\n"
		"       nettest [OPTIONS] crc\n"
		"options: -n COUNT --min N --max N --size N --bytes N[KMG] --secs S --seed S --conns N\n"
		"         --window N --timeout MS --retries N --max-loss N --io-timeout MS --for S\n"
		"         --bind ADDR --no-sum -v\n");
	printf("nettest: %s FAIL -- usage%s%s\n", mode_name, why ? ": " : "", why ? why : "");
	exit(NETTEST_EXIT_USAGE);
}

static uint64_t number(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || s[0] == '-') {
		char m[96];

		snprintf(m, sizeof(m), "bad %s '%s'", what, s);
		usage(m);
	}
	switch (*end) {
	case 'K': case 'k': v <<= 10; end++; break;
	case 'M': case 'm': v <<= 20; end++; break;
	case 'G': case 'g': v <<= 30; end++; break;
	}
	if (*end) {
		char m[96];

		snprintf(m, sizeof(m), "bad %s '%s'", what, s);
		usage(m);
	}
	return v;
}

static double seconds(const char *s, const char *what)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0) || v > 1e6) {
		char m[96];

		snprintf(m, sizeof(m), "bad %s '%s'", what, s);
		usage(m);
	}
	return v;
}

static void parse_addr(const char *s, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	size_t hl;
	uint64_t port;

	if (!colon || colon == s || (hl = (size_t)(colon - s)) >= sizeof(host))
		usage("HOST:PORT expected");
	memcpy(host, s, hl);
	host[hl] = 0;
	port = number(colon + 1, "port");
	if (port == 0 || port > 65535)
		usage("port out of range");
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		usage("HOST must be an IPv4 address");
}

static const char *addr_str(const struct sockaddr_in *sa, char *buf, size_t n)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &sa->sin_addr, ip, sizeof(ip));
	snprintf(buf, n, "%s:%u", ip, ntohs(sa->sin_port));
	return buf;
}

/* CRC-32 of crc32.h (zlib's), eight bytes a step: the guest's sink must
 * keep up with the wire under emulation. Checked against lib/crc32.c at
 * start-up. */
static uint32_t crc_tab[8][256];
static uint32_t fast_crc32(uint32_t crc, const void *p, size_t len);

static void crc_init(void)
{
	for (unsigned int i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
		crc_tab[0][i] = c;
	}
	for (unsigned int i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc_tab[t][i] = (crc_tab[t - 1][i] >> 8) ^ crc_tab[0][crc_tab[t - 1][i] & 0xff];
	static const char probe[] = "the quick brown fox jumps over the lazy dog 0123456789";

	if (fast_crc32(0, probe, sizeof(probe)) != crc32(0, probe, sizeof(probe))) {
		fprintf(stderr, "nettest: internal CRC mismatch\n");
		abort();
	}
}

static uint32_t fast_crc32(uint32_t crc, const void *p, size_t len)
{
	const uint8_t *b = p;

	crc = ~crc;
	while (len >= 8) {
		uint32_t lo = crc ^ ((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
				     (uint32_t)b[3] << 24);
		uint32_t hi = (uint32_t)b[4] | (uint32_t)b[5] << 8 | (uint32_t)b[6] << 16 |
			      (uint32_t)b[7] << 24;

		crc = crc_tab[7][lo & 0xff] ^ crc_tab[6][(lo >> 8) & 0xff] ^
		      crc_tab[5][(lo >> 16) & 0xff] ^ crc_tab[4][lo >> 24] ^
		      crc_tab[3][hi & 0xff] ^ crc_tab[2][(hi >> 8) & 0xff] ^
		      crc_tab[1][(hi >> 16) & 0xff] ^ crc_tab[0][hi >> 24];
		b += 8;
		len -= 8;
	}
	while (len--)
		crc = (crc >> 8) ^ crc_tab[0][(crc ^ *b++) & 0xff];
	return ~crc;
}

/* Negative errno of a failed call, with timeouts folded into ETIMEDOUT. */
static int neg_errno(void)
{
	int e = errno ? errno : EIO;

	return (e == EAGAIN || e == EWOULDBLOCK) ? -ETIMEDOUT : -e;
}

static void set_timeouts(int fd, uint64_t ms)
{
	struct timeval tv = { .tv_sec = (time_t)(ms / 1000), .tv_usec = (suseconds_t)(ms % 1000) * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* A connected TCP socket (blocking, with I/O timeouts) or -errno; the
 * connect itself is bounded by the I/O timeout too. */
static int tcp_connect(const struct sockaddr_in *sa)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), fl, err;
	socklen_t el = sizeof(err);
	struct pollfd p;

	if (fd < 0)
		return neg_errno();
	fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0) {
		if (errno != EINPROGRESS) {
			err = neg_errno();
			close(fd);
			return err;
		}
		p.fd = fd;
		p.events = POLLOUT;
		int r = poll(&p, 1, (int)opt.io_timeout_ms);
		if (r <= 0) {
			close(fd);
			return r == 0 ? -ETIMEDOUT : neg_errno();
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err) {
			close(fd);
			return err ? -err : -EIO;
		}
	}
	fcntl(fd, F_SETFL, fl);
	set_timeouts(fd, opt.io_timeout_ms);
	return fd;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? neg_errno() : -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* ------------------------------------------------------------ TCP clients */
/* One thread, one poll loop over every connection: no threads, because a
 * fresh clone in the lab's emulated PV domains is exactly what the known
 * emulation flake hits (docs/xen-lab.md), and 64 of them at once made it
 * likely. */
enum { M_SEND, M_RECV, M_ECHO };
enum { C_CONNECTING, C_RUNNING, C_DRAINING, C_DONE };

struct job {
	int idx, fd, state;
	uint64_t seed, want, sent, done, bad_off, t0, us, last;
	uint32_t crc;
	int err;                /* -errno of a network error, 0 */
	int mismatch;           /* data differed at bad_off, or the stream was short */
	char why[160];
};

/* Compare received bytes with the stream at off; 0 or -EIO with the first
 * differing offset. Fill + memcmp is the fast path; netpat_check locates. */
static int verify(const uint8_t *buf, uint8_t *scratch, uint64_t seed, uint64_t off, size_t n,
		  uint64_t *bad)
{
	netpat_fill(scratch, seed, off, n);
	if (memcmp(buf, scratch, n) == 0)
		return 0;
	return netpat_check(buf, seed, off, n, bad);
}

static void job_end(struct job *j, int err, const char *fmt, ...)
{
	va_list ap;

	if (fmt && !j->why[0]) {
		va_start(ap, fmt);
		vsnprintf(j->why, sizeof(j->why), fmt, ap);
		va_end(ap);
	}
	if (err && !j->err && !j->mismatch)
		j->err = err;
	j->us = now_us() - j->t0;
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
	j->state = C_DONE;
}

/* Start a non-blocking connect; the job ends at once if it fails. */
static void job_connect(struct job *j, const struct sockaddr_in *sa)
{
	j->t0 = j->last = now_us();
	j->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (j->fd < 0) {
		job_end(j, neg_errno(), "socket: %s", strerror(errno));
		return;
	}
	j->state = C_CONNECTING;
	if (connect(j->fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
		j->state = C_RUNNING;
	else if (errno != EINPROGRESS)
		job_end(j, neg_errno(), "connect: %s", strerror(errno));
}

static short job_events(const struct job *j, int mode, uint64_t end)
{
	switch (j->state) {
	case C_CONNECTING:
		return POLLOUT;
	case C_DRAINING:
		return POLLIN;
	case C_RUNNING:
		if (mode == M_SEND)
			return POLLOUT;
		if (mode == M_RECV)
			return POLLIN;
		return POLLIN | (j->sent < j->want && now_us() < end ? POLLOUT : 0);
	}
	return 0;
}

/* One step of a connection that poll reported ready. */
static void job_step(struct job *j, int mode, short rev, uint8_t *buf,
		     uint8_t *scratch)
{
	ssize_t n;

	if (j->state == C_CONNECTING) {
		int e = 0;
		socklen_t el = sizeof(e);

		if (getsockopt(j->fd, SOL_SOCKET, SO_ERROR, &e, &el) < 0 || e) {
			job_end(j, e ? -e : -EIO, "connect: %s", strerror(e ? e : EIO));
			return;
		}
		j->state = C_RUNNING;
		j->last = now_us();
		return;
	}
	if (rev & POLLOUT && (mode == M_SEND || mode == M_ECHO) && j->state == C_RUNNING &&
	    j->sent < j->want) {
		size_t len = CHUNK;

		if (j->want - j->sent < len)
			len = (size_t)(j->want - j->sent);
		netpat_fill(scratch, j->seed, j->sent, len);
		n = send(j->fd, scratch, len, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			job_end(j, neg_errno(), "send at %" PRIu64 ": %s", j->sent, strerror(errno));
			return;
		}
		if (n > 0) {
			if (mode == M_SEND)
				j->crc = fast_crc32(j->crc, scratch, (size_t)n);
			j->sent += (uint64_t)n;
			j->last = now_us();
		}
	}
	if (rev & (POLLIN | POLLHUP | POLLERR) && j->state != C_CONNECTING) {
		size_t len = CHUNK;

		if (mode == M_RECV && j->want - j->done < len)
			len = (size_t)(j->want - j->done);
		n = recv(j->fd, buf, len, 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n < 0) {
			job_end(j, neg_errno(), "%s at %" PRIu64 ": %s",
				j->state == C_DRAINING ? "waiting for the peer to close" : "recv",
				j->done, strerror(errno));
			return;
		}
		if (n == 0) {
			if (j->state == C_DRAINING) {
				job_end(j, 0, NULL);
				return;
			}
			j->mismatch = 1;
			j->bad_off = j->done;
			job_end(j, 0, "stream ended at %" PRIu64 " of %" PRIu64 " (peer closed)", j->done,
				j->want);
			return;
		}
		j->last = now_us();
		if (j->state == C_DRAINING)
			return;         /* a sink that talks back: ignored */
		if (mode == M_ECHO && (uint64_t)n > j->sent - j->done) {
			j->mismatch = 1;
			j->bad_off = j->sent;
			job_end(j, 0, "more echoed than sent (%" PRIu64 " > %" PRIu64 ")",
				j->done + (uint64_t)n, j->sent);
			return;
		}
		if (verify(buf, scratch, j->seed, j->done, (size_t)n, &j->bad_off)) {
			j->mismatch = 1;
			job_end(j, 0, "MISMATCH at offset %" PRIu64, j->bad_off);
			return;
		}
		j->crc = fast_crc32(j->crc, buf, (size_t)n);
		j->done += (uint64_t)n;
	}
}

/* Move a connection on when it has done its part. */
static void job_advance(struct job *j, int mode, uint64_t end)
{
	uint64_t now = now_us();

	if (j->state == C_DONE)
		return;
	if (now - j->last > opt.io_timeout_ms * 1000) {
		job_end(j, -ETIMEDOUT, "no progress for %" PRIu64 " ms (%s, sent %" PRIu64 ", received %"
			PRIu64 ")", opt.io_timeout_ms, j->state == C_CONNECTING ? "connecting" :
			j->state == C_DRAINING ? "waiting for the peer to close" : "running",
			j->sent, j->done);
		return;
	}
	if (j->state != C_RUNNING)
		return;
	if (opt.secs_set && (now >= end || stop_now) && j->want == UINT64_MAX) {
		/* Time is up: the amount done so far is the amount. */
		j->want = mode == M_RECV ? j->done : j->sent;
	}
	if (mode == M_SEND && j->sent >= j->want) {
		/* The sink closes once it has read everything: wait for that. */
		shutdown(j->fd, SHUT_WR);
		j->state = C_DRAINING;
		j->last = now;
	} else if (mode == M_ECHO && j->sent >= j->want && j->done >= j->want) {
		job_end(j, 0, NULL);
	} else if (mode == M_ECHO && j->sent >= j->want) {
		/* Everything sent: the rest only comes back. */
	} else if (mode == M_RECV && j->done >= j->want) {
		job_end(j, 0, NULL);
	}
}

static int cmd_tcp(int mode, const struct sockaddr_in *peer)
{
	uint64_t n = opt.conns, total = 0, us, t0, end;
	struct job *jobs;
	struct pollfd *pf;
	int *map, verdict = NETTEST_EXIT_OK, same_crc = 1;
	const struct job *first_bad = NULL;
	uint8_t *buf = malloc(CHUNK), *scratch = malloc(CHUNK);
	char pa[48];

	if (n < 1 || n > MAX_CONNS)
		usage("--conns out of range");
	jobs = calloc(n, sizeof(*jobs));
	pf = calloc(n, sizeof(*pf));
	map = calloc(n, sizeof(*map));
	if (!jobs || !pf || !map || !buf || !scratch)
		abort();
	t0 = now_us();
	end = opt.secs_set ? t0 + (uint64_t)(opt.secs * 1e6) : UINT64_MAX;
	for (uint64_t i = 0; i < n; i++) {
		jobs[i].idx = (int)i;
		jobs[i].fd = -1;
		jobs[i].want = opt.secs_set ? UINT64_MAX : opt.bytes;
		jobs[i].seed = mode == M_ECHO ? opt.seed + i : opt.seed;
		job_connect(&jobs[i], peer);
	}
	for (;;) {
		int np = 0;

		for (uint64_t i = 0; i < n; i++) {
			job_advance(&jobs[i], mode, end);
			if (jobs[i].state == C_DONE)
				continue;
			pf[np].fd = jobs[i].fd;
			pf[np].events = job_events(&jobs[i], mode, end);
			pf[np].revents = 0;
			map[np++] = (int)i;
		}
		if (!np)
			break;
		if (poll(pf, (nfds_t)np, 200) < 0 && errno != EINTR) {
			fprintf(stderr, "nettest: poll: %s\n", strerror(errno));
			exit(NETTEST_EXIT_NET);
		}
		for (int k = 0; k < np; k++)
			if (pf[k].revents)
				job_step(&jobs[map[k]], mode, pf[k].revents, buf, scratch);
	}
	us = now_us() - t0;
	for (uint64_t i = 0; i < n; i++) {
		const struct job *j = &jobs[i];
		uint64_t moved = mode == M_SEND ? j->sent : j->done;

		total += moved;
		if (j->crc != jobs[0].crc)
			same_crc = 0;
		if (j->mismatch) {
			verdict = NETTEST_EXIT_DATA;
			first_bad = first_bad && first_bad->mismatch ? first_bad : j;
		} else if (j->err && verdict == NETTEST_EXIT_OK) {
			verdict = NETTEST_EXIT_NET;
			first_bad = first_bad ? first_bad : j;
		}
		if (opt.verbose || (n > 1 && (j->err || j->mismatch)))
			printf("nettest: conn %d bytes=%" PRIu64 " crc32=0x%08x ms=%" PRIu64 "%s%s\n", j->idx,
			       moved, j->crc, j->us / 1000, j->why[0] ? " -- " : "", j->why);
	}
	static const char *const names[] = { "tcp-send", "tcp-recv", "tcp-echo" };
	printf("nettest: %s %s peer=%s conns=%" PRIu64 " bytes=%" PRIu64, names[mode],
	       verdict ? "FAIL" : "ok", addr_str(peer, pa, sizeof(pa)), n, total);
	if (same_crc)
		printf(" crc32=0x%08x", jobs[0].crc);
	else
		printf(" crc32=mixed");
	printf(" seed=%" PRIu64 " ms=%" PRIu64 " mbit_s=%.1f", opt.seed, us / 1000,
	       us ? total * 8.0 / us : 0.0);
	if (first_bad)
		printf(" -- conn %d: %s", first_bad->idx, first_bad->why);
	printf("\n");
	free(jobs);
	free(pf);
	free(map);
	free(buf);
	free(scratch);
	return verdict;
}

static int cmd_connrate(const struct sockaddr_in *peer)
{
	uint64_t t0 = now_us(), end, ok = 0, conn_us = 0;
	int verdict = NETTEST_EXIT_OK;
	char why[160] = "", pa[48];

	if (!opt.secs_set)
		opt.secs = 3;
	end = t0 + (uint64_t)(opt.secs * 1e6);
	while (now_us() < end) {
		uint64_t c0 = now_us();
		uint8_t out = (uint8_t)ok, in = 0;
		int fd = tcp_connect(peer), r;
		ssize_t n;

		if (fd < 0) {
			verdict = NETTEST_EXIT_NET;
			snprintf(why, sizeof(why), "connect %" PRIu64 ": %s", ok + 1, strerror(-fd));
			break;
		}
		conn_us += now_us() - c0;
		r = write_all(fd, &out, 1);
		do
			n = recv(fd, &in, 1, 0);
		while (n < 0 && errno == EINTR);
		close(fd);
		if (r || n != 1) {
			verdict = NETTEST_EXIT_NET;
			snprintf(why, sizeof(why), "connection %" PRIu64 ": no echo (%s)", ok + 1,
				 r ? strerror(-r) : n == 0 ? "closed" : strerror(errno));
			break;
		}
		if (in != out) {
			verdict = NETTEST_EXIT_DATA;
			snprintf(why, sizeof(why), "connection %" PRIu64 ": echoed 0x%02x, sent 0x%02x",
				 ok + 1, in, out);
			break;
		}
		ok++;
		if (opt.count && ok >= opt.count && !opt.secs_set)
			break;
	}
	uint64_t us = now_us() - t0;
	printf("nettest: tcp-connrate %s peer=%s conns=%" PRIu64 " ms=%" PRIu64 " conn_s=%.1f "
	       "connect_us=%" PRIu64 "%s%s\n", verdict ? "FAIL" : "ok", addr_str(peer, pa, sizeof(pa)),
	       ok, us / 1000, us ? ok * 1e6 / us : 0.0, ok ? conn_us / ok : 0, why[0] ? " -- " : "", why);
	return verdict;
}

/* ------------------------------------------------------------ UDP clients */
static uint64_t dgram_size(uint64_t i)
{
	uint64_t range = opt.max - opt.min + 1;

	if (opt.count >= range)
		return opt.min + i % range;
	if (opt.count <= 1)
		return opt.max;
	return opt.min + i * (opt.max - opt.min) / (opt.count - 1);
}

struct slot {
	int busy;
	uint64_t seq, size, sent_us, tries;
};

static int udp_socket(const struct sockaddr_in *peer)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int sz = 4 << 20;

	if (fd < 0 || connect(fd, (const struct sockaddr *)peer, sizeof(*peer)) < 0) {
		printf("nettest: %s FAIL -- socket/connect: %s\n", mode_name, strerror(errno));
		exit(NETTEST_EXIT_NET);
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	return fd;
}

static int cmd_udp_echo(const struct sockaddr_in *peer)
{
	int fd = udp_socket(peer), verdict;
	uint64_t w = opt.window, next = 0, acked = 0, lost = 0, dup = 0, bad = 0, resent = 0;
	uint64_t bytes = 0, refused = 0, t0 = now_us(), first_bad_seq = 0;
	uint64_t recent[RECENT];
	unsigned int nrecent = 0;
	struct slot *s;
	uint8_t *rx = malloc(UDP_MAX + 1), *tx = malloc(UDP_MAX), *exp = malloc(UDP_MAX);
	char why[200] = "", pa[48], lost_list[96] = "";

	if (opt.min < 1 || opt.max > UDP_MAX || opt.min > opt.max)
		usage("sizes must be within 1..65507, --min <= --max");
	if (w < 1 || w > MAX_WINDOW)
		usage("--window out of range");
	s = calloc(w, sizeof(*s));
	if (!s || !rx || !tx || !exp)
		abort();
	for (;;) {
		uint64_t now = now_us(), wait_until = UINT64_MAX;
		int busy = 0;

		/* Fill free slots, resend or give up on expired ones. */
		for (uint64_t k = 0; k < w; k++) {
			struct slot *sl = &s[k];

			if (sl->busy && now - sl->sent_us >= opt.timeout_ms * 1000) {
				if (sl->tries > opt.retries) {
					/* The first few are named in the result line. */
					if (lost < 4)
						snprintf(lost_list + strlen(lost_list),
							 sizeof(lost_list) - strlen(lost_list), "%s%" PRIu64 ":%" PRIu64,
							 lost ? "," : "", sl->seq, sl->size);
					lost++;
					sl->busy = 0;
					/* A reply may still come: not a bad one then. */
					recent[nrecent++ % RECENT] = sl->seq;
				} else {
					resent++;
				}
			} else if (!sl->busy && next < opt.count) {
				sl->busy = 1;
				sl->seq = next++;
				sl->size = dgram_size(sl->seq);
				sl->tries = 0;
			}
			if (!sl->busy)
				continue;
			if (sl->tries == 0 || now - sl->sent_us >= opt.timeout_ms * 1000) {
				netpat_fill(tx, opt.seed, sl->seq * NETPAT_DGRAM_STRIDE, sl->size);
				if (send(fd, tx, sl->size, 0) < 0) {
					if (errno == ECONNREFUSED)
						refused++;
					else if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR) {
						snprintf(why, sizeof(why), "send: %s", strerror(errno));
						goto done;
					}
				}
				sl->tries++;
				sl->sent_us = now_us();
			}
			busy = 1;
			if (sl->sent_us + opt.timeout_ms * 1000 < wait_until)
				wait_until = sl->sent_us + opt.timeout_ms * 1000;
		}
		if (!busy)
			break;
		if (refused > 3 * (opt.retries + 1)) {
			snprintf(why, sizeof(why), "port unreachable (%" PRIu64 " ICMP errors)", refused);
			goto done;
		}
		now = now_us();
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int ms = wait_until > now ? (int)((wait_until - now + 999) / 1000) : 0;

		if (poll(&p, 1, ms) <= 0)
			continue;
		/* Drain what arrived. */
		for (;;) {
			ssize_t n = recv(fd, rx, UDP_MAX + 1, MSG_DONTWAIT);
			int matched = 0;

			if (n < 0) {
				if (errno == ECONNREFUSED) {
					refused++;
					continue;
				}
				break;
			}
			for (uint64_t k = 0; k < w && !matched; k++) {
				struct slot *sl = &s[k];

				if (!sl->busy || sl->size != (uint64_t)n)
					continue;
				netpat_fill(exp, opt.seed, sl->seq * NETPAT_DGRAM_STRIDE, sl->size);
				if (memcmp(rx, exp, sl->size) == 0) {
					matched = 1;
					sl->busy = 0;
					acked++;
					bytes += sl->size;
					recent[nrecent++ % RECENT] = sl->seq;
				}
			}
			/* A late answer to a resent datagram, or a duplicate. */
			for (unsigned int r = 0; !matched && r < RECENT && r < nrecent; r++) {
				uint64_t seq = recent[r];

				if (dgram_size(seq) != (uint64_t)n)
					continue;
				netpat_fill(exp, opt.seed, seq * NETPAT_DGRAM_STRIDE, (size_t)n);
				if (memcmp(rx, exp, (size_t)n) == 0) {
					matched = 1;
					dup++;
				}
			}
			if (!matched) {
				if (!bad) {
					first_bad_seq = next;
					snprintf(why, sizeof(why), "a %zd-byte reply matching no datagram "
						 "sent (around datagram %" PRIu64 ")", n, first_bad_seq);
				}
				bad++;
			}
		}
	}
done:
	if (!why[0] && refused && !acked)
		snprintf(why, sizeof(why), "port unreachable (%" PRIu64 " ICMP errors)", refused);
	verdict = bad ? NETTEST_EXIT_DATA : why[0] ? NETTEST_EXIT_NET :
		  lost > opt.max_loss ? NETTEST_EXIT_DATA : NETTEST_EXIT_OK;
	if (!why[0] && lost > opt.max_loss)
		snprintf(why, sizeof(why), "%" PRIu64 " datagrams lost (limit %" PRIu64 ")", lost,
			 opt.max_loss);
	uint64_t us = now_us() - t0;
	printf("nettest: udp-echo %s peer=%s sent=%" PRIu64 " echoed=%" PRIu64 " lost=%" PRIu64
	       " resent=%" PRIu64 " dup=%" PRIu64 " bad=%" PRIu64 " bytes=%" PRIu64 " sizes=%" PRIu64
	       "-%" PRIu64 " ms=%" PRIu64 " rtt_us=%" PRIu64,
	       verdict ? "FAIL" : "ok", addr_str(peer, pa, sizeof(pa)), next, acked, lost, resent, dup,
	       bad, bytes, opt.min, opt.max, us / 1000, acked ? us / acked : 0);
	if (lost)
		printf(" lost_seq_size=%s%s", lost_list, lost > 4 ? ",..." : "");
	printf("%s%s\n", why[0] ? " -- " : "", why);
	close(fd);
	free(s);
	free(rx);
	free(tx);
	free(exp);
	return verdict;
}

/* Echo packet rate: --window datagrams of --size bytes in flight for
 * --secs seconds; replies per second. A window that stays silent for
 * --timeout is written off and refilled. */
static int cmd_udp_pps(const struct sockaddr_in *peer)
{
	int fd = udp_socket(peer);
	uint64_t t0, end, sent = 0, got = 0, lost = 0, inflight = 0, last_rx;
	uint8_t *tx = malloc(UDP_MAX), *rx = malloc(UDP_MAX + 1);
	char pa[48];

	if (opt.size < 1 || opt.size > UDP_MAX)
		usage("--size must be within 1..65507");
	if (!tx || !rx)
		abort();
	if (!opt.secs_set)
		opt.secs = 3;
	if (opt.window == 8)
		opt.window = 32;
	netpat_fill(tx, opt.seed, 0, opt.size);
	t0 = now_us();
	last_rx = t0;
	end = t0 + (uint64_t)(opt.secs * 1e6);
	while (now_us() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		while (inflight < opt.window) {
			if (send(fd, tx, opt.size, 0) < 0)
				break;
			sent++;
			inflight++;
		}
		if (poll(&p, 1, 10) > 0) {
			for (;;) {
				ssize_t n = recv(fd, rx, UDP_MAX + 1, MSG_DONTWAIT);

				if (n < 0)
					break;
				if ((uint64_t)n == opt.size) {
					got++;
					if (inflight)
						inflight--;
					last_rx = now_us();
				}
			}
		}
		if (now_us() - last_rx > opt.timeout_ms * 1000) {
			lost += inflight;
			inflight = 0;
			last_rx = now_us();
		}
	}
	uint64_t us = now_us() - t0;
	int verdict = got ? NETTEST_EXIT_OK : NETTEST_EXIT_NET;

	printf("nettest: udp-pps %s peer=%s size=%" PRIu64 " window=%" PRIu64 " sent=%" PRIu64
	       " echoed=%" PRIu64 " lost=%" PRIu64 " ms=%" PRIu64 " pps=%.0f%s\n",
	       verdict ? "FAIL" : "ok", addr_str(peer, pa, sizeof(pa)), opt.size, opt.window, sent, got,
	       lost, us / 1000, us ? got * 1e6 / us : 0.0, got ? "" : " -- no echo");
	close(fd);
	free(tx);
	free(rx);
	return verdict;
}

/* ------------------------------------------------------------ servers */
/* One poll loop for every listener, datagram socket and connection (no
 * threads; see the TCP clients). */
enum { S_UDPECHO, S_TCPECHO, S_SINK, S_SOURCE };

struct service {
	int kind, fd;
	unsigned int port;
};

struct conn {
	int kind, fd, eof, mismatch;
	struct sockaddr_in peer;
	uint64_t bytes, bad_off, t0, last;
	uint32_t crc;
	uint8_t *pend;          /* echo: bytes read and not yet written back */
	size_t pend_off, pend_len;
};

static void conn_close(struct conn *c, const char *why)
{
	char pa[48], extra[96] = "";

	addr_str(&c->peer, pa, sizeof(pa));
	if (c->kind == S_SINK) {
		if (c->mismatch)
			snprintf(extra, sizeof(extra), " MISMATCH at offset %" PRIu64, c->bad_off);
		printf("nettest: sink peer=%s bytes=%" PRIu64 " crc32=0x%08x ms=%" PRIu64 "%s%s%s\n", pa,
		       c->bytes, c->crc, (now_us() - c->t0) / 1000, extra, why ? " -- " : "",
		       why ? why : "");
	} else if (opt.verbose) {
		printf("nettest: %s peer=%s bytes=%" PRIu64 " ms=%" PRIu64 "%s%s\n",
		       c->kind == S_SOURCE ? "source" : "tcpecho", pa, c->bytes,
		       (now_us() - c->t0) / 1000, why ? " -- " : "", why ? why : "");
	}
	close(c->fd);
	free(c->pend);
	c->fd = -1;
	c->pend = NULL;
}

/* One step of a ready connection; 0, or -1 when it is finished. */
static int conn_step(struct conn *c, short rev, uint8_t *buf, uint8_t *scratch)
{
	ssize_t n;

	if (c->kind == S_SOURCE) {
		if (rev & (POLLERR | POLLHUP))
			return -1;
		netpat_fill(buf, opt.seed_set ? opt.seed : NETPAT_CHARGEN_SEED, c->bytes, CHUNK);
		n = send(c->fd, buf, CHUNK, MSG_NOSIGNAL);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		c->bytes += (uint64_t)n;
		c->last = now_us();
		/* A chargen client never sends; anything it does is dropped. */
		if (rev & POLLIN && recv(c->fd, scratch, CHUNK, MSG_DONTWAIT) == 0)
			return -1;
		return 0;
	}
	if (c->kind == S_TCPECHO && c->pend_len) {
		if (!(rev & (POLLOUT | POLLERR | POLLHUP)))
			return 0;
		n = send(c->fd, c->pend + c->pend_off, c->pend_len, MSG_NOSIGNAL);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		c->pend_off += (size_t)n;
		c->pend_len -= (size_t)n;
		c->last = now_us();
		return !c->pend_len && c->eof ? -1 : 0;
	}
	if (!(rev & (POLLIN | POLLERR | POLLHUP)))
		return 0;
	n = recv(c->fd, c->kind == S_TCPECHO ? c->pend : buf, CHUNK, 0);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0)
		return -1;
	c->last = now_us();
	if (c->kind == S_TCPECHO) {
		c->pend_off = 0;
		c->pend_len = (size_t)n;
		c->bytes += (uint64_t)n;
		return 0;
	}
	if (!opt.no_sum)
		c->crc = fast_crc32(c->crc, buf, (size_t)n);
	/* With a seed given, the sink also checks the pattern. */
	if (opt.seed_set && !c->mismatch && verify(buf, scratch, opt.seed, c->bytes, (size_t)n,
						   &c->bad_off))
		c->mismatch = 1;
	c->bytes += (uint64_t)n;
	return 0;
}

static int cmd_serve(int argc, char **argv)
{
	struct service *sv = calloc((size_t)argc + 1, sizeof(*sv));
	struct conn *conns = calloc(MAX_CONNS, sizeof(*conns));
	struct pollfd *pf = calloc((size_t)argc + MAX_CONNS, sizeof(*pf));
	int *map = calloc((size_t)argc + MAX_CONNS, sizeof(*map));
	uint8_t *buf = malloc(UDP_MAX + 1 > CHUNK ? UDP_MAX + 1 : CHUNK), *scratch = malloc(CHUNK);
	struct in_addr bind_ip;
	uint64_t stop;

	if (!sv || !conns || !pf || !map || !buf || !scratch)
		abort();
	if (argc < 1)
		usage("serve needs at least one SERVICE:PORT");
	if (inet_pton(AF_INET, opt.bind, &bind_ip) != 1)
		usage("--bind must be an IPv4 address");
	for (int i = 0; i < MAX_CONNS; i++)
		conns[i].fd = -1;
	for (int i = 0; i < argc; i++) {
		char *colon = strchr(argv[i], ':');
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr = bind_ip };
		int one = 1, sz = 1 << 20;
		uint64_t port;

		if (!colon)
			usage("SERVICE:PORT expected");
		*colon = 0;
		port = number(colon + 1, "port");
		if (port == 0 || port > 65535)
			usage("port out of range");
		if (!strcmp(argv[i], "udpecho"))
			sv[i].kind = S_UDPECHO;
		else if (!strcmp(argv[i], "tcpecho"))
			sv[i].kind = S_TCPECHO;
		else if (!strcmp(argv[i], "sink"))
			sv[i].kind = S_SINK;
		else if (!strcmp(argv[i], "source"))
			sv[i].kind = S_SOURCE;
		else
			usage("services: udpecho tcpecho sink source");
		sv[i].port = (unsigned int)port;
		sa.sin_port = htons((uint16_t)port);
		sv[i].fd = socket(AF_INET, (sv[i].kind == S_UDPECHO ? SOCK_DGRAM : SOCK_STREAM) |
				  SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (sv[i].fd < 0)
			goto fail;
		setsockopt(sv[i].fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (sv[i].kind == S_UDPECHO) {
			setsockopt(sv[i].fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
			setsockopt(sv[i].fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		}
		if (bind(sv[i].fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			goto fail;
		if (sv[i].kind != S_UDPECHO && listen(sv[i].fd, 128) < 0)
			goto fail;
		continue;
fail:
		printf("nettest: serve FAIL -- %s:%u: %s\n", argv[i], sv[i].port, strerror(errno));
		free(sv);
		free(conns);
		free(pf);
		free(map);
		free(buf);
		free(scratch);
		return NETTEST_EXIT_NET;
	}
	printf("nettest: serve ready");
	for (int i = 0; i < argc; i++)
		printf(" %s:%u", argv[i], sv[i].port);
	printf("\n");
	stop = opt.serve_for > 0 ? now_us() + (uint64_t)(opt.serve_for * 1e6) : UINT64_MAX;
	while (now_us() < stop) {
		int np = 0;
		uint64_t now = now_us();

		for (int i = 0; i < argc; i++) {
			pf[np].fd = sv[i].fd;
			pf[np].events = POLLIN;
			map[np++] = -1 - i;
		}
		for (int i = 0; i < MAX_CONNS; i++) {
			struct conn *c = &conns[i];

			if (c->fd < 0)
				continue;
			/* A dead peer must not hold a connection forever. */
			if (now - c->last > opt.io_timeout_ms * 1000) {
				conn_close(c, "no progress, closed");
				continue;
			}
			pf[np].fd = c->fd;
			pf[np].events = c->kind == S_SOURCE ? POLLOUT | POLLIN :
					c->kind == S_TCPECHO && c->pend_len ? POLLOUT : POLLIN;
			map[np++] = i;
		}
		if (poll(pf, (nfds_t)np, 500) <= 0)
			continue;
		for (int k = 0; k < np; k++) {
			if (!pf[k].revents)
				continue;
			if (map[k] >= 0) {
				struct conn *c = &conns[map[k]];

				if (c->fd >= 0 && conn_step(c, pf[k].revents, buf, scratch) < 0)
					conn_close(c, NULL);
				continue;
			}
			struct service *s = &sv[-1 - map[k]];

			if (s->kind == S_UDPECHO) {
				for (int burst = 0; burst < 64; burst++) {
					struct sockaddr_in from;
					socklen_t fl = sizeof(from);
					ssize_t n = recvfrom(s->fd, buf, UDP_MAX + 1, 0,
							     (struct sockaddr *)&from, &fl);

					if (n < 0)
						break;
					sendto(s->fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
				}
				continue;
			}
			for (;;) {
				struct sockaddr_in peer;
				socklen_t sl = sizeof(peer);
				int fd = accept4(s->fd, (struct sockaddr *)&peer, &sl,
						 SOCK_CLOEXEC | SOCK_NONBLOCK), slot = -1;

				if (fd < 0)
					break;
				for (int i = 0; i < MAX_CONNS && slot < 0; i++)
					if (conns[i].fd < 0)
						slot = i;
				if (slot < 0) {
					close(fd);
					continue;
				}
				struct conn *c = &conns[slot];

				memset(c, 0, sizeof(*c));
				c->kind = s->kind;
				c->fd = fd;
				c->peer = peer;
				c->t0 = c->last = now_us();
				if (c->kind == S_TCPECHO && !(c->pend = malloc(CHUNK))) {
					close(fd);
					c->fd = -1;
				}
			}
		}
	}
	printf("nettest: serve ok -- stopped after %.0f s\n", opt.serve_for);
	return NETTEST_EXIT_OK;
}

/* ------------------------------------------------------------ main */
int main(int argc, char **argv)
{
	int i;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGUSR1, on_usr1);
	setvbuf(stdout, NULL, _IOLBF, 0);
	crc_init();
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *o = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

#define ARG(name) (!strcmp(o, name) && (v ? 1 : (usage("missing value"), 0)) && ++i)
		if (!strcmp(o, "-v"))
			opt.verbose = 1;
		else if (!strcmp(o, "--no-sum"))
			opt.no_sum = 1;
		else if (ARG("-n"))
			opt.count = number(v, "count");
		else if (ARG("--min"))
			opt.min = number(v, "min");
		else if (ARG("--max"))
			opt.max = number(v, "max");
		else if (ARG("--size"))
			opt.size = number(v, "size");
		else if (ARG("--bytes"))
			opt.bytes = number(v, "bytes"), opt.bytes_set = 1;
		else if (ARG("--secs"))
			opt.secs = seconds(v, "secs"), opt.secs_set = 1;
		else if (ARG("--seed"))
			opt.seed = number(v, "seed"), opt.seed_set = 1;
		else if (ARG("--conns"))
			opt.conns = number(v, "conns");
		else if (ARG("--window"))
			opt.window = number(v, "window");
		else if (ARG("--timeout"))
			opt.timeout_ms = number(v, "timeout");
		else if (ARG("--retries"))
			opt.retries = number(v, "retries");
		else if (ARG("--max-loss"))
			opt.max_loss = number(v, "max-loss");
		else if (ARG("--io-timeout"))
			opt.io_timeout_ms = number(v, "io-timeout");
		else if (ARG("--for"))
			opt.serve_for = seconds(v, "for");
		else if (ARG("--bind"))
			opt.bind = v;
		else
			usage("unknown option");
#undef ARG
	}
	if (i >= argc)
		usage(NULL);
	mode_name = argv[i++];
	if (opt.timeout_ms < 1 || opt.io_timeout_ms < 1)
		usage("timeouts must be at least 1 ms");
	if (!strcmp(mode_name, "serve"))
		return cmd_serve(argc - i, argv + i);
	if (!strcmp(mode_name, "crc")) {
		if (i != argc)
			usage("crc takes no operands");
		uint8_t *b = malloc(CHUNK);
		uint32_t c = 0;

		if (!b)
			abort();
		for (uint64_t off = 0; off < opt.bytes; off += CHUNK) {
			size_t n = opt.bytes - off < CHUNK ? (size_t)(opt.bytes - off) : CHUNK;

			netpat_fill(b, opt.seed, off, n);
			c = fast_crc32(c, b, n);
		}
		printf("nettest: crc ok seed=%" PRIu64 " bytes=%" PRIu64 " crc32=0x%08x\n", opt.seed,
		       opt.bytes, c);
		free(b);
		return NETTEST_EXIT_OK;
	}
	if (i + 1 != argc)
		usage("HOST:PORT expected");
	struct sockaddr_in peer;

	parse_addr(argv[i], &peer);
	if (!strcmp(mode_name, "udp-echo"))
		return cmd_udp_echo(&peer);
	if (!strcmp(mode_name, "udp-pps"))
		return cmd_udp_pps(&peer);
	if (!strcmp(mode_name, "tcp-send"))
		return cmd_tcp(M_SEND, &peer);
	if (!strcmp(mode_name, "tcp-recv")) {
		if (!opt.seed_set)
			opt.seed = NETPAT_CHARGEN_SEED;
		return cmd_tcp(M_RECV, &peer);
	}
	if (!strcmp(mode_name, "tcp-echo"))
		return cmd_tcp(M_ECHO, &peer);
	if (!strcmp(mode_name, "tcp-connrate"))
		return cmd_connrate(&peer);
	usage("unknown mode");
	return NETTEST_EXIT_USAGE;
}
