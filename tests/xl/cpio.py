"""A minimal writer for the Linux initramfs archive format (cpio "newc").

Only what an initramfs needs: directories, regular files, symlinks and
device nodes, all owned by root, written in the order given. Linux unpacks
several archives concatenated into one initrd, later entries overriding
earlier ones, so a base archive can be extended per run by appending a
second archive.

    w = CpioWriter(open("out.cpio", "wb"))
    w.dir("etc")
    w.file("etc/hostname", data=b"lab\\n")
    w.file("usr/bin/busybox", src="/path/busybox", mode=0o755)
    w.symlink("bin", "usr/bin")
    w.chardev("dev/console", 5, 1)
    w.close()                  # writes the TRAILER!!! entry
"""

import os
import stat

_MAGIC = b"070701"


def _pad4(n):
    return (4 - n % 4) % 4


class CpioWriter:
    def __init__(self, fh):
        self._fh = fh
        self._ino = 1000
        self._seen = set()
        self.bytes = 0
        self.entries = 0

    def _write(self, data):
        self._fh.write(data)
        self.bytes += len(data)

    def _header(self, name, mode, size, nlink=1, rmajor=0, rminor=0, mtime=0):
        name = name.lstrip("/")
        if not name:
            raise ValueError("empty cpio member name")
        encoded = name.encode() + b"\0"
        self._ino += 1
        fields = (self._ino, mode, 0, 0, nlink, mtime, size, 0, 0, rmajor, rminor,
                  len(encoded), 0)
        hdr = _MAGIC + b"".join(b"%08X" % f for f in fields)
        self._write(hdr + encoded + b"\0" * _pad4(len(hdr) + len(encoded)))
        self.entries += 1

    def _data(self, data):
        self._write(data)
        self._write(b"\0" * _pad4(len(data)))

    def has(self, name):
        return name.lstrip("/") in self._seen

    def dir(self, name, mode=0o755):
        """A directory; parents must come first (see dirs_for)."""
        name = name.strip("/")
        if name in self._seen:
            return
        self._seen.add(name)
        self._header(name, stat.S_IFDIR | mode, 0, nlink=2)

    def parents(self, name):
        """Emit every missing parent directory of name."""
        parts = name.strip("/").split("/")[:-1]
        for i in range(1, len(parts) + 1):
            self.dir("/".join(parts[:i]))

    def file(self, name, data=None, src=None, mode=None):
        if (data is None) == (src is None):
            raise ValueError("give exactly one of data or src")
        if src is not None:
            with open(src, "rb") as f:
                data = f.read()
            if mode is None:
                mode = stat.S_IMODE(os.stat(src).st_mode)
        if mode is None:
            mode = 0o644
        self.parents(name)
        self._seen.add(name.strip("/"))
        self._header(name, stat.S_IFREG | mode, len(data))
        self._data(data)

    def symlink(self, name, target):
        self.parents(name)
        self._seen.add(name.strip("/"))
        t = target.encode()
        self._header(name, stat.S_IFLNK | 0o777, len(t))
        self._data(t)

    def chardev(self, name, major, minor, mode=0o600):
        self.parents(name)
        self._seen.add(name.strip("/"))
        self._header(name, stat.S_IFCHR | mode, 0, rmajor=major, rminor=minor)

    def close(self):
        self._header("TRAILER!!!", 0, 0, nlink=1)
        # The kernel does not need it, but tools like cpio -t like whole blocks.
        self._write(b"\0" * ((512 - self.bytes % 512) % 512))


def read_names(path):
    """Member names of a newc archive (several concatenated ones too); for tests."""
    names = []
    with open(path, "rb") as f:
        data = f.read()
    off = 0
    while off + 110 <= len(data):
        if data[off:off + 6] != _MAGIC:
            # Padding between concatenated archives.
            if data[off] == 0:
                off += 1
                continue
            raise ValueError("bad cpio magic at offset %d" % off)
        fields = [int(data[off + 6 + 8 * i: off + 14 + 8 * i], 16) for i in range(13)]
        size, namesize = fields[6], fields[11]
        name = data[off + 110: off + 110 + namesize - 1].decode()
        off += 110 + namesize
        off += _pad4(110 + namesize)
        off += size + _pad4(size)
        if name != "TRAILER!!!":
            names.append(name)
    return names
