/* The multiboot2 boot information walk (lib/multiboot2.c). Pure code: it
 * looks only at the buffer it is given, never reads outside [info, info +
 * avail), and is built into the kernel and into the host tests. */
#ifndef KERNEL_MULTIBOOT2_H
#define KERNEL_MULTIBOOT2_H

#include <kernel/types.h>

/* Tag types the kernel uses (Multiboot2 specification, section 3.6). */
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_LOADER 2
#define MB2_TAG_MMAP 6
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15

/* Layout: an 8-byte header (total_size, reserved), then tags, each an
 * 8-byte header (type, size) and its payload, starting on 8-byte
 * boundaries; `size` counts the header but not the padding. */
#define MB2_INFO_HDR 8
#define MB2_TAG_HDR 8
#define MB2_TAG_ALIGN 8
/* The memory-map tag: after the tag header, entry_size and entry_version
 * (u32 each), then entries of entry_size bytes that start with base (u64),
 * length (u64) and type (u32, the e820 type). */
#define MB2_MMAP_HDR 16
#define MB2_MMAP_ENTRY_MIN 24
/* An ACPI tag holds a copy of the RSDP: at least its 20-byte v1 part. */
#define MB2_RSDP_V1_LEN 20

/*
 * What the walk found, handed to the caller as it goes. Any callback may be
 * NULL. Pointers point into the caller's buffer and are valid as long as it
 * is.
 *
 *   cmdline, loader  the string's bytes up to its NUL or the tag's end
 *                    (whichever comes first); not NUL-terminated itself.
 *   mmap             one memory-map entry; type is the loader's e820 type.
 *   rsdp             an ACPI tag: offset of the RSDP copy from the start of
 *                    the buffer, its length, and the tag type (14 or 15).
 */
struct mb2_visitor {
	void *ctx;
	void (*cmdline)(void *ctx, const char *s, size_t len);
	void (*loader)(void *ctx, const char *s, size_t len);
	void (*mmap)(void *ctx, u64 base, u64 len, u32 type);
	void (*rsdp)(void *ctx, size_t offset, size_t len, u32 tag_type);
};

/*
 * Walk the boot information at info, of which avail bytes may be read.
 * Tags of other types are skipped. Returns
 *   0          the walk reached the end tag,
 *   -EINVAL    info or v is NULL,
 *   -EOVERFLOW total_size is larger than avail (nothing is parsed),
 *   -EBADMSG   a malformed header or tag: total_size below 16, a tag size
 *              below 8 or past total_size, a memory map with entries
 *              shorter than 24 bytes or a partial last entry, an ACPI tag
 *              too short for an RSDP,
 *   -ENODATA   tags ran out before an end tag.
 * On an error after the header every callback already made stands: what
 * was found before the bad tag is kept.
 */
int mb2_walk(const void *info, size_t avail, const struct mb2_visitor *v);

#endif
