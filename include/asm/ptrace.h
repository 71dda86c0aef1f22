#ifndef ASM_PTRACE_H
#define ASM_PTRACE_H

/* Register frame built by the exception and interrupt entry code. The tail
 * (rip..ss) is the hardware frame; vector and error code are pushed by the
 * per-vector stubs. Offsets are used by entry_64.S. */
#define PTREGS_R15 0
#define PTREGS_RAX (14 * 8)
#define PTREGS_VECTOR (15 * 8)
#define PTREGS_ERROR (16 * 8)
#define PTREGS_RIP (17 * 8)
#define PTREGS_SIZE (22 * 8)

#ifndef __ASSEMBLY__
#include <kernel/types.h>

struct pt_regs {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error_code;
	u64 rip, cs, rflags, rsp, ss;
};
_Static_assert(sizeof(struct pt_regs) == PTREGS_SIZE, "pt_regs layout");
#endif

#endif
