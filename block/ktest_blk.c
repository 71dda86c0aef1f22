/* KTAP suite "blk": the block layer against RAM disks the suite creates
 * (512- and 4096-byte logical blocks, every completion context), and
 * read-only checks or the blktest data-integrity protocol
 * (docs/block.md) against every other disk. */
#include <kernel/blkdev.h>
#include <kernel/blkpattern.h>
#include <kernel/cmdline.h>
#include <kernel/crc32.h>
#include <kernel/ktest.h>
#include <kernel/monitor.h>
#include <kernel/sched.h>
#include <kernel/time.h>
#include <kernel/mm.h>
#include <kernel/string.h>
#include <kernel/errno.h>
#include <kernel/printk.h>
#include "blk.h"

#define KT_PREFIX "ktblk"

static struct blk_disk *mkdisk(struct ktest *t, const char *name, u64 bytes, u32 lbs,
			       u32 features, u32 max_segs, u32 max_sectors, enum ramdisk_mode mode)
{
	struct ramdisk_config cfg = {
		.bytes = bytes, .lbs = lbs, .features = features, .max_segs = max_segs,
		.max_sectors = max_sectors, .mode = mode,
	};
	struct blk_disk *d = NULL;
	int err = ramdisk_create(name, &cfg, &d);

	if (err)
		ktest_fail(t, __FILE__, __LINE__, "ramdisk_create(%s): %d", name, err);
	return err ? NULL : d;
}

static void rmdisk(struct blk_disk *d)
{
	if (!d)
		return;
	blk_unregister_disk(d);
	blk_put(d);
}

#define FEAT_ALL (BLK_FEAT_FLUSH | BLK_FEAT_FUA | BLK_FEAT_DISCARD)

/* A one-shot asynchronous submission whose done() is counted. */
struct probe {
	int calls;
	int err;
};

static DEFINE_WAITQUEUE(probe_wq);

static void probe_done(struct blk_request *rq, int err)
{
	struct probe *p = rq->priv;

	p->err = err;
	__atomic_fetch_add(&p->calls, 1, __ATOMIC_SEQ_CST);
	wake_up(&probe_wq);
}

static int submit_probe(struct blk_disk *d, struct blk_request *rq, struct probe *p)
{
	int err;

	p->calls = 0;
	p->err = 1;
	rq->done = probe_done;
	rq->priv = p;
	err = blk_submit(d, rq);
	if (err)
		return err;
	wait_event(probe_wq, __atomic_load_n(&p->calls, __ATOMIC_SEQ_CST) != 0);
	/* A second done() would show up here. */
	sleep_ns(NSEC_PER_MSEC);
	return p->calls == 1 ? p->err : -EPROTO;
}

/* ---- 1: checks ---- */

static void checks_on(struct ktest *t, u32 lbs)
{
	struct blk_disk *d = mkdisk(t, lbs == 512 ? KT_PREFIX "c0" : KT_PREFIX "c1", 1 << 20,
				    lbs, BLK_FEAT_FLUSH, 0, 0, RAMDISK_DIRECT);
	u32 per = lbs >> SECTOR_SHIFT;
	u64 last = (1 << 20) / SECTOR_SIZE - per;
	u8 *buf = alloc_pages(2);
	struct blk_seg seg;
	struct blk_request rq;
	struct probe p;

	KT_ASSERT(t, d && buf);
	KT_EXPECT_EQ(t, d->nr_sectors, (1 << 20) / SECTOR_SIZE);
	/* First and last block round trip. */
	memset(buf, 0xa5, lbs);
	KT_EXPECT_EQ(t, blk_write(d, 0, buf, per, 0), 0);
	KT_EXPECT_EQ(t, blk_write(d, last, buf, per, BLK_REQ_FUA), 0);
	memset(buf, 0, lbs);
	KT_EXPECT_EQ(t, blk_read(d, last, buf, per), 0);
	KT_EXPECT(t, buf[0] == 0xa5 && buf[lbs - 1] == 0xa5);
	/* Bounds, overflow-safe. */
	KT_EXPECT_EQ(t, blk_read(d, last + per, buf, per), -ERANGE);
	KT_EXPECT_EQ(t, blk_read(d, last, buf, 2 * per), -ERANGE);
	KT_EXPECT_EQ(t, blk_read(d, ~0ULL - per + 1, buf, per), -ERANGE);
	KT_EXPECT_EQ(t, blk_discard(d, 0, ~0ULL), -EOPNOTSUPP);
	/* Alignment to the logical block. */
	if (per > 1) {
		KT_EXPECT_EQ(t, blk_read(d, 1, buf, per), -EINVAL);
		KT_EXPECT_EQ(t, blk_read(d, 0, buf, 1), -EINVAL);
	}
	KT_EXPECT_EQ(t, blk_read(d, 0, buf + 1, per), -EINVAL);
	/* Segments: 512-aligned, within a page, non-empty list. */
	memset(&rq, 0, sizeof(rq));
	rq.op = BLK_OP_READ;
	seg.addr = buf + 256;
	seg.len = 512;
	rq.segs = &seg;
	rq.nr_segs = 1;
	KT_EXPECT_EQ(t, submit_probe(d, &rq, &p), -EINVAL);
	seg.addr = buf + PAGE_SIZE - 512;
	seg.len = 1024;
	KT_EXPECT_EQ(t, submit_probe(d, &rq, &p), -EINVAL);
	rq.nr_segs = 0;
	KT_EXPECT_EQ(t, submit_probe(d, &rq, &p), -EINVAL);
	/* Flush takes no segments; FUA only on writes; unknown flags. */
	memset(&rq, 0, sizeof(rq));
	rq.op = BLK_OP_FLUSH;
	rq.segs = &seg;
	rq.nr_segs = 1;
	KT_EXPECT_EQ(t, submit_probe(d, &rq, &p), -EINVAL);
	rq.segs = NULL;
	rq.nr_segs = 0;
	KT_EXPECT_EQ(t, submit_probe(d, &rq, &p), 0);
	seg.addr = buf;
	seg.len = lbs;
	memset(&rq, 0, sizeof(rq));
	rq.op = BLK_OP_READ;
	rq.flags = BLK_REQ_FUA;
	rq.segs = &seg;
	rq.nr_segs = 1;
	KT_EXPECT_EQ(t, submit_probe(d, &rq, &p), -EINVAL);
	rq.flags = 0x80;
	KT_EXPECT_EQ(t, submit_probe(d, &rq, &p), -EINVAL);
	rq.flags = 0;
	rq.op = (enum blk_op)7;
	KT_EXPECT_EQ(t, submit_probe(d, &rq, &p), -EINVAL);
	/* A refused request comes back unchanged. */
	rq.op = BLK_OP_READ;
	rq.sector = d->nr_sectors;
	KT_EXPECT_EQ(t, submit_probe(d, &rq, &p), -ERANGE);
	KT_EXPECT(t, rq.done == probe_done && rq.sector == d->nr_sectors);
	KT_EXPECT_EQ(t, p.calls, 0);
	/* An accepted one too, once done. */
	rq.sector = per;
	KT_EXPECT_EQ(t, submit_probe(d, &rq, &p), 0);
	KT_EXPECT(t, rq.done == probe_done && rq.sector == per && rq.nr_sectors == per);
	/* Bad arguments to the API itself. */
	KT_EXPECT_EQ(t, blk_submit(NULL, &rq), -EINVAL);
	KT_EXPECT_EQ(t, blk_submit(d, NULL), -EINVAL);
	KT_EXPECT(t, blk_get(NULL) == NULL);
	KT_EXPECT(t, blk_get("no-such-disk") == NULL);
	free_pages(buf, 2);
	rmdisk(d);
}

