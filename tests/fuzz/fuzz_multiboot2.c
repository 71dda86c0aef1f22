/* libFuzzer target: lib/multiboot2.c's mb2_walk(), fed arbitrary boot
 * information (a loader's data, treated as hostile).
 *
 * Input: a control byte, then the buffer. Control bit 0 set: total_size
 * (the first 4 bytes of the buffer) is overwritten with the buffer's
 * length, so that most inputs get past the header check. The buffer is a
 * heap copy of exactly its length, so ASan reports any read past it.
 *
 * Every callback is recorded and the whole sequence and the return value
 * must match a reference walk written from include/kernel/multiboot2.h's
 * contract with 64-bit offsets (which cannot wrap for these lengths):
 *
 *   header: total = u32 at 0; total < 16: -EBADMSG; total > avail:
 *   -EOVERFLOW. Tags from offset 8 while 8 header bytes fit below total:
 *   size < 8 or past total: -EBADMSG; type 0 ends the walk with 0; 1 and 2
 *   report the bytes up to a NUL or the tag's end; 6 needs 16 bytes and an
 *   entry size >= 24, reports each whole entry, and a partial last one is
 *   -EBADMSG; 14 and 15 need 20 payload bytes and report the payload's
 *   offset and length. The next tag is at the 8-byte-aligned end; past
 *   total: -ENODATA. Reported strings must lie inside the buffer. */
#include "kx.h"
#include <kernel/errno.h>
#include <kernel/multiboot2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(...)                                                                         \
	do {                                                                              \
		fprintf(stderr, "fuzz_multiboot2: " __VA_ARGS__);                         \
		fputc('\n', stderr);                                                      \
		abort();                                                                  \
	} while (0)

#define MAX_EV 4096

struct ev {
	int kind;     /* 1 cmdline, 2 loader, 6 mmap, 14/15 rsdp */
	u64 a, b, c;  /* string: offset, length; mmap: base, len, type; rsdp: off, len */
};

struct log {
	const u8 *buf;
	size_t avail;
	struct ev ev[MAX_EV];
	size_t n;
	size_t overflow; /* events past MAX_EV: counted only */
};

static void log_add(struct log *l, int kind, u64 a, u64 b, u64 c)
{
	if (l->n >= MAX_EV) {
		l->overflow++;
		return;
	}
	l->ev[l->n].kind = kind;
	l->ev[l->n].a = a;
	l->ev[l->n].b = b;
	l->ev[l->n].c = c;
	l->n++;
}

static void log_str(struct log *l, int kind, const char *s, size_t len)
{
	const u8 *p = (const u8 *)s;
	volatile u8 sink = 0;

	if (p < l->buf || p > l->buf + l->avail || len > (size_t)(l->buf + l->avail - p))
		FAIL("string outside the buffer");
	/* Touch every byte so ASan checks the range too. */
	for (size_t i = 0; i < len; i++)
		sink ^= p[i];
	(void)sink;
	log_add(l, kind, (u64)(p - l->buf), len, 0);
}

static void cb_cmdline(void *ctx, const char *s, size_t len)
{
	log_str(ctx, MB2_TAG_CMDLINE, s, len);
}

static void cb_loader(void *ctx, const char *s, size_t len)
{
	log_str(ctx, MB2_TAG_LOADER, s, len);
}

static void cb_mmap(void *ctx, u64 base, u64 len, u32 type)
{
	log_add(ctx, MB2_TAG_MMAP, base, len, type);
}

static void cb_rsdp(void *ctx, size_t offset, size_t len, u32 tag_type)
{
	struct log *l = ctx;

	if (tag_type != MB2_TAG_ACPI_OLD && tag_type != MB2_TAG_ACPI_NEW)
		FAIL("rsdp callback for tag type %u", tag_type);
	if (offset > l->avail || len > l->avail - offset)
		FAIL("rsdp outside the buffer");
	log_add(l, (int)tag_type, offset, len, 0);
}

