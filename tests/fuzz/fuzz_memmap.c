/* libFuzzer target: mm/memmap.c fed arbitrary region lists.
 *
 * Input: a stream of 17-byte records, base (8 bytes LE), size (8 bytes LE)
 * and a control byte: bits 0-2 the type (0, 6, 7 are invalid), bit 6 folds
 * base and size into 16 MiB / 4 MiB so regions overlap often, bit 7 calls
 * memmap_reserve() instead of memmap_add(). Right after every reservation no
 * RAM may overlap its range, however full the map. Then memmap_sanitize(),
 * and the result is checked: sorted, non-overlapping, merged, RAM
 * page-aligned, nr <= MEMMAP_MAX, totals consistent, sanitize idempotent,
 * and every sampled address has the type the input says it should
 * (non-RAM wins, RAM only where RAM was reported and nothing else, the
 * kernel's type only inside the pages of a reservation, never in a hole). */
#include "kx.h"
#include <kernel/errno.h>
#include <kernel/memmap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(...)                                                                         \
	do {                                                                              \
		fprintf(stderr, "fuzz_memmap: " __VA_ARGS__);                             \
		fputc('\n', stderr);                                                      \
		dump(&m);                                                                 \
		abort();                                                                  \
	} while (0)

#define REC 17
#define MAXREC 512
#define PG 4096ULL

struct in_reg {
	u64 base, end; /* end exclusive, end > base */
	u32 type;
};

static struct memmap m, copy;
static struct in_reg in[MAXREC];
static struct in_reg resv[MAXREC]; /* reservations, rounded out to pages */
static unsigned int nresv;

static void dump(const struct memmap *mm)
{
	fprintf(stderr, "map: %u regions, %u dropped\n", mm->nr, mm->dropped);
	for (unsigned int i = 0; i < mm->nr && i < 40; i++)
		fprintf(stderr, "  %#llx-%#llx type %u\n", (unsigned long long)mm->r[i].base,
			(unsigned long long)(mm->r[i].base + mm->r[i].size), mm->r[i].type);
}