static void checks_512(struct ktest *t)
{
	checks_on(t, 512);
}

static void checks_4096(struct ktest *t)
{
	checks_on(t, 4096);
}

static void register_checks(struct ktest *t)
{
	static const struct blk_disk_ops ops = { 0 };
	struct blk_disk bad = { .name = "ktblkbad", .nr_sectors = 8, .logical_block_size = 512,
				.max_segs = 1, .max_sectors = 8, .ops = &ops };
	struct blk_disk *d = mkdisk(t, KT_PREFIX "r0", 64 << 10, 512, 0, 0, 0, RAMDISK_DIRECT);
	struct ramdisk_config cfg = { .bytes = 64 << 10, .lbs = 512 };
	struct blk_disk *dup;

	KT_ASSERT(t, d);
	KT_EXPECT_EQ(t, blk_register_disk(&bad), -EINVAL);        /* no submit */
	KT_EXPECT_EQ(t, blk_register_disk(NULL), -EINVAL);
	KT_EXPECT_EQ(t, ramdisk_create(KT_PREFIX "r0", &cfg, &dup), -EEXIST);
	cfg.lbs = 1000;
	KT_EXPECT_EQ(t, ramdisk_create(KT_PREFIX "r1", &cfg, &dup), -EINVAL);
	cfg.lbs = 4096;
	cfg.bytes = 6144;
	KT_EXPECT_EQ(t, ramdisk_create(KT_PREFIX "r1", &cfg, &dup), -EINVAL);
	rmdisk(d);
}

static void ramdisk_option(struct ktest *t)
{
	static const struct {
		const char *s;
		int err;
		u64 bytes;
		u32 lbs;
	} cases[] = {
		{ "8M", 0, 8 << 20, 512 },     { "8M:4096", 0, 8 << 20, 4096 },
		{ "64k", 0, 64 << 10, 512 },    { "1048576:2048", 0, 1 << 20, 2048 },
		{ "1G", 0, 1ULL << 30, 512 },   { "2G", -EINVAL, 0, 0 },
		{ "", -EINVAL, 0, 0 },          { "8M:", -EINVAL, 0, 0 },
		{ "8M:1000", -EINVAL, 0, 0 },   { "6144:4096", -EINVAL, 0, 0 },
		{ "0", -EINVAL, 0, 0 },         { "M", -EINVAL, 0, 0 },
		{ "12x", -EINVAL, 0, 0 },       { "99999999999999999999G", -EINVAL, 0, 0 },
		{ "-1", -EINVAL, 0, 0 },        { "1000", -EINVAL, 0, 0 },
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
		u64 bytes = 0;
		u32 lbs = 0;
		int err = ramdisk_parse_one(cases[i].s, strlen(cases[i].s), &bytes, &lbs);

		if (err != cases[i].err || (!err && (bytes != cases[i].bytes || lbs != cases[i].lbs)))
			ktest_fail(t, __FILE__, __LINE__, "ramdisk '%s': %d %llu %u", cases[i].s,
				   err, (unsigned long long)bytes, lbs);
	}
}

/* ---- 2: read-only, dead disks, references ---- */

static void read_only(struct ktest *t)
{
	struct blk_disk *d = mkdisk(t, KT_PREFIX "ro", 256 << 10, 512,
				    BLK_FEAT_RO | FEAT_ALL, 0, 0, RAMDISK_WORK);
	u8 *buf = alloc_pages(1);

	KT_ASSERT(t, d && buf);
	KT_EXPECT_EQ(t, blk_read(d, 0, buf, 8), 0);
	KT_EXPECT_EQ(t, blk_write(d, 0, buf, 8, 0), -EROFS);
	KT_EXPECT_EQ(t, blk_write(d, 0, buf, 8, BLK_REQ_FUA), -EROFS);
	KT_EXPECT_EQ(t, blk_flush(d), -EROFS);
	KT_EXPECT_EQ(t, blk_discard(d, 0, 8), -EROFS);
	free_pages(buf, 1);
	rmdisk(d);
}

static volatile int released;

static void mark_released(void *arg)
{
	__atomic_store_n(&released, 1, __ATOMIC_SEQ_CST);
}

static void write_mbr(u8 *sec, const u64 (*parts)[2], unsigned int n);

