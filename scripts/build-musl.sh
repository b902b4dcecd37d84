#!/usr/bin/env bash
# Builds musl (the C library, whose libc.so is also its dynamic loader) for riscv64 from Debian's
# source package with the cross gcc, cached in $CACHE/musl, for the dynamically linked musl test
# program (user/dyn, `dynhello-musl`; docs/TESTING.md).
#
#   scripts/build-musl.sh     build if needed; prints the directory holding the result:
#                             usr/include, usr/lib (crt files, libc.so) and musl-gcc.specs, which
#                             makes riscv64-linux-gnu-gcc compile and link against it with
#                             /lib/ld-musl-riscv64.so.1 as the interpreter (`gcc -specs ...`)
#
# Steps, each skipped when already done: a deb-src entry for apt if it has none
# (scripts/lib/deb-src.sh), `apt-get source musl` into $CACHE/musl/src, then configure
# (--target=riscv64-linux-gnu --syslibdir=/lib --disable-static), make and install into
# $CACHE/musl/install: about 20 s on 2 cores. With everything in place a run takes milliseconds.
#
# Environment: CACHE (~/.cache/bakaex), CROSS_COMPILE (riscv64-linux-gnu-), JOBS (2).
set -euo pipefail
case ${CACHE:-} in ''|/*) ;; *) CACHE=$PWD/$CACHE ;; esac   # a relative CACHE is relative to the caller
cd "$(dirname "$0")/.."
export PATH=/usr/bin:/usr/sbin:/bin:/sbin:$PATH
CACHE=${CACHE:-$HOME/.cache/bakaex}
MU=$CACHE/musl
CROSS_COMPILE=${CROSS_COMPILE:-riscv64-linux-gnu-}
JOBS=${JOBS:-2}
# Bump when the recipe below changes in a way that needs a rebuild.
RECIPE=1
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo

log() { echo "build-musl: $*" >&2; }
die() { log "$*"; exit 1; }

stamp() { echo "recipe $RECIPE cross $CROSS_COMPILE"; }
if [ -f "$MU/install/musl-gcc.specs" ] && [ "$(cat "$MU/stamp" 2>/dev/null)" = "$(stamp)" ]; then
  echo "$MU/install"
  exit 0
fi

. scripts/lib/deb-src.sh   # have_deb_src, add_deb_src

source_dir() {
  [ -d "$MU/src" ] || return 0
  find "$MU/src" -mindepth 1 -maxdepth 1 -type d -name 'musl-*' 2>/dev/null | head -n 1
}

src=$(source_dir)
if [ -z "$src" ] || [ ! -f "$src/configure" ]; then
  command -v dpkg-source >/dev/null || die "dpkg-source not found: install dpkg-dev (scripts/setup.sh)"
  updated=0
  if ! have_deb_src; then
    add_deb_src
    $SUDO apt-get update -qq
    updated=1
  fi
  rm -rf "$MU/src.tmp"
  mkdir -p "$MU/src.tmp"
  for try in 1 2; do
    if (cd "$MU/src.tmp" && apt-get source -qq -o APT::Sandbox::User=root musl >"$MU/src.log" 2>&1); then
      break
    fi
    if [ $try = 1 ] && [ $updated = 0 ]; then
      log "apt-get source failed; running apt-get update (the source index may be missing)"
      $SUDO apt-get update -qq
      updated=1
      rm -rf "$MU/src.tmp"; mkdir -p "$MU/src.tmp"
      continue
    fi
    cat "$MU/src.log" >&2
    die "apt-get source musl failed"
  done
  rm -rf "$MU/src"
  mv "$MU/src.tmp" "$MU/src"
  src=$(source_dir)
  [ -n "$src" ] || die "apt-get source musl gave no musl-* directory"
fi

start=$SECONDS
log "building $(basename "$src") for riscv64 (${CROSS_COMPILE%-}), about 20 s"
rm -rf "$MU/build" "$MU/install.tmp"
mkdir -p "$MU/build"
(
  cd "$MU/build"
  "$src/configure" --target=riscv64-linux-gnu CROSS_COMPILE="$CROSS_COMPILE" CC="${CROSS_COMPILE}gcc" \
    --prefix=/usr --syslibdir=/lib --disable-static >"$MU/build.log" 2>&1
  make -j"$JOBS" >>"$MU/build.log" 2>&1
  make DESTDIR="$MU/install.tmp" install >>"$MU/build.log" 2>&1
) || { tail -n 30 "$MU/build.log" >&2; die "building musl failed (whole log: $MU/build.log)"; }
# The specs musl's own musl-gcc wrapper would use, pointing at this installation.
sh "$src/tools/musl-gcc.specs.sh" "$MU/install/usr/include" "$MU/install/usr/lib" /lib/ld-musl-riscv64.so.1 \
  >"$MU/install.tmp/musl-gcc.specs"
rm -rf "$MU/install"
mv "$MU/install.tmp" "$MU/install"
stamp >"$MU/stamp"
log "built $MU/install/usr/lib/libc.so ($(stat -c %s "$MU/install/usr/lib/libc.so") bytes), $((SECONDS - start)) s"
echo "$MU/install"
