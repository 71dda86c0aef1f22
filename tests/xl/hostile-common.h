/* What the lab's hostile backends (hostile-blkback.c, hostile-netback.c)
 * share: logging, the clock, xenstore reads and writes, number arguments
 * and the ring macros' barriers. Included once by each tool's single .c
 * file, hence static functions in a header. The tool sets hc_prog and
 * hc_xs before using them and defines usage(). */
#ifndef HOSTILE_COMMON_H
#define HOSTILE_COMMON_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xenstore.h>
/* The ring macros use the caller's barriers (x86-64: the CPU orders
 * stores among themselves and loads among themselves). */
#define mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define rmb() __atomic_signal_fence(__ATOMIC_ACQUIRE)
#define wmb() __atomic_signal_fence(__ATOMIC_RELEASE)

static const char *hc_prog;          /* the tool's name, first on every line */
static struct xs_handle *hc_xs;

static void usage(void) __attribute__((noreturn));

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", hc_prog);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool xwrite(xs_transaction_t t, const char *dir, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static bool xwrite(xs_transaction_t t, const char *dir, const char *key, const char *fmt, ...)
{
	char path[256], val[128];
	va_list ap;
	int n;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	va_start(ap, fmt);
	n = vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	if (!xs_write(hc_xs, t, path, val, (unsigned int)n)) {
		say("xs_write %s: %s", path, strerror(errno));
		return false;
	}
	return true;
}

/* A key as a string (malloc'd) or NULL. */
static char *xread(const char *dir, const char *key)
{
	char path[256];
	unsigned int len;

	snprintf(path, sizeof(path), "%s/%s", dir, key);
	return xs_read(hc_xs, XBT_NULL, path, &len);
}

/* A key as an unsigned decimal number: 0 ok, -1 absent or not a number. */
static int xread_ul(const char *dir, const char *key, unsigned long *v)
{
	char *s = xread(dir, key), *end;
	int rc = -1;

	if (s) {
		errno = 0;
		*v = strtoul(s, &end, 10);
		if (!errno && end != s && !*end && s[0] != '-')
			rc = 0;
		free(s);
	}
	return rc;
}

/* The state key of a device directory, or -1 (absent, not a number). */
static int hc_state(const char *dir)
{
	unsigned long s;

	return xread_ul(dir, "state", &s) ? -1 : (int)s;
}

/* The frontend directory FE (owned by the guest, dom0 may read) and the
 * backend directory BE (owned by dom0, the guest may read), as a
 * toolstack makes them. */
static bool hc_mkdirs(xs_transaction_t t, unsigned int domid, const char *fe, const char *be)
{
	struct xs_permissions fe_perms[2] = {
		{ .id = domid, .perms = XS_PERM_NONE },
		{ .id = 0, .perms = XS_PERM_READ },
	};
	struct xs_permissions be_perms[2] = {
		{ .id = 0, .perms = XS_PERM_NONE },
		{ .id = domid, .perms = XS_PERM_READ },
	};

	return xs_mkdir(hc_xs, t, fe) && xs_set_permissions(hc_xs, t, fe, fe_perms, 2) &&
	       xs_mkdir(hc_xs, t, be) && xs_set_permissions(hc_xs, t, be, be_perms, 2);
}

/* FILL's writes in one transaction, retried while xenstored says EAGAIN
 * (another writer got in between). 0, or -1 with errno. */
static int hc_transaction(bool (*fill)(xs_transaction_t t))
{
	for (int tries = 0; tries < 10; tries++) {
		xs_transaction_t t = xs_transaction_start(hc_xs);

		if (t == XBT_NULL)
			return -1;
		if (!fill(t)) {
			xs_transaction_end(hc_xs, t, true);
			return -1;
		}
		if (xs_transaction_end(hc_xs, t, false))
			return 0;
		if (errno != EAGAIN)
			return -1;
	}
	return -1;
}

/* A command-line number (decimal, 0x hex or 0 octal); usage() if not. */
static unsigned long num(const char *s)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-')
		usage();
	return v;
}

#endif
