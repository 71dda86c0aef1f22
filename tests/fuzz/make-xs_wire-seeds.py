#!/usr/bin/python3
"""Write the seed corpus for fuzz_xs_wire (see its header for the format):
our ring index and the peer's (4 bytes LE each), a ring-size byte
(1 << (b % 11)), a control byte for xs_build_request (bit 0 last_raw,
bits 1-2 the out_size choice, bits 3-7 a size), a 16-byte xsd_sockmsg
header (type, req_id, tx_id, len; LE) and the payload.
Run from anywhere; writes into corpus/xs_wire/ next to this script."""
import struct

from seedlib import write_corpus

(XS_CONTROL, XS_DIRECTORY, XS_READ, XS_GET_PERMS, XS_WATCH, XS_UNWATCH,
 XS_TRANSACTION_START, XS_TRANSACTION_END, XS_INTRODUCE, XS_RELEASE,
 XS_GET_DOMAIN_PATH, XS_WRITE, XS_MKDIR, XS_RM, XS_SET_PERMS, XS_WATCH_EVENT,
 XS_ERROR) = range(17)
XS_INVALID = 0xFFFF
RING = 10  # 1 << 10 = XENSTORE_RING_SIZE

# Control byte: out_size choice in bits 1-2.
BIG, EXACT, SHORT, SMALL = 0, 2, 4, 6
RAW = 1


def seed(payload, typ=XS_READ, length=None, ours=0, peer=None, size=RING, ctl=BIG,
         req_id=1, tx_id=0):
    if length is None:
        length = len(payload)
    if peer is None:
        peer = ours + 16 + len(payload)
    return (struct.pack("<IIBB", ours & 0xFFFFFFFF, peer & 0xFFFFFFFF, size, ctl)
            + struct.pack("<IIII", typ, req_id, tx_id, length & 0xFFFFFFFF) + payload)


BIG_DIR = b"".join(b"%d\0" % i for i in range(900))[:4096]
BIG_DIR = BIG_DIR[:BIG_DIR.rindex(b"\0") + 1]

SEEDS = {
    "watch-event": seed(b"/local/domain/0/backend/vif\0vif-watch-1\0", XS_WATCH_EVENT),
    "watch-empty-token": seed(b"device\0\0", XS_WATCH_EVENT),
    "watch-unterminated": seed(b"device\0token", XS_WATCH_EVENT),
    "directory": seed(b"backend\0device\0control\0memory\0", XS_DIRECTORY),
    "directory-empty": seed(b"", XS_DIRECTORY),
    "directory-empty-name": seed(b"a\0\0b\0", XS_DIRECTORY),
    "directory-big": seed(BIG_DIR, XS_DIRECTORY, ctl=EXACT),
    "error-enoent": seed(b"ENOENT\0", XS_ERROR),
    "error-no-nul": seed(b"EACCES", XS_ERROR),
    "error-eisconn": seed(b"EISCONN\0", XS_ERROR),
    "error-enotempty": seed(b"ENOTEMPTY\0junk", XS_ERROR),
    "error-unknown": seed(b"EWHATEVER\0", XS_ERROR),
    "tx-start": seed(b"42\0", XS_TRANSACTION_START),
    "tx-max": seed(b"4294967295\0", XS_TRANSACTION_START),
    "tx-overflow": seed(b"4294967296\0", XS_TRANSACTION_START),
    "tx-zero": seed(b"0\0", XS_TRANSACTION_START),
    "tx-hex": seed(b"0x10\0", XS_TRANSACTION_START),
    "tx-octal": seed(b"010\0", XS_TRANSACTION_START),
    "tx-leading-zeros": seed(b"000000000000042\0", XS_TRANSACTION_START),
    "read-value": seed(b"4", XS_READ, tx_id=42),
    "write-request": seed(b"device/vbd/768/state\x004", XS_WRITE, ctl=RAW | EXACT),
    "write-short-buffer": seed(b"device/vbd/768/state\x004", XS_WRITE, ctl=SHORT),
    "small-out": seed(b"name\0token\0", XS_WATCH, ctl=SMALL | (3 << 3)),
    # Ring indices around the u32 wrap, exactly full, and impossible ones.
    "ring-wrap": seed(b"OK\0", XS_WATCH, ours=0xFFFFFFF0, peer=0x10),
    "ring-full": seed(b"OK\0", XS_WATCH, ours=0xFFFFFE00, peer=0x200),
    "ring-overfull": seed(b"OK\0", XS_WATCH, ours=0, peer=0x401),
    "ring-behind": seed(b"OK\0", XS_WATCH, ours=100, peer=99),
    "ring-small": seed(b"abc\0", XS_READ, ours=0xFFFFFFFE, peer=3, size=2),
    # Headers that must be rejected.
    "len-too-big": seed(b"x" * 64, XS_READ, length=4097),
    "len-huge": seed(b"x" * 8, XS_READ, length=0xFFFFFFFF),
    "type-invalid": seed(b"ENOENT\0", XS_INVALID),
    "type-unused": seed(b"/local/domain/1\0", XS_GET_DOMAIN_PATH),
    "len-short": seed(b"ENOENT\0", XS_ERROR, length=100),
    # Requests at the payload limit (the value raw) and one byte over it
    # (the same bytes sent with a NUL).
    "payload-max": seed(b"v" * 4096, XS_WRITE, ctl=RAW),
    "payload-over": seed(b"v" * 4096, XS_WRITE),
    "payload-max-parts": seed(b"v" * 4094 + b"\0w", XS_WRITE, ctl=RAW | EXACT),
}


def main():
    write_corpus("xs_wire", SEEDS)


if __name__ == "__main__":
    main()
