/* The console command monitor. Commands are declared next to their code
 * with MONITOR_COMMAND() and collected by the linker, so Xen-only commands
 * exist only in builds with Xen support. */
#ifndef KERNEL_MONITOR_H
#define KERNEL_MONITOR_H

#include <kernel/compiler.h>

#define MONITOR_MAX_ARGS 8

struct monitor_cmd {
	const char *name;
	const char *usage;
	const char *help;
	/* argv[0] is the command name; returns 0 or -errno (printed). */
	int (*run)(int argc, char **argv);
};

#define MONITOR_COMMAND(ident, cname, cusage, chelp, fn)                          \
	static const struct monitor_cmd __monitor_cmd_##ident __used                \
		__section(".monitor_cmds") __aligned(8) = {                          \
			.name = cname, .usage = cusage, .help = chelp, .run = fn }

/* Extra lines for the 'info' command. */
struct monitor_info {
	void (*show)(void);
};

#define MONITOR_INFO(ident, fn)                                                 \
	static const struct monitor_info __monitor_info_##ident __used               \
		__section(".monitor_info") __aligned(8) = { .show = fn }

/* Start the monitor on the console (prompt, input polling). */
void monitor_start(void);
/* A console has input: process it outside interrupt context. Safe to call
 * from interrupt handlers. */
void console_input_kick(void);
/* Feed one line (without newline) to the interpreter; returns the command's
 * result (for tests). */
int monitor_exec_line(char *line);
/* Split a line into words (double quotes group, \" not special).
 * Returns argc or -E2BIG (too many words) / -EINVAL (open quote). */
int monitor_split(char *line, char **argv, int max);

#endif
