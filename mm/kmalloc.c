/* kmalloc: power-of-two size classes (16..2048 bytes) carved out of whole
 * pages, larger requests rounded up to whole pages. Every page handed out
 * starts with a header naming its class, so kfree needs no size and can
 * reject pointers it never returned. Pure code over a page source. */
#include <kernel/mm.h>

#define HDR_SIZE 16U
#define SLAB_MAGIC 0x51ab51abU
#define LARGE_MAGIC 0x1a43e000U
#define FREE_POISON 0xf4eef4eef4eef4eeULL
#define PG_SIZE 4096UL

struct page_hdr {
	u32 magic;
	u32 cls;          /* size class index, or page count for large */
	u64 reserved;
};

struct free_obj {
	struct free_obj *next;
	u64 poison;
};

_Static_assert(sizeof(struct page_hdr) == HDR_SIZE, "header size");

static size_t class_size(unsigned int c)
{
	return (size_t)KMALLOC_MIN << c;
}

void kheap_init(struct kmalloc_heap *h, const struct kmalloc_page_source *src)
{
	h->src = src;
	for (unsigned int i = 0; i < KMALLOC_CLASSES; i++)
		h->free_list[i] = NULL;
	h->allocated_bytes = 0;
	h->nr_allocs = h->nr_frees = 0;
}

static bool refill(struct kmalloc_heap *h, unsigned int c)
{
	size_t sz = class_size(c);
	char *page = h->src->alloc(1);
	struct page_hdr *hdr = (struct page_hdr *)page;

	if (!page)
		return false;
	hdr->magic = SLAB_MAGIC;
	hdr->cls = c;
	hdr->reserved = 0;
	for (size_t off = HDR_SIZE; off + sz <= PG_SIZE; off += sz) {
		struct free_obj *o = (struct free_obj *)(page + off);

		o->next = h->free_list[c];
		o->poison = FREE_POISON;
		h->free_list[c] = o;
	}
	return true;
}

void *kheap_alloc(struct kmalloc_heap *h, size_t size)
{
	unsigned int c = 0;
	struct free_obj *o;

	if (size == 0)
		size = 1;
	if (size > KMALLOC_MAX_SMALL) {
		unsigned long npages;
		struct page_hdr *hdr;

		if (size > (1UL << 40))
			return NULL;
		npages = (size + HDR_SIZE + PG_SIZE - 1) / PG_SIZE;
		hdr = h->src->alloc(npages);
		if (!hdr)
			return NULL;
		hdr->magic = LARGE_MAGIC;
		hdr->cls = (u32)npages;
		hdr->reserved = 0;
		h->allocated_bytes += npages * PG_SIZE;
		h->nr_allocs++;
		return (char *)hdr + HDR_SIZE;
	}
	while (class_size(c) < size)
		c++;
	if (!h->free_list[c] && !refill(h, c))
		return NULL;
	o = h->free_list[c];
	h->free_list[c] = o->next;
	o->next = NULL;
	o->poison = 0;
	h->allocated_bytes += class_size(c);
	h->nr_allocs++;
	return o;
}

static struct page_hdr *hdr_of(const void *ptr)
{
	return (struct page_hdr *)((uintptr_t)ptr & ~(uintptr_t)(PG_SIZE - 1));
}

size_t kheap_usable_size(const struct kmalloc_heap *h, const void *ptr)
{
	const struct page_hdr *hdr = hdr_of(ptr);

	(void)h;
	if (hdr->magic == LARGE_MAGIC)
		return hdr->cls * PG_SIZE - HDR_SIZE;
	if (hdr->magic == SLAB_MAGIC && hdr->cls < KMALLOC_CLASSES)
		return class_size(hdr->cls);
	return 0;
}

/* Returns silently on NULL; ignores (and does not corrupt the heap with)
 * pointers that are not live allocations: bad alignment, unknown header, or
 * an object already on a free list. */
void kheap_free(struct kmalloc_heap *h, void *ptr)
{
	struct page_hdr *hdr;
	uintptr_t off;

	if (!ptr)
		return;
	hdr = hdr_of(ptr);
	off = (uintptr_t)ptr - (uintptr_t)hdr;
	if (hdr->magic == LARGE_MAGIC) {
		unsigned long npages = hdr->cls;

		if (off != HDR_SIZE)
			return;
		hdr->magic = 0;
		h->allocated_bytes -= npages * PG_SIZE;
		h->nr_frees++;
		h->src->free(hdr, npages);
		return;
	}
	if (hdr->magic != SLAB_MAGIC || hdr->cls >= KMALLOC_CLASSES || off < HDR_SIZE ||
	    (off - HDR_SIZE) % class_size(hdr->cls) || off + class_size(hdr->cls) > PG_SIZE) {
		return;
	}
	{
		struct free_obj *o = ptr;
		unsigned int c = hdr->cls;

		if (o->poison == FREE_POISON)
			return; /* double free */
		o->poison = FREE_POISON;
		o->next = h->free_list[c];
		h->free_list[c] = o;
		h->allocated_bytes -= class_size(c);
		h->nr_frees++;
	}
}
