"""Small ELF64 reader for the packaging scripts: symbols, bytes at a
virtual address, notes. Self-written; only the standard library."""
import struct
import subprocess


class ElfError(Exception):
    pass


class Elf:
    def __init__(self, path):
        with open(path, "rb") as f:
            self.data = f.read()
        d = self.data
        if d[:4] != b"\x7fELF" or d[4] != 2 or d[5] != 1:
            raise ElfError("%s: not a little-endian ELF64 file" % path)
        self.path = path
        phoff, shoff = struct.unpack_from("<QQ", d, 0x20)
        phentsize, phnum, shentsize, shnum = struct.unpack_from("<HHHH", d, 0x36)
        self.segs = [struct.unpack_from("<IIQQQQQQ", d, phoff + i * phentsize)
                     for i in range(phnum)]

    def read_va(self, va, size):
        """size bytes at virtual address va (file-backed part of a PT_LOAD)."""
        for p_type, _, off, vaddr, _, filesz, _, _ in self.segs:
            if p_type == 1 and vaddr <= va and va + size <= vaddr + filesz:
                o = off + va - vaddr
                return self.data[o:o + size]
        raise ElfError("%#x+%d is not in a file-backed PT_LOAD" % (va, size))

    def cstring_va(self, va, limit=4096):
        out = bytearray()
        while len(out) < limit:
            b = self.read_va(va + len(out), 1)
            if b == b"\0":
                return out.decode("utf-8", errors="replace")
            out += b
        raise ElfError("unterminated string at %#x" % va)

    def notes(self):
        """[(name, type, desc bytes)] of every PT_NOTE segment."""
        out = []
        for p_type, _, off, _, _, filesz, _, _ in self.segs:
            if p_type != 4:
                continue
            pos, end = off, off + filesz
            while pos + 12 <= end:
                namesz, descsz, ntype = struct.unpack_from("<III", self.data, pos)
                pos += 12
                name = self.data[pos:pos + namesz].rstrip(b"\0").decode(errors="replace")
                pos += (namesz + 3) & ~3
                desc = self.data[pos:pos + descsz]
                pos += (descsz + 3) & ~3
                out.append((name, ntype, desc))
        return out

    def version_note(self):
        """The "Xenolith" version note's string, or None."""
        for name, ntype, desc in self.notes():
            if name == "Xenolith" and ntype == 1:
                return desc.split(b"\0", 1)[0].decode()
        return None


def symbols(path, nm="nm"):
    """{name: address} from nm."""
    r = subprocess.run([nm, path], stdout=subprocess.PIPE, text=True, check=True)
    out = {}
    for line in r.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3:
            out[parts[2]] = int(parts[0], 16)
    return out


def cmdline_options(path):
    """[(name, help)] of the image's command-line option registry (the
    linker-collected struct cmdline_opt array between __start_cmdline_opts
    and __stop_cmdline_opts: name, set, help pointers, 8 bytes each)."""
    elf = Elf(path)
    syms = symbols(path)
    try:
        start, stop = syms["__start_cmdline_opts"], syms["__stop_cmdline_opts"]
    except KeyError:
        raise ElfError("%s has no option registry symbols (an unstripped image is needed)"
                       % path)
    if (stop - start) % 24:
        raise ElfError("option registry size %d is not a multiple of 24" % (stop - start))
    opts = []
    for va in range(start, stop, 24):
        name_p, _, help_p = struct.unpack("<QQQ", elf.read_va(va, 24))
        opts.append((elf.cstring_va(name_p), elf.cstring_va(help_p) if help_p else ""))
    return sorted(opts)
