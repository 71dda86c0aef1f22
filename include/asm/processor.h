/* Unprivileged x86 primitives. Privileged operations (cli/sti/hlt, control
 * registers, TLB flushes) are reached through pv_ops only, because a Xen PV
 * kernel runs in ring 3 where they fault. */
#ifndef ASM_PROCESSOR_H
#define ASM_PROCESSOR_H

#include <kernel/compiler.h>

#define X86_EFLAGS_IF (1UL << 9)

#define X86_CR0_PE (1UL << 0)
#define X86_CR0_WP (1UL << 16)
#define X86_CR0_PG (1UL << 31)
#define X86_CR4_PAE (1UL << 5)
#define X86_CR4_PGE (1UL << 7)

#define MSR_EFER 0xc0000080
#define EFER_LME (1UL << 8)
#define EFER_NX (1UL << 11)
#define MSR_APIC_BASE 0x1b

static inline void cpuid_count(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	__asm__ __volatile__("cpuid"
			     : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			     : "a"(leaf), "c"(sub));
}

static inline void cpuid(u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d)
{
	cpuid_count(leaf, 0, a, b, c, d);
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

static inline void cpu_relax(void)
{
	__asm__ __volatile__("pause" ::: "memory");
}

static inline u64 native_rdmsr(u32 msr)
{
	u32 lo, hi;

	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static inline void native_wrmsr(u32 msr, u64 v)
{
	__asm__ __volatile__("wrmsr" ::"c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}

static inline void outb(u16 port, u8 v)
{
	__asm__ __volatile__("outb %0, %1" ::"a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;

	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outw(u16 port, u16 v)
{
	__asm__ __volatile__("outw %0, %1" ::"a"(v), "Nd"(port));
}

static inline void outl(u16 port, u32 v)
{
	__asm__ __volatile__("outl %0, %1" ::"a"(v), "Nd"(port));
}

static inline u32 inl(u16 port)
{
	u32 v;

	__asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline unsigned long read_cr2_raw(void)
{
	unsigned long v;

	__asm__ __volatile__("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline void mb(void)
{
	__asm__ __volatile__("mfence" ::: "memory");
}

static inline void rmb(void)
{
	__asm__ __volatile__("lfence" ::: "memory");
}

static inline void wmb(void)
{
	__asm__ __volatile__("sfence" ::: "memory");
}

static inline unsigned long xchg_ul(volatile unsigned long *p, unsigned long v)
{
	__asm__ __volatile__("xchg %0, %1" : "+r"(v), "+m"(*p) : : "memory");
	return v;
}

/* Hypervisor signatures found through CPUID leaves 0x40000000 + 0x100*n. */
enum hypervisor_type {
	HV_NONE,
	HV_XEN,
	HV_KVM,
	HV_HYPERV,
	HV_VMWARE,
	HV_TCG,
	HV_OTHER,
};

struct hypervisor_info {
	enum hypervisor_type type;
	u32 base;      /* CPUID base leaf of the detected interface */
	u32 max_leaf;
	char signature[13];
	const char *name;
};

typedef void (*cpuid_fn_t)(u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d);
/* Detect with the plain cpuid instruction, or with cpuid_fn (a Xen PV
 * kernel must use Xen's forced-emulation prefix, or it sees the raw CPU). */
void detect_hypervisor(struct hypervisor_info *hv);
void detect_hypervisor_with(struct hypervisor_info *hv, cpuid_fn_t cpuid_fn);

#endif
