/* The generic socket layer (include/net/socket.h): a socket is a type and
 * the protocol's ops table; every call checks that the protocol has the
 * operation and dispatches. Arguments from callers are checked here once
 * (NULL buffers, lengths) so protocols see sane values. */
#include <net/socket.h>
#include <kernel/mm.h>
#include <kernel/errno.h>
#include "net.h"

int sock_create(int type, struct socket **out)
{
	struct socket *s;
	int rc;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (type != SOCK_STREAM && type != SOCK_DGRAM)
		return -EINVAL;
	s = kzalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->type = type;
	if (type == SOCK_STREAM) {
		s->ops = &tcp_sock_ops;
		rc = tcp_sock_create(s);
	} else {
		s->ops = &udp_sock_ops;
		rc = udp_sock_create(s);
	}
	if (rc) {
		kfree(s);
		return rc;
	}
	*out = s;
	return 0;
}

int sock_bind(struct socket *s, u32 addr, u16 port)
{
	if (!s || !s->ops->bind)
		return -EOPNOTSUPP;
	return s->ops->bind(s, addr, port);
}

int sock_listen(struct socket *s, int backlog)
{
	if (!s || !s->ops->listen)
		return -EOPNOTSUPP;
	if (backlog < 1)
		backlog = 1;
	return s->ops->listen(s, backlog);
}

int sock_accept(struct socket *s, struct socket **out, u64 timeout_ns)
{
	if (!s || !out || !s->ops->accept)
		return -EOPNOTSUPP;
	*out = NULL;
	return s->ops->accept(s, out, timeout_ns);
}

int sock_connect(struct socket *s, u32 addr, u16 port, u64 timeout_ns)
{
	if (!s || !s->ops->connect)
		return -EOPNOTSUPP;
	if (!addr || !port)
		return -EINVAL;
	return s->ops->connect(s, addr, port, timeout_ns);
}

long sock_sendto(struct socket *s, const void *buf, size_t len, u32 addr, u16 port,
		 u64 timeout_ns)
{
	if (!s || !s->ops->sendto)
		return -EOPNOTSUPP;
	if (!buf && len)
		return -EINVAL;
	return s->ops->sendto(s, buf, len, addr, port, timeout_ns);
}

long sock_send(struct socket *s, const void *buf, size_t len, u64 timeout_ns)
{
	return sock_sendto(s, buf, len, 0, 0, timeout_ns);
}

long sock_recvfrom(struct socket *s, void *buf, size_t len, u32 *addr, u16 *port,
		   u64 timeout_ns)
{
	if (!s || !s->ops->recvfrom)
		return -EOPNOTSUPP;
	if (!buf || !len)
		return -EINVAL;
	return s->ops->recvfrom(s, buf, len, addr, port, timeout_ns);
}

long sock_recv(struct socket *s, void *buf, size_t len, u64 timeout_ns)
{
	return sock_recvfrom(s, buf, len, NULL, NULL, timeout_ns);
}

int sock_shutdown_wr(struct socket *s)
{
	if (!s || !s->ops->shutdown_wr)
		return -EOPNOTSUPP;
	return s->ops->shutdown_wr(s);
}

int sock_setopt(struct socket *s, int opt, int val)
{
	if (!s || !s->ops->setopt)
		return -EOPNOTSUPP;
	return s->ops->setopt(s, opt, val);
}

int sock_getname(struct socket *s, bool peer, u32 *addr, u16 *port)
{
	if (!s || !addr || !port || !s->ops->getname)
		return -EOPNOTSUPP;
	return s->ops->getname(s, peer, addr, port);
}

void sock_close(struct socket *s)
{
	if (!s)
		return;
	if (s->ops->close)
		s->ops->close(s);
	kfree(s);
}
