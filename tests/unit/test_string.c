/* Host tests for lib/string.c (built as kx_* via rename.h). */
#include "kx.h"
#include <kernel/errno.h>
#include <string.h>
#include "test.h"

TEST(test_memcpy)
{
	char src[64], dst[64];

	for (int i = 0; i < 64; i++)
		src[i] = (char)(i * 7 + 1);
	memset(dst, 0x55, sizeof(dst));
	CHECK_PTR_EQ(kx_memcpy(dst + 3, src, 40), dst + 3);
	CHECK(memcmp(dst + 3, src, 40) == 0);
	CHECK(dst[2] == 0x55 && dst[43] == 0x55);
	/* n == 0 touches nothing; pointers may even be invalid-but-unused. */
	CHECK_PTR_EQ(kx_memcpy(dst, src + 10, 0), dst);
	CHECK(dst[0] == 0x55);
}

TEST(test_memmove_overlap)
{
	char b[32], ref[32];

	/* Forward overlap: destination above source. */
	for (int i = 0; i < 32; i++)
		b[i] = ref[i] = (char)('a' + i % 26);
	memmove(ref + 5, ref, 20);
	CHECK_PTR_EQ(kx_memmove(b + 5, b, 20), b + 5);
	CHECK(memcmp(b, ref, sizeof(b)) == 0);
	CHECK(memcmp(b + 5, "abcdefghijklmnopqrst", 20) == 0);

	/* Backward overlap: destination below source. */
	for (int i = 0; i < 32; i++)
		b[i] = ref[i] = (char)('a' + i % 26);
	memmove(ref, ref + 7, 20);
	CHECK_PTR_EQ(kx_memmove(b, b + 7, 20), b);
	CHECK(memcmp(b, ref, sizeof(b)) == 0);
	CHECK(memcmp(b, "hijklmnopqrstuvwxyza", 20) == 0);

	/* Overlap by a single byte, both directions. */
	memcpy(b, "0123456789", 10);
	kx_memmove(b + 1, b, 9);
	CHECK(memcmp(b, "0012345678", 10) == 0);
	memcpy(b, "0123456789", 10);
	kx_memmove(b, b + 1, 9);
	CHECK(memcmp(b, "1234567899", 10) == 0);

	/* Same pointer and zero length are no-ops. */
	memcpy(b, "abcdef", 6);
	CHECK_PTR_EQ(kx_memmove(b, b, 6), b);
	CHECK(memcmp(b, "abcdef", 6) == 0);
	CHECK_PTR_EQ(kx_memmove(b + 1, b, 0), b + 1);
	CHECK(memcmp(b, "abcdef", 6) == 0);

	/* Every (dst, src, n) inside a small buffer against libc. */
	{
		unsigned long bad = 0;

		for (int d = 0; d < 16; d++)
			for (int s = 0; s < 16; s++)
				for (int n = 0; n + (d > s ? d : s) <= 16; n++) {
					char x[16], y[16];

					for (int i = 0; i < 16; i++)
						x[i] = y[i] = (char)(i + 1);
					kx_memmove(x + d, x + s, (size_t)n);
					memmove(y + d, y + s, (size_t)n);
					bad += memcmp(x, y, 16) != 0;
				}
		CHECK_EQ(bad, 0);
	}
}

