/* Self-tests for the grant table (drivers/xen/grant-table.c) against the
 * real hypervisor. With no other domain to cooperate, the domain grants to
 * itself: Xen checks an entry's domid against the domain using it, and
 * nothing forbids that being the granting domain, so GNTTABOP_copy and
 * GNTTABOP_map_grant_ref work on our own grants. */
#include <kernel/ktest.h>
#include <kernel/errno.h>
#include <kernel/mm.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <kernel/time.h>
#include <xen/xen.h>
#include <xen/events.h>
#include <xen/grant_table.h>
#include <xen/hypercall.h>
#include <xen/xenstore.h>

static const char *need_gnttab(void)
{
	return gnttab_available() ? NULL : "no grant table (not under Xen, or set-up failed)";
}

/* Our own domain id, which grants to ourselves must carry (DOMID_SELF is
 * not accepted in an entry). Xen resolves DOMID_SELF as the remote end of
 * an unbound port to our real id and reports it back through
 * EVTCHNOP_status; xenstore's "domid" is the fallback. */
static int own_domid(domid_t *id)
{
	struct evtchn_status st = { .dom = DOMID_SELF };
	unsigned int port;
	char buf[16];
	unsigned int v;
	int rc;

	if (xen_initial_domain) {
		*id = 0;
		return 0;
	}
	rc = evtchn_alloc_unbound(DOMID_SELF, &port);
	if (!rc) {
		st.port = port;
		rc = HYPERVISOR_event_channel_op(EVTCHNOP_status, &st);
		evtchn_close(port);
		if (!rc && st.status == EVTCHNSTAT_unbound && st.u.unbound.dom != DOMID_SELF) {
			*id = st.u.unbound.dom;
			return 0;
		}
	}
	if (xenstore_available() && xs_read(0, "domid", buf, sizeof(buf)) > 0 &&
	    !kstrtouint(buf, 10, &v) && v < DOMID_FIRST_RESERVED) {
		*id = (domid_t)v;
		return 0;
	}
	return -ENOENT;
}

static void version_reported(struct ktest *t)
{
	struct gnttab_stats s;

	gnttab_get_stats(&s);
	KT_EXPECT(t, gnttab_version() == 1 || gnttab_version() == 2);
	KT_EXPECT_EQ(t, s.version, gnttab_version());
	KT_EXPECT(t, s.nr_frames >= 1 && s.nr_frames <= s.max_frames);
	KT_EXPECT_EQ(t, s.refs_total + 8, s.nr_frames * (gnttab_version() == 2 ? 256 : 512));
	kprintf("# gnttab: v%u, %u of %u frames\n", s.version, s.nr_frames, s.max_frames);
}

static void reserved_refs_never_handed_out(struct ktest *t)
{
	grant_ref_t refs[64];
	struct gnttab_stats s;

	KT_ASSERT(t, gnttab_alloc_refs(refs, ARRAY_SIZE(refs)) == 0);
	gnttab_get_stats(&s);
	for (unsigned int i = 0; i < ARRAY_SIZE(refs); i++) {
		KT_EXPECT(t, refs[i] >= GNTTAB_NR_RESERVED_ENTRIES);
		KT_EXPECT(t, refs[i] < s.refs_total + GNTTAB_NR_RESERVED_ENTRIES);
	}
	gnttab_free_refs(refs, ARRAY_SIZE(refs));
	/* Reserved and absurd refs are refused, never touched. */
	for (grant_ref_t r = 0; r < GNTTAB_NR_RESERVED_ENTRIES; r++) {
		KT_EXPECT_EQ(t, gnttab_end_access(r), -EINVAL);
		KT_EXPECT_EQ(t, gnttab_entry_flags(r), -EINVAL);
	}
	KT_EXPECT_EQ(t, gnttab_end_access(GNTTAB_INVALID_REF), -EINVAL);
	KT_EXPECT_EQ(t, gnttab_alloc_refs(refs, 0), 0);
}

#define MANY 2000

