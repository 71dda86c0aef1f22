/* Host tests for lib/multiboot2.c (mb2_walk): a well-formed boot
 * information structure as GRUB lays it out, every truncation of it,
 * tag sizes below 8 and past the end, memory-map entry sizes that would
 * wrap a 32-bit offset or are below 24 bytes, sizes that are not multiples
 * of 8, and a missing end tag. Every input is a heap buffer of exactly
 * `avail` bytes, so the ASan build catches any read past it. Callbacks are
 * recorded as events and compared with what each input should produce. */
#include <kernel/errno.h>
#include <kernel/multiboot2.h>
#include <stdlib.h>
#include <string.h>
#include "test.h"

/* ---------------------------------------------------------------- builder */

struct buf {
	u8 b[4096];
	size_t len;
};

static void b_init(struct buf *b)
{
	memset(b, 0, sizeof(*b));
	b->len = 8; /* total_size and reserved, set by b_finish */
}

/* Append a tag whose header says `size`, with `plen` payload bytes, then
 * pad to 8 bytes. Returns the tag's offset. */
static size_t b_tag_sized(struct buf *b, u32 type, u32 size, const void *payload, size_t plen)
{
	size_t off = b->len;

	xt_put32(b->b + off, type);
	xt_put32(b->b + off + 4, size);
	if (plen)
		memcpy(b->b + off + 8, payload, plen);
	b->len = off + 8 + plen;
	b->len = (b->len + 7) & ~(size_t)7;
	return off;
}

static size_t b_tag(struct buf *b, u32 type, const void *payload, size_t plen)
{
	return b_tag_sized(b, type, (u32)(8 + plen), payload, plen);
}

static size_t b_str(struct buf *b, u32 type, const char *s)
{
	return b_tag(b, type, s, strlen(s) + 1);
}

struct ent {
	u64 base, len;
	u32 type;
};

/* A memory-map tag with entries of esz bytes (esz >= 24). */
static size_t b_mmap(struct buf *b, u32 esz, const struct ent *e, unsigned int n)
{
	u8 p[1024];
	size_t plen = 8 + (size_t)esz * n;

	memset(p, 0xa5, sizeof(p)); /* entry padding is not ours to read as data */
	xt_put32(p, esz);
	xt_put32(p + 4, 0);
	for (unsigned int i = 0; i < n; i++) {
		u8 *q = p + 8 + (size_t)esz * i;

		xt_put64(q, e[i].base);
		xt_put64(q + 8, e[i].len);
		xt_put32(q + 16, e[i].type);
		xt_put32(q + 20, 0);
	}
	return b_tag(b, MB2_TAG_MMAP, p, plen);
}

static void b_end(struct buf *b)
{
	b_tag(b, MB2_TAG_END, NULL, 0);
}

static void b_finish(struct buf *b)
{
	xt_put32(b->b, (u32)b->len);
	xt_put32(b->b + 4, 0);
}

/* ---------------------------------------------------------------- recorder */

enum { EV_CMDLINE, EV_LOADER, EV_MMAP, EV_RSDP };

struct event {
	int kind;
	char str[256];
	size_t len;
	u64 base, mlen;
	u32 type;
	size_t offset;
};

struct rec {
	const u8 *buf;
	size_t avail;
	struct event ev[64];
	unsigned int n;
	bool out_of_bounds;
};

static struct event *rec_next(struct rec *r)
{
	if (r->n >= 64)
		abort();
	memset(&r->ev[r->n], 0, sizeof(r->ev[0]));
	return &r->ev[r->n++];
}

/* Strings must lie inside the buffer; the copy also makes ASan check it. */
static void rec_str(struct rec *r, int kind, const char *s, size_t len)
{
	struct event *e = rec_next(r);
	const u8 *p = (const u8 *)s;

	if (p < r->buf || p > r->buf + r->avail || len > (size_t)(r->buf + r->avail - p))
		r->out_of_bounds = true;
	e->kind = kind;
	e->len = len;
	memcpy(e->str, s, len < sizeof(e->str) - 1 ? len : sizeof(e->str) - 1);
}

static void cb_cmdline(void *ctx, const char *s, size_t len)
{
	rec_str(ctx, EV_CMDLINE, s, len);
}

static void cb_loader(void *ctx, const char *s, size_t len)
{
	rec_str(ctx, EV_LOADER, s, len);
}

