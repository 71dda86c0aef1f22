/* Disk names from Xen virtual-device numbers; see blk_vbd_name() in
 * include/kernel/blkdev.h for the styles and the naming rule. */
#include <kernel/blkdev.h>
#include <kernel/errno.h>

#define VBD_EXTENDED (1u << 28)
#define VBD_MAJOR_XVD 202u
#define VBD_MAJOR_SD 8u
#define VBD_MAJOR_HD01 3u
#define VBD_MAJOR_HD23 22u
/* "xvd", 5 letters (enough for disk 2^20 - 1), 3 digits, NUL. */
#define VBD_NAME_LEN_MAX 12

/* Disk index and partition of vdev, or -EINVAL. */
static int vbd_decode(u32 vdev, u32 *disk, u32 *part)
{
	u32 major, minor;

	if (vdev & VBD_EXTENDED) {
		if (vdev >> 29)
			return -EINVAL;    /* 2 << 28 onwards: reserved */
		*disk = (vdev >> 8) & 0xfffffu;
		*part = vdev & 0xffu;
		return 0;
	}
	if (vdev >> 16)
		return -EINVAL;
	major = vdev >> 8;
	minor = vdev & 0xffu;
	switch (major) {
	case VBD_MAJOR_XVD:
	case VBD_MAJOR_SD:
		*disk = minor >> 4;
		*part = minor & 0xfu;
		return 0;
	case VBD_MAJOR_HD01:
	case VBD_MAJOR_HD23:
		if (minor >> 7)
			return -EINVAL;    /* only two disks per major */
		*disk = (minor >> 6) + (major == VBD_MAJOR_HD23 ? 2 : 0);
		*part = minor & 0x3fu;
		return 0;
	default:
		return -EINVAL;
	}
}

int blk_vbd_name(u32 vdev, char *buf, size_t size)
{
	char name[VBD_NAME_LEN_MAX];
	char letters[8], digits[4];
	unsigned int nl = 0, nd = 0, n = 0;
	u32 disk, part;
	int rc;

	if (size)
		buf[0] = '\0';
	rc = vbd_decode(vdev, &disk, &part);
	if (rc)
		return rc;

	/* Bijective base 26, least significant letter first: 0 a, 25 z,
	 * 26 aa, 701 zz, 702 aaa. */
	{
		u32 d = disk;

		for (;;) {
			letters[nl++] = (char)('a' + d % 26);
			if (d < 26)
				break;
			d = d / 26 - 1;
		}
	}
	if (part) {
		u32 p = part;

		while (p) {
			digits[nd++] = (char)('0' + p % 10);
			p /= 10;
		}
	}

	name[n++] = 'x';
	name[n++] = 'v';
	name[n++] = 'd';
	while (nl)
		name[n++] = letters[--nl];
	while (nd)
		name[n++] = digits[--nd];
	name[n++] = '\0';

	if (n > size)
		return -E2BIG;
	for (unsigned int i = 0; i < n; i++)
		buf[i] = name[i];
	return 0;
}
