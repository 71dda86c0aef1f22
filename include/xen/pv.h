/* Xen PV specifics: P2M/M2P translation and the PV ops groups. */
#ifndef XEN_PV_H
#define XEN_PV_H

#include <kernel/types.h>
#include <asm/paravirt.h>

#define INVALID_MFN_VALUE (~0UL)

unsigned long pfn_to_mfn(unsigned long pfn);
unsigned long mfn_to_pfn(unsigned long mfn);
u64 virt_to_machine(const void *va);

extern unsigned long xen_p2m_size;
extern unsigned long *xen_p2m;
extern phys_addr_t xen_pt_start, xen_pt_end;
extern const struct pv_mmu_ops xen_pv_mmu_ops;

/* Multicall batches (arch/x86/xen/multicalls.c). begin disables events
 * until the matching (outermost) end, which flushes; they nest. */
void xen_mc_batch_begin(void);
int xen_mc_batch_end(void);
bool xen_mc_in_batch(void);

#endif
