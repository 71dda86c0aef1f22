/* Just enough AML to read the \_S5_ sleep-type package without an AML
 * interpreter. The input is firmware data and is treated as hostile: every
 * byte read is checked against the buffer length, and a package is never
 * read past its own PkgLength. Pure code, built into the kernel and into the
 * host tests (tests/acpi). */
#include <kernel/types.h>
#include <kernel/errno.h>
#include <asm/acpi.h>

#define AML_ZERO_OP 0x00
#define AML_ONE_OP 0x01
#define AML_NAME_OP 0x08
#define AML_BYTE_PREFIX 0x0a
#define AML_WORD_PREFIX 0x0b
#define AML_DWORD_PREFIX 0x0c
#define AML_QWORD_PREFIX 0x0e
#define AML_PACKAGE_OP 0x12
#define AML_ONES_OP 0xff
#define AML_ROOT_CHAR 0x5c /* '\' */

/*
 * PkgLength: the top two bits of the lead byte count the bytes that follow
 * (0-3). With none, bits 0-5 are the length; otherwise bits 0-3 are its low
 * nibble and each following byte adds 8 more bits. Bits 4-5 are reserved in
 * that case; like ACPICA we ignore them. The value counts the PkgLength
 * bytes themselves, so the package ends at (lead byte position + value).
 */
static int aml_pkg_length(const u8 *aml, size_t len, size_t *pos, u32 *out)
{
	size_t p = *pos;
	unsigned int follow, i;
	u32 v;
	u8 lead;

	if (p >= len)
		return -EBADMSG;
	lead = aml[p++];
	follow = lead >> 6;
	if (!follow) {
		v = lead & 0x3f;
	} else {
		if (follow > len - p)
			return -EBADMSG;
		v = lead & 0x0f;
		for (i = 0; i < follow; i++)
			v |= (u32)aml[p++] << (4 + 8 * i);
	}
	*pos = p;
	*out = v;
	return 0;
}

/* One integer data object (ComputationalData subset) in [*pos, end). */
static int aml_integer(const u8 *aml, size_t end, size_t *pos, u64 *out)
{
	size_t p = *pos;
	unsigned int n, i;
	u64 v = 0;

	if (p >= end)
		return -EBADMSG;
	switch (aml[p++]) {
	case AML_ZERO_OP:
		n = 0;
		break;
	case AML_ONE_OP:
		n = 0;
		v = 1;
		break;
	case AML_ONES_OP:
		n = 0;
		v = ~0ULL;
		break;
	case AML_BYTE_PREFIX:
		n = 1;
		break;
	case AML_WORD_PREFIX:
		n = 2;
		break;
	case AML_DWORD_PREFIX:
		n = 4;
		break;
	case AML_QWORD_PREFIX:
		n = 8;
		break;
	default:
		/* A name reference, expression or nested object: not
		 * something we can evaluate without an interpreter. */
		return -EBADMSG;
	}
	if (n > end - p)
		return -EBADMSG;
	for (i = 0; i < n; i++)
		v |= (u64)aml[p + i] << (8 * i);
	*pos = p + n;
	*out = v;
	return 0;
}

/* Parse the DataRefObject that follows a "_S5_" NameSeg at aml[p]. */
static int aml_parse_s5_package(const u8 *aml, size_t len, size_t p, u8 *slp_typa,
				u8 *slp_typb)
{
	size_t pkg_start, end;
	u64 a, b = 0;
	u32 pkg_len;
	u8 nr_elements;
	int rc;

	if (p >= len || aml[p] != AML_PACKAGE_OP)
		return -EBADMSG;
	pkg_start = ++p;
	rc = aml_pkg_length(aml, len, &p, &pkg_len);
	if (rc)
		return rc;
	/* The package must lie inside the buffer and hold at least its own
	 * PkgLength and the NumElements byte. */
	if (pkg_len > len - pkg_start || pkg_len < p - pkg_start + 1)
		return -EBADMSG;
	end = pkg_start + pkg_len;
	nr_elements = aml[p++];
	if (!nr_elements)
		return -EBADMSG;
	rc = aml_integer(aml, end, &p, &a);
	if (rc)
		return rc;
	if (nr_elements >= 2) {
		rc = aml_integer(aml, end, &p, &b);
		if (rc)
			return rc;
	} else {
		/* Old single-integer form: SLP_TYPa in bits 0-7,
		 * SLP_TYPb in bits 8-15. */
		b = (a >> 8) & 0xff;
		a &= 0xff;
	}
	if (a > ACPI_SLP_TYP_MAX || b > ACPI_SLP_TYP_MAX)
		return -ERANGE;
	*slp_typa = (u8)a;
	*slp_typb = (u8)b;
	return 0;
}

int acpi_find_s5(const u8 *aml, size_t len, u8 *slp_typa, u8 *slp_typb)
{
	int rc = -ENOENT;
	size_t i;

	if (!aml || !slp_typa || !slp_typb)
		return -EINVAL;
	/* NameOp + "_S5_" needs 5 bytes; the loop condition also keeps
	 * i + 3 < len. */
	for (i = 1; i + 4 <= len; i++) {
		int r;

		if (aml[i] != '_' || aml[i + 1] != 'S' || aml[i + 2] != '5' ||
		    aml[i + 3] != '_')
			continue;
		if (aml[i - 1] != AML_NAME_OP &&
		    !(i >= 2 && aml[i - 1] == AML_ROOT_CHAR && aml[i - 2] == AML_NAME_OP))
			continue;
		r = aml_parse_s5_package(aml, len, i + 4, slp_typa, slp_typb);
		if (!r)
			return 0;
		/* Could be a false match inside other data: keep looking,
		 * but report why the last candidate was rejected. */
		rc = r;
	}
	return rc;
}
