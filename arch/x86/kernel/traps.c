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
#include <kernel/cmdline.h>
#include <kernel/crc32.h>
#include <kernel/mm.h>
#include <asm/page.h>

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

/* ---- the idle check ("idlecheck" on the command line) ----
 *
 * Before every idle halt, with interrupts off, each CPU compares what
 * delivering its wake-up event needs -- IDTR and GDTR, the IDT's and the
 * GDT's contents, and the page-table entries mapping them, its stack, the
 * entry stubs and do_trap -- with the snapshot taken at its first idle
 * halt, and panics naming what changed. A guest that then dies delivering
 * the event right after its halt had intact delivery state when it halted:
 * the xl lab turns this on for its PVH guests to tell the emulation's
 * failures from the kernel's (docs/xen-lab.md). Native IDT modes only; a
 * Xen PV guest has a trap table instead. */
bool idle_check_on;

/* A descriptor table as IDTR or GDTR gives it, and a CRC of its contents. */
struct idle_table {
	u64 base;
	u32 crc;
	u16 lim;
};

struct idle_snap {
	struct idle_table idt, gdt;
	u64 pte[6];
	u64 stack_page;
};

static const char *const idle_pte_names[6] = {
	"IDT", "GDT", "stack", "entry stubs", "do_trap", "this check",
};

static struct idle_snap idle_ref[NR_CPUS];
static bool idle_have[NR_CPUS];

static int set_idlecheck(const char *val)
{
	if (val)
		return -EINVAL;
	idle_check_on = true;
	return 0;
}
CMDLINE_OPTION(idlecheck, "idlecheck", set_idlecheck,
	       "verify interrupt-delivery state before each idle halt");

/* The entry that maps va: the last level reached (a large page, a leaf,
 * or a non-present entry), without the accessed and dirty bits the CPU
 * sets by itself. Page-table pages are RAM, in the direct map. */
static u64 idle_walk(u64 va)
{
	const u64 *tab = __va(pv_ops->mmu->read_cr3() & PTE_ADDR_MASK);
	static const unsigned int shift[4] = { 39, 30, 21, 12 };
	u64 e = 0;

	for (int l = 0; l < 4; l++) {
		e = tab[(va >> shift[l]) & 511];
		if (!(e & PTE_P) || (l > 0 && l < 3 && (e & PTE_PS)))
			break;
		tab = __va(e & PTE_ADDR_MASK);
	}
	return e & ~(PTE_A | PTE_D);
}

static void idle_table(struct idle_table *t, bool gdt)
{
	struct {
		u16 lim;
		u64 base;
	} __packed d;

	if (gdt)
		__asm__ __volatile__("sgdt %0" : "=m"(d));
	else
		__asm__ __volatile__("sidt %0" : "=m"(d));
	t->lim = d.lim;
	t->base = d.base;
	t->crc = crc32(0, (const void *)d.base, (size_t)d.lim + 1);
}

static void idle_snapshot(struct idle_snap *s)
{
	unsigned long sp;

	__builtin_memset(s, 0, sizeof(*s));
	idle_table(&s->idt, false);
	idle_table(&s->gdt, true);
	__asm__ __volatile__("mov %%rsp, %0" : "=r"(sp));
	s->stack_page = sp & ~(PAGE_SIZE - 1);
	s->pte[0] = idle_walk(s->idt.base);
	s->pte[1] = idle_walk(s->gdt.base);
	s->pte[2] = idle_walk(sp);
	s->pte[3] = idle_walk((u64)native_idt_stubs);
	s->pte[4] = idle_walk((u64)&do_trap);
	s->pte[5] = idle_walk((u64)&idle_snapshot);
}

static int idle_table_diff(const char *name, const struct idle_table *now,
			   const struct idle_table *ref, bool say)
{
	if (now->base == ref->base && now->lim == ref->lim && now->crc == ref->crc)
		return 0;
	if (say)
		kprintf("idle check: %s %04x:%016lx crc %08x, was %04x:%016lx crc %08x\n", name,
			now->lim, (unsigned long)now->base, now->crc, ref->lim,
			(unsigned long)ref->base, ref->crc);
	return 1;
}

/* What differs between two snapshots, printed; the number of differences. */
static int idle_diff(const struct idle_snap *now, const struct idle_snap *ref, bool say)
{
	int n = idle_table_diff("IDT", &now->idt, &ref->idt, say) +
		idle_table_diff("GDT", &now->gdt, &ref->gdt, say);

	for (int i = 0; i < 6; i++) {
		if (now->pte[i] == ref->pte[i])
			continue;
		n++;
		if (say)
			kprintf("idle check: page-table entry for the %s %016lx, was %016lx\n",
				idle_pte_names[i], (unsigned long)now->pte[i],
				(unsigned long)ref->pte[i]);
	}
	return n;
}

/* Called by the idle loop with interrupts off, right before it halts. */
void idle_check(void)
{
	unsigned int cpu = smp_processor_id();
	struct idle_snap now;

	if (pv_ops->cpu->load_idt != native_load_idt || cpu >= NR_CPUS)
		return;
	idle_snapshot(&now);
	/* Taken on the CPU's idle stack; a CPU brought back online may have
	 * a new one, and then a new reference. */
	if (!idle_have[cpu] || now.stack_page != idle_ref[cpu].stack_page) {
		if (cpu == 0 && !idle_have[cpu])
			pr_info("idle check: on (interrupt-delivery state verified before each idle halt)\n");
		idle_ref[cpu] = now;
		idle_have[cpu] = true;
		return;
	}
	if (idle_diff(&now, &idle_ref[cpu], true))
		panic("idle check: CPU %u's interrupt-delivery state changed", cpu);
}

/* For the self-test: a change anywhere in the IDT is seen, and nothing
 * else is. Works on a copy: the live IDT is shared by every CPU, and
 * another one may be checking it right now. Returns 0 if so. */
int idle_check_selftest(void)
{
	struct idle_snap a, b;
	struct idt_entry *copy = kmalloc(sizeof(idt));
	int bad = 0;

	if (!copy)
		return -ENOMEM;
	idle_snapshot(&a);
	__builtin_memcpy(copy, idt, sizeof(idt));
	b = a;
	b.idt.crc = crc32(0, copy, sizeof(idt));
	if (idle_diff(&b, &a, false) != 0)
		bad = -EIO;
	copy[255].zero ^= 0x5a5a5a5au;
	b.idt.crc = crc32(0, copy, sizeof(idt));
	if (idle_diff(&b, &a, false) != 1)
		bad = -EINVAL;
	kfree(copy);
	return bad;
}
