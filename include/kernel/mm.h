#ifndef KERNEL_MM_H
#define KERNEL_MM_H

#include <kernel/compiler.h>
#include <asm/page.h>

struct bootinfo;

/* ---- pure bitmap page pool (mm/page_pool.c), host unit-tested ---- */
struct page_pool {
	u64 *bitmap;            /* bit set = page in use (or not RAM) */
	unsigned long nr_pfns;  /* pages tracked: pfn 0 .. nr_pfns-1 */
	unsigned long nr_free;
	unsigned long hint;     /* search starts here */
};

void pool_init(struct page_pool *p, u64 *bitmap, unsigned long nr_pfns);
/* Mark a range free (adding RAM at boot). Out-of-range parts are ignored. */
void pool_add_free(struct page_pool *p, unsigned long pfn, unsigned long n);
/* Mark a range used (reserving). */
void pool_reserve(struct page_pool *p, unsigned long pfn, unsigned long n);
/* Allocate n contiguous pages aligned to align pages (power of two).
 * Returns the first pfn, or -ENOMEM. */
long pool_alloc(struct page_pool *p, unsigned long n, unsigned long align);
/* Free pages; -EINVAL (and nothing changed) if any page was already free
 * or out of range. */
int pool_free(struct page_pool *p, unsigned long pfn, unsigned long n);
bool pool_is_free(const struct page_pool *p, unsigned long pfn);

/* ---- pure size-class allocator (mm/kmalloc.c), host unit-tested ---- */
#define KMALLOC_MIN 16
#define KMALLOC_MAX_SMALL 2048
#define KMALLOC_CLASSES 8      /* 16 .. 2048 */

struct kmalloc_page_source {
	void *(*alloc)(unsigned long npages);
	void (*free)(void *p, unsigned long npages);
};

struct kmalloc_heap {
	const struct kmalloc_page_source *src;
	void *free_list[KMALLOC_CLASSES];
	unsigned long allocated_bytes;
	unsigned long nr_allocs, nr_frees;
};

void kheap_init(struct kmalloc_heap *h, const struct kmalloc_page_source *src);
void *kheap_alloc(struct kmalloc_heap *h, size_t size);
void kheap_free(struct kmalloc_heap *h, void *ptr);
size_t kheap_usable_size(const struct kmalloc_heap *h, const void *ptr);

/* ---- kernel memory API ---- */
void mm_init(struct bootinfo *bi);
/* Xen PV maps RAM past its first 64 MiB after the ready line (docs/boot.md
 * "The Xen PV direct map"): mm_map_rest_start() does it in a thread of its
 * own, mm_map_rest() here and now (or waits for the thread to finish).
 * Both do nothing when everything is mapped. Thread context. */
void mm_map_rest_start(void);
void mm_map_rest(void);
void *alloc_pages(unsigned long n);          /* zeroed, direct-mapped; NULL if none */
/* The same without the zeroing: for a buffer whose every byte its caller
 * writes before anyone reads it or it is shared (a page of a packet it
 * copies in). Anything it does not write holds old kernel data. */
void *alloc_pages_uninit(unsigned long n);
void free_pages(void *va, unsigned long n);
phys_addr_t alloc_page_phys(void);           /* 0 on failure */
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p);
unsigned long mm_free_pages(void);
unsigned long mm_total_pages(void);
extern struct page_pool kernel_pool;

/* ---- page tables (mm/pgtable.c), through pv_ops->mmu ---- */
#define PTE_P (1ULL << 0)
#define PTE_W (1ULL << 1)
#define PTE_U (1ULL << 2)
#define PTE_PWT (1ULL << 3)
#define PTE_PCD (1ULL << 4)
#define PTE_A (1ULL << 5)
#define PTE_D (1ULL << 6)
#define PTE_PS (1ULL << 7)
#define PTE_G (1ULL << 8)
#define PTE_NX (1ULL << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ULL

#define PAGE_KERNEL (PTE_P | PTE_W | PTE_A | PTE_D)
#define PAGE_KERNEL_RO (PTE_P | PTE_A)
#define PAGE_KERNEL_NOCACHE (PAGE_KERNEL | PTE_PCD | PTE_PWT)

#define LARGE_PAGE_SIZE (2UL << 20)

/* Map [va, va+size) to [pa, ...). Uses 2 MiB pages where allowed and
 * aligned. All or nothing: returns 0, or -errno with nothing of the range
 * left mapped (-EEXIST if something was mapped there already, which stays;
 * -EINVAL for a zero, unaligned or wrapping range; -ENXIO if a frame does
 * not exist). Intermediate tables it created stay, empty. */
int pgt_map_range(unsigned long va, phys_addr_t pa, unsigned long size, u64 flags);
/* Unmap one 4 KiB page; -ENOENT if it is not mapped. */
int pgt_unmap(unsigned long va);
/* Unmap whatever is mapped in [va, va+size) (2 MiB pages only when the
 * range covers them whole) and flush the TLB for it. 0 or -errno. */
int pgt_unmap_range(unsigned long va, unsigned long size);
/* The 4 KiB leaf entry for va (read-only under Xen PV: change it through
 * pv_ops->mmu->set_pte), or NULL if no leaf table covers va. */
u64 *pgt_leaf_pte(unsigned long va);
/* Translate va; returns 0 and fills pa/flags, or -ENOENT. */
int pgt_lookup(unsigned long va, phys_addr_t *pa, u64 *flags);
/* Map MMIO into the vmap area, uncached; NULL on failure. */
void *ioremap(phys_addr_t pa, unsigned long size);
/* Map physical memory into the vmap area with the given flags. NULL for a
 * zero size, a size or address that cannot be mapped, or a failed mapping
 * (which leaves nothing behind). */
void *vmap_phys(phys_addr_t pa, unsigned long size, u64 flags);
/* Undo vmap_phys()/ioremap() (addr and size as passed and returned).
 * 0, or -EINVAL if it is not a vmap mapping. */
int vunmap(const void *addr, unsigned long size);
/* Is every page of [pa, pa+size) in the direct map (at __va(pa))? */
bool direct_map_covers(phys_addr_t pa, unsigned long size);
/* Pages set aside for page tables during boot, and where the direct map
 * currently ends (Xen PV needs both to keep page tables read-only). */
extern phys_addr_t pt_pool_start, pt_pool_next, pt_pool_end;
extern phys_addr_t direct_map_end;
/* Virtual address through which a page-table page can be written. */
void *pt_page_va(phys_addr_t pa);
/* Highest pseudo-physical address the early kernel-image map reaches. */
extern phys_addr_t kimg_map_limit;
/* Set once the page allocator serves pages (page tables come from it). */
extern bool mm_page_alloc_ready;
/* Boot pool pages whose writes are safe now: the early image map while it
 * reaches them (Xen PV maps pool pages read-only in the direct map while
 * the direct map is built), else the direct map. */
void *pt_fill_va(phys_addr_t pa);
/* The direct map is built: boot pool pages that never became tables get
 * their direct-map write access back (Xen PV); call before the allocator
 * takes them. 0 or -errno. */
int pgt_boot_pool_done(void);

#endif
