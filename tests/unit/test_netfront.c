/* Host tests for drivers/xen/netfront_ring.c: TX slot splitting at page
 * boundaries, the judgement of TX responses (ids, NULL answers, every
 * status), the RX packet parser at every boundary (offset + size against
 * the page end, ids, slot counts, extra-info chains, GSO) and the MAC key. */
#include "kx.h"
#include <kernel/errno.h>
#include "../../drivers/xen/netfront.h"
#include <stdio.h>
#include <string.h>
#include "test.h"

#define MASK (NF_RING_SIZE - 1)

TEST(abi_sizes)
{
	CHECK_EQ(sizeof(struct netif_tx_request), 12u);
	CHECK_EQ(sizeof(struct netif_tx_response), 4u);
	CHECK_EQ(sizeof(struct netif_rx_response), 8u);
	CHECK_EQ(sizeof(struct netif_extra_info), 8u);
	CHECK_EQ(sizeof(union nf_rx_slot), 8u);
	CHECK_EQ((unsigned)NF_MAX_DATA_SLOTS, 18u);
}

TEST(split)
{
	struct nf_piece p[NF_MAX_DATA_SLOTS];
	u64 page = 0x100000;

	/* Inside one page. */
	CHECK_EQ(nf_tx_split(page + 128, 1400, 18, p), 1);
	CHECK_EQ(p[0].off, 128u);
	CHECK_EQ(p[0].len, 1400u);
	/* Ends exactly at the page end: still one piece. */
	CHECK_EQ(nf_tx_split(page + 4000, 96, 18, p), 1);
	CHECK_EQ(p[0].len, 96u);
	/* One byte over: two pieces, the second one byte at offset 0. */
	CHECK_EQ(nf_tx_split(page + 4000, 97, 18, p), 2);
	CHECK_EQ(p[0].off, 4000u);
	CHECK_EQ(p[0].len, 96u);
	CHECK_EQ(p[1].off, 0u);
	CHECK_EQ(p[1].len, 1u);
	CHECK_EQ(p[1].addr, page + 4096);
	/* A whole aligned page. */
	CHECK_EQ(nf_tx_split(page, 4096, 18, p), 1);
	CHECK_EQ(p[0].len, 4096u);
	/* The largest packet from an unaligned start: 17 pieces. */
	CHECK_EQ(nf_tx_split(page + 4095, 0xFFFF, 18, p), 17);
	CHECK_EQ(p[0].len, 1u);
	for (int i = 1; i < 16; i++)
		CHECK_EQ(p[i].len, 4096u);
	CHECK_EQ(p[16].len, (unsigned)(0xFFFF - 1 - 15 * 4096));
	/* Limits. */
	CHECK_EQ(nf_tx_split(page + 4095, 0xFFFF, 16, p), -E2BIG);
	CHECK_EQ(nf_tx_split(page + 4000, 97, 1, p), -E2BIG);
	CHECK_EQ(nf_tx_split(page, 0, 18, p), -EINVAL);
	CHECK_EQ(nf_tx_split(page, 0x10000, 18, p), -EINVAL);
}

TEST(split_random)
{
	struct nf_piece p[NF_MAX_DATA_SLOTS];

	for (int t = 0; t < 20000; t++) {
		u64 addr = xt_rand() & 0xFFFFFF;
		u32 len = (u32)xt_below(0x10000);
		int n = nf_tx_split(addr, len, NF_MAX_DATA_SLOTS, p);
		u64 at = addr;
		u32 sum = 0;

		if (!len) {
			CHECK_EQ(n, -EINVAL);
			continue;
		}
		CHECK(n >= 1);
		if (n < 1)
			continue;
		for (int i = 0; i < n; i++) {
			CHECK(p[i].len > 0);
			CHECK(p[i].off + p[i].len <= 4096u);
			CHECK_EQ(p[i].addr, at);
			CHECK_EQ(p[i].off, (unsigned)(at & 4095));
			/* Only the last piece may end before the page end. */
			if (i + 1 < n)
				CHECK_EQ(p[i].off + p[i].len, 4096u);
			at += p[i].len;
			sum += p[i].len;
		}
		CHECK_EQ(sum, len);
	}
}

static struct netif_tx_response txr(u16 id, s16 status)
{
	struct netif_tx_response r = { .id = id, .status = status };

	return r;
}

