#!/usr/bin/env bash
# Builds a static riscv64 busybox from Debian's source package and installs it, with one symlink
# per applet, into a root file system directory (see docs/BUSYBOX.md).
#
#   scripts/build-busybox.sh [DEST]   build (cached), then install into DEST if given:
#                                     DEST/bin/busybox + DEST/{bin,sbin,usr/bin,usr/sbin}/<applet>
#                                     -> /bin/busybox, as `busybox --install -s` would
#
# Steps, each skipped when already done:
#   1. a deb-src entry for bookworm (/etc/apt/sources.list.d/bakaex-deb-src.sources) if apt has
#      none, then `apt-get update`
#   2. `apt-get source busybox` into $CACHE/busybox/src (needs dpkg-dev)
#   3. `make defconfig`, user/busybox/config.frag on top (CONFIG_STATIC=y ...), `make oldconfig`,
#      `make -j2 CROSS_COMPILE=riscv64-linux-gnu-` (about 35 s on 2 cores); the binary and its
#      applet list (`busybox --list-full` under qemu-riscv64-static) are kept in $CACHE/busybox
#   4. install: copy the binary if it differs, create missing applet links, drop links to
#      /bin/busybox in {bin,sbin,usr/bin,usr/sbin} that are no longer applets, copy
#      user/busybox/rootfs/ (etc/passwd, etc/group, etc/profile) when it differs. A file in DEST
#      that is not such a link (the project's own programs) is never replaced: the clash is
#      reported and the applet skipped.
# With everything in place a run takes a fraction of a second and changes nothing.
#
# Environment: CACHE (~/.cache/bakaex; busybox lives in $CACHE/busybox), CROSS_COMPILE
# (riscv64-linux-gnu-), QEMU_USER (qemu-riscv64-static), JOBS (2).
set -euo pipefail
case ${CACHE:-} in ''|/*) ;; *) CACHE=$PWD/$CACHE ;; esac   # a relative CACHE is relative to the caller
DEST=${1:-}
case $DEST in ''|/*) ;; *) DEST=$PWD/$DEST ;; esac
cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH=/usr/bin:/usr/sbin:/bin:/sbin:$PATH
CACHE=${CACHE:-$HOME/.cache/bakaex}
BB=$CACHE/busybox
CROSS_COMPILE=${CROSS_COMPILE:-riscv64-linux-gnu-}
QEMU_USER=${QEMU_USER:-qemu-riscv64-static}
JOBS=${JOBS:-2}
FRAG=$ROOT/user/busybox/config.frag
# Bump when the recipe below changes in a way that needs a rebuild.
RECIPE=2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo

log() { echo "build-busybox: $*" >&2; }
die() { log "$*"; exit 1; }

# What the cached binary was built from: recipe, cross compiler and the config fragment.
want_stamp() {
  { echo "recipe $RECIPE"; echo "cross $CROSS_COMPILE"; cat "$FRAG"; } | sha256sum | cut -d' ' -f1
}

# --- 1 + 2: Debian's source package ------------------------------------------------------------
. scripts/lib/deb-src.sh   # have_deb_src, add_deb_src

fetch_source() {
  command -v dpkg-source >/dev/null || die "dpkg-source not found: install dpkg-dev (scripts/setup.sh)"
  local updated=0
  if ! have_deb_src; then
    add_deb_src
    $SUDO apt-get update -qq
    updated=1
  fi
  mkdir -p "$BB/src"
  rm -rf "$BB/src.tmp"
  mkdir "$BB/src.tmp"
  local try
  for try in 1 2; do
    # -o APT::Sandbox::User=root: no "download is performed unsandboxed" warning when root.
    if (cd "$BB/src.tmp" && apt-get source -qq -o APT::Sandbox::User=root busybox >"$BB/src.tmp.log" 2>&1); then
      break
    fi
    if [ $try = 1 ] && [ $updated = 0 ]; then
      log "apt-get source failed; running apt-get update (the source index may be missing)"
      $SUDO apt-get update -qq
      updated=1
      rm -rf "$BB/src.tmp"; mkdir "$BB/src.tmp"
      continue
    fi
    cat "$BB/src.tmp.log" >&2
    die "apt-get source busybox failed"
  done
  local dir
  dir=$(find "$BB/src.tmp" -mindepth 1 -maxdepth 1 -type d -name 'busybox-*' | head -n 1)
  [ -n "$dir" ] || die "apt-get source busybox gave no busybox-* directory"
  rm -rf "$BB/src"
  mv "$BB/src.tmp" "$BB/src"
  rm -f "$BB/src.tmp.log"
}

source_dir() {
  [ -d "$BB/src" ] || return 0
  find "$BB/src" -mindepth 1 -maxdepth 1 -type d -name 'busybox-*' 2>/dev/null | head -n 1
}

# --- 3: configure and build ----------------------------------------------------------------------
# Apply the fragment's lines to .config: each replaces its symbol's line, or is appended.
apply_fragment() {  # config
  awk '
    function sym(l) {
      if (l ~ /^CONFIG_[A-Za-z0-9_]+=/) { sub(/=.*/, "", l); return l }
      if (l ~ /^# CONFIG_[A-Za-z0-9_]+ is not set$/) { sub(/^# /, "", l); sub(/ .*/, "", l); return l }
      return ""
    }
    FNR == NR { s = sym($0); if (s != "") { want[s] = $0; order[++n] = s }; next }
    { s = sym($0); if (s in want) { print want[s]; done[s] = 1 } else print }
    END { for (i = 1; i <= n; i++) if (!(order[i] in done)) print want[order[i]] }
  ' "$FRAG" "$1" >"$1.new"
  mv -f "$1.new" "$1"
}

