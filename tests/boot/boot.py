#!/usr/bin/python3
"""Boot a Xenolith image in QEMU (natively, from GRUB, or as Xen dom0).

    boot.py MODE --image PATH [--cmdline STR] [--timeout S] [--log FILE]
            [--ktap] [--retries N] [--echo] [--interactive] [--json FILE]

MODE is one of: native (QEMU's PVH loader, -kernel), grub (a GRUB multiboot2
CD-ROM, BIOS), xen-pv-dom0, xen-pvh-dom0 (Xen 4.17 loaded by QEMU's
multiboot loader, the image as Xen's first module).

Without --interactive the console is streamed to the log (and to stdout
with --echo), watched for milestones and failure signatures, and the run
ends with a verdict: PASS, FAIL or INFRA-FLAKE (a known emulation flake;
retried --retries times, 1 by default). With --ktap the verdict comes from
the kernel's KTAP output (use with ktest=...); otherwise the boot must reach
"xenolith: ready". Exit status: 0 PASS, 1 FAIL, 2 INFRA-FLAKE, 4 usage or
setup error.

Xen comes from $XENOLITH_XEN if set, else $XENOLITH_CACHE/xen.elf (cache
default ~/.cache/xenolith), fetched by scripts/deps.sh xen when missing.
"""

import argparse
import hashlib
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
SRCTREE = os.path.dirname(os.path.dirname(HERE))

import ktap  # noqa: E402
import linepump  # noqa: E402
import signatures  # noqa: E402
from signatures import PASS, FAIL, FLAKE  # noqa: E402

MODES = ("native", "grub", "xen-pv-dom0", "xen-pvh-dom0")
XEN_MODES = ("xen-pv-dom0", "xen-pvh-dom0")
# The in-kernel suites each mode must run in a ktest= run (when the command
# line selects them): one that is skipped, missing or broken fails the case
# by name. A new suite goes into every mode that can run it; BASE_SUITES
# are those every mode runs. The lab's guest types have their own table
# (tests/xl/lab.py, GUEST_TYPES).
BASE_SUITES = ("alloc", "pgtable", "timer", "fault", "mm", "sched", "smp", "blk", "net", "tcp")
REQUIRED_SUITES = {
    "native": BASE_SUITES + ("serial",),
    "grub": BASE_SUITES + ("serial",),
    "xen-pv-dom0": BASE_SUITES + ("evtchn", "multicall", "pvmap", "gnttab", "xenbus", "balloon",
                                  "xencons"),
    "xen-pvh-dom0": BASE_SUITES + ("evtchn", "gnttab", "xenbus", "balloon", "xencons"),
}
XEN_CMDLINE = ("console=com1 com1=115200,8n1 dom0_mem=768M,max:768M "
               "loglvl=all guest_loglvl=all")
DEFAULT_TIMEOUT = {"native": 60, "grub": 60, "xen-pv-dom0": 120, "xen-pvh-dom0": 120}
# CPUs QEMU gives each mode (under Xen: pCPUs, and so dom0's vCPUs). Every
# mode boots SMP by default so the smp suite has CPUs to test; the
# native-only image in the matrix boots with one to keep the UP path tested.
DEFAULT_SMP = {"native": 4, "grub": 2, "xen-pv-dom0": 4, "xen-pvh-dom0": 4}
QEMU = os.environ.get("QEMU", "qemu-system-x86_64")

# After the decisive line, how long to keep reading before stopping QEMU
# (trailing output: the call trace after a panic, Xen's halt message).
GRACE_DONE = 5.0
GRACE_FATAL = 3.0
GRACE_READY = 0.2


class SetupError(Exception):
    pass


# ------------------------------------------------------------------ paths
def cache_dir():
    d = os.environ.get("XENOLITH_CACHE")
    if d:
        return d
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(
        os.environ.get("HOME") or "/root", ".cache")
    return os.path.join(base, "xenolith")


