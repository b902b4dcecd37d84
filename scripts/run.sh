#!/usr/bin/env bash
# Boot the kernel in QEMU with a directory of static riscv64 programs as the initramfs.
#
#   ROOTFS=dir      the directory packed into the initramfs (default: $BUILD/rootfs)
#   INIT="cmd ..."  what to run; several programs separated by " ; " run at once (default /bin/demo)
#   LOG=level       kernel log level: error|warn|info|debug|trace (default warn)
#   TIMEOUT=secs    give up after that long and exit 124 (default: no limit)
#   QEMU_FLAGS=...  extra QEMU options, e.g. "-icount shift=0" for deterministic guest time
#   KERNEL=path     the kernel image (default: what scripts/build-kernel.sh builds)
#
# Exit status: init's exit status N, or 128+S if a signal S killed it (from the kernel's last line,
# "init exited with status N" / "init killed by signal S"); QEMU's own status (or 1) if neither
# line appeared (kernel panic, init not found: 127); 124 on timeout.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/bin:$PATH"
BUILD="${BUILD:-$PWD/build}"
ROOTFS="${ROOTFS:-$BUILD/rootfs}"
INIT="${INIT:-/bin/demo}"
LOG="${LOG:-warn}"
TIMEOUT="${TIMEOUT:-}"
QEMU_FLAGS="${QEMU_FLAGS:-}"
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/bakaex/target}"
KERNEL="${KERNEL:-$CARGO_TARGET_DIR/riscv64imac-unknown-none-elf/release/kernel}"

[ -f "$KERNEL" ] || { echo "run.sh: no kernel at $KERNEL (run scripts/build-kernel.sh)" >&2; exit 2; }
[ -d "$ROOTFS" ] || { echo "run.sh: no root file system directory $ROOTFS (set ROOTFS=dir)" >&2; exit 2; }

mkdir -p "$BUILD"
# Several runs may share $BUILD (scripts/qemu-tests.sh runs tests in parallel): each packs its own
# archive and keeps its own copy of the output, both removed at the end.
CPIO="$BUILD/initramfs.$$.cpio"
LOGFILE="$BUILD/qemu.$$.log"
trap 'rm -f "$CPIO" "$LOGFILE"' EXIT
(cd "$ROOTFS" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$CPIO" || {
  echo "run.sh: cannot pack $ROOTFS" >&2; exit 2; }
QEMU=(qemu-system-riscv64 -machine virt -nographic -bios default -kernel "$KERNEL" -initrd "$CPIO"
      -append "log=$LOG init=$INIT" -m 256M -no-reboot -smp 1)
# shellcheck disable=SC2206  # QEMU_FLAGS is a list of words on purpose
QEMU+=($QEMU_FLAGS)
if [ -n "$TIMEOUT" ]; then
  QEMU=(timeout --foreground -k 5 "$TIMEOUT" "${QEMU[@]}")
fi

# Standard input becomes the console's input (a terminal, or e.g. `printf 'ls\n' | run.sh`);
# a closed stdin (some CI runners) is replaced by /dev/null.
{ true <&0; } 2>/dev/null || exec </dev/null
"${QEMU[@]}" | tee "$LOGFILE"
status=${PIPESTATUS[0]}

if [ -n "$TIMEOUT" ] && [ "$status" -eq 124 ]; then
  echo "run.sh: timed out after ${TIMEOUT}s" >&2
  exit 124
fi
last=$(tr -d '\r' < "$LOGFILE" | grep -E '^init (exited with status|killed by signal) [0-9]+$' | tail -n 1)
case "$last" in
  "init exited with status "*) exit "${last##* }" ;;
  "init killed by signal "*) exit $((128 + ${last##* })) ;;
esac
[ "$status" -ne 0 ] && exit "$status"
exit 1
