"""Host-side tests of the xl lab: marker parsing, verdicts, flake retries,
the cpio writer and the ELF readers. No QEMU, no Xen, no root.

    /usr/bin/python3 -m unittest discover -s tests/xl -p 'test_*.py'
"""

import os
import struct
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import cpio  # noqa: E402
import lab  # noqa: E402
import labbuild  # noqa: E402


def scenario(text, name="s"):
    fd, path = tempfile.mkstemp(suffix=".sh")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    s = lab.Scenario(name, path)
    os.unlink(path)
    return s


KTAP_SCEN = """# lab-suite: test
# lab-types: pv pvh
# lab-timeout: 100
# lab-expect: create ktest-done shutdown
# lab-ktap: yes
lab_create
"""

def ktap_lines(dom, suites, cmdline="ktest=all"):
    """A passing KTAP run of the guest dom: one case "x" per suite, or
    "skip REASON" for a suite that skips itself."""
    out = ["G|%s| xenolith: early console up" % dom,
           "G|%s| [    0.1] command line: %s" % (dom, cmdline),
           "G|%s| KTAP version 1" % dom, "G|%s| 1..%d" % (dom, len(suites))]
    passed = skipped = 0
    for i, s in enumerate(suites, 1):
        name, _, skip = s.partition(" skip ")
        if skip:
            out.append("G|%s| ok %d %s # SKIP %s" % (dom, i, name, skip))
            skipped += 1
            continue
        out += ["G|%s|     KTAP version 1" % dom, "G|%s|     # Subtest: %s" % (dom, name),
                "G|%s|     1..1" % dom, "G|%s|     ok 1 x" % dom, "G|%s| ok %d %s" % (dom, i, name)]
        passed += 1
    out.append("G|%s| ktest: done: %d passed, 0 failed, %d skipped" % (dom, passed, skipped))
    return out


# Every suite a PV domU must run, all passing.
GOOD_KTAP = ktap_lines("k-pv", lab.GUEST_TYPES["pv"]["required"])


def feed(cases, lines):
    mon = lab.Monitor(cases)
    for l in lines:
        mon.feed(l)
    return mon


def case_lines(name, body, rc=0):
    return (["XLLAB case-begin case=%s scenario=s type=pv timeout=100" % name,
             "XLLAB domain case=%s dom=%s domid=1 type=pv tty=/dev/pts/0" % (name, name)]
            + body + ["XLLAB case-end case=%s rc=%d elapsed_ms=1234" % (name, rc)])



class GuestFactsBenchTest(unittest.TestCase):
    def test_phases_line_kept_apart(self):
        lines = ["[    0.002000] bench: mode=xen-pv boot_ns=5000 hypercalls=9",
                 "[    0.003000] bench: phases early=1000:2:0:0 ready=6000:1:0:3",
                 "[    0.004000] xenolith: ready"]
        _, _, bench, ready, _ = lab.guest_facts(lines)
        self.assertTrue(ready)
        self.assertEqual(bench["hypercalls"], "9")
        self.assertEqual(bench["boot_ns"], "5000")
        self.assertEqual(lab.signatures.parse_phases(bench["phases"]),
                         [("early", 1000, 2, 0, 0), ("ready", 6000, 1, 0, 3)])

class ScenarioTests(unittest.TestCase):
    def test_metadata(self):
        s = scenario(KTAP_SCEN)
        self.assertEqual(s.types, ["pv", "pvh"])
        self.assertEqual(s.timeout, 100)
        self.assertEqual(s.expect, ["create", "ktest-done", "shutdown"])
        self.assertTrue(s.ktap)

    def test_variants_make_cases(self):
        s = scenario("# lab-suite: bench\n# lab-types: pv\n"
                     "# lab-variants: a:X=1 b:X=2,Y=3\n", name="bench")
        cases = lab.make_cases({"bench": s}, suite="bench")
        self.assertEqual([c.name for c in cases], ["bench-a-pv", "bench-b-pv"])
        # A benchmark runs the kernel as shipped: no idle check.
        self.assertEqual(cases[1].env, {"X": "2", "Y": "3", "LAB_IDLECHECK": "0"})
        self.assertEqual(cases[1].line(), "bench-b-pv bench pv 180 LAB_IDLECHECK=0 X=2 Y=3")
        t = scenario("# lab-suite: test\n# lab-types: pvh\n# lab-variants: a:X=1\n", name="t")
        self.assertEqual(lab.make_cases({"t": t}, suite="test")[0].env, {"X": "1"})

    def test_shipped_scenarios_parse(self):
        scen = lab.load_scenarios()
        for name in ("ktap", "boot", "bench"):
            self.assertIn(name, scen)
            self.assertTrue(scen[name].expect, name)
        self.assertTrue(lab.make_cases(scen, suite="test"))


