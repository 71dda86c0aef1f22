/* Native exception and interrupt entry: one stub per IDT vector pushes a
 * dummy error code where the CPU does not, then the vector, and joins the
 * common path that saves registers and calls do_trap(). */
#include <asm/entry.h>

	.text
	.balign 16
	.globl native_idt_stubs
native_idt_stubs:
	vector = 0
	.rept 256
	.balign 16
	.if HAS_ERRCODE(vector) == 0
	pushq $0
	.endif
	pushq $vector
	jmp native_common_entry
	vector = vector + 1
	.endr

native_common_entry:
	SAVE_REGS
	CALL_DO_TRAP
	RESTORE_REGS
	add $16, %rsp		/* vector, error code */
	iretq
