/* CRC-32 (IEEE 802.3, reflected), see include/kernel/crc32.h. A table of
 * 16 entries, one per value of a 4-bit nibble: two lookups per byte, small
 * enough to keep in .rodata without generating it at run time. */
#include <kernel/crc32.h>

/* crc32_nibble[n]: n shifted through 4 steps of the reflected polynomial. */
static const u32 crc32_nibble[16] = {
	0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac,
	0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c,
	0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
	0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
};

u32 crc32(u32 crc, const void *p, size_t len)
{
	const u8 *b = p;

	crc = ~crc;
	for (size_t i = 0; i < len; i++) {
		crc ^= b[i];
		crc = (crc >> 4) ^ crc32_nibble[crc & 0xf];
		crc = (crc >> 4) ^ crc32_nibble[crc & 0xf];
	}
	return ~crc;
}
