#!/usr/bin/env bash
# BakaEx's busybox test (docs/BUSYBOX.md): user/busybox/test.sh, a shell script exercising busybox
# sh and ~100 applets, run on the kernel and under Linux, compared section by section.
#
#   scripts/busybox-test.sh [SECTION...]              reference + kernel, compare (after `make kernel`)
#   scripts/busybox-test.sh --reference [SECTION...]  only print what Linux prints (no kernel needed)
#   scripts/busybox-test.sh --list                    the sections
#
# Steps:
#   1. scripts/build-busybox.sh (cached: a no-op once built)
#   2. the root file system $BUILD/busybox-test/rootfs: a copy of $BUILD/rootfs (the project's
#      programs, if built) + busybox and its applet links + /busybox-test.sh + empty /dev /proc /tmp
#   3. the Linux reference, at the same time as 4: the same busybox under qemu-riscv64-static,
#      chrooted into that directory inside `unshare -Urm -pf --mount-proc` (root in a private user,
#      mount and pid namespace; nothing on the host changes) with a private binfmt_misc entry for
#      riscv64, so that busybox's fork+exec of applets and #! scripts work; /dev bound from the
#      host, a fresh proc and tmpfs on /proc and /tmp. env -i HOME=/ PATH=/bin:/usr/bin TERM=linux,
#      stdin /dev/null, cwd / -- what the kernel gives init.
#   4. the kernel: ROOTFS=<that dir> INIT="/bin/sh /busybox-test.sh" scripts/run.sh; the output is
#      the text between "bakaex: run ..." and "init exited with status N" (\r stripped)
#   5. both outputs are cut at their "SECTION <name>" lines; each section passes when its lines
#      are equal, plus one check for the exit status.
# Prints PASS/FAIL per section, the diffs of the failures (- Linux, + BakaEx), the timings, and
# "busybox-tests: N passed, M failed"; exits non-zero on any failure. Files: $BUILD/busybox-test/
# (reference.out/.err, kernel.log, kernel.out, sections/<name>.{expected,actual,diff}).
#
# Environment: BUILD (./build), CACHE (~/.cache/bakaex), TEST_TIMEOUT (300 s per side),
# TEST_LOG (error: the kernel's log level), RUN_SH (scripts/run.sh), QEMU_USER (qemu-riscv64-static);
# run.sh's own variables pass through (e.g. ROOTFS_TYPE=ext4: the same test on an ext4 root).
set -uo pipefail
. "$(dirname "$0")/lib/run-on-kernel.sh"
case ${BUILD:-} in ''|/*) ;; *) BUILD=$PWD/$BUILD ;; esac   # a relative BUILD is relative to the caller
case ${CACHE:-} in ''|/*) ;; *) CACHE=$PWD/$CACHE ;; esac
cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH=/usr/bin:/usr/sbin:/bin:/sbin:$PATH
export BUILD=${BUILD:-$ROOT/build}
export CACHE=${CACHE:-$HOME/.cache/bakaex}
OUT=$BUILD/busybox-test
RFS=$OUT/rootfs
SCRIPT=$ROOT/user/busybox/test.sh
TEST_TIMEOUT=${TEST_TIMEOUT:-300}
TEST_LOG=${TEST_LOG:-error}
RUN_SH=${RUN_SH:-$ROOT/scripts/run.sh}
QEMU_USER=${QEMU_USER:-qemu-riscv64-static}
BINFMT_CONF=/usr/lib/binfmt.d/qemu-riscv64.conf

die() { echo "busybox-test: $*" >&2; exit 2; }

sections_of_script() { sed -n 's/^run \([a-z0-9_-]*\).*/\1/p' "$SCRIPT"; }

prepare_rootfs() {
  "$ROOT/scripts/build-busybox.sh" >/dev/null || die "building busybox failed"
  rm -rf "$RFS"
  mkdir -p "$OUT"
  if [ -d "$BUILD/rootfs" ]; then
    cp -a "$BUILD/rootfs" "$RFS"
  else
    echo "busybox-test: no $BUILD/rootfs (make user): testing busybox alone" >&2
    mkdir -p "$RFS"
  fi
  "$ROOT/scripts/build-busybox.sh" "$RFS" >/dev/null 2>&1 || die "installing busybox into $RFS failed"
  cp "$SCRIPT" "$RFS/busybox-test.sh"
  chmod 755 "$RFS/busybox-test.sh"
  mkdir -p "$RFS/dev" "$RFS/proc" "$RFS/tmp"
  chmod 1777 "$RFS/tmp"
}