static void alloc_many_grows_distinct(struct ktest *t)
{
	grant_ref_t *refs = kmalloc(MANY * sizeof(*refs));
	struct gnttab_stats before, mid, after;
	unsigned long *seen = NULL;
	unsigned int per_frame = gnttab_version() == 2 ? 256 : 512;

	KT_ASSERT(t, refs);
	gnttab_get_stats(&before);
	if ((before.max_frames * per_frame) - GNTTAB_NR_RESERVED_ENTRIES <
	    before.refs_used + MANY) {
		kfree(refs);
		ktest_skip(t, "table maximum too small for 2000 more refs");
		return;
	}
	/* Half in one call (all or none), half one at a time. */
	KT_ASSERT(t, gnttab_alloc_refs(refs, MANY / 2) == 0);
	for (unsigned int i = MANY / 2; i < MANY; i++)
		KT_ASSERT(t, gnttab_alloc_refs(&refs[i], 1) == 0);
	gnttab_get_stats(&mid);
	KT_EXPECT_EQ(t, mid.refs_used, before.refs_used + MANY);
	KT_EXPECT(t, mid.nr_frames * per_frame >= MANY + GNTTAB_NR_RESERVED_ENTRIES);
	KT_EXPECT(t, mid.nr_frames > 1);
	seen = kzalloc((mid.refs_total + GNTTAB_NR_RESERVED_ENTRIES) / 8 + 8);
	KT_ASSERT(t, seen);
	for (unsigned int i = 0; i < MANY; i++) {
		grant_ref_t r = refs[i];

		KT_ASSERT(t, r >= GNTTAB_NR_RESERVED_ENTRIES &&
			     r < mid.refs_total + GNTTAB_NR_RESERVED_ENTRIES);
		KT_EXPECT(t, !(seen[r / 64] & (1UL << (r % 64))));
		seen[r / 64] |= 1UL << (r % 64);
	}
	/* Every new ref is usable: its entry exists and can be filled. */
	gnttab_grant_ref(refs[MANY - 1], 0, 1, true);
	KT_EXPECT_EQ(t, gnttab_entry_flags(refs[MANY - 1]), GTF_permit_access | GTF_readonly);
	KT_EXPECT_EQ(t, gnttab_end_access(refs[MANY - 1]), 0);
	gnttab_free_refs(refs, MANY);
	gnttab_get_stats(&after);
	KT_EXPECT_EQ(t, after.refs_used, before.refs_used);
	kprintf("# gnttab: %u refs took the table from %u to %u frames\n", MANY,
		before.nr_frames, mid.nr_frames);
	kfree(seen);
	kfree(refs);
}

static void readonly_flags(struct ktest *t)
{
	void *page = alloc_pages(1);
	grant_ref_t ro, rw;

	KT_ASSERT(t, page);
	KT_ASSERT(t, gnttab_grant_access(0, xen_virt_to_gfn(page), true, &ro) == 0);
	KT_ASSERT(t, gnttab_grant_access(0, xen_virt_to_gfn(page), false, &rw) == 0);
	KT_EXPECT_EQ(t, gnttab_entry_flags(ro), GTF_permit_access | GTF_readonly);
	KT_EXPECT_EQ(t, gnttab_entry_flags(rw), GTF_permit_access);
	KT_EXPECT(t, !gnttab_is_mapped(ro));
	KT_EXPECT_EQ(t, gnttab_end_access(ro), 0);
	KT_EXPECT_EQ(t, gnttab_end_access(rw), 0);
	gnttab_free_refs(&ro, 1);
	gnttab_free_refs(&rw, 1);
	free_pages(page, 1);
}

static void end_access_unmapped(struct ktest *t)
{
	void *page = alloc_pages(1);
	struct gnttab_stats before, after;
	grant_ref_t ref;

	KT_ASSERT(t, page);
	gnttab_get_stats(&before);
	KT_ASSERT(t, gnttab_grant_access(0, xen_virt_to_gfn(page), false, &ref) == 0);
	KT_EXPECT_EQ(t, gnttab_end_access(ref), 0);
	KT_EXPECT_EQ(t, gnttab_entry_flags(ref), 0);        /* invalid */
	/* Ending twice is harmless. */
	KT_EXPECT_EQ(t, gnttab_end_access(ref), 0);
	gnttab_free_refs(&ref, 1);

	/* end_access_free on a grant nobody maps frees at once. */
	KT_ASSERT(t, gnttab_grant_access(0, xen_virt_to_gfn(page), true, &ref) == 0);
	gnttab_end_access_free(ref, page, 1);
	gnttab_get_stats(&after);
	KT_EXPECT_EQ(t, after.deferred, before.deferred);
	KT_EXPECT_EQ(t, after.refs_used, before.refs_used);
	KT_EXPECT_EQ(t, after.end_busy, before.end_busy);
}

