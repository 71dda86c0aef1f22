/* Self-tests for the xenbus device model. The name and path checks run
 * wherever the suite is built; everything else needs xenstore and skips
 * case by case without it (a dom0 booted directly by Xen).
 *
 * A domU may not create nodes under device/ (libxl makes that directory
 * read-only for the guest), so the hot-plug cases run a second bus,
 * rooted at data/xenbus-ktest/device, whose backends must live under
 * /local/domain/<backend-id>/data/xenbus-ktest/backend: the same code
 * and the same validation as the real bus, in a tree the guest owns. The
 * test plays the backend itself (backend-id = our own domid). */
#include "xenbus_internal.h"
#include <kernel/ktest.h>
#include <kernel/string.h>
#include <kernel/errno.h>
#include <kernel/time.h>
#include <kernel/printk.h>

#define BASE "data/xenbus-ktest"
#define WAIT_NS (5 * NSEC_PER_SEC)

static bool no_xenstore(struct ktest *t)
{
	if (xenstore_available() && xenbus_own_domid)
		return false;
	ktest_skip(t, "no xenstore in this domain");
	return true;
}

/* ---- pure checks ---- */

static void xb_parse_id(struct ktest *t)
{
	static const char *const bad[] = { "", "007", "-1", "+1", "1a", " 1", "4294967296",
					   "99999999999", "0x10" };
	unsigned int id = 123;

	KT_EXPECT(t, xenbus_parse_id("0", &id) == 0 && id == 0);
	KT_EXPECT(t, xenbus_parse_id("51712", &id) == 0 && id == 51712);
	KT_EXPECT(t, xenbus_parse_id("4294967295", &id) == 0 && id == 4294967295u);
	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++)
		KT_EXPECT_EQ(t, xenbus_parse_id(bad[i], &id), -EINVAL);
}

static void xb_types_and_states(struct ktest *t)
{
	KT_EXPECT(t, xenbus_valid_type("vbd"));
	KT_EXPECT(t, xenbus_valid_type("xltest"));
	KT_EXPECT(t, !xenbus_valid_type(""));
	KT_EXPECT(t, !xenbus_valid_type("a/b"));
	KT_EXPECT(t, !xenbus_valid_type("a b"));
	KT_EXPECT(t, !xenbus_valid_type("abcdefghijklmnopqrstuvwxyz"));
	KT_EXPECT(t, !strcmp(xenbus_strstate(XenbusStateConnected), "Connected"));
	KT_EXPECT(t, !strcmp(xenbus_strstate(XenbusStateReconfigured), "Reconfigured"));
	KT_EXPECT(t, !strcmp(xenbus_strstate((enum xenbus_state)9), "Invalid"));
}

