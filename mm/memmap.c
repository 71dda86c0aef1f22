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

/* Non-RAM always wins over RAM; the kernel's own RAM wins over plain RAM
 * only (firmware can take memory away from us, not the reverse); among the
 * rest the larger type number. */
static int type_rank(u32 t)
{
	return t == MEM_RAM ? 0 : t == MEM_KERNEL ? 1 : (int)t;
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

/* Append r to out[], merging it into the previous region when they touch
 * and share a type. */
static unsigned int push_region(struct mem_region *out, unsigned int n, u64 base, u64 size,
				u32 type)
{
	if (!size)
		return n;
	if (n && out[n - 1].type == type && out[n - 1].base + out[n - 1].size == base) {
		out[n - 1].size += size;
		return n;
	}
	out[n].base = base;
	out[n].size = size;
	out[n].type = type;
	return n + 1;
}

void memmap_reserve(struct memmap *m, u64 base, u64 size)
{
	struct mem_region *out = scratch.out;
	u64 end = base + size, lo, hi;
	unsigned int n = 0;

	if (size == 0)
		return;
	/* A range past 2^64 is still a request for everything up to the top:
	 * refusing it would leave the memory in the allocator. */
	if (end < base)
		end = ~0ULL;
	/* Whole pages: the allocator hands out pages, so a page holding one
	 * reserved byte is reserved. RAM never ends above the last full page,
	 * so ~0 stands for "the top" when rounding up overflows. */
	lo = ALIGN_DOWN(base, PG);
	hi = ALIGN_UP(end, PG);
	if (hi < end)
		hi = ~0ULL;

	memmap_sanitize(m);
	for (unsigned int i = 0; i < m->nr; i++) {
		const struct mem_region *r = &m->r[i];
		u64 rend = r->base + r->size;

		if (r->type != MEM_RAM || rend <= lo || r->base >= hi) {
			n = push_region(out, n, r->base, r->size, r->type);
			continue;
		}
		if (r->base < lo)
			n = push_region(out, n, r->base, lo - r->base, MEM_RAM);
		n = push_region(out, n, MAX(r->base, lo), MIN(rend, hi) - MAX(r->base, lo),
				MEM_KERNEL);
		if (rend > hi)
			n = push_region(out, n, hi, rend - hi, MEM_RAM);
	}

	/* Splitting RAM around the range adds at most two regions. If the map
	 * has no room for them, give up the smallest RAM regions: losing a
	 * little RAM is harmless, handing reserved memory to the allocator is
	 * not. Dropping a region never makes its neighbours touch. */
	while (n > MEMMAP_MAX) {
		unsigned int victim = n;

		for (unsigned int i = 0; i < n; i++)
			if (out[i].type == MEM_RAM &&
			    (victim == n || out[i].size < out[victim].size))
				victim = i;
		if (victim == n)
			victim = n - 1; /* unreachable: every extra region is RAM */
		if (out[victim].type == MEM_RAM)
			m->lost_ram += out[victim].size;
		m->dropped++;
		for (unsigned int i = victim; i + 1 < n; i++)
			out[i] = out[i + 1];
		n--;
	}
	for (unsigned int i = 0; i < n; i++)
		m->r[i] = out[i];
	m->nr = n;
}

int memmap_carve(struct memmap *m, u64 size, u64 below, u64 *base)
{
	u64 len = ALIGN_UP(size, PG);

	if (!size || len < size)
		return -EINVAL;
	/* RAM must be page-aligned and sorted for "lowest" to mean anything. */
	memmap_sanitize(m);
	for (unsigned int i = 0; i < m->nr; i++) {
		const struct mem_region *r = &m->r[i];

		if (r->type != MEM_RAM || r->size < len)
			continue;
		/* The whole range, not just its first page, must lie below the
		 * limit: callers reach it through a mapping that ends there. */
		if (below && (r->base >= below || len > below - r->base))
			continue;
		/* Read the base first: reserving rewrites the array. */
		*base = r->base;
		memmap_reserve(m, *base, len);
		return 0;
	}
	return -ENOMEM;
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
	case MEM_KERNEL:
		return "kernel";
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