TEST(tx_responses)
{
	u8 st[NF_RING_SIZE] = { 0 };
	struct netif_tx_response r;
	u16 id = 0;
	int err = 99;

	st[5] = NF_TX_PENDING;
	st[255] = NF_TX_PENDING;
	r = txr(5, NETIF_RSP_OKAY);
	CHECK_EQ(nf_check_tx_rsp(&r, st, NF_RING_SIZE, 0, &id, &err), NF_TXV_OK);
	CHECK_EQ(id, 5u);
	CHECK_EQ(err, 0);
	r = txr(255, NETIF_RSP_ERROR);
	CHECK_EQ(nf_check_tx_rsp(&r, st, NF_RING_SIZE, 0, &id, &err), NF_TXV_OK);
	CHECK_EQ(id, 255u);
	CHECK_EQ(err, -EIO);
	r = txr(5, NETIF_RSP_DROPPED);
	CHECK_EQ(nf_check_tx_rsp(&r, st, NF_RING_SIZE, 0, &id, &err), NF_TXV_OK);
	CHECK_EQ(err, -ENOBUFS);
	/* Ids: past the table, free. */
	r = txr(256, NETIF_RSP_OKAY);
	CHECK_EQ(nf_check_tx_rsp(&r, st, NF_RING_SIZE, 0, &id, &err), NF_TXV_BAD_ID);
	r = txr(0xFFFF, NETIF_RSP_OKAY);
	CHECK_EQ(nf_check_tx_rsp(&r, st, NF_RING_SIZE, 0, &id, &err), NF_TXV_BAD_ID);
	r = txr(4, NETIF_RSP_OKAY);
	CHECK_EQ(nf_check_tx_rsp(&r, st, NF_RING_SIZE, 0, &id, &err), NF_TXV_NOT_PENDING);
	/* A smaller table (the id bound is the caller's). */
	r = txr(255, NETIF_RSP_OKAY);
	CHECK_EQ(nf_check_tx_rsp(&r, st, 255, 0, &id, &err), NF_TXV_BAD_ID);
	/* Statuses outside the ABI, on either side. */
	r = txr(5, 2);
	CHECK_EQ(nf_check_tx_rsp(&r, st, NF_RING_SIZE, 0, &id, &err), NF_TXV_BAD_STATUS);
	r = txr(5, -3);
	CHECK_EQ(nf_check_tx_rsp(&r, st, NF_RING_SIZE, 0, &id, &err), NF_TXV_BAD_STATUS);
	r = txr(5, -32768);
	CHECK_EQ(nf_check_tx_rsp(&r, st, NF_RING_SIZE, 0, &id, &err), NF_TXV_BAD_STATUS);
	/* NULL answers: only while an extra slot awaits one; id ignored. */
	r = txr(9999, NETIF_RSP_NULL);
	CHECK_EQ(nf_check_tx_rsp(&r, st, NF_RING_SIZE, 1, &id, &err), NF_TXV_NULL);
	CHECK_EQ(nf_check_tx_rsp(&r, st, NF_RING_SIZE, 0, &id, &err), NF_TXV_EXTRA_NULL);
	for (int v = NF_TXV_OK; v <= NF_TXV_EXTRA_NULL; v++)
		CHECK(strcmp(nf_tx_verdict_str((enum nf_tx_verdict)v), "?") != 0);
}

/* A ring of copied slots, filled from ring index base. */
static union nf_rx_slot ring[NF_RING_SIZE];

static void put_data(u32 idx, u16 off, s16 status, u16 flags)
{
	union nf_rx_slot *s = &ring[idx & MASK];

	memset(s, 0, sizeof(*s));
	s->rsp.id = (u16)(idx & MASK);
	s->rsp.offset = off;
	s->rsp.status = status;
	s->rsp.flags = flags;
}

static void put_extra(u32 idx, u8 type, u8 flags, u16 gso_size, u8 gso_type)
{
	union nf_rx_slot *s = &ring[idx & MASK];

	memset(s, 0, sizeof(*s));
	s->extra.type = type;
	s->extra.flags = flags;
	s->extra.u.gso.size = gso_size;
	s->extra.u.gso.type = gso_type;
}