static void xb_otherend_paths(struct ktest *t)
{
	static struct xenbus_bus bus = { .name = "check", .root = "device", .backend_dir = "backend" };
	domid_t me = xenbus_own_domid ? xenbus_own_domid : 7;
	domid_t saved = xenbus_own_domid;
	char p[XENBUS_PATH_MAX + 16];
	const char *why;

	/* Validation compares with our own domid; any value works here. */
	xenbus_own_domid = me;
	snprintf(p, sizeof(p), "/local/domain/0/backend/vbd/%u/51712", me);
	KT_EXPECT_EQ(t, xenbus_check_otherend(&bus, "vbd", 51712, 0, p, &why), 0);
	/* Another backend type name for the same device (qdisk). */
	snprintf(p, sizeof(p), "/local/domain/0/backend/qdisk/%u/51712", me);
	KT_EXPECT_EQ(t, xenbus_check_otherend(&bus, "vbd", 51712, 0, p, &why), 0);
	/* Wrong backend domain, device, domain; relative; trailing parts. */
	snprintf(p, sizeof(p), "/local/domain/0/backend/vbd/%u/51712", me);
	KT_EXPECT_EQ(t, xenbus_check_otherend(&bus, "vbd", 51712, 1, p, &why), -EINVAL);
	KT_EXPECT_EQ(t, xenbus_check_otherend(&bus, "vbd", 51713, 0, p, &why), -EINVAL);
	snprintf(p, sizeof(p), "/local/domain/0/backend/vbd/%u/51712", me + 1);
	KT_EXPECT_EQ(t, xenbus_check_otherend(&bus, "vbd", 51712, 0, p, &why), -EINVAL);
	snprintf(p, sizeof(p), "local/domain/0/backend/vbd/%u/51712", me);
	KT_EXPECT_EQ(t, xenbus_check_otherend(&bus, "vbd", 51712, 0, p, &why), -EINVAL);
	snprintf(p, sizeof(p), "/local/domain/0/backend/vbd/%u/51712/x", me);
	KT_EXPECT_EQ(t, xenbus_check_otherend(&bus, "vbd", 51712, 0, p, &why), -EINVAL);
	snprintf(p, sizeof(p), "/local/domain/0/backend/vbd/%u/51712/", me);
	KT_EXPECT_EQ(t, xenbus_check_otherend(&bus, "vbd", 51712, 0, p, &why), -EINVAL);
	snprintf(p, sizeof(p), "/local/domain/0/backend//vbd/%u/51712", me);
	KT_EXPECT_EQ(t, xenbus_check_otherend(&bus, "vbd", 51712, 0, p, &why), -EINVAL);
	snprintf(p, sizeof(p), "/local/domain/0/backend/vbd/%u/051712", me);
	KT_EXPECT_EQ(t, xenbus_check_otherend(&bus, "vbd", 51712, 0, p, &why), -EINVAL);
	snprintf(p, sizeof(p), "/local/domain/0/data/vbd/%u/51712", me);
	KT_EXPECT_EQ(t, xenbus_check_otherend(&bus, "vbd", 51712, 0, p, &why), -EINVAL);
	KT_EXPECT_EQ(t, xenbus_check_otherend(&bus, "vbd", 51712, 0, "/local/domain/0/backend/v\x01", &why), -EINVAL);
	KT_EXPECT_EQ(t, xenbus_check_otherend(&bus, "vbd", 51712, 0, "", &why), -EINVAL);
	memset(p, 'a', sizeof(p) - 1);
	p[0] = '/';
	p[sizeof(p) - 1] = '\0';
	KT_EXPECT_EQ(t, xenbus_check_otherend(&bus, "vbd", 51712, 0, p, &why), -EINVAL);
	xenbus_own_domid = saved;
}

/* ---- checked reads and writes ---- */

