/* Native ACPI, only as much as it takes to leave the machine: find the
 * RSDP, walk the XSDT/RSDT, take the PM1 control ports, the SMI command
 * port and the reset register from the FADT, and the \_S5_ sleep type from
 * the DSDT (or an SSDT), and the processors from the MADT for SMP
 * bring-up. There is no AML interpreter.
 *
 * Every table is firmware data and untrusted: lengths are bounded, every
 * table's checksum is verified, nothing is read past a verified length, and
 * any failure is a warning after which ACPI is simply not used (the caller
 * of acpi_poweroff()/acpi_reboot() has fallbacks).
 *
 * Tables are ordinary cacheable memory, read through exactly one kind of
 * mapping: the direct map when it covers them (ACPI data and NVS regions
 * are in it, write-back read-only), else a write-back read-only vmap
 * mapping made for the purpose (tables in reserved regions or holes are
 * not direct-mapped). Never an uncached alias of write-back memory. Every
 * table mapping is undone once parsing is over; only the MMIO registers
 * needed to power off or reset stay mapped (uncached, via ioremap()). */
#include <asm/acpi.h>
#include <asm/acpi_irq.h>
#include <asm/processor.h>
#include <asm/setup.h>
#include <kernel/errno.h>
#include <kernel/mm.h>
#include <kernel/printk.h>
#include <kernel/string.h>

#define ACPI_HDR_LEN 36
#define ACPI_MAX_TABLE_LEN (1U << 20)      /* ordinary tables */
#define ACPI_MAX_AML_LEN (4U << 20)        /* DSDT/SSDT can be big */
#define ACPI_MAX_TABLES 256                /* XSDT/RSDT entries we look at */
#define ACPI_MAX_SSDTS 16
#define ACPI_PHYS_LIMIT (1ULL << 52)

#define RSDP_SIG "RSD PTR "
#define RSDP_V1_LEN 20
#define RSDP_V2_LEN 36
#define RSDP_MAX_LEN 256

/* FADT field offsets (ACPI 6.x, table 5.9). Fields past a table's length
 * read as zero because the FADT is copied into a zeroed buffer. */
#define FADT_DSDT 40
#define FADT_SCI_INT 46
#define FADT_SMI_CMD 48
#define FADT_ACPI_ENABLE 52
#define FADT_PM1A_EVT_BLK 56
#define FADT_PM1B_EVT_BLK 60
#define FADT_PM1A_CNT_BLK 64
#define FADT_PM1B_CNT_BLK 68
#define FADT_PM1_EVT_LEN 88
#define FADT_PM1_CNT_LEN 89
#define FADT_FLAGS 112
#define FADT_V1_LEN 116
#define FADT_RESET_REG 116
#define FADT_RESET_VALUE 128
#define FADT_X_DSDT 140
#define FADT_X_PM1A_EVT_BLK 148
#define FADT_X_PM1B_EVT_BLK 160
#define FADT_X_PM1A_CNT_BLK 172
#define FADT_X_PM1B_CNT_BLK 184
#define FADT_SLEEP_CONTROL_REG 244
#define FADT_MAX_LEN 276

#define FADT_F_RESET_REG_SUP (1U << 10)
#define FADT_F_HW_REDUCED_ACPI (1U << 20)

/* Generic Address Structure. */
#define GAS_LEN 12
#define GAS_SPACE_MEMORY 0
#define GAS_SPACE_IO 1
#define GAS_SPACE_PCI_CONFIG 2

/* PM1x_CNT bits. */
#define PM1_SCI_EN (1U << 0)
#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_TYP_MASK (7U << PM1_SLP_TYP_SHIFT)
#define PM1_SLP_EN (1U << 13)

/* HW-reduced SLEEP_CONTROL_REG bits. */
#define SLEEP_CTL_SLP_TYP_SHIFT 2
#define SLEEP_CTL_SLP_EN (1U << 5)

/* A register we can write one byte to. */
struct acpi_reg {
	u8 space;             /* GAS_SPACE_* */
	u64 addr;             /* port, physical address, or PCI address */
	volatile u8 *mmio;    /* mapped at init for GAS_SPACE_MEMORY */
};