static void unregister_with_refs(struct ktest *t)
{
	struct ramdisk_config cfg = { .bytes = 1 << 20, .lbs = 512, .features = FEAT_ALL,
				      .mode = RAMDISK_IRQ, .on_release = mark_released };
	static const u64 parts[1][2] = { { 64, 512 } };
	struct blk_disk *d = NULL, *p, *again;
	u8 *buf = alloc_pages(1);

	released = 0;
	KT_ASSERT(t, buf);
	KT_ASSERT(t, ramdisk_create(KT_PREFIX "u0", &cfg, &d) == 0);
	write_mbr(buf, parts, 1);
	KT_EXPECT_EQ(t, blk_write(d, 0, buf, 1, 0), 0);
	KT_EXPECT_EQ(t, blk_disk_resized(d, d->nr_sectors), 0);
	p = blk_get(KT_PREFIX "u0p1");
	KT_ASSERT(t, p != NULL);
	/* Drop our whole-disk reference: the partition's keeps it alive. */
	blk_put(d);
	blk_unregister_disk(d);
	KT_EXPECT(t, blk_get(KT_PREFIX "u0") == NULL);
	KT_EXPECT(t, blk_get(KT_PREFIX "u0p1") == NULL);
	KT_EXPECT_EQ(t, released, 0);
	KT_EXPECT(t, p->dead);
	KT_EXPECT_EQ(t, blk_read(p, 0, buf, 1), -ENODEV);
	KT_EXPECT_EQ(t, blk_read(d, 0, buf, 1), -ENODEV);
	/* The name is free again at once. */
	again = mkdisk(t, KT_PREFIX "u0", 64 << 10, 512, 0, 0, 0, RAMDISK_DIRECT);
	KT_EXPECT(t, again != NULL);
	rmdisk(again);
	KT_EXPECT_EQ(t, released, 0);
	blk_put(p);
	KT_EXPECT_EQ(t, released, 1);
	free_pages(buf, 1);
}

/* ---- 3: splitting ---- */

/* Fill segs with a layout of varied segment sizes over pages: lengths
 * 512..4096 cycling, each inside its own page at a 512-aligned offset. */
static unsigned int odd_layout(u8 *pages, unsigned int npages, u64 bytes, struct blk_seg *segs,
			       unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int i = 0; bytes && i < npages && n < max; i++) {
		u32 len = (u32)MIN((u64)(((i * 3) % 8) + 1) * 512, bytes);
		u32 off = (u32)((PAGE_SIZE - len) & ~511UL);

		segs[n].addr = pages + (u64)i * PAGE_SIZE + (i & 1 ? off : 0);
		segs[n].len = len;
		n++;
		bytes -= len;
	}
	return bytes ? 0 : n;
}

static void split_on(struct ktest *t, u32 lbs, const char *name)
{
	enum { NP = 96 };
	/* Small limits so that nearly everything splits: 8 (or 9) segments,
	 * 16 KiB per request. */
	struct blk_disk *d = mkdisk(t, name, 2 << 20, lbs, FEAT_ALL, lbs == 512 ? 3 : 9, 32,
				    RAMDISK_IRQ);
	u8 *src = alloc_pages(NP), *dst = alloc_pages(NP), *flat = alloc_pages(NP);
	struct blk_seg *segs = kmalloc(NP * sizeof(*segs));
	struct ramdisk_stats st;
	struct blk_request rq;
	struct probe p;
	u64 bytes = 40 * 4096, sector = 8 * (lbs >> 9);
	unsigned int n;

	KT_ASSERT(t, d && src && dst && flat && segs);
	n = odd_layout(src, NP, bytes, segs, NP);
	KT_ASSERT(t, n > 0);
	/* The data: a pattern laid into the odd segments in order. */
	blkpat_fill(flat, 77, sector, bytes >> 9);
	{
		u64 off = 0;

		for (unsigned int i = 0; i < n; i++) {
			memcpy(segs[i].addr, flat + off, segs[i].len);
			off += segs[i].len;
		}
	}
	memset(&rq, 0, sizeof(rq));
	rq.op = BLK_OP_WRITE;
	rq.sector = sector;
	rq.segs = segs;
	rq.nr_segs = n;
	KT_EXPECT_EQ(t, submit_probe(d, &rq, &p), 0);
	KT_EXPECT_EQ(t, rq.nr_sectors, bytes >> 9);
	ramdisk_get_stats(d, &st);
	KT_EXPECT(t, st.writes > 1);
	KT_EXPECT(t, st.max_segs_seen <= d->max_segs);
	KT_EXPECT(t, st.max_sectors_seen <= d->max_sectors);
	KT_EXPECT_EQ(t, d->writes, 1);      /* the layer counts the parent once */
	KT_EXPECT_EQ(t, d->sectors_written, bytes >> 9);
	/* Read it back flat (also split) and check. */
	memset(dst, 0, NP * PAGE_SIZE);
	KT_EXPECT_EQ(t, blk_read(d, sector, dst, bytes >> 9), 0);
	KT_EXPECT_EQ(t, blkpat_check(dst, 77, sector, bytes >> 9, NULL), 0);
	/* A failing child: the parent completes once, with its error, and
	 * the other children still ran. */
	ramdisk_inject_error(d, sector + (bytes >> 9) / 2);
	memset(&rq, 0, sizeof(rq));
	rq.op = BLK_OP_READ;
	rq.sector = sector;
	rq.segs = segs;
	rq.nr_segs = n;
	KT_EXPECT_EQ(t, submit_probe(d, &rq, &p), -EIO);
	ramdisk_inject_error(d, ~0ULL);
	KT_EXPECT(t, d->errors >= 1);
	kfree(segs);
	free_pages(src, NP);
	free_pages(dst, NP);
	free_pages(flat, NP);
	rmdisk(d);
}

static void split_512(struct ktest *t)
{
	split_on(t, 512, KT_PREFIX "s0");
}

static void split_4096(struct ktest *t)
{
	split_on(t, 4096, KT_PREFIX "s1");
}

/* FUA on a disk with a cache but no FUA: write then flush. */
static void fua_emulated(struct ktest *t)
{
	struct blk_disk *d = mkdisk(t, KT_PREFIX "f0", 256 << 10, 512, BLK_FEAT_FLUSH, 0, 0,
				    RAMDISK_WORK);
	struct blk_disk *n = mkdisk(t, KT_PREFIX "f1", 256 << 10, 512, 0, 0, 0, RAMDISK_WORK);
	struct blk_disk *f = mkdisk(t, KT_PREFIX "f2", 256 << 10, 512, BLK_FEAT_FLUSH | BLK_FEAT_FUA,
				    0, 0, RAMDISK_WORK);
	struct ramdisk_stats st;
	u8 *buf = alloc_pages(1);

	KT_ASSERT(t, d && n && f && buf);
	KT_EXPECT_EQ(t, blk_write(d, 0, buf, 8, BLK_REQ_FUA), 0);
	ramdisk_get_stats(d, &st);
	KT_EXPECT_EQ(t, st.writes, 1);
	KT_EXPECT_EQ(t, st.fua_writes, 0);
	KT_EXPECT_EQ(t, st.flushes, 1);
	/* No cache at all: a plain write, and flushes complete at once. */
	KT_EXPECT_EQ(t, blk_write(n, 0, buf, 8, BLK_REQ_FUA), 0);
	KT_EXPECT_EQ(t, blk_flush(n), 0);
	ramdisk_get_stats(n, &st);
	KT_EXPECT_EQ(t, st.writes, 1);
	KT_EXPECT_EQ(t, st.fua_writes + st.flushes, 0);
	/* Real FUA passes through. */
	KT_EXPECT_EQ(t, blk_write(f, 0, buf, 8, BLK_REQ_FUA), 0);
	ramdisk_get_stats(f, &st);
	KT_EXPECT_EQ(t, st.fua_writes, 1);
	KT_EXPECT_EQ(t, st.flushes, 0);
	free_pages(buf, 1);
	rmdisk(d);
	rmdisk(n);
	rmdisk(f);
}

