/* Disk test patterns; see include/kernel/blkpattern.h for the layout.
 * Bytes are written and compared one by one (no lib/string dependence, no
 * alignment or endianness assumptions), so the host tool links this file
 * alone. */
#include <kernel/blkpattern.h>
#include <kernel/errno.h>

#define BLKPAT_SECTOR 512u
#define BLKPAT_HDR 24u
#define BLKPAT_GOLDEN 0x9e3779b97f4a7c15ULL

/* splitmix64's output function. */
static u64 blkpat_mix(u64 z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void blkpat_put64(u8 *p, u64 v)
{
	for (unsigned int i = 0; i < 8; i++)
		p[i] = (u8)(v >> (8 * i));
}

/* The expected contents of one sector. */
static void blkpat_sector(u8 *p, u64 seed, u64 sector)
{
	static const char magic[8] = BLKPAT_MAGIC;
	/* The stream's start depends on both inputs through the mixer, so
	 * neighbouring sectors and seeds give unrelated streams. */
	u64 state = blkpat_mix(seed ^ blkpat_mix(sector + BLKPAT_GOLDEN));

	for (unsigned int i = 0; i < 8; i++)
		p[i] = (u8)magic[i];
	blkpat_put64(p + 8, sector);
	blkpat_put64(p + 16, seed);
	for (unsigned int off = BLKPAT_HDR; off < BLKPAT_SECTOR; off += 8) {
		state += BLKPAT_GOLDEN;
		blkpat_put64(p + off, blkpat_mix(state));
	}
}

void blkpat_fill(void *buf, u64 seed, u64 sector, u64 nr_sectors)
{
	u8 *p = buf;

	for (u64 i = 0; i < nr_sectors; i++)
		blkpat_sector(p + i * BLKPAT_SECTOR, seed, sector + i);
}

int blkpat_check(const void *buf, u64 seed, u64 sector, u64 nr_sectors, u64 *bad)
{
	const u8 *p = buf;
	u8 want[BLKPAT_SECTOR];

	for (u64 i = 0; i < nr_sectors; i++) {
		const u8 *got = p + i * BLKPAT_SECTOR;
		u8 diff = 0;

		blkpat_sector(want, seed, sector + i);
		for (unsigned int j = 0; j < BLKPAT_SECTOR; j++)
			diff |= (u8)(got[j] ^ want[j]);
		if (diff) {
			if (bad)
				*bad = sector + i;
			return -EIO;
		}
	}
	return 0;
}
