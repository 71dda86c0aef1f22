/* The Xen balloon driver (docs/balloon.md).
 *
 * `xl mem-set` writes memory/target (KiB). A watch on it only wakes the
 * balloon thread; the thread reads and checks the value, works out how
 * many pages the guest should have given away (lib/balloon_plan.c) and
 * moves pages in batches of BALLOON_BATCH: pages to give come from the
 * page allocator and go to Xen through the mode's balloon_ops; pages taken
 * back from Xen go to the allocator. Which pages are out is kept in a
 * bitmap over the boot memory map.
 *
 * Limits: the guest never gives away so much that Xen's count of its pages
 * drops below the floor (balloon.floor=, default BALLOON_FLOOR_MIB), and
 * the allocator always keeps BALLOON_MIN_FREE pages for the kernel. A
 * target above the boot size is held at the boot size: the allocator and
 * the direct map cover only the boot memory map.
 *
 * Locks: balloon_mutex (a sleeping lock, threads only) guards the bitmap,
 * the counters and the batch arrays, and is held across one batch. It is
 * taken before the allocator's pool_lock (alloc_pages/free_pages) and
 * before the PV multicall batch. goal_lock (a spinlock, never held
 * across anything that sleeps) guards the goal the thread works towards
 * and the kick flag. Order: balloon_mutex -> goal_lock. */
#include <xen/balloon.h>
#include <xen/xenstore.h>
#include <xen/xen.h>
#include <xen/hypercall.h>
#include <xen/interface/memory.h>
#include <kernel/mm.h>
#include <kernel/sched.h>
#include <kernel/printk.h>
#include <kernel/monitor.h>
#include <kernel/cmdline.h>
#include <kernel/string.h>
#include <kernel/errno.h>
#include <kernel/time.h>

#define BALLOON_FLOOR_MIB 32
/* Free pages the allocator keeps whatever the target (1 MiB): thread
 * stacks, xenstore buffers and device rings must still find memory. */
#define BALLOON_MIN_FREE 256
/* A target the guest could not reach (no free pages to give, or Xen
 * would not give pages back yet) is tried again after this long. */
#define BALLOON_RETRY_NS (1000ULL * 1000 * 1000)

static const struct balloon_ops *ops;

static DEFINE_MUTEX(balloon_mutex);
static u64 *out_map;                  /* bit set: pfn given to Xen */
static unsigned long map_pfns;        /* pfns the bitmap covers */
static unsigned long nr_out, nr_gave, nr_took;
static unsigned long take_hint;       /* where the search for out pages starts */

static DEFINE_SPINLOCK(goal_lock);
static struct balloon_plan plan;
static bool have_base;                /* plan.base_kib is set */
static u64 target_kib;
static unsigned long want_out;
static bool kicked;
static unsigned long bad_targets;
static unsigned long floor_pages = (unsigned long)BALLOON_FLOOR_MIB << (20 - PAGE_SHIFT);
static unsigned long boot_pages;
static DEFINE_WAITQUEUE(balloon_wq);
static struct thread *balloon_thread;

static int set_floor(const char *val)
{
	u64 mib;

	if (!val || kstrtou64(val, 10, &mib) || mib == 0 || mib > (1ULL << 20))
		return -EINVAL;
	floor_pages = (unsigned long)(mib << (20 - PAGE_SHIFT));
	return 0;
}
CMDLINE_OPTION(balloon_floor, "balloon.floor", set_floor,
	       "MiB the Xen balloon never goes below (default 32)");

long xen_balloon_current_pages(void)
{
	domid_t self = DOMID_SELF;

	return HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
}

static bool map_test(unsigned long pfn)
{
	return pfn < map_pfns && (out_map[pfn / 64] >> (pfn % 64)) & 1;
}

static void map_set(unsigned long pfn, bool out)
{
	if (out)
		out_map[pfn / 64] |= 1ULL << (pfn % 64);
	else
		out_map[pfn / 64] &= ~(1ULL << (pfn % 64));
}

const char *xen_balloon_mode(void)
{
	return ops ? ops->name : NULL;
}

bool xen_balloon_is_out(unsigned long pfn)
{
	bool r;

	if (!ops)
		return false;
	mutex_lock(&balloon_mutex);
	r = map_test(pfn);
	mutex_unlock(&balloon_mutex);
	return r;
}

/* The opening both directions share: a mode to move pages with, a batch
 * no larger than the arrays, and the mutex held. 0 with the mutex held
 * and *n clamped, or -ENODEV (no balloon in this mode) without it. */
