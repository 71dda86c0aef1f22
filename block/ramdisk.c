/* RAM disks: a block driver over kernel pages, so that the whole block
 * layer can be exercised natively. ramdisk=SIZE[:LBS][,SIZE[:LBS]...]
 * on the command line creates ram0, ram1, ... at boot; the self-tests
 * create their own with ramdisk_create().
 *
 * Completion happens in one of three ways (enum ramdisk_mode), so that
 * the layer's every completion context gets exercised: inside submit,
 * from the kworker thread, or from a timer in interrupt context.
 *
 * Locking: each disk's queue_lock (irqsave: submit may be called from a
 * completion in interrupt context, and the timer takes it) protects its
 * request queue and the work/timer armed flags. It is a leaf but for the
 * timer and work locks taken inside it when arming. Data copies run
 * without it: concurrent requests to overlapping sectors are the
 * submitters' business, as on any disk.
 *
 * Lifetime: every queued request holds a disk reference (the layer's),
 * and a work or timer run is armed only with a request queued, which that
 * run takes. So when the last request completes nothing else will touch
 * the disk, and release() may free it at once; the processing loops read
 * what they need before each done() and touch nothing after the last. */
#include <kernel/blkdev.h>
#include <kernel/cmdline.h>
#include <kernel/spinlock.h>
#include <kernel/sched.h>
#include <kernel/work.h>
#include <kernel/time.h>
#include <kernel/mm.h>
#include <kernel/string.h>
#include <kernel/errno.h>
#include <kernel/printk.h>
#include "blk.h"

#define RAMDISK_MAX_BYTES (1ULL << 30)
#define RAMDISK_BOOT_MAX 4
#define RAMDISK_IRQ_DELAY_NS (20 * NSEC_PER_USEC)

struct ramdisk {
	struct blk_disk disk;
	u8 **pages;                  /* one per 4 KiB of capacity */
	u64 nr_pages;
	enum ramdisk_mode mode;
	spinlock_t queue_lock;
	struct blk_request *head, **tail;   /* linked through driver_data */
	bool work_armed, timer_armed;
	struct work work;
	struct timer timer;
	unsigned long done_direct, done_work, done_irq;
	struct ramdisk_stats st;      /* updated atomically */
	u64 err_sector;
	void (*on_release)(void *arg);
	void *release_arg;
};

static const struct blk_disk_ops ramdisk_ops;

bool ramdisk_is(const struct blk_disk *disk)
{
	return disk && disk->ops == &ramdisk_ops;
}

static void copy_pages(struct ramdisk *rd, u64 off, u8 *buf, u32 len, bool to_disk)
{
	while (len) {
		u8 *page = rd->pages[off >> PAGE_SHIFT];
		u32 po = (u32)(off & (PAGE_SIZE - 1)), n = (u32)MIN((u64)len, PAGE_SIZE - po);

		if (to_disk)
			memcpy(page + po, buf, n);
		else
			memcpy(buf, page + po, n);
		off += n;
		buf += n;
		len -= n;
	}
}

static void zero_range(struct ramdisk *rd, u64 off, u64 len)
{
	while (len) {
		u32 po = (u32)(off & (PAGE_SIZE - 1));
		u64 n = MIN(len, PAGE_SIZE - po);

		memset(rd->pages[off >> PAGE_SHIFT] + po, 0, n);
		off += n;
		len -= n;
	}
}

