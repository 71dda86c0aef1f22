#!/usr/bin/python3
"""Build the xl lab's Debian parts: Xen, a Linux dom0 kernel and its initramfs.

    labbuild.py [--force] [--print-dir] [--cache DIR]

Everything comes from Debian 12 packages and is cached outside the
repository, under ${XENOLITH_CACHE:-~/.cache/xenolith}/lab:

  chroot-KEY/  a debootstrap (minbase) of bookworm, with bookworm-updates
               and bookworm-security enabled, plus xen-utils-4.17 and a few
               tools installed at pinned versions. KEY hashes the recipe
               and the package versions.
  build-KEY/   what a lab run needs, KEY hashing this script, cpio.py and
               the chroot key:
                 xen.elf     the hypervisor, decompressed (multiboot kernel)
                 vmlinux     Debian's kernel as a plain ELF (taken out of the
                             bzImage once, so neither Xen nor xl decompresses
                             it under emulation); dom0 kernel, and the Linux
                             domU of lab-bench
                 dom0.cpio   the dom0 initramfs (uncompressed): busybox, bash,
                             the xl toolstack and its libraries, the hotplug
                             scripts with their GNU tools, and the backend
                             modules in load order. No /init: the lab's init
                             and scenarios come per run in a second archive.
                 busybox     busybox-static, for the Linux domU's initramfs
                 linux-guest-fio.cpio
                             what the block bench adds to that initramfs
                             (lab.py appends it): fio with every library
                             it needs, and the xen-blkfront module
                 linux-guest-net.cpio
                             what every Linux domU gets for the network
                             lab: the xen-netfront module
                 dom0-libvirt.cpio
                             what the virsh scenario adds to dom0 (lab.py
                             appends it): libvirtd with the libxl driver,
                             virsh, and the libraries dom0.cpio lacks
                 lab.json    versions, kernel ABI, sizes, key

The versions are the host apt's candidates; the chroot installs exactly
those, so the key changes whenever a package does. Before building a new
chroot (as root) it runs apt-get update first, so that it pins what the
mirror serves today. Needs root (debootstrap, chroot) only when something
must be built. Prints the build directory with --print-dir.
"""

import argparse
import fcntl
import gzip
import hashlib
import json
import lzma
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import cpio  # noqa: E402

SUITE = "bookworm"
MIRROR = "http://deb.debian.org/debian"
SOURCES = """\
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
"""
# Installed by debootstrap itself.
BASE_INCLUDE = ["busybox-static", "bash", "coreutils", "util-linux", "iproute2", "kmod"]
# Installed afterwards with apt-get at the pinned versions (these come from
# bookworm-security or -updates as often as from bookworm).
# fio is for the bench's Linux domU (its block figures), not for dom0.
PINNED = ["xen-utils-4.17", "xen-utils-common", "xenstore-utils", "busybox-static", "fio",
          # libvirt's libxl driver and virsh, for the virsh scenario: the
          # daemon (libvirt-daemon, pulled in at the same version) without
          # libvirt-daemon-system's systemd units, polkit and firewall.
          "libvirt-daemon-driver-xen", "libvirt-clients"]
# Bump to force a rebuild of the chroot when its recipe changes.
CHROOT_RECIPE = 1

XEN_BIN = "/usr/lib/xen-4.17/bin"
# Programs for the dom0 initramfs (chroot paths).
PROGRAMS = [
    "/usr/bin/busybox",
    "/usr/bin/bash",
    # The hotplug scripts want GNU stat and flock, util-linux losetup and
    # iproute2 (see docs/xen-lab.md); busybox's differ.
    "/usr/bin/stat", "/usr/bin/flock", "/usr/sbin/losetup", "/usr/bin/ip",
    XEN_BIN + "/xl", XEN_BIN + "/xenstored", XEN_BIN + "/xenconsoled",
    XEN_BIN + "/xen-init-dom0", XEN_BIN + "/libxl-save-helper", XEN_BIN + "/xenconsole",
    XEN_BIN + "/xenctx",
    "/usr/bin/xenstore",
    # iproute2's tc, for netem on a domU's vif (the network lab), and ss,
    # dom0's view of a TCP connection (a stalled stream in the soak).
    "/usr/sbin/tc", "/usr/bin/ss",
]
XENSTORE_LINKS = ["xenstore-chmod", "xenstore-exists", "xenstore-list", "xenstore-ls",
                  "xenstore-read", "xenstore-rm", "xenstore-watch", "xenstore-write"]
