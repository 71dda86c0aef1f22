#!/usr/bin/python3
"""Write the seed corpus for fuzz_netfront (see its header for the format):
a 17-byte prefix (GSO advertised, first RX index, TX extras awaiting NULL,
TX ids in flight, a split probe, a MAC probe length, the RX slot count),
then 8-byte RX slots, 4-byte TX responses and the MAC probe string. Run
from anywhere; writes into corpus/netfront/."""
import struct

from seedlib import write_corpus

MORE_DATA, EXTRA_INFO, CSUM_BLANK, VALIDATED = 4, 8, 2, 1
GSO, HASH, FLAG_MORE, TCPV4 = 1, 4, 1, 1


def prefix(nrx, gso=1, first=0, nulls=0, pending=0xFFFFFFFF, addr=0x1FF0, length=1514, pieces=18,
           mac=b""):
    return struct.pack("<BBBBIIHBBB", gso, first & 0xFF, (first >> 8) & 1, nulls, pending, addr,
                       length, pieces, len(mac), nrx)


def data(idx, off, status, flags=0):
    return struct.pack("<HHHh", idx & 255, off, flags, status)


def extra(typ, flags=0, size=0, gtype=TCPV4):
    return struct.pack("<BBHBBH", typ, flags, size, gtype, 0, 0)


def tx(i, status=0):
    return struct.pack("<Hh", i, status)


def seed(rx_slots, tx_rsps=b"", mac=b"", **kw):
    return prefix(len(rx_slots), mac=mac, **kw) + b"".join(rx_slots) + tx_rsps + mac


SEEDS = {
    "linux-netback-arp": seed([data(0, 0, 42, VALIDATED), data(1, 0, 60)],
                              tx(0) + tx(1) + tx(2), mac=b"00:16:3e:0b:3f:18"),
    "multi-slot": seed([data(5, 0, 4096, MORE_DATA), data(6, 0, 4096, MORE_DATA), data(7, 0, 100)],
                       first=5),
    "gso": seed([data(9, 0, 4096, EXTRA_INFO | MORE_DATA | CSUM_BLANK | VALIDATED),
                 extra(GSO, 0, 1448), data(11, 0, 2000)], first=9, tx_rsps=tx(3, 1) + tx(3),
                nulls=1),
    "extra-chain": seed([data(20, 0, 1000, EXTRA_INFO), extra(GSO, FLAG_MORE, 536),
                         extra(HASH)], first=20),
    "past-page": seed([data(0, 4000, 97)]),
    "bad-id": seed([data(3, 0, 60)], first=2),
    "too-many-slots": seed([data(i, 0, 1, MORE_DATA) for i in range(20)]),
    "endless-extras": seed([data(30, 0, 1, EXTRA_INFO)] + [extra(1 + i % 4, FLAG_MORE, 100)
                                                            for i in range(6)], first=30),
    "error-slot": seed([data(250, 0, -1, MORE_DATA), data(251, 0, 10)], first=250),
    "wrap": seed([data(255, 0, 4096, MORE_DATA), data(0, 0, 10)], first=255),
    "tx-model": seed([], tx(0) + tx(0) + tx(300) + tx(7, -2) + tx(8, -1) + tx(9, 5) + tx(1, 1),
                     pending=0x3FF),
    "split-max": seed([], addr=0xFFF, length=0xFFFF, pieces=17),
    "mac-bad": seed([], mac=b"01:16:3e:0b:3f:18"),
}

write_corpus("netfront", SEEDS)
