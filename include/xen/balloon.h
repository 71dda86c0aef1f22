/* The Xen balloon (drivers/xen/balloon.c; docs/balloon.md): the guest
 * gives pages back to Xen when the toolstack lowers memory/target and
 * takes them back when it raises it again.
 *
 * The pure part (lib/balloon_plan.c, host unit-tested and fuzzed) reads
 * the untrusted memory/target value and plans how far to go; the driver
 * moves pages in batches on its own thread; each guest mode hands pages
 * to Xen and back through a const struct balloon_ops
 * (arch/x86/xen/balloon_pv.c, balloon_pvh.c). */
#ifndef XEN_BALLOON_H
#define XEN_BALLOON_H

#include <kernel/types.h>

/* Pages per hypercall, and the most a give/take call moves (2 MiB). */
#define BALLOON_BATCH 512

/* The largest memory/target accepted (KiB): 1 TiB. Anything larger is
 * not a size a guest of this kernel can be asked for. */
#define BALLOON_TARGET_MAX_KIB (1ULL << 30)

/* ---- pure (lib/balloon_plan.c) ---- */

/* memory/target as read from xenstore (len bytes, no NUL needed): plain
 * decimal KiB, 1 to 20 digits, nothing else (no sign, space, newline or
 * suffix). 0 and *kib set, -EINVAL for anything not such a number,
 * -ERANGE above BALLOON_TARGET_MAX_KIB. */
int balloon_parse_target(const char *untrusted, size_t len, u64 *kib);

struct balloon_plan {
	u64 base_kib;              /* memory/target while nothing was given away */
	unsigned long max_out;     /* most pages that may be given away (boot pages - floor) */
};

enum balloon_clamp {
	BALLOON_EXACT,             /* the target is reachable */
	BALLOON_BELOW_FLOOR,       /* asked below the floor: stop at the floor */
	BALLOON_ABOVE_BOOT,        /* asked above the boot size: stay at it */
};

struct balloon_goal {
	unsigned long want_out;    /* pages the guest should have given away */
	enum balloon_clamp clamp;
};

/* Pages to have given away for target_kib: the shortfall against
 * base_kib in whole pages (rounded up, so the guest ends at or below the
 * target), clamped to [0, max_out]. */
void balloon_goal(const struct balloon_plan *p, u64 target_kib, struct balloon_goal *g);

/* The next step from `out` pages given away towards want_out, at most
 * batch pages: > 0 give that many, < 0 take that many back, 0 done. */
long balloon_step(unsigned long out, unsigned long want_out, unsigned long batch);

/* ---- the driver ---- */

/* Set up the balloon for this guest mode (the ops, the record of pages
 * given away); then, once xenstore works, xen_balloon_watch_start()
 * follows memory/target. 0 or -errno. */
int xen_balloon_init(void);
int xen_balloon_watch_start(void);

/* Per-mode page moves. The caller holds the balloon mutex; n <=
 * BALLOON_BATCH; the pages are the caller's (allocated, unused).
 * release: give pfns[0..n) to Xen. Returns how many were given, r (the
 * first r), or -errno for none; pfns[r..n) are as they were (mapped and
 * usable). Pages are zero when handed in (the allocator zeroes them).
 * reclaim: back pfns[0..n) (given away earlier) with memory again and map
 * them. Returns how many are usable again, r (the first r), or -errno for
 * none; pfns[r..n) stay given away. */
struct balloon_ops {
	const char *name;
	int (*release)(unsigned long *pfns, unsigned int n);
	int (*reclaim)(unsigned long *pfns, unsigned int n);
};
extern const struct balloon_ops xen_balloon_pv_ops;
extern const struct balloon_ops xen_balloon_pvh_ops;

/* For the self-tests and the monitor. give: allocate up to n (<=
 * BALLOON_BATCH) pages and give them to Xen; their pfns into pfns; returns
 * how many, or -errno (-ENODEV: no balloon in this mode, -ENOMEM: the
 * allocator has no page to spare). take: take up to n given-away pages
 * back; their pfns into pfns; the pages are the caller's (free_pages()
 * them); returns how many (0 if none are out) or -errno. */
int xen_balloon_give(unsigned long *pfns, unsigned int n);
int xen_balloon_take(unsigned long *pfns, unsigned int n);
/* "PV" or "PVH", or NULL when this boot has no balloon. */
const char *xen_balloon_mode(void);
/* Is pfn given away? */
bool xen_balloon_is_out(unsigned long pfn);

struct balloon_stats {
	unsigned long out;          /* pages given away now */
	unsigned long want_out;     /* the goal */
	unsigned long floor_pages;
	unsigned long boot_pages;   /* Xen's count of our pages at start */
	u64 target_kib;             /* last valid memory/target, 0 if none */
	unsigned long gave, took;   /* pages moved since boot */
	unsigned long bad_targets;  /* memory/target values ignored */
};
void xen_balloon_stats(struct balloon_stats *s);
/* Xen's count of this domain's pages (what xl list shows), or -errno. */
long xen_balloon_current_pages(void);

#endif
