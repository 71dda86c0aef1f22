/* libFuzzer target: lib/xs_wire.c, the xenstore wire helpers, fed what a
 * hostile xenstored (or whoever owns the other end of the ring) controls.
 *
 * Input layout (short inputs are zero-padded to the 26-byte prefix):
 *   [0, 4)    our ring index (LE)        [4, 8)  the peer's ring index (LE)
 *   [8]       ring size: 1 << (byte % 11), so 1 .. XENSTORE_RING_SIZE
 *   [9]       xs_build_request control: bit 0 last_raw, bits 1-2 how
 *             out_size is chosen, bits 3-7 a size for one of those choices
 *   [10, 26)  a struct xsd_sockmsg reply header (native endian)
 *   [26, ...) the payload
 *
 * Checked: the ring functions against the distance arithmetic done in 64
 * bits and against each other, the wrapping copies byte by byte on a heap
 * ring of exactly the ring size; xs_check_header against the list of types
 * the client uses; when the header passes, the first min(len, available)
 * payload bytes go (in an exact-size heap buffer) through every payload
 * parser, whose results must be in range, point inside the buffer, and
 * match small reference implementations; finally the payload, split at its
 * NULs, is framed by xs_build_request and the frame is parsed back. */
#include "kx.h"
#include <xen/xs_wire_util.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xs_err_names.h"

#define FAIL(...)                                                                         \
	do {                                                                              \
		fprintf(stderr, "fuzz_xs_wire: " __VA_ARGS__);                            \
		fputc('\n', stderr);                                                      \
		abort();                                                                  \
	} while (0)

#define PREFIX 26
#define MAXPARTS 16

static u32 get32(const u8 *p)
{
	return p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	if (!p && n)
		abort();
	return p;
}

/* ---------------------------------------------------------------- rings */

static void fuzz_ring(u32 ours, u32 peer, u32 size, const u8 *fill, size_t fill_len)
{
	/* Distance from ours to peer, without u32 arithmetic. */
	u64 ahead = ((u64)peer + 0x100000000ULL - ours) % 0x100000000ULL;
	u64 behind = ((u64)ours + 0x100000000ULL - peer) % 0x100000000ULL;
	int r = xs_ring_readable(ours, peer, size);   /* we consume, peer produces */
	int w = xs_ring_writable(ours, peer, size);   /* we produce, peer consumes */
	int w2 = xs_ring_writable(peer, ours, size);  /* the same ring seen from the peer */
	char *ring, *out, *back;

	if (ahead <= size ? r != (int)ahead : r != -EPROTO)
		FAIL("readable(%#x, %#x, %u) = %d, distance %llu", ours, peer, size, r,
		     (unsigned long long)ahead);
	if (behind <= size ? w != (int)(size - behind) : w != -EPROTO)
		FAIL("writable(%#x, %#x, %u) = %d, distance %llu", ours, peer, size, w,
		     (unsigned long long)behind);
	if ((r < 0) != (w2 < 0) || (r >= 0 && r + w2 != (int)size))
		FAIL("readable %d and the peer's writable %d disagree (size %u)", r, w2, size);

	/* The ring is exactly size bytes on the heap: any index not reduced
	 * modulo the size is an ASan report. */
	ring = xmalloc(size);
	for (u32 i = 0; i < size; i++)
		ring[i] = fill_len ? (char)fill[i % fill_len] : (char)i;
	if (r > 0) {
		out = xmalloc((size_t)r);
		xs_ring_copy_out(out, ring, size, ours, (u32)r);
		for (u32 i = 0; i < (u32)r; i++)
			if (out[i] != ring[((u64)ours + i) % size])
				FAIL("copy_out from %#x: byte %u wrong", ours, i);
		/* Write it back shifted to the peer's index, and read it again. */
		xs_ring_copy_in(ring, size, peer, out, (u32)r);
		back = xmalloc((size_t)r);
		xs_ring_copy_out(back, ring, size, peer, (u32)r);
		if (memcmp(back, out, (size_t)r))
			FAIL("copy_in then copy_out at %#x: data changed", peer);
		for (u32 i = 0; i < (u32)r; i++)
			if (ring[((u64)peer + i) % size] != out[i])
				FAIL("copy_in to %#x: byte %u not at its offset", peer, i);
		free(back);
		free(out);
	}
	free(ring);
}

