#!/usr/bin/python3
"""Write the seed corpus for fuzz_multiboot2 (see its header for the
format): a control byte (bit 0: the fuzzer sets total_size to the buffer's
length), then multiboot2 boot information as a loader lays it out: well
formed, and with the defects lib/multiboot2.c must reject.
Run from anywhere; writes into corpus/multiboot2/ next to this script."""
import random
import struct

from seedlib import write_corpus

END, CMDLINE, LOADER, MEMINFO, MMAP, ACPI_OLD, ACPI_NEW = 0, 1, 2, 4, 6, 14, 15
KEEP, FIX_TOTAL = b"\x00", b"\x01"


def tag(ttype, payload, size=None):
    """A tag whose header says size (default: header + payload), padded."""
    if size is None:
        size = 8 + len(payload)
    raw = struct.pack("<II", ttype, size & 0xFFFFFFFF) + payload
    return raw + bytes(-len(raw) % 8)


def string(ttype, s):
    return tag(ttype, s.encode() + b"\0")


def mmap(entries, esz=24, esz_field=None, size=None):
    body = struct.pack("<II", esz if esz_field is None else esz_field, 0)
    for base, length, etype in entries:
        e = struct.pack("<QQII", base, length, etype, 0)
        body += e + bytes(0xA5 for _ in range(esz - len(e)))
    return tag(MMAP, body, size)


def info(*tags, total=None, end=True):
    body = b"".join(tags) + (tag(END, b"") if end else b"")
    if total is None:
        total = 8 + len(body)
    return struct.pack("<II", total & 0xFFFFFFFF, 0) + body


E820 = [
    (0, 0x9FC00, 1),
    (0x9FC00, 0x400, 2),
    (0xF0000, 0x10000, 2),
    (0x100000, 0x7FEE0000 - 0x100000, 1),
    (0x7FEE0000, 0x20000, 3),
    (0x7FF00000, 0x100000, 4),
    (0xFEC00000, 0x1000, 2),
    (0x100000000, 0x80000000, 1),
]
RSDP1 = b"RSD PTR " + bytes([0x42]) + b"BOCHS " + bytes([0]) + struct.pack("<I", 0x7FFE14D5)
RSDP2 = RSDP1 + struct.pack("<IQ", 36, 0x7FFE1510) + bytes(4)
GRUB = [
    string(CMDLINE, "console=ttyS0 ktest=all"),
    string(LOADER, "GRUB 2.06-13+deb12u1"),
    tag(MEMINFO, struct.pack("<II", 639, 2096000)),
    mmap(E820),
    tag(ACPI_OLD, RSDP1),
    tag(ACPI_NEW, RSDP2),
]

rng = random.Random(1)
NOISE = bytes(rng.randrange(256) for _ in range(400))
good = info(*GRUB)

SEEDS = {
    "grub": KEEP + good,
    "grub-fix-total": FIX_TOTAL + good,
    "minimal": KEEP + info(),
    "no-cmdline-nul": KEEP + info(tag(CMDLINE, b"ktest=all")),
    "odd-sizes": KEEP + info(string(CMDLINE, "abcd"), string(LOADER, "l"), string(CMDLINE, "1234567")),
    "esz-28": KEEP + info(mmap(E820, esz=28)),
    "esz-32-many": KEEP + info(mmap(E820 * 8, esz=32)),
    "esz-huge": KEEP + info(string(CMDLINE, "x"), mmap(E820[:2], esz_field=0xFFFFFFF0)),
    "esz-ffffffff-empty": KEEP + info(mmap([], esz_field=0xFFFFFFFF)),
    "esz-16": KEEP + info(mmap(E820[:3], esz_field=16)),
    "esz-0": KEEP + info(mmap(E820[:1], esz_field=0)),
    "mmap-partial-entry": KEEP + info(mmap(E820[:3], size=16 + 24 * 2 + 5)),
    "mmap-no-esz": KEEP + info(tag(MMAP, b"\x18\0\0\0")),
    "tag-size-0": KEEP + info(string(CMDLINE, "a"), tag(LOADER, b"GRUB\0", size=0)),
    "tag-size-7": KEEP + info(tag(LOADER, b"GRUB\0", size=7)),
    "tag-past-end": KEEP + info(string(CMDLINE, "a"), tag(LOADER, b"GRUB\0", size=0x100)),
    "tag-size-wrap": KEEP + info(tag(LOADER, b"GRUB\0", size=0xFFFFFFF8)),
    "no-end": KEEP + info(*GRUB, end=False),
    "no-end-stray": KEEP + info(*GRUB, end=False) + bytes(4),
    "padding-past-total": KEEP + info(string(CMDLINE, "abc"), end=False, total=22)[:22],
    "total-small": KEEP + info(total=12),
    "total-large": KEEP + info(*GRUB, total=0x100000),
    "truncated": KEEP + good[: len(good) - 30],
    "truncated-fix": FIX_TOTAL + good[: len(good) - 30],
    "acpi-short": KEEP + info(tag(ACPI_NEW, RSDP1[:19])),
    "after-end": KEEP + info(string(CMDLINE, "a")) + tag(LOADER, b"", size=3),
    "noise": FIX_TOTAL + NOISE,
}


def main():
    write_corpus("multiboot2", SEEDS)


if __name__ == "__main__":
    main()
