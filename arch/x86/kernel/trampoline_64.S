/* Real-mode start of a native secondary CPU. The boot CPU copies this
 * blob to TRAMPOLINE_PA (below 1 MiB, where a startup IPI can point) and
 * fills its data slots; the CPU wakes in 16-bit real mode at
 * TRAMPOLINE_PA, switches to protected mode, enables PAE paging on a
 * temporary top-level table that also identity-maps low memory, enters
 * long mode and jumps to the kernel's high half. Everything is addressed
 * as TRAMPOLINE_PA + offset, so the blob runs only at that address. */
#include <asm/smp.h>

#define T(x) (TRAMPOLINE_PA + (x) - smp_trampoline_start)

	.section .rodata, "a"
	.balign 16
	.globl smp_trampoline_start, smp_trampoline_end
	.globl tr_cr3, tr_kernel_cr3, tr_target, tr_cpu, tr_stack, tr_efer
	.code16
smp_trampoline_start:
	cli
	cld
	mov %cs, %ax
	mov %ax, %ds
	lgdtl tr_gdt_ptr - smp_trampoline_start
	mov %cr0, %eax
	or $1, %eax			/* PE */
	mov %eax, %cr0
	ljmpl $0x08, $T(tr_pm32)

	.code32
tr_pm32:
	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov %cr4, %eax
	or $0x20, %eax			/* PAE */
	mov %eax, %cr4
	mov T(tr_cr3), %eax
	mov %eax, %cr3
	mov $0xc0000080, %ecx		/* EFER: LME, and NXE as on the boot CPU */
	rdmsr
	or T(tr_efer), %eax
	wrmsr
	mov %cr0, %eax
	or $0x80010001, %eax		/* PG | WP | PE */
	mov %eax, %cr0
	ljmpl $0x18, $T(tr_lm64)

	.code64
tr_lm64:
	mov T(tr_cpu), %rdi
	mov T(tr_stack), %rsi
	mov T(tr_kernel_cr3), %rdx
	mov T(tr_target), %rax
	jmp *%rax

	.balign 8
tr_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff		/* 0x08: 32-bit code */
	.quad 0x00cf92000000ffff		/* 0x10: data */
	.quad 0x00af9a000000ffff		/* 0x18: 64-bit code */
tr_gdt_ptr:
	.short 31
	.long T(tr_gdt)
	.balign 8
tr_cr3:		.quad 0		/* temporary top-level table (below 4 GiB) */
tr_kernel_cr3:	.quad 0		/* the kernel's own */
tr_target:	.quad 0		/* high-half entry */
tr_cpu:		.quad 0		/* struct cpu */
tr_stack:	.quad 0		/* idle stack top */
tr_efer:	.quad 0		/* EFER bits to set */
smp_trampoline_end:

	/* High half, still on the temporary table (which maps the kernel
	 * too): switch to the kernel's table, then the common entry. */
	.text
	.globl trampoline_high
trampoline_high:
	mov %rdx, %cr3
	jmp secondary_startup_64
