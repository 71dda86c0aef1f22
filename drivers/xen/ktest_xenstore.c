/* Self-tests for the xenstore client against the real xenstored; skipped
 * where the domain has no xenstore (dom0 booted directly by Xen). */
#include <kernel/ktest.h>
#include <kernel/string.h>
#include <kernel/errno.h>
#include <kernel/time.h>
#include <kernel/sched.h>
#include <kernel/printk.h>
#include <xen/xenstore.h>

static const char *need_xenstore(void)
{
	return xenstore_available() ? NULL : "no xenstore in this domain";
}

static void xs_read_domid(struct ktest *t)
{
	char buf[16];
	unsigned int id;
	int n = xs_read(0, "domid", buf, sizeof(buf));

	KT_ASSERT(t, n > 0);
	KT_EXPECT_EQ(t, kstrtouint(buf, 10, &id), 0);
	KT_EXPECT(t, id > 0); /* a guest, not dom0 */
	KT_EXPECT_EQ(t, xs_read(0, "domid", buf, 1), -E2BIG);
}

static void xs_write_read_rm(struct ktest *t)
{
	char buf[64];

	KT_ASSERT(t, xs_write(0, "data/ktest/value", "hello xenstore") == 0);
	KT_EXPECT_EQ(t, xs_read(0, "data/ktest/value", buf, sizeof(buf)), 14);
	KT_EXPECT(t, !strcmp(buf, "hello xenstore"));
	KT_EXPECT_EQ(t, xs_write(0, "data/ktest/empty", ""), 0);
	KT_EXPECT_EQ(t, xs_read(0, "data/ktest/empty", buf, sizeof(buf)), 0);
	KT_EXPECT_EQ(t, xs_rm(0, "data/ktest/value"), 0);
	KT_EXPECT_EQ(t, xs_read(0, "data/ktest/value", buf, sizeof(buf)), -ENOENT);
}

static void xs_directory_lists(struct ktest *t)
{
	char buf[256];
	int n;

	KT_ASSERT(t, xs_write(0, "data/ktest/dir/a", "1") == 0);
	KT_ASSERT(t, xs_write(0, "data/ktest/dir/bb", "2") == 0);
	n = xs_directory(0, "data/ktest/dir", buf, sizeof(buf));
	KT_EXPECT_EQ(t, n, 2);
	KT_EXPECT(t, (!strcmp(buf, "a") && !strcmp(buf + 2, "bb")) ||
		     (!strcmp(buf, "bb") && !strcmp(buf + 3, "a")));
	KT_EXPECT_EQ(t, xs_rm(0, "data/ktest/dir"), 0);
	KT_EXPECT_EQ(t, xs_directory(0, "data/ktest/dir", buf, sizeof(buf)), -ENOENT);
}

static void xs_permission_denied(struct ktest *t)
{
	char buf[16];

	/* dom0's tree is not ours to write. */
	KT_EXPECT_EQ(t, xs_write(0, "/local/domain/0/xenolith-ktest", "x"), -EACCES);
	KT_EXPECT(t, xs_get_perms(0, "data", buf, sizeof(buf)) >= 1);
}

/* Writes in flight together: each gets its own result (one refused in the
 * middle fails alone), the rest land, and more than the limit is refused
 * before anything is sent. */
static void xs_write_many_results(struct ktest *t)
{
	const char *paths[] = { "data/ktest/many/a", "data/ktest/many/b",
				"/local/domain/0/xenolith-ktest", "data/ktest/many/c" };
	const char *values[] = { "1", "22", "x", "333" };
	const char *big[XS_WRITE_MANY_MAX + 1];
	int big_rcs[XS_WRITE_MANY_MAX + 1] = { 0 };
	int rcs[4] = { 1, 1, 1, 1 };
	char buf[8];

	KT_EXPECT_EQ(t, xs_write_many(0, paths, values, 4, rcs), -EACCES);
	KT_EXPECT_EQ(t, rcs[0], 0);
	KT_EXPECT_EQ(t, rcs[1], 0);
	KT_EXPECT_EQ(t, rcs[2], -EACCES);
	KT_EXPECT_EQ(t, rcs[3], 0);
	KT_EXPECT_EQ(t, xs_read(0, "data/ktest/many/b", buf, sizeof(buf)), 2);
	KT_EXPECT(t, !strcmp(buf, "22"));
	KT_EXPECT_EQ(t, xs_read(0, "data/ktest/many/c", buf, sizeof(buf)), 3);
	KT_EXPECT(t, !strcmp(buf, "333"));
	KT_EXPECT_EQ(t, xs_write_many(0, paths, values, 2, NULL), 0);
	for (unsigned int i = 0; i < ARRAY_SIZE(big); i++)
		big[i] = "data/ktest/many/big";
	KT_EXPECT_EQ(t, xs_write_many(0, big, big, ARRAY_SIZE(big), big_rcs), -E2BIG);
	KT_EXPECT_EQ(t, big_rcs[0], -E2BIG);
	KT_EXPECT_EQ(t, big_rcs[ARRAY_SIZE(big) - 1], -E2BIG);
	KT_EXPECT_EQ(t, xs_read(0, "data/ktest/many/big", buf, sizeof(buf)), -ENOENT);
	KT_EXPECT_EQ(t, xs_rm(0, "data/ktest/many"), 0);
}

