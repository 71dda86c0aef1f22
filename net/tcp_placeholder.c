/* PLACEHOLDER, only on the netstack branch: lets the stack link before the
 * TCP helper's net/tcp*.c lands. The integrator drops this file and its
 * line in net/Makefile. TCP segments are dropped; stream sockets cannot be
 * created. */
#include <net/inet.h>
#include <net/socket.h>
#include <kernel/errno.h>
#include "net.h"

void tcp_input(struct pkbuf *p, const struct ip_rxinfo *ri)
{
	(void)ri;
	pkb_free(p);
}

void tcp_icmp_error(u8 type, u8 code, u16 mtu, const u8 *quoted, u32 quoted_len)
{
	(void)type;
	(void)code;
	(void)mtu;
	(void)quoted;
	(void)quoted_len;
}

int tcp_sock_create(struct socket *s)
{
	(void)s;
	return -EPROTONOSUPPORT;
}

const struct sock_ops tcp_sock_ops = { 0 };

void tcp_show_connections(void)
{
}
