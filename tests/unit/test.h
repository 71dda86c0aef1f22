/* Tiny host test harness for Xenolith's tier-1 unit tests.
 *
 * Every CHECK counts as one check. A test binary prints one line per test
 * function ("ok" or "FAIL" with the number of checks), every failing check
 * with its location and values, and finally the plain line
 *     N passed, N failed
 * It exits 1 when anything failed. Only the first XT_MAX_PRINTED failures
 * are printed unless XT_VERBOSE is set in the environment.
 *
 * Usage:
 *     TEST(foo) { CHECK(1 + 1 == 2); }
 *     int main(void) { RUN(foo); return xt_done(); }
 */
#ifndef XT_TEST_H
#define XT_TEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Failing checks printed per binary; the rest are only counted. */
#define XT_MAX_PRINTED 60

static unsigned long xt_passed, xt_failed, xt_printed;
static unsigned long xt_test_failed;
static const char *xt_test_name = "?";

__attribute__((format(printf, 4, 5))) static bool xt_check(bool ok, const char *file, int line,
							    const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		xt_passed++;
		return true;
	}
	xt_failed++;
	xt_test_failed++;
	if (xt_printed++ < XT_MAX_PRINTED || getenv("XT_VERBOSE")) {
		printf("  FAILED %s:%d: [%s] ", file, line, xt_test_name);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
	} else if (xt_printed == XT_MAX_PRINTED + 1) {
		printf("  (further failures not printed)\n");
	}
	return false;
}

/* Print a byte string readably (escapes for control bytes). */
static inline const char *xt_esc(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 5 < cap; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			out[o++] = (char)c;
		} else {
			snprintf(out + o, cap - o, "\\x%02x", c);
			o += 4;
		}
	}
	out[o] = '\0';
	return out;
}

#define CHECK(cond) xt_check(!!(cond), __FILE__, __LINE__, "%s", #cond)
#define CHECK_MSG(cond, ...) xt_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

/* Integer equality, shown both signed and in hex. */
#define CHECK_EQ(actual, expected)                                                        \
	do {                                                                              \
		unsigned long long xt_a = (unsigned long long)(actual);                   \
		unsigned long long xt_e = (unsigned long long)(expected);                 \
		xt_check(xt_a == xt_e, __FILE__, __LINE__,                                \
			 "%s == %s: got %lld (0x%llx), expected %lld (0x%llx)", #actual,    \
			 #expected, (long long)xt_a, xt_a, (long long)xt_e, xt_e);          \
	} while (0)

#define CHECK_PTR_EQ(actual, expected)                                                    \
	do {                                                                              \
		const void *xt_a = (actual), *xt_e = (expected);                          \
		xt_check(xt_a == xt_e, __FILE__, __LINE__, "%s == %s: got %p, expected %p", \
			 #actual, #expected, xt_a, xt_e);                                   \
	} while (0)

/* NUL-terminated string equality (host strcmp is not used, to keep this
 * header free of <string.h>, which would clash with renamed code). */
#define CHECK_STR(actual, expected)                                                       \
	do {                                                                              \
		const char *xt_a = (actual), *xt_e = (expected);                          \
		size_t xt_i = 0;                                                          \
		char xt_b1[512], xt_b2[512];                                              \
		while (xt_a && xt_e && xt_a[xt_i] && xt_a[xt_i] == xt_e[xt_i])            \
			xt_i++;                                                           \
		xt_check(xt_a && xt_e && xt_a[xt_i] == xt_e[xt_i], __FILE__, __LINE__,   \
			 "%s: got \"%s\", expected \"%s\"", #actual,                       \
			 xt_a ? xt_esc(xt_a, xt_strlen(xt_a), xt_b1, sizeof(xt_b1)) : "(NULL)", \
			 xt_e ? xt_esc(xt_e, xt_strlen(xt_e), xt_b2, sizeof(xt_b2)) : "(NULL)"); \
	} while (0)

/* Little-endian writers for tests that build binary tables. */
static inline void xt_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void xt_put64(uint8_t *p, uint64_t v)
{
	xt_put32(p, (uint32_t)v);
	xt_put32(p + 4, (uint32_t)(v >> 32));
}

static inline size_t xt_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

#define TEST(name) static void name(void)

#define RUN(name)                                                                         \
	do {                                                                              \
		unsigned long xt_before = xt_passed + xt_failed;                          \
		xt_test_name = #name;                                                     \
		xt_test_failed = 0;                                                       \
		name();                                                                   \
		printf("%s %s (%lu checks)\n", xt_test_failed ? "FAIL" : "ok  ", #name,    \
		       xt_passed + xt_failed - xt_before);                                \
		fflush(stdout);                                                           \
	} while (0)

static inline int xt_done(void)
{
	/* A binary that checked nothing is broken, not green. */
	if (xt_passed + xt_failed == 0) {
		printf("no checks ran\n");
		xt_failed = 1;
	}
	printf("%lu passed, %lu failed\n", xt_passed, xt_failed);
	return xt_failed ? 1 : 0;
}

/* Deterministic PRNG (xorshift64*) so randomized tests are reproducible. */
static uint64_t xt_rng_state = 0x9e3779b97f4a7c15ULL;

static inline void xt_srand(uint64_t seed)
{
	xt_rng_state = seed ? seed : 0x9e3779b97f4a7c15ULL;
}

static inline uint64_t xt_rand(void)
{
	uint64_t x = xt_rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	xt_rng_state = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* Uniform-ish value in [0, n). */
static inline uint64_t xt_below(uint64_t n)
{
	return n ? xt_rand() % n : 0;
}

#endif
