/* Virtual memory layout. Shared by C, assembly and the linker script. */
#ifndef ASM_PAGE_H
#define ASM_PAGE_H

#ifdef __ASSEMBLY__
#define _AC(x, s) x
#else
#define _AC(x, s) x##s
#endif

#define PAGE_SHIFT 12
#define PAGE_SIZE (_AC(1, UL) << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))

/* The kernel image is linked here and mapped to physical 0 onwards. Under Xen
 * PV this is also XEN_ELFNOTE_VIRT_BASE, so the domain builder's bootstrap
 * mapping gives the same virtual = base + pseudo-physical relation. */
#define KERNEL_VBASE _AC(0xffffffff80000000, UL)
/* Physical (and pseudo-physical) load address of the image. */
#define KERNEL_PHYS_LOAD _AC(0x100000, UL)
/* All of RAM is mapped here once the memory map is known. The slot sits above
 * the range Xen reserves for itself in 64-bit PV guests. */
#define DIRECT_MAP_BASE _AC(0xffff888000000000, UL)
/* Scratch virtual range for page-table tests and temporary mappings. */
#define VMAP_BASE _AC(0xffffc90000000000, UL)
#define VMAP_SIZE (_AC(1, UL) << 30)

#define BOOT_STACK_SIZE (_AC(4, UL) * PAGE_SIZE)

#ifndef __ASSEMBLY__
#include <kernel/types.h>

static inline void *__va(phys_addr_t pa)
{
	return (void *)(pa + DIRECT_MAP_BASE);
}

/* Physical address of a kernel virtual address in the image or direct map. */
static inline phys_addr_t __pa(const void *va)
{
	unsigned long v = (unsigned long)va;

	if (v >= KERNEL_VBASE)
		return v - KERNEL_VBASE;
	return v - DIRECT_MAP_BASE;
}

static inline void *kimg_va(phys_addr_t pa)
{
	return (void *)(pa + KERNEL_VBASE);
}

#define PFN_DOWN(x) ((x) >> PAGE_SHIFT)
#define PFN_UP(x) (((x) + PAGE_SIZE - 1) >> PAGE_SHIFT)
#define PFN_PHYS(x) ((phys_addr_t)(x) << PAGE_SHIFT)
#endif

#endif
