/* KTAP v1 runner for the self-test suites. ktest=all runs every suite,
 * ktest=a,b runs those; the result becomes the shutdown status so that a
 * harness sees it (isa-debug-exit natively, the Xen shutdown reason). */
#include <kernel/ktest.h>
#include <kernel/cmdline.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <kernel/errno.h>
#include <asm/paravirt.h>

extern const struct ktest_suite __start_ktest_suites[], __stop_ktest_suites[];

static char ktest_arg[CMDLINE_VAL_MAX];

static int set_ktest(const char *val)
{
	if (!val || !*val)
		return -EINVAL;
	strlcpy(ktest_arg, val, sizeof(ktest_arg));
	return 0;
}
CMDLINE_OPTION(ktest, "ktest", set_ktest, "all or SUITE[,SUITE...]");

bool ktest_requested(void)
{
	return ktest_arg[0] != '\0';
}

void ktest_fail(struct ktest *t, const char *file, int line, const char *fmt, ...)
{
	char msg[160];
	va_list ap;
	const char *base = strrchr(file, '/');

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kprintf("        # %s:%d: %s\n", base ? base + 1 : file, line, msg);
	if (!t->failures)
		snprintf(t->reason, sizeof(t->reason), "%s:%d", base ? base + 1 : file, line);
	t->failures++;
}

void ktest_skip(struct ktest *t, const char *reason)
{
	t->skipped = true;
	strlcpy(t->reason, reason, sizeof(t->reason));
}

/* Is name in the comma-separated selection? */
static bool selected(const char *sel, const char *name)
{
	const char *p = sel;
	size_t n = strlen(name);

	if (!strcmp(sel, "all"))
		return true;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == n && !strncmp(p, name, n))
			return true;
		p += len + (e ? 1 : 0);
	}
	return false;
}

static bool suite_exists(const char *name, size_t len)
{
	for (const struct ktest_suite *s = __start_ktest_suites; s < __stop_ktest_suites; s++)
		if (strlen(s->name) == len && !strncmp(s->name, name, len))
			return true;
	return false;
}

int ktest_run(const char *sel, struct ktest_totals *tot)
{
	unsigned int nr = 0, idx = 0, passed = 0, failed = 0, skipped = 0, unknown = 0;

	/* A suite named that does not exist is a failure, not a silent
	 * pass. */
	if (strcmp(sel, "all")) {
		const char *p = sel;

		while (*p) {
			const char *e = strchr(p, ',');
			size_t len = e ? (size_t)(e - p) : strlen(p);

			if (!suite_exists(p, len)) {
				pr_err("ktest: no suite named '%.*s'\n", (int)len, p);
				unknown++;
			}
			p += len + (e ? 1 : 0);
		}
	}
	for (const struct ktest_suite *s = __start_ktest_suites; s < __stop_ktest_suites; s++)
		nr += selected(sel, s->name);

	kprintf("KTAP version 1\n1..%u\n", nr + unknown);
	for (const struct ktest_suite *s = __start_ktest_suites; s < __stop_ktest_suites; s++) {
		const char *why;
		unsigned int sfail = 0;

		if (!selected(sel, s->name))
			continue;
		idx++;
		why = s->skip_reason ? s->skip_reason() : NULL;
		if (why) {
			kprintf("ok %u %s # SKIP %s\n", idx, s->name, why);
			skipped++;
			continue;
		}
		kprintf("    KTAP version 1\n    # Subtest: %s\n    1..%u\n", s->name, s->nr_cases);
		for (unsigned int c = 0; c < s->nr_cases; c++) {
			struct ktest t = { 0 };

			s->cases[c].run(&t);
			if (t.failures) {
				kprintf("    not ok %u %s # %s\n", c + 1, s->cases[c].name, t.reason);
				sfail++;
			} else if (t.skipped) {
				kprintf("    ok %u %s # SKIP %s\n", c + 1, s->cases[c].name, t.reason);
			} else {
				kprintf("    ok %u %s\n", c + 1, s->cases[c].name);
			}
		}
		kprintf("%s %u %s\n", sfail ? "not ok" : "ok", idx, s->name);
		if (sfail)
			failed++;
		else
			passed++;
	}
	for (unsigned int i = 0; i < unknown; i++)
		kprintf("not ok %u unknown_suite\n", ++idx);
	failed += unknown;
	kprintf("ktest: done: %u passed, %u failed, %u skipped\n", passed, failed, skipped);
	tot->passed = passed;
	tot->failed = failed;
	tot->skipped = skipped;
	return failed ? -EIO : 0;
}

void __noreturn ktest_run_and_exit(void)
{
	struct ktest_totals tot;
	int rc = ktest_run(ktest_arg, &tot);

	pv_ops->cpu->shutdown(rc ? SHUTDOWN_CRASH : SHUTDOWN_POWEROFF, rc ? 1 : 0);
}