class JudgeTests(unittest.TestCase):
    def setUp(self):
        self.s = scenario(KTAP_SCEN, name="k")
        self.case = lab.Case(self.s, "pv", "", {})

    def judge(self, lines, why=None):
        mon = feed([self.case], lines)
        return lab.judge(mon.runs[self.case.name], mon, why)

    def results(self, *names, status="pass"):
        return ["XLLAB result case=k-pv name=%s status=%s -- detail" % (n, status) for n in names]

    def test_pass(self):
        v, why = self.judge(case_lines("k-pv", GOOD_KTAP + self.results(
            "create", "ktest-done", "shutdown")))
        self.assertEqual(v, lab.PASS, why)
        self.assertIn("KTAP", why[0])

    def test_failed_result(self):
        v, why = self.judge(case_lines("k-pv", GOOD_KTAP + self.results("create", "ktest-done")
                                       + self.results("shutdown", status="fail"), rc=1))
        self.assertEqual(v, lab.FAIL)
        self.assertTrue(any("shutdown: fail" in w for w in why), why)

    def test_missing_expected_result(self):
        v, why = self.judge(case_lines("k-pv", GOOD_KTAP + self.results("create", "ktest-done")))
        self.assertEqual(v, lab.FAIL)
        self.assertIn("no result 'shutdown'", why)

    def test_guest_ktap_failure_is_never_a_flake(self):
        bad = [l.replace("    ok 1 x", "    not ok 1 x") for l in GOOD_KTAP]
        v, why = self.judge(case_lines("k-pv", bad + [
            "[   12.0] xl[321]: segfault at 0 ip 00007f sp 00007f error 4"] +
            self.results("create", "ktest-done", "shutdown")))
        self.assertEqual(v, lab.FAIL)

    def test_dom0_segfault_is_a_flake(self):
        v, why = self.judge(case_lines("k-pv", [
            "[   12.0] xl[321]: segfault at 0 ip 00007f1234 sp 00007ffd error 4 in libc.so.6"]
            + self.results("create", status="fail"), rc=1))
        self.assertEqual(v, lab.FLAKE)
        self.assertIn("segfault", why[0])

    HOTPLUG = ("lab: xl create: libxl: error: libxl_aoutils.c:539:async_exec_timeout: "
               "killing execution of /etc/xen/scripts/block add because of timeout")

    def test_hotplug_timeout_at_create_is_a_flake(self):
        v, why = self.judge(case_lines("k-pv", [self.HOTPLUG]
                                       + self.results("create", status="fail"), rc=1))
        self.assertEqual(v, lab.FLAKE)
        self.assertIn("hotplug script timed out", why[0])

    def test_hotplug_timeout_does_not_excuse_the_guest(self):
        bad = [l.replace("    ok 1 x", "    not ok 1 x") for l in GOOD_KTAP]
        v, why = self.judge(case_lines("k-pv", bad + [self.HOTPLUG]
                                       + self.results("create", "ktest-done", "shutdown"), rc=1))
        self.assertEqual(v, lab.FAIL)

    def test_triple_fault_before_output_is_a_flake(self):
        v, why = self.judge(case_lines("k-pv", [
            "(XEN) d1v0 Triple fault - invoking HVM shutdown action 1"]
            + self.results("create") + self.results("ktest-done", "shutdown", status="fail"),
            rc=2))
        self.assertEqual(v, lab.FLAKE)

    def test_triple_fault_after_output_is_a_failure(self):
        v, why = self.judge(case_lines("k-pv", GOOD_KTAP[:2] + [
            "(XEN) d1v0 Triple fault - invoking HVM shutdown action 1"]
            + self.results("create") + self.results("ktest-done", "shutdown", status="fail"),
            rc=2))
        self.assertEqual(v, lab.FAIL)

    def test_not_run(self):
        mon = feed([self.case], ["(XEN) Panic on CPU 0:", "(XEN) something broke"])
        self.assertTrue(mon.fatal())
        v, why = lab.judge(mon.runs["k-pv"], mon, "Xen panic: something broke")
        self.assertEqual(v, lab.FAIL)
        self.assertIn("not run", why[0])

    def test_unfinished_case(self):
        lines = case_lines("k-pv", GOOD_KTAP + self.results("create"))[:-1]
        v, why = self.judge(lines, "case k-pv hung beyond its timeout")
        self.assertEqual(v, lab.FAIL)
        self.assertTrue(any("did not finish" in w for w in why), why)

    def test_replay_preferred_over_stream(self):
        lines = case_lines("k-pv", GOOD_KTAP[:3] + [l.replace("G|", "L|", 1) for l in GOOD_KTAP]
                           + self.results("create", "ktest-done", "shutdown"))
        v, why = self.judge(lines)
        self.assertEqual(v, lab.PASS, why)

    def test_timed_stream_and_silence(self):
        mon = feed([self.case], [
            "XLLAB case-begin case=k-pv scenario=k type=pv timeout=100",
            "XLLAB domain case=k-pv dom=k-pv domid=3 type=pv tty=/dev/pts/0 start_ms=1000",
            "G|k-pv|1100| first", "G|k-pv|1200| second | with bar", "G|k-pv|31200| third",
            "L|k-pv|-| replayed"])
        r = mon.runs["k-pv"]
        self.assertEqual(r.guest["k-pv"], ["first", "second | with bar", "third"])
        self.assertEqual(lab.timed_lines(r, "k-pv")[0], (0.1, "first"))
        self.assertEqual(lab.longest_silence(r, "k-pv"), (30.0, "second | with bar", "third"))
        self.assertEqual(r.console("k-pv"), ["replayed"])

    def test_odd_time_stamp_keeps_the_line(self):
        # A dom0 clock read that went wrong once stamped a line
        # "-2147483648"; the guest's text must still come through intact.
        mon = feed([self.case], [
            "XLLAB case-begin case=k-pv scenario=k type=pv timeout=100",
            "XLLAB domain case=k-pv dom=k-pv domid=3 type=pv tty=/dev/pts/0 start_ms=1000",
            "G|k-pv|1100|     ok 2 cancel", "G|k-pv|-2147483648|     ok 3 clock_monotonic"])
        r = mon.runs["k-pv"]
        self.assertEqual(r.guest["k-pv"], ["    ok 2 cancel", "    ok 3 clock_monotonic"])

    def test_markers_and_metrics(self):
        mon = feed([self.case], ["XLLAB dom0-ready uptime_ms=9000 setup_ms=2000 kernel=6.1 xen=4.17",
                                 "XLLAB case-begin case=k-pv scenario=k type=pv timeout=100",
                                 "XLLAB metric case=k-pv dom=k-pv create_ms=2500 unpause_ms=300",
                                 "XLLAB result case=k-pv name=x status=pass -- a -- b",
                                 "XLLAB end"])
        r = mon.runs["k-pv"]
        self.assertEqual(r.metrics["k-pv"]["create_ms"], "2500")
        self.assertEqual(r.results, [("x", "pass", "a -- b")])
        self.assertTrue(mon.ended)
        self.assertEqual(mon.dom0_ready["kernel"], "6.1")


class RetryTests(unittest.TestCase):
    """run_cases with a fake boot(): a flake is retried once, twice is a failure."""

    def setUp(self):
        self.s = scenario("# lab-types: pv\n# lab-expect: create\n", name="r")
        self.case = lab.Case(self.s, "pv", "", {})
        self.real_boot = lab.boot
        self.real_save = lab.save_consoles
        lab.save_consoles = lambda mon, d: None

    def tearDown(self):
        lab.boot = self.real_boot
        lab.save_consoles = self.real_save

    def fake(self, scripts):
        calls = []

        def boot(labdir, image, cases, log_path, run_dir, echo=False, say=print):
            body = scripts[len(calls)]
            calls.append([c.name for c in cases])
            return feed(cases, case_lines("r-pv", body, rc=0 if "pass" in body[-1] else 1)), \
                None, 1.0
        lab.boot = boot
        return calls

    def run_it(self):
        with tempfile.TemporaryDirectory() as d:
            out, boots = lab.run_cases("/nonexistent", "/img", [self.case], d, "t",
                                       retries=1, say=lambda s: None)
        return out[0], boots

    SEGV = "[ 1.0] xl[9]: segfault at 0 ip 00007f00 sp 00007f00 error 4"
    OK = "XLLAB result case=r-pv name=create status=pass -- ok"
    BAD = "XLLAB result case=r-pv name=create status=fail -- xl create failed"

    def test_flake_then_pass(self):
        calls = self.fake([[self.SEGV, self.BAD], [self.OK]])
        o, boots = self.run_it()
        self.assertEqual(len(calls), 2)
        self.assertEqual(o.verdict, lab.PASS)
        self.assertEqual(o.label(), "PASS (flake, retried)")

    def test_flake_twice_fails(self):
        self.fake([[self.SEGV, self.BAD], [self.SEGV, self.BAD]])
        o, _ = self.run_it()
        self.assertEqual(o.verdict, lab.FAIL)
        self.assertTrue(o.reproduced)

    def test_real_failure_not_retried(self):
        calls = self.fake([[self.BAD]])
        o, _ = self.run_it()
        self.assertEqual(len(calls), 1)
        self.assertEqual(o.verdict, lab.FAIL)


class ShardTests(unittest.TestCase):
    """Cases shared out between lab boots side by side by their lab-cost."""

    def cases(self):
        s = scenario("# lab-types: pv pvh\n# lab-cost: 10 big=100 mid=40\n"
                     "# lab-variants: big:X=1 mid:X=2 a:X=3 b:X=4\n", name="s")
        return lab.make_cases({"s": s}, suite="test")

    def test_costs(self):
        cost = {c.name: c.cost() for c in self.cases()}
        self.assertEqual(cost["s-big-pv"], 100)
        self.assertEqual(cost["s-mid-pvh"], 40)
        self.assertEqual(cost["s-a-pv"], 10)
        plain = lab.Case(scenario("# lab-types: pv\n"), "pv", "", {})
        self.assertEqual(plain.cost(), lab.DEFAULT_CASE_COST)
        with self.assertRaises(lab.LabError):
            scenario("# lab-cost: one=fast\n")

    def test_share_out_balances_and_keeps_order(self):
        cases = self.cases()
        parts = lab.share_out(cases, 2)
        self.assertEqual(sorted(c.name for p in parts for c in p), sorted(c.name for c in cases))
        loads = [sum(c.cost() for c in p) for p in parts]
        self.assertEqual(loads, [160, 160])     # each: a big, a mid and two small
        for p in parts:
            self.assertEqual(p, [c for c in cases if c in p])
        self.assertEqual(lab.share_out(cases, 1), [cases])
        self.assertEqual(len(lab.share_out(cases[:3], 8)), 3)   # no empty boots

    def test_run_shards_merges_in_case_order(self):
        cases = self.cases()
        real_boot, real_save = lab.boot, lab.save_consoles
        tags = []

        def boot(labdir, image, todo, log_path, run_dir, echo=False, say=print):
            tags.append(os.path.basename(log_path))
            lines = []
            for c in todo:
                ok = "fail" if c.name == "s-mid-pvh" else "pass"
                lines += case_lines(c.name, ["XLLAB result case=%s name=create status=%s -- x"
                                             % (c.name, ok)], rc=0 if ok == "pass" else 1)
            return feed(todo, lines), None, 1.0
        lab.boot, lab.save_consoles = boot, lambda mon, d: None
        said = []
        try:
            with tempfile.TemporaryDirectory() as d:
                out, boots = lab.run_shards("/nonexistent", "/img", cases, d, "t", 2,
                                            say=said.append)
        finally:
            lab.boot, lab.save_consoles = real_boot, real_save
        self.assertEqual([o.case.name for o in out], [c.name for c in cases])
        self.assertEqual({o.case.name: o.verdict for o in out if o.verdict != lab.PASS},
                         {"s-mid-pvh": lab.FAIL})
        self.assertEqual(sorted(tags), ["t.s1.log", "t.s2.log"])
        self.assertEqual(len(boots), 2)
        self.assertTrue(any(s.startswith("lab: shard 2 boot 1:") for s in said), said)


