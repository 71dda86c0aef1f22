/* Kernel command line: a pure tokenizer (lib/cmdline.c, host-tested and
 * fuzzed) and a registry of options defined next to the code they set. */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include <kernel/compiler.h>

#define CMDLINE_KEY_MAX 32
#define CMDLINE_VAL_MAX 256

struct cmdline_token {
	char key[CMDLINE_KEY_MAX];
	char val[CMDLINE_VAL_MAX];
	bool has_val;       /* "key=" (empty value) vs "key" */
};

/* Read the next "key[=value]" word from *pos. Values may be double-quoted
 * to hold spaces. Returns 1 with *tok filled, 0 at the end, or a negative
 * errno for a malformed word (-E2BIG: key or value too long, -EINVAL:
 * unterminated quote or empty key); *pos always advances past the word so
 * the caller can warn and go on. */
int cmdline_next(const char **pos, struct cmdline_token *tok);

struct cmdline_opt {
	const char *name;
	/* Returns 0, or -errno when the value is malformed (the caller warns
	 * and keeps the default). val is NULL for a bare "name". */
	int (*set)(const char *val);
	const char *help;
};

#define CMDLINE_OPTION(ident, optname, setfn, helptext)                         \
	static const struct cmdline_opt __cmdline_opt_##ident __used             \
		__section(".cmdline_opts") __aligned(8) = { .name = optname, .set = setfn, \
							     .help = helptext }

/* Parse the whole command line against the registered options; returns the
 * number of warnings printed. */
int cmdline_apply(const char *cmdline);

#endif
