"""Host unit tests for the boot runner: console signatures, verdicts, QEMU argv."""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import boot  # noqa: E402
import signatures  # noqa: E402
from signatures import PASS, FAIL, FLAKE  # noqa: E402

DATA = os.path.join(HERE, "testdata")


def monitor(name, xen=False, extra=()):
    m = signatures.ConsoleMonitor(xen=xen)
    with open(os.path.join(DATA, name), encoding="utf-8", errors="replace") as f:
        for line in f:
            m.feed(line)
    for line in extra:
        m.feed(line)
    return m


def judge(m, expect="ktap", exit_code=None, timed_out=False, native=None):
    native = (not m.xen) if native is None else native
    return signatures.classify(m, expect, exit_code, timed_out, exit_code is None, native)


class MonitorTest(unittest.TestCase):
    def test_milestones(self):
        m = monitor("good.log")
        self.assertEqual(m.init_done_us, 4200)
        self.assertEqual(m.clock, "tsc")
        self.assertEqual(m.bench, {"mode": "native", "boot_ns": "4300000"})
        self.assertEqual(m.ktest_done, (6, 0, 0))
        self.assertTrue(m.kernel_progress)
        self.assertFalse(m.fatal_seen())

    def test_boot_phases(self):
        m = signatures.ConsoleMonitor()
        m.feed("[    0.002000] bench: mode=xen-pv boot_ns=5000 hypercalls=9\n")
        m.feed("[    0.003000] bench: phases early=1000:2:0:0 pgtables=4000:3:1:40 "
               "ready=5000:0:0:0\n")
        m.feed("[    0.004000] bench: phases early=9:9:9:9\n")
        # The key=value line stays the first plain bench line; the
        # phases line is kept apart, the first one only.
        self.assertEqual(m.bench["hypercalls"], "9")
        self.assertNotIn("early", m.bench)
        self.assertEqual(m.phases, [("early", 1000, 2, 0, 0), ("pgtables", 4000, 3, 1, 40),
                                    ("ready", 5000, 0, 0, 0)])
        # A phases line first does not take the bench line's place.
        m = signatures.ConsoleMonitor()
        m.feed("[    0.003000] bench: phases early=1000:2:0:0\n")
        m.feed("[    0.004000] bench: mode=native boot_ns=7\n")
        self.assertEqual(m.bench, {"mode": "native", "boot_ns": "7"})

    def test_xen_bench_and_halt(self):
        m = monitor("xen_prefixed.log", xen=True)
        self.assertEqual(m.bench["hypercalls"], "812")
        self.assertEqual(m.bench["multicalls"], "37")
        self.assertEqual(m.dom0_end[0], "halted")
        self.assertEqual(m.ktest_done, (2, 0, 1))

    def test_ready(self):
        m = signatures.ConsoleMonitor()
        m.feed("[    0.001000] xenolith: ready\n")
        self.assertTrue(m.ready)
        self.assertEqual(judge(m, "ready", exit_code=None)[0], PASS)


class SerialFillTest(unittest.TestCase):
    """The serial suite's numbered burst: every line, in order."""

    def burst(self, numbers, total=4):
        return ["        # serial fill %d/%d ....\n" % (i, total) for i in numbers]

    def test_whole_burst_passes(self):
        m = monitor("good.log", extra=self.burst(range(4)))
        self.assertIsNone(m.serial_fill_problem())
        self.assertEqual(judge(m, exit_code=1)[0], PASS)

    def test_lost_line_fails(self):
        m = monitor("good.log", extra=self.burst([0, 1, 3]))
        v, why = judge(m, exit_code=1)
        self.assertEqual(v, FAIL)
        self.assertIn("line 3/4 came where 2 was expected", " ".join(why))

    def test_reordered_line_fails(self):
        m = monitor("good.log", extra=self.burst([0, 2, 1, 3]))
        self.assertIn("lost or reordered", m.serial_fill_problem())

    def test_cut_short_fails(self):
        m = monitor("good.log", extra=self.burst([0, 1]))
        v, why = judge(m, exit_code=1)
        self.assertEqual(v, FAIL)
        self.assertIn("ended at line 2 of 4", " ".join(why))


