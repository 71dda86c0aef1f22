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
 * sink skips the CRC), -v.
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
#include <pthread.h>
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
enum { M_SEND, M_RECV, M_ECHO };

struct job {
	int mode, idx;
	struct sockaddr_in peer;
	uint64_t seed, want, done, bad_off, us;
	uint32_t crc;
	int err;                /* -errno of a network error, 0 */
	int mismatch;           /* data differed at bad_off */
	char why[160];
};

static uint64_t deadline_us(uint64_t t0)
{
	return opt.secs_set ? t0 + (uint64_t)(opt.secs * 1e6) : UINT64_MAX;
}

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

static void job_send(struct job *j, uint8_t *buf)
{
	uint64_t t0 = now_us(), end = deadline_us(t0);
	int fd = tcp_connect(&j->peer), r;
	uint8_t tmp[256];

	if (fd < 0) {
		j->err = fd;
		snprintf(j->why, sizeof(j->why), "connect: %s", strerror(-fd));
		return;
	}
	while (opt.secs_set ? now_us() < end : j->done < j->want) {
		size_t n = CHUNK;

		if (!opt.secs_set && j->want - j->done < n)
			n = (size_t)(j->want - j->done);
		netpat_fill(buf, j->seed, j->done, n);
		r = write_all(fd, buf, n);
		if (r) {
			j->err = r;
			snprintf(j->why, sizeof(j->why), "send at %" PRIu64 ": %s", j->done, strerror(-r));
			goto out;
		}
		j->crc = fast_crc32(j->crc, buf, n);
		j->done += n;
	}
	/* The sink closes once it has read everything: wait for that. */
	shutdown(fd, SHUT_WR);
	for (;;) {
		ssize_t n = recv(fd, tmp, sizeof(tmp), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			break;
		if (n < 0) {
			j->err = neg_errno();
			snprintf(j->why, sizeof(j->why), "waiting for the sink to close: %s",
				 strerror(-j->err));
			goto out;
		}
	}
out:
	j->us = now_us() - t0;
	close(fd);
}

static void job_recv(struct job *j, uint8_t *buf, uint8_t *scratch)
{
	uint64_t t0 = now_us(), end = deadline_us(t0);
	int fd = tcp_connect(&j->peer);

	if (fd < 0) {
		j->err = fd;
		snprintf(j->why, sizeof(j->why), "connect: %s", strerror(-fd));
		return;
	}
	while (opt.secs_set ? now_us() < end : j->done < j->want) {
		size_t want = CHUNK;
		ssize_t n;

		if (!opt.secs_set && j->want - j->done < want)
			want = (size_t)(j->want - j->done);
		n = recv(fd, buf, want, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			j->err = n < 0 ? neg_errno() : 0;
			snprintf(j->why, sizeof(j->why), "stream ended at %" PRIu64 " of %" PRIu64 "%s%s",
				 j->done, j->want, n < 0 ? ": " : " (peer closed)",
				 n < 0 ? strerror(-j->err) : "");
			if (n == 0)
				j->mismatch = 1, j->bad_off = j->done;
			goto out;
		}
		if (verify(buf, scratch, j->seed, j->done, (size_t)n, &j->bad_off)) {
			j->mismatch = 1;
			snprintf(j->why, sizeof(j->why), "MISMATCH at offset %" PRIu64, j->bad_off);
			goto out;
		}
		j->crc = fast_crc32(j->crc, buf, (size_t)n);
		j->done += (uint64_t)n;
	}
out:
	j->us = now_us() - t0;
	close(fd);
}

/* Out and back at once (poll), so neither side's buffers can deadlock. */
static void job_echo(struct job *j, uint8_t *buf, uint8_t *scratch)
{
	uint64_t t0 = now_us(), sent = 0, last = t0;
	int fd = tcp_connect(&j->peer), wr_shut = 0;

	if (fd < 0) {
		j->err = fd;
		snprintf(j->why, sizeof(j->why), "connect: %s", strerror(-fd));
		return;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	while (j->done < j->want) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r;

		if (sent < j->want)
			p.events |= POLLOUT;
		else if (!wr_shut) {
			shutdown(fd, SHUT_WR);
			wr_shut = 1;
		}
		r = poll(&p, 1, 1000);
		if (r < 0 && errno == EINTR)
			continue;
		if (now_us() - last > opt.io_timeout_ms * 1000) {
			j->err = -ETIMEDOUT;
			snprintf(j->why, sizeof(j->why), "no progress for %" PRIu64 " ms (sent %" PRIu64
				 ", back %" PRIu64 ")", opt.io_timeout_ms, sent, j->done);
			goto out;
		}
		if (p.revents & POLLOUT) {
			size_t n = CHUNK;
			ssize_t w;

			if (j->want - sent < n)
				n = (size_t)(j->want - sent);
			netpat_fill(scratch, j->seed, sent, n);
			w = send(fd, scratch, n, MSG_NOSIGNAL);
			if (w < 0 && errno != EAGAIN && errno != EINTR) {
				j->err = neg_errno();
				snprintf(j->why, sizeof(j->why), "send: %s", strerror(-j->err));
				goto out;
			}
			if (w > 0) {
				sent += (uint64_t)w;
				last = now_us();
			}
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = recv(fd, buf, CHUNK, 0);

			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (n <= 0) {
				j->err = n < 0 ? neg_errno() : 0;
				j->mismatch = n == 0;
				j->bad_off = j->done;
				snprintf(j->why, sizeof(j->why), "echo ended at %" PRIu64 " of %" PRIu64 "%s%s",
					 j->done, j->want, n < 0 ? ": " : " (peer closed)",
					 n < 0 ? strerror(-j->err) : "");
				goto out;
			}
			if ((uint64_t)n > sent - j->done) {
				j->mismatch = 1;
				j->bad_off = sent;
				snprintf(j->why, sizeof(j->why), "more echoed than sent (%" PRIu64 " > %" PRIu64 ")",
					 j->done + (uint64_t)n, sent);
				goto out;
			}
			if (verify(buf, scratch + CHUNK, j->seed, j->done, (size_t)n, &j->bad_off)) {
				j->mismatch = 1;
				snprintf(j->why, sizeof(j->why), "MISMATCH at offset %" PRIu64, j->bad_off);
				goto out;
			}
			j->crc = fast_crc32(j->crc, buf, (size_t)n);
			j->done += (uint64_t)n;
			last = now_us();
		}
	}
out:
	j->us = now_us() - t0;
	close(fd);
}

static void *job_thread(void *arg)
{
	struct job *j = arg;
	uint8_t *buf = malloc(CHUNK), *scratch = malloc(2 * CHUNK);

	if (!buf || !scratch) {
		j->err = -ENOMEM;
		snprintf(j->why, sizeof(j->why), "out of memory");
	} else if (j->mode == M_SEND) {
		job_send(j, buf);
	} else if (j->mode == M_RECV) {
		job_recv(j, buf, scratch);
	} else {
		job_echo(j, buf, scratch);
	}
	free(buf);
	free(scratch);
	return NULL;
}

static int cmd_tcp(int mode, const struct sockaddr_in *peer)
{
	uint64_t n = opt.conns, total = 0, us = 0, t0;
	struct job *jobs;
	pthread_t *th;
	int verdict = NETTEST_EXIT_OK, same_crc = 1;
	const struct job *first_bad = NULL;
	char pa[48];

	if (n < 1 || n > MAX_CONNS)
		usage("--conns out of range");
	jobs = calloc(n, sizeof(*jobs));
	th = calloc(n, sizeof(*th));
	if (!jobs || !th)
		abort();
	t0 = now_us();
	for (uint64_t i = 0; i < n; i++) {
		jobs[i].mode = mode;
		jobs[i].idx = (int)i;
		jobs[i].peer = *peer;
		jobs[i].want = opt.bytes;
		jobs[i].seed = mode == M_ECHO ? opt.seed + i : opt.seed;
		if (n == 1) {
			job_thread(&jobs[0]);
		} else if (pthread_create(&th[i], NULL, job_thread, &jobs[i])) {
			fprintf(stderr, "nettest: pthread_create failed\n");
			exit(NETTEST_EXIT_NET);
		}
	}
	for (uint64_t i = 0; n > 1 && i < n; i++)
		pthread_join(th[i], NULL);
	us = now_us() - t0;
	for (uint64_t i = 0; i < n; i++) {
		const struct job *j = &jobs[i];

		total += j->done;
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
			       j->done, j->crc, j->us / 1000, j->why[0] ? " -- " : "", j->why);
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
	free(th);
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
	char why[200] = "", pa[48];

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
					lost++;
					sl->busy = 0;
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
	       "-%" PRIu64 " ms=%" PRIu64 " rtt_us=%" PRIu64 "%s%s\n",
	       verdict ? "FAIL" : "ok", addr_str(peer, pa, sizeof(pa)), next, acked, lost, resent, dup,
	       bad, bytes, opt.min, opt.max, us / 1000, acked ? us / acked : 0,
	       why[0] ? " -- " : "", why);
	close(fd);
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
	return verdict;
}