TEST(test_memset)
{
	unsigned char b[20];

	memset(b, 1, sizeof(b));
	CHECK_PTR_EQ(kx_memset(b + 2, 0x1ab, 10), b + 2); /* int converted to unsigned char */
	CHECK(b[1] == 1 && b[12] == 1);
	for (int i = 2; i < 12; i++)
		CHECK_EQ(b[i], 0xab);
	kx_memset(b, -1, 1);
	CHECK_EQ(b[0], 0xff);
	kx_memset(b, 0, 0);
	CHECK_EQ(b[0], 0xff);
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

TEST(test_memcmp)
{
	CHECK_EQ(kx_memcmp("abc", "abd", 3), -1);
	CHECK_EQ(kx_memcmp("abd", "abc", 3), 1);
	CHECK_EQ(kx_memcmp("abc", "abd", 2), 0);
	CHECK_EQ(kx_memcmp("x", "y", 0), 0);
	/* Bytes compare as unsigned char. */
	CHECK(kx_memcmp("\x80", "\x7f", 1) > 0);
	CHECK(kx_memcmp("\x01", "\xff", 1) < 0);
	/* Bytes after a NUL still count. */
	CHECK(kx_memcmp("a\0b", "a\0c", 3) < 0);
}

TEST(test_memchr)
{
	const char s[] = "hello\0world";

	CHECK_PTR_EQ(kx_memchr(s, 'l', sizeof(s)), s + 2);
	CHECK_PTR_EQ(kx_memchr(s, 'w', sizeof(s)), s + 6); /* past the NUL */
	CHECK_PTR_EQ(kx_memchr(s, '\0', sizeof(s)), s + 5);
	CHECK_PTR_EQ(kx_memchr(s, 'w', 6), NULL);          /* bounded by n */
	CHECK_PTR_EQ(kx_memchr(s, 'h', 0), NULL);
	CHECK_PTR_EQ(kx_memchr(s, 'o' + 256, sizeof(s)), s + 4); /* c as unsigned char */
	{
		const char *ff = "a\xff";

		CHECK_PTR_EQ(kx_memchr(ff, -1, 2), ff + 1); /* -1 matches byte 0xff */
		CHECK_PTR_EQ(kx_memchr(ff, 0xff, 2), ff + 1);
	}
}

TEST(test_strlen)
{
	char big[1000];

	CHECK_EQ(kx_strlen(""), 0);
	CHECK_EQ(kx_strlen("a"), 1);
	CHECK_EQ(kx_strlen("hello world"), 11);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK_EQ(kx_strlen(big), 999);
	CHECK_EQ(kx_strnlen("hello", 3), 3);
	CHECK_EQ(kx_strnlen("hello", 5), 5);
	CHECK_EQ(kx_strnlen("hello", 100), 5);
	CHECK_EQ(kx_strnlen("", 100), 0);
	/* max == 0 must not even read the string. */
	CHECK_EQ(kx_strnlen(NULL, 0), 0);
	{
		char nonterm[4] = { 'a', 'b', 'c', 'd' };

		CHECK_EQ(kx_strnlen(nonterm, 4), 4);
	}
}

TEST(test_strcmp)
{
	CHECK_EQ(kx_strcmp("", ""), 0);
	CHECK_EQ(kx_strcmp("abc", "abc"), 0);
	CHECK(kx_strcmp("abc", "abd") < 0);
	CHECK(kx_strcmp("abd", "abc") > 0);
	CHECK(kx_strcmp("ab", "abc") < 0);
	CHECK(kx_strcmp("abc", "ab") > 0);
	CHECK(kx_strcmp("", "a") < 0);
	CHECK(kx_strcmp("\xe9", "e") > 0); /* unsigned */
	CHECK(kx_strcmp("e", "\xe9") < 0);

	CHECK_EQ(kx_strncmp("abcX", "abcY", 3), 0);
	CHECK(kx_strncmp("abcX", "abcY", 4) < 0);
	CHECK_EQ(kx_strncmp("abc", "xyz", 0), 0);
	CHECK_EQ(kx_strncmp("abc", "abc", 100), 0); /* stops at NUL */
	CHECK(kx_strncmp("ab", "abc", 3) < 0);
	CHECK(kx_strncmp("\x80", "\x7f", 1) > 0);
	/* Agreement in sign with libc over a small grid. */
	{
		static const char *w[] = { "", "a", "ab", "abc", "abd", "b", "\xff", "A" };
		unsigned long bad = 0;

		for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++)
			for (size_t j = 0; j < sizeof(w) / sizeof(w[0]); j++) {
				bad += sign(kx_strcmp(w[i], w[j])) != sign(strcmp(w[i], w[j]));
				for (size_t n = 0; n < 5; n++)
					bad += sign(kx_strncmp(w[i], w[j], n)) !=
					       sign(strncmp(w[i], w[j], n));
			}
		CHECK_EQ(bad, 0);
	}
}

