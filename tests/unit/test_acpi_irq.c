/* Host tests for lib/acpi_irq.c (acpi_madt_irq_route): QEMU's MADT (the
 * SCI on IRQ 9 overridden to level / active high, IRQ 0 moved to GSI 2),
 * bus defaults when nothing overrides an IRQ or the flags conform, several
 * I/O APICs, the first override winning, overrides for other buses,
 * reserved flag values, missing I/O APIC, header and entry checks, and
 * every truncation. Each table is a heap buffer of exactly its length, so
 * ASan catches any read past it; *r must stay untouched on failure. */
#include <kernel/errno.h>
#include <asm/acpi.h>
#include <asm/acpi_irq.h>
#include <stdlib.h>
#include <string.h>
#include "test.h"

struct tbl {
	u8 b[1024];
	size_t len;
};

static void t_init(struct tbl *t)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->b, "APIC", 4);
	t->b[8] = 5;
	xt_put32(t->b + 36, 0xfee00000);
	t->len = ACPI_MADT_HDR_LEN;
}

static void t_raw(struct tbl *t, const u8 *e, size_t n)
{
	memcpy(t->b + t->len, e, n);
	t->len += n;
}

static void t_lapic(struct tbl *t, u8 id)
{
	u8 e[8] = { 0, 8, id, id, 1 };

	t_raw(t, e, sizeof(e));
}

static void t_ioapic(struct tbl *t, u8 id, u32 pa, u32 base)
{
	u8 e[12] = { ACPI_MADT_IOAPIC, 12, id };

	xt_put32(e + 4, pa);
	xt_put32(e + 8, base);
	t_raw(t, e, sizeof(e));
}

static void t_iso(struct tbl *t, u8 bus, u8 src, u32 gsi, u16 flags)
{
	u8 e[10] = { ACPI_MADT_ISO, 10, bus, src };

	xt_put32(e + 4, gsi);
	e[8] = (u8)flags;
	e[9] = (u8)(flags >> 8);
	t_raw(t, e, sizeof(e));
}

static void t_finish(struct tbl *t)
{
	xt_put32(t->b + 4, (u32)t->len);
}

static int route(const u8 *src, size_t len, unsigned int irq, bool low, bool level,
		 struct acpi_irq_route *r)
{
	u8 *copy = malloc(len ? len : 1);
	int rc;

	if (!copy)
		abort();
	memcpy(copy, src, len);
	memset(r, 0xee, sizeof(*r));
	rc = acpi_madt_irq_route(copy, len, irq, low, level, r);
	free(copy);
	return rc;
}

static bool untouched(const struct acpi_irq_route *r)
{
	const u8 *p = (const u8 *)r;

	for (size_t i = 0; i < sizeof(*r); i++)
		if (p[i] != 0xee)
			return false;
	return true;
}

/* What QEMU's pc machine builds: overrides for IRQ 0 (to GSI 2), 5, 9
 * (the SCI: level, active high), 10, 11. */
static void qemu_madt(struct tbl *t)
{
	t_init(t);
	t_lapic(t, 0);
	t_lapic(t, 1);
	t_ioapic(t, 0, 0xfec00000, 0);
	t_iso(t, 0, 0, 2, 0);
	t_iso(t, 0, 5, 5, 0x000d);
	t_iso(t, 0, 9, 9, 0x000d);
	t_iso(t, 0, 10, 10, 0x000d);
	t_iso(t, 0, 11, 11, 0x000d);
	t_finish(t);
}

TEST(test_qemu_sci)
{
	struct tbl t;
	struct acpi_irq_route r;

	qemu_madt(&t);
	CHECK_EQ(route(t.b, t.len, 9, true, true, &r), 0);
	CHECK_EQ(r.gsi, 9);
	CHECK(!r.active_low);
	CHECK(r.level);
	CHECK(r.overridden);
	CHECK_EQ(r.ioapic_pa, 0xfec00000);
	CHECK_EQ(r.ioapic_gsi_base, 0);
	CHECK_EQ(r.ioapic_id, 0);
	/* IRQ 0 moves to GSI 2; its flags conform: the defaults stay. */
	CHECK_EQ(route(t.b, t.len, 0, false, false, &r), 0);
	CHECK_EQ(r.gsi, 2);
	CHECK(!r.active_low && !r.level && r.overridden);
	/* IRQ 4 has no override: identity, defaults. */
	CHECK_EQ(route(t.b, t.len, 4, true, true, &r), 0);
	CHECK_EQ(r.gsi, 4);
	CHECK(r.active_low && r.level && !r.overridden);
}

TEST(test_several_ioapics_and_first_override)
{
	struct tbl t;
	struct acpi_irq_route r;

	t_init(&t);
	t_ioapic(&t, 1, 0xfec00000, 0);
	t_ioapic(&t, 2, 0xfec01000, 24);
	t_ioapic(&t, 3, 0xfec02000, 48);
	t_iso(&t, 1, 9, 40, 0x000f);    /* another bus: ignored */
	t_iso(&t, 0, 9, 30, 0x000f);    /* active low, level */
	t_iso(&t, 0, 9, 5, 0x0005);     /* a second one for IRQ 9: ignored */
	t_finish(&t);
	CHECK_EQ(route(t.b, t.len, 9, false, false, &r), 0);
	CHECK_EQ(r.gsi, 30);
	CHECK(r.active_low && r.level);
	CHECK_EQ(r.ioapic_id, 2);
	CHECK_EQ(r.ioapic_pa, 0xfec01000);
	CHECK_EQ(r.ioapic_gsi_base, 24);
	/* Order of the I/O APIC entries does not matter. */
	t_init(&t);
	t_ioapic(&t, 3, 0xfec02000, 48);
	t_iso(&t, 0, 3, 60, 0x0007);    /* active low (3), edge (1) */
	t_ioapic(&t, 1, 0xfec00000, 0);
	t_finish(&t);
	CHECK_EQ(route(t.b, t.len, 3, false, true, &r), 0);
	CHECK_EQ(r.gsi, 60);
	CHECK(r.active_low && !r.level);
	CHECK_EQ(r.ioapic_id, 3);
}

