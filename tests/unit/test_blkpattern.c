/* Host tests for lib/blkpattern.c: the exact bytes of the format (header
 * fields and CRCs of whole sectors, computed independently from the
 * format's description, so a change to the generator that the lab's
 * dom0 tool would not share fails here), fill/check round trips at any
 * offset, windows that agree wherever they overlap, each corrupted byte
 * reported at its own sector, and the wrong seed or sector number caught
 * in the first sector. Buffers are heap blocks of exactly the size, for
 * ASan. */
#include <kernel/blkpattern.h>
#include <kernel/crc32.h>
#include <kernel/errno.h>
#include <stdlib.h>
#include <string.h>
#include "test.h"

static u8 *xalloc(size_t n)
{
	u8 *p = malloc(n ? n : 1);

	if (!p)
		abort();
	return p;
}

static u64 le64(const u8 *p)
{
	u64 v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

TEST(test_golden)
{
	static const struct {
		u64 seed, sector;
		u32 crc;
		u64 first, last;   /* the first and last PRNG words */
	} g[] = {
		{ 0, 0, 0x93d6c392u, 0x568a9b0b1a2c05ecULL, 0xd6fb7cae0a7fa2afULL },
		{ 0x1234, 7, 0x528403f8u, 0x86fa5b339888f5bfULL, 0x7b0fcea243ef2bc2ULL },
		{ ~0ULL, ~0ULL, 0x3a0f6d13u, 0xbb01391f6277d93cULL, 0xb84bef7b7bc15e77ULL },
	};
	u8 *b = xalloc(512 * 16);

	for (unsigned int i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		blkpat_fill(b, g[i].seed, g[i].sector, 1);
		CHECK(memcmp(b, "XLNBLKPT", 8) == 0);
		CHECK_EQ(le64(b + 8), g[i].sector);
		CHECK_EQ(le64(b + 16), g[i].seed);
		CHECK_EQ(le64(b + 24), g[i].first);
		CHECK_EQ(le64(b + 504), g[i].last);
		CHECK_EQ(crc32(0, b, 512), g[i].crc);
	}
	blkpat_fill(b, 42, 1000, 16);
	CHECK_EQ(crc32(0, b, 512 * 16), 0xf8d14c4du);
	free(b);
}

TEST(test_round_trip)
{
	xt_srand(512);
	for (int iter = 0; iter < 200; iter++) {
		u64 n = xt_below(40), seed = xt_rand(), sector = xt_rand();
		u8 *b = xalloc(n * 512);
		u64 bad = 0x77;

		if (iter % 4 == 0)
			sector = ~0ULL - xt_below(8);   /* numbers that wrap */
		blkpat_fill(b, seed, sector, n);
		CHECK_EQ(blkpat_check(b, seed, sector, n, &bad), 0);
		CHECK_EQ(bad, 0x77);
		CHECK_EQ(blkpat_check(b, seed, sector, n, NULL), 0);
		free(b);
	}
	CHECK_EQ(blkpat_check(NULL, 1, 2, 0, NULL), 0);
}

/* A sector's bytes depend only on (seed, number): windows agree. */
TEST(test_windows_agree)
{
	u8 *all = xalloc(64 * 512), *part = xalloc(10 * 512);

	blkpat_fill(all, 99, 5000, 64);
	for (u64 off = 0; off + 10 <= 64; off += 7) {
		blkpat_fill(part, 99, 5000 + off, 10);
		CHECK(memcmp(part, all + off * 512, 10 * 512) == 0);
		CHECK_EQ(blkpat_check(all + off * 512, 99, 5000 + off, 10, NULL), 0);
	}
	/* Neighbouring sectors and seeds differ past the header. */
	blkpat_fill(part, 99, 5001, 1);
	CHECK(memcmp(part + 24, all + 24, 488) != 0);
	blkpat_fill(part, 98, 5000, 1);
	CHECK(memcmp(part + 24, all + 24, 488) != 0);
	free(part);
	free(all);
}

TEST(test_corruption_found)
{
	const u64 n = 8, base = 123456;
	u8 *b = xalloc(n * 512);

	blkpat_fill(b, 7, base, n);
	/* Flip every byte of sector 3 in turn, then one in sectors 3 and 5. */
	for (unsigned int i = 0; i < 512; i++) {
		u64 bad = 0;

		b[3 * 512 + i] ^= 0x01;
		CHECK_EQ(blkpat_check(b, 7, base, n, &bad), -EIO);
		CHECK_EQ(bad, base + 3);
		b[3 * 512 + i] ^= 0x01;
	}
	b[5 * 512 + 100] ^= 0x80;
	b[3 * 512 + 511] ^= 0x80;
	{
		u64 bad = 0;

		CHECK_EQ(blkpat_check(b, 7, base, n, &bad), -EIO);
		CHECK_EQ(bad, base + 3);
		CHECK_EQ(blkpat_check(b + 4 * 512, 7, base + 4, 4, &bad), -EIO);
		CHECK_EQ(bad, base + 5);
		CHECK_EQ(blkpat_check(b, 7, base, 3, &bad), 0);
	}
	blkpat_fill(b, 7, base, n);
	{
		u64 bad = 0;

		CHECK_EQ(blkpat_check(b, 8, base, n, &bad), -EIO);   /* wrong seed */
		CHECK_EQ(bad, base);
		CHECK_EQ(blkpat_check(b, 7, base + 1, n - 1, &bad), -EIO);   /* shifted */
		CHECK_EQ(bad, base + 1);
		CHECK_EQ(blkpat_check(b, 7, base, n, &bad), 0);
	}
	free(b);
}

int main(void)
{
	RUN(test_golden);
	RUN(test_round_trip);
	RUN(test_windows_agree);
	RUN(test_corruption_found);
	return xt_done();
}
