#!/usr/bin/env bash
# The Linux Test Project's syscall tests for riscv64, static, built once and cached outside the
# tree (make ltp, and the LTP regression list of make test; docs/LTP.md).
#
#   scripts/build-ltp.sh          build what is missing; prints the install directory
#
# The source is ../shared/third_party/ltp-20260529.tar.xz (a `git archive` of the release: no
# configure yet, so `make autotools` first). It is configured for riscv64-linux-gnu with the
# cross gcc and -static, and only lib/, libs/ and testcases/kernel/syscalls are built (about
# 5 minutes on 2 cores), then installed and stripped into $CACHE/ltp/install:
#   testcases/bin/<test>   the programs
#   runtest/syscalls       the list of entries (tag, command line)
# A stamp holds the tarball's checksum and this script's: change either and it is rebuilt.
#
# Environment: CACHE (~/.cache/bakaex), LTP_TARBALL, JOBS (2), CROSS_COMPILE (riscv64-linux-gnu-).
set -euo pipefail
case ${CACHE:-} in ''|/*) ;; *) CACHE=$PWD/$CACHE ;; esac
cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH=/usr/bin:/usr/sbin:/bin:/sbin:$PATH
CACHE=${CACHE:-$HOME/.cache/bakaex}
TARBALL=${LTP_TARBALL:-$ROOT/../shared/third_party/ltp-20260529.tar.xz}
CROSS_COMPILE=${CROSS_COMPILE:-riscv64-linux-gnu-}
JOBS=${JOBS:-2}
DIR=$CACHE/ltp
SRC=$DIR/src
OUT=$DIR/install

[ -f "$TARBALL" ] || { echo "build-ltp: no $TARBALL" >&2; exit 1; }
stamp="$(sha256sum "$TARBALL" | cut -c1-16) $(sha256sum "$0" | cut -c1-16)"
if [ -f "$DIR/stamp" ] && [ "$(cat "$DIR/stamp")" = "$stamp" ] && [ -f "$OUT/runtest/syscalls" ]; then
  echo "$OUT"
  exit 0
fi

log=$DIR/build.log
mkdir -p "$DIR"
rm -rf "$SRC" "$OUT" "$DIR/stamp"
mkdir -p "$SRC"
echo "build-ltp: building LTP's syscall tests into $OUT (about 5 minutes; log: $log)" >&2
tar -xJf "$TARBALL" -C "$SRC" --strip-components=1
cd "$SRC"
{
  make autotools
  ./configure --host=riscv64-linux-gnu --prefix=/opt/ltp \
    CC="${CROSS_COMPILE}gcc" AR="${CROSS_COMPILE}ar" RANLIB="${CROSS_COMPILE}ranlib" \
    STRIP="${CROSS_COMPILE}strip" LDFLAGS="-static" CFLAGS="-O2 -g0"
  make -j"$JOBS" -C lib
  make -j"$JOBS" -C libs
  # Some programs need libraries Debian's cross packages do not have (libaio, libnuma, ...):
  # LTP skips them or their build fails alone; -k keeps the rest.
  make -k -j"$JOBS" -C testcases/kernel/syscalls || true
  make -k -C testcases/kernel/syscalls install DESTDIR="$OUT.tmp" || true
} >"$log" 2>&1 || { echo "build-ltp: failed, see $log" >&2; tail -n 20 "$log" >&2; exit 1; }
mkdir -p "$OUT/runtest"
mv "$OUT.tmp/opt/ltp/testcases" "$OUT/testcases"
rm -rf "$OUT.tmp"
cp runtest/syscalls "$OUT/runtest/syscalls"
find "$OUT/testcases/bin" -type f -perm -u+x -exec "${CROSS_COMPILE}strip" {} + 2>/dev/null || true
n=$(find "$OUT/testcases/bin" -type f | wc -l)
[ "$n" -gt 1000 ] || { echo "build-ltp: only $n programs were built, see $log" >&2; exit 1; }
echo "$stamp" >"$DIR/stamp"
echo "build-ltp: $n programs, $(du -sm "$OUT" | cut -f1) MB" >&2
echo "$OUT"