TEST(rx_single)
{
	struct nf_rx_pkt pkt;
	u32 b = 10;

	put_data(b, 0, 60, NETRXF_data_validated);
	CHECK_EQ(nf_rx_parse(ring, b, 1, true, &pkt), NF_RXV_OK);
	CHECK_EQ(pkt.nr_slots, 1u);
	CHECK_EQ(pkt.nr_data, 1u);
	CHECK_EQ(pkt.len, 60u);
	CHECK_EQ(pkt.flags, (unsigned)NETRXF_data_validated);
	CHECK(!pkt.error);
	CHECK_EQ(pkt.gso_size, 0u);
	CHECK_EQ(nf_rx_parse(ring, b, 0, true, &pkt), NF_RXV_INCOMPLETE);
	/* offset + size exactly at the page end, and one past it. */
	put_data(b, 4000, 96, 0);
	CHECK_EQ(nf_rx_parse(ring, b, 1, true, &pkt), NF_RXV_OK);
	CHECK_EQ(pkt.off[0], 4000u);
	put_data(b, 4000, 97, 0);
	CHECK_EQ(nf_rx_parse(ring, b, 1, true, &pkt), NF_RXV_BAD_RANGE);
	put_data(b, 0, 4096, 0);
	CHECK_EQ(nf_rx_parse(ring, b, 1, true, &pkt), NF_RXV_OK);
	put_data(b, 0, 4097, 0);
	CHECK_EQ(nf_rx_parse(ring, b, 1, true, &pkt), NF_RXV_BAD_RANGE);
	put_data(b, 4096, 0, 0);
	CHECK_EQ(nf_rx_parse(ring, b, 1, true, &pkt), NF_RXV_BAD_RANGE);
	put_data(b, 0xFFFF, 1, 0);
	CHECK_EQ(nf_rx_parse(ring, b, 1, true, &pkt), NF_RXV_BAD_RANGE);
	put_data(b, 0, 32767, 0);
	CHECK_EQ(nf_rx_parse(ring, b, 1, true, &pkt), NF_RXV_BAD_RANGE);
	/* Zero bytes is not a protocol error (the driver drops it). */
	put_data(b, 0, 0, 0);
	CHECK_EQ(nf_rx_parse(ring, b, 1, true, &pkt), NF_RXV_OK);
	CHECK_EQ(pkt.len, 0u);
	/* An error status: dropped, not fatal; offset not looked at. */
	put_data(b, 0xFFFF, NETIF_RSP_ERROR, 0);
	CHECK_EQ(nf_rx_parse(ring, b, 1, true, &pkt), NF_RXV_OK);
	CHECK(pkt.error);
	put_data(b, 0, NETIF_RSP_DROPPED, 0);
	CHECK_EQ(nf_rx_parse(ring, b, 1, true, &pkt), NF_RXV_OK);
	CHECK(pkt.error);
	CHECK_EQ(pkt.len, 0u);
	/* Other negative values are no status of the ABI: refused. */
	put_data(b, 0, -3, 0);
	CHECK_EQ(nf_rx_parse(ring, b, 1, true, &pkt), NF_RXV_BAD_STATUS);
	put_data(b, 0, -1234, NETRXF_data_validated);
	CHECK_EQ(nf_rx_parse(ring, b, 1, true, &pkt), NF_RXV_BAD_STATUS);
	put_data(b, 0, -32768, 0);
	CHECK_EQ(nf_rx_parse(ring, b, 1, true, &pkt), NF_RXV_BAD_STATUS);
	/* NULL (1) is a TX answer; on RX it reads as one byte of data. */
	put_data(b, 0, NETIF_RSP_NULL, 0);
	CHECK_EQ(nf_rx_parse(ring, b, 1, true, &pkt), NF_RXV_OK);
	CHECK_EQ(pkt.len, 1u);
	/* Wrong id. */
	put_data(b, 0, 60, 0);
	ring[b].rsp.id = (u16)(b + 1);
	CHECK_EQ(nf_rx_parse(ring, b, 1, true, &pkt), NF_RXV_BAD_ID);
	ring[b].rsp.id = (u16)(b + NF_RING_SIZE);
	CHECK_EQ(nf_rx_parse(ring, b, 1, true, &pkt), NF_RXV_BAD_ID);
}

