/* The native pv-ops backend: bare metal, QEMU, or any hypervisor we do not
 * enlighten for (KVM, Hyper-V...). Privileged instructions are used
 * directly. */
#include <asm/acpi_irq.h>
#include <kernel/bootprof.h>
#include <asm/paravirt.h>
#include <asm/processor.h>
#include <asm/setup.h>
#include <asm/traps.h>
#include <kernel/boot.h>
#include <kernel/mm.h>
#include <kernel/printk.h>

static unsigned long native_save_fl(void)
{
	unsigned long f;

	__asm__ __volatile__("pushf; pop %0" : "=rm"(f)::"memory");
	return f & X86_EFLAGS_IF;
}

static void native_restore_fl(unsigned long f)
{
	if (f & X86_EFLAGS_IF)
		__asm__ __volatile__("sti" ::: "memory");
	else
		__asm__ __volatile__("cli" ::: "memory");
}

static void native_irq_disable(void)
{
	__asm__ __volatile__("cli" ::: "memory");
}

static void native_irq_enable(void)
{
	__asm__ __volatile__("sti" ::: "memory");
}

void native_safe_halt(void)
{
	/* sti's one-instruction shadow makes sti;hlt race-free. */
	__asm__ __volatile__("sti; hlt" ::: "memory");
}

/* Every physical address has a frame natively: never fails. */
static int native_make_pte(phys_addr_t pa, u64 flags, u64 *pte)
{
	if (!boot_cpu_has_nx)
		flags &= ~PTE_NX;
	*pte = (pa & PTE_ADDR_MASK) | flags;
	return 0;
}

static u64 native_make_table_entry(phys_addr_t pa)
{
	return (pa & PTE_ADDR_MASK) | PTE_P | PTE_W | PTE_A | PTE_D;
}

static phys_addr_t native_pte_phys(u64 pte)
{
	return pte & PTE_ADDR_MASK & ~((pte & PTE_PS) ? 0x1000ULL : 0);
}

static int native_set_pte(u64 *ptep, u64 val)
{
	WRITE_ONCE(*ptep, val);
	return 0;
}

static int native_pt_noop(int level, phys_addr_t pa)
{
	return 0;
}

static void native_batch_begin(void)
{
}

static int native_batch_flush(void)
{
	return 0;
}

static void native_flush_tlb_one(unsigned long va)
{
	__asm__ __volatile__("invlpg (%0)" ::"r"(va) : "memory");
}

static phys_addr_t native_read_cr3(void)
{
	unsigned long v;

	__asm__ __volatile__("mov %%cr3, %0" : "=r"(v));
	return v & PTE_ADDR_MASK;
}

static void native_flush_tlb_all(void)
{
	unsigned long v;

	__asm__ __volatile__("mov %%cr3, %0; mov %0, %%cr3" : "=r"(v)::"memory");
}

static unsigned long native_read_cr2(void)
{
	return read_cr2_raw();
}

static void native_reserve_memory(struct bootinfo *bi)
{
}

void native_drop_identity_map(void)
{
	/* The low identity map was only needed to read boot data. */
	boot_pml4[0] = 0;
	native_flush_tlb_all();
}

static void native_post_mm_setup(struct bootinfo *bi)
{
	native_drop_identity_map();
	if (IS_ENABLED(CONFIG_NATIVE_ACPI))
		acpi_init();
	boot_phase_end(BOOT_PHASE_EVENTS); /* the serial console stays as it is */
}

static void native_late_setup(void)
{
	/* The power button's SCI needs the IDT, the local APIC and the work
	 * queue, all up by now. */
	if (IS_ENABLED(CONFIG_NATIVE_ACPI))
		acpi_button_init();
}

void __noreturn native_shutdown(enum shutdown_reason why, int status);

const struct pv_init_ops native_init_ops = {
	.early_setup = native_early_setup,
	.reserve_memory = native_reserve_memory,
	.post_mm_setup = native_post_mm_setup,
	.late_setup = native_late_setup,
};

const struct pv_cpu_ops native_cpu_ops = {
	.load_idt = native_load_idt,
	.safe_halt = native_safe_halt,
	.shutdown = native_shutdown,
};

const struct pv_irq_ops native_irq_ops = {
	.save_fl = native_save_fl,
	.restore_fl = native_restore_fl,
	.irq_disable = native_irq_disable,
	.irq_enable = native_irq_enable,
};

const struct pv_mmu_ops native_mmu_ops = {
	.make_pte = native_make_pte,
	.make_table_entry = native_make_table_entry,
	.pte_phys = native_pte_phys,
	.set_pte = native_set_pte,
	.alloc_pt = native_pt_noop,
	.release_pt = native_pt_noop,
	.batch_begin = native_batch_begin,
	.batch_flush = native_batch_flush,
	.batch_end = native_batch_flush,
	.flush_tlb_one = native_flush_tlb_one,
	.flush_tlb_all = native_flush_tlb_all,
	.read_cr2 = native_read_cr2,
	.large_pages = true,
	.read_cr3 = native_read_cr3,
};

const struct pv_ops native_pv_ops = {
	.name = "native",
	.init = &native_init_ops,
	.cpu = &native_cpu_ops,
	.irq = &native_irq_ops,
	.mmu = &native_mmu_ops,
	.time = &native_time_ops,
	.lock = &native_lock_ops,
	.smp = &native_smp_ops,
};
