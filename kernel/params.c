/* Dispatch command-line words to the options registered with
 * CMDLINE_OPTION. Unknown or malformed options are warned about and boot
 * continues with the defaults. */
#include <kernel/cmdline.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <kernel/errno.h>

extern const struct cmdline_opt __start_cmdline_opts[], __stop_cmdline_opts[];

static const struct cmdline_opt *find_opt(const char *name)
{
	for (const struct cmdline_opt *o = __start_cmdline_opts; o < __stop_cmdline_opts; o++)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

int cmdline_apply(const char *cmdline)
{
	const char *pos = cmdline;
	struct cmdline_token tok;
	int rc, warnings = 0;

	while ((rc = cmdline_next(&pos, &tok)) != 0) {
		const struct cmdline_opt *o;

		if (rc < 0) {
			pr_warn("cmdline: malformed option near '%.32s' (%s), ignored\n", tok.key,
				rc == -E2BIG ? "too long" : "unterminated quote or empty name");
			warnings++;
			continue;
		}
		o = find_opt(tok.key);
		if (!o) {
			pr_warn("cmdline: unknown option '%s', ignored\n", tok.key);
			warnings++;
			continue;
		}
		rc = o->set(tok.has_val ? tok.val : NULL);
		if (rc) {
			pr_warn("cmdline: bad value '%s' for '%s' (%s), default kept\n",
				tok.has_val ? tok.val : "", tok.key, o->help);
			warnings++;
		}
	}
	return warnings;
}

static int set_loglevel(const char *val)
{
	unsigned int v;

	if (!val || kstrtouint(val, 10, &v) || v > 8)
		return -EINVAL;
	console_loglevel = (int)v;
	return 0;
}
CMDLINE_OPTION(loglevel, "loglevel", set_loglevel, "0..8");

static int set_console(const char *val)
{
	static char name[16];

	if (!val || !*val || strlen(val) >= sizeof(name))
		return -EINVAL;
	/* Accept Linux-style "ttyS0,115200" and keep the device name. */
	strlcpy(name, val, sizeof(name));
	if (strchr(name, ','))
		*strchr(name, ',') = '\0';
	if (strcmp(name, "ttyS0") && strcmp(name, "hvc0") && strcmp(name, "xen"))
		return -EINVAL;
	return console_select(name);
}
CMDLINE_OPTION(console, "console", set_console, "ttyS0, hvc0 or xen");