TEST(rx_multi)
{
	struct nf_rx_pkt pkt;
	u32 b = NF_RING_SIZE - 2;   /* wraps around the ring */

	put_data(b, 0, 4096, NETRXF_more_data);
	put_data(b + 1, 0, 4096, NETRXF_more_data);
	put_data(b + 2, 0, 100, 0);
	CHECK_EQ(nf_rx_parse(ring, b, 1, true, &pkt), NF_RXV_INCOMPLETE);
	CHECK_EQ(nf_rx_parse(ring, b, 2, true, &pkt), NF_RXV_INCOMPLETE);
	CHECK_EQ(nf_rx_parse(ring, b, 3, true, &pkt), NF_RXV_OK);
	CHECK_EQ(pkt.nr_slots, 3u);
	CHECK_EQ(pkt.nr_data, 3u);
	CHECK_EQ(pkt.len, 8292u);
	CHECK_EQ(pkt.data_slot[2], 2u);
	CHECK_EQ(nf_rx_parse(ring, b, 200, true, &pkt), NF_RXV_OK);
	CHECK_EQ(pkt.nr_slots, 3u);
	/* A later slot past the page end. */
	put_data(b + 1, 10, 4087, NETRXF_more_data);
	CHECK_EQ(nf_rx_parse(ring, b, 3, true, &pkt), NF_RXV_BAD_RANGE);
	/* A later slot with another slot's id. */
	put_data(b + 1, 0, 4096, NETRXF_more_data);
	ring[(b + 2) & MASK].rsp.id = 7;
	CHECK_EQ(nf_rx_parse(ring, b, 3, true, &pkt), NF_RXV_BAD_ID);
	/* An error in a later slot spoils the packet, not the ring. */
	put_data(b + 2, 0, NETIF_RSP_DROPPED, 0);
	CHECK_EQ(nf_rx_parse(ring, b, 3, true, &pkt), NF_RXV_OK);
	CHECK(pkt.error);
	/* ... but a status outside the ABI in a later slot is a lie. */
	put_data(b + 2, 0, -7, 0);
	CHECK_EQ(nf_rx_parse(ring, b, 3, true, &pkt), NF_RXV_BAD_STATUS);
}

/* The packet's total against NF_RX_MAX_LEN (65553): the biggest IPv4
 * datagram behind a tagged Ethernet header passes, a byte more not. */
TEST(rx_too_long)
{
	struct nf_rx_pkt pkt;
	u32 b = 250, i;

	CHECK_EQ(NF_RX_MAX_LEN, 65553u);
	/* 16 full pages (65536) and 17 bytes: the largest packet. */
	for (i = 0; i < 16; i++)
		put_data(b + i, 0, 4096, NETRXF_more_data);
	put_data(b + 16, 0, 17, 0);
	CHECK_EQ(nf_rx_parse(ring, b, 17, true, &pkt), NF_RXV_OK);
	CHECK_EQ(pkt.len, NF_RX_MAX_LEN);
	CHECK_EQ(pkt.nr_data, 17u);
	put_data(b + 16, 0, 18, 0);
	CHECK_EQ(nf_rx_parse(ring, b, 17, true, &pkt), NF_RXV_TOO_LONG);
	/* hostile-netback's rx-too-long: 17 full slots, 69632 bytes. */
	put_data(b + 16, 0, 4096, 0);
	CHECK_EQ(nf_rx_parse(ring, b, 17, true, &pkt), NF_RXV_TOO_LONG);
	/* Refused as soon as the published slots exceed the bound, before
	 * the chain's end is there. */
	put_data(b + 16, 0, 4096, NETRXF_more_data);
	CHECK_EQ(nf_rx_parse(ring, b, 17, true, &pkt), NF_RXV_TOO_LONG);
	CHECK_EQ(nf_rx_parse(ring, b, 16, true, &pkt), NF_RXV_INCOMPLETE);
	/* Offsets count nothing: only sizes add up. */
	for (i = 0; i < 17; i++)
		put_data(b + i, 96, 4000, i < 16 ? NETRXF_more_data : 0);
	CHECK_EQ(nf_rx_parse(ring, b, 17, true, &pkt), NF_RXV_TOO_LONG);
	put_data(b + 16, 0, 1553, 0);
	CHECK_EQ(nf_rx_parse(ring, b, 17, true, &pkt), NF_RXV_OK);
	CHECK_EQ(pkt.len, 65553u);
	/* Error slots add nothing and do not hide the excess of others. */
	put_data(b + 16, 0, NETIF_RSP_ERROR, 0);
	CHECK_EQ(nf_rx_parse(ring, b, 17, true, &pkt), NF_RXV_OK);
	CHECK(pkt.error);
}

