/* A small command monitor on the console: line editing, word splitting,
 * and dispatch to commands registered with MONITOR_COMMAND(). Input is
 * processed in deferred work, never in interrupt context. Console input is
 * untrusted: lines are bounded, unknown commands and bad arguments get a
 * message, and nothing is executed from a partial line. */
#include <kernel/monitor.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <kernel/errno.h>
#include <kernel/work.h>
#include <kernel/time.h>
#include <kernel/boot.h>
#include <kernel/mm.h>
#include <kernel/ktest.h>
#include <kernel/stats.h>
#include <asm/paravirt.h>

#define LINE_MAX 256
#define POLL_NS (20 * NSEC_PER_MSEC)

extern const struct monitor_cmd __start_monitor_cmds[], __stop_monitor_cmds[];
extern const struct monitor_info __start_monitor_info[], __stop_monitor_info[];

static char line[LINE_MAX];
static unsigned int line_len;
static bool line_overflow, started, last_was_cr;
static struct timer poll_timer;

static void prompt(void)
{
	kprintf("xenolith> ");
}

int monitor_split(char *s, char **argv, int max)
{
	int argc = 0;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			return argc;
		if (argc == max)
			return -E2BIG;
		if (*s == '"') {
			char *end = strchr(++s, '"');

			if (!end)
				return -EINVAL;
			*end = '\0';
			argv[argc++] = s;
			s = end + 1;
			continue;
		}
		argv[argc++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if (*s)
			*s++ = '\0';
	}
}