class VerdictTest(unittest.TestCase):
    def test_good_native(self):
        v, why = judge(monitor("good.log"), exit_code=1)
        self.assertEqual(v, PASS, why)

    def test_good_native_acpi_poweroff(self):
        self.assertEqual(judge(monitor("good.log"), exit_code=0)[0], PASS)

    def test_native_debug_exit_failure(self):
        v, why = judge(monitor("good.log"), exit_code=3)
        self.assertEqual(v, FAIL)
        self.assertIn("isa-debug-exit", why[0])

    def test_native_no_poweroff(self):
        v, why = judge(monitor("good.log"), exit_code=None)
        self.assertEqual(v, FAIL)
        self.assertIn("did not power off", why[0])

    def test_good_xen(self):
        v, why = judge(monitor("xen_prefixed.log", xen=True))
        self.assertEqual(v, PASS, why)

    def test_xen_without_halt(self):
        m = signatures.ConsoleMonitor(xen=True)
        with open(os.path.join(DATA, "xen_prefixed.log")) as f:
            for line in f:
                if "Hardware Dom0" not in line:
                    m.feed(line)
        v, why = judge(m)
        self.assertEqual(v, FAIL)
        self.assertIn("did not shut down", why[0])

    def test_not_ok(self):
        v, why = judge(monitor("not_ok.log"), exit_code=3)
        self.assertEqual(v, FAIL)
        self.assertTrue(any("strlen_empty" in r for r in why))

    def test_missing_plan(self):
        v, why = judge(monitor("missing_plan.log"), exit_code=1)
        self.assertEqual(v, FAIL)
        self.assertTrue(any("missing top-level plan" in r for r in why), why)

    def test_truncated_timeout(self):
        v, why = judge(monitor("truncated.log"), timed_out=True)
        self.assertEqual(v, FAIL)
        self.assertEqual(why[0], "timed out")

    def test_count_mismatch(self):
        self.assertEqual(judge(monitor("count_mismatch.log"), exit_code=1)[0], FAIL)

    def test_done_line_mismatch_is_a_note(self):
        m = monitor("good.log", extra=())
        m.ktest_done = (5, 0, 0)
        v, why = judge(m, exit_code=1)
        self.assertEqual(v, PASS)
        self.assertTrue(any("differs from the KTAP results" in r for r in why))

    def test_done_line_reports_failures(self):
        m = monitor("good.log")
        m.ktest_done = (6, 1, 0)
        self.assertEqual(judge(m, exit_code=1)[0], FAIL)

    def test_panic_is_a_real_failure(self):
        m = monitor("panic.log")
        self.assertTrue(m.kernel_panic.startswith("Kernel panic: page fault"))
        self.assertTrue(m.call_trace)
        v, why = judge(m, exit_code=None, timed_out=False)
        self.assertEqual(v, FAIL)
        self.assertIn("Kernel panic", why[0])

    def test_panic_never_a_flake_even_with_flake_signature(self):
        m = monitor("panic.log", xen=True,
                    extra=["(XEN) d0v0 Triple fault - invoking HVM shutdown action 1"])
        self.assertEqual(judge(m)[0], FAIL)

    def test_early_triple_fault_is_a_flake(self):
        m = monitor("pvh_triple_fault.log", xen=True)
        self.assertFalse(m.kernel_progress)
        v, why = judge(m, exit_code=0)
        self.assertEqual(v, FLAKE)
        self.assertIn("triple fault", why[0])

    def test_triple_fault_after_progress_is_a_failure(self):
        v, why = judge(monitor("late_triple_fault.log", xen=True), exit_code=0)
        self.assertEqual(v, FAIL)
        self.assertTrue(any("dom0 crashed" in r for r in why), why)

    def test_early_xen_fatal_trap_is_a_flake(self):
        m = monitor("xen_fatal_trap.log", xen=True)
        self.assertEqual(m.xen_panic, "FATAL TRAP: vector = 13 (general protection fault)")
        v, why = judge(m, exit_code=0)
        self.assertEqual(v, FLAKE)
        self.assertIn("FATAL TRAP", why[0])

    def test_xen_rejecting_the_image_is_a_failure(self):
        m = monitor("xen_no_dom0.log", xen=True)
        v, why = judge(m, exit_code=0)
        self.assertEqual(v, FAIL)
        self.assertIn("Could not construct domain 0", why[0])

    def test_dom0_process_segfault_is_a_flake(self):
        m = signatures.ConsoleMonitor(xen=True)
        m.feed("[   11.0] xl[312]: segfault at 0 ip 00007f0000001000 sp 00007ffd0000 error 4")
        self.assertEqual(judge(m, "ready", timed_out=True)[0], FLAKE)

    def test_qemu_crash_is_a_flake(self):
        m = signatures.ConsoleMonitor()
        m.feed_stderr("qemu-system-x86_64: ../tcg/tcg.c:1234: tcg_gen_code: Assertion `x' failed.")
        self.assertEqual(judge(m, exit_code=-6)[0], FLAKE)

    def test_grub_error(self):
        m = monitor("grub_error.log")
        self.assertEqual(m.loader_error, "error: no multiboot header found.")
        v, why = judge(m, timed_out=False)
        self.assertEqual(v, FAIL)
        self.assertIn("boot loader", why[0])

    def test_grub_noise_pass(self):
        self.assertEqual(judge(monitor("grub_noise.log"), exit_code=1)[0], PASS)

    def test_ready_expected_but_missing(self):
        m = monitor("pvh_triple_fault.log", xen=True)
        m2 = signatures.ConsoleMonitor(xen=True)
        m2.feed("[    0.0] Xenolith booting")
        self.assertEqual(judge(m, "ready")[0], FLAKE)
        v, why = judge(m2, "ready", timed_out=True)
        self.assertEqual(v, FAIL)
        self.assertIn("timed out", why)

    def test_no_suites(self):
        m = signatures.ConsoleMonitor()
        for line in ["KTAP version 1", "1..0", "ktest: done: 0 passed, 0 failed, 0 skipped"]:
            m.feed(line)
        v, why = judge(m, exit_code=1)
        self.assertEqual(v, FAIL)
        self.assertIn("0 suite(s)", why[0])


