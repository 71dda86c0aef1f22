/* Routing an ISA interrupt (the ACPI SCI) to an I/O APIC input, from the
 * MADT's I/O APIC and Interrupt Source Override entries. lib/acpi_irq.c is
 * pure (host-tested, fuzzed); arch/x86/kernel/acpi_button.c uses it. */
#ifndef ASM_ACPI_IRQ_H
#define ASM_ACPI_IRQ_H

#include <kernel/types.h>

#define ACPI_MADT_IOAPIC 1          /* I/O APIC, 12 bytes */
#define ACPI_MADT_ISO 2             /* Interrupt Source Override, 10 bytes */

struct acpi_irq_route {
	u32 gsi;               /* global system interrupt the IRQ arrives on */
	bool active_low;
	bool level;            /* level-triggered (else edge) */
	bool overridden;       /* an ISO entry gave gsi / polarity / trigger */
	u64 ioapic_pa;         /* the I/O APIC with the highest base <= gsi */
	u32 ioapic_gsi_base;
	u8 ioapic_id;
};

/*
 * Route ISA IRQ irq (bus 0) through the MADT of len readable bytes at
 * table (header included; checksum already verified by the caller).
 * def_low / def_level are the bus's defaults, used when no override names
 * the IRQ or its flags say "conforms to the bus" (ISA: active high, edge;
 * the SCI: active low, level). The first override for bus 0 and this
 * source counts. The I/O APIC chosen is the one with the highest GSI base
 * not above the GSI; whether the GSI is within its inputs is for the
 * caller, which can read the I/O APIC's size, to check.
 *
 * Returns 0 with *r filled, or
 *   -EINVAL   table or r is NULL, or irq > 15,
 *   -EBADMSG  a bad signature or length, an entry shorter than 2 bytes,
 *             running past the table or shorter than its type needs, or an
 *             override with reserved polarity or trigger bits,
 *   -ENOENT   no I/O APIC serves the GSI.
 * *r is written only on success.
 */
int acpi_madt_irq_route(const u8 *table, size_t len, unsigned int irq, bool def_low,
			bool def_level, struct acpi_irq_route *r);

/* What the native ACPI code (arch/x86/kernel/acpi.c) found for the SCI:
 * its ISA IRQ (FADT SCI_INT), the PM1 event blocks (status at the port,
 * enable at port + pm1_evt_len / 2; 0 = absent), and the MADT's route
 * for it (route valid when route_rc is 0). */
struct acpi_sci {
	u16 irq;
	u16 pm1a_evt, pm1b_evt;
	u8 pm1_evt_len;
	int route_rc;
	struct acpi_irq_route route;
};

/* 0 and *out filled, or -ENODEV when ACPI is not in use (not native, no
 * valid FADT, or a hardware-reduced platform without PM1 events). */
int acpi_sci_info(struct acpi_sci *out);
/* Switch the chipset to ACPI mode (SCI_EN) through SMI_CMD if needed. */
void acpi_enable_mode(void);

/* The power button's SCI (arch/x86/kernel/acpi_button.c): 0, or -errno
 * when there is no usable SCI (then nothing was changed). */
int acpi_button_init(void);

#endif
