/* Exception and interrupt dispatch, shared by every mode: the entry code
 * (native IDT stubs or the Xen PV trap-table stubs) builds a pt_regs and
 * calls do_trap(). */
#include <asm/traps.h>
#include <asm/paravirt.h>
#include <asm/processor.h>
#include <kernel/printk.h>
#include <kernel/ksyms.h>
#include <kernel/errno.h>
#include <kernel/stats.h>
#include <kernel/smp.h>

struct idt_entry {
	u16 off_lo;
	u16 sel;
	u8 ist;
	u8 type;
	u16 off_mid;
	u32 off_hi;
	u32 zero;
} __packed;

static struct idt_entry idt[256] __aligned(16);
static irq_handler_t irq_handlers[XEN_PV_EVENT_VECTOR + 1];
static unsigned long nr_fixups;

extern const struct extable_entry __start_extable[], __stop_extable[];

static const char *const exception_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow", "bound range",
	"invalid opcode", "device not available", "double fault", "coprocessor overrun",
	"invalid TSS", "segment not present", "stack fault", "general protection",
	"page fault", "reserved", "x87 FPU error", "alignment check", "machine check",
	"SIMD error", "virtualization", "control protection",
};

void native_load_idt(void)
{
	struct {
		u16 limit;
		u64 base;
	} __packed ptr = { sizeof(idt) - 1, (u64)idt };
	u16 cs;

	static bool filled;

	__asm__ __volatile__("mov %%cs, %0" : "=r"(cs));
	/* One IDT shared by every CPU: filled by the boot CPU, loaded by
	 * each. */
	for (int v = 0; v < 256 && !filled; v++) {
		u64 a = (u64)native_idt_stubs + 16 * (u64)v;

		idt[v].off_lo = (u16)a;
		idt[v].sel = cs;
		idt[v].ist = 0;
		idt[v].type = 0x8e; /* present, interrupt gate */
		idt[v].off_mid = (u16)(a >> 16);
		idt[v].off_hi = (u32)(a >> 32);
		idt[v].zero = 0;
	}
	filled = true;
	__asm__ __volatile__("lidt %0" ::"m"(ptr));
}

void trap_init(void)
{
	pv_ops->cpu->load_idt();
}

int set_irq_handler(unsigned int vector, irq_handler_t fn)
{
	if (vector < 32 || vector >= ARRAY_SIZE(irq_handlers))
		return -EINVAL;
	irq_handlers[vector] = fn;
	return 0;
}

static bool try_fixup(struct pt_regs *regs)
{
	for (const struct extable_entry *e = __start_extable; e < __stop_extable; e++) {
		if (e->insn == regs->rip) {
			regs->rip = e->fixup;
			nr_fixups++;
			return true;
		}
	}
	return false;
}

unsigned long fixups_taken(void)
{
	return nr_fixups;
}

void show_regs(const struct pt_regs *r)
{
	kprintf("RIP: %04lx:%016lx RFLAGS: %08lx\n", r->cs & 0xffff, r->rip, r->rflags);
	print_symbol("RIP is at ", r->rip);
	kprintf("RSP: %04lx:%016lx ERR: %016lx\n", r->ss & 0xffff, r->rsp, r->error_code);
	kprintf("RAX: %016lx RBX: %016lx RCX: %016lx\n", r->rax, r->rbx, r->rcx);
	kprintf("RDX: %016lx RSI: %016lx RDI: %016lx\n", r->rdx, r->rsi, r->rdi);
	kprintf("RBP: %016lx R8:  %016lx R9:  %016lx\n", r->rbp, r->r8, r->r9);
	kprintf("R10: %016lx R11: %016lx R12: %016lx\n", r->r10, r->r11, r->r12);
	kprintf("R13: %016lx R14: %016lx R15: %016lx\n", r->r13, r->r14, r->r15);
}

static void __noreturn fatal_exception(struct pt_regs *regs)
{
	unsigned int v = (unsigned int)regs->vector;

	kprintf("\nException %u (%s), error code %#lx\n", v,
		exception_names[v] ? exception_names[v] : "reserved", regs->error_code);
	if (v == X86_TRAP_PF)
		kprintf("CR2 (fault address): %016lx\n", pv_ops->mmu->read_cr2());
	show_regs(regs);
	kprintf("Call trace:\n");
	print_symbol("  ", regs->rip);
	dump_backtrace(regs->rbp);
	panic("fatal exception %u in kernel", v);
}

void do_trap(struct pt_regs *regs)
{
	u64 v = regs->vector;

	if (v < 32) {
		stats_inc(STAT_EXCEPTIONS);
		if (try_fixup(regs))
			return;
		fatal_exception(regs);
	}
	stats_inc(STAT_INTERRUPTS);
	if (v < ARRAY_SIZE(irq_handlers) && irq_handlers[v]) {
		/* Handlers may not block; the lock checker and the scheduler
		 * read this depth. */
		struct cpu *c = this_cpu();

		/* Only the lock checker reports these. */
		if (IS_ENABLED(CONFIG_DEBUG_LOCKS) && c->irq_depth < 4) {
			c->irq_from_rip[c->irq_depth] = regs->rip;
			c->irq_from_flags[c->irq_depth] = regs->rflags;
		}
		c->irq_depth++;
		irq_handlers[v](regs);
		this_cpu()->irq_depth--;
		return;
	}
	/* Spurious PIC interrupts land here too; count and ignore them. */
	stats_inc(STAT_SPURIOUS);
}

int safe_read_u64(const void *addr, u64 *val)
{
	int err = 0;
	u64 v = 0;

	__asm__ __volatile__("1: movq (%[p]), %[v]\n"
			     "2:\n"
			     ".pushsection .text.fixup, \"ax\"\n"
			     "3: movl %[efault], %[err]\n"
			     "   jmp 2b\n"
			     ".popsection\n" _ASM_EXTABLE(1b, 3b)
			     : [v] "+r"(v), [err] "+r"(err)
			     : [p] "r"(addr), [efault] "i"(-EFAULT)
			     : "memory");
	if (!err)
		*val = v;
	return err;
}