TEST(test_strchr)
{
	const char *s = "a/b/c";

	CHECK_PTR_EQ(kx_strchr(s, '/'), s + 1);
	CHECK_PTR_EQ(kx_strrchr(s, '/'), s + 3);
	CHECK_PTR_EQ(kx_strchr(s, 'a'), s);
	CHECK_PTR_EQ(kx_strrchr(s, 'a'), s);
	CHECK_PTR_EQ(kx_strchr(s, 'x'), NULL);
	CHECK_PTR_EQ(kx_strrchr(s, 'x'), NULL);
	/* The terminator itself can be found. */
	CHECK_PTR_EQ(kx_strchr(s, '\0'), s + 5);
	CHECK_PTR_EQ(kx_strrchr(s, '\0'), s + 5);
	CHECK_PTR_EQ(kx_strchr("", 'a'), NULL);
	CHECK_PTR_EQ(kx_strchr(s, '/' + 256), s + 1); /* c converted to char */
	{
		const char *t = "\xe9x";

		CHECK_PTR_EQ(kx_strchr(t, 0xe9), t);
		CHECK_PTR_EQ(kx_strrchr(t, 'x'), t + 1);
	}
}

TEST(test_strlcpy)
{
	char buf[8];

	memset(buf, 'Z', sizeof(buf));
	CHECK_EQ(kx_strlcpy(buf, "abc", sizeof(buf)), 3);
	CHECK_STR(buf, "abc");
	CHECK(buf[4] == 'Z'); /* nothing written past the terminator */

	/* Truncation: returns strlen(src), copies size-1 bytes plus NUL. */
	memset(buf, 'Z', sizeof(buf));
	CHECK_EQ(kx_strlcpy(buf, "0123456789", sizeof(buf)), 10);
	CHECK_STR(buf, "0123456");
	CHECK_EQ(buf[7], '\0');

	/* Exact fit boundary: strlen(src) == size - 1 fits, == size truncates. */
	CHECK_EQ(kx_strlcpy(buf, "1234567", 8), 7);
	CHECK_STR(buf, "1234567");
	CHECK_EQ(kx_strlcpy(buf, "12345678", 8), 8);
	CHECK_STR(buf, "1234567");

	/* size 1: just the terminator. */
	memset(buf, 'Z', sizeof(buf));
	CHECK_EQ(kx_strlcpy(buf, "abc", 1), 3);
	CHECK_EQ(buf[0], '\0');
	CHECK_EQ(buf[1], 'Z');

	/* size 0: nothing written at all, return value still the length. */
	memset(buf, 'Z', sizeof(buf));
	CHECK_EQ(kx_strlcpy(buf, "abc", 0), 3);
	CHECK_EQ(buf[0], 'Z');
	CHECK_EQ(kx_strlcpy(buf, "", sizeof(buf)), 0);
	CHECK_STR(buf, "");
}