static int batch_begin(unsigned int *n)
{
	if (!ops)
		return -ENODEV;
	if (*n > BALLOON_BATCH)
		*n = BALLOON_BATCH;
	mutex_lock(&balloon_mutex);
	return 0;
}

/* A mode that says it moved more pages than it was given is a Xen (or
 * mode) oddity, not a reason to bring the guest down: which of the pages
 * moved is then unknown, so the caller treats none as moved and keeps
 * all of them away from the allocator. true if rc is such a count. */
static bool moved_too_many(const char *what, int rc, unsigned int asked)
{
	if (rc <= (int)asked)
		return false;
	pr_err("balloon: %s %s %d pages of a batch of %u; the batch is left alone (its pages are "
	       "no longer used)\n", ops->name, what, rc, asked);
	return true;
}

int xen_balloon_give(unsigned long *pfns, unsigned int n)
{
	unsigned int got = 0;
	int rc;

	rc = batch_begin(&n);
	if (rc)
		return rc;
	while (got < n && mm_free_pages() > BALLOON_MIN_FREE) {
		void *va = alloc_pages(1);
		unsigned long pfn;

		if (!va)
			break;
		pfn = PFN_DOWN(__pa(va));
		if (pfn >= map_pfns) {
			/* Cannot happen (the bitmap covers the allocator);
			 * a page we could not record must not go. */
			free_pages(va, 1);
			break;
		}
		pfns[got++] = pfn;
	}
	if (!got) {
		mutex_unlock(&balloon_mutex);
		return -ENOMEM;
	}
	rc = ops->release(pfns, got);
	if (moved_too_many("released", rc, got)) {
		/* Neither recorded as out nor freed: a page that may now
		 * belong to Xen must not be handed out again. */
		mutex_unlock(&balloon_mutex);
		return -EIO;
	}
	for (unsigned int i = 0; i < (unsigned int)MAX(rc, 0); i++)
		map_set(pfns[i], true);
	/* What Xen did not take is still ours, mapped and usable. */
	for (unsigned int i = (unsigned int)MAX(rc, 0); i < got; i++)
		free_pages(__va(PFN_PHYS(pfns[i])), 1);
	nr_out += (unsigned long)MAX(rc, 0);
	nr_gave += (unsigned long)MAX(rc, 0);
	mutex_unlock(&balloon_mutex);
	return rc > 0 ? rc : (rc < 0 ? rc : -EIO);
}

int xen_balloon_take(unsigned long *pfns, unsigned int n)
{
	unsigned int got = 0;
	unsigned long pfn;
	int rc;

	rc = batch_begin(&n);
	if (rc)
		return rc;
	/* The out pages from the hint on, wrapping once. */
	for (unsigned long k = 0; k < map_pfns && got < n && got < nr_out; k++) {
		pfn = (take_hint + k) % map_pfns;
		if (pfn % 64 == 0 && !out_map[pfn / 64] && pfn + 64 <= map_pfns) {
			k += 63;
			continue;
		}
		if (map_test(pfn))
			pfns[got++] = pfn;
	}
	if (!got) {
		mutex_unlock(&balloon_mutex);
		return 0;
	}
	rc = ops->reclaim(pfns, got);
	if (moved_too_many("reclaimed", rc, got)) {
		/* The pages stay recorded as out: none is handed out. */
		mutex_unlock(&balloon_mutex);
		return -EIO;
	}
	for (unsigned int i = 0; i < (unsigned int)MAX(rc, 0); i++)
		map_set(pfns[i], false);
	if (rc > 0) {
		nr_out -= (unsigned long)rc;
		nr_took += (unsigned long)rc;
		take_hint = pfns[rc - 1] + 1;
	}
	mutex_unlock(&balloon_mutex);
	return rc;
}

void xen_balloon_stats(struct balloon_stats *s)
{
	unsigned long flags;

	memset(s, 0, sizeof(*s));
	mutex_lock(&balloon_mutex);
	s->out = nr_out;
	s->gave = nr_gave;
	s->took = nr_took;
	mutex_unlock(&balloon_mutex);
	flags = spin_lock_irqsave(&goal_lock);
	s->want_out = want_out;
	s->target_kib = target_kib;
	s->bad_targets = bad_targets;
	spin_unlock_irqrestore(&goal_lock, flags);
	s->floor_pages = floor_pages;
	s->boot_pages = boot_pages;
}

