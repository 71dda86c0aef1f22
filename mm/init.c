/* Memory bring-up: reserve what the boot left behind, build the direct map
 * of RAM with page tables from a boot pool, then hand everything else to
 * the page allocator and kmalloc. */
#include <kernel/mm.h>
#include <kernel/boot.h>
#include <kernel/printk.h>
#include <kernel/string.h>
#include <kernel/errno.h>
#include <kernel/spinlock.h>
#include <kernel/bootprof.h>
#include <kernel/cmdline.h>
#include <kernel/sched.h>
#include <kernel/time.h>
#include <asm/paravirt.h>

struct page_pool kernel_pool;
static struct kmalloc_heap kernel_heap;
extern bool mm_page_alloc_ready;

/* n pages of the lowest RAM lying wholly below below_limit (0: anywhere),
 * taken out of the map for good. Returns 0 on failure. */
static phys_addr_t carve_ram(struct memmap *m, unsigned long n, phys_addr_t below_limit)
{
	u64 base;

	if (memmap_carve(m, (u64)n * PAGE_SIZE, below_limit, &base))
		return 0;
	return base;
}

/*
 * The direct map covers RAM (the kernel's included) write-back, and the
 * ACPI table and NVS regions write-back read-only so tables can be parsed
 * in place. Nothing else: holes and reserved ranges may be MMIO (the
 * legacy VGA window, the LAPIC, PCI BARs), and a write-back mapping of
 * MMIO invites speculative reads and conflicts with uncached mappings.
 */
static bool direct_mapped_type(u32 type, u64 *flags)
{
	switch (type) {
	case MEM_RAM:
	case MEM_KERNEL:
		*flags = PAGE_KERNEL | PTE_NX;
		return true;
	case MEM_ACPI:
	case MEM_NVS:
		*flags = PAGE_KERNEL_RO | PTE_NX;
		return true;
	default:
		return false;
	}
}

/*
 * How much of the direct map one pgt_map_range() call may build (one
 * batch: under Xen PV one multicall per 128 queued updates). A call must
 * not need a page-table page it cannot write yet: pool pages are
 * writable through the early image map, or through the part of the direct
 * map already built by earlier calls (direct_map_end only moves when a
 * call returns, its updates applied). One leaf table per 2 MiB, plus a few
 * upper-level tables. Natively (2 MiB pages, tables from the image map)
 * the step does not matter; Xen PV without prepare_pt keeps 2 MiB steps.
 */
static phys_addr_t direct_map_step(void)
{
	phys_addr_t reach = MAX(kimg_map_limit, direct_map_end);
	unsigned long pages;

	if (!pv_ops->mmu->prepare_pt || pt_pool_next >= reach)
		return LARGE_PAGE_SIZE;
	pages = (reach - pt_pool_next) >> PAGE_SHIFT;
	if (pages <= 4)
		return LARGE_PAGE_SIZE;
	return (phys_addr_t)(pages - 4) * LARGE_PAGE_SIZE;
}

static void build_direct_map(const struct memmap *m, phys_addr_t limit)
{
	const struct pv_mmu_ops *mmu = pv_ops->mmu;
	phys_addr_t mapped_end = 0;

	/* Ascending order matters: page-table pages past the early image map
	 * become writable only once the direct map has reached them. */
	for (unsigned int i = 0; i < m->nr; i++) {
		const struct mem_region *r = &m->r[i];
		bool ram = r->type == MEM_RAM || r->type == MEM_KERNEL;
		phys_addr_t base, pa, end = MIN(r->base + r->size, limit);
		u64 flags;

		if (!direct_mapped_type(r->type, &flags))
			continue;
		if (!ram && !mmu->large_pages)
			continue; /* Xen PV: only pseudo-physical RAM has frames */
		/* RAM and kernel regions that follow each other are one range:
		 * a boundary inside a 2 MiB leaf would make the second half
		 * go entry by entry into the table the first half created. */
		base = r->base;
		while (ram && i + 1 < m->nr && m->r[i + 1].base == r->base + r->size &&
		       (m->r[i + 1].type == MEM_RAM || m->r[i + 1].type == MEM_KERNEL)) {
			r = &m->r[++i];
			end = MIN(r->base + r->size, limit);
		}
		/* Firmware regions need not be page-aligned; a page shared
		 * with the previous region is already mapped (RAM first:
		 * RAM is page-aligned, so only two firmware regions share). */
		pa = MAX(ALIGN_DOWN(base, PAGE_SIZE), mapped_end);
		end = ALIGN_UP(end, PAGE_SIZE);
		while (pa < end) {
			phys_addr_t chunk_end = MIN(ALIGN_DOWN(pa, LARGE_PAGE_SIZE) +
							    direct_map_step(), end);
			int rc = pgt_map_range((unsigned long)__va(pa), pa, chunk_end - pa, flags);

			if (rc)
				panic("direct map of %#llx failed: %d", (unsigned long long)pa, rc);
			pa = chunk_end;
			mapped_end = pa;
			if (ram)
				direct_map_end = MAX(direct_map_end, pa);
		}
	}
}