build() {
  local src=$1 start=$SECONDS
  command -v "${CROSS_COMPILE}gcc" >/dev/null || die "${CROSS_COMPILE}gcc not found (scripts/setup.sh)"
  log "building $(basename "$src") (static, ${CROSS_COMPILE%-}), about 35 s"
  # A subshell under set -e (not followed by || so that errexit stays in force inside it).
  (
    cd "$src"
    make -s clean >/dev/null 2>&1 || true
    # Reproducible: the banner's build date is the Debian changelog's, not today's.
    SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -l debian/changelog -STimestamp 2>/dev/null || echo 0)
    export SOURCE_DATE_EPOCH
    make -s defconfig >/dev/null
    apply_fragment .config
    # Answer every question the fragment raises with its default (yes dies of SIGPIPE: fine).
    { yes "" || true; } | make -s oldconfig >/dev/null
    # Each fragment line must have survived oldconfig (a typo or a missing dependency would be
    # dropped silently otherwise).
    while IFS= read -r line; do
      case $line in CONFIG_*=*|"# CONFIG_"*" is not set") ;; *) continue ;; esac
      grep -qxF -- "$line" .config || { echo "build-busybox: config.frag line not in effect: $line" >&2; exit 1; }
    done <"$FRAG"
    if ! make -s -j"$JOBS" CROSS_COMPILE="$CROSS_COMPILE" busybox >"$BB/build.log" 2>&1; then
      tail -n 40 "$BB/build.log" >&2
      echo "build-busybox: make failed (whole log: $BB/build.log)" >&2
      exit 1
    fi
  )
  "$QEMU_USER" "$src/busybox" --list-full | LC_ALL=C sort >"$BB/busybox.list.tmp"
  [ -s "$BB/busybox.list.tmp" ] || die "busybox --list-full printed nothing"
  cp -f "$src/busybox" "$BB/busybox.tmp"
  cp -f "$src/.config" "$BB/config"
  mv -f "$BB/busybox.tmp" "$BB/busybox"
  mv -f "$BB/busybox.list.tmp" "$BB/busybox.list"
  want_stamp >"$BB/stamp"
  log "built $BB/busybox: $(wc -l <"$BB/busybox.list") applets, $(stat -c %s "$BB/busybox") bytes, $((SECONDS - start)) s"
}

if [ ! -x "$BB/busybox" ] || [ ! -s "$BB/busybox.list" ] || [ "$(cat "$BB/stamp" 2>/dev/null)" != "$(want_stamp)" ]; then
  src=$(source_dir)
  if [ -z "$src" ] || [ ! -f "$src/Makefile" ]; then
    fetch_source
    src=$(source_dir)
  fi
  build "$src"
fi

# --- 4: install into DEST ---------------------------------------------------------------------
[ -n "$DEST" ] || { echo "$BB/busybox"; exit 0; }
mkdir -p "$DEST/bin"
changed=()
if ! cmp -s "$BB/busybox" "$DEST/bin/busybox"; then
  cp -f "$BB/busybox" "$DEST/bin/busybox.tmp"
  chmod 755 "$DEST/bin/busybox.tmp"
  mv -f "$DEST/bin/busybox.tmp" "$DEST/bin/busybox"
  changed+=(bin/busybox)
fi
# Links to /bin/busybox already there (relative paths, sorted) against the applet list.
existing=$(cd "$DEST" && find . -maxdepth 3 -type l -lname /bin/busybox | sed 's|^\./||' | LC_ALL=C sort)
missing=$(LC_ALL=C comm -13 <(printf '%s\n' "$existing") <(sed 's|^/||' "$BB/busybox.list"))
stale=$(LC_ALL=C comm -23 <(printf '%s\n' "$existing") <(sed 's|^/||' "$BB/busybox.list"))
clashes=()
while IFS= read -r rel; do
  [ -n "$rel" ] || continue
  if [ -e "$DEST/$rel" ] || [ -L "$DEST/$rel" ]; then
    clashes+=("$rel")
    continue
  fi
  mkdir -p "$(dirname "$DEST/$rel")"
  ln -s /bin/busybox "$DEST/$rel"
  changed+=("$rel")
done <<<"$missing"
while IFS= read -r rel; do
  case $rel in bin/*|sbin/*|usr/bin/*|usr/sbin/*) ;; *) continue ;; esac   # not e.g. a /init link
  rm -f "$DEST/$rel"
  changed+=("-$rel")
done <<<"$stale"
# The few files applets expect (/etc/passwd and /etc/group with root, for id, ls -l, tar; a login
# shell's /etc/profile), copied when their content differs.
while IFS= read -r -d '' f; do
  rel=${f#"$ROOT"/user/busybox/rootfs/}
  if ! cmp -s "$f" "$DEST/$rel"; then
    mkdir -p "$(dirname "$DEST/$rel")"
    cp -f "$f" "$DEST/$rel"
    changed+=("$rel")
  fi
done < <(find "$ROOT/user/busybox/rootfs" -type f -print0)
if [ ${#changed[@]} -gt 0 ]; then
  log "installed busybox into $DEST (${#changed[@]} changes)"
  for rel in "${clashes[@]}"; do
    log "note: /$rel is not busybox (the project's own program): applet $(basename "$rel") not linked"
  done
  # Applets whose name a program elsewhere in PATH (/bin before /usr/bin) shadows.
  while read -r rel; do
    name=${rel##*/}
    for dir in bin usr/bin; do
      [ "$dir/$name" != "$rel" ] || break
      if [ -e "$DEST/$dir/$name" ] && [ ! -L "$DEST/$dir/$name" ]; then
        log "note: applet /$rel is shadowed by the project's /$dir/$name (PATH=/bin:/usr/bin): use 'busybox $name' for the applet"
        break
      fi
    done
  done <"$BB/busybox.list"
fi
