#!/usr/bin/env bash
# Build the riscv64 kernel image (an ELF that QEMU's -kernel loads; see docs/BOOT.md).
# Prints its path. The target directory is $CARGO_TARGET_DIR (the Makefile puts it outside the tree).
#
#   KERNEL_FEATURES="a,b"   build another composition of the kernel: exactly these cargo features
#                           of crates/kernel (the switchboard, docs/ARCHITECTURE.md) instead of the
#                           default set, in its own target directory ($CARGO_TARGET_DIR/variants/<set>)
#                           so that the default kernel is not rebuilt each time
#   KERNEL_PACKAGE=name     build another kernel package of the workspace (examples/simple-kernel)
#   DEBUGINFO=1             the same kernel with DWARF debug info (`make debug`, for gdb): the
#                           release profile with debug = true, in its own target directory
#                           ($CARGO_TARGET_DIR/debuginfo) so that neither build undoes the other
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/bin:$PATH"   # Debian's cargo 1.96: the only toolchain here with rust-src
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/bakaex/target}"
TARGET=riscv64imac-unknown-none-elf
PACKAGE=${KERNEL_PACKAGE:-kernel}
FEATURE_ARGS=()
if [ -n "${KERNEL_FEATURES:-}" ]; then
  CARGO_TARGET_DIR="$CARGO_TARGET_DIR/variants/$(echo "$KERNEL_FEATURES" | tr ', ' '__')"
  FEATURE_ARGS=(--no-default-features --features "$KERNEL_FEATURES")
fi
if [ "${DEBUGINFO:-}" = 1 ]; then
  # Same code (opt-level, LTO, features) as the kernel make run boots, plus debug info: the
  # release profile of Cargo.toml keeps debug = false so that make test does not pay for it.
  CARGO_TARGET_DIR="$CARGO_TARGET_DIR/debuginfo"
  export CARGO_PROFILE_RELEASE_DEBUG=true
fi

# core/alloc are built from source (-Zbuild-std), which a stable compiler allows with RUSTC_BOOTSTRAP.
RUSTC_BOOTSTRAP=1 cargo build --quiet -p "$PACKAGE" --release --target "$TARGET" "${FEATURE_ARGS[@]}" \
  -Zbuild-std=core,alloc -Zbuild-std-features=compiler-builtins-mem

IMAGE="$CARGO_TARGET_DIR/$TARGET/release/$PACKAGE"
echo "kernel: $IMAGE ($(stat -c %s "$IMAGE") bytes)" >&2
