/* libFuzzer target: lib/acpi_irq.c's acpi_madt_irq_route(), fed arbitrary
 * MADTs (firmware data, treated as hostile).
 *
 * Input: a control byte, then the table. Control bits 0-3: the IRQ (0-15);
 * bit 4: default active low; bit 5: default level; bit 6: the fuzzer
 * writes "APIC" and the buffer's length into the header (when long
 * enough), so most inputs reach the entries. The table is a heap copy of
 * exactly its length (ASan catches reads past it).
 *
 * Checked: the result is one of 0, -EBADMSG, -ENOENT; on failure *r is
 * untouched; on success the I/O APIC's base is at most the GSI, and
 * without an override the GSI is the IRQ with the defaults; the same input
 * gives the same answer twice (no hidden state). */
#include "kx.h"
#include <asm/acpi.h>
#include <asm/acpi_irq.h>
#include <kernel/errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(...)                                                                         \
	do {                                                                              \
		fprintf(stderr, "fuzz_acpi_irq: " __VA_ARGS__);                           \
		fputc('\n', stderr);                                                      \
		abort();                                                                  \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct acpi_irq_route r, r2, sentinel;
	unsigned int irq;
	bool low, level;
	size_t len;
	u8 *buf;
	int rc;

	if (size < 1)
		return 0;
	irq = data[0] & 15;
	low = data[0] & 16;
	level = data[0] & 32;
	len = size - 1;
	buf = malloc(len ? len : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, len);
	if ((data[0] & 64) && len >= 8) {
		memcpy(buf, "APIC", 4);
		for (int i = 0; i < 4; i++)
			buf[4 + i] = (u8)(len >> (8 * i));
	}
	memset(&r, 0xee, sizeof(r));
	memset(&sentinel, 0xee, sizeof(sentinel));
	rc = acpi_madt_irq_route(buf, len, irq, low, level, &r);
	if (rc != 0 && rc != -EBADMSG && rc != -ENOENT)
		FAIL("unexpected rc %d", rc);
	if (rc) {
		if (memcmp(&r, &sentinel, sizeof(r)))
			FAIL("result written on failure (rc %d)", rc);
	} else {
		if (r.ioapic_gsi_base > r.gsi)
			FAIL("I/O APIC base %u above GSI %u", r.ioapic_gsi_base, r.gsi);
		if (!r.overridden && (r.gsi != irq || r.active_low != low || r.level != level))
			FAIL("no override, yet gsi %u low %d level %d", r.gsi, r.active_low, r.level);
	}
	memset(&r2, 0xee, sizeof(r2));
	if (acpi_madt_irq_route(buf, len, irq, low, level, &r2) != rc ||
	    (!rc && memcmp(&r, &r2, sizeof(r))))
		FAIL("a second call gave another answer");
	free(buf);
	return 0;
}
