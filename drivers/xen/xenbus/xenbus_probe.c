/* The xenbus device model: the driver registry, enumeration of
 * <root>/<type>/<id> device directories, hot attach and detach, one watch
 * per device on its backend's state, and the "xenbus" thread on which
 * every driver callback runs.
 *
 * Flow. Watch callbacks run on the xenwatch thread, which the whole
 * xenstore client shares (guest control, vCPU hotplug): they only set a
 * flag and wake the xenbus thread, so a slow driver never holds up
 * xenwatch. The xenbus thread then, in rounds:
 *   1. drops drivers being unregistered (remove from their devices);
 *   2. per bus with a rescan pending: lists <root>/<type>/<id>, adds the
 *      new directories (backend path and id read and validated), removes
 *      the ones that disappeared (drv->remove, unwatch, free);
 *   3. probes devices whose type has a driver and that were not probed;
 *   4. delivers backend state changes (read, validated, and passed on
 *      only if they differ from the last delivered).
 * The bounded work per event is a rescan: two directory listings per
 * device type, each at most a xenstore payload.
 *
 * Locking: bus_mutex protects the driver table, the list of buses and the
 * linkage of each bus's device list. Only the xenbus thread links and
 * unlinks devices, so it walks its lists without the mutex and takes it
 * just to link or unlink; every other thread (monitor, the boot wait,
 * the tests) walks them under it. It is never held across a xenstore
 * request or a driver callback, and nests inside nothing and takes
 * nothing else (wait-queue locks aside). dev->flags is changed with atomic
 * read-modify-write only: the xenwatch thread sets XB_OTHEREND_PENDING,
 * the xenbus thread the rest. Work requests (bus->pending, work,
 * flush_req) are atomics too. */
#include "xenbus_internal.h"
#include <xen/xen.h>
#include <xen/suspend.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <kernel/errno.h>
#include <kernel/mm.h>
#include <kernel/monitor.h>
#include <xen/interface/io/xs_wire.h>

#define MAX_DRIVERS 16
#define MAX_TYPES_PER_SCAN 32
#define BAD_NAMES_REPORTED 8
#define LIST_BUF (XENSTORE_PAYLOAD_MAX + 1)

domid_t xenbus_own_domid;

struct drv_slot {
	const struct xenbus_driver *drv;
	bool leaving;                   /* xenbus_unregister_driver() asked */
};

static DEFINE_MUTEX(bus_mutex);
static struct drv_slot drivers[MAX_DRIVERS];
static struct xenbus_bus *buses;

static struct xenbus_bus frontend_bus = {
	.name = "frontend",
	.root = "device",
	.backend_dir = "backend",
};

static struct thread *bus_thread;
static unsigned int work;                   /* something to do (atomic) */
static DEFINE_WAITQUEUE(work_wq);
static unsigned long flush_req, flush_done;  /* xenbus_flush() */
static DEFINE_WAITQUEUE(done_wq);
static unsigned long state_seq;              /* bumped on every state change */
static DEFINE_WAITQUEUE(state_wq);

static void kick(void)
{
	__atomic_store_n(&work, 1, __ATOMIC_SEQ_CST);
	wake_up(&work_wq);
}

void xenbus_state_changed_notify(void)
{
	__atomic_add_fetch(&state_seq, 1, __ATOMIC_SEQ_CST);
	wake_up(&state_wq);
}

static void set_flag(struct xenbus_device *dev, unsigned int f)
{
	__atomic_fetch_or(&dev->flags, f, __ATOMIC_SEQ_CST);
}

static void clear_flag(struct xenbus_device *dev, unsigned int f)
{
	__atomic_fetch_and(&dev->flags, ~f, __ATOMIC_SEQ_CST);
}

static bool has_flag(const struct xenbus_device *dev, unsigned int f)
{
	return __atomic_load_n(&dev->flags, __ATOMIC_SEQ_CST) & f;
}

/* ---- names and paths from xenstore (untrusted) ---- */

static bool type_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

bool xenbus_valid_type(const char *type)
{
	size_t n = strnlen(type, XENBUS_TYPE_MAX);

	if (n == 0 || n >= XENBUS_TYPE_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!type_char(type[i]))
			return false;
	return true;
}

/* A device id: plain decimal, no leading zero (so one directory has one
 * number), fitting an unsigned int. */
int xenbus_parse_id(const char *name, unsigned int *id)
{
	size_t n = strnlen(name, 12);
	u64 v = 0;

	if (n == 0 || n > 10 || (name[0] == '0' && n > 1))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (name[i] < '0' || name[i] > '9')
			return -EINVAL;
		v = v * 10 + (u64)(name[i] - '0');
	}
	if (v > 0xffffffffULL)
		return -EINVAL;
	*id = (unsigned int)v;
	return 0;
}

/* Copy for a log line: anything not plainly printable becomes '?'. */
static void printable(char *dst, size_t size, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < size && src[i]; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
	dst[i] = '\0';
}

