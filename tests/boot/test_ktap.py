"""Host unit tests for the KTAP parser (tests/boot/ktap.py) over canned logs."""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import ktap  # noqa: E402

DATA = os.path.join(HERE, "testdata")


def parse_file(name):
    with open(os.path.join(DATA, name), encoding="utf-8", errors="replace") as f:
        return ktap.parse_lines(f)


def feed_all(text):
    p = ktap.KtapParser()
    for line in text.splitlines():
        p.feed(line)
    return p


class NormalizeTest(unittest.TestCase):
    def test_kernel_timestamp(self):
        self.assertEqual(ktap.normalize_line("[    0.012345]     ok 1 x"), "    ok 1 x")

    def test_xen_prefixes(self):
        self.assertEqual(ktap.normalize_line("(XEN) ok 2 grant_table"), "ok 2 grant_table")
        self.assertEqual(ktap.normalize_line("(XEN)     1..1"), "    1..1")
        self.assertEqual(ktap.normalize_line("(d0) [    0.1] KTAP version 1"), "KTAP version 1")
        self.assertEqual(ktap.normalize_line("(d12v1) hello"), "hello")

    def test_control_characters(self):
        self.assertEqual(ktap.normalize_line("\x1b[0m\x1b[2Jok 1 x\r\n"), "ok 1 x")
        self.assertEqual(ktap.normalize_line("junk\rok 1 x"), "ok 1 x")

    def test_plain_lines_untouched(self):
        self.assertEqual(ktap.normalize_line("    # Subtest: a"), "    # Subtest: a")


class CannedLogTest(unittest.TestCase):
    def test_good(self):
        rep = parse_file("good.log")
        self.assertTrue(rep.ok, rep.problems())
        self.assertEqual([s.name for s in rep.suites()], ["string", "page_alloc", "printk"])
        c = rep.counts()
        self.assertEqual(c["suites"]["pass"], 3)
        self.assertEqual(c["cases"], {"pass": 6, "fail": 0, "skip": 0, "missing": 0})
        self.assertEqual(rep.suites()[1].diagnostics, ["allocating 64 pages"])
        self.assertEqual(rep.warnings, [])

    def test_not_ok(self):
        rep = parse_file("not_ok.log")
        self.assertFalse(rep.ok)
        self.assertEqual(rep.errors, [])
        self.assertIn("not ok: string.strlen_empty # expected 0, got 1", rep.failures)
        self.assertIn("not ok: string", rep.failures)
        self.assertEqual(rep.counts()["cases"]["fail"], 1)
        self.assertEqual(rep.counts()["suites"], {"pass": 1, "fail": 1, "skip": 0, "missing": 0})

    def test_missing_plan(self):
        rep = parse_file("missing_plan.log")
        self.assertFalse(rep.ok)
        self.assertTrue(any("missing top-level plan" in e for e in rep.errors), rep.errors)

    def test_truncated(self):
        rep = parse_file("truncated.log")
        self.assertFalse(rep.ok)
        self.assertEqual(rep.failures, [])
        text = "\n".join(rep.errors)
        self.assertIn("page_alloc", text)
        self.assertIn("never finished", text)
        self.assertIn("top level: plan 1..2 but 1 result(s)", text)

    def test_truncated_is_incomplete(self):
        p = ktap.KtapParser()
        with open(os.path.join(DATA, "truncated.log")) as f:
            for line in f:
                p.feed(line)
        self.assertTrue(p.started)
        self.assertFalse(p.complete)

    def test_nested_skip(self):
        rep = parse_file("nested_skip.log")
        self.assertTrue(rep.ok, rep.problems())
        suites = rep.suites()
        self.assertEqual(suites[0].status, "skip")
        self.assertEqual(suites[0].reason, "not running on Xen")
        self.assertEqual(suites[0].plan, 0)
        self.assertEqual(suites[1].children[1].status, "skip")
        walk = suites[2].children[0]
        self.assertEqual(walk.name, "walk")
        self.assertEqual([c.status for c in walk.children], ["pass", "skip"])
        c = rep.counts()
        self.assertEqual(c["suites"], {"pass": 2, "fail": 0, "skip": 1, "missing": 0})
        # xen_events is a leaf with a 1..0 plan: counted as a skipped case.
        self.assertEqual(c["cases"], {"pass": 2, "fail": 0, "skip": 3, "missing": 0})

    def test_xen_prefixed(self):
        rep = parse_file("xen_prefixed.log")
        self.assertTrue(rep.ok, rep.problems())
        self.assertEqual([s.name for s in rep.suites()], ["xen_events", "grant_table"])
        self.assertEqual(rep.counts()["cases"], {"pass": 2, "fail": 0, "skip": 1, "missing": 0})

    def test_grub_noise_crlf(self):
        rep = parse_file("grub_noise.log")
        self.assertTrue(rep.ok, rep.problems())

    def test_count_mismatch(self):
        rep = parse_file("count_mismatch.log")
        self.assertFalse(rep.ok)
        self.assertIn("subtest 'a': plan 1..3 but 2 result(s)", rep.errors)

    def test_ok_suite_with_failing_case(self):
        rep = parse_file("ok_but_child_failed.log")
        self.assertFalse(rep.ok)
        self.assertIn("not ok: a.y", rep.failures)
        self.assertIn("'a' reports ok but contains failing results", rep.errors)

    def test_no_ktap(self):
        rep = ktap.parse_text("[    0.0] hello\nxenolith: ready\n")
        self.assertFalse(rep.seen)
        self.assertFalse(rep.ok)
        self.assertIn("no KTAP output", rep.errors[0])


