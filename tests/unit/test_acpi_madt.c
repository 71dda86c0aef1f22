/* Host tests for lib/acpi_madt.c (acpi_parse_madt): a MADT like QEMU's and
 * a firmware-style one with x2APIC entries and an address override,
 * enabled / online-capable / disabled processors, the caller's maximum and
 * the dropped count, header checks (signature, length, checksum), entries
 * shorter than 2 bytes, running past the end or shorter than their type
 * needs, and every truncation. Every table is a heap buffer of exactly the
 * given length, so the ASan build catches any read past it. */
#include <kernel/errno.h>
#include <asm/acpi.h>
#include <stdlib.h>
#include <string.h>
#include "test.h"

/* ---------------------------------------------------------------- builder */

struct tbl {
	u8 b[4096];
	size_t len;
};

static void t_init(struct tbl *t, u32 lapic)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->b, "APIC", 4);
	t->b[8] = 5; /* revision */
	memcpy(t->b + 10, "XENLTH", 6);
	xt_put32(t->b + 36, lapic);
	xt_put32(t->b + 40, 1); /* PCAT_COMPAT */
	t->len = ACPI_MADT_HDR_LEN;
}

static void t_raw(struct tbl *t, const u8 *e, size_t n)
{
	memcpy(t->b + t->len, e, n);
	t->len += n;
}

static void t_lapic(struct tbl *t, u8 uid, u8 apic, u32 flags)
{
	u8 e[8] = { ACPI_MADT_LAPIC, 8, uid, apic };

	xt_put32(e + 4, flags);
	t_raw(t, e, sizeof(e));
}

static void t_x2apic(struct tbl *t, u32 uid, u32 apic, u32 flags)
{
	u8 e[16] = { ACPI_MADT_X2APIC, 16 };

	xt_put32(e + 4, apic);
	xt_put32(e + 8, flags);
	xt_put32(e + 12, uid);
	t_raw(t, e, sizeof(e));
}

static void t_override(struct tbl *t, u64 pa)
{
	u8 e[12] = { ACPI_MADT_LAPIC_OVERRIDE, 12 };

	xt_put64(e + 4, pa);
	t_raw(t, e, sizeof(e));
}

/* I/O APIC (type 1, 12 bytes) and an interrupt source override (type 2,
 * 10 bytes): skipped by the parser. */
static void t_ioapic(struct tbl *t)
{
	u8 e[12] = { 1, 12, 0, 0 };

	xt_put32(e + 4, 0xfec00000);
	t_raw(t, e, sizeof(e));
}

static void t_iso(struct tbl *t)
{
	u8 e[10] = { 2, 10, 0, 0, 2, 0, 0, 0, 0, 0 };

	t_raw(t, e, sizeof(e));
}

/* Set the length field and a correct checksum. */
static void t_finish(struct tbl *t)
{
	u8 sum = 0;

	xt_put32(t->b + 4, (u32)t->len);
	t->b[9] = 0;
	for (size_t i = 0; i < t->len; i++)
		sum += t->b[i];
	t->b[9] = (u8)-sum;
}

/* ---------------------------------------------------------------- runner */

#define MAXC 16

struct res {
	int rc;
	struct acpi_madt_info info;
	struct acpi_madt_cpu cpus[MAXC + 1]; /* one spare slot, checked untouched */
};

static int parse(const u8 *src, size_t len, bool sum, unsigned int max, struct res *r)
{
	u8 *copy = malloc(len ? len : 1);

	if (!copy)
		abort();
	memcpy(copy, src, len);
	memset(r, 0xee, sizeof(*r));
	r->rc = acpi_parse_madt(copy, len, sum, max ? r->cpus : NULL, max, &r->info);
	free(copy);
	return r->rc;
}

static bool spare_untouched(const struct res *r, unsigned int max)
{
	const u8 *p = (const u8 *)&r->cpus[max];

	for (size_t i = 0; i < sizeof(r->cpus[0]); i++)
		if (p[i] != 0xee)
			return false;
	return true;
}

/* What QEMU's q35 with 4 CPUs builds: LAPICs, an I/O APIC, overrides. */
static void qemu_madt(struct tbl *t)
{
	t_init(t, 0xfee00000);
	for (u8 i = 0; i < 4; i++)
		t_lapic(t, i, i, ACPI_MADT_CPU_ENABLED);
	t_ioapic(t);
	t_iso(t);
	t_iso(t);
	t_finish(t);
}

/* ---------------------------------------------------------------- tests */

