/* MBR and GPT partition tables; see include/kernel/partition.h for the
 * contract and docs/lib-parsers.md for the rules. Everything read from
 * the disk is untrusted: fields are loaded byte by byte, every range is
 * checked by subtraction against the disk before it is used, each read
 * stays below disk_blocks, and every walk has a fixed bound. Pure code
 * (no allocation, no kernel services), also built for the host tests
 * (tests/unit/test_partition.c, tests/fuzz/fuzz_partition.c). */
#include <kernel/partition.h>
#include <kernel/crc32.h>
#include <kernel/errno.h>

#define PART_BUF_SIZE 4096u
#define PART_DISK_BLOCKS_LIMIT (1ULL << 61)    /* * 8 sectors must fit a u64 */

#define MBR_TABLE 446u            /* four 16-byte entries */
#define MBR_ENTRY 16u
#define MBR_SIG 510u              /* 0x55 0xAA */
#define MBR_TYPE_GPT 0xeeu

#define GPT_HDR_MIN 92u
#define GPT_ENTRY_MIN 128u
#define GPT_ENTRY_MAX 4096u
#define GPT_ENTRY_USED 48u        /* type GUID, unique GUID, first, last */

struct part_state {
	part_read_t read;
	void *ctx;
	u64 disk_blocks;
	unsigned int lbs;
	unsigned int spb;          /* 512-byte sectors per logical block */
	u8 *buf;                   /* PART_BUF_SIZE bytes */
	struct part_entry *out;
	unsigned int max;
	unsigned int n;            /* entries in out */
	unsigned int dropped;
};

struct gpt_hdr {
	u64 first, last;           /* usable LBAs, inclusive */
	u64 array_lba;
	u32 nr_entries, entry_size, array_crc;
};

static u32 get32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static u64 get64(const u8 *p)
{
	return (u64)get32(p) | (u64)get32(p + 4) << 32;
}

static void copy_bytes(u8 *d, const u8 *s, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		d[i] = s[i];
}

static int read_block(struct part_state *st, u64 lba)
{
	int rc;

	if (lba >= st->disk_blocks)
		return -EIO;    /* unreachable: every caller checks first */
	rc = st->read(st->ctx, lba, st->buf, 1);
	return rc > 0 ? -EIO : rc;    /* a positive value breaks the contract */
}

/* [start, start + nr) lies within [lo, lo + len) (all in blocks). */
static bool range_within(u64 start, u64 nr, u64 lo, u64 len)
{
	return start >= lo && start - lo <= len && nr <= len - (start - lo);
}

static bool overlaps(u64 a, u64 na, u64 b, u64 nb)
{
	return a < b + nb && b < a + na;
}

/* Does [start, start + nr) blocks overlap an entry already accepted? */
static bool overlaps_accepted(const struct part_state *st, u64 start, u64 nr)
{
	u64 s = start * st->spb, n = nr * st->spb;

	for (unsigned int i = 0; i < st->n; i++)
		if (overlaps(s, n, st->out[i].start, st->out[i].nr_sectors))
			return true;
	return false;
}

/* Accept an entry whose range (in blocks, non-empty) was checked against
 * the disk: drop it if it overlaps an accepted one or out is full. */
static void add_entry(struct part_state *st, u64 start, u64 nr, unsigned int number,
		      u8 mbr_type, const u8 *gpt_type)
{
	struct part_entry *e;

	if (overlaps_accepted(st, start, nr) || st->n >= st->max) {
		st->dropped++;
		return;
	}
	e = &st->out[st->n++];
	e->start = start * st->spb;
	e->nr_sectors = nr * st->spb;
	e->number = number;
	e->mbr_type = mbr_type;
	for (unsigned int i = 0; i < 16; i++)
		e->gpt_type[i] = gpt_type ? gpt_type[i] : 0;
}

/* ---------------------------------------------------------------- MBR */

static bool mbr_is_extended(u8 type)
{
	return type == 0x05 || type == 0x0f || type == 0x85;
}

static bool mbr_signed(const u8 *b)
{
	return b[MBR_SIG] == 0x55 && b[MBR_SIG + 1] == 0xaa;
}

/* Follow the chain of extended boot records in the container
 * [ext, ext + ext_nr): each EBR's first entry is a logical partition
 * (start relative to the EBR), its second the link to the next EBR (start
 * relative to the container). A bad link ends the chain and counts as one
 * dropped entry: no signature, a link of another type, a link outside the
 * container, an EBR seen before (a loop), or more than PART_EBR_MAX EBRs. */
