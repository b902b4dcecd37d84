#!/usr/bin/env bash
# Extra rows for scripts/bench.sh: image sizes, stripped, in KiB. BakaEx: the full kernel
# (default features) and a hello unikernel (KERNEL_FEATURES=heap-tlsf,app-hello: no paging, no
# user processes, no disks, one linked application; built here if missing, a few minutes once),
# both ELF files after `strip`. Linux: its `Image` (a raw binary, nothing to strip), in the
# Linux column of both rows.
# Prints `name|bakaex|linux|unit` (see scripts/bench.sh, step 5).
set -uo pipefail
cd "$(dirname "$0")/../.."
STRIP=${CROSS_COMPILE:-riscv64-linux-gnu-}strip
stripped_kib() {  # elf
  [ -n "$1" ] && [ -f "$1" ] || { echo n/a; return; }
  local t
  t=$(mktemp)
  "$STRIP" -o "$t" "$1" && awk -v s="$(stat -c %s "$t")" 'BEGIN { printf "%.0f\n", s / 1024 }'
  rm -f "$t"
}
linux=n/a
[ -n "${LINUX_IMAGE:-}" ] && [ -f "$LINUX_IMAGE" ] && linux=$(awk -v s="$(stat -c %s "$LINUX_IMAGE")" 'BEGIN { printf "%.0f\n", s / 1024 }')
uk=$(KERNEL_FEATURES=heap-tlsf,app-hello scripts/build-kernel.sh 2>&1 | sed -n 's/^kernel: \(.*\) ([0-9]* bytes)$/\1/p')
echo "image_full_kernel_stripped|$(stripped_kib "${KERNEL:-}")|$linux|KiB"
echo "image_hello_unikernel_stripped|$(stripped_kib "$uk")|$linux|KiB"
