#!/usr/bin/env bash
# Extra row for scripts/bench.sh: the kernels' loaded size, text + data + bss of the ELF
# (`size`: BakaEx's kernel ELF, Linux's vmlinux from the build directory), in KiB.
# Prints `name|bakaex|linux|unit` (see scripts/bench.sh, step 5).
set -euo pipefail
kib() {  # elf
  if [ -n "$1" ] && [ -f "$1" ]; then
    "${CROSS_COMPILE:-riscv64-linux-gnu-}size" "$1" | awk 'NR == 2 { printf "%.0f\n", $4 / 1024 }'
  else
    echo n/a
  fi
}
echo "kernel_text_data_bss|$(kib "${KERNEL:-}")|$(kib "${LINUX_BUILD:-}/vmlinux")|KiB"
