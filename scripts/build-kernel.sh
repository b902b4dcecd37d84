#!/usr/bin/env bash
# Build the riscv64 kernel image (an ELF that QEMU's -kernel loads; see docs/BOOT.md).
# Prints its path. The target directory is $CARGO_TARGET_DIR (the Makefile puts it outside the tree).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/bin:$PATH"   # Debian's cargo 1.96: the only toolchain here with rust-src
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/bakaex/target}"
TARGET=riscv64imac-unknown-none-elf

# core/alloc are built from source (-Zbuild-std), which a stable compiler allows with RUSTC_BOOTSTRAP.
RUSTC_BOOTSTRAP=1 cargo build --quiet -p kernel --release --target "$TARGET" \
  -Zbuild-std=core,alloc -Zbuild-std-features=compiler-builtins-mem

IMAGE="$CARGO_TARGET_DIR/$TARGET/release/kernel"
echo "kernel: $IMAGE ($(stat -c %s "$IMAGE") bytes)" >&2
