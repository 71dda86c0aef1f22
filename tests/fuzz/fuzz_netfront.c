/* libFuzzer target: what netfront decides from backend data without Xen
 * (drivers/xen/netfront_ring.c): the RX packet parser over a ring of
 * response slots, the TX response verdicts against the id table, the TX
 * slot split and the MAC key.
 *
 * Input layout (short inputs are zero-padded to the 17-byte prefix):
 *   [0]      bit 0: GSO advertised
 *   [1]      ring index of the first RX slot (low byte; bit 8 from [2])
 *   [2]      bit 0: first index + 256 (wrap)
 *   [3]      TX: extra-info slots awaiting a NULL answer
 *   [4, 8)   TX: which ids are in flight (bits, repeated over the table)
 *   [8, 12)  split probe: address (LE)  [12, 14) length  [14] max pieces
 *   [15]     MAC probe: how many trailing bytes form the string (0: none)
 *   [16]     number of RX slots that follow (at most 255)
 *   then that many 8-byte RX slots (response or extra-info layout), then
 *   4-byte TX responses (id u16, status s16), minus the MAC probe bytes.
 *
 * Checked: every accepted RX packet against the slots it came from
 * (ids, offset + size in the page, negative statuses only ERROR and
 * DROPPED, at most NF_RX_MAX_LEN bytes, the more_data chain, extras only
 * behind a first slot that announced them, at most 4, sizes summed), the
 * parser's prefix property (the same packet from exactly its own slots,
 * incomplete from one fewer), and a TX reference model (NULL only while
 * extras await one, the four statuses, an accepted id is freed so a
 * duplicate never passes). */
#include <kernel/errno.h>
#include "../../drivers/xen/netfront.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAIL(...)                                                                         \
	do {                                                                              \
		fprintf(stderr, "fuzz_netfront: " __VA_ARGS__);                           \
		fputc('\n', stderr);                                                      \
		abort();                                                                  \
	} while (0)

#define PREFIX 17
#define MASK (NF_RING_SIZE - 1)

static union nf_rx_slot ring[NF_RING_SIZE];

