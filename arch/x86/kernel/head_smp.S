/* 64-bit entry of a secondary CPU on the kernel's own page tables, shared
 * by the native trampoline and by Xen PVH's VCPUOP_initialise start:
 * %rdi = its struct cpu, %rsi = top of its idle stack. It loads the
 * kernel GDT and segments, points GS at the struct cpu and calls
 * x86_secondary_start(cpu), which never returns. */
	.text
	.globl secondary_startup_64
secondary_startup_64:
	cli
	lgdt boot_gdt_ptr64(%rip)
	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov %eax, %fs
	mov %eax, %gs
	mov %rsi, %rsp
	/* Reload CS from our GDT with a far return. */
	pushq $0x08
	lea 1f(%rip), %rax
	pushq %rax
	lretq
1:	mov %rdi, %rbx
	mov $0xc0000101, %ecx		/* MSR_GS_BASE */
	mov %rbx, %rax
	mov %rbx, %rdx
	shr $32, %rdx
	wrmsr
	mov %rbx, %rdi
	xor %ebp, %ebp
	call x86_secondary_start
2:	hlt
	jmp 2b

	/* Restart a CPU's entry path on a fresh stack (a vCPU coming back
	 * online after VCPUOP_down resumes where it went down):
	 * %rdi = struct cpu, %rsi = stack top, %rdx = entry to jump to. */
	.globl secondary_reenter
secondary_reenter:
	mov %rsi, %rsp
	xor %ebp, %ebp
	jmp *%rdx
