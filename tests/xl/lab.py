#!/usr/bin/python3
"""The xl lab: Xen + a Debian Linux dom0 in QEMU, creating Xenolith domUs with xl.

    lab.py test  --image IMG [--objtree DIR] [--types pv,pvh] [--scenarios a,b] [--variants x,y]
    lab.py bench --image IMG [--objtree DIR] [--types pv,pvh]
    lab.py soak  --image IMG ...        every test case on every type, plus the soak suite
    lab.py shell --image IMG            dom0 shell on this terminal (Ctrl-A X quits)
    lab.py list                         scenarios and their cases

One QEMU boot runs a list of cases in order. A case is a scenario
(tests/xl/scenarios/NAME.sh, a dom0 shell script using dom0/lablib.sh) for
one guest type (pv or pvh) and variant. The dom0 prints markers
("XLLAB ...") and the guest consoles ("G|dom| ...") on the serial line; this
script streams that to OBJTREE/xl-logs/, judges every case from its markers
(every result in the scenario's "lab-expect" list must pass, none may fail,
the scenario must exit 0) and, for "lab-ktap: yes" scenarios, from the
guest's KTAP output, which must include every suite the guest type
requires (GUEST_TYPES) and the scenario's own ("lab-require"; with
"lab-ktap: last" only the last KTAP run on the console counts). Only the known emulation flakes of
tests/boot/signatures.py (a dom0 process segfault, a domU triple fault
before the guest's early console line or one whose vCPU dump holds Xen's
own registers, QEMU internal errors), with no failure the guest itself
shows (for that second triple fault: none before it died), make a case INFRA-FLAKE; those cases run
once more (--retries), and the same signature again counts as a failure.
The run prints "flakes: N (budget M)" and fails over budget
(--flake-budget). Exit status 0 only if every case passed.

The Debian parts (Xen, dom0 kernel and initramfs) come from labbuild.py,
cached outside the tree; the per-run parts (init, helpers, scenarios, case
list, the image) are a second cpio archive appended to the dom0 initramfs.
"""

import argparse
import bisect
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRCTREE = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(SRCTREE, "tests", "boot"))

import cpio  # noqa: E402
import ktap  # noqa: E402
import linepump  # noqa: E402
import labbuild  # noqa: E402
import signatures  # noqa: E402
from matrix import table  # noqa: E402

PASS, FAIL, FLAKE = "PASS", "FAIL", "INFRA-FLAKE"
QEMU = os.environ.get("QEMU", "qemu-system-x86_64")
SCENARIO_DIR = os.path.join(HERE, "scenarios")
DOM0_DIR = os.path.join(HERE, "dom0")
GUEST_LINUX_DIR = os.path.join(HERE, "guest-linux")
# The package's example configs (the virsh scenario defines its domains
# from the libvirt ones), shipped as /lab/examples.
EXAMPLES_DIR = os.path.join(SRCTREE, "scripts", "package", "examples")

XEN_CMDLINE = ("console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M "
               "loglvl=all guest_loglvl=all bootscrub=0")
DOM0_CMDLINE = "console=hvc0 earlyprintk=xen quiet"
QEMU_MEM = 3072

# Guest types and the in-kernel suites each must run in a KTAP scenario
# (lab-ktap: yes), among those the guest's command line selects: one that
# is skipped, missing or broken fails the case by name. A new suite goes
# into every type that can run it; the boot modes have their own table
# (tests/boot/boot.py, REQUIRED_SUITES).
DOMU_SUITES = ("alloc", "pgtable", "timer", "fault", "mm", "sched", "smp", "blk", "evtchn",
               "xenstore", "gnttab", "xenbus", "net", "tcp", "balloon", "xencons")
GUEST_TYPES = {
    "pv": {"required": DOMU_SUITES + ("multicall", "pvmap")},
    "pvh": {"required": DOMU_SUITES},
}
# Results of scenario steps done by dom0's toolstack and hotplug scripts
# (processes a spurious segfault can kill). Any other failing result
# checked the guest's own behaviour: that failure is the guest's, and a
# segfault elsewhere in dom0 does not make it a flake.
DOM0_STEPS = ("create", "destroy", "vbd", "vif", "unplug", "net-attach", "net-detach")
# The virsh scenario's toolstack steps: libvirt's start builds the domain
# as xl create does, attach-disk and detach-disk run the block hotplug
# script (the guest's side of those is judged by results of their own).
DOM0_STEPS += ("start", "start-2", "attach-disk", "detach-disk")
DEFAULT_FLAKE_BUDGET = 2
DOM0_BOOT_TIMEOUT = 180     # QEMU start -> "XLLAB dom0-ready"
# The emulated CPU (LAB_QEMU_CPU in the environment overrides it, for
# experiments with the emulation; docs/xen-lab.md). No SMAP/SMEP: a PV
# dom0 dies at its first exception bounce under TCG. No XSAVE (nor what
# needs it: AVX and the other extended states): with it, processes in the
# PV dom0 died of segfaults about once per hostile-net case, with their
# TLS or heap reading another's data (14 segfaults in 9 cases; 0 in 6
# without XSAVE, 5 in 3 without FSGSBASE alone). Xenolith uses no FPU
# state, so its guests lose nothing.
LAB_CPU = "max,-smap,-smep,-xsave"
# One host thread runs both emulated CPUs. With QEMU's default multi-threaded
# TCG, about one PVH guest in fourteen died in the emulated SVM world switch
# (its saved state Xen's own, or the event after its idle halt undeliverable);
# with one thread, none in the same cases, and the lab about 10% slower.
# docs/xen-lab.md, "Emulation flakes".
LAB_ACCEL = "tcg,thread=single"
MAX_CONTINUATIONS = 2       # fresh boots for cases a stopped boot never began
DEFAULT_CASE_COST = 25.0    # seconds, for a scenario without lab-cost
CASE_SLACK = 120            # beyond a case's own timeout before the host gives up (dom0 logs where the case was stuck, dumps state, destroys its domains)

_MARKER = re.compile(r"XLLAB (\S+)(.*)$")
_GUEST = re.compile(r"^([GL])\|([^|\s]+)\|(?:(-?\d+|-)\|)? ?(.*)$")
_KV = re.compile(r"([A-Za-z_][\w.-]*)=(\S*)")
_XEN = re.compile(r"^\(XEN\)")
_XEN_PANIC = re.compile(r"Panic on CPU \d+")
_XEN_FATAL_TRAP = re.compile(r"FATAL TRAP")
_DOM0_END = re.compile(r"Hardware Dom0 (halted|crashed|shutdown)|Domain 0 (crashed|halted|shut down)")
_DOMU_XEN = re.compile(r"\bd(\d+)(?:v\d+)?\b|\bDomain (\d+)\b|\bdom(?:ain)?[ =]?(\d+)\b")
_TRIPLE = re.compile(r"\bd(\d+)v\d+ Triple fault")
_DOMU_CRASH = re.compile(r"Domain (\d+) \(vcpu#\d+\) crashed|domain_crash called from|"
                         r"\bd(\d+)v\d+ (?:Triple fault|.*crash)")
# Xen lines worth quoting when a case fails.
_XEN_NOTABLE = re.compile(r"Triple fault|emulation failed|crashed|domain_crash|FATAL|"
                          r"Unhandled|bad (?:page|mfn)|Panic")
# Printed at every PVH domain build; not worth showing in a failure report.
_XEN_NOISE = re.compile(r"^HVM ?d?\d+(?:v\d+)? (?:save|restore):")
_KERNEL_PANIC = re.compile(r"Kernel panic\b")
_HOTPLUG_TIMEOUT = re.compile(r"async_exec_timeout: killing execution of /etc/xen/scripts/\S+ "
                              r"(?:add|online) because of timeout")
# The known flake signatures are the boot runner's (one list for both).
_PROC_SEGFAULT = signatures.PROC_SEGFAULT
_QEMU_INTERNAL = signatures.QEMU_INTERNAL
_READY = re.compile(r"\bxenolith: ready\b")
_BENCH = re.compile(r"\bbench: (.*)$")
_KTEST_DONE = re.compile(r"ktest: done: (\d+) passed, (\d+) failed, (\d+) skipped")
_CMDLINE = re.compile(r"\bcommand line: (.*)$")


class LabError(Exception):
    pass


# ------------------------------------------------------------------ scenarios
class Scenario:
    def __init__(self, name, path):
        self.name, self.path = name, path
        self.meta = {}
        with open(path) as f:
            for line in f:
                m = re.match(r"^#\s*lab-([\w-]+):\s*(.*?)\s*$", line)
                if m:
                    self.meta[m.group(1)] = m.group(2)
        self.suite = self.meta.get("suite", "test")
        self.types = self.meta.get("types", "pv pvh").split()
        self.timeout = int(self.meta.get("timeout", "180"))
        # "lab-cost: 25 one=140 smp=50": about how many seconds a case of
        # each variant takes (the first bare number for the rest); only
        # used to share the cases out between parallel lab boots.
        self.costs = {}
        for tok in self.meta.get("cost", "").split():
            label, sep, val = tok.rpartition("=")
            try:
                self.costs[label if sep else ""] = float(val)
            except ValueError:
                raise LabError("%s: bad lab-cost %r" % (path, tok))
        self.expect = self.meta.get("expect", "").split()
        # "yes": the guest's KTAP run must pass; "last": only its last run
        # counts (a scenario that runs the self-tests more than once, from
        # the monitor, and judges the earlier runs itself).
        ktap = self.meta.get("ktap", "no").lower()
        self.ktap = ktap in ("yes", "1", "true", "last")
        self.ktap_last = ktap == "last"
        # Suites this scenario's KTAP must run and pass whatever the
        # guest's command line selects (on top of its guest type's).
        self.require = self.meta.get("require", "").split()
        self.variants = []      # [(label, {VAR: VALUE})]
        for v in self.meta.get("variants", "").split():
            label, _, assigns = v.partition(":")
            self.variants.append((label, dict(a.split("=", 1) for a in assigns.split(",") if a)))
        if not self.variants:
            self.variants = [("", {})]