def find_xen(explicit=None, fetch=True):
    """Path of an uncompressed Xen ELF, fetching it with deps.sh if needed."""
    path = explicit or os.environ.get("XENOLITH_XEN") or os.path.join(cache_dir(), "xen.elf")
    if os.path.isfile(path):
        return path
    if explicit or os.environ.get("XENOLITH_XEN") or not fetch:
        raise SetupError("Xen image %s not found" % path)
    deps = os.path.join(SRCTREE, "scripts", "deps.sh")
    print("boot: %s missing; fetching with %s xen" % (path, deps), flush=True)
    r = subprocess.run(["bash", deps, "xen"], stdin=subprocess.DEVNULL)
    if r.returncode != 0 or not os.path.isfile(path):
        raise SetupError("could not fetch Xen (run: scripts/deps.sh xen)")
    return path


def short_path(path):
    """Relative to the current directory when below it, else absolute."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def grub_quote(arg):
    if arg and all(c.isalnum() or c in "-_=.,:/+@%" for c in arg):
        return arg
    return "'" + arg.replace("'", "'\\''") + "'"


GRUB_CFG = """\
set timeout=0
set default=0
serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1
terminal_input serial
terminal_output serial
menuentry "Xenolith" {
    multiboot2 /boot/xenolith %s
    boot
}
"""


def grub_iso(image, cmdline, outdir, log=None):
    """A BIOS-bootable GRUB CD-ROM for image+cmdline, cached in outdir."""
    cfg = GRUB_CFG % " ".join(grub_quote(a) for a in shlex.split(cmdline or ""))
    h = hashlib.sha256()
    with open(image, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    h.update(cfg.encode())
    key = h.hexdigest()[:16]
    os.makedirs(outdir, exist_ok=True)
    iso = os.path.join(outdir, "xenolith-%s.iso" % key)
    if os.path.isfile(iso):
        return iso
    if not shutil.which("grub-mkrescue"):
        raise SetupError("grub-mkrescue not found (scripts/deps.sh test installs grub-common, "
                         "grub-pc-bin, xorriso, mtools)")
    tree = os.path.join(outdir, "tree-%s" % key)
    shutil.rmtree(tree, ignore_errors=True)
    os.makedirs(os.path.join(tree, "boot", "grub"))
    shutil.copyfile(image, os.path.join(tree, "boot", "xenolith"))
    with open(os.path.join(tree, "boot", "grub", "grub.cfg"), "w") as f:
        f.write(cfg)
    tmp = iso + ".tmp"
    t0 = time.monotonic()
    r = subprocess.run(["grub-mkrescue", "-o", tmp, tree], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    shutil.rmtree(tree, ignore_errors=True)
    if r.returncode != 0 or not os.path.isfile(tmp):
        raise SetupError("grub-mkrescue failed:\n" + r.stdout)
    os.replace(tmp, iso)
    if log:
        log("grub-mkrescue: %s in %.1f s" % (os.path.basename(iso), time.monotonic() - t0))
    # Keep the cache small: the newest few ISOs only.
    isos = sorted((p for p in os.listdir(outdir) if p.endswith(".iso")),
                  key=lambda p: os.path.getmtime(os.path.join(outdir, p)), reverse=True)
    for old in isos[4:]:
        try:
            os.unlink(os.path.join(outdir, old))
        except OSError:
            pass
    return iso


# ------------------------------------------------------------------ QEMU
def qemu_command(mode, image, cmdline="", xen=None, iso=None, serial="stdio",
                 extra_xen_args="", memory=None, smp=None):
    """The QEMU argv for one boot. Never uses KVM (TCG only)."""
    if mode not in MODES:
        raise SetupError("unknown mode %r (one of %s)" % (mode, ", ".join(MODES)))
    cmd = [QEMU, "-display", "none", "-vga", "none", "-nic", "none", "-no-reboot",
           "-serial", serial]
    if serial != "mon:stdio":
        cmd += ["-monitor", "none"]
    if mode in ("native", "grub"):
        cmd += ["-machine", "pc", "-cpu", "max", "-m", str(memory or 256),
                "-smp", str(smp or DEFAULT_SMP[mode]),
                "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
        if mode == "native":
            cmd += ["-kernel", image]
            if cmdline:
                cmd += ["-append", cmdline]
        else:
            cmd += ["-cdrom", iso, "-boot", "d"]
        return cmd
    # Xen: SMAP/SMEP off, or a PV dom0 dies at its first exception bounce
    # under TCG. A PVH dom0 needs an IOMMU ("Presently, iommu must be
    # enabled for PVH hardware domain"): q35 with QEMU's AMD IOMMU (the
    # emulated "max" CPU is an AMD one with SVM and nested paging).
    if " " in image or "," in image:
        raise SetupError("image path must not contain spaces or commas for Xen modes: " + image)
    xen_cmdline = XEN_CMDLINE
    if mode == "xen-pvh-dom0":
        xen_cmdline += " dom0=pvh"
        cmd += ["-machine", "q35", "-device", "amd-iommu"]
    else:
        cmd += ["-machine", "pc"]
    if extra_xen_args:
        xen_cmdline += " " + extra_xen_args
    module = image + (" " + cmdline if cmdline else "")
    # One host thread for all emulated CPUs under Xen: QEMU's multi-threaded
    # TCG now and then breaks the emulated SVM world switch of a PVH guest
    # (docs/xen-lab.md, "Emulation flakes"), and a Xen boot here was faster.
    cmd += ["-accel", "tcg,thread=single"]
    cmd += ["-cpu", "max,-smap,-smep", "-m", str(memory or 2048),
            "-smp", str(smp or DEFAULT_SMP[mode]),
            "-kernel", xen, "-append", xen_cmdline,
            # QEMU separates multiboot modules with commas; ",," is a literal one.
            "-initrd", module.replace(",", ",,")]
    return cmd


class Attempt:
    def __init__(self):
        self.verdict = None
        self.reasons = []
        self.exit_code = None
        self.timed_out = False
        self.wall = 0.0
        self.wall_to_ready = None
        self.log = None
        self.monitor = None
        self.cmd = None


def _stop(proc):
    if proc.poll() is not None:
        return
    try:
        proc.terminate()
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def run_attempt(cmd, mode, log_path, timeout, expect, echo=False, min_suites=1, required=(),
                selection=None):
    """Run QEMU once, stream and watch its console, stop it, judge it."""
    xen = mode in XEN_MODES
    native = not xen
    mon = signatures.ConsoleMonitor(xen=xen)
    att = Attempt()
    att.monitor, att.log, att.cmd = mon, log_path, cmd
    os.makedirs(os.path.dirname(os.path.abspath(log_path)), exist_ok=True)
    logf = open(log_path, "w", encoding="utf-8", errors="replace")
    logf.write("### xenolith boot: mode=%s expect=%s timeout=%ss\n### %s\n"
               % (mode, expect, timeout, " ".join(shlex.quote(c) for c in cmd)))
    logf.flush()

    t0 = time.monotonic()
    proc, sel, bufs = linepump.spawn(cmd)

    deadline = t0 + timeout
    stop_at = None          # end of the grace period after a decisive line

    def handle(name, raw):
        text = raw.decode("utf-8", errors="replace")
        if name == "err":
            logf.write("[qemu stderr] " + text + "\n")
            mon.feed_stderr(text)
        else:
            logf.write(text + "\n")
            mon.feed(text)
            if mon.ready and att.wall_to_ready is None:
                att.wall_to_ready = time.monotonic() - t0
        logf.flush()
        if echo:
            sys.stdout.write(("[qemu stderr] " if name == "err" else "") + text + "\n")
            sys.stdout.flush()

    def decisive():
        """Seconds of grace if the run has reached its end, else None."""
        if mon.kernel_panic or mon.xen_panic or mon.triple_fault:
            return GRACE_FATAL
        if mon.loader_error:
            return 1.0
        if expect == "ktap":
            if mon.ktest_done is not None or mon.ktap.bailed_out:
                if native:
                    return GRACE_DONE
                return 1.0 if mon.dom0_end else GRACE_DONE
            if mon.dom0_end:
                return 1.0
            if mon.ready:       # booted through without running the tests
                return GRACE_READY
        else:
            if mon.ready:
                return GRACE_READY
            if mon.dom0_end:
                return 1.0
        return None

    try:
        open_pipes = 2
        while open_pipes:
            now = time.monotonic()
            g = decisive()
            if g is not None:
                # The earliest end wins: a "ktest: done" waits for the
                # power-off, which then only needs a short grace itself.
                stop_at = now + g if stop_at is None else min(stop_at, now + g)
            limit = min(deadline, stop_at) if stop_at else deadline
            if now >= limit:
                att.timed_out = stop_at is None
                break
            open_pipes -= linepump.pump(sel, bufs, handle, min(0.2, limit - now))
        for name in ("out", "err"):
            if bufs[name]:
                handle(name, bufs[name])
    finally:
        exit_code = proc.poll()
        if exit_code is None:
            try:
                exit_code = proc.wait(timeout=0.3)
            except subprocess.TimeoutExpired:
                exit_code = None
        stopped = exit_code is None
        _stop(proc)
        for pipe in (proc.stdout, proc.stderr):
            try:
                rest = pipe.read()
            except (OSError, ValueError):
                rest = None
            if rest:
                for raw in rest.split(b"\n"):
                    if raw:
                        handle("out" if pipe is proc.stdout else "err", raw)
        sel.close()
        att.wall = time.monotonic() - t0
    if exit_code is not None and exit_code < 0:
        mon.feed_stderr("QEMU killed by signal %d (core dumped?)" % -exit_code
                        if -exit_code in (signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS)
                        else "QEMU killed by signal %d" % -exit_code)
    att.exit_code = exit_code
    if expect == "ready" and mon.ready and att.wall_to_ready is None:
        att.wall_to_ready = att.wall
    att.verdict, att.reasons = signatures.classify(
        mon, expect, exit_code, att.timed_out, stopped, native, min_suites=min_suites,
        required=required, selection=selection)
    logf.write("### verdict: %s (%s); wall %.2f s; qemu %s\n"
               % (att.verdict, "; ".join(att.reasons), att.wall,
                  "stopped by runner" if stopped else "exit %s" % exit_code))
    logf.close()
    return att


class CaseResult:
    def __init__(self, name, mode):
        self.name, self.mode = name, mode
        self.attempts = []
        self.verdict = None
        self.flaky = None      # flake signature seen on a retried attempt
        self.reproduced = False  # a flake signature on every attempt
        self.error = None

    @property
    def flakes(self):
        """Attempts that ended as INFRA-FLAKE (for the run's flake budget)."""
        return sum(1 for a in self.attempts if a.verdict == FLAKE)

    @property
    def last(self):
        return self.attempts[-1] if self.attempts else None

    @property
    def passed(self):
        return self.verdict == PASS

    def label(self):
        if self.verdict == PASS and self.flaky:
            return "PASS (flake, retried)"
        if self.reproduced:
            return "FAIL (flake signature on every attempt)"
        return self.verdict

    def to_json(self):
        a = self.last
        m = a.monitor if a else None
        d = {"name": self.name, "mode": self.mode, "verdict": self.verdict,
             "flaky": self.flaky, "error": self.error,
             "attempts": [{"verdict": x.verdict, "reasons": x.reasons, "log": x.log,
                           "wall_s": round(x.wall, 3), "exit_code": x.exit_code,
                           "timed_out": x.timed_out} for x in self.attempts],
             "flake_reproduced": self.reproduced}
        if m:
            rep = m.ktap.finish()
            d.update({"init_done_us": m.init_done_us, "clock": m.clock, "bench": m.bench,
                      "ktest_done": m.ktest_done, "ktap_seen": rep.seen,
                      "ktap_counts": rep.counts() if rep.seen else None,
                      "wall_to_ready_s": a.wall_to_ready})
        return d


def run_case(mode, image, cmdline="", timeout=None, log=None, expect="ready", retries=1,
             echo=False, xen=None, objtree=None, name=None, min_suites=1, say=print,
             required=None, smp=None):
    """Boot once (plus retries on infrastructure flakes) and judge it.

    required: suites the run must include (default: the mode's
    REQUIRED_SUITES), among those cmdline's ktest= selects.
    """
    name = name or mode
    if required is None:
        required = REQUIRED_SUITES.get(mode, ())
    selection = signatures.ktest_selection(cmdline)
    res = CaseResult(name, mode)
    timeout = timeout or DEFAULT_TIMEOUT[mode]
    objtree = objtree or os.path.join(SRCTREE, "build")
    log = log or os.path.join(objtree, "boot-logs", name + ".log")
    try:
        if not os.path.isfile(image):
            raise SetupError("image %s not found (build it first)" % image)
        iso = None
        if mode == "grub":
            iso = grub_iso(image, cmdline, os.path.join(objtree, "boot-iso"), log=say)
        if mode in XEN_MODES:
            xen = find_xen(xen)
        cmd = qemu_command(mode, os.path.abspath(image), cmdline, xen=xen, iso=iso, smp=smp)
    except SetupError as e:
        res.verdict, res.error = FAIL, str(e)
        return res
    for attempt in range(retries + 1):
        path = log if attempt == 0 else "%s.retry%d%s" % (os.path.splitext(log)[0], attempt,
                                                        os.path.splitext(log)[1] or ".log")
        att = run_attempt(cmd, mode, path, timeout, expect, echo=echo, min_suites=min_suites,
                          required=required, selection=selection)
        res.attempts.append(att)
        res.verdict = att.verdict
        if att.verdict != FLAKE:
            break
        res.flaky = att.reasons[0]
        if attempt < retries:
            say("boot: %s: INFRA-FLAKE (%s); retrying" % (name, att.reasons[0]))
    if res.verdict == FLAKE and len(res.attempts) > 1:
        # The same kind of "flake" every time is more likely the kernel's
        # own early failure: report it as a failure, never hide it.
        res.verdict = FAIL
        res.reproduced = True
    return res


def describe(res, tail=25):
    """Human-readable outcome of a case, with the log's tail on failure."""
    out = []
    a = res.last
    head = "%s: %s" % (res.name, res.label())
    if a:
        head += " in %.1f s" % a.wall
    out.append(head)
    if res.error:
        out.append("  error: " + res.error)
    for i, x in enumerate(res.attempts):
        if len(res.attempts) > 1 or x.verdict != PASS:
            out.append("  attempt %d: %s — %s" % (i + 1, x.verdict, "; ".join(x.reasons)))
            out.append("    log: %s" % x.log)
    if a and a.verdict == PASS and len(res.attempts) == 1:
        out.append("  " + "; ".join(a.reasons) + "  (log: %s)" % a.log)
    if res.reproduced:
        out.append("  NOTE: a known emulation-flake signature on every attempt; treated as a "
                   "real failure (the kernel may die this early by itself)")
    elif res.flaky:
        out.append("  NOTE: infrastructure flake on an earlier attempt: " + res.flaky)
    if a and a.monitor and res.verdict != PASS and tail:
        m = a.monitor
        lines = (m.panic_context and [m.kernel_panic] + m.panic_context) or m.tail[-tail:]
        lines = [ktap.normalize_line(l) if "\x1b" in l else l.rstrip("\r") for l in lines]
        out.append("  --- last console lines ---")
        out.extend("  | " + l for l in lines[-tail:])
    return "\n".join(out)


# ------------------------------------------------------------------ CLI
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mode", choices=MODES)
    ap.add_argument("--image", required=True, help="the xenolith ELF image")
    ap.add_argument("--cmdline", default="", help="kernel command line")
    ap.add_argument("--timeout", type=float, help="seconds (default: native 60, Xen 120)")
    ap.add_argument("--log", help="console log file (default: OBJTREE/boot-logs/MODE.log)")
    ap.add_argument("--objtree", help="build directory for logs and GRUB ISOs")
    ap.add_argument("--ktap", action="store_true", help="judge by KTAP output (ktest= runs)")
    ap.add_argument("--retries", type=int, default=1, help="retries after an INFRA-FLAKE")
    ap.add_argument("--min-suites", type=int, default=1)
    ap.add_argument("--require", help="comma-separated suites the run must include "
                    "(default: the mode's REQUIRED_SUITES; 'none' for none)")
    ap.add_argument("--echo", action="store_true", help="copy the console to stdout")
    ap.add_argument("--xen", help="Xen ELF (default: fetched into the cache)")
    ap.add_argument("--json", help="write the result as JSON here")
    ap.add_argument("--interactive", action="store_true",
                    help="just run QEMU with the console (and monitor) on this terminal")
    ap.add_argument("--print-cmd", action="store_true", help="print the QEMU command and exit")
    ap.add_argument("--smp", type=int, help="CPUs for QEMU (default: %s)" %
                    ", ".join("%s %d" % kv for kv in DEFAULT_SMP.items()))
    args = ap.parse_args(argv)
    objtree = args.objtree or os.path.dirname(os.path.abspath(args.image))

    if args.interactive or args.print_cmd:
        try:
            iso = grub_iso(args.image, args.cmdline, os.path.join(objtree, "boot-iso"),
                           log=print) if args.mode == "grub" else None
            xen = find_xen(args.xen) if args.mode in XEN_MODES else None
            cmd = qemu_command(args.mode, os.path.abspath(args.image), args.cmdline, xen=xen,
                               iso=iso, serial="mon:stdio" if args.interactive else "stdio",
                               smp=args.smp)
        except SetupError as e:
            print("boot: error: %s" % e, file=sys.stderr)
            return 4
        if args.print_cmd:
            print(" ".join(shlex.quote(c) for c in cmd))
            return 0
        print("boot: %s (Ctrl-A X quits QEMU, Ctrl-A C toggles its monitor)" % args.mode)
        print("boot: " + " ".join(shlex.quote(c) for c in cmd), flush=True)
        # QEMU owns the terminal; keys like Ctrl-C go to the guest.
        old = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            rc = subprocess.call(cmd)
        finally:
            signal.signal(signal.SIGINT, old)
        # isa-debug-exit: status 1 is the kernel's "success" power-off,
        # 3 its "failure"; 0 is a normal QEMU exit (Ctrl-A X, ACPI off).
        if args.mode in ("native", "grub") and rc in (1, 3):
            print("\nboot: kernel powered off (%s)" % ("success" if rc == 1 else "failure"))
            return 0 if rc == 1 else 1
        return rc

    required = None
    if args.require is not None:
        required = [] if args.require == "none" else [x for x in args.require.split(",") if x]
    res = run_case(args.mode, args.image, args.cmdline, timeout=args.timeout, log=args.log,
                   expect="ktap" if args.ktap else "ready", retries=args.retries,
                   echo=args.echo, xen=args.xen, objtree=objtree, min_suites=args.min_suites,
                   required=required, smp=args.smp)
    print(describe(res))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res.to_json(), f, indent=1)
    if res.error and not res.attempts:
        return 4
    return {PASS: 0, FAIL: 1, FLAKE: 2}[res.verdict]


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)   # quiet under "| head"
    sys.exit(main())