static int tx_body(xs_tx_t tx, void *arg)
{
	return xs_write(tx, "data/ktest/tx", (const char *)arg);
}

static void xs_transactions(struct ktest *t)
{
	char buf[16];
	xs_tx_t tx;

	KT_ASSERT(t, xs_transaction(tx_body, "committed") == 0);
	KT_EXPECT_EQ(t, xs_read(0, "data/ktest/tx", buf, sizeof(buf)), 9);
	/* An aborted transaction leaves no trace. */
	KT_ASSERT(t, xs_transaction_start(&tx) == 0);
	KT_EXPECT_EQ(t, xs_write(tx, "data/ktest/tx", "aborted"), 0);
	KT_EXPECT_EQ(t, xs_transaction_end(tx, true), 0);
	KT_EXPECT_EQ(t, xs_read(0, "data/ktest/tx", buf, sizeof(buf)), 9);
	KT_EXPECT(t, !strcmp(buf, "committed"));
	xs_rm(0, "data/ktest/tx");
}

static volatile unsigned int watch_hits;
static char watch_last[64];

static void ktest_watch_cb(struct xs_watch *w, const char *path)
{
	strlcpy(watch_last, path, sizeof(watch_last));
	watch_hits++;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

static bool hits_reached(void *arg)
{
	return watch_hits >= *(const unsigned int *)arg;
}

/* Watch callbacks run on the xenwatch thread; the test only waits. */
static bool wait_hits(unsigned int want, u64 timeout_ns)
{
	return idle_wait(hits_reached, &want, timeout_ns);
}

static void xs_watch_fires(struct ktest *t)
{
	static struct xs_watch w = { .path = "data/ktest/watched", .cb = ktest_watch_cb };
	unsigned int before;

	watch_hits = 0;
	KT_ASSERT(t, xs_watch(&w) == 0);
	/* xenstored fires a new watch once at once. */
	KT_EXPECT(t, wait_hits(1, 2 * NSEC_PER_SEC));
	/* Counted before the write: the callback runs on the xenwatch
	 * thread and may fire before xs_write() even returns. */
	before = watch_hits;
	KT_ASSERT(t, xs_write(0, "data/ktest/watched", "1") == 0);
	KT_EXPECT(t, wait_hits(before + 1, 2 * NSEC_PER_SEC));
	KT_EXPECT(t, ends_with(watch_last, "data/ktest/watched"));
	KT_EXPECT_EQ(t, xs_unwatch(&w), 0);
	before = watch_hits;
	xs_write(0, "data/ktest/watched", "2");
	KT_EXPECT(t, !wait_hits(before + 1, 100 * NSEC_PER_MSEC));
	xs_rm(0, "data/ktest");
}

static void xs_watch_twice_rejected(struct ktest *t)
{
	static struct xs_watch w = { .path = "data/ktest/twice", .cb = ktest_watch_cb };

	KT_ASSERT(t, xs_watch(&w) == 0);
	KT_EXPECT_EQ(t, xs_watch(&w), -EEXIST);
	KT_EXPECT_EQ(t, xs_unwatch(&w), 0);
	KT_EXPECT_EQ(t, xs_unwatch(&w), -ENOENT);
}

static void xs_bad_perms_rejected(struct ktest *t)
{
	const char *empty[] = { "" };
	const char *noid[] = { "r" };
	const char *junk[] = { "r1x" };
	const char *ok[] = { "n0" };

	KT_ASSERT(t, xs_write(0, "data/ktest/perm", "x") == 0);
	KT_EXPECT_EQ(t, xs_set_perms(0, "data/ktest/perm", empty, 1), -EINVAL);
	KT_EXPECT_EQ(t, xs_set_perms(0, "data/ktest/perm", noid, 1), -EINVAL);
	KT_EXPECT_EQ(t, xs_set_perms(0, "data/ktest/perm", junk, 1), -EINVAL);
	/* Our own domain id as owner is what xenstored accepts from us. */
	{
		char id[16], perm[20];

		KT_ASSERT(t, xs_read(0, "domid", id, sizeof(id)) > 0);
		snprintf(perm, sizeof(perm), "n%s", id);
		ok[0] = perm;
		KT_EXPECT_EQ(t, xs_set_perms(0, "data/ktest/perm", ok, 1), 0);
	}
	xs_rm(0, "data/ktest/perm");
}

/* Several threads with requests in flight at once: each gets its own
 * reply (matched by request id), none waits for another's. */
#define XS_WORKERS 4
#define XS_ROUNDS 25

static int xs_worker(void *arg)
{
	unsigned long id = (unsigned long)arg;
	char path[48], val[24], buf[24];

	for (int i = 0; i < XS_ROUNDS; i++) {
		snprintf(path, sizeof(path), "data/ktest/par/%lu", id);
		snprintf(val, sizeof(val), "%lu-%d", id, i);
		if (xs_write(0, path, val))
			return -1;
		if (xs_read(0, path, buf, sizeof(buf)) < 0 || strcmp(buf, val))
			return -2;
	}
	return 0;
}

static void xs_parallel_requests(struct ktest *t)
{
	struct thread *th[XS_WORKERS];

	for (unsigned long i = 0; i < XS_WORKERS; i++) {
		th[i] = thread_create("ktest-xs", xs_worker, (void *)i, CPU_ANY);
		KT_ASSERT(t, th[i] != NULL);
	}
	for (int i = 0; i < XS_WORKERS; i++)
		KT_EXPECT_EQ(t, thread_join(th[i]), 0);
	xs_rm(0, "data/ktest/par");
}

/* A flood of changes while the callback is stuck: the queue for that
 * watch stays bounded, drops are counted, and delivery resumes. */
static struct completion flood_release;
static volatile unsigned int flood_calls;
static volatile bool flood_held_too_long;

static void flood_cb(struct xs_watch *w, const char *path)
{
	/* Bounded so a test that failed half-way cannot wedge the watch
	 * thread; generous because 200 writes take long under emulation. */
	if (flood_calls++ == 0 &&
	    !wait_for_completion_timeout(&flood_release, 120 * NSEC_PER_SEC))
		flood_held_too_long = true;
}

static void xs_watch_queue_bounded(struct ktest *t)
{
	static struct xs_watch w = { .path = "data/ktest/flood", .cb = flood_cb };
	unsigned long dropped0 = xenstore_events_dropped();
	char v[8];

	completion_init(&flood_release);
	flood_calls = 0;
	flood_held_too_long = false;
	KT_ASSERT(t, xs_write(0, "data/ktest/flood", "0") == 0);
	KT_ASSERT(t, xs_watch(&w) == 0);
	/* The first (registration) event blocks the callback. */
	for (int i = 1; i <= 200; i++) {
		snprintf(v, sizeof(v), "%d", i);
		xs_write(0, "data/ktest/flood", v);
	}
	complete(&flood_release);
	sleep_ns(500 * NSEC_PER_MSEC);
	KT_EXPECT(t, !flood_held_too_long);
	KT_EXPECT(t, flood_calls >= 2);
	KT_EXPECT(t, flood_calls <= 1 + 64 + 1);
	KT_EXPECT(t, w.dropped > 0);
	KT_EXPECT(t, xenstore_events_dropped() > dropped0);
	KT_EXPECT_EQ(t, xs_unwatch(&w), 0);
	xs_rm(0, "data/ktest/flood");
}

static const struct ktest_case xenstore_cases[] = {
	{ "read_domid", xs_read_domid },
	{ "write_read_rm", xs_write_read_rm },
	{ "directory", xs_directory_lists },
	{ "permission_denied", xs_permission_denied },
	{ "write_many", xs_write_many_results },
	{ "transactions", xs_transactions },
	{ "watch_fires", xs_watch_fires },
	{ "watch_twice_rejected", xs_watch_twice_rejected },
	{ "bad_perms_rejected", xs_bad_perms_rejected },
	{ "parallel_requests", xs_parallel_requests },
	{ "watch_queue_bounded", xs_watch_queue_bounded },
};
KTEST_SUITE(xenstore, "xenstore", xenstore_cases, need_xenstore);
