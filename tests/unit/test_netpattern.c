/* Host tests for lib/netpattern.c: golden bytes and CRCs computed
 * independently from the definition in include/kernel/netpattern.h (a
 * change to the generator that the lab's nettest would not share fails
 * here), windows at every alignment agreeing with one long fill, each
 * corrupted byte reported at its own stream offset, another seed or
 * offset caught, and netpat_crc32 equal to crc32 of the filled bytes,
 * chained across windows. Buffers are heap blocks of exactly the size,
 * for ASan. */
#include <kernel/netpattern.h>
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

TEST(test_golden)
{
	/* From a separate implementation of the header's formula. */
	static const struct {
		u64 seed, off;
		size_t len;
		u8 first[8];
		u32 crc;
	} g[] = {
		{ 0, 0, 16, { 0x45, 0xdf, 0xde, 0xd6, 0x03, 0xb5, 0xdd, 0xa9 }, 0x87ee970fu },
		{ NETPAT_CHARGEN_SEED, 0, 4096,
		  { 0xec, 0xdc, 0x46, 0xce, 0x47, 0x78, 0xd7, 0xb4 }, 0x907bbd83u },
		{ 0x1234, 12345, 1000, { 0x0c, 0x5d, 0x42, 0xbb, 0x4b, 0xbe, 0x69, 0x28 }, 0x73d22a13u },
		{ ~0ULL, NETPAT_DGRAM_STRIDE * 3 + 5, 1472,
		  { 0xc1, 0x34, 0x9f, 0x0e, 0xc7, 0xea, 0x5c, 0x17 }, 0x4d5a3c1fu },
	};

	for (unsigned int i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		u8 *b = xalloc(g[i].len);

		netpat_fill(b, g[i].seed, g[i].off, g[i].len);
		CHECK(memcmp(b, g[i].first, 8) == 0);
		CHECK_EQ(crc32(0, b, g[i].len), g[i].crc);
		CHECK_EQ(netpat_crc32(0, g[i].seed, g[i].off, g[i].len), g[i].crc);
		CHECK_EQ(netpat_check(b, g[i].seed, g[i].off, g[i].len, NULL), 0);
		free(b);
	}
}

TEST(test_windows)
{
	const size_t total = 300;
	u8 *all = xalloc(total);

	netpat_fill(all, 77, 1000, total);
	for (size_t start = 0; start < 24; start++) {
		for (size_t len = 0; start + len <= total; len += 7) {
			u8 *w = xalloc(len);

			netpat_fill(w, 77, 1000 + start, len);
			CHECK(memcmp(w, all + start, len) == 0);
			CHECK_EQ(netpat_check(all + start, 77, 1000 + start, len, NULL), 0);
			free(w);
		}
	}
	free(all);
}

TEST(test_corruption)
{
	const size_t n = 97;
	u8 *b = xalloc(n);

	for (size_t i = 0; i < n; i++) {
		u64 bad = ~0ULL;

		netpat_fill(b, 5, 3, n);
		b[i] ^= 0x10;
		CHECK_EQ(netpat_check(b, 5, 3, n, &bad), -EIO);
		CHECK_EQ(bad, 3 + i);
	}
	/* Another seed, or the right seed shifted by a byte, fails early. */
	netpat_fill(b, 5, 3, n);
	u64 bad = ~0ULL;
	CHECK_EQ(netpat_check(b, 6, 3, n, &bad), -EIO);
	CHECK(bad < 3 + 8);
	CHECK_EQ(netpat_check(b, 5, 4, n, &bad), -EIO);
	CHECK(bad < 4 + 8);
	/* Untouched on success. */
	bad = 1234;
	CHECK_EQ(netpat_check(b, 5, 3, n, &bad), 0);
	CHECK_EQ(bad, 1234);
	CHECK_EQ(netpat_check(b, 5, 3, 0, &bad), 0);
	free(b);
}

TEST(test_crc_chain)
{
	const size_t n = 5000;
	u8 *b = xalloc(n);
	u32 want, c = 0;

	netpat_fill(b, 0xabc, 17, n);
	want = crc32(0, b, n);
	CHECK_EQ(netpat_crc32(0, 0xabc, 17, n), want);
	/* Windows of odd sizes chained together. */
	for (size_t o = 0; o < n;) {
		size_t len = (o * 7 + 13) % 301 + 1;

		if (len > n - o)
			len = n - o;
		c = netpat_crc32(c, 0xabc, 17 + o, len);
		o += len;
	}
	CHECK_EQ(c, want);
	CHECK_EQ(netpat_crc32(0x1234, 1, 2, 0), 0x1234u);
	free(b);
}

int main(void)
{
	RUN(test_golden);
	RUN(test_windows);
	RUN(test_corruption);
	RUN(test_crc_chain);
	return xt_done();
}