# The Linux reference. Writes the output (stdout and stderr together, as on the console) followed
# by a "status: exit N" / "status: signal S" line to $1, unshare's own errors to $2.
reference() {  # out err args...
  local out=$1 err=$2; shift 2
  # Inside the namespaces: we are root there (uid 0 mapped to the caller), mounts are private.
  # binfmt_misc in a user namespace needs Linux >= 6.7; on older kernels an entry registered on
  # the host with the F flag (Debian's qemu-user-static + binfmt-support) works as well.
  local inner='
    R=$1; shift
    if mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null; then
      cat "$BINFMT_CONF" >/proc/sys/fs/binfmt_misc/register || exit 90
    elif [ ! -e /proc/sys/fs/binfmt_misc/qemu-riscv64 ]; then
      echo "busybox-test: cannot register qemu-riscv64 with binfmt_misc in a user namespace" >&2; exit 90
    fi
    mount --bind "$R" "$R" && mount --rbind /dev "$R/dev" && mount -t proc proc "$R/proc" &&
      mount -t tmpfs -o mode=1777 tmpfs "$R/tmp" || exit 91
    exec chroot "$R" /usr/bin/env -i HOME=/ PATH=/bin:/usr/bin TERM=linux "$@"'
  (
    ulimit -c 0
    BINFMT_CONF=$BINFMT_CONF timeout -k 5 "$TEST_TIMEOUT" \
      unshare -Urm -pf --mount-proc sh -c "$inner" sh "$RFS" /bin/sh /busybox-test.sh "$@" \
      </dev/null >"$out" 2>"$err"
    echo $? >"$out.rc"
  )
  local rc
  rc=$(cat "$out.rc"); rm -f "$out.rc"
  ensure_newline "$out"
  case $rc in
    0) echo "status: exit 0" ;;
    90|91) echo "status: reference setup failed ($rc): $(head -c 300 "$err")" ;;
    124) echo "status: timeout" ;;
    *) if [ "$rc" -gt 128 ]; then echo "status: signal $((rc - 128))"; else echo "status: exit $rc"; fi ;;
  esac >>"$out"
}

ensure_newline() {
  if [ -s "$1" ] && [ "$(tail -c1 "$1" | od -An -c | tr -d ' ')" != '\n' ]; then echo >>"$1"; fi
}

# The kernel (as scripts/qemu-tests.sh does it). Writes the console to $1, the program's output
# followed by a status line to $2.
kernel() {  # log out args...
  local log=$1 out=$2; shift 2
  run_on_kernel "$RFS" "/bin/sh /busybox-test.sh${*:+ $*}" "$log" "$out" "$OUT/run"
}

# Cut an output file (ending with its status line) into $dir/<section>.$ext; the lines before the
# first SECTION line go to "startup", the status line to "status". Prints the section names.
split_sections() {  # file dir ext
  awk -v dir="$2" -v ext="$3" '
    BEGIN { name = "startup"; file = dir "/" name "." ext; printf "" > file; print name }
    { line[++n] = $0 }
    END {
      for (i = 1; i < n; i++) {
        if (line[i] ~ /^SECTION [^ ]+$/) {
          close(file); name = substr(line[i], 9); file = dir "/" name "." ext
          printf "" > file; print name; continue
        }
        print line[i] > file
      }
      close(file); file = dir "/status." ext
      print line[n] > file; print "status"
    }' "$1"
}

# Prints PASS name / FAIL name (reason) per section of the expected output.
compare() {  # expected actual
  local sec=$OUT/sections
  rm -rf "$sec"; mkdir -p "$sec"
  local -a names
  mapfile -t names < <(split_sections "$1" "$sec" expected)
  split_sections "$2" "$sec" actual >/dev/null
  local n reason
  for n in "${names[@]}"; do
    reason=""
    if [ ! -f "$sec/$n.actual" ]; then
      reason="missing: the kernel's output ends before it"
      : >"$sec/$n.actual"
    fi
    if diff -a -u --label "$n (Linux reference)" --label "$n (BakaEx)" "$sec/$n.expected" "$sec/$n.actual" \
        >"$sec/$n.diff" && [ -z "$reason" ]; then
      echo "PASS $n"
    else
      [ -n "$reason" ] || reason="$(tail -n +3 "$sec/$n.diff" | grep -c '^[-+]') lines differ"
      echo "FAIL $n ($reason)"
    fi
  done
}