/* Parse "<decimal>" up to the next '/' or the end; *end past it. */
static int parse_component_id(const char *s, unsigned int *v, const char **end)
{
	char buf[12];
	size_t n = 0;

	while (s[n] && s[n] != '/' && n < sizeof(buf) - 1)
		n++;
	if (s[n] && s[n] != '/')
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	*end = s + n;
	return xenbus_parse_id(buf, v);
}

/* The backend path must be exactly
 *   /local/domain/<backend-id>/<backend_dir>/<backend type>/<our domid>/<id>
 * The backend type may differ from ours (libxl's "qdisk" serves "vbd"),
 * but it names this domain and this device, in the backend-id's tree. */
int xenbus_check_otherend(const struct xenbus_bus *bus, const char *type, unsigned int id,
			  domid_t backend_id, const char *path, const char **why)
{
	char prefix[XENBUS_ROOT_MAX + 32];
	const char *p;
	unsigned int dom, devid;
	size_t n, len = strnlen(path, XENBUS_PATH_MAX);

	(void)type;
	*why = NULL;
	if (len == 0 || len >= XENBUS_PATH_MAX - 1)
		*why = "empty or too long";
	else if (path[0] != '/')
		*why = "not absolute";
	else if (path[len - 1] == '/')
		*why = "ends in '/'";
	for (size_t i = 0; !*why && i < len; i++)
		if (!type_char(path[i]) && path[i] != '/')
			*why = "bad character";
		else if (path[i] == '/' && path[i + 1] == '/')
			*why = "empty component";
	if (*why)
		return -EINVAL;
	snprintf(prefix, sizeof(prefix), "/local/domain/%u/%s/", backend_id, bus->backend_dir);
	n = strlen(prefix);
	if (strncmp(path, prefix, n)) {
		*why = "not in the backend domain's backend tree";
		return -EINVAL;
	}
	p = path + n;
	n = 0;
	while (p[n] && p[n] != '/')
		n++;
	if (n == 0 || n >= XENBUS_TYPE_MAX || p[n] != '/') {
		*why = "no backend type";
		return -EINVAL;
	}
	p += n + 1;
	if (parse_component_id(p, &dom, &p) || *p != '/' || dom != xenbus_own_domid) {
		*why = "not for this domain";
		return -EINVAL;
	}
	if (parse_component_id(p + 1, &devid, &p) || *p || devid != id) {
		*why = "not for this device";
		return -EINVAL;
	}
	return 0;
}

/* ---- driver table ---- */

static const struct xenbus_driver *find_driver_locked(const char *type)
{
	for (unsigned int i = 0; i < MAX_DRIVERS; i++)
		if (drivers[i].drv && !drivers[i].leaving && !strcmp(drivers[i].drv->devicetype, type))
			return drivers[i].drv;
	return NULL;
}

static const struct xenbus_driver *find_driver(const char *type)
{
	const struct xenbus_driver *drv;

	mutex_lock(&bus_mutex);
	drv = find_driver_locked(type);
	mutex_unlock(&bus_mutex);
	return drv;
}

