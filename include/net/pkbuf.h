/* Packet buffers: one linear buffer per packet, with headroom so that each
 * layer prepends its header without copying.
 *
 *   head ........ data ......... data+len ........ head+size
 *   | headroom    | packet bytes  | tailroom         |
 *
 * Buffers of PKB_PAGE_MIN bytes or more are whole pages from alloc_pages()
 * (page-aligned: the Xen network frontend grants them page by page); smaller
 * ones come from kmalloc. pkb_alloc and pkb_free may be called from any
 * context, interrupt handlers included. A pkbuf has one owner at a time:
 * whoever is given it frees it or passes it on. */
#ifndef NET_PKBUF_H
#define NET_PKBUF_H

#include <kernel/types.h>
#include <kernel/compiler.h>

struct netdev;

#define PKB_PAGE_MIN 2048U
/* Room for Ethernet + IPv4 + TCP headers with options, so every layer can
 * push its header onto a buffer allocated with this headroom. */
#define NET_HEADROOM 128U
/* Largest packet the stack builds or accepts (a TSO super-packet or a
 * reassembled datagram, headers included). */
#define PKB_MAX_LEN 65536U

/* flags */
/* TX: the L4 checksum field holds only the pseudo-header sum; whoever
 * transmits (the device, or netdev_xmit in software when the device cannot)
 * completes the checksum over [head+csum_start, data+len), storing it at
 * head+csum_start+csum_offset. Netfront sends it as NETTXF_csum_blank. */
#define PKB_F_CSUM_PARTIAL  (1U << 0)
/* RX: the payload's L4 checksum is known good (NETRXF_data_validated, or
 * NETRXF_csum_blank from a local peer whose checksum field was never filled)
 * and must not be verified again. */
#define PKB_F_CSUM_VALID    (1U << 1)
/* RX: L4 checksum field is blank (NETRXF_csum_blank): the packet never left
 * the host; implies PKB_F_CSUM_VALID. Kept so forwarding code could fill it. */
#define PKB_F_CSUM_BLANK    (1U << 2)
/* Broadcast or multicast destination seen at L2 (set by Ethernet input). */
#define PKB_F_L2_BCAST      (1U << 3)

/* gso_type */
#define PKB_GSO_NONE   0
#define PKB_GSO_TCPV4  1

struct pkbuf {
	struct pkbuf *next;     /* queue link: for whoever owns the pkbuf */
	struct netdev *dev;     /* device received on, or to send on */
	u8 *head;               /* start of the buffer */
	u8 *data;               /* first byte of the packet */
	u32 len;                /* bytes from data */
	u32 size;               /* buffer bytes from head */
	u16 flags;              /* PKB_F_* */
	u16 csum_start;         /* PKB_F_CSUM_PARTIAL: offset from head of the L4 header */
	u16 csum_offset;        /* ... and of the checksum field from csum_start */
	u16 gso_size;           /* PKB_GSO_TCPV4: MSS (payload bytes per segment) */
	u8 gso_type;            /* PKB_GSO_* */
	u8 pages;               /* page count when the buffer is whole pages, else 0 */
	u16 l3_off;             /* offset from head of the network header (set on input) */
	u16 l4_off;             /* offset from head of the transport header (set on input) */
	u64 cb[4];              /* scratch for the current owner layer */
};

/* A buffer of at least size bytes, data = head + headroom, len = 0.
 * NULL when memory is short (callers count a drop and go on). */
struct pkbuf *pkb_alloc(u32 size, u32 headroom);
/* The same for a caller that writes all size bytes at data before the
 * packet goes anywhere (a copy in of exactly that length): only the
 * headroom and what lies past size are zeroed, so that a page granted to
 * a backend shows nothing but the packet and zeros. Saves zeroing 64 KiB
 * for every 64 KiB TSO packet built and GSO packet received. */
struct pkbuf *pkb_alloc_filled(u32 size, u32 headroom);
void pkb_free(struct pkbuf *p);
/* A new pkbuf with the same packet bytes and metadata; NULL on no memory. */
struct pkbuf *pkb_clone_copy(const struct pkbuf *p, u32 headroom);
/* Free every pkbuf of a next-linked list. */
void pkb_free_list(struct pkbuf *p);

static inline u32 pkb_headroom(const struct pkbuf *p)
{
	return (u32)(p->data - p->head);
}

static inline u32 pkb_tailroom(const struct pkbuf *p)
{
	return p->size - pkb_headroom(p) - p->len;
}

/* Extend the packet at its end by n bytes; returns the first new byte.
 * The caller checked pkb_tailroom(); overrunning it is a kernel bug. */
u8 *pkb_put(struct pkbuf *p, u32 n);
/* Prepend n bytes (a header); the caller checked pkb_headroom(). */
u8 *pkb_push(struct pkbuf *p, u32 n);
/* Remove n bytes from the front; returns the new data, or NULL (and
 * leaves the packet alone) when it is shorter than n. */
u8 *pkb_pull(struct pkbuf *p, u32 n);
/* Cut the packet to len bytes (no-op when already shorter). */
void pkb_trim(struct pkbuf *p, u32 len);

/* A FIFO of pkbufs with a length bound. Not locked: the owner's lock
 * guards it. */
struct pkb_queue {
	struct pkbuf *head, *tail;
	u32 len;        /* packets queued */
	u32 limit;      /* pkbq_push refuses beyond this */
	u64 dropped;    /* refusals */
};

void pkbq_init(struct pkb_queue *q, u32 limit);
/* Queue p at the tail; false (p not taken, dropped counted) when full. */
bool pkbq_push(struct pkb_queue *q, struct pkbuf *p);
struct pkbuf *pkbq_pop(struct pkb_queue *q);
/* Free everything queued. */
void pkbq_purge(struct pkb_queue *q);

#endif