TEST(test_no_ioapic)
{
	struct tbl t;
	struct acpi_irq_route r;

	t_init(&t);
	t_lapic(&t, 0);
	t_finish(&t);
	CHECK_EQ(route(t.b, t.len, 9, true, true, &r), -ENOENT);
	CHECK(untouched(&r));
	/* An I/O APIC whose inputs start above the GSI does not serve it. */
	t_init(&t);
	t_ioapic(&t, 0, 0xfec00000, 16);
	t_finish(&t);
	CHECK_EQ(route(t.b, t.len, 9, true, true, &r), -ENOENT);
	CHECK(untouched(&r));
}

TEST(test_bad_args_and_flags)
{
	struct tbl t;
	struct acpi_irq_route r;

	qemu_madt(&t);
	CHECK_EQ(acpi_madt_irq_route(NULL, t.len, 9, true, true, &r), -EINVAL);
	CHECK_EQ(acpi_madt_irq_route(t.b, t.len, 9, true, true, NULL), -EINVAL);
	CHECK_EQ(route(t.b, t.len, 16, true, true, &r), -EINVAL);
	CHECK(untouched(&r));
	for (u16 bad = 0; bad < 16; bad++) {
		bool reserved = (bad & 3) == 2 || (bad >> 2 & 3) == 2;

		t_init(&t);
		t_ioapic(&t, 0, 0xfec00000, 0);
		t_iso(&t, 0, 9, 9, bad);
		t_finish(&t);
		CHECK_EQ(route(t.b, t.len, 9, true, true, &r), reserved ? -EBADMSG : 0);
	}
}

TEST(test_bad_header_and_entries)
{
	struct tbl t;
	struct acpi_irq_route r;

	qemu_madt(&t);
	t.b[0] = 'X';
	CHECK_EQ(route(t.b, t.len, 9, true, true, &r), -EBADMSG);
	qemu_madt(&t);
	xt_put32(t.b + 4, (u32)t.len + 1);    /* longer than the buffer */
	CHECK_EQ(route(t.b, t.len, 9, true, true, &r), -EBADMSG);
	xt_put32(t.b + 4, ACPI_MADT_HDR_LEN - 1);
	CHECK_EQ(route(t.b, t.len, 9, true, true, &r), -EBADMSG);
	CHECK(untouched(&r));
	/* A short I/O APIC entry, a short override, a zero length. */
	t_init(&t);
	{
		u8 e[11] = { ACPI_MADT_IOAPIC, 11 };

		t_raw(&t, e, sizeof(e));
	}
	t_finish(&t);
	CHECK_EQ(route(t.b, t.len, 9, true, true, &r), -EBADMSG);
	t_init(&t);
	t_ioapic(&t, 0, 0xfec00000, 0);
	{
		u8 e[9] = { ACPI_MADT_ISO, 9, 0, 9 };

		t_raw(&t, e, sizeof(e));
	}
	t_finish(&t);
	CHECK_EQ(route(t.b, t.len, 9, true, true, &r), -EBADMSG);
	t_init(&t);
	t_ioapic(&t, 0, 0xfec00000, 0);
	{
		u8 e[2] = { 7, 0 };

		t_raw(&t, e, sizeof(e));
	}
	t_finish(&t);
	CHECK_EQ(route(t.b, t.len, 9, true, true, &r), -EBADMSG);
	CHECK(untouched(&r));
}

TEST(test_truncated)
{
	struct tbl t;
	struct acpi_irq_route r;

	qemu_madt(&t);
	/* Every shorter buffer with the length field kept: never a read past
	 * the buffer (ASan), always -EBADMSG. */
	for (size_t n = 0; n < t.len; n++)
		CHECK_MSG(route(t.b, n, 9, true, true, &r) == -EBADMSG, "len %zu", n);
	/* Every shorter table (length field adjusted): fine at entry
	 * boundaries once the I/O APIC and the override are in. */
	for (size_t n = ACPI_MADT_HDR_LEN; n < t.len; n++) {
		struct tbl c = t;
		int rc;

		xt_put32(c.b + 4, (u32)n);
		rc = route(c.b, n, 9, true, true, &r);
		CHECK_MSG(rc == 0 || rc == -EBADMSG || rc == -ENOENT, "len %zu: rc %d", n, rc);
	}
}

int main(void)
{
	RUN(test_qemu_sci);
	RUN(test_several_ioapics_and_first_override);
	RUN(test_no_ioapic);
	RUN(test_bad_args_and_flags);
	RUN(test_bad_header_and_entries);
	RUN(test_truncated);
	return xt_done();
}
