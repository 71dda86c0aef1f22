#!/usr/bin/python3
"""Self test of scripts/check-elf.py against synthetic images.

Builds small ELF64 files (by hand, below) that are right or wrong in one
way each, runs the checker on them and checks that it passes or fails, and
fails for the stated reason. When gcc and ld are present, one image is also
assembled and linked from source, so the reader sees real toolchain output.

    test_check_elf.py --checker scripts/check-elf.py --outdir DIR

Prints one line per case and "N passed, N failed"; exits 1 on failure.
"""
import argparse
import os
import shutil
import struct
import subprocess
import sys

VB = 0xffffffff80000000
PHYS = 0x100000            # physical load address of the text segment
TEXT_OFF = 0x1000          # its file offset
TEXT_SIZE = 0x8000
DATA_OFF = TEXT_OFF + TEXT_SIZE
DATA_SIZE = 0x1000
NOTE_OFF = TEXT_OFF + 0x5000
MB2_MAGIC = 0xe85250d6

PF_X, PF_W, PF_R = 1, 2, 4


def note(ntype, desc, name=b"Xen\0"):
    pad = lambda b: b + b"\0" * (-len(b) % 4)
    return struct.pack("<III", len(name), len(desc), ntype) + pad(name) + pad(desc)


def u32(v):
    return struct.pack("<I", v)


def u64(v):
    return struct.pack("<Q", v)


def s(text):
    return text.encode() + b"\0"


def pv_notes(**over):
    """The notes of a Xen PV + PVH + dom0 image, as (type, desc) in order."""
    n = {
        18: u32(PHYS + 0x40),                 # PHYS32_ENTRY
        6: s("Xenolith"),                     # GUEST_OS
        5: s("xen-3.0"),                      # XEN_VERSION
        3: u64(VB),                           # VIRT_BASE
        4: u64(0),                            # PADDR_OFFSET
        1: u64(VB + PHYS + 0x100),            # ENTRY
        2: u64(VB + PHYS + 0x1000),           # HYPERCALL_PAGE
        10: s("!writable_page_tables|pae_pgdir_above_4gb"),  # FEATURES
        17: u32(1 << 11),                     # SUPPORTED_FEATURES: dom0
        8: s("generic"),                      # LOADER
    }
    for k, v in over.items():
        t = int(k[1:])
        if v is None:
            n.pop(t, None)
        else:
            n[t] = v
    return list(n.items())


def native_notes():
    return [(18, u32(PHYS + 0x40))]


def mb2_header(entry=PHYS + 0x80, entry_tag=True, bad_checksum=False, arch=0, end_tag=True,
               magic=MB2_MAGIC):
    tags = b""
    if entry_tag:
        tags += struct.pack("<HHII", 3, 0, 12, entry) + b"\0" * 4  # padded to 8
    if end_tag:
        tags += struct.pack("<HHI", 0, 0, 8)
    length = 16 + len(tags)
    csum = (-(magic + arch + length)) & 0xffffffff
    if bad_checksum:
        csum ^= 1
    return struct.pack("<IIII", magic, arch, length, csum) + tags


def build(notes, mb2=None, mb2_off=TEXT_OFF, text_flags=PF_R | PF_X, note_blob=None,
          vaddr_delta=VB, extra_notes=b""):
    """An image: ELF header, 3 program headers (text, data, note), text at
    TEXT_OFF with the multiboot2 header at mb2_off and the notes at NOTE_OFF."""
    if mb2 is None:
        mb2 = mb2_header()
    img = bytearray(DATA_OFF + DATA_SIZE)
    blob = note_blob if note_blob is not None else (
        b"".join(note(t, d) for t, d in notes) + extra_notes)
    img[NOTE_OFF:NOTE_OFF + len(blob)] = blob
    if mb2:
        img[mb2_off:mb2_off + len(mb2)] = mb2
    phnum = 3
    ehdr = b"\x7fELF" + bytes([2, 1, 1, 0]) + b"\0" * 8
    ehdr += struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, PHYS + 0x40, 64, 0, 0, 64, 56, phnum,
                        64, 0, 0)
    ph = struct.pack("<IIQQQQQQ", 1, text_flags, TEXT_OFF, vaddr_delta + PHYS, PHYS,
                     TEXT_SIZE, TEXT_SIZE, 0x1000)
    ph += struct.pack("<IIQQQQQQ", 1, PF_R | PF_W, DATA_OFF, vaddr_delta + PHYS + TEXT_SIZE,
                      PHYS + TEXT_SIZE, DATA_SIZE, DATA_SIZE + 0x4000, 0x1000)
    ph += struct.pack("<IIQQQQQQ", 4, PF_R, NOTE_OFF, VB + PHYS + NOTE_OFF - TEXT_OFF,
                      PHYS + NOTE_OFF - TEXT_OFF, len(blob), len(blob), 4)
    img[0:len(ehdr)] = ehdr
    img[64:64 + len(ph)] = ph
    return bytes(img)