/* ---- 4: QD32 asynchronous mix ---- */

#define LANES 32
#define LANE_SECTORS 64

struct lane {
	struct blk_request rq;
	struct blk_seg seg[2];
	u8 *buf;                     /* two pages */
	u64 seed[LANE_SECTORS];      /* what each sector of the lane holds */
	u64 sector, n;
	int busy, calls, err;
	bool write;
};

struct qd_run {
	struct lane lanes[LANES];
};

static DEFINE_WAITQUEUE(qd_wq);

static void lane_done(struct blk_request *rq, int err)
{
	struct lane *l = rq->priv;

	l->err = err;
	l->calls++;
	smp_store_release(&l->busy, 0);
	wake_up(&qd_wq);
}

static bool lane_free(void *arg)
{
	return !smp_load_acquire((int *)arg);
}

static void qd_mix_on(struct ktest *t, struct blk_disk *d)
{
	struct qd_run *r = kzalloc(sizeof(*r));
	u32 per = d ? d->logical_block_size >> 9 : 1;
	u64 rng = 12345, submitted = 0, bad = 0, calls = 0;
	unsigned int rounds = 1500;

	KT_ASSERT(t, d && r);
	for (unsigned int i = 0; i < LANES; i++) {
		r->lanes[i].buf = alloc_pages(2);
		KT_ASSERT(t, r->lanes[i].buf);
		/* Start from a known state: each lane's sectors hold seed 1. */
		for (u64 s = 0; s < LANE_SECTORS; s += 16) {
			blkpat_fill(r->lanes[i].buf, 1, (u64)i * LANE_SECTORS + s, 16);
			KT_EXPECT_EQ(t, blk_write(d, (u64)i * LANE_SECTORS + s, r->lanes[i].buf, 16, 0), 0);
		}
		for (int s = 0; s < LANE_SECTORS; s++)
			r->lanes[i].seed[s] = 1;
	}
	while (rounds) {
		for (unsigned int i = 0; i < LANES && rounds; i++) {
			struct lane *l = &r->lanes[i];
			u64 off, len;
			int err;

			if (smp_load_acquire(&l->busy))
				continue;
			/* Judge the lane's last request. */
			if (l->calls) {
				calls += l->calls;
				if (l->err)
					bad++;
				if (!l->write && !l->err)
					for (u64 s = 0; s < l->n; s++)
						bad += blkpat_check(l->buf + s * 512, l->seed[l->sector + s - (u64)i * LANE_SECTORS],
								    l->sector + s, 1, NULL) != 0;
				l->calls = 0;
			}
			rng ^= rng << 13;
			rng ^= rng >> 7;
			rng ^= rng << 17;
			len = (rng % 2 + 1) * 8;                     /* 4 or 8 KiB */
			off = ((rng >> 8) % ((LANE_SECTORS - len) / 8 + 1)) * 8;
			len -= len % per;
			off -= off % per;
			l->sector = (u64)i * LANE_SECTORS + off;
			l->n = len;
			l->write = (rng >> 20) & 1;
			if (l->write) {
				u64 seed = rng | 2;

				blkpat_fill(l->buf, seed, l->sector, len);
				for (u64 s = 0; s < len; s++)
					l->seed[off + s] = seed;
			}
			memset(&l->rq, 0, sizeof(l->rq));
			/* Two segments: the request is never one flat piece. */
			l->seg[0].addr = l->buf;
			l->seg[0].len = (u32)(len * 512 / 2);
			l->seg[1].addr = l->buf + len * 512 / 2;
			l->seg[1].len = (u32)(len * 512 / 2);
			if ((len * 512 / 2) % d->logical_block_size) {
				l->seg[0].len = (u32)(len * 512);
				l->rq.nr_segs = 1;
			} else {
				l->rq.nr_segs = 2;
			}
			l->rq.op = l->write ? BLK_OP_WRITE : BLK_OP_READ;
			l->rq.flags = l->write && (rng >> 30) % 4 == 0 ? BLK_REQ_FUA : 0;
			l->rq.sector = l->sector;
			l->rq.segs = l->seg;
			l->rq.done = lane_done;
			l->rq.priv = l;
			l->busy = 1;
			err = blk_submit(d, &l->rq);
			if (err) {
				l->busy = 0;
				bad++;
			}
			submitted++;
			rounds--;
		}
		wait_event_timeout(qd_wq, ({
			bool any = false;
			for (unsigned int i = 0; i < LANES; i++)
				any |= !smp_load_acquire(&r->lanes[i].busy);
			any; }), 2 * NSEC_PER_SEC);
	}
	for (unsigned int i = 0; i < LANES; i++) {
		struct lane *l = &r->lanes[i];

		KT_EXPECT(t, idle_wait(lane_free, &l->busy, 5 * NSEC_PER_SEC));
		calls += l->calls;
		if (l->calls && !l->write && !l->err)
			for (u64 s = 0; s < l->n; s++)
				bad += blkpat_check(l->buf + s * 512, l->seed[l->sector + s - (u64)i * LANE_SECTORS],
						    l->sector + s, 1, NULL) != 0;
	}
	/* And the final contents against the model. */
	for (unsigned int i = 0; i < LANES; i++) {
		struct lane *l = &r->lanes[i];

		for (u64 s = 0; s < LANE_SECTORS; s += 16) {
			KT_EXPECT_EQ(t, blk_read(d, (u64)i * LANE_SECTORS + s, l->buf, 16), 0);
			for (u64 k = 0; k < 16; k++)
				bad += blkpat_check(l->buf + k * 512, l->seed[s + k],
						    (u64)i * LANE_SECTORS + s + k, 1, NULL) != 0;
		}
		free_pages(l->buf, 2);
	}
	KT_EXPECT_EQ(t, bad, 0);
	KT_EXPECT_EQ(t, calls, submitted);
	kfree(r);
}

