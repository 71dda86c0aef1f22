"""Incremental KTAP v1 parser for Xenolith's console output.

The kernel prints its self-test results as KTAP (the kernel's flavour of TAP)
on a console that also carries ordinary log lines, and under Xen the lines
may carry the hypervisor's "(XEN) " / "(d0) " prefixes. This module turns
such a stream, fed one line at a time, into a tree of results and a verdict.

    parser = KtapParser()
    for line in console:
        parser.feed(line)
        if parser.complete:
            break
    report = parser.finish()
    report.ok, report.errors, report.counts()

Rules (stricter than generic TAP, on purpose):
  * Lines before the first top-level "KTAP version 1" are ignored; so are
    lines that are not KTAP (log noise between results).
  * Nesting is by indentation, four spaces per level.
  * Every level needs a plan ("1..N"), and must have exactly N results,
    numbered 1..N in order.
  * Any "not ok" is a failure, whatever directive follows it. "ok ... # SKIP"
    is a skip. A suite whose own result is "ok" but which contains a failing
    case is a failure too.
  * "Bail out!" is a failure.
"""

import re

__all__ = ["KtapParser", "KtapReport", "Node", "normalize_line", "parse_lines", "parse_text"]

# "(XEN) ", "(d0) ", "(d12v1) ": hypervisor console prefixes. Xen may also
# stamp its own lines with "[2024-...]" or "[    1.234]" when console
# timestamps are on; that stamp follows the "(XEN) " prefix.
_XEN_PREFIX = re.compile(r"^\((?:XEN|d\d+(?:v\d+)?)\) ?")
_XEN_STAMP = re.compile(r"^\[(?:\d{4}-\d\d-\d\d [0-9:.]+|\s*\d+\.\d+)\] ")
# The kernel's own log prefix: "[    0.012345] ".
_KERNEL_STAMP = re.compile(r"^\[\s*\d+\.\d+\] ")
# Terminal control sequences (GRUB draws its menu with them).
_ANSI = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|[()][0-9A-Za-z]|[=>78cDEHM])")

_VERSION = re.compile(r"^(?:KTAP|TAP) version (\d+)\s*$")
_PLAN = re.compile(r"^1\.\.(\d+)(?:\s*#\s*(.*))?\s*$")
_RESULT = re.compile(r"^(not ok|ok)\s+(\d+)\b(?:\s*-)?\s*([^#]*?)\s*(?:#\s*(.*?))?\s*$")
_SUBTEST = re.compile(r"^#\s*Subtest:\s*(.*?)\s*$")
_DIRECTIVE = re.compile(r"^(SKIP|TODO|XFAIL|TIMEOUT|ERROR)\b\s*(.*)$", re.IGNORECASE)
_BAIL = re.compile(r"^Bail out!\s*(.*)$")

INDENT = 4


def normalize_line(line):
    """Strip line endings, control sequences and console prefixes.

    Returns the line as the kernel meant it, indentation preserved:
    "(XEN) [    0.5] ok 1 foo" -> "ok 1 foo".
    """
    line = line.rstrip("\r\n")
    if "\x1b" in line:
        line = _ANSI.sub("", line)
    # A carriage return in the middle of a line (a terminal redraw or a
    # hypervisor line breaking into ours) leaves the text after it.
    if "\r" in line:
        line = line.rstrip("\r").split("\r")[-1]
    line = line.replace("\x00", "")
    m = _XEN_PREFIX.match(line)
    if m:
        line = line[m.end():]
        m = _XEN_STAMP.match(line)
        if m:
            line = line[m.end():]
    m = _KERNEL_STAMP.match(line)
    if m:
        line = line[m.end():]
    return line.rstrip()


def _split_indent(line):
    expanded = line.expandtabs(INDENT)
    body = expanded.lstrip(" ")
    return len(expanded) - len(body), body


