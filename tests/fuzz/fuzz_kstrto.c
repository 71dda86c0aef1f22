/* libFuzzer target: lib/string.c's strict number parsers (kstrtou64,
 * kstrtos64, kstrtouint), which read command-line values. The first input
 * byte picks the base, the rest (cut at a NUL) is the string. Results are
 * compared with an independent reference written from the header's
 * contract: optional '+', "0x"/"0X" prefix for base 0 or 16 when a hex digit
 * follows, then only digits of the base; base 0 means hex or decimal.
 * Overflow is -ERANGE, checked digit by digit (so "<too big>junk" is
 * -ERANGE, as in Linux), and results are left untouched on error. */
#include "kx.h"
#include <kernel/errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(...)                                                                         \
	do {                                                                              \
		fprintf(stderr, "fuzz_kstrto: base %u \"%s\": ", base, s);                \
		fprintf(stderr, __VA_ARGS__);                                             \
		fputc('\n', stderr);                                                      \
		abort();                                                                  \
	} while (0)

static int digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

/* Reference: 0 and *v, or -EINVAL / -ERANGE. */
static int ref_u64(const char *s, unsigned int base, unsigned __int128 *v)
{
	unsigned __int128 acc = 0;
	bool big = false;

	if (base == 1 || base > 36)
		return -EINVAL;
	if (*s == '+')
		s++;
	if ((base == 0 || base == 16) && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
	    digit(s[2]) < 16) {
		s += 2;
		base = 16;
	}
	if (base == 0)
		base = 10;
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		/* Like Linux: digits that already overflowed report -ERANGE
		 * even if junk follows. */
		if (digit(*s) >= (int)base)
			return big ? -ERANGE : -EINVAL;
		if (!big) {
			acc = acc * base + (unsigned)digit(*s);
			if (acc > UINT64_MAX)
				big = true;
		}
	}
	if (big)
		return -ERANGE;
	*v = acc;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned int bases[] = { 0, 10, 16, 8, 2, 36, 1, 37 };
	unsigned int base;
	char *s;
	unsigned __int128 want = 0;
	int rref, rc;
	u64 u = 0x1111;
	s64 sv = 0x2222;
	unsigned int ui = 0x3333;

	if (size == 0)
		return 0;
	base = data[0] < 0xf0 ? bases[data[0] % 8] : data[0] - 0xf0 + 2;
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';

	/* kstrtou64 */
	rref = ref_u64(s, base, &want);
	rc = kx_kstrtou64(s, base, &u);
	if (rc != rref)
		FAIL("kstrtou64 returned %d, reference %d", rc, rref);
	if (rc == 0 && u != (u64)want)
		FAIL("kstrtou64 value %llu, reference %llu", (unsigned long long)u,
		     (unsigned long long)want);
	if (rc != 0 && u != 0x1111)
		FAIL("kstrtou64 wrote the result on error");

	/* kstrtouint: the same, limited to 32 bits. */
	rc = kx_kstrtouint(s, base, &ui);
	if (rref == 0 && want > UINT32_MAX ? rc != -ERANGE : rc != rref)
		FAIL("kstrtouint returned %d (u64 reference %d)", rc, rref);
	if (rc == 0 && ui != (unsigned int)want)
		FAIL("kstrtouint value %u", ui);
	if (rc != 0 && ui != 0x3333)
		FAIL("kstrtouint wrote the result on error");

	/* kstrtos64: an optional '-' then a u64 that must fit. */
	{
		bool neg = s[0] == '-';
		const char *rest = neg ? s + 1 : s;
		int rs;

		if (neg && (*rest == '+' || *rest == '-'))
			rs = -EINVAL;
		else
			rs = ref_u64(rest, base, &want);
		if (rs == 0 && want > (unsigned __int128)INT64_MAX + neg)
			rs = -ERANGE;
		rc = kx_kstrtos64(s, base, &sv);
		if (rc != rs)
			FAIL("kstrtos64 returned %d, reference %d", rc, rs);
		if (rc == 0 && sv != (neg ? (s64)(0 - (u64)want) : (s64)want))
			FAIL("kstrtos64 value %lld", (long long)sv);
		if (rc != 0 && sv != 0x2222)
			FAIL("kstrtos64 wrote the result on error");
	}
	free(s);
	return 0;
}
