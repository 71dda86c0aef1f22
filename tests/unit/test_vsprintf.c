/* Host tests for lib/vsprintf.c: the kernel's vsnprintf against glibc's for
 * every conversion, flag, width, precision and length modifier it claims
 * to support, plus truncation semantics. %p is kernel-specific (always
 * "0x" and 16 digits) and is checked against explicit strings. */
#include "kx.h"
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "test.h"

#define BUFSZ 512
#define CANARY 0x7e

static char kbuf[BUFSZ], hbuf[BUFSZ], tbuf[BUFSZ];

/* Compare one call; also check a truncated call with a pseudo-random size.
 * Returns true when everything matched. */
__attribute__((format(printf, 3, 0))) static bool compare_va(const char *file, int line,
							     const char *fmt, va_list ap)
{
	va_list a1, a2, a3;
	int kn, hn, tn;
	size_t tsz;
	bool ok;
	char e1[BUFSZ * 4], e2[BUFSZ * 4];

	va_copy(a1, ap);
	va_copy(a2, ap);
	va_copy(a3, ap);
	memset(kbuf, CANARY, sizeof(kbuf));
	kn = kx_vsnprintf(kbuf, sizeof(kbuf), fmt, a1);
	hn = vsnprintf(hbuf, sizeof(hbuf), fmt, a2);
	ok = kn == hn && hn >= 0 && hn < BUFSZ && memcmp(kbuf, hbuf, (size_t)hn + 1) == 0;
	if (!ok) {
		xt_check(false, file, line, "fmt \"%s\": kernel \"%s\" (%d), glibc \"%s\" (%d)",
			 xt_esc(fmt, strlen(fmt), e1, sizeof(e1) / 2),
			 xt_esc(kbuf, kn >= 0 && kn < BUFSZ ? (size_t)kn : 0, e2, sizeof(e2) / 2),
			 kn, xt_esc(hbuf, hn >= 0 && hn < BUFSZ ? (size_t)hn : 0, e1 + sizeof(e1) / 2, sizeof(e1) / 2),
			 hn);
		va_end(a1);
		va_end(a2);
		va_end(a3);
		return false;
	}
	/* Truncated: a prefix, NUL-terminated, nothing written past size. */
	tsz = (size_t)xt_below((uint64_t)hn + 2);
	memset(tbuf, CANARY, sizeof(tbuf));
	tn = kx_vsnprintf(tbuf, tsz, fmt, a3);
	if (tn != hn) {
		ok = false;
	} else if (tsz) {
		size_t keep = (size_t)hn < tsz - 1 ? (size_t)hn : tsz - 1;

		ok = memcmp(tbuf, hbuf, keep) == 0 && tbuf[keep] == '\0' &&
		     (unsigned char)tbuf[tsz] == CANARY;
	} else {
		ok = (unsigned char)tbuf[0] == CANARY;
	}
	if (!ok)
		xt_check(false, file, line, "fmt \"%s\" truncated to size %zu: returned %d, full %d",
			 xt_esc(fmt, strlen(fmt), e1, sizeof(e1)), tsz, tn, hn);
	va_end(a1);
	va_end(a2);
	va_end(a3);
	return ok;
}

__attribute__((format(printf, 3, 4))) static bool compare_at(const char *file, int line,
							     const char *fmt, ...)
{
	va_list ap;
	bool ok;

	va_start(ap, fmt);
	ok = compare_va(file, line, fmt, ap);
	va_end(ap);
	return ok;
}

/* Literal formats: the compiler checks argument types. */
#define CMP(...)                                                                          \
	do {                                                                              \
		if (compare_at(__FILE__, __LINE__, __VA_ARGS__))                          \
			xt_passed++;                                                      \
	} while (0)

/* Hide a value from the compiler: formats and arguments that -Wformat would
 * (rightly) flag as odd but that C defines, e.g. an int for %hhd. */
static const char *nonlit(const char *s)
{
	__asm__("" : "+r"(s));
	return s;
}

