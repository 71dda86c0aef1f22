/* Boot entry identifiers shared with assembly. */
#ifndef KERNEL_BOOT_ENTRY_H
#define KERNEL_BOOT_ENTRY_H
#define BOOT_ENTRY_PVH 1
#define BOOT_ENTRY_MULTIBOOT2 2
#define BOOT_ENTRY_XEN_PV 3
#endif
