#!/usr/bin/env bash
# Extra rows for scripts/bench.sh: BakaEx's syscalls called as hosted functions on the host (a
# process of syscalls::testing::TestKernel, no emulator), against the host's own Linux system
# calls, in one run of crates/syscalls/examples/hostbench.rs (release build). Wall-clock host
# nanoseconds per call (unit "host ns/op"), median of 7 runs: these depend on the host's CPU and
# kernel and are not comparable with the guest rows above them.
#   hosted_getpid                   sys_getpid called directly    vs syscall(SYS_getpid)
#   hosted_getpid_dispatch          getpid through dispatch()     vs syscall(SYS_getpid)
#   hosted_write_dev_null           sys_write 1 byte to /dev/null vs write(2) 1 byte to /dev/null
#   hosted_write_dev_null_dispatch  write through dispatch()      vs write(2)
# Prints `name|bakaex|linux|unit` (see scripts/bench.sh, step 5); n/a rows if the build or the
# run fails (the reason goes to stderr), never a failure of its own.
set -uo pipefail
cd "$(dirname "$0")/../.."
export PATH=/usr/bin:$PATH   # Debian's cargo, as scripts/build-kernel.sh
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-${CACHE:-$HOME/.cache/bakaex}/target}
ROWS="hosted_getpid hosted_getpid_dispatch hosted_write_dev_null hosted_write_dev_null_dispatch"
UNIT="host ns/op"

out=$(timeout -k 5 900 cargo run --quiet --release -p syscalls --example hostbench -- --bench-rows 2>&1)
rc=$?
[ $rc = 0 ] || echo "bench-extra-host: hostbench failed (status $rc): $(tail -n 1 <<<"$out")" >&2
for r in $ROWS; do
  line=$([ $rc = 0 ] && grep -m1 "^$r|[0-9.]*|[0-9.]*|" <<<"$out")
  if [ -n "$line" ]; then echo "$line"; else echo "$r|n/a|n/a|$UNIT"; fi
done
exit 0