/* ---------------------------------------------------------------- replies */

static bool type_used(u32 t)
{
	return (t >= XS_DIRECTORY && t <= XS_TRANSACTION_END) || (t >= XS_WRITE && t <= XS_ERROR);
}


static void fuzz_payload(const char *p, u32 len)
{
	static const char sentinel[2] = "";
	const char *path = &sentinel[0], *token = &sentinel[1];
	u32 nuls = 0, first_nul = len, tx = 0x5a5a5a5au;
	int rc, want;

	for (u32 i = 0; i < len; i++)
		if (!p[i]) {
			if (!nuls)
				first_nul = i;
			nuls++;
		}

	/* XS_ERROR: a table name (up to the first NUL) or -EIO. */
	rc = xs_error_to_errno(p, len);
	want = ref_err(p, len);
	if (rc != want)
		FAIL("error_to_errno: %d, expected %d", rc, want);

	/* XS_WATCH_EVENT. */
	rc = xs_parse_watch_event(p, len, &path, &token);
	if (rc == 0) {
		if (path != p)
			FAIL("watch: path at %+td", path - p);
		if (token <= p || token >= p + len)
			FAIL("watch: token at %+td of %u", token - p, len);
		if (!path[0])
			FAIL("watch: empty path accepted");
		if (!memchr(token, '\0', (size_t)(p + len - token)))
			FAIL("watch: token not NUL-terminated within len");
		if (token != p + first_nul + 1)
			FAIL("watch: token at %td, path ends at %u", token - p, first_nul);
		if (nuls < 2)
			FAIL("watch: accepted with %u NULs", nuls);
	} else {
		if (rc != -EBADMSG)
			FAIL("watch: rc %d", rc);
		if (path != &sentinel[0] || token != &sentinel[1])
			FAIL("watch: outputs written on error");
		if (nuls >= 2 && first_nul > 0)
			FAIL("watch: rejected a well-formed event");
	}

	/* XS_DIRECTORY. */
	rc = xs_count_directory(p, len);
	if (rc >= 0) {
		if ((u32)rc > len || (u32)rc * 2 > len)
			FAIL("directory: %d entries in %u bytes", rc, len);
		if ((u32)rc != nuls)
			FAIL("directory: %d entries, %u NULs", rc, nuls);
		if (len && (p[len - 1] || !p[0]))
			FAIL("directory: accepted an unterminated list or empty first name");
		for (u32 i = 1; i < len; i++)
			if (!p[i] && !p[i - 1])
				FAIL("directory: accepted an empty name at %u", i);
	} else {
		bool ok = true;

		if (rc != -EBADMSG)
			FAIL("directory: rc %d", rc);
		for (u32 i = 0; i < len; i++)
			if (!p[i] && (i == 0 || !p[i - 1]))
				ok = false;
		if (len && p[len - 1])
			ok = false;
		if (ok)
			FAIL("directory: rejected a well-formed list");
	}

	/* XS_TRANSACTION_START reply: 1-15 characters before a NUL within
	 * len, an optional '+' (kstrtouint's syntax) and decimal digits, a
	 * value in 1 .. 2^32-1. */
	rc = xs_parse_tx_id(p, len, &tx);
	want = first_nul < len && first_nul > 0 && first_nul < 16 ? 0 : -EBADMSG;
	{
		u64 v = 0;
		u32 i = p[0] == '+';

		if (!want && i == first_nul)
			want = -EBADMSG;
		for (; !want && i < first_nul; i++) {
			if (p[i] < '0' || p[i] > '9')
				want = -EBADMSG;
			v = v * 10 + (u64)(p[i] - '0');
		}
		if (!want && (v == 0 || v > 0xffffffffu))
			want = -EBADMSG;
		if (rc != want)
			FAIL("tx id: rc %d, expected %d for \"%.*s\"", rc, want, (int)first_nul, p);
		if (rc == 0 && tx != v)
			FAIL("tx id: %u, expected %llu", tx, (unsigned long long)v);
		if (rc != 0 && tx != 0x5a5a5a5au)
			FAIL("tx id: output written on error");
	}
}

/* ---------------------------------------------------------------- requests */

/* Split the payload at its NULs into at most MAXPARTS strings (each in its
 * own exact heap buffer), frame them and check the frame. */
