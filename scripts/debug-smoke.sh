#!/usr/bin/env bash
# `make debug`, non-interactively (make test-debug): boots INIT=/bin/hello with gdb-multiarch in
# batch mode attached (scripts/run.sh GDB=1 GDB_BATCH=<commands>), breaks in the write(2) syscall
# function, prints a backtrace, steps a few lines, runs on to exit_group(2), shows the guest's
# console and kills the session; then checks that gdb stopped where it should and that the program
# ran. Takes about 5 s once the kernel with debug info is built (DEBUGINFO=1 scripts/build-kernel.sh,
# which make test-debug runs first). Not in make test: that build is a second full LTO build of the
# kernel (minutes from scratch) that make test does not need otherwise.
#
# Environment: BUILD (./build; the session's files go to $BUILD/debug-smoke), ROOTFS ($BUILD/rootfs,
# which needs /bin/hello), KERNEL (the image with debug info, as scripts/run.sh GDB=1),
# BREAK (the breakpoint: 'syscalls::fs::io::sys_write::{async_fn#0}'; an async fn's body is the
# poll function of its future, which gdb names <fn>::{async_fn#0}), TIMEOUT (120 s).
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/bin:$PATH"
BUILD=${BUILD:-$PWD/build}
BREAK=${BREAK:-'syscalls::fs::io::sys_write::{async_fn#0}'}
EXIT_BREAK='syscalls::process::sys_exit_group::{async_fn#0}'
OUT=$BUILD/debug-smoke
mkdir -p "$OUT"
rm -f "$OUT"/*

cat >"$OUT/session.gdb" <<EOF
break $BREAK
continue
bt 6
next
next
step
delete
break $EXIT_BREAK
continue
console
kill
EOF

# A free TCP port for the gdbstub (run.sh refuses a port that is in use; try a few).
listening() {
  awk -v p=":$(printf %04X "$1")" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null
}
port=$((20000 + $$ % 20000))
while listening "$port"; do port=$((port + 1)); done

start=$(date +%s)
GDB=1 GDB_PORT=$port GDB_BATCH="$OUT/session.gdb" INIT=/bin/hello TIMEOUT="${TIMEOUT:-120}" \
  CONSOLE_SOCK="$OUT/console.sock" CONSOLE_LOG="$OUT/console.log" \
  scripts/run.sh </dev/null >"$OUT/gdb.log" 2>&1
rc=$?
secs=$(( $(date +%s) - start ))

fails=0
check() {  # description, grep -E pattern, file
  if grep -qE "$2" "$3"; then
    echo "debug-smoke: ok: $1"
  else
    echo "debug-smoke: FAILED: $1 (no /$2/ in $3)"
    fails=$((fails + 1))
  fi
}
check "breakpoint hit in the syscall" "^Breakpoint 1(\.[0-9]+)?, .*sys_write" "$OUT/gdb.log"
check "a backtrace from the syscall down to the dispatcher" "^#[0-9]+ .*syscalls::dispatch::dispatch" "$OUT/gdb.log"
check "and on to the fast path that ran it" "^#[0-9]+ .*uspace::trap::FastPath" "$OUT/gdb.log"
check "next/step showed source lines of the kernel" "^[0-9]+[[:space:]]" "$OUT/gdb.log"
check "continued to exit_group(2)" "^Breakpoint 2(\.[0-9]+)?, .*sys_exit_group" "$OUT/gdb.log"
check "the program wrote its line on the console" "^Hello from user mode: pid 1" "$OUT/console.log"
check "the session was killed at the end" "^\[Inferior 1 \(process 1\) killed\]" "$OUT/gdb.log"
[ "$rc" -eq 0 ] || { echo "debug-smoke: FAILED: run.sh GDB=1 exited with $rc"; fails=$((fails + 1)); }
if listening "$port"; then
  echo "debug-smoke: FAILED: QEMU still listens on port $port after the session"
  fails=$((fails + 1))
fi

if [ "$fails" -ne 0 ]; then
  echo "debug-smoke: the gdb session ($OUT/gdb.log):"
  sed 's/^/  | /' "$OUT/gdb.log"
  echo "debug-smoke: $fails checks failed"
  exit 1
fi
echo "debug-smoke: gdb session passed in ${secs}s (transcript: $OUT/gdb.log)"
