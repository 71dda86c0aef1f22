#!/usr/bin/python3
"""End-to-end install test: the Debian packages on a Debian 12 system with
GRUB and Xen, booted from the disk in QEMU.

    installtest.py --objtree DIR --debs DIR --version V [--echo] [--keep]

1. A copy of the cached bookworm system (tests/install/base.py: grub-pc
   and xen-hypervisor-4.17-amd64 installed) in OBJTREE/install-test/root.
   update-grub runs once, as on a system where GRUB is set up.
2. dpkg -i xenolith-common and xenolith-image-V: the image's postinst runs
   update-grub; grub.cfg must then hold the native entry and the
   "Xen + Xenolith as dom0" entry for V, and no others of ours.
3. /etc/default/xenolith gets XENOLITH_CMDLINE="ktest=all". For each of
   the two entries: GRUB_DEFAULT names it, update-grub, a disk image is
   made from the system's /boot (an MBR, GRUB's boot sector and a core
   image made by the system's own grub-mkimage, then an ext2 partition),
   and QEMU boots it. GRUB's menu entry boots the kernel natively, or Xen
   with the kernel as its PV dom0; the boot passes when its KTAP run does
   (tests/boot: every suite the mode requires) and the console shows the
   package's version.
4. dpkg -r of the image: its postrm's update-grub must leave no Xenolith
   entry; then xenolith-common is purged (its conffiles go).

In a chroot, grub-probe cannot see a disk: the test diverts it (the
system's own dpkg-divert) to a script answering for the disk the test
builds: / and /boot on its first MBR partition, ext2 with a fixed UUID.
Everything else (grub-mkconfig, the grub.d scripts, the packages'
maintainer scripts) is the system's own. Prints one line per step and
"N passed, N failed" at the end; exit status 0 only when all passed.
"""
import argparse
import os
import re
import shutil
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRCTREE = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(SRCTREE, "tests", "boot"))

import base  # noqa: E402
import boot  # noqa: E402
import signatures  # noqa: E402

FS_UUID = "3b6f1c2e-5a8d-4e0f-9c71-0d2a4b6e8f10"
PART_START = 2048            # sectors: 1 MiB, GRUB's core image fits before it
XEN_CMDLINE = boot.XEN_CMDLINE
GRUB_TEST_CFG = """\
# The install test's GRUB settings (tests/install/installtest.py).
GRUB_DEFAULT="{default}"
GRUB_TIMEOUT=0
GRUB_TERMINAL=serial
GRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1"
GRUB_DISABLE_OS_PROBER=true
GRUB_CMDLINE_XEN_DEFAULT="{xen}"
"""
# grub-probe for the disk the test builds (see the docstring).
GRUB_PROBE = """#!/bin/sh
# grub-probe stand-in of Xenolith's install test: the system's / and /boot
# are on the first partition (MBR) of the disk the test builds, ext2.
target= device=
while [ $# -gt 0 ]; do
	case "$1" in
	--target=*) target=${1#--target=} ;;
	-t) shift; target=$1 ;;
	--device|-d) device=1 ;;
	-*) ;;
	*) ;;
	esac
	shift
done
case "$target" in
device) echo /dev/sda1 ;;
disk) echo /dev/sda ;;
fs) echo ext2 ;;
fs_uuid) echo %s ;;
fs_label) echo xenolith-test ;;
partmap) echo msdos ;;
abstraction|cryptodisk_uuid|partuuid|msdos_parttype) ;;
drive) echo '(hd0,msdos1)' ;;
compatibility_hint|bios_hints|baremetal_hints|efi_hints) echo 'hd0,msdos1' ;;
hints_string) echo '--hint-bios=hd0,msdos1 --hint-efi=hd0,msdos1 --hint-baremetal=ahci0,msdos1' ;;
*) echo "grub-probe (install test): unknown target '$target'" >&2; exit 1 ;;
esac
""" % FS_UUID


class Steps:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, ok, what, detail=""):
        if ok:
            self.passed += 1
            print("install-test: PASS  %s%s" % (what, (": " + detail) if detail else ""),
                  flush=True)
        else:
            self.failed += 1
            print("install-test: FAIL  %s%s" % (what, (": " + detail) if detail else ""),
                  flush=True)
        return ok


