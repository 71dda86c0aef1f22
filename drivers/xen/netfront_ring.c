/* Pure parts of netfront: TX slot splitting, TX response judgement, RX
 * packet parsing (slots, extra-info chain, bounds) and the MAC key.
 * Host unit-tested (tests/unit/test_netfront.c) and fuzzed
 * (tests/fuzz/fuzz_netfront.c). Every value read from a slot is a local
 * copy: the caller passes slots it already copied out of the shared ring. */
#include <kernel/errno.h>
#include "netfront.h"

int nf_tx_split(u64 addr, u32 len, unsigned int max, struct nf_piece *pieces)
{
	unsigned int n = 0;

	if (!len || len > NF_MAX_PKT)
		return -EINVAL;
	while (len) {
		u32 off = (u32)(addr & (NF_PAGE_SIZE - 1));
		u32 chunk = NF_PAGE_SIZE - off;

		if (chunk > len)
			chunk = len;
		if (n == max)
			return -E2BIG;
		pieces[n].addr = addr;
		pieces[n].off = (u16)off;
		pieces[n].len = (u16)chunk;
		n++;
		addr += chunk;
		len -= chunk;
	}
	return (int)n;
}

enum nf_tx_verdict nf_check_tx_rsp(const struct netif_tx_response *rsp, const u8 *state,
				   u32 nr_ids, u32 nulls_due, u16 *id, int *err)
{
	u16 untrusted_id = rsp->id;
	s16 untrusted_status = rsp->status;

	/* An extra-info slot's answer carries no meaningful id. */
	if (untrusted_status == NETIF_RSP_NULL)
		return nulls_due ? NF_TXV_NULL : NF_TXV_EXTRA_NULL;
	switch (untrusted_status) {
	case NETIF_RSP_OKAY:
		*err = 0;
		break;
	case NETIF_RSP_ERROR:
		*err = -EIO;
		break;
	case NETIF_RSP_DROPPED:
		*err = -ENOBUFS;
		break;
	default:
		return NF_TXV_BAD_STATUS;
	}
	if (untrusted_id >= nr_ids)
		return NF_TXV_BAD_ID;
	if (state[untrusted_id] != NF_TX_PENDING)
		return NF_TXV_NOT_PENDING;
	*id = untrusted_id;
	return NF_TXV_OK;
}

const char *nf_tx_verdict_str(enum nf_tx_verdict v)
{
	switch (v) {
	case NF_TXV_OK:
		return "ok";
	case NF_TXV_NULL:
		return "extra-info answer";
	case NF_TXV_BAD_ID:
		return "id past the table";
	case NF_TXV_NOT_PENDING:
		return "id of no slot in flight";
	case NF_TXV_BAD_STATUS:
		return "status outside the ABI";
	case NF_TXV_EXTRA_NULL:
		return "NULL answer with no extra-info slot in flight";
	}
	return "?";
}

/* Record data slot k (from the first) of the packet. */
static enum nf_rx_verdict nf_rx_piece(const struct netif_rx_response *r, u32 ring_idx, u32 k,
				      struct nf_rx_pkt *pkt)
{
	u16 untrusted_id = r->id;
	u16 untrusted_off = r->offset;
	s16 untrusted_status = r->status;
	u32 n = pkt->nr_data;

	if (untrusted_id != (ring_idx & (NF_RING_SIZE - 1)))
		return NF_RXV_BAD_ID;
	pkt->data_slot[n] = (u8)k;
	if (untrusted_status < 0) {
		/* ERROR and DROPPED: the backend could not fill this slot;
		 * the packet is lost, the protocol intact. Any other negative
		 * value is no status of the ABI. */
		if (untrusted_status != NETIF_RSP_ERROR && untrusted_status != NETIF_RSP_DROPPED)
			return NF_RXV_BAD_STATUS;
		pkt->error = true;
		pkt->off[n] = 0;
		pkt->size[n] = 0;
	} else {
		if (untrusted_off >= NF_PAGE_SIZE ||
		    (u32)untrusted_status > NF_PAGE_SIZE - untrusted_off)
			return NF_RXV_BAD_RANGE;
		pkt->off[n] = untrusted_off;
		pkt->size[n] = (u16)untrusted_status;
		pkt->len += (u32)untrusted_status;
		/* Checked per slot, so that a chain is refused as soon as
		 * it is too long, not only once it ends. */
		if (pkt->len > NF_RX_MAX_LEN)
			return NF_RXV_TOO_LONG;
	}
	pkt->nr_data = n + 1;
	return NF_RXV_OK;
}

