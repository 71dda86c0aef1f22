/* Host tests for acpi_find_s5() (lib/acpi_aml.c): hand-built AML, every
 * truncation of every valid input, and a seeded fuzz loop. Built with
 * AddressSanitizer/UBSan by tests/acpi/Makefile; every input lives in a
 * heap buffer of exactly its length, so any read past the end is caught.
 *
 * Prints "N passed, N failed" and exits 1 on any failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kernel/errno.h>
#include <asm/acpi.h>

static unsigned long passed, failed;

#define CHECK(cond, ...)                                                        \
	do {                                                                    \
		if (cond) {                                                     \
			passed++;                                               \
		} else {                                                        \
			failed++;                                               \
			if (failed <= 50) {                                     \
				printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
				printf(__VA_ARGS__);                            \
				printf("\n");                                   \
			}                                                       \
		}                                                               \
	} while (0)

/* Run acpi_find_s5 on a private heap copy of exactly len bytes. */
static int run(const u8 *src, size_t len, u8 *a, u8 *b)
{
	u8 *buf = malloc(len ? len : 1);
	int rc;

	if (!buf)
		abort();
	if (len)
		memcpy(buf, src, len);
	/* len 0: pass a pointer to a 1-byte buffer; nothing may be read. */
	rc = acpi_find_s5(buf, len, a, b);
	free(buf);
	return rc;
}

#define S5 0x5f, 0x53, 0x35, 0x5f  /* "_S5_" */
#define S4 0x5f, 0x53, 0x34, 0x5f  /* "_S4_" */

struct vec {
	const char *name;
	const u8 *aml;
	size_t len;
	int rc;
	u8 a, b;
	bool ends_at_package_end;  /* every strict prefix must fail */
};

#define V(n, r, va, vb, tail, ...)                                              \
	{ n, (const u8[]){ __VA_ARGS__ }, sizeof((const u8[]){ __VA_ARGS__ }), r, va, vb, tail }

static const struct vec vecs[] = {
	/* Name(_S5_, Package(4){5, 5, 0, 0}) as iasl writes it. */
	V("byteprefix", 0, 5, 5, true,
	  0x08, S5, 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00),
	V("zero-one", 0, 0, 1, true,
	  0x08, S5, 0x12, 0x04, 0x02, 0x00, 0x01),
	V("one-zero 4 elements", 0, 1, 0, true,
	  0x08, S5, 0x12, 0x06, 0x04, 0x01, 0x00, 0x00, 0x00),
	V("root prefix", 0, 7, 3, true,
	  0x08, 0x5c, S5, 0x12, 0x06, 0x02, 0x0a, 0x07, 0x0a, 0x03),
	V("wordprefix", 0, 5, 6, true,
	  0x08, S5, 0x12, 0x08, 0x02, 0x0b, 0x05, 0x00, 0x0b, 0x06, 0x00),
	V("dword+qword", 0, 2, 3, true,
	  0x08, S5, 0x12, 0x10, 0x02, 0x0c, 0x02, 0, 0, 0, 0x0e, 0x03, 0, 0, 0, 0, 0, 0, 0),
	/* One element: the old combined form, a in bits 0-7, b in 8-15. */
	V("single combined", 0, 5, 7, true,
	  0x08, S5, 0x12, 0x05, 0x01, 0x0b, 0x05, 0x07),
	V("single byte", 0, 6, 0, true,
	  0x08, S5, 0x12, 0x04, 0x01, 0x0a, 0x06),
	/* Two-byte PkgLength encoding a small length (9). */
	V("pkglen 2 bytes (small)", 0, 5, 4, true,
	  0x08, S5, 0x12, 0x49, 0x00, 0x04, 0x0a, 0x05, 0x0a, 0x04, 0x00, 0x00),
	/* Inside a Scope(\) with a preceding _S4_ and trailing code. */
	V("in context", 0, 5, 0, false,
	  0x10, 0x1f, 0x5c, 0x00,
	  0x08, S4, 0x12, 0x07, 0x04, 0x0a, 0x04, 0x00, 0x00, 0x00,
	  0x08, S5, 0x12, 0x07, 0x04, 0x0a, 0x05, 0x00, 0x00, 0x00,
	  0x14, 0x08, 0x5f, 0x50, 0x54, 0x53, 0x01, 0xa3),
	/* A NameOp "_S5_" that is not a package (a false match), then the
	 * real one. */
	V("false match first", 0, 3, 3, false,
	  0x08, S5, 0x0a, 0x05,
	  0x08, 0x5c, S5, 0x12, 0x06, 0x02, 0x0a, 0x03, 0x0a, 0x03),

	V("no _S5_", -ENOENT, 0, 0, false,
	  0x08, S4, 0x12, 0x07, 0x04, 0x0a, 0x04, 0x00, 0x00, 0x00),
	V("empty-ish", -ENOENT, 0, 0, false, 0x00),
	V("_S5_ without NameOp", -ENOENT, 0, 0, false,
	  0x70, S5, 0x12, 0x04, 0x02, 0x00, 0x00),
	V("_S5_ at start", -ENOENT, 0, 0, false,
	  S5, 0x12, 0x04, 0x02, 0x00, 0x00),
	V("method _S5_", -ENOENT, 0, 0, false,
	  0x14, 0x0a, S5, 0x00, 0xa4, 0x12, 0x04, 0x02, 0x00, 0x00),
	V("not a package", -EBADMSG, 0, 0, false,
	  0x08, S5, 0x0a, 0x05),
	V("zero elements", -EBADMSG, 0, 0, false,
	  0x08, S5, 0x12, 0x02, 0x00),
	V("pkglen too short for NumElements", -EBADMSG, 0, 0, false,
	  0x08, S5, 0x12, 0x01, 0x02, 0x00, 0x00),
	V("pkglen zero", -EBADMSG, 0, 0, false,
	  0x08, S5, 0x12, 0x00, 0x02, 0x00, 0x00),
	V("pkglen past buffer", -EBADMSG, 0, 0, false,
	  0x08, S5, 0x12, 0x3f, 0x02, 0x00, 0x00),
	V("second element outside package", -EBADMSG, 0, 0, false,
	  0x08, S5, 0x12, 0x03, 0x02, 0x00, 0x00),
	V("element is a name", -EBADMSG, 0, 0, false,
	  0x08, S5, 0x12, 0x08, 0x02, 0x41, 0x42, 0x43, 0x44, 0x00, 0x00),
	V("byte value too big", -ERANGE, 0, 0, false,
	  0x08, S5, 0x12, 0x06, 0x02, 0x0a, 0x08, 0x0a, 0x00),
	V("ones", -ERANGE, 0, 0, false,
	  0x08, S5, 0x12, 0x04, 0x02, 0xff, 0x00),
	V("word value too big", -ERANGE, 0, 0, false,
	  0x08, S5, 0x12, 0x06, 0x02, 0x0b, 0x00, 0x01, 0x00),
	V("single combined too big", -ERANGE, 0, 0, false,
	  0x08, S5, 0x12, 0x05, 0x01, 0x0b, 0x05, 0x08),
};

