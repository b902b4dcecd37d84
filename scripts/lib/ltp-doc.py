#!/usr/bin/env python3
"""docs/LTP.md from a full run of scripts/ltp.sh (make ltp): the totals, every failing family with
its count and the reason most of its entries gave, the entries that pass on Linux and not on
BakaEx by family, Linux's own failing families, and the result of every entry on both kernels.

    ltp-doc.py RESULTS WHY RUNTEST [LINUX_RESULTS LINUX_WHY [LINUX_RUN]]

RESULTS: "tag result" lines; WHY: "tag<TAB>first TBROK/TFAIL/TCONF line"; RUNTEST: LTP's
runtest/syscalls (the entries, in its order); LINUX_RESULTS, LINUX_WHY: the same run on the
Linux 6.1 reference (scripts/ltp.sh --linux), if there is one; LINUX_RUN: one line saying what
that run was (kernel, guests, timeout, time taken, date). Writes the markdown to stdout.
"""
import collections
import re
import sys

args = sys.argv[1:]
if len(args) not in (3, 5, 6):
    sys.exit("usage: ltp-doc.py RESULTS WHY RUNTEST [LINUX_RESULTS LINUX_WHY [LINUX_RUN]]")
results_path, why_path, runtest_path = args[:3]
linux_path, linux_why_path = (args[3], args[4]) if len(args) >= 5 else (None, None)
linux_run_path = args[5] if len(args) == 6 else None


def read_results(path):
    out = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2:
                out[parts[0]] = parts[1]
    return out


def read_why(path):
    out = {}
    with open(path) as f:
        for line in f:
            tag, _, text = line.rstrip("\n").partition("\t")
            out[tag] = text.strip()
    return out


bakaex = read_results(results_path)
why = read_why(why_path)
linux = read_results(linux_path) if linux_path else {}
linux_why = read_why(linux_why_path) if linux_why_path else {}
linux_run = ""
if linux_run_path:
    with open(linux_run_path) as f:
        linux_run = f.read().strip()
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
    return collections.Counter(res.get(t, "not run") for t, _ in order)


def cell(text, limit):
    """Text for a table cell: no pipes, at most limit characters."""
    text = text.replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def reason(tags, res, reasons):
    """The reason most of these entries gave (their first TBROK/TFAIL/TCONF line, else the result)."""
    c = collections.Counter(reasons.get(t, res.get(t, "not run")) for t in tags)
    return c.most_common(1)[0][0]


def breakdown(tags, res):
    """"3 conf, 1 fail": the results of these entries, most frequent first."""
    c = collections.Counter(res.get(t, "not run") for t in tags)
    return ", ".join(f"{n} {k}" for k, n in sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))


def ok(r):
    return r in ("pass", "conf")


fams = collections.OrderedDict()
for tag, _ in order:
    fams.setdefault(family(tag), []).append(tag)

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
if linux:
    print("The **Linux 6.1** column is the same list run the same way on the reference kernel that")
    print("`make bench` uses (`scripts/build-linux.sh`: Debian bookworm's 6.1 source, tinyconfig plus a")
    print("fragment with what the syscall tests need: ext4, SysV IPC, POSIX message queues, inotify,")
    print("fanotify, namespaces, AIO, io_uring, keys, INET/INET6/UNIX, fadvise, ...): `scripts/ltp.sh")
    print("--linux` boots that Image directly with the same ltprun, LTP disk, spare disk, users, memory,")
    print("timeout and crash handling, and gives LTP Linux's real `.config` at `/boot/config-$(uname -r)`")
    print("(BakaEx's guests get `user/ltp/kconfig`). `make ltp` keeps Linux's results in")
    print("`~/.cache/bakaex/ltp/linux-*.txt` and runs Linux again only when its Image, the LTP build or")
    print("ltprun changed. Neither guest has a mkfs, so the tests that format the spare disk skip or")
    print("break on both kernels alike.")
    if linux_run:
        print(f"This Linux run: {linux_run}.")
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
    if b.get("not run") or lt.get("not run"):
        print(f"| not run | {b.get('not run', 0)} | {lt.get('not run', 0)} |")
    print(f"| entries | {len(order)} | {len(order)} |")
    both = sum(1 for t, _ in order if bakaex.get(t) == "pass" and linux.get(t) == "pass")
    only_linux = [t for t, _ in order if linux.get(t) == "pass" and bakaex.get(t) != "pass"]
    only_bakaex = [t for t, _ in order if bakaex.get(t) == "pass" and linux.get(t) != "pass"]
    print()
    print(f"Both pass: {both}. Pass on Linux only: **{len(only_linux)}** (the next section). Pass on")
    print(f"BakaEx only: {len(only_bakaex)}" + (f" ({', '.join(only_bakaex[:12])}" +
                                                (", ..." if len(only_bakaex) > 12 else "") + ")."
                                                if only_bakaex else "."))
