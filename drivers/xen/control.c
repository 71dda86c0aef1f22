/* Guest control through xenstore: the toolstack's shutdown requests
 * (control/shutdown), sysrq keys (control/sysrq), and the feature-* nodes
 * that tell it what this guest supports. Values come from the toolstack
 * (untrusted): anything unexpected is logged and ignored.
 *
 * Suspend (xl save / migrate) comes either as control/shutdown =
 * "suspend" (acknowledged by clearing it) or, when we published one in
 * device/suspend/event-channel, as an event on that port (no
 * acknowledgement: libxl then waits for the domain to shut down with
 * reason suspend). Both only wake the "xensuspend" thread, pinned to the
 * boot CPU, which runs xen_suspend() (arch/x86/xen/suspend.c): a watch
 * callback must not hold the xenwatch thread through a suspend that
 * re-registers every watch, and an event handler must not sleep. */
#include <xen/xenstore.h>
#include <xen/xen.h>
#include <xen/events.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <kernel/errno.h>
#include <kernel/stats.h>
#include <kernel/sched.h>
#include <xen/suspend.h>
#include <asm/paravirt.h>

enum shutdown_request { REQ_NONE, REQ_POWEROFF, REQ_REBOOT, REQ_SUSPEND, REQ_GARBAGE };

struct shutdown_read {
	enum shutdown_request req;
	char value[32];
};

static enum shutdown_request classify(const char *v)
{
	if (!*v)
		return REQ_NONE;
	if (!strcmp(v, "poweroff") || !strcmp(v, "halt"))
		return REQ_POWEROFF;
	if (!strcmp(v, "reboot"))
		return REQ_REBOOT;
	if (!strcmp(v, "suspend"))
		return REQ_SUSPEND;
	return REQ_GARBAGE;
}

/* Read and acknowledge (clear) the request atomically. */
static int take_request(xs_tx_t tx, void *arg)
{
	struct shutdown_read *r = arg;
	int rc = xs_read(tx, "control/shutdown", r->value, sizeof(r->value));

	if (rc == -ENOENT) {
		r->req = REQ_NONE;
		return 0;
	}
	if (rc == -E2BIG) {
		strlcpy(r->value, "(over-long value)", sizeof(r->value));
		r->req = REQ_GARBAGE;
	} else if (rc < 0) {
		return rc;
	} else {
		r->req = classify(r->value);
	}
	if (r->req == REQ_NONE)
		return 0;
	return xs_write(tx, "control/shutdown", "");
}

static DEFINE_WAITQUEUE(suspend_wq);
static bool suspend_requested;
static unsigned int suspend_port;
static struct thread *suspend_thread;

static void request_suspend(void)
{
	WRITE_ONCE(suspend_requested, true);
	wake_up(&suspend_wq);
}

static int suspend_fn(void *arg)
{
	for (;;) {
		int rc;

		wait_event(suspend_wq, READ_ONCE(suspend_requested));
		WRITE_ONCE(suspend_requested, false);
		rc = xen_suspend();
		if (rc < 0)
			pr_err("xen control: suspend failed: %d; the toolstack will time out\n", rc);
	}
	return 0;
}

/* Interrupt context: only wake the thread. */
static void suspend_event(unsigned int port, void *data)
{
	request_suspend();
}

/* A fresh unbound port the toolstack (dom0) can bind and notify for a
 * suspend, bound to suspend_event; 0 or -errno (then suspend_port is 0).
 * Without it libxl uses control/shutdown, which works too; so a failure
 * is only reported. */
static int bind_suspend_evtchn(void)
{
	int rc;

	suspend_port = 0;
	rc = evtchn_alloc_unbound(0, &suspend_port);
	if (!rc) {
		rc = evtchn_bind(suspend_port, suspend_event, NULL);
		if (rc)
			evtchn_close(suspend_port);
	}
	if (rc) {
		suspend_port = 0;
		pr_warn("xen control: no suspend event channel: %d\n", rc);
	}
	return rc;
}

/* The feature nodes and, with suspend, the suspend event channel, written
 * together (one round trip through xenstored, not four). The toolstack
 * pre-creates the feature nodes writable for the guest; sysrq needs no
 * feature node, control/sysrq itself is watched. libxl does not read
 * them, so a failure is only reported. */
