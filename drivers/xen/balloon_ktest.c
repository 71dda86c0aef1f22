/* KTAP suite "balloon": pages given to Xen and taken back through the
 * balloon (drivers/xen/balloon.c), checked against Xen's count of our
 * pages and, on PV, against the P2M, the M2P and the direct map; pages
 * taken back must hold what is written to them. Skipped where there is no
 * balloon (native boots). */
#include <kernel/ktest.h>
#include <kernel/mm.h>
#include <kernel/errno.h>
#include <xen/balloon.h>
#include <xen/page.h>
#include <xen/xen.h>

static const char *need_balloon(void)
{
	return xen_balloon_mode() ? NULL : "no Xen balloon in this mode";
}

static bool pv(void)
{
	return IS_ENABLED(CONFIG_XEN_PV) && xen_pv_domain;
}

static unsigned long pfns[BALLOON_BATCH];

/* A page given away: recorded as out; on PV without a frame in the P2M
 * and without a direct mapping. */
static void check_out(struct ktest *t, unsigned long pfn)
{
	phys_addr_t pa;
	u64 flags;

	KT_EXPECT(t, xen_balloon_is_out(pfn));
	if (pv()) {
		KT_EXPECT_EQ(t, pfn_to_mfn(pfn), INVALID_MFN_VALUE);
		KT_EXPECT(t, pgt_lookup((unsigned long)__va(PFN_PHYS(pfn)), &pa, &flags) != 0);
	}
}

/* A page taken back: not out; on PV a frame whose M2P entry names the
 * pfn and a direct mapping to it; writable and readable either way. */
static void check_back(struct ktest *t, unsigned long pfn)
{
	volatile u64 *p = __va(PFN_PHYS(pfn));
	phys_addr_t pa = 0;
	u64 flags = 0;

	KT_EXPECT(t, !xen_balloon_is_out(pfn));
	if (pv()) {
		unsigned long mfn = pfn_to_mfn(pfn);

		KT_ASSERT(t, mfn != INVALID_MFN_VALUE);
		KT_EXPECT_EQ(t, mfn_to_pfn(mfn), pfn);
		KT_ASSERT(t, pgt_lookup((unsigned long)p, &pa, &flags) == 0);
		KT_EXPECT_EQ(t, pa, PFN_PHYS(pfn));
		KT_EXPECT(t, flags & PTE_W);
	}
	for (unsigned int w = 0; w < 512; w += 37)
		p[w] = 0xba11000000000000ULL ^ ((u64)pfn << 12) ^ w;
	for (unsigned int w = 0; w < 512; w += 37)
		KT_EXPECT_EQ(t, p[w], 0xba11000000000000ULL ^ ((u64)pfn << 12) ^ w);
}

/* Give n pages (n <= BALLOON_BATCH) and take n back, checking Xen's count
 * at each step. */
static void give_and_take(struct ktest *t, unsigned int n)
{
	long cur0 = xen_balloon_current_pages(), cur;
	int got;

	KT_ASSERT(t, cur0 > 0);
	got = xen_balloon_give(pfns, n);
	KT_ASSERT(t, got == (int)n);
	cur = xen_balloon_current_pages();
	KT_EXPECT_EQ(t, cur, cur0 - (long)n);
	for (unsigned int i = 0; i < n; i++)
		check_out(t, pfns[i]);
	got = xen_balloon_take(pfns, n);
	KT_ASSERT(t, got == (int)n);
	KT_EXPECT_EQ(t, xen_balloon_current_pages(), cur0);
	for (unsigned int i = 0; i < n; i++) {
		check_back(t, pfns[i]);
		free_pages(__va(PFN_PHYS(pfns[i])), 1);
	}
}

static void give_and_take_back_64(struct ktest *t)
{
	give_and_take(t, 64);
}

static void give_and_take_back_batch(struct ktest *t)
{
	give_and_take(t, BALLOON_BATCH);
}

/* 4 MiB out in several batches, then all of it back: the pages that come
 * back are exactly those that went. */