TEST(test_strlcat)
{
	char buf[8];

	strcpy(buf, "ab");
	CHECK_EQ(kx_strlcat(buf, "cd", sizeof(buf)), 4);
	CHECK_STR(buf, "abcd");
	/* Truncation: returns the length it tried to create. */
	CHECK_EQ(kx_strlcat(buf, "efghij", sizeof(buf)), 10);
	CHECK_STR(buf, "abcdefg");
	CHECK_EQ(kx_strlcat(buf, "x", sizeof(buf)), 8);
	CHECK_STR(buf, "abcdefg");
	/* size smaller than the current string: dst untouched, size + strlen(src). */
	strcpy(buf, "abcdef");
	CHECK_EQ(kx_strlcat(buf, "xyz", 3), 6);
	CHECK_STR(buf, "abcdef");
	CHECK_EQ(kx_strlcat(buf, "xyz", 0), 3);
	CHECK_STR(buf, "abcdef");
	/* Unterminated dst within size: nothing written. */
	{
		char nt[4] = { 'a', 'b', 'c', 'd' };

		CHECK_EQ(kx_strlcat(nt, "e", 4), 5);
		CHECK(memcmp(nt, "abcd", 4) == 0);
	}
	/* Exact fit. */
	strcpy(buf, "abc");
	CHECK_EQ(kx_strlcat(buf, "defg", 8), 7);
	CHECK_STR(buf, "abcdefg");
	strcpy(buf, "");
	CHECK_EQ(kx_strlcat(buf, "", 8), 0);
	CHECK_STR(buf, "");
}

static const char *show(const char *s)
{
	return s ? s : "(NULL)";
}

#define U64_OK(str, base, want)                                                            \
	do {                                                                               \
		u64 r_ = 0xdeadbeef;                                                       \
		int rc_ = kx_kstrtou64(str, base, &r_);                                    \
		CHECK_MSG(rc_ == 0 && r_ == (u64)(want),                                   \
			  "kstrtou64(\"%s\", %u): rc %d value %llu, expected 0 and %llu", str, \
			  (unsigned int)(base), rc_, (unsigned long long)r_,                 \
			  (unsigned long long)(want));                                      \
	} while (0)

#define U64_ERR(str, base, err)                                                            \
	do {                                                                               \
		u64 r_ = 0x1234;                                                           \
		int rc_ = kx_kstrtou64(str, base, &r_);                                    \
		CHECK_MSG(rc_ == (err) && r_ == 0x1234,                                    \
			  "kstrtou64(\"%s\", %u): rc %d (result %llu), expected %d and result " \
			  "untouched",                                                      \
			  show(str), (unsigned int)(base), rc_, (unsigned long long)r_, err);       \
	} while (0)

TEST(test_kstrtou64)
{
	U64_OK("0", 10, 0);
	U64_OK("42", 10, 42);
	U64_OK("+42", 10, 42);
	U64_OK("007", 10, 7);
	U64_OK("010", 0, 10); /* base 0 is decimal unless 0x: no octal */
	U64_OK("ff", 16, 255);
	U64_OK("FF", 16, 255);
	U64_OK("0xff", 16, 255);
	U64_OK("0XfF", 0, 255);
	U64_OK("0x10", 0, 16);
	U64_OK("+0x10", 0, 16);
	U64_OK("0", 0, 0);
	U64_OK("0", 16, 0);
	U64_OK("101", 2, 5);
	U64_OK("777", 8, 511);
	U64_OK("zz", 36, 35 * 36 + 35);
	U64_OK("18446744073709551615", 10, UINT64_MAX);
	U64_OK("ffffffffffffffff", 16, UINT64_MAX);
	U64_OK("0xFFFFFFFFFFFFFFFF", 0, UINT64_MAX);
	U64_OK("1111111111111111111111111111111111111111111111111111111111111111", 2,
	       UINT64_MAX);
	U64_OK("0000000000000000000000000000000000000000000018446744073709551615", 10,
	       UINT64_MAX);

	/* 2^64 and beyond overflow. */
	U64_ERR("18446744073709551616", 10, -ERANGE);
	U64_ERR("18446744073709551620", 10, -ERANGE);
	U64_ERR("99999999999999999999", 10, -ERANGE);
	U64_ERR("10000000000000000", 16, -ERANGE);
	U64_ERR("0x10000000000000000", 0, -ERANGE);
	U64_ERR("11111111111111111111111111111111111111111111111111111111111111111", 2,
		-ERANGE);
	/* Overflow is found digit by digit, before trailing junk (as in Linux). */
	U64_ERR("99999999999999999999x", 10, -ERANGE);
	U64_ERR("1x99999999999999999999", 10, -EINVAL);

	/* Malformed. */
	U64_ERR("", 10, -EINVAL);
	U64_ERR("", 0, -EINVAL);
	U64_ERR("+", 10, -EINVAL);
	U64_ERR("+", 0, -EINVAL);
	U64_ERR("-", 10, -EINVAL);
	U64_ERR("-1", 10, -EINVAL);
	U64_ERR("-0", 10, -EINVAL);
	U64_ERR("++1", 10, -EINVAL);
	U64_ERR("0x", 16, -EINVAL);
	U64_ERR("0x", 0, -EINVAL);
	U64_ERR("0X", 0, -EINVAL);
	U64_ERR("0x", 10, -EINVAL);
	U64_ERR("0xg", 16, -EINVAL);
	U64_ERR("0x10", 10, -EINVAL);
	U64_ERR("0x0x1", 0, -EINVAL);
	U64_ERR(" 1", 10, -EINVAL);
	U64_ERR("1 ", 10, -EINVAL);
	U64_ERR("1\n", 10, -EINVAL);
	U64_ERR("12a", 10, -EINVAL);
	U64_ERR("a", 10, -EINVAL);
	U64_ERR("g", 16, -EINVAL);
	U64_ERR("2", 2, -EINVAL);
	U64_ERR("8", 8, -EINVAL);
	U64_ERR("1", 1, -EINVAL);
	U64_ERR("1", 37, -EINVAL);
	U64_ERR("1.5", 10, -EINVAL);
	U64_ERR(NULL, 10, -EINVAL);
}