static void check_pkt(const struct nf_rx_pkt *pkt, u32 first, u32 avail, bool gso_ok)
{
	u32 sum = 0;
	struct nf_rx_pkt again;

	if (!pkt->nr_slots || pkt->nr_slots > avail)
		FAIL("packet of %u slots from %u published", pkt->nr_slots, avail);
	if (!pkt->nr_data || pkt->nr_data > NF_MAX_DATA_SLOTS || pkt->nr_data > pkt->nr_slots)
		FAIL("%u data slots of %u", pkt->nr_data, pkt->nr_slots);
	if (pkt->nr_slots - pkt->nr_data > NF_MAX_EXTRAS)
		FAIL("%u extra slots", pkt->nr_slots - pkt->nr_data);
	if (pkt->data_slot[0] != 0)
		FAIL("first data slot %u", pkt->data_slot[0]);
	if (pkt->nr_slots > pkt->nr_data && !(ring[first & MASK].rsp.flags & NETRXF_extra_info))
		FAIL("extras without the first slot announcing them");
	if (pkt->flags != ring[first & MASK].rsp.flags)
		FAIL("flags %#x, first slot has %#x", pkt->flags, ring[first & MASK].rsp.flags);
	for (u32 k = 0; k < pkt->nr_data; k++) {
		u32 idx = first + pkt->data_slot[k];
		const struct netif_rx_response *r = &ring[idx & MASK].rsp;

		if (k && pkt->data_slot[k] <= pkt->data_slot[k - 1])
			FAIL("data slots out of order");
		if (pkt->data_slot[k] >= pkt->nr_slots)
			FAIL("data slot %u past the packet", pkt->data_slot[k]);
		if (r->id != (idx & MASK))
			FAIL("accepted id %u in slot %u", r->id, idx & MASK);
		if (!!(r->flags & NETRXF_more_data) != (k + 1 < pkt->nr_data))
			FAIL("more_data chain broken at piece %u", k);
		if (r->status < 0) {
			if (r->status != NETIF_RSP_ERROR && r->status != NETIF_RSP_DROPPED)
				FAIL("accepted status %d outside the ABI", r->status);
			if (!pkt->error)
				FAIL("error slot not reported");
			continue;
		}
		if (pkt->off[k] != r->offset || pkt->size[k] != (u16)r->status)
			FAIL("piece %u: %u+%u, slot says %u+%d", k, pkt->off[k], pkt->size[k], r->offset,
			     r->status);
		if ((u32)pkt->off[k] + pkt->size[k] > NF_PAGE_SIZE)
			FAIL("piece %u past the page: %u+%u", k, pkt->off[k], pkt->size[k]);
		sum += pkt->size[k];
	}
	if (sum != pkt->len)
		FAIL("len %u, pieces sum to %u", pkt->len, sum);
	if (pkt->len > NF_RX_MAX_LEN)
		FAIL("accepted a %u-byte packet", pkt->len);
	if (pkt->gso_size && (!gso_ok || pkt->gso_type != XEN_NETIF_GSO_TYPE_TCPV4))
		FAIL("GSO %u/%u accepted (advertised %d)", pkt->gso_size, pkt->gso_type, gso_ok);
	/* The prefix property: exactly its slots give the same packet. */
	memset(&again, 0x5A, sizeof(again));
	if (nf_rx_parse(ring, first, pkt->nr_slots, gso_ok, &again) != NF_RXV_OK ||
	    memcmp(&again, pkt, sizeof(again)))
		FAIL("different result from exactly the packet's slots");
	if (nf_rx_parse(ring, first, pkt->nr_slots - 1, gso_ok, &again) != NF_RXV_INCOMPLETE)
		FAIL("complete from one slot fewer");
}

static void fuzz_rx(const u8 *p, u32 nslots, bool gso_ok, u32 first)
{
	u32 cons = first, end = first + nslots;

	memset(ring, 0xA5, sizeof(ring));
	for (u32 i = 0; i < nslots; i++)
		memcpy(&ring[(first + i) & MASK], p + 8 * i, 8);
	while (cons != end) {
		struct nf_rx_pkt pkt;
		enum nf_rx_verdict v;

		memset(&pkt, 0x5A, sizeof(pkt));
		v = nf_rx_parse(ring, cons, end - cons, gso_ok, &pkt);
		if (v == NF_RXV_INCOMPLETE)
			break;
		if (v != NF_RXV_OK)
			break;   /* the driver breaks the vif here */
		check_pkt(&pkt, cons, end - cons, gso_ok);
		cons += pkt.nr_slots;
	}
}

static void fuzz_tx(const u8 *p, u32 n, const u8 *prefix)
{
	u8 state[NF_RING_SIZE];
	u32 bits = prefix[4] | (u32)prefix[5] << 8 | (u32)prefix[6] << 16 | (u32)prefix[7] << 24;
	u32 nulls = prefix[3];

	for (u32 i = 0; i < NF_RING_SIZE; i++)
		state[i] = (bits >> (i % 32)) & 1 ? NF_TX_PENDING : NF_TX_FREE;
	for (u32 i = 0; i < n; i++) {
		struct netif_tx_response r;
		enum nf_tx_verdict v, want;
		u16 id = 0xFFFF;
		int err = 12345, want_err = 0;

		memcpy(&r, p + 4 * i, 4);
		if (r.status == NETIF_RSP_NULL)
			want = nulls ? NF_TXV_NULL : NF_TXV_EXTRA_NULL;
		else if (r.status < NETIF_RSP_DROPPED || r.status > NETIF_RSP_OKAY)
			want = NF_TXV_BAD_STATUS;
		else if (r.id >= NF_RING_SIZE)
			want = NF_TXV_BAD_ID;
		else if (state[r.id] != NF_TX_PENDING)
			want = NF_TXV_NOT_PENDING;
		else
			want = NF_TXV_OK;
		want_err = r.status == NETIF_RSP_OKAY ? 0 : r.status == NETIF_RSP_ERROR ? -EIO : -ENOBUFS;
		v = nf_check_tx_rsp(&r, state, NF_RING_SIZE, nulls, &id, &err);
		if (v != want)
			FAIL("TX id %u status %d: verdict %d, want %d", r.id, r.status, v, want);
		if (v == NF_TXV_NULL)
			nulls--;
		if (v == NF_TXV_OK) {
			if (id != r.id || err != want_err)
				FAIL("TX id %u/%u err %d/%d", id, r.id, err, want_err);
			state[id] = NF_TX_FREE;   /* as the driver does */
		}
	}
}

