/* Host tests for blk_vbd_name() (lib/vbd_name.c): the xvd, hd, sd and
 * extended styles from Xen's vbd-interface.txt, the disk letters at every
 * change of length (z/aa, zz/aaa, zzzz/aaaaa, the last extended disk),
 * partition numbers, each invalid form, and every buffer size around the
 * name's length (heap buffers of exactly that size, so ASan sees any
 * write past them). */
#include <kernel/blkdev.h>
#include <kernel/errno.h>
#include <stdlib.h>
#include <string.h>
#include "test.h"

#define EXT(disk, part) ((1u << 28) | (u32)(disk) << 8 | (u32)(part))

static const char *name_of(u32 vdev, int *rc)
{
	static char buf[BLK_NAME_MAX];

	memset(buf, 0x5a, sizeof(buf));
	*rc = blk_vbd_name(vdev, buf, sizeof(buf));
	return buf;
}

#define CHECK_NAME(vdev, expect)                                                          \
	do {                                                                              \
		int rc_;                                                                  \
		const char *n_ = name_of((vdev), &rc_);                                   \
		CHECK_EQ(rc_, 0);                                                         \
		CHECK_STR(n_, (expect));                                                  \
	} while (0)

#define CHECK_BAD(vdev)                                                                   \
	do {                                                                              \
		int rc_;                                                                  \
		const char *n_ = name_of((vdev), &rc_);                                   \
		CHECK_EQ(rc_, -EINVAL);                                                   \
		CHECK_STR(n_, "");                                                        \
	} while (0)

TEST(test_brief_values)
{
	CHECK_NAME(51712, "xvda");
	CHECK_NAME(51728, "xvdb");
	CHECK_NAME(51713, "xvda1");
	CHECK_NAME(768, "xvda");      /* hda */
	CHECK_NAME(2048, "xvda");     /* sda */
	CHECK_NAME(2064, "xvdb");     /* sdb */
	CHECK_NAME(5632, "xvdc");     /* hdc, major 22 */
	CHECK_NAME(EXT(26, 0), "xvdaa");
}

TEST(test_styles)
{
	/* xvd: major 202, 16 disks of 16 partitions. */
	CHECK_NAME(202 << 8 | 15, "xvda15");
	CHECK_NAME(202 << 8 | 0xf0, "xvdp");
	CHECK_NAME(202 << 8 | 0xff, "xvdp15");
	CHECK_NAME(202 << 8 | 0x23, "xvdc3");
	/* sd: major 8, the same shape. */
	CHECK_NAME(8 << 8 | 1, "xvda1");
	CHECK_NAME(8 << 8 | 0xff, "xvdp15");
	/* hd: major 3 for disks 0-1, 22 for 2-3, 64 partitions each. */
	CHECK_NAME(3 << 8 | 63, "xvda63");
	CHECK_NAME(3 << 8 | 64, "xvdb");
	CHECK_NAME(3 << 8 | 65, "xvdb1");
	CHECK_NAME(3 << 8 | 127, "xvdb63");
	CHECK_NAME(22 << 8 | 1, "xvdc1");
	CHECK_NAME(22 << 8 | 64, "xvdd");
	CHECK_NAME(22 << 8 | 127, "xvdd63");
	/* extended: 2^20 disks of 256 partitions. */
	CHECK_NAME(EXT(0, 0), "xvda");
	CHECK_NAME(EXT(0, 255), "xvda255");
	CHECK_NAME(EXT(16, 1), "xvdq1");
	CHECK_NAME(EXT(25, 0), "xvdz");
	CHECK_NAME(EXT(27, 10), "xvdab10");
	CHECK_NAME(EXT(51, 0), "xvdaz");
	CHECK_NAME(EXT(52, 0), "xvdba");
	CHECK_NAME(EXT(701, 0), "xvdzz");
	CHECK_NAME(EXT(702, 0), "xvdaaa");
	CHECK_NAME(EXT(18277, 0), "xvdzzz");
	CHECK_NAME(EXT(18278, 0), "xvdaaaa");
	CHECK_NAME(EXT(475253, 0), "xvdzzzz");
	CHECK_NAME(EXT(475254, 0), "xvdaaaaa");
	CHECK_NAME(EXT(0xfffff, 255), "xvdbgqcv255");
}

TEST(test_invalid)
{
	CHECK_BAD(0);
	CHECK_BAD(1 << 8);
	CHECK_BAD(201 << 8);
	CHECK_BAD(203 << 8);
	CHECK_BAD(255 << 8 | 255);
	CHECK_BAD(3 << 8 | 128);      /* hd minor 128+: no third disk on a major */
	CHECK_BAD(3 << 8 | 255);
	CHECK_BAD(22 << 8 | 128);
	CHECK_BAD(1u << 16 | 202 << 8);  /* bits 16-27 without the extended bit */
	CHECK_BAD(0x0fffffffu);
	CHECK_BAD(1u << 27 | 202 << 8);
	CHECK_BAD(2u << 28);          /* reserved */
	CHECK_BAD(3u << 28);
	CHECK_BAD(EXT(0, 0) | 1u << 29);
	CHECK_BAD(EXT(0, 0) | 1u << 31);
	CHECK_BAD(0xffffffffu);
}

/* Every major that is not one of the four is rejected, and every value of
 * the four decodes. */
TEST(test_all_short_values)
{
	unsigned int ok = 0;

	for (u32 v = 0; v < 0x10000; v++) {
		char buf[BLK_NAME_MAX];
		u32 major = v >> 8;
		bool valid = major == 202 || major == 8 ||
			     ((major == 3 || major == 22) && (v & 0xff) < 128);
		int rc = blk_vbd_name(v, buf, sizeof(buf));

		if (!CHECK_MSG(valid ? rc == 0 : rc == -EINVAL, "vdev %#x: rc %d", v, rc))
			continue;
		if (rc == 0) {
			ok++;
			CHECK(strncmp(buf, "xvd", 3) == 0 && strlen(buf) >= 4 && strlen(buf) <= 9);
		}
	}
	CHECK_EQ(ok, 256 + 256 + 128 + 128);
}

/* Buffer sizes from 0 to one past the name's length: -E2BIG below
 * length + 1 (buf then "" if it has a byte), success from there on. */
TEST(test_buffer_sizes)
{
	static const struct {
		u32 vdev;
		const char *name;
	} cases[] = {
		{ 51712, "xvda" }, { 51713, "xvda1" }, { EXT(0xfffff, 255), "xvdbgqcv255" },
		{ EXT(702, 100), "xvdaaa100" },
	};

	for (unsigned int c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		size_t len = strlen(cases[c].name);

		for (size_t size = 0; size <= len + 1; size++) {
			char *buf = malloc(size ? size : 1);
			int rc;

			if (!buf)
				abort();
			rc = blk_vbd_name(cases[c].vdev, size ? buf : NULL, size);
			if (size <= len) {
				CHECK_EQ(rc, -E2BIG);
				if (size)
					CHECK_EQ(buf[0], '\0');
			} else {
				CHECK_EQ(rc, 0);
				CHECK_STR(buf, cases[c].name);
			}
			free(buf);
		}
	}
	/* An invalid vdev is -EINVAL whatever the size. */
	CHECK_EQ(blk_vbd_name(0, NULL, 0), -EINVAL);
}

int main(void)
{
	RUN(test_brief_values);
	RUN(test_styles);
	RUN(test_invalid);
	RUN(test_all_short_values);
	RUN(test_buffer_sizes);
	return xt_done();
}
