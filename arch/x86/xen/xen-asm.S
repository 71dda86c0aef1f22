/* Xen PV exception and event entry. Xen bounces to these with %rcx and %r11
 * pushed above the usual frame (its own syscall return path clobbers them);
 * popping them leaves a native-shaped frame, so do_trap() is shared with
 * the IDT path. Return is through the iret hypercall, since a ring-3 PV
 * kernel cannot iretq to itself with the right event mask. */
#include <asm/entry.h>
#include <asm/traps.h>
#include <xen/interface/xen.h>

	.text
.macro XEN_PV_STUB vec
	.globl xen_pv_trap_\vec
xen_pv_trap_\vec:
	pop %rcx
	pop %r11
	.if HAS_ERRCODE(\vec) == 0
	pushq $0
	.endif
	pushq $\vec
	jmp xen_pv_common_entry
.endm

	XEN_PV_STUB 0
	XEN_PV_STUB 1
	XEN_PV_STUB 3
	XEN_PV_STUB 4
	XEN_PV_STUB 5
	XEN_PV_STUB 6
	XEN_PV_STUB 7
	XEN_PV_STUB 10
	XEN_PV_STUB 11
	XEN_PV_STUB 12
	XEN_PV_STUB 13
	XEN_PV_STUB 14
	XEN_PV_STUB 16
	XEN_PV_STUB 17
	XEN_PV_STUB 19

	.globl xen_pv_event_callback
xen_pv_event_callback:
	pop %rcx
	pop %r11
	pushq $0
	pushq $XEN_PV_EVENT_VECTOR
	jmp xen_pv_common_entry

	/* A segment reload on the way back to the guest failed; Xen puts
	 * the faulting selectors on the stack. Nothing we load can do
	 * that, so report it. */
	.globl xen_pv_failsafe_callback
xen_pv_failsafe_callback:
	pop %rcx
	pop %r11
	mov %rsp, %rdi
	and $~15, %rsp
	call xen_pv_failsafe
1:	ud2
	jmp 1b

xen_pv_common_entry:
	SAVE_REGS
	CALL_DO_TRAP
	RESTORE_REGS
	add $16, %rsp			/* vector, error code */
	pushq $0			/* iret flags: not returning from syscall */
	jmp hypercall_page + __HYPERVISOR_iret * 32

	/* A secondary vCPU's first instruction (VCPUOP_initialise):
	 * %rdi = its struct cpu, %rsp = top of its idle stack. */
	.globl xen_pv_secondary_startup
xen_pv_secondary_startup:
	cld
	mov %rsi, %rsp
	xor %ebp, %ebp
	call xen_pv_secondary_start
1:	ud2
	jmp 1b
