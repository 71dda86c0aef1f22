/* Host tests for lib/partition.c (part_parse): MBR primaries, the
 * extended chain (numbering, loops, links outside the container, missing
 * signatures, the walk bound), GPT with 512- and 4096-byte blocks (every
 * header check made to fail alone, with a correct CRC, both with and
 * without a good backup; entry arrays whose CRC is wrong; entries outside
 * the usable area, reversed, overlapping, unused; entry sizes that
 * straddle blocks), the caller's maximum and the dropped count, read
 * errors, and every disk size below the image's. The disk is read through
 * a callback that fails the test on any read at or past the end of the
 * disk or of more than one block; the GPT CRCs are computed here with a
 * bit-at-a-time reference, not with lib/crc32.c. */
#include <kernel/errno.h>
#include <kernel/partition.h>
#include <stdlib.h>
#include <string.h>
#include "test.h"

/* ---------------------------------------------------------------- disk */

struct disk {
	u8 *img;              /* img_blocks * lbs bytes; reads past it give zeros */
	u64 img_blocks;
	u64 blocks;           /* what part_parse is told */
	unsigned int lbs;
	u64 fail_lba;         /* this read returns fail_rc */
	int fail_rc;
	unsigned int reads;
	bool bad_read;
};

static void disk_init(struct disk *d, u64 blocks, unsigned int lbs)
{
	memset(d, 0, sizeof(*d));
	d->img = calloc(blocks, lbs);
	if (!d->img)
		abort();
	d->img_blocks = d->blocks = blocks;
	d->lbs = lbs;
	d->fail_lba = ~0ULL;
}

static void disk_free(struct disk *d)
{
	free(d->img);
}

static u8 *blk(struct disk *d, u64 lba)
{
	return d->img + lba * d->lbs;
}

static int disk_read(void *ctx, u64 lba, void *buf, unsigned int nr)
{
	struct disk *d = ctx;

	d->reads++;
	if (lba >= d->blocks || nr != 1) {
		d->bad_read = true;
		return -EIO;
	}
	if (lba == d->fail_lba)
		return d->fail_rc;
	if (lba < d->img_blocks)
		memcpy(buf, blk(d, lba), d->lbs);
	else
		memset(buf, 0, d->lbs);
	return 0;
}

struct result {
	int rc;
	enum part_scheme scheme;
	unsigned int dropped;
	struct part_entry e[PART_MAX];
};

static struct result parse_max(struct disk *d, unsigned int max)
{
	struct result r;

	memset(&r, 0x5a, sizeof(r));
	d->reads = 0;
	d->bad_read = false;
	r.rc = part_parse(disk_read, d, d->blocks, d->lbs, r.e, max, &r.scheme, &r.dropped);
	CHECK_MSG(!d->bad_read, "a read at or past block %llu or of several blocks",
		  (unsigned long long)d->blocks);
	return r;
}

static struct result parse(struct disk *d)
{
	return parse_max(d, PART_MAX);
}

#define CHECK_ENTRY(r, i, num, st, nr)                                                    \
	do {                                                                              \
		CHECK_EQ((r).e[i].number, (num));                                         \
		CHECK_EQ((r).e[i].start, (st));                                           \
		CHECK_EQ((r).e[i].nr_sectors, (nr));                                      \
	} while (0)

/* ---------------------------------------------------------------- MBR */

static void mbr_set(u8 *b, unsigned int slot, u8 status, u8 type, u32 start, u32 nr)
{
	u8 *e = b + 446 + 16 * slot;

	e[0] = status;
	e[4] = type;
	xt_put32(e + 8, start);
	xt_put32(e + 12, nr);
	b[510] = 0x55;
	b[511] = 0xaa;
}

