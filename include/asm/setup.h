#ifndef ASM_SETUP_H
#define ASM_SETUP_H

#include <kernel/types.h>

struct bootinfo;

void native_early_setup(struct bootinfo *bi);
int parse_pvh_start_info(struct bootinfo *bi, u32 info_pa);
extern u64 acpi_rsdp_phys;
extern u8 boot_cpu_has_nx;
extern u64 boot_pml4[];

/* ACPI (arch/x86/kernel/acpi.c when CONFIG_NATIVE_ACPI). */
int acpi_init(void);
void acpi_poweroff(void);
void acpi_reboot(void);

/* Native clock and timer (time_native.c). */
extern const struct pv_time_ops native_time_ops;
/* Starts the PIT countdown that time init later reads to calibrate the
 * TSC, so that the calibration overlaps the rest of early boot. */
void native_tsc_calibration_start(void);

#endif