int xenbus_register_frontend(const struct xenbus_driver *drv)
{
	int free_slot = -1;

	if (!drv || !drv->name || !drv->devicetype || !drv->probe ||
	    !xenbus_valid_type(drv->devicetype))
		return -EINVAL;
	mutex_lock(&bus_mutex);
	for (int i = 0; i < MAX_DRIVERS; i++) {
		if (drivers[i].drv && (drivers[i].drv == drv ||
				       !strcmp(drivers[i].drv->devicetype, drv->devicetype))) {
			mutex_unlock(&bus_mutex);
			pr_err("xenbus: driver %s: %s devices have a driver already\n", drv->name,
			       drv->devicetype);
			return -EEXIST;
		}
		if (!drivers[i].drv && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0) {
		mutex_unlock(&bus_mutex);
		pr_err("xenbus: driver %s: at most %d drivers\n", drv->name, MAX_DRIVERS);
		return -ENOSPC;
	}
	drivers[free_slot].drv = drv;
	drivers[free_slot].leaving = false;
	mutex_unlock(&bus_mutex);
	pr_info("xenbus: driver %s registered for %s devices\n", drv->name, drv->devicetype);
	/* Devices of this type already found are probed on the thread. */
	kick();
	return 0;
}

static bool slot_gone(void *arg)
{
	return READ_ONCE(((struct drv_slot *)arg)->drv) == NULL;
}

int xenbus_unregister_driver(const struct xenbus_driver *drv)
{
	struct drv_slot *slot = NULL;

	if (current_thread() == READ_ONCE(bus_thread))
		return -EBUSY;
	mutex_lock(&bus_mutex);
	for (unsigned int i = 0; i < MAX_DRIVERS; i++)
		if (drivers[i].drv == drv && !drivers[i].leaving)
			slot = &drivers[i];
	if (slot) {
		slot->leaving = true;
		/* Without the thread no device was ever bound to it. */
		if (!bus_thread)
			slot->drv = NULL;
	}
	mutex_unlock(&bus_mutex);
	if (!slot)
		return -ENOENT;
	kick();
	wait_event(done_wq, slot_gone(slot));
	pr_info("xenbus: driver %s unregistered\n", drv->name);
	return 0;
}

/* ---- per-device work (xenbus thread) ---- */

static void otherend_fired(struct xs_watch *w, const char *path)
{
	struct xenbus_device *dev = container_of(w, struct xenbus_device, otherend_watch);

	/* xenwatch thread: xs_unwatch() waits for us, so dev is alive. */
	(void)path;
	set_flag(dev, XB_OTHEREND_PENDING);
	kick();
}

/* Undo a probe: the driver's remove, then the backend watch. */
static void unbind(struct xenbus_device *dev)
{
	if (has_flag(dev, XB_PROBED) && dev->drv->remove)
		dev->drv->remove(dev);
	if (has_flag(dev, XB_WATCHED)) {
		xs_unwatch(&dev->otherend_watch);
		clear_flag(dev, XB_WATCHED);
	}
	clear_flag(dev, XB_PROBE_TRIED | XB_PROBED | XB_DELIVERED | XB_OTHEREND_PENDING);
	dev->drv = NULL;
	dev->drvdata = NULL;
}

static void probe(struct xenbus_device *dev, const struct xenbus_driver *drv)
{
	int rc;

	dev->drv = drv;
	WRITE_ONCE(dev->failed, false);
	set_flag(dev, XB_PROBE_TRIED);
	rc = drv->probe(dev);
	if (rc) {
		xenbus_dev_error(dev, rc, "probe by %s failed", drv->name);
		WRITE_ONCE(dev->failed, true);
		xenbus_state_changed_notify();
		return;
	}
	set_flag(dev, XB_PROBED);
	snprintf(dev->otherend_watch_path, sizeof(dev->otherend_watch_path), "%s/state",
		 dev->otherend);
	dev->otherend_watch.path = dev->otherend_watch_path;
	dev->otherend_watch.cb = otherend_fired;
	/* xenstored fires it once at once: that event makes the first
	 * otherend_changed() call. */
	rc = xs_watch(&dev->otherend_watch);
	if (rc) {
		xenbus_dev_fatal(dev, rc, "watching %s", dev->otherend_watch_path);
		return;
	}
	set_flag(dev, XB_WATCHED);
}

static void deliver_otherend(struct xenbus_device *dev)
{
	unsigned int s;
	int rc;

	clear_flag(dev, XB_OTHEREND_PENDING);
	rc = xenbus_read_uint(dev->otherend, "state", XenbusStateUnknown, XenbusStateReconfigured,
			      &s);
	if (rc == -ENOENT || rc == -EACCES) {
		/* The backend went away. xenstored answers a read of a node
		 * that is gone with the permissions of its nearest existing
		 * parent, so a removed backend directory usually reads as
		 * EACCES (only its domain may read backend/vbd/<us>), not
		 * ENOENT. Either way there is no backend to wait for. */
		s = XenbusStateUnknown;
	} else if (rc) {
		/* Invalid values were reported by the reader; keep the last
		 * state rather than pass junk on. */
		if (rc != -EINVAL && rc != -ERANGE)
			pr_warn("xenbus: %s: reading the backend state failed: %d\n",
				dev->nodename, rc);
		return;
	}
	if (has_flag(dev, XB_DELIVERED) && s == dev->otherend_state)
		return;
	WRITE_ONCE(dev->otherend_state, (enum xenbus_state)s);
	set_flag(dev, XB_DELIVERED);
	if (dev->drv->otherend_changed)
		dev->drv->otherend_changed(dev, (enum xenbus_state)s);
	else if (s == XenbusStateClosing || s == XenbusStateClosed)
		/* A driver with nothing to tear down lets the backend close. */
		xenbus_frontend_closed(dev);
	xenbus_state_changed_notify();
}

/* ---- enumeration ---- */

static struct xenbus_device *find_device(struct xenbus_bus *bus, const char *type,
					 unsigned int id)
{
	for (struct xenbus_device *d = bus->devices; d; d = d->next)
		if (d->id == id && !strcmp(d->type_name, type))
			return d;
	return NULL;
}

static void bad_name(struct xenbus_bus *bus, const char *what, const char *name)
{
	char shown[40];

	if (bus->bad_names >= BAD_NAMES_REPORTED)
		return;
	printable(shown, sizeof(shown), name);
	pr_warn("xenbus: %s: ignoring %s '%s'%s\n", bus->root, what, shown,
		++bus->bad_names == BAD_NAMES_REPORTED ? " (further ones not reported)" : "");
}

static void add_device(struct xenbus_bus *bus, const char *type, unsigned int id)
{
	struct xenbus_device *dev, **pp;
	const char *why = NULL;
	unsigned int beid = 0, s;
	char shown[XENBUS_PATH_MAX];
	int rc;

	if (bus->nr_devices >= XENBUS_MAX_DEVICES) {
		if (!bus->full_reported)
			pr_err("xenbus: %s: more than %d devices; the rest are ignored\n",
			       bus->root, XENBUS_MAX_DEVICES);
		bus->full_reported = true;
		return;
	}
	dev = kzalloc(sizeof(*dev));
	if (!dev) {
		pr_err("xenbus: %s/%s/%u: out of memory\n", bus->root, type, id);
		return;
	}
	strlcpy(dev->type_name, type, sizeof(dev->type_name));
	dev->devicetype = dev->type_name;
	dev->id = id;
	dev->bus = bus;
	if (snprintf(dev->nodename, sizeof(dev->nodename), "%s/%s/%u", bus->root, type, id) >=
	    (int)sizeof(dev->nodename)) {
		kfree(dev);
		return;
	}
	rc = xenbus_read_str(dev->nodename, "backend", dev->otherend, sizeof(dev->otherend));
	if (rc == -E2BIG) {
		why = "backend path too long";
	} else if (rc) {
		/* Not written yet (that write fires the watch again), or a
		 * transient failure: try again on the next event. */
		kfree(dev);
		return;
	}
	if (!why) {
		rc = xenbus_read_uint(dev->nodename, "backend-id", 0, DOMID_FIRST_RESERVED - 1, &beid);
		if (rc == -ENOENT) {
			kfree(dev);
			return;
		}
		if (rc)
			why = "bad backend-id";
	}
	dev->otherend_id = (domid_t)beid;
	if (!why)
		xenbus_check_otherend(bus, type, id, dev->otherend_id, dev->otherend, &why);
	rc = xenbus_read_uint(dev->nodename, "state", XenbusStateUnknown, XenbusStateReconfigured,
			      &s);
	dev->state = rc ? XenbusStateUnknown : (enum xenbus_state)s;
	dev->otherend_state = XenbusStateUnknown;
	if (why) {
		/* Listed (so the monitor shows it) but never probed. */
		printable(shown, sizeof(shown), dev->otherend);
		strlcpy(dev->otherend, shown, sizeof(dev->otherend));
		dev->failed = true;
		xenbus_dev_error(dev, -EINVAL, "backend '%s' (domain %u) rejected: %s",
				 dev->otherend, beid, why);
	} else {
		pr_info("xenbus: %s: backend %s (domain %u)\n", dev->nodename, dev->otherend,
			dev->otherend_id);
	}
	/* Seen by the scan that is adding it, or it would go at once. */
	dev->flags = XB_SEEN | (why ? XB_REJECTED : 0);
	mutex_lock(&bus_mutex);
	for (pp = &bus->devices; *pp; pp = &(*pp)->next)
		;
	*pp = dev;
	bus->nr_devices++;
	mutex_unlock(&bus_mutex);
	xenbus_state_changed_notify();
}

/* Set while the suspend hook stops the bus: a device removed then tells
 * its backend (Closed, as Linux does on unbind) and waits, bounded, for
 * the backend to close too, then asks it to wait for a reconnection
 * (close_for_suspend). Without this, after a cancelled suspend or a
 * checkpoint (the same backend) it would still hold our old rings and
 * ignore a new Initialising. */
static bool pm_closing;
#define PM_CLOSE_WAIT_NS (5 * NSEC_PER_SEC)

/* Poll (bounded) until the backend's state satisfies want(); the last
 * state read. */
static enum xenbus_state wait_otherend(struct xenbus_device *dev, bool (*want)(enum xenbus_state))
{
	enum xenbus_state st;

	for (u64 waited = 0;; waited += 50 * NSEC_PER_MSEC) {
		st = xenbus_read_otherend_state(dev);
		if (want(st) || waited >= PM_CLOSE_WAIT_NS)
			return st;
		sleep_ns(50 * NSEC_PER_MSEC);
	}
}

static bool otherend_closed(enum xenbus_state st)
{
	return st == XenbusStateClosed || st == XenbusStateUnknown;
}

static bool otherend_reopened(enum xenbus_state st)
{
	return st != XenbusStateClosed;
}

/* Closed, then Initialising once the backend has closed: Linux backends
 * answer that with InitWait ("prepare for reconnect"), so after a
 * cancelled suspend or a checkpoint the device found again meets a
 * backend waiting for it rather than a Closed one, which the driver
 * would take for the end of the device. In a new domain the old backend
 * is simply destroyed with the old domain. */
static void close_for_suspend(struct xenbus_device *dev)
{
	enum xenbus_state st;

	xenbus_frontend_closed(dev);
	st = wait_otherend(dev, otherend_closed);
	if (!otherend_closed(st)) {
		pr_warn("xenbus: %s: backend still %s after %llu s; suspending anyway\n",
			dev->nodename, xenbus_strstate(st),
			(unsigned long long)(PM_CLOSE_WAIT_NS / NSEC_PER_SEC));
		return;
	}
	if (st == XenbusStateUnknown)
		return;
	xenbus_switch_state(dev, XenbusStateInitialising);
	st = wait_otherend(dev, otherend_reopened);
	if (!otherend_reopened(st))
		pr_warn("xenbus: %s: backend did not leave Closed; it may not reconnect\n",
			dev->nodename);
}

static void remove_device(struct xenbus_bus *bus, struct xenbus_device *dev)
{
	bool was_probed = has_flag(dev, XB_PROBED);

	pr_info("xenbus: %s: removed\n", dev->nodename);
	unbind(dev);
	if (was_probed && READ_ONCE(pm_closing))
		close_for_suspend(dev);
	mutex_lock(&bus_mutex);
	for (struct xenbus_device **pp = &bus->devices; *pp; pp = &(*pp)->next) {
		if (*pp == dev) {
			*pp = dev->next;
			break;
		}
	}
	bus->nr_devices--;
	if (bus->nr_devices < XENBUS_MAX_DEVICES)
		bus->full_reported = false;
	mutex_unlock(&bus_mutex);
	kfree(dev);
	xenbus_state_changed_notify();
}

static void remove_unseen(struct xenbus_bus *bus)
{
	struct xenbus_device *dev = bus->devices, *next;

	for (; dev; dev = next) {
		next = dev->next;
		if (!has_flag(dev, XB_SEEN))
			remove_device(bus, dev);
	}
}

static void mark_type_seen(struct xenbus_bus *bus, const char *type)
{
	for (struct xenbus_device *d = bus->devices; d; d = d->next)
		if (!strcmp(d->type_name, type))
			set_flag(d, XB_SEEN);
}

/* One type directory: add what is new, mark what is still there. */
static void scan_type(struct xenbus_bus *bus, const char *type, char *buf)
{
	char path[XENBUS_ROOT_MAX + XENBUS_TYPE_MAX + 2];
	const char *name;
	int n;

	snprintf(path, sizeof(path), "%s/%s", bus->root, type);
	n = xs_directory(0, path, buf, LIST_BUF);
	if (n == -ENOENT)
		return;
	if (n < 0) {
		/* Unknown: keep what we have rather than remove it. */
		pr_warn("xenbus: listing %s failed: %d\n", path, n);
		mark_type_seen(bus, type);
		return;
	}
	name = buf;
	for (int i = 0; i < n; i++, name += strlen(name) + 1) {
		struct xenbus_device *dev;
		unsigned int id;

		if (xenbus_parse_id(name, &id)) {
			bad_name(bus, "device id", name);
			continue;
		}
		dev = find_device(bus, type, id);
		if (dev)
			set_flag(dev, XB_SEEN);
		else
			add_device(bus, type, id);
	}
}

static void rescan(struct xenbus_bus *bus)
{
	char *types = kmalloc(LIST_BUF), *ids = kmalloc(LIST_BUF);
	const char *type;
	int n;

	if (!types || !ids) {
		pr_err("xenbus: %s: no memory to rescan\n", bus->root);
		/* Try again on the next round. */
		__atomic_store_n(&bus->pending, 1, __ATOMIC_SEQ_CST);
		goto out;
	}
	n = xs_directory(0, bus->root, types, LIST_BUF);
	if (n < 0 && n != -ENOENT) {
		pr_warn("xenbus: listing %s failed: %d\n", bus->root, n);
		goto out;
	}
	for (struct xenbus_device *d = bus->devices; d; d = d->next)
		clear_flag(d, XB_SEEN);
	type = types;
	for (int i = 0; i < n; i++, type += strlen(type) + 1) {
		if (i >= MAX_TYPES_PER_SCAN) {
			bad_name(bus, "device types past the limit, from", type);
			break;
		}
		/* libxl keeps the suspend event channel in device/suspend/
		 * event-channel: a key, not a device class. */
		if (!strcmp(bus->root, "device") && !strcmp(type, "suspend"))
			continue;
		if (!xenbus_valid_type(type)) {
			bad_name(bus, "device type", type);
			continue;
		}
		scan_type(bus, type, ids);
	}
	remove_unseen(bus);
out:
	kfree(types);
	kfree(ids);
}

/* Which events under the root can add or remove a device: the root, a
 * type or a device directory itself, or a device's backend keys (a
 * device written key by key is added once they exist). Our own writes of
 * <dev>/state, the most common event, cause no rescan. */
static bool needs_rescan(const struct xenbus_bus *bus, const char *path)
{
	char home[32];
	size_t n = strlen(bus->root);
	unsigned int depth = 0;
	const char *last = NULL;

	snprintf(home, sizeof(home), "/local/domain/%u/", xenbus_own_domid);
	if (!strncmp(path, home, strlen(home)))
		path += strlen(home);
	if (strncmp(path, bus->root, n) || (path[n] && path[n] != '/'))
		return true;    /* unexpected: be safe */
	for (const char *p = path + n; *p; p++) {
		if (*p == '/') {
			depth++;
			last = p + 1;
		}
	}
	if (depth <= 2)
		return true;
	return depth == 3 && (!strcmp(last, "backend") || !strcmp(last, "backend-id"));
}

static void root_changed(struct xs_watch *w, const char *path)
{
	struct xenbus_bus *bus = container_of(w, struct xenbus_bus, watch);

	if (!needs_rescan(bus, path))
		return;
	__atomic_store_n(&bus->pending, 1, __ATOMIC_SEQ_CST);
	kick();
}

/* ---- the thread ---- */

/* Buses are linked at the head by xenbus_bus_start() (next set before
 * the head is published, under the mutex) and unlinked only by this
 * thread, so after reading the head under the mutex the thread walks the
 * rest without it. */
static struct xenbus_bus *first_bus(void)
{
	struct xenbus_bus *b;

	mutex_lock(&bus_mutex);
	b = buses;
	mutex_unlock(&bus_mutex);
	return b;
}

static void drop_leaving_drivers(void)
{
	for (unsigned int i = 0; i < MAX_DRIVERS; i++) {
		const struct xenbus_driver *drv;
		struct xenbus_bus *bus;

		mutex_lock(&bus_mutex);
		drv = drivers[i].leaving ? drivers[i].drv : NULL;
		mutex_unlock(&bus_mutex);
		if (!drv)
			continue;
		for (bus = first_bus(); bus; bus = bus->next) {
			for (struct xenbus_device *d = bus->devices; d; d = d->next) {
				bool was_probed = has_flag(d, XB_PROBED);

				if (d->drv != drv)
					continue;
				unbind(d);
				WRITE_ONCE(d->failed, has_flag(d, XB_REJECTED));
				/* What Linux does on unbind: the toolstack
				 * can then clean the device up. */
				if (was_probed)
					xenbus_frontend_closed(d);
			}
		}
		mutex_lock(&bus_mutex);
		drivers[i].drv = NULL;
		drivers[i].leaving = false;
		mutex_unlock(&bus_mutex);
	}
}

static void stop_bus(struct xenbus_bus *bus)
{
	for (struct xenbus_device *d = bus->devices; d; d = d->next)
		clear_flag(d, XB_SEEN);
	remove_unseen(bus);
	mutex_lock(&bus_mutex);
	for (struct xenbus_bus **pp = &buses; *pp; pp = &(*pp)->next) {
		if (*pp == bus) {
			*pp = bus->next;
			break;
		}
	}
	WRITE_ONCE(bus->running, false);
	mutex_unlock(&bus_mutex);
	complete_all(&bus->first_scan);
}

static void run_bus(struct xenbus_bus *bus)
{
	if (__atomic_exchange_n(&bus->pending, 0, __ATOMIC_SEQ_CST)) {
		rescan(bus);
		if (!completion_done(&bus->first_scan))
			complete_all(&bus->first_scan);
	}
	for (struct xenbus_device *d = bus->devices; d; d = d->next) {
		if (!has_flag(d, XB_PROBE_TRIED | XB_REJECTED)) {
			const struct xenbus_driver *drv = find_driver(d->type_name);

			if (drv)
				probe(d, drv);
		}
		if (has_flag(d, XB_PROBED) && has_flag(d, XB_OTHEREND_PENDING))
			deliver_otherend(d);
	}
}

/* Set by xenbus_bus_stop(): the thread removes the bus's devices. */
static struct xenbus_bus *stopping[2];

static int xenbus_thread_fn(void *arg)
{
	(void)arg;
	for (;;) {
		unsigned long req;
		struct xenbus_bus *bus, *next;

		wait_event(work_wq, __atomic_load_n(&work, __ATOMIC_SEQ_CST));
		__atomic_store_n(&work, 0, __ATOMIC_SEQ_CST);
		/* Everything asked for before this value was read is done
		 * in this round. */
		req = __atomic_load_n(&flush_req, __ATOMIC_SEQ_CST);
		drop_leaving_drivers();
		for (unsigned int i = 0; i < ARRAY_SIZE(stopping); i++) {
			bus = __atomic_exchange_n(&stopping[i], NULL, __ATOMIC_SEQ_CST);
			if (bus)
				stop_bus(bus);
		}
		for (bus = first_bus(); bus; bus = next) {
			next = bus->next;
			run_bus(bus);
		}
		__atomic_store_n(&flush_done, req, __ATOMIC_SEQ_CST);
		wake_up(&done_wq);
	}
	return 0;
}

static bool flushed(void *arg)
{
	return __atomic_load_n(&flush_done, __ATOMIC_SEQ_CST) >= *(unsigned long *)arg;
}

int xenbus_flush(u64 timeout_ns)
{
	unsigned long seq;

	if (!READ_ONCE(bus_thread))
		return 0;
	if (current_thread() == bus_thread)
		return -EBUSY;
	seq = __atomic_add_fetch(&flush_req, 1, __ATOMIC_SEQ_CST);
	kick();
	return wait_event_timeout(done_wq, flushed(&seq), timeout_ns) ? 0 : -ETIMEDOUT;
}

static int start_thread(void)
{
	struct thread *t;

	if (bus_thread)
		return 0;
	t = thread_create("xenbus", xenbus_thread_fn, NULL, 0);
	if (!t) {
		pr_err("xenbus: cannot start its thread\n");
		return -ENOMEM;
	}
	thread_detach(t);
	WRITE_ONCE(bus_thread, t);
	return 0;
}

int xenbus_bus_start(struct xenbus_bus *bus)
{
	int rc;

	if (!xenstore_available())
		return -ENODEV;
	if (READ_ONCE(bus->running))
		return -EBUSY;
	rc = start_thread();
	if (rc)
		return rc;
	completion_init(&bus->first_scan);
	bus->devices = NULL;
	bus->nr_devices = 0;
	bus->full_reported = false;
	bus->bad_names = 0;
	bus->pending = 1;
	bus->watch.path = bus->root;
	bus->watch.cb = root_changed;
	mutex_lock(&bus_mutex);
	bus->running = true;
	bus->next = buses;
	buses = bus;
	mutex_unlock(&bus_mutex);
	rc = xs_watch(&bus->watch);
	if (rc) {
		/* The first scan still runs: devices present now are found,
		 * only later attaches are missed. */
		pr_err("xenbus: cannot watch %s: %d; no hot attach or detach\n", bus->root, rc);
	}
	kick();
	return 0;
}

int xenbus_bus_stop(struct xenbus_bus *bus)
{
	int rc;

	if (current_thread() == READ_ONCE(bus_thread))
		return -EBUSY;
	if (!READ_ONCE(bus->running))
		return -ENOENT;
	xs_unwatch(&bus->watch);
	for (unsigned int i = 0;; i++) {
		if (i == ARRAY_SIZE(stopping))
			return -EBUSY;
		if (__atomic_compare_exchange_n(&stopping[i], &(struct xenbus_bus *){ NULL }, bus,
						false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			break;
	}
	rc = xenbus_flush(60 * NSEC_PER_SEC);
	if (rc)
		pr_err("xenbus: %s: stopping timed out\n", bus->root);
	return rc;
}

/* ---- suspend and resume ----
 * Every frontend is removed before the suspend (its driver's remove:
 * in-flight work drained, bounded, then failed with an error; grants
 * and ports given back while the old domain still has them; the backend
 * closed) and the bus started afresh after the resume, which finds the
 * devices again and probes them from Initialising. A new domain has new
 * backend paths (they name the new domid), so nothing of the old device
 * records is kept. Runs on the suspend thread, never on the bus's. */
static bool bus_stopped_for_pm;

static int xenbus_pm_suspend(void)
{
	int rc;

	if (!READ_ONCE(frontend_bus.running))
		return 0;
	WRITE_ONCE(pm_closing, true);
	rc = xenbus_bus_stop(&frontend_bus);
	WRITE_ONCE(pm_closing, false);
	if (rc == -ENOENT)
		return 0;
	bus_stopped_for_pm = true;
	if (rc)
		pr_err("xenbus: suspend: devices not all removed (%d)\n", rc);
	return 0;
}

static void xenbus_pm_resume(const struct xen_resume_info *ri)
{
	int rc;

	if (!bus_stopped_for_pm)
		return;
	bus_stopped_for_pm = false;
	/* A new domain has a new id, and backend paths name it. */
	if (ri->new_domain) {
		char domid[16];
		unsigned int id;

		rc = xs_read(0, "domid", domid, sizeof(domid));
		if (rc >= 0)
			rc = xenbus_parse_id(domid, &id);
		if (rc || id >= DOMID_FIRST_RESERVED) {
			pr_err("xenbus: resume: cannot read our new domain id (%d); no devices\n", rc);
			return;
		}
		xenbus_own_domid = (domid_t)id;
	}
	/* The bus thread may still be finishing the stop (timed out). */
	for (int i = 0; i < 100 && READ_ONCE(frontend_bus.running); i++)
		sleep_ns(100 * NSEC_PER_MSEC);
	rc = xenbus_bus_start(&frontend_bus);
	if (rc)
		pr_err("xenbus: resume: cannot start the bus again: %d; no devices\n", rc);
}

static struct xen_pm_hook xenbus_pm_hook = {
	.name = "xenbus frontends",
	.level = XEN_PM_DEVICES,
	.suspend = xenbus_pm_suspend,
	.resume = xenbus_pm_resume,
};

int xenbus_init(void)
{
	char domid[16];
	unsigned int id;
	int rc;

	if (!xenstore_available())
		return 0;
	rc = xs_read(0, "domid", domid, sizeof(domid));
	if (rc >= 0)
		rc = xenbus_parse_id(domid, &id);
	if (rc || id >= DOMID_FIRST_RESERVED) {
		pr_err("xenbus: cannot read our domain id (%d); no devices\n", rc);
		return rc ? rc : -EINVAL;
	}
	xenbus_own_domid = (domid_t)id;
	xen_pm_register(&xenbus_pm_hook);
	rc = xenbus_bus_start(&frontend_bus);
	if (rc)
		pr_err("xenbus: cannot start: %d\n", rc);
	return rc;
}

/* ---- the boot wait and the listing ---- */

static bool ready(const struct xenbus_device *dev)
{
	enum xenbus_state s = READ_ONCE(dev->state);

	return READ_ONCE(dev->failed) || s == XenbusStateConnected || s == XenbusStateClosed;
}

/* Devices with a driver that are not ready yet; printed if asked. */
static int count_not_ready(bool print)
{
	int n = 0;

	mutex_lock(&bus_mutex);
	for (struct xenbus_device *d = frontend_bus.devices; d; d = d->next) {
		const struct xenbus_driver *drv = find_driver_locked(d->type_name);

		if (!drv || ready(d))
			continue;
		n++;
		if (print)
			pr_warn("xenbus: %s (%s) not ready: state %s, backend %s\n", d->nodename,
				drv->name, xenbus_strstate(READ_ONCE(d->state)),
				has_flag(d, XB_DELIVERED) ?
					xenbus_strstate(READ_ONCE(d->otherend_state)) :
					"not seen yet");
	}
	mutex_unlock(&bus_mutex);
	return n;
}

int xenbus_wait_for_devices(u64 timeout_ns)
{
	u64 deadline = deadline_after(timeout_ns);
	int n;

	if (!READ_ONCE(frontend_bus.running))
		return 0;
	if (!wait_for_completion_timeout(&frontend_bus.first_scan, timeout_ns)) {
		pr_warn("xenbus: the device scan did not finish in time\n");
		return -ETIMEDOUT;
	}
	for (;;) {
		unsigned long seq = __atomic_load_n(&state_seq, __ATOMIC_SEQ_CST);
		u64 now = clock_ns();

		n = count_not_ready(false);
		if (!n || now >= deadline)
			break;
		wait_event_timeout(state_wq, __atomic_load_n(&state_seq, __ATOMIC_SEQ_CST) != seq,
				   MIN(deadline - now, 100 * NSEC_PER_MSEC));
	}
	if (n)
		n = count_not_ready(true);
	return n;
}

struct dev_snapshot {
	char nodename[XENBUS_PATH_MAX];
	char otherend[XENBUS_PATH_MAX];
	char driver[24];
	domid_t otherend_id;
	enum xenbus_state state;
	bool failed, rejected;
};

static unsigned int snapshot(struct xenbus_bus *bus, struct dev_snapshot *s, unsigned int max)
{
	unsigned int n = 0;

	for (struct xenbus_device *d = bus->devices; d && n < max; d = d->next, n++) {
		const struct xenbus_driver *drv = d->drv ? d->drv : find_driver_locked(d->type_name);

		strlcpy(s[n].nodename, d->nodename, sizeof(s[n].nodename));
		strlcpy(s[n].otherend, d->otherend, sizeof(s[n].otherend));
		strlcpy(s[n].driver, drv ? drv->name : "-", sizeof(s[n].driver));
		s[n].otherend_id = d->otherend_id;
		s[n].state = READ_ONCE(d->state);
		s[n].failed = READ_ONCE(d->failed);
		s[n].rejected = has_flag(d, XB_REJECTED);
	}
	return n;
}

/* The list is copied under the mutex and printed without it: reading
 * each backend's state is a xenstore request, which must not hold up
 * the xenbus thread. */
void xenbus_show_devices(void)
{
	struct dev_snapshot *s;
	struct xenbus_bus *bus_list[4];
	unsigned int nb = 0;

	s = kmalloc(sizeof(*s) * XENBUS_MAX_DEVICES);
	if (!s) {
		kprintf("xenbus: out of memory\n");
		return;
	}
	mutex_lock(&bus_mutex);
	for (struct xenbus_bus *b = buses; b && nb < ARRAY_SIZE(bus_list); b = b->next)
		bus_list[nb++] = b;
	mutex_unlock(&bus_mutex);
	if (!nb)
		kprintf("xenbus: not running (no xenstore)\n");
	for (unsigned int b = 0; b < nb; b++) {
		unsigned int n;

		mutex_lock(&bus_mutex);
		/* A bus stopped meanwhile has no devices left to copy. */
		n = READ_ONCE(bus_list[b]->running) ? snapshot(bus_list[b], s, XENBUS_MAX_DEVICES) : 0;
		mutex_unlock(&bus_mutex);
		kprintf("xenbus: %s bus (%s/): %u device(s)\n", bus_list[b]->name, bus_list[b]->root, n);
		for (unsigned int i = 0; i < n; i++) {
			struct xenbus_device tmp = { 0 };
			enum xenbus_state be = XenbusStateUnknown;

			if (!s[i].rejected) {
				strlcpy(tmp.otherend, s[i].otherend, sizeof(tmp.otherend));
				be = xenbus_read_otherend_state(&tmp);
			}
			kprintf("  %-28s driver %-10s state %-12s backend %s (dom %u) %s%s\n",
				s[i].nodename, s[i].driver, xenbus_strstate(s[i].state), s[i].otherend,
				s[i].otherend_id, s[i].rejected ? "rejected" : xenbus_strstate(be),
				s[i].failed ? " FAILED" : "");
		}
	}
	kfree(s);
}

unsigned int xenbus_nr_devices(void)
{
	unsigned int n;

	mutex_lock(&bus_mutex);
	n = frontend_bus.nr_devices;
	mutex_unlock(&bus_mutex);
	return n;
}

static int cmd_xenbus(int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return -EINVAL;
	xenbus_show_devices();
	return 0;
}
MONITOR_COMMAND(xenbus, "xenbus", "", "xenbus devices: driver, states, backend", cmd_xenbus);
