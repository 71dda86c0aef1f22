/* Host tests for lib/crc32.c: the standard check value and other published
 * vectors, chaining (a CRC continued over a split input equals the CRC of
 * the whole), and random inputs against a bit-at-a-time reference written
 * straight from the definition (reflected polynomial 0xEDB88320, initial
 * value and final XOR all ones). */
#include <kernel/crc32.h>
#include <stdlib.h>
#include <string.h>
#include "test.h"

static u32 ref_crc32(const u8 *p, size_t n)
{
	u32 c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0xedb88320u : c >> 1;
	}
	return ~c;
}

#define S(s) (s), sizeof(s) - 1

TEST(test_vectors)
{
	CHECK_EQ(crc32(0, S("123456789")), 0xcbf43926u);
	CHECK_EQ(crc32(0, S("")), 0);
	CHECK_EQ(crc32(0, NULL, 0), 0);
	CHECK_EQ(crc32(0, S("a")), 0xe8b7be43u);
	CHECK_EQ(crc32(0, S("abc")), 0x352441c2u);
	CHECK_EQ(crc32(0, S("The quick brown fox jumps over the lazy dog")), 0x414fa339u);
	CHECK_EQ(crc32(0, S("\0\0\0\0")), 0x2144df1cu);
	CHECK_EQ(crc32(0, S("\xff\xff\xff\xff")), 0xffffffffu);
	/* A non-zero starting value continues a CRC. */
	CHECK_EQ(crc32(crc32(0, S("1234")), S("56789")), 0xcbf43926u);
}

TEST(test_random_against_reference)
{
	u8 buf[1024];

	xt_srand(32);
	for (int iter = 0; iter < 2000; iter++) {
		size_t n = xt_below(sizeof(buf) + 1), cut = xt_below(n + 1);
		u32 whole;

		for (size_t i = 0; i < n; i++)
			buf[i] = (u8)xt_rand();
		whole = crc32(0, buf, n);
		CHECK_EQ(whole, ref_crc32(buf, n));
		CHECK_EQ(crc32(crc32(0, buf, cut), buf + cut, n - cut), whole);
	}
}

/* The property GPT relies on: a block with its own CRC appended checks
 * out, and any single-bit flip changes the CRC. */
TEST(test_single_bit_flips)
{
	u8 buf[92];
	u32 c;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (u8)(i * 7 + 1);
	c = crc32(0, buf, sizeof(buf));
	for (size_t bit = 0; bit < sizeof(buf) * 8; bit++) {
		buf[bit / 8] ^= (u8)(1u << (bit % 8));
		CHECK(crc32(0, buf, sizeof(buf)) != c);
		buf[bit / 8] ^= (u8)(1u << (bit % 8));
	}
	CHECK_EQ(crc32(0, buf, sizeof(buf)), c);
}

int main(void)
{
	RUN(test_vectors);
	RUN(test_random_against_reference);
	RUN(test_single_bit_flips);
	return xt_done();
}