TEST(rx_slot_limit)
{
	struct nf_rx_pkt pkt;
	u32 b = 100, n = NF_MAX_DATA_SLOTS;

	for (u32 i = 0; i < n; i++)
		put_data(b + i, 0, 100, i + 1 < n ? NETRXF_more_data : 0);
	CHECK_EQ(nf_rx_parse(ring, b, n, true, &pkt), NF_RXV_OK);
	CHECK_EQ(pkt.nr_data, n);
	CHECK_EQ(pkt.len, 100u * n);
	/* One more slot claimed: refused at once, without waiting for it. */
	put_data(b + n - 1, 0, 100, NETRXF_more_data);
	CHECK_EQ(nf_rx_parse(ring, b, n, true, &pkt), NF_RXV_TOO_MANY_SLOTS);
	CHECK_EQ(nf_rx_parse(ring, b, NF_RING_SIZE, true, &pkt), NF_RXV_TOO_MANY_SLOTS);
	/* A backend claiming more_data in every slot of a full ring. */
	for (u32 i = 0; i < NF_RING_SIZE; i++)
		put_data(i, 0, 1, NETRXF_more_data);
	CHECK_EQ(nf_rx_parse(ring, 0, NF_RING_SIZE, true, &pkt), NF_RXV_TOO_MANY_SLOTS);
	CHECK_EQ(nf_rx_parse(ring, 0, 0xFFFFFFFF, true, &pkt), NF_RXV_TOO_MANY_SLOTS);
}

TEST(rx_extras)
{
	struct nf_rx_pkt pkt;
	u32 b = 40;

	/* GSO extra then two data slots. */
	put_data(b, 0, 4096, NETRXF_extra_info | NETRXF_more_data | NETRXF_csum_blank |
			     NETRXF_data_validated);
	put_extra(b + 1, XEN_NETIF_EXTRA_TYPE_GSO, 0, 1448, XEN_NETIF_GSO_TYPE_TCPV4);
	put_data(b + 2, 0, 1000, 0);
	CHECK_EQ(nf_rx_parse(ring, b, 1, true, &pkt), NF_RXV_INCOMPLETE);
	CHECK_EQ(nf_rx_parse(ring, b, 2, true, &pkt), NF_RXV_INCOMPLETE);
	CHECK_EQ(nf_rx_parse(ring, b, 3, true, &pkt), NF_RXV_OK);
	CHECK_EQ(pkt.nr_slots, 3u);
	CHECK_EQ(pkt.nr_data, 2u);
	CHECK_EQ(pkt.data_slot[0], 0u);
	CHECK_EQ(pkt.data_slot[1], 2u);
	CHECK_EQ(pkt.len, 5096u);
	CHECK_EQ(pkt.gso_size, 1448u);
	CHECK_EQ(pkt.gso_type, (unsigned)XEN_NETIF_GSO_TYPE_TCPV4);
	/* Extra slots carry no id: a garbage one there is fine. */
	ring[(b + 1) & MASK].rsp.id = 0xBEEF;
	ring[(b + 1) & MASK].extra.type = XEN_NETIF_EXTRA_TYPE_GSO;
	/* GSO not advertised, size 0, TCPv6, unknown type. */
	CHECK_EQ(nf_rx_parse(ring, b, 3, false, &pkt), NF_RXV_BAD_GSO);
	put_extra(b + 1, XEN_NETIF_EXTRA_TYPE_GSO, 0, 0, XEN_NETIF_GSO_TYPE_TCPV4);
	CHECK_EQ(nf_rx_parse(ring, b, 3, true, &pkt), NF_RXV_BAD_GSO);
	put_extra(b + 1, XEN_NETIF_EXTRA_TYPE_GSO, 0, 1448, XEN_NETIF_GSO_TYPE_TCPV6);
	CHECK_EQ(nf_rx_parse(ring, b, 3, true, &pkt), NF_RXV_BAD_GSO);
	put_extra(b + 1, XEN_NETIF_EXTRA_TYPE_GSO, 0, 1448, 77);
	CHECK_EQ(nf_rx_parse(ring, b, 3, true, &pkt), NF_RXV_BAD_GSO);
	/* Extra types: none, past the ABI; hash is skipped. */
	put_extra(b + 1, XEN_NETIF_EXTRA_TYPE_NONE, 0, 0, 0);
	CHECK_EQ(nf_rx_parse(ring, b, 3, true, &pkt), NF_RXV_BAD_EXTRA);
	put_extra(b + 1, XEN_NETIF_EXTRA_TYPE_MAX, 0, 0, 0);
	CHECK_EQ(nf_rx_parse(ring, b, 3, true, &pkt), NF_RXV_BAD_EXTRA);
	put_extra(b + 1, 0xFF, 0, 0, 0);
	CHECK_EQ(nf_rx_parse(ring, b, 3, true, &pkt), NF_RXV_BAD_EXTRA);
	put_extra(b + 1, XEN_NETIF_EXTRA_TYPE_HASH, 0, 0, 0);
	CHECK_EQ(nf_rx_parse(ring, b, 3, true, &pkt), NF_RXV_OK);
	CHECK_EQ(pkt.gso_size, 0u);
	/* A chain: GSO, HASH, then data. */
	put_extra(b + 1, XEN_NETIF_EXTRA_TYPE_GSO, XEN_NETIF_EXTRA_FLAG_MORE, 536,
		  XEN_NETIF_GSO_TYPE_TCPV4);
	put_extra(b + 2, XEN_NETIF_EXTRA_TYPE_HASH, 0, 0, 0);
	put_data(b + 3, 0, 10, 0);
	CHECK_EQ(nf_rx_parse(ring, b, 3, true, &pkt), NF_RXV_INCOMPLETE);
	CHECK_EQ(nf_rx_parse(ring, b, 4, true, &pkt), NF_RXV_OK);
	CHECK_EQ(pkt.nr_slots, 4u);
	CHECK_EQ(pkt.gso_size, 536u);
	/* The same type twice. */
	put_extra(b + 2, XEN_NETIF_EXTRA_TYPE_GSO, 0, 536, XEN_NETIF_GSO_TYPE_TCPV4);
	CHECK_EQ(nf_rx_parse(ring, b, 4, true, &pkt), NF_RXV_BAD_EXTRA);
	/* An endless chain: refused after the fourth extra, never read past it. */
	for (u32 i = 1; i < 10; i++)
		put_extra(b + i, (u8)(1 + (i - 1) % 4), XEN_NETIF_EXTRA_FLAG_MORE, 100,
			  XEN_NETIF_GSO_TYPE_TCPV4);
	CHECK_EQ(nf_rx_parse(ring, b, 10, true, &pkt), NF_RXV_BAD_EXTRA);
	CHECK_EQ(nf_rx_parse(ring, b, 5, true, &pkt), NF_RXV_INCOMPLETE);
	for (int v = NF_RXV_OK; v <= NF_RXV_TOO_LONG; v++)
		CHECK(strcmp(nf_rx_verdict_str((enum nf_rx_verdict)v), "?") != 0);
}