class StructureTest(unittest.TestCase):
    def test_complete_flag(self):
        p = feed_all("noise\nKTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: a\n"
                     "    1..1\n    ok 1 x\n")
        self.assertTrue(p.started)
        self.assertFalse(p.complete)
        p.feed("ok 1 a")
        self.assertTrue(p.complete)
        self.assertTrue(p.finish().ok)

    def test_subtest_header_before_version(self):
        rep = ktap.parse_text("KTAP version 1\n1..1\n    # Subtest: a\n    KTAP version 1\n"
                              "    1..1\n    ok 1 x\nok 1 a\n")
        self.assertTrue(rep.ok, rep.problems())
        self.assertEqual(rep.suites()[0].name, "a")

    def test_bad_numbering(self):
        rep = ktap.parse_text("KTAP version 1\n1..2\nok 1 a\nok 3 b\n")
        self.assertFalse(rep.ok)
        self.assertTrue(any("numbered 3, expected 2" in e for e in rep.errors), rep.errors)

    def test_more_results_than_plan(self):
        p = feed_all("KTAP version 1\n1..1\n    KTAP version 1\n    1..1\n    ok 1 x\n"
                     "    ok 2 y\nok 1 a\n")
        rep = p.finish()
        self.assertFalse(rep.ok)
        self.assertTrue(any("more results than the plan" in e for e in rep.errors), rep.errors)

    def test_not_ok_skip_is_failure(self):
        rep = ktap.parse_text("KTAP version 1\n1..1\nnot ok 1 a # SKIP why\n")
        self.assertFalse(rep.ok)
        self.assertEqual(rep.failures, ["not ok: a # SKIP why"])

    def test_bail_out(self):
        p = feed_all("KTAP version 1\n1..3\nok 1 a\nBail out! out of memory\n")
        self.assertTrue(p.complete)
        rep = p.finish()
        self.assertFalse(rep.ok)
        self.assertTrue(any("Bail out" in e for e in rep.errors))

    def test_subtest_without_result(self):
        rep = ktap.parse_text("KTAP version 1\n1..2\n    KTAP version 1\n    # Subtest: a\n"
                              "    1..1\n    ok 1 x\n    KTAP version 1\n    # Subtest: b\n"
                              "    1..1\n    ok 1 y\nok 2 b\n")
        self.assertFalse(rep.ok)
        self.assertTrue(any("'a' has no result line" in e for e in rep.errors), rep.errors)

    def test_subtest_without_plan(self):
        rep = ktap.parse_text("KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: a\n"
                              "    ok 1 x\nok 1 a\n")
        self.assertFalse(rep.ok)
        self.assertIn("subtest 'a' has no plan", rep.errors)

    def test_second_run_after_completion(self):
        rep = ktap.parse_text("KTAP version 1\n1..1\nok 1 a\nKTAP version 1\n1..1\nok 1 a\n")
        self.assertFalse(rep.ok)
        self.assertTrue(any("second KTAP run" in e for e in rep.errors))

    def test_log_noise_starting_with_ok(self):
        rep = ktap.parse_text("KTAP version 1\n1..1\nok, mapping done\nok 1 a\n")
        self.assertTrue(rep.ok, rep.problems())

    def test_plan_after_results(self):
        rep = ktap.parse_text("KTAP version 1\nok 1 a\nok 2 b\n1..2\n")
        self.assertTrue(rep.ok, rep.problems())
        self.assertTrue(rep.warnings)

    def test_name_mismatch_is_a_warning(self):
        rep = ktap.parse_text("KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: a\n"
                              "    1..1\n    ok 1 x\nok 1 b\n")
        self.assertTrue(rep.ok, rep.problems())
        self.assertTrue(any("reported as 'b'" in w for w in rep.warnings))

    def test_finish_twice(self):
        p = feed_all("KTAP version 1\n1..1\nok 1 a\n")
        self.assertEqual(p.finish().errors, p.finish().errors)


if __name__ == "__main__":
    unittest.main()
