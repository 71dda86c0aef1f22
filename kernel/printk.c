/* printk: leveled messages with a timestamp, kept in a log buffer and sent
 * to every registered console. A line is formatted on the caller's stack
 * and then stored and written whole under log_lock (irqsave, a leaf lock
 * apart from the console drivers' own), so lines from several CPUs and
 * from interrupt handlers never interleave. After a panic starts, the
 * lock is taken with a bounded wait and otherwise ignored, so a CPU that
 * died holding it cannot silence the panic message. */
#include <kernel/printk.h>
#include <kernel/cmdline.h>
#include <kernel/errno.h>
#include <kernel/string.h>
#include <kernel/time.h>
#include <kernel/spinlock.h>
#include <asm/paravirt.h>
#include <asm/processor.h>

#define MAX_CONSOLES 4
#define PANIC_LOCK_SPINS 10000000UL
#define LOG_BUF_SIZE (1U << CONFIG_LOG_BUF_SHIFT)

int console_loglevel = CONFIG_DEFAULT_LOGLEVEL;

static const struct console *consoles[MAX_CONSOLES];
static const char *selected_console;
static char log_buf[LOG_BUF_SIZE];
static size_t log_head; /* total bytes ever written */
static DEFINE_SPINLOCK(log_lock);
bool oops_in_progress;

static unsigned long log_lock_take(bool *locked)
{
	unsigned long flags = pv_ops ? local_irq_save() : 0;

	*locked = false;
	if (!READ_ONCE(oops_in_progress)) {
		spin_lock(&log_lock);
		*locked = true;
		return flags;
	}
	for (unsigned long i = 0; i < PANIC_LOCK_SPINS; i++) {
		if (spin_trylock(&log_lock)) {
			*locked = true;
			break;
		}
		cpu_relax();
	}
	return flags;
}

static void log_lock_drop(unsigned long flags, bool locked)
{
	if (locked)
		spin_unlock(&log_lock);
	if (pv_ops)
		local_irq_restore(flags);
}

int console_register(const struct console *c)
{
	for (int i = 0; i < MAX_CONSOLES; i++) {
		if (consoles[i] == c)
			return 0;
	}
	for (int i = 0; i < MAX_CONSOLES; i++) {
		if (!consoles[i]) {
			consoles[i] = c;
			return 0;
		}
	}
	return -1;
}

void console_unregister(const struct console *c)
{
	for (int i = 0; i < MAX_CONSOLES; i++)
		if (consoles[i] == c)
			consoles[i] = NULL;
}

int console_select(const char *name)
{
	selected_console = name;
	return 0;
}

static bool console_enabled(const struct console *c)
{
	/* Until the selected console has registered, print everywhere so
	 * that nothing is lost during bring-up. */
	if (!selected_console)
		return true;
	for (int i = 0; i < MAX_CONSOLES; i++)
		if (consoles[i] && !strcmp(consoles[i]->name, selected_console))
			return !strcmp(c->name, selected_console);
	return true;
}

/* console_defer=0 (the console_defer option): consoles that can hold
 * output back write every line at once instead (a kernel that hangs
 * without idling keeps nothing in a ring). */
static bool console_defer = true;

static int console_defer_set(const char *val)
{
	if (!val || (strcmp(val, "0") && strcmp(val, "1")))
		return -EINVAL;
	console_defer = val[0] == '1';
	return 0;
}
CMDLINE_OPTION(console_defer, "console_defer", console_defer_set,
	       "1 (default): the serial and Xen dom0 consoles write from the idle loop; 0: at once");

/* Set for good by console_flush_final(): the machine is going down. */
static bool console_final;

bool console_defer_on(void)
{
	return console_defer && !READ_ONCE(console_final) && !READ_ONCE(oops_in_progress);
}

/* Set when a console that holds output back was written to, cleared
 * once every such console is drained: the idle loop's lockless check. */
static bool output_held;

void console_write(const char *s, size_t n)
{
	for (int i = 0; i < MAX_CONSOLES; i++) {
		const struct console *c = consoles[i];

		if (c && console_enabled(c)) {
			c->write(s, n);
			if (c->drain)
				WRITE_ONCE(output_held, true);
		}
	}
}

bool console_drain(void)
{
	unsigned long flags;
	bool locked, left = false;

	if (!READ_ONCE(output_held))
		return false;
	flags = log_lock_take(&locked);
	for (int i = 0; i < MAX_CONSOLES; i++)
		if (consoles[i] && consoles[i]->drain && consoles[i]->drain())
			left = true;
	WRITE_ONCE(output_held, left);
	log_lock_drop(flags, locked);
	return left;
}

void console_flush_final(void)
{
	WRITE_ONCE(console_final, true);
	console_flush();
}

void console_flush(void)
{
	unsigned long flags;
	bool locked;

	flags = log_lock_take(&locked);
	for (int i = 0; i < MAX_CONSOLES; i++)
		if (consoles[i] && consoles[i]->flush)
			consoles[i]->flush();
	WRITE_ONCE(output_held, false);
	log_lock_drop(flags, locked);
}

int console_getc(void)
{
	for (int i = 0; i < MAX_CONSOLES; i++) {
		const struct console *c = consoles[i];
		int ch;

		if (c && c->getc && (ch = c->getc()) >= 0)
			return ch;
	}
	return -1;
}

bool console_needs_poll(void)
{
	for (int i = 0; i < MAX_CONSOLES; i++)
		if (consoles[i] && consoles[i]->getc && consoles[i]->poll_input)
			return true;
	return false;
}

static void log_store(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		log_buf[(log_head + i) % LOG_BUF_SIZE] = s[i];
	log_head += n;
}

size_t log_buf_copy(char *dst, size_t size)
{
	bool locked;
	unsigned long flags = log_lock_take(&locked);
	size_t avail = log_head < LOG_BUF_SIZE ? log_head : LOG_BUF_SIZE;
	size_t start = log_head - avail, n = avail < size ? avail : size;

	for (size_t i = 0; i < n; i++)
		dst[i] = log_buf[(start + avail - n + i) % LOG_BUF_SIZE];
	log_lock_drop(flags, locked);
	return n;
}

void console_note_locked(const char *s, size_t n)
{
	log_store(s, n);
	console_write(s, n);
}

int vprintk_level(int level, const char *fmt, va_list ap)
{
	char line[512];
	int n, p;
	u64 ns = clock_ready() ? uptime_ns() : 0;
	unsigned long flags;
	bool locked;

	p = snprintf(line, sizeof(line), "[%5llu.%06llu] ", (unsigned long long)(ns / 1000000000ULL),
		     (unsigned long long)(ns % 1000000000ULL / 1000));
	n = vsnprintf(line + p, sizeof(line) - (size_t)p, fmt, ap);
	n += p;
	if (n >= (int)sizeof(line))
		n = sizeof(line) - 1;

	flags = log_lock_take(&locked);
	log_store(line, (size_t)n);
	if (level < console_loglevel)
		console_write(line, (size_t)n);
	log_lock_drop(flags, locked);
	return n;
}

int printk_level(int level, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintk_level(level, fmt, ap);
	va_end(ap);
	return n;
}

int kprintf(const char *fmt, ...)
{
	char line[512];
	unsigned long flags;
	bool locked;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(line))
		n = sizeof(line) - 1;
	flags = log_lock_take(&locked);
	log_store(line, (size_t)n);
	console_write(line, (size_t)n);
	log_lock_drop(flags, locked);
	return n;
}