# Programs for the Linux domU of the bench (chroot paths); /init is lab.py's.
GUEST_PROGRAMS = ["/usr/bin/fio"]
# Its kernel modules: Debian builds the block frontend as a module.
GUEST_MODULES = ["xen-blkfront"]
# The network lab's Linux domU: the network frontend (also a module in
# Debian), in an archive of its own (linux-guest-net.cpio, small, shipped
# with every Linux domU) under /usr/lib/modules/lab-net.
GUEST_NET_MODULES = ["xen-netfront"]
# The virsh scenario's dom0 additions, an archive of their own
# (dom0-libvirt.cpio) that lab.py appends only to runs with a virsh case:
# the monolithic daemon with the libxl connection driver alone (libvirtd
# skips the driver modules it does not find), virsh, util-linux script
# (virsh console wants a terminal), and the data libvirt reads at run
# time (the CPU map for the capabilities, the schemas). Debian 12's
# libvirt has no virtxend. The driver module is dlopen()ed: named here,
# its libraries then follow from its DT_NEEDED.
LIBVIRT_PROGRAMS = ["/usr/sbin/libvirtd", "/usr/bin/virsh", "/usr/bin/script",
                    "/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_libxl.so"]
LIBVIRT_TREES = ["/etc/libvirt", "/usr/share/libvirt"]
# Not in any DT_NEEDED, but xl needs it (pthread cancellation unwinds).
EXTRA_LIBS = ["/usr/lib/x86_64-linux-gnu/libgcc_s.so.1"]
# Busybox applets never linked: real tools above win, and without brctl the
# hotplug scripts use iproute2.
BUSYBOX_SKIP = {"brctl", "ip", "stat", "losetup", "bash", "busybox", "linuxrc"}
# dom0 kernel modules (dependencies are added from .modinfo). tun: the
# TAP device of the user-space hostile-netback.
MODULES = ["xenfs", "xen-evtchn", "xen-gntdev", "xen-gntalloc", "xen-privcmd",
           "xen-blkback", "xen-netback", "bridge", "loop", "tun",
           # The network lab: netem on a vif's egress, and on its ingress
           # through an ifb device (ingress qdisc, matchall filter, mirred
           # redirect).
           "sch_netem", "ifb", "sch_ingress", "cls_matchall", "act_mirred",
           # ss -i: a TCP connection's state through sock_diag.
           "tcp_diag"]
LIB_DIRS = ["/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64",
            "/usr/lib", "/lib"]


class BuildError(Exception):
    pass


def log(msg):
    print("labbuild: " + msg, flush=True)


def cache_root():
    d = os.environ.get("XENOLITH_CACHE")
    if not d:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(
            os.environ.get("HOME") or "/root", ".cache")
        d = os.path.join(base, "xenolith")
    return os.path.join(d, "lab")


def run(cmd, **kw):
    kw.setdefault("check", True)
    return subprocess.run(cmd, stdin=subprocess.DEVNULL, **kw)