static void cb_mmap(void *ctx, u64 base, u64 len, u32 type)
{
	struct event *e = rec_next(ctx);

	e->kind = EV_MMAP;
	e->base = base;
	e->mlen = len;
	e->type = type;
}

static void cb_rsdp(void *ctx, size_t offset, size_t len, u32 tag_type)
{
	struct rec *r = ctx;
	struct event *e = rec_next(r);

	if (offset > r->avail || len > r->avail - offset)
		r->out_of_bounds = true;
	e->kind = EV_RSDP;
	e->offset = offset;
	e->len = len;
	e->type = tag_type;
}

/* Walk `avail` bytes of src from a heap copy of exactly that size. */
static int walk(const void *src, size_t avail, struct rec *r)
{
	u8 *copy = malloc(avail ? avail : 1);
	struct mb2_visitor v = {
		.ctx = r,
		.cmdline = cb_cmdline,
		.loader = cb_loader,
		.mmap = cb_mmap,
		.rsdp = cb_rsdp,
	};
	int rc;

	if (!copy)
		abort();
	memcpy(copy, src, avail);
	memset(r, 0, sizeof(*r));
	r->buf = copy;
	r->avail = avail;
	rc = mb2_walk(copy, avail, &v);
	r->buf = NULL;
	free(copy);
	return rc;
}

static bool ev_eq(const struct event *a, const struct event *b)
{
	return a->kind == b->kind && a->len == b->len && !memcmp(a->str, b->str, sizeof(a->str)) &&
	       a->base == b->base && a->mlen == b->mlen && a->type == b->type &&
	       a->offset == b->offset;
}

/* ---------------------------------------------------------------- inputs */

static const struct ent e820[] = {
	{ 0, 0x9fc00, 1 },
	{ 0x9fc00, 0x400, 2 },
	{ 0x100000, 0x7fee0000 - 0x100000, 1 },
	{ 0x7fee0000, 0x20000, 3 },
	{ 0x100000000ULL, 0x80000000ULL, 1 },
};

static u8 rsdp_v1[20] = "RSD PTR ";
static u8 rsdp_v2[36] = "RSD PTR ";

static size_t off_acpi_old, off_acpi_new;

/* What GRUB hands over: command line, loader name, a tag we do not use,
 * the memory map, both ACPI tags, end. */
static void good_info(struct buf *b)
{
	u8 meminfo[8] = { 0 };

	b_init(b);
	b_str(b, MB2_TAG_CMDLINE, "console=ttyS0 ktest=all");
	b_str(b, MB2_TAG_LOADER, "GRUB 2.06-13+deb12u1");
	b_tag(b, 4, meminfo, sizeof(meminfo)); /* basic meminfo: skipped */
	b_mmap(b, 24, e820, 5);
	off_acpi_old = b_tag(b, MB2_TAG_ACPI_OLD, rsdp_v1, sizeof(rsdp_v1));
	off_acpi_new = b_tag(b, MB2_TAG_ACPI_NEW, rsdp_v2, sizeof(rsdp_v2));
	b_end(b);
	b_finish(b);
}

static void check_good_events(const struct rec *r, unsigned int upto)
{
	unsigned int i = 0;

	if (i < upto) {
		CHECK_EQ(r->ev[i].kind, EV_CMDLINE);
		CHECK_STR(r->ev[i].str, "console=ttyS0 ktest=all");
		CHECK_EQ(r->ev[i].len, 23);
	}
	i++;
	if (i < upto) {
		CHECK_EQ(r->ev[i].kind, EV_LOADER);
		CHECK_STR(r->ev[i].str, "GRUB 2.06-13+deb12u1");
	}
	i++;
	for (unsigned int k = 0; k < 5; k++, i++) {
		if (i >= upto)
			break;
		CHECK_EQ(r->ev[i].kind, EV_MMAP);
		CHECK_EQ(r->ev[i].base, e820[k].base);
		CHECK_EQ(r->ev[i].mlen, e820[k].len);
		CHECK_EQ(r->ev[i].type, e820[k].type);
	}
	if (i < upto) {
		CHECK_EQ(r->ev[i].kind, EV_RSDP);
		CHECK_EQ(r->ev[i].offset, off_acpi_old + 8);
		CHECK_EQ(r->ev[i].len, 20);
		CHECK_EQ(r->ev[i].type, MB2_TAG_ACPI_OLD);
	}
	i++;
	if (i < upto) {
		CHECK_EQ(r->ev[i].kind, EV_RSDP);
		CHECK_EQ(r->ev[i].offset, off_acpi_new + 8);
		CHECK_EQ(r->ev[i].len, 36);
		CHECK_EQ(r->ev[i].type, MB2_TAG_ACPI_NEW);
	}
}

