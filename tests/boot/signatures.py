"""What a Xenolith boot log says: milestones, failures and emulation flakes.

ConsoleMonitor is fed every console line (QEMU's serial output, and QEMU's
own stderr through feed_stderr) and keeps track of:

  * kernel milestones: first kernel log line, "init done in N us (clock: X)",
    "xenolith: ready", "bench: k=v ...", "ktest: done: P passed, F failed,
    S skipped";
  * the KTAP stream, through ktap.KtapParser;
  * failure signatures: "Kernel panic", Xen "Panic on CPU", "FATAL TRAP",
    HVM "Triple fault", dom0 halt/crash/reboot, QEMU internal errors;
  * the kernel's early marker "xenolith: early console up", printed as soon
    as the boot path has a console: after it, a triple fault or a reset is
    the kernel's own failure, never a flake, except a triple fault whose
    vCPU dump holds Xen's own registers (the emulated world switch broke);
  * known emulation-flake signatures (see docs/xen-lab.md, "Emulation flakes").

classify() turns that plus QEMU's exit into a verdict. It never calls a run
a flake when the kernel itself reported a failure. required_suite_problems()
names the suites a boot mode or guest type requires that did not run.
"""

import re

import ktap

PASS, FAIL, FLAKE = "PASS", "FAIL", "INFRA-FLAKE"

_KERNEL_LINE = re.compile(r"^(?:\(d\d+(?:v\d+)?\) ?)?\[\s*\d+\.\d{6}\] ")
_INIT_DONE = re.compile(r"init done in (\d+) us \(clock: ([^)]*)\)")
_READY = re.compile(r"\bxenolith: ready\b")
_BENCH = re.compile(r"\bbench: (.*)$")
_KV = re.compile(r"([A-Za-z_][\w.-]*)=(\S+)")
_PHASE = re.compile(r"([a-z_]+)=(\d+):(\d+):(\d+):(\d+)")


def parse_phases(text):
    """The boot profile's phases: [(name, end_ns, hypercalls, multicalls,
    pt_updates)], in boot order."""
    return [(m.group(1),) + tuple(int(m.group(i)) for i in range(2, 6))
            for m in _PHASE.finditer(text)]
# start_kernel() prints this right after the boot path's early setup made a
# console (kernel/main.c); it carries no time stamp.
EARLY_CONSOLE = re.compile(r"\bxenolith: early console up\b")
# "command line: ..." from the kernel's boot report, and its ktest= option.
_CMDLINE = re.compile(r"\bcommand line: (.*)$")
_KTEST_OPT = re.compile(r"(?:^|\s)ktest=(\S*)")
_KTEST_DONE = re.compile(r"ktest: done: (\d+) passed, (\d+) failed, (\d+) skipped")
_SERIAL_FILL = re.compile(r"^\s*# serial fill (\d+)/(\d+) ")
_KERNEL_PANIC = re.compile(r"Kernel panic\b")
_CALL_TRACE = re.compile(r"Call trace:")
_XEN_LINE = re.compile(r"^\(XEN\)")
_XEN_PANIC = re.compile(r"Panic on CPU \d+")
_XEN_FATAL_TRAP = re.compile(r"FATAL TRAP")
_TRIPLE_FAULT = re.compile(r"Triple fault")
# Xen dumps the vCPU after "dNvM Triple fault". Under QEMU's emulated SVM
# the dump of an HVM guest has now and then shown Xen's own registers:
# code selector e008 (Xen's hypervisor CS; Xenolith's is 0x08) and a RIP
# in Xen's text (the instruction after its vmrun), with RSP on a Xen
# stack. A guest cannot run there: the emulated world switch stored the
# host's state as the guest's, and the guest "faulted" fetching Xen's
# code through its own page tables (cr2 = RIP). docs/xen-lab.md.
_XEN_RIP = re.compile(r"RIP:\s+e008:\[<ffff82d0[0-9a-f]{8}>\]")
_HVM_CONTEXT = re.compile(r"CONTEXT: hvm guest\b")
_ANY_RIP = re.compile(r"\bRIP:\s+[0-9a-f]{4}:\[<[0-9a-f]+>\]")
_DOM0_END = re.compile(r"Hardware Dom0 (halted|crashed|shutdown)|Domain 0 (crashed|halted|shut down)")
# A process in a Linux dom0 dying of a spurious segfault (seen under TCG in
# freshly forked processes). Xenolith has no processes; kept for Linux dom0s.
_PROC_SEGFAULT = re.compile(r"\b([\w.-]+)\[\d+\]: segfault at [0-9a-f]+ ip ")
# The boot loader gave up (GRUB prints these, then waits for a key).
_LOADER_ERROR = re.compile(r"^(?:error: .*|\s*Failed to boot both default and fallback entries\.?)$")
_QEMU_INTERNAL = re.compile(r"(?i)(qemu[\w-]*: .*(fatal|assertion|internal error|"
                            r"tcg.*(?:error|fail))|Aborted|core dumped)")


