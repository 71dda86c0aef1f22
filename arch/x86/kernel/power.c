/* Leaving the machine natively: ACPI where present, QEMU's isa-debug-exit
 * to hand a test status to the harness, then the legacy reset paths. */
#include <asm/paravirt.h>
#include <asm/processor.h>
#include <asm/setup.h>
#include <kernel/printk.h>

#define ISA_DEBUG_EXIT_PORT 0xf4

__weak void acpi_poweroff(void)
{
}

__weak void acpi_reboot(void)
{
}

static void __noreturn halt_forever(void)
{
	for (;;)
		__asm__ __volatile__("cli; hlt");
}

void __noreturn native_shutdown(enum shutdown_reason why, int status);

void __noreturn native_shutdown(enum shutdown_reason why, int status)
{
	__asm__ __volatile__("cli");
	console_flush_final(); /* held back output, and every line after it at once */
	switch (why) {
	case SHUTDOWN_POWEROFF:
		pr_info("power: off (status %d)\n", status);
		/* Under QEMU with isa-debug-exit this ends the VM with exit
		 * code (status << 1) | 1; elsewhere the port is unused. */
		outl(ISA_DEBUG_EXIT_PORT, (u32)status);
		acpi_poweroff();
		pr_err("power: could not power off; halting\n");
		halt_forever();
	case SHUTDOWN_CRASH:
		outl(ISA_DEBUG_EXIT_PORT, (u32)(status ? status : 1));
		halt_forever();
	case SHUTDOWN_REBOOT:
		pr_info("power: reboot\n");
		acpi_reboot();
		outb(0xcf9, 0x06);		/* PCI reset control: full reset */
		for (int i = 0; i < 100000 && (inb(0x64) & 2); i++)
			cpu_relax();
		outb(0x64, 0xfe);		/* 8042 pulse reset line */
		halt_forever();
	}
	halt_forever();
}
