/* blkstress: background block writers that check every write by reading
 * it back, for tests that keep a disk busy across something else (a
 * suspend and resume, a migration: tests/xl/scenarios/lifecycle.sh).
 *
 *   blkstress start DISK SEED LBA N [WORKERS]
 *   blkstress [status]
 *   blkstress stop
 *
 * Each worker (1..4, a thread each) owns an equal share of the N sectors
 * at LBA and loops over it in chunks of STRESS_CHUNK sectors: round r
 * writes the seeded pattern of SEED + r into its chunk (lib/blkpattern.c),
 * reads the chunk back and compares, then pauses 20 ms. A failed write or read, or a read
 * that differs (reported as -EPROTO), is an error (the first is printed). `status` prints one
 * line with the totals, `stop` ends the workers (bounded) and prints the
 * same line with "stopped". Only one run at a time; a worker holds its
 * disk reference until it ends, so the disk may go away under it (I/O
 * errors then). Input is untrusted: numbers are parsed strictly and the
 * range is checked against the disk. */
#include <kernel/atomic.h>
#include <kernel/blkdev.h>
#include <kernel/blkpattern.h>
#include <kernel/errno.h>
#include <kernel/mm.h>
#include <kernel/monitor.h>
#include <kernel/printk.h>
#include <kernel/sched.h>
#include <kernel/string.h>
#include <kernel/time.h>

#define STRESS_CHUNK 128u            /* sectors a round: 64 KiB, 16 pages */
#define STRESS_MAX_WORKERS 4u
#define STRESS_STOP_WAIT_NS (30 * NSEC_PER_SEC)
#define STRESS_PAUSE_NS (20 * NSEC_PER_MSEC)   /* between rounds */

struct stress_worker {
	struct stress *st;
	u64 lba, nr;                 /* its share */
	u8 *wbuf, *rbuf;
	bool done;                   /* the thread has finished (written last) */
};

struct stress {
	struct blk_disk *disk;
	char name[BLK_NAME_MAX];
	u64 seed;
	unsigned int nr_workers;
	bool stop;
	atomic_t rounds, verified, errors;   /* verified: sectors read back intact */
	atomic_t first_err_set;
	int first_err;
	u64 first_err_lba;
	u64 started_ns;
	struct stress_worker w[STRESS_MAX_WORKERS];
};

/* The monitor runs one command at a time: the run needs no lock of its
 * own; the workers only read it and update atomics. */
static struct stress *stress_run;

static void stress_error(struct stress *st, int err, u64 lba)
{
	atomic_inc(&st->errors);
	if (!atomic_xchg(&st->first_err_set, 1)) {
		st->first_err = err;
		st->first_err_lba = lba;
		pr_warn("blkstress %s: error %d at sector %llu\n", st->name, err,
			(unsigned long long)lba);
	}
}

static int stress_thread(void *arg)
{
	struct stress_worker *w = arg;
	struct stress *st = w->st;
	u64 chunks = w->nr / STRESS_CHUNK, r = 0;

	while (!READ_ONCE(st->stop)) {
		u64 lba = w->lba + (r % chunks) * STRESS_CHUNK, seed = st->seed + r, bad = 0;
		int err;

		blkpat_fill(w->wbuf, seed, lba, STRESS_CHUNK);
		err = blk_write(st->disk, lba, w->wbuf, STRESS_CHUNK, 0);
		if (!err) {
			memset(w->rbuf, 0, STRESS_CHUNK * SECTOR_SIZE);
			err = blk_read(st->disk, lba, w->rbuf, STRESS_CHUNK);
		}
		if (!err && blkpat_check(w->rbuf, seed, lba, STRESS_CHUNK, &bad))
			stress_error(st, -EPROTO, bad);
		else if (err)
			stress_error(st, err, lba);
		else
			atomic_fetch_add(&st->verified, STRESS_CHUNK);
		atomic_inc(&st->rounds);
		r++;
		/* Busy, not hogging: the pattern work is CPU time (slow under
		 * emulation), and the monitor must still answer promptly. A
		 * dead disk waits longer. */
		sleep_ns(err ? 100 * NSEC_PER_MSEC : STRESS_PAUSE_NS);
	}
	__atomic_store_n(&w->done, true, __ATOMIC_RELEASE);
	return 0;
}

static void stress_print(const struct stress *st, const char *what)
{
	kprintf("blkstress %s: rounds=%ld verified=%ld errors=%ld workers=%u secs=%llu %s\n",
		st->name, atomic_read(&st->rounds), atomic_read(&st->verified),
		atomic_read(&st->errors), st->nr_workers,
		(unsigned long long)((clock_ns() - st->started_ns) / NSEC_PER_SEC), what);
	if (atomic_read(&st->first_err_set))
		kprintf("blkstress %s: first error %d at sector %llu\n", st->name, st->first_err,
			(unsigned long long)st->first_err_lba);
}

static void stress_free(struct stress *st)
{
	for (unsigned int i = 0; i < STRESS_MAX_WORKERS; i++) {
		if (st->w[i].wbuf)
			free_pages(st->w[i].wbuf, STRESS_CHUNK * SECTOR_SIZE / PAGE_SIZE);
		if (st->w[i].rbuf)
			free_pages(st->w[i].rbuf, STRESS_CHUNK * SECTOR_SIZE / PAGE_SIZE);
	}
	if (st->disk)
		blk_put(st->disk);
	kfree(st);
}

