/* Walk a multiboot2 boot information structure. The loader's data is
 * trusted no more than any other input: every offset is checked against
 * both the claimed total size and the readable length before a byte is
 * read, and all arithmetic is done on size_t values already known to be
 * below those bounds, so no sum can wrap. Pure code, built into the kernel
 * and into the host tests (tests/unit/test_multiboot2.c,
 * tests/fuzz/fuzz_multiboot2.c). */
#include <kernel/errno.h>
#include <kernel/multiboot2.h>

/* Byte-wise little-endian loads: the buffer has no alignment guarantee
 * once a tag is malformed, and this keeps the file free of lib/string. */
static u32 mb2_get32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static u64 mb2_get64(const u8 *p)
{
	return (u64)mb2_get32(p) | (u64)mb2_get32(p + 4) << 32;
}

/* Length of the string in [s, s + max): up to its NUL or max. */
static size_t mb2_strnlen(const u8 *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

/* The memory-map tag, `size` bytes at tag (size >= MB2_TAG_HDR and within
 * the buffer). */
static int mb2_mmap(const u8 *tag, size_t size, const struct mb2_visitor *v)
{
	size_t esz, p;

	if (size < MB2_MMAP_HDR)
		return -EBADMSG;
	esz = mb2_get32(tag + 8);
	if (esz < MB2_MMAP_ENTRY_MIN)
		return -EBADMSG;
	/* Compare against the bytes left rather than adding esz to p: a huge
	 * entry size must end the loop, not wrap the offset. */
	for (p = MB2_MMAP_HDR; size - p >= esz; p += esz) {
		if (v->mmap)
			v->mmap(v->ctx, mb2_get64(tag + p), mb2_get64(tag + p + 8),
				mb2_get32(tag + p + 16));
	}
	/* A partial last entry means entry_size and the tag size disagree;
	 * the whole entries before it were reported. */
	return p == size ? 0 : -EBADMSG;
}

int mb2_walk(const void *info, size_t avail, const struct mb2_visitor *v)
{
	const u8 *b = info;
	size_t total, off;

	if (!b || !v)
		return -EINVAL;
	if (avail < MB2_INFO_HDR)
		return -EOVERFLOW;
	total = mb2_get32(b);
	/* The header and an end tag at least. */
	if (total < MB2_INFO_HDR + MB2_TAG_HDR)
		return -EBADMSG;
	if (total > avail)
		return -EOVERFLOW;

	/* Invariant: off <= total, so total - off never wraps. */
	for (off = MB2_INFO_HDR; total - off >= MB2_TAG_HDR;) {
		const u8 *tag = b + off;
		u32 type = mb2_get32(tag);
		size_t size = mb2_get32(tag + 4), pad;
		int rc = 0;

		if (size < MB2_TAG_HDR || size > total - off)
			return -EBADMSG;
		switch (type) {
		case MB2_TAG_END:
			return 0;
		case MB2_TAG_CMDLINE:
		case MB2_TAG_LOADER: {
			void (*fn)(void *, const char *, size_t) =
				type == MB2_TAG_CMDLINE ? v->cmdline : v->loader;
			const u8 *s = tag + MB2_TAG_HDR;

			if (fn)
				fn(v->ctx, (const char *)s, mb2_strnlen(s, size - MB2_TAG_HDR));
			break;
		}
		case MB2_TAG_MMAP:
			rc = mb2_mmap(tag, size, v);
			break;
		case MB2_TAG_ACPI_OLD:
		case MB2_TAG_ACPI_NEW:
			if (size - MB2_TAG_HDR < MB2_RSDP_V1_LEN)
				rc = -EBADMSG;
			else if (v->rsdp)
				v->rsdp(v->ctx, off + MB2_TAG_HDR, size - MB2_TAG_HDR, type);
			break;
		default:
			break;
		}
		if (rc)
			return rc;
		/* The next tag starts at the next 8-byte boundary; padding
		 * that runs past total_size leaves no room for a tag. */
		pad = (MB2_TAG_ALIGN - size % MB2_TAG_ALIGN) % MB2_TAG_ALIGN;
		off += size;
		if (pad > total - off)
			break;
		off += pad;
	}
	return -ENODATA;
}
