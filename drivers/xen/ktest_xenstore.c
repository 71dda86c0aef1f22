/* Self-tests for the xenstore client against the real xenstored; skipped
 * where the domain has no xenstore (dom0 booted directly by Xen). */
#include <kernel/ktest.h>
#include <kernel/string.h>
#include <kernel/errno.h>
#include <kernel/time.h>
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

static bool never(void *arg)
{
	return false;
}

/* Watch callbacks are deferred work, which the idle loop runs but a test
 * does not: deliver them here, in ordinary context, between short idle
 * waits (idle_wait's condition must not run callbacks itself). */
static bool wait_hits(unsigned int want, u64 timeout_ns)
{
	u64 end = clock_ns() + timeout_ns;

	for (;;) {
		xenstore_poll();
		if (watch_hits >= want)
			return true;
		if (clock_ns() >= end)
			return false;
		idle_wait(never, NULL, 5 * NSEC_PER_MSEC);
	}
}

static void xs_watch_fires(struct ktest *t)
{
	static struct xs_watch w = { .path = "data/ktest/watched", .cb = ktest_watch_cb };
	watch_hits = 0;
	KT_ASSERT(t, xs_watch(&w) == 0);
	/* xenstored fires a new watch once at once. */
	KT_EXPECT(t, wait_hits(1, 2 * NSEC_PER_SEC));
	KT_ASSERT(t, xs_write(0, "data/ktest/watched", "1") == 0);
	KT_EXPECT(t, wait_hits(watch_hits + 1, 2 * NSEC_PER_SEC));
	KT_EXPECT(t, ends_with(watch_last, "data/ktest/watched"));
	KT_EXPECT_EQ(t, xs_unwatch(&w), 0);
	xs_write(0, "data/ktest/watched", "2");
	KT_EXPECT(t, !wait_hits(watch_hits + 1, 100 * NSEC_PER_MSEC));
	xs_rm(0, "data/ktest");
}

static const struct ktest_case xenstore_cases[] = {
	{ "read_domid", xs_read_domid },
	{ "write_read_rm", xs_write_read_rm },
	{ "directory", xs_directory_lists },
	{ "permission_denied", xs_permission_denied },
	{ "transactions", xs_transactions },
	{ "watch_fires", xs_watch_fires },
};
KTEST_SUITE(xenstore, "xenstore", xenstore_cases, need_xenstore);