class ContinuationTests(unittest.TestCase):
    """A boot stopped by a hung case: the cases it never began run in a
    fresh boot; the hung case is judged once, as it ran."""

    def setUp(self):
        self.s = scenario("# lab-types: pv\n# lab-expect: create\n", name="c")
        self.cases = [lab.Case(self.s, "pv", v, {}) for v in ("a", "b", "c")]
        self.real_boot, self.real_save = lab.boot, lab.save_consoles
        lab.save_consoles = lambda mon, d: None

    def tearDown(self):
        lab.boot, lab.save_consoles = self.real_boot, self.real_save

    def ok(self, name):
        return case_lines(name, ["XLLAB result case=%s name=create status=pass -- ok" % name])

    def run_with(self, boots):
        calls = []

        def boot(labdir, image, cases, log_path, run_dir, echo=False, say=print):
            lines, why = boots[len(calls)](cases)
            calls.append([c.name for c in cases])
            return feed(cases, lines), why, 1.0
        lab.boot = boot
        with tempfile.TemporaryDirectory() as d:
            out, _ = lab.run_cases("/nonexistent", "/img", self.cases, d, "t", retries=1,
                                   say=lambda s: None)
        return {o.case.name: o for o in out}, calls

    def hang_b(self, cases):
        return (self.ok("c-a-pv") + ["XLLAB case-begin case=c-b-pv scenario=c type=pv timeout=100"],
                "case c-b-pv hung beyond its timeout")

    def test_unrun_cases_get_a_fresh_boot(self):
        out, calls = self.run_with([self.hang_b, lambda cases: (self.ok("c-c-pv"), None)])
        self.assertEqual(calls, [["c-a-pv", "c-b-pv", "c-c-pv"], ["c-c-pv"]])
        self.assertEqual(out["c-a-pv"].verdict, lab.PASS)
        self.assertEqual(out["c-b-pv"].verdict, lab.FAIL)
        self.assertEqual(out["c-c-pv"].verdict, lab.PASS)

    def test_continuations_are_bounded(self):
        def hang_first(cases):
            n = cases[0].name
            return ["XLLAB case-begin case=%s scenario=c type=pv timeout=100" % n], \
                "case %s hung beyond its timeout" % n
        out, calls = self.run_with([hang_first] * 3)
        self.assertEqual(len(calls), 1 + lab.MAX_CONTINUATIONS)
        self.assertTrue(all(o.verdict == lab.FAIL for o in out.values()))

    def test_no_fresh_boot_when_nothing_began(self):
        out, calls = self.run_with([lambda cases: ([], "dom0 not ready after 300 s")])
        self.assertEqual(len(calls), 1)
        self.assertTrue(all(o.verdict == lab.FAIL for o in out.values()))


class NetBenchTests(unittest.TestCase):
    def test_rows_and_ratios(self):
        figs = {("linux", "pv"): {"net_tcp_tx": "90.0", "net_ping_ms": "2.5", "net_udp_64": "x"},
                ("xenolith", "pv"): {"net_tcp_tx": "45", "net_ping_ms": "1.25"}}
        rows = {(r[0], r[1]): r for r in lab.net_bench_rows(figs)}
        self.assertEqual(len(rows), len(lab.NET_FIGURES))
        self.assertEqual(rows[("pv", "TCP dom0 -> guest")][3:], ["45", "90.0", "0.50"])
        # Less is better for the RTT: the ratio is Linux/Xenolith.
        self.assertEqual(rows[("pv", "ping RTT (avg)")][5], "2.00")
        # A value that is not a number, or missing on one side: no ratio.
        self.assertEqual(rows[("pv", "UDP echo 64 B")][3:], ["-", "-", "-"])
        self.assertEqual(rows[("pv", "TCP guest -> dom0")][5], "-")
        self.assertFalse(any(r[0] == "pvh" for r in rows.values()))


class CpioTests(unittest.TestCase):
    def test_round_trip_and_concatenation(self):
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "a.cpio")
            with open(p, "wb") as f:
                w = cpio.CpioWriter(f)
                w.file("usr/bin/x", data=b"hello", mode=0o755)
                w.symlink("bin", "usr/bin")
                w.chardev("dev/console", 5, 1)
                w.close()
                w2 = cpio.CpioWriter(f)
                w2.file("init", data=b"#!/bin/sh\n", mode=0o755)
                w2.close()
            self.assertEqual(os.path.getsize(p) % 512, 0)
            self.assertEqual(cpio.read_names(p),
                             ["usr", "usr/bin", "usr/bin/x", "bin", "dev", "dev/console", "init"])


class ElfTests(unittest.TestCase):
    def test_dynamic_program(self):
        info = labbuild.elf_info("/bin/ls")
        self.assertIsNotNone(info)
        interp, needed, _ = info
        self.assertTrue(interp and "ld-linux" in interp)
        self.assertIn("libc.so.6", needed)

    def test_not_elf(self):
        with tempfile.NamedTemporaryFile() as f:
            f.write(b"#!/bin/sh\n")
            f.flush()
            self.assertIsNone(labbuild.elf_info(f.name))

    def test_bzimage_rejected(self):
        with tempfile.NamedTemporaryFile() as f:
            f.write(b"\0" * 4096)
            f.flush()
            with self.assertRaises(labbuild.BuildError):
                labbuild.extract_vmlinux(f.name, f.name + ".out")

    def test_modinfo(self):
        # A minimal ELF64 with one .modinfo section and a section-name table.
        names = b"\0.modinfo\0.shstrtab\0"
        info = b"license=GPL\0depends=a,b\0name=m\0"
        data_off = 64
        names_off = data_off + len(info)
        sh_off = (names_off + len(names) + 7) & ~7
        hdr = bytearray(64)
        hdr[:6] = b"\x7fELF\x02\x01"
        struct.pack_into("<Q", hdr, 0x28, sh_off)
        struct.pack_into("<HHH", hdr, 0x3a, 64, 3, 2)
        sh = bytearray(64 * 3)
        struct.pack_into("<IIQQQQIIQQ", sh, 64, 1, 1, 0, 0, data_off, len(info), 0, 0, 1, 0)
        struct.pack_into("<IIQQQQIIQQ", sh, 128, 10, 3, 0, 0, names_off, len(names), 0, 0, 1, 0)
        blob = bytes(hdr) + info + names
        blob += b"\0" * (sh_off - len(blob)) + bytes(sh)
        with tempfile.NamedTemporaryFile(suffix=".ko") as f:
            f.write(blob)
            f.flush()
            m = labbuild.modinfo(f.name)
        self.assertEqual(m["depends"], "a,b")
        self.assertEqual(m["license"], "GPL")


