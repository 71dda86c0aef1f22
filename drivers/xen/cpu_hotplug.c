/* vCPU hotplug driven by the toolstack: `xl vcpu-set` writes
 * cpu/<N>/availability = "online" | "offline" for every vCPU (PV and PVH
 * alike), and a watch on cpu/ takes vCPUs down and up to match. The boot
 * vCPU never goes offline. Values come from xenstore and are checked:
 * anything but the two words is reported and ignored.
 *
 * Runs on the xenwatch thread, which lives on the boot CPU, so taking
 * another CPU down never has to move the thread doing it. */
#include <xen/xenstore.h>
#include <xen/xen.h>
#include <xen/events.h>
#include <kernel/smp.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <kernel/errno.h>

static unsigned long bad_values;

/* 1 online, 0 offline, -ENOENT no key, -EINVAL junk, or another -errno. */
static int read_availability(unsigned int cpu)
{
	char path[32], untrusted_val[16];
	int rc;

	snprintf(path, sizeof(path), "cpu/%u/availability", cpu);
	rc = xs_read(0, path, untrusted_val, sizeof(untrusted_val));
	if (rc == -E2BIG)
		return -EINVAL;
	if (rc < 0)
		return rc;
	if (!strcmp(untrusted_val, "online"))
		return 1;
	if (!strcmp(untrusted_val, "offline"))
		return 0;
	return -EINVAL;
}

static void apply(unsigned int cpu)
{
	int want = read_availability(cpu), rc = 0;

	if (want == -ENOENT)
		return;
	if (want == -EINVAL) {
		if (!bad_values++)
			pr_warn("xen: cpu/%u/availability is neither online nor offline; ignored\n",
				cpu);
		return;
	}
	if (want < 0)
		return;
	if (cpu == 0) {
		if (!want)
			pr_warn("xen: the boot vCPU stays online\n");
		return;
	}
	if (want && !cpu_online(cpu))
		rc = cpu_up(cpu);
	else if (!want && cpu_online(cpu))
		rc = cpu_down(cpu);
	if (rc)
		pr_err("xen: vCPU %u %s failed: %d\n", cpu, want ? "online" : "offline", rc);
}

static void cpu_changed(struct xs_watch *w, const char *path)
{
	unsigned int cpu;

	/* Any change under cpu/ re-reads every vCPU: xl writes them all in
	 * one transaction, and the first (registration) event must apply the
	 * state the domain was built with (vcpus < maxvcpus). */
	for (cpu = 0; cpu < nr_cpus_possible; cpu++)
		apply(cpu);
}

static struct xs_watch cpu_watch = { .path = "cpu", .cb = cpu_changed };

int xen_cpu_hotplug_init(void)
{
	int rc;

	if (!xenstore_available() || nr_cpus_possible < 2)
		return 0;
	rc = xs_watch(&cpu_watch);
	if (rc)
		pr_err("xen: cannot watch cpu/ for vCPU hotplug: %d\n", rc);
	else
		cpu_hotplug_managed = true;
	return rc;
}