# ------------------------------------------------------------------ versions
def apt_candidate(pkg):
    r = subprocess.run(["apt-cache", "policy", pkg], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    for line in r.stdout.splitlines():
        line = line.strip()
        if line.startswith("Candidate:"):
            v = line.split(":", 1)[1].strip()
            return None if v == "(none)" else v
    return None


def apt_depends(pkg, version):
    r = subprocess.run(["apt-cache", "show", "%s=%s" % (pkg, version)], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    for line in r.stdout.splitlines():
        if line.startswith("Depends:"):
            return [d.strip() for d in line.split(":", 1)[1].split(",")]
    return []


def versions():
    """Pinned versions from the host's apt lists: {package: version}."""
    v = {}
    for p in ("xen-utils-4.17", "xen-utils-common", "xenstore-utils",
              "xen-hypervisor-4.17-amd64", "busybox-static", "fio", "linux-image-amd64",
              "libvirt-daemon-driver-xen", "libvirt-clients"):
        v[p] = apt_candidate(p)
    missing = [p for p, x in v.items() if not x]
    if missing:
        raise BuildError("apt knows no candidate for %s (run apt-get update, or "
                         "scripts/deps.sh lab)" % ", ".join(missing))
    # linux-image-amd64 depends on exactly one linux-image-6.1.0-N-amd64.
    for dep in apt_depends("linux-image-amd64", v["linux-image-amd64"]):
        name = dep.split()[0]
        if name.startswith("linux-image-") and name.endswith("-amd64"):
            ver = dep.split("=", 1)[1].strip(" )") if "=" in dep else v["linux-image-amd64"]
            v["kernel-package"] = name
            v[name] = ver
            break
    else:
        raise BuildError("cannot resolve the kernel package from linux-image-amd64's Depends")
    return v


def sha(*parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else str(p).encode())
        h.update(b"\0")
    return h.hexdigest()[:16]


def file_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def keys(v):
    recipe = json.dumps({"recipe": CHROOT_RECIPE, "suite": SUITE, "mirror": MIRROR,
                         "sources": SOURCES, "include": BASE_INCLUDE, "pinned": PINNED,
                         "versions": v}, sort_keys=True)
    ck = sha(recipe)
    bk = sha(ck, file_bytes(os.path.abspath(__file__)), file_bytes(os.path.join(HERE, "cpio.py")))
    return ck, bk


# ------------------------------------------------------------------ chroot
def build_chroot(path, v):
    if os.geteuid() != 0:
        raise BuildError("building the lab needs root (debootstrap, chroot); run "
                         "scripts/deps.sh lab as root")
    if not shutil.which("debootstrap"):
        raise BuildError("debootstrap not found (scripts/deps.sh lab installs it)")
    tmp = path + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    t0 = time.monotonic()
    log("debootstrap --variant=minbase %s into %s (a few minutes at most)" % (SUITE, tmp))
    dlog = path + ".debootstrap.log"
    with open(dlog, "w") as lf:
        r = subprocess.run(["debootstrap", "--variant=minbase",
                            "--include=" + ",".join(BASE_INCLUDE), SUITE, tmp, MIRROR],
                           stdin=subprocess.DEVNULL, stdout=lf, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        tail = open(dlog, errors="replace").read().splitlines()[-15:]
        shutil.rmtree(tmp, ignore_errors=True)
        raise BuildError("debootstrap failed (log %s):\n  %s" % (dlog, "\n  ".join(tail)))
    with open(os.path.join(tmp, "etc/apt/sources.list"), "w") as f:
        f.write(SOURCES)
    # No daemons may start inside the chroot.
    prc = os.path.join(tmp, "usr/sbin/policy-rc.d")
    with open(prc, "w") as f:
        f.write("#!/bin/sh\nexit 101\n")
    os.chmod(prc, 0o755)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive", LC_ALL="C")
    env.pop("PYTHONPATH", None)
    env.pop("PYTHONHOME", None)
    ilog = path + ".apt.log"
    with open(ilog, "w") as lf:
        def chroot_run(*cmd):
            lf.write("### %s\n" % " ".join(cmd))
            lf.flush()
            r = subprocess.run(["chroot", tmp] + list(cmd), stdin=subprocess.DEVNULL,
                               stdout=lf, stderr=subprocess.STDOUT, env=env)
            if r.returncode != 0:
                lf.flush()
                tail = open(ilog, errors="replace").read().splitlines()[-15:]
                raise BuildError("in the chroot, %s failed (log %s):\n  %s"
                                 % (" ".join(cmd), ilog, "\n  ".join(tail)))
        chroot_run("apt-get", "update", "-q")
        log("apt-get install %s" % " ".join("%s=%s" % (p, v[p]) for p in PINNED))
        chroot_run("apt-get", "install", "-y", "-q", "--no-install-recommends",
                   "-o", "Dpkg::Options::=--force-confdef",
                   "-o", "Dpkg::Options::=--force-confold",
                   *["%s=%s" % (p, v[p]) for p in PINNED])
        # Downloaded, never installed: the kernel and the hypervisor.
        os.makedirs(os.path.join(tmp, "lab-debs"), exist_ok=True)
        kp = v["kernel-package"]
        chroot_run("sh", "-c", "cd /lab-debs && apt-get download -q "
                   "-o APT::Sandbox::User=root %s=%s xen-hypervisor-4.17-amd64=%s"
                   % (kp, v[kp], v["xen-hypervisor-4.17-amd64"]))
        chroot_run("apt-get", "clean")
    os.rename(tmp, path)
    log("chroot ready in %.0f s" % (time.monotonic() - t0))


# ------------------------------------------------------------------ ELF
def elf_info(path):
    """(interp, needed, runpath) of an ELF file, or None if it is not ELF64."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return None
    e_phoff, e_shoff = struct.unpack_from("<QQ", data, 0x20)
    e_phentsize, e_phnum, e_shentsize, e_shnum = struct.unpack_from("<HHHH", data, 0x36)
    interp = None
    for i in range(e_phnum):
        p_type, _, p_offset, _, _, p_filesz = struct.unpack_from(
            "<IIQQQQ", data, e_phoff + i * e_phentsize)
        if p_type == 3:  # PT_INTERP
            interp = data[p_offset:p_offset + p_filesz].rstrip(b"\0").decode()
    sections = []
    for i in range(e_shnum):
        sections.append(struct.unpack_from("<IIQQQQIIQQ", data, e_shoff + i * e_shentsize))
    needed, runpath = [], []
    for sh in sections:
        if sh[1] != 6:  # SHT_DYNAMIC
            continue
        strtab = sections[sh[6]]
        soff = strtab[4]

        def string(o):
            end = data.index(b"\0", soff + o)
            return data[soff + o:end].decode()

        off, end = sh[4], sh[4] + sh[5]
        while off + 16 <= end:
            tag, val = struct.unpack_from("<qQ", data, off)
            off += 16
            if tag == 0:
                break
            if tag == 1:
                needed.append(string(val))
            elif tag in (15, 29):  # DT_RPATH, DT_RUNPATH
                runpath.extend(x for x in string(val).split(":") if x)
    return interp, needed, runpath


def modinfo(path):
    """The .modinfo key=value pairs of a kernel module."""
    with open(path, "rb") as f:
        data = f.read()
    e_shoff = struct.unpack_from("<Q", data, 0x28)[0]
    e_shentsize, e_shnum, e_shstrndx = struct.unpack_from("<HHH", data, 0x3a)
    secs = [struct.unpack_from("<IIQQQQIIQQ", data, e_shoff + i * e_shentsize)
            for i in range(e_shnum)]
    shstr = secs[e_shstrndx]
    out = {}
    for s in secs:
        name_off = shstr[4] + s[0]
        name = data[name_off:data.index(b"\0", name_off)].decode()
        if name == ".modinfo":
            for item in data[s[4]:s[4] + s[5]].split(b"\0"):
                if b"=" in item:
                    k, val = item.decode(errors="replace").split("=", 1)
                    out.setdefault(k, val)
    return out


# ------------------------------------------------------------------ initramfs
class Installer:
    """Copy chroot files into a cpio archive, symlinks and all."""

    def __init__(self, root, writer):
        self.root = root
        self.w = writer
        self.done = set()
        self.libs = set()

    def _walk(self, path, depth=0):
        """Emit every symlink met on the way to path; return the real chroot path."""
        if depth > 40:
            raise BuildError("symlink loop at " + path)
        parts = [p for p in path.split("/") if p]
        cur = ""
        for i, part in enumerate(parts):
            nxt = cur + "/" + part
            host = self.root + nxt
            if os.path.islink(host):
                target = os.readlink(host)
                if nxt not in self.done:
                    self.done.add(nxt)
                    self.w.symlink(nxt, target)
                resolved = target if target.startswith("/") else os.path.normpath(
                    os.path.join(cur or "/", target))
                rest = "/".join(parts[i + 1:])
                return self._walk(resolved + ("/" + rest if rest else ""), depth + 1)
            if not os.path.exists(host):
                raise BuildError("not in the chroot: " + nxt)
            cur = nxt
        return cur or "/"

    def install(self, path, follow_libs=True):
        real = self._walk(path)
        if real in self.done:
            return real
        self.done.add(real)
        host = self.root + real
        if os.path.isdir(host):
            self.w.parents(real)
            self.w.dir(real)
            return real
        self.w.file(real, src=host)
        if follow_libs:
            info = elf_info(host)
            if info:
                interp, needed, runpath = info
                if interp:
                    self.install(interp)
                for lib in needed:
                    self.install(self.find_lib(lib, runpath, os.path.dirname(real)))
        return real

    def find_lib(self, name, runpath, origin):
        dirs = [r.replace("$ORIGIN", origin) for r in runpath] + LIB_DIRS
        for d in dirs:
            p = d + "/" + name
            if os.path.lexists(self.root + p):
                self.libs.add(name)
                return p
        raise BuildError("library %s not found in the chroot" % name)

    def tree(self, path):
        """A directory and everything under it (scripts, configs)."""
        self.install(path)
        for dirpath, dirnames, filenames in os.walk(self.root + path):
            rel = dirpath[len(self.root):]
            for d in sorted(dirnames):
                self.install(rel + "/" + d)
            for fn in sorted(filenames):
                self.install(rel + "/" + fn, follow_libs=False)


def extract_vmlinux(bzimage, out):
    """Decompress the kernel ELF out of a bzImage (boot protocol >= 2.08)."""
    data = file_bytes(bzimage)
    if data[0x202:0x206] != b"HdrS":
        raise BuildError("%s is not a bzImage" % bzimage)
    proto = struct.unpack_from("<H", data, 0x206)[0]
    if proto < 0x208:
        raise BuildError("boot protocol %#x too old for payload_offset" % proto)
    setup_sects = data[0x1f1] or 4
    payload_off = struct.unpack_from("<I", data, 0x248)[0]
    start = (setup_sects + 1) * 512 + payload_off
    payload = data[start:]
    if payload[:6] == b"\xfd7zXZ\x00":
        dec = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
        elf = dec.decompress(payload)
    elif payload[:2] == b"\x1f\x8b":
        elf = gzip.GzipFile(fileobj=__import__("io").BytesIO(payload)).read()
    elif payload[:4] == b"\x28\xb5\x2f\xfd" and shutil.which("zstd"):
        elf = subprocess.run(["zstd", "-dc"], input=payload, stdout=subprocess.PIPE,
                             check=True).stdout
    else:
        raise BuildError("unsupported bzImage payload (magic %s)" % payload[:6].hex())
    if elf[:4] != b"\x7fELF":
        raise BuildError("decompressed payload is not an ELF")
    with open(out, "wb") as f:
        f.write(elf)


def resolve_modules(moddir, wanted=None):
    """The load order for wanted (default MODULES): [(name, path)], each
    module after those it depends on."""
    index = {}
    for dirpath, _, files in os.walk(moddir):
        for fn in files:
            if fn.endswith(".ko"):
                index[fn[:-3].replace("-", "_")] = os.path.join(dirpath, fn)
    order, seen = [], set()

    def visit(name, chain=()):
        key = name.replace("-", "_")
        if key in seen:
            return
        if key in chain:
            raise BuildError("module dependency loop: %s" % " -> ".join(chain + (key,)))
        if key not in index:
            raise BuildError("module %s not found (built in?)" % name)
        for dep in filter(None, modinfo(index[key]).get("depends", "").split(",")):
            visit(dep, chain + (key,))
        seen.add(key)
        order.append((key, index[key]))

    for m in MODULES if wanted is None else wanted:
        visit(m)
    return order


def build_guest_cpio(chroot, path, moddir):
    """The block bench's part of the Linux domU's initramfs, a second
    archive after lab.py's (busybox in /bin, /init): fio (GUEST_PROGRAMS)
    in /usr/bin with the libraries found by following DT_NEEDED, and
    GUEST_MODULES in /usr/lib/modules/lab (load order in its file
    "order"). No /bin, /lib or /lib64: the first archive's /bin is a
    directory; the paths are the real ones (/usr/lib/x86_64-linux-gnu, and
    /lib64 only as the link to the dynamic loader). Returns (bytes,
    [library names])."""
    with open(path, "wb") as fh:
        w = cpio.CpioWriter(fh)
        inst = Installer(chroot, w)
        for p in GUEST_PROGRAMS:
            inst.install(p)
        order = []
        for key, mpath in resolve_modules(moddir, GUEST_MODULES):
            w.file("usr/lib/modules/lab/%s.ko" % key, src=mpath, mode=0o644)
            order.append(key)
        w.file("usr/lib/modules/lab/order", data=("\n".join(order) + "\n").encode())
        w.close()
        return w.bytes, sorted(inst.libs)


def build_guest_net_cpio(path, moddir):
    """The network lab's part of the Linux domU's initramfs, an archive
    lab.py appends after its own: GUEST_NET_MODULES in
    /usr/lib/modules/lab-net (load order in its file "order"). Returns its
    size."""
    with open(path, "wb") as fh:
        w = cpio.CpioWriter(fh)
        order = []
        for key, mpath in resolve_modules(moddir, GUEST_NET_MODULES):
            w.file("usr/lib/modules/lab-net/%s.ko" % key, src=mpath, mode=0o644)
            order.append(key)
        w.file("usr/lib/modules/lab-net/order", data=("\n".join(order) + "\n").encode())
        w.close()
        return w.bytes


def build_libvirt_cpio(chroot, path, have):
    """The virsh scenario's archive, appended after dom0.cpio and the run's
    own: LIBVIRT_PROGRAMS with the libraries found by following DT_NEEDED
    and LIBVIRT_TREES, leaving out every path in have (what dom0.cpio
    holds already: libc, libxenlight and the merged-/usr links). Returns
    (bytes, [library names])."""
    with open(path, "wb") as fh:
        w = cpio.CpioWriter(fh)
        inst = Installer(chroot, w)
        inst.done = set(have)
        for p in LIBVIRT_PROGRAMS:
            inst.install(p)
        for t in LIBVIRT_TREES:
            inst.tree(t)
        w.close()
        return w.bytes, sorted(inst.libs)


def assemble(chroot, out, v):
    tmp = out + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    t0 = time.monotonic()
    debs = os.path.join(chroot, "lab-debs")
    kp = v["kernel-package"]
    abi = kp[len("linux-image-"):]
    work = tempfile.mkdtemp(prefix="labbuild-", dir=os.path.dirname(out))
    try:
        def deb(prefix):
            c = [f for f in os.listdir(debs) if f.startswith(prefix + "_") and f.endswith(".deb")]
            if len(c) != 1:
                raise BuildError("expected one %s .deb in %s, found %s" % (prefix, debs, c))
            return os.path.join(debs, c[0])

        # Xen.
        xd = os.path.join(work, "xen")
        run(["dpkg", "-x", deb("xen-hypervisor-4.17-amd64"), xd])
        with gzip.open(os.path.join(xd, "boot/xen-4.17-amd64.gz")) as f, \
                open(os.path.join(tmp, "xen.elf"), "wb") as g:
            shutil.copyfileobj(f, g)
        # Kernel: vmlinux plus the backend modules.
        kd = os.path.join(work, "kernel")
        log("unpacking %s" % os.path.basename(deb(kp)))
        run(["dpkg", "-x", deb(kp), kd])
        extract_vmlinux(os.path.join(kd, "boot", "vmlinuz-" + abi), os.path.join(tmp, "vmlinux"))
        mods = resolve_modules(os.path.join(kd, "lib", "modules", abi))

        shutil.copy2(os.path.join(chroot, "usr/bin/busybox"), os.path.join(tmp, "busybox"))

        # The dom0 initramfs.
        with open(os.path.join(tmp, "dom0.cpio"), "wb") as fh:
            w = cpio.CpioWriter(fh)
            for d in ("dev", "proc", "sys", "run", "tmp", "root", "mnt", "etc",
                      "var/log/xen/console", "var/lib/xen", "var/lib/xenstored",
                      "usr/lib/modules/lab"):
                w.parents(d + "/x")
            w.chardev("dev/console", 5, 1)
            inst = Installer(chroot, w)
            for p in ("/bin", "/sbin", "/lib", "/lib64"):   # merged /usr links
                inst.install(p)
            for p in PROGRAMS + EXTRA_LIBS:
                inst.install(p)
            for name in XENSTORE_LINKS:
                inst.w.symlink("usr/bin/" + name, "xenstore")
            for name in ("xl", "xenstored", "xenconsoled", "xenconsole", "xen-init-dom0", "xenctx"):
                inst.w.symlink("usr/sbin/" + name, XEN_BIN + "/" + name)
            inst.tree("/etc/xen")
            w.symlink("var/run", "/run")
            w.symlink("var/lock", "/run/lock")
            w.file("etc/passwd", data=b"root:x:0:0:root:/root:/bin/sh\n")
            w.file("etc/group", data=b"root:x:0:\n")
            w.file("etc/hostname", data=b"xl-lab\n")
            # Busybox applets that have no real program in the archive.
            r = run([os.path.join(chroot, "usr/bin/busybox"), "--list"],
                    stdout=subprocess.PIPE, text=True)
            applets = sorted(set(r.stdout.split()) - BUSYBOX_SKIP)
            for a in applets:
                p = "usr/bin/" + a
                if not w.has(p) and not w.has("usr/sbin/" + a):
                    w.symlink(p, "busybox")
            order = []
            for key, path in mods:
                w.file("usr/lib/modules/lab/%s.ko" % key, src=path, mode=0o644)
                order.append(key)
            w.file("usr/lib/modules/lab/order", data=("\n".join(order) + "\n").encode())
            w.close()
            size = w.bytes
        libvirt_size, libvirt_libs = build_libvirt_cpio(
            chroot, os.path.join(tmp, "dom0-libvirt.cpio"), inst.done)
        guest_size, guest_libs = build_guest_cpio(
            chroot, os.path.join(tmp, "linux-guest-fio.cpio"), os.path.join(kd, "lib", "modules", abi))
        build_guest_net_cpio(os.path.join(tmp, "linux-guest-net.cpio"),
                             os.path.join(kd, "lib", "modules", abi))
        manifest = {
            "key": os.path.basename(out),
            "versions": v,
            "kernel_abi": abi,
            "modules": order,
            "libraries": sorted(inst.libs),
            "dom0_cpio_bytes": size,
            "guest_cpio_bytes": guest_size,
            "libvirt_cpio_bytes": libvirt_size,
            "libvirt_libraries": libvirt_libs,
            "guest_libraries": guest_libs,
            "vmlinux_bytes": os.path.getsize(os.path.join(tmp, "vmlinux")),
            "built": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }
        with open(os.path.join(tmp, "lab.json"), "w") as f:
            json.dump(manifest, f, indent=1)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    os.rename(tmp, out)
    log("assembled %s in %.1f s (dom0 initramfs %.1f MiB, %d modules)"
        % (out, time.monotonic() - t0, size / 1048576.0, len(order)))


def prune(root, prefix, keep, current):
    entries = sorted((e for e in os.listdir(root) if e.startswith(prefix)
                      and not e.endswith((".tmp", ".log"))),
                     key=lambda e: os.path.getmtime(os.path.join(root, e)), reverse=True)
    for e in entries[keep:]:
        if e != current:
            log("removing old %s" % e)
            shutil.rmtree(os.path.join(root, e), ignore_errors=True)
            for suffix in (".debootstrap.log", ".apt.log"):
                try:
                    os.unlink(os.path.join(root, e + suffix))
                except OSError:
                    pass


def locate(root):
    """Package versions and the chroot and build directories they key."""
    v = versions()
    ck, bk = keys(v)
    return v, os.path.join(root, "chroot-" + ck), os.path.join(root, "build-" + bk)


def ensure(force=False, quiet=False):
    """Build what is missing; return the build directory."""
    root = cache_root()
    os.makedirs(root, exist_ok=True)
    v, chroot, build = locate(root)
    if not force and os.path.isfile(os.path.join(build, "lab.json")):
        return build
    with open(os.path.join(root, ".lock"), "w") as lockf:
        fcntl.flock(lockf, fcntl.LOCK_EX)
        if not force and os.path.isfile(os.path.join(build, "lab.json")):
            return build
        if not os.path.isdir(chroot) and os.geteuid() == 0:
            # About to fetch packages: pin what the mirror serves today (an
            # old security update may be gone from it already).
            log("apt-get update (to pin current package versions)")
            run(["apt-get", "update", "-q"], stdout=subprocess.DEVNULL,
                env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
            v, chroot, build = locate(root)
            if not force and os.path.isfile(os.path.join(build, "lab.json")):
                return build
        if force:
            shutil.rmtree(build, ignore_errors=True)
        if not os.path.isdir(chroot):
            build_chroot(chroot, v)
        else:
            os.utime(chroot)
        assemble(chroot, build, v)
        prune(root, "chroot-", 2, os.path.basename(chroot))
        prune(root, "build-", 2, os.path.basename(build))
    return build


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--force", action="store_true", help="reassemble the build (not the chroot)")
    ap.add_argument("--print-dir", action="store_true", help="print the build directory")
    args = ap.parse_args(argv)
    try:
        d = ensure(force=args.force)
    except (BuildError, subprocess.CalledProcessError) as e:
        print("labbuild: error: %s" % e, file=sys.stderr)
        return 1
    if args.print_dir:
        print(d)
    else:
        log("lab ready: %s" % d)
    return 0


if __name__ == "__main__":
    sys.exit(main())
