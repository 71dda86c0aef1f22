/* ACPI helpers shared by the native ACPI code (arch/x86/kernel/acpi.c) and
 * the host unit tests. The AML part (lib/acpi_aml.c) is pure: it only looks
 * at the buffer it is given and never reads outside [aml, aml + len). */
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

#endif
