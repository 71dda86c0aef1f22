/* Reference model shared by tests/unit/test_xs_wire.c and
 * tests/fuzz/fuzz_xs_wire.c: the Xen ABI's xsd_errors table with the
 * Linux/Xen errno numbers written out, so that a wrong value in
 * kernel/errno.h shows up, and the lookup xs_error_to_errno() must match. */
#ifndef TESTS_XS_ERR_NAMES_H
#define TESTS_XS_ERR_NAMES_H

#include <string.h>

static const struct {
	const char *name;
	int err;
} err_names[] = {
	{ "EINVAL", 22 }, { "EACCES", 13 },   { "EEXIST", 17 },    { "EISDIR", 21 },
	{ "ENOENT", 2 },  { "ENOMEM", 12 },   { "ENOSPC", 28 },    { "EIO", 5 },
	{ "ENOTEMPTY", 39 }, { "ENOSYS", 38 }, { "EROFS", 30 },    { "EBUSY", 16 },
	{ "EAGAIN", 11 }, { "EISCONN", 106 }, { "E2BIG", 7 },      { "EPERM", 1 },
};
#define NR_ERR (sizeof(err_names) / sizeof(err_names[0]))

/* The text up to the first NUL within len, looked up by name; -EIO (-5)
 * for anything else. */
static inline int ref_err(const char *p, unsigned int len)
{
	unsigned int n = 0;

	while (n < len && p[n])
		n++;
	for (unsigned int i = 0; i < NR_ERR; i++)
		if (strlen(err_names[i].name) == n && !memcmp(err_names[i].name, p, n))
			return -err_names[i].err;
	return -5;
}

#endif