static u64 le64(const uint8_t *p)
{
	u64 v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static int rank(u32 t)
{
	return t == MEM_RAM ? 0 : (int)t;
}

static bool reserved_at(u64 a)
{
	for (unsigned int i = 0; i < nresv; i++)
		if (a >= resv[i].base && a <= resv[i].end - 1)
			return true;
	return false;
}

/* Any RAM in [lo, hi]? (inclusive, so a range up to 2^64 - 1 works) */
static bool ram_in(u64 lo, u64 hi)
{
	for (unsigned int i = 0; i < m.nr; i++)
		if (m.r[i].type == MEM_RAM && m.r[i].base <= hi &&
		    m.r[i].base + m.r[i].size - 1 >= lo)
			return true;
	return false;
}

/* Output type at address a, 0 if none. */
static u32 type_at(u64 a)
{
	for (unsigned int i = 0; i < m.nr; i++)
		if (a >= m.r[i].base && a - m.r[i].base < m.r[i].size)
			return m.r[i].type;
	return 0;
}

static void check_point(u64 a, unsigned int nin)
{
	int best = -1;
	u32 want = 0, got = type_at(a);

	for (unsigned int i = 0; i < nin; i++)
		if (a >= in[i].base && a < in[i].end && rank(in[i].type) > best) {
			best = rank(in[i].type);
			want = in[i].type;
		}
	if (want != MEM_RAM && got != want)
		FAIL("address %#llx: type %u, expected %u", (unsigned long long)a, got, want);
	/* RAM may only have been trimmed away or taken by a reservation,
	 * never invented or overridden otherwise. */
	if (want == MEM_RAM && got != MEM_RAM && got != 0 &&
	    !(got == MEM_KERNEL && reserved_at(a)))
		FAIL("address %#llx: RAM became type %u", (unsigned long long)a, got);
	if (got == MEM_RAM && want != MEM_RAM)
		FAIL("address %#llx: RAM, expected %u", (unsigned long long)a, want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned int nin = 0, invalid = 0;
	bool lost = false; /* something valid was dropped: skip the type oracle */
	u64 total = 0, end = 0;

	memset(&m, 0, sizeof(m));
	nresv = 0;
	for (size_t off = 0; off + REC <= size && nin < MAXREC && nresv < MAXREC; off += REC) {
		u64 base = le64(data + off), len = le64(data + off + 8);
		uint8_t ctl = data[off + 16];
		u32 type = ctl & 7;
		unsigned int d = m.dropped;
		int rc;

		if (ctl & 0x40) {
			base %= 16ULL << 20;
			len %= 4ULL << 20;
		}
		if (ctl & 0x80) {
			u64 lo = base & ~(PG - 1), last = base + len - 1;

			/* Cannot fail and never counts as an invalid entry. */
			memmap_reserve(&m, base, len);
			if (len == 0) {
				if (m.dropped != d)
					FAIL("reserve of size 0 dropped something");
				continue;
			}
			if (last < base)
				last = ~0ULL;
			last |= PG - 1;
			if (ram_in(lo, last))
				FAIL("RAM left in reserved %#llx+%#llx", (unsigned long long)base,
				     (unsigned long long)len);
			if (m.nr > MEMMAP_MAX)
				FAIL("nr %u > MEMMAP_MAX after reserve", m.nr);
			resv[nresv].base = lo;
			resv[nresv].end = last == ~0ULL ? ~0ULL : last + 1;
			nresv++;
			/* Regions dropped to make room (or by an overflowing
			 * sanitize) defeat the type oracle. */
			if (m.dropped != d)
				lost = true;
			continue;
		}
		rc = memmap_add(&m, base, len, type);
		{
			bool valid = len && base + len > base && type >= MEM_RAM &&
				     type <= MEM_UNUSABLE;

			if (!valid) {
				if (rc != -EINVAL || m.dropped != d + 1)
					FAIL("invalid %#llx+%#llx type %u: rc %d", (unsigned long long)base,
					     (unsigned long long)len, type, rc);
				invalid++;
				continue;
			}
			if (rc == -ENOSPC) {
				lost = true;
				continue;
			}
			if (rc != 0)
				FAIL("valid region refused: rc %d", rc);
		}
		in[nin].base = base;
		in[nin].end = base + len;
		in[nin].type = type;
		nin++;
	}

	{
		unsigned int d = m.dropped;

		memmap_sanitize(&m);
		if (m.dropped != d)
			lost = true;
	}
	if (m.dropped < invalid)
		FAIL("dropped %u < %u invalid entries", m.dropped, invalid);
	if (m.nr > MEMMAP_MAX)
		FAIL("nr %u > MEMMAP_MAX", m.nr);

	for (unsigned int i = 0; i < m.nr; i++) {
		const struct mem_region *r = &m.r[i];

		if (r->size == 0 || r->base + r->size < r->base)
			FAIL("region %u empty or wrapping", i);
		if (r->type < MEM_RAM || r->type > MEM_KERNEL)
			FAIL("region %u has type %u", i, r->type);
		if (r->type == MEM_KERNEL &&
		    (!reserved_at(r->base) || !reserved_at(r->base + r->size - 1)))
			FAIL("region %u is the kernel's outside any reservation", i);
		if (r->type == MEM_RAM) {
			if ((r->base | r->size) & (PG - 1))
				FAIL("RAM region %u not page-aligned", i);
			total += r->size;
			if (r->base + r->size > end)
				end = r->base + r->size;
		}
		if (i) {
			const struct mem_region *p = &m.r[i - 1];

			if (p->base + p->size > r->base)
				FAIL("regions %u and %u unsorted or overlapping", i - 1, i);
			if (p->base + p->size == r->base && p->type == r->type)
				FAIL("adjacent regions %u and %u of one type not merged", i - 1, i);
		}
	}
	if (memmap_ram_total(&m) != total)
		FAIL("ram_total %#llx, expected %#llx", (unsigned long long)memmap_ram_total(&m),
		     (unsigned long long)total);
	if (memmap_ram_end(&m) != end)
		FAIL("ram_end %#llx, expected %#llx", (unsigned long long)memmap_ram_end(&m),
		     (unsigned long long)end);

	if (!lost) {
		for (unsigned int i = 0; i < nin; i++) {
			check_point(in[i].base, nin);
			check_point(in[i].end - 1, nin);
			if (in[i].base)
				check_point(in[i].base - 1, nin);
			check_point(in[i].end, nin);
		}
		for (unsigned int i = 0; i < nresv; i++) {
			check_point(resv[i].base, nin);
			check_point(resv[i].end - 1, nin);
		}
		for (unsigned int i = 0; i < m.nr; i++) {
			check_point(m.r[i].base, nin);
			check_point(m.r[i].base + m.r[i].size - 1, nin);
		}
	}

	memcpy(&copy, &m, sizeof(m));
	memmap_sanitize(&m);
	if (m.nr != copy.nr || m.dropped != copy.dropped ||
	    memcmp(m.r, copy.r, m.nr * sizeof(m.r[0])))
		FAIL("sanitize is not idempotent");
	return 0;
}
