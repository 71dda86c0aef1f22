#!/usr/bin/python3
"""Host tests of the packaging scripts (make check-package, part of check):
scripts/version.sh in each of its cases (a tarball's .release, no tag, a
tag at HEAD, commits after a tag, a dirty tree, no git), the README
options table mkman.py reads, and the image package's name."""
import os
import re
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SRCTREE = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import mkdeb  # noqa: E402
import mkman  # noqa: E402

VERSION_SH = os.path.join(SRCTREE, "scripts", "version.sh")
# Every form must be a valid native Debian version.
DEB_VERSION = re.compile(r"^[0-9][0-9A-Za-z.+~]*$")


def version(src):
    return subprocess.run(["sh", VERSION_SH, src, "0.1"], stdout=subprocess.PIPE, text=True,
                          check=True).stdout.strip()


def git(repo, *args):
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.org",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.org",
               GIT_AUTHOR_DATE="2026-01-01T00:00:00Z", GIT_COMMITTER_DATE="2026-01-01T00:00:00Z")
    return subprocess.run(["git", "-C", repo] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True, check=True, env=env).stdout.strip()


class VersionTest(unittest.TestCase):
    def test_release_file_wins(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, ".release"), "w") as f:
                f.write("1.2+3.gabcdef12\n1700000000\ncafe\n")
            self.assertEqual(version(d), "1.2+3.gabcdef12")

    def test_no_git(self):
        with tempfile.TemporaryDirectory() as d:
            self.assertEqual(version(d), "0.1+unknown")

    def test_git_forms(self):
        with tempfile.TemporaryDirectory() as d:
            git(d, "init", "-q")
            with open(os.path.join(d, "f"), "w") as f:
                f.write("a\n")
            git(d, "add", "f")
            git(d, "commit", "-q", "-m", "one")
            h = git(d, "rev-parse", "--short=8", "HEAD")
            v = version(d)
            self.assertEqual(v, "0.1+git1.g" + h)
            self.assertRegex(v, DEB_VERSION)
            git(d, "tag", "v1.2")
            self.assertEqual(version(d), "1.2")
            with open(os.path.join(d, "f"), "w") as f:
                f.write("b\n")
            self.assertEqual(version(d), "1.2.dirty")
            git(d, "commit", "-q", "-am", "two")
            h = git(d, "rev-parse", "--short=8", "HEAD")
            v = version(d)
            self.assertEqual(v, "1.2+1.g" + h)
            self.assertRegex(v, DEB_VERSION)
            # Debian orders them: the tag < a commit after it.
            self.assertEqual(subprocess.run(["dpkg", "--compare-versions", "1.2", "lt", v]
                                            ).returncode, 0)

    def test_this_tree(self):
        self.assertRegex(version(SRCTREE), DEB_VERSION)


class PackageNameTest(unittest.TestCase):
    def test_names(self):
        self.assertEqual(mkdeb.image_package("0.1+git109.g904bd11f"), "xenolith-image-0.1+git109")
        self.assertEqual(mkdeb.image_package("0.1+git109.g904bd11f.dirty"),
                         "xenolith-image-0.1+git109")
        self.assertEqual(mkdeb.image_package("1.2"), "xenolith-image-1.2")
        self.assertEqual(mkdeb.image_package("1.2+5.gabcdef12"), "xenolith-image-1.2+5")


class ManTest(unittest.TestCase):
    def test_readme_table(self):
        opts = mkman.readme_options(os.path.join(SRCTREE, "README.md"))
        for name in ("console", "loglevel", "ktest", "nosmp", "maxcpus", "evtchn", "gnttab"):
            self.assertIn(name, opts)
        self.assertEqual(opts["console"][0], "console=ttyS0|hvc0|xen")

    def test_render_escapes(self):
        page = mkman.render([("ktest", "all or SUITE")],
                            {"ktest": ("ktest=all|SUITE", "run `ktest` - then stop")},
                            "1.0", "2026-01-01")
        self.assertIn(".TH XENOLITH\\-CMDLINE 7", page)
        self.assertIn("\\fBktest\\fR \\- then stop", page)


if __name__ == "__main__":
    unittest.main()