# The known emulation-flake signatures, shared with the xl lab
# (tests/xl/lab.py): nothing else may make a run an INFRA-FLAKE.
PROC_SEGFAULT = _PROC_SEGFAULT      # group 1: the process name
QEMU_INTERNAL = _QEMU_INTERNAL
TRIPLE_FAULT = _TRIPLE_FAULT


class WorldSwitchDump:
    """Watches the Xen lines after a triple fault for the dump whose guest
    state is Xen's own (see _XEN_RIP): feed() each Xen line, starting with
    the "Triple fault" one; returns the RIP line once the dump shows it
    (RIP in Xen's text with CS e008, then "CONTEXT: hvm guest"), else None.
    Only the first few lines of the dump are looked at, so a later Xen
    crash dump cannot be mistaken for it."""

    WINDOW = 8

    def __init__(self):
        self.left = 0
        self.rip = None
        self.found = None
        self.first_rip = None     # the dump's RIP line, whatever it is (for reports)

    def feed(self, body):
        if _TRIPLE_FAULT.search(body):
            if self.found is None:
                self.left, self.rip = self.WINDOW, None
            return self.found
        if self.left <= 0 or self.found is not None:
            return self.found
        self.left -= 1
        if self.first_rip is None and _ANY_RIP.search(body):
            self.first_rip = body.strip()
        if self.rip is None and _XEN_RIP.search(body):
            self.rip = body.strip()
        elif self.rip is not None and _HVM_CONTEXT.search(body):
            self.found, self.left = self.rip, 0
        return self.found


