/* Grant tables: the entries through which this domain lets others map or
 * copy its pages (include/xen/grant_table.h has the API, docs/
 * grant-tables.md the design). The frames holding the table are set up
 * per guest mode by a const ops table (arch/x86/xen/grant-table.c).
 *
 * Locking:
 * - gnttab_lock (spinlock, irqsave) protects the free list, the count of
 *   refs in the table (nr_refs) and the used count. Every path that can
 *   run from an interrupt handler takes only this lock.
 * - grow_mutex serialises growing the table: asking Xen for frames,
 *   mapping them, adding their refs to the free list (the last step under
 *   gnttab_lock too). Taken before gnttab_lock, never the other way.
 * - deferred_lock (spinlock, irqsave) protects the deferred list; taken
 *   alone (the retry pass unlinks entries under it, then works on them
 *   without it).
 * - Entries themselves are shared with Xen and the other domains: written
 *   in the order the ABI demands, revoked with one atomic operation.
 * The frame pointers and the version are set once by gnttab_init() before
 * 'available' is published; the table never shrinks, so a ref below
 * nr_refs stays valid. */
#include <xen/xen.h>
#include <xen/grant_table.h>
#include <xen/suspend.h>
#include <xen/page.h>
#include <kernel/atomic.h>
#include <kernel/cmdline.h>
#include <kernel/errno.h>
#include <kernel/mm.h>
#include <kernel/monitor.h>
#include <kernel/printk.h>
#include <kernel/sched.h>
#include <kernel/smp.h>
#include <kernel/spinlock.h>
#include <kernel/string.h>
#include <kernel/time.h>
#include <kernel/work.h>

/* We never set aside address space for more frames than this, whatever
 * Xen would allow: 256 v1 frames are 131072 refs. */
#define GNTTAB_FRAMES_CAP 256
/* GNTTABOP_query_size failing says nothing about the limit: Xen's
 * historical default for old hypervisors. */
#define GNTTAB_FRAMES_FALLBACK 4
#define REFS_V1 (PAGE_SIZE / sizeof(struct grant_entry_v1))
#define REFS_V2 (PAGE_SIZE / sizeof(union grant_entry_v2))
#define STATUS_PER_FRAME (PAGE_SIZE / sizeof(grant_status_t))

/* The free list links refs through a side array kept in one-page chunks,
 * added as the table grows. A ref that is handed out holds REF_INUSE, so
 * freeing a ref twice or one never allocated is caught. */
#define LINKS_PER_CHUNK (PAGE_SIZE / sizeof(grant_ref_t))
#define MAX_CHUNKS (GNTTAB_FRAMES_CAP * REFS_V1 / LINKS_PER_CHUNK)
#define REF_END GNTTAB_INVALID_REF
#define REF_INUSE ((grant_ref_t)~1u)

/* How long a ref whose revoke failed waits between tries, and after how
 * many tries we say so (once). */
#define DEFER_PERIOD_NS NSEC_PER_SEC
#define DEFER_WARN_TRIES 60

static const struct gnttab_frame_ops *fops;
static bool available;
static unsigned int version;
static unsigned int refs_per_frame;
static unsigned int nr_frames, max_frames, nr_status;
static struct grant_entry_v1 *shared_v1;
static union grant_entry_v2 *shared_v2;
static const volatile grant_status_t *status_v2;

static DEFINE_SPINLOCK(gnttab_lock);
static DEFINE_MUTEX(grow_mutex);
static grant_ref_t *link_chunks[MAX_CHUNKS];
static grant_ref_t free_head = REF_END;
static unsigned int free_count, nr_refs, refs_used;

/* Counters: updated with atomics (any CPU, any context). */
static unsigned long st_grants, st_ends, st_end_busy, st_deferred, st_deferred_freed;
static unsigned long st_leaked, st_copies, st_copy_errors, st_grows;

