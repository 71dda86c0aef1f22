/* Internal interfaces of the block layer (block/ only). */
#ifndef BLOCK_BLK_H
#define BLOCK_BLK_H

#include <kernel/blkdev.h>
#include <kernel/sched.h>

/* Serialises partition scans and partition-table changes (register,
 * resize). A mutex: a scan reads the disk and sleeps. Never taken by
 * blk_unregister_disk(), so a driver that unregisters while a scan waits
 * for its I/O cannot deadlock against it. */
extern struct mutex blk_scan_mutex;

/* Scan disk's partition table and register the partitions found.
 * Caller holds blk_scan_mutex. 0, or -errno from reading the disk. */
int blk_scan_partitions(struct blk_disk *disk);
/* Register partition partno of whole: sectors [start, start + nr) of it.
 * Caller holds blk_scan_mutex. 0 or -errno (-ENODEV once whole is dead,
 * -EEXIST for a taken name, -ENOMEM, -EINVAL for a bad range or a name
 * that does not fit). */
int blk_add_partition(struct blk_disk *whole, unsigned int partno, u64 start, u64 nr);
/* Number of live partitions of whole. */
unsigned int blk_nr_partitions(struct blk_disk *whole);

/* ---- the RAM disk driver (block/ramdisk.c) ---- */
enum ramdisk_mode {
	RAMDISK_DIRECT,   /* done() inside submit, before blk_submit() returns */
	RAMDISK_WORK,     /* done() from the kworker thread */
	RAMDISK_IRQ,      /* done() from a timer, in interrupt context */
};

struct ramdisk_config {
	u64 bytes;                 /* capacity; a multiple of lbs */
	u32 lbs;                   /* logical block size: 512 .. 4096 */
	u32 features;              /* BLK_FEAT_*, as given */
	u32 max_segs;              /* 0: 32 */
	u32 max_sectors;           /* 0: 256 (128 KiB) */
	enum ramdisk_mode mode;
	/* Tests: called from release() (any context) with release_arg. */
	void (*on_release)(void *arg);
	void *release_arg;
};

/* What the driver itself saw (after the layer's splitting). */
struct ramdisk_stats {
	unsigned long requests, reads, writes, fua_writes, flushes, discards;
	unsigned long max_segs_seen;
	unsigned long max_sectors_seen;
};
void ramdisk_get_stats(struct blk_disk *disk, struct ramdisk_stats *st);
/* Tests: fail (-EIO) every request that touches sector (512-byte units
 * on the whole disk); ~0ULL for none. */
void ramdisk_inject_error(struct blk_disk *disk, u64 sector);

/* Create and register a RAM disk named name (zero-filled). 0 with *out
 * set (a reference the caller gives back with blk_put()), or -errno:
 * -EINVAL for a bad configuration, -ENOMEM when memory runs short. */
int ramdisk_create(const char *name, const struct ramdisk_config *cfg,
		   struct blk_disk **out);
/* Change a RAM disk's capacity (keeping the contents that still fit) and
 * tell the layer (blk_disk_resized). Thread context. */
int ramdisk_resize(struct blk_disk *disk, u64 bytes);
/* Is disk a RAM disk (its driver is block/ramdisk.c)? */
bool ramdisk_is(const struct blk_disk *disk);
/* Parse one "SIZE[:LBS]" element of ramdisk=; 0 or -EINVAL. */
int ramdisk_parse_one(const char *s, size_t len, u64 *bytes, u32 *lbs);
/* Create the disks of the ramdisk= option (block_init). */
void ramdisk_boot_init(void);

#endif