static void xb_read_numbers(struct ktest *t)
{
	unsigned int v = 0;
	u64 v64 = 0;

	if (no_xenstore(t))
		return;
	KT_ASSERT(t, xs_write(0, BASE "/n/ok", "42") == 0);
	KT_ASSERT(t, xs_write(0, BASE "/n/zero", "0") == 0);
	KT_ASSERT(t, xs_write(0, BASE "/n/big", "18446744073709551615") == 0);
	KT_ASSERT(t, xs_write(0, BASE "/n/huge", "18446744073709551616") == 0);
	KT_ASSERT(t, xs_write(0, BASE "/n/word", "forty-two") == 0);
	KT_ASSERT(t, xs_write(0, BASE "/n/neg", "-1") == 0);
	KT_ASSERT(t, xs_write(0, BASE "/n/plus", "+5") == 0);
	KT_ASSERT(t, xs_write(0, BASE "/n/hex", "0x10") == 0);
	KT_ASSERT(t, xs_write(0, BASE "/n/empty", "") == 0);
	KT_ASSERT(t, xs_write(0, BASE "/n/long", "0000000000000000000000000000001") == 0);
	KT_EXPECT_EQ(t, xenbus_read_uint(BASE "/n", "ok", 0, 100, &v), 0);
	KT_EXPECT_EQ(t, v, 42);
	KT_EXPECT_EQ(t, xenbus_read_uint(BASE "/n", "ok", 43, 100, &v), -ERANGE);
	KT_EXPECT_EQ(t, xenbus_read_uint(BASE "/n", "ok", 0, 41, &v), -ERANGE);
	KT_EXPECT_EQ(t, xenbus_read_uint(BASE "/n", "zero", 0, 0, &v), 0);
	KT_EXPECT_EQ(t, v, 0);
	KT_EXPECT_EQ(t, xenbus_read_u64(BASE "/n", "big", 0, ~0ULL, &v64), 0);
	KT_EXPECT(t, v64 == ~0ULL);
	KT_EXPECT_EQ(t, xenbus_read_uint(BASE "/n", "big", 0, ~0u, &v), -ERANGE);
	KT_EXPECT_EQ(t, xenbus_read_u64(BASE "/n", "huge", 0, ~0ULL, &v64), -ERANGE);
	KT_EXPECT_EQ(t, xenbus_read_uint(BASE "/n", "word", 0, ~0u, &v), -EINVAL);
	KT_EXPECT_EQ(t, xenbus_read_uint(BASE "/n", "neg", 0, ~0u, &v), -EINVAL);
	KT_EXPECT_EQ(t, xenbus_read_uint(BASE "/n", "plus", 0, ~0u, &v), -EINVAL);
	KT_EXPECT_EQ(t, xenbus_read_uint(BASE "/n", "hex", 0, ~0u, &v), -EINVAL);
	KT_EXPECT_EQ(t, xenbus_read_uint(BASE "/n", "empty", 0, ~0u, &v), -EINVAL);
	KT_EXPECT_EQ(t, xenbus_read_uint(BASE "/n", "long", 0, ~0u, &v), -EINVAL);
	v = 7;
	KT_EXPECT_EQ(t, xenbus_read_uint(BASE "/n", "missing", 0, ~0u, &v), -ENOENT);
	KT_EXPECT_EQ(t, v, 7);
	KT_EXPECT_EQ(t, xenbus_read_uint_default(BASE "/n", "missing", 0, 10, 9, &v), 0);
	KT_EXPECT_EQ(t, v, 9);
	/* A default does not hide a bad value. */
	KT_EXPECT_EQ(t, xenbus_read_uint_default(BASE "/n", "word", 0, 10, 9, &v), -EINVAL);
	KT_EXPECT_EQ(t, xenbus_read_uint_default(BASE "/n", "ok", 0, 10, 9, &v), -ERANGE);
	xs_rm(0, BASE "/n");
}

static void xb_read_strings(struct ktest *t)
{
	char buf[8], big[64];

	if (no_xenstore(t))
		return;
	KT_ASSERT(t, xs_write(0, BASE "/s/short", "abc") == 0);
	KT_ASSERT(t, xs_write(0, BASE "/s/long", "abcdefghijklmnop") == 0);
	KT_EXPECT_EQ(t, xenbus_read_str(BASE "/s", "short", buf, sizeof(buf)), 0);
	KT_EXPECT(t, !strcmp(buf, "abc"));
	KT_EXPECT_EQ(t, xenbus_read_str(BASE "/s", "long", buf, sizeof(buf)), -E2BIG);
	KT_EXPECT_EQ(t, buf[0], '\0');
	KT_EXPECT_EQ(t, xenbus_read_str(BASE "/s", "long", big, sizeof(big)), 0);
	KT_EXPECT(t, !strcmp(big, "abcdefghijklmnop"));
	KT_EXPECT_EQ(t, xenbus_read_str(BASE "/s", "missing", buf, sizeof(buf)), -ENOENT);
	KT_EXPECT_EQ(t, xenbus_printf(0, BASE "/s", "fmt", "%u-%s", 5u, "x"), 0);
	KT_EXPECT_EQ(t, xenbus_read_str(BASE "/s", "fmt", buf, sizeof(buf)), 0);
	KT_EXPECT(t, !strcmp(buf, "5-x"));
	xs_rm(0, BASE "/s");
}

static void fake_device(struct xenbus_device *dev)
{
	memset(dev, 0, sizeof(*dev));
	strlcpy(dev->type_name, "xltest", sizeof(dev->type_name));
	dev->devicetype = dev->type_name;
	strlcpy(dev->nodename, BASE "/fake", sizeof(dev->nodename));
	dev->state = XenbusStateInitialising;
}

