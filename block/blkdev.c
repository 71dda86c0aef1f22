/* The generic block layer: the disk registry and references, request
 * checking, splitting into driver-sized children, partition remapping,
 * FUA emulation, the synchronous wrappers and per-disk counters.
 * docs/block.md describes the model.
 *
 * Locking:
 * - blk_lock (spinlock, irqsave because blk_put() and therefore the list
 *   may be reached from a completion in interrupt context; a leaf lock)
 *   protects disk_list, every disk's next pointer and dead flag changes,
 *   and the name namespace.
 * - blk_scan_mutex (blk.h) serialises partition scans against each other
 *   and against resizes; it is taken outside blk_lock.
 * - A disk's refs and counters are changed with atomic operations and
 *   need no lock. Requests are owned by whoever runs them (the layer, then
 *   the driver) and are not shared, except a split parent's pending count
 *   and error, which its children update atomically. */
#include <kernel/blkdev.h>
#include <kernel/spinlock.h>
#include <kernel/sched.h>
#include <kernel/mm.h>
#include <kernel/string.h>
#include <kernel/errno.h>
#include <kernel/printk.h>
#include "blk.h"

static DEFINE_SPINLOCK(blk_lock);
static struct blk_disk *disk_list;
DEFINE_MUTEX(blk_scan_mutex);

/* Synchronous waiters sleep on one shared queue. A per-call wait queue or
 * completion on the waiter's stack would be unsafe: the completing side
 * still touches it (the wake-up) after the waiter may have seen the
 * result and returned. The flag is the last thing the completion writes
 * in the waiter's frame. */
static DEFINE_WAITQUEUE(sync_wq);

const char *blk_op_name(enum blk_op op)
{
	switch (op) {
	case BLK_OP_READ:
		return "read";
	case BLK_OP_WRITE:
		return "write";
	case BLK_OP_FLUSH:
		return "flush";
	case BLK_OP_DISCARD:
		return "discard";
	}
	return "?";
}

static inline struct blk_disk *whole_of(struct blk_disk *disk)
{
	return disk->parent ? disk->parent : disk;
}

