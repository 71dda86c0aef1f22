/* Monitor commands: `net` (interfaces, addresses, counters, ARP cache,
 * reassembly, TCP connections) and `ping HOST [N]`. */
#include <net/inet.h>
#include <net/net_parse.h>
#include <kernel/monitor.h>
#include <kernel/printk.h>
#include <kernel/sched.h>
#include <kernel/string.h>
#include <kernel/errno.h>
#include <kernel/time.h>
#include <kernel/mm.h>
#include <kernel/crc32.h>
#include <kernel/netpattern.h>
#include <net/socket.h>
#include "net.h"

#define PING_MAX_COUNT 1000U
#define PING_TIMEOUT_NS (1000ULL * NSEC_PER_MSEC)
#define PING_INTERVAL_NS (200ULL * NSEC_PER_MSEC)
#define NETTCP_BUF 16384
#define NETTCP_CONNECT_NS (10ULL * NSEC_PER_SEC)
/* No progress for this long ends a transfer (the peer or the path died). */
#define NETTCP_IO_NS (30ULL * NSEC_PER_SEC)

static void net_show_counters(void)
{
	struct ip_frag_stats fs;
	struct icmp_stats is;
	struct udp_stats us;

	ip_frag_get_stats(&fs);
	icmp_get_stats(&is);
	udp_get_stats(&us);
	kprintf("ip: in %llu delivered %llu hdr-errors %llu addr-errors %llu unknown-proto %llu\n",
		(unsigned long long)ip_stats.in_receives, (unsigned long long)ip_stats.in_delivers,
		(unsigned long long)ip_stats.in_hdr_errors,
		(unsigned long long)ip_stats.in_addr_errors,
		(unsigned long long)ip_stats.in_unknown_proto);
	kprintf("ip: out %llu no-route %llu frags-created %llu frag-fails %llu\n",
		(unsigned long long)ip_stats.out_requests, (unsigned long long)ip_stats.out_no_routes,
		(unsigned long long)ip_stats.out_frags_created,
		(unsigned long long)ip_stats.out_frag_fails);
	kprintf("reassembly: %u queues %u bytes (max %u, %u), done %llu, timeouts %llu, "
		"overlaps %llu, limit drops %llu\n",
		fs.queues, fs.bytes, IP_FRAG_MAX_QUEUES, IP_FRAG_MAX_BYTES,
		(unsigned long long)fs.reassembled, (unsigned long long)fs.timeouts,
		(unsigned long long)fs.overlaps, (unsigned long long)fs.limit_drops);
	kprintf("icmp: echo in %llu replies out %llu, errors in %llu out %llu, rate-limited "
		"%llu, bad %llu\n",
		(unsigned long long)is.in_echo, (unsigned long long)is.out_echo_reply,
		(unsigned long long)is.in_errors, (unsigned long long)is.out_errors,
		(unsigned long long)is.rate_limited, (unsigned long long)is.bad);
	kprintf("udp: in %llu out %llu no-port %llu csum-errors %llu queue-drops %llu bad %llu\n",
		(unsigned long long)us.in, (unsigned long long)us.out,
		(unsigned long long)us.no_port, (unsigned long long)us.csum_errors,
		(unsigned long long)us.queue_drops, (unsigned long long)us.bad);
}

/* net set [DEV:](A.B.C.D[/N][,gw=G] | dhcp | off): the ip= syntax, at run
 * time (without DEV: eth0). */
static int net_set(const char *spec)
{
	struct inet_cfg c;
	struct netdev *dev;

	if (inet_parse_ipcfg(spec, &c))
		return -EINVAL;
	dev = netdev_by_name(c.dev[0] ? c.dev : "eth0");
	if (!dev || (dev->features & NETIF_F_LOOPBACK))
		return -ENODEV;
	if (c.dhcp)
		return dhcp_start(dev);
	dhcp_stop(dev);
	if (c.off)
		return net_iface_set(dev, 0, 0, 0, NET_CFG_NONE);
	return net_iface_set(dev, c.addr, c.prefix, c.gw, NET_CFG_STATIC);
}