class Node:
    """One KTAP level (the whole run, a suite) or one result line."""

    def __init__(self, level, name=None):
        self.level = level          # indentation level of this node's own lines
        self.name = name            # "# Subtest:" name, else the result text
        self.version = None         # KTAP version number, if announced
        self.plan = None            # N from "1..N"
        self.plan_directive = None  # "SKIP reason" after a "1..0" plan
        self.children = []          # result nodes, in order
        self.number = None          # number on this node's result line
        self.result = None          # "ok" / "not ok" / None (never reported)
        self.directive = None       # "SKIP", "TODO", ...
        self.reason = ""            # text after the directive
        self.description = ""       # text of the result line
        self.diagnostics = []       # "# ..." lines
        self.line_no = None         # console line of the result

    @property
    def is_suite(self):
        return self.version is not None or self.plan is not None or bool(self.children)

    @property
    def status(self):
        """'pass', 'fail', 'skip', or 'missing' (no result line)."""
        if self.result is None:
            return "missing"
        if self.result == "not ok":
            return "fail"
        if self.directive == "SKIP":
            return "skip"
        return "pass"

    @property
    def display_name(self):
        return self.name or self.description or "#%s" % self.number

    def walk(self):
        yield self
        for c in self.children:
            yield from c.walk()

    def __repr__(self):
        return "Node(%r, %s, plan=%r, %d children)" % (
            self.display_name, self.status, self.plan, len(self.children))


class KtapReport:
    """Result of a parse: the tree, a verdict and the reasons for it."""

    def __init__(self, root, errors, warnings, failures):
        self.root = root
        self.errors = errors        # structural problems (missing plan, counts, truncation)
        self.warnings = warnings    # odd but not failing (name mismatch)
        self.failures = failures    # "suite.case: reason" for every failing result

    @property
    def seen(self):
        return self.root is not None

    @property
    def ok(self):
        return self.seen and not self.errors and not self.failures

    def suites(self):
        return list(self.root.children) if self.root else []

    def counts(self):
        """Counts of top-level results (suites) and of leaf results (cases)."""
        out = {"suites": {"pass": 0, "fail": 0, "skip": 0, "missing": 0},
               "cases": {"pass": 0, "fail": 0, "skip": 0, "missing": 0}}
        if not self.root:
            return out
        for s in self.root.children:
            out["suites"][s.status] += 1
        for n in self.root.walk():
            if n is self.root or n.children:
                continue
            out["cases"][n.status] += 1
        return out

    def summary(self):
        c = self.counts()
        s, k = c["suites"], c["cases"]
        return ("suites %d ok/%d failed/%d skipped, cases %d ok/%d failed/%d skipped"
                % (s["pass"], s["fail"], s["skip"], k["pass"], k["fail"], k["skip"]))

    def problems(self):
        return self.errors + self.failures


