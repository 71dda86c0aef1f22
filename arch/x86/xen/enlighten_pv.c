/* The Xen PV (64-bit) backend. The kernel runs in ring 3 on page tables
 * that Xen built and validates; interrupts are event callbacks masked
 * through vcpu_info; exceptions arrive through the trap table. */
#include <xen/xen.h>
#include "xen-ops.h"
#include <kernel/bootprof.h>
#include <xen/hypercall.h>
#include <kernel/boot.h>
#include <kernel/mm.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <kernel/errno.h>
#include <kernel/prof.h>
#include <asm/paravirt.h>
#include <asm/processor.h>
#include <asm/traps.h>
#include "suspend.h"

void __noreturn xen_pv_start_c(struct start_info *si);
void xen_pv_failsafe(unsigned long *frame);
extern struct hypervisor_info boot_hypervisor;
extern const struct pv_smp_ops xen_pv_smp_ops;

static u8 shared_info_page[PAGE_SIZE] __aligned(PAGE_SIZE) __section(".bss.page_aligned");
static phys_addr_t bootstrap_end;

extern char xen_pv_trap_0[], xen_pv_trap_1[], xen_pv_trap_3[], xen_pv_trap_4[],
	xen_pv_trap_5[], xen_pv_trap_6[], xen_pv_trap_7[], xen_pv_trap_10[], xen_pv_trap_11[],
	xen_pv_trap_12[], xen_pv_trap_13[], xen_pv_trap_14[], xen_pv_trap_16[],
	xen_pv_trap_17[], xen_pv_trap_19[], xen_pv_event_callback[], xen_pv_failsafe_callback[];

/* Flag 4: mask events on entry, like an interrupt gate. */
#define TRAP(v, dpl) { v, 4 | (dpl), FLAT_KERNEL_CS, (unsigned long)xen_pv_trap_##v }
static const struct trap_info trap_table[] = {
	TRAP(0, 0), TRAP(1, 0), TRAP(3, 3), TRAP(4, 3), TRAP(5, 0), TRAP(6, 0), TRAP(7, 0),
	TRAP(10, 0), TRAP(11, 0), TRAP(12, 0), TRAP(13, 0), TRAP(14, 0), TRAP(16, 0),
	TRAP(17, 0), TRAP(19, 0), { 0, 0, 0, 0 },
};

static void xen_pv_upcall(struct pt_regs *regs)
{
	prof_sample_regs(regs);
	xen_evtchn_do_upcall();
}

void xen_pv_failsafe(unsigned long *frame)
{
	panic("xen: failsafe callback (bad segment on return), ds=%#lx es=%#lx", frame[0],
	      frame[1]);
}

static void xen_pv_load_idt(void)
{
	struct callback_register ev = {
		.type = CALLBACKTYPE_event,
		.flags = CALLBACKF_mask_events,
		.address = (unsigned long)xen_pv_event_callback,
	};
	struct callback_register fs = {
		.type = CALLBACKTYPE_failsafe,
		.flags = CALLBACKF_mask_events,
		.address = (unsigned long)xen_pv_failsafe_callback,
	};
	int rc;

	set_irq_handler(XEN_PV_EVENT_VECTOR, xen_pv_upcall);
	rc = HYPERVISOR_set_trap_table(trap_table);
	if (rc)
		panic("xen: set_trap_table failed: %d", rc);
	rc = HYPERVISOR_callback_op(CALLBACKOP_register, &ev);
	if (!rc)
		rc = HYPERVISOR_callback_op(CALLBACKOP_register, &fs);
	if (rc)
		panic("xen: registering event callbacks failed: %d", rc);
}