/* ------------------------------------------------------------ servers */
enum { S_UDPECHO, S_TCPECHO, S_SINK, S_SOURCE };

struct service {
	int kind, fd;
	unsigned int port;
};

struct conn {
	int kind, fd;
	struct sockaddr_in peer;
};

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static void say(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&out_lock);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
}

static void *conn_thread(void *arg)
{
	struct conn *c = arg;
	uint8_t *buf = malloc(CHUNK), *scratch = malloc(CHUNK);
	uint64_t t0 = now_us(), bytes = 0, bad_off = 0;
	uint32_t crc = 0;
	int mismatch = 0;
	char pa[48], why[80] = "";

	addr_str(&c->peer, pa, sizeof(pa));
	if (!buf || !scratch)
		goto out;
	for (;;) {
		ssize_t n;

		if (c->kind == S_SOURCE) {
			netpat_fill(buf, opt.seed_set ? opt.seed : NETPAT_CHARGEN_SEED, bytes, CHUNK);
			if (write_all(c->fd, buf, CHUNK))
				break;
			bytes += CHUNK;
			continue;
		}
		n = recv(c->fd, buf, CHUNK, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0)
				snprintf(why, sizeof(why), " -- %s", strerror(errno));
			break;
		}
		if (c->kind == S_TCPECHO) {
			if (write_all(c->fd, buf, (size_t)n))
				break;
		} else {
			if (!opt.no_sum)
				crc = fast_crc32(crc, buf, (size_t)n);
			/* With a seed given, the sink also checks the pattern. */
			if (opt.seed_set && !mismatch &&
			    verify(buf, scratch, opt.seed, bytes, (size_t)n, &bad_off))
				mismatch = 1;
		}
		bytes += (uint64_t)n;
	}
	if (c->kind == S_SINK) {
		if (mismatch)
			snprintf(why, sizeof(why), " MISMATCH at offset %" PRIu64, bad_off);
		say("nettest: sink peer=%s bytes=%" PRIu64 " crc32=0x%08x ms=%" PRIu64 "%s\n", pa, bytes,
		    crc, (now_us() - t0) / 1000, why);
	} else if (opt.verbose) {
		say("nettest: %s peer=%s bytes=%" PRIu64 " ms=%" PRIu64 "%s\n",
		    c->kind == S_SOURCE ? "source" : "tcpecho", pa, bytes, (now_us() - t0) / 1000, why);
	}