TEST(test_mbr_primaries)
{
	struct disk d;
	struct result r;

	disk_init(&d, 1000, 512);
	mbr_set(blk(&d, 0), 0, 0x80, 0x83, 63, 100);
	mbr_set(blk(&d, 0), 1, 0x00, 0x07, 200, 300);
	mbr_set(blk(&d, 0), 2, 0x00, 0x82, 500, 1);
	mbr_set(blk(&d, 0), 3, 0x00, 0x0c, 999, 1);    /* the last block */
	r = parse(&d);
	CHECK_EQ(r.rc, 4);
	CHECK_EQ(r.scheme, PART_MBR);
	CHECK_EQ(r.dropped, 0);
	CHECK_ENTRY(r, 0, 1, 63, 100);
	CHECK_ENTRY(r, 1, 2, 200, 300);
	CHECK_ENTRY(r, 2, 3, 500, 1);
	CHECK_ENTRY(r, 3, 4, 999, 1);
	CHECK_EQ(r.e[0].mbr_type, 0x83);
	CHECK_EQ(r.e[3].mbr_type, 0x0c);
	for (int i = 0; i < 16; i++)
		CHECK_EQ(r.e[1].gpt_type[i], 0);
	CHECK_EQ(d.reads, 1);

	/* The caller's maximum: the rest are dropped. */
	r = parse_max(&d, 2);
	CHECK_EQ(r.rc, 2);
	CHECK_EQ(r.dropped, 2);
	r = parse_max(&d, 0);
	CHECK_EQ(r.rc, 0);
	CHECK_EQ(r.scheme, PART_MBR);
	CHECK_EQ(r.dropped, 4);
	CHECK_EQ(part_parse(disk_read, &d, d.blocks, 512, NULL, 4, NULL, NULL), 0);

	/* 4096-byte blocks: the table counts blocks, entries are in sectors. */
	disk_free(&d);
	disk_init(&d, 100, 4096);
	mbr_set(blk(&d, 0), 0, 0, 0x83, 1, 10);
	mbr_set(blk(&d, 0), 1, 0, 0x83, 11, 89);
	r = parse(&d);
	CHECK_EQ(r.rc, 2);
	CHECK_ENTRY(r, 0, 1, 8, 80);
	CHECK_ENTRY(r, 1, 2, 88, 712);
	disk_free(&d);
}

TEST(test_mbr_not_a_table)
{
	struct disk d;
	struct result r;

	disk_init(&d, 100, 512);
	r = parse(&d);                     /* all zeros */
	CHECK_EQ(r.rc, 0);
	CHECK_EQ(r.scheme, PART_NONE);
	CHECK_EQ(r.dropped, 0);
	mbr_set(blk(&d, 0), 0, 0, 0x83, 1, 10);
	blk(&d, 0)[511] = 0xab;            /* signature */
	r = parse(&d);
	CHECK_EQ(r.rc, 0);
	CHECK_EQ(r.scheme, PART_NONE);
	blk(&d, 0)[511] = 0xaa;
	blk(&d, 0)[446 + 48] = 0x01;       /* a status byte of slot 3 */
	r = parse(&d);
	CHECK_EQ(r.rc, 0);
	CHECK_EQ(r.scheme, PART_NONE);
	blk(&d, 0)[446 + 48] = 0x80;
	r = parse(&d);
	CHECK_EQ(r.rc, 1);
	CHECK_EQ(r.scheme, PART_MBR);
	/* A signed MBR without entries is an empty MBR. */
	memset(blk(&d, 0), 0, 510);
	r = parse(&d);
	CHECK_EQ(r.rc, 0);
	CHECK_EQ(r.scheme, PART_MBR);
	CHECK_EQ(r.dropped, 0);
	disk_free(&d);
}

TEST(test_mbr_dropped)
{
	struct disk d;
	struct result r;

	disk_init(&d, 1000, 512);
	mbr_set(blk(&d, 0), 0, 0, 0x83, 10, 0);        /* empty */
	mbr_set(blk(&d, 0), 1, 0, 0x83, 0, 10);        /* covers the MBR */
	mbr_set(blk(&d, 0), 2, 0, 0x83, 990, 11);      /* one block past the end */
	mbr_set(blk(&d, 0), 3, 0, 0x83, 0xffffffffu, 0xffffffffu);
	r = parse(&d);
	CHECK_EQ(r.rc, 0);
	CHECK_EQ(r.scheme, PART_MBR);
	CHECK_EQ(r.dropped, 4);

	memset(blk(&d, 0), 0, 512);
	mbr_set(blk(&d, 0), 0, 0, 0x83, 100, 100);
	mbr_set(blk(&d, 0), 1, 0, 0x83, 199, 10);      /* overlaps the first by one */
	mbr_set(blk(&d, 0), 2, 0, 0x83, 50, 50);       /* ends just before it */
	mbr_set(blk(&d, 0), 3, 0, 0x83, 60, 1);        /* inside the third */
	r = parse(&d);
	CHECK_EQ(r.rc, 2);
	CHECK_EQ(r.dropped, 2);
	CHECK_ENTRY(r, 0, 1, 100, 100);
	CHECK_ENTRY(r, 1, 3, 50, 50);

	/* Disk sizes around the end of the last partition. */
	memset(blk(&d, 0), 0, 512);
	mbr_set(blk(&d, 0), 0, 0, 0x83, 1, 999);
	r = parse(&d);
	CHECK_EQ(r.rc, 1);
	d.blocks = 999;
	r = parse(&d);
	CHECK_EQ(r.rc, 0);
	CHECK_EQ(r.dropped, 1);
	disk_free(&d);
}

/* ---------------------------------------------------------------- EBRs */

/* An EBR at lba: a logical at lba + rel of nr blocks (type 0: none), a
 * link to container + next (0: none). */
