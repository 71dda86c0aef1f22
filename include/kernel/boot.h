/* What the boot protocol told us, normalised across native, PVH and PV. */
#ifndef KERNEL_BOOT_H
#define KERNEL_BOOT_H

#include <kernel/compiler.h>
#include <kernel/memmap.h>

#include <kernel/boot_entry.h>

#define BOOT_CMDLINE_MAX 1024

struct bootinfo {
	unsigned int entry;           /* BOOT_ENTRY_* */
	u32 boot_proto_info;          /* physical address handed over in %ebx */
	char cmdline[BOOT_CMDLINE_MAX];
	struct memmap memmap;
	const char *loader;           /* "QEMU PVH", "GRUB", "Xen" ... */
	const char *memmap_source;    /* where the memory map came from */
	u64 machine_ram;              /* Xen dom0: RAM in the host's map */
	unsigned int machine_map_entries;
	bool is_initial_domain;       /* Xen dom0 */
};

extern struct bootinfo boot_info;
extern u64 boot_tsc_start;

/* Entry from arch code once pv_ops is chosen. */
void __noreturn start_kernel(void);

/* Linker-provided image bounds (virtual addresses). */
extern char _start_image[], _end_image[], _stext[], _etext[], _sdata[], _edata[],
	__bss_start[], __bss_end[];

#endif
