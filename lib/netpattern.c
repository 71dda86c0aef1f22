/* The network test pattern; see include/kernel/netpattern.h for its
 * definition. Byte j of word i is bits 8j..8j+7 of the word, which is the
 * word's little-endian layout: on a little-endian machine whole words are
 * stored and compared at once (the chargen source and the checks spend
 * their time here), and the bytes at either end, or every byte on a
 * big-endian machine, go one by one. No lib/string dependence (a
 * constant-size __builtin_memcpy is one unaligned load or store), so the
 * host tool links this file with lib/crc32.c alone. */
#include <kernel/netpattern.h>
#include <kernel/crc32.h>
#include <kernel/errno.h>

#define NETPAT_GOLDEN 0x9e3779b97f4a7c15ULL
#define NETPAT_LE (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__)
#define NETPAT_SALT 0x6e65747061747431ULL

/* splitmix64's output function. */
static u64 netpat_mix(u64 z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u64 netpat_key(u64 seed)
{
	return netpat_mix(seed ^ NETPAT_SALT);
}

/* Word i of the stream of the seed whose key is k. */
static u64 netpat_word(u64 k, u64 i)
{
	return netpat_mix(k + (i + 1) * NETPAT_GOLDEN);
}

void netpat_fill(void *buf, u64 seed, u64 off, size_t len)
{
	u8 *p = buf;
	u64 k = netpat_key(seed);
	u64 i = off / 8;
	unsigned int b = (unsigned int)(off % 8);

	while (len) {
		u64 w;

		if (NETPAT_LE && !b && len >= 8) {
			w = netpat_word(k, i++);
			__builtin_memcpy(p, &w, 8);
			p += 8;
			len -= 8;
			continue;
		}
		w = netpat_word(k, i++) >> (8 * b);
		for (; b < 8 && len; b++, len--) {
			*p++ = (u8)w;
			w >>= 8;
		}
		b = 0;
	}
}

int netpat_check(const void *buf, u64 seed, u64 off, size_t len, u64 *bad)
{
	const u8 *p = buf;
	u64 k = netpat_key(seed);
	u64 i = off / 8, pos = off;
	unsigned int b = (unsigned int)(off % 8);

	while (len) {
		u64 w;

		if (NETPAT_LE && !b && len >= 8) {
			u64 got;

			w = netpat_word(k, i);
			__builtin_memcpy(&got, p, 8);
			if (got == w) {
				i++;
				p += 8;
				pos += 8;
				len -= 8;
				continue;
			}
			/* A difference: the byte loop below finds which byte. */
		}
		w = netpat_word(k, i++) >> (8 * b);
		for (; b < 8 && len; b++, len--, pos++) {
			if (*p++ != (u8)w) {
				if (bad)
					*bad = pos;
				return -EIO;
			}
			w >>= 8;
		}
		b = 0;
	}
	return 0;
}

u32 netpat_crc32(u32 crc, u64 seed, u64 off, u64 len)
{
	u8 chunk[256];

	while (len) {
		size_t n = len < sizeof(chunk) ? (size_t)len : sizeof(chunk);

		netpat_fill(chunk, seed, off, n);
		crc = crc32(crc, chunk, n);
		off += n;
		len -= n;
	}
	return crc;
}
