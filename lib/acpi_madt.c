/* The processors of the ACPI MADT ("APIC" table). Firmware data is treated
 * as hostile: the walk is bounded by the smaller of the buffer and the
 * table's own length, every entry's length is checked against what is
 * left before any of its bytes is read, and offsets are compared by
 * subtraction so that no sum can wrap. Pure code, built into the kernel
 * and into the host tests (tests/unit/test_acpi_madt.c,
 * tests/fuzz/fuzz_acpi_madt.c). */
#include <kernel/errno.h>
#include <asm/acpi.h>

/* Entry lengths the ACPI specification gives these types. Longer entries
 * are accepted (a later revision may append fields); shorter ones are not,
 * since the fields we read would lie in the next entry. */
#define MADT_LAPIC_LEN 8
#define MADT_LAPIC_OVERRIDE_LEN 12
#define MADT_X2APIC_LEN 16

/* Byte-wise little-endian loads: entries are packed, so fields are not
 * aligned, and this keeps the file free of lib/string. */
static u32 madt_get32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static u64 madt_get64(const u8 *p)
{
	return (u64)madt_get32(p) | (u64)madt_get32(p + 4) << 32;
}

static void madt_add_cpu(struct acpi_madt_cpu *cpus, unsigned int max,
			 struct acpi_madt_info *info, u32 uid, u32 apic_id, u32 flags)
{
	/* Neither enabled nor able to be brought online: not a processor the
	 * OS may use. */
	if (!(flags & (ACPI_MADT_CPU_ENABLED | ACPI_MADT_CPU_ONLINE_CAPABLE)))
		return;
	if (info->nr >= max) {
		info->dropped++;
		return;
	}
	cpus[info->nr].uid = uid;
	cpus[info->nr].apic_id = apic_id;
	cpus[info->nr].flags = flags;
	info->nr++;
}

/* The header's checks; its length field (the bytes to walk), or -EBADMSG. */
static long madt_header(const u8 *table, size_t len, bool check_sum)
{
	size_t tlen;

	if (len < ACPI_MADT_HDR_LEN)
		return -EBADMSG;
	if (table[0] != 'A' || table[1] != 'P' || table[2] != 'I' || table[3] != 'C')
		return -EBADMSG;
	tlen = madt_get32(table + 4);
	if (tlen < ACPI_MADT_HDR_LEN || tlen > len)
		return -EBADMSG;
	if (check_sum) {
		u8 sum = 0;

		for (size_t i = 0; i < tlen; i++)
			sum += table[i];
		if (sum)
			return -EBADMSG;
	}
	return (long)tlen;
}

int acpi_madt_walk(const u8 *table, size_t len, bool check_sum, acpi_madt_entry_fn fn,
		   void *ctx)
{
	size_t tlen, off;
	long hl;
	int rc;

	if (!table || !fn)
		return -EINVAL;
	hl = madt_header(table, len, check_sum);
	if (hl < 0)
		return (int)hl;
	tlen = (size_t)hl;

	/* Invariant: off <= tlen, so tlen - off never wraps. */
	for (off = ACPI_MADT_HDR_LEN; off < tlen;) {
		const u8 *e = table + off;
		size_t elen;

		/* The type and length bytes themselves must fit. */
		if (tlen - off < 2)
			return -EBADMSG;
		elen = e[1];
		if (elen < 2 || elen > tlen - off)
			return -EBADMSG;
		rc = fn(e[0], e, elen, ctx);
		if (rc)
			return rc;
		off += elen;
	}
	return 0;
}

struct madt_cpu_walk {
	struct acpi_madt_cpu *cpus;
	unsigned int max;
	struct acpi_madt_info *info;
};

static int madt_cpu_entry(u8 type, const u8 *e, size_t elen, void *ctx)
{
	struct madt_cpu_walk *w = ctx;

	switch (type) {
	case ACPI_MADT_LAPIC:
		if (elen < MADT_LAPIC_LEN)
			return -EBADMSG;
		madt_add_cpu(w->cpus, w->max, w->info, e[2], e[3], madt_get32(e + 4));
		break;
	case ACPI_MADT_X2APIC:
		if (elen < MADT_X2APIC_LEN)
			return -EBADMSG;
		madt_add_cpu(w->cpus, w->max, w->info, madt_get32(e + 12), madt_get32(e + 4),
			     madt_get32(e + 8));
		break;
	case ACPI_MADT_LAPIC_OVERRIDE:
		if (elen < MADT_LAPIC_OVERRIDE_LEN)
			return -EBADMSG;
		w->info->lapic_pa = madt_get64(e + 4);
		break;
	default:
		break;
	}
	return 0;
}

int acpi_parse_madt(const u8 *table, size_t len, bool check_sum, struct acpi_madt_cpu *cpus,
		    unsigned int max, struct acpi_madt_info *info)
{
	struct madt_cpu_walk w = { .cpus = cpus, .max = max, .info = info };
	long hl;

	if (!table || !info || (!cpus && max))
		return -EINVAL;
	info->lapic_pa = 0;
	info->nr = 0;
	info->dropped = 0;
	hl = madt_header(table, len, check_sum);
	if (hl < 0)
		return (int)hl;
	/* The header's address; an override entry met in the walk replaces
	 * it. The header is known good now, so the walk need not sum it
	 * again. */
	info->lapic_pa = madt_get32(table + 36);
	return acpi_madt_walk(table, len, false, madt_cpu_entry, &w);
}