static inline void count(unsigned long *c, unsigned long n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

static inline unsigned long counter(const unsigned long *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/* gnttab=v1|v2: force a version; default v1 unless v2 is needed. */
enum { OPT_AUTO, OPT_V1, OPT_V2 };
static int opt_version = OPT_AUTO;

static int set_gnttab_version(const char *val)
{
	if (!val)
		return -EINVAL;
	if (!strcmp(val, "v1"))
		opt_version = OPT_V1;
	else if (!strcmp(val, "v2"))
		opt_version = OPT_V2;
	else
		return -EINVAL;
	return 0;
}
CMDLINE_OPTION(gnttab, "gnttab", set_gnttab_version, "v1 or v2: grant table version");

static inline grant_ref_t *link_of(grant_ref_t ref)
{
	return &link_chunks[ref / LINKS_PER_CHUNK][ref % LINKS_PER_CHUNK];
}

/* A ref a caller may use: allocated from us, so never 0-7, inside. */
static bool ref_ok(grant_ref_t ref)
{
	return available && ref >= GNTTAB_NR_RESERVED_ENTRIES &&
	       ref < __atomic_load_n(&nr_refs, __ATOMIC_ACQUIRE);
}

static unsigned int status_frames_for(unsigned int frames)
{
	if (version != 2)
		return 0;
	return (frames * REFS_V2 + STATUS_PER_FRAME - 1) / STATUS_PER_FRAME;
}

/* Put refs [from, to) on the free list; gnttab_lock held. Pushed from the
 * top so the lowest come out first. */
static void link_new_refs(grant_ref_t from, grant_ref_t to)
{
	for (grant_ref_t r = to; r-- > from;) {
		*link_of(r) = free_head;
		free_head = r;
		free_count++;
	}
}

/* Make the table hold at least `want` more free refs, up to its maximum;
 * grow_mutex held. */
static int grow_locked(unsigned int want)
{
	unsigned int have_free, extra, target, old_refs, new_refs;
	unsigned long flags;
	int rc;

	flags = spin_lock_irqsave(&gnttab_lock);
	have_free = free_count;
	spin_unlock_irqrestore(&gnttab_lock, flags);
	if (have_free >= want)
		return 0;
	extra = (want - have_free + refs_per_frame - 1) / refs_per_frame;
	if (extra > max_frames - nr_frames)
		return -ENOSPC;
	target = nr_frames + extra;
	old_refs = nr_frames * refs_per_frame;
	new_refs = target * refs_per_frame;
	/* The link chunks first: once Xen has the frames, nothing that can
	 * fail is left but the mapping. */
	for (unsigned int c = old_refs / LINKS_PER_CHUNK; c <= (new_refs - 1) / LINKS_PER_CHUNK; c++) {
		if (link_chunks[c])
			continue;
		link_chunks[c] = alloc_pages(1);
		if (!link_chunks[c])
			return -ENOMEM;
	}
	rc = fops->map(nr_frames, target, nr_status, status_frames_for(target));
	if (rc) {
		pr_err("xen: grant table: growing to %u frames failed: %d\n", target, rc);
		return rc < 0 ? rc : -EIO;
	}
	nr_frames = target;
	nr_status = status_frames_for(target);
	flags = spin_lock_irqsave(&gnttab_lock);
	link_new_refs(old_refs < GNTTAB_NR_RESERVED_ENTRIES ? GNTTAB_NR_RESERVED_ENTRIES : old_refs,
		      new_refs);
	__atomic_store_n(&nr_refs, new_refs, __ATOMIC_RELEASE);
	spin_unlock_irqrestore(&gnttab_lock, flags);
	count(&st_grows, 1);
	return 0;
}

int gnttab_alloc_refs(grant_ref_t *refs, unsigned int n)
{
	unsigned long flags;
	int rc;

	if (!available)
		return -ENODEV;
	if (!n)
		return 0;
	for (;;) {
		flags = spin_lock_irqsave(&gnttab_lock);
		if (free_count >= n) {
			for (unsigned int i = 0; i < n; i++) {
				grant_ref_t r = free_head;

				free_head = *link_of(r);
				*link_of(r) = REF_INUSE;
				refs[i] = r;
			}
			free_count -= n;
			refs_used += n;
			spin_unlock_irqrestore(&gnttab_lock, flags);
			return 0;
		}
		spin_unlock_irqrestore(&gnttab_lock, flags);
		/* Growing talks to Xen and may sleep on the mutex: only
		 * threads may. An interrupt handler gets what is free. */
		if (in_interrupt())
			return -ENOSPC;
		mutex_lock(&grow_mutex);
		rc = grow_locked(n);
		mutex_unlock(&grow_mutex);
		if (rc)
			return rc;
	}
}

void gnttab_free_refs(const grant_ref_t *refs, unsigned int n)
{
	unsigned long flags;

	flags = spin_lock_irqsave(&gnttab_lock);
	for (unsigned int i = 0; i < n; i++) {
		grant_ref_t r = refs[i];

		if (!ref_ok(r) || *link_of(r) != REF_INUSE) {
			pr_err("xen: grant table: freeing ref %u that is not allocated, ignored\n", r);
			continue;
		}
		*link_of(r) = free_head;
		free_head = r;
		free_count++;
		refs_used--;
	}
	spin_unlock_irqrestore(&gnttab_lock, flags);
}

void gnttab_grant_ref(grant_ref_t ref, domid_t domid, unsigned long gfn, bool readonly)
{
	u16 flags = GTF_permit_access | (readonly ? GTF_readonly : 0);

	if (!ref_ok(ref)) {
		pr_err("xen: grant table: grant on bad ref %u refused\n", ref);
		return;
	}
	if (version == 1 && gfn > 0xffffffffUL) {
		/* A v1 entry cannot name it; truncating would grant some
		 * other page. The entry stays invalid. */
		pr_err("xen: grant table: frame %#lx does not fit a v1 entry, not granted\n", gfn);
		return;
	}
	/* The other end may look at the entry as soon as flags permit it:
	 * domid and frame must be in place before. */
	if (version == 2) {
		shared_v2[ref].full_page.frame = gfn;
		shared_v2[ref].hdr.domid = domid;
		smp_wmb();
		WRITE_ONCE(shared_v2[ref].hdr.flags, flags);
	} else {
		shared_v1[ref].frame = (u32)gfn;
		shared_v1[ref].domid = domid;
		smp_wmb();
		WRITE_ONCE(shared_v1[ref].flags, flags);
	}
	count(&st_grants, 1);
}

int gnttab_grant_access(domid_t domid, unsigned long gfn, bool readonly, grant_ref_t *ref)
{
	int rc;

	if (!available)
		return -ENODEV;
	if (version == 1 && gfn > 0xffffffffUL)
		return -ERANGE;
	rc = gnttab_alloc_refs(ref, 1);
	if (!rc)
		gnttab_grant_ref(*ref, domid, gfn, readonly);
	return rc;
}

/* One try at revoking; no counting. */
static int end_access_once(grant_ref_t ref)
{
	u16 *fl, old;

	if (version == 2) {
		/* Under v2 Xen keeps its reading/writing bits in the status
		 * frame, not in the entry: withdraw the permission first, so
		 * no new mapping can start, then look whether an old one is
		 * still there. The full barrier keeps the read of status
		 * after the store Xen must see. */
		WRITE_ONCE(shared_v2[ref].hdr.flags, 0);
		smp_mb();
		if (status_v2[ref] & (GTF_reading | GTF_writing))
			return -EBUSY;
		return 0;
	}
	/* v1: Xen sets GTF_reading/GTF_writing in the same word with its own
	 * compare-and-swap when it maps, so ours either sees them (and
	 * fails) or wins, and then no mapping can start. Never test and
	 * clear separately (XSA-396). */
	fl = &shared_v1[ref].flags;
	old = __atomic_load_n(fl, __ATOMIC_SEQ_CST);

	do {
		if (old & (GTF_reading | GTF_writing))
			return -EBUSY;
	} while (!__atomic_compare_exchange_n(fl, &old, 0, false, __ATOMIC_SEQ_CST,
					      __ATOMIC_SEQ_CST));
	return 0;
}

int gnttab_end_access(grant_ref_t ref)
{
	int rc;

	if (!ref_ok(ref))
		return -EINVAL;
	rc = end_access_once(ref);
	if (rc)
		count(&st_end_busy, 1);
	else
		count(&st_ends, 1);
	return rc;
}

bool gnttab_is_mapped(grant_ref_t ref)
{
	u16 f;

	if (!ref_ok(ref))
		return false;
	if (version == 2)
		f = status_v2[ref];
	else
		f = READ_ONCE(shared_v1[ref].flags);
	return f & (GTF_reading | GTF_writing);
}

int gnttab_entry_flags(grant_ref_t ref)
{
	if (!ref_ok(ref))
		return -EINVAL;
	if (version == 2)
		return READ_ONCE(shared_v2[ref].hdr.flags) |
		       (status_v2[ref] & (GTF_reading | GTF_writing));
	return READ_ONCE(shared_v1[ref].flags);
}

/* ---- the deferred list: refs (and pages) whose revoke failed ---- */

struct deferred {
	struct deferred *next;
	grant_ref_t ref;
	void *va;
	unsigned long n;
	unsigned int tries;
	bool warned;
};

static DEFINE_SPINLOCK(deferred_lock);
static struct deferred *deferred_head;
static struct timer deferred_timer;
static bool deferred_timer_armed;      /* under deferred_lock */
static void deferred_work_fn(struct work *w);
static struct work deferred_work = WORK_INIT(deferred_work_fn);

/* Timer context: the retry frees pages, so it runs in the kworker. */
static void deferred_timer_fn(struct timer *t)
{
	(void)t;
	schedule_work(&deferred_work);
}

/* deferred_lock held. */
static void deferred_arm_locked(void)
{
	if (deferred_timer_armed || !deferred_head)
		return;
	deferred_timer_armed = true;
	timer_add(&deferred_timer, clock_ns() + DEFER_PERIOD_NS, deferred_timer_fn);
}

static void deferred_work_fn(struct work *w)
{
	struct deferred *list, *keep = NULL, *d;
	unsigned long flags;

	(void)w;
	flags = spin_lock_irqsave(&deferred_lock);
	list = deferred_head;
	deferred_head = NULL;
	deferred_timer_armed = false;
	spin_unlock_irqrestore(&deferred_lock, flags);

	while ((d = list) != NULL) {
		list = d->next;
		if (!end_access_once(d->ref)) {
			count(&st_ends, 1);
			gnttab_free_refs(&d->ref, 1);
			if (d->va)
				free_pages(d->va, d->n);
			count(&st_deferred_freed, 1);
			kfree(d);
			continue;
		}
		/* Still mapped: keep waiting, for ever if need be. Freeing
		 * would hand the other domain a page we reuse. */
		if (++d->tries >= DEFER_WARN_TRIES && !d->warned) {
			d->warned = true;
			pr_warn("xen: grant table: ref %u still mapped after %u s, page kept\n",
				d->ref, d->tries);
		}
		d->next = keep;
		keep = d;
	}

	flags = spin_lock_irqsave(&deferred_lock);
	while ((d = keep) != NULL) {
		keep = d->next;
		d->next = deferred_head;
		deferred_head = d;
	}
	deferred_arm_locked();
	spin_unlock_irqrestore(&deferred_lock, flags);
}

void gnttab_end_access_free(grant_ref_t ref, void *va, unsigned long n)
{
	struct deferred *d;
	unsigned long flags;

	if (!ref_ok(ref)) {
		/* Not ours to judge: the page may be granted under a ref
		 * we do not know; keeping it is the only safe choice. */
		pr_err("xen: grant table: end_access_free on bad ref %u, page leaked\n", ref);
		count(&st_leaked, 1);
		return;
	}
	if (!gnttab_end_access(ref)) {
		gnttab_free_refs(&ref, 1);
		if (va)
			free_pages(va, n);
		return;
	}
	d = kzalloc(sizeof(*d));
	if (!d) {
		/* Cannot even remember it: the ref and page stay out of
		 * use for good rather than risk reuse. */
		pr_err("xen: grant table: ref %u still mapped and no memory to defer it, leaked\n",
		       ref);
		count(&st_leaked, 1);
		return;
	}
	d->ref = ref;
	d->va = va;
	d->n = n;
	count(&st_deferred, 1);
	flags = spin_lock_irqsave(&deferred_lock);
	d->next = deferred_head;
	deferred_head = d;
	deferred_arm_locked();
	spin_unlock_irqrestore(&deferred_lock, flags);
}

/* ---- copies ---- */

/* Ops per hypercall: Xen preempts long batches itself, this only bounds
 * how much we hand over at once. */
#define COPY_BATCH 64

int gnttab_copy(struct gnttab_copy *ops, unsigned int n)
{
	unsigned long errors = 0;
	int rc = 0;

	if (!available)
		return -ENODEV;
	for (unsigned int done = 0; done < n; done += COPY_BATCH) {
		unsigned int k = n - done < COPY_BATCH ? n - done : COPY_BATCH;

		rc = HYPERVISOR_grant_table_op(GNTTABOP_copy, ops + done, k);
		if (rc) {
			/* Nothing says which ran: mark all not yet counted. */
			for (unsigned int i = done; i < n; i++)
				ops[i].status = GNTST_general_error;
			errors += n - done;
			break;
		}
		for (unsigned int i = done; i < done + k; i++)
			if (ops[i].status != GNTST_okay)
				errors++;
	}
	count(&st_copies, n);
	count(&st_copy_errors, errors);
	return rc;
}

/* ---- set-up ---- */

bool gnttab_available(void)
{
	return __atomic_load_n(&available, __ATOMIC_ACQUIRE);
}

unsigned int gnttab_version(void)
{
	return available ? version : 0;
}

void *gnttab_test_slot(u64 *host_addr)
{
	if (!available || !fops->test_slot)
		return NULL;
	return fops->test_slot(host_addr);
}

static int set_version(unsigned int v)
{
	struct gnttab_set_version sv = { .version = v };
	int rc = HYPERVISOR_grant_table_op(GNTTABOP_set_version, &sv, 1);

	if (!rc && sv.version != v)
		rc = -EOPNOTSUPP;
	return rc;
}

/* Which version, and tell Xen. v1 unless asked for v2 or v2 is needed to
 * name our frames; v2 refused means v1 (with a message). Runs before any
 * ref of ours is granted, when Xen allows switching. */
static unsigned int choose_version(void)
{
	bool need = fops->needs_v2();
	bool want = opt_version == OPT_V2 || (opt_version == OPT_AUTO && need);
	int rc;

	if (opt_version == OPT_V1 && need)
		pr_warn("xen: grant table: gnttab=v1 although some frames do not fit v1 entries; "
			"those cannot be granted\n");
	if (want) {
		rc = set_version(2);
		if (!rc)
			return 2;
		pr_warn("xen: grant table: version 2 refused (%d), using version 1%s\n", rc,
			need ? "; frames above 2^32 cannot be granted" : "");
	}
	/* Our table may be left at v2 by whoever ran before: say v1. Xen
	 * without set_version only has v1, so failure is fine. */
	set_version(1);
	return 1;
}

/* Suspend: the save must not find Xen's frames in our page tables (PV).
 * Nothing may use the table from here until the resume: the other CPUs
 * are offline and events off. */
static void gnttab_suspend_noirq(void)
{
	if (available && fops->unmap)
		fops->unmap(nr_frames, nr_status);
}

/* Map the frames again; in a new domain the table is a new one: Xen
 * knows our version no more and has only the frames the toolstack set up
 * (with the console and xenstore entries), so it is set and grown to our
 * size again. Grants made before the save are gone with the old domain;
 * their owners (the frontends) grant again as they reconnect. */
static void gnttab_resume_noirq(const struct xen_resume_info *ri)
{
	int rc;

	/* Cancelled, and nothing was unmapped (PVH): all is as it was. */
	if (!available || (!ri->new_domain && !fops->unmap))
		return;
	if (ri->new_domain && set_version(version))
		panic("xen: resume: grant table version %u refused", version);
	rc = fops->map(0, nr_frames, 0, nr_status);
	if (rc)
		panic("xen: resume: mapping %u grant frames failed: %d", nr_frames, rc);
}

static struct xen_pm_hook gnttab_hook = {
	.name = "grant table",
	.level = XEN_PM_GNTTAB,
	.suspend_noirq = gnttab_suspend_noirq,
	.resume_noirq = gnttab_resume_noirq,
};

int gnttab_init(void)
{
	struct gnttab_query_size q = { .dom = DOMID_SELF };
	unsigned int cur, max_status;
	void *shared, *status;
	int rc;

	if (available)
		return 0;
	if (IS_ENABLED(CONFIG_XEN_PV) && xen_pv_domain)
		fops = &xen_gnttab_pv_frame_ops;
	else if (IS_ENABLED(CONFIG_XEN_PVH) && !xen_pv_domain)
		fops = &xen_gnttab_pvh_frame_ops;
	else
		return -ENODEV;

	rc = HYPERVISOR_grant_table_op(GNTTABOP_query_size, &q, 1);
	if (rc || q.status != GNTST_okay) {
		pr_warn("xen: grant table: query_size failed (%d/%d), assuming %u frames\n", rc,
			q.status, GNTTAB_FRAMES_FALLBACK);
		q.nr_frames = 1;
		q.max_nr_frames = GNTTAB_FRAMES_FALLBACK;
	}
	max_frames = q.max_nr_frames;
	if (max_frames > GNTTAB_FRAMES_CAP)
		max_frames = GNTTAB_FRAMES_CAP;
	if (!max_frames)
		return -ENODEV;
	cur = q.nr_frames ? q.nr_frames : 1;
	if (cur > max_frames)
		cur = max_frames;

	version = choose_version();
	refs_per_frame = version == 2 ? REFS_V2 : REFS_V1;
	max_status = status_frames_for(max_frames);
	rc = fops->reserve(max_frames, max_status, &shared, &status);
	if (rc) {
		pr_err("xen: grant table: no address space for %u frames: %d\n", max_frames, rc);
		return rc;
	}
	shared_v1 = shared;
	shared_v2 = shared;
	status_v2 = status;

	/* The frames Xen already has (the builder's, with the console and
	 * xenstore entries among 0-7) become ours to use; grow_locked()
	 * maps them and links every ref past the reserved ones. */
	mutex_lock(&grow_mutex);
	rc = grow_locked(cur * refs_per_frame - GNTTAB_NR_RESERVED_ENTRIES);
	mutex_unlock(&grow_mutex);
	if (rc) {
		pr_err("xen: grant table: mapping the first %u frames failed: %d\n", cur, rc);
		return rc;
	}
	__atomic_store_n(&available, true, __ATOMIC_RELEASE);
	xen_pm_register(&gnttab_hook);
	pr_info("xen: grant table v%u: %u of %u frames (%u refs each), %s\n", version, nr_frames,
		max_frames, refs_per_frame, fops->name);
	return 0;
}

void gnttab_get_stats(struct gnttab_stats *st)
{
	unsigned long flags;

	memset(st, 0, sizeof(*st));
	if (!available)
		return;
	st->version = version;
	st->max_frames = max_frames;
	flags = spin_lock_irqsave(&gnttab_lock);
	st->nr_frames = nr_refs / refs_per_frame;
	st->refs_total = nr_refs - GNTTAB_NR_RESERVED_ENTRIES;
	st->refs_used = refs_used;
	spin_unlock_irqrestore(&gnttab_lock, flags);
	st->grants = counter(&st_grants);
	st->ends = counter(&st_ends);
	st->end_busy = counter(&st_end_busy);
	st->deferred = counter(&st_deferred);
	st->deferred_freed = counter(&st_deferred_freed);
	st->leaked = counter(&st_leaked);
	st->copies = counter(&st_copies);
	st->copy_errors = counter(&st_copy_errors);
	st->grows = counter(&st_grows);
}

static int gnttab_cmd(int argc, char **argv)
{
	struct gnttab_stats s;

	(void)argc;
	(void)argv;
	if (!gnttab_available()) {
		kprintf("gnttab: no grant table\n");
		return 0;
	}
	gnttab_get_stats(&s);
	kprintf("gnttab: v%u, %u of %u frames, %u of %u refs used, %lu grows\n", s.version,
		s.nr_frames, s.max_frames, s.refs_used, s.refs_total, s.grows);
	kprintf("gnttab: %lu grants, %lu ends, %lu busy, %lu deferred, %lu freed later, "
		"%lu leaked, %lu copies (%lu failed)\n",
		s.grants, s.ends, s.end_busy, s.deferred, s.deferred_freed, s.leaked, s.copies,
		s.copy_errors);
	return 0;
}
MONITOR_COMMAND(gnttab, "gnttab", "gnttab", "grant table size and counters", gnttab_cmd);