static void xen_pv_safe_halt(void)
{
	/* Blocks with event delivery re-enabled, atomically. */
	HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

static unsigned long xen_save_fl(void)
{
	return READ_ONCE(xen_vcpu()->evtchn_upcall_mask) ? 0 : X86_EFLAGS_IF;
}

static void xen_irq_disable(void)
{
	WRITE_ONCE(xen_vcpu()->evtchn_upcall_mask, 1);
	barrier();
}

static void xen_irq_enable(void)
{
	struct vcpu_info *v = xen_vcpu();

	WRITE_ONCE(v->evtchn_upcall_mask, 0);
	barrier();
	/* Events that arrived while masked are delivered on the way out of
	 * any hypercall; use the cheapest one. */
	if (unlikely(READ_ONCE(v->evtchn_upcall_pending)))
		HYPERVISOR_xen_version(XENVER_version, NULL);
}

static void xen_restore_fl(unsigned long f)
{
	if (f & X86_EFLAGS_IF)
		xen_irq_enable();
	else
		xen_irq_disable();
}

static struct memmap scratch_map;

/* Pseudo-physical RAM is exactly the frames in the P2M list, [0, nr_pages).
 * A domU's memory map (XENMEM_memory_map, set by the toolstack) may leave
 * holes in it; its RAM ranges are used, clipped to the P2M. Non-RAM ranges
 * describe nothing in a PV guest's pseudo-physical space and are skipped.
 * As dom0 the host's machine map is only reported: our pseudo-physical
 * layout does not follow it. */
static void pv_memory_map(struct bootinfo *bi)
{
	u64 end = PFN_PHYS(xen_start_info->nr_pages);
	struct memmap *m = &scratch_map;
	int rc = -ENOSYS;

	m->nr = m->dropped = 0;
	if (!xen_initial_domain)
		rc = xen_memory_map_read(m);
	if (!rc) {
		memmap_sanitize(m);
		for (unsigned int i = 0; i < m->nr; i++) {
			u64 base = m->r[i].base, top = base + m->r[i].size;

			if (m->r[i].type == MEM_RAM && base < end)
				memmap_add(&bi->memmap, base, MIN(top, end) - base, MEM_RAM);
		}
	}
	if (rc || !memmap_ram_total(&bi->memmap)) {
		bi->memmap.nr = 0;
		memmap_add(&bi->memmap, 0, end, MEM_RAM);
		rc = -ENOENT;
	}
	bi->memmap_source = rc ? "start_info (nr_pages)" : "XENMEM_memory_map";
	if (xen_initial_domain) {
		m->nr = m->dropped = 0;
		if (!xen_machine_map_read(m)) {
			memmap_sanitize(m);
			bi->machine_ram = memmap_ram_total(m);
			bi->machine_map_entries = m->nr;
		}
	}
}

static void xen_pv_early_setup(struct bootinfo *bi)
{
	const struct start_info *si = xen_start_info;
	void *ring_va = NULL;
	size_t n;


	/* A dom0's start_info holds its console and store info in other
	 * fields (console.dom0); only a domU has the two rings. */
	if (!xen_initial_domain) {
		unsigned long pfn = mfn_to_pfn(si->console.domU.mfn);

		if (pfn != INVALID_MFN_VALUE) {
			xen_boot.console_pa = PFN_PHYS(pfn);
			xen_boot.console_evtchn = si->console.domU.evtchn;
			/* The domain builder maps it inside our early image map. */
			if (xen_boot.console_pa < kimg_map_limit)
				ring_va = kimg_va(xen_boot.console_pa);
		}
		pfn = mfn_to_pfn(si->store_mfn);
		if (pfn != INVALID_MFN_VALUE && si->store_evtchn) {
			xen_boot.store_pa = PFN_PHYS(pfn);
			xen_boot.store_evtchn = si->store_evtchn;
		}
	}
	xen_boot_console_init(ring_va);
	bi->loader = "Xen PV domain builder";
	bi->is_initial_domain = xen_initial_domain;
	n = strnlen((const char *)si->cmd_line, MAX_GUEST_CMDLINE);
	n = MIN(n, sizeof(bi->cmdline) - 1);
	memcpy(bi->cmdline, si->cmd_line, n);
	bi->cmdline[n] = '\0';
	pv_memory_map(bi);
}

static void xen_pv_reserve_memory(struct bootinfo *bi)
{
	const struct start_info *si = xen_start_info;

	pr_info("xen: start_info: %lu pages, P2M at %#lx, page tables %#lx (+%lu), "
		"bootstrap ends %#llx, mapped to %#llx\n",
		si->nr_pages, si->mfn_list, si->pt_base, si->nr_pt_frames,
		(unsigned long long)bootstrap_end, (unsigned long long)kimg_map_limit);
	/* Image, modules, P2M list, start info and bootstrap page tables. */
	memmap_reserve(&bi->memmap, 0, bootstrap_end);
	/* The console and xenstore rings are shared with the backends. */
	xen_boot_reserve(bi);
	memmap_sanitize(&bi->memmap);
}

static void xen_pv_post_mm_setup(struct bootinfo *bi)
{
	/* A save (even a live one, before it suspends us) finds the P2M
	 * through shared_info. */
	if (!xen_initial_domain)
		xen_pv_publish_p2m();
	xen_boot_events_init();
	boot_phase_end(BOOT_PHASE_EVENTS);
	xen_console_late_init();
}


static const struct pv_init_ops xen_pv_init_ops = {
	.early_setup = xen_pv_early_setup,
	.reserve_memory = xen_pv_reserve_memory,
	.post_mm_setup = xen_pv_post_mm_setup,
	.late_setup = xen_guest_late_init,
};

static const struct pv_cpu_ops xen_pv_cpu_ops = {
	.load_idt = xen_pv_load_idt,
	.safe_halt = xen_pv_safe_halt,
	.shutdown = xen_shutdown,
};

static const struct pv_irq_ops xen_pv_irq_ops = {
	.save_fl = xen_save_fl,
	.restore_fl = xen_restore_fl,
	.irq_disable = xen_irq_disable,
	.irq_enable = xen_irq_enable,
};

const struct pv_ops xen_pv_ops = {
	.name = "xen-pv",
	.init = &xen_pv_init_ops,
	.cpu = &xen_pv_cpu_ops,
	.irq = &xen_pv_irq_ops,
	.mmu = &xen_pv_mmu_ops,
	.time = &xen_time_ops,
	.lock = &xen_lock_ops,
	.smp = &xen_pv_smp_ops,
};

/* "ud2; .ascii xen" before cpuid makes Xen emulate it with the guest's
 * policy, including the hypervisor leaves. */
static void xen_pv_cpuid(u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d)
{
	__asm__ __volatile__("ud2; .ascii \"xen\"; cpuid"
			     : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			     : "a"(leaf), "c"(0));
}

static void __noreturn early_fail(const char *msg)
{
	HYPERVISOR_console_io(CONSOLEIO_write, (unsigned int)strlen(msg), msg);
	{
		struct sched_shutdown s = { .reason = SHUTDOWN_crash };

		for (;;)
			HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
	}
}

/* Point our shared_info page at Xen's (a machine address). */
int xen_pv_map_shared_info(unsigned long maddr)
{
	return HYPERVISOR_update_va_mapping((unsigned long)shared_info_page,
					    (maddr & PTE_ADDR_MASK) | PTE_P | PTE_W | PTE_A | PTE_D |
						    PTE_NX,
					    UVMF_INVLPG | UVMF_LOCAL);
}

/* Back to the page's own frame, while the domain is saved: the save
 * refuses page tables that name a frame outside the domain, which Xen's
 * shared_info is. Read as zeros meanwhile; nothing reads it then. */
int xen_pv_unmap_shared_info(void)
{
	unsigned long mfn = pfn_to_mfn(PFN_DOWN(__pa(shared_info_page)));

	if (mfn == INVALID_MFN_VALUE)
		return -ENXIO;
	return xen_pv_map_shared_info((u64)mfn << PAGE_SHIFT);
}

void __noreturn xen_pv_start_c(struct start_info *si)
{
	int rc;

	if (strncmp(si->magic, "xen-3.0-x86_64", 14))
		early_fail("xenolith: not a 64-bit Xen PV start_info\n");
	xen_start_info = si;
	xen_pv_domain = true;
	xen_initial_domain = (si->flags & SIF_INITDOMAIN) != 0;
	xen_boot.pv = true;
	xen_boot.initial_domain = xen_initial_domain;
	xen_p2m = (unsigned long *)si->mfn_list;
	xen_p2m_size = si->nr_pages;
	xen_pt_start = __pa((void *)si->pt_base);
	xen_pt_end = xen_pt_start + PFN_PHYS(si->nr_pt_frames);
	/* Xen maps at least 512 KiB past the bootstrap stack (the page after
	 * the page tables), up to a 4 MiB boundary. */
	bootstrap_end = xen_pt_end + PAGE_SIZE;
	kimg_map_limit = ALIGN_UP(bootstrap_end + (512UL << 10), 4UL << 20);

	/* shared_info is needed before anything touches the event mask. */
	rc = xen_pv_map_shared_info(si->shared_info);
	if (rc)
		early_fail("xenolith: cannot map shared_info\n");
	HYPERVISOR_shared_info = (struct shared_info *)shared_info_page;
	xen_vcpu_info[0] = &HYPERVISOR_shared_info->vcpu_info[0];
	xen_vcpu()->evtchn_upcall_mask = 1;

	detect_hypervisor_with(&boot_hypervisor, xen_pv_cpuid);
	pv_ops = &xen_pv_ops;
	start_kernel();
}