static int mbr_walk_ebrs(struct part_state *st, u64 ext, u64 ext_nr)
{
	u32 visited[PART_EBR_MAX];
	unsigned int nr_visited = 0, number = 5;
	u64 ebr = ext;

	for (;;) {
		u8 ent[2 * MBR_ENTRY];
		u32 rel = (u32)(ebr - ext);    /* < ext_nr < 2^32 */
		u64 start, nr;
		u8 type;
		int rc;

		if (nr_visited == PART_EBR_MAX) {
			st->dropped++;
			return 0;
		}
		for (unsigned int i = 0; i < nr_visited; i++) {
			if (visited[i] == rel) {
				st->dropped++;
				return 0;
			}
		}
		visited[nr_visited++] = rel;

		rc = read_block(st, ebr);
		if (rc)
			return rc;
		if (!mbr_signed(st->buf)) {
			st->dropped++;
			return 0;
		}
		copy_bytes(ent, st->buf + MBR_TABLE, sizeof(ent));

		/* The logical partition. */
		type = ent[4];
		start = get32(ent + 8);
		nr = get32(ent + 12);
		if (type) {
			unsigned int num = number++;

			if (mbr_is_extended(type) || !nr || !start)
				st->dropped++;
			else if (!range_within(ebr + start, nr, ext, ext_nr))
				st->dropped++;
			else
				add_entry(st, ebr + start, nr, num, type, NULL);
		}

		/* The link. */
		type = ent[MBR_ENTRY + 4];
		start = get32(ent + MBR_ENTRY + 8);
		if (!type)
			return 0;
		if (!mbr_is_extended(type) || start >= ext_nr) {
			st->dropped++;
			return 0;
		}
		ebr = ext + start;
	}
}

/* st->buf holds LBA 0, signed, with sane status bytes. Primaries are
 * checked for overlap against each other here, not only against out, so
 * that whether the container is followed never depends on max. */
static int mbr_parse(struct part_state *st)
{
	u8 tab[4 * MBR_ENTRY];
	u64 pstart[4], pnr[4];
	unsigned int np = 0;
	u64 ext = 0, ext_nr = 0;
	bool have_ext = false;

	copy_bytes(tab, st->buf + MBR_TABLE, sizeof(tab));
	for (unsigned int i = 0; i < 4; i++) {
		const u8 *e = tab + i * MBR_ENTRY;
		u8 type = e[4];
		u64 start = get32(e + 8), nr = get32(e + 12);
		bool clash = false;

		if (!type)
			continue;
		/* Empty, covering the MBR itself, or past the end of the disk. */
		if (!nr || !start || !range_within(start, nr, 0, st->disk_blocks)) {
			st->dropped++;
			continue;
		}
		for (unsigned int j = 0; j < np; j++)
			clash |= overlaps(start, nr, pstart[j], pnr[j]);
		if (mbr_is_extended(type)) {
			/* A container, not reported itself; only the first
			 * is followed. */
			if (have_ext || clash) {
				st->dropped++;
				continue;
			}
			have_ext = true;
			ext = start;
			ext_nr = nr;
			continue;
		}
		if (clash || (have_ext && overlaps(start, nr, ext, ext_nr))) {
			st->dropped++;
			continue;
		}
		pstart[np] = start;
		pnr[np++] = nr;
		add_entry(st, start, nr, i + 1, type, NULL);
	}
	return have_ext ? mbr_walk_ebrs(st, ext, ext_nr) : 0;
}

/* ---------------------------------------------------------------- GPT */

/* Read and check the GPT header at lba: 1 valid (h filled), 0 invalid,
 * -errno from the read. */
static int gpt_read_header(struct part_state *st, u64 lba, struct gpt_hdr *h)
{
	static const u8 zero4[4];
	const u8 *b = st->buf;
	u32 hsize, crc;
	u64 my_lba, array_bytes, array_blocks;
	int rc;

	rc = read_block(st, lba);
	if (rc)
		return rc;
	if (b[0] != 'E' || b[1] != 'F' || b[2] != 'I' || b[3] != ' ' || b[4] != 'P' ||
	    b[5] != 'A' || b[6] != 'R' || b[7] != 'T')
		return 0;
	hsize = get32(b + 12);
	if (hsize < GPT_HDR_MIN || hsize > st->lbs)
		return 0;
	/* The CRC covers hsize bytes with its own field taken as zero. */
	crc = crc32(0, b, 16);
	crc = crc32(crc, zero4, 4);
	crc = crc32(crc, b + 20, hsize - 20);
	if (crc != get32(b + 16))
		return 0;

	my_lba = get64(b + 24);
	h->first = get64(b + 40);
	h->last = get64(b + 48);
	h->array_lba = get64(b + 72);
	h->nr_entries = get32(b + 80);
	h->entry_size = get32(b + 84);
	h->array_crc = get32(b + 88);

	if (my_lba != lba)
		return 0;
	/* The usable area: inside the disk, clear of LBA 0 and the header. */
	if (h->first == 0 || h->first > h->last || h->last >= st->disk_blocks ||
	    (lba >= h->first && lba <= h->last))
		return 0;
	if (h->entry_size < GPT_ENTRY_MIN || h->entry_size > GPT_ENTRY_MAX ||
	    h->entry_size % 8 || h->nr_entries > PART_GPT_ENTRIES_MAX)
		return 0;
	array_bytes = (u64)h->nr_entries * h->entry_size;
	if (array_bytes > PART_GPT_ARRAY_MAX)
		return 0;
	/* The entry array: inside the disk, clear of LBA 0, the header and
	 * the usable area. */
	array_blocks = DIV_ROUND_UP(array_bytes, st->lbs);
	if (array_blocks) {
		if (h->array_lba == 0 || !range_within(h->array_lba, array_blocks, 0, st->disk_blocks))
			return 0;
		if (overlaps(h->array_lba, array_blocks, lba, 1) ||
		    overlaps(h->array_lba, array_blocks, h->first, h->last - h->first + 1))
			return 0;
	}
	return 1;
}

