#!/usr/bin/env bash
# examples/simple-kernel (`make test-simple`): build it and run user/tests-simple.txt on it with
# scripts/qemu-tests.sh, on a root file system holding only /bin/hello (from `make user`).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/bin:$PATH
KERNEL=$(KERNEL_PACKAGE=simple-kernel scripts/build-kernel.sh 2>&1 | sed -n 's/^kernel: \(.*\) ([0-9]* bytes)$/\1/p')
[ -f "$KERNEL" ] || { echo "simple-kernel-test: the build failed" >&2; KERNEL_PACKAGE=simple-kernel scripts/build-kernel.sh; exit 1; }
echo "simple-kernel-test: examples/simple-kernel/src/main.rs has $(wc -l <examples/simple-kernel/src/main.rs) lines"
BUILD=${BUILD:-$PWD/build}
[ -f "$BUILD/rootfs/bin/hello" ] || { echo "simple-kernel-test: no $BUILD/rootfs/bin/hello (make user)" >&2; exit 2; }
mkdir -p "$BUILD/simple/rootfs/bin"
cp "$BUILD/rootfs/bin/hello" "$BUILD/simple/rootfs/bin/hello"
BUILD=$BUILD/simple KERNEL=$KERNEL SKIP_EXT4=1 TEST_LIST=user/tests-simple.txt scripts/qemu-tests.sh
