#!/usr/bin/python3
"""Write the seed corpus for fuzz_acpi_madt (see its header for the
format): a control byte (bit 0: the fuzzer fixes signature and length,
bit 1: check the checksum, bits 2-7: the caller's maximum), then a MADT:
QEMU-like and firmware-like ones, and the defects lib/acpi_madt.c must
reject. Run from anywhere; writes into corpus/acpi_madt/ next to this
script."""
import random
import struct

from seedlib import write_corpus

LAPIC, IOAPIC, ISO, NMI, OVERRIDE, X2APIC, X2NMI = 0, 1, 2, 4, 5, 9, 10
ENABLED, ONLINE_CAPABLE = 1, 2


def ctl(fix=False, checksum=True, max_cpus=16):
    return bytes([(1 if fix else 0) | (2 if checksum else 0) | (max_cpus << 2)])


def lapic(uid, apic, flags=ENABLED, length=8):
    e = struct.pack("<BBBBI", LAPIC, length, uid, apic, flags)
    return (e + bytes(max(0, length - 8)))[:length]


def x2apic(uid, apic, flags=ENABLED, length=16):
    e = struct.pack("<BBHIII", X2APIC, length, 0, apic, flags, uid)
    return (e + bytes(max(0, length - 16)))[:length]


def override(pa, length=12):
    return struct.pack("<BBHQ", OVERRIDE, length, 0, pa)[:length]


def ioapic(ident=0, pa=0xFEC00000):
    return struct.pack("<BBBBII", IOAPIC, 12, ident, 0, pa, 0)


def iso(src, gsi, flags=0):
    return struct.pack("<BBBBIH", ISO, 10, 0, src, gsi, flags)


def nmi():
    return struct.pack("<BBBHB", NMI, 6, 0xFF, 5, 1)


def madt(*entries, lapic_pa=0xFEE00000, length=None, sig=b"APIC", fix_sum=True):
    body = b"".join(entries)
    total = 44 + len(body) if length is None else length
    hdr = sig + struct.pack("<IBB6s8sI4sI", total & 0xFFFFFFFF, 5, 0, b"XENLTH", b"SEEDMADT", 1,
                            b"XLTH", 1)
    t = bytearray(hdr + struct.pack("<II", lapic_pa, 1) + body)
    if fix_sum:
        t[9] = (-sum(t[: min(total, len(t))])) & 0xFF
    return bytes(t)


QEMU4 = madt(*(lapic(i, i) for i in range(4)), ioapic(), iso(0, 2), iso(5, 5, 0xD), iso(9, 9, 0xD),
             iso(10, 10, 0xD), iso(11, 11, 0xD), nmi())
rng = random.Random(1)
NOISE = bytes(rng.randrange(256) for _ in range(300))

SEEDS = {
    "qemu-4cpu": ctl() + QEMU4,
    "qemu-4cpu-max2": ctl(max_cpus=2) + QEMU4,
    "qemu-4cpu-max0": ctl(max_cpus=0) + QEMU4,
    "x2apic-mixed": ctl() + madt(lapic(0, 0), lapic(1, 2, 0), lapic(2, 4, ONLINE_CAPABLE),
                                 x2apic(300, 0x100), x2apic(301, 0x101, 0),
                                 x2apic(302, 0xFFFFFFFE, ONLINE_CAPABLE), ioapic()),
    "override": ctl() + madt(override(0x1FEE00000), lapic(0, 0), lapic(1, 1)),
    "long-entries": ctl() + madt(lapic(7, 9, length=12), x2apic(5, 0x1234, length=20)),
    "many-cpus": ctl(max_cpus=63) + madt(*(lapic(i, i) for i in range(100))),
    "many-x2apic": ctl(max_cpus=8) + madt(*(x2apic(i, 0x1000 + i, i % 3) for i in range(40))),
    "empty": ctl() + madt(),
    "bad-checksum": ctl() + madt(lapic(0, 0), fix_sum=False),
    "bad-signature": ctl() + madt(lapic(0, 0), sig=b"FACP"),
    "length-short": ctl(checksum=False) + madt(lapic(0, 0), length=40),
    "length-long": ctl(checksum=False) + madt(lapic(0, 0), length=0x1000),
    "length-cuts-entry": ctl(checksum=False) + madt(lapic(0, 0), lapic(1, 1), length=56),
    "entry-len-0": ctl() + madt(lapic(0, 0), bytes([IOAPIC, 0]), lapic(1, 1)),
    "entry-len-1": ctl() + madt(lapic(0, 0), bytes([IOAPIC, 1]), lapic(1, 1)),
    "entry-past-end": ctl() + madt(lapic(0, 0), bytes([IOAPIC, 200]) + bytes(10)),
    "stray-byte": ctl() + madt(lapic(0, 0), bytes([LAPIC])),
    "lapic-short": ctl() + madt(lapic(0, 0), lapic(1, 1, length=7), lapic(2, 2)),
    "x2apic-short": ctl() + madt(lapic(0, 0), x2apic(1, 1, length=15)),
    "override-short": ctl() + madt(override(0xFED00000, length=11), lapic(0, 0)),
    "noise-fixed": ctl(fix=True, checksum=False) + NOISE,
    "noise": ctl(checksum=False) + NOISE,
}


def main():
    write_corpus("acpi_madt", SEEDS)


if __name__ == "__main__":
    main()
