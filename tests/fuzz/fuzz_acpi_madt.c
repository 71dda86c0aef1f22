/* libFuzzer target: lib/acpi_madt.c's acpi_parse_madt(), fed arbitrary
 * tables (firmware data, treated as hostile).
 *
 * Input: a control byte, then the table. Control bit 0: the fuzzer writes
 * the "APIC" signature and the buffer's length into the header (when it is
 * long enough), so most inputs reach the entries; bit 1: the checksum is
 * checked; bits 2-7: the caller's maximum (0-63). The table is a heap copy
 * of exactly its length, so ASan reports any read past it; cpus[] has
 * sentinel slots past the maximum that must stay untouched.
 *
 * The result must match a reference parser written from
 * include/asm/acpi.h's contract with 64-bit offsets:
 *
 *   len >= 44, "APIC", 44 <= length field <= len, checksum over the length
 *   when asked, else -EBADMSG with nothing found. lapic_pa = u32 at 36.
 *   Entries from 44 while below the length: fewer than 2 bytes left, a
 *   length byte < 2 or past the end, or type 0 < 8 / type 5 < 12 / type 9
 *   < 16 bytes: -EBADMSG, keeping what came before. Type 0: uid byte 2,
 *   id byte 3, flags u32 at 4; type 9: id u32 at 4, flags at 8, uid at 12;
 *   kept when flags has bit 0 or 1, written while fewer than max, else
 *   dropped++. Type 5: lapic_pa = u64 at 4. */
#include "kx.h"
#include <asm/acpi.h>
#include <kernel/errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(...)                                                                         \
	do {                                                                              \
		fprintf(stderr, "fuzz_acpi_madt: " __VA_ARGS__);                          \
		fputc('\n', stderr);                                                      \
		abort();                                                                  \
	} while (0)

#define MAXC 64
#define SPARE 4

static u64 rd(const u8 *b, u64 off, int n)
{
	u64 v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | b[off + (u64)i];
	return v;
}

static void ref_cpu(struct acpi_madt_cpu *cpus, unsigned int max, struct acpi_madt_info *info,
		    u64 uid, u64 id, u64 flags)
{
	if (!(flags & 3))
		return;
	if (info->nr < max) {
		cpus[info->nr].uid = (u32)uid;
		cpus[info->nr].apic_id = (u32)id;
		cpus[info->nr].flags = (u32)flags;
		info->nr++;
	} else {
		info->dropped++;
	}
}

static int ref_parse(const u8 *t, u64 len, bool sum, struct acpi_madt_cpu *cpus, unsigned int max,
		     struct acpi_madt_info *info)
{
	u64 tlen, off;

	memset(info, 0, sizeof(*info));
	if (len < 44 || memcmp(t, "APIC", 4))
		return -EBADMSG;
	tlen = rd(t, 4, 4);
	if (tlen < 44 || tlen > len)
		return -EBADMSG;
	if (sum) {
		unsigned int s = 0;

		for (u64 i = 0; i < tlen; i++)
			s += t[i];
		if (s & 0xff)
			return -EBADMSG;
	}
	info->lapic_pa = rd(t, 36, 4);
	for (off = 44; off < tlen;) {
		u64 type, elen;

		if (off + 2 > tlen)
			return -EBADMSG;
		type = t[off];
		elen = t[off + 1];
		if (elen < 2 || off + elen > tlen)
			return -EBADMSG;
		if ((type == 0 && elen < 8) || (type == 5 && elen < 12) || (type == 9 && elen < 16))
			return -EBADMSG;
		if (type == 0)
			ref_cpu(cpus, max, info, t[off + 2], t[off + 3], rd(t, off + 4, 4));
		else if (type == 9)
			ref_cpu(cpus, max, info, rd(t, off + 12, 4), rd(t, off + 4, 4),
				rd(t, off + 8, 4));
		else if (type == 5)
			info->lapic_pa = rd(t, off + 4, 8);
		off += elen;
	}
	return 0;
}

static struct acpi_madt_cpu got[MAXC + SPARE], want[MAXC + SPARE];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct acpi_madt_info gi, wi;
	unsigned int max;
	bool sum;
	size_t len;
	u8 *buf;
	int rc, ref;

	if (size < 1)
		return 0;
	len = size - 1;
	sum = data[0] & 2;
	max = data[0] >> 2;
	buf = malloc(len ? len : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, len);
	if ((data[0] & 1) && len >= 8) {
		memcpy(buf, "APIC", 4);
		for (int i = 0; i < 4; i++)
			buf[4 + i] = (u8)(len >> (8 * i));
	}

	memset(got, 0xee, sizeof(got));
	memset(want, 0xee, sizeof(want));
	memset(&gi, 0xee, sizeof(gi));
	rc = acpi_parse_madt(buf, len, sum, max ? got : NULL, max, &gi);
	ref = ref_parse(buf, len, sum, want, max, &wi);
	if (rc != ref)
		FAIL("rc %d, reference %d (len %zu)", rc, ref, len);
	if (gi.nr != wi.nr || gi.dropped != wi.dropped || gi.lapic_pa != wi.lapic_pa)
		FAIL("nr %u dropped %u lapic %#llx, reference %u %u %#llx", gi.nr, gi.dropped,
		     (unsigned long long)gi.lapic_pa, wi.nr, wi.dropped,
		     (unsigned long long)wi.lapic_pa);
	if (gi.nr > max)
		FAIL("nr %u above max %u", gi.nr, max);
	/* Written slots match; the rest, and the spares, are untouched. */
	if (memcmp(got, want, sizeof(got)))
		FAIL("cpus[] differs from the reference");
	if (acpi_parse_madt(NULL, len, sum, got, max, &gi) != -EINVAL ||
	    acpi_parse_madt(buf, len, sum, got, max, NULL) != -EINVAL ||
	    acpi_parse_madt(buf, len, sum, NULL, 1, &gi) != -EINVAL)
		FAIL("bad argument not rejected");
	free(buf);
	return 0;
}