static void xb_switch_state(struct ktest *t)
{
	static struct xenbus_device dev;
	char buf[8];

	if (no_xenstore(t))
		return;
	fake_device(&dev);
	KT_ASSERT(t, xs_write(0, BASE "/fake/state", "1") == 0);
	KT_EXPECT_EQ(t, xenbus_switch_state(&dev, XenbusStateConnected), 0);
	KT_EXPECT_EQ(t, dev.state, XenbusStateConnected);
	KT_EXPECT_EQ(t, xs_read(0, BASE "/fake/state", buf, sizeof(buf)), 1);
	KT_EXPECT(t, !strcmp(buf, "4"));
	/* The same state again writes nothing. */
	KT_ASSERT(t, xs_write(0, BASE "/fake/state", "marker") == 0);
	KT_EXPECT_EQ(t, xenbus_switch_state(&dev, XenbusStateConnected), 0);
	KT_EXPECT_EQ(t, xs_read(0, BASE "/fake/state", buf, sizeof(buf)), 6);
	KT_EXPECT_EQ(t, xenbus_switch_state(&dev, (enum xenbus_state)9), -EINVAL);
	KT_EXPECT_EQ(t, xenbus_frontend_closed(&dev), 0);
	KT_EXPECT_EQ(t, xs_read(0, BASE "/fake/state", buf, sizeof(buf)), 1);
	KT_EXPECT(t, !strcmp(buf, "6"));
	/* A removed device directory is not brought back. */
	KT_ASSERT(t, xs_rm(0, BASE "/fake") == 0);
	KT_EXPECT_EQ(t, xenbus_switch_state(&dev, XenbusStateClosing), -ENODEV);
	KT_EXPECT_EQ(t, dev.state, XenbusStateClosed);
	KT_EXPECT_EQ(t, xs_read(0, BASE "/fake", buf, sizeof(buf)), -ENOENT);
}

static void xb_error_node(struct ktest *t)
{
	static struct xenbus_device dev;
	char buf[64];

	if (no_xenstore(t))
		return;
	fake_device(&dev);
	KT_ASSERT(t, xs_write(0, BASE "/fake/state", "4") == 0);
	dev.state = XenbusStateConnected;
	xenbus_dev_error(&dev, -EIO, "ktest error %d", 7);
	KT_EXPECT(t, xs_read(0, "error/" BASE "/fake/error", buf, sizeof(buf)) > 0);
	KT_EXPECT(t, !strcmp(buf, "5 ktest error 7"));
	KT_EXPECT(t, !dev.failed);
	KT_EXPECT_EQ(t, dev.state, XenbusStateConnected);
	xenbus_dev_fatal(&dev, -ENOMEM, "ktest fatal");
	KT_EXPECT(t, xs_read(0, "error/" BASE "/fake/error", buf, sizeof(buf)) > 0);
	KT_EXPECT(t, !strcmp(buf, "12 ktest fatal"));
	KT_EXPECT(t, dev.failed);
	KT_EXPECT_EQ(t, dev.state, XenbusStateClosing);
	KT_EXPECT_EQ(t, xs_read(0, BASE "/fake/state", buf, sizeof(buf)), 1);
	KT_EXPECT(t, !strcmp(buf, "5"));
	xs_rm(0, "error/" BASE);
	xs_rm(0, BASE "/fake");
}

/* ---- the bus: a fake "xltest" driver on a test bus ---- */

#define TROOT BASE "/device"
#define TBACK BASE "/backend"
#define TTYPE "xltest"

static struct xenbus_bus test_bus = {
	.name = "ktest",
	.root = TROOT,
	.backend_dir = TBACK,
};

static struct {
	unsigned int probes, removes, changes, probe_fail_id;
	enum xenbus_state last;
	unsigned int last_id;
	bool probe_wrong_thread;
} rec;

static int xl_probe(struct xenbus_device *dev)
{
	rec.last_id = dev->id;
	if (strcmp(current_thread()->name, "xenbus"))
		rec.probe_wrong_thread = true;
	if (dev->id == rec.probe_fail_id) {
		rec.probes++;
		return -ENXIO;
	}
	xenbus_switch_state(dev, XenbusStateInitialised);
	__atomic_add_fetch(&rec.probes, 1, __ATOMIC_SEQ_CST);
	return 0;
}

