/* ACPI helpers shared by the native ACPI code (arch/x86/kernel/acpi.c) and
 * the host unit tests. The AML part (lib/acpi_aml.c) and the MADT part
 * (lib/acpi_madt.c) are pure: they only look at the buffer they are given
 * and never read outside it. */
#ifndef ASM_ACPI_H
#define ASM_ACPI_H

#include <kernel/types.h>

/* SLP_TYP is a 3-bit field of PM1x_CNT (and of SLEEP_CONTROL_REG). */
#define ACPI_SLP_TYP_MAX 7

/*
 * Find the \_S5_ (soft-off) package in a block of AML, such as the body of a
 * DSDT or SSDT (the bytes after the 36-byte table header), and return its
 * first two elements as SLP_TYPa / SLP_TYPb.
 *
 * Recognised: NameOp (0x08), an optional root prefix '\', the NameSeg
 * "_S5_", PackageOp (0x12), a 1-4 byte PkgLength, NumElements, and integer
 * elements encoded as ZeroOp, OneOp, or Byte/Word/DWord/QWordPrefix data.
 * A package with a single element is the old combined form: the low byte is
 * SLP_TYPa and the next byte SLP_TYPb.
 *
 * Returns 0 and fills *slp_typa / *slp_typb, or
 *   -EINVAL   bad arguments (NULL pointers),
 *   -ENOENT   no \_S5_ name object in the buffer,
 *   -EBADMSG  \_S5_ found but malformed or truncated,
 *   -ERANGE   a value does not fit the 3-bit SLP_TYP field.
 * The outputs are written only on success.
 */
int acpi_find_s5(const u8 *aml, size_t len, u8 *slp_typa, u8 *slp_typb);

/* MADT layout (ACPI 6.5, section 5.2.12): the 36-byte table header, the
 * 32-bit local APIC address and flags, then entries of (type, length, ...).
 */
#define ACPI_MADT_HDR_LEN 44
#define ACPI_MADT_LAPIC 0           /* Processor Local APIC, 8 bytes */
#define ACPI_MADT_LAPIC_OVERRIDE 5  /* Local APIC Address Override, 12 bytes */
#define ACPI_MADT_X2APIC 9          /* Processor Local x2APIC, 16 bytes */
#define ACPI_MADT_CPU_ENABLED (1U << 0)
#define ACPI_MADT_CPU_ONLINE_CAPABLE (1U << 1)

/* One usable processor: its ACPI processor UID, APIC ID and the entry's
 * flags (ACPI_MADT_CPU_*). */
struct acpi_madt_cpu {
	u32 uid;
	u32 apic_id;
	u32 flags;
};

struct acpi_madt_info {
	u64 lapic_pa;          /* the override's address if there is one */
	unsigned int nr;       /* entries written to cpus[] */
	unsigned int dropped;  /* usable processors beyond max */
};

/*
 * The bounded walk both MADT parsers share (lib/acpi_madt.c): the header's
 * signature must be "APIC", its length field at least ACPI_MADT_HDR_LEN and
 * at most len (only that many bytes are looked at), the checksum right when
 * check_sum is set; then fn is called for each entry, in table order, with
 * its type, its first byte and its length (at least 2, never past the
 * table). fn returning non-zero stops the walk with that value.
 * Returns 0, -EINVAL (table or fn NULL), -EBADMSG (header, or an entry
 * shorter than 2 bytes or running past the table), or fn's value.
 */
typedef int (*acpi_madt_entry_fn)(u8 type, const u8 *entry, size_t len, void *ctx);
int acpi_madt_walk(const u8 *table, size_t len, bool check_sum, acpi_madt_entry_fn fn,
		   void *ctx);

/*
 * Parse a MADT of len readable bytes at table, header included. The
 * header's signature must be "APIC" and its length field at least
 * ACPI_MADT_HDR_LEN and at most len; only that many bytes are looked at.
 * The checksum is verified only when check_sum is set (acpi_init() has
 * verified it already).
 *
 * Processor Local APIC and x2APIC entries whose flags have the enabled or
 * the online-capable bit set are written to cpus[] in table order, up to
 * max of them (cpus may be NULL when max is 0); further ones are counted in
 * info->dropped. A Local APIC Address Override replaces the header's
 * address. Other entry types are skipped.
 *
 * Returns 0, or
 *   -EINVAL   table or info is NULL, or cpus is NULL with max > 0,
 *   -EBADMSG  a bad signature, length or checksum, or an entry shorter than
 *             2 bytes, running past the table, or shorter than its type
 *             needs: the walk stops there, and info holds what came before.
 * info is always written when table and info are valid pointers.
 */
int acpi_parse_madt(const u8 *table, size_t len, bool check_sum, struct acpi_madt_cpu *cpus,
		    unsigned int max, struct acpi_madt_info *info);

/* The processors the native boot found in the MADT (arch/x86/kernel/acpi.c,
 * filled by acpi_init(); nr = 0 when there is no usable MADT). apic_id[] is
 * in table order, which the ACPI specification asks to start with the boot
 * processor; dropped counts processors beyond the array. */
#define ACPI_MAX_CPUS 64

struct acpi_cpus {
	unsigned int nr;
	unsigned int dropped;
	u32 apic_id[ACPI_MAX_CPUS];
	u64 lapic_pa;
};

extern struct acpi_cpus acpi_cpus;

#endif
