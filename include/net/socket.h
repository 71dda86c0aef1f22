/* The kernel's socket API: what services, the monitor and self-tests use.
 *
 * Blocking calls take a timeout in nanoseconds: SOCK_NOWAIT returns
 * -EAGAIN instead of waiting, SOCK_FOREVER waits until the operation can
 * complete or fails. A wait blocks only the calling thread; every call is
 * for thread context. Returns: 0 or a byte count, or -errno (-ETIMEDOUT,
 * -ECONNREFUSED, -ECONNRESET, -EPIPE after the peer or we shut down,
 * -ENOTCONN, -EADDRINUSE, -EINVAL, -ENOMEM).
 *
 * One thread at a time per socket per direction: one sender and one
 * receiver may run concurrently; close may be called from any thread and
 * wakes both with an error. */
#ifndef NET_SOCKET_H
#define NET_SOCKET_H

#include <kernel/types.h>

#define SOCK_STREAM 1   /* TCP */
#define SOCK_DGRAM  2   /* UDP */

#define SOCK_NOWAIT  0ULL
#define SOCK_FOREVER (~0ULL)

/* sock_setopt options */
#define SO_NODELAY     1  /* TCP: disable Nagle (val 0/1) */
#define SO_KEEPALIVE   2  /* TCP: keepalive probes (val 0/1) */
#define SO_RCVBUF      3  /* bytes */
#define SO_SNDBUF      4  /* bytes */
#define SO_BROADCAST   5  /* UDP: may send to broadcast addresses */
#define SO_LINGER_ZERO 6  /* TCP: close sends RST and drops data (val 0/1) */

struct socket;

struct sock_ops {
	int (*bind)(struct socket *s, u32 addr, u16 port);
	int (*listen)(struct socket *s, int backlog);
	int (*accept)(struct socket *s, struct socket **out, u64 timeout_ns);
	int (*connect)(struct socket *s, u32 addr, u16 port, u64 timeout_ns);
	/* Stream: returns when all len bytes are queued, or with the count
	 * queued so far when the timeout ends (-EAGAIN/-ETIMEDOUT if none). */
	long (*sendto)(struct socket *s, const void *buf, size_t len, u32 addr, u16 port,
		       u64 timeout_ns);
	/* Stream: returns what is available (at least 1 byte), 0 at EOF. */
	long (*recvfrom)(struct socket *s, void *buf, size_t len, u32 *addr, u16 *port,
			 u64 timeout_ns);
	int (*shutdown_wr)(struct socket *s);
	int (*setopt)(struct socket *s, int opt, int val);
	int (*getname)(struct socket *s, bool peer, u32 *addr, u16 *port);
	/* Release: the protocol finishes (FIN, TIME_WAIT) on its own and frees
	 * its state later; s itself is freed by the caller. */
	void (*close)(struct socket *s);
};

struct socket {
	int type;
	const struct sock_ops *ops;
	void *proto;    /* the protocol's connection or endpoint */
};

/* TCP's and UDP's tables (net/tcp*.c, net/udp.c). */
extern const struct sock_ops tcp_sock_ops;
extern const struct sock_ops udp_sock_ops;
/* Protocol constructors the generic layer calls (proto set on success). */
int tcp_sock_create(struct socket *s);
int udp_sock_create(struct socket *s);

int sock_create(int type, struct socket **out);
int sock_bind(struct socket *s, u32 addr, u16 port);
int sock_listen(struct socket *s, int backlog);
int sock_accept(struct socket *s, struct socket **out, u64 timeout_ns);
int sock_connect(struct socket *s, u32 addr, u16 port, u64 timeout_ns);
long sock_send(struct socket *s, const void *buf, size_t len, u64 timeout_ns);
long sock_recv(struct socket *s, void *buf, size_t len, u64 timeout_ns);
long sock_sendto(struct socket *s, const void *buf, size_t len, u32 addr, u16 port,
		 u64 timeout_ns);
long sock_recvfrom(struct socket *s, void *buf, size_t len, u32 *addr, u16 *port,
		   u64 timeout_ns);
int sock_shutdown_wr(struct socket *s);
int sock_setopt(struct socket *s, int opt, int val);
int sock_getname(struct socket *s, bool peer, u32 *addr, u16 *port);
/* Close and free s. */
void sock_close(struct socket *s);

#endif