class FlakeRulesTests(unittest.TestCase):
    """Only known signatures with no guest-visible failure are flakes; the
    suites a guest type requires must all run."""

    SEGV = "[   12.0] bash[321]: segfault at 0 ip 00007f1234 sp 00007ffd error 4 in libc.so.6"
    TRIPLE = "(XEN) d1v0 Triple fault - invoking HVM shutdown action 1"

    def judge(self, scen_text, gtype, body, rc=0, name="k"):
        s = scenario(scen_text, name=name)
        case = lab.Case(s, gtype, "", {})
        cname = case.name
        mon = feed([case], case_lines(cname, body, rc=rc))
        return lab.judge(mon.runs[cname], mon, None)

    def res(self, cname, name, status="pass"):
        return "XLLAB result case=%s name=%s status=%s -- detail" % (cname, name, status)

    MON = "# lab-expect: create ready xs-read destroy\n"

    def test_guest_check_failure_with_a_segfault_is_a_failure(self):
        v, why = self.judge(self.MON, "pv", [
            "G|k-pv| xenolith: early console up", "G|k-pv| [ 0.2] xenolith: ready", self.SEGV,
            self.res("k-pv", "create"), self.res("k-pv", "ready"),
            self.res("k-pv", "xs-read", "fail"), self.res("k-pv", "destroy")], rc=1)
        self.assertEqual(v, lab.FAIL)
        self.assertTrue(any(w.startswith("xs-read: fail") for w in why), why)

    def test_dom0_step_failure_with_a_segfault_is_a_flake(self):
        v, why = self.judge(self.MON, "pv", [
            "G|k-pv| xenolith: early console up", "G|k-pv| [ 0.2] xenolith: ready", self.SEGV,
            self.res("k-pv", "create"), self.res("k-pv", "ready"), self.res("k-pv", "xs-read"),
            self.res("k-pv", "destroy", "fail")], rc=1)
        self.assertEqual(v, lab.FLAKE)
        self.assertIn("segfault", why[0])

    def test_failure_without_a_known_signature_is_a_failure(self):
        v, why = self.judge(self.MON, "pv", [
            "[   12.0] some dom0 noise", self.res("k-pv", "create", "fail")], rc=1)
        self.assertEqual(v, lab.FAIL)

    def test_triple_fault_after_the_early_marker_is_a_failure(self):
        v, why = self.judge(KTAP_SCEN, "pvh", [
            "G|k-pvh| xenolith: early console up", self.TRIPLE,
            self.res("k-pvh", "create"), self.res("k-pvh", "ktest-done", "fail"),
            self.res("k-pvh", "shutdown", "fail")], rc=2)
        self.assertEqual(v, lab.FAIL)
        self.assertTrue(any(w.startswith("guest died after 'xenolith: early console up'")
                            for w in why), why)

    def test_triple_fault_before_the_marker_is_a_flake(self):
        v, why = self.judge(KTAP_SCEN, "pvh", [
            self.TRIPLE, self.res("k-pvh", "create"), self.res("k-pvh", "ktest-done", "fail"),
            self.res("k-pvh", "shutdown", "fail")], rc=2)
        self.assertEqual(v, lab.FLAKE)

    # Xen's dump after an emulated-SVM world switch that went wrong (seen in
    # the lab): the "guest" registers are Xen's own, in its VM-entry path.
    XEN_STATE = [
        "(XEN) *** Dumping Dom1 vcpu#0 state: ***",
        "(XEN) ----[ Xen-4.17.7  x86_64  debug=n  Not tainted ]----",
        "(XEN) CPU:    0",
        "(XEN) RIP:    e008:[<ffff82d0402044a5>]",
        "(XEN) RFLAGS: 0000000000000246   CONTEXT: hvm guest (d1v0)",
        "(XEN) rax: 00000000bfdea000   rbx: 0000000000000000   rcx: ffff888000265000"]
    GUEST_STATE = [
        "(XEN) *** Dumping Dom1 vcpu#0 state: ***",
        "(XEN) RIP:    0008:[<ffffffff80012345>]",
        "(XEN) RFLAGS: 0000000000010046   CONTEXT: hvm guest (d1v0)"]

    def test_world_switch_triple_fault_after_the_marker_is_a_flake(self):
        v, why = self.judge(KTAP_SCEN, "pvh", [
            self.res("k-pvh", "create"), "G|k-pvh| xenolith: early console up", self.TRIPLE]
            + self.XEN_STATE + [self.res("k-pvh", "ktest-done", "fail"),
                                self.res("k-pvh", "shutdown", "fail")], rc=2)
        self.assertEqual(v, lab.FLAKE, why)
        self.assertIn("emulated world switch", why[0])
        self.assertIn("ffff82d0402044a5", why[0])

    def test_guest_state_triple_fault_after_the_marker_is_a_failure(self):
        v, why = self.judge(KTAP_SCEN, "pvh", [
            "G|k-pvh| xenolith: early console up", self.TRIPLE] + self.GUEST_STATE + [
            self.res("k-pvh", "create"), self.res("k-pvh", "ktest-done", "fail")], rc=2)
        self.assertEqual(v, lab.FAIL)
        self.assertTrue(any(w.startswith("guest died after") and "ffffffff80012345" in w
                            for w in why), why)

    def test_symbolize_names_the_image_function(self):
        syms = [(0xffffffff80102700, "native_irq_enable"), (0xffffffff80102710, "native_safe_halt"),
                (0xffffffff80102720, "native_make_pte")]
        self.assertEqual(lab.symbolize("(XEN) RIP:    0008:[<ffffffff80102712>]", syms),
                         "native_safe_halt+0x2")
        # Outside the image (Xen's text, or past its last symbol): no name.
        self.assertIsNone(lab.symbolize("(XEN) RIP:    e008:[<ffff82d0402044a5>]", syms))
        self.assertIsNone(lab.symbolize("(XEN) RIP:    0008:[<ffffffff80200000>]", syms))
        self.assertIsNone(lab.symbolize("no rip here", syms))

    IDLE_DUMP = ["(XEN) *** Dumping Dom1 vcpu#0 state: ***",
                 "(XEN) RIP:    0008:[<ffffffff80102712>]",
                 "(XEN) RFLAGS: 0000000000000246   CONTEXT: hvm guest (d1v0)"]
    SYMS = [(0xffffffff80102700, "native_irq_enable"), (0xffffffff80102710, "native_safe_halt"),
            (0xffffffff80102720, "native_make_pte")]

    def idle_case(self, console, before=()):
        saved = lab.SYMBOLS
        lab.SYMBOLS = self.SYMS
        try:
            return self.judge(self.MON, "pvh", [
                "G|k-pvh| xenolith: early console up"] + ["G|k-pvh| " + l for l in console] + [
                self.res("k-pvh", "create"), self.res("k-pvh", "ready")] + list(before) + [
                self.TRIPLE] + self.IDLE_DUMP + [self.res("k-pvh", "xs-read", "fail"),
                                                 self.res("k-pvh", "destroy", "fail")], rc=1)
        finally:
            lab.SYMBOLS = saved

    def test_idle_halt_death_with_the_idle_check_quiet_is_a_flake(self):
        v, why = self.idle_case(["[ 0.1] idle check: on (interrupt-delivery state verified)",
                                 "[ 0.2] xenolith: ready"])
        self.assertEqual(v, lab.FLAKE, why)
        self.assertIn("idle halt", why[0])

    def test_idle_halt_death_without_the_idle_check_is_a_failure(self):
        v, why = self.idle_case(["[ 0.2] xenolith: ready"])
        self.assertEqual(v, lab.FAIL)
        self.assertTrue(any("native_safe_halt+0x2" in w for w in why), why)

    def test_idle_halt_death_after_the_idle_check_spoke_is_a_failure(self):
        v, why = self.idle_case(["[ 0.1] idle check: on (interrupt-delivery state verified)",
                                 "[ 0.3] idle check: IDT 0fff:ffffffff8018d890 hash 1, was 2"])
        self.assertEqual(v, lab.FAIL)

    def test_idle_halt_death_after_a_failed_check_is_a_failure(self):
        v, why = self.idle_case(["[ 0.1] idle check: on (interrupt-delivery state verified)"],
                                before=[self.res("k-pvh", "ping", "fail")])
        self.assertEqual(v, lab.FAIL)
        self.assertTrue(any(w.startswith("ping: fail") for w in why), why)

    def test_world_switch_dump_needs_the_hvm_context_line(self):
        v, why = self.judge(KTAP_SCEN, "pvh", [
            "G|k-pvh| xenolith: early console up", self.TRIPLE] + self.XEN_STATE[:4] + [
            self.res("k-pvh", "create"), self.res("k-pvh", "ktest-done", "fail")], rc=2)
        self.assertEqual(v, lab.FAIL)

    def test_world_switch_dump_far_after_the_triple_fault_does_not_count(self):
        noise = ["(XEN) line %d" % i for i in range(10)]
        v, why = self.judge(KTAP_SCEN, "pvh", [
            "G|k-pvh| xenolith: early console up", self.TRIPLE] + noise + self.XEN_STATE + [
            self.res("k-pvh", "create"), self.res("k-pvh", "ktest-done", "fail")], rc=2)
        self.assertEqual(v, lab.FAIL)

    def test_check_failed_before_a_world_switch_death_is_a_failure(self):
        v, why = self.judge(self.MON, "pvh", [
            "G|k-pvh| xenolith: early console up", "G|k-pvh| [ 0.2] xenolith: ready",
            self.res("k-pvh", "create"), self.res("k-pvh", "ready"),
            self.res("k-pvh", "xs-read", "fail"), self.TRIPLE] + self.XEN_STATE + [
            self.res("k-pvh", "destroy", "fail")], rc=1)
        self.assertEqual(v, lab.FAIL)
        self.assertTrue(any(w.startswith("xs-read: fail") for w in why), why)
        self.assertFalse(any(w.startswith("guest died") for w in why), why)

    def ktap_case(self, gtype, suites, cmdline="ktest=all", extra=()):
        dom = "k-" + gtype
        return self.judge(KTAP_SCEN, gtype, ktap_lines(dom, suites, cmdline) + list(extra) + [
            self.res(dom, "create"), self.res(dom, "ktest-done"), self.res(dom, "shutdown")])

    def test_every_type_passes_with_its_suites(self):
        for t, spec in lab.GUEST_TYPES.items():
            v, why = self.ktap_case(t, spec["required"])
            self.assertEqual(v, lab.PASS, (t, why))

    def test_required_suite_skipped_fails_by_name(self):
        suites = [s if s != "xenstore" else "xenstore skip no xenstore in this domain"
                  for s in lab.GUEST_TYPES["pvh"]["required"]]
        v, why = self.ktap_case("pvh", suites, extra=[self.SEGV])
        self.assertEqual(v, lab.FAIL)
        self.assertIn("required suite xenstore skipped: no xenstore in this domain", why)

    def test_required_suite_missing_fails_by_name(self):
        suites = [s for s in lab.GUEST_TYPES["pv"]["required"] if s != "multicall"]
        v, why = self.ktap_case("pv", suites)
        self.assertEqual(v, lab.FAIL)
        self.assertIn("required suite multicall missing", why)
        # PVH has no multicalls: the same run passes there.
        self.assertEqual(self.ktap_case("pvh", suites)[0], lab.PASS)

    def test_only_selected_suites_are_required(self):
        self.assertEqual(self.ktap_case("pv", ["alloc"], cmdline="ktest=alloc")[0], lab.PASS)
        self.assertEqual(self.ktap_case("pv", ["alloc"])[0], lab.FAIL)

    def test_guest_types_cover_the_scenarios(self):
        for s in lab.load_scenarios().values():
            for t in s.types:
                self.assertIn(t, lab.GUEST_TYPES, s.name)

    def test_required_suites_exist_in_the_kernel(self):
        import re
        import subprocess
        r = subprocess.run(["git", "-C", lab.SRCTREE, "grep", "-h", "-E",
                            r"^KTEST_SUITE\([a-z_0-9]+, *\"[a-z_0-9]+\"", "--", "*.c"],
                           stdout=subprocess.PIPE, text=True)
        if r.returncode not in (0, 1):
            self.skipTest("not a git checkout")
        defined = set(re.findall(r"KTEST_SUITE\([a-z_0-9]+, *\"([a-z_0-9]+)\"", r.stdout))
        for t, spec in lab.GUEST_TYPES.items():
            for s in spec["required"]:
                self.assertIn(s, defined, "%s requires unknown suite %s" % (t, s))


