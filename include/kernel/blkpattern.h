/* Seeded test patterns for disks (lib/blkpattern.c), shared by the
 * in-kernel block tests and the lab's dom0 tool, so that either side can
 * write what the other verifies. Each 512-byte sector's contents depend
 * only on (seed, its absolute 512-byte sector number). */
#ifndef KERNEL_BLKPATTERN_H
#define KERNEL_BLKPATTERN_H

#include <kernel/types.h>

void blkpat_fill(void *buf, u64 seed, u64 sector, u64 nr_sectors);
/* 0 if buf holds the pattern; else -EIO with *bad the first sector that
 * differs (when bad is not NULL). */
int blkpat_check(const void *buf, u64 seed, u64 sector, u64 nr_sectors, u64 *bad);

#endif