class RealLogTest(unittest.TestCase):
    """Logs recorded from real boots of the kernel (regression data)."""

    def test_real_native(self):
        m = monitor("real_native.log")
        v, why = judge(m, exit_code=1)
        self.assertEqual(v, PASS, why)
        self.assertEqual(m.bench["mode"], "native")
        self.assertIsNotNone(m.init_done_us)

    def test_real_xen_pv(self):
        m = monitor("real_xen_pv.log", xen=True)
        v, why = judge(m)
        self.assertEqual(v, PASS, why)
        self.assertEqual(m.bench["mode"], "xen-pv")
        self.assertEqual(m.dom0_end[0], "halted")
        self.assertIsNone(m.flake_signature())


class HangTest(unittest.TestCase):
    def test_not_ok_before_a_hang_is_reported(self):
        m = signatures.ConsoleMonitor(xen=True)
        for line in ["KTAP version 1", "1..2", "    KTAP version 1", "    # Subtest: evtchn",
                     "    1..4", "    not ok 1 loopback # ktest_xen.c:63"]:
            m.feed(line)
        v, why = judge(m, timed_out=True)
        self.assertEqual(v, FAIL)
        self.assertEqual(why[0], "not ok: evtchn.loopback # ktest_xen.c:63")
        self.assertEqual(why[-1], "then timed out")