main() {
  local only_reference=0
  local -a args=()
  while [ $# -gt 0 ]; do
    case $1 in
      --reference|-r) only_reference=1 ;;
      --list|-l) sections_of_script; return 0 ;;
      -h|--help) sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; return 0 ;;
      -*) die "unknown option $1" ;;
      *) sections_of_script | grep -qx -- "$1" || die "no section '$1' in $SCRIPT (--list)"
         args+=("$1") ;;
    esac
    shift
  done
  command -v "$QEMU_USER" >/dev/null || die "$QEMU_USER not found (scripts/setup.sh)"
  [ -f "$BINFMT_CONF" ] || die "$BINFMT_CONF missing (qemu-user-static)"
  command -v unshare >/dev/null || die "unshare not found (util-linux)"
  [ $only_reference = 1 ] || [ -x "$RUN_SH" ] || die "$RUN_SH is missing"
  prepare_rootfs
  if [ $only_reference = 1 ]; then
    reference "$OUT/reference.out" "$OUT/reference.err" "${args[@]}"
    cat "$OUT/reference.out"
    [ -s "$OUT/reference.err" ] && sed 's/^/stderr: /' "$OUT/reference.err"
    grep -q '^status: exit 0$' "$OUT/reference.out"
    return
  fi

  # Both at once; wall-clock milliseconds of each.
  local t0 t_ref t_kernel
  t0=$(date +%s%N)
  ( reference "$OUT/reference.out" "$OUT/reference.err" "${args[@]}"
    echo $(( ($(date +%s%N) - t0) / 1000000 )) >"$OUT/reference.time" ) &
  local ref_pid=$!
  kernel "$OUT/kernel.log" "$OUT/kernel.out" "${args[@]}"
  t_kernel=$(( ($(date +%s%N) - t0) / 1000000 ))
  wait "$ref_pid"
  t_ref=$(cat "$OUT/reference.time")

  if ! grep -q '^status: exit 0$' "$OUT/reference.out"; then
    echo "busybox-test: the Linux reference itself failed ($(tail -n 1 "$OUT/reference.out")); see $OUT/reference.out/.err" >&2
    tail -n 20 "$OUT/reference.out" >&2
    return 2
  fi
  compare "$OUT/reference.out" "$OUT/kernel.out" | tee "$OUT/results"
  local passed failed
  local -a failures
  passed=$(grep -c '^PASS' "$OUT/results"); failed=$(grep -c '^FAIL' "$OUT/results")
  mapfile -t failures < <(sed -n 's/^FAIL \([^ ]*\) .*/\1/p' "$OUT/results")

  local n shown=0 missing=0
  for n in "${failures[@]}"; do
    if grep -q "^FAIL $n (missing" "$OUT/results"; then missing=$((missing + 1)); continue; fi
    echo
    echo "---- $n  [${OUT#$ROOT/}/sections/$n.diff]"
    head -n 60 "$OUT/sections/$n.diff"
    [ "$(wc -l <"$OUT/sections/$n.diff")" -le 60 ] || echo "... (diff truncated)"
    shown=$((shown + 1))
    if [ $shown -ge 8 ]; then
      echo; echo "(more diffs in ${OUT#$ROOT/}/sections/)"; break
    fi
  done
  if [ $missing -gt 0 ]; then
    echo
    echo "($missing sections missing from the kernel's output: it stopped in section '$(grep '^SECTION ' "$OUT/kernel.out" | tail -n 1 | cut -d' ' -f2)')" | sed "s/in section ''/before the first section/"
  fi
  if grep -q '^status: none' "$OUT/kernel.out"; then
    echo
    echo "-- last lines of the kernel log (run.sh exit status $(cat "$OUT/kernel.log.rc")):"
    tail -n 15 "$OUT/kernel.log" | tr -d '\r'
    sed 's/^/run.sh: /' "$OUT/kernel.log.err"
  fi
  echo
  printf 'busybox-test: Linux reference %d.%d s, BakaEx %d.%d s (wall clock, run at the same time)\n' \
    $((t_ref / 1000)) $((t_ref % 1000 / 100)) $((t_kernel / 1000)) $((t_kernel % 1000 / 100))
  echo "busybox-tests: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

main "$@"
