/* Private to drivers/xen/xenbus/: a bus is one xenstore tree of
 * <root>/<type>/<id> device directories. The kernel has one, "device"
 * (the frontend bus); the self-tests start a second one under data/,
 * because a domU may not create nodes under device/ (libxl makes that
 * directory read-only for the guest). Both run the same code. */
#ifndef XENBUS_INTERNAL_H
#define XENBUS_INTERNAL_H

#include <xen/xenbus.h>
#include <kernel/sched.h>

#define XENBUS_ROOT_MAX 48
#define XENBUS_MAX_DEVICES 256     /* per bus; more are refused with a message */

/* dev->flags. Changed only with atomic read-modify-write: the otherend
 * watch callback (xenwatch thread) sets XB_OTHEREND_PENDING while the
 * xenbus thread changes the rest. */
#define XB_OTHEREND_PENDING  (1u << 0)  /* the backend's state node fired */
#define XB_PROBE_TRIED       (1u << 1)  /* drv->probe was called */
#define XB_PROBED            (1u << 2)  /* ... and returned 0 */
#define XB_WATCHED           (1u << 3)  /* otherend_watch registered */
#define XB_DELIVERED         (1u << 4)  /* otherend_changed called once */
#define XB_REJECTED          (1u << 5)  /* backend/backend-id invalid: never probed */
#define XB_SEEN              (1u << 6)  /* found by the current rescan */

struct xenbus_bus {
	const char *name;                   /* "frontend", "ktest" */
	/* Device directories: <root>/<type>/<id>, relative to our home. */
	char root[XENBUS_ROOT_MAX];
	/* The otherend must be /local/domain/<backend-id>/<backend_dir>/
	 * <backend type>/<our domid>/<id>; "backend" for the real bus. */
	char backend_dir[XENBUS_ROOT_MAX];
	/* private to xenbus_probe.c */
	struct xs_watch watch;
	struct xenbus_device *devices;       /* under bus_mutex */
	unsigned int nr_devices;
	unsigned int pending;                /* a rescan is wanted (atomic) */
	bool running;
	bool full_reported;
	unsigned int bad_names;              /* bad directory names reported */
	struct completion first_scan;        /* the first rescan finished */
	struct xenbus_bus *next;
};

/* Start watching bus->root (the first scan runs on the xenbus thread
 * right after); stop removes every device of the bus and returns once
 * they are gone. Thread context, not from a xenbus callback. */
int xenbus_bus_start(struct xenbus_bus *bus);
int xenbus_bus_stop(struct xenbus_bus *bus);
/* Block until the xenbus thread has handled everything queued before
 * the call (rescans, otherend changes, driver changes). */
int xenbus_flush(u64 timeout_ns);

/* Our domain id, read once by xenbus_init(); 0 before. */
extern domid_t xenbus_own_domid;
/* Checked parts, exposed for the self-tests. */
int xenbus_parse_id(const char *name, unsigned int *id);
int xenbus_check_otherend(const struct xenbus_bus *bus, const char *type, unsigned int id,
			  domid_t backend_id, const char *path, const char **why);
bool xenbus_valid_type(const char *type);
/* Wake waiters on device states (xenbus_wait_for_devices). */
void xenbus_state_changed_notify(void);
/* "dir/node" (just node when dir is NULL or empty) into buf; -E2BIG. */
int xenbus_join(char *buf, size_t size, const char *dir, const char *node);

#endif
