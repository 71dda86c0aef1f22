#!/usr/bin/python3
"""Write the seed corpus for fuzz_memmap (see its header for the format):
one 17-byte record per region, base and size little-endian, then a control
byte (type in bits 0-2, bit 6 dense mode, bit 7 memmap_reserve).
Run from anywhere; writes into corpus/memmap/ next to this script."""
import struct

from seedlib import write_corpus

RAM, RES, ACPI, NVS, BAD = 1, 2, 3, 4, 5
DENSE, RESERVE = 0x40, 0x80


def rec(base, size, ctl):
    return struct.pack("<QQB", base & (2**64 - 1), size & (2**64 - 1), ctl)


SEEDS = {
    # A PC's e820 map, unsorted, plus reserving the kernel image.
    "e820-pc": [
        (0x100000, 0x7fee0000 - 0x100000, RAM),
        (0, 0x9fc00, RAM),
        (0x9fc00, 0x400, RES),
        (0xf0000, 0x10000, RES),
        (0x7fee0000, 0x10000, ACPI),
        (0x7fef0000, 0x10000, NVS),
        (0xfec00000, 0x1000, RES),
        (0xfee00000, 0x1000, RES),
        (0xfffc0000, 0x40000, RES),
        (0x100000000, 0x80000000, RAM),
        (0x100000, 0x200000, RESERVE),
    ],
    # Overlaps of every type pair, unaligned RAM, adjacent runs.
    "overlaps": [
        (0x0, 0x10000, RAM),
        (0x1800, 0x1000, RES),
        (0x4000, 0x3000, NVS),
        (0x5000, 0x4000, ACPI),
        (0x6000, 0x800, BAD),
        (0x8100, 0x2f00, RAM),
        (0xb000, 0x1000, RAM),
        (0xc000, 0x1000, RAM),
        (0x3000, 0x2000, RES | DENSE),
    ],
    # Invalid entries: zero size, wrapping, ending at 2^64, bad types.
    "invalid": [
        (0x1000, 0, RAM),
        (2**64 - 0x1000, 0x2000, RAM),
        (2**64 - 0x1000, 0x1000, RES),
        (0x1000, 0x1000, 0),
        (0x1000, 0x1000, 6),
        (0x1000, 0x1000, 7),
        (2**64 - 0x3000, 0x2000, RAM),
        (0x0, 2**64 - 1, RES),
        (0x2000, 0x0, RESERVE),
    ],
    # RAM at the very top of the address space, aligned and not.
    "top": [
        (2**64 - 0x1000 + 1, 0xffe, RAM),
        (2**64 - 0x3000, 0x2000, RAM),
        (2**64 - 0x2800, 0x100, RES),
        (2**64 - 0x10000, 0x8001, RAM),
    ],
    # More than MEMMAP_MAX entries, and a split into many pieces.
    "overflow": [(i * 0x2000, 0x1000, RAM) for i in range(130)],
    "many-holes": [(0, 1 << 30, RAM)]
    + [(i * 0x200000, 0x1000, RESERVE) for i in range(1, 140)],
}


def main():
    write_corpus("memmap", {name: b"".join(rec(base, size, ctl) for base, size, ctl in regs)
                            for name, regs in SEEDS.items()})


if __name__ == "__main__":
    main()
