#!/usr/bin/env bash
# Builds BakaEx's own user programs and fixtures into $BUILD/rootfs (see docs/TESTING.md):
#   bin/<name>       one static riscv64 program per user/c/<name>.c (glibc, riscv64-linux-gnu-gcc)
#   bin/rust-hello   user/rust-hello, a Rust std program (-Zbuild-std, +crt-static)
#   bin/rust-nomain  the same body entered through C main (std's runtime start-up skipped)
#   bin/godemo       user/go/godemo, a static Go program (Debian's go, CGO_ENABLED=0)
#   bin/rust-tokio   user/rust-tokio, a program on the tokio runtime (crates.io), built the same way
#   etc/, data/      fixtures copied from user/rootfs/
# Incremental: a program is rebuilt only when its sources (or this script) are newer than it;
# with nothing changed the script takes well under a second.
set -euo pipefail
case ${BUILD:-} in ''|/*) ;; *) BUILD=$PWD/$BUILD ;; esac   # a relative BUILD is relative to the caller
case ${CACHE:-} in ''|/*) ;; *) CACHE=$PWD/$CACHE ;; esac
cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH=/usr/bin:$PATH           # Debian's cargo/rustc first (rustup's cannot build for riscv)
BUILD=${BUILD:-$ROOT/build}
CACHE=${CACHE:-$HOME/.cache/bakaex}
OUT=$BUILD/rootfs
CC=${CC_RISCV:-riscv64-linux-gnu-gcc}
CFLAGS=(-O2 -Wall -Werror)
# user/nolibc/*.c: no C library, linked as static PIE (ET_DYN without an interpreter). Debian's
# riscv64 glibc has no rcrt1.o, so this is how the loader's position-independent path gets a real
# program.
NOLIBC_FLAGS=(-nostdlib -ffreestanding -fno-builtin -fPIE -static-pie -Wl,--no-dynamic-linker)
SELF=$ROOT/scripts/build-user.sh
mkdir -p "$OUT/bin"

built=()
# --- C programs: one per user/c/*.c, two compilers at a time -------------------------------------
compile() {  # src out link-flags...
  local src=$1 out=$2; shift 2
  if ! "$CC" "${CFLAGS[@]}" "$@" -o "$out.tmp" "$src" -Iuser/c; then
    rm -f "$out.tmp"; return 1
  fi
  mv -f "$out.tmp" "$out"
}
pids=()
for src in user/c/*.c; do
  name=$(basename "$src" .c)
  out=$OUT/bin/$name
  if [ -e "$out" ] && [ "$out" -nt "$src" ] && [ "$out" -nt user/c/common.h ] && [ "$out" -nt "$SELF" ]; then
    continue
  fi
  built+=("$name")
  compile "$src" "$out" -static & pids+=($!)
  if [ ${#pids[@]} -ge 2 ]; then wait "${pids[0]}" || { echo "build-user: $src failed" >&2; exit 1; }; pids=("${pids[@]:1}"); fi
done
for p in "${pids[@]}"; do wait "$p" || { echo "build-user: a C program failed to build" >&2; exit 1; }; done
for src in user/nolibc/*.c; do
  name=$(basename "$src" .c); out=$OUT/bin/$name
  if [ -e "$out" ] && [ "$out" -nt "$src" ] && [ "$out" -nt "$SELF" ]; then
    continue
  fi
  built+=("$name")
  compile "$src" "$out" "${NOLIBC_FLAGS[@]}" || { echo "build-user: $src failed" >&2; exit 1; }
done

# --- Dynamically linked programs: user/dyn, with glibc's loader and libraries in /lib ------------
# Debian's riscv64 cross packages (libc6-, libstdc++6-, libgcc-s1-riscv64-cross) hold the loader
# and the libraries, already stripped (3.7 MB together). A source's "INSTALL: <dir>" line makes it
# a shared library installed there (lib<name>.c -> <dir>/lib<name>.so), its "LDFLAGS: ..." line
# says what it links with ($OUT is this root). Libraries are built first: programs link them.
GLIBC_LIB=/usr/riscv64-linux-gnu/lib
DYN_LIBS=(ld-linux-riscv64-lp64d.so.1 libc.so.6 libm.so.6 libstdc++.so.6 libgcc_s.so.1)
CXX=${CXX_RISCV:-riscv64-linux-gnu-g++}
mkdir -p "$OUT/lib"
for l in "${DYN_LIBS[@]}"; do
  if ! cmp -s "$GLIBC_LIB/$l" "$OUT/lib/$l"; then
    cp -L "$GLIBC_LIB/$l" "$OUT/lib/$l.tmp" && chmod 755 "$OUT/lib/$l.tmp" && mv -f "$OUT/lib/$l.tmp" "$OUT/lib/$l"
    built+=("lib/$l")
  fi
done
dyn_field() {  # source field: the text after "<field>: " on the source's first such line
  local v
  v=$(sed -n "s/.*$2: //p" "$1" | head -n 1)
  echo "${v//\$OUT/$OUT}"
}
dyn_stale() {  # out sources...: whether out is missing or older than a source, common.h or this script
  local out=$1 f; shift
  [ -e "$out" ] || return 0
  for f in "$@" user/c/common.h "$SELF"; do [ "$f" -nt "$out" ] && return 0; done
  return 1
}
dyn_build() {  # compiler out src flags...
  local cc=$1 out=$2 src=$3; shift 3
  mkdir -p "$(dirname "$out")"
  if ! "$cc" -O2 -Wall -Werror -Iuser/c -o "$out.tmp" "$src" "$@"; then
    rm -f "$out.tmp"; echo "build-user: $src failed" >&2; exit 1
  fi
  mv -f "$out.tmp" "$out"
}
for src in user/dyn/lib*.c; do
  name=$(basename "$src" .c); dir=$(dyn_field "$src" INSTALL)
  out=$OUT${dir:-/lib}/$name.so
  dyn_stale "$out" "$src" || continue
  # shellcheck disable=SC2046
  dyn_build "$CC" "$out" "$src" -shared -fPIC $(dyn_field "$src" LDFLAGS)
  built+=("${out#$OUT/}")
done
for src in user/dyn/*.c user/dyn/*.cpp; do
  name=$(basename "$src"); name=${name%.*}
  case $name in lib*) continue ;; esac
  cc=$CC; [ "${src##*.}" = cpp ] && cc=$CXX
  # dynhello is also built at a fixed address (ET_EXEC with an interpreter): dynhello-nopie.
  variants=("$name:"); [ "$name" = dynhello ] && variants+=("dynhello-nopie:-no-pie")
  for v in "${variants[@]}"; do
    out=$OUT/bin/${v%%:*}
    dyn_stale "$out" "$src" user/dyn/lib*.c || continue
    # shellcheck disable=SC2046
    dyn_build "$cc" "$out" "$src" ${v#*:} $(dyn_field "$src" LDFLAGS)
    built+=("${v%%:*}")
  done
done
# musl (scripts/build-musl.sh: Debian's source, built once into the cache): its libc.so, which is
# also its loader, as /lib/ld-musl-riscv64.so.1, and dynhello linked against it (dynhello-musl).
MUSL=$(scripts/build-musl.sh)
if ! cmp -s "$MUSL/usr/lib/libc.so" "$OUT/lib/ld-musl-riscv64.so.1"; then
  cp -f "$MUSL/usr/lib/libc.so" "$OUT/lib/ld-musl-riscv64.so.1.tmp" && chmod 755 "$OUT/lib/ld-musl-riscv64.so.1.tmp" &&
    mv -f "$OUT/lib/ld-musl-riscv64.so.1.tmp" "$OUT/lib/ld-musl-riscv64.so.1"
  built+=(lib/ld-musl-riscv64.so.1)
fi
if dyn_stale "$OUT/bin/dynhello-musl" user/dyn/dynhello.c "$MUSL/usr/lib/libc.so"; then
  # shellcheck disable=SC2046
  dyn_build "$CC" "$OUT/bin/dynhello-musl" user/dyn/dynhello.c -specs "$MUSL/musl-gcc.specs" \
    $(dyn_field user/dyn/dynhello.c LDFLAGS)
  built+=(dynhello-musl)
fi

# --- Rust: its own workspace, std built from source, target dir in the cache ---------------------
RUST_DIR=user/rust-hello
RUST_TARGET=riscv64gc-unknown-linux-gnu
RUST_OUT=$CACHE/user-rust
RUST_BINS=(rust-hello rust-nomain)
rust_stale=0
for b in "${RUST_BINS[@]}"; do
  if [ ! -e "$OUT/bin/$b" ] || [ -n "$(find "$RUST_DIR" "$SELF" -newer "$OUT/bin/$b" -not -path '*/target/*' -print -quit)" ]; then
    rust_stale=1
  fi
done
if [ $rust_stale = 1 ]; then
  ( cd "$RUST_DIR" &&
    RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=$RUST_OUT \
    CARGO_TARGET_RISCV64GC_UNKNOWN_LINUX_GNU_LINKER=$CC \
    RUSTFLAGS="-C target-feature=+crt-static" \
    cargo build --quiet --release --target $RUST_TARGET -Zbuild-std=std,panic_abort ) || {
      echo "build-user: the Rust program failed to build" >&2; exit 1; }
  for b in "${RUST_BINS[@]}"; do
    cp -f "$RUST_OUT/$RUST_TARGET/release/$b" "$OUT/bin/$b.tmp" && mv -f "$OUT/bin/$b.tmp" "$OUT/bin/$b"
    built+=("$b")
  done
fi

# --- Go: its own module (no external modules), static, build cache in the cache -------------------
GO_DIR=user/go
GO_BINS=(godemo)
for b in "${GO_BINS[@]}"; do
  if [ -e "$OUT/bin/$b" ] && [ -z "$(find "$GO_DIR" "$SELF" -newer "$OUT/bin/$b" -print -quit)" ]; then
    continue
  fi
  ( cd "$GO_DIR" &&
    CGO_ENABLED=0 GOOS=linux GOARCH=riscv64 GOCACHE=$CACHE/go-build GOPATH=$CACHE/go GOPROXY=off \
    GOFLAGS= go build -trimpath -buildvcs=false -o "$OUT/bin/$b.tmp" "./$b" ) || {
      rm -f "$OUT/bin/$b.tmp"; echo "build-user: the Go program $b failed to build" >&2; exit 1; }
  mv -f "$OUT/bin/$b.tmp" "$OUT/bin/$b"
  built+=("$b")
done
# --- user/rust-tokio: a program on tokio (crates.io, its Cargo.lock kept), built the same way ----
# Same target directory and profile as rust-hello, so std is built once for both.
TOKIO_DIR=user/rust-tokio
if [ ! -e "$OUT/bin/rust-tokio" ] ||
   [ -n "$(find "$TOKIO_DIR" "$SELF" -newer "$OUT/bin/rust-tokio" -not -path '*/target/*' -print -quit)" ]; then
  ( cd "$TOKIO_DIR" &&
    RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=$RUST_OUT \
    CARGO_TARGET_RISCV64GC_UNKNOWN_LINUX_GNU_LINKER=$CC \
    RUSTFLAGS="-C target-feature=+crt-static" \
    cargo build --quiet --release --locked --target $RUST_TARGET -Zbuild-std=std,panic_abort ) || {
      echo "build-user: user/rust-tokio failed to build" >&2; exit 1; }
  cp -f "$RUST_OUT/$RUST_TARGET/release/rust-tokio" "$OUT/bin/rust-tokio.tmp" &&
    mv -f "$OUT/bin/rust-tokio.tmp" "$OUT/bin/rust-tokio"
  built+=(rust-tokio)
fi

# --- fixtures: copied when their content differs --------------------------------------------------
while IFS= read -r -d '' f; do
  rel=${f#user/rootfs/}
  if [ -d "$f" ]; then
    mkdir -p "$OUT/$rel"
  elif ! cmp -s "$f" "$OUT/$rel"; then
    mkdir -p "$(dirname "$OUT/$rel")"
    cp -p "$f" "$OUT/$rel"
    built+=("$rel")
  fi
done < <(find user/rootfs -mindepth 1 -print0)

if [ ${#built[@]} -gt 0 ]; then
  echo "build-user: ${built[*]} -> ${OUT#$ROOT/}"
fi
