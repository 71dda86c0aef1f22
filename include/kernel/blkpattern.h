/* Seeded test patterns for disks (lib/blkpattern.c), shared by the
 * in-kernel block tests and the lab's dom0 tool (tests/xl/blkpat.c), so
 * that either side can write what the other verifies. Each 512-byte
 * sector's contents depend only on (seed, its absolute 512-byte sector
 * number), byte for byte the same on any host (docs/lib-parsers.md):
 *   [0, 8)     the magic "XLNBLKPT"
 *   [8, 16)    the sector number, little-endian
 *   [16, 24)   the seed, little-endian
 *   [24, 512)  61 little-endian u64 words of a splitmix64 stream started
 *              from the seed and the sector number
 * buf holds nr_sectors * 512 bytes, no alignment needed. */
#ifndef KERNEL_BLKPATTERN_H
#define KERNEL_BLKPATTERN_H

#include <kernel/types.h>

#define BLKPAT_MAGIC "XLNBLKPT"

void blkpat_fill(void *buf, u64 seed, u64 sector, u64 nr_sectors);
/* 0 if buf holds the pattern of sectors sector .. sector + nr_sectors - 1
 * (0 for nr_sectors 0); else -EIO with *bad the absolute number of the
 * first sector that differs (when bad is not NULL; untouched on 0). */
int blkpat_check(const void *buf, u64 seed, u64 sector, u64 nr_sectors, u64 *bad);

#endif
