/* Monitor commands for disks: blk (list), blk read/write (look and poke),
 * blk fill/verify (seeded patterns, lib/blkpattern.c) and blk bench.
 * Everything runs on the monitor thread and may sleep. Input is
 * untrusted: counts are bounded, numbers are parsed strictly, and writes
 * on a read-only disk are refused by the layer (-EROFS). */
#include <kernel/blkdev.h>
#include <kernel/blkpattern.h>
#include <kernel/monitor.h>
#include <kernel/sched.h>
#include <kernel/time.h>
#include <kernel/mm.h>
#include <kernel/string.h>
#include <kernel/errno.h>
#include <kernel/printk.h>
#include "blk.h"

#define READ_MAX_SECTORS 8          /* a hexdump of 4 KiB is plenty on a console */
#define WRITE_MAX_SECTORS 2048      /* 1 MiB */
#define CHUNK_SECTORS 512           /* fill/verify work in 256 KiB pieces */
#define BENCH_MAX_SECS 60

static void feature_string(u32 f, char *buf, size_t size)
{
	static const struct {
		u32 bit;
		const char *name;
	} names[] = {
		{ BLK_FEAT_FLUSH, "flush" },     { BLK_FEAT_FUA, "fua" },
		{ BLK_FEAT_DISCARD, "discard" }, { BLK_FEAT_SECURE_DISCARD, "secure-discard" },
		{ BLK_FEAT_REMOVABLE, "removable" }, { BLK_FEAT_CDROM, "cdrom" },
	};

	buf[0] = '\0';
	for (unsigned int i = 0; i < ARRAY_SIZE(names); i++) {
		if (!(f & names[i].bit))
			continue;
		if (buf[0])
			strlcat(buf, ",", size);
		strlcat(buf, names[i].name, size);
	}
	if (!buf[0])
		strlcpy(buf, "-", size);
}

static void show_disk(struct blk_disk *d, void *arg)
{
	char feat[64];
	u64 n = READ_ONCE(d->nr_sectors);

	feature_string(d->features, feat, sizeof(feat));
	kprintf("%-10s %8llu MiB %12llu sectors  lbs %u pbs %u  %s  %ux%u%s\n", d->name,
		(unsigned long long)(n >> 11), (unsigned long long)n, d->logical_block_size,
		d->physical_block_size, feat, d->nr_queues, d->queue_depth,
		(d->features & BLK_FEAT_RO) ? "  RO" : "");
	kprintf("    reads %lu (%llu sectors), writes %lu (%llu sectors), flushes %lu, "
		"discards %lu, errors %lu\n", d->reads, (unsigned long long)d->sectors_read,
		d->writes, (unsigned long long)d->sectors_written, d->flushes, d->discards,
		d->errors);
	if (d->ops && d->ops->show)
		d->ops->show(d);
}

static int parse_u64(const char *s, u64 *v)
{
	return kstrtou64(s, 0, v) ? -EINVAL : 0;
}

static struct blk_disk *get_disk(const char *name)
{
	struct blk_disk *d = blk_get(name);

	if (!d)
		kprintf("blk: no disk named '%s' (see 'blk')\n", name);
	return d;
}

static void hexdump(const u8 *buf, size_t len, u64 base)
{
	bool starred = false;

	for (size_t off = 0; off < len; off += 16) {
		char ascii[17];

		/* Runs of identical lines (zeros, mostly) become one '*'. */
		if (off && off + 16 < len && !memcmp(buf + off, buf + off - 16, 16)) {
			if (!starred)
				kprintf("*\n");
			starred = true;
			continue;
		}
		starred = false;
		for (int i = 0; i < 16; i++)
			ascii[i] = buf[off + i] >= ' ' && buf[off + i] < 0x7f ? (char)buf[off + i] : '.';
		ascii[16] = '\0';
		kprintf("%08llx  %02x %02x %02x %02x %02x %02x %02x %02x  %02x %02x %02x %02x %02x "
			"%02x %02x %02x  |%s|\n", (unsigned long long)(base + off), buf[off],
			buf[off + 1], buf[off + 2], buf[off + 3], buf[off + 4], buf[off + 5],
			buf[off + 6], buf[off + 7], buf[off + 8], buf[off + 9], buf[off + 10],
			buf[off + 11], buf[off + 12], buf[off + 13], buf[off + 14], buf[off + 15],
			ascii);
	}
}

