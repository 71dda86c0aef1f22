"""Host tests of the rules that keep the boot runner honest: suites a mode
requires, the kernel's early console marker, and the flake budget."""

import contextlib
import io
import os
import re
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
SRCTREE = os.path.dirname(os.path.dirname(HERE))

import boot  # noqa: E402
import ktap  # noqa: E402
import matrix  # noqa: E402
import signatures  # noqa: E402
from signatures import PASS, FAIL, FLAKE  # noqa: E402

DATA = os.path.join(HERE, "testdata")
PV_LOG = os.path.join(DATA, "real_xen_pv_marker.log")


def lines_of(path, edit=None):
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()
    return [edit(l) for l in lines] if edit else lines


def monitor(lines, xen=True):
    m = signatures.ConsoleMonitor(xen=xen)
    for l in lines:
        m.feed(l)
    return m


def judge(m, required, selection="all", exit_code=None, native=False, expect="ktap"):
    return signatures.classify(m, expect, exit_code, False, exit_code is None, native,
                               required=required, selection=selection)


def ktap_run(suites):
    """A minimal passing KTAP run: suites is [(name, "pass"|"skip reason")]."""
    out = ["KTAP version 1", "1..%d" % len(suites)]
    for i, (name, how) in enumerate(suites, 1):
        if how.startswith("skip"):
            out.append("ok %d %s # SKIP %s" % (i, name, how[5:]))
            continue
        out += ["    KTAP version 1", "    # Subtest: %s" % name, "    1..1", "    ok 1 case",
                "ok %d %s" % (i, name)]
    return out


PV_REQUIRED = boot.REQUIRED_SUITES["xen-pv-dom0"]


