/* libFuzzer target: lib/partition.c (part_parse), fed a disk image.
 *
 * Input layout (short inputs are zero-padded to the 10-byte prefix):
 *   [0]       bit 0: logical blocks of 4096 bytes (else 512); bits 1-2 the
 *             disk size: 0 the image's blocks rounded up, 1 rounded down,
 *             2 the u64 at [2, 10) modulo 2^61, 3 the image's blocks plus
 *             byte [2]; bits 3-7: the caller's maximum (capped at PART_MAX)
 *   [1]       0: no read fails; n: the n-th read returns -EIO
 *   [2, 10)   the size for choice 2 (LE)
 *   [10, ...) the image from LBA 0; blocks past it read as zeros
 *
 * Checked: every read is one block below the disk's end, there are at
 * most 1 + PART_EBR_MAX (MBR) or 2 * (1 + array) (GPT) of them; the result
 * is an error only when a read failed (and then the injected one); every
 * entry is non-empty, block-aligned, inside the disk, overlaps no other,
 * and is numbered and typed as its scheme says; PART_MBR needs a signed
 * LBA 0 and PART_GPT an "EFI PART" block at 1 or at the last LBA; a second
 * parse gives the same result; and with a smaller maximum the entries are
 * a prefix of the full ones, with entries + dropped unchanged. */
#include <kernel/errno.h>
#include <kernel/partition.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(...)                                                                         \
	do {                                                                              \
		fprintf(stderr, "fuzz_partition: " __VA_ARGS__);                          \
		fputc('\n', stderr);                                                      \
		abort();                                                                  \
	} while (0)

#define PREFIX 10

struct disk {
	const u8 *img;
	size_t len;
	u64 blocks;
	unsigned int lbs;
	unsigned int fail_at;     /* 1-based read number, 0: none */
	unsigned int reads;
	bool failed;
};

static int disk_read(void *ctx, u64 lba, void *buf, unsigned int nr)
{
	struct disk *d = ctx;
	u64 off;

	d->reads++;
	if (nr != 1)
		FAIL("read of %u blocks", nr);
	if (lba >= d->blocks)
		FAIL("read of block %llu on a disk of %llu", (unsigned long long)lba,
		     (unsigned long long)d->blocks);
	if (d->reads == d->fail_at) {
		d->failed = true;
		return -EIO;
	}
	memset(buf, 0, d->lbs);
	if (lba > d->len / d->lbs)
		return 0;           /* (and lba * lbs could wrap) */
	off = lba * d->lbs;
	if (off < d->len)
		memcpy(buf, d->img + off, d->len - off < d->lbs ? d->len - off : d->lbs);
	return 0;
}

struct result {
	int rc;
	enum part_scheme scheme;
	unsigned int dropped, reads;
	bool failed;
	struct part_entry e[PART_MAX];
};

static void run(struct disk *d, unsigned int max, struct result *r)
{
	memset(r, 0xa5, sizeof(*r));
	d->reads = 0;
	d->failed = false;
	r->rc = part_parse(disk_read, d, d->blocks, d->lbs, r->e, max, &r->scheme, &r->dropped);
	r->reads = d->reads;
	r->failed = d->failed;
}

static bool block_is(const struct disk *d, u64 lba, const char *s, size_t off)
{
	u64 pos = lba * d->lbs + off;
	size_t n = strlen(s);

	if (lba > d->len / d->lbs)
		return false;
	return pos < d->len && d->len - pos >= n && !memcmp(d->img + pos, s, n);
}

