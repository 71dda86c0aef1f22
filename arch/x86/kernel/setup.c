/* First C code for the 32-bit entries (PVH note and multiboot2): choose the
 * pv_ops backend, then parse the boot protocol for the native backend. */
#include <kernel/boot.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <asm/paravirt.h>
#include <asm/processor.h>
#include <asm/serial.h>
#include <asm/setup.h>
#include <kernel/mm.h>
#include <xen/xen.h>
#include <xen/interface/xen.h>
#include <xen/interface/arch-x86/hvm/start_info.h>

const struct pv_ops *pv_ops;
extern struct hypervisor_info boot_hypervisor;
u64 acpi_rsdp_phys;

void __noreturn x86_boot_c(u32 entry, u32 info);

void __noreturn x86_boot_c(u32 entry, u32 info)
{
	boot_info.entry = entry;
	boot_info.boot_proto_info = info;
	detect_hypervisor(&boot_hypervisor);

	pv_ops = &native_pv_ops;
	/* The PVH entry is shared by QEMU's direct boot and Xen PVH guests;
	 * the CPUID signature tells them apart. */
	if (entry == BOOT_ENTRY_PVH && boot_hypervisor.type == HV_XEN && IS_ENABLED(CONFIG_XEN_PVH))
		pv_ops = &xen_pvh_ops;
	start_kernel();
}

/* During early boot the first 4 GiB are identity mapped (head_64.S). */
static const void *early_phys(u64 pa, u64 len)
{
	if (pa == 0 || pa + len < pa || pa + len > (4ULL << 30))
		return NULL;
	return (const void *)(uintptr_t)pa;
}

static void copy_cmdline(struct bootinfo *bi, u64 pa)
{
	const char *s = early_phys(pa, 1);
	size_t n = 0;

	if (!s)
		return;
	/* Bounded copy; stop before the identity map ends. */
	while (n + 1 < sizeof(bi->cmdline) && pa + n < (4ULL << 30) && s[n]) {
		bi->cmdline[n] = s[n];
		n++;
	}
	bi->cmdline[n] = '\0';
}

int parse_pvh_start_info(struct bootinfo *bi, u32 info_pa)
{
	const struct hvm_start_info *si = early_phys(info_pa, sizeof(*si));
	u32 untrusted_nr;

	if (!si || si->magic != XEN_HVM_START_MAGIC_VALUE)
		return -1;
	copy_cmdline(bi, si->cmdline_paddr);
	acpi_rsdp_phys = si->rsdp_paddr;
	if (si->version < 1 || !si->memmap_paddr)
		return -2;
	untrusted_nr = si->memmap_entries;
	if (untrusted_nr > 1024)
		untrusted_nr = 1024;
	{
		const struct hvm_memmap_table_entry *e =
			early_phys(si->memmap_paddr, (u64)untrusted_nr * sizeof(*e));

		if (!e)
			return -3;
		for (u32 i = 0; i < untrusted_nr; i++)
			memmap_add(&bi->memmap, e[i].addr, e[i].size, memmap_type_from_e820(e[i].type));
	}
	return 0;
}

#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_LOADER 2
#define MB2_TAG_MMAP 6
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15

static char mb2_loader_name[48];

static int parse_multiboot2(struct bootinfo *bi, u32 info_pa)
{
	const u8 *base = early_phys(info_pa, 8);
	u32 total, off = 8;

	if (!base)
		return -1;
	total = *(const u32 *)base;
	if (total < 16 || total > (1U << 20) || !early_phys(info_pa, total))
		return -1;
	while (off + 8 <= total) {
		const u8 *tag = base + off;
		u32 type = *(const u32 *)tag, size = *(const u32 *)(tag + 4);

		if (type == MB2_TAG_END)
			break;
		if (size < 8 || size > total - off)
			return -2; /* malformed tag: stop, keep what we have */
		switch (type) {
		case MB2_TAG_CMDLINE: {
			size_t n = MIN((size_t)size - 8, sizeof(bi->cmdline) - 1);

			memcpy(bi->cmdline, tag + 8, n);
			bi->cmdline[n] = '\0';
			bi->cmdline[strnlen(bi->cmdline, n)] = '\0';
			break;
		}
		case MB2_TAG_LOADER: {
			size_t n = MIN((size_t)size - 8, sizeof(mb2_loader_name) - 1);

			memcpy(mb2_loader_name, tag + 8, n);
			mb2_loader_name[n] = '\0';
			bi->loader = mb2_loader_name;
			break;
		}
		case MB2_TAG_MMAP: {
			u32 esz = size >= 16 ? *(const u32 *)(tag + 8) : 0;

			if (esz < 24)
				break;
			for (u32 p = 16; p + esz <= size; p += esz) {
				u64 a, l;
				u32 t;

				memcpy(&a, tag + p, 8);
				memcpy(&l, tag + p + 8, 8);
				memcpy(&t, tag + p + 16, 4);
				memmap_add(&bi->memmap, a, l, memmap_type_from_e820(t));
			}
			break;
		}
		case MB2_TAG_ACPI_OLD:
		case MB2_TAG_ACPI_NEW:
			/* The tag holds a copy of the RSDP; remember where. */
			if (size >= 8 + 20 && !acpi_rsdp_phys)
				acpi_rsdp_phys = info_pa + off + 8;
			break;
		}
		off += ALIGN_UP(size, 8);
	}
	return 0;
}

void native_early_setup(struct bootinfo *bi)
{
	int rc;

	serial_init();
	kimg_map_limit = 1ULL << 30;
	if (bi->entry == BOOT_ENTRY_MULTIBOOT2) {
		bi->loader = "multiboot2";
		rc = parse_multiboot2(bi, bi->boot_proto_info);
		if (rc)
			pr_err("boot: multiboot2 information at %#x is malformed (%d)\n",
			       bi->boot_proto_info, rc);
	} else {
		bi->loader = "PVH boot protocol";
		rc = parse_pvh_start_info(bi, bi->boot_proto_info);
		if (rc)
			pr_err("boot: PVH start info at %#x unusable (%d)\n", bi->boot_proto_info, rc);
	}
	if (!memmap_ram_total(&bi->memmap))
		panic("boot: the boot loader gave no usable memory map");
}