static void async_qd32_mix(struct ktest *t)
{
	struct blk_disk *a = mkdisk(t, KT_PREFIX "q0", 1 << 20, 512, FEAT_ALL, 4, 8, RAMDISK_IRQ);
	struct blk_disk *b = mkdisk(t, KT_PREFIX "q1", 1 << 20, 4096, BLK_FEAT_FLUSH, 0, 0,
				    RAMDISK_WORK);
	struct blk_disk *c = mkdisk(t, KT_PREFIX "q2", 1 << 20, 512, 0, 0, 0, RAMDISK_DIRECT);

	if (a)
		qd_mix_on(t, a);
	if (b)
		qd_mix_on(t, b);
	if (c)
		qd_mix_on(t, c);
	rmdisk(a);
	rmdisk(b);
	rmdisk(c);
}

/* ---- 5: partitions ---- */

static void put_le32(u8 *p, u32 v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (u8)(v >> (8 * i));
}

static void put_le64(u8 *p, u64 v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (u8)(v >> (8 * i));
}

/* An MBR with n primary partitions {start, sectors} of type 0x83. */
static void write_mbr(u8 *sec, const u64 (*parts)[2], unsigned int n)
{
	memset(sec, 0, 512);
	for (unsigned int i = 0; i < n; i++) {
		u8 *e = sec + 446 + 16 * i;

		e[4] = 0x83;
		put_le32(e + 8, (u32)parts[i][0]);
		put_le32(e + 12, (u32)parts[i][1]);
	}
	sec[510] = 0x55;
	sec[511] = 0xaa;
}

/* A GPT (protective MBR, primary header and entries; no backup, which a
 * reader may use but need not) with n partitions {first LBA, last LBA}
 * in logical blocks of lbs bytes, in slots 0..n-1. buf: 3 blocks. */
static void write_gpt(u8 *buf, u32 lbs, u64 disk_blocks, const u64 (*parts)[2], unsigned int n)
{
	static const u8 linux_fs[16] = { 0xaf, 0x3d, 0xc6, 0x0f, 0x83, 0x84, 0x72, 0x47,
					 0x8e, 0x79, 0x3d, 0x69, 0xd8, 0x47, 0x7d, 0xe4 };
	u8 *hdr = buf + lbs, *ent = buf + 2 * lbs;
	u32 entries = lbs / 128;         /* one block of entries */

	memset(buf, 0, 3 * lbs);
	buf[446 + 4] = 0xee;
	put_le32(buf + 446 + 8, 1);
	put_le32(buf + 446 + 12, disk_blocks - 1 > 0xffffffffULL ? 0xffffffffu : (u32)(disk_blocks - 1));
	buf[510] = 0x55;
	buf[511] = 0xaa;
	for (unsigned int i = 0; i < n; i++) {
		u8 *e = ent + 128 * i;

		memcpy(e, linux_fs, 16);
		e[16] = (u8)(i + 1);             /* unique GUID, enough for a test */
		put_le64(e + 32, parts[i][0]);
		put_le64(e + 40, parts[i][1]);
	}
	memcpy(hdr, "EFI PART", 8);
	put_le32(hdr + 8, 0x00010000);
	put_le32(hdr + 12, 92);
	put_le64(hdr + 24, 1);
	put_le64(hdr + 32, disk_blocks - 1);
	put_le64(hdr + 40, 3);
	put_le64(hdr + 48, disk_blocks - 2);
	hdr[56] = 0x42;
	put_le64(hdr + 72, 2);
	put_le32(hdr + 80, entries);
	put_le32(hdr + 84, 128);
	put_le32(hdr + 88, crc32(0, ent, (size_t)entries * 128));
	put_le32(hdr + 16, crc32(0, hdr, 92));
}

static void check_part(struct ktest *t, const char *name, u64 start, u64 nr)
{
	struct blk_disk *p = blk_get(name);

	if (!p) {
		ktest_fail(t, __FILE__, __LINE__, "no partition %s", name);
		return;
	}
	KT_EXPECT_EQ(t, p->start, start);
	KT_EXPECT_EQ(t, p->nr_sectors, nr);
	blk_put(p);
}

/* I/O through partition name lands at start on whole; past its end is
 * refused. */
static void part_io(struct ktest *t, struct blk_disk *whole, const char *name, u64 start,
		    u64 nr)
{
	struct blk_disk *p = blk_get(name);
	u32 per = whole->logical_block_size >> 9;
	u8 *buf = alloc_pages(1);

	KT_ASSERT(t, p && buf);
	blkpat_fill(buf, 99, 5, per);
	KT_EXPECT_EQ(t, blk_write(p, nr - per, buf, per, 0), 0);
	memset(buf, 0, PAGE_SIZE);
	KT_EXPECT_EQ(t, blk_read(whole, start + nr - per, buf, per), 0);
	KT_EXPECT_EQ(t, blkpat_check(buf, 99, 5, per, NULL), 0);
	KT_EXPECT_EQ(t, blk_read(p, nr, buf, per), -ERANGE);
	KT_EXPECT_EQ(t, blk_read(p, nr - per, buf, 2 * per), -ERANGE);
	/* Counted on the partition and on the whole disk. */
	KT_EXPECT_EQ(t, p->writes, 1);
	KT_EXPECT(t, whole->writes >= 1);
	blk_put(p);
	free_pages(buf, 1);
}

