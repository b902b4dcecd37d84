#!/usr/bin/env bash
# A 120 MiB initramfs boots in QEMU's default 256 MiB (docs/TESTING.md): the kernel unpacks the
# archive front to back and gives its pages back as it goes (fs::cpio, kernel/src/machine.rs),
# so it never holds two copies. The root holds three 40 MiB files of a known pattern and
# /bin/bigroot (user/c/bigroot.c), which checks them, the free memory afterwards, and that /tmp
# can still be written.
#
# 120 MiB is about the most QEMU 7.2 can load with -initrd in 256 MiB: it puts the archive at
# the start of RAM + 128 MiB and the device tree in the top 2 MiB, which leaves 124 MiB between
# them (a 150 MB archive overlaps the device tree and QEMU refuses to start).
#
# Run by `make test-qemu` (scripts/qemu-tests.sh) after `make kernel user`; alone:
#   scripts/big-initramfs-test.sh
# Environment: BUILD (./build), TEST_TIMEOUT (120 s), BIG_MB (120).
set -uo pipefail
case ${BUILD:-} in ''|/*) ;; *) BUILD=$PWD/$BUILD ;; esac
cd "$(dirname "$0")/.."
BUILD=${BUILD:-$PWD/build}
DIR=$BUILD/qemu-tests/big-initramfs
BIG_MB=${BIG_MB:-120}
rm -rf "$DIR"
mkdir -p "$DIR/root/bin" "$DIR/root/big"

fail() {
  echo "FAIL big-initramfs ($1)" | tee "$DIR/result"
  [ -f "$DIR/boot.log" ] && tail -n 15 "$DIR/boot.log" | tr -d '\r'
  rm -rf "$DIR/root"
  exit 1
}

[ -x "$BUILD/rootfs/bin/bigroot" ] || fail "no $BUILD/rootfs/bin/bigroot: run make user"
cp "$BUILD/rootfs/bin/bigroot" "$DIR/root/bin/"
files=()
for i in 1 2 3; do
  yes bakaex-initramfs-0123456789 | head -c $((BIG_MB / 3))M >"$DIR/root/big/file$i"
  files+=("/big/file$i")
done
BUILD="$DIR/run" ROOTFS="$DIR/root" INIT="/bin/bigroot ${files[*]}" LOG=${TEST_LOG:-error} \
  TIMEOUT="${TEST_TIMEOUT:-120}" scripts/run.sh </dev/null >"$DIR/boot.log" 2>&1 || fail "run.sh exit status $?"
rm -rf "$DIR/root" "$DIR/run"
grep -q '^bigroot: ok' <(tr -d '\r' <"$DIR/boot.log") || fail "$(tr -d '\r' <"$DIR/boot.log" | grep '^bigroot' | head -3 | tr '\n' ' ')"
echo "PASS big-initramfs" | tee "$DIR/result"