/* Read memory/target and set the goal from it. Called on the balloon
 * thread only. true if the target is new (a different value). */
static bool read_target(void)
{
	char untrusted_val[32];
	struct balloon_goal g;
	unsigned long flags;
	bool changed;
	u64 kib;
	int rc;

	rc = xs_read(0, "memory/target", untrusted_val, sizeof(untrusted_val));
	if (rc == -ENOENT)
		return false;
	if (rc >= 0)
		rc = balloon_parse_target(untrusted_val, (size_t)rc, &kib);
	if (rc) {
		flags = spin_lock_irqsave(&goal_lock);
		bad_targets++;
		spin_unlock_irqrestore(&goal_lock, flags);
		/* The value itself is not echoed: it may hold anything. */
		pr_warn("balloon: memory/target is not a size in KiB (%d); ignored, the goal stays\n",
			rc);
		return false;
	}
	flags = spin_lock_irqsave(&goal_lock);
	changed = !have_base || kib != target_kib;
	if (!have_base) {
		/* The first target is the size the guest booted with: Xen's
		 * count may differ from it (a PVH guest's special pages), so
		 * later targets count from it, not from the count. */
		plan.base_kib = kib;
		have_base = true;
	}
	balloon_goal(&plan, kib, &g);
	target_kib = kib;
	want_out = g.want_out;
	spin_unlock_irqrestore(&goal_lock, flags);
	if (!changed)
		return false;
	if (g.clamp == BALLOON_BELOW_FLOOR)
		pr_warn("balloon: refusing target %llu KiB: below the floor of %lu KiB; going no "
			"lower than the floor\n",
			(unsigned long long)kib, floor_pages << (PAGE_SHIFT - 10));
	else if (g.clamp == BALLOON_ABOVE_BOOT)
		pr_warn("balloon: target %llu KiB is above the %llu KiB this guest booted with; "
			"growing beyond the boot size is not supported, staying at it\n",
			(unsigned long long)kib, (unsigned long long)plan.base_kib);
	pr_info("balloon: target %llu KiB: %lu pages to be given away\n", (unsigned long long)kib,
		g.want_out);
	return true;
}

static bool take_kick(void)
{
	unsigned long flags = spin_lock_irqsave(&goal_lock);
	bool k = kicked;

	kicked = false;
	spin_unlock_irqrestore(&goal_lock, flags);
	return k;
}

static unsigned long goal(void)
{
	unsigned long flags = spin_lock_irqsave(&goal_lock);
	unsigned long w = want_out;

	spin_unlock_irqrestore(&goal_lock, flags);
	return w;
}

/* A batch array for the thread (the self-tests bring their own). */
static unsigned long thread_pfns[BALLOON_BATCH];

/* Move towards the goal until it is reached (0), a new target arrives
 * (-EAGAIN) or no progress is possible now (-ENOMEM: nothing to give,
 * -EBUSY: Xen gave nothing back). */
static int balloon_work(void)
{
	for (;;) {
		unsigned long out;
		long step;
		int rc;

		if (READ_ONCE(kicked))
			return -EAGAIN;
		mutex_lock(&balloon_mutex);
		out = nr_out;
		mutex_unlock(&balloon_mutex);
		step = balloon_step(out, goal(), BALLOON_BATCH);
		if (!step)
			return 0;
		if (step > 0) {
			rc = xen_balloon_give(thread_pfns, (unsigned int)step);
			if (rc <= 0)
				return -ENOMEM;
		} else {
			rc = xen_balloon_take(thread_pfns, (unsigned int)-step);
			if (rc <= 0)
				return -EBUSY;
			for (int i = 0; i < rc; i++)
				free_pages(__va(PFN_PHYS(thread_pfns[i])), 1);
		}
		/* Cooperative scheduling: let the rest of the guest run
		 * between batches. */
		cond_resched();
	}
}