static void ebr_set(struct disk *d, u64 lba, u8 type, u32 rel, u32 nr, u8 link_type, u32 next,
		    u32 next_nr)
{
	u8 *b = blk(d, lba);

	memset(b, 0, 512);
	mbr_set(b, 0, 0, type, rel, nr);
	if (link_type)
		mbr_set(b, 1, 0, link_type, next, next_nr);
}

static void chain_disk(struct disk *d)
{
	disk_init(d, 400, 512);
	mbr_set(blk(d, 0), 0, 0, 0x83, 1, 99);
	mbr_set(blk(d, 0), 1, 0, 0x0f, 100, 100);      /* container 100..199 */
	mbr_set(blk(d, 0), 2, 0, 0x83, 200, 100);
	ebr_set(d, 100, 0x83, 1, 9, 0x05, 20, 12);      /* 101..109 */
	ebr_set(d, 120, 0x07, 2, 10, 0x05, 40, 60);     /* 122..131 */
	ebr_set(d, 140, 0x82, 1, 59, 0, 0, 0);          /* 141..199 */
}

TEST(test_ebr_chain)
{
	struct disk d;
	struct result r;

	chain_disk(&d);
	r = parse(&d);
	CHECK_EQ(r.rc, 5);
	CHECK_EQ(r.scheme, PART_MBR);
	CHECK_EQ(r.dropped, 0);
	CHECK_ENTRY(r, 0, 1, 1, 99);
	CHECK_ENTRY(r, 1, 3, 200, 100);
	CHECK_ENTRY(r, 2, 5, 101, 9);
	CHECK_ENTRY(r, 3, 6, 122, 10);
	CHECK_ENTRY(r, 4, 7, 141, 59);
	CHECK_EQ(r.e[3].mbr_type, 0x07);
	CHECK_EQ(d.reads, 4);

	/* A loop back to the second EBR: the third logical counts, then the
	 * walk stops with one dropped. */
	ebr_set(&d, 140, 0x82, 1, 59, 0x05, 20, 1);
	r = parse(&d);
	CHECK_EQ(r.rc, 5);
	CHECK_EQ(r.dropped, 1);
	CHECK_EQ(d.reads, 4);
	/* A link to itself and to the first EBR. */
	ebr_set(&d, 140, 0x82, 1, 59, 0x85, 40, 1);
	r = parse(&d);
	CHECK_EQ(r.rc, 5);
	CHECK_EQ(r.dropped, 1);
	ebr_set(&d, 140, 0x82, 1, 59, 0x05, 0, 1);
	r = parse(&d);
	CHECK_EQ(r.rc, 5);
	CHECK_EQ(r.dropped, 1);
	/* A link outside the container or of another type. */
	ebr_set(&d, 140, 0x82, 1, 59, 0x05, 100, 1);
	r = parse(&d);
	CHECK_EQ(r.rc, 5);
	CHECK_EQ(r.dropped, 1);
	CHECK_EQ(d.reads, 4);
	ebr_set(&d, 140, 0x82, 1, 59, 0x83, 50, 1);
	r = parse(&d);
	CHECK_EQ(r.rc, 5);
	CHECK_EQ(r.dropped, 1);
	/* A logical reaching past the container: dropped, number used. */
	ebr_set(&d, 120, 0x07, 2, 79, 0x05, 40, 60);
	ebr_set(&d, 140, 0x82, 1, 59, 0, 0, 0);
	r = parse(&d);
	CHECK_EQ(r.rc, 4);
	CHECK_EQ(r.dropped, 1);
	CHECK_ENTRY(r, 3, 7, 141, 59);
	/* A logical at offset 0 (over its own EBR), and one of extended type. */
	ebr_set(&d, 120, 0x07, 0, 5, 0x05, 40, 60);
	r = parse(&d);
	CHECK_EQ(r.rc, 4);
	CHECK_EQ(r.dropped, 1);
	ebr_set(&d, 120, 0x05, 2, 5, 0x05, 40, 60);
	r = parse(&d);
	CHECK_EQ(r.rc, 4);
	CHECK_EQ(r.dropped, 1);
	/* A logical overlapping the previous one. */
	ebr_set(&d, 120, 0x07, 2, 10, 0x05, 40, 60);
	ebr_set(&d, 140, 0x82, 1, 59, 0, 0, 0);
	ebr_set(&d, 100, 0x83, 1, 30, 0x05, 20, 12);    /* 101..130 */
	r = parse(&d);
	CHECK_EQ(r.rc, 4);
	CHECK_EQ(r.dropped, 1);
	CHECK_ENTRY(r, 2, 5, 101, 30);
	CHECK_ENTRY(r, 3, 7, 141, 59);
	/* An unused logical slot takes no number. */
	ebr_set(&d, 100, 0, 0, 0, 0x05, 20, 12);
	r = parse(&d);
	CHECK_EQ(r.rc, 4);
	CHECK_EQ(r.dropped, 0);
	CHECK_ENTRY(r, 2, 5, 122, 10);
	CHECK_ENTRY(r, 3, 6, 141, 59);
	/* An EBR without a signature ends the chain. */
	blk(&d, 120)[510] = 0;
	r = parse(&d);
	CHECK_EQ(r.rc, 2);
	CHECK_EQ(r.dropped, 1);
	disk_free(&d);
}

