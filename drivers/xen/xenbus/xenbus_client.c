/* What a xenbus frontend driver calls: checked reads of values the
 * backend (or toolstack) wrote, formatted writes, our state, event
 * channels, error reports. Every value read here is untrusted: numbers
 * must be plain decimal and in the caller's range, strings must fit, and
 * a bad value gives -errno and one message naming the node, never a
 * crash. Thread context only (each call is a xenstore request). */
#include "xenbus_internal.h"
#include <xen/events.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <kernel/errno.h>

static const char *const state_names[] = {
	"Unknown",     "Initialising", "InitWait", "Initialised",  "Connected",
	"Closing",     "Closed",       "Reconfiguring", "Reconfigured",
};

const char *xenbus_strstate(enum xenbus_state state)
{
	return (unsigned int)state < ARRAY_SIZE(state_names) ? state_names[state] : "Invalid";
}

int xenbus_join(char *buf, size_t size, const char *dir, const char *node)
{
	int n;

	if (!node)
		return -EINVAL;
	if (dir && *dir)
		n = snprintf(buf, size, "%s/%s", dir, node);
	else
		n = snprintf(buf, size, "%s", node);
	return n < 0 || (size_t)n >= size ? -E2BIG : 0;
}

/* Plain decimal only: no sign, no spaces, no 0x; at most 20 digits. The
 * library parser also takes '+' and (base 0) hex, which no xenstore
 * writer of numbers uses. */
static int parse_decimal(const char *s, u64 *val)
{
	if (!*s || strlen(s) > 20)
		return -EINVAL;
	for (const char *p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return -EINVAL;
	return kstrtou64(s, 10, val);
}

int xenbus_read_u64(const char *dir, const char *node, u64 min, u64 max, u64 *val)
{
	char path[XENBUS_PATH_MAX + 32], untrusted[24];
	u64 v;
	int rc;

	rc = xenbus_join(path, sizeof(path), dir, node);
	if (rc)
		return rc;
	rc = xs_read(0, path, untrusted, sizeof(untrusted));
	if (rc == -E2BIG) {
		pr_warn("xenbus: %s: value too long for a number\n", path);
		return -EINVAL;
	}
	if (rc < 0)
		return rc;
	rc = parse_decimal(untrusted, &v);
	if (rc == -EINVAL) {
		pr_warn("xenbus: %s: not a decimal number\n", path);
		return rc;
	}
	if (rc || v < min || v > max) {
		pr_warn("xenbus: %s: value out of range [%llu, %llu]\n", path,
			(unsigned long long)min, (unsigned long long)max);
		return -ERANGE;
	}
	*val = v;
	return 0;
}

int xenbus_read_uint(const char *dir, const char *node, unsigned int min, unsigned int max,
		     unsigned int *val)
{
	u64 v;
	int rc = xenbus_read_u64(dir, node, min, max, &v);

	if (!rc)
		*val = (unsigned int)v;
	return rc;
}

int xenbus_read_uint_default(const char *dir, const char *node, unsigned int min,
			     unsigned int max, unsigned int def, unsigned int *val)
{
	int rc = xenbus_read_uint(dir, node, min, max, val);

	if (rc == -ENOENT) {
		*val = def;
		return 0;
	}
	return rc;
}

int xenbus_read_str(const char *dir, const char *node, char *buf, size_t size)
{
	char path[XENBUS_PATH_MAX + 32];
	int rc;

	if (!size)
		return -EINVAL;
	rc = xenbus_join(path, sizeof(path), dir, node);
	if (rc)
		return rc;
	rc = xs_read(0, path, buf, size);
	if (rc == -E2BIG)
		pr_warn("xenbus: %s: value longer than %zu bytes\n", path, size - 1);
	if (rc < 0)
		buf[0] = '\0';
	return rc < 0 ? rc : 0;
}

int xenbus_printf(xs_tx_t tx, const char *dir, const char *node, const char *fmt, ...)
{
	char path[XENBUS_PATH_MAX + 32], value[256];
	va_list ap;
	int rc, n;

	rc = xenbus_join(path, sizeof(path), dir, node);
	if (rc)
		return rc;
	va_start(ap, fmt);
	n = vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(value))
		return -E2BIG;
	return xs_write(tx, path, value);
}

