#!/usr/bin/env bash
# Where the guest instructions of a benchmark row go, by symbol (docs/BENCHMARKS.md, "Where the
# instructions go"). QEMU's `-d in_asm,exec,nochain` log names every translated block and every
# block executed; scripts/lib/tbprof.py counts the instructions by symbol of the kernel ELF (and
# of the user program). The row runs twice, at two scales, under `-icount shift=0` (the same
# boot, the same instructions up to the row); the difference of the two profiles divided by the
# difference of the iterations is one operation, loop included.
#
#   scripts/profile.sh ROW            a row of user/bench/bench.c on BakaEx (trapped)
#   scripts/profile.sh --linked ROW   a row of the linked application apps/callcost
#                                     (linked_getpid, linked_write_dev_null, linked_pipe_roundtrip)
#   scripts/profile.sh --linux ROW    the same row on Linux 6.1 (symbols from its vmlinux)
#
# Environment: CALLERS (symbols to count by caller too, e.g. memcpy: see tbprof.py), BUILD
# (./build), CACHE (~/.cache/bakaex), KERNEL (the BakaEx ELF; default: what
# scripts/build-kernel.sh builds), TOP (symbols shown, 40), S1 and S2 (the two scales, 0.05 and
# 0.1 of the row's iterations). The logs are not kept (they are streamed through a FIFO).
set -euo pipefail
case ${BUILD:-} in ''|/*) ;; *) BUILD=$PWD/$BUILD ;; esac
case ${KERNEL:-} in ''|/*) ;; *) KERNEL=$PWD/$KERNEL ;; esac
cd "$(dirname "$0")/.."
export PATH=/usr/bin:/usr/sbin:/bin:/sbin:$PATH
export BUILD=${BUILD:-$PWD/build}
CACHE=${CACHE:-$HOME/.cache/bakaex}
TOP=${TOP:-40}
S1=${S1:-0.05}
S2=${S2:-0.1}
mode=trapped
case ${1:-} in
  --linked) mode=linked; shift ;;
  --linux) mode=linux; shift ;;
esac
[ $# = 1 ] || { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2; }
row=$1
OUT=$BUILD/profile
mkdir -p "$OUT"
RFS=$BUILD/bench-rootfs
[ -x "$RFS/bin/bench" ] || scripts/bench.sh --no-linux --no-doc null_syscall >/dev/null
if [ -z "${KERNEL:-}" ]; then
  scripts/build-kernel.sh >/dev/null
  KERNEL=${CARGO_TARGET_DIR:-$CACHE/target}/riscv64imac-unknown-none-elf/release/kernel
fi

# One run at scale $1 (or, linked, $1 = the iteration count): the profile in $OUT/$row.$1.tsv.
profile_run() {
  local s=$1 fifo=$OUT/qemu.fifo elfs flags="-icount shift=0,sleep=off -d in_asm,exec,nochain -D $OUT/qemu.fifo"
  rm -f "$fifo"; mkfifo "$fifo"
  case $mode in
    linux) elfs=("$CACHE/linux/build/vmlinux" "$RFS/bin/bench") ;;
    *) elfs=("$KERNEL" "$RFS/bin/bench") ;;
  esac
  python3 scripts/lib/tbprof.py count "$fifo" "$OUT/$row.$s.tsv" "${elfs[@]}" &
  local reader=$!
  case $mode in
    trapped)
      BUILD=$OUT/scratch ROOTFS=$RFS INIT="/bin/bench --scale $s $row" LOG=warn QEMU_FLAGS="$flags" \
        KERNEL=$KERNEL TIMEOUT=1200 scripts/run.sh </dev/null >"$OUT/console.$s.log" 2>&1 || true ;;
    linked)
      mkdir -p "$OUT/empty-rootfs"
      BUILD=$OUT/scratch ROOTFS=$OUT/empty-rootfs INIT="callcost $row $s" LOG=error QEMU_FLAGS="$flags" \
        KERNEL=$KERNEL TIMEOUT=1200 scripts/run.sh </dev/null >"$OUT/console.$s.log" 2>&1 || true ;;
    linux)
      (cd "$RFS" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$OUT/linux-initramfs.cpio"
      # shellcheck disable=SC2086
      timeout -k 5 1200 qemu-system-riscv64 -machine virt -nographic -bios default -m 256M -no-reboot -smp 1 \
        -kernel "$CACHE/linux/Image" -initrd "$OUT/linux-initramfs.cpio" \
        -append "console=ttyS0 rdinit=/init quiet -- /bin/bench --scale $s $row" $flags \
        </dev/null >"$OUT/console.$s.log" 2>&1 || true ;;
  esac
  wait $reader
  rm -f "$fifo"
  grep -a "^$row " "$OUT/console.$s.log" | tr -d '\r' >&2 || echo "profile: no result line for $row at $s" >&2
}

# Iterations a run makes: the row's count times the scale, plus a tenth as warm-up (bench.c).
iterations() {
  local base
  base=$(qemu-riscv64-static "$RFS/bin/bench" --list | awk -F'|' -v r="$row" '$1 == r { print $2 }')
  [ -n "$base" ] || { echo "profile: no row $row" >&2; exit 2; }
  awk -v b="$base" -v s="$1" 'BEGIN { n = int(b * s); if (n < 1) n = 1; w = int(n / 10); if (w < 1) w = 1; print n + w }'
}

if [ $mode = linked ]; then
  # callcost ROW N runs that row alone, N iterations (no warm-up).
  n1=1000 n2=2000
  profile_run $n1
  profile_run $n2
  python3 scripts/lib/tbprof.py diff "$OUT/$row.$n1.tsv" "$OUT/$row.$n2.tsv" $((n2 - n1)) "$TOP"
else
  profile_run "$S1"
  profile_run "$S2"
  n=$(( $(iterations "$S2") - $(iterations "$S1") ))
  python3 scripts/lib/tbprof.py diff "$OUT/$row.$S1.tsv" "$OUT/$row.$S2.tsv" "$n" "$TOP"
fi
