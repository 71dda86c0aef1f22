#!/usr/bin/python3
"""Fail if a tracked file refers to files outside the repository.

    check-outside-refs.py [SRCTREE]     scan the tree (git ls-files)
    check-outside-refs.py --self-test   check the scanner itself

A user of the project has only what is in it: notes that once lived next
to the repository (a "shared" directory beside it) must not be cited from
docs, comments, scripts or tests; the project's own pages (docs/) say what
is needed. The patterns are spelt with a character class so that this file
does not match itself.
"""

import os
import re
import subprocess
import sys
import tempfile

PATTERNS = [
    re.compile(r"\.\./share[d]\b"),          # a sibling directory of the tree
    re.compile(r"\bshare[d]/xen-"),          # the Xen notes kept there
    re.compile(r"/work/share[d]\b"),         # its absolute path
]


def tracked_files(srctree):
    try:
        r = subprocess.run(["git", "-C", srctree, "ls-files", "-z"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, check=True)
        return [f for f in r.stdout.decode().split("\0") if f]
    except (OSError, subprocess.CalledProcessError):
        # Not a git checkout (an unpacked archive): every file but builds.
        out = []
        for d, dirs, files in os.walk(srctree):
            dirs[:] = [x for x in dirs if not x.startswith((".", "build"))]
            out.extend(os.path.relpath(os.path.join(d, f), srctree) for f in files)
        return out


def scan(srctree, files):
    """[(path, line number, line)] of every reference outside the tree."""
    hits = []
    for rel in files:
        path = os.path.join(srctree, rel)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            continue
        if b"\0" in data[:8192]:
            continue    # binary
        for n, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
            if any(p.search(line) for p in PATTERNS):
                hits.append((rel, n, line.strip()))
    return hits


def self_test():
    with tempfile.TemporaryDirectory() as d:
        bad = {"a.md": "see ../" + "shared/notes.md\n",
               "b.py": "# facts: " + "shared/" + "xen-lab-facts.md\n",
               "c.sh": "cat /work/" + "shared/x\n"}
        good = {"d.md": "see docs/xen-lab.md; a shared line pump; sharedir/xen-x\n"}
        for name, text in list(bad.items()) + list(good.items()):
            with open(os.path.join(d, name), "w") as f:
                f.write(text)
        hits = scan(d, sorted(list(bad) + list(good)))
        found = sorted(h[0] for h in hits)
        if found != sorted(bad):
            print("check-outside-refs: self-test failed: found %s, expected %s"
                  % (found, sorted(bad)), file=sys.stderr)
            return 1
    return 0


def main(argv):
    if argv[1:2] == ["--self-test"]:
        return self_test()
    srctree = argv[1] if len(argv) > 1 else os.getcwd()
    hits = scan(srctree, tracked_files(srctree))
    for rel, n, line in hits:
        print("%s:%d: refers outside the repository: %s" % (rel, n, line), file=sys.stderr)
    if hits:
        print("check-outside-refs: %d reference(s) to files a user of the project does not "
              "have; point to the project's own docs instead" % len(hits), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
