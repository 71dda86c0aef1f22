/* Stack start-up (include/net/inet.h) and the stack's timer thread
 * "nettimer": every NET_TICK_NS, or at once when kicked, it applies pending
 * interface configuration, ages the ARP cache, expires reassembly queues
 * and runs the DHCP clients. Timer interrupts could not do this work: it
 * sends packets and takes the configuration mutex. */
#include <net/inet.h>
#include <kernel/printk.h>
#include <kernel/errno.h>
#include <kernel/sched.h>
#include <kernel/time.h>
#include "net.h"

#define NET_TICK_NS (100ULL * NSEC_PER_MSEC)

static DEFINE_WAITQUEUE(net_timer_wq);
static bool net_timer_kicked;
static struct thread *net_timer_thread;


void net_timer_kick(void)
{
	__atomic_store_n(&net_timer_kicked, true, __ATOMIC_SEQ_CST);
	wake_up(&net_timer_wq);
}

static int net_timer_main(void *arg)
{
	(void)arg;
	for (;;) {
		u64 now;

		wait_event_timeout(net_timer_wq,
				   __atomic_load_n(&net_timer_kicked, __ATOMIC_SEQ_CST), NET_TICK_NS);
		__atomic_store_n(&net_timer_kicked, false, __ATOMIC_SEQ_CST);
		net_iface_apply_pending();
		now = clock_ns();
		arp_age(now);
		ip_frag_expire(now);
		dhcp_tick(now);
	}
	return 0;
}

int net_init(void)
{
	int rc;

	net_iface_init();
	rc = netdev_start_rx_thread();

	if (rc) {
		pr_err("net: cannot start the receive thread: %d\n", rc);
		return rc;
	}
	net_timer_thread = thread_create("nettimer", net_timer_main, NULL, CPU_ANY);
	if (!net_timer_thread) {
		pr_err("net: cannot start the timer thread\n");
		return -ENOMEM;
	}
	thread_detach(net_timer_thread);
	rc = loopback_init();
	if (rc)
		return rc;
	net_services_start();
	return 0;
}
