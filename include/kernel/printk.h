#ifndef KERNEL_PRINTK_H
#define KERNEL_PRINTK_H

#include <kernel/compiler.h>

#define LOGLEVEL_EMERG 0
#define LOGLEVEL_ALERT 1
#define LOGLEVEL_CRIT 2
#define LOGLEVEL_ERR 3
#define LOGLEVEL_WARNING 4
#define LOGLEVEL_NOTICE 5
#define LOGLEVEL_INFO 6
#define LOGLEVEL_DEBUG 7

__printf(2, 3) int printk_level(int level, const char *fmt, ...);
int vprintk_level(int level, const char *fmt, va_list ap);
/* Raw console output: no prefix, no level filter (KTAP, monitor). */
__printf(1, 2) int kprintf(const char *fmt, ...);
void console_write(const char *s, size_t n);
/* For a console driver reporting its own failure from inside its write
 * method, where printk's lock is already held: the line goes into the log
 * and to every console. The driver must not write it to itself again. */
void console_note_locked(const char *s, size_t n);

#define pr_emerg(...) printk_level(LOGLEVEL_EMERG, __VA_ARGS__)
#define pr_err(...) printk_level(LOGLEVEL_ERR, __VA_ARGS__)
#define pr_warn(...) printk_level(LOGLEVEL_WARNING, __VA_ARGS__)
#define pr_notice(...) printk_level(LOGLEVEL_NOTICE, __VA_ARGS__)
#define pr_info(...) printk_level(LOGLEVEL_INFO, __VA_ARGS__)
#define pr_debug(...) printk_level(LOGLEVEL_DEBUG, __VA_ARGS__)
#define printk(...) printk_level(LOGLEVEL_INFO, __VA_ARGS__)

extern int console_loglevel;

/* A console is a const ops table; several may be active at once. */
struct console {
	const char *name;     /* "ttyS0", "hvc0", "xen-debug" */
	void (*write)(const char *s, size_t n);
	/* Non-blocking read of one byte; -1 if none. May be NULL. */
	int (*getc)(void);
	/* Input raises no interrupt: the monitor polls it. */
	bool poll_input;
	/* Optional, for a console that holds output back instead of
	 * waiting for its device: drain() writes what the device takes
	 * without waiting and returns true while some is left; flush()
	 * writes it all. Both run under the printk lock, as write() does. */
	bool (*drain)(void);
	void (*flush)(void);
};

/* Write some held-back console output without waiting (the idle loop);
 * true while some is left. */
bool console_drain(void);
/* Write all held-back console output. */
void console_flush(void);
/* The same, and from now on every line goes out at once: power-off,
 * reboot and panic, whose last lines come right before the machine
 * stops (an ACPI S5 write, a reset). */
void console_flush_final(void);
/* May a console hold output back now? Not with console_defer=0, and not
 * once a panic has started (every line then goes out at once). */
bool console_defer_on(void);

/* Read one byte of input from any console; -1 if none. */
int console_getc(void);
/* Is any registered console polled for input? */
bool console_needs_poll(void);

int console_register(const struct console *c);
void console_unregister(const struct console *c);
/* Restrict output to the named console (console= option). */
int console_select(const char *name);
size_t log_buf_copy(char *dst, size_t size);

__printf(1, 2) void __noreturn panic(const char *fmt, ...);

#define BUG_ON(c)                                                          \
	do {                                                               \
		if (unlikely(c))                                           \
			panic("BUG at %s:%d: %s", __FILE__, __LINE__, #c); \
	} while (0)

#define WARN_ON(c)                                                              \
	({                                                                      \
		bool __w = !!(c);                                               \
		if (unlikely(__w))                                              \
			pr_warn("WARNING at %s:%d: %s\n", __FILE__, __LINE__, #c); \
		__w;                                                            \
	})

#endif
