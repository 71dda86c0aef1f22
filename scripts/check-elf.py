#!/usr/bin/python3
"""Check that the Xenolith image carries what its boot loaders look for.

    check-elf.py [--config FILE] [--xen | --no-xen] [--dom0 | --no-dom0] [IMAGE]

Always:
  * a valid ELF64 x86-64 image with PT_LOAD segments;
  * a PT_NOTE with the "Xen" note XEN_ELFNOTE_PHYS32_ENTRY (18): the PVH
    entry, a physical address below 4 GiB inside an executable PT_LOAD;
  * a multiboot2 header: magic 0xe85250d6, 8-byte aligned, within the first
    32768 bytes of the file, valid checksum, tags well formed, with an entry
    address tag (type 3) pointing into an executable PT_LOAD.
With --xen (Xen PV guest support):
  * ENTRY (1) and HYPERCALL_PAGE (2, page aligned) inside executable
    segments; VIRT_BASE (3) == 0xffffffff80000000; PADDR_OFFSET (4) == 0;
    XEN_VERSION (5) "xen-3.0"; GUEST_OS (6); LOADER (8) "generic";
    FEATURES (10, may be empty); SUPPORTED_FEATURES (17), with XENFEAT_dom0 (bit 11) set
    under --dom0 and clear under --no-dom0; every PT_LOAD's virtual address
    equal to its physical address + VIRT_BASE - PADDR_OFFSET.
With --no-xen: none of the PV notes ENTRY, HYPERCALL_PAGE, VIRT_BASE.

--config reads CONFIG_XEN_PV and CONFIG_XEN_DOM0 from a Kconfig .config;
explicit flags win over it. Without either, the .config next to the image
is used when it exists. IMAGE defaults to build/xenolith in the source tree.

Prints one line per check and "N passed, N failed"; exits 1 if any check
failed, 2 on bad usage. A self-written ELF reader: no third-party modules.
"""
import argparse
import os
import struct
import sys

PT_LOAD, PT_NOTE = 1, 4
PF_X = 1
EM_X86_64 = 62

XEN_ELFNOTE_ENTRY = 1
XEN_ELFNOTE_HYPERCALL_PAGE = 2
XEN_ELFNOTE_VIRT_BASE = 3
XEN_ELFNOTE_PADDR_OFFSET = 4
XEN_ELFNOTE_XEN_VERSION = 5
XEN_ELFNOTE_GUEST_OS = 6
XEN_ELFNOTE_LOADER = 8
XEN_ELFNOTE_FEATURES = 10
XEN_ELFNOTE_SUPPORTED_FEATURES = 17
XEN_ELFNOTE_PHYS32_ENTRY = 18
XENFEAT_DOM0 = 11

NOTE_NAMES = {
    1: "ENTRY", 2: "HYPERCALL_PAGE", 3: "VIRT_BASE", 4: "PADDR_OFFSET",
    5: "XEN_VERSION", 6: "GUEST_OS", 7: "GUEST_VERSION", 8: "LOADER",
    9: "PAE_MODE", 10: "FEATURES", 11: "BSD_SYMTAB", 12: "HV_START_LOW",
    13: "L1_MFN_VALID", 14: "SUSPEND_CANCEL", 15: "INIT_P2M", 16: "MOD_START_PFN",
    17: "SUPPORTED_FEATURES", 18: "PHYS32_ENTRY",
}

KERNEL_VIRT_BASE = 0xffffffff80000000
MB2_MAGIC = 0xe85250d6
MB2_SEARCH = 32768
PAGE = 4096


class ElfError(Exception):
    pass


class Segment:
    def __init__(self, ptype, flags, offset, vaddr, paddr, filesz, memsz, align):
        self.type, self.flags = ptype, flags
        self.offset, self.vaddr, self.paddr = offset, vaddr, paddr
        self.filesz, self.memsz, self.align = filesz, memsz, align

    def __str__(self):
        return "off %#x vaddr %#x paddr %#x filesz %#x memsz %#x flags %#x" % (
            self.offset, self.vaddr, self.paddr, self.filesz, self.memsz, self.flags)


class Note:
    def __init__(self, name, ntype, desc, offset):
        self.name, self.type, self.desc, self.offset = name, ntype, desc, offset

    def numeric(self):
        """Value of a numeric note; Xen accepts 1, 2, 4 or 8 byte descriptors,
        we accept the two sizes a 64-bit kernel uses."""
        if len(self.desc) == 4:
            return struct.unpack("<I", self.desc)[0]
        if len(self.desc) == 8:
            return struct.unpack("<Q", self.desc)[0]
        raise ElfError("numeric note %s has a %d-byte descriptor (want 4 or 8)"
                       % (NOTE_NAMES.get(self.type, self.type), len(self.desc)))

    def string(self):
        d = self.desc
        if not d or d[-1:] != b"\0":
            raise ElfError("string note %s is not NUL-terminated"
                           % NOTE_NAMES.get(self.type, self.type))
        s = d[:-1]
        if b"\0" in s:
            raise ElfError("string note %s has an embedded NUL"
                           % NOTE_NAMES.get(self.type, self.type))
        try:
            return s.decode("ascii")
        except UnicodeDecodeError:
            raise ElfError("string note %s is not ASCII" % NOTE_NAMES.get(self.type, self.type))