static void gpt_entry(struct part_state *st, const struct gpt_hdr *h, const u8 *ent,
		      unsigned int slot)
{
	u64 first = get64(ent + 32), last = get64(ent + 40);
	bool used = false;

	for (unsigned int i = 0; i < 16; i++)
		used |= ent[i] != 0;
	if (!used)
		return;
	if (first > last || first < h->first || last > h->last) {
		st->dropped++;
		return;
	}
	add_entry(st, first, last - first + 1, slot + 1, 0, ent);
}

/* Parse the GPT whose header is at lba: 1 if valid (entries in st), 0 if
 * not (st's entries reset), -errno from a read. */
static int gpt_parse(struct part_state *st, u64 lba)
{
	struct gpt_hdr h = { 0 };
	u8 ent[GPT_ENTRY_USED];
	u64 total, pos = 0;
	u32 crc = 0;
	int rc;

	st->n = 0;
	st->dropped = 0;
	rc = gpt_read_header(st, lba, &h);
	if (rc <= 0)
		return rc;

	/* Stream the array one block at a time: the CRC over all of it, and
	 * the first GPT_ENTRY_USED bytes of each entry (which may straddle
	 * blocks) gathered in ent. Entries are accepted tentatively and
	 * forgotten if the CRC turns out wrong. */
	total = (u64)h.nr_entries * h.entry_size;
	for (u64 blk = 0; pos < total; blk++) {
		u32 chunk = total - pos < st->lbs ? (u32)(total - pos) : st->lbs;

		rc = read_block(st, h.array_lba + blk);
		if (rc)
			return rc;
		crc = crc32(crc, st->buf, chunk);
		for (u32 i = 0; i < chunk; i++, pos++) {
			u32 off = (u32)(pos % h.entry_size);

			if (off < GPT_ENTRY_USED)
				ent[off] = st->buf[i];
			if (off == GPT_ENTRY_USED - 1)
				gpt_entry(st, &h, ent, (unsigned int)(pos / h.entry_size));
		}
	}
	if (crc != h.array_crc) {
		st->n = 0;
		st->dropped = 0;
		return 0;
	}
	return 1;
}

/* ---------------------------------------------------------------- entry */

int part_parse(part_read_t read, void *ctx, u64 disk_blocks, unsigned int lbs,
	       struct part_entry *out, unsigned int max, enum part_scheme *scheme,
	       unsigned int *dropped)
{
	u8 buf[PART_BUF_SIZE] __aligned(512);
	struct part_state st = {
		.read = read, .ctx = ctx, .disk_blocks = disk_blocks, .lbs = lbs,
		.spb = lbs / 512, .buf = buf, .out = out, .max = out ? max : 0,
	};
	enum part_scheme found = PART_NONE;
	bool protective = false;
	int rc;

	if (scheme)
		*scheme = PART_NONE;
	if (dropped)
		*dropped = 0;
	if ((lbs != 512 && lbs != 4096) || disk_blocks >= PART_DISK_BLOCKS_LIMIT)
		return -EINVAL;
	if (!disk_blocks)
		return 0;

	rc = read_block(&st, 0);
	if (rc)
		return rc;
	if (!mbr_signed(buf))
		return 0;
	/* Status bytes other than 0x00 and 0x80: a boot sector that is not
	 * an MBR (a FAT volume, say). */
	for (unsigned int i = 0; i < 4; i++) {
		const u8 *e = buf + MBR_TABLE + i * MBR_ENTRY;

		if (e[0] != 0x00 && e[0] != 0x80)
			return 0;
		if (e[4] == MBR_TYPE_GPT && get32(e + 8) == 1)
			protective = true;
	}

	if (protective) {
		rc = disk_blocks > 1 ? gpt_parse(&st, 1) : 0;
		if (rc == 0 && disk_blocks > 2)
			rc = gpt_parse(&st, disk_blocks - 1);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return 0;
		found = PART_GPT;
	} else {
		rc = mbr_parse(&st);
		if (rc < 0)
			return rc;
		found = PART_MBR;
	}
	if (scheme)
		*scheme = found;
	if (dropped)
		*dropped = st.dropped;
	return (int)st.n;
}