out:
	close(c->fd);
	free(buf);
	free(scratch);
	free(c);
	return NULL;
}

static void *accept_thread(void *arg)
{
	struct service *sv = arg;

	for (;;) {
		struct conn *c = calloc(1, sizeof(*c));
		socklen_t sl = sizeof(c->peer);
		pthread_t t;

		if (!c)
			abort();
		c->kind = sv->kind;
		c->fd = accept4(sv->fd, (struct sockaddr *)&c->peer, &sl, SOCK_CLOEXEC);
		if (c->fd < 0) {
			free(c);
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE) {
				usleep(10000);
				continue;
			}
			say("nettest: serve: accept on port %u: %s\n", sv->port, strerror(errno));
			return NULL;
		}
		/* A dead peer must not hold a thread forever. */
		set_timeouts(c->fd, opt.io_timeout_ms);
		if (pthread_create(&t, NULL, conn_thread, c)) {
			close(c->fd);
			free(c);
			continue;
		}
		pthread_detach(t);
	}
}

static void *udp_thread(void *arg)
{
	struct service *sv = arg;
	uint8_t *buf = malloc(UDP_MAX + 1);

	if (!buf)
		abort();
	for (;;) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(sv->fd, buf, UDP_MAX + 1, 0, (struct sockaddr *)&from, &fl);

		if (n < 0)
			continue;
		sendto(sv->fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
	}
	return NULL;
}

static int cmd_serve(int argc, char **argv)
{
	struct service *sv = calloc((size_t)argc + 1, sizeof(*sv));
	struct in_addr bind_ip;

	if (!sv)
		abort();
	if (argc < 1)
		usage("serve needs at least one SERVICE:PORT");
	if (inet_pton(AF_INET, opt.bind, &bind_ip) != 1)
		usage("--bind must be an IPv4 address");
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
				  SOCK_CLOEXEC, 0);
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
		return NETTEST_EXIT_NET;
	}
	for (int i = 0; i < argc; i++) {
		pthread_t t;

		if (pthread_create(&t, NULL, sv[i].kind == S_UDPECHO ? udp_thread : accept_thread, &sv[i])) {
			printf("nettest: serve FAIL -- pthread_create\n");
			return NETTEST_EXIT_NET;
		}
		pthread_detach(t);
	}
	say("nettest: serve ready");
	for (int i = 0; i < argc; i++)
		say(" %s:%u", argv[i], sv[i].port);
	say("\n");
	if (opt.serve_for > 0) {
		usleep((useconds_t)(opt.serve_for * 1e6));
		say("nettest: serve ok -- stopped after %.0f s\n", opt.serve_for);
		return NETTEST_EXIT_OK;
	}
	for (;;)
		pause();
}

/* ------------------------------------------------------------ main */
int main(int argc, char **argv)
{
	int i;

	signal(SIGPIPE, SIG_IGN);
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