# A tiny image from real assembler and linker output.
ASM = r"""
	.section .multiboot2, "a"
	.balign 8
mb2:	.long 0xe85250d6, 0, mb2_end - mb2, -(0xe85250d6 + (mb2_end - mb2))
	.balign 8
	.short 3, 0
	.long 12
	.long entry32 - 0xffffffff80000000
	.balign 8
	.short 0, 0
	.long 8
mb2_end:

	.section .note.Xen, "a"
	.macro xnum type, kind, value
	.balign 4
	.long 4, 2f - 1f, \type
	.asciz "Xen"
1:	\kind \value
2:	.balign 4
	.endm
	.macro xstr type, value
	.balign 4
	.long 4, 2f - 1f, \type
	.asciz "Xen"
1:	.asciz "\value"
2:	.balign 4
	.endm
	xnum 18, .long, (entry32-0xffffffff80000000)
	xnum 1, .quad, entry64
	xnum 2, .quad, hypercall_page
	xnum 3, .quad, 0xffffffff80000000
	xnum 4, .quad, 0
	xstr 5, xen-3.0
	xstr 6, Xenolith
	xstr 8, generic
	xstr 10, !writable_page_tables
	xnum 17, .long, (1<<11)

	.text
	.code32
entry32: hlt
	.code64
entry64: hlt
	.balign 4096
hypercall_page: .fill 4096, 1, 0xcc
"""

LDS = """
ENTRY(entry32)
PHDRS { text PT_LOAD FLAGS(5); note PT_NOTE FLAGS(4); }
SECTIONS {
	. = 0xffffffff80100000;
	.text : AT(ADDR(.text) - 0xffffffff80000000) {
		KEEP(*(.multiboot2)) *(.text)
	} :text
	.notes : AT(ADDR(.notes) - 0xffffffff80000000) { KEEP(*(.note.Xen)) } :text :note
	/DISCARD/ : { *(.note.GNU-stack) *(.note.gnu.property) }
}
"""


def build_with_toolchain(outdir):
    cc, ld = shutil.which("gcc"), shutil.which("ld")
    if not cc or not ld:
        return None
    src, lds = os.path.join(outdir, "tiny.S"), os.path.join(outdir, "tiny.lds")
    obj, out = os.path.join(outdir, "tiny.o"), os.path.join(outdir, "tiny.elf")
    with open(src, "w") as f:
        f.write(ASM)
    with open(lds, "w") as f:
        f.write(LDS)
    for cmd in ([cc, "-c", "-o", obj, src],
                [ld, "-n", "-z", "max-page-size=0x1000", "-T", lds, "-o", out, obj]):
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if p.returncode:
            raise OSError("%s failed:\n%s" % (" ".join(cmd), p.stdout))
    return out