/* ---------------------------------------------------------------- tests */

TEST(test_good)
{
	struct buf b;
	struct rec r;

	good_info(&b);
	CHECK_EQ(walk(b.b, b.len, &r), 0);
	CHECK_EQ(r.n, 9);
	CHECK(!r.out_of_bounds);
	check_good_events(&r, r.n);
	/* The RSDP offsets point at the copies in the buffer. */
	CHECK(!memcmp(b.b + off_acpi_old + 8, "RSD PTR ", 8));
	CHECK(!memcmp(b.b + off_acpi_new + 8, "RSD PTR ", 8));

	/* A larger readable area than total_size changes nothing. */
	{
		u8 big[4096 + 64];

		memset(big, 0xff, sizeof(big));
		memcpy(big, b.b, b.len);
		CHECK_EQ(walk(big, b.len + 64, &r), 0);
		CHECK_EQ(r.n, 9);
	}
	/* NULL callbacks are allowed: nothing to report, still a full walk. */
	{
		struct mb2_visitor none = { 0 };

		CHECK_EQ(mb2_walk(b.b, b.len, &none), 0);
	}
}

TEST(test_bad_args)
{
	struct buf b;
	struct mb2_visitor none = { 0 };
	struct rec r;

	good_info(&b);
	CHECK_EQ(mb2_walk(NULL, b.len, &none), -EINVAL);
	CHECK_EQ(mb2_walk(b.b, b.len, NULL), -EINVAL);
	/* Fewer than 8 readable bytes: not even total_size fits. */
	for (size_t n = 0; n < 8; n++)
		CHECK_EQ(walk(b.b, n, &r), -EOVERFLOW);
}

/* Truncation: (a) the buffer ends early but total_size still claims the
 * full length: rejected up front, nothing reported; (b) total_size says the
 * truncated length: the walk reports exactly what fits, then fails. */
TEST(test_truncated)
{
	struct buf b, full;
	struct rec r, ref;

	good_info(&full);
	CHECK_EQ(walk(full.b, full.len, &ref), 0);
	for (size_t n = 0; n < full.len; n++) {
		int rc = walk(full.b, n, &r);

		CHECK_MSG(rc == -EOVERFLOW && r.n == 0,
			  "avail %zu: rc %d, %u events", n, rc, r.n);
	}
	for (size_t n = 8; n < full.len; n++) {
		int rc;

		b = full;
		xt_put32(b.b, (u32)n);
		rc = walk(b.b, n, &r);
		if (n < 16) {
			CHECK_MSG(rc == -EBADMSG && r.n == 0, "total %zu: rc %d", n, rc);
			continue;
		}
		/* Never success: the end tag is the last 8 bytes. */
		CHECK_MSG(rc == -EBADMSG || rc == -ENODATA, "total %zu: rc %d", n, rc);
		CHECK(!r.out_of_bounds);
		CHECK_MSG(r.n <= ref.n, "total %zu: %u events", n, r.n);
		/* What was reported is a prefix of the full walk. */
		for (unsigned int i = 0; i < r.n && i < ref.n; i++)
			CHECK_MSG(ev_eq(&r.ev[i], &ref.ev[i]), "total %zu: event %u differs", n, i);
	}
	/* Cutting exactly at a tag boundary leaves no end tag: -ENODATA with
	 * everything before it. */
	b = full;
	xt_put32(b.b, (u32)(full.len - 8));
	CHECK_EQ(walk(b.b, full.len - 8, &r), -ENODATA);
	CHECK_EQ(r.n, 9);
	check_good_events(&r, r.n);
}