static const struct monitor_cmd *find_cmd(const char *name)
{
	for (const struct monitor_cmd *c = __start_monitor_cmds; c < __stop_monitor_cmds; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

static const char *errname(int rc)
{
	switch (-rc) {
	case ENOENT:
		return "no such entry";
	case EACCES:
		return "permission denied";
	case EINVAL:
		return "invalid argument";
	case E2BIG:
		return "too long";
	case ENODEV:
		return "not available here";
	case ETIMEDOUT:
		return "timed out";
	case EPROTO:
		return "protocol error from the backend";
	case EAGAIN:
		return "try again";
	case EEXIST:
		return "already exists";
	case EIO:
		return "I/O error";
	}
	return "error";
}

int monitor_exec_line(char *s)
{
	char *argv[MONITOR_MAX_ARGS];
	const struct monitor_cmd *c;
	int argc = monitor_split(s, argv, MONITOR_MAX_ARGS), rc;

	if (argc == -E2BIG) {
		kprintf("error: too many words (at most %d)\n", MONITOR_MAX_ARGS);
		return argc;
	}
	if (argc == -EINVAL) {
		kprintf("error: unterminated quote\n");
		return argc;
	}
	if (argc == 0)
		return 0;
	c = find_cmd(argv[0]);
	if (!c) {
		kprintf("unknown command '%.32s'; type 'help' for the list\n", argv[0]);
		return -ENOENT;
	}
	rc = c->run(argc, argv);
	if (rc == -EINVAL)
		kprintf("usage: %s %s\n", c->name, c->usage);
	else if (rc)
		kprintf("%s: %s (%d)\n", c->name, errname(rc), rc);
	return rc;
}

static void input_char(int ch)
{
	/* Treat CR, LF and CRLF alike. */
	if (ch == '\n' && last_was_cr) {
		last_was_cr = false;
		return;
	}
	last_was_cr = ch == '\r';
	if (ch == '\r' || ch == '\n') {
		kprintf("\n");
		if (line_overflow) {
			kprintf("error: line too long (at most %d characters); ignored\n",
				LINE_MAX - 1);
		} else {
			line[line_len] = '\0';
			monitor_exec_line(line);
		}
		line_len = 0;
		line_overflow = false;
		prompt();
		return;
	}
	if (ch == 0x7f || ch == 0x08) {
		if (line_len) {
			line_len--;
			kprintf("\b \b");
		}
		return;
	}
	if (ch == 0x15) { /* ^U: kill the line */
		line_len = 0;
		kprintf("\n");
		prompt();
		return;
	}
	if (ch < 0x20 || ch > 0x7e)
		return; /* other control and non-ASCII bytes are dropped */
	if (line_len + 1 >= LINE_MAX) {
		line_overflow = true;
		return;
	}
	line[line_len++] = (char)ch;
	kprintf("%c", ch);
}

static void input_work_fn(struct work *w)
{
	int ch, budget = 4096;

	/* Bounded so a console flooding input cannot starve other work. */
	while (budget-- && (ch = console_getc()) >= 0)
		input_char(ch);
	if (budget < 0)
		console_input_kick();
}

static struct work input_work = WORK_INIT(input_work_fn);

void console_input_kick(void)
{
	if (started)
		schedule_work(&input_work);
}

static void poll_tick(struct timer *t)
{
	console_input_kick();
	timer_add(&poll_timer, clock_ns() + POLL_NS, poll_tick);
}

void monitor_start(void)
{
	started = true;
	if (console_needs_poll())
		timer_add(&poll_timer, clock_ns() + POLL_NS, poll_tick);
	prompt();
	console_input_kick();
}

/* ---- built-in commands ---- */

static int cmd_help(int argc, char **argv)
{
	for (const struct monitor_cmd *c = __start_monitor_cmds; c < __stop_monitor_cmds; c++)
		kprintf("  %-8s %-24s %s\n", c->name, c->usage, c->help);
	return 0;
}
MONITOR_COMMAND(help, "help", "", "list commands", cmd_help);

static int cmd_info(int argc, char **argv)
{
	if (argc != 1)
		return -EINVAL;
	kprintf("mode: %s\n", pv_ops->name);
	kprintf("loader: %s\n", boot_info.loader ? boot_info.loader : "unknown");
	kprintf("memory: %lu KiB usable at boot, %lu KiB free\n",
		(unsigned long)(memmap_ram_total(&boot_info.memmap) >> 10),
		mm_free_pages() * (PAGE_SIZE >> 10));
	kprintf("vcpus: 1 online\n");
	kprintf("clock: %s, uptime %llu ms\n", pv_ops->time->clocksource,
		(unsigned long long)(uptime_ns() / NSEC_PER_MSEC));
	for (const struct monitor_info *i = __start_monitor_info; i < __stop_monitor_info; i++)
		i->show();
	return 0;
}
MONITOR_COMMAND(info, "info", "", "mode, memory, vCPUs, features", cmd_info);

static int cmd_ktest(int argc, char **argv)
{
	struct ktest_totals tot;

	if (argc != 2)
		return -EINVAL;
	ktest_run(argv[1], &tot);
	return 0;
}
MONITOR_COMMAND(ktest, "ktest", "SUITE[,SUITE]|all", "run self-tests (KTAP)", cmd_ktest);

static int cmd_poweroff(int argc, char **argv)
{
	if (argc != 1)
		return -EINVAL;
	pv_ops->cpu->shutdown(SHUTDOWN_POWEROFF, 0);
}
MONITOR_COMMAND(poweroff, "poweroff", "", "power off", cmd_poweroff);

static int cmd_reboot(int argc, char **argv)
{
	if (argc != 1)
		return -EINVAL;
	pv_ops->cpu->shutdown(SHUTDOWN_REBOOT, 0);
}
MONITOR_COMMAND(reboot, "reboot", "", "reboot", cmd_reboot);

static int cmd_stats(int argc, char **argv)
{
	static const char *const names[NR_STATS] = {
		"hypercalls", "multicalls", "multicall_entries", "mmu_updates", "exceptions",
		"interrupts", "spurious", "events", "timer_irqs",
	};

	if (argc != 1)
		return -EINVAL;
	for (int i = 0; i < NR_STATS; i++)
		kprintf("  %-18s %lu\n", names[i], kstats[i]);
	return 0;
}
MONITOR_COMMAND(stats, "stats", "", "kernel counters", cmd_stats);