TEST(test_ebr_container)
{
	struct disk d;
	struct result r;

	chain_disk(&d);
	/* A second container is dropped, its chain not walked. */
	mbr_set(blk(&d, 0), 3, 0, 0x05, 300, 50);
	ebr_set(&d, 300, 0x83, 1, 10, 0, 0, 0);
	r = parse(&d);
	CHECK_EQ(r.rc, 5);
	CHECK_EQ(r.dropped, 1);
	CHECK_EQ(d.reads, 4);
	/* A primary overlapping the container. */
	mbr_set(blk(&d, 0), 3, 0, 0x83, 150, 10);
	r = parse(&d);
	CHECK_EQ(r.rc, 5);
	CHECK_EQ(r.dropped, 1);
	/* A container overlapping an earlier primary, or past the disk. */
	memset(blk(&d, 0), 0, 512);
	mbr_set(blk(&d, 0), 0, 0, 0x83, 1, 100);
	mbr_set(blk(&d, 0), 1, 0, 0x05, 100, 100);
	r = parse(&d);
	CHECK_EQ(r.rc, 1);
	CHECK_EQ(r.dropped, 1);
	CHECK_EQ(d.reads, 1);
	/* The same when the primary is not stored for lack of room: the
	 * container decision never depends on max. */
	ebr_set(&d, 100, 0x83, 1, 9, 0, 0, 0);
	r = parse_max(&d, 0);
	CHECK_EQ(r.rc, 0);
	CHECK_EQ(r.dropped, 2);
	CHECK_EQ(d.reads, 1);
	mbr_set(blk(&d, 0), 0, 0, 0x83, 1, 99);
	mbr_set(blk(&d, 0), 1, 0, 0x05, 100, 301);
	r = parse(&d);
	CHECK_EQ(r.rc, 1);
	CHECK_EQ(r.dropped, 1);
	disk_free(&d);
}

TEST(test_ebr_bound)
{
	struct disk d;
	struct part_entry out[100];
	enum part_scheme scheme;
	unsigned int dropped;
	int rc;

	/* 70 EBRs, each followed by a one-block logical. */
	disk_init(&d, 200, 512);
	mbr_set(blk(&d, 0), 0, 0, 0x05, 2, 150);
	for (u32 i = 0; i < 70; i++)
		ebr_set(&d, 2 + 2 * i, 0x83, 1, 1, i + 1 < 70 ? 0x05 : 0, 2 * (i + 1), 2);
	rc = part_parse(disk_read, &d, d.blocks, 512, out, 100, &scheme, &dropped);
	CHECK_EQ(rc, PART_EBR_MAX);
	CHECK_EQ(dropped, 1);
	CHECK_EQ(d.reads, 1 + PART_EBR_MAX);
	CHECK_EQ(out[PART_EBR_MAX - 1].number, 4 + PART_EBR_MAX);
	CHECK_EQ(out[PART_EBR_MAX - 1].start, 2 + 2 * (PART_EBR_MAX - 1) + 1);
	/* With the usual maximum the rest are dropped too. */
	{
		struct result r = parse(&d);

		CHECK_EQ(r.rc, PART_MAX);
		CHECK_EQ(r.dropped, PART_EBR_MAX - PART_MAX + 1);
	}
	disk_free(&d);
}

/* ---------------------------------------------------------------- GPT */

static u32 ref_crc(const u8 *p, size_t n)
{
	u32 c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0xedb88320u : c >> 1;
	}
	return ~c;
}

struct gent {
	unsigned int slot;
	u8 tag;               /* the type GUID's first byte (0: unused slot) */
	u64 first, last;
};

struct gpt_layout {
	u32 nents, esize;
	u64 array_blocks;
};

static void gpt_header_crc(u8 *h)
{
	xt_put32(h + 16, 0);
	xt_put32(h + 16, ref_crc(h, 92));
}

