/* The kernel's version: a string printed at boot, and an ELF note that tools
 * (packaging, check-elf.py) read from the image without booting it.
 *
 * The note is named "Xenolith", type XENOLITH_NOTE_VERSION, its descriptor
 * the NUL-terminated version string. It sits in the image's PT_NOTE segment
 * beside Xen's notes; Xen and QEMU look only at notes named "Xen", so it
 * cannot be mistaken for one of theirs. */
#include <kernel/compiler.h>
#include <kernel/types.h>
#include <kernel/version.h>
#include <generated/version.h>

#define XENOLITH_NOTE_VERSION 1
#define NOTE_ALIGN4(n) (((n) + 3) & ~3u)

const char xenolith_version[] = XENOLITH_VERSION;

static const struct {
	u32 namesz, descsz, type;
	char name[NOTE_ALIGN4(sizeof("Xenolith"))];
	char desc[NOTE_ALIGN4(sizeof(XENOLITH_VERSION))];
} xenolith_version_note __used __section(".note.xenolith") __aligned(4) = {
	.namesz = sizeof("Xenolith"),
	.descsz = sizeof(XENOLITH_VERSION),
	.type = XENOLITH_NOTE_VERSION,
	.name = "Xenolith",
	.desc = XENOLITH_VERSION,
};