static void several_batches(struct ktest *t)
{
	static unsigned long gone[4 * BALLOON_BATCH];
	long cur0 = xen_balloon_current_pages();
	unsigned int n = 0, back = 0;
	struct balloon_stats s0, s;

	xen_balloon_stats(&s0);
	while (n < ARRAY_SIZE(gone)) {
		int got = xen_balloon_give(pfns, BALLOON_BATCH);

		KT_ASSERT(t, got > 0);
		for (int i = 0; i < got && n < ARRAY_SIZE(gone); i++)
			gone[n++] = pfns[i];
	}
	KT_EXPECT_EQ(t, xen_balloon_current_pages(), cur0 - (long)n);
	xen_balloon_stats(&s);
	KT_EXPECT_EQ(t, s.out, s0.out + n);
	for (unsigned int i = 0; i < n; i++)
		check_out(t, gone[i]);
	while (back < n) {
		int got = xen_balloon_take(pfns, BALLOON_BATCH);

		KT_ASSERT(t, got > 0);
		for (int i = 0; i < got; i++) {
			check_back(t, pfns[i]);
			free_pages(__va(PFN_PHYS(pfns[i])), 1);
		}
		back += (unsigned int)got;
	}
	KT_EXPECT_EQ(t, back, n);
	KT_EXPECT_EQ(t, xen_balloon_current_pages(), cur0);
	for (unsigned int i = 0; i < n; i++)
		KT_EXPECT(t, !xen_balloon_is_out(gone[i]));
}

/* Pages that went through the balloon serve the allocator again: after
 * 256 went and came back, allocations (which reuse the lowest freed pages
 * first) reach every one of them, zeroed, and each holds what is written. */
static void pages_usable_after(struct ktest *t)
{
	static unsigned long back[256];
	static void *held[4096];
	unsigned int seen = 0, n = 0;

	give_and_take(t, ARRAY_SIZE(back));
	for (unsigned int i = 0; i < ARRAY_SIZE(back); i++)
		back[i] = pfns[i];
	while (n < ARRAY_SIZE(held) && seen < ARRAY_SIZE(back) && mm_free_pages() > 512) {
		u64 *p = alloc_pages(1);
		unsigned long pfn;

		KT_ASSERT(t, p);
		held[n++] = p;
		pfn = PFN_DOWN(__pa(p));
		KT_EXPECT_EQ(t, p[0] | p[511], 0);
		for (unsigned int w = 0; w < 512; w++)
			p[w] = 0x600d000000000000ULL ^ ((u64)pfn << 9) ^ w;
		for (unsigned int i = 0; i < ARRAY_SIZE(back); i++)
			if (back[i] == pfn)
				seen++;
	}
	for (unsigned int i = 0; i < n; i++) {
		u64 *p = held[i];
		unsigned long pfn = PFN_DOWN(__pa(p));

		for (unsigned int w = 0; w < 512; w++)
			if (p[w] != (0x600d000000000000ULL ^ ((u64)pfn << 9) ^ w)) {
				ktest_fail(t, __FILE__, __LINE__, "pfn %#lx word %u changed", pfn, w);
				break;
			}
		free_pages(p, 1);
	}
	KT_EXPECT_EQ(t, seen, ARRAY_SIZE(back));
}

static void take_with_nothing_out(struct ktest *t)
{
	struct balloon_stats s;

	xen_balloon_stats(&s);
	if (s.out) {
		ktest_skip(t, "pages are given away now (a target below the boot size)");
		return;
	}
	KT_EXPECT_EQ(t, xen_balloon_take(pfns, 8), 0);
}

/* PV: each batch that changes the P2M moves shared_info's
 * p2m_generation on by two (odd while the batch runs, even after it),
 * so a save that reads the P2M during a live migration notices the
 * change. Nothing else changes the P2M while the suite runs. */
static void p2m_generation_counts(struct ktest *t)
{
	volatile unsigned long *gen = &HYPERVISOR_shared_info->arch.p2m_generation;
	unsigned long g0;
	int got;

	if (!pv()) {
		ktest_skip(t, "the P2M generation is a PV field");
		return;
	}
	g0 = *gen;
	KT_EXPECT_EQ(t, g0 % 2, 0UL);
	got = xen_balloon_give(pfns, 16);
	KT_ASSERT(t, got == 16);
	KT_EXPECT_EQ(t, *gen, g0 + 2);
	got = xen_balloon_take(pfns, 16);
	KT_ASSERT(t, got == 16);
	KT_EXPECT_EQ(t, *gen, g0 + 4);
	for (unsigned int i = 0; i < 16; i++)
		free_pages(__va(PFN_PHYS(pfns[i])), 1);
}

static const struct ktest_case balloon_cases[] = {
	{ "give_and_take_back_64", give_and_take_back_64 },
	{ "give_and_take_back_batch", give_and_take_back_batch },
	{ "several_batches", several_batches },
	{ "pages_usable_after", pages_usable_after },
	{ "take_with_nothing_out", take_with_nothing_out },
	{ "p2m_generation_counts", p2m_generation_counts },
};
KTEST_SUITE(balloon, "balloon", balloon_cases, need_balloon);