static void check(const struct disk *d, unsigned int max, const struct result *r)
{
	u64 spb = d->lbs / 512, sectors = d->blocks * spb;

	if (r->rc < 0) {
		if (!r->failed || r->rc != -EIO)
			FAIL("rc %d without a failed read", r->rc);
		if (r->scheme != PART_NONE || r->dropped != 0)
			FAIL("error with scheme %d dropped %u", r->scheme, r->dropped);
		return;
	}
	if (r->failed)
		FAIL("a read failed, rc %d", r->rc);
	if ((unsigned int)r->rc > max)
		FAIL("%d entries for a maximum of %u", r->rc, max);
	switch (r->scheme) {
	case PART_NONE:
		if (r->rc || r->dropped)
			FAIL("no table, %d entries %u dropped", r->rc, r->dropped);
		break;
	case PART_MBR:
		if (!block_is(d, 0, "\x55\xaa", 510))
			FAIL("MBR without a signature");
		if (r->reads > 1 + PART_EBR_MAX)
			FAIL("MBR: %u reads", r->reads);
		break;
	case PART_GPT:
		if (!block_is(d, 1, "EFI PART", 0) && !block_is(d, d->blocks - 1, "EFI PART", 0))
			FAIL("GPT without a header");
		if (r->reads > 1 + 2 * (1 + PART_GPT_ARRAY_MAX / d->lbs))
			FAIL("GPT: %u reads", r->reads);
		break;
	default:
		FAIL("scheme %d", r->scheme);
	}
	for (int i = 0; i < r->rc; i++) {
		const struct part_entry *e = &r->e[i];
		bool zero_guid = true;

		for (int k = 0; k < 16; k++)
			zero_guid &= !e->gpt_type[k];
		if (!e->nr_sectors || e->start % spb || e->nr_sectors % spb)
			FAIL("entry %d: %llu+%llu", i, (unsigned long long)e->start,
			     (unsigned long long)e->nr_sectors);
		if (e->start >= sectors || e->nr_sectors > sectors - e->start)
			FAIL("entry %d past the disk", i);
		if (r->scheme == PART_MBR &&
		    (!e->mbr_type || e->mbr_type == 0x05 || e->mbr_type == 0x0f ||
		     e->mbr_type == 0x85 || !zero_guid || e->number < 1 ||
		     e->number > 4 + PART_EBR_MAX || e->start == 0))
			FAIL("MBR entry %d: type %#x number %u", i, e->mbr_type, e->number);
		if (r->scheme == PART_GPT &&
		    (e->mbr_type || zero_guid || e->number < 1 || e->number > PART_GPT_ENTRIES_MAX))
			FAIL("GPT entry %d: number %u", i, e->number);
		for (int j = 0; j < i; j++) {
			const struct part_entry *o = &r->e[j];

			if (e->start < o->start + o->nr_sectors && o->start < e->start + e->nr_sectors)
				FAIL("entries %d and %d overlap", j, i);
			if (e->number == o->number)
				FAIL("entries %d and %d share number %u", j, i, e->number);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	u8 pre[PREFIX] = { 0 };
	struct disk d;
	struct result full, again, part;
	unsigned int max;
	u8 *img;
	u64 v = 0;

	memcpy(pre, data, size < PREFIX ? size : PREFIX);
	memset(&d, 0, sizeof(d));
	d.len = size > PREFIX ? size - PREFIX : 0;
	img = malloc(d.len ? d.len : 1);     /* exact size, for ASan */
	if (!img)
		abort();
	memcpy(img, data + PREFIX, d.len);
	d.img = img;
	d.lbs = pre[0] & 1 ? 4096 : 512;
	for (int i = 9; i >= 2; i--)
		v = v << 8 | pre[i];
	switch ((pre[0] >> 1) & 3) {
	case 0: d.blocks = (d.len + d.lbs - 1) / d.lbs; break;
	case 1: d.blocks = d.len / d.lbs; break;
	case 2: d.blocks = v % (1ULL << 61); break;
	default: d.blocks = (d.len + d.lbs - 1) / d.lbs + pre[2]; break;
	}
	max = pre[0] >> 3;
	if (max > PART_MAX)
		max = PART_MAX;
	d.fail_at = pre[1];

	run(&d, PART_MAX, &full);
	check(&d, PART_MAX, &full);
	run(&d, PART_MAX, &again);
	if (memcmp(&full, &again, sizeof(full)))
		FAIL("two parses differ");
	if (max < PART_MAX) {
		run(&d, max, &part);
		check(&d, max, &part);
		if (full.rc >= 0 && part.rc >= 0) {
			if (part.scheme != full.scheme ||
			    (unsigned int)part.rc != ((unsigned int)full.rc < max ? (unsigned int)full.rc : max) ||
			    memcmp(part.e, full.e, sizeof(part.e[0]) * (size_t)part.rc) ||
			    part.rc + part.dropped != full.rc + full.dropped)
				FAIL("maximum %u: %d+%u, full %d+%u", max, part.rc, part.dropped,
				     full.rc, full.dropped);
		}
	}
	free(img);
	return 0;
}
