/* netfront internals shared by the driver (netfront.c) and its pure
 * helpers (netfront_ring.c), which the host unit tests and the fuzzer
 * compile too. Nothing here touches Xen, locks or memory allocation.
 * docs/netfront.md explains the rules these functions enforce. */
#ifndef DRIVERS_XEN_NETFRONT_H
#define DRIVERS_XEN_NETFRONT_H

#include <kernel/compiler.h>

#include <xen/interface/io/netif.h>
#ifndef xen_mb
/* io/ring.h's barriers, used when its macros expand. x86 is TSO: only
 * the full one needs a fence. */
#define xen_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __asm__ __volatile__("" ::: "memory")
#define xen_wmb() __asm__ __volatile__("" ::: "memory")
#endif

#define NF_PAGE_SIZE 4096u
/* One page per ring: 256 slots for both TX (12-byte) and RX (8-byte)
 * entries, since the ring size is rounded down to a power of two. Ids
 * are ring indices masked, so id space and ring size are the same. */
#define NF_RING_SIZE 256u
#define NF_MAX_QUEUES 4u
/* Data slots one packet may take, either way: every netback accepts
 * XEN_NETIF_NR_SLOTS_MIN (18); Linux's netback treats 20 or more as an
 * attack and disables the vif. A 64 KiB packet needs at most 17. */
#define NF_MAX_DATA_SLOTS XEN_NETIF_NR_SLOTS_MIN
/* Extra-info slots behind one RX packet: one of each type at most. */
#define NF_MAX_EXTRAS (XEN_NETIF_EXTRA_TYPE_MAX - 1)
/* Largest frame on the wire of the ABI (first TX slot's size is u16). */
#define NF_MAX_PKT XEN_NETIF_MAX_TX_SIZE
#define NF_ETH_HLEN 14u
/* Largest packet a backend may hand us in one RX chain: the biggest
 * IPv4 datagram (its total length is 16 bits: 65535, also the bound of a
 * GSO packet, whose headers count in that length) behind an Ethernet
 * header with one 802.1Q tag (14 + 4). A chain longer than that is no
 * packet of any kind (docs/netfront.md, "RX"). */
#define NF_RX_MAX_LEN (0xFFFFu + NF_ETH_HLEN + 4u)

/* ---------------------------------------------------------------- TX */

/* One page-bounded piece of a linear buffer: what one TX slot carries. */
struct nf_piece {
	u64 addr;       /* virtual address of the first byte */
	u16 off;        /* addr's offset in its page */
	u16 len;        /* 1 .. NF_PAGE_SIZE - off */
};

/* Cut [addr, addr+len) at page boundaries into at most max pieces.
 * Returns the number of pieces (>= 1), -EINVAL for len 0 or above
 * NF_MAX_PKT, -E2BIG if more than max pieces would be needed. No piece
 * is empty and none crosses a page. */
int nf_tx_split(u64 addr, u32 len, unsigned int max, struct nf_piece *pieces);

/* States of a TX id (one per ring slot). */
#define NF_TX_FREE 0
#define NF_TX_PENDING 1

enum nf_tx_verdict {
	NF_TXV_OK,          /* *id is a pending id, *err its result */
	NF_TXV_NULL,        /* NETIF_RSP_NULL answering an extra-info slot: skip */
	NF_TXV_BAD_ID,      /* id past the table */
	NF_TXV_NOT_PENDING, /* id free (never sent, or answered already) */
	NF_TXV_BAD_STATUS,  /* not one of the four statuses of the ABI */
	NF_TXV_EXTRA_NULL,  /* NETIF_RSP_NULL when no extra slot awaits one */
};

/* Judge one TX response, already copied out of the ring, against the id
 * states. nulls_due: extra-info slots sent and not yet answered. On
 * NF_TXV_OK, *err is 0 (OKAY), -EIO (ERROR) or -ENOBUFS (DROPPED). */
enum nf_tx_verdict nf_check_tx_rsp(const struct netif_tx_response *rsp, const u8 *state,
				   u32 nr_ids, u32 nulls_due, u16 *id, int *err);
const char *nf_tx_verdict_str(enum nf_tx_verdict v);

/* ---------------------------------------------------------------- RX */

/* A slot of the RX response ring: a response, or an extra-info entry
 * overlaying it (both 8 bytes). */
union nf_rx_slot {
	struct netif_rx_response rsp;
	struct netif_extra_info extra;
};

/* One received packet as parsed from the response slots. */
struct nf_rx_pkt {
	u32 nr_slots;                       /* ring slots it takes, extras included */
	u32 nr_data;                        /* data slots */
	u32 len;                            /* bytes over all data slots */
	u16 flags;                          /* first slot's NETRXF_* */
	bool error;                         /* a slot said ERROR/DROPPED: drop, not fatal */
	u16 gso_size;                       /* 0: not GSO */
	u8 gso_type;                        /* XEN_NETIF_GSO_TYPE_* */
	u8 data_slot[NF_MAX_DATA_SLOTS];    /* which slot (from the first) holds piece k */
	u16 off[NF_MAX_DATA_SLOTS];         /* piece k: offset in its page */
	u16 size[NF_MAX_DATA_SLOTS];        /* piece k: bytes */
};

enum nf_rx_verdict {
	NF_RXV_OK,              /* *pkt describes the packet */
	NF_RXV_INCOMPLETE,      /* more slots are needed than published: wait */
	NF_RXV_BAD_ID,          /* a data slot's id is not its request's */
	NF_RXV_BAD_RANGE,       /* offset + size past the page end */
	NF_RXV_TOO_MANY_SLOTS,  /* more data slots than any packet may take */
	NF_RXV_BAD_EXTRA,       /* extra-info chain: bad type, repeated type, too long */
	NF_RXV_BAD_GSO,         /* GSO extra not asked for, or with size 0 or bad type */
	NF_RXV_BAD_STATUS,      /* negative status other than NETIF_RSP_ERROR/DROPPED */
	NF_RXV_TOO_LONG,        /* the slots add up to more than NF_RX_MAX_LEN bytes */
};

/* Parse the packet whose first slot is ring index first. Slot k of it
 * is ring[(first + k) & (NF_RING_SIZE - 1)] (the driver's copy of the
 * shared ring); avail slots from first are published. A data slot must
 * carry id (first + k) & (NF_RING_SIZE - 1): each response lands in its
 * request's slot and the driver posts request i with id i. gso_ok: we
 * advertised feature-gso-tcpv4.
 *
 * A data slot's status is its byte count, or one of the two negative
 * codes of the ABI: NETIF_RSP_ERROR (netback's answer when its grant copy
 * into our page failed) and NETIF_RSP_DROPPED. Those mark the packet
 * lost (pkt->error) with the protocol intact; any other negative value
 * is not in the ABI and is refused like any other lie. */
enum nf_rx_verdict nf_rx_parse(const union nf_rx_slot *ring, u32 first, u32 avail, bool gso_ok,
			       struct nf_rx_pkt *pkt);
const char *nf_rx_verdict_str(enum nf_rx_verdict v);

/* ---------------------------------------------------------------- xenstore */

/* Parse a MAC "xx:xx:xx:xx:xx:xx" (hex digits of either case, exactly
 * two per byte). -EINVAL for anything else, and for a multicast (the
 * group bit) or all-zero address, which a vif cannot have. */
int nf_parse_mac(const char *s, u8 mac[6]);

#endif