# What `xl vcpu-list` (Xen 4.17) prints: a header, then one line a vCPU.
VCPU_LIST = """Name                                ID  VCPU   CPU State   Time(s) Affinity (Hard / Soft)
vcpus-v4-pv                          5     0    1   -b-       3.2  all / all
vcpus-v4-pv                          5     1    0   r--       0.0  all / all
vcpus-v4-pv                          5     2    -   --p       1.7  all / all
vcpus-v4-pv                          5     3    -   --p       0.0  all / all
"""


def busyboxes():
    """busybox binaries to run the dom0 helpers with: one on PATH, and the
    lab's own (the dom0's) when a lab build is cached."""
    import glob
    import shutil
    out = [b for b in [shutil.which("busybox")] if b]
    out += sorted(glob.glob(os.path.join(labbuild.cache_root(), "lab", "build-*", "busybox")))[-1:]
    return out


class LablibTests(unittest.TestCase):
    """The dom0 helpers' pure parsers, run by a host shell on canned text
    (and by the dom0's own busybox when one is at hand)."""

    LABLIB = os.path.join(HERE, "dom0", "lablib.sh")

    def shells(self):
        return [["sh"]] + [[b, "sh"] for b in busyboxes()]

    def vcpu_parse(self, text):
        import subprocess
        outs = set()
        for sh in self.shells():
            r = subprocess.run(sh + ["-c", '. "$0"; lab_vcpu_parse', self.LABLIB],
                               input=text, stdout=subprocess.PIPE, text=True, check=True)
            outs.add(r.stdout.strip())
        self.assertEqual(len(outs), 1, outs)
        return outs.pop()

    def test_vcpu_list(self):
        # vCPU 1 is online (on pCPU 0) with no time yet, vCPU 2 went
        # offline after running, vCPU 3 never came up.
        self.assertEqual(self.vcpu_parse(VCPU_LIST), "4 3 2 3")

    def test_vcpu_list_all_ran(self):
        text = VCPU_LIST.replace("    -   --p       1.7", "    1   -b-       1.7").replace(
            "    -   --p       0.0", "    0   -b-       0.4")
        self.assertEqual(self.vcpu_parse(text), "4 4 4 -")

    def test_vcpu_list_odd_lines_never_pass(self):
        self.assertEqual(self.vcpu_parse(""), "0 0 0 -")
        self.assertEqual(self.vcpu_parse(VCPU_LIST.splitlines()[0] + "\n"), "0 0 0 -")
        text = VCPU_LIST + "vcpus-v4-pv 5 4 1 -b- lots all / all\nlibxl: error: oops\n"
        self.assertEqual(self.vcpu_parse(text), "6 3 2 3,?6,?7")


