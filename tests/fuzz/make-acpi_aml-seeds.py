#!/usr/bin/python3
"""Write the seed corpus for fuzz_acpi_aml: AML bodies (what follows a
DSDT/SSDT's 36-byte header) holding \\_S5_ packages in the encodings
acpi_find_s5() accepts, some broken ones, and deterministic noise.
Run from anywhere; writes into corpus/acpi_aml/ next to this script."""
import random

from seedlib import write_corpus

NAME, ROOT, PKG, SCOPE, METHOD = 0x08, 0x5C, 0x12, 0x10, 0x14
ZERO, ONE, ONES, BYTE, WORD, DWORD, QWORD = 0x00, 0x01, 0xFF, 0x0A, 0x0B, 0x0C, 0x0E


def pkglen(n, nbytes=None, reserved=0):
    """PkgLength for a package whose body (after the PkgLength) is n bytes;
    reserved goes into bits 4-5 of a multi-byte lead byte."""
    if nbytes is None:
        nbytes = 1 if n + 1 <= 0x3F else 2 if n + 2 <= 0xFFF else 3 if n + 3 <= 0xFFFFF else 4
    total = n + nbytes
    if nbytes == 1:
        return bytes([total])
    out = [((nbytes - 1) << 6) | reserved | (total & 0x0F)]
    for i in range(nbytes - 1):
        out.append((total >> (4 + 8 * i)) & 0xFF)
    return bytes(out)


def package(elements, count=None, nbytes=None, pad=b"", reserved=0):
    body = bytes([len(elements) if count is None else count]) + b"".join(elements) + pad
    return bytes([PKG]) + pkglen(len(body), nbytes, reserved) + body


def s5(pkg, root=False):
    return bytes([NAME]) + (bytes([ROOT]) if root else b"") + b"_S5_" + pkg


def b(v):
    return bytes([BYTE, v])


def w(v):
    return bytes([WORD]) + v.to_bytes(2, "little")


def d(v):
    return bytes([DWORD]) + v.to_bytes(4, "little")


def q(v):
    return bytes([QWORD]) + v.to_bytes(8, "little")


def scope(body):
    return bytes([SCOPE]) + pkglen(len(body) + 1) + bytes([ROOT]) + body


# Name(_S4_, ...) and a Method(_PTS) to surround the interesting part.
S4 = bytes([NAME]) + b"_S4_" + package([b(6), b(6), bytes([ZERO]), bytes([ZERO])])
PTS = bytes([METHOD, 0x08]) + b"_PTS" + bytes([0x01, 0xA3, 0xA3])

rng = random.Random(1)
NOISE = bytes(rng.randrange(256) for _ in range(300))

SEEDS = {
    # What iasl emits for Name (\_S5, Package () {5, 5, 0, 0}).
    "iasl-byteprefix": s5(package([b(5), b(5), bytes([ZERO]), bytes([ZERO])]), root=True),
    "zero-one": s5(package([bytes([ZERO]), bytes([ONE])])),
    "word-dword-qword": s5(package([w(7), d(3), q(0)])) + s5(package([d(2), q(1)])),
    "single-combined": s5(package([w(0x0705)])),
    # Only bits 0-15 of the combined form count.
    "single-combined-dword": s5(package([d(0xAB010705)])),
    "qword-first": s5(package([q(2), b(3)])),
    "qword-high-bits": s5(package([q(0x100000005), b(3)])),
    "pkglen-2": s5(package([b(5), b(4)], nbytes=2)),
    "pkglen-3": s5(package([b(1), b(2)], nbytes=3, pad=bytes(40))),
    "pkglen-4": s5(package([b(3), b(3)], nbytes=4)),
    "pkglen-reserved-bits": s5(package([b(4), b(2)], nbytes=2, reserved=0x30)),
    "dsdt-context": scope(S4 + s5(package([b(5), bytes([ZERO]), bytes([ZERO]), bytes([ZERO])])) + PTS),
    "false-match-first": bytes([NAME]) + b"_S5_" + b(5) + s5(package([b(3), b(3)]), root=True),
    "method-s5": bytes([METHOD, 0x0A]) + b"_S5_" + bytes([0x00, 0xA4]) + package([b(1), b(1)]),
    "ones-out-of-range": s5(package([bytes([ONES]), bytes([ZERO])])),
    "value-8": s5(package([b(8), b(0)])),
    "zero-elements": s5(package([], count=0)),
    "truncated": s5(package([b(5), b(5), bytes([ZERO]), bytes([ZERO])]))[:-3],
    "pkglen-past-end": s5(bytes([PKG, 0x3F, 0x02, ZERO, ZERO])),
    "name-element": s5(package([b"ABCD", bytes([ZERO])])),
    "noise": NOISE,
    "noise-with-s5": NOISE[:150] + s5(package([b(7), b(7)])) + NOISE[150:],
}


def main():
    write_corpus("acpi_aml", SEEDS)


if __name__ == "__main__":
    main()
