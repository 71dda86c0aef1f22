/* The xenbus device model (drivers/xen/xenbus/): frontend drivers for
 * split devices whose backends live in another domain.
 *
 * A driver registers a const struct xenbus_driver for one device type
 * ("vbd", "vif"). The bus enumerates device/<type>/<id> once xenstore
 * works and watches device/ for devices attached or detached later
 * (xl block-attach / block-detach). Each device also gets a watch on its
 * backend's state node. All callbacks run on the xenbus thread (never in
 * interrupt context; they may sleep, but a long wait delays other
 * devices), one at a time per device.
 *
 * Everything a backend writes is untrusted: read it with the checked
 * helpers below. A driver that finds its backend misbehaving calls
 * xenbus_dev_fatal(): one message, error/<nodename>/error written as Linux
 * does, the device switches to Closing and is marked failed; other
 * devices are unaffected. */
#ifndef XEN_XENBUS_H
#define XEN_XENBUS_H

#include <kernel/compiler.h>
#include <xen/interface/xen.h>
#include <xen/interface/grant_table.h>
#include <xen/interface/io/xenbus.h>
#include <xen/xenstore.h>

#define XENBUS_PATH_MAX 96
#define XENBUS_MAX_RING_PAGES 16   /* ring-page-order up to 4 */
#define XENBUS_TYPE_MAX 24         /* device type names ("vbd"), with the NUL */

struct xenbus_driver;
struct xenbus_bus;

struct xenbus_device {
	const char *devicetype;              /* "vbd" */
	unsigned int id;                     /* the <id> of device/<type>/<id> */
	char nodename[XENBUS_PATH_MAX];      /* "device/vbd/51712" */
	char otherend[XENBUS_PATH_MAX];      /* backend path, validated */
	domid_t otherend_id;
	enum xenbus_state state;             /* our state as last written */
	bool failed;                         /* xenbus_dev_fatal() was called */
	const struct xenbus_driver *drv;
	void *drvdata;                       /* the driver's */
	/* private to the bus (drivers/xen/xenbus/); may change */
	struct xenbus_device *next;
	unsigned int flags;
	enum xenbus_state otherend_state;    /* last backend state delivered */
	char otherend_watch_path[XENBUS_PATH_MAX + 8];
	struct xs_watch otherend_watch;
	struct xenbus_bus *bus;              /* the tree it was found in */
	char type_name[XENBUS_TYPE_MAX];     /* devicetype points here */
};

struct xenbus_driver {
	const char *name;                    /* "blkfront" */
	const char *devicetype;              /* "vbd" */
	/* A new device: allocate, read the frontend keys, usually start
	 * talking to the backend. 0 or -errno (the device is then ignored,
	 * with a message). */
	int (*probe)(struct xenbus_device *dev);
	/* The backend's state changed (validated: a value of enum
	 * xenbus_state). Also called once after probe with the state then. */
	void (*otherend_changed)(struct xenbus_device *dev, enum xenbus_state backend_state);
	/* The device is going away (detached, or the driver unloads): stop,
	 * fail what is outstanding, free. Must not wait for the backend
	 * forever. */
	void (*remove)(struct xenbus_device *dev);
	/* Slots for save/restore and migration (a later issue); NULL now. */
	int (*suspend)(struct xenbus_device *dev);
	int (*resume)(struct xenbus_device *dev);
};

/* Register a frontend driver; existing devices of its type are probed.
 * Thread context. */
int xenbus_register_frontend(const struct xenbus_driver *drv);
/* The reverse: every device bound to drv is removed (drv->remove, its
 * otherend watch dropped, our state set to Closed) and drv forgotten;
 * returns once that is done. Thread context, never from a xenbus
 * callback (-EBUSY). -ENOENT if drv is not registered. */
int xenbus_unregister_driver(const struct xenbus_driver *drv);
/* Called by the Xen backends once xenstore works: enumerate, watch. */
int xenbus_init(void);
/* Wait (bounded) until every device probed at boot is Connected or
 * failed; prints the ones still coming up. Returns how many are not
 * ready. */
int xenbus_wait_for_devices(u64 timeout_ns);

/* Write our state to <nodename>/state (retrying a transaction conflict).
 * Writing the state we are in already is a no-op. */
int xenbus_switch_state(struct xenbus_device *dev, enum xenbus_state state);
/* The backend state now, read and validated; XenbusStateUnknown if the
 * node is missing or not a valid state. */
enum xenbus_state xenbus_read_otherend_state(struct xenbus_device *dev);
/* The driver is done with a device whose backend closed: our state
 * becomes Closed (what the toolstack waits for on detach). */
int xenbus_frontend_closed(struct xenbus_device *dev);
/* A printable name of a state ("Connected"; "Invalid" past 8). */
const char *xenbus_strstate(enum xenbus_state state);

/* Grant the backend access to nr_pages contiguous pages at va (a ring),
 * writable; refs into grefs. 0 or -errno (nothing granted on error). */
int xenbus_grant_ring(struct xenbus_device *dev, void *va, unsigned int nr_pages,
		      grant_ref_t *grefs);
/* An unbound event channel for the backend's domain. */
int xenbus_alloc_evtchn(struct xenbus_device *dev, unsigned int *port);

/* Checked reads of "dir/node" (dir is usually dev->otherend). A missing
 * node gives -ENOENT; a value that is not a number, or outside
 * [min, max], gives -ERANGE/-EINVAL and a message naming the node. */
int xenbus_read_u64(const char *dir, const char *node, u64 min, u64 max, u64 *val);
int xenbus_read_uint(const char *dir, const char *node, unsigned int min, unsigned int max,
		     unsigned int *val);
/* Like xenbus_read_uint, but a missing node gives def (0 returned). */
int xenbus_read_uint_default(const char *dir, const char *node, unsigned int min,
			     unsigned int max, unsigned int def, unsigned int *val);
/* A string value; -E2BIG if it does not fit. */
int xenbus_read_str(const char *dir, const char *node, char *buf, size_t size);
/* Write "dir/node" in transaction tx (0: none), formatted. */
__printf(4, 5) int xenbus_printf(xs_tx_t tx, const char *dir, const char *node,
				 const char *fmt, ...);

/* Report an error: a message, error/<nodename>/error = "<-err> <text>"
 * (as Linux does). _fatal also marks the device failed and switches it to
 * Closing. */
__printf(3, 4) void xenbus_dev_error(struct xenbus_device *dev, int err, const char *fmt, ...);
__printf(3, 4) void xenbus_dev_fatal(struct xenbus_device *dev, int err, const char *fmt, ...);

/* For the monitor and the self-tests: each device with its driver and
 * states. */
void xenbus_show_devices(void);
unsigned int xenbus_nr_devices(void);

#endif
