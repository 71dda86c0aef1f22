#!/usr/bin/python3
"""Write the seed corpus for fuzz_blkfront (see its header for the format):
a 24-byte prefix (backend offer, CPUs, persistent wish, shadow size, slots
in use, a segment probe), then 16-byte blkif responses. Run from anywhere;
writes into corpus/blkfront/."""
import struct

from seedlib import write_corpus

INDIRECT = 6


def prefix(order=4, queues=4, indirect=256, persistent=1, cpus=4, want=1, shift=5,
           used=0xFFFFFFFF, off=0, length=4096):
    return struct.pack("<IIIBBBBIHH", order, queues, indirect, persistent, cpus - 1, want,
                       shift, used, off, length)


def rsp(slot, gen, op, status=0):
    return struct.pack("<QBxhxxxx", gen << 32 | slot, op, status)


def gen_of(slot):
    return slot * 7 + 1


def good(slot, status=0):
    op = INDIRECT if slot % 4 == 3 else slot % 3
    return rsp(slot, gen_of(slot), op, status)


SEEDS = {
    "linux-blkback": prefix() + good(0) + good(1) + good(2) + good(3),
    "no-features": prefix(order=0, queues=1, indirect=0, persistent=0, cpus=1),
    "indirect-11": prefix(indirect=11) + good(5, -1),
    "duplicate-id": prefix() + good(2) + good(2),
    "unknown-id": prefix() + rsp(31, 9999, 0) + rsp(40, gen_of(40), 0),
    "wrong-op": prefix() + rsp(1, gen_of(1), 5),
    "odd-status": prefix() + good(0, 77) + good(1, -2),
    "big-table": prefix(shift=9) + good(511) + good(300),
    "segment-misaligned": prefix(off=100, length=512),
    "segment-crosses": prefix(off=3584, length=1024),
}

if __name__ == "__main__":
    write_corpus("blkfront", SEEDS)