TEST(test_tag_size_below_8)
{
	static const u32 sizes[] = { 0, 1, 4, 7 };

	for (unsigned int i = 0; i < 4; i++) {
		struct buf b;
		struct rec r;

		b_init(&b);
		b_str(&b, MB2_TAG_CMDLINE, "a=b");
		/* A tag claiming fewer bytes than its own header. */
		b_tag_sized(&b, MB2_TAG_LOADER, sizes[i], "GRUB", 5);
		b_str(&b, MB2_TAG_LOADER, "never seen");
		b_end(&b);
		b_finish(&b);
		CHECK_EQ(walk(b.b, b.len, &r), -EBADMSG);
		CHECK_EQ(r.n, 1);
		CHECK_EQ(r.ev[0].kind, EV_CMDLINE);
		CHECK_STR(r.ev[0].str, "a=b");
	}
	/* total_size below header + end tag. */
	for (u32 t = 0; t < 16; t++) {
		u8 raw[16] = { 0 };
		struct rec r;

		xt_put32(raw, t);
		CHECK_EQ(walk(raw, sizeof(raw), &r), -EBADMSG);
		CHECK_EQ(r.n, 0);
	}
	/* An end tag of size 0 is no end tag. */
	{
		struct buf b;
		struct rec r;

		b_init(&b);
		b_tag_sized(&b, MB2_TAG_END, 0, NULL, 0);
		b.len += 8;
		b_finish(&b);
		CHECK_EQ(walk(b.b, b.len, &r), -EBADMSG);
	}
}

TEST(test_tag_past_end)
{
	struct buf b;
	struct rec r;
	size_t off;

	b_init(&b);
	b_str(&b, MB2_TAG_CMDLINE, "x");
	off = b_str(&b, MB2_TAG_LOADER, "GRUB");
	b_end(&b);
	b_finish(&b);
	/* The loader tag claims one byte more than the structure has left,
	 * then a huge size that would wrap a 32-bit offset. */
	xt_put32(b.b + off + 4, (u32)(b.len - off + 1));
	CHECK_EQ(walk(b.b, b.len, &r), -EBADMSG);
	CHECK_EQ(r.n, 1);
	xt_put32(b.b + off + 4, 0xfffffff8u);
	CHECK_EQ(walk(b.b, b.len, &r), -EBADMSG);
	CHECK_EQ(r.n, 1);
	xt_put32(b.b + off + 4, 0xffffffffu);
	CHECK_EQ(walk(b.b, b.len, &r), -EBADMSG);
	CHECK_EQ(r.n, 1);
	/* Exactly to the end is fine (but then there is no end tag). */
	xt_put32(b.b + off + 4, (u32)(b.len - off));
	CHECK_EQ(walk(b.b, b.len, &r), -ENODATA);
	CHECK_EQ(r.n, 2);
}

/* Entry sizes near 2^32: the old loop computed p + esz in 32 bits, which
 * wrapped and walked off the tag. */
TEST(test_mmap_huge_entry_size)
{
	/* 16 + 0xfffffff0 is 0 in 32 bits: the old loop's exact wrap. */
	static const u32 huge[] = { 0xffffffffu, 0xfffffff8u, 0xfffffff0u, 0xffffffe8u,
				    0x80000000u };

	for (unsigned int i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		struct buf b;
		struct rec r;
		size_t off;

		b_init(&b);
		b_str(&b, MB2_TAG_CMDLINE, "before");
		off = b_mmap(&b, 24, e820, 2);
		b_str(&b, MB2_TAG_LOADER, "after");
		b_end(&b);
		b_finish(&b);
		xt_put32(b.b + off + 8, huge[i]);
		/* No entry fits and the bytes left are a partial one. */
		CHECK_EQ(walk(b.b, b.len, &r), -EBADMSG);
		CHECK_EQ(r.n, 1);
		CHECK(!r.out_of_bounds);
	}
	/* A huge entry size with no entry bytes at all is an empty map. */
	{
		struct buf b;
		struct rec r;
		size_t off;

		b_init(&b);
		off = b_mmap(&b, 24, e820, 0);
		b_str(&b, MB2_TAG_LOADER, "after");
		b_end(&b);
		b_finish(&b);
		xt_put32(b.b + off + 8, 0xffffffffu);
		CHECK_EQ(walk(b.b, b.len, &r), 0);
		CHECK_EQ(r.n, 1);
		CHECK_EQ(r.ev[0].kind, EV_LOADER);
	}
}

