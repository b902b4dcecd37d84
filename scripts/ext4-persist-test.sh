#!/usr/bin/env bash
# ext4 persistence under QEMU (docs/STORAGE.md): boot the kernel with an ext4 root made from
# $BUILD/rootfs (scripts/run.sh ROOTFS_TYPE=ext4), let /bin/ext4persist write files, directories,
# links and renames, power off; check the image with e2fsck -fn and read a file back with debugfs
# (e2fsprogs' own reader); boot the same image again (ROOTFS_TYPE=disk) and let the program verify
# everything; e2fsck again.
#
# Prints "PASS ext4-persist" or "FAIL ext4-persist (reason)"; exit status 0 or 1. Files are kept
# in $BUILD/qemu-tests/ext4-persist/. Needs `make kernel user` first. Called by scripts/qemu-tests.sh.
set -uo pipefail
case ${BUILD:-} in ''|/*) ;; *) BUILD=$PWD/$BUILD ;; esac
cd "$(dirname "$0")/.."
export PATH=/usr/bin:/usr/sbin:/sbin:$PATH
BUILD=${BUILD:-$PWD/build}
DIR=$BUILD/qemu-tests/ext4-persist
TEST_TIMEOUT=${TEST_TIMEOUT:-60}
IMG=$DIR/disk.img
rm -rf "$DIR"
mkdir -p "$DIR"

fail() {
  echo "FAIL ext4-persist ($1)" | tee "$DIR/result"
  for f in "$DIR"/boot*.log; do
    [ -f "$f" ] || continue
    echo "-- last lines of $(basename "$f"):"
    tail -n 15 "$f" | tr -d '\r'
  done
  exit 1
}

[ -x "$BUILD/rootfs/bin/ext4persist" ] || fail "no $BUILD/rootfs/bin/ext4persist: run make user"
for t in mkfs.ext4 e2fsck debugfs; do
  command -v "$t" >/dev/null || fail "$t not found (e2fsprogs; scripts/setup.sh)"
done

boot() {  # log-name init-command run.sh-environment...
  local log=$DIR/$1 cmd=$2
  shift 2
  env "$@" BUILD="$DIR/run" INIT="$cmd" LOG=${TEST_LOG:-error} TIMEOUT="$TEST_TIMEOUT" \
    scripts/run.sh </dev/null >"$log" 2>&1
}

boot boot1.log "/bin/ext4persist write" ROOTFS="$BUILD/rootfs" ROOTFS_TYPE=ext4 EXT4_IMAGE="$IMG" \
  || fail "first boot: run.sh exit status $?"
grep -q '^ext4persist: write ok' <(tr -d '\r' <"$DIR/boot1.log") || fail "first boot did not write"
e2fsck -fn "$IMG" >"$DIR/fsck1.log" 2>&1 || fail "e2fsck after the first boot: $(grep -v '^Pass\|^e2fsck\|^$' "$DIR/fsck1.log" | head -3 | tr '\n' ' ')"
[ "$(debugfs -R 'cat /persist/text.txt' "$IMG" 2>/dev/null)" = "written before power-off" ] \
  || fail "debugfs does not read /persist/text.txt back"

boot boot2.log "/bin/ext4persist check" ROOTFS_TYPE=disk DISK="$IMG" || fail "second boot: run.sh exit status $?"
grep -q '^ext4persist: check ok' <(tr -d '\r' <"$DIR/boot2.log") || fail "second boot: $(tr -d '\r' <"$DIR/boot2.log" | grep '^ext4persist' | head -3 | tr '\n' ' ')"
e2fsck -fn "$IMG" >"$DIR/fsck2.log" 2>&1 || fail "e2fsck after the second boot"
echo "PASS ext4-persist" | tee "$DIR/result"
