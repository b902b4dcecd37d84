#!/usr/bin/env bash
# The in-kernel fuzzer (`make fuzz-kernel`, part of `make test`; docs/TESTING.md): boots the kernel
# with /bin/fuzz (user/c/fuzz.c) as init, which makes random system calls with hostile arguments
# from a few processes at a time, once per seed, JOBS boots at once.
#
#   scripts/fuzz-kernel.sh [--secs N] [--count N] [--avoid-known] [SEED...]
#
# Without seeds it picks --count fresh ones (default 4, printed first). Each run lasts --secs
# seconds of fuzzing (default $FUZZ_SECS or 35) and may take that plus FUZZ_MARGIN (default 60 s:
# boot, the final kill-and-reap) before it counts as a hang. A run passes when the program printed
# its summary line ("fuzz: seed S, N children, M calls, K killed by signals") and the kernel's last
# line is "init exited with status 0"; it fails on a kernel panic (also one the kernel survived
# by killing the process it happened in: "kernel panic in syscall ..."), "init killed by signal
# S", another status, a timeout (hang), or a missing summary. A failure prints the seed, the reason and
# the last 40 lines of the console, and for a hang where the CPU was (hang.txt, below); every
# run's console is kept in $BUILD/fuzz-kernel/<seed>/ (kernel.log, kernel.log.err: run.sh's own
# messages, kernel.log.rc: its exit status, output: the program's part).
#
# --avoid-known (or FUZZ_AVOID_KNOWN=1) makes the fuzzer steer clear of the kernel bugs that are
# known and being fixed (see user/c/fuzz.c); the default does not.
#
# Environment: BUILD (./build), JOBS (2), FUZZ_SECS (35), FUZZ_COUNT (4), FUZZ_MARGIN (60),
# FUZZ_CHILDREN (4: fuzzing processes at a time), FUZZ_FLAGS (more arguments for /bin/fuzz, e.g.
# --no=exec,clone to reduce a failure), FUZZ_LOG (warn: the kernel's log level, so its warnings
# are in the log), RUN_SH (scripts/run.sh), KERNEL (the image, as scripts/run.sh).
set -uo pipefail
. "$(dirname "$0")/lib/run-on-kernel.sh"
case ${BUILD:-} in ''|/*) ;; *) BUILD=$PWD/$BUILD ;; esac   # a relative BUILD is relative to the caller
cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH=/usr/bin:$PATH
export BUILD=${BUILD:-$ROOT/build}
ROOTFS_DIR=$BUILD/rootfs
OUTDIR=$BUILD/fuzz-kernel
JOBS=${JOBS:-2}
SECS=${FUZZ_SECS:-35}
COUNT=${FUZZ_COUNT:-4}
MARGIN=${FUZZ_MARGIN:-60}
CHILDREN=${FUZZ_CHILDREN:-4}
RUN_SH=${RUN_SH:-$ROOT/scripts/run.sh}
TEST_LOG=${FUZZ_LOG:-warn}
AVOID=${FUZZ_AVOID_KNOWN:-0}

seeds=()
while [ $# -gt 0 ]; do
  case $1 in
    --secs) SECS=${2:-}; shift $(($# > 1 ? 2 : 1)) ;;
    --count) COUNT=${2:-}; shift $(($# > 1 ? 2 : 1)) ;;
    --avoid-known) AVOID=1; shift ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz-kernel: unknown option $1" >&2; exit 2 ;;
    *) seeds+=("$1"); shift ;;
  esac
done
for v in "$SECS" "$COUNT"; do
  case $v in ''|*[!0-9]*) echo "fuzz-kernel: --secs and --count want numbers, not '$v'" >&2; exit 2 ;; esac
done
for i in "${!seeds[@]}"; do   # decimal or 0x-hex (as make fuzz-host takes them), kept in decimal
  case ${seeds[$i]} in
    0x*|0X*) [[ ${seeds[$i]:2} =~ ^[0-9a-fA-F]{1,15}$ ]] && seeds[$i]=$((seeds[$i])) ;;
  esac
  case ${seeds[$i]} in ''|*[!0-9]*) echo "fuzz-kernel: a seed is a number, not '${seeds[$i]}'" >&2; exit 2 ;; esac
done
[ -x "$ROOTFS_DIR/bin/fuzz" ] || { echo "fuzz-kernel: no $ROOTFS_DIR/bin/fuzz (make user)" >&2; exit 2; }
if [ ${#seeds[@]} -eq 0 ]; then
  for ((i = 0; i < COUNT; i++)); do
    seeds+=($(( ((RANDOM << 15 | RANDOM) ^ $(date +%s%N) / 1000) % 1000000000 )))
  done
fi
flag=${FUZZ_FLAGS:+$FUZZ_FLAGS }
[ "$AVOID" = 1 ] && flag+="--avoid-known "
TEST_TIMEOUT=$((SECS + MARGIN))
echo "fuzz-kernel: seeds ${seeds[*]}, ${SECS} s each, $JOBS at a time${flag:+, with $flag}"
mkdir -p "$OUTDIR"

KERNEL_IMG=${KERNEL:-${CARGO_TARGET_DIR:-$HOME/.cache/bakaex/target}/riscv64imac-unknown-none-elf/release/kernel}

# A kernel that hangs: ask QEMU's monitor (a pair of FIFOs, -monitor pipe:) for the CPU's registers
# a few times before the timeout, and name the kernel functions that pc, ra and sepc are in
# (riscv64-linux-gnu-nm): a spinning lock shows the same function each time, an idle kernel (a
# lost wake-up) its idle loop with sepc in user space. Written to $dir/hang.txt.
dump_cpu() {  # dir
  local dir=$1 i
  for i in 1 2 3 4; do
    timeout 2 bash -c "printf 'stop\\ninfo registers\\ncont\\n' >'$dir/monitor.in'" 2>/dev/null || return 0
    sleep 1
  done
  timeout 2 cat "$dir/monitor.out" 2>/dev/null | tr -d '\r' >"$dir/monitor.txt"
  command -v riscv64-linux-gnu-nm >/dev/null &&
    riscv64-linux-gnu-nm -n -C --defined-only "$KERNEL_IMG" 2>/dev/null >"$dir/kernel.syms"
  awk -v syms="$dir/kernel.syms" '
    function sym(a,   n, lo, hi, mid) {
      if (a !~ /^ffffffff/) return a " (user)"
      lo = 1; hi = nsyms; n = 0
      while (lo <= hi) { mid = int((lo + hi) / 2); if (addr[mid] <= a) { n = mid; lo = mid + 1 } else hi = mid - 1 }
      return a " " (n ? name[n] : "?")
    }
    BEGIN {
      while ((getline line < syms) > 0) {
        split(line, f, " "); if (f[1] !~ /^[0-9a-f]+$/) continue
        addr[++nsyms] = f[1]; sub(/^[^ ]+ [^ ]+ /, "", line); name[nsyms] = line
      }
    }
    $1 == "pc" { n++; print "sample " n ":"; print "  pc   " sym($2) }
    $1 == "sepc" { print "  sepc " sym($2) }
    $1 == "scause" { print "  scause " $2 }
    { for (i = 1; i < NF; i++) if ($i == "x1/ra") print "  ra   " sym($(i + 1)) }
  ' "$dir/monitor.txt" >"$dir/hang.txt"
}

# One boot; writes "PASS ..." or "FAIL <reason>" to $dir/result.
fuzz_one() {
  local seed=$1 dir=$OUTDIR/$1
  rm -rf "$dir"
  mkdir -p "$dir"
  local start=$SECONDS watcher=""
  if mkfifo "$dir/monitor.in" "$dir/monitor.out" 2>/dev/null; then
    (
      trap 'kill "$nap" 2>/dev/null; exit 0' TERM
      sleep $((TEST_TIMEOUT - 8)) &
      nap=$!
      wait "$nap"
      [ -e "$dir/kernel.log.rc" ] || dump_cpu "$dir"
    ) &
    watcher=$!
  fi
  QEMU_FLAGS="${QEMU_FLAGS:-}${watcher:+ -monitor pipe:$dir/monitor}" \
    run_on_kernel "$ROOTFS_DIR" "/bin/fuzz ${flag}$seed $SECS $CHILDREN" "$dir/kernel.log" "$dir/output" "$dir/run"
  if [ -n "$watcher" ]; then
    kill "$watcher" 2>/dev/null
    wait "$watcher" 2>/dev/null
  fi
  rm -f "$dir/monitor.in" "$dir/monitor.out"
  local took=$((SECONDS - start)) rc status summary reason=""
  rc=$(cat "$dir/kernel.log.rc")
  status=$(tail -n 1 "$dir/output")
  summary=$(grep -E "^fuzz: seed $seed, [0-9]+ children, [0-9]+ calls, [0-9]+ killed by signals$" "$dir/output" | tail -n 1)
  if tr -d '\r' <"$dir/kernel.log" | grep -q "^kernel panic: "; then
    reason="$(tr -d '\r' <"$dir/kernel.log" | grep -m1 -A1 '^kernel panic: ' | tr '\n' ' ')"
  elif grep -q "kernel panic in syscall" "$dir/kernel.log"; then   # isolated: the machine went on
    reason="$(tr -d '\r' <"$dir/kernel.log" | grep -m1 'kernel panic in syscall' | sed 's/^\[[^]]*\] *//')"
  elif [ "$rc" = 124 ] || grep -q "timed out" "$dir/kernel.log.err" 2>/dev/null; then
    reason="timeout after $((SECS + MARGIN)) s: a hang"
  elif grep -q "^fuzz: FAILED" "$dir/output"; then
    reason=$(grep -m1 "^fuzz: FAILED" "$dir/output")
    reason=${reason#fuzz: FAILED: }
  elif [ "$status" != "status: exit 0" ]; then
    reason="init: ${status#status: }"
  elif [ -z "$summary" ]; then
    reason="no summary line"
  fi
  if [ -n "$reason" ]; then
    echo "FAIL $reason" >"$dir/result"
  else
    echo "PASS ${summary#fuzz: } (${took} s)" >"$dir/result"
  fi
}

