/* Thread context switch. Only the callee-saved registers need saving: the
 * switch is an ordinary function call for the compiler, and the kernel
 * uses no FPU/SSE state. */
	.text
	.globl switch_stack
	/* void switch_stack(unsigned long *save_sp, unsigned long new_sp) */
switch_stack:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, (%rdi)
	mov %rsi, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret

	/* First return of a new thread: r12 holds its struct thread. */
	.globl thread_trampoline
thread_trampoline:
	mov %r12, %rdi
	xor %ebp, %ebp
	and $~15, %rsp
	call thread_entry
1:	ud2
	jmp 1b