else:
    print("| result | BakaEx |")
    print("|---|---:|")
    for k in kinds:
        print(f"| {k} | {b.get(k, 0)} |")
    print(f"| signal | {sig} |")
    print(f"| entries | {len(order)} |")
print()

if linux:
    print("## Passing on Linux, not on BakaEx")
    print()
    print(f"The work list: the {len(only_linux)} entries that pass on Linux 6.1 and not on BakaEx, by")
    print("family, with what they gave on BakaEx and the reason most of them gave there.")
    print()
    print("| family | entries | on BakaEx | the most common reason on BakaEx | the entries |")
    print("|---|---:|---|---|---|")
    rows = []
    for fam, tags in fams.items():
        todo = [t for t in tags if t in only_linux]
        if not todo:
            continue
        names = ", ".join(todo[:6]) + (", ..." if len(todo) > 6 else "")
        rows.append((len(todo), fam, breakdown(todo, bakaex), cell(reason(todo, bakaex, why), 90), names))
    for n, fam, got, r, names in sorted(rows, key=lambda r: (-r[0], r[1])):
        print(f"| {fam} | {n} | {got} | {r} | {names} |")
    print()

print("## Failing families")
print()
print("Every family (the syscall an entry is named after) with entries that neither pass nor skip on")
print("BakaEx, the number of them, and the reason most of them gave (their first TBROK/TFAIL line).")
if linux:
    print("\"Pass on Linux\": how many of those pass on Linux 6.1.")
print()
if linux:
    print("| family | not passing | of | pass on Linux | the most common reason |")
    print("|---|---:|---:|---:|---|")
else:
    print("| family | not passing | of | the most common reason |")
    print("|---|---:|---:|---|")
rows = []
for fam, tags in fams.items():
    bad = [t for t in tags if not ok(bakaex.get(t, "not run"))]
    if not bad:
        continue
    on_linux = sum(1 for t in bad if linux.get(t) == "pass")
    rows.append((len(bad), fam, len(tags), on_linux, cell(reason(bad, bakaex, why), 110)))
for n, fam, of, on_linux, r in sorted(rows, key=lambda r: (-r[0], r[1])):
    if linux:
        print(f"| {fam} | {n} | {of} | {on_linux} | {r} |")
    else:
        print(f"| {fam} | {n} | {of} | {r} |")
print()

if linux:
    print("## Failing families on Linux")
    print()
    print("The same for Linux 6.1: what the reference itself does not pass here. Mostly the guest:")
    print("it has no cp, /bin/cat, /bin/true, ip or mkfs and no /dev/pts, so the tests that need them")
    print("break on both kernels alike; and the time: the entries that time themselves (\"slept for too")
    print("long\") and LTP's race tests (fuzzy sync, timeouts) vary with the host's load, by a few")
    print("entries from run to run. A few are Linux 6.1's own behaviour that this newer LTP checks")
    print("otherwise. \"On BakaEx\": what BakaEx gave for the same entries.")
    print()
    print("| family | not passing | of | on BakaEx | the most common reason on Linux |")
    print("|---|---:|---:|---|---|")
    rows = []
    for fam, tags in fams.items():
        bad = [t for t in tags if not ok(linux.get(t, "not run"))]
        if not bad:
            continue
        rows.append((len(bad), fam, len(tags), breakdown(bad, bakaex), cell(reason(bad, linux, linux_why), 100)))
    for n, fam, of, got, r in sorted(rows, key=lambda r: (-r[0], r[1])):
        print(f"| {fam} | {n} | {of} | {got} | {r} |")
    print()

print("## Every entry")
print()
if linux:
    print("Why: BakaEx's first TBROK/TFAIL/TCONF line when it does not pass there, else Linux's.")
    print()
    print("| entry | BakaEx | Linux 6.1 | why |")
    print("|---|---|---|---|")
else:
    print("| entry | BakaEx | why |")
    print("|---|---|---|")
for tag, _ in order:
    r = bakaex.get(tag, "not run")
    if linux:
        lr = linux.get(tag, "not run")
        if r != "pass":
            w = why.get(tag, "")
        elif lr != "pass":
            w = "Linux: " + linux_why.get(tag, lr)
        else:
            w = ""
        print(f"| {tag} | {r} | {lr} | {cell(w, 100)} |")
    else:
        w = "" if r == "pass" else why.get(tag, "")
        print(f"| {tag} | {r} | {cell(w, 100)} |")
