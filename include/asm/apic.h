/* The local APIC as the native backend uses it (arch/x86/kernel/
 * time_native.c maps it; the SMP code sends IPIs through it). */
#ifndef ASM_APIC_H
#define ASM_APIC_H

#include <kernel/types.h>

extern volatile u32 *lapic;
u32 lapic_read(u32 reg);
void lapic_write(u32 reg, u32 v);
/* Enable this CPU's APIC and set its timer up one-shot (secondaries). */
void native_lapic_cpu_init(void);

#endif
