/* The Internet checksum (RFC 1071): one's-complement sum of 16-bit
 * big-endian words. Pure code, unit-tested on the host. */
#include <net/checksum.h>

u32 csum_partial(const void *buf, size_t len, u32 sum)
{
	const u8 *b = buf;
	u64 acc = sum;

	/* Sum 32 bits at a time in a 64-bit accumulator: carries collect in
	 * the high half and fold back at the end. */
	while (len >= 4) {
		acc += ((u32)b[0] << 8 | b[1]) + ((u32)b[2] << 8 | b[3]);
		b += 4;
		len -= 4;
	}
	if (len >= 2) {
		acc += (u32)b[0] << 8 | b[1];
		b += 2;
		len -= 2;
	}
	if (len)
		acc += (u32)b[0] << 8;
	while (acc >> 32)
		acc = (acc & 0xffffffffU) + (acc >> 32);
	return (u32)acc;
}

u16 csum_fold(u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (u16)~sum;
}

u32 csum_tcpudp_pseudo(u32 saddr, u32 daddr, u8 proto, u16 len)
{
	u64 acc = (saddr >> 16) + (saddr & 0xffff) + (daddr >> 16) + (daddr & 0xffff) +
		  proto + len;

	while (acc >> 32)
		acc = (acc & 0xffffffffU) + (acc >> 32);
	return (u32)acc;
}
