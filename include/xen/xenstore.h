/* xenstore client. Requests are made from threads (never from interrupt
 * context); several may be in flight and each blocks only its caller.
 * Watch callbacks run on the "xenwatch" thread and may make requests.
 * Paths without a leading '/' are relative to the domain's home
 * (/local/domain/<id>), as xenstored resolves them. */
#ifndef XEN_XENSTORE_H
#define XEN_XENSTORE_H

#include <kernel/compiler.h>

typedef u32 xs_tx_t;   /* 0: no transaction */

int xenstore_init(void *ring, unsigned int evtchn);
bool xenstore_available(void);
/* Watch events dropped (unknown token, per-watch queue full, no memory). */
unsigned long xenstore_events_dropped(void);

/* Value of path into buf (NUL-terminated); returns its length or -errno
 * (-E2BIG if it does not fit). */
int xs_read(xs_tx_t tx, const char *path, char *buf, size_t size);
int xs_write(xs_tx_t tx, const char *path, const char *value);
/* Up to XS_WRITE_MANY_MAX writes in flight together (more: all -E2BIG,
 * nothing sent); rcs[i] (optional)
 * gets each one's result, the return value the first error or 0. */
#define XS_WRITE_MANY_MAX 16
int xs_write_many(xs_tx_t tx, const char *const *paths, const char *const *values,
		  unsigned int n, int *rcs);
int xs_mkdir(xs_tx_t tx, const char *path);
int xs_rm(xs_tx_t tx, const char *path);
/* Child names, NUL-separated, into buf; returns the count or -errno. */
int xs_directory(xs_tx_t tx, const char *path, char *buf, size_t size);
/* Permissions as NUL-separated entries ("n0", "r5"...); returns count. */
int xs_get_perms(xs_tx_t tx, const char *path, char *buf, size_t size);
int xs_set_perms(xs_tx_t tx, const char *path, const char *const *perms, unsigned int n);

int xs_transaction_start(xs_tx_t *tx);
/* Commit (abort=false) or abort; -EAGAIN means a conflict: retry. */
int xs_transaction_end(xs_tx_t tx, bool abort);
/* Run fn in a transaction, retrying on -EAGAIN (bounded). fn returning
 * non-zero aborts the transaction and is returned. */
int xs_transaction(int (*fn)(xs_tx_t tx, void *arg), void *arg);

struct xs_watch {
	const char *path;
	/* Runs on the xenwatch thread; path is the node that changed. */
	void (*cb)(struct xs_watch *w, const char *path);
	/* private */
	char token[24];
	struct xs_watch *next;
	unsigned long fired;
	unsigned int queued;        /* events waiting for the callback */
	unsigned long dropped;      /* events lost to the queue bound */
};

/* Register; xenstored fires every watch once right after registration.
 * -EEXIST if w is registered already. xs_unwatch waits for a running
 * callback of w to finish, so w may be freed after it returns. */
int xs_watch(struct xs_watch *w);
int xs_unwatch(struct xs_watch *w);

#endif
