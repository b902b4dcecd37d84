#!/usr/bin/env bash
# BakaEx against Linux 6.1, side by side: the same static benchmark program (user/bench/bench.c)
# on both kernels under the same QEMU with deterministic guest time, a markdown table on stdout,
# and the same table in docs/BENCHMARKS.md (between its bench:results markers).
#
#   scripts/bench.sh                 build what is missing, run every row on both, update the doc
#   scripts/bench.sh ROW...          only these rows (the doc is left alone)
#   scripts/bench.sh --no-linux      only BakaEx (Linux column n/a; the doc is left alone)
#   scripts/bench.sh --no-bakaex     only Linux (likewise)
#   scripts/bench.sh --no-doc        do not touch docs/BENCHMARKS.md
#
# Steps:
#   1. user/bench/*.c -> $BUILD/bench-rootfs/{bin/bench,init} (riscv64-linux-gnu-gcc -static -O2;
#      rebuilt when a source or this script is newer), and bin/dynexit (dynamically linked, for
#      the exec_dynamic row) with glibc's loader and libc.so.6 in lib/. /init is user/bench/linux-init.c, the init
#      of the Linux side (mounts /dev and /proc, runs the command, powers off); BakaEx runs
#      /bin/bench itself as init.
#   2. the kernels: BakaEx from scripts/build-kernel.sh (unless KERNEL=<elf> is given), Linux
#      from scripts/build-linux.sh (cached; unless LINUX_IMAGE=<Image> is given).
#   3. BakaEx: scripts/run.sh with ROOTFS=$BUILD/bench-rootfs INIT="/bin/bench --scale $SCALE".
#      A row missing from the output (the program crashed or the kernel hung) is run again alone,
#      so one broken row does not cost the others; a row still missing becomes n/a with the reason.
#   4. Linux: qemu-system-riscv64 with the same machine and QEMU_FLAGS, the same directory as an
#      initramfs, `console=ttyS0 rdinit=/init quiet -- /bin/bench --scale $SCALE`.
#   5. extra rows: every scripts/lib/bench-extra-*.sh is run (bash, in the repository's root) and
#      prints lines `name|bakaex|linux[|unit]` (unit: ns/op by default; a value may be n/a;
#      lines starting with # are ignored). They see BENCH_OUT (this run's directory with
#      bakaex.log and linux.log, the whole consoles), KERNEL, LINUX_IMAGE, LINUX_BUILD (the
#      kernel's build directory, with vmlinux), BUILD, CACHE, CROSS_COMPILE. A failing script is
#      reported and skipped.
#   6. the table: row | unit | BakaEx | Linux | BakaEx/Linux, printed and (full runs) written to
#      docs/BENCHMARKS.md with the machine, the method and the rows' descriptions.
#
# Environment: BUILD (./build), CACHE (~/.cache/bakaex), SCALE (1: iterations multiplier),
# QEMU_FLAGS ("-icount shift=0,sleep=off"), TIMEOUT (300 s per boot), LOG (BakaEx's log level,
# warn; LOG=debug shows what the kernel did with a failing row), KERNEL, LINUX_IMAGE,
# CROSS_COMPILE (riscv64-linux-gnu-), STRICT=1 (exit 1 when a row is n/a on BakaEx; a row that
# fails on Linux always exits 1, it is a bug in the benchmark).
set -euo pipefail
case ${BUILD:-} in ''|/*) ;; *) BUILD=$PWD/$BUILD ;; esac
case ${CACHE:-} in ''|/*) ;; *) CACHE=$PWD/$CACHE ;; esac
case ${KERNEL:-} in ''|/*) ;; *) KERNEL=$PWD/$KERNEL ;; esac
case ${LINUX_IMAGE:-} in ''|/*) ;; *) LINUX_IMAGE=$PWD/$LINUX_IMAGE ;; esac
cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH=/usr/bin:/usr/sbin:/bin:/sbin:$PATH
export BUILD=${BUILD:-$ROOT/build}
export CACHE=${CACHE:-$HOME/.cache/bakaex}
export CROSS_COMPILE=${CROSS_COMPILE:-riscv64-linux-gnu-}
SCALE=${SCALE:-1}
QEMU_FLAGS=${QEMU_FLAGS:--icount shift=0,sleep=off}
TIMEOUT=${TIMEOUT:-300}
LOG=${LOG:-warn}
STRICT=${STRICT:-0}
DOC=$ROOT/docs/BENCHMARKS.md
RFS=$BUILD/bench-rootfs
OUT=$BUILD/bench
export BENCH_OUT=$OUT

run_bakaex=1 run_linux=1 write_doc=1
rows_wanted=()
for a in "$@"; do
  case $a in
    --no-linux) run_linux=0 ;;
    --no-bakaex) run_bakaex=0 ;;
    --no-doc) write_doc=0 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "bench: unknown option $a" >&2; exit 2 ;;
    *) rows_wanted+=("$a") ;;
  esac
done
[ ${#rows_wanted[@]} -eq 0 ] && [ $run_bakaex = 1 ] && [ $run_linux = 1 ] || write_doc=0

log() { echo "bench: $*" >&2; }
die() { log "$*"; exit 1; }
start_all=$SECONDS

# --- 1: the programs -------------------------------------------------------------------------------
command -v "${CROSS_COMPILE}gcc" >/dev/null || die "${CROSS_COMPILE}gcc not found (scripts/setup.sh)"
mkdir -p "$RFS/bin" "$OUT"
rm -f "$OUT"/*.log "$OUT"/*.log.* "$OUT"/table.*   # no stale console for the extra rows to read
compile() {  # source output
  if [ ! -x "$2" ] || [ "$1" -nt "$2" ] || [ "$0" -nt "$2" ]; then
    "${CROSS_COMPILE}gcc" -static -O2 -Wall -Werror -o "$2.tmp" "$1"
    mv -f "$2.tmp" "$2"
  fi
}
compile user/bench/bench.c "$RFS/bin/bench"
compile user/bench/linux-init.c "$RFS/init"
# The exec_dynamic row's program, dynamically linked, with glibc's loader and libc in /lib.
if [ ! -x "$RFS/bin/dynexit" ] || [ user/bench/dynexit.c -nt "$RFS/bin/dynexit" ] || [ "$0" -nt "$RFS/bin/dynexit" ]; then
  "${CROSS_COMPILE}gcc" -O2 -Wall -Werror -o "$RFS/bin/dynexit.tmp" user/bench/dynexit.c
  mv -f "$RFS/bin/dynexit.tmp" "$RFS/bin/dynexit"
fi
mkdir -p "$RFS/lib"
for l in ld-linux-riscv64-lp64d.so.1 libc.so.6; do
  cmp -s "/usr/riscv64-linux-gnu/lib/$l" "$RFS/lib/$l" || cp -L "/usr/riscv64-linux-gnu/lib/$l" "$RFS/lib/$l"
done

# The rows, their iteration counts and descriptions come from the program itself (run on the
# host by qemu-user), so adding a row to bench.c is all it takes.
if command -v qemu-riscv64-static >/dev/null; then
  qemu-riscv64-static "$RFS/bin/bench" --list >"$OUT/rows.txt"
elif command -v qemu-riscv64 >/dev/null; then
  qemu-riscv64 "$RFS/bin/bench" --list >"$OUT/rows.txt"
else
  die "qemu-riscv64-static not found (qemu-user-static; scripts/setup.sh)"
fi
all_rows=$(cut -d'|' -f1 "$OUT/rows.txt")
if [ ${#rows_wanted[@]} -gt 0 ]; then
  for r in "${rows_wanted[@]}"; do
    grep -qx -- "$r" <<<"$all_rows" || die "no row '$r' (rows: $(echo $all_rows))"
  done
  rows=${rows_wanted[*]}
else
  rows=$(echo $all_rows)
fi

# --- 2: the kernels ----------------------------------------------------------------------------------
if [ $run_bakaex = 1 ] && [ -z "${KERNEL:-}" ]; then
  scripts/build-kernel.sh >/dev/null
  KERNEL=${CARGO_TARGET_DIR:-$CACHE/target}/riscv64imac-unknown-none-elf/release/kernel
fi
if [ $run_linux = 1 ] && [ -z "${LINUX_IMAGE:-}" ]; then
  LINUX_IMAGE=$(scripts/build-linux.sh)
fi
export KERNEL=${KERNEL:-} LINUX_IMAGE=${LINUX_IMAGE:-}
export LINUX_BUILD=$CACHE/linux/build

# Rows from a console log: "name value" for each wanted row (value a number or "n/a reason").
parse_rows() {  # log rows...
  local logf=$1; shift
  tr -d '\r' <"$logf" | awk -v rows="$*" '
    BEGIN { n = split(rows, r, " "); for (i = 1; i <= n; i++) want[r[i]] = 1 }
    ($1 in want) && ($2 ~ /^[0-9]+(\.[0-9]+)?$/ || $2 == "n/a") && !($1 in seen) {
      seen[$1] = 1; print
    }'
}

# The console's last meaningful line, for a row that printed nothing.
last_words() {
  tr -d '\r' <"$1" | grep -v '^[[:space:]]*$' | tail -n 1 | cut -c1-160
}

declare -A BK LX
failures=()

# --- 3: BakaEx ---------------------------------------------------------------------------------------
run_bk() {  # logfile args...
  local logf=$1; shift
  local rc=0
  BUILD=$OUT/scratch ROOTFS=$RFS INIT="/bin/bench --scale $SCALE $*" LOG=$LOG QEMU_FLAGS="$QEMU_FLAGS" \
    TIMEOUT=$TIMEOUT KERNEL=$KERNEL scripts/run.sh </dev/null >"$logf" 2>"$logf.err" || rc=$?
  echo $rc >"$logf.rc"
}
if [ $run_bakaex = 1 ]; then
  [ -f "$KERNEL" ] || die "no BakaEx kernel at $KERNEL"
  t=$SECONDS
  log "BakaEx: $rows"
  if [ ${#rows_wanted[@]} -gt 0 ]; then run_bk "$OUT/bakaex.log" $rows; else run_bk "$OUT/bakaex.log"; fi
  while read -r name value; do BK[$name]=$value; done < <(parse_rows "$OUT/bakaex.log" $rows)
  for r in $rows; do
    [ -z "${BK[$r]:-}" ] || continue
    log "BakaEx: no result for $r in the full run (run.sh status $(cat "$OUT/bakaex.log.rc"), last line: $(last_words "$OUT/bakaex.log")): running it alone"
    run_bk "$OUT/bakaex-$r.log" "$r"
    while read -r name value; do BK[$name]=$value; done < <(parse_rows "$OUT/bakaex-$r.log" "$r")
    if [ -z "${BK[$r]:-}" ]; then
      why="no result, also when run alone (run.sh status $(cat "$OUT/bakaex-$r.log.rc"), last line: $(last_words "$OUT/bakaex-$r.log"); console: $OUT/bakaex-$r.log)"
      BK[$r]="n/a $why"
    fi
  done
  for r in $rows; do
    case ${BK[$r]} in "n/a"*) failures+=("$r on BakaEx: ${BK[$r]#n/a }") ;; esac
  done
  rm -rf "$OUT/scratch"
  log "BakaEx: done in $((SECONDS - t)) s (console: $OUT/bakaex.log)"
fi

# --- 4: Linux ----------------------------------------------------------------------------------------
linux_failed=0
if [ $run_linux = 1 ]; then
  [ -f "$LINUX_IMAGE" ] || die "no Linux Image at $LINUX_IMAGE"
  t=$SECONDS
  log "Linux: $rows"
  (cd "$RFS" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$OUT/linux-initramfs.cpio"
  rc=0
  # shellcheck disable=SC2086  # QEMU_FLAGS is a list of words on purpose
  timeout -k 5 "$TIMEOUT" qemu-system-riscv64 -machine virt -nographic -bios default -m 256M -no-reboot -smp 1 \
    -kernel "$LINUX_IMAGE" -initrd "$OUT/linux-initramfs.cpio" \
    -append "console=ttyS0 rdinit=/init quiet -- /bin/bench --scale $SCALE $rows" $QEMU_FLAGS \
    </dev/null >"$OUT/linux.log" 2>&1 || rc=$?
  echo $rc >"$OUT/linux.log.rc"
  while read -r name value; do LX[$name]=$value; done < <(parse_rows "$OUT/linux.log" $rows)
  for r in $rows; do
    if [ -z "${LX[$r]:-}" ]; then
      LX[$r]="n/a no output (qemu status $rc): $(last_words "$OUT/linux.log")"
    fi
    case ${LX[$r]} in "n/a"*) failures+=("$r on Linux: ${LX[$r]#n/a }"); linux_failed=1 ;; esac
  done
  log "Linux: done in $((SECONDS - t)) s (console: $OUT/linux.log)"
fi

# --- 5: extra rows ------------------------------------------------------------------------------------
: >"$OUT/table.txt"
for r in $rows; do
  echo "$r|${BK[$r]:-n/a}|${LX[$r]:-n/a}|ns/op" >>"$OUT/table.txt"
done
if [ ${#rows_wanted[@]} -eq 0 ]; then
  for f in scripts/lib/bench-extra-*.sh; do
    [ -f "$f" ] || continue
    if ! bash "$f" >"$OUT/extra.tmp" 2>"$OUT/extra.err"; then
      log "extra rows: $f failed (skipped): $(tail -n 1 "$OUT/extra.err")"
      continue
    fi
    grep -v '^[[:space:]]*\(#\|$\)' "$OUT/extra.tmp" | while IFS= read -r line; do
      case $line in *"|"*"|"*) echo "$line" >>"$OUT/table.txt" ;; *) log "extra rows: $f: ignored line '$line'" ;; esac
    done
  done
  rm -f "$OUT/extra.tmp" "$OUT/extra.err"
fi

# --- 6: the table --------------------------------------------------------------------------------------
# A value: a number (shown without decimals from 1000 on), or "n/a" (its reason goes below the table).
awk -F'|' '
  function num(v) { return v ~ /^[0-9]+(\.[0-9]+)?$/ }
  function show(v) {
    if (!num(v)) return "n/a"
    return (v + 0 >= 1000) ? sprintf("%.0f", v) : sprintf("%.1f", v)
  }
  BEGIN {
    print "| row | unit | BakaEx | Linux 6.1 | BakaEx/Linux |"
    print "|---|---|---:|---:|---:|"
  }
  {
    unit = ($4 == "") ? "ns/op" : $4
    ratio = (num($2) && num($3) && $3 + 0 > 0) ? sprintf(($2 / $3 < 0.1) ? "%.3f" : "%.2f", $2 / $3) : "n/a"
    printf "| %s | %s | %s | %s | %s |\n", $1, unit, show($2), show($3), ratio
  }' "$OUT/table.txt" >"$OUT/table.md"

echo
cat "$OUT/table.md"
if [ ${#failures[@]} -gt 0 ]; then
  echo
  for f in "${failures[@]}"; do echo "- n/a: $f"; done
fi

# The doc: everything between the markers is replaced; the rest of the file is prose.
if [ $write_doc = 1 ]; then
  begin='<!-- bench:results:begin (written by scripts/bench.sh; edits here are lost) -->'
  end='<!-- bench:results:end -->'
  {
    echo "$begin"
    echo
    rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
    git -C "$ROOT" diff --quiet HEAD -- crates 2>/dev/null || rev="$rev + uncommitted changes"
    echo "Measured $(date -u +%Y-%m-%d) on commit $rev with \`scripts/bench.sh\` (scale $SCALE)."
    echo
    cat "$OUT/table.md"
    if [ ${#failures[@]} -gt 0 ]; then
      echo
      echo "Rows that could not be measured:"
      echo
      for f in "${failures[@]}"; do echo "- $f"; done
    fi
    echo
    echo "### The machine"
    echo
    echo "| | |"
    echo "|---|---|"
    echo "| host CPU | $(nproc) × $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo) |"
    echo "| QEMU | $(qemu-system-riscv64 --version | head -n 1) |"
    echo "| QEMU options | \`-machine virt -bios default -m 256M -smp 1 $QEMU_FLAGS\` |"
    echo "| Linux | $(cat "$CACHE/linux/version" 2>/dev/null || echo "?") from Debian's source package, \`$(basename "$LINUX_IMAGE")\` built by \`scripts/build-linux.sh\` (tinyconfig + QEMU virt, SMP off) |"
    echo "| BakaEx | the kernel ELF built by \`scripts/build-kernel.sh\` (release), $(stat -c %s "$KERNEL") bytes, log level $LOG |"
    echo "| programs | $("${CROSS_COMPILE}gcc" --version | head -n 1), \`-static -O2\`, glibc $(dpkg-query -W -f='${Version}' libc6-dev-riscv64-cross 2>/dev/null || echo "?") |"
    echo
    echo "### The rows"
    echo
    echo "| row | iterations (after a warm-up of a tenth) | one operation |"
    echo "|---|---:|---|"
    awk -F'|' -v scale="$SCALE" '{ n = int($2 * scale); if (n < 1) n = 1; printf "| %s | %d | %s |\n", $1, n, $3 }' "$OUT/rows.txt"
    echo
    echo "$end"
  } >"$OUT/doc-block.md"
  if [ -f "$DOC" ] && grep -qF -- "$end" "$DOC" && grep -q '^<!-- bench:results:begin' "$DOC"; then
    awk -v blockf="$OUT/doc-block.md" '
      /^<!-- bench:results:begin/ { while ((getline l < blockf) > 0) print l; skip = 1; next }
      /^<!-- bench:results:end -->/ { skip = 0; next }
      !skip' "$DOC" >"$DOC.tmp"
  else
    { [ ! -f "$DOC" ] || cat "$DOC"; echo; echo "## Results"; echo; cat "$OUT/doc-block.md"; } >"$DOC.tmp"
  fi
  mv -f "$DOC.tmp" "$DOC"
  log "wrote the table into ${DOC#"$ROOT"/}"
fi
log "done in $((SECONDS - start_all)) s (logs in $OUT)"

[ $linux_failed = 0 ] || { log "a row failed on Linux: the benchmark itself is broken"; exit 1; }
[ "$STRICT" != 1 ] || [ ${#failures[@]} -eq 0 ] || exit 1
exit 0