static void partitions_mbr(struct ktest *t)
{
	/* Sizes kept small: the suite runs in guests of 64 MiB too. */
	static const u64 parts[3][2] = { { 2048, 2048 }, { 4096, 4096 }, { 8192, 16384 } };
	struct blk_disk *d = mkdisk(t, KT_PREFIX "m0", 4 << 20, 512, FEAT_ALL, 0, 0, RAMDISK_WORK);
	u8 *buf = alloc_pages(1);

	KT_ASSERT(t, d && buf);
	KT_EXPECT_EQ(t, blk_nr_partitions(d), 0);
	/* The third reaches past the 8192-sector disk: dropped. */
	write_mbr(buf, parts, 3);
	KT_EXPECT_EQ(t, blk_write(d, 0, buf, 1, 0), 0);
	KT_EXPECT_EQ(t, blk_disk_resized(d, d->nr_sectors), 0);
	KT_EXPECT_EQ(t, blk_nr_partitions(d), 2);
	check_part(t, KT_PREFIX "m0p1", 2048, 2048);
	check_part(t, KT_PREFIX "m0p2", 4096, 4096);
	KT_EXPECT(t, blk_get(KT_PREFIX "m0p3") == NULL);
	part_io(t, d, KT_PREFIX "m0p2", 4096, 4096);
	/* Grow: the third fits now and appears on the rescan. */
	KT_EXPECT_EQ(t, ramdisk_resize(d, 12 << 20), 0);
	KT_EXPECT_EQ(t, blk_nr_partitions(d), 3);
	check_part(t, KT_PREFIX "m0p3", 8192, 16384);
	/* A new table with one partition, then shrink below p1's end. */
	write_mbr(buf, parts, 1);
	KT_EXPECT_EQ(t, blk_write(d, 0, buf, 1, 0), 0);
	KT_EXPECT_EQ(t, ramdisk_resize(d, 3 << 20), 0);
	KT_EXPECT_EQ(t, blk_nr_partitions(d), 1);
	KT_EXPECT_EQ(t, ramdisk_resize(d, 1 << 20), 0);
	KT_EXPECT_EQ(t, blk_nr_partitions(d), 0);
	KT_EXPECT_EQ(t, d->nr_sectors, 2048);
	free_pages(buf, 1);
	rmdisk(d);
}

static void partitions_gpt_on(struct ktest *t, u32 lbs, const char *name)
{
	u64 blocks = (8ULL << 20) / lbs;
	u32 per = lbs >> 9;
	/* In logical blocks, first and last (inclusive). */
	const u64 parts[2][2] = { { 64, 64 + 255 }, { 512, blocks - 64 } };
	char pname[BLK_NAME_MAX];
	struct blk_disk *d = mkdisk(t, name, 8 << 20, lbs, FEAT_ALL, 0, 0, RAMDISK_IRQ);
	u8 *buf = alloc_pages(3);

	KT_ASSERT(t, d && buf);
	write_gpt(buf, lbs, blocks, parts, 2);
	KT_EXPECT_EQ(t, blk_write(d, 0, buf, 3 * per, 0), 0);
	KT_EXPECT_EQ(t, blk_disk_resized(d, d->nr_sectors), 0);
	KT_EXPECT_EQ(t, blk_nr_partitions(d), 2);
	snprintf(pname, sizeof(pname), "%sp1", name);
	check_part(t, pname, 64 * per, 256 * per);
	snprintf(pname, sizeof(pname), "%sp2", name);
	check_part(t, pname, 512 * per, (blocks - 64 - 512 + 1) * per);
	part_io(t, d, pname, 512 * per, (blocks - 64 - 512 + 1) * per);
	free_pages(buf, 3);
	rmdisk(d);
}

static void partitions_gpt(struct ktest *t)
{
	partitions_gpt_on(t, 512, KT_PREFIX "g0");
	partitions_gpt_on(t, 4096, KT_PREFIX "g1");
}

/* ---- 6: the monitor commands ---- */

static void monitor_commands(struct ktest *t)
{
	struct blk_disk *d = mkdisk(t, KT_PREFIX "mon", 1 << 20, 512, FEAT_ALL, 0, 0, RAMDISK_WORK);
	struct blk_disk *ro = mkdisk(t, KT_PREFIX "monro", 1 << 20, 512, BLK_FEAT_RO, 0, 0,
				     RAMDISK_WORK);
	static const struct {
		const char *line;
		int rc;
	} cases[] = {
		{ "blk", 0 },
		{ "blk read ktblkmon 0", 0 },
		{ "blk read ktblkmon 0 9", -EINVAL },
		{ "blk read ktblkmon 2048", -ERANGE },
		{ "blk read nosuchdisk 0", -ENODEV },
		{ "blk write ktblkmon 8 0x5a 2", 0 },
		{ "blk write ktblkmon 16 pattern 7 8", 0 },
		{ "blk write ktblkmon 16 0x100", -EINVAL },
		{ "blk write ktblkmonro 0 1", -EROFS },
		{ "blk fill ktblkmon 42 100 300", 0 },
		{ "blk verify ktblkmon 42 100 300", 0 },
		{ "blk verify ktblkmon 43 100 300", -EIO },
		{ "blk verify ktblkmon 7 16 8", 0 },
		{ "blk fill ktblkmonro 1 0 8", -EROFS },
		{ "blk bench ktblkmonro 1 0 64", -EROFS },
		{ "blk bench ktblkmon 1 1024 1024", 0 },
		{ "blk bench ktblkmon 0", -EINVAL },
		{ "blk frob ktblkmon", -EINVAL },
	};
	char line[96];
	u8 *buf = alloc_pages(1);

	KT_ASSERT(t, d && ro && buf);
	for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
		int rc;

		strlcpy(line, cases[i].line, sizeof(line));
		rc = monitor_exec_line(line);
		if (rc != cases[i].rc)
			ktest_fail(t, __FILE__, __LINE__, "'%s': %d, expected %d", cases[i].line, rc,
				   cases[i].rc);
	}
	KT_EXPECT_EQ(t, blk_read(d, 8, buf, 2), 0);
	KT_EXPECT(t, buf[0] == 0x5a && buf[1023] == 0x5a);
	free_pages(buf, 1);
	rmdisk(d);
	rmdisk(ro);
}

/* ---- 7: every other disk; blktest= ---- */

#define BLKTEST_MAX 4

static struct {
	char disk[BLK_NAME_MAX];
	u64 seed;
} blktests[BLKTEST_MAX];
static unsigned int nr_blktests;

static int set_blktest(const char *val)
{
	const char *p = val;
	unsigned int n = 0;

	if (!val || !*val)
		goto bad;
	while (*p) {
		const char *e = strchr(p, ','), *colon;
		size_t len = e ? (size_t)(e - p) : strlen(p);
		char num[24];
		size_t nlen;

		colon = memchr(p, ':', len);
		if (n == BLKTEST_MAX || !colon || colon == p || (size_t)(colon - p) >= BLK_NAME_MAX)
			goto bad;
		nlen = len - (size_t)(colon - p) - 1;
		if (!nlen || nlen >= sizeof(num))
			goto bad;
		memcpy(num, colon + 1, nlen);
		num[nlen] = '\0';
		if (kstrtou64(num, 0, &blktests[n].seed))
			goto bad;
		memcpy(blktests[n].disk, p, (size_t)(colon - p));
		blktests[n].disk[colon - p] = '\0';
		n++;
		p += len + (e ? 1 : 0);
	}
	nr_blktests = n;
	return 0;
bad:
	nr_blktests = 0;
	pr_warn("blktest: '%s' is not DISK:SEED[,DISK:SEED...] (at most %u disks); ignored\n",
		val ? val : "", BLKTEST_MAX);
	return -EINVAL;
}
CMDLINE_OPTION(blktest, "blktest", set_blktest,
	       "DISK:SEED[,...]: data-integrity test of those disks in the blk suite");