static int cmd_read(struct blk_disk *d, int argc, char **argv)
{
	u64 lba, n = 1;
	u8 *buf;
	int err;

	if (argc < 4 || argc > 5 || parse_u64(argv[3], &lba) ||
	    (argc == 5 && parse_u64(argv[4], &n)) || !n || n > READ_MAX_SECTORS) {
		kprintf("usage: blk read DISK LBA [N]  (512-byte sectors, N 1..%u)\n",
			READ_MAX_SECTORS);
		return -EINVAL;
	}
	buf = alloc_pages(1);
	if (!buf)
		return -ENOMEM;
	err = blk_read(d, lba, buf, n);
	if (!err)
		hexdump(buf, n << SECTOR_SHIFT, lba << SECTOR_SHIFT);
	free_pages(buf, 1);
	return err;
}

static int cmd_write(struct blk_disk *d, int argc, char **argv)
{
	u64 lba, n = 1, byte = 0, seed = 0;
	bool pattern;
	int nidx, err;
	u8 *buf;

	pattern = argc >= 5 && !strcmp(argv[4], "pattern");
	nidx = pattern ? 6 : 5;
	if (argc < 5 || argc > nidx + 1 || parse_u64(argv[3], &lba) ||
	    (pattern ? argc < 6 || parse_u64(argv[5], &seed)
		     : parse_u64(argv[4], &byte) || byte > 0xff) ||
	    (argc == nidx + 1 && parse_u64(argv[nidx], &n)) || !n || n > WRITE_MAX_SECTORS) {
		kprintf("usage: blk write DISK LBA BYTE|pattern SEED [N]  (N 1..%u)\n",
			WRITE_MAX_SECTORS);
		return -EINVAL;
	}
	buf = alloc_pages(DIV_ROUND_UP(n << SECTOR_SHIFT, PAGE_SIZE));
	if (!buf)
		return -ENOMEM;
	if (pattern)
		blkpat_fill(buf, seed, lba, n);
	else
		memset(buf, (int)byte, n << SECTOR_SHIFT);
	err = blk_write(d, lba, buf, n, 0);
	free_pages(buf, DIV_ROUND_UP(n << SECTOR_SHIFT, PAGE_SIZE));
	if (!err)
		kprintf("blk: wrote %llu sectors at %llu\n", (unsigned long long)n,
			(unsigned long long)lba);
	return err;
}

/* blk fill|verify DISK SEED LBA N */
static int cmd_pattern(struct blk_disk *d, bool verify, int argc, char **argv)
{
	u64 seed, lba, n, done = 0, bad = 0;
	u8 *buf;
	int err = 0;

	if (argc != 6 || parse_u64(argv[3], &seed) || parse_u64(argv[4], &lba) ||
	    parse_u64(argv[5], &n) || !n) {
		kprintf("usage: blk %s DISK SEED LBA N\n", verify ? "verify" : "fill");
		return -EINVAL;
	}
	buf = alloc_pages(CHUNK_SECTORS * SECTOR_SIZE / PAGE_SIZE);
	if (!buf)
		return -ENOMEM;
	while (done < n && !err) {
		u64 c = MIN(n - done, (u64)CHUNK_SECTORS);

		if (verify) {
			err = blk_read(d, lba + done, buf, c);
			if (!err && blkpat_check(buf, seed, lba + done, c, &bad)) {
				kprintf("blk: verify %s: sector %llu differs from seed %llu\n",
					d->name, (unsigned long long)bad, (unsigned long long)seed);
				err = -EIO;
			}
		} else {
			blkpat_fill(buf, seed, lba + done, c);
			err = blk_write(d, lba + done, buf, c, 0);
		}
		done += c;
		cond_resched();
	}
	if (!err && !verify)
		err = blk_flush(d);
	free_pages(buf, CHUNK_SECTORS * SECTOR_SIZE / PAGE_SIZE);
	if (!err)
		kprintf("blk: %s %s: %llu sectors at %llu, seed %llu: ok\n",
			verify ? "verify" : "fill", d->name, (unsigned long long)n,
			(unsigned long long)lba, (unsigned long long)seed);
	return err;
}

/* ---- bench ---- */

#define BENCH_SEQ_BYTES (1u << 20)
#define BENCH_SEQ_QD 4
#define BENCH_RAND_BYTES 4096u
#define BENCH_MAX_QD 32

struct bench_slot {
	struct blk_request rq;
	struct blk_seg segs[BENCH_SEQ_BYTES / PAGE_SIZE];
	u8 *buf;
	int busy;
	struct bench *b;
};