static int cmd_net(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "set"))
		return net_set(argv[2]);
	if (argc != 1)
		return -EINVAL;
	net_iface_show_all();
	net_show_counters();
	arp_show();
	tcp_show_connections();
	return 0;
}
MONITOR_COMMAND(net, "net", "[set [DEV:]ADDR/N[,gw=GW]|dhcp|off]",
		"interfaces, addresses, counters, ARP, TCP; or configure", cmd_net);

static int cmd_ping(int argc, char **argv)
{
	unsigned int count = 4, ok = 0;
	u64 min = ~0ULL, max = 0, sum = 0;
	u32 dst;
	char a[16];

	if (argc < 2 || argc > 3)
		return -EINVAL;
	if (inet_parse_addr(argv[1], &dst))
		return -EINVAL;
	if (argc == 3 && (kstrtouint(argv[2], 10, &count) || !count || count > PING_MAX_COUNT))
		return -EINVAL;
	kprintf("PING %s: 56 data bytes\n", inet_format_addr(dst, a));
	for (unsigned int i = 0; i < count; i++) {
		u64 rtt = 0, start = clock_ns();
		int rc = icmp_ping(dst, (u16)i, 56, PING_TIMEOUT_NS, &rtt);

		if (!rc) {
			ok++;
			sum += rtt;
			min = rtt < min ? rtt : min;
			max = rtt > max ? rtt : max;
			kprintf("reply from %s: seq=%u time=%llu.%03llu ms\n", a, i,
				(unsigned long long)(rtt / 1000000),
				(unsigned long long)(rtt / 1000 % 1000));
		} else {
			kprintf("seq=%u: %s\n", i,
				rc == -ETIMEDOUT ? "timeout" :
				rc == -EHOSTUNREACH ? "unreachable" :
				rc == -ENETUNREACH ? "no route" : "error");
		}
		if (i + 1 < count) {
			u64 el = clock_ns() - start;

			if (el < PING_INTERVAL_NS)
				sleep_ns(PING_INTERVAL_NS - el);
		}
	}
	/* The summary in the usual ping shape ("N packets transmitted, M
	 * packets received"): the lab scenario (tests/xl/scenarios/net.sh)
	 * reads it the same way from Xenolith and from a Linux guest. */
	kprintf("--- %s ping statistics: %u packets transmitted, %u packets received, "
		"%u%% packet loss", a, count, ok, (count - ok) * 100 / count);
	if (ok)
		kprintf(", rtt min/avg/max %llu/%llu/%llu us", (unsigned long long)(min / 1000),
			(unsigned long long)(sum / ok / 1000), (unsigned long long)(max / 1000));
	kprintf("\n");
	return 0;
}
MONITOR_COMMAND(ping, "ping", "HOST [N]", "ICMP echo to HOST, N times (default 4)", cmd_ping);

/* nettcp send HOST PORT BYTES [SEED]: connect to HOST:PORT, send BYTES of
 * the netpattern stream of SEED (default 0) from offset 0, close our side
 * and wait for the peer's close (so everything was taken), then print
 * "nettcp: send ok bytes=N crc32=0xX ms=T" (CRC-32 of what was sent) or
 * "nettcp: send FAIL rc=E bytes=N" with the bytes accepted by the stack.
 * nettcp recv HOST PORT BYTES [SEED]: connect, read BYTES (or until the
 * peer closes when BYTES is 0), check them against the stream of SEED
 * (default NETPAT_CHARGEN_SEED: a chargen peer) and print
 * "nettcp: recv ok bytes=N crc32=0xX ms=T" or "nettcp: recv FAIL ...".
 * The lab's guest -> dom0 transfers (docs/xen-lab.md). */