static void fuzz_build(const struct xsd_sockmsg *h, u8 ctl, const u8 *p, size_t len)
{
	char *parts[MAXPARTS];
	unsigned int n = 0;
	bool raw = ctl & 1;
	size_t need = XS_HDR_SIZE, start = 0, payload;
	u32 out_size;
	u8 *out;
	int rc;

	while (start < len && n < MAXPARTS) {
		size_t e = start;

		while (e < len && p[e])
			e++;
		parts[n] = xmalloc(e - start + 1);
		memcpy(parts[n], p + start, e - start);
		parts[n][e - start] = 0;
		n++;
		start = e + 1;
	}
	for (unsigned int i = 0; i < n; i++)
		need += strlen(parts[i]) + !(raw && i == n - 1);
	payload = need - XS_HDR_SIZE;

	switch ((ctl >> 1) & 3) {
	case 0: out_size = XS_HDR_SIZE + XENSTORE_PAYLOAD_MAX + 64; break;
	case 1: out_size = (u32)need; break;
	case 2: out_size = (u32)need - 1; break;
	default: out_size = (u32)(ctl >> 3) * 8; break;
	}
	out = xmalloc(out_size);
	rc = xs_build_request(h->type, h->req_id, h->tx_id, (const char *const *)parts, n, raw, out,
			      out_size);
	if (payload > XENSTORE_PAYLOAD_MAX || need > out_size) {
		if (rc != -E2BIG)
			FAIL("build: %d for %zu bytes into %u", rc, need, out_size);
	} else {
		struct xsd_sockmsg got;

		if (rc != (int)need)
			FAIL("build: %d, expected %zu", rc, need);
		memcpy(&got, out, sizeof(got));
		if (got.type != h->type || got.req_id != h->req_id || got.tx_id != h->tx_id ||
		    got.len != payload)
			FAIL("build: header %u/%u/%u/%u", got.type, got.req_id, got.tx_id, got.len);
		if ((xs_check_header(&got) == 0) != type_used(got.type))
			FAIL("build: own header check %d for type %u", xs_check_header(&got),
			     got.type);
		/* Parse the frame back: without a raw part and with non-empty
		 * parts it is a directory listing of exactly those parts. */
		if (n && !raw) {
			bool empty = false;

			for (unsigned int i = 0; i < n; i++)
				empty |= !parts[i][0];
			rc = xs_count_directory((const char *)out + XS_HDR_SIZE, got.len);
			if (empty ? rc != -EBADMSG : rc != (int)n)
				FAIL("build: frame of %u parts lists as %d", n, rc);
		}
		if (n >= 2 && !raw && parts[0][0]) {
			const char *path, *token;

			if (xs_parse_watch_event((const char *)out + XS_HDR_SIZE, got.len, &path,
						 &token) ||
			    strcmp(path, parts[0]) || strcmp(token, parts[1]))
				FAIL("build: frame does not parse back as a watch event");
		}
	}
	free(out);
	for (unsigned int i = 0; i < n; i++)
		free(parts[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	u8 pre[PREFIX] = { 0 };
	const u8 *rest = size > PREFIX ? data + PREFIX : NULL;
	size_t avail = size > PREFIX ? size - PREFIX : 0;
	struct xsd_sockmsg *hdr;
	int rc;

	memcpy(pre, data, size < PREFIX ? size : PREFIX);
	fuzz_ring(get32(pre), get32(pre + 4), 1u << (pre[8] % 11), rest, avail);

	/* The header as the driver has it: copied out of the ring. */
	hdr = xmalloc(sizeof(*hdr));
	memcpy(hdr, pre + 10, sizeof(*hdr));
	rc = xs_check_header(hdr);
	if (rc != 0 && rc != -EBADMSG)
		FAIL("check_header: rc %d", rc);
	if ((rc == 0) != (hdr->len <= XENSTORE_PAYLOAD_MAX && type_used(hdr->type)))
		FAIL("check_header: %d for type %u len %u", rc, hdr->type, hdr->len);
	if (rc == 0) {
		u32 len = hdr->len < avail ? hdr->len : (u32)avail;
		char *p = xmalloc(len);

		if (len)
			memcpy(p, rest, len);
		fuzz_payload(p, len);
		free(p);
	}
	fuzz_build(hdr, pre[9], rest, avail);
	free(hdr);
	return 0;
}