struct bench {
	struct blk_disk *disk;
	struct bench_slot slots[BENCH_MAX_QD];
	atomic_t inflight;
	int error;
	u64 rng;
};

/* Slots are re-used as they complete; the waker touches only the bench
 * (alive until inflight is zero) and this static queue. */
static DEFINE_WAITQUEUE(bench_wq);

static void bench_done(struct blk_request *rq, int err)
{
	struct bench_slot *s = rq->priv;
	struct bench *b = s->b;

	if (err)
		__atomic_compare_exchange_n(&b->error, &(int){ 0 }, err, false, __ATOMIC_SEQ_CST,
					    __ATOMIC_SEQ_CST);
	smp_store_release(&s->busy, 0);
	atomic_dec(&b->inflight);
	wake_up(&bench_wq);
}

static u64 bench_rand(struct bench *b)
{
	/* xorshift64: cheap, and plenty for scattering offsets. */
	b->rng ^= b->rng << 13;
	b->rng ^= b->rng >> 7;
	b->rng ^= b->rng << 17;
	return b->rng;
}

/* Run one figure: op with requests of bytes, qd deep, sequential or random
 * inside [start, start + len) sectors, for secs. Returns requests done. */
static long bench_run(struct bench *b, enum blk_op op, u32 bytes, unsigned int qd, bool seq,
		      u64 start, u64 len, unsigned int secs, u64 *elapsed)
{
	u64 t0 = clock_ns(), end = t0 + secs * NSEC_PER_SEC, next = 0;
	u64 per = bytes >> SECTOR_SHIFT, slots_in = len / per;
	long done = 0;

	if (!slots_in)
		return -EINVAL;
	b->error = 0;
	while (clock_ns() < end && !READ_ONCE(b->error)) {
		for (unsigned int i = 0; i < qd; i++) {
			struct bench_slot *s = &b->slots[i];
			struct blk_request *rq = &s->rq;
			unsigned int nsegs = 0;
			int err;

			if (smp_load_acquire(&s->busy))
				continue;
			memset(rq, 0, sizeof(*rq));
			for (u32 off = 0; off < bytes; off += PAGE_SIZE) {
				s->segs[nsegs].addr = s->buf + off;
				s->segs[nsegs].len = MIN((u32)PAGE_SIZE, bytes - off);
				nsegs++;
			}
			rq->op = op;
			rq->segs = s->segs;
			rq->nr_segs = nsegs;
			rq->sector = start + (seq ? next++ % slots_in : bench_rand(b) % slots_in) * per;
			rq->done = bench_done;
			rq->priv = s;
			s->busy = 1;
			atomic_inc(&b->inflight);
			err = blk_submit(b->disk, rq);
			if (err) {
				s->busy = 0;
				atomic_dec(&b->inflight);
				b->error = err;
				break;
			}
			done++;
		}
		/* Keep the queue full: wait until a slot frees up. */
		wait_event_timeout(bench_wq, atomic_read(&b->inflight) < (long)qd,
				   100 * NSEC_PER_MSEC);
	}
	wait_event(bench_wq, atomic_read(&b->inflight) == 0);
	*elapsed = clock_ns() - t0;
	return b->error ? b->error : done;
}