static void xl_otherend_changed(struct xenbus_device *dev, enum xenbus_state s)
{
	rec.last = s;
	switch (s) {
	case XenbusStateConnected:
		xenbus_switch_state(dev, XenbusStateConnected);
		break;
	case XenbusStateClosing:
		xenbus_switch_state(dev, XenbusStateClosing);
		xenbus_frontend_closed(dev);
		break;
	default:
		break;
	}
	__atomic_add_fetch(&rec.changes, 1, __ATOMIC_SEQ_CST);
}

static void xl_remove(struct xenbus_device *dev)
{
	(void)dev;
	__atomic_add_fetch(&rec.removes, 1, __ATOMIC_SEQ_CST);
}

static const struct xenbus_driver xltest_driver = {
	.name = "xltest-drv",
	.devicetype = TTYPE,
	.probe = xl_probe,
	.otherend_changed = xl_otherend_changed,
	.remove = xl_remove,
};

struct new_dev {
	unsigned int id;
	const char *backend;   /* NULL: the valid one */
};

static int write_device(xs_tx_t tx, void *arg)
{
	struct new_dev *nd = arg;
	char dir[XENBUS_PATH_MAX], be[XENBUS_PATH_MAX];
	int rc;

	snprintf(dir, sizeof(dir), TROOT "/" TTYPE "/%u", nd->id);
	snprintf(be, sizeof(be), "/local/domain/%u/" TBACK "/" TTYPE "/%u/%u", xenbus_own_domid,
		 xenbus_own_domid, nd->id);
	rc = xenbus_printf(tx, be, "state", "%d", XenbusStateInitWait);
	if (!rc)
		rc = xenbus_printf(tx, dir, "backend", "%s", nd->backend ? nd->backend : be);
	if (!rc)
		rc = xenbus_printf(tx, dir, "backend-id", "%u", xenbus_own_domid);
	if (!rc)
		rc = xenbus_printf(tx, dir, "state", "%d", XenbusStateInitialising);
	return rc;
}

static int add_test_device(unsigned int id, const char *backend)
{
	struct new_dev nd = { .id = id, .backend = backend };

	return xs_transaction(write_device, &nd);
}

static int set_backend_state(unsigned int id, const char *value)
{
	char path[XENBUS_PATH_MAX];

	snprintf(path, sizeof(path), "/local/domain/%u/" TBACK "/" TTYPE "/%u/%u/state",
		 xenbus_own_domid, xenbus_own_domid, id);
	return xs_write(0, path, value);
}

static int read_front_state(unsigned int id)
{
	char dir[XENBUS_PATH_MAX];
	unsigned int v;

	snprintf(dir, sizeof(dir), TROOT "/" TTYPE "/%u", id);
	return xenbus_read_uint(dir, "state", 0, 8, &v) ? -1 : (int)v;
}

struct counter_wait {
	unsigned int *counter;
	unsigned int want;
};

static bool counter_reached(void *arg)
{
	struct counter_wait *cw = arg;

	return __atomic_load_n(cw->counter, __ATOMIC_SEQ_CST) >= cw->want;
}

static bool wait_count(unsigned int *counter, unsigned int want)
{
	struct counter_wait cw = { counter, want };

	return idle_wait(counter_reached, &cw, WAIT_NS);
}

static bool test_bus_has(unsigned int id)
{
	bool found = false;

	/* Only the xenbus thread changes the list; a flush before this makes
	 * the walk stable enough for a check. */
	for (struct xenbus_device *d = test_bus.devices; d; d = d->next)
		if (d->id == id)
			found = true;
	return found;
}

static void xb_device_permission_note(void)
{
	int rc = xs_write(0, "device/xltest-perm", "");

	if (!rc) {
		xs_rm(0, "device/xltest-perm");
		pr_info("ktest xenbus: device/ is writable in this domain\n");
	} else {
		pr_info("ktest xenbus: device/ is not writable in this domain (%d): the bus cases use " TROOT "\n",
			rc);
	}
}

