/* libFuzzer target: lib/acpi_aml.c's acpi_find_s5(), fed arbitrary bytes as
 * the AML body of a DSDT/SSDT (firmware data, treated as hostile). The input
 * is copied into a heap buffer of exactly its length, so ASan reports any
 * read past it. The result must match a reference parser written from
 * include/asm/acpi.h's contract with its own bounded byte reader:
 *
 *   every NameOp ['\'] "_S5_" candidate, in order; the first whose
 *   DataRefObject is a PackageOp with a 1-4 byte PkgLength that fits the
 *   buffer, NumElements >= 1, and integer elements (ZeroOp, OneOp, OnesOp,
 *   Byte/Word/DWord/QWordPrefix) inside the package wins; one element is
 *   the combined form (a = bits 0-7, b = bits 8-15); values above 7 are
 *   -ERANGE (checked after both elements are read). No candidate: -ENOENT;
 *   otherwise the last candidate's error. Outputs are written only on
 *   success. */
#include "kx.h"
#include <asm/acpi.h>
#include <kernel/errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(...)                                                                         \
	do {                                                                              \
		fprintf(stderr, "fuzz_acpi_aml: " __VA_ARGS__);                           \
		fputc('\n', stderr);                                                      \
		abort();                                                                  \
	} while (0)

struct reader {
	const u8 *b;
	size_t pos, end; /* bytes [pos, end) may be read */
};

static bool rd(struct reader *r, u8 *v)
{
	if (r->pos >= r->end)
		return false;
	*v = r->b[r->pos++];
	return true;
}

static bool rd_int(struct reader *r, u64 *v)
{
	unsigned int n;
	u8 op, x;

	if (!rd(r, &op))
		return false;
	switch (op) {
	case 0x00: *v = 0; return true;
	case 0x01: *v = 1; return true;
	case 0xff: *v = ~0ULL; return true;
	case 0x0a: n = 1; break;
	case 0x0b: n = 2; break;
	case 0x0c: n = 4; break;
	case 0x0e: n = 8; break;
	default: return false;
	}
	*v = 0;
	for (unsigned int i = 0; i < n; i++) {
		if (!rd(r, &x))
			return false;
		*v |= (u64)x << (8 * i);
	}
	return true;
}

static int ref_package(const u8 *aml, size_t len, size_t at, u8 *a, u8 *b)
{
	struct reader r = { aml, at, len };
	u64 va, vb = 0;
	size_t start;
	u32 pkglen;
	u8 op, lead, x, nel;

	if (!rd(&r, &op) || op != 0x12)
		return -EBADMSG;
	start = r.pos;
	if (!rd(&r, &lead))
		return -EBADMSG;
	if (lead >> 6 == 0) {
		pkglen = lead & 0x3f;
	} else {
		pkglen = lead & 0x0f;
		for (unsigned int i = 0; i < (unsigned int)(lead >> 6); i++) {
			if (!rd(&r, &x))
				return -EBADMSG;
			pkglen |= (u32)x << (4 + 8 * i);
		}
	}
	if (pkglen > len - start)
		return -EBADMSG;
	/* From here on only the package's own bytes are readable. */
	r.end = start + pkglen;
	if (!rd(&r, &nel) || nel == 0)
		return -EBADMSG;
	if (!rd_int(&r, &va))
		return -EBADMSG;
	if (nel >= 2) {
		if (!rd_int(&r, &vb))
			return -EBADMSG;
	} else {
		vb = (va >> 8) & 0xff;
		va &= 0xff;
	}
	if (va > 7 || vb > 7)
		return -ERANGE;
	*a = (u8)va;
	*b = (u8)vb;
	return 0;
}

static int ref_find_s5(const u8 *aml, size_t len, u8 *a, u8 *b)
{
	int rc = -ENOENT;

	for (size_t i = 1; i + 4 <= len; i++) {
		int r;

		if (memcmp(aml + i, "_S5_", 4))
			continue;
		if (aml[i - 1] != 0x08 && !(i >= 2 && aml[i - 1] == '\\' && aml[i - 2] == 0x08))
			continue;
		r = ref_package(aml, len, i + 4, a, b);
		if (r == 0)
			return 0;
		rc = r;
	}
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	u8 *buf = malloc(size);
	u8 a = 0xee, b = 0xee, ra = 0xdd, rb = 0xdd;
	int rc, want;

	if (!buf && size)
		return 0;
	if (size)
		memcpy(buf, data, size);
	rc = acpi_find_s5(buf, size, &a, &b);
	want = ref_find_s5(buf, size, &ra, &rb);
	if (rc != want)
		FAIL("rc %d, reference %d (len %zu)", rc, want, size);
	if (rc == 0) {
		if (a != ra || b != rb)
			FAIL("SLP_TYP %u/%u, reference %u/%u", a, b, ra, rb);
		if (a > ACPI_SLP_TYP_MAX || b > ACPI_SLP_TYP_MAX)
			FAIL("SLP_TYP %u/%u out of range", a, b);
	} else if (a != 0xee || b != 0xee) {
		FAIL("outputs written on error %d", rc);
	}
	/* NULL arguments are rejected before anything is read. */
	if (acpi_find_s5(NULL, size, &a, &b) != -EINVAL || acpi_find_s5(buf, size, NULL, &b) != -EINVAL ||
	    acpi_find_s5(buf, size, &a, NULL) != -EINVAL)
		FAIL("NULL argument not rejected");
	free(buf);
	return 0;
}
