/* Frame numbers as Xen sees them, for drivers that hand pages to Xen or
 * to another domain (event arrays, grants): a PV guest names frames by
 * machine frame number through its P2M, a PVH guest by its own frame
 * number. */
#ifndef XEN_PAGE_H
#define XEN_PAGE_H

#include <kernel/types.h>

#define INVALID_MFN_VALUE (~0UL)

/* PV only (arch/x86/xen/mmu_pv.c); INVALID_MFN_VALUE when there is none. */
unsigned long pfn_to_mfn(unsigned long pfn);
unsigned long mfn_to_pfn(unsigned long mfn);
u64 virt_to_machine(const void *va);

#endif