class ConsoleMonitor:
    def __init__(self, xen=False):
        self.xen = xen
        self.ktap = ktap.KtapParser()
        self.kernel_lines = 0
        self.early_console = False        # the kernel's early marker was seen
        self.cmdline = None               # from its "command line:" report
        self.first_kernel_line = None
        self.init_done_us = None
        self.clock = None
        self.ready = False
        self.bench = {}
        self.bench_line = None
        # "bench: phases NAME=END_NS:HC:MC:PT ..." (kernel/bootprof.c): a
        # list of (name, end_ns, hypercalls, multicalls, pt_updates).
        self.phases = []
        self.ktest_done = None            # (passed, failed, skipped)
        self.kernel_panic = None          # first panic line
        self.panic_context = []           # lines after it (call trace)
        self.call_trace = False
        self.xen_panic = None             # reason line after "Panic on CPU"
        self._xen_panic_next = False
        self.xen_fatal_trap = None
        self.triple_fault = None
        self.world_switch = None          # the triple fault's dump was Xen's state
        self._dump = WorldSwitchDump()
        self.dom0_end = None              # ("halted"|"crashed"|"shutdown", line)
        self.proc_segfault = None
        self.loader_error = None          # GRUB "error: ..." before the kernel ran
        self.qemu_errors = []
        # The serial suite's numbered burst ("# serial fill I/N"): the
        # next number expected, its total, and the first gap or reordering.
        self.fill_next = 0
        self.fill_total = None
        self.fill_error = None
        self.lines = 0
        self.tail = []                    # last lines, for reports

    # -------------------------------------------------------------- feeding
    def feed(self, raw):
        line = raw.rstrip("\r\n")
        self.lines += 1
        self.tail.append(line)
        if len(self.tail) > 60:
            del self.tail[:-40]
        self.ktap.feed(line)
        clean = ktap.normalize_line(line)
        bare = line.lstrip("\r")
        is_xen = bool(_XEN_LINE.match(bare))

        if self.kernel_panic is not None and len(self.panic_context) < 40:
            self.panic_context.append(clean)
        # Kernel progress: a kernel-format log line. Under Xen the kernel's
        # console may come with a "(d0) " or even "(XEN) " prefix; Xen's own
        # lines carry no "[ seconds.micros]" stamp (console_timestamps off).
        if _KERNEL_LINE.match(_XEN_LINE.sub("", bare).lstrip()) or \
                (self.ktap.started and not self.kernel_lines):
            self.kernel_lines += 1
            if self.first_kernel_line is None:
                self.first_kernel_line = clean
        if is_xen:
            if self._xen_panic_next and clean.strip() and not clean.startswith("****"):
                self.xen_panic = clean.strip()
                self._xen_panic_next = False
            if _XEN_PANIC.search(clean) and self.xen_panic is None:
                self.xen_panic = "(reason not printed)"
                self._xen_panic_next = True
            if _XEN_FATAL_TRAP.search(clean) and self.xen_fatal_trap is None:
                self.xen_fatal_trap = clean.strip()
            m = _DOM0_END.search(clean)
            if m and self.dom0_end is None:
                self.dom0_end = ((m.group(1) or m.group(2)).replace("shut down", "shutdown"),
                                 clean.strip())
        if _TRIPLE_FAULT.search(clean) and self.triple_fault is None:
            self.triple_fault = clean.strip()
        if is_xen and self.triple_fault is not None and self.world_switch is None:
            self.world_switch = self._dump.feed(clean)
        if not self.kernel_progress and self.loader_error is None \
                and _LOADER_ERROR.match(clean.strip()):
            self.loader_error = clean.strip()

        if EARLY_CONSOLE.search(clean):
            self.early_console = True
        m = _CMDLINE.search(clean)
        if m and self.cmdline is None and self.kernel_progress:
            self.cmdline = m.group(1).strip()
        m = _INIT_DONE.search(clean)
        if m and self.init_done_us is None:
            self.init_done_us = int(m.group(1))
            self.clock = m.group(2)
        if _READY.search(clean):
            self.ready = True
        m = _BENCH.search(clean)
        if m and m.group(1).startswith("phases "):
            if not self.phases:
                self.phases = parse_phases(m.group(1)[len("phases "):])
        elif m and not self.bench:
            self.bench_line = clean
            self.bench = dict(_KV.findall(m.group(1)))
        m = _SERIAL_FILL.search(clean)
        if m:
            i, n = int(m.group(1)), int(m.group(2))
            if self.fill_error is None and (i != self.fill_next or
                                            self.fill_total not in (None, n)):
                self.fill_error = "line %d/%d came where %d was expected" % (i, n, self.fill_next)
            self.fill_next, self.fill_total = i + 1, n
        m = _KTEST_DONE.search(clean)
        if m and self.ktest_done is None:
            self.ktest_done = tuple(int(x) for x in m.groups())
        if _KERNEL_PANIC.search(clean) and self.kernel_panic is None:
            self.kernel_panic = clean.strip()
        if _CALL_TRACE.search(clean):
            self.call_trace = True
        if _PROC_SEGFAULT.search(clean) and self.proc_segfault is None:
            self.proc_segfault = clean.strip()

    def serial_fill_problem(self):
        """Lost or reordered console output in the serial suite's burst."""
        if self.fill_total is None:
            return None
        if self.fill_error:
            return "serial console output lost or reordered: " + self.fill_error
        if self.fill_next != self.fill_total:
            return "serial console output lost: the burst ended at line %d of %d" % (
                self.fill_next, self.fill_total)
        return None

    def feed_stderr(self, raw):
        line = raw.rstrip("\r\n")
        if line.strip():
            self.qemu_errors.append(line)

    # -------------------------------------------------------------- state
    @property
    def kernel_progress(self):
        """Did the kernel print anything at all (its early marker or its
        first log line)?"""
        return self.early_console or self.kernel_lines > 0

    def fatal_seen(self):
        """A signature after which the run cannot recover (stop soon)."""
        return bool(self.kernel_panic or self.xen_panic or self.triple_fault or self.dom0_end
                    or self.loader_error)

    def flake_signature(self):
        """A known emulation-flake signature, or None.

        Only signatures that say the emulated machine broke before the
        kernel could do anything (or in a process the kernel does not
        own, or in the world switch with Xen's state as the guest's) count;
        a failure the kernel reported itself never does, and neither does
        any other triple fault once the kernel's early marker is out.
        """
        internal = [e for e in self.qemu_errors if _QEMU_INTERNAL.search(e)]
        if internal:
            return "qemu-internal-error: " + internal[0].strip()
        if self.triple_fault and not self.kernel_progress:
            return "triple fault in the world switch before any kernel output: " + self.triple_fault
        if self.triple_fault and self.world_switch:
            return ("triple fault in the emulated world switch (the guest's saved state is "
                    "Xen's own: %s): %s" % (self.world_switch, self.triple_fault))
        if self.xen_fatal_trap and not self.kernel_progress:
            return "Xen FATAL TRAP before any kernel output: " + self.xen_fatal_trap
        if self.proc_segfault:
            return "transient segfault of a dom0 process: " + self.proc_segfault
        return None