def unpack(fmt, data, off):
    size = struct.calcsize(fmt)
    if off < 0 or off + size > len(data):
        raise ElfError("truncated: %d bytes wanted at offset %#x, file has %#x"
                       % (size, off, len(data)))
    return struct.unpack_from(fmt, data, off)


class Elf:
    def __init__(self, data):
        self.data = data
        if data[:4] != b"\x7fELF":
            raise ElfError("not an ELF file (bad magic)")
        ei_class, ei_data = unpack("<BB", data, 4)
        if ei_class != 2:
            raise ElfError("not ELF64 (EI_CLASS %d)" % ei_class)
        if ei_data != 1:
            raise ElfError("not little-endian (EI_DATA %d)" % ei_data)
        (self.e_type, self.e_machine, _ver, self.e_entry, self.e_phoff, _shoff, _flags,
         _ehsize, self.e_phentsize, self.e_phnum) = unpack("<HHIQQQIHHH", data, 16)
        if self.e_machine != EM_X86_64:
            raise ElfError("not x86-64 (e_machine %d)" % self.e_machine)
        if self.e_phnum and self.e_phentsize < 56:
            raise ElfError("program header entries too small (%d)" % self.e_phentsize)
        self.segments = []
        for i in range(self.e_phnum):
            off = self.e_phoff + i * self.e_phentsize
            (ptype, flags, poff, vaddr, paddr, filesz, memsz,
             align) = unpack("<IIQQQQQQ", data, off)
            if ptype in (PT_LOAD, PT_NOTE) and poff + filesz > len(data):
                raise ElfError("segment %d (%#x+%#x) runs past the end of the file"
                               % (i, poff, filesz))
            self.segments.append(Segment(ptype, flags, poff, vaddr, paddr, filesz, memsz,
                                         align))
        self.loads = [s for s in self.segments if s.type == PT_LOAD]

    def notes(self):
        """Every note in every PT_NOTE segment."""
        out = []
        for seg in self.segments:
            if seg.type != PT_NOTE:
                continue
            align = 8 if seg.align == 8 else 4
            base, end = seg.offset, seg.offset + seg.filesz

            def up(x):  # align an offset, counted from the segment start
                return base + ((x - base + align - 1) & ~(align - 1))

            off = base
            while off + 12 <= end:
                namesz, descsz, ntype = unpack("<III", self.data, off)
                name_off = off + 12
                desc_off = up(name_off + namesz)
                next_off = up(desc_off + descsz)
                if desc_off + descsz > end:
                    raise ElfError("note at offset %#x (namesz %d descsz %d) overruns its "
                                   "PT_NOTE segment" % (off, namesz, descsz))
                name = self.data[name_off:name_off + namesz]
                out.append(Note(name.rstrip(b"\0").decode("latin-1"), ntype,
                                self.data[desc_off:desc_off + descsz], off))
                off = next_off
        return out

    def load_with_paddr(self, pa, size=1):
        for s in self.loads:
            if s.paddr <= pa and pa + size <= s.paddr + s.filesz:
                return s
        return None

    def load_with_vaddr(self, va, size=1):
        for s in self.loads:
            if s.vaddr <= va and va + size <= s.vaddr + s.memsz:
                return s
        return None


class Checker:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def ok(self, what):
        self.passed += 1
        print("ok   %s" % what)

    def fail(self, what, why):
        self.failed += 1
        print("FAIL %s: %s" % (what, why))

    def check(self, cond, what, why):
        if cond:
            self.ok(what)
        else:
            self.fail(what, why)
        return cond


def read_config(path):
    conf = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("CONFIG_") and "=" in line:
                k, v = line.split("=", 1)
                conf[k] = v
    return conf