/* Free pages below which the boot cannot get to its ready line: refused
 * up front. A Xen domU with one vCPU takes about 136 KiB from the
 * allocator on its way to ready (thread stacks, event-channel and grant
 * pages, xenstore buffers; docs/boot.md), a native boot about 48 KiB. */
#define MM_MIN_FREE_PAGES 32

static u64 ram_bytes(const struct memmap *m)
{
	u64 n = 0;

	for (unsigned int i = 0; i < m->nr; i++)
		if (m->r[i].type == MEM_RAM || m->r[i].type == MEM_KERNEL)
			n += m->r[i].size;
	return n;
}

/* Too little RAM for this kernel: say so and power off with a failure
 * status. Not a panic (under Xen a crash, which the toolstack reports as
 * such) and never a hang. Nothing but the console and the shutdown op is
 * needed here, both of which work from the early setup on. */
static void __noreturn mm_too_small(const struct memmap *m, const char *what, unsigned long pages)
{
	pr_err("mm: not enough memory: no room for %s (%lu KiB); the domain or machine has %llu "
	       "KiB of RAM and the kernel image ends at %llu KiB\n",
	       what, pages * (PAGE_SIZE >> 10), (unsigned long long)(ram_bytes(m) >> 10),
	       (unsigned long long)(__pa(_end_image) >> 10));
	pr_err("xenolith: too little memory to boot; powering off\n");
	pv_ops->cpu->shutdown(SHUTDOWN_POWEROFF, 1);
}

static void *pool_page_alloc(unsigned long n)
{
	return alloc_pages(n);
}

static void pool_page_free(void *p, unsigned long n)
{
	free_pages(p, n);
}

static const struct kmalloc_page_source kernel_page_source = {
	.alloc = pool_page_alloc,
	.free = pool_page_free,
};

/* The Xen PV direct map past the first MM_BOOT_MAP_MIN is built after
 * the ready line (mm_map_rest): map_boot_end is where the boot's part
 * ended, map_ram_end where RAM ends, map_rest_mm the memory map (the
 * boot's, which stays). mm_defer_map=0 (the mm_defer_map option) maps
 * everything at boot. */
#define MM_BOOT_MAP_MIN (64ULL << 20)
static phys_addr_t map_boot_end, map_ram_end;
static const struct memmap *map_rest_mm;
static bool mm_defer_map = true;

static int mm_defer_map_set(const char *val)
{
	if (!val || (strcmp(val, "0") && strcmp(val, "1")))
		return -EINVAL;
	mm_defer_map = val[0] == '1';
	return 0;
}
CMDLINE_OPTION(mm_defer_map, "mm_defer_map", mm_defer_map_set,
	       "Xen PV: 1 (default) maps RAM past 64 MiB after the ready line, 0 at boot");

/* RAM pages of the memory map in [from, to) into the page pool (callers
 * hold pool_lock once the allocator is shared). */
static void add_ram_free(const struct memmap *m, phys_addr_t from, phys_addr_t to)
{
	for (unsigned int i = 0; i < m->nr; i++) {
		phys_addr_t b = MAX(m->r[i].base, from), e = MIN(m->r[i].base + m->r[i].size, to);

		if (m->r[i].type == MEM_RAM && b < e)
			pool_add_free(&kernel_pool, PFN_DOWN(b), PFN_DOWN(e) - PFN_DOWN(b));
	}
}