def load_scenarios():
    out = {}
    for fn in sorted(os.listdir(SCENARIO_DIR)):
        if fn.endswith(".sh"):
            out[fn[:-3]] = Scenario(fn[:-3], os.path.join(SCENARIO_DIR, fn))
    return out


class Case:
    def __init__(self, scenario, gtype, variant, env):
        self.scenario, self.type, self.variant, self.env = scenario, gtype, variant, env
        self.name = "-".join(x for x in (scenario.name, variant, gtype) if x)

    def cost(self):
        c = self.scenario.costs
        return c.get(self.variant, c.get("", DEFAULT_CASE_COST))

    def line(self):
        return " ".join([self.name, self.scenario.name, self.type, str(self.scenario.timeout)] +
                        ["%s=%s" % kv for kv in sorted(self.env.items())])


def make_cases(scenarios, suite=None, names=None, types=None, variants=None):
    """The cases of a suite (or of the named scenarios). The soak suite is
    every "test" scenario on every type it declares, LAB_ONLY_TYPES
    ignored, plus the scenarios of suite "soak" (long repetitions)."""
    cases = []
    soak = suite == "soak"
    for s in scenarios.values():
        if names:
            if s.name not in names:
                continue
        elif soak:
            if s.suite not in ("test", "soak"):
                continue
        elif suite and s.suite != suite:
            continue
        for label, env in s.variants:
            if variants and label and label not in variants:
                continue
            # A variant may run on some of the scenario's types only
            # (LAB_ONLY_TYPES=pv+pvh style), to keep make test's time.
            only = env.get("LAB_ONLY_TYPES", "").split("+") if env.get("LAB_ONLY_TYPES") else None
            if soak:
                only = None
            for t in s.types:
                if types and t not in types:
                    continue
                if only and t not in only:
                    continue
                if s.suite == "bench" and "LAB_IDLECHECK" not in env:
                    # Benchmarks time the kernel as shipped: no idle check.
                    env = dict(env, LAB_IDLECHECK="0")
                cases.append(Case(s, t, label, env))
    if names:   # keep the order asked for
        cases.sort(key=lambda c: names.index(c.scenario.name))
    return cases


# ------------------------------------------------------------------ initramfs
def guest_linux_initrd(busybox, extra=None, nettest=None):
    """The Linux domU's initramfs: busybox and the bench init; with extra
    (the lab build's linux-guest-fio.cpio: fio, its libraries and
    xen-blkfront, for the block bench; or linux-guest-net.cpio:
    xen-netfront, for the network lab) that archive after it, which Linux
    unpacks too; with nettest (the host-built static tool) /bin/nettest."""
    import io
    buf = io.BytesIO()
    w = cpio.CpioWriter(buf)
    for d in ("bin", "dev", "proc", "sys", "tmp"):
        w.dir(d)
    w.chardev("dev/console", 5, 1)
    w.file("bin/busybox", src=busybox, mode=0o755)
    r = subprocess.run([busybox, "--list"], stdout=subprocess.PIPE, text=True, check=True)
    for a in r.stdout.split():
        if a != "busybox":
            w.symlink("bin/" + a, "busybox")
    if nettest:
        w.file("bin/nettest", src=nettest, mode=0o755)
    w.file("init", src=os.path.join(GUEST_LINUX_DIR, "init"), mode=0o755)
    w.close()
    if extra:
        with open(extra, "rb") as f:
            buf.write(f.read())
    return buf.getvalue()


# Further Xenolith images a run carries besides the one under test
# (--extra-image NAME=PATH, e.g. the domu_defconfig build as
# "xenolith-domu"): /lab/images/NAME in dom0, chosen by a case with the
# variant key LAB_KERNEL=NAME (lablib's lab_create boots it).
EXTRA_IMAGES = {}


