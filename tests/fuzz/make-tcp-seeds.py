#!/usr/bin/env python3
"""Seed corpus for fuzz_tcp (tests/fuzz/fuzz_tcp.c): scripts of segments
against the fuzzer's established connection (relative sequence numbers,
rewritten ports), plus a few bare headers with options for the parser."""

import struct

from seedlib import write_corpus

ACK, SYN, FIN, RST, PSH = 0x10, 0x02, 0x01, 0x04, 0x08


def opts(mss=None, ws=None, ts=None, sack=()):
    b = b""
    if mss is not None:
        b += struct.pack(">BBH", 2, 4, mss)
    if ts is not None:
        b += b"\x01\x01" + struct.pack(">BBII", 8, 10, ts[0], ts[1])
    if ws is not None:
        b += b"\x01" + struct.pack(">BBB", 3, 3, ws)
    if sack:
        b += b"\x01\x01" + struct.pack(">BB", 5, 2 + 8 * len(sack))
        b += b"".join(struct.pack(">II", s, e) for s, e in sack)
    return b


def hdr(sport, dport, seq, ack, flags, win=8000, o=b"", data=b""):
    o += b"\x00" * (-len(o) % 4)
    off = (20 + len(o)) // 4
    return struct.pack(">HHIIBBHHH", sport, dport, seq & 0xffffffff, ack & 0xffffffff,
                       off << 4, flags, win, 0, 0) + o + data


def rec(ctl, seg):
    return struct.pack("<BH", ctl, len(seg)) + seg


def conn(seq, ack, flags, data=b"", win=8000, ts=True, act=0):
    o = opts(ts=(1000, 0)) if ts else b""
    return rec(0x07 | act << 4, hdr(0, 0, seq, ack, flags, win, o, data))


seeds = {
    "parse-syn-opts": hdr(1234, 7, 1, 0, SYN, 65535, opts(1460, 7, (5, 0))),
    "parse-bad-optlen": hdr(1234, 7, 1, 0, SYN, 100, b"\x02\x09\x05\xb4"),
    "data-in-order": conn(0, 0, ACK | PSH, b"hello") + conn(5, 0, ACK, b"world", act=11),
    "ooo-then-fill": conn(10, 0, ACK, b"B" * 10) + conn(20, 0, ACK, b"C" * 10)
    + conn(0, 0, ACK, b"A" * 10, act=11),
    "peer-fin-close": conn(0, 0, ACK | FIN, b"bye") + rec(13 << 4, b"") + conn(1, 1, ACK),
    "rst-exact": conn(0, 0, RST, ts=False),
    "rst-challenge": conn(100, 0, RST, ts=False) + conn(0, 0, SYN),
    "send-dupacks-rto": rec(10 << 4, b"") + conn(0, 1000, ACK) + conn(0, 1000, ACK)
    + conn(0, 1000, ACK) + conn(0, 1000, ACK, act=9) + rec(15 << 4, b""),
    # The application sends 9000 bytes; the peer reports holes at 0 and
    # 3000 with SACK blocks relative to SND.UNA (ctl bit 3), then ACKs.
    "sack-holes": rec(10 << 4, b"") + rec(10 << 4, b"") + rec(10 << 4, b"")
    + b"".join(rec(0x0f, hdr(0, 0, 0, 0, ACK, 8000, opts(ts=(1000, 0), sack=sk)))
               for sk in (((1000, 3000),), ((1000, 3000), (4000, 6000)),
                          ((6000, 8000), (1000, 3000)), ((8000, 9000),)))
    + conn(0, 3000, ACK) + conn(0, 9000, ACK),
    "zero-window": conn(0, 0, ACK, win=0) + rec(10 << 4, b"") + rec(9 << 4, b"")
    + conn(0, 0, ACK, win=0, act=9) + conn(0, 0, ACK, win=4000),
    "our-close": rec(12 << 4, b"") + conn(0, 1, ACK) + conn(0, 1, ACK | FIN, act=15),
    "listener-syn": rec(0, hdr(3333, 7, 77, 0, SYN, 5000, opts(1400, 3, (9, 0))))
    + rec(14 << 4, b""),
    "syn-flood": b"".join(rec(0, hdr(4000 + i, 7, i * 999, 0, SYN, 5000, opts(1400)))
                          for i in range(8)),
}

write_corpus("tcp", seeds)