static void fill(u8 *p, u8 seed)
{
	for (unsigned int i = 0; i < PAGE_SIZE; i++)
		p[i] = (u8)(seed + i * 7);
}

static bool check(const u8 *p, u8 seed)
{
	for (unsigned int i = 0; i < PAGE_SIZE; i++)
		if (p[i] != (u8)(seed + i * 7))
			return false;
	return true;
}

static void copy_through_self_grant(struct ktest *t)
{
	u8 *a = alloc_pages(1), *b = alloc_pages(1);
	struct gnttab_copy op;
	struct gnttab_stats before, after;
	grant_ref_t ra, rb;
	domid_t me;

	KT_ASSERT(t, a && b);
	if (own_domid(&me)) {
		free_pages(a, 1);
		free_pages(b, 1);
		ktest_skip(t, "cannot learn our own domain id");
		return;
	}
	gnttab_get_stats(&before);
	fill(a, 0x11);
	KT_ASSERT(t, gnttab_grant_access(me, xen_virt_to_gfn(a), true, &ra) == 0);
	KT_ASSERT(t, gnttab_grant_access(me, xen_virt_to_gfn(b), false, &rb) == 0);

	/* Granted page a (read-only grant) -> page b by frame. */
	memset(&op, 0, sizeof(op));
	op.source.u.ref = ra;
	op.source.domid = me;
	op.dest.u.gmfn = xen_virt_to_gfn(b);
	op.dest.domid = DOMID_SELF;
	op.len = PAGE_SIZE;
	op.flags = GNTCOPY_source_gref;
	KT_ASSERT(t, gnttab_copy(&op, 1) == 0);
	KT_EXPECT_EQ(t, op.status, GNTST_okay);
	KT_EXPECT(t, check(b, 0x11));

	/* Back: part of b, read through its grant, into a by frame. */
	fill(b, 0x5a);
	memset(a, 0, PAGE_SIZE);
	memset(&op, 0, sizeof(op));
	op.source.u.ref = rb;
	op.source.domid = me;
	op.source.offset = 100;
	op.dest.u.gmfn = xen_virt_to_gfn(a);
	op.dest.domid = DOMID_SELF;
	op.dest.offset = 8;
	op.len = 200;
	op.flags = GNTCOPY_source_gref;
	KT_ASSERT(t, gnttab_copy(&op, 1) == 0);
	KT_EXPECT_EQ(t, op.status, GNTST_okay);
	KT_EXPECT(t, !memcmp(a + 8, b + 100, 200));
	KT_EXPECT(t, a[7] == 0 && a[208] == 0);

	/* Into b through its writable grant. */
	fill(a, 0x77);
	memset(b, 0, PAGE_SIZE);
	memset(&op, 0, sizeof(op));
	op.source.u.gmfn = xen_virt_to_gfn(a);
	op.source.domid = DOMID_SELF;
	op.dest.u.ref = rb;
	op.dest.domid = me;
	op.len = PAGE_SIZE;
	op.flags = GNTCOPY_dest_gref;
	KT_ASSERT(t, gnttab_copy(&op, 1) == 0);
	KT_EXPECT_EQ(t, op.status, GNTST_okay);
	KT_EXPECT(t, check(b, 0x77));

	/* A read-only grant cannot be a copy's destination. */
	memset(&op, 0, sizeof(op));
	op.source.u.gmfn = xen_virt_to_gfn(b);
	op.source.domid = DOMID_SELF;
	op.dest.u.ref = ra;
	op.dest.domid = me;
	op.len = 8;
	op.flags = GNTCOPY_dest_gref;
	KT_ASSERT(t, gnttab_copy(&op, 1) == 0);
	KT_EXPECT(t, op.status != GNTST_okay);
	KT_EXPECT(t, check(a, 0x77));

	/* Nothing maps them after a copy: both end at once. */
	KT_EXPECT(t, !gnttab_is_mapped(ra));
	KT_EXPECT_EQ(t, gnttab_end_access(ra), 0);
	KT_EXPECT_EQ(t, gnttab_end_access(rb), 0);
	/* An ended grant no longer copies. */
	memset(&op, 0, sizeof(op));
	op.source.u.ref = ra;
	op.source.domid = me;
	op.dest.u.gmfn = xen_virt_to_gfn(b);
	op.dest.domid = DOMID_SELF;
	op.len = 8;
	op.flags = GNTCOPY_source_gref;
	KT_ASSERT(t, gnttab_copy(&op, 1) == 0);
	KT_EXPECT(t, op.status != GNTST_okay);
	gnttab_free_refs(&ra, 1);
	gnttab_free_refs(&rb, 1);
	gnttab_get_stats(&after);
	KT_EXPECT_EQ(t, after.copies, before.copies + 5);
	KT_EXPECT_EQ(t, after.copy_errors, before.copy_errors + 2);
	free_pages(a, 1);
	free_pages(b, 1);
}

