#!/usr/bin/python3
"""Build Xenolith's Debian binary packages with dpkg-deb.

    mkdeb.py --srctree S --objtree O --version V [--out DIR]

Two packages, the way Debian packages Linux (a versioned image package,
any number of which can be installed side by side, and what they share
in one common package):

  xenolith-image-R (amd64), R the version less its commit hash
      /boot/xenolith-V              the image (symbols and debug info
                                    stripped; the kernel's own symbol table
                                    for backtraces stays)
      /boot/config-xenolith-V       the Kconfig .config it was built with
      /boot/System.map-xenolith-V   nm -n of the unstripped image
      postinst/postrm: update-grub when GRUB is set up
  xenolith-common (all)
      /etc/grub.d/25_xenolith       GRUB menu entries: native (multiboot2)
                                    and Xen + Xenolith as dom0
      /etc/default/xenolith         command-line options for those entries
      /usr/share/xenolith/examples/ xl configs (PV, PVH), libvirt XML
                                    (QEMU, Xen PV, Xen PVH)
      /usr/share/man/man7/xenolith-cmdline.7.gz
                                    made from the image's option registry

Reproducible: every timestamp is SOURCE_DATE_EPOCH (from the environment,
else the tarball's .release, else the commit's date), files are written in
a fixed order with fixed modes and root ownership, and gzip stores no name
or time. Two runs over the same build give the same bytes.
"""
import argparse
import gzip
import hashlib
import io
import os
import re
import shutil
import stat
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import elfread  # noqa: E402

MAINTAINER = os.environ.get(
    "XENOLITH_MAINTAINER",
    "Xenolith maintainers <maintainers@users.noreply.h-seed-1956035c.example>")
HOMEPAGE_NOTE = "docs/install.md in the Xenolith source tree"


class PkgError(Exception):
    pass