TEST(test_qemu_like)
{
	struct tbl t;
	struct res r;

	qemu_madt(&t);
	CHECK_EQ(parse(t.b, t.len, true, MAXC, &r), 0);
	CHECK_EQ(r.info.lapic_pa, 0xfee00000);
	CHECK_EQ(r.info.nr, 4);
	CHECK_EQ(r.info.dropped, 0);
	for (unsigned int i = 0; i < 4; i++) {
		CHECK_EQ(r.cpus[i].uid, i);
		CHECK_EQ(r.cpus[i].apic_id, i);
		CHECK_EQ(r.cpus[i].flags, ACPI_MADT_CPU_ENABLED);
	}
	CHECK(spare_untouched(&r, 4));
	/* Without the checksum check the result is the same. */
	CHECK_EQ(parse(t.b, t.len, false, MAXC, &r), 0);
	CHECK_EQ(r.info.nr, 4);
	/* A longer buffer than the table, with an enabled processor after
	 * the table's end: only the table's length counts. */
	{
		static const u8 extra[8] = { ACPI_MADT_LAPIC, 8, 9, 9, 1, 0, 0, 0 };
		u8 big[4096];

		memset(big, 0, sizeof(big));
		memcpy(big, t.b, t.len);
		memcpy(big + t.len, extra, sizeof(extra));
		CHECK_EQ(parse(big, t.len + sizeof(extra), true, MAXC, &r), 0);
		CHECK_EQ(r.info.nr, 4);
	}
}

TEST(test_x2apic_and_flags)
{
	struct tbl t;
	struct res r;

	t_init(&t, 0xfee00000);
	t_lapic(&t, 0, 0, ACPI_MADT_CPU_ENABLED);
	t_lapic(&t, 1, 2, 0);                            /* disabled: skipped */
	t_lapic(&t, 2, 4, ACPI_MADT_CPU_ONLINE_CAPABLE); /* may be onlined */
	t_lapic(&t, 3, 6, ACPI_MADT_CPU_ENABLED | 0xf0);  /* reserved bits ignored */
	t_x2apic(&t, 300, 0x100, ACPI_MADT_CPU_ENABLED);
	t_x2apic(&t, 301, 0x101, 0);
	t_x2apic(&t, 302, 0xfffffffe, ACPI_MADT_CPU_ONLINE_CAPABLE);
	t_override(&t, 0x1fee00000ULL);
	t_ioapic(&t);
	t_finish(&t);
	CHECK_EQ(parse(t.b, t.len, true, MAXC, &r), 0);
	CHECK_EQ(r.info.lapic_pa, 0x1fee00000ULL);
	CHECK_EQ(r.info.nr, 5);
	CHECK_EQ(r.info.dropped, 0);
	CHECK_EQ(r.cpus[0].apic_id, 0);
	CHECK_EQ(r.cpus[1].uid, 2);
	CHECK_EQ(r.cpus[1].apic_id, 4);
	CHECK_EQ(r.cpus[1].flags, ACPI_MADT_CPU_ONLINE_CAPABLE);
	CHECK_EQ(r.cpus[2].apic_id, 6);
	CHECK_EQ(r.cpus[2].flags, ACPI_MADT_CPU_ENABLED | 0xf0);
	CHECK_EQ(r.cpus[3].uid, 300);
	CHECK_EQ(r.cpus[3].apic_id, 0x100);
	CHECK_EQ(r.cpus[4].uid, 302);
	CHECK_EQ(r.cpus[4].apic_id, 0xfffffffe);
	CHECK(spare_untouched(&r, 5));

	/* The override may come before the processors too. */
	t_init(&t, 0xfee00000);
	t_override(&t, 0xfed00000);
	t_lapic(&t, 0, 0, 1);
	t_finish(&t);
	CHECK_EQ(parse(t.b, t.len, true, MAXC, &r), 0);
	CHECK_EQ(r.info.lapic_pa, 0xfed00000);
	CHECK_EQ(r.info.nr, 1);

	/* Longer entries than the specification's (a later revision's
	 * fields) are read by their known prefix and skipped whole. */
	t_init(&t, 0xfee00000);
	{
		u8 e[12] = { ACPI_MADT_LAPIC, 12, 7, 9, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff };
		u8 x[20] = { ACPI_MADT_X2APIC, 20, 0, 0, 0x34, 0x12, 0, 0, 1, 0, 0, 0, 5 };

		t_raw(&t, e, sizeof(e));
		t_raw(&t, x, sizeof(x));
	}
	t_lapic(&t, 8, 10, 1);
	t_finish(&t);
	CHECK_EQ(parse(t.b, t.len, true, MAXC, &r), 0);
	CHECK_EQ(r.info.nr, 3);
	CHECK_EQ(r.cpus[0].uid, 7);
	CHECK_EQ(r.cpus[0].apic_id, 9);
	CHECK_EQ(r.cpus[1].apic_id, 0x1234);
	CHECK_EQ(r.cpus[1].uid, 5);
	CHECK_EQ(r.cpus[2].apic_id, 10);

	/* No processors at all. */
	t_init(&t, 0xfee00000);
	t_finish(&t);
	CHECK_EQ(parse(t.b, t.len, true, MAXC, &r), 0);
	CHECK_EQ(r.info.nr, 0);
	CHECK_EQ(r.info.dropped, 0);
}