class SmpScenarioTests(unittest.TestCase):
    """lab-require, lab-ktap: last and the vCPU detail of the SMP scenarios."""

    SCEN = ("# lab-suite: test\n# lab-types: pv pvh\n# lab-expect: create\n"
            "# lab-ktap: %s\n# lab-require: sched smp\n")

    def judge(self, mode, lines, gtype="pv", metrics=()):
        s = scenario(self.SCEN % mode, name="k")
        case = lab.Case(s, gtype, "", {})
        res = ["XLLAB result case=%s name=create status=pass -- domid 1" % case.name]
        mon = feed([case], case_lines(case.name, lines + res + list(metrics)))
        return lab.judge(mon.runs[case.name], mon, None)

    def test_metadata(self):
        s = scenario(self.SCEN % "last")
        self.assertEqual(s.require, ["sched", "smp"])
        self.assertTrue(s.ktap and s.ktap_last)
        s = scenario(self.SCEN % "yes")
        self.assertTrue(s.ktap and not s.ktap_last)
        self.assertEqual(scenario(KTAP_SCEN).require, [])

    def test_required_whatever_the_selection(self):
        ok = ktap_lines("k-pv", ["sched", "smp"], cmdline="ktest=sched,smp")
        self.assertEqual(self.judge("yes", ok)[0], lab.PASS)
        # The command line asks for sched only: smp is still required.
        v, why = self.judge("yes", ktap_lines("k-pv", ["sched"], cmdline="ktest=sched"))
        self.assertEqual(v, lab.FAIL)
        self.assertIn("required suite smp missing", why)
        # No ktest= at all (a run from the monitor): still required.
        v, why = self.judge("last", ktap_lines("k-pv", ["sched", "smp skip one CPU"],
                                               cmdline="loglevel=8"))
        self.assertEqual(v, lab.FAIL)
        self.assertIn("required suite smp skipped: one CPU", why)
        v, why = self.judge("last", ["G|k-pv| xenolith: ready"])
        self.assertEqual(v, lab.FAIL)
        self.assertIn("no KTAP run of the required suite(s) sched smp", why)

    def two_runs(self, first_ok, last_ok):
        def run(ok):
            lines = ktap_lines("k-pv", ["sched", "smp"], cmdline="x")[2:]
            if not ok:
                i = lines.index("G|k-pv|     # Subtest: smp") + 2
                self.assertEqual(lines[i], "G|k-pv|     ok 1 x")
                lines[i] = "G|k-pv|     not ok 1 x"
                lines[i + 1] = "G|k-pv| not ok 2 smp"
                lines[-1] = lines[-1].replace("0 failed", "1 failed")
            return lines
        return (["G|k-pv| xenolith: early console up", "G|k-pv| [ 0.1] command line: x"]
                + run(first_ok) + ["G|k-pv| [ 3.8] smp: CPU 1 offline"] + run(last_ok))

    def test_ktap_last_judges_the_last_run(self):
        lines = self.two_runs(False, True)
        self.assertIn("not ok 1 x", "\n".join(lines[:20]))
        v, why = self.judge("last", lines)
        self.assertEqual(v, lab.PASS, why)
        v, why = self.judge("last", self.two_runs(True, False))
        self.assertEqual(v, lab.FAIL)
        self.assertIn("guest reported 1 failed test(s)", why)
        # "yes" judges everything: two runs are an error, a failure in the
        # first counts.
        v, why = self.judge("yes", self.two_runs(True, True))
        self.assertEqual(v, lab.FAIL)
        self.assertTrue(any("second KTAP run" in w for w in why), why)
        self.assertEqual(self.judge("yes", self.two_runs(False, True))[0], lab.FAIL)

    def test_ktap_last_failed_step_first(self):
        # The scenario gave up before its final run: the busy run is the
        # last one, and its failures come after the step that failed.
        v, why = self.judge("last", self.two_runs(True, False) + [
            "XLLAB result case=k-pv name=online status=fail -- no 'smp: CPU 1 online'"])
        self.assertEqual(v, lab.FAIL)
        self.assertEqual(why[0], "online: fail no 'smp: CPU 1 online'")
        self.assertIn("guest reported 1 failed test(s)", why)

    def test_ktap_last_still_sees_an_earlier_panic(self):
        lines = self.two_runs(True, True)
        lines.insert(5, "G|k-pv| Kernel panic: lock checker: recursive mutex_lock")
        v, why = self.judge("last", lines)
        self.assertEqual(v, lab.FAIL)
        self.assertTrue(any("Kernel panic" in w for w in why), why)

    def test_ktap_last_selection_is_the_typed_one(self):
        def lines(typed):
            return (["G|k-pv| [ 0.1] command line: loglevel=8", "G|k-pv| xenolith: ready",
                     "G|k-pv| xenolith> ktest all", "G|k-pv| [ 9.0] smp: CPU 3 offline"]
                    + ["G|k-pv| xenolith> " + typed]
                    + ktap_lines("k-pv", ["sched", "smp"], cmdline="-")[2:])
        self.assertEqual(self.judge("last", lines("ktest sched,smp"))[0], lab.PASS)
        # "ktest all" asks for every suite the guest type requires.
        v, why = self.judge("last", lines("ktest all"))
        self.assertEqual(v, lab.FAIL)
        self.assertIn("required suite multicall missing", why)
        self.assertEqual(self.judge("last", lines("ktest alloc,sched,smp"))[0], lab.FAIL)
        self.assertEqual(lab.typed_ktest(["(d1) xenolith> ktest smp\r", "x"]), ["smp"])
        self.assertEqual(lab.typed_ktest(["xenolith> info", "ktest smp"]), None)

    def test_last_ktap_run(self):
        self.assertEqual(lab.last_ktap_run(["a", "b"]), ["a", "b"])
        self.assertEqual(lab.last_ktap_run(["KTAP version 1", "x", "(d3) KTAP version 1", "y"]),
                         ["(d3) KTAP version 1", "y"])
        # A nested (indented) version line starts no run.
        self.assertEqual(lab.last_ktap_run(["KTAP version 1", "    KTAP version 1"]),
                         ["KTAP version 1", "    KTAP version 1"])

    def test_vcpu_detail(self):
        self.assertEqual(lab.vcpu_summary({}), "")
        self.assertEqual(lab.vcpu_summary({"d": {"vcpus": "8", "vcpus_ran": "7",
                                                 "boot_ms": "1234"}}), "8 vCPUs (7 ran), boot 1.23 s")
        self.assertEqual(lab.vcpu_summary({"d": {"vcpus": "1", "boot_ms": "x"}}), "1 vCPU")
        ok = ktap_lines("k-pv", ["sched", "smp"], cmdline="ktest=sched,smp")
        v, why = self.judge("yes", ok, metrics=[
            "XLLAB metric case=k-pv dom=k-pv boot_ms=760 guest_init_us=1",
            "XLLAB metric case=k-pv dom=k-pv vcpus=4 vcpus_ran=4"])
        self.assertEqual(v, lab.PASS)
        self.assertTrue(why[0].startswith("4 vCPUs (4 ran), boot 0.76 s; KTAP "), why)

    def test_soak_lifts_only_types(self):
        # make test runs some variants on one type (LAB_ONLY_TYPES); make
        # soak runs every test variant on every type, plus its own suite.
        def scen(name, suite, variants):
            s = lab.Scenario.__new__(lab.Scenario)
            s.name, s.suite, s.types, s.variants = name, suite, ["pv", "pvh"], variants
            return s
        scens = {"a": scen("a", "test", [("x", {"LAB_ONLY_TYPES": "pv"}), ("y", {})]),
                 "b": scen("b", "soak", [("", {})]),
                 "c": scen("c", "bench", [("", {})])}
        test = sorted(c.name for c in lab.make_cases(scens, suite="test"))
        soak = sorted(c.name for c in lab.make_cases(scens, suite="soak"))
        self.assertEqual(test, ["a-x-pv", "a-y-pv", "a-y-pvh"])
        self.assertEqual(soak, ["a-x-pv", "a-x-pvh", "a-y-pv", "a-y-pvh", "b-pv", "b-pvh"])

    def test_shipped_smp_scenarios(self):
        scen = lab.load_scenarios()
        names = [c.name for c in lab.make_cases(scen, suite="test")]
        for n in (1, 2, 4, 8):
            for t in ("pv", "pvh"):
                self.assertIn("vcpus-v%d-%s" % (n, t), names)
        for t in ("pv", "pvh"):
            self.assertIn("vcpuset-" + t, names)
        self.assertEqual(scen["vcpus"].require, ["sched", "smp"])
        self.assertTrue(scen["vcpus"].ktap and not scen["vcpus"].ktap_last)
        self.assertEqual(scen["vcpuset"].require, ["smp"])
        self.assertTrue(scen["vcpuset"].ktap_last)
        # The guest's own selection covers what the scenario requires.
        with open(scen["vcpus"].path) as f:
            self.assertIn('extra="ktest=sched,smp"', f.read())

    def test_required_suites_of_scenarios_exist(self):
        import re
        import subprocess
        r = subprocess.run(["git", "-C", lab.SRCTREE, "grep", "-h", "-E",
                            r"^KTEST_SUITE\([a-z_0-9]+, *\"[a-z_0-9]+\"", "--", "*.c"],
                           stdout=subprocess.PIPE, text=True)
        if r.returncode not in (0, 1):
            self.skipTest("not a git checkout")
        defined = set(re.findall(r"KTEST_SUITE\([a-z_0-9]+, *\"([a-z_0-9]+)\"", r.stdout))
        for s in lab.load_scenarios().values():
            for name in s.require:
                self.assertIn(name, defined, "%s requires unknown suite %s" % (s.name, name))


class FlakeBudgetTests(RetryTests):
    """The run counts every INFRA-FLAKE attempt against its budget."""

    def test_flakes_counted_and_budget(self):
        self.fake([[self.SEGV, self.BAD], [self.OK]])
        o, _ = self.run_it()
        self.assertEqual(o.flakes, 1)
        out = []
        self.assertFalse(lab.flake_report([o], 1, say=out.append))
        self.assertEqual(out, ["flakes: 1 (budget 1)"])
        out = []
        self.assertTrue(lab.flake_report([o], 0, say=out.append))
        self.assertEqual(out, ["flakes: 1 (budget 0): over budget, the run fails"])

    def test_flake_twice_counts_twice(self):
        self.fake([[self.SEGV, self.BAD], [self.SEGV, self.BAD]])
        o, _ = self.run_it()
        self.assertEqual((o.verdict, o.flakes), (lab.FAIL, 2))


