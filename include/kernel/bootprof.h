/* Boot profile: where the time from the first instruction to the ready
 * line goes. Each phase's end is stamped with the raw TSC (readable from
 * the first instruction, before any clock is calibrated) and the hypercall,
 * multicall and page-table-update counters; the stamps are converted to
 * nanoseconds only when reported, once the TSC frequency is known. */
#ifndef KERNEL_BOOTPROF_H
#define KERNEL_BOOTPROF_H

#include <kernel/types.h>

/* In boot order. A phase a mode does not have ends where the previous
 * one ended (zero length). */
enum boot_phase {
	BOOT_PHASE_EARLY,     /* entry to early console and boot data */
	BOOT_PHASE_MEMMAP,    /* memory map sanitised, command line parsed */
	BOOT_PHASE_TRAPS,     /* trap table loaded */
	BOOT_PHASE_PGTABLES,  /* direct map built */
	BOOT_PHASE_ALLOC,     /* page allocator and kmalloc up */
	BOOT_PHASE_EVENTS,    /* shared pages, event channels (Xen), ACPI (native) */
	BOOT_PHASE_CONSOLE,   /* console on its final transport */
	BOOT_PHASE_TIME,      /* scheduler, clock and clock event */
	BOOT_PHASE_SMP,       /* secondary CPUs up */
	BOOT_PHASE_XENSTORE,  /* grant table, xenstore, control, bus started */
	BOOT_PHASE_INIT,      /* RAM disks; end of init ("init done") */
	BOOT_PHASE_DEVICES,   /* split devices connected (or given up on) */
	BOOT_PHASE_READY,     /* the ready line */
	NR_BOOT_PHASES,
};

/* Stamp the end of a phase. Callable from the first C code on (no clock,
 * no allocation, no locks); only the boot path calls it, one CPU at a time. */
void boot_phase_end(enum boot_phase phase);

/* Nanoseconds since the first instruction for a phase's stamp (0 if the
 * TSC frequency is not known yet or the phase was never stamped). */
u64 boot_phase_ns(enum boot_phase phase);

/* Print "bench: phases NAME=END_NS:HYPERCALLS:MULTICALLS:PT_UPDATES ...":
 * END_NS is the phase's end since the first instruction, the counts are
 * those of the phase alone. */
void boot_phases_report(void);

#endif