static int stress_start(int argc, char **argv)
{
	u64 seed, lba, n, workers = 1, share;
	struct stress *st;

	if (stress_run) {
		kprintf("blkstress: already running on %s (stop it first)\n", stress_run->name);
		return -EBUSY;
	}
	if (argc < 6 || argc > 7 || kstrtou64(argv[3], 0, &seed) || kstrtou64(argv[4], 0, &lba) ||
	    kstrtou64(argv[5], 0, &n) || (argc == 7 && kstrtou64(argv[6], 0, &workers)) ||
	    !workers || workers > STRESS_MAX_WORKERS) {
		kprintf("usage: blkstress start DISK SEED LBA N [WORKERS 1..%u]\n", STRESS_MAX_WORKERS);
		return -EINVAL;
	}
	share = ALIGN_DOWN(n / workers, (u64)STRESS_CHUNK);
	if (!share) {
		kprintf("blkstress: N must give each worker at least %u sectors\n", STRESS_CHUNK);
		return -EINVAL;
	}
	st = kzalloc(sizeof(*st));
	if (!st)
		return -ENOMEM;
	st->disk = blk_get(argv[2]);
	if (!st->disk) {
		kprintf("blkstress: no such disk %s\n", argv[2]);
		kfree(st);
		return -ENODEV;
	}
	strlcpy(st->name, st->disk->name, sizeof(st->name));
	if (lba > st->disk->nr_sectors || share * workers > st->disk->nr_sectors - lba ||
	    (lba * SECTOR_SIZE) % st->disk->logical_block_size) {
		kprintf("blkstress: range past the end of %s or not block aligned\n", st->name);
		stress_free(st);
		return -EINVAL;
	}
	st->seed = seed;
	st->nr_workers = (unsigned int)workers;
	st->started_ns = clock_ns();
	for (unsigned int i = 0; i < st->nr_workers; i++) {
		struct stress_worker *w = &st->w[i];

		w->st = st;
		w->lba = lba + i * share;
		w->nr = share;
		w->wbuf = alloc_pages(STRESS_CHUNK * SECTOR_SIZE / PAGE_SIZE);
		w->rbuf = alloc_pages(STRESS_CHUNK * SECTOR_SIZE / PAGE_SIZE);
		if (!w->wbuf || !w->rbuf) {
			stress_free(st);
			return -ENOMEM;
		}
	}
	for (unsigned int i = 0; i < st->nr_workers; i++) {
		struct thread *t = thread_create("blkstress", stress_thread, &st->w[i], CPU_ANY);

		if (!t) {
			/* Stop the ones started; they end within a round. */
			WRITE_ONCE(st->stop, true);
			for (unsigned int j = i; j < st->nr_workers; j++)
				st->w[j].done = true;
			stress_run = st;
			kprintf("blkstress: cannot start a worker\n");
			return -ENOMEM;
		}
		thread_detach(t);
	}
	stress_run = st;
	kprintf("blkstress %s: started, %u worker(s), sectors %llu..%llu, seed %llu\n", st->name,
		st->nr_workers, (unsigned long long)lba,
		(unsigned long long)(lba + share * workers - 1), (unsigned long long)seed);
	return 0;
}

static int stress_stop(void)
{
	struct stress *st = stress_run;
	u64 t0 = clock_ns();
	bool all;

	if (!st) {
		kprintf("blkstress: not running\n");
		return -ENOENT;
	}
	WRITE_ONCE(st->stop, true);
	for (;;) {
		all = true;
		for (unsigned int i = 0; i < st->nr_workers; i++)
			all &= __atomic_load_n(&st->w[i].done, __ATOMIC_ACQUIRE);
		if (all || clock_ns() - t0 > STRESS_STOP_WAIT_NS)
			break;
		sleep_ns(20 * NSEC_PER_MSEC);
	}
	if (!all) {
		/* A worker stuck in I/O: leave the run to it (leaked), but
		 * say so; the test that asked treats it as a failure. */
		kprintf("blkstress %s: workers did not stop within %llu s\n", st->name,
			(unsigned long long)(STRESS_STOP_WAIT_NS / NSEC_PER_SEC));
		stress_print(st, "stuck");
		stress_run = NULL;
		return -ETIMEDOUT;
	}
	stress_print(st, "stopped");
	stress_run = NULL;
	stress_free(st);
	return 0;
}

static int cmd_blkstress(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "start"))
		return stress_start(argc, argv);
	if (argc == 2 && !strcmp(argv[1], "stop"))
		return stress_stop();
	if (argc == 1 || (argc == 2 && !strcmp(argv[1], "status"))) {
		if (!stress_run) {
			kprintf("blkstress: not running\n");
			return 0;
		}
		stress_print(stress_run, "running");
		return 0;
	}
	kprintf("usage: blkstress start DISK SEED LBA N [WORKERS] | status | stop\n");
	return -EINVAL;
}
MONITOR_COMMAND(blkstress, "blkstress", "blkstress start DISK SEED LBA N [WORKERS] | status | stop",
		"background write + read-back workers on a disk", cmd_blkstress);
