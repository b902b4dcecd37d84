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
  g++-riscv64-linux-gnu libstdc++6-riscv64-cross libgcc-s1-riscv64-cross  # dynamically linked C/C++ tests and their /lib
  cpio                               # packs the initramfs
  dpkg-dev                           # apt-get source busybox (scripts/build-busybox.sh)
  e2fsprogs                          # mkfs.ext4 -d (ext4 root images), e2fsck/debugfs (ext4 tests)
  gdb-multiarch                      # make debug: gdb for the riscv64 kernel under QEMU's gdbstub
  socat                              # make console: the guest's console of a make debug session
  curl                               # make test-net: HTTP requests to the guest through PORTS
  golang-go                          # Go 1.19: the static riscv64 Go test program (user/go, CGO_ENABLED=0)
  autoconf automake                  # make ltp: LTP's `make autotools` (scripts/build-ltp.sh)
  python3                            # make ltp: docs/LTP.md (scripts/lib/ltp-doc.py)
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# A developer's plain `cargo` goes through rustup when it is installed: link Debian's toolchain
# as "bakaex" (named in rust-toolchain.toml) so that it, too, uses rustc 1.96 with std sources.
if command -v rustup >/dev/null 2>&1 && ! rustup toolchain list 2>/dev/null | grep -q '^bakaex'; then
  rustup toolchain link bakaex /usr >/dev/null 2>&1 || true
fi
