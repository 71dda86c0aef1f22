/* Where an ISA IRQ arrives: the MADT's Interrupt Source Overrides and I/O
 * APICs. Firmware data, treated as hostile: the walk is lib/acpi_madt.c's
 * bounded acpi_madt_walk(), and each entry's length is checked against what
 * its type needs before its fields are read. Pure code, built into the
 * kernel and into the host tests (tests/unit/test_acpi_irq.c,
 * tests/fuzz/fuzz_acpi_irq.c). */
#include <kernel/errno.h>
#include <asm/acpi.h>
#include <asm/acpi_irq.h>

#define MADT_IOAPIC_LEN 12
#define MADT_ISO_LEN 10

/* ISO flags (MPS INTI flags): polarity in bits 0-1, trigger in bits 2-3;
 * 0 = as the bus says, 1 = active high / edge, 3 = active low / level,
 * 2 = reserved. */
#define INTI_CONFORMS 0
#define INTI_HIGH_OR_EDGE 1
#define INTI_RESERVED 2

static u32 irq_get32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

struct irq_walk {
	unsigned int irq;
	bool have_iso, have_ioapic;
	struct acpi_irq_route out;
};

/* First pass: every entry of the two types we read is long enough, and
 * the first override of this ISA IRQ (bus 0), which may move the GSI. */
static int irq_iso_entry(u8 type, const u8 *e, size_t elen, void *ctx)
{
	struct irq_walk *w = ctx;
	unsigned int flags, pol, trig;

	if ((type == ACPI_MADT_IOAPIC && elen < MADT_IOAPIC_LEN) ||
	    (type == ACPI_MADT_ISO && elen < MADT_ISO_LEN))
		return -EBADMSG;
	if (type != ACPI_MADT_ISO || e[2] != 0 || e[3] != w->irq || w->have_iso)
		return 0;
	flags = (unsigned int)e[8] | (unsigned int)e[9] << 8;
	pol = flags & 3;
	trig = flags >> 2 & 3;
	if (pol == INTI_RESERVED || trig == INTI_RESERVED)
		return -EBADMSG;
	w->have_iso = true;
	w->out.overridden = true;
	w->out.gsi = irq_get32(e + 4);
	if (pol != INTI_CONFORMS)
		w->out.active_low = pol != INTI_HIGH_OR_EDGE;
	if (trig != INTI_CONFORMS)
		w->out.level = trig != INTI_HIGH_OR_EDGE;
	return 0;
}

/* Second pass, once the GSI is known: the I/O APIC with the highest base
 * not above it. */
static int irq_ioapic_entry(u8 type, const u8 *e, size_t elen, void *ctx)
{
	struct irq_walk *w = ctx;
	u32 base;

	(void)elen; /* checked by the first pass */
	if (type != ACPI_MADT_IOAPIC)
		return 0;
	base = irq_get32(e + 8);
	if (base > w->out.gsi || (w->have_ioapic && base <= w->out.ioapic_gsi_base))
		return 0;
	w->have_ioapic = true;
	w->out.ioapic_id = e[2];
	w->out.ioapic_pa = irq_get32(e + 4);
	w->out.ioapic_gsi_base = base;
	return 0;
}

int acpi_madt_irq_route(const u8 *table, size_t len, unsigned int irq, bool def_low,
			bool def_level, struct acpi_irq_route *r)
{
	struct irq_walk w = {
		.irq = irq,
		.out = { .gsi = irq, .active_low = def_low, .level = def_level },
	};
	int rc;

	if (!table || !r || irq > 15)
		return -EINVAL;
	/* The checksum is the caller's (see the header). */
	rc = acpi_madt_walk(table, len, false, irq_iso_entry, &w);
	if (rc)
		return rc;
	rc = acpi_madt_walk(table, len, false, irq_ioapic_entry, &w);
	if (rc)
		return rc;
	if (!w.have_ioapic)
		return -ENOENT;
	*r = w.out;
	return 0;
}
