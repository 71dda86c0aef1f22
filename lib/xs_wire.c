/* xenstore wire protocol helpers; see include/xen/xs_wire_util.h. */
#include <xen/xs_wire_util.h>
#include <kernel/errno.h>
#include <kernel/string.h>

int xs_ring_readable(u32 cons, u32 untrusted_prod, u32 size)
{
	u32 avail = untrusted_prod - cons;

	if (avail > size)
		return -EPROTO;
	return (int)avail;
}

int xs_ring_writable(u32 prod, u32 untrusted_cons, u32 size)
{
	u32 used = prod - untrusted_cons;

	if (used > size)
		return -EPROTO;
	return (int)(size - used);
}

void xs_ring_copy_out(void *dst, const volatile char *ring, u32 size, u32 idx, u32 len)
{
	char *d = dst;

	for (u32 i = 0; i < len; i++)
		d[i] = ring[(idx + i) & (size - 1)];
}

void xs_ring_copy_in(volatile char *ring, u32 size, u32 idx, const void *src, u32 len)
{
	const char *s = src;

	for (u32 i = 0; i < len; i++)
		ring[(idx + i) & (size - 1)] = s[i];
}

int xs_build_request(u32 type, u32 req_id, u32 tx_id, const char *const *parts,
		     unsigned int nparts, bool last_raw, void *out, u32 out_size)
{
	struct xsd_sockmsg hdr = { .type = type, .req_id = req_id, .tx_id = tx_id, .len = 0 };
	u8 *o = out;
	u32 pos = XS_HDR_SIZE;

	if (out_size < XS_HDR_SIZE)
		return -E2BIG;
	for (unsigned int i = 0; i < nparts; i++) {
		size_t n = strlen(parts[i]) + ((last_raw && i == nparts - 1) ? 0 : 1);

		if (n > out_size - pos || hdr.len + n > XENSTORE_PAYLOAD_MAX)
			return -E2BIG;
		memcpy(o + pos, parts[i], n);
		pos += (u32)n;
		hdr.len += (u32)n;
	}
	memcpy(o, &hdr, sizeof(hdr));
	return (int)pos;
}

int xs_check_header(const struct xsd_sockmsg *untrusted_hdr)
{
	if (untrusted_hdr->len > XENSTORE_PAYLOAD_MAX)
		return -EBADMSG;
	switch (untrusted_hdr->type) {
	case XS_DIRECTORY:
	case XS_READ:
	case XS_GET_PERMS:
	case XS_WATCH:
	case XS_UNWATCH:
	case XS_TRANSACTION_START:
	case XS_TRANSACTION_END:
	case XS_WRITE:
	case XS_MKDIR:
	case XS_RM:
	case XS_SET_PERMS:
	case XS_WATCH_EVENT:
	case XS_ERROR:
		return 0;
	default:
		return -EBADMSG;
	}
}

int xs_error_to_errno(const char *payload, u32 len)
{
	size_t n = strnlen(payload, len);

	for (unsigned int i = 0; i < sizeof(xsd_errors) / sizeof(xsd_errors[0]); i++) {
		const char *s = xsd_errors[i].errstring;

		if (strlen(s) == n && !memcmp(s, payload, n))
			return -xsd_errors[i].errnum;
	}
	return -EIO;
}

int xs_parse_watch_event(const char *payload, u32 len, const char **path, const char **token)
{
	size_t plen = strnlen(payload, len), tlen;

	if (plen == 0 || plen >= len)
		return -EBADMSG;
	tlen = strnlen(payload + plen + 1, len - plen - 1);
	if (plen + 1 + tlen >= len)
		return -EBADMSG;
	*path = payload;
	*token = payload + plen + 1;
	return 0;
}

int xs_count_directory(const char *payload, u32 len)
{
	int n = 0;

	if (len == 0)
		return 0;
	if (payload[len - 1] != '\0')
		return -EBADMSG;
	for (u32 i = 0; i < len; i++) {
		if (payload[i] == '\0') {
			/* An empty name between separators is malformed. */
			if (i == 0 || payload[i - 1] == '\0')
				return -EBADMSG;
			n++;
		}
	}
	return n;
}

int xs_parse_tx_id(const char *payload, u32 len, u32 *tx_id)
{
	char buf[16];
	size_t n = strnlen(payload, len);
	unsigned int v;

	if (n == 0 || n == len || n >= sizeof(buf))
		return -EBADMSG;
	memcpy(buf, payload, n + 1);
	if (kstrtouint(buf, 10, &v) || v == 0)
		return -EBADMSG;
	*tx_id = v;
	return 0;
}