class TestError(Exception):
    pass


def run(cmd, log, check=True, **kw):
    log.write("### %s\n" % " ".join(cmd))
    log.flush()
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, **kw)
    log.write(r.stdout)
    log.flush()
    if check and r.returncode != 0:
        raise TestError("%s failed (exit %d):\n%s" % (" ".join(cmd), r.returncode,
                                                       "\n".join(r.stdout.splitlines()[-15:])))
    return r


class System:
    """The Debian system under test, reached with chroot."""

    def __init__(self, root, log):
        self.root, self.log = root, log
        self.env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C",
                    "DEBIAN_FRONTEND": "noninteractive", "HOME": "/root"}

    def run(self, *cmd, check=True):
        return run(["chroot", self.root] + list(cmd), self.log, check=check, env=self.env)

    def path(self, p):
        return os.path.join(self.root, p.lstrip("/"))

    def write(self, p, text, mode=0o644):
        with open(self.path(p), "w") as f:
            f.write(text)
        os.chmod(self.path(p), mode)

    def grub_cfg(self):
        with open(self.path("/boot/grub/grub.cfg")) as f:
            return f.read()


def entries(cfg):
    """[(title, id)] of the menu entries in a grub.cfg."""
    return re.findall(r"^\s*menuentry '([^']*)'.*?\$menuentry_id_option '([^']*)'", cfg, re.M)


def entry_body(cfg, eid):
    m = re.search(r"menuentry [^\n]*'%s' \{\n(.*?)^\}" % re.escape(eid), cfg, re.M | re.S)
    return m.group(1) if m else ""


def mbr_partition(start, sectors):
    """One bootable Linux (0x83) primary partition entry, LBA only."""
    chs = b"\xfe\xff\xff"
    return struct.pack("<B3sB3sII", 0x80, chs, 0x83, chs, start, sectors)