#define S64_OK(str, base, want)                                                            \
	do {                                                                               \
		s64 r_ = 0x5a5a;                                                           \
		int rc_ = kx_kstrtos64(str, base, &r_);                                    \
		CHECK_MSG(rc_ == 0 && r_ == (s64)(want),                                   \
			  "kstrtos64(\"%s\", %u): rc %d value %lld, expected 0 and %lld", str, \
			  (unsigned int)(base), rc_, (long long)r_, (long long)(want));       \
	} while (0)

#define S64_ERR(str, base, err)                                                            \
	do {                                                                               \
		s64 r_ = 0x5a5a;                                                           \
		int rc_ = kx_kstrtos64(str, base, &r_);                                    \
		CHECK_MSG(rc_ == (err) && r_ == 0x5a5a,                                    \
			  "kstrtos64(\"%s\", %u): rc %d (result %lld), expected %d and result " \
			  "untouched",                                                      \
			  show(str), (unsigned int)(base), rc_, (long long)r_, err);                \
	} while (0)

TEST(test_kstrtos64)
{
	S64_OK("0", 10, 0);
	S64_OK("-0", 10, 0);
	S64_OK("17", 10, 17);
	S64_OK("+17", 10, 17);
	S64_OK("-17", 10, -17);
	S64_OK("-0x11", 0, -17);
	S64_OK("-ff", 16, -255);
	S64_OK("9223372036854775807", 10, INT64_MAX);
	S64_OK("-9223372036854775807", 10, -INT64_MAX);
	S64_OK("-9223372036854775808", 10, INT64_MIN);
	S64_OK("0x7fffffffffffffff", 0, INT64_MAX);
	S64_OK("-0x8000000000000000", 0, INT64_MIN);

	S64_ERR("9223372036854775808", 10, -ERANGE);
	S64_ERR("-9223372036854775809", 10, -ERANGE);
	S64_ERR("18446744073709551615", 10, -ERANGE);
	S64_ERR("-18446744073709551615", 10, -ERANGE);
	S64_ERR("-18446744073709551616", 10, -ERANGE);
	S64_ERR("0x8000000000000000", 0, -ERANGE);
	S64_ERR("-0x8000000000000001", 0, -ERANGE);

	S64_ERR("", 10, -EINVAL);
	S64_ERR("-", 10, -EINVAL);
	S64_ERR("+", 10, -EINVAL);
	S64_ERR("--1", 10, -EINVAL);
	S64_ERR("-+1", 10, -EINVAL);
	S64_ERR("+-1", 10, -EINVAL);
	S64_ERR("- 1", 10, -EINVAL);
	S64_ERR("1-", 10, -EINVAL);
	S64_ERR("-0x", 0, -EINVAL);
	S64_ERR(NULL, 10, -EINVAL);
}

