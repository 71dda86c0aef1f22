/* The block layer (block/, docs/block.md): disks with asynchronous requests.
 *
 * A driver (blkfront, the RAM disk) fills a struct blk_disk and calls
 * blk_register_disk(); the layer scans MBR/GPT partitions and registers
 * each as a child disk (xvda1, ram0p1 ...) whose requests it remaps to the
 * parent.
 *
 * Units: sectors are always 512 bytes (as blkif counts them), whatever
 * the disk's logical block size; a request's start and length must be
 * multiples of the logical block size (-EINVAL otherwise).
 *
 * A request carries a scatter list of segments, each within one page of
 * the direct map. blk_submit() checks it (bounds, alignment, read-only:
 * -EROFS for a write, flush or discard to a read-only disk, -EOPNOTSUPP
 * for a discard the disk lacks, -ENODEV once the disk is dead) and splits
 * it when it exceeds the disk's limits. blk_submit() returns 0 when it
 * took the request: done() then runs exactly once, possibly in interrupt
 * context (an event handler), possibly before blk_submit() returns. A
 * negative return means the request was refused and done() will not run.
 * From submission until done() the request belongs to the layer and the
 * driver: the submitter must not touch it (the layer restores the fields
 * it changes, sector, flags and done, before calling done()). The sync
 * wrappers sleep: thread context only.
 *
 * Drivers complete a request by calling rq->done(rq, err) (the layer has
 * put its own completion there), exactly once, in any context, and must
 * not touch rq afterwards.
 *
 * Locking: the disk list has a spinlock (blk_lock, irqsave, a leaf);
 * partition scans are serialised by a mutex (blk_scan_mutex); a disk's
 * counters are updated atomically; drivers lock their own queues. */
#ifndef KERNEL_BLKDEV_H
#define KERNEL_BLKDEV_H

#include <kernel/compiler.h>
#include <kernel/atomic.h>

#define SECTOR_SHIFT 9
#define SECTOR_SIZE 512u
#define BLK_NAME_MAX 16

enum blk_op {
	BLK_OP_READ,
	BLK_OP_WRITE,
	BLK_OP_FLUSH,        /* write back the disk's volatile cache */
	BLK_OP_DISCARD,
};

#define BLK_REQ_FUA 0x1u     /* write: on stable storage before done() */

/* Disk features (blk_disk.features). */
#define BLK_FEAT_RO          0x01u
#define BLK_FEAT_FLUSH       0x02u
#define BLK_FEAT_FUA         0x04u
#define BLK_FEAT_DISCARD     0x08u
#define BLK_FEAT_SECURE_DISCARD 0x10u
#define BLK_FEAT_REMOVABLE   0x20u
#define BLK_FEAT_CDROM       0x40u

struct blk_seg {
	void *addr;          /* direct-mapped; addr and len 512-byte aligned */
	u32 len;             /* addr .. addr+len-1 stays within one page */
};

struct blk_request;
typedef void (*blk_done_t)(struct blk_request *rq, int err);

struct blk_request {
	enum blk_op op;
	unsigned int flags;          /* BLK_REQ_* */
	u64 sector;                  /* 512-byte units */
	u64 nr_sectors;              /* discard: given; read/write: set from segs */
	struct blk_seg *segs;
	unsigned int nr_segs;
	blk_done_t done;
	void *priv;                  /* the submitter's */
	/* set by the layer and the driver */
	unsigned int queue;          /* which hardware queue (driver's choice) */
	void *driver_data;
	struct blk_request *parent;  /* a split child's original */
	atomic_t pending;            /* children still running (split parent) */
	int error;
	/* Private to the layer (block/blkdev.c): what it changed and must
	 * restore, and what it allocated for this request. */
	struct {
		struct blk_disk *disk;       /* submitted to; holds a reference */
		blk_done_t done;             /* the submitter's done() */
		u64 sector;                  /* the submitter's sector */
		unsigned int flags;          /* the submitter's flags */
		void *children;              /* split children and their segments */
		struct blk_request *flush;   /* FUA emulation: the flush after it */
	} blk;
};

struct blk_disk;

struct blk_disk_ops {
	/* Start rq (already checked against the limits below, sector is
	 * relative to this disk). 0 if accepted (done() will run), -errno
	 * if refused (done() will not run). Any context. */
	int (*submit)(struct blk_disk *disk, struct blk_request *rq);
	/* Driver lines for `blk` (state, queues, ...); may be NULL. */
	void (*show)(struct blk_disk *disk);
	/* Last reference gone after blk_unregister_disk(): free. May be NULL.
	 * Runs wherever the last blk_put() happens, which may be a request's
	 * completion in interrupt context: it must not sleep. */
	void (*release)(struct blk_disk *disk);
};

