#!/usr/bin/python3
"""Write the seed corpus for fuzz_partition (see its header for the format):
a 10-byte prefix (control byte: bit 0 4096-byte blocks, bits 1-2 the disk
size choice, bits 3-7 the caller's maximum; the read to fail; a u64 disk
size, LE) and a disk image from LBA 0. Images: MBRs with primaries and an
extended chain, GPTs (512 and 4096) with a few entries, and corrupted
variants of each. Run from anywhere; writes into corpus/partition/."""
import struct
import zlib

from seedlib import write_corpus

ROUND_UP, ROUND_DOWN, EXPLICIT, PLUS = 0, 2, 4, 6
MAX16 = 16 << 3


def prefix(size_mode=ROUND_UP, lbs=512, maximum=MAX16, fail=0, disk=0):
    ctl = (1 if lbs == 4096 else 0) | size_mode | maximum
    return struct.pack("<BBQ", ctl, fail, disk)


class Image:
    def __init__(self, blocks, lbs=512):
        self.lbs = lbs
        self.b = bytearray(blocks * lbs)

    def put(self, lba, off, data):
        pos = lba * self.lbs + off
        self.b[pos:pos + len(data)] = data

    def mbr(self, lba, slot, typ, start, nr, status=0):
        self.put(lba, 446 + 16 * slot, struct.pack("<B3xB3xII", status, typ, start, nr))
        self.put(lba, 510, b"\x55\xaa")


def guid(tag):
    return bytes((tag + k) & 0xFF for k in range(16))


def gpt_copy(img, hdr_lba, alt_lba, array_lba, first, last, nents, esize, entries,
             hsize=92):
    arr = bytearray(nents * esize)
    for slot, tag, a, b in entries:
        e = guid(tag) + bytes(range(0xA0, 0xB0)) + struct.pack("<QQQ", a, b, 0)
        e += "part{}".format(slot).encode("utf-16-le")
        arr[slot * esize:slot * esize + len(e)] = e
    img.put(array_lba, 0, bytes(arr))
    hdr = bytearray(b"EFI PART" + struct.pack("<IIII", 0x10000, hsize, 0, 0)
                    + struct.pack("<QQQQ", hdr_lba, alt_lba, first, last)
                    + guid(0x10)
                    + struct.pack("<QIII", array_lba, nents, esize, zlib.crc32(bytes(arr))))
    hdr += bytes(hsize - len(hdr))
    struct.pack_into("<I", hdr, 16, zlib.crc32(bytes(hdr)))
    img.put(hdr_lba, 0, bytes(hdr))