def make_disk(sysroot, work, log):
    """disk.img from the system's /boot, as grub-install would set it up."""
    stage = os.path.join(work, "fs")
    shutil.rmtree(stage, ignore_errors=True)
    os.makedirs(stage)
    shutil.copytree(sysroot.path("/boot"), os.path.join(stage, "boot"), symlinks=True)
    # grub-install copies the platform's modules next to grub.cfg.
    shutil.copytree(sysroot.path("/usr/lib/grub/i386-pc"),
                    os.path.join(stage, "boot", "grub", "i386-pc"), dirs_exist_ok=True)
    size_mb = 16 + sum(os.path.getsize(os.path.join(d, f))
                       for d, _, fs in os.walk(stage) for f in fs) // (1 << 20)
    fs_img = os.path.join(work, "fs.img")
    if os.path.exists(fs_img):
        os.unlink(fs_img)
    run(["mke2fs", "-q", "-F", "-t", "ext2", "-U", FS_UUID, "-L", "xenolith-test",
         "-E", "root_owner=0:0", "-d", stage, fs_img, "%dM" % size_mb], log)
    # The system's GRUB makes the core image: the MBR partition module, the
    # filesystem module and the prefix where grub.cfg and the modules are.
    sysroot.run("grub-mkimage", "-O", "i386-pc", "-o", "/tmp/core.img",
                "-p", "(hd0,msdos1)/boot/grub", "biosdisk", "part_msdos", "ext2")
    core = open(sysroot.path("/tmp/core.img"), "rb").read()
    if len(core) > (PART_START - 1) * 512:
        raise TestError("core.img of %d bytes does not fit before the partition" % len(core))
    boot_img = open(sysroot.path("/usr/lib/grub/i386-pc/boot.img"), "rb").read()
    fs = open(fs_img, "rb").read()
    disk = os.path.join(work, "disk.img")
    with open(disk, "wb") as f:
        mbr = bytearray(boot_img[:512])
        # boot.img's code, then the partition table and the signature. Its
        # defaults already say: core image at LBA 1, boot from the BIOS
        # drive it was loaded from.
        mbr[446:462] = mbr_partition(PART_START, len(fs) // 512)
        mbr[462:510] = bytes(48)
        mbr[510:512] = b"\x55\xaa"
        f.write(mbr)
        f.write(core)
        f.seek(PART_START * 512)
        f.write(fs)
    shutil.rmtree(stage, ignore_errors=True)
    os.unlink(fs_img)
    return disk


def qemu_cmd(disk, xen):
    cmd = [boot.QEMU, "-display", "none", "-vga", "none", "-nic", "none", "-no-reboot",
           "-serial", "stdio", "-monitor", "none", "-machine", "pc",
           "-drive", "file=%s,format=raw,if=ide" % disk, "-boot", "c"]
    if xen:
        # As tests/boot: SMAP/SMEP off for a PV dom0 under TCG.
        cmd += ["-cpu", "max,-smap,-smep", "-m", "2048", "-smp", "2"]
    else:
        cmd += ["-cpu", "max", "-m", "256", "-smp", "2",
                "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    return cmd


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--objtree", required=True)
    ap.add_argument("--debs", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--echo", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the system and disk afterwards")
    ap.add_argument("--retries", type=int, default=1)
    args = ap.parse_args(argv)
    v = args.version
    st = Steps()
    work = os.path.join(os.path.abspath(args.objtree), "install-test")
    logdir = os.path.join(work, "logs")
    t_all = time.monotonic()
    try:
        if os.geteuid() != 0:
            raise TestError("needs root (chroot, dpkg in the test system)")
        basedir = base.ensure()
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(logdir)
        log = open(os.path.join(logdir, "system.log"), "w")
        root = os.path.join(work, "root")
        t0 = time.monotonic()
        run(["cp", "-a", "--reflink=auto", basedir, root], log)
        print("install-test: system copied from %s in %.1f s" % (basedir, time.monotonic() - t0))
        sysroot = System(root, log)
        sysroot.run("dpkg-divert", "--local", "--rename", "--add", "/usr/sbin/grub-probe")
        sysroot.write("/usr/sbin/grub-probe", GRUB_PROBE, 0o755)
        sysroot.write("/etc/default/grub.d/zz-xenolith-test.cfg",
                      GRUB_TEST_CFG.format(default="0", xen=XEN_CMDLINE))
        sysroot.run("update-grub")
        st.check(not [e for e in entries(sysroot.grub_cfg()) if e[1].startswith("xenolith-")],
                 "update-grub before the install: no Xenolith entries")

        debs = sorted(os.path.join(args.debs, f) for f in os.listdir(args.debs)
                      if f.endswith(".deb"))
        image_deb = [d for d in debs if os.path.basename(d).startswith("xenolith-image-")]
        common_deb = [d for d in debs if os.path.basename(d).startswith("xenolith-common_")]
        if len(image_deb) != 1 or len(common_deb) != 1:
            raise TestError("expected one xenolith-image and one xenolith-common .deb in %s"
                            % args.debs)
        os.makedirs(sysroot.path("/tmp/debs"), exist_ok=True)
        for d in common_deb + image_deb:
            shutil.copy(d, sysroot.path("/tmp/debs"))
        r = sysroot.run("dpkg", "-i", "/tmp/debs/" + os.path.basename(common_deb[0]),
                        "/tmp/debs/" + os.path.basename(image_deb[0]), check=False)
        st.check(r.returncode == 0, "dpkg -i xenolith-common xenolith-image-%s" % v,
                 "" if r.returncode == 0 else r.stdout.splitlines()[-5:])
        for p in ("/boot/xenolith-" + v, "/boot/config-xenolith-" + v,
                  "/boot/System.map-xenolith-" + v, "/etc/grub.d/25_xenolith",
                  "/usr/share/man/man7/xenolith-cmdline.7.gz",
                  "/usr/share/xenolith/examples/xenolith-pv.cfg",
                  "/usr/share/xenolith/examples/libvirt-qemu.xml"):
            st.check(os.path.isfile(sysroot.path(p)), "installed " + p)
        native_id = "xenolith-%s-native" % v
        xen_id = "xenolith-%s-xen-4.17-amd64" % v
        cfg = sysroot.grub_cfg()
        ours = [e for e in entries(cfg) if "xenolith" in e[1]]
        st.check([e[1] for e in ours] == [native_id, xen_id],
                 "postinst's update-grub: native and Xen dom0 entries",
                 "; ".join("%s (%s)" % e for e in ours))
        st.check("multiboot2 /boot/xenolith-%s" % v in entry_body(cfg, native_id),
                 "native entry loads the image with multiboot2")
        xb = entry_body(cfg, xen_id)
        st.check("multiboot2 /boot/xen-4.17-amd64.gz" in xb and
                 "module2 /boot/xenolith-%s" % v in xb,
                 "Xen entry: Xen with multiboot2, Xenolith as its module2 (dom0)")
        with open(os.path.join(logdir, "grub.cfg.installed"), "w") as f:
            f.write(cfg)

        # Boot each entry with the test suites on the command line.
        with open(sysroot.path("/etc/default/xenolith"), "a") as f:
            f.write('XENOLITH_CMDLINE="ktest=all"\n')
        for label, eid, mode in (("native", native_id, "grub"),
                                 ("xen-pv-dom0", xen_id, "xen-pv-dom0")):
            sysroot.write("/etc/default/grub.d/zz-xenolith-test.cfg",
                          GRUB_TEST_CFG.format(default=eid, xen=XEN_CMDLINE))
            sysroot.run("update-grub")
            cfg = sysroot.grub_cfg()
            st.check('set default="%s"' % eid in cfg and "ktest=all" in entry_body(cfg, eid),
                     "%s: grub.cfg boots %s with ktest=all" % (label, eid))
            t0 = time.monotonic()
            disk = make_disk(sysroot, work, log)
            print("install-test: %s: disk image made in %.1f s" % (label, time.monotonic() - t0),
                  flush=True)
            cmd = qemu_cmd(disk, mode != "grub")
            required = boot.REQUIRED_SUITES[mode]
            for attempt in range(args.retries + 1):
                att = boot.run_attempt(cmd, mode, os.path.join(logdir, "boot-%s%s.log" % (
                    label, ".retry%d" % attempt if attempt else "")),
                    240 if mode != "grub" else 150, "ktap", echo=args.echo,
                    required=required, selection="all")
                if att.verdict != signatures.FLAKE:
                    break
                print("install-test: %s: INFRA-FLAKE (%s), again" % (label, att.reasons[0]))
            st.check(att.verdict == signatures.PASS, "%s: GRUB entry %s, ktest=all" % (label, eid),
                     "%s in %.0f s (%s; log %s)" % (att.verdict, att.wall,
                                                   "; ".join(att.reasons), att.log))
            text = open(att.log, errors="replace").read()
            st.check("Xenolith version %s" % v in text, "%s: the kernel reports version %s"
                     % (label, v))
            st.check(re.search(r"\] command line: ktest=all\s*$", text, re.M) is not None,
                     "%s: the kernel's command line is exactly the entry's options" % label)
            if mode != "grub":
                st.check("Xen version 4.17" in text or "Xen 4.17" in text or
                         "Xen-4.17" in text, "%s: Xen 4.17 from the system's package ran"
                         % label)
            os.unlink(disk)

        pkg = subprocess.run(["dpkg-deb", "-f", image_deb[0], "Package"], stdout=subprocess.PIPE,
                             text=True, check=True).stdout.strip()
        r = sysroot.run("dpkg", "-r", pkg, check=False)
        cfg = sysroot.grub_cfg()
        left = [e for e in entries(cfg) if "xenolith" in e[1]]
        st.check(r.returncode == 0 and not left and
                 not os.path.exists(sysroot.path("/boot/xenolith-" + v)),
                 "dpkg -r %s: image gone, postrm's update-grub left no entry"
                 % pkg, "; ".join(e[1] for e in left))
        r = sysroot.run("dpkg", "--purge", "xenolith-common", check=False)
        st.check(r.returncode == 0 and not os.path.exists(sysroot.path("/etc/grub.d/25_xenolith"))
                 and not os.path.exists(sysroot.path("/etc/default/xenolith")),
                 "dpkg --purge xenolith-common: GRUB script and settings gone")
    except (TestError, base.BaseError) as e:
        st.check(False, "setup", str(e))
    finally:
        if not args.keep:
            shutil.rmtree(os.path.join(work, "root"), ignore_errors=True)
    print("install-test: %.0f s in all; logs in %s" % (time.monotonic() - t_all, logdir))
    print("%d passed, %d failed" % (st.passed, st.failed))
    return 0 if st.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