enum nf_rx_verdict nf_rx_parse(const union nf_rx_slot *ring, u32 first, u32 avail, bool gso_ok,
			       struct nf_rx_pkt *pkt)
{
	const u32 mask = NF_RING_SIZE - 1;
	struct netif_rx_response r;
	u32 k = 0, seen = 0, extras = 0;
	bool more_extra, more_data;
	enum nf_rx_verdict v;

	pkt->nr_slots = pkt->nr_data = pkt->len = 0;
	pkt->flags = 0;
	pkt->error = false;
	pkt->gso_size = 0;
	pkt->gso_type = XEN_NETIF_GSO_TYPE_NONE;
	if (!avail)
		return NF_RXV_INCOMPLETE;
	/* At most the ring: a caller's avail is bounded by it anyway. */
	if (avail > NF_RING_SIZE)
		avail = NF_RING_SIZE;
	r = ring[first & mask].rsp;
	v = nf_rx_piece(&r, first, 0, pkt);
	if (v != NF_RXV_OK)
		return v;
	pkt->flags = r.flags;
	more_data = r.flags & NETRXF_more_data;
	more_extra = r.flags & NETRXF_extra_info;
	k = 1;
	while (more_extra) {
		struct netif_extra_info e;

		if (k >= avail)
			return NF_RXV_INCOMPLETE;
		e = ring[(first + k) & mask].extra;
		k++;
		if (++extras > NF_MAX_EXTRAS)
			return NF_RXV_BAD_EXTRA;
		if (e.type == XEN_NETIF_EXTRA_TYPE_NONE || e.type >= XEN_NETIF_EXTRA_TYPE_MAX)
			return NF_RXV_BAD_EXTRA;
		if (seen & (1u << e.type))
			return NF_RXV_BAD_EXTRA;
		seen |= 1u << e.type;
		if (e.type == XEN_NETIF_EXTRA_TYPE_GSO) {
			if (!gso_ok || e.u.gso.type != XEN_NETIF_GSO_TYPE_TCPV4 || !e.u.gso.size)
				return NF_RXV_BAD_GSO;
			pkt->gso_size = e.u.gso.size;
			pkt->gso_type = e.u.gso.type;
		}
		/* Multicast and hash extras carry nothing we asked for
		 * (no control ring, no multicast control): skipped. */
		more_extra = e.flags & XEN_NETIF_EXTRA_FLAG_MORE;
	}
	while (more_data) {
		if (pkt->nr_data >= NF_MAX_DATA_SLOTS)
			return NF_RXV_TOO_MANY_SLOTS;
		if (k >= avail)
			return NF_RXV_INCOMPLETE;
		r = ring[(first + k) & mask].rsp;
		v = nf_rx_piece(&r, first + k, k, pkt);
		if (v != NF_RXV_OK)
			return v;
		more_data = r.flags & NETRXF_more_data;
		k++;
	}
	pkt->nr_slots = k;
	return NF_RXV_OK;
}

const char *nf_rx_verdict_str(enum nf_rx_verdict v)
{
	switch (v) {
	case NF_RXV_OK:
		return "ok";
	case NF_RXV_INCOMPLETE:
		return "incomplete";
	case NF_RXV_BAD_ID:
		return "id of another slot";
	case NF_RXV_BAD_RANGE:
		return "offset + size past the page";
	case NF_RXV_TOO_MANY_SLOTS:
		return "more slots than a packet may take";
	case NF_RXV_BAD_EXTRA:
		return "bad extra-info chain";
	case NF_RXV_BAD_GSO:
		return "bad GSO extra";
	case NF_RXV_BAD_STATUS:
		return "negative status outside the ABI";
	case NF_RXV_TOO_LONG:
		return "chain longer than any packet";
	}
	return "?";
}

static int nf_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int nf_parse_mac(const char *s, u8 mac[6])
{
	u8 m[6];
	u8 any = 0;

	for (unsigned int i = 0; i < 6; i++) {
		int hi = nf_hex(s[3 * i]), lo;

		if (hi < 0)
			return -EINVAL;
		lo = nf_hex(s[3 * i + 1]);
		if (lo < 0)
			return -EINVAL;
		if (s[3 * i + 2] != (i == 5 ? '\0' : ':'))
			return -EINVAL;
		m[i] = (u8)(hi << 4 | lo);
		any |= m[i];
	}
	if (!any || (m[0] & 1))
		return -EINVAL;
	for (unsigned int i = 0; i < 6; i++)
		mac[i] = m[i];
	return 0;
}