static void test_vectors(void)
{
	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		const struct vec *v = &vecs[i];
		u8 a = 0xee, b = 0xee;
		int rc = run(v->aml, v->len, &a, &b);

		CHECK(rc == v->rc, "%s: rc %d, want %d", v->name, rc, v->rc);
		if (!v->rc) {
			CHECK(a == v->a && b == v->b, "%s: got %u/%u, want %u/%u", v->name, a,
			      b, v->a, v->b);
		} else {
			CHECK(a == 0xee && b == 0xee, "%s: outputs written on failure",
			      v->name);
		}
	}
}

/* Every strict prefix of a valid input that ends at its package's end
 * must fail, and must never read outside the prefix (ASan). Prefixes of
 * the other inputs may succeed or fail but must stay in bounds. */
static void test_truncation(void)
{
	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		const struct vec *v = &vecs[i];

		for (size_t k = 0; k < v->len; k++) {
			u8 a = 0xee, b = 0xee;
			int rc = run(v->aml, k, &a, &b);

			if (v->rc == 0 && v->ends_at_package_end)
				CHECK(rc != 0, "%s: prefix %zu of %zu accepted", v->name, k,
				      v->len);
			else
				CHECK(rc == 0 || rc == -ENOENT || rc == -EBADMSG ||
				      rc == -ERANGE, "%s: prefix %zu: rc %d", v->name, k, rc);
			if (rc)
				CHECK(a == 0xee && b == 0xee,
				      "%s: prefix %zu: outputs written on failure", v->name, k);
		}
	}
}

/* Name(_S5_, Package(2){a, b}) padded with ZeroOps to a PkgLength that
 * needs `nbytes` length bytes. */