static void copy_bad_offset(struct ktest *t)
{
	u8 *a = alloc_pages(1), *b = alloc_pages(1);
	struct gnttab_copy op[2];
	grant_ref_t ra;
	domid_t me;

	KT_ASSERT(t, a && b);
	if (own_domid(&me)) {
		free_pages(a, 1);
		free_pages(b, 1);
		ktest_skip(t, "cannot learn our own domain id");
		return;
	}
	KT_ASSERT(t, gnttab_grant_access(me, xen_virt_to_gfn(a), true, &ra) == 0);
	memset(op, 0, sizeof(op));
	/* offset + len past the page, on each side. */
	op[0].source.u.ref = ra;
	op[0].source.domid = me;
	op[0].source.offset = 4000;
	op[0].dest.u.gmfn = xen_virt_to_gfn(b);
	op[0].dest.domid = DOMID_SELF;
	op[0].len = 200;
	op[0].flags = GNTCOPY_source_gref;
	op[1] = op[0];
	op[1].source.offset = 0;
	op[1].dest.offset = 4095;
	op[1].len = 2;
	KT_ASSERT(t, gnttab_copy(op, 2) == 0);
	KT_EXPECT_EQ(t, op[0].status, GNTST_bad_copy_arg);
	KT_EXPECT_EQ(t, op[1].status, GNTST_bad_copy_arg);
	KT_EXPECT_EQ(t, gnttab_end_access(ra), 0);
	gnttab_free_refs(&ra, 1);
	free_pages(a, 1);
	free_pages(b, 1);
}

/* Map a grant of ours at the test slot; GNTST_* status, handle filled. */
static int map_self(grant_ref_t ref, domid_t me, u64 host_addr, grant_handle_t *handle)
{
	struct gnttab_map_grant_ref m = {
		.host_addr = host_addr,
		.flags = GNTMAP_host_map | GNTMAP_readonly,
		.ref = ref,
		.dom = me,
	};
	int rc = HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &m, 1);

	if (rc)
		return GNTST_general_error;
	*handle = m.handle;
	return m.status;
}

static int unmap_self(u64 host_addr, grant_handle_t handle)
{
	struct gnttab_unmap_grant_ref u = { .host_addr = host_addr, .handle = handle };
	int rc = HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &u, 1);

	return rc ? GNTST_general_error : u.status;
}

static bool deferred_freed_past(void *arg)
{
	struct gnttab_stats s;

	gnttab_get_stats(&s);
	return s.deferred_freed > *(unsigned long *)arg;
}

/* Give a page the test used back to the allocator, unless it is no longer
 * RAM: it was filled with seed's pattern, and a page that lost its frame
 * reads all ones. On a translated guest (PVH) Xen maps a grant of our own
 * page into our own physmap by moving the frame: the page's own guest
 * frame is left empty (reads all ones, drops writes) and stays so after
 * the unmap. Freeing it would hand that hole to the next alloc_pages()
 * user: the blk suite's RAM disks lost data to it (an MBR written and read
 * back as 0xff, a table of page pointers reading ~0). Such a page is kept
 * for good instead, one or two per run. */
static void give_back(u8 *p, u8 seed)
{
	if (!check(p, seed)) {
		kprintf("# gnttab: page %p lost its frame to the self-mapping, kept\n", p);
		return;
	}
	free_pages(p, 1);
}

/* The XSA-396 case: while the other end (here: we ourselves) maps a
 * grant, ending access must fail and the page must not be freed; once
 * unmapped it ends, and a deferred free completes. */
