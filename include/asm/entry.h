/* Assembly macros shared by the native and Xen PV entry code. They build
 * and unwind struct pt_regs (include/asm/ptrace.h). */
#ifndef ASM_ENTRY_H
#define ASM_ENTRY_H
#ifdef __ASSEMBLY__

/* Vectors whose exceptions push an error code. */
#define HAS_ERRCODE(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

.macro SAVE_REGS
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
.endm

.macro RESTORE_REGS
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
.endm

/* Call do_trap(regs) on a 16-byte aligned stack. */
.macro CALL_DO_TRAP
	mov %rsp, %rdi
	mov %rsp, %rbx
	and $~15, %rsp
	cld
	call do_trap
	mov %rbx, %rsp
.endm

#endif
#endif
