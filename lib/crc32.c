/* CRC-32 (IEEE 802.3, reflected), see include/kernel/crc32.h.
 *
 * Bulk data (the network discard sink, disk pattern checks) goes eight
 * bytes at a time through eight 256-entry tables ("slicing by 8": one
 * table lookup per byte, all eight independent), which the first call
 * builds from the polynomial. Until they are built, and for the last
 * bytes of a buffer, the 16-entry nibble table below does the work (two
 * lookups per byte): it is small enough to keep in .rodata, so there is
 * never a call that must wait for the big tables. */
#include <kernel/crc32.h>

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "the 8-byte step reads words little-endian");

/* crc32_nibble[n]: n shifted through 4 steps of the reflected polynomial. */
static const u32 crc32_nibble[16] = {
	0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac,
	0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c,
	0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
	0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
};

/* slice[0][n]: byte n shifted through 8 steps; slice[k][n]: the same
 * followed by k zero bytes, so that byte i of an 8-byte word (k = 7 - i
 * bytes still to come) folds in with one lookup. */
static u32 slice[8][256];

/* 0: not built, 1: one caller is building them, 2: ready. Whoever wins
 * the 0 -> 1 exchange builds; the others use the nibble path meanwhile,
 * so no caller (an interrupt handler included) ever waits. */
static int slice_state;

static u32 nibble_step(u32 crc, u8 byte)
{
	crc ^= byte;
	crc = (crc >> 4) ^ crc32_nibble[crc & 0xf];
	return (crc >> 4) ^ crc32_nibble[crc & 0xf];
}

static bool slices_ready(void)
{
	int expect = 0;

	if (__atomic_load_n(&slice_state, __ATOMIC_ACQUIRE) == 2)
		return true;
	if (!__atomic_compare_exchange_n(&slice_state, &expect, 1, false, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		return false;
	for (unsigned int n = 0; n < 256; n++)
		slice[0][n] = nibble_step(0, (u8)n);
	for (unsigned int k = 1; k < 8; k++)
		for (unsigned int n = 0; n < 256; n++)
			slice[k][n] = (slice[k - 1][n] >> 8) ^ slice[0][slice[k - 1][n] & 0xff];
	/* Tables complete before anyone may read them. */
	__atomic_store_n(&slice_state, 2, __ATOMIC_RELEASE);
	return true;
}

u32 crc32(u32 crc, const void *p, size_t len)
{
	const u8 *b = p;

	crc = ~crc;
	if (len >= 64 && slices_ready()) {
		for (; len >= 8; b += 8, len -= 8) {
			u64 w;
			u32 lo, hi;

			/* A constant-size copy: one unaligned load. */
			__builtin_memcpy(&w, b, sizeof(w));
			lo = (u32)w ^ crc;
			hi = (u32)(w >> 32);

			crc = slice[7][lo & 0xff] ^ slice[6][(lo >> 8) & 0xff] ^
			      slice[5][(lo >> 16) & 0xff] ^ slice[4][lo >> 24] ^
			      slice[3][hi & 0xff] ^ slice[2][(hi >> 8) & 0xff] ^
			      slice[1][(hi >> 16) & 0xff] ^ slice[0][hi >> 24];
		}
	}
	for (; len; b++, len--)
		crc = nibble_step(crc, *b);
	return ~crc;
}