pids=()
for seed in "${seeds[@]}"; do
  fuzz_one "$seed" &
  pids+=($!)
  if [ ${#pids[@]} -ge "$JOBS" ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
done
wait

passed=0 failed=0
for seed in "${seeds[@]}"; do
  dir=$OUTDIR/$seed
  result=$(cat "$dir/result" 2>/dev/null || echo "FAIL no result")
  if [ "${result%% *}" = PASS ]; then
    passed=$((passed + 1))
    echo "fuzz-kernel: PASS ${result#PASS }"
  else
    failed=$((failed + 1))
    echo "fuzz-kernel: FAIL seed $seed: ${result#FAIL }"
    echo "---- last 40 lines of $dir/kernel.log"
    tail -n 40 "$dir/kernel.log" | tr -d '\r'
    if [ -s "$dir/hang.txt" ]; then
      echo "---- where the CPU was, sampled before the timeout ($dir/hang.txt)"
      cat "$dir/hang.txt"
    fi
    echo "---- rerun: ${FUZZ_FLAGS:+FUZZ_FLAGS=\"$FUZZ_FLAGS\" }scripts/fuzz-kernel.sh --secs $SECS" \
      "$([ "$AVOID" = 1 ] && echo "--avoid-known ")$seed   (not call for call: the scheduler's timing varies)"
  fi
done
echo "fuzz-kernel: $passed passed, $failed failed (logs in $OUTDIR)"
[ "$failed" -eq 0 ]