/* One copy: the array at array_lba, the header at hdr_lba. */
static void gpt_copy(struct disk *d, const struct gpt_layout *l, u64 hdr_lba, u64 alt_lba,
		     u64 array_lba, u64 first, u64 last, const struct gent *e, unsigned int n)
{
	size_t bytes = (size_t)l->nents * l->esize;
	u8 *arr = calloc(1, bytes + 1), *h = blk(d, hdr_lba);

	if (!arr)
		abort();
	for (unsigned int i = 0; i < n; i++) {
		u8 *p = arr + (size_t)e[i].slot * l->esize;

		for (int k = 0; k < 16; k++)
			p[k] = e[i].tag ? (u8)(e[i].tag + k) : 0;
		for (int k = 16; k < 32; k++)
			p[k] = (u8)(0xa0 + k);
		xt_put64(p + 32, e[i].first);
		xt_put64(p + 40, e[i].last);
		p[56] = 'p';
	}
	memcpy(blk(d, array_lba), arr, bytes);
	memset(h, 0, d->lbs);
	memcpy(h, "EFI PART", 8);
	xt_put32(h + 8, 0x00010000);
	xt_put32(h + 12, 92);
	xt_put64(h + 24, hdr_lba);
	xt_put64(h + 32, alt_lba);
	xt_put64(h + 40, first);
	xt_put64(h + 48, last);
	for (int k = 0; k < 16; k++)
		h[56 + k] = (u8)(0x10 + k);
	xt_put64(h + 72, array_lba);
	xt_put32(h + 80, l->nents);
	xt_put32(h + 84, l->esize);
	xt_put32(h + 88, ref_crc(arr, bytes));
	gpt_header_crc(h);
	free(arr);
}

/* A protective MBR and both copies, the usual layout. */
static struct gpt_layout gpt_build(struct disk *d, u32 nents, u32 esize, const struct gent *e,
				   unsigned int n)
{
	struct gpt_layout l = { nents, esize, 0 };
	u64 last_lba = d->img_blocks - 1;

	l.array_blocks = ((u64)nents * esize + d->lbs - 1) / d->lbs;
	memset(blk(d, 0), 0, d->lbs);
	mbr_set(blk(d, 0), 0, 0, 0xee, 1, (u32)(last_lba < 0xffffffffu ? last_lba : 0xffffffffu));
	gpt_copy(d, &l, 1, last_lba, 2, 2 + l.array_blocks, last_lba - 1 - l.array_blocks, e, n);
	gpt_copy(d, &l, last_lba, 1, last_lba - l.array_blocks, 2 + l.array_blocks,
		 last_lba - 1 - l.array_blocks, e, n);
	return l;
}

static const struct gent three[] = {
	{ 0, 0x28, 10, 19 },
	{ 1, 0xaf, 20, 20 },
	{ 5, 0x0f, 30, 59 },
};

static void check_three(struct result r, unsigned int spb)
{
	CHECK_EQ(r.rc, 3);
	CHECK_EQ(r.scheme, PART_GPT);
	CHECK_EQ(r.dropped, 0);
	CHECK_ENTRY(r, 0, 1, 10 * spb, 10 * spb);
	CHECK_ENTRY(r, 1, 2, 20 * spb, 1 * spb);
	CHECK_ENTRY(r, 2, 6, 30 * spb, 30 * spb);
	CHECK_EQ(r.e[0].mbr_type, 0);
	CHECK_EQ(r.e[1].gpt_type[0], 0xaf);
	CHECK_EQ(r.e[1].gpt_type[15], 0xaf + 15);
	CHECK_EQ(r.e[2].gpt_type[3], 0x12);
}

TEST(test_gpt_good)
{
	struct disk d;
	struct result r;

	/* 8 entries of 128 bytes: 2 blocks; usable 4 .. 60 of 64. */
	disk_init(&d, 64, 512);
	gpt_build(&d, 8, 128, three, 3);
	r = parse(&d);
	check_three(r, 1);
	CHECK_EQ(d.reads, 1 + 1 + 2);

	/* A hybrid MBR: an 0xEE entry at LBA 1 next to others means GPT. */
	mbr_set(blk(&d, 0), 1, 0x80, 0x83, 10, 10);
	r = parse(&d);
	check_three(r, 1);
	/* An 0xEE entry that does not start at LBA 1 is no protective MBR. */
	memset(blk(&d, 0), 0, 512);
	mbr_set(blk(&d, 0), 0, 0, 0xee, 2, 62);
	r = parse(&d);
	CHECK_EQ(r.scheme, PART_MBR);
	CHECK_EQ(r.rc, 1);
	disk_free(&d);

	/* 4096-byte blocks: 128 entries in 4 blocks. */
	disk_init(&d, 80, 4096);
	gpt_build(&d, 128, 128, three, 3);
	r = parse(&d);
	check_three(r, 8);
	CHECK_EQ(d.reads, 1 + 1 + 4);
	disk_free(&d);

	/* No entries at all is a valid, empty GPT. */
	disk_init(&d, 64, 512);
	gpt_build(&d, 0, 128, NULL, 0);
	r = parse(&d);
	CHECK_EQ(r.rc, 0);
	CHECK_EQ(r.scheme, PART_GPT);
	disk_free(&d);
}