TEST(test_mmap_entry_size_below_24)
{
	static const u32 small[] = { 0, 1, 8, 16, 20, 23 };

	for (unsigned int i = 0; i < sizeof(small) / sizeof(small[0]); i++) {
		struct buf b;
		struct rec r;
		size_t off;

		b_init(&b);
		b_str(&b, MB2_TAG_CMDLINE, "before");
		off = b_mmap(&b, 24, e820, 3);
		b_str(&b, MB2_TAG_LOADER, "after");
		b_end(&b);
		b_finish(&b);
		xt_put32(b.b + off + 8, small[i]);
		CHECK_EQ(walk(b.b, b.len, &r), -EBADMSG);
		CHECK_EQ(r.n, 1);
		CHECK_EQ(r.ev[0].kind, EV_CMDLINE);
	}
	/* A memory-map tag too short for entry_size itself. */
	{
		struct buf b;
		struct rec r;
		u8 p[4] = { 24, 0, 0, 0 };

		b_init(&b);
		b_tag(&b, MB2_TAG_MMAP, p, sizeof(p));
		b_end(&b);
		b_finish(&b);
		CHECK_EQ(walk(b.b, b.len, &r), -EBADMSG);
		CHECK_EQ(r.n, 0);
	}
}

TEST(test_misaligned_sizes)
{
	struct buf b;
	struct rec r;
	size_t off;

	/* Tag sizes that are not multiples of 8 are normal (strings): the
	 * next tag starts after the padding. */
	b_init(&b);
	b_str(&b, MB2_TAG_CMDLINE, "abcd");   /* size 13 */
	b_str(&b, MB2_TAG_LOADER, "l");       /* size 10 */
	b_str(&b, MB2_TAG_CMDLINE, "1234567"); /* size 16 */
	b_end(&b);
	b_finish(&b);
	CHECK_EQ(walk(b.b, b.len, &r), 0);
	CHECK_EQ(r.n, 3);
	CHECK_STR(r.ev[0].str, "abcd");
	CHECK_STR(r.ev[1].str, "l");
	CHECK_STR(r.ev[2].str, "1234567");

	/* Entry size 28 (not a multiple of 8; the specification promises
	 * one, but nothing needs it): entries are read where they are. */
	b_init(&b);
	b_mmap(&b, 28, e820, 5);
	b_end(&b);
	b_finish(&b);
	CHECK_EQ(walk(b.b, b.len, &r), 0);
	CHECK_EQ(r.n, 5);
	for (unsigned int i = 0; i < 5 && i < r.n; i++) {
		CHECK_EQ(r.ev[i].base, e820[i].base);
		CHECK_EQ(r.ev[i].mlen, e820[i].len);
		CHECK_EQ(r.ev[i].type, e820[i].type);
	}

	/* A tag size that is not 16 + n * entry_size: the whole entries are
	 * reported, the rest is malformed. */
	b_init(&b);
	off = b_mmap(&b, 24, e820, 3);
	b_str(&b, MB2_TAG_LOADER, "after");
	b_end(&b);
	b_finish(&b);
	xt_put32(b.b + off + 4, 16 + 24 * 2 + 5);
	CHECK_EQ(walk(b.b, b.len, &r), -EBADMSG);
	CHECK_EQ(r.n, 2);

	/* total_size not a multiple of 8, end tag inside it: fine. */
	b_init(&b);
	b_str(&b, MB2_TAG_CMDLINE, "x");
	b_end(&b);
	b.len += 3;
	b_finish(&b);
	CHECK_EQ(walk(b.b, b.len, &r), 0);
	CHECK_EQ(r.n, 1);

	/* The last tag's padding runs past total_size: no room for an end
	 * tag. */
	b_init(&b);
	b_str(&b, MB2_TAG_CMDLINE, "abc"); /* size 12, padded to 16 */
	b_finish(&b);
	xt_put32(b.b, 8 + 12 + 2);
	CHECK_EQ(walk(b.b, 8 + 12 + 2, &r), -ENODATA);
	CHECK_EQ(r.n, 1);

	/* A string without its NUL is taken up to the tag's end, and one with
	 * an early NUL up to that NUL. */
	b_init(&b);
	b_tag(&b, MB2_TAG_CMDLINE, "noterm", 6);
	b_tag(&b, MB2_TAG_LOADER, "ab\0cd", 6);
	b_end(&b);
	b_finish(&b);
	CHECK_EQ(walk(b.b, b.len, &r), 0);
	CHECK_EQ(r.n, 2);
	CHECK_EQ(r.ev[0].len, 6);
	CHECK_STR(r.ev[0].str, "noterm");
	CHECK_EQ(r.ev[1].len, 2);
	CHECK(!r.out_of_bounds);
}