# A Xenolith block bench as its console shows it (counters before and
# after), and the Linux guest's fio lines.
XENOLITH_BLK = """\
xenolith> stats
  hypercalls         2000
  multicalls         329
  interrupts         139
  events             145
  timer_irqs         21
xenolith> gnttab
gnttab: v1, 3 of 64 frames, 1040 of 1528 refs used, 2 grows
gnttab: 17 grants, 0 ends, 0 busy, 0 deferred, 0 freed later, 0 leaked, 0 copies (0 failed)
xenolith> blkfront
  blkfront xvdb: connected, backend /local/domain/0/backend/vbd/1/51728 (dom 0), vdev 51728, disk
    ring 16 page(s) (512 slots), 2 queue(s), indirect 64 segs, persistent grants, flush cache, discard yes
    q0: port 7, in flight 0, requests 1, responses 1, errors 0, waited 0, events 1, spurious 0, pages 1, refs free 1023/1024
    q1: port 8, in flight 0, requests 0, responses 0, errors 0, waited 0, events 0, spurious 0, pages 0, refs free 1024/1024
xenolith> blk bench xvdb 3 0 524288
bench: blk xvdb seq-read 1024KiB qd4: 29 MB/s
bench: blk xvdb seq-write 1024KiB qd4: 32 MB/s
bench: blk xvdb rand-read 4KiB qd1: 50 IOPS
[   30.000000] some kernel message
bench: blk xvdb rand-read 4KiB qd32: 864 IOPS
bench: blk xvdb rand-write 4KiB qd1: 41 IOPS
bench: blk xvdb rand-write 4KiB qd32: 425 IOPS
xenolith> stats
  hypercalls         4001
  interrupts         799
  events             843
xenolith> gnttab
gnttab: 1017 grants, 0 ends, 0 busy, 0 deferred, 0 freed later, 0 leaked, 5 copies (0 failed)
xenolith> blkfront
    q0: port 7, in flight 0, requests 3001, responses 3001, errors 0, waited 2, events 600, spurious 0, pages 975, refs free 49/1024
    q1: port 8, in flight 0, requests 1000, responses 1000, errors 0, waited 0, events 400, spurious 0, pages 10, refs free 49/1024
""".splitlines()

LINUX_FIO = """\
bench: mode=linux-pv boot_ns=1230000000 kernel=6.1.0-57-amd64
lab-linux: xvdb 524288 sectors, queues 1, max_sectors_kb 128
bench: linux-fio xvdb seq-read 1024KiB qd4: 58 MB/s
bench: linux-fio xvdb seq-write 1024KiB qd4: 16 MB/s
bench: linux-fio xvdb rand-read 4KiB qd1: 100 IOPS
bench: linux-fio xvdb rand-read 4KiB qd32: 900 IOPS
bench: linux-fio xvdb rand-write 4KiB qd1: 0 IOPS
bench: linux-fio xvdb done
lab-linux: ready
""".splitlines()


class BlkBenchTests(unittest.TestCase):
    def test_workload_labels(self):
        self.assertEqual(lab.blk_workload("seq-read", 1024, 4), "seq-read 1M qd4")
        self.assertEqual(lab.blk_workload("rand-write", 4, 32), "rand-write 4K qd32")
        self.assertEqual(lab.blk_workload("seq-read", 512, 4), "seq-read 512K qd4")

    def test_xenolith_figures(self):
        f = lab.blk_figures(XENOLITH_BLK)
        self.assertEqual(f, [("seq-read 1M qd4", 29, "MB/s"), ("seq-write 1M qd4", 32, "MB/s"),
                             ("rand-read 4K qd1", 50, "IOPS"), ("rand-read 4K qd32", 864, "IOPS"),
                             ("rand-write 4K qd1", 41, "IOPS"),
                             ("rand-write 4K qd32", 425, "IOPS")])

    def test_linux_figures_and_noise(self):
        f = lab.blk_figures(LINUX_FIO + ["bench: blk xvdb seq-read 1024KiB qd4: 12 MB/s trailing",
                                         "bench: linux-fio xvdb failed: rand-write"])
        self.assertEqual(len(f), 5)
        self.assertEqual(f[0], ("seq-read 1M qd4", 58, "MB/s"))
        self.assertEqual(f[-1], ("rand-write 4K qd1", 0, "IOPS"))

    def test_counters(self):
        c = lab.blk_counters(XENOLITH_BLK)
        self.assertEqual(c["requests"], 4000)       # both queues, after minus before
        self.assertEqual(c["hypercalls"], 2001)
        self.assertEqual(c["grants"], 1000)
        self.assertEqual(c["copies"], 5)
        self.assertEqual(c["bf_events"], 999)
        self.assertEqual(c["waited"], 2)
        self.assertEqual(c["events"], 698)
        line = lab.blk_counter_line("pv", c)
        self.assertIn("4000 ring requests", line)
        self.assertIn("0.50 hypercalls", line)
        self.assertIn("0.25 grants", line)

    def test_counters_missing(self):
        self.assertIsNone(lab.blk_counters(LINUX_FIO))
        bench_only = [l for l in XENOLITH_BLK if l.startswith("bench:")]
        self.assertIsNone(lab.blk_counters(bench_only))
        # No snapshot after the bench: nothing to subtract.
        cut = XENOLITH_BLK[:XENOLITH_BLK.index("xenolith> stats", 1)]
        self.assertIsNone(lab.blk_counters(cut))

    def test_rows_and_ratio(self):
        figs = {("xenolith", "pv"): lab.blk_figures(XENOLITH_BLK),
                ("linux", "pv"): lab.blk_figures(LINUX_FIO),
                ("linux", "pvh"): [("seq-read 1M qd4", 10, "MB/s")]}
        rows = lab.blk_bench_rows(figs)
        by = {(r[0], r[1]): r for r in rows}
        self.assertEqual(by[("pv", "seq-read 1M qd4")], ["pv", "seq-read 1M qd4", "MB/s", "29", "58",
                                                         "0.50"])
        self.assertEqual(by[("pv", "rand-write 4K qd1")][5], "-")      # Linux measured 0
        self.assertEqual(by[("pv", "rand-write 4K qd32")][3:], ["425", "-", "-"])
        self.assertEqual(by[("pvh", "seq-read 1M qd4")][3:], ["-", "10", "-"])
        self.assertEqual([r[1] for r in rows if r[0] == "pv"][:2],
                         ["seq-read 1M qd4", "seq-write 1M qd4"])

    def test_judge_keeps_figures(self):
        s = scenario("# lab-suite: bench\n# lab-expect: bench\n", name="blkbench")
        case = lab.Case(s, "pv", "xenolith", {"LAB_GUEST": "xenolith"})
        mon = feed([case], case_lines(case.name, ["G|%s|%s" % (case.name, l) for l in XENOLITH_BLK]
                                      + ["XLLAB result case=%s name=bench status=pass -- x"
                                         % case.name]))
        run = mon.runs[case.name]
        v, why = lab.judge(run, mon, None)
        self.assertEqual(v, lab.PASS, why)
        self.assertEqual(len(run.blk), 6)
        self.assertEqual(run.blk_counters["requests"], 4000)

    def fio_bench(self, terse):
        """The guest init's fio_bench with a stand-in fio that prints terse,
        run by sh and by busybox's sh when at hand (the guest's): (the
        output lines, the job file it was given), the same from each."""
        shells = [[__import__("shutil").which("sh")]] + [[b, "sh"] for b in busyboxes()]
        got = [self._fio_bench(sh, terse) for sh in shells]
        for g in got[1:]:
            self.assertEqual(g, got[0])
        return got[0]

    def _fio_bench(self, sh, terse):
        import re
        import subprocess
        with open(os.path.join(lab.GUEST_LINUX_DIR, "init")) as f:
            init = f.read()
        fn = re.search(r"^fio_bench\(\) \{.*?^\}$", init, re.S | re.M).group(0)
        with tempfile.TemporaryDirectory() as d:
            fake = os.path.join(d, "fio")
            with open(os.path.join(d, "terse"), "w") as f:
                f.write("".join(l + "\n" for l in terse))
            with open(fake, "w") as f:
                f.write("#!/bin/sh\necho 'fio: noise' >&2\ncat %s/terse\n" % d)
            os.chmod(fake, 0o755)
            script = fn.replace("/usr/bin/fio", fake) + "\ndisk=xvdb secs=3\nfio_bench\n"
            out = subprocess.run(sh + ["-c", script], stdout=subprocess.PIPE,
                                 text=True, cwd=d, env=dict(os.environ, TMPDIR=d)).stdout
            with open(os.path.join(d, "bench.fio")) as f:
                job = f.read()
        return out.splitlines(), job

    @staticmethod
    def terse(name, err=0, rbw=0, riops=0, wbw=0, wiops=0):
        """A terse v3 line: field 3 name, 5 error, 7/8 read KiB/s and IOPS, 48/49 write."""
        f = ["3", "fio-3.33", name, "0", str(err), "0", str(rbw), str(riops)] + ["0"] * 39
        f[46:49] = ["999", str(wbw), str(wiops)]
        return ";".join(f + ["0"] * 80)

    def test_fio_bench_in_guest_init(self):
        t = self.terse
        out, job = self.fio_bench([
            "fio: a line that is not terse",
            t("seq-read_1024_4", rbw=57344, riops=56), t("seq-write_1024_4", wbw=16384, wiops=16),
            t("rand-read_4_1", riops=100), t("rand-read_4_32", riops=900),
            t("rand-write_4_1", wiops=41, rbw=5), t("rand-write_4_32", wbw=1600, wiops=400)])
        self.assertEqual(out[:7], [
            "bench: linux-fio xvdb seq-read 1024KiB qd4: 58 MB/s",
            "bench: linux-fio xvdb seq-write 1024KiB qd4: 16 MB/s",
            "bench: linux-fio xvdb rand-read 4KiB qd1: 100 IOPS",
            "bench: linux-fio xvdb rand-read 4KiB qd32: 900 IOPS",
            "bench: linux-fio xvdb rand-write 4KiB qd1: 41 IOPS",
            "bench: linux-fio xvdb rand-write 4KiB qd32: 400 IOPS",
            "bench: linux-fio xvdb done"])
        self.assertEqual(out[7], "lab-linux: fio: fio: noise ")
        self.assertEqual(len(lab.blk_figures(out)), 6)
        # The job file: the whole disk, direct, libaio, one job after another.
        for want in ("filename=/dev/xvdb", "direct=1", "ioengine=libaio", "runtime=3",
                     "time_based", "[rand-write_4_32]\nstonewall\nrw=randwrite\nbs=4k\niodepth=32",
                     "[seq-read_1024_4]\nstonewall\nrw=read\nbs=1024k\niodepth=4"):
            self.assertIn(want, job)
        self.assertEqual(job.count("stonewall"), 6)

    def test_fio_bench_errors(self):
        t = self.terse
        out, _ = self.fio_bench([t("seq-read_1024_4", rbw=1000), t("seq-write_1024_4", err=5)])
        self.assertEqual(out[1], "bench: linux-fio xvdb failed: job seq-write_1024_4 error 5")
        self.assertNotIn("bench: linux-fio xvdb done", out)
        out, _ = self.fio_bench([t("seq-read_1024_4", rbw=1000)])
        self.assertEqual(out[1], "bench: linux-fio xvdb failed: 1 of 6 jobs reported")