void mm_init(struct bootinfo *bi)
{
	struct memmap *m = &bi->memmap;
	phys_addr_t limit = (phys_addr_t)CONFIG_PHYS_MEM_MAX_GB << 30;
	phys_addr_t ram_end, bitmap_pa;
	unsigned long nr_pfns, pt_pages, bm_pages;

	/* The image and the RAM below it (BIOS data, boot loader) stay. */
	memmap_reserve(m, 0, __pa(_end_image));
	ram_end = memmap_ram_end(m);
	if (ram_end > limit) {
		pr_warn("mm: RAM above %d GiB ignored (CONFIG_PHYS_MEM_MAX_GB)\n",
			CONFIG_PHYS_MEM_MAX_GB);
		ram_end = limit;
	}
	nr_pfns = PFN_UP(ram_end);

	/* Worst case for 4 KiB mappings: one leaf table per 2 MiB, one
	 * directory per GiB, plus a few upper levels and the vmap area. */
	pt_pages = DIV_ROUND_UP_UL(nr_pfns, 512) + DIV_ROUND_UP_UL(nr_pfns, 512 * 512) + 16;
	pt_pool_start = carve_ram(m, pt_pages, kimg_map_limit);
	if (!pt_pool_start) {
		/* Not all of it fits under the early image map (Xen PV maps
		 * little beyond its bootstrap area). That is enough if the
		 * pages below the limit build the direct map up to the limit:
		 * from there on the direct map, built in ascending order,
		 * reaches every pool page before it is needed. */
		unsigned long need = DIV_ROUND_UP_UL(kimg_map_limit, LARGE_PAGE_SIZE) +
				     DIV_ROUND_UP_UL(kimg_map_limit, 1UL << 30) + 4;

		pt_pool_start = carve_ram(m, pt_pages, 0);
		if (!pt_pool_start)
			mm_too_small(m, "the boot page tables", pt_pages);
		if (pt_pool_start >= kimg_map_limit ||
		    (kimg_map_limit - pt_pool_start) >> PAGE_SHIFT < need)
			panic("mm: no room for %lu boot page-table pages", pt_pages);
	}
	pt_pool_next = pt_pool_start;
	pt_pool_end = pt_pool_start + pt_pages * PAGE_SIZE;

	map_boot_end = ram_end;
	if (mm_defer_map && pv_ops->mmu->prepare_pt && !pv_ops->mmu->large_pages &&
	    ram_end > MM_BOOT_MAP_MIN) {
		/* Xen PV: Xen validates every entry (about 0.3 us each
		 * under emulation, 60 ms for 768 MiB), so only the first
		 * MM_BOOT_MAP_MIN (and the early image map's reach) is
		 * mapped on the way to ready; mm_map_rest() does the rest. */
		map_boot_end = MAX(ALIGN_UP(kimg_map_limit, LARGE_PAGE_SIZE), MM_BOOT_MAP_MIN);
		map_boot_end = MIN(map_boot_end, ram_end);
	}
	build_direct_map(m, map_boot_end);
	if (pgt_boot_pool_done())
		panic("mm: cannot give the unused page-table pool back its write access");
	boot_phase_end(BOOT_PHASE_PGTABLES);

	bm_pages = DIV_ROUND_UP_UL(DIV_ROUND_UP_UL(nr_pfns, 64) * 8, PAGE_SIZE);
	bitmap_pa = carve_ram(m, bm_pages, direct_map_end);
	if (!bitmap_pa)
		mm_too_small(m, "the page bitmap", bm_pages);
	/* Reservations cannot fail; on a full map they cost RAM instead. */
	if (m->lost_ram)
		pr_warn("mm: %llu KiB of RAM given up: the memory map was full\n",
			(unsigned long long)(m->lost_ram >> 10));
	pool_init(&kernel_pool, __va(bitmap_pa), nr_pfns);
	add_ram_free(m, 0, direct_map_end);
	map_rest_mm = m;
	map_ram_end = ram_end;
	/* Pool pages never used for page tables are ordinary memory again. */
	pool_add_free(&kernel_pool, PFN_DOWN(pt_pool_next), PFN_DOWN(pt_pool_end - pt_pool_next));
	if (kernel_pool.nr_free < MM_MIN_FREE_PAGES)
		mm_too_small(m, "the kernel's working memory", MM_MIN_FREE_PAGES);
	mm_page_alloc_ready = true;

	kheap_init(&kernel_heap, &kernel_page_source);
	pr_info("mm: %lu KiB free in the page allocator, direct map to %#llx, "
		"%lu page-table pages at boot\n",
		kernel_pool.nr_free * (PAGE_SIZE >> 10), (unsigned long long)direct_map_end,
		(unsigned long)((pt_pool_next - pt_pool_start) >> PAGE_SHIFT));
}

/* pool_lock guards the page bitmap and heap_lock the kmalloc free lists
 * (both irqsave: interrupt handlers may free). Order: heap_lock ->
 * pool_lock, since the heap takes whole pages from the pool. */
static DEFINE_SPINLOCK(pool_lock);
static DEFINE_SPINLOCK(heap_lock);

