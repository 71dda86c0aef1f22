/* The Internet checksum (RFC 1071), pure code in lib/inet_csum.c.
 *
 * Partial sums are 32-bit accumulators of 16-bit big-endian words; fold
 * them to 16 bits and complement with csum_fold(). An odd-length block
 * only ends a sum: csum_partial() of a later block assumes the earlier
 * blocks had even length. Results are in host order: the value to store
 * with put_be16() into the header field. */
#ifndef NET_CHECKSUM_H
#define NET_CHECKSUM_H

#include <kernel/types.h>

/* Add len bytes at buf (big-endian 16-bit words) to sum. */
u32 csum_partial(const void *buf, size_t len, u32 sum);
/* Fold a partial sum to 16 bits and complement it. */
u16 csum_fold(u32 sum);
/* Sum of the IPv4 pseudo header: src, dst (host order), protocol and the
 * L4 length (header + payload), for TCP and UDP. */
u32 csum_tcpudp_pseudo(u32 saddr, u32 daddr, u8 proto, u16 len);
/* Checksum of the whole block (IPv4 header, ICMP message). A received
 * block, its checksum field included, verifies when this returns 0. */
static inline u16 ip_compute_csum(const void *buf, size_t len)
{
	return csum_fold(csum_partial(buf, len, 0));
}

#endif
