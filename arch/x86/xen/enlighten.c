/* Code shared by every Xen guest mode. */
#include "xen-ops.h"
#include <xen/hypercall.h>
#include <kernel/printk.h>
#include <kernel/boot.h>
#include <kernel/memmap.h>
#include <kernel/mm.h>
#include <xen/blkfront.h>
#include <xen/netfront.h>
#include <xen/xenbus.h>
#include <xen/xenstore.h>
#include <xen/grant_table.h>
#include <xen/balloon.h>
#include <kernel/sched.h>

struct shared_info *HYPERVISOR_shared_info;
struct start_info *xen_start_info;
bool xen_initial_domain;
bool xen_pv_domain;

void xen_report_version(void)
{
	int v = HYPERVISOR_xen_version(XENVER_version, NULL);
	xen_extraversion_t extra = { 0 };

	HYPERVISOR_xen_version(XENVER_extraversion, extra);
	extra[sizeof(extra) - 1] = '\0';
	pr_info("xen: Xen %d.%d%s, %s%s\n", v >> 16, v & 0xffff, extra,
		xen_initial_domain ? "hardware domain (dom0)" : "unprivileged domain",
		xen_pv_domain ? ", PV" : ", PVH");
}

void __noreturn xen_shutdown(enum shutdown_reason why, int status)
{
	struct sched_shutdown s;

	switch (why) {
	case SHUTDOWN_POWEROFF:
		s.reason = SHUTDOWN_poweroff;
		break;
	case SHUTDOWN_REBOOT:
		s.reason = SHUTDOWN_reboot;
		break;
	default:
		s.reason = SHUTDOWN_crash;
		break;
	}
	pr_info("power: Xen shutdown, reason %u (status %d)\n", s.reason, status);
	console_flush_final();
	for (;;) {
		HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
		/* Only reached if Xen refused; do not spin hot. */
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
}

/* Firmware-style map entries as XENMEM_memory_map returns them. */
struct xen_e820_entry {
	u64 addr;
	u64 size;
	u32 type;
} __packed;

static struct xen_e820_entry e820_buf[MEMMAP_MAX];
static int xen_map_read(unsigned int cmd, struct memmap *m);

int xen_memory_map_read(struct memmap *m)
{
	return xen_map_read(XENMEM_memory_map, m);
}

int xen_machine_map_read(struct memmap *m)
{
	return xen_map_read(XENMEM_machine_memory_map, m);
}

static int xen_map_read(unsigned int cmd, struct memmap *m)
{
	struct xen_memory_map mm = { .nr_entries = MEMMAP_MAX };
	unsigned int untrusted_nr;
	int rc;

	set_xen_guest_handle(mm.buffer, e820_buf);
	rc = HYPERVISOR_memory_op(cmd, &mm);
	if (rc)
		return rc;
	untrusted_nr = mm.nr_entries;
	if (untrusted_nr > MEMMAP_MAX) {
		pr_warn("xen: memory map claims %u entries, using %u\n", untrusted_nr, MEMMAP_MAX);
		untrusted_nr = MEMMAP_MAX;
	}
	for (unsigned int i = 0; i < untrusted_nr; i++)
		memmap_add(m, e820_buf[i].addr, e820_buf[i].size,
			   memmap_type_from_e820(e820_buf[i].type));
	return 0;
}

struct xen_boot_info xen_boot;

/* The console the boot handed us: Xen's own for dom0, the shared ring for
 * a domU. ring_va is where the mode can reach the ring page this early
 * (NULL: not reachable, no ring console until it is). */
void xen_boot_console_init(void *ring_va)
{
	if (xen_boot.initial_domain)
		xen_console_early_init();
	else if (ring_va && xen_boot.console_evtchn)
		xen_console_ring_init(ring_va, xen_boot.console_evtchn);
}

/* Once the direct map and the allocator exist: announce Xen, set event
 * channels up (their ABI chosen here), the console's input event. */
void xen_boot_events_init(void)
{
	xen_report_version();
	if (xen_events_init())
		panic("xen: event channel setup failed");
}

/* The shared pages the domain builder gave us belong to the backends:
 * keep them out of the allocator (PV; PVH's sit outside RAM). */
void xen_boot_reserve(struct bootinfo *bi)
{
	if (xen_boot.console_pa)
		memmap_reserve(&bi->memmap, xen_boot.console_pa, PAGE_SIZE);
	if (xen_boot.store_pa)
		memmap_reserve(&bi->memmap, xen_boot.store_pa, PAGE_SIZE);
}

static int control_start(void *arg)
{
	(void)arg;
	return xen_control_init();
}

static int watches_start(void *arg)
{
	(void)arg;
	xen_cpu_hotplug_init();
	return xen_balloon_watch_start();
}

/* The xenstore users' setup: each is a few round trips through xenstored
 * (a busy dom0 makes each one cost milliseconds), and the client matches
 * replies by request id, so guest control and the vCPU and balloon
 * watches set up in threads of their own while this one starts the bus
 * and its frontends; the boot waits for all of them, and pays for the
 * longest instead of their sum. Without a thread, the work runs here. */
static void xenstore_clients_init(void)
{
	struct thread *control = thread_create("xs-control", control_start, NULL, CPU_ANY);
	struct thread *watches = thread_create("xs-watches", watches_start, NULL, CPU_ANY);

	if (!control)
		control_start(NULL);
	if (!watches)
		watches_start(NULL);
	xenbus_init();
	if (IS_ENABLED(CONFIG_XEN_BLKFRONT))
		xen_blkfront_init();
	if (IS_ENABLED(CONFIG_XEN_NETFRONT))
		xen_netfront_init();
	if (control)
		thread_join(control);
	if (watches)
		thread_join(watches);
}

/* xenstore and guest control need working event delivery to wait for
 * replies, so they start after interrupts are enabled. */
void xen_guest_late_init(void)
{
	void *ring;
	int rc;

	if (gnttab_init())
		pr_err("xen: no grant table; xenstore starts without it\n");
	xen_balloon_init();
	if (!xen_boot.store_pa || !xen_boot.store_evtchn) {
		pr_info("xenstore: none in this domain%s\n",
			xen_initial_domain ? " (dom0 booted without xenstored)" : "");
		return;
	}
	ring = vmap_phys(xen_boot.store_pa, PAGE_SIZE, PAGE_KERNEL | PTE_NX);
	if (!ring) {
		pr_err("xenstore: cannot map the ring page\n");
		return;
	}
	rc = xenstore_init(ring, xen_boot.store_evtchn);
	if (!rc)
		xenstore_clients_init();
}
