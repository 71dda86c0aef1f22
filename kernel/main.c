/* Generic boot sequence. Everything that differs between native, Xen PV and
 * Xen PVH happens behind pv_ops, chosen by the arch entry code before
 * start_kernel() runs. */
#include <kernel/boot.h>
#include <kernel/printk.h>
#include <kernel/cmdline.h>
#include <kernel/time.h>
#include <kernel/mm.h>
#include <kernel/ktest.h>
#include <kernel/blkdev.h>
#include <net/inet.h>
#include <kernel/stats.h>
#include <kernel/bootprof.h>
#include <kernel/string.h>
#include <kernel/monitor.h>
#include <kernel/work.h>
#include <kernel/version.h>
#include <kernel/sched.h>
#include <kernel/smp.h>
#include <asm/paravirt.h>
#include <asm/traps.h>
#include <asm/processor.h>
#include <xen/xenstore.h>
#include <xen/xenbus.h>

struct bootinfo boot_info;
struct hypervisor_info boot_hypervisor;
u64 init_done_ns;

static void report_boot(void)
{
	const struct memmap *m = &boot_info.memmap;

	pr_info("Xenolith version %s\n", xenolith_version);
	pr_info("Xenolith booting: mode %s, loader %s\n", pv_ops->name,
		boot_info.loader ? boot_info.loader : "unknown");
	if (boot_hypervisor.type != HV_NONE)
		pr_info("hypervisor: %s (signature \"%s\", CPUID base %#x)\n", boot_hypervisor.name,
			boot_hypervisor.signature, boot_hypervisor.base);
	else
		pr_info("hypervisor: none detected\n");
	pr_info("command line: %s\n", boot_info.cmdline);
	for (unsigned int i = 0; i < m->nr; i++)
		pr_info("memory: [mem 0x%011llx-0x%011llx] %s\n", (unsigned long long)m->r[i].base,
			(unsigned long long)(m->r[i].base + m->r[i].size - 1),
			memmap_type_name(m->r[i].type));
	if (boot_info.memmap_source)
		pr_info("memory: map from %s\n", boot_info.memmap_source);
	if (boot_info.machine_map_entries)
		pr_info("memory: host machine map: %u entries, %llu MiB RAM\n",
			boot_info.machine_map_entries,
			(unsigned long long)(boot_info.machine_ram >> 20));
	if (m->dropped)
		pr_warn("memory: %u invalid or excess map entries ignored\n", m->dropped);
}

/* Split devices (disks, network) come up before the ready line, so that
 * what runs next finds them; bounded, and a device that does not connect
 * is named and left behind rather than holding up the boot. Only Xen
 * builds have the bus; native ones drop the call. */
#define XEN_DEVICE_WAIT_NS (10 * NSEC_PER_SEC)

static void wait_for_xen_devices(void)
{
	if (IS_ENABLED(CONFIG_XEN) && xenstore_available())
		xenbus_wait_for_devices(XEN_DEVICE_WAIT_NS);
}

/* The first thread: everything after the core is up, which may block
 * (xenstore round trips, CPU bring-up, the self-tests). */
static int init_thread(void *arg)
{
	const struct pv_ops *ops = pv_ops;

	smp_init();
	boot_phase_end(BOOT_PHASE_SMP);
	/* The stack's threads start before the bus probes network devices. */
	if (IS_ENABLED(CONFIG_NET))
		net_init();
	ops->init->late_setup();
	boot_phase_end(BOOT_PHASE_XENSTORE);
	/* RAM disks from ramdisk=, before the self-tests that use them. */
	if (IS_ENABLED(CONFIG_BLOCK))
		block_init();

	boot_phase_end(BOOT_PHASE_INIT);
	init_done_ns = uptime_ns();
	pr_info("init done in %llu us (clock: %s)\n", (unsigned long long)(init_done_ns / 1000),
		ops->time->clocksource);
	stats_report_boot();

	if (ktest_requested()) {
		boot_phases_report();
		/* The self-tests see all of memory (the pvmap suite walks the
		 * whole direct map, others allocate much). */
		mm_map_rest();
		ktest_run_and_exit();
	}

	wait_for_xen_devices();
	boot_phase_end(BOOT_PHASE_DEVICES);
	/* Stamped and reported before the line itself: harnesses stop
	 * reading at the ready line. */
	boot_phase_end(BOOT_PHASE_READY);
	boot_phases_report();
	pr_info("xenolith: ready\n");
	mm_map_rest_start();
	monitor_start();
	return 0;
}

void __noreturn start_kernel(void)
{
	const struct pv_ops *ops = pv_ops;
	struct thread *init;
	int warnings;

	smp_early_init();
	ops->init->early_setup(&boot_info);
	kprintf("xenolith: early console up\n"); /* harness: later resets are ours */
	boot_phase_end(BOOT_PHASE_EARLY);
	memmap_sanitize(&boot_info.memmap);
	warnings = cmdline_apply(boot_info.cmdline);
	report_boot();
	if (warnings)
		pr_warn("cmdline: %d option(s) ignored\n", warnings);
	boot_phase_end(BOOT_PHASE_MEMMAP);

	trap_init();
	boot_phase_end(BOOT_PHASE_TRAPS);
	ops->init->reserve_memory(&boot_info);
	mm_init(&boot_info); /* stamps BOOT_PHASE_PGTABLES half-way */
	boot_phase_end(BOOT_PHASE_ALLOC);
	ops->init->post_mm_setup(&boot_info); /* may stamp BOOT_PHASE_EVENTS */
	boot_phase_end(BOOT_PHASE_CONSOLE);
	/* This boot context becomes CPU 0's idle thread. */
	sched_init();
	time_init();
	local_irq_enable();
	boot_phase_end(BOOT_PHASE_TIME);
	work_init();

	init = thread_create("init", init_thread, NULL, 0);
	if (!init)
		panic("cannot start the init thread");
	thread_detach(init);
	cpu_idle_loop();
}
