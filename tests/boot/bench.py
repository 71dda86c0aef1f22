#!/usr/bin/python3
"""`make bench`: boot every mode once (no tests) and tabulate what it costs.

    bench.py --objtree DIR --image IMG [--native-image IMG2] [--modes ...] [--cmdline ...]

For each mode the boot must reach "xenolith: ready"; the kernel's
"bench: key=value ..." line supplies the boot time and, for Xen, hypercall
and multicall counts; the host's wall-clock time from starting QEMU to
"xenolith: ready" (emulated firmware and Xen included) is shown for
reference. Image sizes: file size, loaded size (sum of PT_LOAD p_memsz) and
the size of xenolith.stripped next to the image.
"""

import argparse
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import boot  # noqa: E402
from matrix import image_cases, table  # noqa: E402

PT_LOAD = 1


def elf_loaded_size(path):
    """Sum of p_memsz over PT_LOAD program headers (ELF32 or ELF64, LE)."""
    with open(path, "rb") as f:
        ident = f.read(16)
        if ident[:4] != b"\x7fELF" or ident[5] != 1:
            raise ValueError("%s: not a little-endian ELF file" % path)
        if ident[4] == 2:
            f.seek(0x20)
            phoff, = struct.unpack("<Q", f.read(8))
            f.seek(0x36)
            phentsize, phnum = struct.unpack("<HH", f.read(4))
            fmt, memsz_off = "<Q", 0x28
        elif ident[4] == 1:
            f.seek(0x1c)
            phoff, = struct.unpack("<I", f.read(4))
            f.seek(0x2a)
            phentsize, phnum = struct.unpack("<HH", f.read(4))
            fmt, memsz_off = "<I", 0x14
        else:
            raise ValueError("%s: unknown ELF class" % path)
        total = 0
        for i in range(phnum):
            f.seek(phoff + i * phentsize)
            p_type, = struct.unpack("<I", f.read(4))
            if p_type == PT_LOAD:
                f.seek(phoff + i * phentsize + memsz_off)
                total += struct.unpack(fmt, f.read(struct.calcsize(fmt)))[0]
        return total


def kib(n):
    return "-" if n is None else "%.1f KiB" % (n / 1024.0)


def image_row(label, image):
    stripped = os.path.join(os.path.dirname(image), "xenolith.stripped")
    return [label, boot.short_path(image), kib(os.path.getsize(image)),
            kib(elf_loaded_size(image)),
            kib(os.path.getsize(stripped)) if os.path.isfile(stripped) else "(missing)"]


def fmt_ns(v):
    try:
        return "%.3f ms" % (int(v) / 1e6)
    except (TypeError, ValueError):
        return "-"


def smp_bench_values(log):
    """key=value pairs of the '# bench' lines in a console log."""
    vals = {}
    if not log or not os.path.isfile(log):
        return vals
    with open(log, errors="replace") as f:
        for line in f:
            line = line.strip()
            if line.startswith("# bench "):
                for kv in line[len("# bench "):].split():
                    if "=" in kv:
                        k, v = kv.split("=", 1)
                        vals[k] = v
    return vals


def phase_cells(phases):
    """{name: 'D ms H/M/P'} for one boot's phases: D the phase's length."""
    cells, prev = {}, 0
    for name, end_ns, hc, mc, pt in phases:
        cells[name] = "%.2f ms %d/%d/%d" % (max(end_ns - prev, 0) / 1e6, hc, mc, pt)
        prev = max(prev, end_ns)
    return cells