TEST(mac)
{
	u8 m[6] = { 0 };

	CHECK_EQ(nf_parse_mac("00:16:3e:12:ab:CD", m), 0);
	CHECK_EQ(m[0], 0x00u);
	CHECK_EQ(m[1], 0x16u);
	CHECK_EQ(m[4], 0xabu);
	CHECK_EQ(m[5], 0xcdu);
	CHECK_EQ(nf_parse_mac("00:16:3e:12:ab:cd ", m), -EINVAL);
	CHECK_EQ(nf_parse_mac("00:16:3e:12:ab:c", m), -EINVAL);
	CHECK_EQ(nf_parse_mac("00:16:3e:12:ab", m), -EINVAL);
	CHECK_EQ(nf_parse_mac("", m), -EINVAL);
	CHECK_EQ(nf_parse_mac("00-16-3e-12-ab-cd", m), -EINVAL);
	CHECK_EQ(nf_parse_mac("0:16:3e:12:ab:cd0", m), -EINVAL);
	CHECK_EQ(nf_parse_mac("g0:16:3e:12:ab:cd", m), -EINVAL);
	/* Multicast and all-zero addresses. */
	CHECK_EQ(nf_parse_mac("01:16:3e:12:ab:cd", m), -EINVAL);
	CHECK_EQ(nf_parse_mac("ff:ff:ff:ff:ff:ff", m), -EINVAL);
	CHECK_EQ(nf_parse_mac("00:00:00:00:00:00", m), -EINVAL);
	/* A refused value leaves the old one. */
	CHECK_EQ(m[5], 0xcdu);
}

int main(void)
{
	RUN(abi_sizes);
	RUN(split);
	RUN(split_random);
	RUN(tx_responses);
	RUN(rx_single);
	RUN(rx_multi);
	RUN(rx_slot_limit);
	RUN(rx_too_long);
	RUN(rx_extras);
	RUN(mac);
	return xt_done();
}
