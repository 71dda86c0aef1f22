/* Pure helpers for the xenstore wire protocol (lib/xs_wire.c): ring index
 * arithmetic, request framing and reply parsing. Everything read from the
 * shared ring is untrusted; these functions take copied values and bounds
 * and never index with an unchecked number. Host unit-tested and fuzzed. */
#ifndef XEN_XS_WIRE_UTIL_H
#define XEN_XS_WIRE_UTIL_H

#include <kernel/types.h>
/* errno values first: the ABI header's error table needs them. */
#include <kernel/errno.h>
#include <xen/interface/io/xs_wire.h>

#define XS_HDR_SIZE ((u32)sizeof(struct xsd_sockmsg))

/* Bytes readable from a ring of size bytes given our consumer index and
 * the peer's producer index, or -EPROTO if the peer's index is impossible
 * (more than a ring ahead, i.e. corrupt or malicious). */
int xs_ring_readable(u32 cons, u32 untrusted_prod, u32 size);
/* Bytes writable given our producer index and the peer's consumer index,
 * or -EPROTO if the peer's index is impossible. */
int xs_ring_writable(u32 prod, u32 untrusted_cons, u32 size);
/* Copy out of / into a power-of-two ring starting at index idx, wrapping. */
void xs_ring_copy_out(void *dst, const volatile char *ring, u32 size, u32 idx, u32 len);
void xs_ring_copy_in(volatile char *ring, u32 size, u32 idx, const void *src, u32 len);

/* Frame a request: header plus the given strings. Each string is sent with
 * its terminating NUL except the last when last_raw is set (XS_WRITE's
 * value). Returns the total length or -E2BIG if it exceeds out_size or
 * the payload limit. */
int xs_build_request(u32 type, u32 req_id, u32 tx_id, const char *const *parts,
		     unsigned int nparts, bool last_raw, void *out, u32 out_size);

/* Validate a reply header copied from the ring: -EBADMSG for a payload
 * longer than XENSTORE_PAYLOAD_MAX or a type we never use. */
int xs_check_header(const struct xsd_sockmsg *untrusted_hdr);

/* Map an XS_ERROR payload ("ENOENT\0") to -errno; unknown strings give
 * -EIO. */
int xs_error_to_errno(const char *payload, u32 len);

/* Split an XS_WATCH_EVENT payload into path and token: both must be
 * NUL-terminated within len and the path non-empty. */
int xs_parse_watch_event(const char *payload, u32 len, const char **path, const char **token);

/* Count the entries of an XS_DIRECTORY reply (NUL-separated, the last
 * NUL-terminated); -EBADMSG if malformed. An empty reply has 0 entries. */
int xs_count_directory(const char *payload, u32 len);

/* Parse a transaction id reply (decimal, NUL-terminated); -EBADMSG if not
 * a number that fits u32 or zero. */
int xs_parse_tx_id(const char *payload, u32 len, u32 *tx_id);

#endif