void *alloc_pages_uninit(unsigned long n)
{
	unsigned long flags = spin_lock_irqsave(&pool_lock);
	long pfn = pool_alloc(&kernel_pool, n, 1);

	spin_unlock_irqrestore(&pool_lock, flags);
	return pfn < 0 ? NULL : __va(PFN_PHYS(pfn));
}

void *alloc_pages(unsigned long n)
{
	void *va = alloc_pages_uninit(n);

	if (va)
		memset(va, 0, n * PAGE_SIZE);
	return va;
}

void free_pages(void *va, unsigned long n)
{
	unsigned long flags = spin_lock_irqsave(&pool_lock);
	int rc = pool_free(&kernel_pool, PFN_DOWN(__pa(va)), n);

	spin_unlock_irqrestore(&pool_lock, flags);
	if (rc)
		panic("free_pages(%p, %lu): not allocated", va, n);
}

phys_addr_t alloc_page_phys(void)
{
	void *va = alloc_pages(1);

	return va ? __pa(va) : 0;
}

void *kmalloc(size_t size)
{
	unsigned long flags = spin_lock_irqsave(&heap_lock);
	void *p = kheap_alloc(&kernel_heap, size);

	spin_unlock_irqrestore(&heap_lock, flags);
	return p;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

void kfree(void *p)
{
	unsigned long flags = spin_lock_irqsave(&heap_lock);

	kheap_free(&kernel_heap, p);
	spin_unlock_irqrestore(&heap_lock, flags);
}

/* The step of mm_map_rest: a few leaf tables per pgt_map_range, so
 * pgt_lock is held for one short batch at a time. */
#define MM_MAP_REST_STEP (16ULL << 20)
static DEFINE_MUTEX(map_rest_mutex);

void mm_map_rest(void)
{
	const struct memmap *m = map_rest_mm;
	phys_addr_t from, done = 0;
	u64 t0;
	int rc = 0;

	mutex_lock(&map_rest_mutex);
	from = map_boot_end;
	if (!m || from >= map_ram_end) {
		mutex_unlock(&map_rest_mutex);
		return;
	}
	t0 = clock_ns();
	for (unsigned int i = 0; i < m->nr && !rc; i++) {
		const struct mem_region *r = &m->r[i];
		phys_addr_t pa = MAX(ALIGN_UP(r->base, PAGE_SIZE), from);
		phys_addr_t end = MIN(ALIGN_DOWN(r->base + r->size, PAGE_SIZE), map_ram_end);

		/* Xen PV maps only pseudo-physical RAM (build_direct_map). */
		if (r->type != MEM_RAM && r->type != MEM_KERNEL)
			continue;
		while (pa < end) {
			phys_addr_t next = MIN(ALIGN_DOWN(pa, MM_MAP_REST_STEP) + MM_MAP_REST_STEP, end);
			unsigned long flags;

			rc = pgt_map_range((unsigned long)__va(pa), pa, next - pa,
					   PAGE_KERNEL | PTE_NX);
			if (rc) {
				pr_err("mm: direct map of %#llx-%#llx failed (%d): RAM above it stays "
				       "unused\n", (unsigned long long)pa, (unsigned long long)next, rc);
				break;
			}
			/* Mapped before the pages reach the allocator (a page
			 * table taken from them is written through __va()). */
			WRITE_ONCE(direct_map_end, MAX(direct_map_end, next));
			flags = spin_lock_irqsave(&pool_lock);
			add_ram_free(m, pa, next);
			spin_unlock_irqrestore(&pool_lock, flags);
			done += next - pa;
			pa = next;
		}
	}
	map_boot_end = map_ram_end; /* one pass, whatever happened */
	pr_info("mm: direct map past the boot's %llu MiB: %llu MiB more in %llu ms, %lu KiB free "
		"now\n", (unsigned long long)(from >> 20), (unsigned long long)(done >> 20),
		(unsigned long long)((clock_ns() - t0) / 1000000),
		mm_free_pages() * (PAGE_SIZE >> 10));
	mutex_unlock(&map_rest_mutex);
}

static int map_rest_main(void *arg)
{
	(void)arg;
	mm_map_rest();
	return 0;
}

void mm_map_rest_start(void)
{
	struct thread *t;

	if (!map_rest_mm || map_boot_end >= map_ram_end)
		return;
	t = thread_create("mm-map", map_rest_main, NULL, CPU_ANY);
	if (!t) {
		mm_map_rest(); /* no thread: here and now */
		return;
	}
	thread_detach(t);
}

unsigned long mm_free_pages(void)
{
	return kernel_pool.nr_free;
}

unsigned long mm_total_pages(void)
{
	return kernel_pool.nr_pfns;
}