static void xb_hotplug(struct ktest *t)
{
	unsigned int probes, changes;
	char be[XENBUS_PATH_MAX];

	if (no_xenstore(t))
		return;
	xb_device_permission_note();
	memset(&rec, 0, sizeof(rec));
	rec.probe_fail_id = 99;
	xs_rm(0, BASE);
	/* A device present before its driver: listed, not probed. */
	KT_ASSERT(t, add_test_device(1, NULL) == 0);
	KT_ASSERT(t, xenbus_bus_start(&test_bus) == 0);
	KT_ASSERT(t, wait_for_completion_timeout(&test_bus.first_scan, WAIT_NS));
	KT_EXPECT_EQ(t, xenbus_flush(WAIT_NS), 0);
	KT_EXPECT(t, test_bus_has(1));
	KT_EXPECT_EQ(t, rec.probes, 0);
	/* The driver registers: the waiting device is probed. */
	KT_ASSERT(t, xenbus_register_frontend(&xltest_driver) == 0);
	KT_EXPECT_EQ(t, xenbus_register_frontend(&xltest_driver), -EEXIST);
	KT_EXPECT(t, wait_count(&rec.probes, 1));
	KT_EXPECT_EQ(t, rec.last_id, 1);
	KT_EXPECT(t, !rec.probe_wrong_thread);
	/* The first backend state is delivered once after probe. */
	KT_EXPECT(t, wait_count(&rec.changes, 1));
	KT_EXPECT_EQ(t, rec.last, XenbusStateInitWait);
	KT_EXPECT_EQ(t, read_front_state(1), XenbusStateInitialised);

	/* Hot add: a new directory is probed within the bound. */
	KT_ASSERT(t, add_test_device(2, NULL) == 0);
	KT_EXPECT(t, wait_count(&rec.probes, 2));
	KT_EXPECT_EQ(t, rec.last_id, 2);
	KT_EXPECT(t, wait_count(&rec.changes, 2));

	/* Backend state changes reach the driver, only when they change,
	 * and junk never does. */
	changes = rec.changes;
	KT_ASSERT(t, set_backend_state(1, "4") == 0);
	KT_EXPECT(t, wait_count(&rec.changes, changes + 1));
	KT_EXPECT_EQ(t, rec.last, XenbusStateConnected);
	KT_EXPECT_EQ(t, xenbus_flush(WAIT_NS), 0);
	KT_EXPECT_EQ(t, read_front_state(1), XenbusStateConnected);
	KT_ASSERT(t, set_backend_state(1, "4") == 0);
	KT_ASSERT(t, set_backend_state(1, "9") == 0);
	KT_ASSERT(t, set_backend_state(1, "connected") == 0);
	sleep_ns(200 * NSEC_PER_MSEC);
	KT_EXPECT_EQ(t, xenbus_flush(WAIT_NS), 0);
	KT_EXPECT_EQ(t, rec.changes, changes + 1);
	KT_EXPECT_EQ(t, rec.last, XenbusStateConnected);

	/* Detach as libxl does it: backend Closing, the frontend goes
	 * Closing then Closed; then the directory goes and remove runs. */
	KT_ASSERT(t, set_backend_state(1, "5") == 0);
	KT_EXPECT(t, wait_count(&rec.changes, changes + 2));
	KT_EXPECT_EQ(t, rec.last, XenbusStateClosing);
	KT_EXPECT_EQ(t, xenbus_flush(WAIT_NS), 0);
	KT_EXPECT_EQ(t, read_front_state(1), XenbusStateClosed);
	KT_ASSERT(t, xs_rm(0, TROOT "/" TTYPE "/1") == 0);
	KT_EXPECT(t, wait_count(&rec.removes, 1));
	KT_EXPECT_EQ(t, xenbus_flush(WAIT_NS), 0);
	KT_EXPECT(t, !test_bus_has(1));
	KT_EXPECT(t, test_bus_has(2));

	/* A backend path outside the backend tree: listed as rejected,
	 * never probed, error node written. */
	snprintf(be, sizeof(be), "/local/domain/%u/" BASE "/elsewhere/" TTYPE "/%u/3",
		 xenbus_own_domid, xenbus_own_domid);
	probes = rec.probes;
	KT_ASSERT(t, add_test_device(3, be) == 0);
	sleep_ns(200 * NSEC_PER_MSEC);
	KT_EXPECT_EQ(t, xenbus_flush(WAIT_NS), 0);
	KT_EXPECT(t, test_bus_has(3));
	KT_EXPECT_EQ(t, rec.probes, probes);
	{
		char buf[128];

		KT_EXPECT(t, xs_read(0, "error/" TROOT "/" TTYPE "/3/error", buf, sizeof(buf)) > 0);
		KT_EXPECT(t, !strncmp(buf, "22 ", 3));
	}
	/* Names that are not decimal ids are ignored. */
	KT_ASSERT(t, xs_write(0, TROOT "/" TTYPE "/abc/backend", be) == 0);
	KT_ASSERT(t, xs_write(0, TROOT "/" TTYPE "/04/backend", be) == 0);
	sleep_ns(100 * NSEC_PER_MSEC);
	KT_EXPECT_EQ(t, xenbus_flush(WAIT_NS), 0);
	KT_EXPECT_EQ(t, test_bus.nr_devices, 2);
	/* A probe that fails: the device is marked failed, others go on. */
	rec.probe_fail_id = 4;
	KT_ASSERT(t, add_test_device(4, NULL) == 0);
	KT_EXPECT(t, wait_count(&rec.probes, probes + 1));
	KT_EXPECT_EQ(t, xenbus_flush(WAIT_NS), 0);
	KT_EXPECT_EQ(t, test_bus.nr_devices, 3);

	/* Unregistering removes the driver from its bound devices. */
	probes = rec.removes;
	KT_EXPECT_EQ(t, xenbus_unregister_driver(&xltest_driver), 0);
	KT_EXPECT_EQ(t, rec.removes, probes + 1);   /* device 2 only */
	KT_EXPECT_EQ(t, xenbus_unregister_driver(&xltest_driver), -ENOENT);
	KT_EXPECT_EQ(t, xenbus_bus_stop(&test_bus), 0);
	KT_EXPECT_EQ(t, test_bus.nr_devices, 0);
	KT_EXPECT_EQ(t, rec.removes, probes + 1);
	xs_rm(0, "error/" BASE);
	xs_rm(0, BASE);
}