static void test_long_pkglen(unsigned int nbytes, u32 pkglen)
{
	size_t len = 6 + pkglen, p = 0;
	u8 *buf = calloc(1, len), a = 0xee, b = 0xee;
	int rc;

	if (!buf)
		abort();
	buf[p++] = 0x08;
	memcpy(buf + p, "_S5_", 4);
	p += 4;
	buf[p++] = 0x12;
	buf[p++] = nbytes == 1 ? (u8)pkglen : (u8)((nbytes - 1) << 6 | (pkglen & 0x0f));
	for (unsigned int i = 1; i < nbytes; i++)
		buf[p++] = (u8)(pkglen >> (4 + 8 * (i - 1)));
	buf[p++] = 0x02;
	buf[p++] = 0x0a;
	buf[p++] = 0x06;
	buf[p++] = 0x0a;
	buf[p++] = 0x02;
	/* The rest are ZeroOps already. */
	rc = acpi_find_s5(buf, len, &a, &b);
	CHECK(rc == 0 && a == 6 && b == 2, "pkglen %u bytes (%#x): rc %d, %u/%u", nbytes,
	      pkglen, rc, a, b);
	/* One byte short: the package no longer fits. */
	rc = acpi_find_s5(buf, len - 1, &a, &b);
	CHECK(rc == -EBADMSG, "pkglen %u bytes (%#x) truncated by one: rc %d", nbytes,
	      pkglen, rc);
	free(buf);
}

static void test_args(void)
{
	static const u8 ok[] = { 0x08, S5, 0x12, 0x04, 0x02, 0x00, 0x01 };
	u8 a, b;

	CHECK(acpi_find_s5(NULL, 10, &a, &b) == -EINVAL, "NULL aml");
	CHECK(acpi_find_s5(ok, sizeof(ok), NULL, &b) == -EINVAL, "NULL a");
	CHECK(acpi_find_s5(ok, sizeof(ok), &a, NULL) == -EINVAL, "NULL b");
	CHECK(run(ok, 0, &a, &b) == -ENOENT, "empty buffer");
}

/* xorshift64*: deterministic, seedable. */
static u64 rng_state = 0x9e3779b97f4a7c15ULL;

static u64 rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static void fuzz_check(const u8 *buf, size_t len, unsigned long iter)
{
	u8 a = 0xee, b = 0xee;
	int rc = run(buf, len, &a, &b);

	if (rc == 0)
		CHECK(a <= ACPI_SLP_TYP_MAX && b <= ACPI_SLP_TYP_MAX,
		      "fuzz %lu: accepted out-of-range %u/%u", iter, a, b);
	else
		CHECK((rc == -ENOENT || rc == -EBADMSG || rc == -ERANGE) && a == 0xee &&
		      b == 0xee, "fuzz %lu: rc %d outputs %u/%u", iter, rc, a, b);
}

/* Random bytes biased toward the tokens the parser looks at, plus random
 * mutations of the valid vectors. */
static void test_fuzz(unsigned long iters)
{
	static const u8 tokens[] = { 0x08, 0x5c, 0x12, 0x00, 0x01, 0x0a, 0x0b, 0x0c,
				     0x0e, 0xff, 0x40, 0x80, 0xc0, 0x02, 0x04 };
	u8 buf[96];

	for (unsigned long it = 0; it < iters; it++) {
		size_t len;

		if (it & 1) {
			const struct vec *v = &vecs[rnd() % (sizeof(vecs) / sizeof(vecs[0]))];
			unsigned int flips = 1 + rnd() % 4;

			len = v->len;
			memcpy(buf, v->aml, len);
			for (unsigned int f = 0; f < flips; f++) {
				size_t pos = rnd() % len;

				buf[pos] = (rnd() & 1) ? tokens[rnd() % sizeof(tokens)] : (u8)rnd();
			}
			len = rnd() % (len + 1);   /* and maybe truncate */
		} else {
			len = rnd() % sizeof(buf);
			for (size_t i = 0; i < len; i++)
				buf[i] = (rnd() % 4) ? tokens[rnd() % sizeof(tokens)] : (u8)rnd();
			/* Plant a header most of the time. */
			if (len >= 7 && (rnd() % 4)) {
				size_t at = rnd() % (len - 6);

				buf[at] = 0x08;
				memcpy(buf + at + 1, "_S5_", 4);
				buf[at + 5] = 0x12;
			}
		}
		fuzz_check(buf, len, it);
	}
}

int main(int argc, char **argv)
{
	unsigned long iters = argc > 1 ? strtoul(argv[1], NULL, 0) : 300000;

	test_args();
	test_vectors();
	test_truncation();
	test_long_pkglen(1, 0x3f);
	test_long_pkglen(2, 0x0fff);
	test_long_pkglen(3, 0x0fffff);
	test_long_pkglen(4, 0x100005);
	test_fuzz(iters);
	printf("%lu passed, %lu failed\n", passed, failed);
	return failed ? 1 : 0;
}
