#!/usr/bin/env bash
# Boot the kernel in QEMU with a directory of static riscv64 programs as the root file system:
# unpacked from an initramfs (default), or on an ext4 disk (docs/STORAGE.md).
#
#   ROOTFS=dir      the directory packed into the initramfs (default: $BUILD/rootfs)
#   ROOTFS_TYPE=    initramfs (default): ROOTFS becomes the initramfs;
#                   ext4: ROOTFS becomes an ext4 image (mkfs.ext4 -d, into $EXT4_IMAGE) that is
#                         attached as /dev/vda and booted with root=/dev/vda;
#                   disk: boot from the existing image $DISK (root=/dev/vda), e.g. a second boot
#                         of the image an ext4 run left behind
#   EXT4_IMAGE=img  where ROOTFS_TYPE=ext4 builds its image (default: a temporary file in $BUILD,
#                   removed afterwards; name one to keep it)
#   DISK_SIZE=MiB   its size (default: the directory's size * 1.5 + 32 MiB)
#   DISK=img        a raw disk image attached as virtio-blk /dev/vda (with ROOTFS_TYPE=initramfs it
#                   is just a disk to mount(2); with ROOTFS_TYPE=disk it is the root)
#   ROOT_RO=1       mount the root disk read-only (bootarg ro)
#   INIT="cmd ..."  what to run; several programs separated by " ; " run at once (default /bin/demo)
#   LOG=level       kernel log level: error|warn|info|debug|trace (default warn)
#   TRACE=1         print every syscall strace-style (boot argument `trace`)
#   FAULT=name      make that syscall panic (boot argument `panic_on=`: tests of panic isolation)
#   TIMEOUT=secs    give up after that long and exit 124 (default: no limit)
#   QEMU_FLAGS=...  extra QEMU options, e.g. "-icount shift=0" for deterministic guest time
#   KERNEL=path     the kernel image (default: what scripts/build-kernel.sh builds)
#
# Exit status: init's exit status N, or 128+S if a signal S killed it (from the kernel's last line,
# "init exited with status N" / "init killed by signal S"); QEMU's status after a program's
# reboot(2) ("reboot: Power down", 0); QEMU's own status (or 1) if none of these lines appeared
# (kernel panic, init not found: 127); 124 on timeout.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/bin:/usr/sbin:/sbin:$PATH"   # mkfs.ext4 lives in sbin
BUILD="${BUILD:-$PWD/build}"
ROOTFS="${ROOTFS:-$BUILD/rootfs}"
ROOTFS_TYPE="${ROOTFS_TYPE:-initramfs}"
DISK="${DISK:-}"
EXT4_IMAGE="${EXT4_IMAGE:-}"
DISK_SIZE="${DISK_SIZE:-}"
ROOT_RO="${ROOT_RO:-}"
INIT="${INIT:-/bin/demo}"
LOG="${LOG:-warn}"
TIMEOUT="${TIMEOUT:-}"
QEMU_FLAGS="${QEMU_FLAGS:-}"
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/bakaex/target}"
KERNEL="${KERNEL:-$CARGO_TARGET_DIR/riscv64imac-unknown-none-elf/release/kernel}"

[ -f "$KERNEL" ] || { echo "run.sh: no kernel at $KERNEL (run scripts/build-kernel.sh)" >&2; exit 2; }
case $ROOTFS_TYPE in
  initramfs|ext4)
    [ -d "$ROOTFS" ] || { echo "run.sh: no root file system directory $ROOTFS (set ROOTFS=dir)" >&2; exit 2; } ;;
  disk)
    [ -f "$DISK" ] || { echo "run.sh: ROOTFS_TYPE=disk needs DISK=<image> (no file '$DISK')" >&2; exit 2; } ;;
  *) echo "run.sh: ROOTFS_TYPE must be initramfs, ext4 or disk (not '$ROOTFS_TYPE')" >&2; exit 2 ;;
esac

mkdir -p "$BUILD"
# Several runs may share $BUILD (scripts/qemu-tests.sh runs tests in parallel): each packs its own
# archive and keeps its own copy of the output, both removed at the end.
CPIO="$BUILD/initramfs.$$.cpio"
LOGFILE="$BUILD/qemu.$$.log"
TMP_IMAGE=""
trap 'rm -f "$CPIO" "$LOGFILE" ${TMP_IMAGE:+"$TMP_IMAGE"}' EXIT
BOOTARGS="log=$LOG"
[ "${TRACE:-0}" = 1 ] && BOOTARGS+=" trace"
[ -n "${FAULT:-}" ] && BOOTARGS+=" panic_on=$FAULT"
QEMU=(qemu-system-riscv64 -machine virt -nographic -bios default -kernel "$KERNEL" -m 256M -no-reboot -smp 1)
case $ROOTFS_TYPE in
  initramfs)
    (cd "$ROOTFS" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$CPIO" || {
      echo "run.sh: cannot pack $ROOTFS" >&2; exit 2; }
    QEMU+=(-initrd "$CPIO") ;;
  ext4)
    command -v mkfs.ext4 >/dev/null || { echo "run.sh: mkfs.ext4 not found (e2fsprogs; scripts/setup.sh)" >&2; exit 2; }
    if [ -z "$EXT4_IMAGE" ]; then
      EXT4_IMAGE="$BUILD/rootfs.$$.ext4"
      TMP_IMAGE=$EXT4_IMAGE
    fi
    size=${DISK_SIZE:-$(( $(du -sm "$ROOTFS" | cut -f1) * 3 / 2 + 32 ))}
    # 4 KiB blocks and no dir_index (htree): see docs/STORAGE.md for why.
    rm -f "$EXT4_IMAGE"
    mkfs.ext4 -q -F -b 4096 -O ^dir_index -E root_owner=0:0 -L bakaex-root -d "$ROOTFS" "$EXT4_IMAGE" "${size}M" || {
      echo "run.sh: mkfs.ext4 of $ROOTFS failed" >&2; exit 2; }
    DISK=$EXT4_IMAGE ;;
esac
if [ -n "$DISK" ]; then
  [ -f "$DISK" ] || { echo "run.sh: no disk image $DISK" >&2; exit 2; }
  QEMU+=(-drive "file=$DISK,if=none,format=raw,id=hd0" -device virtio-blk-device,drive=hd0)
fi
if [ "$ROOTFS_TYPE" != initramfs ]; then
  BOOTARGS+=" root=/dev/vda"
  [ -z "$ROOT_RO" ] || BOOTARGS+=" ro"
fi
QEMU+=(-append "$BOOTARGS init=$INIT")
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
last=$(tr -d '\r' < "$LOGFILE" | grep -E '^(init (exited with status|killed by signal) [0-9]+|reboot: .*)$' | tail -n 1)
case "$last" in
  "init exited with status "*) exit "${last##* }" ;;
  "init killed by signal "*) exit $((128 + ${last##* })) ;;
  "reboot: "*) exit "$status" ;;   # poweroff/reboot(2): QEMU's own status, 0 when all went well
esac
[ "$status" -ne 0 ] && exit "$status"
exit 1
