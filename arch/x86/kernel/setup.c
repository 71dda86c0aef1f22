/* First C code for the 32-bit entries (PVH note and multiboot2): choose the
 * pv_ops backend, then parse the boot protocol for the native backend. */
#include <kernel/boot.h>
#include <kernel/errno.h>
#include <kernel/multiboot2.h>
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

static char mb2_loader_name[48];

/* What the multiboot2 walk reports goes straight into the boot info. */
struct mb2_ctx {
	struct bootinfo *bi;
	u32 info_pa;
};

static void mb2_cmdline(void *ctx, const char *s, size_t len)
{
	struct bootinfo *bi = ((struct mb2_ctx *)ctx)->bi;
	size_t n = MIN(len, sizeof(bi->cmdline) - 1);

	memcpy(bi->cmdline, s, n);
	bi->cmdline[n] = '\0';
}

static void mb2_loader(void *ctx, const char *s, size_t len)
{
	size_t n = MIN(len, sizeof(mb2_loader_name) - 1);

	memcpy(mb2_loader_name, s, n);
	mb2_loader_name[n] = '\0';
	((struct mb2_ctx *)ctx)->bi->loader = mb2_loader_name;
}

static void mb2_mmap(void *ctx, u64 base, u64 len, u32 type)
{
	memmap_add(&((struct mb2_ctx *)ctx)->bi->memmap, base, len, memmap_type_from_e820(type));
}

static void mb2_rsdp(void *ctx, size_t offset, size_t len, u32 tag_type)
{
	/* The tag holds a copy of the RSDP; remember where. The first ACPI
	 * tag wins. */
	if (!acpi_rsdp_phys)
		acpi_rsdp_phys = (u64)((struct mb2_ctx *)ctx)->info_pa + offset;
}

/* The boot information is a loader structure below 4 GiB; anything above
 * 1 MiB is not a plausible one. */
#define MB2_INFO_MAX (1U << 20)

static int parse_multiboot2(struct bootinfo *bi, u32 info_pa)
{
	struct mb2_ctx ctx = { .bi = bi, .info_pa = info_pa };
	const struct mb2_visitor v = {
		.ctx = &ctx,
		.cmdline = mb2_cmdline,
		.loader = mb2_loader,
		.mmap = mb2_mmap,
		.rsdp = mb2_rsdp,
	};
	const u8 *base = early_phys(info_pa, MB2_INFO_HDR);
	u32 total;

	if (!base)
		return -EINVAL;
	total = *(const u32 *)base;
	/* Let the walk read no more than the structure claims (and the
	 * header, which is mapped anyway, so that a total_size below it is
	 * reported as malformed), bounded so that all of it is
	 * identity-mapped. */
	if (total > MB2_INFO_MAX || !early_phys(info_pa, total))
		return -EOVERFLOW;
	return mb2_walk(base, MAX(total, (u32)MB2_INFO_HDR), &v);
}

void native_early_setup(struct bootinfo *bi)
{
	int rc;

	native_tsc_calibration_start();
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
