#!/usr/bin/env bash
# Installs the Debian packages BakaEx needs (see docs/TOOLCHAIN.md for why each one).
# Idempotent: when everything is present it only runs `dpkg -s` and exits in well under a second.
set -euo pipefail

PKGS=(
  rustc-web cargo-web rust-web-src   # Rust 1.96 with library sources: host tests and -Zbuild-std
  rust-web-clippy rustfmt-web        # lints and formatting from the same toolchain
  lld-19                             # the linker for bare-metal targets
  qemu-system-misc                   # qemu-system-riscv64 + OpenSBI
  qemu-user-static                   # qemu-riscv64-static: the Linux reference for differential tests
  gcc-riscv64-linux-gnu libc6-dev-riscv64-cross  # static C test programs
  cpio                               # packs the initramfs
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
