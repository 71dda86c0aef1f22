/* A small command monitor on the console: line editing, word splitting,
 * and dispatch to commands registered with MONITOR_COMMAND(). Input is
 * processed on the "monitor" thread, never in interrupt context; a
 * command that waits blocks only that thread. Console input is
 * untrusted: lines are bounded, unknown commands and bad arguments get a
 * message, and nothing is executed from a partial line. */
#include <kernel/monitor.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <kernel/errno.h>
#include <kernel/sched.h>
#include <kernel/smp.h>
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
static bool input_kicked;
static DEFINE_WAITQUEUE(input_wq);

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

void console_input_kick(void)
{
	/* Interrupt context: only note it and wake the monitor thread. */
	WRITE_ONCE(input_kicked, true);
	if (READ_ONCE(started))
		wake_up(&input_wq);
}

static int monitor_fn(void *arg)
{
	bool poll = console_needs_poll();

	prompt();
	for (;;) {
		int ch, budget = 4096;

		/* Consoles without input interrupts are polled. */
		if (poll)
			wait_event_timeout(input_wq, READ_ONCE(input_kicked), POLL_NS);
		else
			wait_event(input_wq, READ_ONCE(input_kicked));
		WRITE_ONCE(input_kicked, false);
		while (budget-- && (ch = console_getc()) >= 0) {
			input_char(ch);
			if (!(budget & 63))
				cond_resched();
		}
		if (budget < 0)
			WRITE_ONCE(input_kicked, true); /* more waiting: go round */
	}
	return 0;
}

void monitor_start(void)
{
	struct thread *t;

	WRITE_ONCE(started, true);
	t = thread_create("monitor", monitor_fn, NULL, 0);
	if (!t) {
		pr_err("monitor: cannot start its thread\n");
		return;
	}
	thread_detach(t);
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
	kprintf("vcpus: %u online of %u\n", num_online_cpus(), nr_cpus_possible);
	kprintf("threads: %u\n", sched_nr_threads());
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
		"interrupts", "spurious", "events", "timer_irqs", "upcalls_deferred",
	};

	if (argc != 1)
		return -EINVAL;
	for (int i = 0; i < NR_STATS; i++)
		kprintf("  %-18s %lu\n", names[i], stats_read((enum stat_id)i));
	return 0;
}
MONITOR_COMMAND(stats, "stats", "", "kernel counters", cmd_stats);

static int cmd_threads(int argc, char **argv)
{
	if (argc != 1)
		return -EINVAL;
	sched_show_threads();
	return 0;
}
MONITOR_COMMAND(threads, "threads", "", "list kernel threads", cmd_threads);

static int cmd_cpus(int argc, char **argv)
{
	struct spin_stats ss;
	unsigned int cpu;

	if (argc != 1)
		return -EINVAL;
	for (cpu = 0; cpu < nr_cpus_possible; cpu++)
		kprintf("  cpu%-3u %-8s ipis %-8lu tlb_flushes %lu\n", cpu,
			cpu_online(cpu) ? "online" : "offline", cpu_data[cpu].nr_ipis_received,
			cpu_data[cpu].nr_tlb_flushes);
	spin_stats_read(&ss);
	kprintf("  spinlocks: %lu contended, %lu blocked, %lu kicks\n", ss.contended, ss.slowpath,
		ss.kicks);
	return 0;
}
MONITOR_COMMAND(cpus, "cpus", "", "CPUs, IPIs and lock contention", cmd_cpus);

static int cmd_cpu(int argc, char **argv)
{
	unsigned int cpu;

	if (argc != 3 || kstrtouint(argv[1], 10, &cpu))
		return -EINVAL;
	if (!strcmp(argv[2], "online"))
		return cpu_up(cpu);
	if (!strcmp(argv[2], "offline"))
		return cpu_down(cpu);
	return -EINVAL;
}
MONITOR_COMMAND(cpu, "cpu", "N online|offline", "take a CPU down or up", cmd_cpu);