/* Same as CMP, for a format the compiler must not check. */
#define CMPN(f, ...)                                                                      \
	do {                                                                              \
		if (compare_at(__FILE__, __LINE__, nonlit(f), ##__VA_ARGS__)) \
			xt_passed++;                                                      \
	} while (0)

/* The kernel's output for a call, for kernel-specific expectations. */
#define KOUT(...) (kx_snprintf(kbuf, sizeof(kbuf), __VA_ARGS__), kbuf)

TEST(test_basic_conversions)
{
	CMP("hello");
	CMPN("", 0);
	CMP("%d", 0);
	CMP("%d", 42);
	CMP("%d", -42);
	CMP("%i", INT_MIN);
	CMP("%i", INT_MAX);
	CMP("%u", 0u);
	CMP("%u", UINT_MAX);
	CMP("%x", 0xdeadbeefu);
	CMP("%X", 0xdeadbeefu);
	CMP("%o", 0777u);
	CMP("%o", 0u);
	CMP("%c", 'A');
	CMP("%c", (char)0xe9);
	CMP("%s", "string");
	CMP("%s", "");
	CMP("%%");
	CMP("100%% sure");
	CMP("%%%d%%", 5);
	CMP("%c%c%c", 'a', 'b', 'c');
	CMP("a%cb", 0); /* an embedded NUL is output and counted */
}

TEST(test_length_modifiers)
{
	CMPN("%hhd", 200);
	CMPN("%hhd", -129);
	CMPN("%hhu", 511);
	CMPN("%hhx", 0x1ff);
	CMPN("%hd", 40000);
	CMPN("%hd", -32769);
	CMPN("%hu", 70000);
	CMPN("%hx", 0x12345);
	CMP("%ld", LONG_MIN);
	CMP("%ld", LONG_MAX);
	CMP("%lu", ULONG_MAX);
	CMP("%lx", 0x123456789abcdefUL);
	CMP("%lld", LLONG_MIN);
	CMP("%lld", LLONG_MAX);
	CMP("%llu", ULLONG_MAX);
	CMP("%llX", 0xfedcba9876543210ULL);
	CMP("%llo", ULLONG_MAX);
	CMP("%zu", (size_t)-1);
	CMP("%zx", (size_t)0x1000);
	CMP("%zd", (ssize_t)-5);
	CMP("%td", (ptrdiff_t)-12345678901LL);
	CMP("%jd", (intmax_t)INT64_MIN);
	CMP("%ju", (uintmax_t)UINT64_MAX);
	CMP("%li %hi %hhi", -1L, (short)-2, (signed char)-3);
}

TEST(test_flags_width_precision)
{
	CMP("[%5d]", 42);
	CMP("[%-5d]", 42);
	CMP("[%05d]", 42);
	CMP("[%05d]", -42);
	CMP("[%+d]", 42);
	CMP("[%+d]", -42);
	CMP("[%+d]", 0);
	CMP("[% d]", 42);
	CMP("[% d]", -42);
	CMPN("[%+ d]", 42);
	CMP("[%-+6d]", 42);
	CMPN("[%-06d]", 42);
	CMP("[%.3d]", 7);
	CMP("[%.3d]", -7);
	CMP("[%8.3d]", -7);
	CMP("[%-8.3d]", -7);
	CMPN("[%08.3d]", -7); /* 0 ignored with a precision */
	CMP("[%.0d]", 0);
	CMP("[%5.0d]", 0);
	CMP("[%+.0d]", 0);
	CMP("[%.d]", 0);
	CMP("[%.0x]", 0u);
	CMP("[%#x]", 0x1fu);
	CMP("[%#X]", 0x1fu);
	CMP("[%#x]", 0u);
	CMP("[%#08x]", 0x1fu);
	CMP("[%#8x]", 0x1fu);
	CMP("[%-#8x]", 0x1fu);
	CMP("[%#.5x]", 0x1fu);
	CMP("[%#o]", 8u);
	CMP("[%#o]", 0u);
	CMP("[%#5o]", 8u);
	CMP("[%#05o]", 8u);
	CMP("[%*d]", 6, 42);
	CMP("[%*d]", -6, 42);
	CMP("[%-*d]", 6, 42);
	CMP("[%-*d]", -6, 42);
	CMP("[%*d]", 0, 42);
	CMP("[%.*d]", 4, 42);
	CMP("[%.*d]", -1, 42);
	CMP("[%.*d]", 0, 0);
	CMP("[%*.*d]", 8, 4, -42);
	CMP("[%0*d]", 7, -42);
	CMP("[%040d]", 1);
	CMP("[%200d]", 1);
	CMP("[%-200x]", 0xabcu);
	CMP("[%.100d]", 1);
}

TEST(test_c_and_s)
{
	CMP("[%3c]", 'x');
	CMP("[%-3c]", 'x');
	CMP("[%*c]", 4, 'y');
	CMP("[%*c]", -4, 'y');
	CMP("[%1c]", 'z');
	CMP("[%10s]", "abc");
	CMP("[%-10s]", "abc");
	CMP("[%.2s]", "abc");
	CMP("[%.0s]", "abc");
	CMP("[%.10s]", "abc");
	CMP("[%5.1s]", "abc");
	CMP("[%-5.1s]", "abc");
	CMP("[%*s]", 6, "ab");
	CMP("[%*s]", -6, "ab");
	CMP("[%.*s]", 2, "abcdef");
	CMP("[%.*s]", -1, "abcdef");
	CMP("[%*.*s]", 7, 3, "abcdef");
	CMP("[%2s]", "longer than width");
	{
		/* Precision bounds the read: the array is not NUL-terminated. */
		static const char nt[3] = { 'x', 'y', 'z' };

		CMP("[%.3s]", nt);
		CMP("[%.2s]", nt);
	}
	/* NULL prints "(null)" like glibc does without a precision. */
	CHECK_STR(KOUT("%s", nonlit(NULL)), "(null)");
	CHECK_STR(KOUT("[%8s]", nonlit(NULL)), "[  (null)]");
}

TEST(test_pointer)
{
	char want[64];
	int x;
	void *p = &x;

	/* Kernel format: always 0x and 16 lowercase hex digits. */
	snprintf(want, sizeof(want), "0x%016llx", (unsigned long long)(uintptr_t)p);
	CHECK_STR(KOUT("%p", p), want);
	CHECK_EQ(kx_snprintf(kbuf, sizeof(kbuf), "%p", p), 18);
	CHECK_STR(KOUT("%p", (void *)0), "0x0000000000000000");
	CHECK_STR(KOUT("%p", (void *)0x1234), "0x0000000000001234");
	CHECK_STR(KOUT("%p", (void *)~(uintptr_t)0), "0xffffffffffffffff");
	CHECK_STR(KOUT("<%p>", (void *)0xffffffff80100000UL), "<0xffffffff80100000>");
	/* Arguments after %p are still read correctly. */
	CHECK_STR(KOUT("%p %d %s", (void *)0x10, -3, "z"), "0x0000000000000010 -3 z");
}

TEST(test_mixed_and_va_list)
{
	CMP("%s=%d (%#x) %c%%", "key", 31, 31u, '!');
	CMPN("%hhd %lld %s %zu %c %u", 1, -1LL, "mid", (size_t)99, 'q', 7u);
	CMP("%5s|%-5s|%05d|%-5d|%5x", "a", "b", 1, 2, 3u);
	CMP("%d %d %d %d %d %d %d %d %d %d", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
	CMP("%lld %d %lld %d", 1LL << 40, 1, -(1LL << 40), -1);
	CMP("%*d|%-*d|%.*s", 3, 1, 3, 2, 1, "xyz");
}

TEST(test_malformed)
{
	/* Not C: the kernel's documented handling of odd formats. */
	CHECK_EQ(kx_snprintf(kbuf, sizeof(kbuf), nonlit("abc%"), 0), 3);
	CHECK_STR(kbuf, "abc");
	CHECK_STR(KOUT(nonlit("%-"), 0), "");
	{
		const char *f = "[%q]";  /* unknown conversion printed literally */

		kx_snprintf(kbuf, sizeof(kbuf), f, 1);
		CHECK_STR(kbuf, "[%q]");
	}
}

TEST(test_truncation)
{
	char b[16];
	int n;

	/* size 0: nothing written, full length returned; NULL is fine. */
	memset(b, CANARY, sizeof(b));
	CHECK_EQ(kx_snprintf(b, 0, "hello %d", 12345), 11);
	CHECK_EQ((unsigned char)b[0], CANARY);
	CHECK_EQ(kx_snprintf(NULL, 0, "%s", "abcdef"), 6);
	CHECK_EQ(kx_snprintf(NULL, 0, nonlit(""), 0), 0);

	/* size 1: only the terminator. */
	memset(b, CANARY, sizeof(b));
	CHECK_EQ(kx_snprintf(b, 1, "hello"), 5);
	CHECK_EQ(b[0], '\0');
	CHECK_EQ((unsigned char)b[1], CANARY);

	/* Exact fit: strlen == size - 1. */
	memset(b, CANARY, sizeof(b));
	CHECK_EQ(kx_snprintf(b, 6, "%s", "hello"), 5);
	CHECK_STR(b, "hello");
	CHECK_EQ((unsigned char)b[6], CANARY);

	/* One short: last character dropped. */
	memset(b, CANARY, sizeof(b));
	CHECK_EQ(kx_snprintf(b, 5, "%s", "hello"), 5);
	CHECK_STR(b, "hell");
	CHECK_EQ((unsigned char)b[5], CANARY);

	/* Padding and number digits are cut the same way. */
	memset(b, CANARY, sizeof(b));
	n = kx_snprintf(b, 8, "%20d", -5);
	CHECK_EQ(n, 20);
	CHECK_STR(b, "       ");
	CHECK_EQ((unsigned char)b[8], CANARY);
	memset(b, CANARY, sizeof(b));
	n = kx_snprintf(b, 4, "%llu", 18446744073709551615ULL);
	CHECK_EQ(n, 20);
	CHECK_STR(b, "184");
	CHECK_EQ((unsigned char)b[4], CANARY);

	/* Every size from 0 to past the end against glibc. */
	for (size_t sz = 0; sz < 40; sz++) {
		char k[48], h[48];

		memset(k, CANARY, sizeof(k));
		memset(h, CANARY, sizeof(h));
		n = kx_snprintf(k, sz, "x=%-6d|%#x|%s", -12, 255u, "tail");
		CHECK_EQ(n, snprintf(h, sz, "x=%-6d|%#x|%s", -12, 255u, "tail"));
		CHECK_MSG(memcmp(k, h, sizeof(k)) == 0, "size %zu: buffers differ", sz);
	}
}

/* ---------------------------------------------------------------- generated */
static const char *const flag_chars = "-0+ #";
static const char *const widths[] = { "", "1", "3", "8", "25", "*" };
static const int star_widths[] = { 6, -6, 0, 21 };
static const char *const precs[] = { "", ".", ".0", ".1", ".4", ".20", ".*" };
static const int star_precs[] = { 3, -1, 0, 12 };
static const char *const lengths[] = { "hh", "h", "", "l", "ll", "z", "t", "j" };
static const char convs[] = "diuxXo";
static const long long values[] = {
	0, 1, -1, 7, 8, 9, 10, 15, 16, 42, 127, 128, 255, 256, -128, -129,
	32767, 32768, 65535, 65536, -32768, INT_MAX, INT_MIN, (long long)UINT_MAX,
	1LL << 32, LLONG_MAX, LLONG_MIN, -1LL, 0x123456789abcdefLL, -12345,
	(long long)0x8000000000000000ULL, 1000000007,
};

static unsigned long gen_failed;

/* Call compare_at with the value converted to the type the length modifier
 * and conversion ask for, and any '*' arguments first. */
#define CALL_T(T, val)                                                                   \
	do {                                                                             \
		if (sw && sp)                                                            \
			ok = compare_at(__FILE__, __LINE__, fmt, wv, pv, (T)(val));      \
		else if (sw)                                                             \
			ok = compare_at(__FILE__, __LINE__, fmt, wv, (T)(val));          \
		else if (sp)                                                             \
			ok = compare_at(__FILE__, __LINE__, fmt, pv, (T)(val));          \
		else                                                                     \
			ok = compare_at(__FILE__, __LINE__, fmt, (T)(val));              \
	} while (0)

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static bool gen_one(unsigned int flagmask, size_t wi, size_t pi, size_t li, char conv,
		    long long val, int wv, int pv)
{
	char fmt[32];
	size_t o = 0;
	bool sw = widths[wi][0] == '*', sp = precs[pi][0] && precs[pi][1] == '*';
	bool is_signed = conv == 'd' || conv == 'i';
	const char *len = lengths[li];
	bool ok = false;

	fmt[o++] = '[';
	fmt[o++] = '%';
	for (unsigned int f = 0; f < 5; f++)
		if (flagmask & (1u << f))
			fmt[o++] = flag_chars[f];
	o += (size_t)snprintf(fmt + o, sizeof(fmt) - o, "%s%s%s%c]", widths[wi], precs[pi], len,
			      conv);

	if (!strcmp(len, "hh") || !strcmp(len, "h") || !*len) {
		if (is_signed)
			CALL_T(int, val);
		else
			CALL_T(unsigned int, val);
	} else if (!strcmp(len, "l")) {
		if (is_signed)
			CALL_T(long, val);
		else
			CALL_T(unsigned long, val);
	} else if (!strcmp(len, "ll")) {
		if (is_signed)
			CALL_T(long long, val);
		else
			CALL_T(unsigned long long, val);
	} else if (!strcmp(len, "z")) {
		if (is_signed)
			CALL_T(ssize_t, val);
		else
			CALL_T(size_t, val);
	} else if (!strcmp(len, "t")) {
		if (is_signed)
			CALL_T(ptrdiff_t, val);
		else
			CALL_T(size_t, val);
	} else {
		if (is_signed)
			CALL_T(intmax_t, val);
		else
			CALL_T(uintmax_t, val);
	}
	return ok;
}
#pragma GCC diagnostic pop

static void gen_case(unsigned int flagmask, size_t wi, size_t pi, size_t li, size_t ci,
		     size_t vi)
{
	char conv = convs[ci];

	/* '#' with d, i, u is undefined in C: not compared. */
	if ((flagmask & 16) && (conv == 'd' || conv == 'i' || conv == 'u'))
		return;
	/* One call per statement: argument evaluation order differs between
	 * compilers, and the random sequence must not. */
	int wv = star_widths[xt_below(sizeof(star_widths) / sizeof(star_widths[0]))];
	int pv = star_precs[xt_below(sizeof(star_precs) / sizeof(star_precs[0]))];

	if (gen_one(flagmask, wi, pi, li, conv, values[vi], wv, pv))
		xt_passed++;
	else
		gen_failed++;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Every flag set, width, precision and conversion, for a few values. */
TEST(test_generated_exhaustive)
{
	static const size_t few[] = { 0, 2, 9, 15, 22, 26 };

	xt_srand(1);
	gen_failed = 0;
	for (unsigned int fl = 0; fl < 32; fl++)
		for (size_t wi = 0; wi < N(widths); wi++)
			for (size_t pi = 0; pi < N(precs); pi++)
				for (size_t ci = 0; ci < N(convs) - 1; ci++)
					for (size_t v = 0; v < N(few); v++)
						gen_case(fl, wi, pi, ci % 2 ? 4 : 2, ci, few[v]);
	CHECK_EQ(gen_failed, 0);
}

/* A large fixed-seed sample of the whole product, every length modifier. */
TEST(test_generated_random)
{
	xt_srand(2);
	gen_failed = 0;
	for (int i = 0; i < 400000; i++) {
		unsigned int fl = (unsigned int)xt_below(32);
		size_t wi = xt_below(N(widths));
		size_t pi = xt_below(N(precs));
		size_t li = xt_below(N(lengths));
		size_t ci = xt_below(N(convs) - 1);
		size_t vi = xt_below(N(values));

		gen_case(fl, wi, pi, li, ci, vi);
	}
	CHECK_EQ(gen_failed, 0);
}

int main(void)
{
	RUN(test_basic_conversions);
	RUN(test_length_modifiers);
	RUN(test_flags_width_precision);
	RUN(test_c_and_s);
	RUN(test_pointer);
	RUN(test_mixed_and_va_list);
	RUN(test_malformed);
	RUN(test_truncation);
	RUN(test_generated_exhaustive);
	RUN(test_generated_random);
	return xt_done();
}
