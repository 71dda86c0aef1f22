#include <kernel/printk.h>
#include <kernel/string.h>
#include <kernel/ksyms.h>
#include <asm/paravirt.h>

static bool in_panic;
extern bool oops_in_progress;

void dump_backtrace(unsigned long rbp)
{
	/* Walk frame pointers (the kernel is built with them) within the
	 * kernel image's address range, bounded so a corrupt chain stops. */
	for (int depth = 0; depth < 32 && rbp; depth++) {
		unsigned long *frame = (unsigned long *)rbp;
		unsigned long ret;

		if (rbp & 7 || rbp < 0xffff800000000000UL)
			break;
		ret = frame[1];
		if (!ret)
			break;
		print_symbol("  ", ret);
		if (frame[0] <= rbp)
			break;
		rbp = frame[0];
	}
}

void panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (pv_ops)
		local_irq_disable();
	WRITE_ONCE(oops_in_progress, true);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (in_panic) {
		kprintf("nested panic: %s\n", msg);
	} else {
		in_panic = true;
		kprintf("Kernel panic: %s\n", msg);
		kprintf("Call trace:\n");
		dump_backtrace((unsigned long)__builtin_frame_address(0));
	}
	console_flush_final();
	if (pv_ops)
		pv_ops->cpu->shutdown(SHUTDOWN_CRASH, 1);
	for (;;)
		__asm__ __volatile__("pause");
}
