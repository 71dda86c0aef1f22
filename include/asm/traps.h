#ifndef ASM_TRAPS_H
#define ASM_TRAPS_H


#define X86_TRAP_DE 0
#define X86_TRAP_DB 1
#define X86_TRAP_NMI 2
#define X86_TRAP_BP 3
#define X86_TRAP_OF 4
#define X86_TRAP_BR 5
#define X86_TRAP_UD 6
#define X86_TRAP_NM 7
#define X86_TRAP_DF 8
#define X86_TRAP_TS 10
#define X86_TRAP_NP 11
#define X86_TRAP_SS 12
#define X86_TRAP_GP 13
#define X86_TRAP_PF 14
#define X86_TRAP_MF 16
#define X86_TRAP_AC 17
#define X86_TRAP_MC 18
#define X86_TRAP_XM 19

#define IRQ_VECTOR_PIC_BASE 0x20
#define IRQ_VECTOR_TIMER 0x40
#define IRQ_VECTOR_ACPI_SCI 0x50
#define IRQ_VECTOR_XEN_CALLBACK 0xf3
#define IRQ_VECTOR_IPI_RESCHEDULE 0xf4
#define IRQ_VECTOR_IPI_CALL 0xf5
#define IRQ_VECTOR_SPURIOUS 0xff

/* Pseudo-vector under which the Xen PV event callback enters do_trap(). */
#define XEN_PV_EVENT_VECTOR 0x100

#ifndef __ASSEMBLY__
#include <kernel/compiler.h>
#include <asm/ptrace.h>

typedef void (*irq_handler_t)(struct pt_regs *regs);

void trap_init(void);
int set_irq_handler(unsigned int vector, irq_handler_t fn);
void do_trap(struct pt_regs *regs);
void show_regs(const struct pt_regs *regs);

/* Exception fixups: a faulting instruction listed in .extable resumes at
 * its fixup address instead of crashing the kernel. */
struct extable_entry {
	unsigned long insn;
	unsigned long fixup;
};

#define _ASM_EXTABLE(from, to)                   \
	".pushsection .extable, \"a\"\n"         \
	".balign 8\n"                            \
	".quad " #from ", " #to "\n"             \
	".popsection\n"

/* Read a word that may not be mapped: 0 or -EFAULT. */
int safe_read_u64(const void *addr, u64 *val);
unsigned long fixups_taken(void);

/* The idle check (arch/x86/kernel/traps.c, "idlecheck" on the command
 * line): the idle loop calls idle_check() with interrupts off right before
 * it halts, when idle_check_on is set. idle_check_selftest() returns 0 if
 * a change to the IDT is seen and nothing else is (native IDT modes). */
extern bool idle_check_on;
void idle_check(void);
int idle_check_selftest(void);

/* Native IDT pieces reused by the PVH backend. */
void native_load_idt(void);
extern char native_idt_stubs[];

#endif /* __ASSEMBLY__ */
#endif