static void stat_inc(unsigned long *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

static void stat_max(unsigned long *c, unsigned long v)
{
	unsigned long old = __atomic_load_n(c, __ATOMIC_RELAXED);

	while (old < v && !__atomic_compare_exchange_n(c, &old, v, false, __ATOMIC_RELAXED,
						       __ATOMIC_RELAXED))
		;
}

static int process(struct ramdisk *rd, struct blk_request *rq)
{
	u64 off = rq->sector << SECTOR_SHIFT, cap = rd->nr_pages << PAGE_SHIFT;
	u64 len = rq->nr_sectors << SECTOR_SHIFT, bad = READ_ONCE(rd->err_sector);

	stat_inc(&rd->st.requests);
	stat_max(&rd->st.max_segs_seen, rq->nr_segs);
	stat_max(&rd->st.max_sectors_seen, (unsigned long)rq->nr_sectors);
	switch (rq->op) {
	case BLK_OP_READ:
		stat_inc(&rd->st.reads);
		break;
	case BLK_OP_WRITE:
		stat_inc(&rd->st.writes);
		if (rq->flags & BLK_REQ_FUA)
			stat_inc(&rd->st.fua_writes);
		break;
	case BLK_OP_FLUSH:
		stat_inc(&rd->st.flushes);
		break;
	case BLK_OP_DISCARD:
		stat_inc(&rd->st.discards);
		break;
	}
	if (rq->op != BLK_OP_FLUSH && bad >= rq->sector && bad - rq->sector < rq->nr_sectors)
		return -EIO;

	/* The layer checked against the capacity it knows; the storage is
	 * checked again in case a resize is racing. */
	if (rq->sector > cap >> SECTOR_SHIFT || len > cap - off)
		return -EIO;
	switch (rq->op) {
	case BLK_OP_READ:
	case BLK_OP_WRITE:
		for (unsigned int i = 0; i < rq->nr_segs; i++) {
			copy_pages(rd, off, rq->segs[i].addr, rq->segs[i].len,
				   rq->op == BLK_OP_WRITE);
			off += rq->segs[i].len;
		}
		return 0;
	case BLK_OP_FLUSH:
		return 0;            /* RAM has no cache to write back */
	case BLK_OP_DISCARD:
		zero_range(rd, off, len);
		return 0;
	}
	return -EINVAL;
}

/* Pop the whole queue. Caller holds queue_lock. */
static struct blk_request *pop_all_locked(struct ramdisk *rd)
{
	struct blk_request *list = rd->head;

	rd->head = NULL;
	rd->tail = &rd->head;
	return list;
}

/* Run and complete a popped list. rd may be freed by the last done(). */
static void run_list(struct ramdisk *rd, struct blk_request *rq, unsigned long *counter)
{
	unsigned long n = 0;

	for (struct blk_request *next; rq; rq = next) {
		next = rq->driver_data;
		n++;
		if (!next)
			__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
		rq->done(rq, process(rd, rq));
	}
}

static void ramdisk_work(struct work *w)
{
	struct ramdisk *rd = container_of(w, struct ramdisk, work);
	unsigned long flags = spin_lock_irqsave(&rd->queue_lock);
	struct blk_request *list = pop_all_locked(rd);

	rd->work_armed = false;
	spin_unlock_irqrestore(&rd->queue_lock, flags);
	run_list(rd, list, &rd->done_work);
}

static void ramdisk_timer(struct timer *t)
{
	struct ramdisk *rd = container_of(t, struct ramdisk, timer);
	unsigned long flags = spin_lock_irqsave(&rd->queue_lock);
	struct blk_request *list = pop_all_locked(rd);

	rd->timer_armed = false;
	spin_unlock_irqrestore(&rd->queue_lock, flags);
	run_list(rd, list, &rd->done_irq);
}

static int ramdisk_submit(struct blk_disk *disk, struct blk_request *rq)
{
	struct ramdisk *rd = container_of(disk, struct ramdisk, disk);
	unsigned long flags;

	if (rd->mode == RAMDISK_DIRECT) {
		__atomic_fetch_add(&rd->done_direct, 1, __ATOMIC_RELAXED);
		rq->done(rq, process(rd, rq));
		return 0;
	}
	rq->driver_data = NULL;
	flags = spin_lock_irqsave(&rd->queue_lock);
	*rd->tail = rq;
	rd->tail = (struct blk_request **)&rq->driver_data;
	if (rd->mode == RAMDISK_WORK && !rd->work_armed) {
		rd->work_armed = true;
		schedule_work(&rd->work);
	} else if (rd->mode == RAMDISK_IRQ && !rd->timer_armed) {
		rd->timer_armed = true;
		timer_add(&rd->timer, clock_ns() + RAMDISK_IRQ_DELAY_NS, ramdisk_timer);
	}
	spin_unlock_irqrestore(&rd->queue_lock, flags);
	return 0;
}

static const char *mode_name(enum ramdisk_mode m)
{
	return m == RAMDISK_DIRECT ? "direct" : m == RAMDISK_WORK ? "kworker" : "irq";
}

static void ramdisk_show(struct blk_disk *disk)
{
	struct ramdisk *rd = container_of(disk, struct ramdisk, disk);

	kprintf("    ramdisk: %llu pages, completion %s; completed %lu direct, %lu kworker, "
		"%lu irq\n", (unsigned long long)rd->nr_pages, mode_name(rd->mode),
		rd->done_direct, rd->done_work, rd->done_irq);
}

static void free_storage(u8 **pages, u64 from, u64 to)
{
	for (u64 i = from; i < to; i++)
		if (pages[i])
			free_pages(pages[i], 1);
}

void ramdisk_get_stats(struct blk_disk *disk, struct ramdisk_stats *st)
{
	struct ramdisk *rd = container_of(disk, struct ramdisk, disk);

	if (ramdisk_is(disk))
		*st = rd->st;
	else
		memset(st, 0, sizeof(*st));
}

void ramdisk_inject_error(struct blk_disk *disk, u64 sector)
{
	if (ramdisk_is(disk))
		WRITE_ONCE(container_of(disk, struct ramdisk, disk)->err_sector, sector);
}

static void ramdisk_release(struct blk_disk *disk)
{
	struct ramdisk *rd = container_of(disk, struct ramdisk, disk);

	if (rd->on_release)
		rd->on_release(rd->release_arg);

	free_storage(rd->pages, 0, rd->nr_pages);
	kfree(rd->pages);
	kfree(rd);
}

static const struct blk_disk_ops ramdisk_ops = {
	.submit = ramdisk_submit,
	.show = ramdisk_show,
	.release = ramdisk_release,
};

static bool lbs_ok(u32 lbs)
{
	return lbs == 512 || lbs == 1024 || lbs == 2048 || lbs == 4096;
}

/* Pages for bytes of storage, or NULL. Refuses to take more than half of
 * what is free, so that a large ramdisk= cannot starve the kernel. */
static u8 **alloc_storage(u64 nr_pages)
{
	u8 **pages;

	if (nr_pages > mm_free_pages() / 2)
		return NULL;
	pages = kzalloc(nr_pages * sizeof(*pages));
	if (!pages)
		return NULL;
	for (u64 i = 0; i < nr_pages; i++) {
		pages[i] = alloc_pages(1);
		if (!pages[i]) {
			free_storage(pages, 0, i);
			kfree(pages);
			return NULL;
		}
	}
	return pages;
}

int ramdisk_create(const char *name, const struct ramdisk_config *cfg, struct blk_disk **out)
{
	struct ramdisk *rd;
	u64 nr_pages;
	int err;

	if (!name || !cfg || !out || !lbs_ok(cfg->lbs) || !cfg->bytes ||
	    cfg->bytes > RAMDISK_MAX_BYTES || cfg->bytes % cfg->lbs ||
	    cfg->mode > RAMDISK_IRQ || strnlen(name, BLK_NAME_MAX) >= BLK_NAME_MAX)
		return -EINVAL;
	rd = kzalloc(sizeof(*rd));
	if (!rd)
		return -ENOMEM;
	nr_pages = DIV_ROUND_UP(cfg->bytes, PAGE_SIZE);
	rd->pages = alloc_storage(nr_pages);
	if (!rd->pages) {
		kfree(rd);
		return -ENOMEM;
	}
	rd->nr_pages = nr_pages;
	rd->mode = cfg->mode;
	rd->err_sector = ~0ULL;
	rd->on_release = cfg->on_release;
	rd->release_arg = cfg->release_arg;
	spin_lock_init(&rd->queue_lock, "ramdisk.queue_lock");
	rd->tail = &rd->head;
	rd->work.fn = ramdisk_work;
	strlcpy(rd->disk.name, name, BLK_NAME_MAX);
	rd->disk.nr_sectors = cfg->bytes >> SECTOR_SHIFT;
	rd->disk.logical_block_size = cfg->lbs;
	rd->disk.physical_block_size = MAX(cfg->lbs, (u32)PAGE_SIZE);
	rd->disk.features = cfg->features;
	if (cfg->features & BLK_FEAT_DISCARD)
		rd->disk.discard_granularity = cfg->lbs;
	rd->disk.max_segs = cfg->max_segs ? cfg->max_segs : 32;
	rd->disk.max_sectors = cfg->max_sectors ? cfg->max_sectors : 256;
	rd->disk.nr_queues = 1;
	rd->disk.queue_depth = 64;
	rd->disk.ops = &ramdisk_ops;
	rd->disk.driver_data = rd;
	err = blk_register_disk(&rd->disk);
	if (err) {
		ramdisk_release(&rd->disk);
		return err;
	}
	/* The caller's reference, next to the registry's. */
	atomic_inc(&rd->disk.refs);
	*out = &rd->disk;
	return 0;
}

int ramdisk_resize(struct blk_disk *disk, u64 bytes)
{
	struct ramdisk *rd;
	u64 nr_pages;
	u8 **pages;

	if (!ramdisk_is(disk))
		return -EINVAL;
	rd = container_of(disk, struct ramdisk, disk);
	if (!bytes || bytes > RAMDISK_MAX_BYTES || bytes % disk->logical_block_size)
		return -EINVAL;
	nr_pages = DIV_ROUND_UP(bytes, PAGE_SIZE);
	if (nr_pages > rd->nr_pages) {
		/* Grow: new pages first, then the new table; the old pages
		 * keep their contents. */
		u64 extra = nr_pages - rd->nr_pages;
		u8 **more = alloc_storage(extra);

		if (!more)
			return -ENOMEM;
		pages = kzalloc(nr_pages * sizeof(*pages));
		if (!pages) {
			free_storage(more, 0, extra);
			kfree(more);
			return -ENOMEM;
		}
		memcpy(pages, rd->pages, rd->nr_pages * sizeof(*pages));
		memcpy(pages + rd->nr_pages, more, extra * sizeof(*pages));
		kfree(more);
		kfree(rd->pages);
		rd->pages = pages;
		rd->nr_pages = nr_pages;
		return blk_disk_resized(disk, bytes >> SECTOR_SHIFT);
	}
	/* Shrink: the layer first, so that no new request reaches the pages
	 * about to go (process() checks the storage too). */
	{
		int err = blk_disk_resized(disk, bytes >> SECTOR_SHIFT);

		if (err)
			return err;
		free_storage(rd->pages, nr_pages, rd->nr_pages);
		rd->nr_pages = nr_pages;
	}
	return 0;
}

/* ---- ramdisk= ---- */

static struct {
	u64 bytes;
	u32 lbs;
} boot_disks[RAMDISK_BOOT_MAX];
static unsigned int nr_boot_disks;

int ramdisk_parse_one(const char *s, size_t len, u64 *bytes, u32 *lbs)
{
	char num[24];
	const char *colon = memchr(s, ':', len);
	size_t nlen = colon ? (size_t)(colon - s) : len;
	u64 v, mul = 1;
	unsigned int l = SECTOR_SIZE;

	if (!nlen || nlen >= sizeof(num))
		return -EINVAL;
	memcpy(num, s, nlen);
	num[nlen] = '\0';
	switch (num[nlen - 1]) {
	case 'K': case 'k': mul = 1ULL << 10; break;
	case 'M': case 'm': mul = 1ULL << 20; break;
	case 'G': case 'g': mul = 1ULL << 30; break;
	default: break;
	}
	if (mul != 1)
		num[--nlen] = '\0';
	if (!nlen || kstrtou64(num, 10, &v) || v > RAMDISK_MAX_BYTES / mul)
		return -EINVAL;
	v *= mul;
	if (colon) {
		size_t llen = len - (size_t)(colon - s) - 1;
		char lb[8];

		if (!llen || llen >= sizeof(lb))
			return -EINVAL;
		memcpy(lb, colon + 1, llen);
		lb[llen] = '\0';
		if (kstrtouint(lb, 10, &l))
			return -EINVAL;
	}
	if (!lbs_ok(l) || !v || v % l)
		return -EINVAL;
	*bytes = v;
	*lbs = l;
	return 0;
}

static int set_ramdisk(const char *val)
{
	const char *p = val;
	unsigned int n = 0;

	if (!val || !*val)
		goto bad;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (n == RAMDISK_BOOT_MAX) {
			pr_warn("ramdisk: at most %u disks\n", RAMDISK_BOOT_MAX);
			goto bad;
		}
		if (ramdisk_parse_one(p, len, &boot_disks[n].bytes, &boot_disks[n].lbs))
			goto bad;
		n++;
		p += len + (e ? 1 : 0);
	}
	nr_boot_disks = n;
	return 0;
bad:
	nr_boot_disks = 0;
	pr_warn("ramdisk: '%s' is not SIZE[:LBS][,SIZE[:LBS]...] with SIZE a multiple of LBS "
		"up to 1G (suffix K, M or G) and LBS 512, 1024, 2048 or 4096; no RAM disks\n",
		val ? val : "");
	return -EINVAL;
}
CMDLINE_OPTION(ramdisk, "ramdisk", set_ramdisk, "SIZE[:LBS][,...]: RAM disks ram0...");

void ramdisk_boot_init(void)
{
	for (unsigned int i = 0; i < nr_boot_disks; i++) {
		struct ramdisk_config cfg = {
			.bytes = boot_disks[i].bytes,
			.lbs = boot_disks[i].lbs,
			.features = BLK_FEAT_FLUSH | BLK_FEAT_FUA | BLK_FEAT_DISCARD,
			.mode = RAMDISK_WORK,
		};
		struct blk_disk *d;
		char name[BLK_NAME_MAX];
		int err;

		snprintf(name, sizeof(name), "ram%u", i);
		err = ramdisk_create(name, &cfg, &d);
		if (err) {
			pr_err("ramdisk: %s (%llu bytes, %u-byte blocks) not created: %d%s\n", name,
			       (unsigned long long)cfg.bytes, cfg.lbs, err,
			       err == -ENOMEM ? " (more than half the free memory?)" : "");
			continue;
		}
		pr_info("ramdisk: %s: %llu MiB, %u-byte blocks\n", name,
			(unsigned long long)(cfg.bytes >> 20), cfg.lbs);
		blk_put(d);
	}
}