static struct {
	u64 rsdp_pa;
	u8 rsdp_rev;
	bool xsdt;
	char oem[7];
	u8 fadt_rev;
	u16 pm1a_cnt, pm1b_cnt;   /* 0 = absent */
	u16 smi_cmd;
	u8 acpi_enable;
	bool hw_reduced;
	bool have_sleep_ctl;
	struct acpi_reg sleep_ctl;
	bool have_s5;
	u8 slp_typa, slp_typb;
	bool have_reset;
	struct acpi_reg reset;
	u8 reset_value;
	bool have_madt;
	/* The SCI and the PM1 event blocks (acpi_button.c). */
	u16 sci_int;
	u16 pm1a_evt, pm1b_evt;   /* 0 = absent */
	u8 pm1_evt_len;
	int sci_route_rc;         /* acpi_madt_irq_route()'s, -ENODEV: no MADT */
	struct acpi_irq_route sci_route;
	bool ready;               /* acpi_init() succeeded */
} acpi;

/* Local: <asm/processor.h> has no inw(). */
static inline u16 acpi_inw(u16 port)
{
	u16 v;

	__asm__ __volatile__("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* About a microsecond on real hardware: the classic POST-port delay. */
static void io_delay(void)
{
	outb(0x80, 0);
}

static u16 get_u16(const u8 *p)
{
	u16 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static u32 get_u32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static u64 get_u64(const u8 *p)
{
	u64 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static u8 checksum(const u8 *p, size_t len)
{
	u8 sum = 0;

	while (len--)
		sum += *p++;
	return sum;
}

/* A printable copy of a signature or OEM field for messages. */
static void sig_str(char *dst, const u8 *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
	dst[n] = '\0';
}

static const u8 *acpi_map(u64 pa, u32 size)
{
	if (!pa || !size || pa >= ACPI_PHYS_LIMIT || size > ACPI_PHYS_LIMIT - pa)
		return NULL;
	if (direct_map_covers(pa, size))
		return __va(pa);
	return vmap_phys(pa, size, PAGE_KERNEL_RO | PTE_NX);
}

/* Undo acpi_map(pa, size) (p as it returned). Direct-map pointers need
 * nothing. */
static void acpi_unmap(const u8 *p, u32 size)
{
	unsigned long va = (unsigned long)p;

	if (!p || (va >= DIRECT_MAP_BASE && va < VMAP_BASE))
		return;
	if (vunmap(p, size))
		pr_warn("acpi: cannot unmap %u bytes at %p\n", size, p);
}

/* Mappings cover whole pages: can a mapping of `mapped` bytes at pa also
 * serve `len` bytes? */
static bool mapping_covers(u64 pa, u32 mapped, u32 len)
{
	u64 off = pa & (PAGE_SIZE - 1);

	return off + len <= ALIGN_UP(off + mapped, PAGE_SIZE);
}

/*
 * Map and validate the table at pa: signature (if sig is given), length in
 * [header size, max_len], checksum over the whole length. Returns the
 * mapping and its length, or NULL after a warning.
 */
static const u8 *acpi_get_table(u64 pa, const char *sig, u32 max_len, u32 *lenp)
{
	const u8 *h, *t;
	char name[5];
	u32 len;

	h = acpi_map(pa, ACPI_HDR_LEN);
	if (!h) {
		pr_warn("acpi: cannot map table header at %#llx\n", (unsigned long long)pa);
		return NULL;
	}
	sig_str(name, h, 4);
	if (sig && memcmp(h, sig, 4)) {
		pr_warn("acpi: table at %#llx has signature '%s', expected '%s'\n",
			(unsigned long long)pa, name, sig);
		goto fail_h;
	}
	len = get_u32(h + 4);
	if (len < ACPI_HDR_LEN || len > max_len) {
		pr_warn("acpi: %s at %#llx has bad length %u (allowed %u..%u)\n", name,
			(unsigned long long)pa, len, ACPI_HDR_LEN, max_len);
		goto fail_h;
	}
	t = mapping_covers(pa, ACPI_HDR_LEN, len) ? h : acpi_map(pa, len);
	if (!t) {
		pr_warn("acpi: cannot map %s at %#llx (%u bytes)\n", name,
			(unsigned long long)pa, len);
		goto fail_h;
	}
	/* From here on only `len` counts, whatever the table says later. */
	if (get_u32(t + 4) != len || memcmp(t, h, 4)) {
		pr_warn("acpi: %s at %#llx changed while being read\n", name,
			(unsigned long long)pa);
		goto fail_t;
	}
	if (checksum(t, len)) {
		pr_warn("acpi: %s at %#llx (%u bytes) has a bad checksum\n", name,
			(unsigned long long)pa, len);
		goto fail_t;
	}
	if (t != h)
		acpi_unmap(h, ACPI_HDR_LEN);
	/* A mapping of the header that covers len serves as the table's:
	 * acpi_unmap(t, len) then undoes it, the same pages. */
	*lenp = len;
	return t;

fail_t:
	if (t != h)
		acpi_unmap(t, len);
fail_h:
	acpi_unmap(h, ACPI_HDR_LEN);
	return NULL;
}

/*
 * Validate an RSDP candidate with `avail` readable bytes at p. Returns 0,
 * -EAGAIN with *need set when a v2 RSDP needs more bytes mapped, or another
 * -errno. Quiet: the scan meets many non-RSDPs.
 */
static int rsdp_check(const u8 *p, u32 avail, u32 *need)
{
	u32 len;

	if (avail < RSDP_V1_LEN || memcmp(p, RSDP_SIG, 8))
		return -ENOENT;
	if (checksum(p, RSDP_V1_LEN))
		return -EBADMSG;
	if (p[15] < 2)
		return 0;
	if (avail < RSDP_V2_LEN) {
		*need = RSDP_V2_LEN;
		return -EAGAIN;
	}
	len = get_u32(p + 20);
	if (len < RSDP_V2_LEN || len > RSDP_MAX_LEN)
		return -EINVAL;
	if (avail < len) {
		*need = len;
		return -EAGAIN;
	}
	if (checksum(p, len))
		return -EBADMSG;
	return 0;
}

static const char *rsdp_err(int rc)
{
	switch (rc) {
	case -ENOENT:
		return "no \"RSD PTR \" signature";
	case -EBADMSG:
		return "bad checksum";
	case -EINVAL:
		return "bad length";
	default:
		return "cannot map it";
	}
}

/* A validated RSDP is copied here, so no mapping has to outlive the
 * search. */
static u8 rsdp_copy[RSDP_MAX_LEN];

static const u8 *keep_rsdp(const u8 *p)
{
	u32 len = p[15] >= 2 ? get_u32(p + 20) : RSDP_V1_LEN;

	memcpy(rsdp_copy, p, MIN(len, (u32)sizeof(rsdp_copy)));
	return rsdp_copy;
}

/* The RSDP the boot loader told us about. */
static const u8 *rsdp_at(u64 pa)
{
	u32 mapped = RSDP_V1_LEN, need = 0;
	const u8 *p = acpi_map(pa, mapped);
	int rc = p ? 0 : -ENOMEM;

	while (p) {
		rc = rsdp_check(p, mapped, &need);
		if (rc != -EAGAIN)
			break;
		if (!mapping_covers(pa, mapped, need)) {
			acpi_unmap(p, mapped);
			p = acpi_map(pa, need);
		}
		mapped = need;
		rc = p ? 0 : -ENOMEM;
	}
	if (!rc) {
		const u8 *copy = keep_rsdp(p);

		acpi_unmap(p, mapped);
		return copy;
	}
	acpi_unmap(p, mapped);
	pr_warn("acpi: RSDP at %#llx from the boot loader is unusable (%s); scanning\n",
		(unsigned long long)pa, rsdp_err(rc));
	return NULL;
}

/* Search [pa, pa + len) on 16-byte boundaries. */
static const u8 *rsdp_scan(u64 pa, u32 len, u64 *found)
{
	const u8 *base = acpi_map(pa, len), *p = NULL;
	u32 need = 0;

	if (!base)
		return NULL;
	for (u32 off = 0; off + RSDP_V1_LEN <= len; off += 16) {
		if (!rsdp_check(base + off, len - off, &need)) {
			*found = pa + off;
			p = keep_rsdp(base + off);
			break;
		}
	}
	acpi_unmap(base, len);
	return p;
}

static const u8 *find_rsdp(u64 *pa)
{
	const u8 *p, *bda;
	u64 ebda;

	if (acpi_rsdp_phys) {
		p = rsdp_at(acpi_rsdp_phys);
		if (p) {
			*pa = acpi_rsdp_phys;
			return p;
		}
	}
	/* The BIOS data area holds the EBDA segment at 0x40e. */
	bda = acpi_map(0x400, 0x100);
	if (bda) {
		ebda = (u64)get_u16(bda + 0x0e) << 4;
		acpi_unmap(bda, 0x100);
		if (ebda >= 0x80000 && ebda < 0xa0000) {
			p = rsdp_scan(ebda, 1024, pa);
			if (p)
				return p;
		}
	}
	return rsdp_scan(0xe0000, 0x20000, pa);
}

/* Decode a GAS into something we can write a byte to. */
static int reg_from_gas(struct acpi_reg *r, const u8 *gas, const char *what)
{
	u8 space = gas[0];
	u64 addr = get_u64(gas + 4);

	r->space = space;
	r->addr = addr;
	r->mmio = NULL;
	if (!addr) {
		pr_warn("acpi: %s has address 0\n", what);
		return -EINVAL;
	}
	switch (space) {
	case GAS_SPACE_IO:
		if (addr > 0xffff) {
			pr_warn("acpi: %s port %#llx is out of range\n", what,
				(unsigned long long)addr);
			return -EINVAL;
		}
		return 0;
	case GAS_SPACE_MEMORY:
		/* A register, not a table: uncached, and kept for good. */
		r->mmio = (addr && addr < ACPI_PHYS_LIMIT) ? ioremap(addr, 1) : NULL;
		if (!r->mmio) {
			pr_warn("acpi: cannot map %s at %#llx\n", what, (unsigned long long)addr);
			return -ENOMEM;
		}
		return 0;
	case GAS_SPACE_PCI_CONFIG: {
		/* Segment 0, bus 0: device in bits 32-47, function in 16-31,
		 * register offset in 0-15. */
		u64 dev = (addr >> 32) & 0xffff, fn = (addr >> 16) & 0xffff;
		u64 reg = addr & 0xffff;

		if ((addr >> 48) || dev > 31 || fn > 7 || reg > 0xff) {
			pr_warn("acpi: %s PCI address %#llx is invalid\n", what,
				(unsigned long long)addr);
			return -EINVAL;
		}
		return 0;
	}
	default:
		pr_warn("acpi: %s in address space %u is not supported\n", what, space);
		return -EOPNOTSUPP;
	}
}

static void reg_write8(const struct acpi_reg *r, u8 v)
{
	switch (r->space) {
	case GAS_SPACE_IO:
		outb((u16)r->addr, v);
		break;
	case GAS_SPACE_MEMORY:
		*r->mmio = v;
		break;
	case GAS_SPACE_PCI_CONFIG: {
		u32 dev = (r->addr >> 32) & 31, fn = (r->addr >> 16) & 7;
		u32 reg = r->addr & 0xff;

		outl(0xcf8, 0x80000000U | dev << 11 | fn << 8 | (reg & 0xfc));
		outb((u16)(0xcfc + (reg & 3)), v);
		break;
	}
	}
}

static int reg_describe(char *buf, size_t size, const struct acpi_reg *r)
{
	switch (r->space) {
	case GAS_SPACE_IO:
		return snprintf(buf, size, "io:%#llx", (unsigned long long)r->addr);
	case GAS_SPACE_MEMORY:
		return snprintf(buf, size, "mem:%#llx", (unsigned long long)r->addr);
	default:
		return snprintf(buf, size, "pci:00:%02x.%x+%#x",
				(unsigned int)((r->addr >> 32) & 31),
				(unsigned int)((r->addr >> 16) & 7), (unsigned int)(r->addr & 0xff));
	}
}

/* A PM1x control block port: X_PM1x_CNT_BLK when it is present and in I/O
 * space, else the 32-bit PM1x_CNT_BLK. 0 = none. */
static u16 pm1_port(const u8 *fadt, u32 fadt_len, u32 x_off, u32 legacy_off,
		    const char *what)
{
	u32 legacy = get_u32(fadt + legacy_off);
	const u8 *gas = fadt + x_off;
	u64 xaddr = fadt_len >= x_off + GAS_LEN ? get_u64(gas + 4) : 0;

	if (xaddr) {
		if (gas[0] == GAS_SPACE_IO && xaddr <= 0xffff)
			return (u16)xaddr;
		if (!legacy) {
			pr_warn("acpi: X_%s in address space %u at %#llx is not supported\n",
				what, gas[0], (unsigned long long)xaddr);
			return 0;
		}
	}
	if (legacy > 0xffff) {
		pr_warn("acpi: %s %#x is not an I/O port\n", what, legacy);
		return 0;
	}
	return (u16)legacy;
}

static int parse_fadt(const u8 *t, u32 len, u64 *x_dsdt, u64 *dsdt32)
{
	u8 f[FADT_MAX_LEN];
	u32 flags, smi;

	if (len < FADT_V1_LEN) {
		pr_warn("acpi: FADT is too short (%u bytes)\n", len);
		return -EINVAL;
	}
	memset(f, 0, sizeof(f));
	memcpy(f, t, MIN(len, (u32)sizeof(f)));
	acpi.fadt_rev = f[8];
	flags = get_u32(f + FADT_FLAGS);
	acpi.hw_reduced = flags & FADT_F_HW_REDUCED_ACPI;

	acpi.pm1a_cnt = pm1_port(f, len, FADT_X_PM1A_CNT_BLK, FADT_PM1A_CNT_BLK, "PM1a_CNT_BLK");
	acpi.pm1b_cnt = pm1_port(f, len, FADT_X_PM1B_CNT_BLK, FADT_PM1B_CNT_BLK, "PM1b_CNT_BLK");
	if (acpi.pm1a_cnt && f[FADT_PM1_CNT_LEN] < 2) {
		pr_warn("acpi: PM1_CNT_LEN %u is too small; not using PM1 control\n",
			f[FADT_PM1_CNT_LEN]);
		acpi.pm1a_cnt = acpi.pm1b_cnt = 0;
	}
	acpi.sci_int = get_u16(f + FADT_SCI_INT);
	acpi.pm1a_evt = pm1_port(f, len, FADT_X_PM1A_EVT_BLK, FADT_PM1A_EVT_BLK, "PM1a_EVT_BLK");
	acpi.pm1b_evt = pm1_port(f, len, FADT_X_PM1B_EVT_BLK, FADT_PM1B_EVT_BLK, "PM1b_EVT_BLK");
	acpi.pm1_evt_len = f[FADT_PM1_EVT_LEN];
	smi = get_u32(f + FADT_SMI_CMD);
	if (smi <= 0xffff) {
		acpi.smi_cmd = (u16)smi;
		acpi.acpi_enable = f[FADT_ACPI_ENABLE];
	} else {
		pr_warn("acpi: SMI_CMD %#x is not an I/O port\n", smi);
	}
	if (acpi.hw_reduced && len >= FADT_SLEEP_CONTROL_REG + GAS_LEN &&
	    get_u64(f + FADT_SLEEP_CONTROL_REG + 4))
		acpi.have_sleep_ctl =
			!reg_from_gas(&acpi.sleep_ctl, f + FADT_SLEEP_CONTROL_REG, "SLEEP_CONTROL_REG");

	if ((flags & FADT_F_RESET_REG_SUP) && len > FADT_RESET_VALUE) {
		acpi.have_reset = !reg_from_gas(&acpi.reset, f + FADT_RESET_REG, "RESET_REG");
		acpi.reset_value = f[FADT_RESET_VALUE];
	}

	*x_dsdt = len >= FADT_X_DSDT + 8 ? get_u64(f + FADT_X_DSDT) : 0;
	*dsdt32 = get_u32(f + FADT_DSDT);
	return 0;
}

struct acpi_cpus acpi_cpus;

/* Keep the MADT's processors for SMP bring-up. Only the first MADT counts:
 * a second one could not be told apart from a stale copy. */
static void parse_madt(const u8 *t, u32 len, u64 pa)
{
	struct acpi_madt_cpu cpus[ACPI_MAX_CPUS];
	struct acpi_madt_info info;
	int rc;

	if (acpi.have_madt) {
		pr_warn("acpi: ignoring a second MADT at %#llx\n", (unsigned long long)pa);
		return;
	}
	acpi.have_madt = true;
	/* acpi_get_table() has verified the checksum. */
	rc = acpi_parse_madt(t, len, false, cpus, ACPI_MAX_CPUS, &info);
	if (rc)
		pr_warn("acpi: MADT at %#llx is malformed (%d); using the %u CPU(s) before "
			"the bad entry\n", (unsigned long long)pa, rc, info.nr);
	for (unsigned int i = 0; i < info.nr; i++)
		acpi_cpus.apic_id[i] = cpus[i].apic_id;
	acpi_cpus.nr = info.nr;
	acpi_cpus.dropped = info.dropped;
	acpi_cpus.lapic_pa = info.lapic_pa;
	pr_info("acpi: MADT: %u CPU(s), local APIC at 0x%llx\n", info.nr,
		(unsigned long long)info.lapic_pa);
	if (info.dropped)
		pr_warn("acpi: MADT lists %u more CPU(s) than the %u supported; ignored\n",
			info.dropped, ACPI_MAX_CPUS);
}

static int find_s5(const u8 *t, u32 len, const char *where)
{
	int rc = acpi_find_s5(t + ACPI_HDR_LEN, len - ACPI_HDR_LEN, &acpi.slp_typa,
			      &acpi.slp_typb);

	if (!rc)
		acpi.have_s5 = true;
	else if (rc != -ENOENT)
		pr_warn("acpi: \\_S5_ in %s is unusable (%d)\n", where, rc);
	return rc;
}

int acpi_init(void)
{
	const u8 *rsdp, *root, *fadt = NULL, *dsdt = NULL, *madt = NULL;
	const u8 *ssdt[ACPI_MAX_SSDTS];
	u32 ssdt_len[ACPI_MAX_SSDTS];
	u32 root_len = 0, fadt_len = 0, dsdt_len = 0, madt_len = 0, entsz, n, nr_ssdt = 0;
	u64 rsdp_pa = 0, root_pa, x_dsdt, dsdt32;
	char reset_desc[40] = "none", sleep_desc[48] = "PM1a_CNT none", s5_desc[8] = "none";
	int rc;

	rsdp = find_rsdp(&rsdp_pa);
	if (!rsdp) {
		pr_warn("acpi: no valid RSDP found; ACPI not used\n");
		return -ENODEV;
	}
	acpi.rsdp_pa = rsdp_pa;
	acpi.rsdp_rev = rsdp[15];
	sig_str(acpi.oem, rsdp + 9, 6);
	for (int i = 5; i >= 0 && acpi.oem[i] == ' '; i--)
		acpi.oem[i] = '\0';

	root = NULL;
	if (acpi.rsdp_rev >= 2 && get_u64(rsdp + 24)) {
		root_pa = get_u64(rsdp + 24);
		root = acpi_get_table(root_pa, "XSDT", ACPI_MAX_TABLE_LEN, &root_len);
		if (root)
			acpi.xsdt = true;
		else if (get_u32(rsdp + 16))
			pr_warn("acpi: falling back to the RSDT\n");
	}
	if (!root) {
		root_pa = get_u32(rsdp + 16);
		if (!root_pa) {
			pr_warn("acpi: RSDP has no usable XSDT or RSDT; ACPI not used\n");
			return -ENODEV;
		}
		root = acpi_get_table(root_pa, "RSDT", ACPI_MAX_TABLE_LEN, &root_len);
		if (!root) {
			pr_warn("acpi: no usable root table; ACPI not used\n");
			return -ENODEV;
		}
	}
	entsz = acpi.xsdt ? 8 : 4;
	n = (root_len - ACPI_HDR_LEN) / entsz;
	if ((root_len - ACPI_HDR_LEN) % entsz)
		pr_warn("acpi: %s length %u is not a whole number of entries\n",
			acpi.xsdt ? "XSDT" : "RSDT", root_len);
	if (n > ACPI_MAX_TABLES) {
		pr_warn("acpi: %s lists %u tables; looking at the first %u\n",
			acpi.xsdt ? "XSDT" : "RSDT", n, ACPI_MAX_TABLES);
		n = ACPI_MAX_TABLES;
	}

	for (u32 i = 0; i < n; i++) {
		const u8 *e = root + ACPI_HDR_LEN + (size_t)i * entsz;
		u64 pa = acpi.xsdt ? get_u64(e) : get_u32(e);
		const u8 *t;
		u32 len;

		if (!pa)
			continue;
		t = acpi_get_table(pa, NULL, ACPI_MAX_AML_LEN, &len);
		if (!t)
			continue;       /* warned; a table we need is checked below */
		if (!memcmp(t, "FACP", 4)) {
			if (!fadt) {
				fadt = t;
				fadt_len = len;
				continue;
			}
			pr_warn("acpi: ignoring a second FADT at %#llx\n", (unsigned long long)pa);
		} else if (!memcmp(t, "APIC", 4)) {
			parse_madt(t, len, pa);
			/* Kept until the FADT names the SCI to route. */
			if (!madt) {
				madt = t;
				madt_len = len;
				continue;
			}
		} else if (!memcmp(t, "SSDT", 4) && nr_ssdt < ACPI_MAX_SSDTS) {
			ssdt[nr_ssdt] = t;
			ssdt_len[nr_ssdt++] = len;
			continue;
		} else if (len > ACPI_MAX_TABLE_LEN) {
			char name[5];

			sig_str(name, t, 4);
			pr_warn("acpi: %s at %#llx is suspiciously large (%u bytes)\n", name,
				(unsigned long long)pa, len);
		}
		/* Not needed past this point. */
		acpi_unmap(t, len);
	}
	if (!fadt) {
		pr_warn("acpi: no valid FADT; ACPI not used\n");
		rc = -ENODEV;
		goto out;
	}
	rc = parse_fadt(fadt, fadt_len, &x_dsdt, &dsdt32);
	if (rc) {
		pr_warn("acpi: FADT unusable; ACPI not used\n");
		goto out;
	}
	/* The SCI is an ISA interrupt by default active low, level. */
	acpi.sci_route_rc = -ENODEV;
	if (madt && acpi.sci_int <= 15)
		acpi.sci_route_rc = acpi_madt_irq_route(madt, madt_len, acpi.sci_int, true, true,
							&acpi.sci_route);

	/* X_DSDT wins when set; the 32-bit DSDT is the fallback. */
	dsdt = x_dsdt ? acpi_get_table(x_dsdt, "DSDT", ACPI_MAX_AML_LEN, &dsdt_len) : NULL;
	if (!dsdt && dsdt32 && dsdt32 != x_dsdt) {
		if (x_dsdt)
			pr_warn("acpi: trying the 32-bit DSDT address %#llx\n",
				(unsigned long long)dsdt32);
		dsdt = acpi_get_table(dsdt32, "DSDT", ACPI_MAX_AML_LEN, &dsdt_len);
	}
	if (dsdt)
		find_s5(dsdt, dsdt_len, "the DSDT");
	else
		pr_warn("acpi: no valid DSDT\n");
	for (u32 i = 0; !acpi.have_s5 && i < nr_ssdt; i++)
		find_s5(ssdt[i], ssdt_len[i], "an SSDT");
	if (!acpi.have_s5)
		pr_warn("acpi: no usable \\_S5_ object; ACPI power-off unavailable\n");
	else if (!acpi.pm1a_cnt && !acpi.have_sleep_ctl)
		pr_warn("acpi: no PM1a control block; ACPI power-off unavailable\n");

	if (acpi.have_reset) {
		int l = reg_describe(reset_desc, sizeof(reset_desc), &acpi.reset);

		if (l >= 0 && (size_t)l < sizeof(reset_desc))
			snprintf(reset_desc + l, sizeof(reset_desc) - l, "=0x%02x",
				 acpi.reset_value);
	}
	if (acpi.pm1a_cnt && acpi.pm1b_cnt) {
		snprintf(sleep_desc, sizeof(sleep_desc), "PM1a_CNT %#x, PM1b_CNT %#x",
			 acpi.pm1a_cnt, acpi.pm1b_cnt);
	} else if (acpi.pm1a_cnt) {
		snprintf(sleep_desc, sizeof(sleep_desc), "PM1a_CNT %#x", acpi.pm1a_cnt);
	} else if (acpi.have_sleep_ctl) {
		int l = snprintf(sleep_desc, sizeof(sleep_desc), "SLEEP_CONTROL ");

		reg_describe(sleep_desc + l, sizeof(sleep_desc) - l, &acpi.sleep_ctl);
	}
	if (acpi.have_s5)
		snprintf(s5_desc, sizeof(s5_desc), "%u/%u", acpi.slp_typa, acpi.slp_typb);
	pr_info("acpi: RSDP rev %u at %#llx (%s, OEM \"%s\"), FADT rev %u%s, %s, "
		"S5 SLP_TYP %s, reset reg %s\n",
		acpi.rsdp_rev, (unsigned long long)acpi.rsdp_pa, acpi.xsdt ? "XSDT" : "RSDT",
		acpi.oem, acpi.fadt_rev, acpi.hw_reduced ? " (HW-reduced)" : "", sleep_desc,
		s5_desc, reset_desc);
	rc = 0;
out:
	/* Everything needed is copied out; drop the table mappings. */
	for (u32 i = 0; i < nr_ssdt; i++)
		acpi_unmap(ssdt[i], ssdt_len[i]);
	acpi_unmap(dsdt, dsdt_len);
	acpi_unmap(fadt, fadt_len);
	acpi_unmap(madt, madt_len);
	acpi_unmap(root, root_len);
	acpi.ready = !rc;
	return rc;
}

int acpi_sci_info(struct acpi_sci *out)
{
	if (!acpi.ready || acpi.hw_reduced)
		return -ENODEV;
	out->irq = acpi.sci_int;
	out->pm1a_evt = acpi.pm1a_evt;
	out->pm1b_evt = acpi.pm1b_evt;
	out->pm1_evt_len = acpi.pm1_evt_len;
	out->route_rc = acpi.sci_route_rc;
	out->route = acpi.sci_route;
	return 0;
}

/* Switch from legacy (SMM) mode to ACPI mode if the firmware left us in
 * legacy mode; some chipsets ignore SLP_EN otherwise. */
void acpi_enable_mode(void)
{
	u32 i;

	if (!acpi.pm1a_cnt || (acpi_inw(acpi.pm1a_cnt) & PM1_SCI_EN))
		return;
	if (!acpi.smi_cmd || !acpi.acpi_enable) {
		pr_warn("acpi: SCI_EN clear and no way to enable ACPI mode; trying anyway\n");
		return;
	}
	outb(acpi.smi_cmd, acpi.acpi_enable);
	/* The SMI handler may take a while: give it up to about 3 s. */
	for (i = 0; i < 3000000 && !(acpi_inw(acpi.pm1a_cnt) & PM1_SCI_EN); i++)
		io_delay();
	if (!(acpi_inw(acpi.pm1a_cnt) & PM1_SCI_EN))
		pr_warn("acpi: ACPI mode did not come on; trying anyway\n");
}

static void pm1_write_slp(u16 port, u8 slp_typ, bool enable)
{
	u16 v = acpi_inw(port);

	v &= ~(PM1_SLP_TYP_MASK | PM1_SLP_EN);
	v |= (u16)(slp_typ << PM1_SLP_TYP_SHIFT);
	if (enable)
		v |= PM1_SLP_EN;
	outw(port, v);
}

void acpi_poweroff(void)
{
	if (!acpi.have_s5 || (!acpi.pm1a_cnt && !acpi.have_sleep_ctl))
		return;
	pr_info("acpi: entering S5 (soft off)\n");
	if (acpi.pm1a_cnt) {
		acpi_enable_mode();
		/* As ACPICA does: set SLP_TYP first, then SLP_EN, PM1a
		 * before PM1b each time. */
		pm1_write_slp(acpi.pm1a_cnt, acpi.slp_typa, false);
		if (acpi.pm1b_cnt)
			pm1_write_slp(acpi.pm1b_cnt, acpi.slp_typb, false);
		pm1_write_slp(acpi.pm1a_cnt, acpi.slp_typa, true);
		if (acpi.pm1b_cnt)
			pm1_write_slp(acpi.pm1b_cnt, acpi.slp_typb, true);
	} else {
		reg_write8(&acpi.sleep_ctl,
			   (u8)(acpi.slp_typa << SLEEP_CTL_SLP_TYP_SHIFT | SLEEP_CTL_SLP_EN));
	}
	/* Power should drop within microseconds; wait about half a second
	 * before letting the caller try something else. */
	for (u32 i = 0; i < 500000; i++)
		io_delay();
	pr_warn("acpi: still running after S5 request\n");
}

void acpi_reboot(void)
{
	if (!acpi.have_reset)
		return;
	reg_write8(&acpi.reset, acpi.reset_value);
	for (u32 i = 0; i < 500000; i++)
		io_delay();
	pr_warn("acpi: still running after writing the reset register\n");
}