TEST(test_kstrtouint)
{
	unsigned int r;
	int rc;

	r = 7;
	CHECK_EQ(kx_kstrtouint("4294967295", 10, &r), 0);
	CHECK_EQ(r, UINT32_MAX);
	CHECK_EQ(kx_kstrtouint("0xffffffff", 0, &r), 0);
	CHECK_EQ(r, 0xffffffffu);
	CHECK_EQ(kx_kstrtouint("0", 10, &r), 0);
	CHECK_EQ(r, 0);
	CHECK_EQ(kx_kstrtouint("123", 0, &r), 0);
	CHECK_EQ(r, 123);

	r = 7;
	rc = kx_kstrtouint("4294967296", 10, &r);
	CHECK_EQ(rc, -ERANGE);
	CHECK_EQ(r, 7);
	rc = kx_kstrtouint("0x100000000", 0, &r);
	CHECK_EQ(rc, -ERANGE);
	rc = kx_kstrtouint("18446744073709551615", 10, &r);
	CHECK_EQ(rc, -ERANGE);
	rc = kx_kstrtouint("18446744073709551616", 10, &r);
	CHECK_EQ(rc, -ERANGE);
	CHECK_EQ(r, 7);
	CHECK_EQ(kx_kstrtouint("-1", 10, &r), -EINVAL);
	CHECK_EQ(kx_kstrtouint("", 10, &r), -EINVAL);
	CHECK_EQ(kx_kstrtouint("0x", 0, &r), -EINVAL);
	CHECK_EQ(r, 7);
}

/* Random numbers printed by libc must parse back exactly, in every base. */
TEST(test_kstrto_roundtrip)
{
	unsigned long bad = 0;

	xt_srand(12345);
	for (int i = 0; i < 20000; i++) {
		u64 v = xt_rand() >> xt_below(64);
		char b[64];
		u64 r;
		s64 sr;

		snprintf(b, sizeof(b), "%llu", (unsigned long long)v);
		bad += kx_kstrtou64(b, 10, &r) != 0 || r != v;
		bad += kx_kstrtou64(b, 0, &r) != 0 || r != v;
		snprintf(b, sizeof(b), "%llx", (unsigned long long)v);
		bad += kx_kstrtou64(b, 16, &r) != 0 || r != v;
		snprintf(b, sizeof(b), "0x%llX", (unsigned long long)v);
		bad += kx_kstrtou64(b, 0, &r) != 0 || r != v;
		snprintf(b, sizeof(b), "%llo", (unsigned long long)v);
		bad += kx_kstrtou64(b, 8, &r) != 0 || r != v;
		snprintf(b, sizeof(b), "%lld", (long long)v);
		bad += kx_kstrtos64(b, 10, &sr) != 0 || sr != (s64)v;
	}
	CHECK_EQ(bad, 0);
}

int main(void)
{
	RUN(test_memcpy);
	RUN(test_memmove_overlap);
	RUN(test_memset);
	RUN(test_memcmp);
	RUN(test_memchr);
	RUN(test_strlen);
	RUN(test_strcmp);
	RUN(test_strchr);
	RUN(test_strlcpy);
	RUN(test_strlcat);
	RUN(test_kstrtou64);
	RUN(test_kstrtos64);
	RUN(test_kstrtouint);
	RUN(test_kstrto_roundtrip);
	return xt_done();
}