TEST(test_gpt_entry_sizes)
{
	/* 136-byte entries straddle 512-byte blocks; 4096 is the largest. */
	static const u32 sizes[] = { 128, 136, 256, 520, 4096 };

	for (unsigned int s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		u64 blocks = ((u64)8 * sizes[s] + 511) / 512, first = 2 + blocks;
		const struct gent e[] = {
			{ 0, 0x28, first, first + 9 },
			{ 1, 0xaf, first + 10, first + 10 },
			{ 7, 0x0f, first + 20, first + 49 },
			{ 6, 0x0e, first - 1, first + 60 },   /* before the usable area */
		};
		struct disk d;
		struct result r;

		disk_init(&d, 256, 512);
		gpt_build(&d, 8, sizes[s], e, 4);
		r = parse(&d);
		CHECK_EQ(r.rc, 3);
		CHECK_EQ(r.dropped, 1);
		CHECK_ENTRY(r, 0, 1, first, 10);
		CHECK_ENTRY(r, 1, 2, first + 10, 1);
		CHECK_ENTRY(r, 2, 8, first + 20, 30);
		CHECK_EQ(r.e[2].gpt_type[15], 0x0f + 15);
		CHECK_EQ(d.reads, 2 + blocks);
		disk_free(&d);
	}
}

/* Make the primary header bad in one way (with its CRC fixed afterwards
 * unless crc is false): without a backup the disk has no table, with the
 * backup it parses as before. */
static void check_bad_primary(void (*spoil)(u8 *h, const struct disk *d), bool crc,
			      const char *what)
{
	struct disk d;
	struct result r;
	u64 last = 63;

	disk_init(&d, 64, 512);
	gpt_build(&d, 8, 128, three, 3);
	spoil(blk(&d, 1), &d);
	if (crc)
		gpt_header_crc(blk(&d, 1));
	r = parse(&d);
	CHECK_MSG(r.rc == 3 && r.scheme == PART_GPT, "%s: backup not used (rc %d)", what, r.rc);
	check_three(r, 1);
	memset(blk(&d, last), 0, 512);
	r = parse(&d);
	CHECK_MSG(r.rc == 0 && r.scheme == PART_NONE && r.dropped == 0,
		  "%s: accepted (rc %d, scheme %d)", what, r.rc, r.scheme);
	disk_free(&d);
}

#define SPOIL(name, body)                                                                 \
	static void name(u8 *h, const struct disk *d)                                     \
	{                                                                                 \
		(void)d;                                                                  \
		body;                                                                     \
	}

SPOIL(sp_sig, h[7] = 'X')
SPOIL(sp_crc, h[16] ^= 1)
SPOIL(sp_field_no_crc, h[41] ^= 1)
SPOIL(sp_hsize_small, xt_put32(h + 12, 91))
SPOIL(sp_hsize_big, xt_put32(h + 12, d->lbs + 1))
SPOIL(sp_my_lba, xt_put64(h + 24, 2))
SPOIL(sp_first_zero, xt_put64(h + 40, 0))
SPOIL(sp_first_after_last, xt_put64(h + 40, 61))
SPOIL(sp_last_past_disk, xt_put64(h + 48, 64))
SPOIL(sp_usable_has_header, xt_put64(h + 40, 1))
SPOIL(sp_esize_small, xt_put32(h + 84, 120))
SPOIL(sp_esize_odd, xt_put32(h + 84, 132))
SPOIL(sp_esize_big, xt_put32(h + 84, 4104))
SPOIL(sp_nents_big, xt_put32(h + 80, PART_GPT_ENTRIES_MAX + 1))
SPOIL(sp_array_big, (xt_put32(h + 80, 1024), xt_put32(h + 84, 512)))
SPOIL(sp_array_lba_zero, xt_put64(h + 72, 0))
SPOIL(sp_array_in_usable, xt_put64(h + 72, 4))
SPOIL(sp_array_on_header, xt_put64(h + 72, 1))
SPOIL(sp_array_past_disk, xt_put64(h + 72, 63))
SPOIL(sp_array_huge_lba, xt_put64(h + 72, ~0ULL))
SPOIL(sp_array_crc, h[88] ^= 1)
SPOIL(sp_nents_more, xt_put32(h + 80, 9))   /* the array CRC no longer matches */

TEST(test_gpt_bad_header)
{
	check_bad_primary(sp_sig, true, "signature");
	check_bad_primary(sp_crc, false, "header crc");
	check_bad_primary(sp_field_no_crc, false, "changed field, old crc");
	check_bad_primary(sp_hsize_small, true, "header size 91");
	check_bad_primary(sp_hsize_big, true, "header size past the block");
	check_bad_primary(sp_my_lba, true, "my_lba");
	check_bad_primary(sp_first_zero, true, "first usable 0");
	check_bad_primary(sp_first_after_last, true, "first > last");
	check_bad_primary(sp_last_past_disk, true, "last usable past the disk");
	check_bad_primary(sp_usable_has_header, true, "usable area holds the header");
	check_bad_primary(sp_esize_small, true, "entry size 120");
	check_bad_primary(sp_esize_odd, true, "entry size 132");
	check_bad_primary(sp_esize_big, true, "entry size 4104");
	check_bad_primary(sp_nents_big, true, "too many entries");
	check_bad_primary(sp_array_big, true, "array too big");
	check_bad_primary(sp_array_lba_zero, true, "array at LBA 0");
	check_bad_primary(sp_array_in_usable, true, "array in the usable area");
	check_bad_primary(sp_array_on_header, true, "array over the header");
	check_bad_primary(sp_array_past_disk, true, "array past the disk");
	check_bad_primary(sp_array_huge_lba, true, "array at 2^64 - 1");
	check_bad_primary(sp_array_crc, true, "array crc");
	check_bad_primary(sp_nents_more, true, "more entries than the crc covered");
}

