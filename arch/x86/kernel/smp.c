/* Native SMP: CPUs from the ACPI MADT, started with INIT-SIPI-SIPI through
 * a real-mode trampoline (trampoline_64.S); IPIs through the local APIC.
 * The local APIC is the one time_native.c maps. */
#include <asm/paravirt.h>
#include <asm/processor.h>
#include <asm/acpi.h>
#include <asm/apic.h>
#include <asm/smp.h>
#include <asm/traps.h>
#include <kernel/smp.h>
#include <kernel/mm.h>
#include <kernel/time.h>
#include <kernel/string.h>
#include <kernel/printk.h>
#include <kernel/errno.h>

#define MSR_GS_BASE 0xc0000101
#define APIC_ID 0x20
#define APIC_EOI 0xb0
#define APIC_ICR_LO 0x300
#define APIC_ICR_HI 0x310
#define ICR_BUSY (1U << 12)
#define ICR_INIT 0x00004500U       /* INIT, level assert */
#define ICR_STARTUP 0x00004600U    /* start-up IPI */
#define ICR_FIXED 0x00004000U      /* fixed delivery, level assert */

extern u64 boot_pml4[], boot_pdpt_ident[];
extern struct hypervisor_info boot_hypervisor;
extern u8 boot_cpu_has_nx;
extern char smp_trampoline_start[], smp_trampoline_end[];
extern u64 tr_cr3[], tr_kernel_cr3[], tr_target[], tr_cpu[], tr_stack[], tr_efer[];
void trampoline_high(void);
void __noreturn x86_secondary_start(struct cpu *c);

/* Without CONFIG_NATIVE_ACPI there is no MADT: the boot CPU only. */
__weak struct acpi_cpus acpi_cpus;

static void native_set_cpu_base(struct cpu *c)
{
	native_wrmsr(MSR_GS_BASE, (u64)(unsigned long)c);
}

static u32 my_apic_id(void)
{
	return lapic_read(APIC_ID) >> 24;
}

static unsigned int native_detect_cpus(unsigned int max)
{
	u32 boot_id;
	unsigned int n = 1;

	if (!lapic)
		return 1;
	boot_id = my_apic_id();
	cpu_data[0].apic_id = boot_id;
	/* The boot CPU is cpu 0 whatever its place in the table. */
	for (unsigned int i = 0; i < acpi_cpus.nr && n < max; i++) {
		if (acpi_cpus.apic_id[i] == boot_id)
			continue;
		if (acpi_cpus.apic_id[i] > 0xfe) {
			pr_warn("smp: APIC id %u needs x2APIC; CPU left out\n", acpi_cpus.apic_id[i]);
			continue;
		}
		cpu_data[n++].apic_id = acpi_cpus.apic_id[i];
	}
	if (acpi_cpus.nr > max || acpi_cpus.dropped)
		pr_warn("smp: more CPUs than CONFIG_NR_CPUS (%u); the rest stay off\n", max);
	return n;
}

static void ipi_reschedule(struct pt_regs *regs)
{
	lapic_write(APIC_EOI, 0);
	smp_ipi_received(IPI_RESCHEDULE);
}

static void ipi_call(struct pt_regs *regs)
{
	lapic_write(APIC_EOI, 0);
	smp_ipi_received(IPI_CALL_FUNCTION);
}

static int native_cpu_setup(unsigned int cpu)
{
	if (!lapic)
		return cpu ? -ENODEV : 0;
	if (cpu == 0) {
		set_irq_handler(IRQ_VECTOR_IPI_RESCHEDULE, ipi_reschedule);
		set_irq_handler(IRQ_VECTOR_IPI_CALL, ipi_call);
	} else {
		native_lapic_cpu_init();
		this_cpu()->apic_id = my_apic_id();
	}
	return 0;
}

static void icr_send(u32 apic_id, u32 lo)
{
	unsigned long flags = local_irq_save();

	for (int i = 0; i < 1000000 && (lapic_read(APIC_ICR_LO) & ICR_BUSY); i++)
		cpu_relax();
	lapic_write(APIC_ICR_HI, apic_id << 24);
	lapic_write(APIC_ICR_LO, lo);
	local_irq_restore(flags);
}

static void native_send_ipi(unsigned int cpu, int kind)
{
	u32 vec = kind == IPI_CALL_FUNCTION ? IRQ_VECTOR_IPI_CALL : IRQ_VECTOR_IPI_RESCHEDULE;

	if (lapic)
		icr_send(cpu_data[cpu].apic_id, ICR_FIXED | vec);
}

static u64 *tramp_pml4;

/* A top-level table for the trampoline: the kernel's upper half, plus the
 * low 4 GiB identity-mapped so the trampoline survives turning paging on.
 * It must lie below 4 GiB: 32-bit code loads it into CR3. */