TEST(test_max_and_dropped)
{
	struct tbl t;
	struct res r;

	t_init(&t, 0xfee00000);
	for (unsigned int i = 0; i < 40; i++) {
		if (i % 2)
			t_lapic(&t, (u8)i, (u8)i, i % 5 ? 1 : 0);
		else
			t_x2apic(&t, i, 1000 + i, i % 5 ? 1 : 0);
	}
	t_finish(&t);
	/* 40 entries, 8 of them disabled (i % 5 == 0): 32 usable. */
	for (unsigned int max = 0; max <= MAXC; max++) {
		CHECK_EQ(parse(t.b, t.len, true, max, &r), 0);
		CHECK_EQ(r.info.nr, max);
		CHECK_EQ(r.info.dropped, 32 - max);
		CHECK(spare_untouched(&r, max));
	}
	/* In table order: the first usable ones. */
	CHECK_EQ(parse(t.b, t.len, true, 3, &r), 0);
	CHECK_EQ(r.cpus[0].apic_id, 1);    /* i = 1 */
	CHECK_EQ(r.cpus[1].apic_id, 1002); /* i = 2 */
	CHECK_EQ(r.cpus[2].apic_id, 3);    /* i = 3 */
}

TEST(test_bad_args)
{
	struct tbl t;
	struct acpi_madt_info info;
	struct acpi_madt_cpu c;

	qemu_madt(&t);
	CHECK_EQ(acpi_parse_madt(NULL, t.len, false, &c, 1, &info), -EINVAL);
	CHECK_EQ(acpi_parse_madt(t.b, t.len, false, &c, 1, NULL), -EINVAL);
	CHECK_EQ(acpi_parse_madt(t.b, t.len, false, NULL, 1, &info), -EINVAL);
	CHECK_EQ(acpi_parse_madt(t.b, t.len, false, NULL, 0, &info), 0);
	CHECK_EQ(info.nr, 0);
	CHECK_EQ(info.dropped, 4);
}

TEST(test_bad_header)
{
	struct tbl t, good;
	struct res r;

	qemu_madt(&good);
	/* Signature. */
	t = good;
	t.b[0] = 'F';
	t_finish(&t);
	CHECK_EQ(parse(t.b, t.len, false, MAXC, &r), -EBADMSG);
	CHECK_EQ(r.info.nr, 0);
	/* Checksum, only when asked for. */
	t = good;
	t.b[40] ^= 1;
	CHECK_EQ(parse(t.b, t.len, true, MAXC, &r), -EBADMSG);
	CHECK_EQ(r.info.nr, 0);
	CHECK_EQ(parse(t.b, t.len, false, MAXC, &r), 0);
	/* Length field below the fixed part, above the buffer, huge. */
	for (u32 l = 0; l < ACPI_MADT_HDR_LEN; l++) {
		t = good;
		xt_put32(t.b + 4, l);
		CHECK_EQ(parse(t.b, t.len, false, MAXC, &r), -EBADMSG);
		CHECK_EQ(r.info.nr, 0);
	}
	t = good;
	xt_put32(t.b + 4, (u32)t.len + 1);
	CHECK_EQ(parse(t.b, t.len, false, MAXC, &r), -EBADMSG);
	xt_put32(t.b + 4, 0xffffffffu);
	CHECK_EQ(parse(t.b, t.len, false, MAXC, &r), -EBADMSG);
	/* A length field shorter than the buffer: only that much is read. */
	t = good;
	xt_put32(t.b + 4, ACPI_MADT_HDR_LEN + 16);
	CHECK_EQ(parse(t.b, t.len, false, MAXC, &r), 0);
	CHECK_EQ(r.info.nr, 2);
}

