#!/usr/bin/env bash
# The interactive shell of `make run`, typed at like a person would (`make test-shell`):
# busybox init on the console starts a login shell; the test runs a command, interrupts a
# foreground job with ^C, stops one with ^Z, lists it with `jobs`, resumes it with `fg`, ends it
# with ^D, waits for a background job, and types `poweroff`, which must end QEMU with status 0.
#
# Each line is typed only once the output shows the previous step is done (a job reading the
# terminal has passed on what it read), so the test does not depend on how fast the machine is; a
# step that never completes fails after TEST_TIMEOUT seconds. Typed commands are written so
# that their echo differs from their output (`echo wai""ted` prints "waited").
#
# Needs `make kernel user busybox`. Output: $BUILD/shell-test/console.log.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/bin:$PATH
BUILD=${BUILD:-$PWD/build}
TIMEOUT=${TEST_TIMEOUT:-90}
OUT=$BUILD/shell-test
ROOTFS=${ROOTFS:-$BUILD/rootfs}
[ -L "$ROOTFS/sbin/init" ] && [ -x "$ROOTFS/bin/busybox" ] || { echo "shell-test: no busybox init in $ROOTFS (make busybox)" >&2; exit 2; }
rm -rf "$OUT"
mkdir -p "$OUT"
LOGF=$OUT/console.log
mkfifo "$OUT/input"
: >"$LOGF"
ROOTFS=$ROOTFS INIT=/sbin/init LOG=error TIMEOUT=$TIMEOUT scripts/run.sh <"$OUT/input" >"$LOGF" 2>&1 &
qemu=$!
exec 3>"$OUT/input"
failed=0

# Wait until the output has at least $2 (default 1) lines containing the text $1.
await() {
  local want=$1 n=${2:-1} i
  for ((i = 0; i < TIMEOUT * 10; i++)); do
    [ "$(tr -d '\r' <"$LOGF" | grep -cF -- "$want")" -ge "$n" ] && return 0
    kill -0 "$qemu" 2>/dev/null || break
    sleep 0.1
  done
  echo "shell-test: FAIL: never saw '$want' ($n times)"
  failed=1
  return 1
}
type_in() { printf '%b' "$1" >&3; }
# Wait for the next prompt, as a person would before typing a command.
prompts=0
prompt() {
  prompts=$((prompts + 1))
  await 'bakaex:~# ' "$prompts"
}

steps() {
  prompt || return
  type_in 'echo hello from $((6*7))\n'
  await 'hello from 42' || return
  # ^C ends the foreground job: a pipeline, known to run once a typed line came out upper-cased.
  prompt || return
  type_in 'cat | tr a-z A-Z\n'
  type_in 'through the pipe\n'
  await 'THROUGH THE PIPE' || return
  type_in '\003'
  prompt || return
  type_in 'echo status $?\n'
  await 'status 130' || return
  # ^Z stops it; jobs lists it; fg resumes it; ^D (end of file) lets it finish.
  prompt || return
  type_in 'cat | tr a-z A-Z\n'
  type_in 'before stop\n'
  await 'BEFORE STOP' || return
  type_in '\032'
  await 'Stopped' || return
  prompt || return
  type_in 'jobs\n'
  await 'Stopped' 2 || return
  prompt || return
  type_in 'fg\n'
  type_in 'after fg\n'
  await 'AFTER FG' || return
  type_in '\004'
  prompt || return
  type_in 'echo fg status $?\n'
  await 'fg status 0' || return
  # A background job and wait.
  prompt || return
  type_in 'sleep 1 & wait; echo wai""ted\n'
  await 'waited' || return
  prompt || return
  type_in 'poweroff\n'
  await 'reboot: Power down' || return
}
steps
exec 3>&-
wait "$qemu"
status=$?
if [ "$status" -ne 0 ]; then
  echo "shell-test: FAIL: run.sh exited with $status after poweroff (expected 0)"
  failed=1
fi
if [ "$failed" -ne 0 ]; then
  echo "---- console ($LOGF):"
  tr -d '\r' <"$LOGF" | sed -n '/bakaex: run/,$p'
  echo "shell-test: FAILED"
  exit 1
fi
echo "shell-test: passed (^C, ^Z, jobs, fg, ^D, background job and wait, poweroff)"
