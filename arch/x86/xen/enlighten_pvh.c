/* The Xen PVH backend: entered through the PVH note like a native QEMU
 * boot, with native page tables, IDT and interrupt flag, but Xen's clock,
 * events (through the HVM callback vector), console and shutdown. */
#include <xen/xen.h>
#include "xen-ops.h"
#include <kernel/bootprof.h>
#include <xen/hypercall.h>
#include <xen/interface/arch-x86/hvm/start_info.h>
#include <kernel/boot.h>
#include <kernel/mm.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <asm/paravirt.h>
#include <kernel/stats.h>
#include <kernel/prof.h>
#include <asm/processor.h>
#include <asm/setup.h>
#include <asm/traps.h>

extern struct hypervisor_info boot_hypervisor;
extern const struct pv_smp_ops xen_pvh_smp_ops;

static void xen_pvh_early_setup(struct bootinfo *bi)
{
	u32 eax, ebx, ecx, edx;
	const struct hvm_start_info *si;
	void *ring_va = NULL;
	u64 ev = 0;
	int rc;

	/* Leaf base+2: number of hypercall pages and the MSR that installs
	 * them at a guest-physical address. */
	cpuid(boot_hypervisor.base + 2, &eax, &ebx, &ecx, &edx);
	native_wrmsr(ebx, __pa(hypercall_page));

	si = (const struct hvm_start_info *)(uintptr_t)bi->boot_proto_info;
	if (bi->boot_proto_info && si->magic == XEN_HVM_START_MAGIC_VALUE)
		xen_initial_domain = (si->flags & SIF_INITDOMAIN) != 0;
	xen_boot.initial_domain = xen_initial_domain;
	if (!xen_initial_domain) {
		u64 pfn = 0;

		if (!hvm_get_param(HVM_PARAM_CONSOLE_PFN, &pfn) &&
		    !hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN, &ev) && pfn && ev &&
		    PFN_PHYS(pfn) < (4ULL << 30)) {
			xen_boot.console_pa = PFN_PHYS(pfn);
			xen_boot.console_evtchn = (unsigned int)ev;
			/* Identity mapped until the direct map takes over. */
			ring_va = (void *)(uintptr_t)xen_boot.console_pa;
		}
		pfn = ev = 0;
		if (!hvm_get_param(HVM_PARAM_STORE_PFN, &pfn) &&
		    !hvm_get_param(HVM_PARAM_STORE_EVTCHN, &ev) && pfn && ev) {
			xen_boot.store_pa = PFN_PHYS(pfn);
			xen_boot.store_evtchn = (unsigned int)ev;
		}
	}
	xen_boot_console_init(ring_va);
	kimg_map_limit = 1ULL << 30;
	bi->loader = "Xen PVH";
	bi->is_initial_domain = xen_initial_domain;
	rc = parse_pvh_start_info(bi, bi->boot_proto_info);
	/* Start info before version 1 (Xen's PVH dom0 builder) has no memory
	 * map: the hypervisor's own copy is authoritative then. */
	if (rc == -2)
		rc = xen_memory_map_read(&bi->memmap);
	if (rc)
		pr_err("boot: PVH start info at %#x unusable (%d)\n", bi->boot_proto_info, rc);
	if (!memmap_ram_total(&bi->memmap))
		panic("boot: Xen gave no usable memory map");
}

static void xen_pvh_reserve_memory(struct bootinfo *bi)
{
}

/* Xen injects the callback vector only into a vCPU that takes interrupts,
 * and keeps injecting it for as long as evtchn_upcall_pending is set. An
 * upcall that interrupted code running with IF clear is therefore a
 * delivery error of the platform: under Xen on QEMU's emulated SVM it
 * happens (after an intercepted instruction, or an instruction fetch that
 * crosses a page), and handling it would re-enter whatever the interrupted
 * code holds with interrupts off (the lock checker caught netfront's TX
 * lock taken twice that way). Leave the events flagged and return: Xen
 * delivers them again once the interrupted code sets IF. Counted as
 * upcalls_deferred in the monitor's stats; never seen on real hardware. */
static void xen_pvh_callback(struct pt_regs *regs)
{
	prof_sample_regs(regs);
	if (!(regs->rflags & X86_EFLAGS_IF)) {
		stats_inc(STAT_UPCALLS_DEFERRED);
		return;
	}
	xen_evtchn_do_upcall();
}

static void xen_pvh_post_mm_setup(struct bootinfo *bi)
{
	struct xen_add_to_physmap xatp = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info };
	void *page = alloc_pages(1);
	int rc;

	if (!page)
		panic("xen: no page for shared_info");
	/* The RAM frame behind this page is replaced by shared_info; the page
	 * stays allocated forever. */
	xatp.gpfn = PFN_DOWN(__pa(page));
	rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp);
	if (rc)
		panic("xen: mapping shared_info failed: %d", rc);
	HYPERVISOR_shared_info = page;
	xen_vcpu_info[0] = &HYPERVISOR_shared_info->vcpu_info[0];

	if (xen_boot.console_pa) {
		void *ring = vmap_phys(xen_boot.console_pa, PAGE_SIZE, PAGE_KERNEL | PTE_NX);

		if (ring) {
			xen_console_ring_init(ring, xen_boot.console_evtchn);
		} else {
			/* Still reachable through the identity map, so this
			 * line gets out; then the console must let go of
			 * that address before the map is dropped below. */
			pr_err("xen: cannot map the console ring (%#llx); console disabled\n",
			       (unsigned long long)xen_boot.console_pa);
			xen_console_ring_exit();
		}
	}
	native_drop_identity_map();

	set_irq_handler(IRQ_VECTOR_XEN_CALLBACK, xen_pvh_callback);
	xen_boot_events_init();
	rc = hvm_set_param(HVM_PARAM_CALLBACK_IRQ,
			   ((u64)HVM_PARAM_CALLBACK_TYPE_VECTOR << 56) | IRQ_VECTOR_XEN_CALLBACK);
	if (rc)
		panic("xen: cannot set the event callback vector: %d", rc);
	boot_phase_end(BOOT_PHASE_EVENTS);
	xen_console_late_init();
}


static const struct pv_init_ops xen_pvh_init_ops = {
	.early_setup = xen_pvh_early_setup,
	.reserve_memory = xen_pvh_reserve_memory,
	.post_mm_setup = xen_pvh_post_mm_setup,
	.late_setup = xen_guest_late_init,
};

static const struct pv_cpu_ops xen_pvh_cpu_ops = {
	.load_idt = native_load_idt,
	.safe_halt = native_safe_halt, /* hlt exits to Xen until an event */
	.shutdown = xen_shutdown,
};

const struct pv_ops xen_pvh_ops = {
	.name = "xen-pvh",
	.init = &xen_pvh_init_ops,
	.cpu = &xen_pvh_cpu_ops,
	.irq = &native_irq_ops,
	.mmu = &native_mmu_ops,
	.time = &xen_time_ops,
	.lock = &xen_lock_ops,
	.smp = &xen_pvh_smp_ops,
};
