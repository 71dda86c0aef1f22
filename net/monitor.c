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
#include "net.h"

#define PING_MAX_COUNT 1000U
#define PING_TIMEOUT_NS (1000ULL * NSEC_PER_MSEC)
#define PING_INTERVAL_NS (200ULL * NSEC_PER_MSEC)

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

static int cmd_net(int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return -EINVAL;
	net_iface_show_all();
	net_show_counters();
	arp_show();
	tcp_show_connections();
	return 0;
}
MONITOR_COMMAND(net, "net", "", "interfaces, addresses, counters, ARP, TCP", cmd_net);

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
	kprintf("--- %s: %u sent, %u received, %u%% loss", a, count, ok,
		(count - ok) * 100 / count);
	if (ok)
		kprintf(", rtt min/avg/max %llu/%llu/%llu us", (unsigned long long)(min / 1000),
			(unsigned long long)(sum / ok / 1000), (unsigned long long)(max / 1000));
	kprintf("\n");
	return 0;
}
MONITOR_COMMAND(ping, "ping", "HOST [N]", "ICMP echo to HOST, N times (default 4)", cmd_ping);