def check_mb2(c, elf):
    data = elf.data
    what = "multiboot2 header"
    limit = min(len(data), MB2_SEARCH)
    magic_bytes = struct.pack("<I", MB2_MAGIC)
    # Loaders look at 8-byte aligned offsets only.
    found = [off for off in range(0, limit - 3, 8) if data[off:off + 4] == magic_bytes]
    if not found:
        stray = data.find(magic_bytes, 0, limit)
        if stray >= 0:
            c.fail(what, "magic at file offset %#x is not 8-byte aligned" % stray)
        else:
            c.fail(what, "magic %#x not found in the first %d bytes of the file"
                   % (MB2_MAGIC, MB2_SEARCH))
        return
    off = found[0]
    if off + 16 > len(data):
        c.fail(what, "truncated at offset %#x" % off)
        return
    magic, arch, length, csum = struct.unpack_from("<IIII", data, off)
    c.ok("%s at file offset %#x" % (what, off))
    c.check(arch == 0, "multiboot2 architecture", "%d, expected 0 (i386)" % arch)
    if not c.check(16 <= length and off + length <= min(len(data), MB2_SEARCH),
                   "multiboot2 header length",
                   "%d bytes at %#x does not fit in the first %d bytes of the file"
                   % (length, off, MB2_SEARCH)):
        return
    c.check((magic + arch + length + csum) & 0xffffffff == 0, "multiboot2 checksum",
            "magic + arch + length + checksum = %#x, expected 0"
            % ((magic + arch + length + csum) & 0xffffffff))
    # Tags: 8-byte aligned, ending with type 0 size 8.
    t = off + 16
    entry = None
    ended = False
    while t + 8 <= off + length:
        ttype, _tflags, tsize = struct.unpack_from("<HHI", data, t)
        if tsize < 8 or t + tsize > off + length:
            c.fail("multiboot2 tags", "tag type %d at %#x has bad size %d" % (ttype, t, tsize))
            return
        if ttype == 0:
            ended = tsize == 8
            break
        if ttype == 3:
            if tsize != 12:
                c.fail("multiboot2 entry address tag", "size %d, expected 12" % tsize)
                return
            entry = struct.unpack_from("<I", data, t + 8)[0]
        t += (tsize + 7) & ~7
    c.check(ended, "multiboot2 end tag", "no end tag (type 0, size 8) inside the header")
    if not c.check(entry is not None, "multiboot2 entry address tag (type 3)", "missing"):
        return
    seg = elf.load_with_paddr(entry)
    c.check(seg is not None and seg.flags & PF_X,
            "multiboot2 entry %#x inside an executable PT_LOAD" % entry,
            "not inside the file-backed physical range of an executable segment")


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("image", nargs="?", default=os.path.join(here, "..", "build", "xenolith"))
    ap.add_argument("--config", help="Kconfig .config to take CONFIG_XEN_PV/XEN_DOM0 from")
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--xen", dest="xen", action="store_true", default=None,
                   help="expect the Xen PV notes")
    g.add_argument("--no-xen", dest="xen", action="store_false",
                   help="expect no Xen PV notes")
    g2 = ap.add_mutually_exclusive_group()
    g2.add_argument("--dom0", dest="dom0", action="store_true", default=None,
                    help="expect XENFEAT_dom0 in SUPPORTED_FEATURES")
    g2.add_argument("--no-dom0", dest="dom0", action="store_false",
                    help="expect XENFEAT_dom0 not to be advertised")
    args = ap.parse_args(argv)

    config = args.config
    if config is None and (args.xen is None or args.dom0 is None):
        guess = os.path.join(os.path.dirname(os.path.abspath(args.image)), ".config")
        if os.path.exists(guess):
            config = guess
    conf = {}
    if config is not None:
        try:
            conf = read_config(config)
        except OSError as e:
            print("check-elf: cannot read config %s: %s" % (config, e.strerror))
            print("0 passed, 1 failed")
            return 1
    xen = args.xen if args.xen is not None else conf.get("CONFIG_XEN_PV") == "y"
    dom0 = args.dom0 if args.dom0 is not None else conf.get("CONFIG_XEN_DOM0") == "y"
    if not xen and args.dom0:
        ap.error("--dom0 needs Xen PV notes (--xen)")

    c = Checker()
    print("check-elf: %s (Xen PV notes: %s, dom0: %s%s)"
          % (args.image, "expected" if xen else "forbidden", "yes" if dom0 else "no",
             ", from " + config if config else ""))
    try:
        with open(args.image, "rb") as f:
            data = f.read()
    except OSError as e:
        c.fail("read image", e.strerror)
        print("%d passed, %d failed" % (c.passed, c.failed))
        return 1

    try:
        elf = Elf(data)
        c.ok("ELF64 x86-64 header")
        if not c.check(elf.loads, "PT_LOAD segments", "none"):
            raise ElfError("nothing to load")
        notes = elf.notes()
    except ElfError as e:
        c.fail("ELF structure", str(e))
        print("%d passed, %d failed" % (c.passed, c.failed))
        return 1

    xen_notes = {}
    dups = set()
    for n in notes:
        if n.name == "Xen":
            if n.type in xen_notes:
                dups.add(n.type)
            xen_notes[n.type] = n
    c.check(any(s.type == PT_NOTE for s in elf.segments), "PT_NOTE segment", "none")
    c.check(not dups, "no duplicate Xen notes",
            "duplicated: " + ", ".join(NOTE_NAMES.get(t, str(t)) for t in sorted(dups)))

    def note_value(ntype, decode):
        """The note's value decoded by decode(note), or None (reported as a
        failure) if it is missing or malformed."""
        n = xen_notes.get(ntype)
        what = "Xen note %s (%d)" % (NOTE_NAMES[ntype], ntype)
        if n is None:
            c.fail(what, "missing")
            return None
        try:
            return decode(n)
        except ElfError as e:
            c.fail(what, str(e))
            return None

    def numeric(ntype):
        return note_value(ntype, lambda n: n.numeric())

    def string(ntype):
        return note_value(ntype, lambda n: n.string())

    # PVH entry: always present (QEMU's -kernel also boots through it).
    pe = numeric(XEN_ELFNOTE_PHYS32_ENTRY)
    if pe is not None:
        if c.check(pe < 1 << 32, "PHYS32_ENTRY %#x below 4 GiB" % pe, "is not"):
            seg = elf.load_with_paddr(pe)
            c.check(seg is not None and seg.flags & PF_X,
                    "PHYS32_ENTRY %#x inside an executable PT_LOAD" % pe,
                    "not inside the file-backed physical range of an executable segment")

    check_mb2(c, elf)

    if xen:
        vb = numeric(XEN_ELFNOTE_VIRT_BASE)
        if vb is not None:
            c.check(vb == KERNEL_VIRT_BASE, "VIRT_BASE == %#x" % KERNEL_VIRT_BASE,
                    "is %#x" % vb)
        po = numeric(XEN_ELFNOTE_PADDR_OFFSET)
        if po is not None:
            c.check(po == 0, "PADDR_OFFSET == 0", "is %#x" % po)
        if vb is not None and po is not None:
            bad = [s for s in elf.loads if s.vaddr != (s.paddr + vb - po) & (2**64 - 1)]
            c.check(not bad, "PT_LOAD vaddr == paddr + VIRT_BASE - PADDR_OFFSET",
                    "; ".join(str(s) for s in bad))
        entry = numeric(XEN_ELFNOTE_ENTRY)
        if entry is not None:
            seg = elf.load_with_vaddr(entry)
            c.check(seg is not None and seg.flags & PF_X,
                    "ENTRY %#x inside an executable PT_LOAD" % entry,
                    "not inside the virtual range of an executable segment")
        hp = numeric(XEN_ELFNOTE_HYPERCALL_PAGE)
        if hp is not None:
            c.check(hp % PAGE == 0, "HYPERCALL_PAGE %#x page aligned" % hp, "is not")
            seg = elf.load_with_vaddr(hp, PAGE)
            c.check(seg is not None and seg.flags & PF_X,
                    "HYPERCALL_PAGE %#x inside the image" % hp,
                    "the page is not inside an executable PT_LOAD")
        ver = string(XEN_ELFNOTE_XEN_VERSION)
        if ver is not None:
            c.check(ver == "xen-3.0", 'XEN_VERSION == "xen-3.0"', "is %r" % ver)
        gos = string(XEN_ELFNOTE_GUEST_OS)
        if gos is not None:
            c.check(gos != "", "GUEST_OS %r" % gos, "empty")
        ld = string(XEN_ELFNOTE_LOADER)
        if ld is not None:
            c.check(ld == "generic", 'LOADER == "generic"', "is %r" % ld)
        feats = string(XEN_ELFNOTE_FEATURES)
        if feats is not None:
            # Empty is fine (everything is in SUPPORTED_FEATURES); otherwise
            # '|'-separated names, each optionally prefixed by '!'.
            c.check(feats == "" or all(f.lstrip("!") for f in feats.split("|")),
                    "FEATURES %r" % feats, "an empty entry in the '|'-separated list")
        sf = numeric(XEN_ELFNOTE_SUPPORTED_FEATURES)
        if sf is not None:
            has = bool(sf >> XENFEAT_DOM0 & 1)
            if dom0:
                c.check(has, "SUPPORTED_FEATURES %#x has XENFEAT_dom0" % sf,
                        "bit %d clear although dom0 support is configured" % XENFEAT_DOM0)
            else:
                c.check(not has, "SUPPORTED_FEATURES %#x without XENFEAT_dom0" % sf,
                        "bit %d set although dom0 support is not configured"
                        % XENFEAT_DOM0)
    else:
        for t in (XEN_ELFNOTE_ENTRY, XEN_ELFNOTE_HYPERCALL_PAGE, XEN_ELFNOTE_VIRT_BASE):
            c.check(t not in xen_notes, "no Xen PV note %s (%d)" % (NOTE_NAMES[t], t),
                    "present in an image built without Xen PV support")

    print("%d passed, %d failed" % (c.passed, c.failed))
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
