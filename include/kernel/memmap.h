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
	/* RAM the kernel keeps for itself (image, boot page tables, Xen's
	 * bootstrap area). Only memmap_reserve() creates it, never a loader:
	 * it is still RAM for the direct map but never reaches the page
	 * allocator. */
	MEM_KERNEL = 6,
};

struct mem_region {
	u64 base;
	u64 size;
	u32 type;
};

struct memmap {
	unsigned int nr;
	unsigned int dropped;        /* entries lost to overflow or invalid input */
	u64 lost_ram;                /* bytes of RAM given up to fit a reservation */
	struct mem_region r[MEMMAP_MAX];
};

/* Add a region as reported by firmware; invalid entries (zero size, wrap
 * around) are counted in ->dropped and ignored. Returns 0 or -errno. */
int memmap_add(struct memmap *m, u64 base, u64 size, u32 type);
/* Sort, merge adjacent regions of one type, and let non-RAM win where RAM
 * overlaps anything else (MEM_KERNEL wins over RAM only). RAM is trimmed
 * to whole pages. */
void memmap_sanitize(struct memmap *m);
/*
 * Take every RAM page touching [base, base+size) away from RAM: it becomes
 * MEM_KERNEL. Holes and firmware regions in the range are left as they are
 * (a reservation never makes something RAM-like that was not RAM). A range
 * wrapping past 2^64 is reserved up to the top of the address space.
 *
 * This cannot fail: the kernel image must never reach the page allocator.
 * If splitting a RAM region needs a slot in a full map, the smallest RAM
 * regions are dropped instead (->dropped and ->lost_ram count them). The
 * map is sanitised first and stays sanitised.
 */
void memmap_reserve(struct memmap *m, u64 base, u64 size);
/*
 * Find the lowest size bytes (whole pages) of RAM lying entirely below
 * `below` (0: no limit), reserve them as MEM_KERNEL and return their base
 * in *base. Returns 0, or -ENOMEM (and nothing changed) if no RAM region
 * can hold them.
 */
int memmap_carve(struct memmap *m, u64 size, u64 below, u64 *base);
u64 memmap_ram_total(const struct memmap *m);
/* End of the highest RAM region. */
u64 memmap_ram_end(const struct memmap *m);
const char *memmap_type_name(u32 type);
/* Map a BIOS e820 type (as used by PVH, multiboot2 and Xen) to ours. */
u32 memmap_type_from_e820(u32 e820_type);

#endif