static void end_access_while_mapped(struct ktest *t)
{
	u8 *a = alloc_pages(1), *b = alloc_pages(1);
	struct gnttab_stats before, mid, after;
	grant_handle_t h;
	grant_ref_t ra, rb;
	u64 host_addr;
	u8 *slot;
	domid_t me;
	int st;

	KT_ASSERT(t, a && b);
	slot = gnttab_test_slot(&host_addr);
	if (!slot || own_domid(&me)) {
		free_pages(a, 1);
		free_pages(b, 1);
		ktest_skip(t, "no test slot or own domain id");
		return;
	}
	fill(a, 0x33);
	fill(b, 0x44);
	gnttab_get_stats(&before);
	KT_ASSERT(t, gnttab_grant_access(me, xen_virt_to_gfn(a), true, &ra) == 0);
	st = map_self(ra, me, host_addr, &h);
	if (st != GNTST_okay) {
		char why[80];

		gnttab_end_access(ra);
		gnttab_free_refs(&ra, 1);
		free_pages(a, 1);
		free_pages(b, 1);
		snprintf(why, sizeof(why), "Xen refused to map our own grant (status %d)", st);
		ktest_skip(t, why);
		return;
	}
	KT_EXPECT(t, check(slot, 0x33));      /* the mapping shows page a */
	KT_EXPECT(t, gnttab_is_mapped(ra));
	KT_EXPECT(t, gnttab_entry_flags(ra) & GTF_reading);
	KT_EXPECT_EQ(t, gnttab_end_access(ra), -EBUSY);
	KT_EXPECT_EQ(t, gnttab_end_access(ra), -EBUSY);
	KT_EXPECT_EQ(t, unmap_self(host_addr, h), GNTST_okay);
	KT_EXPECT(t, !gnttab_is_mapped(ra));
	KT_EXPECT_EQ(t, gnttab_end_access(ra), 0);
	gnttab_free_refs(&ra, 1);
	gnttab_get_stats(&mid);
	KT_EXPECT_EQ(t, mid.end_busy, before.end_busy + 2);

	/* end_access_free while mapped defers; the retry frees b once the
	 * mapping is gone. */
	KT_ASSERT(t, gnttab_grant_access(me, xen_virt_to_gfn(b), true, &rb) == 0);
	st = map_self(rb, me, host_addr, &h);
	KT_ASSERT(t, st == GNTST_okay);
	KT_EXPECT(t, check(slot, 0x44));
	/* The deferred retry frees what it is given: b only if b is still
	 * RAM (see give_back()). */
	gnttab_end_access_free(rb, check(b, 0x44) ? b : NULL, 1);
	gnttab_get_stats(&mid);
	KT_EXPECT_EQ(t, mid.deferred, before.deferred + 1);
	/* Still mapped, still readable through the mapping: b not reused. */
	KT_EXPECT(t, check(slot, 0x44));
	KT_EXPECT_EQ(t, unmap_self(host_addr, h), GNTST_okay);
	KT_EXPECT(t, idle_wait(deferred_freed_past, &mid.deferred_freed, 5 * NSEC_PER_SEC));
	gnttab_get_stats(&after);
	KT_EXPECT_EQ(t, after.deferred_freed, mid.deferred_freed + 1);
	KT_EXPECT_EQ(t, after.refs_used, before.refs_used);
	give_back(a, 0x33);
}

/* Regression guard for the above: pages the suite gave back must be RAM.
 * The allocator hands recently freed pages out first, so a hole freed by
 * an earlier case shows up among these. */
static void freed_pages_are_ram(struct ktest *t)
{
	enum { N = 256 };
	/* Static: a kmalloc'd array could itself sit in a hole. */
	static u8 *pages[N];
	unsigned int holes = 0;

	memset(pages, 0, sizeof(pages));
	for (unsigned int i = 0; i < N; i++) {
		pages[i] = alloc_pages(1);
		if (!pages[i])
			break;
		fill(pages[i], (u8)i);
		if (!check(pages[i], (u8)i))
			holes++;
	}
	for (unsigned int i = 0; i < N && pages[i]; i++)
		free_pages(pages[i], 1);
	KT_EXPECT_EQ(t, holes, 0);
}

static const struct ktest_case gnttab_cases[] = {
	{ "version_reported", version_reported },
	{ "reserved_refs_never_handed_out", reserved_refs_never_handed_out },
	{ "alloc_many_grows_distinct", alloc_many_grows_distinct },
	{ "readonly_flags", readonly_flags },
	{ "end_access_unmapped", end_access_unmapped },
	{ "copy_through_self_grant", copy_through_self_grant },
	{ "copy_bad_offset", copy_bad_offset },
	{ "end_access_while_mapped", end_access_while_mapped },
	{ "freed_pages_are_ram", freed_pages_are_ram },
};
KTEST_SUITE(gnttab, "gnttab", gnttab_cases, need_gnttab);