class KtapParser:
    """Feed console lines one at a time; ask .complete; call .finish()."""

    def __init__(self, normalize=True):
        self._normalize = normalize
        self.root = None
        self._stack = []       # open nodes; _stack[i].level == i
        self._pending = None   # node created by "# Subtest:" before its version line
        self.errors = []
        self.warnings = []
        self.line_no = 0
        self.lines_seen = 0    # KTAP lines consumed
        self.bailed_out = None

    # ------------------------------------------------------------ helpers
    def _err(self, msg):
        self.errors.append("line %d: %s" % (self.line_no, msg))

    def _warn(self, msg):
        self.warnings.append("line %d: %s" % (self.line_no, msg))

    def _top(self):
        return self._stack[-1]

    def _depth(self):
        return len(self._stack) - 1

    def _push(self, level, name=None):
        parent_level = self._depth()
        if level > parent_level + 1:
            self._err("indentation jumps from level %d to %d" % (parent_level, level))
        node = Node(self._depth() + 1, name)
        self._stack.append(node)
        return node

    def _close_to(self, level):
        """Pop open nodes until the deepest one is at `level`.

        A node popped here never got its result line: the parent records it
        as a missing result so the counts come out wrong and say why.
        """
        while self._depth() > level:
            node = self._stack.pop()
            self._err("subtest '%s' has no result line" % node.display_name)
            self._top().children.append(node)

    @property
    def started(self):
        return self.root is not None

    @property
    def complete(self):
        """True once the top-level plan is satisfied and nothing is open."""
        r = self.root
        return (r is not None and r.plan is not None and len(self._stack) == 1
                and len(r.children) >= r.plan) or self.bailed_out is not None

    # ------------------------------------------------------------ input
    def feed(self, raw):
        self.line_no += 1
        line = normalize_line(raw) if self._normalize else raw.rstrip("\r\n")
        if not line.strip():
            return
        indent, body = _split_indent(line)

        if self.root is None:
            m = _VERSION.match(body)
            if m and indent == 0:
                self.root = Node(0)
                self.root.version = int(m.group(1))
                self._stack = [self.root]
                self.lines_seen += 1
                if self.root.version != 1:
                    self._warn("KTAP/TAP version %s (expected 1)" % m.group(1))
            return

        if self.complete:
            # Output after the run finished is not KTAP any more. A second
            # top-level version line, result or plan means something is off.
            if indent == 0 and self.bailed_out is None:
                if _VERSION.match(body):
                    self._err("second KTAP run after the first completed")
                elif _RESULT.match(body) or _PLAN.match(body):
                    self._err("result or plan after the top-level plan was complete")
            return

        if indent % INDENT:
            # Not on a KTAP indentation boundary: log noise, unless it looks
            # like KTAP, in which case round down and say so.
            if _RESULT.match(body) or _PLAN.match(body) or _VERSION.match(body):
                self._warn("KTAP line indented by %d spaces" % indent)
            else:
                return
        level = indent // INDENT

        m = _VERSION.match(body)
        if m:
            self.lines_seen += 1
            if level == 0:
                self._err("nested KTAP version line at top level (restarted run?)")
                return
            pend = self._pending
            if pend is not None and self._depth() == level and pend is self._top() \
                    and pend.version is None and not pend.children and pend.plan is None:
                node = pend   # "# Subtest: NAME" came first
            else:
                self._close_to(level - 1)
                node = self._push(level)
            node.version = int(m.group(1))
            self._pending = None
            return

        m = _SUBTEST.match(body)
        if m:
            self.lines_seen += 1
            name = m.group(1)
            if level >= 1 and level == self._depth() and self._top().name is None \
                    and not self._top().children:
                self._top().name = name   # "KTAP version" came first
                return
            if level == 0:
                self._warn("'# Subtest:' at top level ignored")
                return
            self._close_to(level - 1)
            self._pending = self._push(level, name)
            return

        m = _BAIL.match(body)
        if m:
            self.lines_seen += 1
            self.bailed_out = m.group(1) or "(no reason)"
            self._err("Bail out! %s" % self.bailed_out)
            return

        m = _PLAN.match(body)
        if m:
            self.lines_seen += 1
            if level > self._depth():
                # A plan with no version/subtest line before it.
                while self._depth() < level:
                    self._push(self._depth() + 1)
            else:
                self._close_to(level)
            node = self._top()
            if node.plan is not None:
                self._err("second plan at level %d" % level)
                return
            node.plan = int(m.group(1))
            node.plan_directive = m.group(2)
            if node.children:
                self._warn("plan of '%s' after its results" % node.display_name)
            return

        m = _RESULT.match(body)
        if m:
            self.lines_seen += 1
            self._result(level, m)
            return

        if body.startswith("#"):
            if level <= self._depth():
                self._stack[level].diagnostics.append(body[1:].strip())
            return
        # Anything else is log noise.

    def _result(self, level, m):
        status, number, desc, directive = m.group(1), m.group(2), m.group(3), m.group(4)
        if level > self._depth():
            self._err("result '%s' at level %d with no enclosing subtest" % (body_text(m), level))
            while self._depth() < level:
                self._push(self._depth() + 1)
        # The node this result reports on: an open subtest one level deeper,
        # or a fresh leaf.
        self._close_to(level + 1)
        if self._depth() == level + 1:
            node = self._stack.pop()
        else:
            node = Node(level + 1)
        parent = self._top()
        if self._pending is node:
            self._pending = None
        node.result = status
        node.description = desc
        node.line_no = self.line_no
        node.number = int(number)
        expected = len(parent.children) + 1
        if node.number != expected:
            self._err("'%s' numbered %d, expected %d" % (desc or "result", node.number, expected))
        if directive:
            d = _DIRECTIVE.match(directive)
            if d:
                node.directive = d.group(1).upper()
                node.reason = d.group(2).strip()
            else:
                node.reason = directive
        if node.name and desc and node.name != desc:
            self._warn("subtest '%s' reported as '%s'" % (node.name, desc))
        if not node.name:
            node.name = desc
        if parent.plan is not None and len(parent.children) >= parent.plan:
            self._err("more results than the plan (1..%d) in '%s'"
                      % (parent.plan, parent.display_name or "top level"))
        parent.children.append(node)

    # ------------------------------------------------------------ verdict
    def finish(self):
        """Close the parse (end of log) and judge it. Safe to call twice."""
        errors = list(self.errors)
        warnings = list(self.warnings)
        failures = []
        root = self.root
        if root is None:
            errors.append("no KTAP output (no top-level 'KTAP version 1' line)")
            return KtapReport(None, errors, warnings, failures)
        for node in reversed(self._stack[1:]):
            errors.append("truncated: subtest '%s' never finished" % node.display_name)
        if root.plan is None:
            errors.append("missing top-level plan (1..N)")
        open_nodes = set(id(n) for n in self._stack)

        def visit(node, path):
            is_root = node is root
            if node.is_suite and not is_root:
                if node.plan is None and id(node) not in open_nodes:
                    errors.append("subtest '%s' has no plan" % path)
            if node.plan is not None and len(node.children) != node.plan:
                where = "top level" if is_root else "subtest '%s'" % path
                errors.append("%s: plan 1..%d but %d result(s)"
                              % (where, node.plan, len(node.children)))
            if not is_root:
                if node.status == "fail":
                    why = (" # " + " ".join(x for x in (node.directive, node.reason) if x)
                           if (node.directive or node.reason) else "")
                    failures.append("not ok: %s%s" % (path, why))
                elif node.status == "pass" and node.directive is not None:
                    if node.directive != "SKIP":
                        warnings.append("%s: directive %s on an ok result" % (path, node.directive))
                bad = [c for c in node.walk() if c is not node and c.status == "fail"]
                if node.result == "ok" and bad:
                    errors.append("'%s' reports ok but contains failing results" % path)
            for c in node.children:
                visit(c, c.display_name if is_root else "%s.%s" % (path, c.display_name))

        visit(root, "")
        # Subtests still open at the end are not in the tree yet; their
        # results still count (a "not ok" before a hang must be reported).
        path = ""
        for node in self._stack[1:]:
            path = node.display_name if not path else "%s.%s" % (path, node.display_name)
            for c in node.children:
                visit(c, "%s.%s" % (path, c.display_name))
        return KtapReport(root, errors, warnings, failures)


def body_text(m):
    return m.group(0).strip()


def parse_lines(lines):
    p = KtapParser()
    for line in lines:
        p.feed(line)
    return p.finish()


def parse_text(text):
    return parse_lines(text.splitlines())


if __name__ == "__main__":
    import sys
    rep = parse_lines(open(sys.argv[1], errors="replace") if len(sys.argv) > 1 else sys.stdin)
    print("KTAP:", "PASS" if rep.ok else "FAIL", "-", rep.summary() if rep.seen else "no KTAP")
    for e in rep.problems():
        print("  " + e)
    for w in rep.warnings:
        print("  warning: " + w)
    sys.exit(0 if rep.ok else 1)