class RetryTest(unittest.TestCase):
    """run_case's retry policy, with QEMU replaced by canned attempts."""

    def run_with(self, verdicts, retries=1):
        calls = []

        def fake_attempt(cmd, mode, path, timeout, expect, echo=False, min_suites=1, **kw):
            a = boot.Attempt()
            a.verdict = verdicts[len(calls)]
            a.reasons = ["signature %d" % len(calls)]
            a.log = path
            calls.append(path)
            return a

        saved = boot.run_attempt
        boot.run_attempt = fake_attempt
        try:
            res = boot.run_case("native", __file__, "", expect="ktap", retries=retries,
                                log="/nonexistent/x.log", say=lambda s: None)
        finally:
            boot.run_attempt = saved
        return res, calls

    def test_pass_needs_no_retry(self):
        res, calls = self.run_with([PASS])
        self.assertEqual((res.verdict, len(calls), res.flaky), (PASS, 1, None))

    def test_failure_is_not_retried(self):
        res, calls = self.run_with([FAIL, PASS])
        self.assertEqual((res.verdict, len(calls)), (FAIL, 1))

    def test_flake_then_pass(self):
        res, calls = self.run_with([FLAKE, PASS])
        self.assertEqual(res.verdict, PASS)
        self.assertEqual(res.flaky, "signature 0")
        self.assertEqual(res.label(), "PASS (flake, retried)")
        self.assertEqual(calls, ["/nonexistent/x.log", "/nonexistent/x.retry1.log"])
        self.assertIn("infrastructure flake", boot.describe(res))

    def test_flake_then_real_failure(self):
        res, calls = self.run_with([FLAKE, FAIL])
        self.assertEqual(res.verdict, FAIL)
        self.assertFalse(res.reproduced)

    def test_flake_twice_is_a_failure(self):
        res, calls = self.run_with([FLAKE, FLAKE])
        self.assertEqual(res.verdict, FAIL)
        self.assertTrue(res.reproduced)
        self.assertIn("every attempt", res.label())

    def test_no_retries(self):
        res, calls = self.run_with([FLAKE], retries=0)
        self.assertEqual((res.verdict, len(calls)), (FLAKE, 1))


class QemuCommandTest(unittest.TestCase):
    def test_native(self):
        cmd = boot.qemu_command("native", "/b/xenolith", "ktest=a,b loglevel=7")
        self.assertNotIn("-enable-kvm", cmd)
        self.assertEqual(cmd[cmd.index("-kernel") + 1], "/b/xenolith")
        self.assertEqual(cmd[cmd.index("-append") + 1], "ktest=a,b loglevel=7")
        self.assertIn("isa-debug-exit,iobase=0xf4,iosize=0x04", cmd)
        self.assertEqual(cmd[cmd.index("-serial") + 1], "stdio")

    def test_xen_pv(self):
        cmd = boot.qemu_command("xen-pv-dom0", "/b/xenolith", "ktest=a,b", xen="/c/xen.elf")
        self.assertEqual(cmd[cmd.index("-kernel") + 1], "/c/xen.elf")
        self.assertEqual(cmd[cmd.index("-cpu") + 1], "max,-smap,-smep")
        self.assertEqual(cmd[cmd.index("-accel") + 1], "tcg,thread=single")
        self.assertEqual(cmd[cmd.index("-m") + 1], "2048")
        self.assertEqual(cmd[cmd.index("-smp") + 1], str(boot.DEFAULT_SMP["xen-pv-dom0"]))
        append = cmd[cmd.index("-append") + 1]
        self.assertEqual(append, boot.XEN_CMDLINE)
        self.assertNotIn("dom0=pvh", append)
        self.assertEqual(cmd[cmd.index("-initrd") + 1], "/b/xenolith ktest=a,,b")
        self.assertNotIn("-enable-kvm", cmd)

    def test_xen_pvh(self):
        cmd = boot.qemu_command("xen-pvh-dom0", "/b/xenolith", "", xen="/c/xen.elf")
        self.assertTrue(cmd[cmd.index("-append") + 1].endswith(" dom0=pvh"))
        self.assertIn("amd-iommu", cmd)
        self.assertEqual(cmd[cmd.index("-initrd") + 1], "/b/xenolith")

    def test_interactive_serial(self):
        cmd = boot.qemu_command("native", "/b/x", "", serial="mon:stdio")
        self.assertEqual(cmd[cmd.index("-serial") + 1], "mon:stdio")
        self.assertNotIn("-monitor", cmd)

    def test_grub_quote(self):
        self.assertEqual(boot.grub_quote("ktest=all"), "ktest=all")
        self.assertEqual(boot.grub_quote("a;b"), "'a;b'")
        self.assertEqual(boot.grub_quote("it's"), "'it'\\''s'")

    def test_bad_mode(self):
        with self.assertRaises(boot.SetupError):
            boot.qemu_command("xen-hvm", "/b/x")


if __name__ == "__main__":
    unittest.main()
