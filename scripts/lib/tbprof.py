#!/usr/bin/env python3
"""Instruction counts by symbol from QEMU's `-d in_asm,exec,nochain` log (scripts/profile.sh).

    tbprof.py count LOG OUT.tsv ELF...     count every executed guest instruction, by symbol
    tbprof.py diff A.tsv B.tsv N [TOP]     (B - A) / N per symbol, biggest first

`count` reads the log as QEMU writes it (a FIFO works): every translated block's instructions
from `in_asm` ("IN:" then one line per instruction), and one `exec` line ("Trace ...") per block
executed (`nochain` makes QEMU log each one). Each execution counts every instruction of its
block (a block cut short by an exception is counted whole: rare on the paths measured).
Addresses are named from the ELF files' symbol tables (`nm`): the kernel, the user program.
Addresses no file names are grouped: [opensbi] below 0x80200000, [user] or [kernel] otherwise.
With CALLERS=sym1,sym2 in the environment (substrings of symbol names, e.g. memcpy), the
instructions of those symbols are also counted by caller, as "sym <- caller" rows: the caller
is the symbol of the block executed just before the first of them was entered (and with
CALLERS_PC=1, that block's address).
"""
import os
import bisect
import re
import subprocess
import sys
from collections import defaultdict

INSN = re.compile(r"^0x([0-9a-f]+):\s")
TRACE = re.compile(r"^Trace \d+: (0x[0-9a-f]+|\(nil\)) \[[0-9a-f]+/([0-9a-f]+)/")


def symbols(elfs):
    syms = []
    for elf in elfs:
        out = subprocess.run(["nm", "-C", "--defined-only", elf], capture_output=True, text=True).stdout
        for line in out.splitlines():
            parts = line.split(" ", 2)
            if len(parts) == 3 and parts[1] in "tTwWiI" and not parts[2].startswith(".L"):
                syms.append((int(parts[0], 16), parts[2]))
    syms.sort()
    return [a for a, _ in syms], [n for _, n in syms]


def shorten(name):
    # Generic arguments make names long: keep the outer <Type as Trait>, drop what is nested.
    out, depth = [], 0
    for ch in name:
        if ch == "<":
            depth += 1
            if depth == 2:
                out.append("<..>")
        elif ch == ">" and depth:
            depth -= 1
        if depth <= 1 and not (ch == ">" and depth == 1 and out and out[-1] == "<..>"):
            if not (ch == "<" and depth == 2):
                out.append(ch)
    return "".join(out)


def name_of(addrs, names, a):
    i = bisect.bisect_right(addrs, a) - 1
    if a < 0x80200000 and a >= 0x80000000:
        return "[opensbi]"
    if i >= 0 and a - addrs[i] < 0x100000:
        return shorten(names[i])
    return "[user]" if a < 0x4000000000 else "[kernel]"


def count(log, out, elfs):
    addrs, names = symbols(elfs)
    blocks = {}          # pc -> instruction addresses of its latest translation
    bound = {}           # host TB pointer -> (pc, instructions)
    per_insn = defaultdict(int)
    current = None
    watched = [w for w in os.environ.get("CALLERS", "").split(",") if w]
    by_caller = defaultdict(int)
    sym_of = {}          # pc -> symbol name (only with CALLERS)
    prev, caller, prev_pc = None, None, 0
    with_pc = os.environ.get("CALLERS_PC") == "1"
    with open(log, "r", errors="replace") as f:
        for line in f:
            if line.startswith("Trace "):
                m = TRACE.match(line)
                if not m:
                    continue
                tb, pc = m.group(1), int(m.group(2), 16)
                b = bound.get(tb)
                if b is None or b[0] != pc:
                    insns = blocks.get(pc)
                    if insns is None:
                        continue
                    b = bound[tb] = (pc, insns)
                for a in b[1]:
                    per_insn[a] += 1
                if watched:
                    sym = sym_of.get(pc)
                    if sym is None:
                        sym = sym_of[pc] = name_of(addrs, names, pc)
                    if any(w in sym for w in watched):
                        # A watched symbol entered from another (memcpy's trampoline) keeps
                        # the caller of the first.
                        if sym != prev and not (prev and any(w in prev for w in watched)):
                            caller = f"{prev} @{prev_pc:#x}" if with_pc else prev
                        by_caller[f"{sym} <- {caller}"] += len(b[1])
                    prev, prev_pc = sym, pc
                continue
            if line.startswith("IN:"):
                current = []
                continue
            if current is not None:
                m = INSN.match(line)
                if m:
                    a = int(m.group(1), 16)
                    if not current:
                        blocks[a] = current
                        # A new translation of this pc replaces what TB pointers said of it.
                    current.append(a)
                elif current and not line.strip():
                    current = None
    by_sym = defaultdict(int)
    for a, n in per_insn.items():
        by_sym[name_of(addrs, names, a)] += n
    by_sym.update(by_caller)
    with open(out, "w") as o:
        for name, n in sorted(by_sym.items(), key=lambda kv: -kv[1]):
            o.write(f"{n}\t{name}\n")


def load(path):
    d = {}
    with open(path) as f:
        for line in f:
            n, name = line.rstrip("\n").split("\t", 1)
            d[name] = d.get(name, 0) + int(n)
    return d


def diff(a, b, n, top):
    da, db = load(a), load(b)
    rows = [(db.get(k, 0) - da.get(k, 0), k) for k in set(da) | set(db)]
    rows = [(v / n, k) for v, k in rows if v]
    rows.sort(key=lambda r: -abs(r[0]))
    by_caller = [r for r in rows if " <- " in r[1]]
    rows = [r for r in rows if " <- " not in r[1]]
    total = sum(v for v, _ in rows)
    print(f"{total:9.1f}  total instructions per operation")
    shown = 0.0
    for v, k in rows[:top]:
        print(f"{v:9.1f}  {k}")
        shown += v
    if len(rows) > top:
        print(f"{total - shown:9.1f}  ({len(rows) - top} more symbols)")
    if by_caller:
        print("by caller (CALLERS):")
        for v, k in by_caller[:top]:
            print(f"{v:9.1f}  {k}")


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "count" and len(sys.argv) >= 5:
        count(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif cmd == "diff" and len(sys.argv) in (5, 6):
        diff(sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5]) if len(sys.argv) == 6 else 40)
    else:
        sys.exit(__doc__)