def source_date_epoch(srctree):
    e = os.environ.get("SOURCE_DATE_EPOCH")
    if e:
        return int(e)
    rel = os.path.join(srctree, ".release")
    if os.path.isfile(rel):
        lines = open(rel).read().split()
        if len(lines) >= 2:
            return int(lines[1])
    r = subprocess.run(["git", "-C", srctree, "log", "-1", "--format=%ct"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    if r.returncode == 0 and r.stdout.strip():
        return int(r.stdout.strip())
    raise PkgError("no SOURCE_DATE_EPOCH, .release or git commit date to date the package")


class Tree:
    """A package's file tree under a staging directory."""

    def __init__(self, root):
        shutil.rmtree(root, ignore_errors=True)
        os.makedirs(os.path.join(root, "DEBIAN"))
        self.root = root

    def path(self, rel):
        return os.path.join(self.root, rel.lstrip("/"))

    def write(self, rel, data, mode=0o644):
        p = self.path(rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        os.chmod(p, mode)

    def copy(self, rel, src, mode=0o644):
        with open(src, "rb") as f:
            self.write(rel, f.read(), mode)

    def files(self):
        out = []
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames.sort()
            rel = os.path.relpath(dirpath, self.root)
            if rel.split(os.sep)[0] == "DEBIAN":
                continue
            for fn in sorted(filenames):
                out.append(os.path.normpath(os.path.join(rel, fn)))
        return sorted(out)

    def installed_size(self):
        """KiB, counted as dpkg-gencontrol does (each file and directory
        rounded up to a KiB)."""
        total = 0
        for dirpath, dirnames, filenames in os.walk(self.root):
            if os.path.relpath(dirpath, self.root).split(os.sep)[0] == "DEBIAN":
                continue
            total += 1
            for fn in filenames:
                st = os.lstat(os.path.join(dirpath, fn))
                total += (st.st_size + 1023) // 1024 if stat.S_ISREG(st.st_mode) else 1
        return total

    def finish(self, control, epoch, conffiles=(), scripts=None):
        md5 = []
        for rel in self.files():
            with open(os.path.join(self.root, rel), "rb") as f:
                md5.append("%s  %s\n" % (hashlib.md5(f.read()).hexdigest(), rel))
        self.write("DEBIAN/md5sums", "".join(md5))
        if conffiles:
            self.write("DEBIAN/conffiles", "".join(c + "\n" for c in conffiles))
        for name, text in (scripts or {}).items():
            self.write("DEBIAN/" + name, text, 0o755)
        self.write("DEBIAN/control", control.replace(
            "@SIZE@", str(self.installed_size())))
        for dirpath, dirnames, filenames in os.walk(self.root):
            os.chmod(dirpath, 0o755)
            for n in filenames:
                os.utime(os.path.join(dirpath, n), (epoch, epoch), follow_symlinks=False)
        for dirpath, dirnames, filenames in os.walk(self.root, topdown=False):
            os.utime(dirpath, (epoch, epoch))


def gz(data):
    """gzip -9n: no name, no time."""
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    return buf.getvalue()


def changelog(pkg, version, epoch, commit):
    date = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(epoch))
    what = ("built from commit\n    %s." % commit) if commit else "built from a source tarball."
    return ("%s (%s) unstable; urgency=medium\n\n"
            "  * Xenolith %s,\n    %s\n"
            "    The project's history is its git log; docs/ describes each\n"
            "    subsystem.\n\n"
            " -- %s  %s\n" % (pkg, version, version, what, MAINTAINER, date))


POSTINST = """#!/bin/sh
# Regenerate the GRUB menu so that it lists this kernel, when GRUB is set up
# on this system (it has a grub.cfg), as Debian's kernel packages do.
set -e
case "$1" in
configure)
	if command -v update-grub >/dev/null 2>&1 && [ -e /boot/grub/grub.cfg ]; then
		update-grub
	fi
	;;
esac
exit 0
"""

POSTRM = """#!/bin/sh
# Regenerate the GRUB menu without this kernel's entries.
set -e
case "$1" in
remove)
	if command -v update-grub >/dev/null 2>&1 && [ -e /boot/grub/grub.cfg ]; then
		update-grub
	fi
	;;
esac
exit 0
"""

DESC_IMAGE = """Description: Xenolith kernel image, version {v}
 Xenolith is a small x86-64 kernel. This package installs the kernel
 image with its configuration and symbol map in /boot. GRUB lists it in
 its menu, natively (multiboot2) and, where a Xen hypervisor is
 installed, as Xen's dom0 (xenolith-common's /etc/grub.d/25_xenolith).
 The same image also boots as a Xen PV or PVH guest and as a QEMU guest
 (see /usr/share/xenolith/examples)."""

DESC_COMMON = """Description: Xenolith kernel - GRUB integration, examples, manual
 Files shared by every installed xenolith-image package: the GRUB script
 that adds Xenolith's menu entries (native, and Xen + Xenolith as dom0),
 the options for those entries in /etc/default/xenolith, example xl
 configurations for PV and PVH guests and libvirt domain XML, and the
 xenolith-cmdline(7) manual page."""

def image_package(version):
    """The image package's name: xenolith-image-RELEASE, RELEASE being the
    version without the commit hash and ".dirty" (0.1+git109.g904bd11f
    -> 0.1+git109; a tagged release's is the tag). Like Linux's ABI names
    it keeps the name, and so the package's file name, short (lintian),
    while the Version field and the files in /boot carry the whole
    version."""
    return "xenolith-image-" + re.sub(r"(\.g[0-9a-f]+)?(\.dirty)?$", "", version).lower()


def build(args):
    src, obj, v = args.srctree, args.objtree, args.version
    image = os.path.join(obj, "xenolith")
    config = os.path.join(obj, ".config")
    for p in (image, config):
        if not os.path.isfile(p):
            raise PkgError("%s missing (build first)" % p)
    note = elfread.Elf(image).version_note()
    if note != v:
        raise PkgError("the image's version note is %r, the package version %r: "
                       "rebuild the image" % (note, v))
    epoch = source_date_epoch(src)
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    commit = None
    rel = os.path.join(src, ".release")
    if os.path.isfile(rel):
        words = open(rel).read().split()
        commit = words[2] if len(words) >= 3 else None
    else:
        r = subprocess.run(["git", "-C", src, "rev-parse", "HEAD"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)
        commit = r.stdout.strip() or None
    out = args.out or os.path.join(obj, "deb")
    stage = os.path.join(out, "stage")
    os.makedirs(out, exist_ok=True)
    copyright_text = open(os.path.join(HERE, "copyright"), "rb").read()
    ipkg = image_package(v)
    results = []

    # ---- the image package
    t = Tree(os.path.join(stage, ipkg))
    stripped = os.path.join(stage, "xenolith.stripped")
    subprocess.run([os.environ.get("OBJCOPY", "objcopy"), "--strip-all", image, stripped],
                   check=True)
    t.copy("boot/xenolith-" + v, stripped)
    os.unlink(stripped)
    t.copy("boot/config-xenolith-" + v, config)
    nm = subprocess.run([os.environ.get("NM", "nm"), "-n", image], stdout=subprocess.PIPE,
                        check=True).stdout
    t.write("boot/System.map-xenolith-" + v, nm)
    t.write("usr/share/doc/%s/copyright" % ipkg, copyright_text)
    t.write("usr/share/doc/%s/changelog.gz" % ipkg, gz(changelog(ipkg, v, epoch, commit)))
    control = "\n".join([
        "Package: " + ipkg,
        "Source: xenolith",
        "Version: " + v,
        "Architecture: amd64",
        "Maintainer: " + MAINTAINER,
        "Installed-Size: @SIZE@",
        "Depends: xenolith-common (>= %s)" % v,
        "Suggests: grub-pc | grub-efi-amd64, xen-hypervisor-4.17-amd64",
        "Section: kernel",
        "Priority: optional",
        DESC_IMAGE.format(v=v),
    ]) + "\n"
    t.finish(control, epoch, scripts={"postinst": POSTINST, "postrm": POSTRM})
    results.append((t, "%s_%s_amd64.deb" % (ipkg, v)))

    # ---- the common package
    cpkg = "xenolith-common"
    t = Tree(os.path.join(stage, cpkg))
    t.copy("etc/grub.d/25_xenolith", os.path.join(HERE, "grub", "25_xenolith"), 0o755)
    t.copy("etc/default/xenolith", os.path.join(HERE, "grub", "xenolith.default"))
    exdir = os.path.join(HERE, "examples")
    for fn in sorted(os.listdir(exdir)):
        text = open(os.path.join(exdir, fn)).read().replace("@VERSION@", v)
        t.write("usr/share/xenolith/examples/" + fn, text)
    man = subprocess.run([sys.executable, os.path.join(HERE, "mkman.py"), "--image", image,
                          "--readme", os.path.join(src, "README.md"), "--version", v,
                          "--date", time.strftime("%Y-%m-%d", time.gmtime(epoch))],
                         stdout=subprocess.PIPE, check=True).stdout
    t.write("usr/share/man/man7/xenolith-cmdline.7.gz", gz(man))
    t.write("usr/share/doc/%s/copyright" % cpkg, copyright_text)
    t.write("usr/share/doc/%s/changelog.gz" % cpkg, gz(changelog(cpkg, v, epoch, commit)))
    control = "\n".join([
        "Package: " + cpkg,
        "Source: xenolith",
        "Version: " + v,
        "Architecture: all",
        "Maintainer: " + MAINTAINER,
        "Installed-Size: @SIZE@",
        "Recommends: grub-common",
        "Suggests: xen-hypervisor-4.17-amd64, xen-utils-4.17, libvirt-clients",
        "Section: kernel",
        "Priority: optional",
        DESC_COMMON,
    ]) + "\n"
    t.finish(control, epoch, conffiles=["/etc/default/xenolith", "/etc/grub.d/25_xenolith"])
    results.append((t, "%s_%s_all.deb" % (cpkg, v)))

    built = []
    for t, name in results:
        dest = os.path.join(out, name)
        subprocess.run(["dpkg-deb", "--root-owner-group", "-Zxz", "--build", t.root, dest],
                       check=True, stdout=subprocess.DEVNULL)
        built.append(dest)
    shutil.rmtree(stage, ignore_errors=True)
    return built


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--srctree", required=True)
    ap.add_argument("--objtree", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--out")
    args = ap.parse_args()
    try:
        for p in build(args):
            print("deb-pkg: %s" % p)
    except (PkgError, elfread.ElfError, subprocess.CalledProcessError) as e:
        print("deb-pkg: error: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
