/* Where an ISA IRQ arrives: the MADT's Interrupt Source Overrides and I/O
 * APICs. Firmware data, treated as hostile like lib/acpi_madt.c does: the
 * walk is bounded by the smaller of the buffer and the table's length, each
 * entry's length is checked against what is left before its bytes are
 * read, and offsets are compared by subtraction. Pure code, built into the
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

int acpi_madt_irq_route(const u8 *table, size_t len, unsigned int irq, bool def_low,
			bool def_level, struct acpi_irq_route *r)
{
	struct acpi_irq_route out = { .gsi = irq, .active_low = def_low, .level = def_level };
	bool have_iso = false, have_ioapic = false;
	size_t tlen, off;

	if (!table || !r || irq > 15)
		return -EINVAL;
	if (len < ACPI_MADT_HDR_LEN || table[0] != 'A' || table[1] != 'P' || table[2] != 'I' ||
	    table[3] != 'C')
		return -EBADMSG;
	tlen = irq_get32(table + 4);
	if (tlen < ACPI_MADT_HDR_LEN || tlen > len)
		return -EBADMSG;

	/* First pass: the override, which may move the GSI. */
	for (off = ACPI_MADT_HDR_LEN; off < tlen;) {
		const u8 *e = table + off;
		size_t elen;

		if (tlen - off < 2)
			return -EBADMSG;
		elen = e[1];
		if (elen < 2 || elen > tlen - off)
			return -EBADMSG;
		if ((e[0] == ACPI_MADT_IOAPIC && elen < MADT_IOAPIC_LEN) ||
		    (e[0] == ACPI_MADT_ISO && elen < MADT_ISO_LEN))
			return -EBADMSG;
		if (e[0] == ACPI_MADT_ISO && e[2] == 0 && e[3] == irq && !have_iso) {
			unsigned int flags = (unsigned int)e[8] | (unsigned int)e[9] << 8;
			unsigned int pol = flags & 3, trig = flags >> 2 & 3;

			if (pol == INTI_RESERVED || trig == INTI_RESERVED)
				return -EBADMSG;
			have_iso = true;
			out.overridden = true;
			out.gsi = irq_get32(e + 4);
			if (pol != INTI_CONFORMS)
				out.active_low = pol != INTI_HIGH_OR_EDGE;
			if (trig != INTI_CONFORMS)
				out.level = trig != INTI_HIGH_OR_EDGE;
		}
		off += elen;
	}
	/* Second pass (the walk is known good now): the I/O APIC. */
	for (off = ACPI_MADT_HDR_LEN; off < tlen; off += table[off + 1]) {
		const u8 *e = table + off;
		u32 base;

		if (e[0] != ACPI_MADT_IOAPIC)
			continue;
		base = irq_get32(e + 8);
		if (base > out.gsi || (have_ioapic && base <= out.ioapic_gsi_base))
			continue;
		have_ioapic = true;
		out.ioapic_id = e[2];
		out.ioapic_pa = irq_get32(e + 4);
		out.ioapic_gsi_base = base;
	}
	if (!have_ioapic)
		return -ENOENT;
	*r = out;
	return 0;
}
