/* libFuzzer target: blk_vbd_name() (lib/vbd_name.c) and the checked ring
 * indices (lib/ring_check.c), both small.
 *
 * Input layout (short inputs are zero-padded to 21 bytes):
 *   [0, 4)    vdev (LE)              [4]  the buffer size, 0 .. 255
 *   [5, 9)    rsp_prod   [9, 13) rsp_cons   [13, 17) req_prod_pvt (LE)
 *   [17, 21)  ring size: 1 << (byte 17 % 32), or the raw u32 when byte 18
 *             is odd (mostly not a power of two)
 *
 * Checked: blk_vbd_name against a decoder written from the Xen
 * vbd-interface table in 64-bit arithmetic: a valid vdev gives 0 and a
 * name that parses back ("xvd", letters in bijective base 26, a partition
 * number without leading zeros, absent for 0) to the same disk and
 * partition when size is at least its length + 1, else -E2BIG; an invalid
 * one -EINVAL; never a write past size (an exact heap buffer). The ring
 * functions against distances computed in 64 bits. */
#include <kernel/blkdev.h>
#include <kernel/errno.h>
#include <xen/ring_check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(...)                                                                         \
	do {                                                                              \
		fprintf(stderr, "fuzz_vbd_name: " __VA_ARGS__);                           \
		fputc('\n', stderr);                                                      \
		abort();                                                                  \
	} while (0)

#define PREFIX 21

static u32 get32(const u8 *p)
{
	return p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

/* 1 and the disk and partition for a valid vdev, else 0. */
static int ref_decode(u32 v, u64 *disk, u64 *part)
{
	u64 major = (v >> 8) & 0xff, minor = v & 0xff;

	if (v >= (2u << 28))
		return 0;
	if (v >= (1u << 28)) {
		*disk = (v - (1u << 28)) / 256;
		*part = v % 256;
		return 1;
	}
	if (v >= 0x10000)
		return 0;
	if (major == 202 || major == 8) {
		*disk = minor / 16;
		*part = minor % 16;
		return 1;
	}
	if ((major == 3 || major == 22) && minor < 128) {
		*disk = minor / 64 + (major == 22 ? 2 : 0);
		*part = minor % 64;
		return 1;
	}
	return 0;
}

static void parse_back(const char *s, u64 *disk, u64 *part)
{
	size_t i = 3;
	u64 d = 0;

	if (strncmp(s, "xvd", 3))
		FAIL("name \"%s\"", s);
	if (s[i] < 'a' || s[i] > 'z')
		FAIL("no letters in \"%s\"", s);
	for (; s[i] >= 'a' && s[i] <= 'z'; i++)
		d = d * 26 + (u64)(s[i] - 'a' + 1);
	*disk = d - 1;
	*part = 0;
	if (s[i] == '0')
		FAIL("leading zero in \"%s\"", s);
	for (; s[i] >= '0' && s[i] <= '9'; i++)
		*part = *part * 10 + (u64)(s[i] - '0');
	if (s[i])
		FAIL("trailing bytes in \"%s\"", s);
}

static void fuzz_name(u32 vdev, size_t size)
{
	char *buf = malloc(size ? size : 1);
	u64 disk = 0, part = 0, d2, p2;
	int valid = ref_decode(vdev, &disk, &part);
	char full[64];
	int rc, rc_full;

	if (!buf)
		abort();
	rc_full = blk_vbd_name(vdev, full, sizeof(full));
	rc = blk_vbd_name(vdev, size ? buf : NULL, size);
	if (!valid) {
		if (rc != -EINVAL || rc_full != -EINVAL)
			FAIL("vdev %#x: rc %d/%d, expected -EINVAL", vdev, rc, rc_full);
		if (full[0] || (size && buf[0]))
			FAIL("vdev %#x: output on error", vdev);
	} else {
		if (rc_full)
			FAIL("vdev %#x: rc %d", vdev, rc_full);
		if (strlen(full) + 1 > BLK_NAME_MAX)
			FAIL("vdev %#x: \"%s\" longer than BLK_NAME_MAX", vdev, full);
		parse_back(full, &d2, &p2);
		if (d2 != disk || p2 != part)
			FAIL("vdev %#x: \"%s\" is disk %llu part %llu, expected %llu %llu", vdev, full,
			     (unsigned long long)d2, (unsigned long long)p2,
			     (unsigned long long)disk, (unsigned long long)part);
		if (size > strlen(full)) {
			if (rc || strcmp(buf, full))
				FAIL("vdev %#x size %zu: rc %d", vdev, size, rc);
		} else if (rc != -E2BIG || (size && buf[0])) {
			FAIL("vdev %#x size %zu: rc %d, expected -E2BIG", vdev, size, rc);
		}
	}
	free(buf);
}

static u64 dist(u32 from, u32 to)
{
	return ((u64)to + 0x100000000ULL - from) % 0x100000000ULL;
}

static void fuzz_ring(u32 prod, u32 cons, u32 req, u32 size)
{
	bool size_ok = size && size <= (1u << 30) && !(size & (size - 1));
	u64 outstanding = dist(cons, req), fresh = dist(cons, prod);
	int want_count, want_free, rc;

	if (!size_ok) {
		want_count = want_free = -EINVAL;
	} else {
		want_count = outstanding > size || fresh > outstanding ? -EPROTO : (int)fresh;
		want_free = outstanding > size ? -EPROTO : (int)(size - outstanding);
	}
	rc = ring_rsp_count(prod, cons, req, size);
	if (rc != want_count)
		FAIL("rsp_count(%#x, %#x, %#x, %#x) = %d, expected %d", prod, cons, req, size, rc,
		     want_count);
	rc = ring_free_slots(req, cons, size);
	if (rc != want_free)
		FAIL("free_slots(%#x, %#x, %#x) = %d, expected %d", req, cons, size, rc, want_free);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	u8 p[PREFIX] = { 0 };
	u32 ring_size;

	memcpy(p, data, size < PREFIX ? size : PREFIX);
	fuzz_name(get32(p), p[4]);
	ring_size = p[18] & 1 ? get32(p + 17) : 1u << (p[17] % 32);
	fuzz_ring(get32(p + 5), get32(p + 9), get32(p + 13), ring_size);
	return 0;
}