static int cmd_bench(struct blk_disk *d, int argc, char **argv)
{
	u64 secs = 1, wstart = 0, wlen = 0, elapsed;
	bool writes = argc == 6;
	u32 lbsec = d->logical_block_size >> SECTOR_SHIFT;
	struct bench *b;
	int err = 0;
	static const struct {
		const char *name;
		enum blk_op op;
		bool seq;
		unsigned int qd;
	} figs[] = {
		{ "seq-read", BLK_OP_READ, true, BENCH_SEQ_QD },
		{ "seq-write", BLK_OP_WRITE, true, BENCH_SEQ_QD },
		{ "rand-read", BLK_OP_READ, false, 1 },
		{ "rand-read", BLK_OP_READ, false, 32 },
		{ "rand-write", BLK_OP_WRITE, false, 1 },
		{ "rand-write", BLK_OP_WRITE, false, 32 },
	};

	if ((argc != 3 && argc != 4 && argc != 6) ||
	    (argc >= 4 && (parse_u64(argv[3], &secs) || !secs || secs > BENCH_MAX_SECS)) ||
	    (writes && (parse_u64(argv[4], &wstart) || parse_u64(argv[5], &wlen) || !wlen))) {
		kprintf("usage: blk bench DISK [SECS [LBA N]]  (SECS 1..%u per figure; writes "
			"only inside sectors [LBA, LBA+N), none without them)\n", BENCH_MAX_SECS);
		return -EINVAL;
	}
	if (writes && (d->features & BLK_FEAT_RO)) {
		kprintf("blk: %s is read-only: no write benchmark\n", d->name);
		return -EROFS;
	}
	if (writes && (wlen > d->nr_sectors || wstart > d->nr_sectors - wlen ||
		       wstart % lbsec || wlen < (BENCH_RAND_BYTES >> SECTOR_SHIFT))) {
		kprintf("blk: write region must be aligned, at least 4 KiB and on the disk\n");
		return -EINVAL;
	}
	b = kzalloc(sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->disk = d;
	b->rng = 0x9e3779b97f4a7c15ULL;
	for (unsigned int i = 0; i < BENCH_MAX_QD; i++) {
		b->slots[i].b = b;
		/* Big buffers for the sequential slots, one page for the rest. */
		b->slots[i].buf = alloc_pages(i < BENCH_SEQ_QD ? BENCH_SEQ_BYTES / PAGE_SIZE : 1);
		if (!b->slots[i].buf) {
			err = -ENOMEM;
			goto out;
		}
	}
	for (unsigned int f = 0; f < ARRAY_SIZE(figs) && !err; f++) {
		bool seq = figs[f].seq;
		u32 bytes = seq ? BENCH_SEQ_BYTES : MAX(BENCH_RAND_BYTES, d->logical_block_size);
		u64 start = 0, len = d->nr_sectors;
		long n;

		if (figs[f].op == BLK_OP_WRITE) {
			if (!writes)
				continue;
			start = wstart;
			len = wlen;
		}
		if (seq && len < (bytes >> SECTOR_SHIFT))
			bytes = (u32)(ALIGN_DOWN(len, (u64)lbsec) << SECTOR_SHIFT);
		n = bench_run(b, figs[f].op, bytes, figs[f].qd, seq, start, len, (unsigned int)secs,
			      &elapsed);
		if (n < 0) {
			kprintf("blk: bench %s %s failed: %ld\n", d->name, figs[f].name, n);
			err = (int)n;
			break;
		}
		if (!elapsed)
			elapsed = 1;
		if (seq)
			kprintf("bench: blk %s %s %uKiB qd%u: %llu MB/s\n", d->name, figs[f].name,
				bytes >> 10, figs[f].qd,
				(unsigned long long)((u64)n * bytes * 1000 / elapsed));
		else
			kprintf("bench: blk %s %s %uKiB qd%u: %llu IOPS\n", d->name, figs[f].name,
				bytes >> 10, figs[f].qd,
				(unsigned long long)((u64)n * NSEC_PER_SEC / elapsed));
	}
out:
	for (unsigned int i = 0; i < BENCH_MAX_QD; i++)
		if (b->slots[i].buf)
			free_pages(b->slots[i].buf,
				   i < BENCH_SEQ_QD ? BENCH_SEQ_BYTES / PAGE_SIZE : 1);
	kfree(b);
	return err;
}

static int cmd_blk(int argc, char **argv)
{
	struct blk_disk *d;
	int err;

	if (argc == 1) {
		blk_for_each_disk(show_disk, NULL);
		return 0;
	}
	if (argc < 3) {
		kprintf("usage: blk [read|write|fill|verify|bench DISK ...]\n");
		return -EINVAL;
	}
	d = get_disk(argv[2]);
	if (!d)
		return -ENODEV;
	if (!strcmp(argv[1], "read"))
		err = cmd_read(d, argc, argv);
	else if (!strcmp(argv[1], "write"))
		err = cmd_write(d, argc, argv);
	else if (!strcmp(argv[1], "fill"))
		err = cmd_pattern(d, false, argc, argv);
	else if (!strcmp(argv[1], "verify"))
		err = cmd_pattern(d, true, argc, argv);
	else if (!strcmp(argv[1], "bench"))
		err = cmd_bench(d, argc, argv);
	else {
		kprintf("blk: unknown subcommand '%s'\n", argv[1]);
		err = -EINVAL;
	}
	blk_put(d);
	return err;
}
MONITOR_COMMAND(blk, "blk",
		"[read DISK LBA [N] | write DISK LBA BYTE|pattern SEED [N] | fill|verify DISK SEED "
		"LBA N | bench DISK [SECS [LBA N]]]",
		"list disks; read, write, pattern-fill, verify, benchmark", cmd_blk);
