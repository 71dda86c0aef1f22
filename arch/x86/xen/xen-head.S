/* Xen ELF notes, the hypercall page and the 64-bit PV entry point. The
 * PVH entry note lives in arch/x86/boot/head_64.S because QEMU's native
 * direct boot uses it too. */
#include <asm/page.h>
#include <kernel/boot_entry.h>
#include <xen/interface/elfnote.h>
#include <xen/interface/features.h>
#include <xen/interface/xen.h>

#define XEN_NOTE(type, desc_directive)          \
	.balign 4;                               \
	.long 4;                                 \
	.long 2f - 1f;                           \
	.long type;                              \
	.asciz "Xen";                            \
1:	desc_directive;                          \
2:	.balign 4

#ifdef CONFIG_XEN_DOM0
#define SUPPORTED_FEATURES (1 << XENFEAT_dom0)
#else
#define SUPPORTED_FEATURES 0
#endif

	.section .note.Xen, "a"
	XEN_NOTE(XEN_ELFNOTE_GUEST_OS, .asciz "Xenolith")
	XEN_NOTE(XEN_ELFNOTE_GUEST_VERSION, .asciz "0.1")
	XEN_NOTE(XEN_ELFNOTE_XEN_VERSION, .asciz "xen-3.0")
	XEN_NOTE(XEN_ELFNOTE_LOADER, .asciz "generic")
	XEN_NOTE(XEN_ELFNOTE_VIRT_BASE, .quad KERNEL_VBASE)
	XEN_NOTE(XEN_ELFNOTE_PADDR_OFFSET, .quad 0)
	XEN_NOTE(XEN_ELFNOTE_HYPERCALL_PAGE, .quad hypercall_page)
	XEN_NOTE(XEN_ELFNOTE_FEATURES, .asciz "")
	XEN_NOTE(XEN_ELFNOTE_SUPPORTED_FEATURES, .long SUPPORTED_FEATURES)
	XEN_NOTE(XEN_ELFNOTE_PAE_MODE, .asciz "yes")
#ifdef CONFIG_XEN_PV
	XEN_NOTE(XEN_ELFNOTE_ENTRY, .quad xen_pv_start)
#endif

	.section .text.hypercall_page, "ax"
	.balign PAGE_SIZE
	.globl hypercall_page
hypercall_page:
	/* Filled by Xen (PV) or through the hypercall MSR (PVH); int3 until
	 * then so a premature hypercall traps instead of running garbage. */
	.fill PAGE_SIZE, 1, 0xcc

#ifdef CONFIG_XEN_PV
	.text
	/* Xen starts a 64-bit PV kernel in ring 3 with paging on (its own
	 * bootstrap tables), %rsi pointing at start_info. */
	.globl xen_pv_start
xen_pv_start:
	cld
	lea boot_stack_top(%rip), %rsp
	xor %ebp, %ebp
	rdtsc
	shl $32, %rdx
	or %rdx, %rax
	mov %rax, boot_tsc_start(%rip)
	movl $BOOT_ENTRY_XEN_PV, boot_entry_type(%rip)
	/* Kernel GS base -> cpu_data[0] (struct cpu) before any C code
	 * runs: counters and locks reach per-CPU data through it. */
	mov %rsi, %rbx
	mov $SEGBASE_GS_KERNEL, %edi
	lea cpu_data(%rip), %rsi
	call hypercall_page + __HYPERVISOR_set_segment_base * 32
	mov %rbx, %rsi
	mov %rsi, %rdi
	call xen_pv_start_c
1:	ud2
	jmp 1b
#endif
