/* Boot entry points that start in 32-bit protected mode without paging:
 *  - pvh_start32: the PVH boot protocol (XEN_ELFNOTE_PHYS32_ENTRY). Used by
 *    QEMU's -kernel direct boot and by Xen for PVH guests; %ebx holds the
 *    physical address of struct hvm_start_info.
 *  - mb2_start32: multiboot2 (GRUB on bare metal); %eax holds the magic and
 *    %ebx the physical address of the boot information.
 * Both build identity + higher-half page tables, enter long mode and call
 * x86_boot_c(entry, info) on the boot stack. The Xen PV entry, which Xen
 * starts in 64-bit mode, lives in arch/x86/xen/xen-head.S. */
#include <asm/page.h>
#include <kernel/boot_entry.h>
#include <xen/interface/elfnote.h>

#define PA(x) ((x) - KERNEL_VBASE)

#define MB2_MAGIC 0xe85250d6
#define MB2_BOOT_MAGIC 0x36d76289

	.section .multiboot2, "a"
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long 0				/* i386 protected mode */
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + (mb2_header_end - mb2_header))
	.balign 8
	.short 3, 0			/* entry address tag */
	.long 12
	.long PA(mb2_start32)
	.balign 8
	.short 0, 0			/* end tag */
	.long 8
mb2_header_end:

	/* The PVH entry note. It is part of the native boot path too, since
	 * QEMU's -kernel finds the entry point through it. */
	.section .note.pvh, "a"
	.balign 4
	.long 4				/* name size */
	.long 4				/* desc size */
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.long PA(pvh_start32)

	.section .head.text, "ax"
	.code32
	.globl pvh_start32
pvh_start32:
	cld
	cli
	mov $BOOT_ENTRY_PVH, %edi
	jmp common32

	.globl mb2_start32
mb2_start32:
	cld
	cli
	cmp $MB2_BOOT_MAGIC, %eax
	jne bad_loader
	mov $BOOT_ENTRY_MULTIBOOT2, %edi

common32:
	mov %edi, PA(boot_entry_type)
	mov %ebx, PA(boot_proto_ptr)
	rdtsc
	mov %eax, PA(boot_tsc_start)
	mov %edx, PA(boot_tsc_start) + 4

	/* Zero .bss: a loader need not have (QEMU's PVH boot in a machine
	 * with about 2 MiB of RAM leaves the firmware's scratch data there,
	 * and the kernel then read garbage as its direct-map end). Nothing
	 * above is in .bss; the boot page directories and stack below are. */
	mov $PA(__bss_start), %edi
	mov $PA(__bss_end), %ecx
	sub %edi, %ecx
	xor %eax, %eax
	rep stosb

	lgdt PA(boot_gdt_ptr)
	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov %eax, %fs
	mov %eax, %gs
	mov $PA(boot_stack_top), %esp

	/* Identity map 0-4 GiB with 2 MiB pages: 4 page directories. The same
	 * first directory also backs the kernel image map at KERNEL_VBASE. */
	mov $PA(boot_pd), %edi
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $21, %eax
	or $0x83, %eax			/* present, writable, 2 MiB */
	mov %eax, (%edi, %ecx, 8)
	mov %ecx, %eax
	shr $11, %eax			/* bits 32+ of the address */
	mov %eax, 4(%edi, %ecx, 8)
	inc %ecx
	cmp $2048, %ecx
	jne 1b

	mov %cr4, %eax
	or $0x20, %eax			/* PAE */
	mov %eax, %cr4
	mov $PA(boot_pml4), %eax
	mov %eax, %cr3

	/* Long mode, plus no-execute when the CPU has it. */
	mov $0x80000001, %eax
	cpuid
	shr $20, %edx
	and $1, %edx
	mov %dl, PA(boot_cpu_has_nx)
	mov $0xc0000080, %ecx
	rdmsr
	or $0x100, %eax			/* LME */
	cmpb $0, PA(boot_cpu_has_nx)
	je 2f
	or $0x800, %eax			/* NXE */
2:	wrmsr

	mov %cr0, %eax
	or $0x80010001, %eax		/* PG | WP | PE */
	mov %eax, %cr0
	ljmp $0x08, $PA(start64_low)

bad_loader:
	/* Not entered by a multiboot2 loader: nothing sane to do. */
	hlt
	jmp bad_loader

	.code64
start64_low:
	movabs $start64_high, %rax
	jmp *%rax

	.text
start64_high:
	/* Reload the GDT through its high address: the identity map that the
	 * 32-bit pointer relies on is dropped once the direct map exists. */
	lgdt boot_gdt_ptr64(%rip)
	lea boot_stack_top(%rip), %rsp
	xor %ebp, %ebp
	/* GS base -> cpu_data[0] (struct cpu) before any C code runs. */
	mov $0xc0000101, %ecx		/* MSR_GS_BASE */
	lea cpu_data(%rip), %rax
	mov %rax, %rdx
	shr $32, %rdx
	wrmsr
	mov boot_entry_type(%rip), %edi
	mov boot_proto_ptr(%rip), %esi
	call x86_boot_c
4:	hlt
	jmp 4b

	.data
	.balign 16
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff		/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff		/* 0x10: data */
boot_gdt_end:
boot_gdt_ptr:
	.short boot_gdt_end - boot_gdt - 1
	.long PA(boot_gdt)
	.balign 8
boot_gdt_ptr64:
	.short boot_gdt_end - boot_gdt - 1
	.quad boot_gdt

	.globl boot_entry_type, boot_proto_ptr, boot_tsc_start, boot_cpu_has_nx, boot_gdt_ptr64
	.balign 8
boot_tsc_start:
	.quad 0
boot_entry_type:
	.long 0
boot_proto_ptr:
	.long 0
boot_cpu_has_nx:
	.byte 0

	.section .data.page_aligned, "aw"
	.balign PAGE_SIZE
	.globl boot_pml4, boot_pdpt_ident
boot_pml4:
	.quad PA(boot_pdpt_ident) + 3
	.fill 510, 8, 0
	.quad PA(boot_pdpt_high) + 3
boot_pdpt_ident:
	.quad PA(boot_pd) + 3
	.quad PA(boot_pd) + 0x1000 + 3
	.quad PA(boot_pd) + 0x2000 + 3
	.quad PA(boot_pd) + 0x3000 + 3
	.fill 508, 8, 0
boot_pdpt_high:
	.fill 510, 8, 0
	.quad PA(boot_pd) + 3		/* KERNEL_VBASE -> physical 0 */
	.quad 0

	.section .bss.page_aligned, "aw", @nobits
	.balign PAGE_SIZE
boot_pd:
	.skip 4 * PAGE_SIZE
	.globl boot_stack, boot_stack_top
boot_stack:
	.skip BOOT_STACK_SIZE
boot_stack_top:
