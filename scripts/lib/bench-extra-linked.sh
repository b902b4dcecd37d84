#!/usr/bin/env bash
# Extra rows for scripts/bench.sh: the same operations from a linked application (unikernel
# mode, apps/callcost): getpid, a 1-byte write to /dev/null, a pipe round trip and a TCP round
# trip over 127.0.0.1 between two linked tasks, each a direct call of the syscall function, next to Linux's trapped figure for
# the same operation from user/bench/bench.c. plain_call is the yardstick: an ordinary function
# call, not inlined. Guest ns under -icount shift=0 (= instructions).
# Prints `name|bakaex|linux|unit` (see scripts/bench.sh, step 5).
set -uo pipefail
cd "$(dirname "$0")/../.."
log=$BENCH_OUT/linked.log
if [ -n "${KERNEL:-}" ] && [ -f "$KERNEL" ]; then
  # The linked application needs no files: an empty root (the kernel adds /dev and /tmp).
  mkdir -p "$BENCH_OUT/linked-rootfs"
  BUILD=$BENCH_OUT/scratch-linked ROOTFS=$BENCH_OUT/linked-rootfs INIT=callcost LOG=error QEMU_FLAGS="-icount shift=0,sleep=off" TIMEOUT=120 \
    KERNEL=$KERNEL scripts/run.sh </dev/null >"$log" 2>&1 || true
fi
value() {  # log row
  [ -f "$1" ] || { echo n/a; return; }
  tr -d '\r' <"$1" | awk -v r="$2" '$1 == r && $2 ~ /^[0-9.]+$/ { print $2; found = 1; exit } END { if (!found) print "n/a" }'
}
echo "plain_call|$(value "$log" plain_call)|n/a|ns/op"
echo "linked_getpid|$(value "$log" linked_getpid)|$(value "$BENCH_OUT/linux.log" null_syscall)|ns/op"
echo "linked_write_dev_null|$(value "$log" linked_write_dev_null)|$(value "$BENCH_OUT/linux.log" write_dev_null)|ns/op"
echo "linked_pipe_roundtrip|$(value "$log" linked_pipe_roundtrip)|$(value "$BENCH_OUT/linux.log" pipe_roundtrip)|ns/op"
echo "linked_tcp_loopback_rr|$(value "$log" linked_tcp_loopback_rr)|$(value "$BENCH_OUT/linux.log" tcp_loopback_rr)|ns/op"