struct state_write {
	const char *nodename;
	enum xenbus_state state;
};

static int write_state_tx(xs_tx_t tx, void *arg)
{
	struct state_write *sw = arg;
	char probe[8];
	int rc;

	/* A device whose directory the toolstack removed must not be
	 * brought back by our write (xenstored would create it again). */
	rc = xs_read(tx, sw->nodename, probe, sizeof(probe));
	if (rc == -ENOENT)
		return -ENODEV;
	if (rc < 0 && rc != -E2BIG)
		return rc;
	return xenbus_printf(tx, sw->nodename, "state", "%d", (int)sw->state);
}

int xenbus_switch_state(struct xenbus_device *dev, enum xenbus_state state)
{
	struct state_write sw = { .nodename = dev->nodename, .state = state };
	int rc;

	if ((unsigned int)state > XenbusStateReconfigured)
		return -EINVAL;
	if (state == dev->state)
		return 0;
	rc = xs_transaction(write_state_tx, &sw);
	if (rc) {
		/* Not dev_fatal: that switches state itself, and a gone
		 * device (-ENODEV) is no error worth a node. */
		if (rc != -ENODEV)
			xenbus_dev_error(dev, rc, "writing state %s", xenbus_strstate(state));
		return rc;
	}
	WRITE_ONCE(dev->state, state);
	xenbus_state_changed_notify();
	return 0;
}

int xenbus_frontend_closed(struct xenbus_device *dev)
{
	return xenbus_switch_state(dev, XenbusStateClosed);
}

enum xenbus_state xenbus_read_otherend_state(struct xenbus_device *dev)
{
	unsigned int s;

	if (!dev->otherend[0] ||
	    xenbus_read_uint(dev->otherend, "state", XenbusStateUnknown, XenbusStateReconfigured, &s))
		return XenbusStateUnknown;
	return (enum xenbus_state)s;
}

int xenbus_alloc_evtchn(struct xenbus_device *dev, unsigned int *port)
{
	int rc = evtchn_alloc_unbound(dev->otherend_id, port);

	if (rc)
		xenbus_dev_fatal(dev, rc, "allocating an event channel for domain %u",
				 dev->otherend_id);
	return rc;
}

/* Log one line and write error/<nodename>/error = "<errno> <message>"
 * (positive errno, as Linux writes it, so the toolstack's readers see
 * the same format for every guest). */
__printf(3, 0) static void report(struct xenbus_device *dev, int err, const char *fmt, va_list ap)
{
	char msg[160], path[XENBUS_PATH_MAX + 16];
	int e = err < 0 ? -err : err;
	int rc;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	pr_err("xenbus: %s: error %d: %s\n", dev->nodename, e, msg);
	if (xenbus_join(path, sizeof(path), "error", dev->nodename))
		return;
	rc = xenbus_printf(0, path, "error", "%d %s", e, msg);
	if (rc)
		pr_warn("xenbus: %s: cannot write error/%s/error: %d\n", dev->nodename,
			dev->nodename, rc);
}

void xenbus_dev_error(struct xenbus_device *dev, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(dev, err, fmt, ap);
	va_end(ap);
}

void xenbus_dev_fatal(struct xenbus_device *dev, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(dev, err, fmt, ap);
	va_end(ap);
	WRITE_ONCE(dev->failed, true);
	/* Closing tells the backend to let go; it may fail if the device is
	 * being removed, which is fine. */
	xenbus_switch_state(dev, XenbusStateClosing);
	xenbus_state_changed_notify();
}