TEST(test_gpt_header_size_lbs)
{
	struct disk d;
	struct result r;

	/* A header size of the whole block is fine; the CRC covers it all. */
	disk_init(&d, 64, 512);
	gpt_build(&d, 8, 128, three, 3);
	xt_put32(blk(&d, 1) + 12, 512);
	blk(&d, 1)[511] = 0x77;
	xt_put32(blk(&d, 1) + 16, 0);
	xt_put32(blk(&d, 1) + 16, ref_crc(blk(&d, 1), 512));
	memset(blk(&d, 63), 0, 512);
	r = parse(&d);
	check_three(r, 1);
	blk(&d, 1)[511] = 0x78;        /* covered by the CRC */
	r = parse(&d);
	CHECK_EQ(r.rc, 0);
	CHECK_EQ(r.scheme, PART_NONE);
	disk_free(&d);
}

TEST(test_gpt_bad_array)
{
	struct disk d;
	struct result r;

	disk_init(&d, 64, 512);
	gpt_build(&d, 8, 128, three, 3);
	blk(&d, 2)[100] ^= 1;          /* the primary array: the backup is used */
	r = parse(&d);
	check_three(r, 1);
	blk(&d, 61)[100] ^= 1;         /* the backup's too */
	r = parse(&d);
	CHECK_EQ(r.rc, 0);
	CHECK_EQ(r.scheme, PART_NONE);
	CHECK_EQ(r.dropped, 0);
	disk_free(&d);
}

TEST(test_gpt_entries_dropped)
{
	static const struct gent e[] = {
		{ 0, 0x01, 3, 10 },       /* starts before the usable area (4) */
		{ 1, 0x02, 50, 61 },      /* ends after it (60) */
		{ 2, 0x03, 30, 29 },      /* reversed */
		{ 3, 0x00, 40, 45 },      /* unused: not an entry */
		{ 4, 0x05, 4, 10 },       /* good, at the first usable */
		{ 5, 0x06, 10, 12 },      /* overlaps the one before */
		{ 6, 0x07, 60, 60 },      /* good, the last usable */
		{ 7, 0x08, 0xffffffffffffff00ULL, 0xffffffffffffffffULL },
	};
	struct disk d;
	struct result r;

	disk_init(&d, 64, 512);
	gpt_build(&d, 8, 128, e, 8);
	r = parse(&d);
	CHECK_EQ(r.rc, 2);
	CHECK_EQ(r.scheme, PART_GPT);
	CHECK_EQ(r.dropped, 5);
	CHECK_ENTRY(r, 0, 5, 4, 7);
	CHECK_ENTRY(r, 1, 7, 60, 1);
	r = parse_max(&d, 1);
	CHECK_EQ(r.rc, 1);
	CHECK_EQ(r.dropped, 6);
	disk_free(&d);
}

TEST(test_gpt_many_entries)
{
	/* The largest array: 1024 entries of 256 bytes, 512 blocks. */
	struct gent e[20];
	struct disk d;
	struct result r;

	for (unsigned int i = 0; i < 20; i++)
		e[i] = (struct gent){ i * 50, (u8)(i + 1), 600 + i * 10, 600 + i * 10 + 9 };
	disk_init(&d, 2000, 512);
	gpt_build(&d, 1024, 256, e, 20);
	r = parse(&d);
	CHECK_EQ(r.rc, PART_MAX);
	CHECK_EQ(r.dropped, 20 - PART_MAX);
	CHECK_EQ(d.reads, 2 + 512);
	CHECK_ENTRY(r, PART_MAX - 1, (PART_MAX - 1) * 50 + 1, 600 + (PART_MAX - 1) * 10, 10);
	disk_free(&d);
}

/* ---------------------------------------------------------------- errors */