static bool blktest_seed(const char *name, u64 *seed)
{
	for (unsigned int i = 0; i < nr_blktests; i++)
		if (!strcmp(blktests[i].disk, name)) {
			*seed = blktests[i].seed;
			return true;
		}
	return false;
}

#define BT_CHUNK 2048u               /* sectors per read/write: 1 MiB */
#define BT_UNKNOWN (~0ULL)

/* Read [s, s+n) in chunks and compare with seed; returns mismatches. */
static int bt_verify(struct blk_disk *d, u8 *buf, u64 seed, u64 s, u64 n, u64 *bad)
{
	for (u64 done = 0; done < n; done += BT_CHUNK) {
		u64 c = MIN(n - done, (u64)BT_CHUNK);
		int err = blk_read(d, s + done, buf, c);

		if (err)
			return err;
		if (blkpat_check(buf, seed, s + done, c, bad))
			return -EIO;
		cond_resched();
	}
	return 0;
}

static u64 bt_rand(u64 *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Region C: a deterministic random mix checked against a per-sector model
 * (the seed each sector holds, or unknown after a discard). */
static int bt_mix(struct ktest *t, struct blk_disk *d, u8 *buf, u64 seed, u64 cs, u64 cn,
		  unsigned long *counts)
{
	u32 per = d->logical_block_size >> 9;
	u64 *model = kmalloc(cn * sizeof(u64)), rng = seed * 0x9e3779b97f4a7c15ULL + 1;
	bool discard = d->features & BLK_FEAT_DISCARD;
	int err = 0;
	u64 bad;

	if (!model)
		return -ENOMEM;
	/* Known start: all of C holds seed + 2. */
	for (u64 done = 0; done < cn && !err; done += BT_CHUNK) {
		u64 c = MIN(cn - done, (u64)BT_CHUNK);

		blkpat_fill(buf, seed + 2, cs + done, c);
		err = blk_write(d, cs + done, buf, c, 0);
	}
	for (u64 i = 0; i < cn; i++)
		model[i] = seed + 2;
	for (unsigned int op = 0; op < 400 && !err; op++) {
		u64 r = bt_rand(&rng), kind = r % 16;
		u64 len = ((r >> 8) % 64 + 1) * per, off;

		if (len > cn)
			len = cn;
		off = ((r >> 16) % ((cn - len) / per + 1)) * per;
		if (kind < 7) {                     /* read */
			counts[0]++;
			err = blk_read(d, cs + off, buf, len);
			for (u64 s = 0; !err && s < len; s++)
				if (model[off + s] != BT_UNKNOWN &&
				    blkpat_check(buf + s * 512, model[off + s], cs + off + s, 1, &bad)) {
					kprintf("        # blktest %s: sector %llu differs from the model\n",
						d->name, (unsigned long long)(cs + off + s));
					err = -EIO;
				}
		} else if (kind < 13) {             /* write, a quarter FUA */
			u64 ws = seed + 3 + op;

			counts[1]++;
			blkpat_fill(buf, ws, cs + off, len);
			err = blk_write(d, cs + off, buf, len, (r >> 40) % 4 ? 0 : BLK_REQ_FUA);
			for (u64 s = 0; s < len; s++)
				model[off + s] = ws;
		} else if (kind < 14 || !discard) { /* flush */
			counts[2]++;
			err = blk_flush(d);
		} else {                            /* discard: contents unspecified after */
			counts[3]++;
			err = blk_discard(d, cs + off, len);
			for (u64 s = 0; s < len; s++)
				model[off + s] = BT_UNKNOWN;
		}
		cond_resched();
	}
	/* The whole region against the model at the end. */
	for (u64 done = 0; done < cn && !err; done += BT_CHUNK) {
		u64 c = MIN(cn - done, (u64)BT_CHUNK);

		err = blk_read(d, cs + done, buf, c);
		for (u64 s = 0; !err && s < c; s++)
			if (model[done + s] != BT_UNKNOWN &&
			    blkpat_check(buf + s * 512, model[done + s], cs + done + s, 1, NULL))
				err = -EIO;
	}
	kfree(model);
	(void)t;
	return err;
}

/* The protocol of docs/block.md. */
static void blktest_disk(struct ktest *t, struct blk_disk *d, u64 seed)
{
	u32 per = d->logical_block_size >> 9;
	u64 n = d->nr_sectors, r = MIN(n / 4, 32768ULL), cn = MIN(n / 4, 16384ULL);
	u64 bad = 0;
	unsigned long counts[4] = { 0 };
	u8 *buf = alloc_pages(BT_CHUNK * 512 / PAGE_SIZE);
	int ea, eb = 0, ec = 0;
	bool ro = d->features & BLK_FEAT_RO;

	r -= r % per;
	cn -= cn % per;
	KT_ASSERT(t, buf);
	if (!r || !cn) {
		ktest_fail(t, __FILE__, __LINE__, "blktest %s: disk too small", d->name);
		free_pages(buf, BT_CHUNK * 512 / PAGE_SIZE);
		return;
	}
	ea = bt_verify(d, buf, seed, 0, r, &bad);
	if (ea == -EIO)
		kprintf("        # blktest %s: region A sector %llu lacks seed %llu\n", d->name,
			(unsigned long long)bad, (unsigned long long)seed);
	if (ro) {
		blkpat_fill(buf, seed + 1, r, per);
		eb = blk_write(d, r, buf, per, 0) == -EROFS &&
		     blk_write(d, r, buf, per, BLK_REQ_FUA) == -EROFS &&
		     blk_flush(d) == -EROFS && blk_discard(d, r, per) == -EROFS ? 0 : -EPROTO;
	} else {
		for (u64 done = 0; done < r && !eb; done += BT_CHUNK) {
			u64 c = MIN(r - done, (u64)BT_CHUNK);

			blkpat_fill(buf, seed + 1, r + done, c);
			eb = blk_write(d, r + done, buf, c, 0);
		}
		if (!eb)
			eb = blk_flush(d);
		if (!eb)
			eb = bt_verify(d, buf, seed + 1, r, r, &bad);
		if (!eb)
			ec = bt_mix(t, d, buf, seed, 2 * r, cn, counts);
	}
	kprintf("# blktest %s: seed %llu, %llu sectors%s: A [0,%llu) %s; B [%llu,%llu) %s; "
		"C [%llu,%llu) %s (%lu reads, %lu writes, %lu flushes, %lu discards)\n", d->name,
		(unsigned long long)seed, (unsigned long long)n, ro ? " (read-only)" : "",
		(unsigned long long)r, ea ? "FAILED" : "verified", (unsigned long long)r,
		(unsigned long long)(2 * r),
		ro ? (eb ? "NOT refused" : "writes refused (EROFS)") : (eb ? "FAILED" : "written seed+1"),
		(unsigned long long)(2 * r), (unsigned long long)(2 * r + cn),
		ro ? "skipped" : ec ? "FAILED" : "ok", counts[0], counts[1], counts[2], counts[3]);
	KT_EXPECT_EQ(t, ea, 0);
	KT_EXPECT_EQ(t, eb, 0);
	KT_EXPECT_EQ(t, ec, 0);
	free_pages(buf, BT_CHUNK * 512 / PAGE_SIZE);
}

/* The protocol itself, natively: the suite plays the host's part (region
 * A written with SEED before, region B checked for SEED+1 after), then
 * runs it again with the disk read-only. */
static void blktest_on_ramdisk(struct ktest *t)
{
	struct blk_disk *d = mkdisk(t, KT_PREFIX "bt", 16 << 20, 512, FEAT_ALL, 0, 0, RAMDISK_WORK);
	u64 r = (16 << 20) / 512 / 4, bad = 0;
	u8 *buf = alloc_pages(BT_CHUNK * 512 / PAGE_SIZE);
	int failures = t->failures;

	KT_ASSERT(t, d && buf);
	for (u64 s = 0; s < r; s += BT_CHUNK) {
		blkpat_fill(buf, 1234, s, BT_CHUNK);
		KT_EXPECT_EQ(t, blk_write(d, s, buf, BT_CHUNK, 0), 0);
	}
	blktest_disk(t, d, 1234);
	KT_EXPECT_EQ(t, bt_verify(d, buf, 1235, r, r, &bad), 0);
	/* A wrong seed must be caught in region A. */
	{
		struct ktest probe = { 0 };

		blktest_disk(&probe, d, 999);
		KT_EXPECT(t, probe.failures > 0);
	}
	/* Read-only: the driver's feature word is what the layer checks, so
	 * setting the flag here makes the same disk read-only. */
	d->features |= BLK_FEAT_RO;
	blktest_disk(t, d, 1234);
	d->features &= ~BLK_FEAT_RO;
	KT_EXPECT_EQ(t, t->failures, failures);
	free_pages(buf, BT_CHUNK * 512 / PAGE_SIZE);
	rmdisk(d);
}

struct other_ctx {
	struct ktest *t;
	unsigned int checked, tested;
};

static void other_disk(struct blk_disk *d, void *arg)
{
	struct other_ctx *c = arg;
	struct ktest *t = c->t;
	u32 per = d->logical_block_size >> 9;
	u64 n = d->nr_sectors, seed;
	u8 *buf;

	if (d->parent || !strncmp(d->name, KT_PREFIX, strlen(KT_PREFIX)) || d->dead)
		return;
	buf = alloc_pages(1);
	if (!buf) {
		ktest_fail(t, __FILE__, __LINE__, "no memory");
		return;
	}
	c->checked++;
	if (n >= per) {
		KT_EXPECT_EQ(t, blk_read(d, 0, buf, per), 0);
		KT_EXPECT_EQ(t, blk_read(d, n - per, buf, per), 0);
	}
	KT_EXPECT_EQ(t, blk_read(d, n, buf, per), -ERANGE);
	KT_EXPECT_EQ(t, blk_read(d, ~0ULL - per + 1, buf, per), -ERANGE);
	if (per > 1)
		KT_EXPECT_EQ(t, blk_read(d, 1, buf, per), -EINVAL);
	kprintf("        # %s: %llu sectors, first and last read, bounds refused\n", d->name,
		(unsigned long long)n);
	free_pages(buf, 1);
	if (blktest_seed(d->name, &seed)) {
		c->tested++;
		blktest_disk(t, d, seed);
	}
}

struct wait_name {
	const char *name;
};

static bool disk_present(void *arg)
{
	struct blk_disk *d = blk_get(((struct wait_name *)arg)->name);

	blk_put(d);
	return d != NULL;
}

static void other_disks(struct ktest *t)
{
	struct other_ctx c = { .t = t };

	/* A disk the command line names must be there: a driver may still
	 * be connecting it, so give it a while. */
	for (unsigned int i = 0; i < nr_blktests; i++) {
		struct wait_name w = { blktests[i].disk };

		if (!idle_wait(disk_present, &w, 20 * NSEC_PER_SEC))
			ktest_fail(t, __FILE__, __LINE__, "blktest: no disk %s", blktests[i].disk);
	}
	blk_for_each_disk(other_disk, &c);
	kprintf("        # %u other disk%s checked, %u with blktest\n", c.checked,
		c.checked == 1 ? "" : "s", c.tested);
	KT_EXPECT_EQ(t, c.tested, nr_blktests);
}

static const struct ktest_case blk_cases[] = {
	{ "checks_512", checks_512 },
	{ "checks_4096", checks_4096 },
	{ "register_checks", register_checks },
	{ "ramdisk_option", ramdisk_option },
	{ "read_only", read_only },
	{ "unregister_with_refs", unregister_with_refs },
	{ "split_512", split_512 },
	{ "split_4096", split_4096 },
	{ "fua_emulated", fua_emulated },
	{ "async_qd32_mix", async_qd32_mix },
	{ "partitions_mbr_resize", partitions_mbr },
	{ "partitions_gpt", partitions_gpt },
	{ "monitor_commands", monitor_commands },
	{ "blktest_on_ramdisk", blktest_on_ramdisk },
	{ "other_disks", other_disks },
};
KTEST_SUITE(blk, "blk", blk_cases, NULL);
