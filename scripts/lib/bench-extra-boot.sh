#!/usr/bin/env bash
# Extra row for scripts/bench.sh: guest time from the machine's reset to main() of the first
# user program (BakaEx: /bin/bench as init; Linux: the initramfs's /init), which both print as
# `boot_to_main_ns N` from the time CSR. Under -icount shift=0 that is the instructions the
# firmware (OpenSBI, the same on both) and the kernel executed to get there.
# Prints `name|bakaex|linux|unit` (see scripts/bench.sh, step 5).
set -euo pipefail
boot_ms() {  # console log
  [ -f "$1" ] || { echo n/a; return; }
  tr -d '\r' <"$1" | awk '$1 == "boot_to_main_ns" && $2 ~ /^[0-9]+$/ { printf "%.1f\n", $2 / 1e6; found = 1; exit }
    END { if (!found) print "n/a" }'
}
echo "boot_to_init_main|$(boot_ms "$BENCH_OUT/bakaex.log")|$(boot_ms "$BENCH_OUT/linux.log")|ms (guest)"