TEST(test_read_errors)
{
	struct disk d;
	struct result r;

	disk_init(&d, 64, 512);
	gpt_build(&d, 8, 128, three, 3);
	d.fail_rc = -EIO;
	for (u64 lba = 0; lba < 4; lba++) {
		d.fail_lba = lba;
		r = parse(&d);
		CHECK_EQ(r.rc, -EIO);
		CHECK_EQ(r.scheme, PART_NONE);
		CHECK_EQ(r.dropped, 0);
	}
	/* The backup is read only when the primary is bad. */
	d.fail_lba = 63;
	d.fail_rc = -ENODEV;
	r = parse(&d);
	CHECK_EQ(r.rc, 3);
	blk(&d, 1)[0] = 0;
	r = parse(&d);
	CHECK_EQ(r.rc, -ENODEV);
	/* A positive return breaks the callback's contract: an error. */
	d.fail_lba = 0;
	d.fail_rc = 1;
	r = parse(&d);
	CHECK_EQ(r.rc, -EIO);
	disk_free(&d);

	chain_disk(&d);
	d.fail_lba = 120;
	d.fail_rc = -ETIMEDOUT;
	r = parse(&d);
	CHECK_EQ(r.rc, -ETIMEDOUT);
	disk_free(&d);
}

TEST(test_bad_arguments)
{
	struct disk d;
	struct part_entry out[4];
	enum part_scheme scheme = PART_GPT;
	unsigned int dropped = 9;

	disk_init(&d, 64, 512);
	mbr_set(blk(&d, 0), 0, 0, 0x83, 1, 10);
	CHECK_EQ(part_parse(disk_read, &d, 64, 1024, out, 4, &scheme, &dropped), -EINVAL);
	CHECK_EQ(scheme, PART_NONE);
	CHECK_EQ(dropped, 0);
	CHECK_EQ(part_parse(disk_read, &d, 64, 0, out, 4, NULL, NULL), -EINVAL);
	CHECK_EQ(part_parse(disk_read, &d, 1ULL << 61, 512, out, 4, NULL, NULL), -EINVAL);
	d.reads = 0;
	CHECK_EQ(part_parse(disk_read, &d, 0, 512, out, 4, &scheme, NULL), 0);
	CHECK_EQ(d.reads, 0);
	CHECK_EQ(scheme, PART_NONE);
	/* The largest disk accepted: the image is read as zeros past its end. */
	d.blocks = (1ULL << 61) - 1;
	memset(blk(&d, 0), 0, 512);
	mbr_set(blk(&d, 0), 0, 0, 0xee, 1, 0xffffffffu);
	CHECK_EQ(part_parse(disk_read, &d, d.blocks, 512, out, 4, &scheme, NULL), 0);
	CHECK(!d.bad_read);
	disk_free(&d);
}

/* Every disk size from 0 to the image's, for an MBR with a chain and for
 * GPTs (512 and 4096): no read at or past the end (disk_read checks),
 * every entry inside the disk, none overlapping. */
static void check_sane(struct result r, u64 sectors)
{
	if (r.rc < 0)
		return;
	for (int i = 0; i < r.rc; i++) {
		CHECK(r.e[i].nr_sectors > 0);
		CHECK(r.e[i].start < sectors && r.e[i].nr_sectors <= sectors - r.e[i].start);
		for (int j = 0; j < i; j++)
			CHECK(r.e[i].start + r.e[i].nr_sectors <= r.e[j].start ||
			      r.e[j].start + r.e[j].nr_sectors <= r.e[i].start);
	}
}

TEST(test_every_disk_size)
{
	struct disk d;

	chain_disk(&d);
	for (u64 b = 0; b <= d.img_blocks; b++) {
		struct result r;

		d.blocks = b;
		r = parse(&d);
		check_sane(r, b);
		CHECK(r.rc >= 0);
	}
	disk_free(&d);
	for (unsigned int lbs = 512; lbs <= 4096; lbs *= 8) {
		disk_init(&d, 64, lbs);
		gpt_build(&d, 8, 128, three, 3);
		for (u64 b = 0; b <= 64; b++) {
			struct result r;

			d.blocks = b;
			r = parse(&d);
			check_sane(r, b * (lbs / 512));
			/* The primary is valid once the disk holds its last
			 * usable LBA (62 - array blocks); the backup sits at 63. */
			CHECK_EQ(r.rc, b >= (lbs == 512 ? 61 : 62) ? 3 : 0);
		}
		disk_free(&d);
	}
}

int main(void)
{
	RUN(test_mbr_primaries);
	RUN(test_mbr_not_a_table);
	RUN(test_mbr_dropped);
	RUN(test_ebr_chain);
	RUN(test_ebr_container);
	RUN(test_ebr_bound);
	RUN(test_gpt_good);
	RUN(test_gpt_entry_sizes);
	RUN(test_gpt_bad_header);
	RUN(test_gpt_header_size_lbs);
	RUN(test_gpt_bad_array);
	RUN(test_gpt_entries_dropped);
	RUN(test_gpt_many_entries);
	RUN(test_read_errors);
	RUN(test_bad_arguments);
	RUN(test_every_disk_size);
	return xt_done();
}
