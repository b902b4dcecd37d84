#!/usr/bin/env python3
"""docs/LTP.md from a full run of scripts/ltp.sh (make ltp): the totals, every failing family with
its count and the reason most of its entries gave, and the result of every entry.

    ltp-doc.py RESULTS WHY RUNTEST [LINUX_RESULTS]

RESULTS: "tag result" lines; WHY: "tag<TAB>first TBROK/TFAIL/TCONF line"; RUNTEST: LTP's
runtest/syscalls (the entries, in its order); LINUX_RESULTS: the same run on the Linux
reference, if there is one. Writes the markdown to stdout.
"""
import collections
import re
import sys

results_path, why_path, runtest_path = sys.argv[1:4]
linux_path = sys.argv[4] if len(sys.argv) > 4 else None


def read_results(path):
    out = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2:
                out[parts[0]] = parts[1]
    return out


bakaex = read_results(results_path)
linux = read_results(linux_path) if linux_path else {}
why = {}
with open(why_path) as f:
    for line in f:
        tag, _, text = line.rstrip("\n").partition("\t")
        why[tag] = text.strip()
order = []
with open(runtest_path) as f:
    for line in f:
        parts = line.split()
        if parts and not parts[0].startswith("#") and len(parts) >= 2:
            order.append((parts[0], " ".join(parts[1:])))


def family(tag):
    """The syscall an entry tests: its name without the numbers and variants."""
    m = re.match(r"[a-z_]*?[a-z](?=\d|_\d|$)", tag)
    name = m.group(0) if m else tag
    return re.sub(r"_+$", "", name) or tag


def totals(res):
    c = collections.Counter(res.get(t, "not run") for t, _ in order)
    return c


b = totals(bakaex)
print("# LTP on BakaEx")
print()
print("Written by `make ltp` (`scripts/ltp.sh --doc`, `scripts/lib/ltp-doc.py`); do not edit by hand.")
print("LTP 20260529's `runtest/syscalls`, built static for riscv64 (`scripts/build-ltp.sh`), every")
print("entry run by `user/ltp/ltprun.c` as init under QEMU (`-m 256M`, one hart), 60 s per entry, the")
print("programs on a read-only ext4 disk. Results: **pass** (exit 0), **conf** (TCONF only: the test")
print("found a feature missing and skipped), **fail** (TFAIL/TWARN), **broken** (TBROK: the test could")
print("not set itself up), **signal-N**, **timeout**, **crash** (the kernel stopped answering),")
print("**missing** (not built: LTP skips programs whose libraries the cross toolchain lacks).")
print()
print("`make test` runs the entries that pass (`user/ltp/pass.txt`, which `make ltp` rewrites) as a")
print("regression list, less those that time themselves against the host's clock (`user/ltp/timing.txt`).")
print()
print("## Totals")
print()
kinds = ["pass", "conf", "fail", "broken", "timeout", "crash", "missing"]
sig = sum(v for k, v in b.items() if k.startswith("signal"))
if linux:
    lt = totals(linux)
    lsig = sum(v for k, v in lt.items() if k.startswith("signal"))
    print("| result | BakaEx | Linux 6.1 |")
    print("|---|---:|---:|")
    for k in kinds:
        print(f"| {k} | {b.get(k, 0)} | {lt.get(k, 0)} |")
    print(f"| signal | {sig} | {lsig} |")
    print(f"| entries | {len(order)} | {len(order)} |")
else:
    print("| result | BakaEx |")
    print("|---|---:|")
    for k in kinds:
        print(f"| {k} | {b.get(k, 0)} |")
    print(f"| signal | {sig} |")
    print(f"| entries | {len(order)} |")
    print()
    print("The Linux 6.1 column is not measured yet: the reference kernel that `make bench` builds")
    print("has no ext4, virtio-blk, SysV IPC or POSIX message queues in its configuration; `make ltp`")
    print("gets it once that configuration is extended.")
print()
print("## Failing families")
print()
print("Every family (the syscall an entry is named after) with entries that neither pass nor skip,")
print("the number of them, and the reason most of them gave (their first TBROK/TFAIL line).")
print()
print("| family | not passing | of | the most common reason |")
print("|---|---:|---:|---|")
fams = collections.OrderedDict()
for tag, _ in order:
    fams.setdefault(family(tag), []).append(tag)
rows = []
for fam, tags in fams.items():
    bad = [t for t in tags if bakaex.get(t, "not run") not in ("pass", "conf")]
    if not bad:
        continue
    reasons = collections.Counter(why.get(t, bakaex.get(t, "?")) for t in bad)
    reason = reasons.most_common(1)[0][0].replace("|", "\\|")
    if len(reason) > 110:
        reason = reason[:107] + "..."
    rows.append((len(bad), fam, len(tags), reason))
for n, fam, of, reason in sorted(rows, key=lambda r: (-r[0], r[1])):
    print(f"| {fam} | {n} | {of} | {reason} |")
print()
print("## Every entry")
print()
header = "| entry | BakaEx | Linux 6.1 | why (BakaEx) |" if linux else "| entry | BakaEx | why |"
print(header)
print("|---|---|---|---|" if linux else "|---|---|---|")
for tag, _ in order:
    r = bakaex.get(tag, "not run")
    w = "" if r == "pass" else why.get(tag, "").replace("|", "\\|")
    if len(w) > 100:
        w = w[:97] + "..."
    if linux:
        print(f"| {tag} | {r} | {linux.get(tag, 'not run')} | {w} |")
    else:
        print(f"| {tag} | {r} | {w} |")