static void publish_control_nodes(bool suspend)
{
	static const char *const features[] = {
		"control/feature-poweroff",
		"control/feature-reboot",
		"control/feature-suspend",
	};
	const char *paths[ARRAY_SIZE(features) + 1], *values[ARRAY_SIZE(features) + 1];
	int rcs[ARRAY_SIZE(features) + 1];
	unsigned int n = 0;
	char port[16];

	for (unsigned int i = 0; i < ARRAY_SIZE(features) - (suspend ? 0 : 1); i++) {
		paths[n] = features[i];
		values[n++] = "1";
	}
	if (suspend && !bind_suspend_evtchn()) {
		snprintf(port, sizeof(port), "%u", suspend_port);
		paths[n] = "device/suspend/event-channel";
		values[n++] = port;
	}
	xs_write_many(0, paths, values, n, rcs);
	for (unsigned int i = 0; i < n; i++)
		if (rcs[i])
			pr_warn("xen control: cannot write %s: %d\n", paths[i], rcs[i]);
}

/* A new domain has neither our port nor our feature nodes. */
static void control_resume(const struct xen_resume_info *ri)
{
	if (!ri->new_domain)
		return;
	publish_control_nodes(true);
}

static struct xen_pm_hook control_hook = {
	.name = "control",
	.level = XEN_PM_CONTROL,
	.resume = control_resume,
};

static void shutdown_changed(struct xs_watch *w, const char *path)
{
	struct shutdown_read r = { .req = REQ_NONE };
	int rc = xs_transaction(take_request, &r);

	if (rc) {
		pr_err("xen control: reading control/shutdown failed: %d\n", rc);
		return;
	}
	switch (r.req) {
	case REQ_NONE:
		return;
	case REQ_POWEROFF:
		pr_info("xen control: power-off requested by the toolstack\n");
		pv_ops->cpu->shutdown(SHUTDOWN_POWEROFF, 0);
	case REQ_REBOOT:
		pr_info("xen control: reboot requested by the toolstack\n");
		pv_ops->cpu->shutdown(SHUTDOWN_REBOOT, 0);
	case REQ_SUSPEND:
		pr_info("xen control: suspend requested by the toolstack\n");
		request_suspend();
		return;
	case REQ_GARBAGE:
		pr_warn("xen control: unknown shutdown request '%s' ignored\n", r.value);
		return;
	}
}

static struct xs_watch shutdown_watch = { .path = "control/shutdown", .cb = shutdown_changed };

/* Read the sysrq key and acknowledge (clear) it in one transaction: a
 * key written by the toolstack between a separate read and clear would be
 * wiped unseen, or a key seen twice. */
static int take_sysrq(xs_tx_t tx, void *arg)
{
	char *key = arg;
	int rc = xs_read(tx, "control/sysrq", key, 8);

	if (rc == -ENOENT || rc == 0) {
		key[0] = '\0';
		return 0;
	}
	/* Not a key at all: clear it so it cannot wedge the node. */
	if (rc == -E2BIG) {
		key[0] = '\0';
		return xs_write(tx, "control/sysrq", "");
	}
	if (rc < 0)
		return rc;
	return xs_write(tx, "control/sysrq", "");
}

static void sysrq_changed(struct xs_watch *w, const char *path)
{
	char key[8] = "";
	int rc = xs_transaction(take_sysrq, key);

	if (rc) {
		pr_err("xen control: reading control/sysrq failed: %d\n", rc);
		return;
	}
	if (!key[0])
		return;
	switch (key[0]) {
	case 'b':
		pr_info("sysrq: reboot\n");
		pv_ops->cpu->shutdown(SHUTDOWN_REBOOT, 0);
	case 'o':
		pr_info("sysrq: power off\n");
		pv_ops->cpu->shutdown(SHUTDOWN_POWEROFF, 0);
	case 'c':
		pr_info("sysrq: crash\n");
		pv_ops->cpu->shutdown(SHUTDOWN_CRASH, 1);
	case 'h':
		pr_info("sysrq: b=reboot o=poweroff c=crash h=help\n");
		return;
	default:
		pr_warn("sysrq: unknown key 0x%02x ignored\n", (unsigned char)key[0]);
	}
}

static struct xs_watch sysrq_watch = { .path = "control/sysrq", .cb = sysrq_changed };

int xen_control_init(void)
{
	int rc;

	/* Nobody saves the hardware domain. feature-suspend is only written
	 * with a thread to act on it. */
	if (!xen_initial_domain) {
		suspend_thread = thread_create("xensuspend", suspend_fn, NULL, 0);
		if (!suspend_thread)
			pr_err("xen control: no suspend thread; suspend unsupported\n");
	}
	publish_control_nodes(suspend_thread != NULL);
	if (suspend_thread)
		xen_pm_register(&control_hook);
	rc = xs_watch(&shutdown_watch);
	if (rc) {
		pr_err("xen control: cannot watch control/shutdown: %d\n", rc);
		return rc;
	}
	rc = xs_watch(&sysrq_watch);
	if (rc)
		pr_warn("xen control: cannot watch control/sysrq: %d\n", rc);
	return 0;
}