def phases_table(results):
    """Phases as rows, cases as columns; the last row is first
    instruction -> ready."""
    cols, names = [], []
    for r in results:
        m = r.last.monitor if r.last else None
        phases = m.phases if m else []
        if not phases:
            continue
        for p in phases:
            if p[0] not in names:
                names.append(p[0])
        total = phases[-1]
        cells = phase_cells(phases)
        cells["total"] = "%.2f ms %d/%d/%d" % (
            total[1] / 1e6, sum(p[2] for p in phases), sum(p[3] for p in phases),
            sum(p[4] for p in phases))
        cols.append((r.name, cells))
    if not cols:
        return "Boot phases: no 'bench: phases' line in any boot"
    rows = [[n] + [c.get(n, "-") for _, c in cols] for n in names + ["total"]]
    return ("Boot phases (length, then hypercalls/multicalls/page-table updates in it; "
            "total = first instruction to 'xenolith: ready'):\n" +
            table(rows, ["phase"] + [name for name, _ in cols]))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--objtree", required=True)
    ap.add_argument("--image", required=True)
    ap.add_argument("--native-image")
    ap.add_argument("--modes", default=",".join(boot.MODES))
    ap.add_argument("--cmdline", default="")
    ap.add_argument("--retries", type=int, default=1)
    ap.add_argument("--xen")
    args = ap.parse_args(argv)

    # Boot time with 1 and 4 CPUs per mode (dom0 vCPUs under Xen).
    cases = image_cases(args.modes, args.image, args.native_image, smp_counts=(1, 4))
    logdir = os.path.join(args.objtree, "bench-logs")
    results = []
    for name, mode, image, cpus in cases:
        slug = name.replace(" ", "-").replace("[", "").replace("]", "")
        print("bench: %s ..." % name, end=" ", flush=True)
        res = boot.run_case(mode, image, args.cmdline, log=os.path.join(logdir, slug + ".log"),
                            expect="ready", retries=args.retries, xen=args.xen,
                            objtree=args.objtree, name=name, say=lambda s: None, smp=cpus)
        results.append(res)
        a = res.last
        print(res.label() + (" in %.1f s" % a.wall if a else ""), flush=True)
        if not res.passed:
            print(boot.describe(res, tail=15))

    # Bench keys in order of first appearance (boot_ns first, mode left out).
    keys = []
    for r in results:
        m = r.last.monitor if r.last else None
        for k in (m.bench if m else {}):
            if k not in keys and k != "mode":
                keys.append(k)
    if "boot_ns" in keys:
        keys.remove("boot_ns")
    rows = []
    for r in results:
        a = r.last
        m = a.monitor if a else None
        b = m.bench if m else {}
        rows.append([r.name, r.label(), b.get("mode", "-"), fmt_ns(b.get("boot_ns")),
                     "%d us" % m.init_done_us if m and m.init_done_us is not None else "-",
                     "%.2f s" % a.wall_to_ready if a and a.wall_to_ready else "-"]
                    + [b.get(k, "-") for k in keys])
    print()
    print("Boot (kernel figures from its bench: line; wall = host time from QEMU start to "
          "'xenolith: ready', TCG):")
    print(table(rows, ["case", "result", "mode", "boot", "init done", "wall"] + keys))

    # The boot profile (kernel/bootprof.c): per phase, its length and its
    # hypercalls/multicalls/page-table updates, one column per case.
    print()
    print(phases_table(results))

    # SMP costs: the smp suite prints a "# bench key=value ..." line (the
    # uncontended and contended lock cost, the IPI round trip) per mode.
    print()
    srows, skeys = [], []
    for mode in (m for m in args.modes.split(",") if m):
        name = "%s smp costs" % mode
        print("bench: %s ..." % name, end=" ", flush=True)
        res = boot.run_case(mode, args.image, "ktest=smp", expect="ktap", retries=args.retries,
                            xen=args.xen, objtree=args.objtree, name=name, say=lambda s: None,
                            log=os.path.join(logdir, mode + "-smp.log"), smp=4,
                            required=("smp",))
        print(res.label(), flush=True)
        vals = smp_bench_values(res.last.log if res.last else None)
        for k in vals:
            if k not in skeys:
                skeys.append(k)
        srows.append((mode, res.label(), vals))
        results.append(res)
    print()
    print("SMP costs (ktest=smp, 4 CPUs; nanoseconds by the kernel's clock, TCG):")
    print(table([[m, lbl] + [v.get(k, "-") for k in skeys] for m, lbl, v in srows],
                ["mode", "result"] + skeys))

    print()
    print("Images:")
    irows = [image_row("default config", args.image)]
    if args.native_image and os.path.isfile(args.native_image):
        irows.append(image_row("native_defconfig", args.native_image))
    print(table(irows, ["config", "image", "file", "loaded (PT_LOAD memsz)", "stripped"]))
    failed = sum(not r.passed for r in results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