TEST(test_missing_end_tag)
{
	struct buf b;
	struct rec r;

	b_init(&b);
	b_str(&b, MB2_TAG_CMDLINE, "ktest=all");
	b_mmap(&b, 24, e820, 5);
	b_finish(&b);
	CHECK_EQ(walk(b.b, b.len, &r), -ENODATA);
	/* Everything before the missing end is kept. */
	CHECK_EQ(r.n, 6);
	CHECK_EQ(r.ev[0].kind, EV_CMDLINE);
	CHECK_EQ(r.ev[5].kind, EV_MMAP);
	CHECK_EQ(r.ev[5].base, e820[4].base);

	/* 4 stray bytes after the last tag: no room for a tag header. */
	b.len += 4;
	b_finish(&b);
	CHECK_EQ(walk(b.b, b.len, &r), -ENODATA);
	CHECK_EQ(r.n, 6);

	/* Only the header. */
	{
		u8 raw[8] = { 8, 0, 0, 0, 0, 0, 0, 0 };

		CHECK_EQ(walk(raw, sizeof(raw), &r), -EBADMSG);
	}
}

TEST(test_end_tag_stops)
{
	struct buf b;
	struct rec r;

	/* Tags after the end tag, even broken ones, are not looked at. */
	b_init(&b);
	b_str(&b, MB2_TAG_CMDLINE, "a");
	b_end(&b);
	b_tag_sized(&b, MB2_TAG_LOADER, 3, NULL, 0);
	b_finish(&b);
	CHECK_EQ(walk(b.b, b.len, &r), 0);
	CHECK_EQ(r.n, 1);
}

TEST(test_acpi_tag_too_short)
{
	struct buf b;
	struct rec r;

	b_init(&b);
	b_tag(&b, MB2_TAG_ACPI_NEW, rsdp_v2, 19);
	b_str(&b, MB2_TAG_CMDLINE, "after");
	b_end(&b);
	b_finish(&b);
	CHECK_EQ(walk(b.b, b.len, &r), -EBADMSG);
	CHECK_EQ(r.n, 0);

	b_init(&b);
	b_tag(&b, MB2_TAG_ACPI_OLD, rsdp_v1, 20);
	b_end(&b);
	b_finish(&b);
	CHECK_EQ(walk(b.b, b.len, &r), 0);
	CHECK_EQ(r.n, 1);
	CHECK_EQ(r.ev[0].offset, 16);
	CHECK_EQ(r.ev[0].len, 20);
}

/* Random corruption of the good structure: never out of bounds (ASan),
 * reported pointers inside the buffer, success only with an end tag. */
TEST(test_random_corruption)
{
	struct buf full;
	unsigned int ok = 0;

	good_info(&full);
	xt_srand(42);
	for (int iter = 0; iter < 20000; iter++) {
		struct buf b = full;
		struct rec r;
		unsigned int flips = 1 + (unsigned int)xt_below(4);
		size_t avail = b.len;
		int rc;

		for (unsigned int k = 0; k < flips; k++) {
			size_t at = xt_below(b.len);

			/* Mostly hit size fields so the walk gets somewhere. */
			if (xt_below(2))
				b.b[at] = (u8)xt_rand();
			else
				xt_put32(b.b + (at & ~(size_t)3), (u32)xt_rand() >> xt_below(32));
		}
		if (xt_below(4) == 0)
			avail = xt_below(b.len + 1);
		rc = walk(b.b, avail, &r);
		if (r.out_of_bounds || !(rc == 0 || rc == -EBADMSG || rc == -ENODATA ||
					 rc == -EOVERFLOW)) {
			CHECK_MSG(false, "iteration %d: rc %d, out of bounds %d", iter, rc,
				  r.out_of_bounds);
			break;
		}
		ok += rc == 0;
	}
	/* Some corruptions leave a valid structure (string bytes). */
	CHECK(ok > 0);
}

int main(void)
{
	RUN(test_good);
	RUN(test_bad_args);
	RUN(test_truncated);
	RUN(test_tag_size_below_8);
	RUN(test_tag_past_end);
	RUN(test_mmap_huge_entry_size);
	RUN(test_mmap_entry_size_below_24);
	RUN(test_misaligned_sizes);
	RUN(test_missing_end_tag);
	RUN(test_end_tag_stops);
	RUN(test_acpi_tag_too_short);
	RUN(test_random_corruption);
	return xt_done();
}