static int balloon_main(void *arg)
{
	u64 started = 0, retry = TIMEOUT_FOREVER;
	int last = 0, rc;

	for (;;) {
		wait_event_timeout(balloon_wq, READ_ONCE(kicked), retry);
		if (take_kick() && read_target()) {
			started = clock_ns();
			last = 0;
		}
		rc = balloon_work();
		retry = TIMEOUT_FOREVER;
		if (rc == -EAGAIN)
			continue;
		if (rc) {
			/* Said once per goal; tried again in a while. */
			if (rc != last) {
				struct balloon_stats s;

				xen_balloon_stats(&s);
				pr_warn("balloon: stuck at %lu of %lu pages given away: %s; retrying\n",
					s.out, s.want_out,
					rc == -ENOMEM ? "no free pages to give"
						      : "Xen gives no pages back (yet)");
			}
			last = rc;
			retry = BALLOON_RETRY_NS;
			continue;
		}
		if (started) {
			struct balloon_stats s;
			long cur = xen_balloon_current_pages();

			xen_balloon_stats(&s);
			pr_info("balloon: at target: %lu pages given away, Xen counts %ld KiB, in %llu ms\n",
				s.out, cur < 0 ? cur : cur << (PAGE_SHIFT - 10),
				(unsigned long long)((clock_ns() - started) / 1000000));
			started = 0;
			last = 0;
		}
	}
	return 0;
}

static void target_changed(struct xs_watch *w, const char *path)
{
	unsigned long flags = spin_lock_irqsave(&goal_lock);

	/* Only a wake-up here: the xenwatch thread serves every watch. */
	kicked = true;
	spin_unlock_irqrestore(&goal_lock, flags);
	wake_up(&balloon_wq);
}

static struct xs_watch target_watch = { .path = "memory/target", .cb = target_changed };

int xen_balloon_init(void)
{
	long cur;
	unsigned long words;

	if (ops)
		return 0;
	cur = xen_balloon_current_pages();
	if (cur <= 0) {
		pr_err("balloon: Xen does not say how many pages we have (%ld); no balloon\n", cur);
		return cur < 0 ? (int)cur : -EIO;
	}
	boot_pages = (unsigned long)cur;
	map_pfns = mm_total_pages();
	words = DIV_ROUND_UP_UL(map_pfns, 64);
	out_map = alloc_pages(DIV_ROUND_UP_UL(words * 8, PAGE_SIZE));
	if (!out_map) {
		pr_err("balloon: no memory for the page record; no balloon\n");
		return -ENOMEM;
	}
	plan.max_out = boot_pages > floor_pages ? boot_pages - floor_pages : 0;
	/* One image, every mode: the ops are picked at boot. */
	if (xen_pv_domain && IS_ENABLED(CONFIG_XEN_PV))
		ops = &xen_balloon_pv_ops;
	else if (!xen_pv_domain && IS_ENABLED(CONFIG_XEN_PVH))
		ops = &xen_balloon_pvh_ops;
	if (!ops)
		return -ENODEV;
	return 0;
}

int xen_balloon_watch_start(void)
{
	int rc;

	if (!ops || !xenstore_available() || balloon_thread)
		return 0;
	balloon_thread = thread_create("balloon", balloon_main, NULL, CPU_ANY);
	if (!balloon_thread) {
		pr_err("balloon: cannot start its thread\n");
		return -ENOMEM;
	}
	thread_detach(balloon_thread);
	rc = xs_watch(&target_watch);
	if (rc)
		pr_err("balloon: cannot watch memory/target: %d; xl mem-set will be ignored\n", rc);
	else
		pr_info("balloon: %s, %lu pages at boot, floor %lu KiB\n", ops->name, boot_pages,
			floor_pages << (PAGE_SHIFT - 10));
	return rc;
}

static int mem_cmd(int argc, char **argv)
{
	struct balloon_stats s;
	char target[32];
	long cur;

	if (!ops) {
		kprintf("mem: no balloon in this mode; %lu KiB free\n",
			mm_free_pages() << (PAGE_SHIFT - 10));
		return 0;
	}
	xen_balloon_stats(&s);
	cur = xen_balloon_current_pages();
	if (s.target_kib)
		snprintf(target, sizeof(target), "%llu KiB", (unsigned long long)s.target_kib);
	else
		strlcpy(target, "none", sizeof(target));
	/* One line in one call: a reader of the console sees it whole. */
	kprintf("mem: current %ld KiB, target %s, ballooned %lu pages (goal %lu), floor %lu KiB, "
		"free %lu KiB\n",
		cur < 0 ? cur : cur << (PAGE_SHIFT - 10), target, s.out, s.want_out,
		s.floor_pages << (PAGE_SHIFT - 10), mm_free_pages() << (PAGE_SHIFT - 10));
	kprintf("mem: %s balloon, %lu pages at boot, %lu given and %lu taken back since, %lu bad "
		"targets ignored\n",
		ops->name, s.boot_pages, s.gave, s.took, s.bad_targets);
	return 0;
}
MONITOR_COMMAND(mem, "mem", "mem", "memory and the Xen balloon: current, target, ballooned, floor",
		mem_cmd);