def ktest_selection(cmdline):
    """What a kernel command line asks ktest for: None (no ktest= option),
    "all", or the list of suite names."""
    m = _KTEST_OPT.search(cmdline or "")
    if not m:
        return None
    val = m.group(1)
    if val == "all":
        return "all"
    return [x for x in val.split(",") if x]


def required_suite_problems(report, required, selection="all"):
    """Why each required suite that was asked for did not run and pass.

    report: a ktap.KtapReport; required: suite names; selection: what the
    command line asked for (ktest_selection()); a suite not asked for is
    not required. Returns ["required suite NAME skipped: reason", ...]
    ("missing", "errors: ..." likewise). A suite that ran and failed is
    already a KTAP failure and is not repeated here.
    """
    if selection is None:
        return []
    wanted = [s for s in required if selection == "all" or s in selection]
    suites = {}
    for node in report.suites() if report.seen else []:
        suites.setdefault(node.name or node.description, node)
    out = []
    for name in wanted:
        node = suites.get(name)
        errs = [e for e in report.errors if "'%s'" % name in e or "'%s." % name in e]
        if node is None:
            out.append("required suite %s missing" % name)
        elif node.status == "skip":
            out.append("required suite %s skipped: %s" % (name, node.reason or "no reason given"))
        elif node.status == "missing":
            out.append("required suite %s missing (no result line)" % name)
        elif errs:
            out.append("required suite %s errors: %s" % (name, "; ".join(errs[:3])))
    return out


def flake_budget(flakes, budget):
    """The run-level line about infrastructure flakes, and whether the run
    is over its budget (which fails it even when every case passed on a
    retry: flakes that come often are a problem of their own)."""
    return "flakes: %d (budget %d)" % (flakes, budget), flakes > budget


