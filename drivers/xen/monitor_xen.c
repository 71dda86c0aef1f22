/* Monitor commands for Xen guests: xenstore access, event channel
 * statistics, and Xen lines for 'info'. */
#include <kernel/monitor.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <kernel/errno.h>
#include <kernel/mm.h>
#include <xen/xenstore.h>
#include <xen/xen.h>
#include <xen/events.h>
#include <xen/hypercall.h>
#include <xen/interface/features.h>

#define MAX_MONITOR_WATCHES 8
#define XS_BUF 4097

static char *xs_buf(void)
{
	static char *buf;

	if (!buf)
		buf = kmalloc(XS_BUF);
	return buf;
}

static void print_list(const char *list, int count)
{
	for (int i = 0; i < count; i++) {
		kprintf("%s\n", list);
		list += strlen(list) + 1;
	}
}

static void watch_fired(struct xs_watch *w, const char *path)
{
	kprintf("xs watch: %s changed (event %lu)\n", path, w->fired);
}

static int xs_watch_cmd(const char *path)
{
	static struct xs_watch slots[MAX_MONITOR_WATCHES];
	static char paths[MAX_MONITOR_WATCHES][128];
	static unsigned int used;

	if (used == MAX_MONITOR_WATCHES) {
		kprintf("xs watch: at most %d watches\n", MAX_MONITOR_WATCHES);
		return -ENOSPC;
	}
	if (strlen(path) >= sizeof(paths[0]))
		return -E2BIG;
	strlcpy(paths[used], path, sizeof(paths[0]));
	slots[used].path = paths[used];
	slots[used].cb = watch_fired;
	if (xs_watch(&slots[used]))
		return -EIO;
	kprintf("xs watch: watching %s\n", path);
	used++;
	return 0;
}

static int cmd_xs(int argc, char **argv)
{
	char *buf = xs_buf();
	int rc;

	if (argc < 3)
		return -EINVAL;
	if (!xenstore_available())
		return -ENODEV;
	if (!buf)
		return -ENOMEM;
	if (!strcmp(argv[1], "read") && argc == 3) {
		rc = xs_read(0, argv[2], buf, XS_BUF);
		if (rc >= 0)
			kprintf("%s\n", buf);
	} else if (!strcmp(argv[1], "write") && argc == 4) {
		rc = xs_write(0, argv[2], argv[3]);
		if (!rc)
			kprintf("ok\n");
	} else if (!strcmp(argv[1], "ls") && argc == 3) {
		rc = xs_directory(0, argv[2], buf, XS_BUF);
		if (rc >= 0)
			print_list(buf, rc);
	} else if (!strcmp(argv[1], "rm") && argc == 3) {
		rc = xs_rm(0, argv[2]);
		if (!rc)
			kprintf("ok\n");
	} else if (!strcmp(argv[1], "mkdir") && argc == 3) {
		rc = xs_mkdir(0, argv[2]);
		if (!rc)
			kprintf("ok\n");
	} else if (!strcmp(argv[1], "perms") && argc == 3) {
		rc = xs_get_perms(0, argv[2], buf, XS_BUF);
		if (rc >= 0)
			print_list(buf, rc);
	} else if (!strcmp(argv[1], "watch") && argc == 3) {
		rc = xs_watch_cmd(argv[2]);
	} else {
		return -EINVAL;
	}
	return rc < 0 ? rc : 0;
}
MONITOR_COMMAND(xs, "xs", "ls|read|write|rm|mkdir|perms|watch PATH [VALUE]",
		"xenstore access", cmd_xs);

static int cmd_evtchn(int argc, char **argv)
{
	unsigned long total = 0;

	if (argc != 1)
		return -EINVAL;
	if (!evtchn_ops) {
		kprintf("evtchn: not running on Xen\n");
		return -ENODEV;
	}
	kprintf("event channels (%s ABI, %u ports):\n", evtchn_ops->name,
		evtchn_ops->max_channels);
	for (unsigned int p = 1; p < evtchn_ops->max_channels; p++) {
		unsigned long n = evtchn_count(p);

		if (!n && !evtchn_is_bound(p))
			continue;
		kprintf("  port %4u  events %-8lu %s%s%s\n", p, n,
			evtchn_is_bound(p) ? "bound" : "unbound",
			evtchn_ops->is_masked(p) ? " masked" : "",
			evtchn_ops->is_pending(p) ? " pending" : "");
		total += n;
	}
	kprintf("  total events %lu\n", total);
	return 0;
}
MONITOR_COMMAND(evtchn, "evtchn", "", "event channel statistics", cmd_evtchn);

static void xen_info(void)
{
	struct xen_feature_info fi = { .submap_idx = 0 };
	char domid[16] = "?";
	unsigned int present = 0;

	if (!HYPERVISOR_shared_info)
		return;
	for (unsigned int v = 0; v < 128; v++) {
		int rc = HYPERVISOR_vcpu_op(VCPUOP_is_up, v, NULL);

		if (rc < 0)
			break;
		present++;
	}
	HYPERVISOR_xen_version(XENVER_get_features, &fi);
	if (xenstore_available())
		xs_read(0, "domid", domid, sizeof(domid));
	kprintf("xen: %s, domid %s, %u vCPU(s) defined (1 in use), features %#x\n",
		xen_initial_domain ? "dom0" : "domU", domid, present, fi.submap);
	kprintf("xen: event channels %s, xenstore %s\n", evtchn_ops ? evtchn_ops->name : "none",
		xenstore_available() ? "connected" : "not available");
}
MONITOR_INFO(xen, xen_info);
