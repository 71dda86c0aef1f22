#!/usr/bin/python3
"""Write xenolith-cmdline(7), the kernel command line's manual page.

    mkman.py --image IMAGE --readme README.md --version V --date YYYY-MM-DD

The options come from the image itself: its linker-collected registry of
CMDLINE_OPTION entries (name and short help), read from the ELF. The
longer description of each is the README's "Kernel command line" table
row; an option the image has and the README does not describe is an error
(the table must stay complete), and README rows for options this image
lacks (built without that subsystem) are left out. Output on stdout.
"""
import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import elfread  # noqa: E402


def readme_options(path):
    """{name: (synopsis, description)} from the README's options table."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    m = re.search(r"^## Kernel command line\n(.*?)(?=^## )", text, re.S | re.M)
    if not m:
        raise SystemExit("mkman: no '## Kernel command line' section in %s" % path)
    out = {}
    for line in m.group(1).splitlines():
        if not line.startswith("| `"):
            continue
        # Cells are separated by " | "; "\|" inside a cell is a literal bar.
        cells = [c.strip().replace("\\|", "|")
                 for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        if len(cells) < 2:
            continue
        synopsis = cells[0].strip("`")
        name = re.split(r"[=\s]", synopsis, 1)[0]
        out[name] = (synopsis, cells[1])
    return out


def roff_escape(s):
    s = s.replace("\\", "\\e").replace("-", "\\-")
    return re.sub(r"^([.'])", r"\\&\1", s)


def roff_inline(s):
    """Markdown `code` to bold, the rest escaped."""
    parts = s.split("`")
    return "".join(("\\fB%s\\fR" if i % 2 else "%s") % roff_escape(p)
                   for i, p in enumerate(parts))


def render(opts, readme, version, date):
    lines = [
        '.TH XENOLITH\\-CMDLINE 7 "%s" "Xenolith %s" "Xenolith"' % (date, roff_escape(version)),
        ".SH NAME",
        "xenolith\\-cmdline \\- options on the Xenolith kernel's command line",
        ".SH DESCRIPTION",
        "The Xenolith kernel reads its command line from the boot loader (GRUB's",
        ".B multiboot2",
        "line, or the",
        ".B module2",
        "line of a Xen dom0 entry), from QEMU's",
        ".B \\-append",
        "option, or from the",
        ".B extra",
        "or",
        ".B cmdline",
        "setting of a Xen or libvirt domain. Words are",
        ".IB key = value",
        "or a bare",
        ".IR key ;",
        "a value may be double\\-quoted to hold spaces. An unknown option or a",
        "malformed value is reported on the console and ignored: the option keeps",
        "its default.",
        ".PP",
        "This page lists the options built into Xenolith %s." % roff_escape(version),
        "GRUB entries made by the package take extra options from",
        ".B XENOLITH_CMDLINE",
        "in",
        ".IR /etc/default/xenolith .",
        ".SH OPTIONS",
    ]
    for name, short in opts:
        synopsis, desc = readme[name]
        lines += [".TP", "\\fB%s\\fR" % roff_escape(synopsis), roff_inline(desc) + "."]
        if short and short.lower() not in desc.lower():
            lines.append(".br")
            lines.append("Built-in help: %s." % roff_escape(short))
    lines += [
        ".SH FILES",
        ".TP",
        ".I /boot/xenolith\\-VERSION",
        "the kernel image",
        ".TP",
        ".I /etc/default/xenolith",
        "command\\-line options for the GRUB entries",
        ".TP",
        ".I /usr/share/xenolith/examples/",
        "xl and libvirt domain configurations",
        ".SH SEE ALSO",
        ".BR grub\\-mkconfig (8),",
        ".BR xl.cfg (5),",
        ".BR virsh (1)",
        "",
    ]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--image", required=True)
    ap.add_argument("--readme", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--date", required=True)
    args = ap.parse_args()
    opts = elfread.cmdline_options(args.image)
    readme = readme_options(args.readme)
    missing = [n for n, _ in opts if n not in readme]
    if missing:
        raise SystemExit("mkman: options in the image without a row in the README's "
                         "'Kernel command line' table: %s" % ", ".join(missing))
    sys.stdout.write(render(opts, readme, args.version, args.date))
    return 0


if __name__ == "__main__":
    sys.exit(main())
