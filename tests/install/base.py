#!/usr/bin/python3
"""The install test's Debian system: a bookworm chroot with GRUB and Xen.

    base.py [--print-dir]

A debootstrap (minbase) of Debian 12 with grub-pc and
xen-hypervisor-4.17-amd64 installed at the versions the host's apt offers
(as the xl lab pins its packages, tests/xl/labbuild.py), cached under
${XENOLITH_CACHE:-~/.cache/xenolith}/install/base-KEY, KEY hashing the
recipe and the versions. Nothing is booted from it directly: the install
test copies it into a filesystem image for each run. Needs root to build.
"""

import argparse
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "xl"))

import labbuild  # noqa: E402  (apt_candidate, sha, SUITE, MIRROR, SOURCES)

PACKAGES = ["grub-pc", "xen-hypervisor-4.17-amd64"]
# Bump when the recipe below changes.
RECIPE = 1
# grub-pc asks where to install the boot loader; a chroot has no disk, and
# the test writes the boot sector itself. Without these answers the
# package's postinst stops to ask.
DEBCONF = """\
grub-pc grub-pc/install_devices multiselect
grub-pc grub-pc/install_devices_empty boolean true
"""


class BaseError(Exception):
    pass


def log(msg):
    print("install-base: " + msg, flush=True)


def cache_root():
    return os.path.join(os.path.dirname(labbuild.cache_root()), "install")


def versions():
    v = {p: labbuild.apt_candidate(p) for p in PACKAGES}
    missing = [p for p, x in v.items() if not x]
    if missing:
        raise BaseError("apt knows no candidate for %s (run apt-get update)" % ", ".join(missing))
    return v


def key(v):
    return labbuild.sha(json.dumps({"recipe": RECIPE, "suite": labbuild.SUITE,
                                    "mirror": labbuild.MIRROR, "sources": labbuild.SOURCES,
                                    "debconf": DEBCONF, "versions": v}, sort_keys=True))


def build(path, v):
    if os.geteuid() != 0:
        raise BaseError("building the install test's chroot needs root (debootstrap)")
    if not shutil.which("debootstrap"):
        raise BaseError("debootstrap not found (scripts/deps.sh install installs it)")
    tmp = path + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    t0 = time.monotonic()
    logf = path + ".log"
    log("debootstrap --variant=minbase %s (log %s)" % (labbuild.SUITE, logf))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive", LC_ALL="C")
    env.pop("PYTHONPATH", None)
    env.pop("PYTHONHOME", None)
    with open(logf, "w") as lf:
        def step(cmd):
            lf.write("### %s\n" % " ".join(cmd))
            lf.flush()
            r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=lf,
                               stderr=subprocess.STDOUT, env=env)
            if r.returncode != 0:
                lf.flush()
                tail = open(logf, errors="replace").read().splitlines()[-15:]
                raise BaseError("%s failed (log %s):\n  %s" % (" ".join(cmd), logf,
                                                               "\n  ".join(tail)))
        step(["debootstrap", "--variant=minbase", labbuild.SUITE, tmp, labbuild.MIRROR])
        with open(os.path.join(tmp, "etc/apt/sources.list"), "w") as f:
            f.write(labbuild.SOURCES)
        prc = os.path.join(tmp, "usr/sbin/policy-rc.d")
        with open(prc, "w") as f:
            f.write("#!/bin/sh\nexit 101\n")
        os.chmod(prc, 0o755)
        with open(os.path.join(tmp, "tmp/debconf.sel"), "w") as f:
            f.write(DEBCONF)
        step(["chroot", tmp, "debconf-set-selections", "/tmp/debconf.sel"])
        step(["chroot", tmp, "apt-get", "update", "-q"])
        log("apt-get install %s" % " ".join("%s=%s" % kv for kv in sorted(v.items())))
        step(["chroot", tmp, "apt-get", "install", "-y", "-q", "--no-install-recommends",
              "-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold"]
             + ["%s=%s" % (p, v[p]) for p in PACKAGES])
        step(["chroot", tmp, "apt-get", "clean"])
        os.unlink(os.path.join(tmp, "tmp/debconf.sel"))
    with open(os.path.join(tmp, "xenolith-install-base.json"), "w") as f:
        json.dump({"versions": v, "recipe": RECIPE}, f, indent=1)
    os.rename(tmp, path)
    log("chroot ready in %.0f s: %s" % (time.monotonic() - t0, path))


def ensure():
    root = cache_root()
    os.makedirs(root, exist_ok=True)
    v = versions()
    path = os.path.join(root, "base-" + key(v))
    if os.path.isdir(path):
        return path
    with open(os.path.join(root, ".lock"), "w") as lockf:
        fcntl.flock(lockf, fcntl.LOCK_EX)
        if not os.path.isdir(path):
            build(path, v)
            labbuild.prune(root, "base-", 1, os.path.basename(path))
    return path


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--print-dir", action="store_true")
    args = ap.parse_args(argv)
    try:
        d = ensure()
    except (BaseError, labbuild.BuildError) as e:
        print("install-base: error: %s" % e, file=sys.stderr)
        return 1
    print(d if args.print_dir else "install-base: ready: %s" % d)
    return 0


if __name__ == "__main__":
    sys.exit(main())