/* ---------------------------------------------------------------- reference */

static u64 rd32(const u8 *b, u64 off)
{
	u64 v = 0;

	for (int i = 3; i >= 0; i--)
		v = v << 8 | b[off + (u64)i];
	return v;
}

static int ref_walk(const u8 *b, u64 avail, struct log *l)
{
	u64 total, off = 8;

	if (avail < 8)
		return -EOVERFLOW;
	total = rd32(b, 0);
	if (total < 16)
		return -EBADMSG;
	if (total > avail)
		return -EOVERFLOW;
	while (off + 8 <= total) {
		u64 type = rd32(b, off), size = rd32(b, off + 4);

		if (size < 8 || off + size > total)
			return -EBADMSG;
		if (type == MB2_TAG_END)
			return 0;
		if (type == MB2_TAG_CMDLINE || type == MB2_TAG_LOADER) {
			u64 n = 0;

			while (8 + n < size && b[off + 8 + n])
				n++;
			log_add(l, (int)type, off + 8, n, 0);
		} else if (type == MB2_TAG_MMAP) {
			u64 esz, p;

			if (size < 16)
				return -EBADMSG;
			esz = rd32(b, off + 8);
			if (esz < 24)
				return -EBADMSG;
			for (p = 16; p + esz <= size; p += esz)
				log_add(l, MB2_TAG_MMAP, rd32(b, off + p) | rd32(b, off + p + 4) << 32,
					rd32(b, off + p + 8) | rd32(b, off + p + 12) << 32,
					rd32(b, off + p + 16));
			if (p != size)
				return -EBADMSG;
		} else if (type == MB2_TAG_ACPI_OLD || type == MB2_TAG_ACPI_NEW) {
			if (size < 8 + 20)
				return -EBADMSG;
			log_add(l, (int)type, off + 8, size - 8, 0);
		}
		off += (size + 7) / 8 * 8;
	}
	return -ENODATA;
}

/* ---------------------------------------------------------------- driver */

static struct log got, want;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct mb2_visitor v = {
		.ctx = &got,
		.cmdline = cb_cmdline,
		.loader = cb_loader,
		.mmap = cb_mmap,
		.rsdp = cb_rsdp,
	};
	size_t len;
	u8 *buf;
	int rc, ref;

	if (size < 1)
		return 0;
	len = size - 1;
	buf = malloc(len ? len : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, len);
	if ((data[0] & 1) && len >= 4) {
		for (int i = 0; i < 4; i++)
			buf[i] = (u8)(len >> (8 * i));
	}

	memset(&got, 0, sizeof(got));
	memset(&want, 0, sizeof(want));
	got.buf = buf;
	got.avail = len;
	rc = mb2_walk(buf, len, &v);
	ref = ref_walk(buf, len, &want);
	if (rc != ref)
		FAIL("rc %d, reference %d (len %zu)", rc, ref, len);
	if (got.n != want.n || got.overflow != want.overflow)
		FAIL("%zu events, reference %zu", got.n + got.overflow, want.n + want.overflow);
	for (size_t i = 0; i < got.n; i++) {
		const struct ev *g = &got.ev[i], *w = &want.ev[i];

		if (g->kind != w->kind || g->a != w->a || g->b != w->b || g->c != w->c)
			FAIL("event %zu: kind %d %#llx %#llx %#llx, reference kind %d %#llx %#llx %#llx",
			     i, g->kind, (unsigned long long)g->a, (unsigned long long)g->b,
			     (unsigned long long)g->c, w->kind, (unsigned long long)w->a,
			     (unsigned long long)w->b, (unsigned long long)w->c);
	}
	/* NULL arguments are rejected before anything is read. */
	if (mb2_walk(NULL, len, &v) != -EINVAL || mb2_walk(buf, len, NULL) != -EINVAL)
		FAIL("NULL argument not rejected");
	free(buf);
	return 0;
}