static int prepare_trampoline(void)
{
	u64 *kernel = __va(pv_ops->mmu->read_cr3());
	u8 *dst = __va(TRAMPOLINE_PA);

	if (!tramp_pml4) {
		tramp_pml4 = alloc_pages(1);
		if (!tramp_pml4)
			return -ENOMEM;
		if (__pa(tramp_pml4) >= (4ULL << 30)) {
			free_pages(tramp_pml4, 1);
			tramp_pml4 = NULL;
			return -ENOMEM;
		}
	}
	memcpy(tramp_pml4, kernel, PAGE_SIZE);
	tramp_pml4[0] = __pa(boot_pdpt_ident) | PTE_P | PTE_W;
	if (!direct_map_covers(TRAMPOLINE_PA, PAGE_SIZE))
		return -ENXIO;
	memcpy(dst, smp_trampoline_start, (size_t)(smp_trampoline_end - smp_trampoline_start));
	return 0;
}

static void set_slot(u64 *slot, u64 v)
{
	u64 *p = (u64 *)__va(TRAMPOLINE_PA + ((char *)slot - smp_trampoline_start));

	WRITE_ONCE(*p, v);
}

/* The MP specification's waits after INIT (10 ms) and after a start-up
 * IPI (200 us) are for the external APICs of the 486 era. A CPU with an
 * integrated APIC (Intel family 6 and later, AMD family 0xf and later)
 * and any virtual CPU takes the start-up IPI at once: waiting 10 ms per
 * CPU was most of a 4-CPU boot's time to ready. Looked up once. */
static unsigned int sipi_init_delay_us, sipi_delay_us;

static void sipi_delays(void)
{
	u32 a, b, c, d, family;
	bool intel, amd;

	if (sipi_delay_us)
		return;
	cpuid(0, &a, &b, &c, &d);
	intel = b == 0x756e6547 && d == 0x49656e69 && c == 0x6c65746e; /* GenuineIntel */
	amd = b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163;   /* AuthenticAMD */
	cpuid(1, &a, &b, &c, &d);
	family = (a >> 8) & 0xf;
	if (family == 0xf)
		family += (a >> 20) & 0xff;
	if (boot_hypervisor.type != HV_NONE || (c >> 31) || (intel && family >= 6) ||
	    (amd && family >= 0xf)) {
		sipi_init_delay_us = 0;
		sipi_delay_us = 10;
	} else {
		sipi_init_delay_us = 10000;
		sipi_delay_us = 200;
	}
}

static int native_start_cpu(unsigned int cpu, void *stack_top)
{
	struct cpu *c = &cpu_data[cpu];
	int rc = prepare_trampoline();

	if (rc)
		return rc;
	set_slot(tr_cr3, __pa(tramp_pml4));
	set_slot(tr_kernel_cr3, pv_ops->mmu->read_cr3());
	set_slot(tr_target, (u64)(unsigned long)trampoline_high);
	set_slot(tr_cpu, (u64)(unsigned long)c);
	set_slot(tr_stack, (u64)(unsigned long)stack_top);
	set_slot(tr_efer, EFER_LME | (boot_cpu_has_nx ? EFER_NX : 0));
	mb();
	/* INIT, then two start-up IPIs (a CPU already running ignores the
	 * second), with the delays this CPU needs (sipi_delays). */
	sipi_delays();
	icr_send(c->apic_id, ICR_INIT);
	if (sipi_init_delay_us)
		udelay(sipi_init_delay_us);
	icr_send(c->apic_id, ICR_STARTUP | TRAMPOLINE_SIPI_VECTOR);
	udelay(sipi_delay_us);
	icr_send(c->apic_id, ICR_STARTUP | TRAMPOLINE_SIPI_VECTOR);
	return 0;
}

static void __noreturn native_cpu_die(void)
{
	/* Masked and halted for good: only INIT-SIPI-SIPI wakes it, which
	 * cpu_up() sends, restarting it through the trampoline. */
	lapic_write(0x380, 0); /* stop the APIC timer */
	for (;;) {
		local_irq_disable();
		__asm__ __volatile__("hlt");
	}
}

/* C entry of a secondary CPU (native and Xen PVH), from head_smp.S. */
void __noreturn x86_secondary_start(struct cpu *c)
{
	pv_ops->cpu->load_idt();
	secondary_start();
}

const struct pv_smp_ops native_smp_ops = {
	.set_cpu_base = native_set_cpu_base,
	.detect_cpus = native_detect_cpus,
	.cpu_setup = native_cpu_setup,
	.start_cpu = native_start_cpu,
	.send_ipi = native_send_ipi,
	.cpu_die = native_cpu_die,
};

/* Bare metal never deschedules a lock holder: waiters just spin. */
const struct pv_lock_ops native_lock_ops = {
	.wait = NULL,
	.kick = NULL,
};
