#!/usr/bin/python3
"""Write the seed corpus for fuzz_vbd_name (see its header for the format):
vdev (u32 LE), the buffer size byte, then rsp_prod, rsp_cons, req_prod_pvt
(u32 LE each) and the ring-size bytes (1 << (b % 32), or the raw u32 when
the second byte is odd). Run from anywhere; writes into corpus/vbd_name/."""
import struct

from seedlib import write_corpus


def seed(vdev, size=16, prod=0, cons=0, req=0, shift=5, raw=None):
    tail = struct.pack("<I", raw) if raw is not None else bytes((shift, 0, 0, 0))
    return struct.pack("<IBIII", vdev & 0xFFFFFFFF, size, prod & 0xFFFFFFFF,
                       cons & 0xFFFFFFFF, req & 0xFFFFFFFF) + tail


def ext(disk, part):
    return 1 << 28 | disk << 8 | part


SEEDS = {
    "xvda": seed(51712),
    "xvdb": seed(51728),
    "xvda1": seed(51713),
    "xvdp15": seed(202 << 8 | 0xFF),
    "hda": seed(768),
    "hdb63": seed(3 << 8 | 127),
    "hdc": seed(5632),
    "hd-minor-128": seed(3 << 8 | 128),
    "sda": seed(2048),
    "sdb": seed(2064),
    "ext-aa": seed(ext(26, 0)),
    "ext-max": seed(ext(0xFFFFF, 255)),
    "ext-reserved": seed(2 << 28),
    "bits-16-27": seed(1 << 16 | 202 << 8),
    "major-unknown": seed(201 << 8),
    "zero": seed(0),
    "size-exact": seed(51713, size=6),
    "size-short": seed(51713, size=5),
    "size-zero": seed(51713, size=0),
    "ring-wrap": seed(51712, prod=1, cons=0xFFFFFFFE, req=2),
    "ring-too-many": seed(51712, prod=3, cons=0xFFFFFFFE, req=2),
    "ring-full": seed(51712, prod=32, cons=0, req=32),
    "ring-overfull": seed(51712, prod=0, cons=0, req=33),
    "ring-behind": seed(51712, prod=0xFFFFFFFF, cons=0, req=4),
    "ring-size-bad": seed(51712, raw=33),
    "ring-size-2g": seed(51712, shift=31),
}


def main():
    write_corpus("vbd_name", SEEDS)


if __name__ == "__main__":
    main()
