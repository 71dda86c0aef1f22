#!/usr/bin/python3
"""The boot matrix of `make test`: every boot mode runs the in-kernel tests.

    matrix.py --objtree DIR --image IMG [--native-image IMG2] [--cmdline ktest=all]
              [--modes native,grub,xen-pv-dom0,xen-pvh-dom0] [--retries 1]
              [--flake-budget 1] [--echo]

Cases: the image in each of the four boot modes, the Xen dom0 modes again
with the 2-level event channel ABI forced (evtchn=2l, on the evtchn, sched
and smp suites when the command line says ktest=all), plus the native-only
configuration's image booted natively, and the dom0_defconfig image (with
--dom0-image) as PV and PVH dom0. Each case must pass its KTAP run,
including every suite its mode requires (boot.REQUIRED_SUITES). Prints a
table, "flakes: N (budget M)" (attempts judged INFRA-FLAKE, retried or
not) and, last, the plain line "N passed, N failed" (cases). Exit status 0
only if every case passed and the flakes stayed within the budget.
"""

import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import boot  # noqa: E402
import signatures  # noqa: E402


def ktap_cell(res):
    a = res.last
    if not a or not a.monitor:
        return "-"
    rep = a.monitor.ktap.finish()
    if not rep.seen:
        return "no KTAP"
    c = rep.counts()
    s, k = c["suites"], c["cases"]
    return "%d/%d/%d  %d/%d/%d" % (s["pass"], s["fail"], s["skip"], k["pass"], k["fail"], k["skip"])


# Extra matrix cases: the default image in these Xen modes again with the
# 2-level event channel ABI forced (FIFO is what Xen gives by default), on
# the suites that exercise events, scheduling and IPIs.
EVTCHN_2L_MODES = ("xen-pv-dom0", "xen-pvh-dom0")
EVTCHN_2L_SUITES = "evtchn,sched,smp"


def evtchn_2l_cmdline(cmdline):
    """cmdline for an evtchn=2l case: ktest=all narrowed to the event
    suites (to keep it cheap), any other selection kept, evtchn=2l
    appended."""
    if signatures.ktest_selection(cmdline) == "all":
        words = ["ktest=" + EVTCHN_2L_SUITES if w == "ktest=all" else w
                 for w in cmdline.split()]
        cmdline = " ".join(words)
    return (cmdline + " evtchn=2l").strip()


def image_cases(modes, image, native_image, smp_counts=None, abi_variants=False,
                dom0_image=None):
    """(label, mode, image, cpus) for each boot mode of the default image
    (with the mode's default CPU count, or each count in smp_counts), plus
    the native-only image booted natively on one CPU when there is one.

    abi_variants: 5-tuples instead, the last element a function of the
    matrix's command line giving the case's own (None: the matrix's), with
    an "<mode> evtchn=2l" case after each Xen mode in EVTCHN_2L_MODES."""
    cases = []
    for m in (m for m in modes.split(",") if m):
        if smp_counts:
            cases += [("%s %d CPU%s" % (m, n, "s" if n > 1 else ""), m, image, n)
                      for n in smp_counts]
        else:
            cases.append((m, m, image, boot.DEFAULT_SMP[m]))
        if abi_variants and m in EVTCHN_2L_MODES:
            cases.append(("%s evtchn=2l" % m, m, image, boot.DEFAULT_SMP[m], evtchn_2l_cmdline))
    if native_image:
        cases.append(("native [native_defconfig]", "native", native_image, 1))
    # The dom0-only configuration in both dom0 modes (the ones it targets).
    if dom0_image:
        cases += [("%s [dom0_defconfig]" % m, m, dom0_image, boot.DEFAULT_SMP[m])
                  for m in ("xen-pv-dom0", "xen-pvh-dom0")]
    if abi_variants:
        cases = [c if len(c) == 5 else c + (None,) for c in cases]
    return cases


def table(rows, header):
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    fmt = "  ".join("%%-%ds" % w for w in widths)
    out = [fmt % tuple(header), fmt % tuple("-" * w for w in widths)]
    out += [fmt % tuple(str(c) for c in r) for r in rows]
    return "\n".join(l.rstrip() for l in out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--objtree", required=True)
    ap.add_argument("--image", required=True)
    ap.add_argument("--native-image", help="image built from native_defconfig")
    ap.add_argument("--dom0-image", help="image built from dom0_defconfig")
    ap.add_argument("--cmdline", default="ktest=all")
    ap.add_argument("--modes", default=",".join(boot.MODES))
    ap.add_argument("--retries", type=int, default=1)
    ap.add_argument("--flake-budget", type=int, default=1,
                    help="INFRA-FLAKE attempts the whole run may have (default 1)")
    ap.add_argument("--echo", action="store_true")
    ap.add_argument("--xen")
    args = ap.parse_args(argv)

    cases = image_cases(args.modes, args.image, args.native_image, abi_variants=True,
                        dom0_image=args.dom0_image)
    logdir = os.path.join(args.objtree, "boot-logs")
    os.makedirs(logdir, exist_ok=True)
    results = []
    t_all = time.monotonic()
    for i, (name, mode, image, cpus, cmdline_of) in enumerate(cases, 1):
        cmdline = cmdline_of(args.cmdline) if cmdline_of else args.cmdline
        print("boot: [%d/%d] %s: %s %s (%d CPU%s)" % (i, len(cases), name,
                                                     boot.short_path(image), cmdline, cpus,
                                                     "s" if cpus > 1 else ""), flush=True)
        slug = name.replace(" ", "-").replace("[", "").replace("]", "").replace("=", "-")
        res = boot.run_case(mode, image, cmdline, log=os.path.join(logdir, slug + ".log"),
                            expect="ktap", retries=args.retries, echo=args.echo, xen=args.xen,
                            objtree=args.objtree, name=name, smp=cpus)
        results.append(res)
        print(boot.describe(res), flush=True)

    rows = []
    for r in results:
        a = r.last
        rows.append([r.name, r.label(), "%.1f s" % a.wall if a else "-", ktap_cell(r),
                     boot.short_path(a.log) if a else (r.error or "-")])
    print()
    print("Boot matrix (%s), %.0f s in all:" % (args.cmdline, time.monotonic() - t_all))
    print(table(rows, ["case", "result", "time", "KTAP suites/cases ok/fail/skip", "log"]))
    flakes = [r for r in results if r.flaky]
    for r in flakes:
        print("INFRA-FLAKE in %s (%s): %s" % (
            r.name, "passed on retry" if r.passed else
            "same signature on retry, counted as a failure" if r.reproduced else
            "then failed", r.flaky))
    with open(os.path.join(logdir, "matrix.json"), "w") as f:
        json.dump([r.to_json() for r in results], f, indent=1)
    line, over = signatures.flake_budget(sum(r.flakes for r in results), args.flake_budget)
    print(line + (": over budget, the run fails" if over else ""))
    npass = sum(r.passed for r in results)
    print("%d passed, %d failed" % (npass, len(results) - npass))
    return 0 if npass == len(results) and not over else 1


if __name__ == "__main__":
    sys.exit(main())
