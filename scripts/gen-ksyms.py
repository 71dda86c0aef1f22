#!/usr/bin/python3
"""Turn `nm -n` output of the first-pass kernel into an assembly symbol table
(text symbols only) for backtraces. Reads stdin, writes stdout."""
import sys

syms = []
for line in sys.stdin:
    parts = line.split()
    if len(parts) != 3 or parts[1] not in ("T", "t"):
        continue
    addr, name = int(parts[0], 16), parts[2]
    if name.startswith(".L") or name.startswith("__ksym"):
        continue
    syms.append((addr, name))
syms.sort()

out = ['\t.section .ksyms, "a"', "\t.balign 8", "\t.globl ksyms_addr, ksyms_name_off, ksyms_names, ksyms_count"]
out.append("ksyms_count:\n\t.quad %d" % len(syms))
out.append("ksyms_addr:")
out += ["\t.quad %#x" % a for a, _ in syms]
out.append("ksyms_name_off:")
off = 0
for _, n in syms:
    out.append("\t.long %d" % off)
    off += len(n) + 1
out.append("ksyms_names:")
out += ['\t.asciz "%s"' % n for _, n in syms]
print("\n".join(out))