static void fuzz_split(const u8 *prefix)
{
	struct nf_piece pc[32];
	u64 addr = prefix[8] | (u64)prefix[9] << 8 | (u64)prefix[10] << 16 | (u64)prefix[11] << 24;
	u32 len = prefix[12] | (u32)prefix[13] << 8;
	unsigned int max = prefix[14] % 20;
	int n = nf_tx_split(addr, len, max, pc);
	u32 need = len ? (u32)(((addr & 4095) + len + 4095) / 4096) : 0;
	u64 at = addr;

	if (!len) {
		if (n != -EINVAL)
			FAIL("split of 0 bytes: %d", n);
		return;
	}
	if (need > max) {
		if (n != -E2BIG)
			FAIL("split needing %u of %u: %d", need, max, n);
		return;
	}
	if (n != (int)need)
		FAIL("split into %d, want %u", n, need);
	for (int i = 0; i < n; i++) {
		if (!pc[i].len || pc[i].off + pc[i].len > 4096 || pc[i].addr != at ||
		    pc[i].off != (at & 4095))
			FAIL("piece %d bad", i);
		at += pc[i].len;
	}
	if (at != addr + len)
		FAIL("pieces cover %llu bytes of %u", (unsigned long long)(at - addr), len);
}

static void fuzz_mac(const u8 *p, size_t n)
{
	char s[24], back[24];
	u8 m[6];

	if (n > sizeof(s) - 1)
		n = sizeof(s) - 1;
	memcpy(s, p, n);
	s[n] = 0;
	if (nf_parse_mac(s, m))
		return;
	snprintf(back, sizeof(back), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
		 m[5]);
	if (strlen(s) != 17 || strcasecmp(s, back))
		FAIL("MAC '%s' read as %s", s, back);
	if ((m[0] & 1) || !(m[0] | m[1] | m[2] | m[3] | m[4] | m[5]))
		FAIL("MAC %s accepted", back);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);
int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	u8 prefix[PREFIX] = { 0 };
	size_t body, macn;
	u32 nrx, first;

	memcpy(prefix, data, size < PREFIX ? size : PREFIX);
	fuzz_split(prefix);
	if (size <= PREFIX)
		return 0;
	data += PREFIX;
	body = size - PREFIX;
	macn = prefix[15] % 24;
	if (macn > body)
		macn = body;
	fuzz_mac(data + body - macn, macn);
	body -= macn;
	nrx = prefix[16];
	if ((size_t)nrx * 8 > body)
		nrx = (u32)(body / 8);
	first = prefix[1] | (u32)(prefix[2] & 1) << 8;
	/* Near the u32 wrap too. */
	if (prefix[2] & 2)
		first += 0xFFFFFF00u;
	fuzz_rx(data, nrx, prefix[0] & 1, first);
	data += (size_t)nrx * 8;
	body -= (size_t)nrx * 8;
	fuzz_tx(data, (u32)(body / 4), prefix);
	return 0;
}