class Runner:
    def __init__(self, checker, outdir):
        self.checker, self.outdir = checker, outdir
        self.passed = self.failed = 0

    def case(self, name, data, args, expect_ok, reason=None):
        """Run the checker on data (bytes) or a path (str)."""
        if isinstance(data, bytes):
            path = os.path.join(self.outdir, name + ".elf")
            with open(path, "wb") as f:
                f.write(data)
        else:
            path = data
        p = subprocess.run([sys.executable, self.checker] + args + [path],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        out = p.stdout
        problems = []
        if "Traceback" in out:
            problems.append("checker crashed")
        if expect_ok and p.returncode != 0:
            problems.append("rejected a good image")
        if not expect_ok and p.returncode != 1:
            problems.append("exit status %d, expected 1" % p.returncode)
        if not expect_ok and reason and not any(
                line.startswith("FAIL") and reason in line for line in out.splitlines()):
            problems.append("no FAIL line mentioning %r" % reason)
        if not out.rstrip().splitlines() or not out.rstrip().splitlines()[-1].endswith(
                "failed"):
            problems.append("no summary line")
        if problems:
            self.failed += 1
            print("FAIL %s: %s" % (name, "; ".join(problems)))
            for line in out.splitlines():
                print("     | " + line)
        else:
            self.passed += 1
            print("ok   %s" % name)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checker", required=True)
    ap.add_argument("--outdir", required=True)
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    r = Runner(os.path.abspath(a.checker), a.outdir)
    X, NX, D, ND = ["--xen"], ["--no-xen"], ["--dom0"], ["--no-dom0"]

    good = build(pv_notes())
    native = build(native_notes())

    # Good images.
    r.case("good-pv-dom0", good, X + D, True)
    r.case("good-pv-8byte-descs", build(pv_notes(t17=u64(1 << 11), t18=u64(PHYS + 0x40))),
           X + D, True)
    r.case("good-pv-4byte-virt-base-desc-for-paddr", build(pv_notes(t4=u32(0))), X + D, True)
    r.case("good-native", native, NX, True)
    r.case("good-pv-no-dom0", build(pv_notes(t17=u32(0))), X + ND, True)
    r.case("good-with-other-owner-notes", build(
        native_notes(), extra_notes=note(1, b"\0" * 16, b"GNU\0")), NX, True)

    # Wrong mode.
    r.case("pv-image-checked-as-native", good, NX, False, "ENTRY")
    r.case("native-image-checked-as-pv", native, X + ND, False, "VIRT_BASE")
    r.case("dom0-bit-missing", build(pv_notes(t17=u32(0))), X + D, False, "XENFEAT_dom0")
    r.case("dom0-bit-unexpected", good, X + ND, False, "XENFEAT_dom0")
    r.case("supported-features-missing", build(pv_notes(t17=None)), X + D, False,
           "SUPPORTED_FEATURES")

    # PVH entry.
    r.case("phys32-missing", build(pv_notes(t18=None)), X + D, False, "PHYS32_ENTRY")
    r.case("phys32-missing-native", build([]), NX, False, "PHYS32_ENTRY")
    r.case("phys32-above-4g", build([(18, u64(1 << 32 | 0x100040))]), NX,
           False, "below 4 GiB")
    r.case("phys32-outside-load", build([(18, u32(0x90000))]), NX, False, "PHYS32_ENTRY")
    r.case("phys32-in-data-segment", build([(18, u32(PHYS + TEXT_SIZE + 0x10))]), NX, False,
           "executable")
    r.case("phys32-bad-desc-size", build([(18, b"\x40\x00\x10")]), NX, False, "descriptor")

    # Xen PV notes.
    r.case("virt-base-wrong", build(pv_notes(t3=u64(0xffffffff00000000))), X + D, False,
           "VIRT_BASE")
    r.case("paddr-offset-nonzero", build(pv_notes(t4=u64(0x1000))), X + D, False,
           "PADDR_OFFSET")
    r.case("vaddr-paddr-mismatch", build(pv_notes(), vaddr_delta=VB + 0x200000), X + D, False,
           "vaddr == paddr")
    r.case("entry-missing", build(pv_notes(t1=None)), X + D, False, "ENTRY")
    r.case("entry-outside-image", build(pv_notes(t1=u64(VB + 0x10))), X + D, False, "ENTRY")
    r.case("hypercall-page-unaligned", build(pv_notes(t2=u64(VB + PHYS + 0x1010))), X + D,
           False, "page aligned")
    r.case("hypercall-page-outside-image", build(pv_notes(t2=u64(VB + 0x400000))), X + D,
           False, "HYPERCALL_PAGE")
    r.case("hypercall-page-missing", build(pv_notes(t2=None)), X + D, False, "HYPERCALL_PAGE")
    r.case("xen-version-wrong", build(pv_notes(t5=s("xen-3.1"))), X + D, False, "XEN_VERSION")
    r.case("xen-version-unterminated", build(pv_notes(t5=b"xen-3.0")), X + D, False,
           "NUL-terminated")
    r.case("loader-wrong", build(pv_notes(t8=s("elf"))), X + D, False, "LOADER")
    r.case("guest-os-missing", build(pv_notes(t6=None)), X + D, False, "GUEST_OS")
    r.case("guest-os-empty", build(pv_notes(t6=s(""))), X + D, False, "GUEST_OS")
    r.case("good-empty-features", build(pv_notes(t10=s(""))), X + D, True)
    r.case("features-empty-entry", build(pv_notes(t10=s("a||b"))), X + D, False, "FEATURES")
    r.case("features-missing", build(pv_notes(t10=None)), X + D, False, "FEATURES")
    r.case("duplicate-note", build(pv_notes(), extra_notes=note(3, u64(VB))), X + D, False,
           "duplicate")
    r.case("note-overruns-segment", build([], note_blob=struct.pack("<III", 4, 400, 18)
                                          + b"Xen\0"), NX, False, "overruns")

    # Multiboot2.
    r.case("mb2-missing", build(native_notes(), mb2=b""), NX, False, "multiboot2")
    r.case("mb2-bad-checksum", build(native_notes(), mb2=mb2_header(bad_checksum=True)), NX,
           False, "checksum")
    r.case("mb2-beyond-32k", build(native_notes(), mb2_off=0x8000), NX, False, "32768")
    r.case("mb2-straddles-32k", build(native_notes(), mb2_off=0x8000 - 16), NX, False,
           "length")
    r.case("mb2-misaligned", build(native_notes(), mb2_off=TEXT_OFF + 4), NX, False,
           "8-byte aligned")
    r.case("mb2-no-entry-tag", build(native_notes(), mb2=mb2_header(entry_tag=False)), NX,
           False, "type 3")
    r.case("mb2-entry-outside", build(native_notes(), mb2=mb2_header(entry=0x5000)), NX, False,
           "multiboot2 entry")
    r.case("mb2-no-end-tag", build(native_notes(), mb2=mb2_header(end_tag=False)), NX, False,
           "end tag")
    r.case("mb2-wrong-arch", build(native_notes(), mb2=mb2_header(arch=4)), NX, False,
           "architecture")

    # Broken files.
    r.case("not-elf", b"MZ" + b"\0" * 200, NX, False, "not an ELF")
    r.case("truncated", good[:100], NX, False, "truncated")
    r.case("elf32", good[:4] + b"\x01" + good[5:], NX, False, "ELF64")
    r.case("empty-file", b"", NX, False, "ELF")
    r.case("missing-file", os.path.join(a.outdir, "does-not-exist"), NX, False, "read image")
    r.case("text-not-executable", build(native_notes(), text_flags=PF_R), NX, False,
           "executable")

    # Mode from a .config.
    cfg = os.path.join(a.outdir, "pv.config")
    with open(cfg, "w") as f:
        f.write("CONFIG_XEN=y\nCONFIG_XEN_PV=y\nCONFIG_XEN_DOM0=y\n")
    r.case("config-pv-good", good, ["--config", cfg], True)
    r.case("config-pv-on-native", native, ["--config", cfg], False, "VIRT_BASE")
    cfg2 = os.path.join(a.outdir, "native.config")
    with open(cfg2, "w") as f:
        f.write("# CONFIG_XEN is not set\n")
    r.case("config-native-good", native, ["--config", cfg2], True)
    r.case("config-native-on-pv", good, ["--config", cfg2], False, "ENTRY")
    r.case("config-overridden-by-flag", native, ["--config", cfg, "--no-xen"], True)

    # Real assembler and linker output.
    try:
        tiny = build_with_toolchain(a.outdir)
    except OSError as e:
        tiny = None
        r.failed += 1
        print("FAIL toolchain-image: could not build: %s" % e)
    if tiny:
        r.case("toolchain-image", tiny, X + D, True)
        r.case("toolchain-image-as-native", tiny, NX, False, "HYPERCALL_PAGE")

    print("%d passed, %d failed" % (r.passed, r.failed))
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