def classify(mon, expect, exit_code, timed_out, stopped_by_runner, native, min_suites=1,
             required=(), selection=None):
    """Verdict for one attempt.

    expect: "ktap" (a ktest= run) or "ready" (a plain boot).
    exit_code: QEMU's exit status (None if the runner stopped QEMU).
    native: the kernel runs on bare (emulated) hardware, so a completed
      ktest run must end with QEMU exiting through isa-debug-exit
      (status 1 = success, 3 = failure; 0 = ACPI power-off is accepted).
    required: suites this boot mode must run (and not skip) in a ktap run,
      among those the command line selected (selection: ktest_selection();
      None means take it from the kernel's own "command line:" report, or
      "all" if it printed none).
    Returns (verdict, [reasons]).
    """
    reasons = []
    hard = []   # evidence of a real kernel failure: never a flake
    missing = []  # required suites that did not run (a run cut short, or not built)

    if mon.kernel_panic:
        hard.append(mon.kernel_panic)
    if mon.serial_fill_problem():
        hard.append(mon.serial_fill_problem())
    if mon.loader_error:
        hard.append("boot loader: " + mon.loader_error)
    if mon.xen_panic and mon.kernel_progress and not mon.xen_fatal_trap:
        hard.append("Xen panic: " + mon.xen_panic)
    elif mon.xen_panic and not mon.xen_fatal_trap:
        # e.g. "Could not construct domain 0": Xen rejected the image.
        hard.append("Xen panic before any kernel output: " + mon.xen_panic)
    # Once the kernel has a console, a triple fault or a machine reset is
    # its own doing: never retried away as an emulation flake, unless Xen's
    # dump shows the hypervisor's own state where the guest's should be.
    world_switch = bool(mon.triple_fault and mon.world_switch)
    if mon.early_console and mon.triple_fault and not world_switch:
        hard.append("triple fault after 'xenolith: early console up': " + mon.triple_fault)
    elif mon.early_console and exit_code == 0 and not (mon.ktest_done or mon.ready) \
            and not world_switch:
        hard.append("machine reset (QEMU exited with status 0) after 'xenolith: early console "
                    "up', before the kernel finished")

    rep = mon.ktap.finish()
    if expect == "ktap":
        if rep.failures:
            hard.extend(rep.failures[:10])
            if len(rep.failures) > 10:
                hard.append("... %d more failing results" % (len(rep.failures) - 10))
        if mon.ktest_done and mon.ktest_done[1] > 0:
            hard.append("kernel reported %d failed test(s)" % mon.ktest_done[1])
        if mon.xen and mon.dom0_end and mon.dom0_end[0] == "crashed" and mon.kernel_progress \
                and not world_switch:
            hard.append("dom0 crashed: " + mon.dom0_end[1])
        if native and exit_code == 3:
            hard.append("kernel signalled failure through isa-debug-exit (QEMU status 3)")
        if required and rep.seen:
            sel = selection
            if sel is None:
                sel = ktest_selection(mon.cmdline) if mon.cmdline else "all"
            problems = required_suite_problems(rep, required, sel)
            # A suite the kernel skipped said so itself; one that is missing
            # may be a run cut short, which the reasons below explain.
            hard.extend(p for p in problems if " skipped: " in p)
            missing = [p for p in problems if " skipped: " not in p]
    else:
        if mon.xen and mon.dom0_end and mon.kernel_progress and not world_switch:
            hard.append("dom0 stopped before 'xenolith: ready': " + mon.dom0_end[1])

    if hard:
        if timed_out:
            hard.append("then timed out")
        return FAIL, hard

    if expect == "ktap":
        ok = rep.ok
        if not rep.seen:
            reasons.append("no KTAP output")
        else:
            reasons.extend(rep.errors[:10])
            if missing:
                ok = False
                reasons.extend(missing)
            if rep.ok and len(rep.suites()) < min_suites:
                ok = False
                reasons.append("KTAP run had %d suite(s), expected at least %d"
                               % (len(rep.suites()), min_suites))
        if ok and mon.ktest_done is None:
            ok = False
            reasons.append("no 'ktest: done' line after the KTAP output")
        notes = []
        if ok and mon.ktest_done is not None:
            # The kernel's own tally may count cases or suites; a mismatch
            # with both is worth a note (its failure count is checked above).
            leaf = rep.counts()["cases"]
            suites = rep.counts()["suites"]
            p, f, s = mon.ktest_done
            if (p, f, s) not in ((leaf["pass"], leaf["fail"], leaf["skip"]),
                                 (suites["pass"], suites["fail"], suites["skip"])):
                notes.append("note: 'ktest: done: %d passed, %d failed, %d skipped' differs "
                             "from the KTAP results" % (p, f, s))
        if ok:
            if native:
                if exit_code is None:
                    ok = False
                    reasons.append("kernel did not power off (QEMU still running after the run)")
                elif exit_code not in (0, 1):
                    ok = False
                    reasons.append("QEMU exited with status %d (expected 1 from isa-debug-exit)"
                                   % exit_code)
            elif mon.xen:
                if mon.dom0_end is None:
                    ok = False
                    reasons.append("dom0 did not shut down after the run (no 'Hardware Dom0 "
                                   "halted' from Xen)")
                elif mon.dom0_end[0] != "halted":
                    ok = False
                    reasons.append("dom0 ended with '%s', expected a power-off" % mon.dom0_end[1])
        if ok:
            return PASS, ["KTAP: " + rep.summary()] + notes
    else:
        if mon.ready:
            return PASS, ["reached 'xenolith: ready'"]
        reasons.append("never reached 'xenolith: ready'")

    flake = mon.flake_signature()
    if flake:
        return FLAKE, [flake] + reasons
    if timed_out:
        reasons.insert(0, "timed out")
    if not mon.kernel_progress:
        reasons.append("no kernel output at all")
    if mon.triple_fault:
        reasons.append(mon.triple_fault)
    if mon.xen_fatal_trap:
        reasons.append("Xen: " + mon.xen_fatal_trap)
    if mon.xen_panic:
        reasons.append("Xen panic: " + mon.xen_panic)
    if mon.dom0_end:
        reasons.append("Xen: " + mon.dom0_end[1])
    if exit_code is not None:
        reasons.append("QEMU exited by itself with status %d" % exit_code)
    for e in mon.qemu_errors[:3]:
        reasons.append("qemu: " + e.strip())
    return FAIL, reasons