class TestVirshInitrd(unittest.TestCase):
    """write_initrd: the package's examples always come along; the lab
    build's dom0-libvirt.cpio is appended only when a virsh case runs."""

    def build(self, scenario_names):
        d = tempfile.mkdtemp()
        self.addCleanup(__import__("shutil").rmtree, d, True)
        for fn, member in (("dom0.cpio", "usr/bin/xl"), ("dom0-libvirt.cpio", "usr/sbin/libvirtd")):
            with open(os.path.join(d, fn), "wb") as f:
                w = cpio.CpioWriter(f)
                w.file(member, data=b"x", mode=0o755)
                w.close()
        image = os.path.join(d, "xenolith")
        with open(image, "wb") as f:
            f.write(b"not an ELF")
        scen = lab.load_scenarios()
        cases = [lab.Case(scen[n], "pv", "", {}) for n in scenario_names]
        out = os.path.join(d, "initrd.cpio")
        lab.write_initrd(out, d, image, cases)
        return cpio.read_names(out)

    def test_virsh_case_gets_libvirt(self):
        names = self.build(["boot", "virsh"])
        self.assertIn("usr/bin/xl", names)
        self.assertIn("usr/sbin/libvirtd", names)
        self.assertIn("lab/examples/libvirt-xen-pv.xml", names)
        self.assertIn("lab/examples/libvirt-xen-pvh.xml", names)
        self.assertIn("lab/scenarios/virsh.sh", names)

    def test_other_cases_do_not(self):
        names = self.build(["boot"])
        self.assertIn("lab/examples/libvirt-xen-pv.xml", names)
        self.assertNotIn("usr/sbin/libvirtd", names)

    def test_virsh_scenario_header(self):
        s = lab.load_scenarios()["virsh"]
        self.assertEqual(s.suite, "test")
        self.assertEqual(s.types, ["pv", "pvh"])
        for name in ("define", "start", "console", "attach-disk", "listed", "detach-disk",
                     "unlisted", "reboot", "shutdown", "destroy", "undefine"):
            self.assertIn(name, s.expect)



class LifecycleBenchTests(unittest.TestCase):
    def test_rows_and_ratios(self):
        figs = {("xenolith", "pv", "64"): {"lc_save_ms": "1000", "lc_migrate_ms": "platform"},
                ("linux", "pv", "64"): {"lc_save_ms": "3000", "lc_migrate_ms": "platform"},
                ("xenolith", "pvh", "512"): {"lc_downtime_ms": "800"},
                ("linux", "pvh", "512"): {"lc_downtime_ms": "400"}}
        rows = {(r[0], r[1], r[2]): r for r in lab.lifecycle_bench_rows(figs)}
        self.assertEqual(len(rows), 2 * len(lab.LIFECYCLE_FIGURES))
        # Less is better everywhere: the ratio is Linux/Xenolith.
        self.assertEqual(rows[("64 MiB", "pv", "xl save")][4:], ["1000", "3000", "3.00"])
        self.assertEqual(rows[("512 MiB", "pvh", "migration downtime (ping)")][6], "0.50")
        # The platform's refusal is shown as such, with no ratio.
        self.assertEqual(rows[("64 MiB", "pv", "xl migrate (local)")][4:],
                         ["platform", "platform", "-"])
        self.assertEqual(rows[("64 MiB", "pv", "xl restore")][4:], ["-", "-", "-"])
        # 64 MiB before 512 MiB.
        mems = [r[0] for r in lab.lifecycle_bench_rows(figs)]
        self.assertEqual(mems.index("512 MiB"), len(lab.LIFECYCLE_FIGURES))


class LogdirtyRefusedTests(unittest.TestCase):
    """lablib's lab_pv_logdirty_refused: the platform's refusal of PV
    log-dirty mode is recognised only from xl's exact error on a PV
    domain of a Xen without shadow paging (xl faked by a shell function)."""

    LABLIB = os.path.join(HERE, "dom0", "lablib.sh")
    MSG = "libxl: error: ... Failed to enable logdirty: 95,22,0 ... migration failed"

    def refused(self, gtype, msg, caps):
        import subprocess
        script = ('. "$0"; xl() { printf "virt_caps              : %s\\n" "$CAPS"; }; '
                  'LAB_TYPE=$1; lab_pv_logdirty_refused "$2" && echo "yes $LAB_PLATFORM" || echo no')
        r = subprocess.run(["sh", "-c", script, self.LABLIB, gtype, msg], stdout=subprocess.PIPE,
                           text=True, check=True, env=dict(os.environ, CAPS=caps))
        return r.stdout.strip()

    def test_refused(self):
        out = self.refused("pv", self.MSG, "pv hvm hap gnttab-v1 gnttab-v2")
        self.assertTrue(out.startswith("yes "), out)
        self.assertIn("no shadow paging", out)

    def test_not_refused(self):
        self.assertEqual(self.refused("pvh", self.MSG, "pv hvm hap"), "no")
        self.assertEqual(self.refused("pv", "xc: error: Failed to enable logdirty: 22", "pv hvm hap"),
                         "no")
        self.assertEqual(self.refused("pv", self.MSG, "pv hvm hap shadow gnttab-v1"), "no")

if __name__ == "__main__":
    unittest.main()
