/* xenstore client. Requests are made from process context (boot, deferred
 * work, the monitor) one at a time; watch callbacks run as deferred work.
 * Paths without a leading '/' are relative to the domain's home
 * (/local/domain/<id>), as xenstored resolves them. */
#ifndef XEN_XENSTORE_H
#define XEN_XENSTORE_H

#include <kernel/compiler.h>

typedef u32 xs_tx_t;   /* 0: no transaction */

int xenstore_init(void *ring, unsigned int evtchn);
bool xenstore_available(void);
/* Process the ring and run due watch callbacks now (outside a request). */
void xenstore_poll(void);

/* Value of path into buf (NUL-terminated); returns its length or -errno
 * (-E2BIG if it does not fit). */
int xs_read(xs_tx_t tx, const char *path, char *buf, size_t size);
int xs_write(xs_tx_t tx, const char *path, const char *value);
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
	/* Runs in deferred work; path is the node that changed. */
	void (*cb)(struct xs_watch *w, const char *path);
	/* private */
	char token[24];
	struct xs_watch *next;
	unsigned long fired;
};

/* Register; xenstored fires every watch once right after registration. */
int xs_watch(struct xs_watch *w);
int xs_unwatch(struct xs_watch *w);

#endif