class RequiredSuitesTest(unittest.TestCase):
    def test_real_pv_log_has_every_required_suite(self):
        m = monitor(lines_of(PV_LOG))
        self.assertTrue(m.early_console)
        self.assertEqual(m.cmdline, "ktest=all")
        v, why = judge(m, PV_REQUIRED)
        self.assertEqual(v, PASS, why)

    def test_required_suite_skipped_fails_by_name(self):
        def skip_multicall(l):
            return re.sub(r"^ok 2 multicall$", "ok 2 multicall # SKIP not a PV domain", l)
        lines = lines_of(PV_LOG, skip_multicall)
        # Its cases are gone too: the suite reported one skip line.
        start = lines.index("    # Subtest: multicall") - 1
        end = lines.index("ok 2 multicall # SKIP not a PV domain")
        lines = lines[:start] + lines[end:]
        m = monitor(lines)
        v, why = judge(m, PV_REQUIRED)
        self.assertEqual(v, FAIL)
        self.assertIn("required suite multicall skipped: not a PV domain", why)
        # The same log is fine where multicall is not required.
        self.assertEqual(judge(monitor(lines), boot.REQUIRED_SUITES["xen-pvh-dom0"])[0], PASS)

    def test_required_suite_skipped_is_never_a_flake(self):
        m = monitor(ktap_run([("alloc", "pass"), ("evtchn", "skip not running on Xen")])
                    + ["ktest: done: 1 passed, 0 failed, 1 skipped"], xen=False)
        m.feed_stderr("qemu-system-x86_64: tcg fatal error")
        v, why = judge(m, ("alloc", "evtchn"), exit_code=1, native=True)
        self.assertEqual(v, FAIL)
        self.assertIn("required suite evtchn skipped: not running on Xen", why)

    def test_required_suite_missing(self):
        m = monitor(ktap_run([("alloc", "pass")]) + ["ktest: done: 1 passed, 0 failed, 0 skipped"],
                    xen=False)
        v, why = judge(m, ("alloc", "xenstore"), exit_code=1, native=True)
        self.assertEqual(v, FAIL)
        self.assertIn("required suite xenstore missing", why)

    def test_required_suite_errors(self):
        lines = ktap_run([("alloc", "pass"), ("timer", "pass")])
        lines[lines.index("    1..1", 6)] = "    1..2"     # timer's plan promises two cases
        m = monitor(lines + ["ktest: done: 2 passed, 0 failed, 0 skipped"], xen=False)
        v, why = judge(m, ("alloc", "timer"), exit_code=1, native=True)
        self.assertEqual(v, FAIL)
        self.assertTrue(any(w.startswith("required suite timer errors: ") for w in why), why)

    def test_only_selected_suites_are_required(self):
        m = monitor(ktap_run([("alloc", "pass")]) + ["ktest: done: 1 passed, 0 failed, 0 skipped"],
                    xen=False)
        self.assertEqual(judge(m, PV_REQUIRED, selection=["alloc"], exit_code=1,
                               native=True)[0], PASS)
        self.assertEqual(judge(m, PV_REQUIRED, selection="all", exit_code=1,
                               native=True)[0], FAIL)

    def test_selection_from_the_kernels_own_report(self):
        m = monitor(["xenolith: early console up", "[    0.000000] command line: ktest=alloc"]
                    + ktap_run([("alloc", "pass")])
                    + ["ktest: done: 1 passed, 0 failed, 0 skipped"], xen=False)
        self.assertEqual(judge(m, PV_REQUIRED, selection=None, exit_code=1, native=True)[0], PASS)

    def test_ktest_selection(self):
        self.assertIsNone(signatures.ktest_selection("loglevel=8"))
        self.assertIsNone(signatures.ktest_selection(""))
        self.assertEqual(signatures.ktest_selection("ktest=all loglevel=8"), "all")
        self.assertEqual(signatures.ktest_selection("x=1 ktest=alloc,timer"), ["alloc", "timer"])
        self.assertEqual(signatures.ktest_selection("notktest=alloc"), None)

    def test_no_ktest_no_requirement(self):
        rep = ktap.parse_lines(ktap_run([("alloc", "pass")]))
        self.assertEqual(signatures.required_suite_problems(rep, PV_REQUIRED, None), [])

    def test_every_mode_declares_its_suites(self):
        self.assertEqual(set(boot.REQUIRED_SUITES), set(boot.MODES))
        for mode, suites in boot.REQUIRED_SUITES.items():
            for s in boot.BASE_SUITES:
                self.assertIn(s, suites, mode)

    def test_required_suites_exist_in_the_kernel(self):
        """A name in the table that no KTEST_SUITE defines is a typo that
        would fail every run: catch it here, without booting."""
        r = subprocess.run(["git", "-C", SRCTREE, "grep", "-h", "-E",
                            r"^KTEST_SUITE\([a-z_0-9]+, *\"[a-z_0-9]+\"", "--", "*.c"],
                           stdout=subprocess.PIPE, text=True)
        if r.returncode not in (0, 1):
            self.skipTest("not a git checkout")
        defined = set(re.findall(r"KTEST_SUITE\([a-z_0-9]+, *\"([a-z_0-9]+)\"", r.stdout))
        for mode, suites in boot.REQUIRED_SUITES.items():
            for s in suites:
                self.assertIn(s, defined, "%s requires unknown suite %s" % (mode, s))


