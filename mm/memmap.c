/* Physical memory map handling. Firmware, Xen and boot loaders hand us
 * region lists that may be unsorted, overlapping or plain wrong; everything
 * goes through memmap_add() and memmap_sanitize() before use. */
#include <kernel/memmap.h>
#include <kernel/errno.h>
#include <kernel/compiler.h>

#define PG 4096ULL

int memmap_add(struct memmap *m, u64 base, u64 size, u32 type)
{
	if (size == 0 || base + size < base || type < MEM_RAM || type > MEM_UNUSABLE) {
		m->dropped++;
		return -EINVAL;
	}
	if (m->nr >= MEMMAP_MAX) {
		m->dropped++;
		return -ENOSPC;
	}
	m->r[m->nr].base = base;
	m->r[m->nr].size = size;
	m->r[m->nr].type = type;
	m->nr++;
	return 0;
}

/* Non-RAM always wins over RAM; among the rest the larger type number. */
static int type_rank(u32 t)
{
	return t == MEM_RAM ? 0 : (int)t;
}

static void sort_u64(u64 *a, unsigned int n)
{
	for (unsigned int i = 1; i < n; i++) {
		u64 v = a[i];
		unsigned int j = i;

		while (j && a[j - 1] > v) {
			a[j] = a[j - 1];
			j--;
		}
		a[j] = v;
	}
}

static struct {
	u64 pts[2 * MEMMAP_MAX];
	struct mem_region out[2 * MEMMAP_MAX];
} scratch;

void memmap_sanitize(struct memmap *m)
{
	unsigned int np = 0, nout = 0;

	for (unsigned int i = 0; i < m->nr; i++) {
		scratch.pts[np++] = m->r[i].base;
		scratch.pts[np++] = m->r[i].base + m->r[i].size;
	}
	sort_u64(scratch.pts, np);

	for (unsigned int i = 0; i + 1 < np; i++) {
		u64 lo = scratch.pts[i], hi = scratch.pts[i + 1];
		int best = -1;
		u32 type = 0;

		if (lo == hi)
			continue;
		for (unsigned int j = 0; j < m->nr; j++) {
			const struct mem_region *r = &m->r[j];

			if (r->base <= lo && r->base + r->size >= hi && type_rank(r->type) > best) {
				best = type_rank(r->type);
				type = r->type;
			}
		}
		if (best < 0)
			continue;
		if (nout && scratch.out[nout - 1].type == type &&
		    scratch.out[nout - 1].base + scratch.out[nout - 1].size == lo) {
			scratch.out[nout - 1].size += hi - lo;
			continue;
		}
		scratch.out[nout].base = lo;
		scratch.out[nout].size = hi - lo;
		scratch.out[nout].type = type;
		nout++;
	}

	m->nr = 0;
	for (unsigned int i = 0; i < nout; i++) {
		struct mem_region r = scratch.out[i];

		if (r.type == MEM_RAM) {
			u64 lo = ALIGN_UP(r.base, PG);
			u64 hi = ALIGN_DOWN(r.base + r.size, PG);

			if (lo < r.base || hi <= lo)
				continue;
			r.base = lo;
			r.size = hi - lo;
		}
		if (m->nr >= MEMMAP_MAX) {
			m->dropped++;
			continue;
		}
		m->r[m->nr++] = r;
	}
}

int memmap_reserve(struct memmap *m, u64 base, u64 size)
{
	int rc;

	if (size == 0)
		return 0;
	rc = memmap_add(m, base, size, MEM_RESERVED);
	if (rc)
		return rc;
	memmap_sanitize(m);
	return 0;
}

u64 memmap_ram_total(const struct memmap *m)
{
	u64 t = 0;

	for (unsigned int i = 0; i < m->nr; i++)
		if (m->r[i].type == MEM_RAM)
			t += m->r[i].size;
	return t;
}

u64 memmap_ram_end(const struct memmap *m)
{
	u64 end = 0;

	for (unsigned int i = 0; i < m->nr; i++)
		if (m->r[i].type == MEM_RAM && m->r[i].base + m->r[i].size > end)
			end = m->r[i].base + m->r[i].size;
	return end;
}

const char *memmap_type_name(u32 type)
{
	switch (type) {
	case MEM_RAM:
		return "usable";
	case MEM_RESERVED:
		return "reserved";
	case MEM_ACPI:
		return "ACPI data";
	case MEM_NVS:
		return "ACPI NVS";
	case MEM_UNUSABLE:
		return "unusable";
	}
	return "unknown";
}

u32 memmap_type_from_e820(u32 e820_type)
{
	switch (e820_type) {
	case 1:
		return MEM_RAM;
	case 3:
		return MEM_ACPI;
	case 4:
		return MEM_NVS;
	case 5:
		return MEM_UNUSABLE;
	default:
		/* Unknown types are treated as reserved, never as RAM. */
		return MEM_RESERVED;
	}
}
