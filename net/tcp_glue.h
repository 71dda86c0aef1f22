/* Between the kernel's TCP glue (net/tcp.c) and its self-tests
 * (net/tcp_ktest.c). */
#ifndef NET_TCP_GLUE_H
#define NET_TCP_GLUE_H

#include <kernel/types.h>

struct tcp_glue_stats {
	u32 conns, time_wait;
	u64 live;               /* connections allocated and not yet freed */
	u64 bad_csum, retrans, rto_fired, probes, fast_retrans, dupacks, zero_win_sent, tx_nomem,
		spurious_rto, delack_fired, win_updates;
};

void tcp_glue_stats(struct tcp_glue_stats *out);

#endif