class EarlyMarkerTest(unittest.TestCase):
    TRIPLE = "(XEN) d0v0 Triple fault - invoking HVM shutdown action 1"

    def test_triple_fault_before_marker_is_a_flake(self):
        m = monitor(["(XEN) Freed 656kB init memory", self.TRIPLE])
        self.assertFalse(m.kernel_progress)
        self.assertEqual(judge(m, PV_REQUIRED, exit_code=0)[0], FLAKE)

    def test_triple_fault_after_marker_is_a_failure(self):
        m = monitor(["(XEN) Freed 656kB init memory", "xenolith: early console up", self.TRIPLE])
        self.assertTrue(m.kernel_progress)
        self.assertIsNone(m.flake_signature())
        v, why = judge(m, PV_REQUIRED, exit_code=0)
        self.assertEqual(v, FAIL)
        self.assertTrue(why[0].startswith("triple fault after 'xenolith: early console up'"), why)

    XEN_STATE = ["(XEN) *** Dumping Dom0 vcpu#0 state: ***",
                 "(XEN) ----[ Xen-4.17.7  x86_64  debug=n  Not tainted ]----",
                 "(XEN) CPU:    1",
                 "(XEN) RIP:    e008:[<ffff82d0402044a5>]",
                 "(XEN) RFLAGS: 0000000000000246   CONTEXT: hvm guest (d0v0)",
                 "(XEN) Hardware Dom0 crashed: rebooting machine in 5 seconds."]

    def test_world_switch_triple_fault_after_marker_is_a_flake(self):
        m = monitor(["(XEN) Freed 656kB init memory", "xenolith: early console up",
                     "[    0.010000] time: clock xen-pvclock", self.TRIPLE] + self.XEN_STATE)
        self.assertIsNotNone(m.world_switch)
        v, why = judge(m, PV_REQUIRED, exit_code=0)
        self.assertEqual(v, FLAKE, why)
        self.assertIn("emulated world switch", why[0])

    def test_world_switch_after_a_ktap_failure_is_a_failure(self):
        m = monitor(["xenolith: early console up", "KTAP version 1", "1..1",
                     "not ok 1 timer", self.TRIPLE] + self.XEN_STATE)
        self.assertEqual(judge(m, PV_REQUIRED, exit_code=0)[0], FAIL)

    def test_guest_state_triple_fault_after_marker_is_a_failure(self):
        m = monitor(["xenolith: early console up", self.TRIPLE,
                     "(XEN) RIP:    0008:[<ffffffff80012345>]",
                     "(XEN) RFLAGS: 0000000000010046   CONTEXT: hvm guest (d0v0)"])
        self.assertIsNone(m.world_switch)
        self.assertEqual(judge(m, PV_REQUIRED, exit_code=0)[0], FAIL)

    def test_marker_with_xen_prefix(self):
        m = monitor(["(d0) xenolith: early console up", self.TRIPLE])
        self.assertEqual(judge(m, PV_REQUIRED, exit_code=0)[0], FAIL)

    def test_native_reset_after_marker_is_a_failure(self):
        # Natively a triple fault resets the machine; with -no-reboot QEMU
        # just exits with status 0 and no signature at all.
        m = monitor(["SeaBIOS (version 1.16)", "xenolith: early console up"], xen=False)
        v, why = judge(m, boot.REQUIRED_SUITES["native"], exit_code=0, native=True)
        self.assertEqual(v, FAIL)
        self.assertIn("machine reset", why[0])
        m = monitor(["xenolith: early console up"], xen=False)
        v, why = judge(m, (), exit_code=0, native=True, expect="ready")
        self.assertEqual(v, FAIL)
        self.assertIn("machine reset", why[0])

    def test_fatal_trap_after_marker_is_not_a_flake(self):
        m = monitor(["xenolith: early console up", "(XEN) FATAL TRAP: vector = 13"])
        self.assertIsNone(m.flake_signature())


class FlakeBudgetTest(unittest.TestCase):
    def test_line(self):
        self.assertEqual(signatures.flake_budget(0, 1), ("flakes: 0 (budget 1)", False))
        self.assertEqual(signatures.flake_budget(1, 1), ("flakes: 1 (budget 1)", False))
        self.assertEqual(signatures.flake_budget(2, 1), ("flakes: 2 (budget 1)", True))

    def test_case_counts_flaky_attempts(self):
        res = boot.CaseResult("x", "native")
        for v in (FLAKE, PASS):
            a = boot.Attempt()
            a.verdict = v
            res.attempts.append(a)
        self.assertEqual(res.flakes, 1)

    def run_matrix(self, verdicts, budget):
        """matrix.main with run_case replaced: verdicts[i] is the list of
        attempt verdicts of case i."""
        calls = []

        def fake_run_case(mode, image, cmdline, **kw):
            res = boot.CaseResult(kw.get("name") or mode, mode)
            for v in verdicts[len(calls)]:
                a = boot.Attempt()
                a.verdict, a.reasons, a.log = v, ["sig"], "/nonexistent/log"
                res.attempts.append(a)
            res.verdict = res.attempts[-1].verdict
            if len(res.attempts) > 1:
                res.flaky = "sig"
            calls.append((mode, kw.get("required")))
            return res

        saved_run = boot.run_case
        boot.run_case = fake_run_case
        buf = io.StringIO()
        try:
            with tempfile.TemporaryDirectory() as d, contextlib.redirect_stdout(buf):
                rc = matrix.main(["--objtree", d, "--image", "/img", "--modes", "native,grub",
                                  "--flake-budget", str(budget)])
        finally:
            boot.run_case = saved_run
        out = buf.getvalue().splitlines()
        return rc, out, calls

    def test_within_budget_passes(self):
        rc, out, _ = self.run_matrix([[FLAKE, PASS], [PASS]], budget=1)
        self.assertEqual(rc, 0)
        self.assertIn("flakes: 1 (budget 1)", out)

    def test_over_budget_fails_even_if_all_passed(self):
        rc, out, _ = self.run_matrix([[FLAKE, PASS], [FLAKE, PASS]], budget=1)
        self.assertEqual(rc, 1)
        self.assertIn("flakes: 2 (budget 1): over budget, the run fails", out)
        self.assertEqual(out[-1], "2 passed, 0 failed")