struct blk_disk {
	char name[BLK_NAME_MAX];          /* "xvda", "xvdb1", "ram0" */
	u64 nr_sectors;                   /* capacity, 512-byte units */
	u32 logical_block_size;           /* 512 or 4096 */
	u32 physical_block_size;
	u32 features;                     /* BLK_FEAT_* */
	u32 discard_granularity;          /* bytes; 0: none given */
	u32 discard_alignment;            /* bytes */
	u32 max_segs;                     /* per request; max_segs * 512 >= lbs */
	u32 max_sectors;                  /* per request, 512-byte units, >= lbs/512;
					   * discards are never split */
	u32 nr_queues;
	u32 queue_depth;                  /* per queue */
	const struct blk_disk_ops *ops;
	void *driver_data;
	/* set by the layer */
	struct blk_disk *parent;          /* partition: the whole disk */
	u64 start;                        /* partition: first sector on parent */
	unsigned int partno;
	struct blk_disk *next;
	atomic_t refs;
	bool dead;
	unsigned long reads, writes, flushes, discards, errors;
	u64 sectors_read, sectors_written;
};

/* Register a whole disk (driver fields filled), scan partitions. 0 or
 * -errno (-EEXIST for a taken name, -EINVAL for bad geometry: an empty or
 * unterminated name, a logical block size that is not a power of two in
 * 512..4096, limits below one logical block, no submit op). A capacity
 * that is not a whole number of logical blocks is rounded down;
 * physical_block_size 0 means the logical one, nr_queues and queue_depth
 * 0 mean 1. The registry holds one reference, dropped by
 * blk_unregister_disk(). Thread context (the partition scan reads the
 * disk); a failed scan is reported and leaves the disk without
 * partitions. */
int blk_register_disk(struct blk_disk *disk);
/* Capacity changed (backend resize): update, drop the partitions (they
 * go dead like unregistered ones) and rescan. 0 or -errno (-EINVAL for a
 * partition or an unregistered disk, -ENODEV for a dead one). Thread
 * context. */
int blk_disk_resized(struct blk_disk *disk, u64 nr_sectors);
/* The disk and its partitions go dead (new requests: -ENODEV) and leave
 * the list; release() runs when the last reference is put. The driver
 * must complete every outstanding request itself. */
void blk_unregister_disk(struct blk_disk *disk);

/* Look a disk up by name and take a reference; NULL if none. */
struct blk_disk *blk_get(const char *name);
void blk_put(struct blk_disk *disk);
/* Call fn for each registered disk (partitions included), in order. */
void blk_for_each_disk(void (*fn)(struct blk_disk *disk, void *arg), void *arg);

/* The caller holds a reference to disk (blk_get, or it is the driver).
 * Read/write: segs non-empty, nr_sectors is set from them. Flush: no
 * segments; on a disk without BLK_FEAT_FLUSH (no volatile cache) it
 * completes at once with 0. FUA on a disk without BLK_FEAT_FUA becomes
 * the write followed by a flush (done() after the flush) when the disk
 * has BLK_FEAT_FLUSH, and a plain write otherwise (no cache to bypass).
 * Discard: no segments, nr_sectors > 0, -EOPNOTSUPP without
 * BLK_FEAT_DISCARD. Any context. */
int blk_submit(struct blk_disk *disk, struct blk_request *rq);

/* Synchronous I/O on a kernel buffer of any size (sleeps; split to pages
 * and limits by the layer). buf need not be page-aligned but must be
 * 512-byte aligned. 0 or -errno. */
int blk_read(struct blk_disk *disk, u64 sector, void *buf, u64 nr_sectors);
int blk_write(struct blk_disk *disk, u64 sector, const void *buf, u64 nr_sectors,
	      unsigned int flags);
int blk_flush(struct blk_disk *disk);
int blk_discard(struct blk_disk *disk, u64 sector, u64 nr_sectors);

/* Human-readable name of an operation ("read", "write", ...). */
const char *blk_op_name(enum blk_op op);
/* Create the RAM disks the command line asked for (ramdisk=); called
 * once by init, thread context. */
void block_init(void);

/* Name a disk from a Xen virtual-device number (lib/vbd_name.c, pure;
 * Xen's docs/misc/vbd-interface.txt, docs/lib-parsers.md). Like Linux's
 * blkfront, every style is named "xvd" + disk letters (0 a, 25 z, 26 aa,
 * 701 zz, 702 aaa) + the partition number when it is not 0, whatever the
 * style, with the disk index the style gives:
 *   (1 << 28) | disk << 8 | part   extended: disk < 2^20, part < 256
 *   202 << 8 | disk << 4 | part    xvd: disk < 16, part < 16
 *   8 << 8 | disk << 4 | part      sd: disk < 16, part < 16
 *   3 << 8 | disk << 6 | part      hd: disk 0-1, part < 64
 *   22 << 8 | (disk - 2) << 6 | part  hd: disk 2-3, part < 64
 * 0 on success with the NUL-terminated name in buf (at most 12 bytes with
 * the NUL, so BLK_NAME_MAX always suffices); -EINVAL for a value of no
 * style (bits 29-31 set, bits 16-27 set without bit 28, another major, an
 * hd minor of 128 or more); -E2BIG if the name does not fit in size bytes.
 * On an error buf holds "" (when size > 0). */
int blk_vbd_name(u32 vdev, char *buf, size_t size);

#endif
