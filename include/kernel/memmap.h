/* Physical memory map: a bounded, sanitised list of regions. Pure code, unit
 * tested on the host; boot protocols feed it untrusted entries. */
#ifndef KERNEL_MEMMAP_H
#define KERNEL_MEMMAP_H

#include <kernel/types.h>

#define MEMMAP_MAX 128

enum mem_type {
	MEM_RAM = 1,
	MEM_RESERVED = 2,
	MEM_ACPI = 3,
	MEM_NVS = 4,
	MEM_UNUSABLE = 5,
};

struct mem_region {
	u64 base;
	u64 size;
	u32 type;
};

struct memmap {
	unsigned int nr;
	unsigned int dropped;        /* entries lost to overflow or invalid input */
	struct mem_region r[MEMMAP_MAX];
};

/* Add a region as reported by firmware; invalid entries (zero size, wrap
 * around) are counted in ->dropped and ignored. Returns 0 or -errno. */
int memmap_add(struct memmap *m, u64 base, u64 size, u32 type);
/* Sort, merge adjacent regions of one type, and let non-RAM win where RAM
 * overlaps anything else. RAM is trimmed to whole pages. */
void memmap_sanitize(struct memmap *m);
/* Punch [base, base+size) out of RAM (mark it reserved). */
int memmap_reserve(struct memmap *m, u64 base, u64 size);
u64 memmap_ram_total(const struct memmap *m);
/* End of the highest RAM region. */
u64 memmap_ram_end(const struct memmap *m);
const char *memmap_type_name(u32 type);
/* Map a BIOS e820 type (as used by PVH, multiboot2 and Xen) to ours. */
u32 memmap_type_from_e820(u32 e820_type);

#endif
