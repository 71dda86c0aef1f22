/* One image for every boot mode: linked at KERNEL_VBASE + 1 MiB with load
 * (physical) addresses at 1 MiB. Native, PVH and multiboot2 loaders use the
 * physical addresses; Xen's PV builder uses VIRT_BASE + physical. */
#include <asm/page.h>

OUTPUT_FORMAT("elf64-x86-64")
OUTPUT_ARCH(i386:x86-64)
/* GRUB insists that e_entry lies in a segment's virtual range even though
 * the multiboot2 entry tag (physical) is what it jumps to. */
ENTRY(mb2_start32)

PHDRS
{
	text PT_LOAD FLAGS(5);
	data PT_LOAD FLAGS(6);
	note PT_NOTE FLAGS(4);
}

SECTIONS
{
	. = KERNEL_VBASE + KERNEL_PHYS_LOAD;
	_start_image = .;

	.text : AT(ADDR(.text) - KERNEL_VBASE) {
		_stext = .;
		/* The multiboot2 header must sit in the first 32 KiB of the file. */
		KEEP(*(.multiboot2))
		*(.head.text)
		. = ALIGN(PAGE_SIZE);
		KEEP(*(.text.hypercall_page))
		*(.text .text.*)
		_etext = .;
	} :text

	.notes : AT(ADDR(.notes) - KERNEL_VBASE) {
		KEEP(*(.note.Xen))
		KEEP(*(.note.pvh))
		KEEP(*(.note.xenolith))
	} :text :note

	.rodata : AT(ADDR(.rodata) - KERNEL_VBASE) {
		*(.rodata .rodata.*)
		. = ALIGN(8);
		__start_extable = .;
		KEEP(*(.extable))
		__stop_extable = .;
		. = ALIGN(8);
		__start_ktest_suites = .;
		KEEP(*(.ktest_suites))
		__stop_ktest_suites = .;
		. = ALIGN(8);
		__start_cmdline_opts = .;
		KEEP(*(.cmdline_opts))
		__stop_cmdline_opts = .;
		. = ALIGN(8);
		__start_monitor_cmds = .;
		KEEP(*(.monitor_cmds))
		__stop_monitor_cmds = .;
		. = ALIGN(8);
		__start_monitor_info = .;
		KEEP(*(.monitor_info))
		__stop_monitor_info = .;
	} :text

	. = ALIGN(PAGE_SIZE);
	.data : AT(ADDR(.data) - KERNEL_VBASE) {
		_sdata = .;
		*(.data.page_aligned)
		*(.data .data.*)
		. = ALIGN(8);
		/* Symbol table for backtraces; last, so its size moves no code. */
		KEEP(*(.ksyms))
		_edata = .;
	} :data

	. = ALIGN(PAGE_SIZE);
	.bss : AT(ADDR(.bss) - KERNEL_VBASE) {
		__bss_start = .;
		*(.bss.page_aligned)
		*(.bss .bss.*)
		*(COMMON)
		. = ALIGN(PAGE_SIZE);
		__bss_end = .;
	} :data

	_end_image = .;

	/DISCARD/ : {
		*(.eh_frame) *(.eh_frame_hdr) *(.note.GNU-stack) *(.comment)
		*(.note.gnu.property) *(.note.gnu.build-id)
	}
}