static int nettcp_run(bool send, u32 dst, u16 port, u64 bytes, u64 seed)
{
	u8 *buf = kmalloc(NETTCP_BUF);
	struct socket *s = NULL;
	u64 done = 0, start = clock_ns(), bad = 0;
	const char *what = send ? "send" : "recv";
	u32 crc = 0;
	int rc;

	if (!buf)
		return -ENOMEM;
	rc = sock_create(SOCK_STREAM, &s);
	if (rc)
		goto out;
	rc = sock_connect(s, dst, port, NETTCP_CONNECT_NS);
	if (rc)
		goto out;
	if (send) {
		while (done < bytes) {
			size_t chunk = bytes - done < NETTCP_BUF ? (size_t)(bytes - done) : NETTCP_BUF;
			size_t at = 0;

			netpat_fill(buf, seed, done, chunk);
			crc = crc32(crc, buf, chunk);
			while (at < chunk) {
				long n = sock_send(s, buf + at, chunk - at, NETTCP_IO_NS);

				if (n <= 0) {
					rc = n ? (int)n : -EIO;
					goto out;
				}
				at += (size_t)n;
				done += (u64)n;
			}
		}
		rc = sock_shutdown_wr(s);
		/* Wait for the peer's close: a sink closes after reading all. */
		while (!rc) {
			long n = sock_recv(s, buf, NETTCP_BUF, NETTCP_IO_NS);

			if (n == 0)
				break;
			if (n < 0)
				rc = (int)n;
		}
	} else {
		while (!bytes || done < bytes) {
			size_t want = NETTCP_BUF;
			long n;

			if (bytes && bytes - done < want)
				want = (size_t)(bytes - done);
			n = sock_recv(s, buf, want, NETTCP_IO_NS);
			if (n == 0 && !bytes)
				break;
			if (n <= 0) {
				rc = n ? (int)n : -ECONNRESET;
				goto out;
			}
			if (netpat_check(buf, seed, done, (size_t)n, &bad)) {
				rc = -EIO;
				goto out;
			}
			crc = crc32(crc, buf, (size_t)n);
			done += (u64)n;
		}
	}
out:
	if (s)
		sock_close(s);
	kfree(buf);
	if (rc == -EIO && !send)
		kprintf("nettcp: recv FAIL mismatch at offset %llu\n", (unsigned long long)bad);
	else if (rc)
		kprintf("nettcp: %s FAIL rc=%d bytes=%llu\n", what, rc, (unsigned long long)done);
	else
		kprintf("nettcp: %s ok bytes=%llu crc32=0x%08x ms=%llu\n", what,
			(unsigned long long)done, crc,
			(unsigned long long)((clock_ns() - start) / NSEC_PER_MSEC));
	return rc;
}

static int cmd_nettcp(int argc, char **argv)
{
	u32 dst;
	unsigned int port;
	u64 bytes, seed;
	bool send;

	if (argc < 5 || argc > 6)
		return -EINVAL;
	if (!strcmp(argv[1], "send"))
		send = true;
	else if (!strcmp(argv[1], "recv"))
		send = false;
	else
		return -EINVAL;
	if (inet_parse_addr(argv[2], &dst) || kstrtouint(argv[3], 10, &port) || !port ||
	    port > 65535 || kstrtou64(argv[4], 10, &bytes))
		return -EINVAL;
	seed = send ? 0 : NETPAT_CHARGEN_SEED;
	if (argc == 6 && kstrtou64(argv[5], 0, &seed))
		return -EINVAL;
	if (send && !bytes)
		return -EINVAL;
	/* The verdict line is printed either way; the status tells a
	 * caller of monitor_exec_line (the KTAP suite) too. */
	return nettcp_run(send, dst, (u16)port, bytes, seed);
}
MONITOR_COMMAND(nettcp, "nettcp", "send|recv HOST PORT BYTES [SEED]",
		"TCP client with the lab's test pattern: send to a sink, or read and check",
		cmd_nettcp);
