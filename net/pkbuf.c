/* Packet buffers (include/net/pkbuf.h). */
#include <net/pkbuf.h>
#include <kernel/mm.h>
#include <kernel/string.h>
#include <kernel/printk.h>
#include <asm/page.h>

static struct pkbuf *pkb_alloc_pages(u32 size, u32 headroom, bool zero)
{
	struct pkbuf *p;
	u32 total = size + headroom;

	if (total < size || total > PKB_MAX_LEN + 2 * NET_HEADROOM)
		return NULL;
	p = kmalloc(sizeof(*p));
	if (!p)
		return NULL;
	memset(p, 0, sizeof(*p));
	if (total >= PKB_PAGE_MIN) {
		/* Whole pages: page-aligned, so a driver can grant them. */
		unsigned long n = (total + PAGE_SIZE - 1) / PAGE_SIZE;

		p->head = zero ? alloc_pages(n) : alloc_pages_uninit(n);
		p->pages = (u8)n;
		p->size = (u32)(n * PAGE_SIZE);
		if (p->head && !zero) {
			memset(p->head, 0, headroom);
			memset(p->head + total, 0, p->size - total);
		}
	} else {
		p->head = kmalloc(total);
		p->size = total;
	}
	if (!p->head) {
		kfree(p);
		return NULL;
	}
	p->data = p->head + headroom;
	return p;
}

struct pkbuf *pkb_alloc(u32 size, u32 headroom)
{
	return pkb_alloc_pages(size, headroom, true);
}

struct pkbuf *pkb_alloc_filled(u32 size, u32 headroom)
{
	return pkb_alloc_pages(size, headroom, false);
}

void pkb_free(struct pkbuf *p)
{
	if (!p)
		return;
	if (p->pages)
		free_pages(p->head, p->pages);
	else
		kfree(p->head);
	kfree(p);
}

void pkb_free_list(struct pkbuf *p)
{
	while (p) {
		struct pkbuf *n = p->next;

		pkb_free(p);
		p = n;
	}
}

struct pkbuf *pkb_clone_copy(const struct pkbuf *p, u32 headroom)
{
	struct pkbuf *c = pkb_alloc(p->len, headroom);
	long shift;

	if (!c)
		return NULL;
	memcpy(pkb_put(c, p->len), p->data, p->len);
	c->dev = p->dev;
	c->flags = p->flags;
	c->gso_size = p->gso_size;
	c->gso_type = p->gso_type;
	/* Offsets from head move by the difference in headroom. */
	shift = (long)pkb_headroom(c) - (long)pkb_headroom(p);
	c->csum_start = (u16)((long)p->csum_start + shift);
	c->csum_offset = p->csum_offset;
	c->l3_off = (u16)((long)p->l3_off + shift);
	c->l4_off = (u16)((long)p->l4_off + shift);
	memcpy(c->cb, p->cb, sizeof(c->cb));
	return c;
}

u8 *pkb_put(struct pkbuf *p, u32 n)
{
	u8 *t = p->data + p->len;

	if (n > pkb_tailroom(p))
		panic("pkb_put: %u bytes past the tailroom (%u)", n, pkb_tailroom(p));
	p->len += n;
	return t;
}

u8 *pkb_push(struct pkbuf *p, u32 n)
{
	if (n > pkb_headroom(p))
		panic("pkb_push: %u bytes past the headroom (%u)", n, pkb_headroom(p));
	p->data -= n;
	p->len += n;
	return p->data;
}

u8 *pkb_pull(struct pkbuf *p, u32 n)
{
	if (n > p->len)
		return NULL;
	p->data += n;
	p->len -= n;
	return p->data;
}

void pkb_trim(struct pkbuf *p, u32 len)
{
	if (len < p->len)
		p->len = len;
}

void pkbq_init(struct pkb_queue *q, u32 limit)
{
	q->head = q->tail = NULL;
	q->len = 0;
	q->limit = limit;
	q->dropped = 0;
}

bool pkbq_push(struct pkb_queue *q, struct pkbuf *p)
{
	if (q->len >= q->limit) {
		q->dropped++;
		return false;
	}
	p->next = NULL;
	if (q->tail)
		q->tail->next = p;
	else
		q->head = p;
	q->tail = p;
	q->len++;
	return true;
}

struct pkbuf *pkbq_pop(struct pkb_queue *q)
{
	struct pkbuf *p = q->head;

	if (!p)
		return NULL;
	q->head = p->next;
	if (!q->head)
		q->tail = NULL;
	q->len--;
	p->next = NULL;
	return p;
}

void pkbq_purge(struct pkb_queue *q)
{
	struct pkbuf *p;

	while ((p = pkbq_pop(q)))
		pkb_free(p);
}