TEST(test_bad_entries)
{
	struct tbl t;
	struct res r;

	/* Length 0 and 1 would never advance or cut the header in half. */
	for (u8 l = 0; l < 2; l++) {
		u8 e[2] = { 1, l };

		t_init(&t, 0xfee00000);
		t_lapic(&t, 0, 0, 1);
		t_raw(&t, e, 2);
		t_lapic(&t, 1, 1, 1);
		t_finish(&t);
		CHECK_EQ(parse(t.b, t.len, true, MAXC, &r), -EBADMSG);
		CHECK_EQ(r.info.nr, 1); /* what came before is kept */
		CHECK_EQ(r.cpus[0].apic_id, 0);
		CHECK_EQ(r.info.lapic_pa, 0xfee00000);
	}
	/* An entry running past the end of the table. */
	t_init(&t, 0xfee00000);
	t_lapic(&t, 0, 0, 1);
	t_lapic(&t, 1, 1, 1);
	t.b[t.len - 8 + 1] = 9;
	t_finish(&t);
	CHECK_EQ(parse(t.b, t.len, true, MAXC, &r), -EBADMSG);
	CHECK_EQ(r.info.nr, 1);
	t.b[t.len - 8 + 1] = 255;
	t_finish(&t);
	CHECK_EQ(parse(t.b, t.len, true, MAXC, &r), -EBADMSG);
	CHECK_EQ(r.info.nr, 1);
	/* A single stray byte after the last entry. */
	t_init(&t, 0xfee00000);
	t_lapic(&t, 0, 0, 1);
	t.b[t.len++] = ACPI_MADT_LAPIC;
	t_finish(&t);
	CHECK_EQ(parse(t.b, t.len, true, MAXC, &r), -EBADMSG);
	CHECK_EQ(r.info.nr, 1);
	/* Entries shorter than their type's fields. */
	{
		static const struct { u8 type, len; } shorts[] = {
			{ ACPI_MADT_LAPIC, 2 }, { ACPI_MADT_LAPIC, 7 },
			{ ACPI_MADT_X2APIC, 8 }, { ACPI_MADT_X2APIC, 15 },
			{ ACPI_MADT_LAPIC_OVERRIDE, 4 }, { ACPI_MADT_LAPIC_OVERRIDE, 11 },
		};

		for (unsigned int i = 0; i < sizeof(shorts) / sizeof(shorts[0]); i++) {
			u8 e[32];

			memset(e, 1, sizeof(e));
			e[0] = shorts[i].type;
			e[1] = shorts[i].len;
			t_init(&t, 0xfee00000);
			t_lapic(&t, 0, 3, 1);
			t_raw(&t, e, shorts[i].len);
			t_lapic(&t, 1, 4, 1);
			t_finish(&t);
			CHECK_EQ(parse(t.b, t.len, true, MAXC, &r), -EBADMSG);
			CHECK_EQ(r.info.nr, 1);
			CHECK_EQ(r.info.lapic_pa, 0xfee00000);
		}
	}
	/* Unknown types only need a sane length. */
	{
		u8 e[3] = { 0x7f, 3, 0 };
		u8 f[2] = { 0xff, 2 };

		t_init(&t, 0xfee00000);
		t_raw(&t, e, 3);
		t_raw(&t, f, 2);
		t_lapic(&t, 1, 4, 1);
		t_finish(&t);
		CHECK_EQ(parse(t.b, t.len, true, MAXC, &r), 0);
		CHECK_EQ(r.info.nr, 1);
	}
}

/* Every truncation of a varied table, with the length field fixed up (the
 * entries are cut) and without (the header overstates the buffer). */
TEST(test_truncated)
{
	struct tbl good, t;
	struct res r, full;

	t_init(&good, 0xfee00000);
	t_lapic(&good, 0, 0, 1);
	t_ioapic(&good);
	t_x2apic(&good, 1, 0x200, 1);
	t_iso(&good);
	t_override(&good, 0xfee10000);
	t_lapic(&good, 2, 2, 1);
	t_finish(&good);
	CHECK_EQ(parse(good.b, good.len, true, MAXC, &full), 0);
	CHECK_EQ(full.info.nr, 3);
	for (size_t n = 0; n < good.len; n++) {
		CHECK_EQ(parse(good.b, n, false, MAXC, &r), -EBADMSG);
		if (n < ACPI_MADT_HDR_LEN)
			continue;
		t = good;
		t.len = n;
		t_finish(&t);
		parse(t.b, n, true, MAXC, &r);
		/* Cuts at entry boundaries are valid tables. */
		{
			static const size_t ends[] = { 44, 52, 64, 80, 90, 102 };
			bool boundary = false;

			for (unsigned int i = 0; i < 6; i++)
				boundary |= n == ends[i];
			CHECK_MSG(r.rc == (boundary ? 0 : -EBADMSG), "len %zu: rc %d", n, r.rc);
		}
		CHECK(r.info.nr <= full.info.nr);
		for (unsigned int i = 0; i < r.info.nr; i++)
			CHECK(r.cpus[i].apic_id == full.cpus[i].apic_id);
	}
}

int main(void)
{
	RUN(test_qemu_like);
	RUN(test_x2apic_and_flags);
	RUN(test_max_and_dropped);
	RUN(test_bad_args);
	RUN(test_bad_header);
	RUN(test_bad_entries);
	RUN(test_truncated);
	return xt_done();
}