def write_initrd(path, lab, image, cases, shell=False):
    """dom0.cpio from the lab build, then this run's archive."""
    need_linux = shell or any(c.env.get("LAB_GUEST") == "linux" for c in cases)
    # The block bench's Linux guest: the same initramfs with fio (large).
    need_fio = shell or any(c.env.get("LAB_GUEST") == "linux" and c.env.get("LAB_FIO")
                            for c in cases)
    # The network lab's Linux guest (scenarios net*, hostile-net* and
    # lifecycle*, which pings it): xen-netfront and nettest.
    need_net = shell or any(c.env.get("LAB_GUEST") == "linux" and
                            c.scenario.name.startswith(("net", "hostile-net", "lifecycle"))
                            for c in cases)
    # The virsh scenario's dom0: libvirtd, its libxl driver and virsh
    # (the lab build's dom0-libvirt.cpio, appended after the run's archive).
    need_libvirt = shell or any(c.scenario.name.startswith("virsh") for c in cases)
    with open(path, "wb") as out:
        with open(os.path.join(lab, "dom0.cpio"), "rb") as f:
            while True:
                chunk = f.read(1 << 20)
                if not chunk:
                    break
                out.write(chunk)
        w = cpio.CpioWriter(out)
        w.file("init", src=os.path.join(DOM0_DIR, "init"), mode=0o755)
        w.dir("lab")
        w.file("lab/lablib.sh", src=os.path.join(DOM0_DIR, "lablib.sh"), mode=0o644)
        w.file("lab/run-case.sh", src=os.path.join(DOM0_DIR, "run-case.sh"), mode=0o755)
        w.dir("lab/scenarios")
        for fn in sorted(os.listdir(SCENARIO_DIR)):
            if fn.endswith(".sh"):
                w.file("lab/scenarios/" + fn, src=os.path.join(SCENARIO_DIR, fn), mode=0o644)
        w.file("lab/cases", data=("".join(c.line() + "\n" for c in cases)).encode())
        w.dir("lab/images")
        w.file("lab/images/xenolith", src=image, mode=0o644)
        for name in sorted(n for n in EXTRA_IMAGES
                           if shell or any(c.env.get("LAB_KERNEL") == n for c in cases)):
            w.file("lab/images/" + name, src=EXTRA_IMAGES[name], mode=0o644)
        # Symbols for xenctx after a failure (System.map format).
        nm = subprocess.run(["nm", "-n", image], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
        if nm.returncode == 0 and nm.stdout:
            w.file("lab/images/xenolith.map", data=nm.stdout)
        # Host-built dom0 tools from the image's build tree: the disk
        # pattern tool (lib/blkpattern.c) for the blk scenario, the
        # misbehaving block and network backends for the hostile ones,
        # nettest (tests/xl/nettest.c) for the network lab.
        tools = [t for t in ("blkpat", "hostile-blkback", "hostile-netback", "nettest")
                 if os.path.isfile(os.path.join(os.path.dirname(image), "host", t))]
        if tools:
            w.dir("lab/bin")
        for t in tools:
            w.file("lab/bin/" + t, src=os.path.join(os.path.dirname(image), "host", t), mode=0o755)
        if need_linux:
            w.file("lab/images/vmlinux", src=os.path.join(lab, "vmlinux"), mode=0o644)
            w.file("lab/images/linux-guest.cpio",
                   data=guest_linux_initrd(os.path.join(lab, "busybox")))
        if need_fio:
            w.file("lab/images/linux-guest-fio.cpio",
                   data=guest_linux_initrd(os.path.join(lab, "busybox"),
                                           os.path.join(lab, "linux-guest-fio.cpio")))
        nettest = os.path.join(os.path.dirname(image), "host", "nettest")
        if need_net:
            if not os.path.isfile(nettest):
                raise LabError("%s missing: the network lab needs it (make nettest)" % nettest)
            w.file("lab/images/linux-guest-net.cpio",
                   data=guest_linux_initrd(os.path.join(lab, "busybox"),
                                           os.path.join(lab, "linux-guest-net.cpio"), nettest))
        w.dir("lab/examples")
        for fn in sorted(os.listdir(EXAMPLES_DIR)):
            w.file("lab/examples/" + fn, src=os.path.join(EXAMPLES_DIR, fn), mode=0o644)
        if shell:
            w.file("lab/shell", data=b"1\n")
            w.file("etc/profile", data=b". /lab/lablib.sh\nLAB_CASE=shell LAB_TYPE=pv\n"
                   b"PS1='dom0# '\n")
        w.close()
        if need_libvirt:
            with open(os.path.join(lab, "dom0-libvirt.cpio"), "rb") as f:
                shutil.copyfileobj(f, out, 1 << 20)


def qemu_command(lab, initrd, serial="stdio"):
    for p in (lab, initrd):
        if " " in p or "," in p:
            raise LabError("path must not contain spaces or commas: " + p)
    module0 = "%s %s" % (os.path.join(lab, "vmlinux"), DOM0_CMDLINE)
    cmd = [QEMU, "-display", "none", "-vga", "none", "-nic", "none", "-no-reboot",
           "-serial", serial]
    if serial != "mon:stdio":
        cmd += ["-monitor", "none"]
    # Never KVM. The CPU model: LAB_CPU; the accelerator: LAB_ACCEL.
    cmd += ["-accel", os.environ.get("LAB_QEMU_ACCEL") or LAB_ACCEL,
            "-machine", "pc", "-cpu", os.environ.get("LAB_QEMU_CPU") or LAB_CPU,
            "-m", str(QEMU_MEM), "-smp", "2",
            "-kernel", os.path.join(lab, "xen.elf"), "-append", XEN_CMDLINE,
            "-initrd", "%s,%s" % (module0.replace(",", ",,"), initrd.replace(",", ",,"))]
    return cmd


# ------------------------------------------------------------------ monitor
class CaseRun:
    """What one attempt saw of one case."""

    def __init__(self, case):
        self.case = case
        self.begun = self.ended = False
        self.rc = None
        self.elapsed_ms = None
        self.results = []           # [(name, status, detail)]
        self.metrics = {}
        self.domains = {}           # name -> domid
        self.guest = {}             # name -> [lines] (live stream)
        self.guest_ms = {}          # name -> [dom0 uptime ms when each line arrived]
        self.start_ms = {}          # name -> dom0 uptime ms at (first) unpause
        self.replay = {}            # name -> [lines] (log replay)
        self.console_counts = {}    # name -> (log_lines, stream_lines)
        self.notes = []             # "lab: " lines
        self.xen = []               # Xen lines during the case
        self.flakes = []
        self.triple = None          # first "dNvM Triple fault" line
        self.results_at_death = None
        self.world_switch = None    # its vCPU dump held Xen's own state
        self.dump = signatures.WorldSwitchDump()
        self.dom0_panic = None
        self.wall0 = None
        self.wall = None
        self.verdict = None
        self.reasons = []

    def console(self, dom):
        """The guest's console lines: the replay when there is one (it is the
        complete log), else the live stream."""
        return self.replay.get(dom) or self.guest.get(dom, [])

    def all_console(self):
        out = []
        for dom in self.domains or self.guest:
            out.extend(self.console(dom))
        return out


class Monitor:
    def __init__(self, cases, progress=None):
        self.runs = {c.name: CaseRun(c) for c in cases}
        self.order = [c.name for c in cases]
        self.current = None
        self.dom0_ready = None      # marker fields
        self.dom0_ready_wall = None
        self.ended = False
        self.errors = []            # XLLAB error
        self.xen_panic = None
        self.xen_fatal_trap = None
        self.dom0_panic = None
        self.dom0_end = None
        self.flakes = []            # run-level
        self.qemu_errors = []
        self.tail = []
        self.t0 = time.monotonic()
        self.progress = progress or (lambda s: None)
        self._xen_panic_next = False

    def _run(self):
        return self.runs.get(self.current) if self.current else None

    def feed_stderr(self, line):
        if line.strip():
            self.qemu_errors.append(line.strip())
            if _QEMU_INTERNAL.search(line):
                self.flakes.append("qemu-internal-error: " + line.strip())

    def feed(self, raw):
        line = raw.rstrip("\r\n")
        if "\r" in line:
            line = line.split("\r")[-1] or line.replace("\r", "")
        self.tail.append(line)
        if len(self.tail) > 80:
            del self.tail[:-60]
        run = self._run()
        m = _GUEST.match(line)
        if m:
            kind, dom, ms, text = m.groups()
            r = run or self._run_for_dom(dom)
            if r is not None:
                (r.guest if kind == "G" else r.replay).setdefault(dom, []).append(text)
                if kind == "G":
                    r.guest_ms.setdefault(dom, []).append(int(ms) if ms and ms != "-" else None)
            return
        if _XEN.match(line):
            self._xen_line(line, run)
            return
        m = _MARKER.search(line)
        if m and line.startswith("XLLAB "):
            self._marker(m.group(1), m.group(2), run)
            return
        if line.startswith("lab: "):
            if run is not None:
                run.notes.append(line[5:])
                # libxl killed a hotplug script that outran its time limit:
                # the emulated dom0 was too slow (many forks per script);
                # the guest never ran, so only the toolstack step failed.
                if _HOTPLUG_TIMEOUT.search(line):
                    sig = "dom0 hotplug script timed out: " + line[5:].strip()
                    run.flakes.append(sig)
                    self.progress("INFRA-FLAKE signature: " + line[5:].strip())
            return
        # dom0 kernel and anything else.
        if _KERNEL_PANIC.search(line) and self.dom0_panic is None:
            self.dom0_panic = line.strip()
            if run is not None:
                run.dom0_panic = line.strip()
        m = _PROC_SEGFAULT.search(line)
        if m:
            sig = "transient segfault of a dom0 process: " + line.strip()
            (run.flakes if run is not None else self.flakes).append(sig)
            self.progress("INFRA-FLAKE signature: " + line.strip())

    def _run_for_dom(self, dom):
        for r in self.runs.values():
            if dom in r.domains:
                return r
        return None

    def _xen_line(self, line, run):
        body = ktap.normalize_line(line)
        if self._xen_panic_next and body.strip() and not body.startswith("****"):
            self.xen_panic = body.strip()
            self._xen_panic_next = False
        if _XEN_PANIC.search(body) and self.xen_panic is None:
            self.xen_panic = "(reason not printed)"
            self._xen_panic_next = True
        if _XEN_FATAL_TRAP.search(body) and self.xen_fatal_trap is None:
            self.xen_fatal_trap = body.strip()
        m = _DOM0_END.search(body)
        if m and self.dom0_end is None:
            self.dom0_end = body.strip()
        if run is not None:
            if len(run.xen) < 400:
                run.xen.append(body)
            m = _TRIPLE.search(body)
            if m and run.triple is None:
                run.triple = body.strip()
                # The checks that failed before the guest died are its own.
                run.results_at_death = len(run.results)
            if run.triple is not None and run.world_switch is None:
                run.world_switch = run.dump.feed(body)
            m = _DOMU_CRASH.search(body)
            if m and any(d in run.domains.values() for d in m.groups() if d):
                run.crash = getattr(run, "crash", None) or body.strip()

    def _marker(self, kind, rest, run):
        rest, _, text = rest.partition(" -- ")
        kv = dict(_KV.findall(rest))
        wall = time.monotonic() - self.t0
        if kind == "dom0-ready":
            self.dom0_ready = kv
            self.dom0_ready_wall = wall
            self.progress("dom0 ready after %.1f s (Linux %s, Xen %s)"
                          % (wall, kv.get("kernel", "?"), kv.get("xen", "?")))
        elif kind == "case-begin":
            name = kv.get("case")
            if name not in self.runs:
                self.errors.append("unknown case %s" % name)
                return
            self.current = name
            r = self.runs[name]
            r.begun = True
            r.wall0 = wall
            self.progress("[%s] started" % name)
        elif kind == "case-end":
            r = self.runs.get(kv.get("case"))
            if r is None:
                return
            r.ended = True
            r.rc = int(kv.get("rc", "-1"))
            r.elapsed_ms = int(kv.get("elapsed_ms", "0"))
            r.wall = wall - (r.wall0 or wall)
            self.current = None
            self.progress("[%s] ended (rc %d, %.1f s)" % (r.case.name, r.rc, r.elapsed_ms / 1000.0))
        elif kind == "result":
            r = self.runs.get(kv.get("case"))
            if r is not None:
                r.results.append((kv.get("name", "?"), kv.get("status", "fail"), text.strip()))
                self.progress("[%s] %s: %s %s" % (r.case.name, kv.get("name"), kv.get("status"),
                                                  text.strip()))
        elif kind == "metric":
            r = self.runs.get(kv.get("case"))
            if r is not None:
                dom = kv.get("dom", "")
                for k, v in kv.items():
                    if k not in ("case", "dom"):
                        r.metrics.setdefault(dom, {})[k] = v
        elif kind == "domain":
            r = self.runs.get(kv.get("case"))
            if r is not None:
                r.domains[kv.get("dom")] = kv.get("domid")
                if kv.get("start_ms", "").isdigit():
                    r.start_ms.setdefault(kv.get("dom"), int(kv["start_ms"]))
        elif kind == "console":
            r = self.runs.get(kv.get("case"))
            if r is not None:
                r.console_counts[kv.get("dom")] = (int(kv.get("log_lines", 0)),
                                                   int(kv.get("stream_lines", 0)))
        elif kind == "end":
            self.ended = True
            self.progress("dom0 finished the case list")
        elif kind == "error":
            self.errors.append(text.strip())
            self.progress("dom0 error: " + text.strip())

    # -------------------------------------------------------------- stop
    def fatal(self):
        return self.xen_panic or self.dom0_panic or self.dom0_end or \
            (self.xen_fatal_trap and self.dom0_ready is None)


# ------------------------------------------------------------------ judging
_KTAP_START = re.compile(r"^(?:KTAP|TAP) version \d+\s*$")


def last_ktap_run(lines):
    """The console lines from the last top-level "KTAP version" line on
    (all of them when there is none)."""
    start = 0
    for i, l in enumerate(lines):
        if _KTAP_START.match(ktap.normalize_line(l)):
            start = i
    return lines[start:]


_TYPED_KTEST = re.compile(r"xenolith> ktest (\S+)\s*$")


def typed_ktest(lines):
    """What the last "ktest SUITES" typed at the monitor (its echo after
    the prompt) selected (as signatures.ktest_selection()), or None."""
    for l in reversed(lines):
        m = _TYPED_KTEST.search(ktap.normalize_line(l))
        if m:
            return signatures.ktest_selection("ktest=" + m.group(1))
    return None


def guest_facts(lines):
    """KTAP report, 'ktest: done' tuple, bench dict, ready flag, panic line."""
    p = ktap.KtapParser()
    done = None
    bench = {}
    ready = False
    panic = None
    for l in lines:
        p.feed(l)
        clean = ktap.normalize_line(l)
        m = _KTEST_DONE.search(clean)
        if m and done is None:
            done = tuple(int(x) for x in m.groups())
        m = _BENCH.search(clean)
        if m and m.group(1).startswith("phases "):
            # The boot profile (kernel/bootprof.c), kept whole for the
            # bench table; never the key=value bench line.
            bench.setdefault("phases", m.group(1)[len("phases "):])
        elif m and "boot_ns" not in bench:
            bench.update(_KV.findall(m.group(1)))
        if _READY.search(clean):
            ready = True
        if panic is None and _KERNEL_PANIC.search(clean):
            panic = clean.strip()
    return p.finish(), done, bench, ready, panic


# The block bench's figures (scenario blkbench): Xenolith's "blk bench"
# lines and the Linux guest's fio lines have one shape.
_BLK_FIG = re.compile(r"\bbench: (blk|linux-fio) (\S+) ((?:seq|rand)-(?:read|write)) (\d+)KiB "
                      r"qd(\d+): (\d+) (MB/s|IOPS)\s*$")
# Counters Xenolith's monitor prints: "stats" (one "  NAME  N" line each),
# "gnttab", and "blkfront" (a line per queue).
_STAT_LINE = re.compile(r"^\s*(hypercalls|events|interrupts)\s+(\d+)\s*$")
_GNTTAB_LINE = re.compile(r"\bgnttab: (\d+) grants, (\d+) ends, .*?(\d+) copies")
_BF_QUEUE = re.compile(r"\bq(\d+): port \d+, in flight \d+, requests (\d+), responses \d+, "
                       r"errors \d+, waited (\d+), events (\d+)")


def blk_workload(name, kib, qd):
    """A figure's label: "seq-read 1M qd4", "rand-write 4K qd32"."""
    size = "%dM" % (kib // 1024) if kib >= 1024 and kib % 1024 == 0 else "%dK" % kib
    return "%s %s qd%d" % (name, size, qd)


def blk_figures(lines):
    """A guest's block bench figures, in order: [(workload, value, unit)]
    (see blk_workload; unit "MB/s" or "IOPS"). A workload seen twice keeps
    its last value."""
    out = {}
    for l in lines:
        m = _BLK_FIG.search(ktap.normalize_line(l))
        if m:
            out[blk_workload(m.group(3), int(m.group(4)), int(m.group(5)))] = (
                int(m.group(6)), m.group(7))
    return [(k, v, u) for k, (v, u) in out.items()]


def blk_counters(lines):
    """What Xenolith's counters did across its block bench: the last values
    of the monitor's stats, gnttab and blkfront lines before the first
    figure, subtracted from the last ones after the last figure. Returns
    {"requests": ring requests (all queues), "hypercalls", "grants",
    "ends", "copies", "bf_events" (blkfront's events), "waited",
    "events", "interrupts"} (those with both snapshots), or None if there
    is no figure or no ring request counted."""
    clean = [ktap.normalize_line(l) for l in lines]
    idx = [i for i, l in enumerate(clean) if _BLK_FIG.search(l)]
    if not idx:
        return None

    def snapshot(part):
        snap, queues = {}, {}
        for l in part:
            m = _STAT_LINE.match(l)
            if m:
                snap[m.group(1)] = int(m.group(2))
                continue
            m = _GNTTAB_LINE.search(l)
            if m:
                snap["grants"], snap["ends"], snap["copies"] = (int(x) for x in m.groups())
                continue
            m = _BF_QUEUE.search(l)
            if m:
                queues[int(m.group(1))] = tuple(int(x) for x in m.groups()[1:])
        if queues:
            snap["requests"] = sum(q[0] for q in queues.values())
            snap["waited"] = sum(q[1] for q in queues.values())
            snap["bf_events"] = sum(q[2] for q in queues.values())
        return snap

    before, after = snapshot(clean[:idx[0]]), snapshot(clean[idx[-1] + 1:])
    d = {k: after[k] - before[k] for k in after if k in before}
    if not d.get("requests"):
        return None
    return d


def judge(run, mon, stopped_why):
    """Verdict and reasons for one case in one attempt."""
    c = run.case
    reasons, hard = [], []
    lines = run.all_console()
    rep, done, bench, ready, panic = guest_facts(lines)
    run.blk = blk_figures(lines)
    run.blk_counters = blk_counters(lines)
    typed = None
    if c.scenario.ktap_last:
        # Earlier runs are the scenario's business; a panic anywhere is not.
        last = last_ktap_run(lines)
        rep, done = guest_facts(last)[:2]
        typed = typed_ktest(lines[:len(lines) - len(last)])
    run.ktap_report, run.ktest_done, run.bench, run.guest_panic = rep, done, bench, panic
    if not run.begun:
        why = stopped_why or "; ".join(mon.errors) or "not reached"
        flake = mon.flakes[0] if mon.flakes else None
        if flake:
            return FLAKE, ["not run: " + flake]
        return FAIL, ["not run (%s)" % why]

    status = {}
    for name, st, detail in run.results:
        if st != "pass":
            hard.append("%s: %s %s" % (name, st, detail))
        status.setdefault(name, st)
    for name in c.scenario.expect:
        if name not in status:
            reasons.append("no result '%s'" % name)
    if not run.ended:
        reasons.append("case did not finish (%s)" % (stopped_why or "run stopped"))
    elif run.rc not in (0,) and not hard:
        reasons.append("scenario exited with status %s" % run.rc)
    if c.scenario.ktap:
        if rep.failures:
            hard.extend("guest KTAP " + f for f in rep.failures[:10])
        if done and done[1]:
            hard.append("guest reported %d failed test(s)" % done[1])
        if not rep.seen:
            reasons.append("no KTAP on the guest console")
        elif not rep.ok:
            reasons.extend("guest KTAP: " + e for e in rep.errors[:5])
        elif done is None:
            reasons.append("no 'ktest: done' line on the guest console")
        if rep.seen:
            sel = "all"
            for l in lines:
                m = _CMDLINE.search(ktap.normalize_line(l))
                if m:
                    sel = signatures.ktest_selection(m.group(1)) or "all"
                    if c.scenario.ktap_last:
                        # No ktest= on the command line: a run from the
                        # monitor, which selects its own suites.
                        sel = signatures.ktest_selection(m.group(1))
                    break
            if typed is not None:
                sel = typed
            required = GUEST_TYPES.get(c.type, {}).get("required", ())
            problems = signatures.required_suite_problems(rep, required, sel)
            # The scenario's own (lab-require) whatever the selection.
            problems += [p for p in signatures.required_suite_problems(
                rep, c.scenario.require, "all") if p not in problems]
            for p in problems:
                # Skipping is the guest's own statement; a missing suite
                # may be a run cut short, which other reasons explain.
                (hard if " skipped: " in p else reasons).append(p)
        elif c.scenario.require:
            reasons.append("no KTAP run of the required suite(s) %s"
                           % " ".join(c.scenario.require))
    if panic:
        hard.append("guest console: " + panic)
    if run.dom0_panic:
        hard.append("dom0: " + run.dom0_panic)
    for dom, (a, b) in run.console_counts.items():
        if a != b:
            run.notes.append("console stream of %s had %d of %d lines (log replayed)" % (dom, b, a))

    if not hard and not reasons:
        return PASS, [summary(run)]
    # A known flake signature inside this case, and no failure the guest
    # shows: infrastructure. Anything else is a real failure.
    flakes = list(run.flakes)
    if not run.ended:
        flakes.extend(mon.flakes)
    triple = run.triple
    marker = any(signatures.EARLY_CONSOLE.search(l) for l in lines)
    run.idle_attested = any(_IDLE_CHECK_ON.search(l) for l in lines) and \
        not any(_IDLE_CHECK_SAID.search(l) for l in lines)
    if triple and not lines:
        flakes.append("triple fault before any guest console output: " + triple)
    elif emulation_death(run):
        flakes.append(emulation_death(run))
    seen = guest_visible(run, rep, done, panic, marker, hard)
    if seen:
        hard = seen + [h for h in hard if h not in seen]
        if c.scenario.ktap_last:
            # The scenario's failed step first: when it gave up, the
            # last KTAP run is an earlier one it does not judge.
            steps = ["%s: %s %s" % r for r in run.results if r[1] != "pass"]
            hard = [h for h in hard if h in steps] + [h for h in hard if h not in steps]
    elif flakes:
        return FLAKE, flakes[:1] + hard + reasons
    xen = [l.strip() for l in run.xen if _XEN_NOTABLE.search(l)]
    if xen:
        reasons.append("Xen: " + xen[0])
    for dom in run.guest_ms:
        gap = longest_silence(run, dom)
        if gap and gap[0] >= 10:
            reasons.append("%s's console silent for %.0f s after %r" % (dom, gap[0],
                                                                        gap[1].strip()[:50]))
    return FAIL, hard + reasons


# The guest's idle check (README, "idlecheck"): on, and what it prints
# when the delivery state changed (followed by a panic).
_IDLE_CHECK_ON = re.compile(r"\bidle check: on\b")
_IDLE_CHECK_SAID = re.compile(r"\bidle check: (?!on\b)")
# Where a CPU's idle loop halts: the instruction after its "sti; hlt".
IDLE_HALT_RIP = "native_safe_halt+0x2"


def emulation_death(run):
    """Why the case's triple fault is the emulation's, or None: Xen's dump
    holds Xen's own registers (the world switch), or the guest died
    delivering the event that woke it from its idle halt although its
    idle check had verified that delivery's state right before the halt
    and never saw it change (docs/xen-lab.md)."""
    if not run.triple:
        return None
    if run.world_switch:
        return ("triple fault in the emulated world switch (the guest's saved state is "
                "Xen's own: %s): %s" % (run.world_switch, run.triple))
    if getattr(run, "idle_attested", False) and \
            symbolize(run.dump.first_rip) == IDLE_HALT_RIP:
        return ("triple fault delivering the event that woke the guest from its idle halt "
                "(%s, %s), its idle check having verified the delivery state before the "
                "halt: %s" % (run.dump.first_rip, IDLE_HALT_RIP, run.triple))
    return None


# The image's symbols (nm -n), to name a dead guest's RIP in a report;
# run_cases loads them.
SYMBOLS = []
_RIP_ADDR = re.compile(r"RIP:\s+[0-9a-f]{4}:\[<([0-9a-f]+)>\]")


def load_symbols(image):
    """[(address, name)] of the image's text symbols, sorted; [] if nm fails."""
    try:
        out = subprocess.run(["nm", "-n", image], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True).stdout
    except OSError:
        return []
    syms = []
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] in "tTwW":
            syms.append((int(f[0], 16), f[2]))
    return syms


def symbolize(rip_line, syms=None):
    """"name+0xoff" for the address in Xen's "RIP: cs:[<addr>]" line, if it
    falls inside the image's text (between two of its symbols); else None."""
    syms = SYMBOLS if syms is None else syms
    m = _RIP_ADDR.search(rip_line or "")
    if not m or len(syms) < 2:
        return None
    a = int(m.group(1), 16)
    i = bisect.bisect_right([x[0] for x in syms], a) - 1
    if i < 0 or i >= len(syms) - 1:
        return None
    return "%s+%#x" % (syms[i][1], a - syms[i][0])


def guest_visible(run, rep, done, panic, marker, hard):
    """The failures the guest itself shows, which no flake signature can
    explain away: its KTAP failures, a panic, a required suite it skipped,
    and once it printed its early console line (it was up), a crash or
    triple fault and any failed check of its behaviour (a result that is
    not a dom0 toolstack step)."""
    out = []
    if rep.failures or (done and done[1]) or panic:
        out.extend(h for h in hard if h.startswith(("guest ", "guest KTAP")))
    out.extend(h for h in hard if h.startswith("required suite "))
    if marker:
        died = run.triple or getattr(run, "crash", None)
        results = run.results
        if emulation_death(run) and getattr(run, "crash", None) in (None, run.triple):
            # The emulation killed it: what failed afterwards followed
            # from that, what failed before is still the guest's.
            died = None
            results = results[:run.results_at_death]
        if died:
            rip = run.dump.first_rip if died == run.triple else None
            sym = symbolize(rip) if rip else None
            out.append("guest died after 'xenolith: early console up': " + died
                       + (" (%s%s)" % (rip, ", " + sym if sym else "") if rip else ""))
        out.extend("%s: %s %s" % (name, st, detail) for name, st, detail in results
                   if st != "pass" and name not in DOM0_STEPS)
    return out


def vcpu_summary(metrics):
    """"4 vCPUs (4 ran), boot 1.23 s" from a case's metrics (lab_metric
    vcpus= vcpus_ran= boot_ms=, any domain; the last one reported wins);
    "" without them."""
    m = {}
    for d in metrics.values():
        m.update(d)
    parts = []
    n, ran = _ms(m.get("vcpus")), _ms(m.get("vcpus_ran"))
    if n is not None:
        parts.append("%d vCPU%s%s" % (n, "" if n == 1 else "s",
                                      "" if ran is None else " (%d ran)" % ran))
    boot = _ms(m.get("boot_ms"))
    if boot is not None:
        parts.append("boot %.2f s" % (boot / 1000.0))
    return ", ".join(parts)


def summary(run):
    parts = []
    v = vcpu_summary(run.metrics)
    if v:
        parts.append(v)
    rep = getattr(run, "ktap_report", None)
    if run.case.scenario.ktap and rep is not None and rep.seen:
        parts.append("KTAP " + rep.summary())
    for name, st, detail in run.results:
        if name in ("shutdown", "ready"):
            parts.append("%s: %s" % (name, detail))
    return "; ".join(parts) or "all results passed"


# ------------------------------------------------------------------ one boot
LIVE_QEMU = set()      # QEMU processes of running boots (every shard's)


def stop_qemu(proc):
    LIVE_QEMU.discard(proc)
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except OSError:
        proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            proc.kill()
        proc.wait()


def boot(lab, image, cases, log_path, run_dir, echo=False, say=print):
    """One QEMU boot running cases; returns (Monitor, stop reason, wall s)."""
    os.makedirs(run_dir, exist_ok=True)
    for fn in os.listdir(run_dir):      # consoles of an earlier run
        if ".console." in fn:
            os.unlink(os.path.join(run_dir, fn))
    initrd = os.path.join(run_dir, "initrd.cpio")
    write_initrd(initrd, lab, image, cases)
    cmd = qemu_command(lab, initrd)
    mon = Monitor(cases, progress=lambda s: say("lab: " + s))
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    logf = open(log_path, "w", encoding="utf-8", errors="replace")
    logf.write("### xl lab: %d case(s): %s\n### %s\n" % (
        len(cases), " ".join(c.name for c in cases), " ".join(shlex.quote(c) for c in cmd)))
    logf.flush()
    deadline_total = DOM0_BOOT_TIMEOUT + sum(c.scenario.timeout + 30 for c in cases)
    t0 = time.monotonic()
    mon.t0 = t0
    proc, sel, bufs = linepump.spawn(cmd)
    LIVE_QEMU.add(proc)

    def handle(name, raw):
        text = raw.decode("utf-8", errors="replace")
        if name == "err":
            logf.write("[qemu stderr] " + text + "\n")
            mon.feed_stderr(text)
        else:
            logf.write(text + "\n")
            mon.feed(text)
        if echo:
            sys.stdout.write(("[qemu stderr] " if name == "err" else "") + text + "\n")
            sys.stdout.flush()

    why = None
    stop_at = None
    try:
        open_pipes = 2
        while open_pipes:
            now = time.monotonic()
            el = now - t0
            if stop_at is None:
                if mon.ended:
                    stop_at, why = now + 1.0, None
                elif mon.fatal():
                    stop_at = now + 3.0
                    why = ("Xen panic: %s" % mon.xen_panic if mon.xen_panic else
                           "dom0 panic: %s" % mon.dom0_panic if mon.dom0_panic else
                           "Xen: %s" % (mon.dom0_end or mon.xen_fatal_trap))
                elif mon.dom0_ready is None and el > DOM0_BOOT_TIMEOUT:
                    stop_at, why = now, "dom0 not ready after %d s" % DOM0_BOOT_TIMEOUT
                elif el > deadline_total:
                    stop_at, why = now, "whole run over its %d s limit" % deadline_total
                else:
                    r = mon._run()
                    if r is not None and r.wall0 is not None and \
                            el - r.wall0 > r.case.scenario.timeout + CASE_SLACK:
                        stop_at, why = now, "case %s hung beyond its timeout" % r.case.name
            if stop_at is not None and now >= stop_at:
                break
            limit = stop_at if stop_at is not None else now + 0.5
            open_pipes -= linepump.pump(sel, bufs, handle, max(0.01, min(0.5, limit - now)))
        if open_pipes == 0 and not mon.ended and why is None:
            why = "QEMU exited (status %s)" % proc.poll()
        for name in ("out", "err"):
            if bufs[name]:
                handle(name, bufs[name])
    finally:
        stop_qemu(proc)
        sel.close()
        try:
            os.unlink(initrd)   # up to ~90 MiB, rebuilt every run
        except OSError:
            pass
        wall = time.monotonic() - t0
        logf.write("### end: %s; wall %.1f s\n" % (why or "dom0 finished", wall))
        logf.close()
    return mon, why, wall


def timed_lines(run, dom):
    """[(seconds since the domain was unpaused or None, line)] of the live stream."""
    t0 = run.start_ms.get(dom)
    out = []
    for ms, text in zip(run.guest_ms.get(dom, []), run.guest.get(dom, [])):
        out.append(((ms - t0) / 1000.0 if ms is not None and t0 is not None else None, text))
    return out


def longest_silence(run, dom):
    """(seconds, line before, line after) of the longest gap in the stream."""
    best = None
    prev = None
    for t, text in timed_lines(run, dom):
        if t is None:
            continue
        if prev is not None and (best is None or t - prev[0] > best[0]):
            best = (t - prev[0], prev[1], text)
        prev = (t, text)
    return best


def save_consoles(mon, run_dir):
    """DOM.console.log (the console as the guest wrote it) and
    DOM.console.timed (each line with when dom0 saw it, in seconds after
    the unpause)."""
    for r in mon.runs.values():
        for dom in set(r.guest) | set(r.replay):
            with open(os.path.join(run_dir, "%s.console.log" % dom), "w") as f:
                f.write("\n".join(r.console(dom)) + "\n")
            timed = timed_lines(r, dom)
            if timed:
                with open(os.path.join(run_dir, "%s.console.timed" % dom), "w") as f:
                    for t, text in timed:
                        f.write("%9s  %s\n" % ("-" if t is None else "%.2f" % t, text))


# ------------------------------------------------------------------ runs
class Outcome:
    def __init__(self, case):
        self.case = case
        self.attempts = []      # [(CaseRun, verdict, reasons, log)]
        self.flaky = None
        self.reproduced = False
        self.flakes = 0         # attempts judged INFRA-FLAKE (the flake budget)

    @property
    def verdict(self):
        return self.attempts[-1][1] if self.attempts else FAIL

    @property
    def run(self):
        return self.attempts[-1][0] if self.attempts else None

    def label(self):
        if self.verdict == PASS and self.flaky:
            return "PASS (flake, retried)"
        if self.reproduced:
            return "FAIL (flake twice)"
        return self.verdict


def run_cases(lab, image, cases, logdir, tag, retries=1, echo=False, say=print, label=""):
    """Boots one lab after another until every case ran (with retries);
    label ("shard 2 ") names the chain in its progress lines, those not
    already named by a case ("lab: [CASE] ...")."""
    global SYMBOLS
    if label:
        outer = say

        def say(s):
            outer(s if s.startswith("lab: [") else s.replace("lab: ", "lab: " + label, 1))
    SYMBOLS = load_symbols(image)
    outcomes = {c.name: Outcome(c) for c in cases}
    todo = list(cases)
    attempt = 0
    continuations = 0
    boots = []
    while todo:
        name = tag if attempt == 0 else "%s.retry%d" % (tag, attempt)
        log_path = os.path.join(logdir, name + ".log")
        run_dir = os.path.join(logdir, name)
        say("lab: boot %d: %d case(s): %s (serial log %s)" % (
            attempt + 1, len(todo), " ".join(c.name for c in todo), short(log_path)))
        mon, why, wall = boot(lab, image, todo, log_path, run_dir, echo=echo, say=say)
        save_consoles(mon, run_dir)
        boots.append({"log": log_path, "wall_s": round(wall, 1), "stopped": why,
                      "dom0_ready_s": round(mon.dom0_ready_wall, 1) if mon.dom0_ready_wall else None,
                      "run_flakes": mon.flakes, "errors": mon.errors})
        say("lab: boot %d done in %.0f s%s" % (attempt + 1, wall, "" if not why else " (%s)" % why))
        again = []
        # A boot that stopped early (a case hung, dom0 or Xen died) left
        # the cases after it unrun: they go to a fresh boot, which is no
        # retry (they never began, so nothing is judged twice), at most
        # MAX_CONTINUATIONS times per run.
        cont = why is not None and any(mon.runs[c.name].begun for c in todo) \
            and continuations < MAX_CONTINUATIONS
        for c in todo:
            r = mon.runs[c.name]
            verdict, reasons = judge(r, mon, why)
            o = outcomes[c.name]
            o.attempts.append((r, verdict, reasons, log_path))
            if cont and not r.begun:
                again.append(c)
                continue
            if verdict == FLAKE:
                o.flakes += 1
                if o.flakes <= retries:
                    o.flaky = reasons[0]
                    again.append(c)
                else:
                    o.attempts[-1] = (r, FAIL, reasons, log_path)
                    o.reproduced = o.flaky is not None
        unrun = [c for c in again if not mon.runs[c.name].begun]
        if unrun:
            continuations += 1
            say("lab: boot %d stopped (%s) before %d case(s) began; they get a fresh boot"
                % (attempt + 1, why, len(unrun)))
        flaky = [c for c in again if mon.runs[c.name].begun]
        if flaky:
            say("lab: INFRA-FLAKE in %s; running %s again" % (
                ", ".join(c.name for c in flaky), "it" if len(flaky) == 1 else "them"))
        todo = again
        attempt += 1
    return [outcomes[c.name] for c in cases], boots


def share_out(cases, n):
    """The cases in n lists of about equal cost (longest first, each to the
    list with the least so far); each list keeps the cases' own order."""
    n = max(1, min(n, len(cases)))
    loads = [0.0] * n
    where = {}
    for i, c in sorted(enumerate(cases), key=lambda ic: (-ic[1].cost(), ic[0])):
        k = min(range(n), key=lambda j: (loads[j], j))
        loads[k] += c.cost()
        where[i] = k
    return [[c for i, c in enumerate(cases) if where[i] == k] for k in range(n)]


def run_shards(lab, image, cases, logdir, tag, shards, retries=1, echo=False, say=print):
    """run_cases over `shards` lab boots side by side (one QEMU each, with
    its own serial log TAG.sN.log); the outcomes in the cases' order."""
    parts = share_out(cases, shards)
    if len(parts) == 1:
        return run_cases(lab, image, cases, logdir, tag, retries, echo, say)
    lock = threading.Lock()

    def locked_say(s):
        with lock:
            say(s)

    results = [None] * len(parts)
    errors = []

    def work(k):
        try:
            results[k] = run_cases(lab, image, parts[k], logdir, "%s.s%d" % (tag, k + 1),
                                   retries, echo, locked_say, label="shard %d " % (k + 1))
        except BaseException as e:      # reported by the main thread
            errors.append(e)

    for k, p in enumerate(parts):
        locked_say("lab: shard %d: %d case(s), about %.0f s" % (
            k + 1, len(p), sum(c.cost() for c in p)))
    threads = [threading.Thread(target=work, args=(k,), daemon=True) for k in range(len(parts))]
    try:
        for t in threads:
            t.start()
        for t in threads:
            while t.is_alive():
                t.join(0.5)
    finally:
        for proc in list(LIVE_QEMU):    # interrupted: no QEMU outlives us
            stop_qemu(proc)
    if errors:
        raise errors[0]
    by_name = {}
    boots = []
    for outs, bts in results:
        by_name.update((o.case.name, o) for o in outs)
        boots.extend(bts)
    return [by_name[c.name] for c in cases], boots


def short(path):
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def describe(o, tail=20):
    out = []
    r, verdict, reasons, log = o.attempts[-1]
    out.append("%s: %s" % (o.case.name, o.label()))
    for i, (ri, v, rs, lg) in enumerate(o.attempts):
        if len(o.attempts) > 1 or v != PASS:
            out.append("  attempt %d: %s: %s" % (i + 1, v, "; ".join(rs[:8])))
            out.append("    serial log: %s" % short(lg))
    for dom in r.guest_ms:
        gap = longest_silence(r, dom)
        if gap and gap[0] >= 10:
            out.append("  note: %s's console was silent for %.1f s between %r and %r"
                       % (dom, gap[0], gap[1][:60], gap[2][:60]))
    if verdict != PASS:
        lines = r.all_console()
        if lines:
            out.append("  --- guest console (last %d of %d lines) ---" % (min(tail, len(lines)),
                                                                     len(lines)))
            out.extend("  | " + l for l in lines[-tail:])
        else:
            out.append("  --- guest console: empty ---")
        xen = [l for l in r.xen if l.strip() and not _XEN_NOISE.search(l)]
        if xen:
            out.append("  --- Xen during the case (last %d) ---" % min(tail, len(xen)))
            out.extend("  | (XEN) " + l for l in xen[-tail:])
        # xenctx's raw stack words are in the serial log; its registers
        # and symbolised frames are what a reader wants here.
        notes = [l for l in r.notes if not l.startswith("xenctx: ")
                 or re.search(r"rip:|\[<|^xenctx: vcpu", l)]
        if notes:
            out.append("  --- dom0 notes (last %d) ---" % min(tail, len(notes)))
            out.extend("  | " + l for l in notes[-tail:])
    return "\n".join(out)


def to_json(outcomes, boots, manifest):
    cases = []
    for o in outcomes:
        r = o.run
        rep = getattr(r, "ktap_report", None)
        cases.append({
            "case": o.case.name, "scenario": o.case.scenario.name, "type": o.case.type,
            "variant": o.case.variant, "verdict": o.label(), "flaky": o.flaky,
            "attempts": [{"verdict": v, "reasons": rs, "log": lg,
                          "results": ri.results, "rc": ri.rc,
                          "elapsed_ms": ri.elapsed_ms, "metrics": ri.metrics,
                          "bench": getattr(ri, "bench", {}), "domains": ri.domains,
                          "blk": getattr(ri, "blk", []),
                          "blk_counters": getattr(ri, "blk_counters", None)}
                         for ri, v, rs, lg in o.attempts],
            "ktap": rep.counts() if rep is not None and rep.seen else None,
        })
    return {"lab": manifest.get("key"), "versions": manifest.get("versions"),
            "boots": boots, "cases": cases}


# ------------------------------------------------------------------ commands
def lab_dir():
    try:
        return labbuild.ensure()
    except labbuild.BuildError as e:
        raise LabError(str(e))


def default_shards(suite):
    """Lab boots side by side: one per host CPU (each QEMU runs its guests
    on one host thread), at most 4 and as many as memory holds, or 1 for
    benchmarks, whose figures another boot beside them would disturb."""
    if suite == "bench":
        return 1
    try:
        with open("/proc/meminfo") as f:
            avail = next(int(l.split()[1]) for l in f if l.startswith("MemAvailable:")) // 1024
    except (OSError, StopIteration, ValueError):
        avail = QEMU_MEM + 512
    return max(1, min(4, os.cpu_count() or 1, avail // (QEMU_MEM + 512)))


def cmd_test(args, suite):
    scenarios = load_scenarios()
    names = args.scenarios.split(",") if args.scenarios else None
    if names:
        unknown = [n for n in names if n not in scenarios]
        if unknown:
            raise LabError("unknown scenario(s): %s (have: %s)" % (
                ", ".join(unknown), ", ".join(scenarios)))
    types = args.types.split(",") if args.types else None
    variants = args.variants.split(",") if args.variants else None
    cases = make_cases(scenarios, suite=suite, names=names, types=types, variants=variants)
    if not cases:
        raise LabError("no cases selected")
    if not os.path.isfile(args.image):
        raise LabError("image %s not found (build it first)" % args.image)
    for c in cases:
        k = c.env.get("LAB_KERNEL")
        if k and k not in EXTRA_IMAGES:
            raise LabError("case %s boots image %s: pass --extra-image %s=PATH" % (c.name, k, k))
        if k and not os.path.isfile(EXTRA_IMAGES[k]):
            raise LabError("image %s not found (build it first)" % EXTRA_IMAGES[k])
    lab = lab_dir()
    manifest = json.load(open(os.path.join(lab, "lab.json")))
    logdir = os.path.join(args.objtree, "xl-logs")
    print("lab: %s: %d case(s) against %s; lab %s (Xen %s, dom0 Linux %s)" % (
        suite, len(cases), short(args.image), manifest["key"],
        manifest["versions"]["xen-hypervisor-4.17-amd64"], manifest["kernel_abi"]), flush=True)
    t0 = time.monotonic()
    shards = args.shards if args.shards is not None else default_shards(suite)
    outcomes, boots = run_shards(lab, os.path.abspath(args.image), cases, logdir, suite, shards,
                                 retries=args.retries, echo=args.echo,
                                 say=lambda s: print(s, flush=True))
    total = time.monotonic() - t0
    for o in outcomes:
        print(describe(o), flush=True)
    data = to_json(outcomes, boots, manifest)
    with open(os.path.join(logdir, suite + ".json"), "w") as f:
        json.dump(data, f, indent=1)
    print()
    if suite == "bench":
        if print_bench(outcomes):
            print()
        if print_blk_bench(outcomes):
            print()
        if print_minmem(outcomes):
            print()
        if print_net_bench(outcomes):
            print()
        if print_lifecycle_bench(outcomes):
            print()
    rows = []
    for o in outcomes:
        r = o.run
        rows.append([o.case.name, o.case.type, o.label(),
                     "%.1f s" % (r.elapsed_ms / 1000.0) if r and r.elapsed_ms is not None else "-",
                     (o.attempts[-1][2] or [""])[0][:90]])
    print("xl lab (%s), %.0f s in all, %d boot(s):" % (suite, total, len(boots)))
    print(table(rows, ["case", "type", "result", "time", "detail"]))
    for o in outcomes:
        if o.flaky:
            print("INFRA-FLAKE in %s (%s): %s" % (
                o.case.name, "passed on retry" if o.verdict == PASS else
                "again on retry, counted as a failure" if o.reproduced else "then failed",
                o.flaky))
    over = flake_report(outcomes, args.flake_budget)
    npass = sum(o.verdict == PASS for o in outcomes)
    # CI keeps only the end of the output: name each failure and its
    # reasons again here, next to the count, not only above the table.
    for o in outcomes:
        if o.verdict != PASS:
            _, v, reasons, log = o.attempts[-1]
            print("FAILED %s (%s): %s [log %s]" % (o.case.name, v, "; ".join(reasons[:4])[:400],
                                                   short(log)))
    print("%d passed, %d failed" % (npass, len(outcomes) - npass))
    return 0 if npass == len(outcomes) and not over else 1


def flake_report(outcomes, budget, say=print):
    """Print "flakes: N (budget M)" for the run; True if over the budget."""
    line, over = signatures.flake_budget(sum(o.flakes for o in outcomes), budget)
    say(line + (": over budget, the run fails" if over else ""))
    return over


def _ms(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def print_bench(outcomes):
    rows = []
    figures = {}
    profiles = {}
    for o in outcomes:
        r = o.run
        if r is None or o.case.scenario.name != "bench":
            continue
        guest = o.case.env.get("LAB_GUEST", "xenolith")
        if guest == "xenolith" and o.case.env.get("MEM", "64") != "64":
            guest = "xenolith-%sM" % o.case.env["MEM"]
        dom_metrics = {}
        for d in r.metrics.values():
            dom_metrics.update(d)
        create = _ms(dom_metrics.get("create_ms"))
        attach = _ms(dom_metrics.get("attach_ms"))
        unpause = _ms(dom_metrics.get("unpause_ms"))
        c2r = _ms(dom_metrics.get("create_to_ready_ms"))
        u2r = _ms(dom_metrics.get("unpause_to_ready_ms"))
        bench = getattr(r, "bench", {}) or {}
        boot_ns = _ms(bench.get("boot_ns"))
        phases = signatures.parse_phases(bench.get("phases", ""))
        # Xenolith: first instruction to its ready line, from the boot
        # profile; Linux: its uptime when init starts.
        ready_ns = phases[-1][1] if phases else boot_ns
        figures[(guest, o.case.type)] = (c2r, ready_ns)
        if phases:
            profiles[(o.case.type, guest)] = (phases, bench.get("mode", ""))

        def s(ms):
            return "-" if ms is None else "%.2f s" % (ms / 1000.0)

        def ns(v):
            return "-" if v is None else "%.3f ms" % (v / 1e6)
        rows.append([guest, o.case.type, o.label(), s(create), s(attach), s(unpause), s(u2r), s(c2r),
                     ns(boot_ns), ns(ready_ns)])
    if not rows:
        return
    print("lab-bench: times in dom0 (uptime clock, 10 ms steps); guest boot from its "
          "'bench: ... boot_ns=' line")
    print(table(rows, ["guest", "type", "result", "xl create -p", "attach", "xl unpause",
                       "unpause->ready",
                       "create->ready", "guest boot", "guest ready"]))
    print("guest boot: Xenolith to the end of init, Linux to the start of init (its uptime, "
          "10 ms steps); guest ready: Xenolith's first instruction to 'xenolith: ready'")
    for (t, guest), (phases, mode) in sorted(profiles.items()):
        rows_p, prev = [], 0
        for name, end_ns, hc, mc, pt in phases:
            rows_p.append([name, "%.3f ms" % (max(end_ns - prev, 0) / 1e6),
                           "%.3f ms" % (end_ns / 1e6), str(hc), str(mc), str(pt)])
            prev = max(prev, end_ns)
        rows_p.append(["total", "", "%.3f ms" % (phases[-1][1] / 1e6)] +
                      [str(sum(p[i] for p in phases)) for i in (2, 3, 4)])
        print("%s domU %s (%s) boot phases:" % (t, guest, mode or "xenolith"))
        print(table(rows_p, ["phase", "length", "ends at", "hypercalls", "multicalls",
                             "pt updates"]))
    for t in ("pv", "pvh"):
        x, l = figures.get(("xenolith", t)), figures.get(("linux", t))
        if not x or not l:
            continue
        parts = []
        if x[0] and l[0]:
            parts.append("create->ready %.1fx" % (l[0] / float(x[0])))
        if x[1] and l[1]:
            parts.append("Linux boot / Xenolith ready %.0fx" % (l[1] / float(x[1])))
        if parts:
            print("%s: Linux/Xenolith: %s" % (t, ", ".join(parts)))
    return True


def print_minmem(outcomes):
    """The memory-footprint table (scenario minmem); False if it did not run."""
    rows = []
    for o in outcomes:
        r = o.run
        if r is None or o.case.scenario.name != "minmem":
            continue
        m = {}
        for d in r.metrics.values():
            m.update(d)
        rows.append([o.case.type, "%s MiB" % m.get("memory_mib", "?"), o.label(),
                     m.get("outcome", "-")])
    if not rows:
        return False
    print("lab-bench: memory footprint (ready = boots and serves; too-small = says so and "
          "powers off)")
    print(table(rows, ["type", "memory", "result", "outcome"]))
    return True


def blk_bench_rows(figs, counters=None):
    """Rows of the block bench table from {(guest, type): [(workload,
    value, unit)]}: per type, each workload either guest measured, with
    Xenolith's figure, Linux's, and Xenolith/Linux. counters: {type:
    blk_counters() of the Xenolith guest} for a last column, per ring
    request over the whole bench (all six figures)."""
    rows = []
    for t in ("pv", "pvh"):
        x = dict((w, (v, u)) for w, v, u in figs.get(("xenolith", t), []))
        l = dict((w, (v, u)) for w, v, u in figs.get(("linux", t), []))
        order = [w for w, _, _ in figs.get(("xenolith", t), [])]
        order += [w for w, _, _ in figs.get(("linux", t), []) if w not in x]
        for w in order:
            xv, lv = x.get(w), l.get(w)
            unit = (xv or lv)[1]
            ratio = "-"
            if xv and lv and lv[0] > 0:
                ratio = "%.2f" % (xv[0] / float(lv[0]))
            rows.append([t, w, unit, "-" if not xv else str(xv[0]),
                         "-" if not lv else str(lv[0]), ratio])
    return rows


def blk_counter_line(t, c):
    """One line about Xenolith's counters across its block bench."""
    n = float(c["requests"])
    parts = ["%d ring requests" % c["requests"]]
    for key, what in (("hypercalls", "hypercalls"), ("grants", "grants"),
                      ("bf_events", "blkfront events"), ("copies", "grant copies")):
        if key in c:
            parts.append("%.2f %s" % (c[key] / n, what))
    return "%s: Xenolith per ring request over the whole bench: %s" % (t, ", ".join(parts))


def print_blk_bench(outcomes):
    """The block bench table (scenario blkbench); False if it did not run."""
    figs, counters, vcpus = {}, {}, set()
    for o in outcomes:
        r = o.run
        if r is None or o.case.scenario.name != "blkbench":
            continue
        guest = o.case.env.get("LAB_GUEST", "xenolith")
        if guest == "xenolith" and o.case.env.get("MEM", "64") != "64":
            guest = "xenolith-%sM" % o.case.env["MEM"]
        figs[(guest, o.case.type)] = getattr(r, "blk", []) or []
        vcpus.add(o.case.env.get("VCPUS", "1"))
        c = getattr(r, "blk_counters", None)
        if guest == "xenolith" and c:
            counters[o.case.type] = c
    if not figs:
        return False
    print("lab-bench: block, xvdb on blkback (a 256 MiB file in dom0 tmpfs, loop device), "
          "%s vCPU(s); Xenolith 'blk bench', Linux fio (direct, libaio); MB/s = 10^6 bytes/s"
          % "/".join(sorted(vcpus)))
    print(table(blk_bench_rows(figs), ["type", "workload", "unit", "Xenolith", "Linux",
                                       "Xenolith/Linux"]))
    for t in ("pv", "pvh"):
        if t in counters:
            print(blk_counter_line(t, counters[t]))
    return True


# The network bench's figures (scenario netbench): metric key, label,
# unit, and whether more is better.
NET_FIGURES = (
    ("net_tcp_tx", "TCP dom0 -> guest", "Mbit/s", True),
    ("net_tcp_rx", "TCP guest -> dom0", "Mbit/s", True),
    ("net_udp_64", "UDP echo 64 B", "pkt/s", True),
    ("net_udp_1472", "UDP echo 1472 B", "pkt/s", True),
    ("net_ping_ms", "ping RTT (avg)", "ms", False),
    ("net_tcp_conn", "TCP connections", "conn/s", True),
)


def _num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def net_bench_rows(figs):
    """Rows of the network bench table from {(guest, type): {metric:
    value}}: per type and figure, Xenolith's value, Linux's, and
    Xenolith/Linux (for the RTT, where less is better, Linux/Xenolith, so
    that above 1 means Xenolith is better in every row)."""
    rows = []
    for t in ("pv", "pvh"):
        x, l = figs.get(("xenolith", t), {}), figs.get(("linux", t), {})
        if not x and not l:
            continue
        for key, label, unit, more_better in NET_FIGURES:
            xv, lv = _num(x.get(key)), _num(l.get(key))
            ratio = "-"
            if xv is not None and lv is not None:
                if more_better and lv > 0:
                    ratio = "%.2f" % (xv / lv)
                elif not more_better and xv > 0:
                    ratio = "%.2f" % (lv / xv)
            rows.append([t, label, unit, "-" if xv is None else x.get(key),
                         "-" if lv is None else l.get(key), ratio])
    return rows


def print_net_bench(outcomes):
    """The network bench table (scenario netbench); False if it did not run."""
    figs = {}
    for o in outcomes:
        r = o.run
        if r is None or o.case.scenario.name != "netbench":
            continue
        if o.case.env.get("NETBENCH_PROF") == "1":
            continue   # the profiled run: its figures pay for the sampling
        guest = o.case.env.get("LAB_GUEST", "xenolith")
        m = {}
        for d in r.metrics.values():
            m.update(d)
        figs[(guest, o.case.type)] = m
    if not figs:
        return False
    print("lab-bench: network, one vif on xenbr0 through netback, 1 vCPU; dom0's nettest "
          "against the guest's services; ratio: above 1 = Xenolith better "
          "(Linux/Xenolith for the RTT)")
    print(table(net_bench_rows(figs), ["type", "figure", "unit", "Xenolith", "Linux",
                                       "ratio"]))
    return True



# The lifecycle bench's figures (scenario lifecycle-bench): metric key,
# label, unit. Less is better in every row.
LIFECYCLE_FIGURES = (
    ("lc_save_ms", "xl save", "ms"),
    ("lc_restore_ms", "xl restore", "ms"),
    ("lc_back_ms", "restore -> ping answered", "ms"),
    ("lc_save_kib", "save file", "KiB"),
    ("lc_migrate_ms", "xl migrate (local)", "ms"),
    ("lc_downtime_ms", "migration downtime (ping)", "ms"),
    ("lc_lost", "pings lost in migration", "pings"),
)


def lifecycle_bench_rows(figs):
    """Rows of the lifecycle bench table from {(guest, type, mem):
    {metric: value}}: per memory size, type and figure, Xenolith's value,
    Linux's and Linux/Xenolith (less is better everywhere, so above 1
    means Xenolith is faster). A figure that is not a number (a migration
    the platform refused: "platform") is shown as it is, with no ratio."""
    rows = []
    mems = sorted({k[2] for k in figs}, key=lambda m: int(m) if str(m).isdigit() else 0)
    for mem in mems:
        for t in ("pv", "pvh"):
            x, l = figs.get(("xenolith", t, mem), {}), figs.get(("linux", t, mem), {})
            if not x and not l:
                continue
            for key, label, unit in LIFECYCLE_FIGURES:
                xs, ls = x.get(key), l.get(key)
                xv, lv = _num(xs), _num(ls)
                ratio = "-"
                if xv is not None and lv is not None and xv > 0:
                    ratio = "%.2f" % (lv / xv)
                rows.append(["%s MiB" % mem, t, label, unit, "-" if xs is None else xs,
                             "-" if ls is None else ls, ratio])
    return rows


def print_lifecycle_bench(outcomes):
    """The lifecycle bench table (scenario lifecycle-bench); False if it
    did not run."""
    figs = {}
    for o in outcomes:
        r = o.run
        if r is None or o.case.scenario.name != "lifecycle-bench":
            continue
        # The repeat variants (REPS=5) check that restores keep working;
        # the table shows the single-round cases.
        if o.case.env.get("REPS", "1") != "1":
            continue
        guest = o.case.env.get("LAB_GUEST", "xenolith")
        mem = o.case.env.get("MEM", "64")
        m = {}
        for d in r.metrics.values():
            m.update(d)
        figs[(guest, o.case.type, mem)] = m
    if not figs:
        return False
    print("lab-bench: lifecycle, 1 vCPU, one vif on xenbr0, idle guest; xl save/restore to "
          "dom0 tmpfs, xl migrate -s '' to this host; downtime from dom0's pings; "
          "ratio Linux/Xenolith: above 1 = Xenolith faster")
    print(table(lifecycle_bench_rows(figs), ["memory", "type", "figure", "unit", "Xenolith",
                                             "Linux", "ratio"]))
    return True

def cmd_shell(args):
    lab = lab_dir()
    logdir = os.path.join(args.objtree, "xl-logs")
    os.makedirs(logdir, exist_ok=True)
    initrd = os.path.join(logdir, "shell-initrd.cpio")
    # The bench's Linux guest comes along (/lab/images/vmlinux, linux-guest.cpio).
    write_initrd(initrd, lab, os.path.abspath(args.image), [], shell=True)
    cmd = qemu_command(lab, initrd, serial="mon:stdio")
    print("lab: dom0 shell with the helpers of lablib.sh loaded: lab_create [type=pvh] "
          "[extra=...], lab_wait_console REGEX, lab_type 'info\\r', xl console $LAB_DOMID ...")
    print("lab: the Xenolith image is /lab/images/xenolith; Ctrl-A X quits QEMU")
    print("lab: " + " ".join(shlex.quote(c) for c in cmd), flush=True)
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return subprocess.call(cmd)
    finally:
        signal.signal(signal.SIGINT, old)
        try:
            os.unlink(initrd)
        except OSError:
            pass


def cmd_list(args):
    scenarios = load_scenarios()
    for s in scenarios.values():
        cases = make_cases(scenarios, names=[s.name])
        print("%-10s suite=%-5s timeout=%ss expect=%s%s\n           cases: %s" % (
            s.name, s.suite, s.timeout, ",".join(s.expect), " ktap" if s.ktap else "",
            " ".join(c.name for c in cases)))
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("command", choices=("test", "bench", "soak", "shell", "list", "build"))
    ap.add_argument("--image", help="the xenolith ELF image (default OBJTREE/xenolith)")
    ap.add_argument("--objtree", default=os.path.join(SRCTREE, "build"))
    ap.add_argument("--types", help="comma-separated guest types (pv,pvh)")
    ap.add_argument("--scenarios", help="comma-separated scenarios (default: the suite's)")
    ap.add_argument("--variants", help="comma-separated variant labels: only those cases of "
                    "scenarios with variants (default: all)")
    ap.add_argument("--retries", type=int, default=1, help="boots again after an INFRA-FLAKE")
    ap.add_argument("--flake-budget", type=int, default=DEFAULT_FLAKE_BUDGET,
                    help="INFRA-FLAKE attempts the whole run may have (default %d)"
                    % DEFAULT_FLAKE_BUDGET)
    ap.add_argument("--echo", action="store_true", help="copy the serial console to stdout")
    ap.add_argument("--shards", type=int, help="lab boots side by side (default: one per host "
                    "CPU up to 4, 1 for bench)")
    ap.add_argument("--extra-image", action="append", default=[], metavar="NAME=PATH",
                    help="another image as /lab/images/NAME, for cases with LAB_KERNEL=NAME")
    args = ap.parse_args(argv)
    EXTRA_IMAGES.clear()
    for e in args.extra_image:
        name, sep, path = e.partition("=")
        if not sep or not name or "/" in name or name in ("xenolith", "vmlinux"):
            print("lab: error: bad --extra-image %r (want NAME=PATH)" % e, file=sys.stderr)
            return 4
        EXTRA_IMAGES[name] = os.path.abspath(path)
    if args.shards is not None and not 1 <= args.shards <= 16:
        print("lab: error: --shards %d: want 1..16" % args.shards, file=sys.stderr)
        return 4
    args.objtree = os.path.abspath(args.objtree)
    args.image = args.image or os.path.join(args.objtree, "xenolith")
    try:
        if args.command == "list":
            return cmd_list(args)
        if args.command == "build":
            print(lab_dir())
            return 0
        if args.command == "shell":
            return cmd_shell(args)
        return cmd_test(args, args.command)
    except LabError as e:
        print("lab: error: %s" % e, file=sys.stderr)
        return 4


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())