def gpt(blocks, lbs=512, nents=4, esize=128, entries=None, hybrid=False):
    img = Image(blocks, lbs)
    arr_blocks = -(-nents * esize // lbs)
    last_lba = blocks - 1
    first, last = 2 + arr_blocks, last_lba - 1 - arr_blocks
    if entries is None:
        entries = [(0, 0x28, first, first + 3), (1, 0xAF, first + 4, first + 4),
                   (3, 0x0F, first + 6, last)]
    img.mbr(0, 0, 0xEE, 1, last_lba)
    if hybrid:
        img.mbr(0, 1, 0x83, first, 4, status=0x80)
    gpt_copy(img, 1, last_lba, 2, first, last, nents, esize, entries)
    gpt_copy(img, last_lba, 1, last_lba - arr_blocks, first, last, nents, esize, entries)
    return img


def mbr_primaries():
    img = Image(1)
    img.mbr(0, 0, 0x83, 63, 1000, status=0x80)
    img.mbr(0, 1, 0x07, 1063, 500)
    img.mbr(0, 2, 0x82, 1563, 100)
    img.mbr(0, 3, 0x0C, 1700, 348)
    return img


def mbr_chain(loop=False, outside=False, nosig=False):
    img = Image(16)
    img.mbr(0, 0, 0x83, 1, 3)
    img.mbr(0, 1, 0x0F, 4, 12)                 # container 4..15
    img.mbr(4, 0, 0x83, 1, 3)                  # 5..7
    img.mbr(4, 1, 0x05, 4, 4)                  # next EBR at 8
    img.mbr(8, 0, 0x07, 1, 2)                  # 9..10
    img.mbr(8, 1, 0x05, 8 if not outside else 40, 4)
    img.mbr(12, 0, 0x82, 2, 2)                 # 14..15
    if loop:
        img.mbr(12, 1, 0x05, 4, 4)             # back to the EBR at 8
    if nosig:
        img.put(8, 510, b"\0\0")
    return img


def corrupt(img, lba, off, xor=1):
    pos = lba * img.lbs + off
    img.b[pos] ^= xor
    return img


def seeds():
    s = {}
    s["mbr-primaries"] = prefix(EXPLICIT, disk=2048) + bytes(mbr_primaries().b)
    s["mbr-primaries-small-max"] = prefix(EXPLICIT, disk=2048, maximum=2 << 3) + \
        bytes(mbr_primaries().b)
    s["mbr-truncated-disk"] = prefix(EXPLICIT, disk=1600) + bytes(mbr_primaries().b)
    s["mbr-chain"] = prefix() + bytes(mbr_chain().b)
    s["mbr-chain-loop"] = prefix() + bytes(mbr_chain(loop=True).b)
    s["mbr-chain-outside"] = prefix() + bytes(mbr_chain(outside=True).b)
    s["mbr-chain-nosig"] = prefix() + bytes(mbr_chain(nosig=True).b)
    s["mbr-chain-read-error"] = prefix(fail=3) + bytes(mbr_chain().b)
    s["mbr-chain-short-disk"] = prefix(ROUND_DOWN) + bytes(mbr_chain().b[:12 * 512 + 100])
    bad = mbr_primaries()
    bad.b[446] = 0x01                          # not a status byte
    s["mbr-bad-status"] = prefix(EXPLICIT, disk=2048) + bytes(bad.b)
    over = mbr_primaries()
    over.mbr(0, 2, 0x83, 1000, 200)            # overlaps the first
    s["mbr-overlap"] = prefix(EXPLICIT, disk=2048) + bytes(over.b)
    clash = mbr_chain()
    clash.mbr(0, 0, 0x83, 1, 5)                # overlaps the container
    s["mbr-container-overlap-max0"] = prefix(maximum=0) + bytes(clash.b)

    s["gpt"] = prefix() + bytes(gpt(16).b)
    s["gpt-hybrid"] = prefix() + bytes(gpt(16, hybrid=True).b)
    s["gpt-4k"] = prefix(lbs=4096) + bytes(gpt(8, lbs=4096, entries=[
        (0, 0x28, 3, 3), (1, 0xAF, 4, 4), (2, 0x0F, 5, 5)]).b)
    s["gpt-136"] = prefix() + bytes(gpt(20, nents=8, esize=136).b)
    s["gpt-bad-header-crc"] = prefix() + bytes(corrupt(gpt(16), 1, 40).b)
    s["gpt-bad-array-crc"] = prefix() + bytes(corrupt(gpt(16), 2, 33).b)
    s["gpt-both-bad"] = prefix() + bytes(corrupt(corrupt(gpt(16), 1, 16), 15, 16).b)
    s["gpt-read-error-backup"] = prefix(fail=3) + bytes(corrupt(gpt(16), 1, 16).b)
    s["gpt-grown-disk"] = prefix(PLUS, disk=40) + bytes(gpt(16).b)
    s["gpt-entries-bad"] = prefix() + bytes(gpt(16, entries=[
        (0, 0x01, 2, 5), (1, 0x02, 9, 8), (2, 0x03, 4, 6), (3, 0x04, 5, 7)]).b)
    s["gpt-max-1"] = prefix(maximum=1 << 3) + bytes(gpt(16).b)
    return s


def main():
    write_corpus("partition", seeds())


if __name__ == "__main__":
    main()