/* Removal while bound: xenbus_bus_stop() and a detach both call remove. */
static void xb_stop_removes(struct ktest *t)
{
	if (no_xenstore(t))
		return;
	memset(&rec, 0, sizeof(rec));
	rec.probe_fail_id = 99;
	xs_rm(0, BASE);
	KT_ASSERT(t, xenbus_register_frontend(&xltest_driver) == 0);
	KT_ASSERT(t, xenbus_bus_start(&test_bus) == 0);
	KT_ASSERT(t, add_test_device(7, NULL) == 0);
	KT_ASSERT(t, add_test_device(8, NULL) == 0);
	KT_EXPECT(t, wait_count(&rec.probes, 2));
	KT_EXPECT_EQ(t, xenbus_bus_stop(&test_bus), 0);
	KT_EXPECT_EQ(t, rec.removes, 2);
	KT_EXPECT_EQ(t, xenbus_unregister_driver(&xltest_driver), 0);
	KT_EXPECT_EQ(t, rec.removes, 2);
	xs_rm(0, BASE);
}

static const struct ktest_case xenbus_cases[] = {
	{ "parse_id", xb_parse_id },
	{ "types_and_states", xb_types_and_states },
	{ "otherend_paths", xb_otherend_paths },
	{ "read_numbers", xb_read_numbers },
	{ "read_strings", xb_read_strings },
	{ "switch_state", xb_switch_state },
	{ "error_node", xb_error_node },
	{ "hotplug", xb_hotplug },
	{ "stop_removes", xb_stop_removes },
};
KTEST_SUITE(xenbus, "xenbus", xenbus_cases, NULL);