class EvtchnAbiCasesTest(unittest.TestCase):
    """The matrix boots each Xen dom0 mode a second time with the 2-level
    event channel ABI forced."""

    def test_cases_follow_their_mode(self):
        cases = matrix.image_cases("native,xen-pv-dom0,xen-pvh-dom0", "/img", "/nimg",
                                   abi_variants=True)
        self.assertEqual([c[0] for c in cases],
                         ["native", "xen-pv-dom0", "xen-pv-dom0 evtchn=2l", "xen-pvh-dom0",
                          "xen-pvh-dom0 evtchn=2l", "native [native_defconfig]"])
        self.assertTrue(all(len(c) == 5 for c in cases))
        by_name = {c[0]: c for c in cases}
        self.assertIsNone(by_name["xen-pv-dom0"][4])
        two = by_name["xen-pvh-dom0 evtchn=2l"]
        self.assertEqual(two[1:4], ("xen-pvh-dom0", "/img", boot.DEFAULT_SMP["xen-pvh-dom0"]))
        self.assertEqual(two[4]("ktest=all"), "ktest=evtchn,sched,smp evtchn=2l")
        self.assertEqual(two[4]("loglevel=8 ktest=all"), "loglevel=8 ktest=evtchn,sched,smp evtchn=2l")
        self.assertEqual(two[4]("ktest=evtchn"), "ktest=evtchn evtchn=2l")

    def test_dom0_config_image_in_both_dom0_modes(self):
        cases = matrix.image_cases("native", "/img", None, abi_variants=True,
                                   dom0_image="/d0")
        self.assertEqual([c[:3] for c in cases],
                         [("native", "native", "/img"),
                          ("xen-pv-dom0 [dom0_defconfig]", "xen-pv-dom0", "/d0"),
                          ("xen-pvh-dom0 [dom0_defconfig]", "xen-pvh-dom0", "/d0")])

    def test_no_variants_for_other_modes_or_bench(self):
        self.assertEqual(len(matrix.image_cases("native,grub", "/img", None, abi_variants=True)), 2)
        cases = matrix.image_cases("xen-pv-dom0", "/img", None, smp_counts=(1, 4))
        self.assertEqual([len(c) for c in cases], [4, 4])

    def test_required_suites_follow_the_narrowed_selection(self):
        sel = signatures.ktest_selection(matrix.evtchn_2l_cmdline("ktest=all"))
        self.assertEqual(sel, ["evtchn", "sched", "smp"])
        m = monitor(ktap_run([("evtchn", "pass"), ("sched", "pass"), ("smp", "pass")]) +
                    ["ktest: done: 3 passed, 0 failed, 0 skipped"], xen=False)
        verdict, reasons = judge(m, PV_REQUIRED, selection=sel, exit_code=1, native=True)[:2]
        self.assertEqual(verdict, PASS, reasons)
        # ... while the full selection would still want the rest.
        self.assertEqual(judge(m, PV_REQUIRED, selection="all", exit_code=1, native=True)[0],
                         FAIL)

    def test_matrix_passes_each_case_its_cmdline(self):
        seen = []

        def fake_run_case(mode, image, cmdline, **kw):
            seen.append((kw.get("name"), cmdline))
            res = boot.CaseResult(kw.get("name") or mode, mode)
            a = boot.Attempt()
            a.verdict, a.reasons, a.log = PASS, [], "/nonexistent/log"
            res.attempts.append(a)
            res.verdict = PASS
            return res

        saved_run = boot.run_case
        boot.run_case = fake_run_case
        try:
            with tempfile.TemporaryDirectory() as d, contextlib.redirect_stdout(io.StringIO()):
                rc = matrix.main(["--objtree", d, "--image", "/img", "--modes", "xen-pv-dom0"])
        finally:
            boot.run_case = saved_run
        self.assertEqual(rc, 0)
        self.assertEqual(seen, [("xen-pv-dom0", "ktest=all"),
                                ("xen-pv-dom0 evtchn=2l", "ktest=evtchn,sched,smp evtchn=2l")])


if __name__ == "__main__":
    unittest.main()