static void counter_add(unsigned long *c, unsigned long n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

static void counter_add64(u64 *c, u64 n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

static void account_one(struct blk_disk *d, enum blk_op op, u64 sectors, int err)
{
	if (err) {
		counter_add(&d->errors, 1);
		return;
	}
	switch (op) {
	case BLK_OP_READ:
		counter_add(&d->reads, 1);
		counter_add64(&d->sectors_read, sectors);
		break;
	case BLK_OP_WRITE:
		counter_add(&d->writes, 1);
		counter_add64(&d->sectors_written, sectors);
		break;
	case BLK_OP_FLUSH:
		counter_add(&d->flushes, 1);
		break;
	case BLK_OP_DISCARD:
		counter_add(&d->discards, 1);
		break;
	}
}

/* A partition's traffic also shows on its whole disk, so that the whole
 * disk's counters are everything its driver did. */
static void account(struct blk_disk *d, enum blk_op op, u64 sectors, int err)
{
	account_one(d, op, sectors, err);
	if (d->parent)
		account_one(d->parent, op, sectors, err);
}

/* ---- references and the registry ---- */

static void disk_release(struct blk_disk *disk)
{
	struct blk_disk *parent = disk->parent;

	if (parent) {
		/* Partitions are the layer's own allocation. */
		kfree(disk);
		blk_put(parent);
		return;
	}
	if (disk->ops && disk->ops->release)
		disk->ops->release(disk);
}

void blk_put(struct blk_disk *disk)
{
	if (disk && atomic_dec_and_test(&disk->refs))
		disk_release(disk);
}

static struct blk_disk *find_locked(const char *name)
{
	for (struct blk_disk *d = disk_list; d; d = d->next)
		if (!strncmp(d->name, name, BLK_NAME_MAX))
			return d;
	return NULL;
}

struct blk_disk *blk_get(const char *name)
{
	struct blk_disk *d;
	unsigned long flags;

	if (!name)
		return NULL;
	flags = spin_lock_irqsave(&blk_lock);
	d = find_locked(name);
	if (d && !d->dead)
		atomic_inc(&d->refs);
	else
		d = NULL;
	spin_unlock_irqrestore(&blk_lock, flags);
	return d;
}

/* Callbacks may sleep (the monitor prints, tests do I/O), so they run on
 * a snapshot of the list taken under the lock, each disk held by a
 * reference, and never under blk_lock. */
void blk_for_each_disk(void (*fn)(struct blk_disk *disk, void *arg), void *arg)
{
	struct blk_disk **snap = NULL;
	unsigned int n = 0, got;
	unsigned long flags;

	for (;;) {
		unsigned int count = 0;

		flags = spin_lock_irqsave(&blk_lock);
		for (struct blk_disk *d = disk_list; d; d = d->next)
			count++;
		if (snap && count <= n) {
			got = 0;
			for (struct blk_disk *d = disk_list; d; d = d->next) {
				atomic_inc(&d->refs);
				snap[got++] = d;
			}
			spin_unlock_irqrestore(&blk_lock, flags);
			break;
		}
		spin_unlock_irqrestore(&blk_lock, flags);
		kfree(snap);
		if (!count)
			return;
		/* Room for a few disks registered meanwhile. */
		n = count + 4;
		snap = kmalloc(n * sizeof(*snap));
		if (!snap) {
			pr_warn("blk: no memory to list the disks\n");
			return;
		}
	}
	for (unsigned int i = 0; i < got; i++) {
		fn(snap[i], arg);
		blk_put(snap[i]);
	}
	kfree(snap);
}

static bool name_ok(const char *name)
{
	size_t len = strnlen(name, BLK_NAME_MAX);

	if (len == 0 || len == BLK_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (name[i] <= ' ' || name[i] > '~')
			return false;
	return true;
}

static void reset_layer_fields(struct blk_disk *disk)
{
	disk->next = NULL;
	atomic_set(&disk->refs, 1);     /* the registry's */
	disk->dead = false;
	disk->reads = disk->writes = disk->flushes = disk->discards = disk->errors = 0;
	disk->sectors_read = disk->sectors_written = 0;
}

int blk_register_disk(struct blk_disk *disk)
{
	unsigned long flags;
	u32 lbs, per;
	int err;

	if (!disk || !disk->ops || !disk->ops->submit || !name_ok(disk->name))
		return -EINVAL;
	lbs = disk->logical_block_size;
	if (lbs < SECTOR_SIZE || lbs > PAGE_SIZE || (lbs & (lbs - 1)))
		return -EINVAL;
	if (!disk->physical_block_size)
		disk->physical_block_size = lbs;
	if (disk->physical_block_size < lbs)
		return -EINVAL;
	/* A child of a split must be able to hold one logical block. */
	if ((u64)disk->max_segs * SECTOR_SIZE < lbs ||
	    (u64)disk->max_sectors * SECTOR_SIZE < lbs)
		return -EINVAL;
	if (!disk->nr_queues)
		disk->nr_queues = 1;
	if (!disk->queue_depth)
		disk->queue_depth = 1;
	per = lbs >> SECTOR_SHIFT;
	disk->nr_sectors -= disk->nr_sectors % per;
	disk->parent = NULL;
	disk->start = 0;
	disk->partno = 0;
	reset_layer_fields(disk);

	flags = spin_lock_irqsave(&blk_lock);
	if (find_locked(disk->name)) {
		spin_unlock_irqrestore(&blk_lock, flags);
		return -EEXIST;
	}
	{
		struct blk_disk **pp = &disk_list;

		while (*pp)
			pp = &(*pp)->next;
		*pp = disk;
	}
	spin_unlock_irqrestore(&blk_lock, flags);

	mutex_lock(&blk_scan_mutex);
	err = blk_scan_partitions(disk);
	mutex_unlock(&blk_scan_mutex);
	if (err)
		pr_warn("blk: %s: partition scan failed (%d); no partitions\n", disk->name, err);
	return 0;
}

static const struct blk_disk_ops part_ops;

int blk_add_partition(struct blk_disk *whole, unsigned int partno, u64 start, u64 nr)
{
	struct blk_disk *p, *pos;
	unsigned long flags;
	size_t len = strnlen(whole->name, BLK_NAME_MAX);
	bool digit = len && whole->name[len - 1] >= '0' && whole->name[len - 1] <= '9';
	u32 per = whole->logical_block_size >> SECTOR_SHIFT;
	int n;

	if (whole->parent || !nr || nr > whole->nr_sectors || start > whole->nr_sectors - nr ||
	    start % per || nr % per)
		return -EINVAL;
	p = kzalloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	/* "xvda" + 1 -> "xvda1", but "ram0" + 1 -> "ram0p1" so that the
	 * number stays readable. */
	n = snprintf(p->name, sizeof(p->name), "%s%s%u", whole->name, digit ? "p" : "", partno);
	if (n < 0 || n >= (int)sizeof(p->name)) {
		kfree(p);
		return -EINVAL;
	}
	p->nr_sectors = nr;
	p->logical_block_size = whole->logical_block_size;
	p->physical_block_size = whole->physical_block_size;
	p->features = whole->features;
	p->discard_granularity = whole->discard_granularity;
	p->discard_alignment = whole->discard_alignment;
	p->max_segs = whole->max_segs;
	p->max_sectors = whole->max_sectors;
	p->nr_queues = whole->nr_queues;
	p->queue_depth = whole->queue_depth;
	p->ops = &part_ops;
	p->parent = whole;
	p->start = start;
	p->partno = partno;
	reset_layer_fields(p);

	flags = spin_lock_irqsave(&blk_lock);
	if (whole->dead || find_locked(p->name)) {
		int err = whole->dead ? -ENODEV : -EEXIST;

		spin_unlock_irqrestore(&blk_lock, flags);
		kfree(p);
		return err;
	}
	/* Partitions follow their disk in the list, in scan order. */
	pos = whole;
	while (pos->next && pos->next->parent == whole)
		pos = pos->next;
	p->next = pos->next;
	pos->next = p;
	atomic_inc(&whole->refs);       /* a partition keeps its disk */
	spin_unlock_irqrestore(&blk_lock, flags);
	return 0;
}

unsigned int blk_nr_partitions(struct blk_disk *whole)
{
	unsigned long flags = spin_lock_irqsave(&blk_lock);
	unsigned int n = 0;

	for (struct blk_disk *d = disk_list; d; d = d->next)
		n += d->parent == whole;
	spin_unlock_irqrestore(&blk_lock, flags);
	return n;
}

/* Unlink whole's partitions, mark them dead, and return them chained
 * through next (no longer reachable from the list, so the chain is
 * ours). Caller holds blk_lock. */
static struct blk_disk *unlink_partitions_locked(struct blk_disk *whole)
{
	struct blk_disk *chain = NULL, **pp = &disk_list;

	while (*pp) {
		struct blk_disk *d = *pp;

		if (d->parent == whole) {
			*pp = d->next;
			WRITE_ONCE(d->dead, true);
			d->next = chain;
			chain = d;
		} else {
			pp = &d->next;
		}
	}
	return chain;
}

static void put_chain(struct blk_disk *chain)
{
	while (chain) {
		struct blk_disk *next = chain->next;

		chain->next = NULL;
		blk_put(chain);          /* the registry's reference */
		chain = next;
	}
}

void blk_unregister_disk(struct blk_disk *disk)
{
	struct blk_disk *chain, **pp;
	unsigned long flags;
	bool found = false;

	if (!disk || disk->parent) {
		pr_warn("blk: unregister of a partition or of nothing ignored\n");
		return;
	}
	flags = spin_lock_irqsave(&blk_lock);
	for (pp = &disk_list; *pp; pp = &(*pp)->next) {
		if (*pp == disk) {
			*pp = disk->next;
			found = true;
			break;
		}
	}
	if (!found) {
		spin_unlock_irqrestore(&blk_lock, flags);
		return;
	}
	WRITE_ONCE(disk->dead, true);
	disk->next = NULL;
	chain = unlink_partitions_locked(disk);
	spin_unlock_irqrestore(&blk_lock, flags);
	put_chain(chain);
	blk_put(disk);
}

int blk_disk_resized(struct blk_disk *disk, u64 nr_sectors)
{
	struct blk_disk *chain;
	unsigned long flags;
	u32 per;
	int err;

	if (!disk || disk->parent)
		return -EINVAL;
	per = disk->logical_block_size >> SECTOR_SHIFT;
	mutex_lock(&blk_scan_mutex);
	flags = spin_lock_irqsave(&blk_lock);
	if (disk->dead) {
		spin_unlock_irqrestore(&blk_lock, flags);
		mutex_unlock(&blk_scan_mutex);
		return -ENODEV;
	}
	/* Old partitions may describe space that is gone: drop them all and
	 * let the scan find what the table says now. */
	chain = unlink_partitions_locked(disk);
	WRITE_ONCE(disk->nr_sectors, nr_sectors - nr_sectors % per);
	spin_unlock_irqrestore(&blk_lock, flags);
	put_chain(chain);
	err = blk_scan_partitions(disk);
	mutex_unlock(&blk_scan_mutex);
	if (err)
		pr_warn("blk: %s: rescan after resize failed (%d)\n", disk->name, err);
	return 0;
}

static void part_show(struct blk_disk *disk)
{
	kprintf("    partition %u of %s, sectors %llu..%llu\n", disk->partno,
		disk->parent->name, (unsigned long long)disk->start,
		(unsigned long long)(disk->start + disk->nr_sectors - 1));
}

/* A partition's requests never reach ops->submit: blk_submit() remaps
 * them to the whole disk's driver. */
static const struct blk_disk_ops part_ops = {
	.show = part_show,
};

/* ---- request checks ---- */

static int check_segs(struct blk_request *rq, u64 *sectors)
{
	u64 bytes = 0;

	if (!rq->segs || !rq->nr_segs)
		return -EINVAL;
	for (unsigned int i = 0; i < rq->nr_segs; i++) {
		unsigned long a = (unsigned long)rq->segs[i].addr;
		u32 len = rq->segs[i].len;

		if (!a || !len || (a | len) & (SECTOR_SIZE - 1) ||
		    (a & (PAGE_SIZE - 1)) + len > PAGE_SIZE)
			return -EINVAL;
		bytes += len;
	}
	*sectors = bytes >> SECTOR_SHIFT;
	return 0;
}

/* Everything blk_submit() refuses synchronously. Order matters to the
 * callers: a dead disk is -ENODEV whatever the request, and a read-only
 * disk refuses any modification with -EROFS before the shape is looked
 * at. Out-of-capacity is -ERANGE to tell it from a malformed request. */
static int check_request(struct blk_disk *disk, struct blk_request *rq)
{
	struct blk_disk *whole = whole_of(disk);
	u64 n = 0, cap;
	u32 per;
	int err;

	if (READ_ONCE(disk->dead) || READ_ONCE(whole->dead))
		return -ENODEV;
	if (rq->op != BLK_OP_READ && rq->op != BLK_OP_WRITE && rq->op != BLK_OP_FLUSH &&
	    rq->op != BLK_OP_DISCARD)
		return -EINVAL;
	if (rq->op != BLK_OP_READ && (disk->features & BLK_FEAT_RO))
		return -EROFS;
	if (rq->flags & ~BLK_REQ_FUA)
		return -EINVAL;
	if ((rq->flags & BLK_REQ_FUA) && rq->op != BLK_OP_WRITE)
		return -EINVAL;
	switch (rq->op) {
	case BLK_OP_READ:
	case BLK_OP_WRITE:
		err = check_segs(rq, &n);
		if (err)
			return err;
		break;
	case BLK_OP_FLUSH:
		return rq->nr_segs ? -EINVAL : 0;
	case BLK_OP_DISCARD:
		if (rq->nr_segs)
			return -EINVAL;
		if (!(disk->features & BLK_FEAT_DISCARD))
			return -EOPNOTSUPP;
		n = rq->nr_sectors;
		if (!n)
			return -EINVAL;
		break;
	}
	per = disk->logical_block_size >> SECTOR_SHIFT;
	if ((rq->sector | n) % per)
		return -EINVAL;
	cap = READ_ONCE(disk->nr_sectors);
	if (n > cap || rq->sector > cap - n)
		return -ERANGE;
	rq->nr_sectors = n;
	return 0;
}

/* ---- completion ---- */

/* The end of a request the layer took: undo what it changed, count it,
 * call the submitter, and drop the reference blk_submit() took. Nothing
 * here touches rq after the submitter's done(), which may free it. */
static void finish(struct blk_request *rq, int err)
{
	struct blk_disk *disk = rq->blk.disk;
	blk_done_t done = rq->blk.done;
	u64 sectors = rq->nr_sectors;

	kfree(rq->blk.children);
	kfree(rq->blk.flush);
	rq->blk.children = NULL;
	rq->blk.flush = NULL;
	rq->sector = rq->blk.sector;
	rq->flags = rq->blk.flags;
	rq->done = done;
	rq->error = err;
	account(disk, rq->op, sectors, err);
	done(rq, err);
	blk_put(disk);
}

static void fua_flush_done(struct blk_request *f, int err)
{
	finish(f->priv, err);
}

/* The driver (or the last split child) finished rq. An emulated FUA
 * write is not done until a flush after it is. */
static void request_done(struct blk_request *rq, int err)
{
	struct blk_request *f = rq->blk.flush;
	struct blk_disk *whole;

	if (err || !f) {
		finish(rq, err);
		return;
	}
	whole = whole_of(rq->blk.disk);
	memset(f, 0, sizeof(*f));
	f->op = BLK_OP_FLUSH;
	f->done = fua_flush_done;
	f->priv = rq;
	err = whole->ops->submit(whole, f);
	if (err)
		finish(rq, err);
}

static void record_error(struct blk_request *parent, int err)
{
	int zero = 0;

	__atomic_compare_exchange_n(&parent->error, &zero, err, false, __ATOMIC_SEQ_CST,
				    __ATOMIC_SEQ_CST);
}

static void child_put(struct blk_request *parent, long n)
{
	if (atomic_add_return(&parent->pending, -n) == 0)
		request_done(parent, parent->error);
}

static void child_done(struct blk_request *child, int err)
{
	struct blk_request *parent = child->parent;

	if (err)
		record_error(parent, err);
	child_put(parent, 1);
}

/* ---- splitting ---- */

struct seg_cursor {
	unsigned int i;      /* segment */
	u32 off;             /* bytes of it already taken */
};

/* How many bytes the next child starting at cur can carry: as much as
 * max_segs pieces and max_bytes allow, rounded down to a logical block.
 * Every piece is a multiple of 512 bytes, so registration's
 * max_segs * 512 >= lbs guarantees at least one block. */
static u64 child_bytes(const struct blk_request *rq, struct seg_cursor cur, u32 max_segs,
		       u64 max_bytes, u32 lbs)
{
	u64 bytes = 0;
	u32 n = 0;

	while (cur.i < rq->nr_segs && n < max_segs && bytes < max_bytes) {
		u64 piece = MIN((u64)(rq->segs[cur.i].len - cur.off), max_bytes - bytes);

		bytes += piece;
		n++;
		cur.off += (u32)piece;
		if (cur.off == rq->segs[cur.i].len) {
			cur.i++;
			cur.off = 0;
		}
	}
	return bytes - bytes % lbs;
}

/* Take bytes from cur into out (when not NULL); returns the pieces. A
 * segment may be cut in two: both halves stay 512-byte aligned and
 * within their page. */
static u32 take_bytes(const struct blk_request *rq, struct seg_cursor *cur, u64 bytes,
		      struct blk_seg *out)
{
	u32 n = 0;

	while (bytes) {
		const struct blk_seg *s = &rq->segs[cur->i];
		u32 piece = (u32)MIN((u64)(s->len - cur->off), bytes);

		if (out) {
			out[n].addr = (u8 *)s->addr + cur->off;
			out[n].len = piece;
		}
		n++;
		bytes -= piece;
		cur->off += piece;
		if (cur->off == s->len) {
			cur->i++;
			cur->off = 0;
		}
	}
	return n;
}

static bool fits(const struct blk_disk *whole, const struct blk_request *rq)
{
	if (rq->op != BLK_OP_READ && rq->op != BLK_OP_WRITE)
		return true;        /* flushes carry nothing; discards are not split */
	return rq->nr_segs <= whole->max_segs && rq->nr_sectors <= whole->max_sectors;
}

/* Split rq into children that fit whole's limits and start them all; rq
 * completes (request_done) once every child has, with the first error.
 * Children and their segment lists are one allocation, freed by finish().
 * Drivers queue what does not fit their rings, so every child is handed
 * over at once. */
static void split_submit(struct blk_disk *whole, struct blk_request *rq)
{
	u32 lbs = whole->logical_block_size;
	u64 max_bytes = ALIGN_DOWN((u64)whole->max_sectors * SECTOR_SIZE, (u64)lbs);
	struct seg_cursor cur = { 0, 0 };
	u64 nchild = 0, nsegs = 0, sector;
	struct blk_request *ch;
	struct blk_seg *segs;
	u64 k;

	while (cur.i < rq->nr_segs) {
		u64 b = child_bytes(rq, cur, whole->max_segs, max_bytes, lbs);

		nsegs += take_bytes(rq, &cur, b, NULL);
		nchild++;
	}
	ch = kzalloc(nchild * sizeof(*ch) + nsegs * sizeof(*segs));
	if (!ch) {
		request_done(rq, -ENOMEM);
		return;
	}
	rq->blk.children = ch;
	segs = (struct blk_seg *)(ch + nchild);
	cur.i = 0;
	cur.off = 0;
	sector = rq->sector;
	for (k = 0; k < nchild; k++) {
		u64 b = child_bytes(rq, cur, whole->max_segs, max_bytes, lbs);

		ch[k].op = rq->op;
		ch[k].flags = rq->flags;
		ch[k].sector = sector;
		ch[k].nr_sectors = b >> SECTOR_SHIFT;
		ch[k].segs = segs;
		ch[k].nr_segs = take_bytes(rq, &cur, b, segs);
		ch[k].done = child_done;
		ch[k].parent = rq;
		segs += ch[k].nr_segs;
		sector += ch[k].nr_sectors;
	}
	rq->error = 0;
	/* One extra count held while submitting keeps rq from completing
	 * (and the children from being freed) under this loop. */
	atomic_set(&rq->pending, (long)nchild + 1);
	for (k = 0; k < nchild; k++) {
		int err = whole->ops->submit(whole, &ch[k]);

		if (err) {
			/* This child and the ones after it never start. */
			record_error(rq, err);
			child_put(rq, (long)(nchild - k));
			break;
		}
	}
	child_put(rq, 1);
}

int blk_submit(struct blk_disk *disk, struct blk_request *rq)
{
	struct blk_disk *whole;
	int err;

	if (!disk || !rq || !rq->done)
		return -EINVAL;
	err = check_request(disk, rq);
	if (err)
		return err;
	whole = whole_of(disk);
	if (rq->op == BLK_OP_FLUSH && !(whole->features & BLK_FEAT_FLUSH)) {
		/* No volatile cache: nothing to write back. */
		rq->error = 0;
		account(disk, BLK_OP_FLUSH, 0, 0);
		rq->done(rq, 0);
		return 0;
	}
	atomic_inc(&disk->refs);        /* until finish() */
	rq->blk.disk = disk;
	rq->blk.done = rq->done;
	rq->blk.sector = rq->sector;
	rq->blk.flags = rq->flags;
	rq->blk.children = NULL;
	rq->blk.flush = NULL;
	rq->parent = NULL;
	rq->error = 0;
	rq->done = request_done;
	if ((rq->flags & BLK_REQ_FUA) && !(whole->features & BLK_FEAT_FUA)) {
		/* Without FUA, a flush after the write gives the same
		 * guarantee; without a flush either the disk has no cache
		 * to bypass and a plain write is already stable. */
		rq->flags &= ~BLK_REQ_FUA;
		if (whole->features & BLK_FEAT_FLUSH) {
			rq->blk.flush = kzalloc(sizeof(*rq->blk.flush));
			if (!rq->blk.flush) {
				finish(rq, -ENOMEM);
				return 0;
			}
		}
	}
	rq->sector += disk->start;
	if (!fits(whole, rq)) {
		split_submit(whole, rq);
		return 0;
	}
	err = whole->ops->submit(whole, rq);
	if (err) {
		/* Refused: the submitter gets its request back unchanged and
		 * done() does not run. */
		kfree(rq->blk.flush);
		rq->blk.flush = NULL;
		rq->sector = rq->blk.sector;
		rq->flags = rq->blk.flags;
		rq->done = rq->blk.done;
		account(disk, rq->op, 0, err);
		blk_put(disk);
		return err;
	}
	return 0;
}

/* ---- synchronous wrappers ---- */

struct sync_wait {
	int done;
	int err;
};

static void sync_done(struct blk_request *rq, int err)
{
	struct sync_wait *w = rq->priv;

	w->err = err;
	smp_store_release(&w->done, 1);
	wake_up(&sync_wq);
}

static int submit_and_wait(struct blk_disk *disk, struct blk_request *rq)
{
	struct sync_wait w = { 0, 0 };
	int err;

	might_sleep();
	rq->done = sync_done;
	rq->priv = &w;
	err = blk_submit(disk, rq);
	if (err)
		return err;
	/* No timeout: the request's memory is on this stack, so this frame
	 * may not go away before the driver is done with it. Drivers
	 * complete everything, if need be with an error, when they stop. */
	wait_event(sync_wq, smp_load_acquire(&w.done));
	return w.err;
}

#define SYNC_CHUNK_SECTORS 2048u     /* 1 MiB: a multiple of every lbs */
#define SYNC_CHUNK_SEGS (SYNC_CHUNK_SECTORS * SECTOR_SIZE / PAGE_SIZE + 1)

static int rw_sync(struct blk_disk *disk, enum blk_op op, u64 sector, void *buf, u64 n,
		   unsigned int flags)
{
	struct blk_seg *segs;
	u8 *p = buf;
	int err = 0;

	if (!disk || !buf || ((unsigned long)buf & (SECTOR_SIZE - 1)))
		return -EINVAL;
	if (!n)
		return 0;
	segs = kmalloc(SYNC_CHUNK_SEGS * sizeof(*segs));
	if (!segs)
		return -ENOMEM;
	while (n && !err) {
		u64 c = MIN(n, (u64)SYNC_CHUNK_SECTORS), left = c << SECTOR_SHIFT;
		struct blk_request rq = { 0 };
		unsigned int ns = 0;
		u8 *q = p;

		while (left) {
			u64 room = PAGE_SIZE - ((unsigned long)q & (PAGE_SIZE - 1));
			u32 len = (u32)MIN(room, left);

			segs[ns].addr = q;
			segs[ns].len = len;
			ns++;
			q += len;
			left -= len;
		}
		rq.op = op;
		rq.flags = flags;
		rq.sector = sector;
		rq.segs = segs;
		rq.nr_segs = ns;
		err = submit_and_wait(disk, &rq);
		p += c << SECTOR_SHIFT;
		sector += c;
		n -= c;
	}
	kfree(segs);
	return err;
}

int blk_read(struct blk_disk *disk, u64 sector, void *buf, u64 nr_sectors)
{
	return rw_sync(disk, BLK_OP_READ, sector, buf, nr_sectors, 0);
}

int blk_write(struct blk_disk *disk, u64 sector, const void *buf, u64 nr_sectors,
	      unsigned int flags)
{
	/* The segments are not written through for a write. */
	return rw_sync(disk, BLK_OP_WRITE, sector, (void *)buf, nr_sectors, flags);
}

int blk_flush(struct blk_disk *disk)
{
	struct blk_request rq = { 0 };

	if (!disk)
		return -EINVAL;
	rq.op = BLK_OP_FLUSH;
	return submit_and_wait(disk, &rq);
}

int blk_discard(struct blk_disk *disk, u64 sector, u64 nr_sectors)
{
	struct blk_request rq = { 0 };

	if (!disk)
		return -EINVAL;
	rq.op = BLK_OP_DISCARD;
	rq.sector = sector;
	rq.nr_sectors = nr_sectors;
	return submit_and_wait(disk, &rq);
}

void block_init(void)
{
	ramdisk_boot_init();
}
