#!/usr/bin/env bash
# BakaEx's QEMU tests (`make test-qemu`, after `make kernel user`); docs/TESTING.md explains them.
#
#   scripts/qemu-tests.sh [NAME...]            run all tests in user/tests.txt, or the named ones
#   scripts/qemu-tests.sh --reference [NAME...] only show the Linux reference's output (no kernel)
#   scripts/qemu-tests.sh --list               list the tests
#
# Each test runs its command on the kernel (scripts/run.sh with ROOTFS=$BUILD/rootfs INIT=<command>)
# and compares the program's output and exit status with the Linux reference (mode diff: the same
# binary under qemu-riscv64-static on the host) or with user/expected/<name>.out (modes expect,
# expect-sorted). JOBS tests run at once (default 2). Everything a test produced stays in
# $BUILD/qemu-tests/<name>/: expected, actual, diff, kernel.log(.err), reference.err.
#
# Environment: BUILD (./build), JOBS (2), TEST_TIMEOUT (60 s per kernel run), RUN_SH (scripts/run.sh), SKIP_EXT4,
# TEST_LIST (user/tests.txt), QEMU_USER (qemu-riscv64-static), TEST_LOG (error: the kernel's log level during tests).
set -uo pipefail
. "$(dirname "$0")/lib/run-on-kernel.sh"
case ${BUILD:-} in ''|/*) ;; *) BUILD=$PWD/$BUILD ;; esac   # a relative BUILD is relative to the caller
cd "$(dirname "$0")/.."
ROOT=$PWD
SELF=$ROOT/scripts/qemu-tests.sh
export PATH=/usr/bin:$PATH
export BUILD=${BUILD:-$ROOT/build}
ROOTFS_DIR=$BUILD/rootfs
OUTDIR=$BUILD/qemu-tests
LIST=${TEST_LIST:-$ROOT/user/tests.txt}
EXPECTED_DIR=$ROOT/user/expected
JOBS=${JOBS:-2}
TEST_TIMEOUT=${TEST_TIMEOUT:-60}
RUN_SH=${RUN_SH:-$ROOT/scripts/run.sh}
QEMU_USER=${QEMU_USER:-qemu-riscv64-static}
TEST_LOG=${TEST_LOG:-error}

# "name<TAB>mode<TAB>command" for every test in the list (comments and blank lines dropped).
tests() {
  awk '!/^[[:space:]]*(#|$)/ { name = $1; mode = $2; $1 = ""; $2 = ""; sub(/^[[:space:]]+/, "");
       printf "%s\t%s\t%s\n", name, mode, $0 }' "$LIST"
}

# The Linux reference: run `command` (one program) under qemu-user on the host. Writes the
# program's stdout followed by a "status: exit N" / "status: signal S" line to $2.
reference() {  # command out err
  local cmd=$1 out=$2 err=$3
  local -a argv envs=() prefix=()
  read -r -a argv <<<"$cmd"
  # Leading NAME=value words are the program's environment (the kernel's init= line takes them so).
  while [ ${#argv[@]} -gt 0 ] && [[ ${argv[0]} =~ ^[A-Za-z_][A-Za-z0-9_]*= ]]; do
    envs+=("${argv[0]}"); argv=("${argv[@]:1}")
  done
  local prog=${argv[0]}
  local status_file=$out.status
  rm -f "$status_file"
  # A private copy of the root: programs create files in their working directory, and the
  # kernel runs of other tests pack $ROOTFS_DIR meanwhile (a file vanishing mid-pack fails them).
  local root
  root=$(mktemp -d "$BUILD/reference.XXXXXX") && cp -a "$ROOTFS_DIR/." "$root" || return 1
  # A dynamically linked program (or the dynamic loader run as a command) takes its loader and
  # libraries from the copy of the root: qemu-user's -L makes every absolute path that exists
  # there lead there (QEMU_LD_PREFIX). Static programs run without it, so that nothing else moves.
  if is_dynamic "$root$prog"; then prefix=(-L "$root"); fi
  (
    cd "$root" || exit 1
    ulimit -c 0   # qemu-user would otherwise leave qemu_*.core files behind after a SIGSEGV
    STATUS_FILE=$status_file timeout -k 5 "$TEST_TIMEOUT" \
      perl -e '
        system { $ARGV[0] } @ARGV;
        my $s = $?;
        open(my $f, ">", $ENV{STATUS_FILE}) or die;
        if ($s == -1) { print $f "status: could not run\n" }
        elsif ($s & 127) { print $f "status: signal ", $s & 127, "\n" }
        else { print $f "status: exit ", $s >> 8, "\n" }' \
      env -i HOME=/ PATH=/bin:/usr/bin TERM=linux "${envs[@]}" \
      "$QEMU_USER" "${prefix[@]}" -0 "$prog" "${prog#/}" "${argv[@]:1}" </dev/null >"$out" 2>"$err"
  )
  rm -rf "$root"
  ensure_newline "$out"
  if [ -s "$status_file" ]; then cat "$status_file" >>"$out"; else echo "status: timeout" >>"$out"; fi
  rm -f "$status_file"
}

# Whether the ELF file $1 names an interpreter (PT_INTERP), or is itself one (/lib/ld-*).
is_dynamic() {
  case $1 in */lib/ld-*) return 0 ;; esac
  LC_ALL=C riscv64-linux-gnu-readelf -lW "$1" 2>/dev/null | grep -q 'Requesting program interpreter'
}

ensure_newline() {
  if [ -s "$1" ] && [ "$(tail -c1 "$1" | od -An -c | tr -d ' ')" != '\n' ]; then echo >>"$1"; fi
}

# The kernel: boot it with `command` as init. Writes the whole console log to $2 and the program's
# output (between "bakaex: run ..." and the final "init exited with status N" / "init killed by
# signal S" line, \r stripped) followed by a status line to $3.
kernel() {  # command log out
  local cmd=$1 log=$2 out=$3
  # `FAULT=<syscall> command`: boot with that syscall made to panic (panic_on=, run.sh's FAULT).
  if [[ $cmd =~ ^FAULT=([a-z0-9_]+)[[:space:]]+(.*)$ ]]; then
    export FAULT=${BASH_REMATCH[1]}
    cmd=${BASH_REMATCH[2]}
  fi
  # `DISK=<n>M command`: boot with an empty scratch disk of n MiB attached as /dev/vda (a sparse
  # file beside the test's log, removed afterwards).
  local disk=""
  if [[ $cmd =~ ^DISK=([0-9]+)M[[:space:]]+(.*)$ ]]; then
    disk=$(dirname "$log")/disk.img
    rm -f "$disk"
    truncate -s "${BASH_REMATCH[1]}M" "$disk"
    cmd=${BASH_REMATCH[2]}
  fi
  DISK=$disk run_on_kernel "$ROOTFS_DIR" "$cmd" "$log" "$out" "$(dirname "$log")/run"
  [ -z "$disk" ] || rm -f "$disk"
}

# Replace each actual line that matches its expected line's {{*}} pattern by the expected line,
# so that diff shows only real differences.
apply_wildcards() {  # expected actual
  awk -v expfile="$1" '
    function quote(s,   out, i, c) {
      out = ""
      for (i = 1; i <= length(s); i++) {
        c = substr(s, i, 1)
        out = out (index("\\^$.[]|()*+?{}/", c) ? "\\" c : c)
      }
      return out
    }
    BEGIN { while ((getline l < expfile) > 0) want[++n] = l }
    {
      i++
      if (i <= n && index(want[i], "{{*}}")) {
        k = split(want[i], parts, /\{\{\*\}\}/)
        re = "^"
        for (j = 1; j <= k; j++) re = re (j > 1 ? ".*" : "") quote(parts[j])
        re = re "$"
        if ($0 ~ re) { print want[i]; next }
      }
      print
    }' "$2"
}

# Run one test; prints "PASS name" or "FAIL name (reason)", leaves its files in $OUTDIR/name.
run_one() {  # name
  local name=$1 mode cmd
  IFS=$'\t' read -r _ mode cmd < <(tests | awk -F'\t' -v n="$name" '$1 == n')
  local dir=$OUTDIR/$name
  rm -rf "$dir"
  mkdir -p "$dir"
  local expected=$dir/expected actual=$dir/actual
  case $mode in
    diff) reference "$cmd" "$expected" "$dir/reference.err" ;;
    expect|expect-sorted)
      if [ ! -f "$EXPECTED_DIR/$name.out" ]; then
        echo "FAIL $name (no $EXPECTED_DIR/$name.out)" | tee "$dir/result"; return
      fi
      cp "$EXPECTED_DIR/$name.out" "$expected" ;;
    *) echo "FAIL $name (unknown mode '$mode')" | tee "$dir/result"; return ;;
  esac
  kernel "$cmd" "$dir/kernel.log" "$dir/actual.raw"
  if [[ $cmd == FAULT=* ]]; then
    # The kernel logs each process it kills for a panic (one line): expected, not output.
    grep -v 'kernel panic in syscall .*; the process is killed (SIGSEGV)$' "$dir/actual.raw" >"$dir/actual.tmp"
    mv "$dir/actual.tmp" "$dir/actual.raw"
  fi
  case $mode in
    expect) apply_wildcards "$expected" "$dir/actual.raw" >"$actual" ;;
    expect-sorted)
      sort "$expected" -o "$expected"
      apply_wildcards "$expected" <(sort "$dir/actual.raw") >"$actual" ;;
    *) cp "$dir/actual.raw" "$actual" ;;
  esac
  local reason=""
  if grep -q '^status: none' "$actual"; then
    reason=$(grep '^status: none' "$actual" | sed 's/^status: none (//; s/)$//')
    [ "$(cat "$dir/kernel.log.rc")" != 124 ] || reason="timeout: no result after ${TEST_TIMEOUT}s"
  elif grep -q '^status: timeout' "$expected"; then
    reason="the reference timed out"
  fi
  if diff -a -u --label "expected ($( [ "$mode" = diff ] && echo Linux reference || echo "user/expected/$name.out"))" \
        --label "actual (BakaEx)" "$expected" "$actual" >"$dir/diff" && [ -z "$reason" ]; then
    echo "PASS $name" | tee "$dir/result"
  else
    [ -n "$reason" ] || reason="$(tail -n +3 "$dir/diff" | grep -c '^[-+]') lines differ"
    echo "FAIL $name ($reason)" | tee "$dir/result"
  fi
}

main() {
  local only_reference=0
  local -a names=()
  while [ $# -gt 0 ]; do
    case $1 in
      --one) run_one "$2"; return ;;
      --reference|-r) only_reference=1 ;;
      --list|-l) tests | awk -F'\t' '{ printf "%-14s %-14s %s\n", $1, $2, $3 }'; return ;;
      -h|--help) sed -n '2,/^set -uo/p' "$SELF" | sed '$d; s/^# \{0,1\}//'; return ;;
      -*) echo "qemu-tests: unknown option $1" >&2; return 2 ;;
      *) names+=("$1") ;;
    esac
    shift
  done
  local all=0
  if [ ${#names[@]} -eq 0 ]; then
    all=1
    mapfile -t names < <(tests | cut -f1)
  elif [ $only_reference = 0 ]; then
    for n in "${names[@]}"; do
      tests | cut -f1 | grep -qx -- "$n" || { echo "qemu-tests: no test named '$n' in user/tests.txt" >&2; return 2; }
    done
  fi
  if [ ! -d "$ROOTFS_DIR/bin" ]; then
    echo "qemu-tests: $ROOTFS_DIR/bin is missing: run 'make user' (scripts/build-user.sh) first" >&2
    return 2
  fi
  command -v "$QEMU_USER" >/dev/null || { echo "qemu-tests: $QEMU_USER not found (scripts/setup.sh)" >&2; return 2; }

  if [ $only_reference = 1 ]; then
    local tmp
    tmp=$(mktemp -d)
    for n in "${names[@]}"; do
      mode=diff cmd=/bin/$n   # a program not (yet) in the list: run it without arguments
      if tests | cut -f1 | grep -qx -- "$n"; then
        IFS=$'\t' read -r _ mode cmd < <(tests | awk -F'\t' -v n="$n" '$1 == n')
      fi
      case $cmd in *" ; "*) continue ;; esac   # concurrent programs have no single reference
      echo "==== $n: $cmd"
      reference "$cmd" "$tmp/out" "$tmp/err"
      cat "$tmp/out"
      [ -s "$tmp/err" ] && sed 's/^/stderr: /' "$tmp/err"
    done
    rm -rf "$tmp"
    return 0
  fi

  if [ ! -x "$RUN_SH" ]; then
    echo "qemu-tests: $RUN_SH is missing: the kernel cannot be run yet" >&2
    return 2
  fi
  mkdir -p "$OUTDIR"
  printf '%s\n' "${names[@]}" | xargs -P "$JOBS" -I{} "$SELF" --one {}

  local passed=0 failed=0 n
  # Beyond the list: the ext4 persistence test (two boots of one disk; scripts/ext4-persist-test.sh)
  # and the big initramfs, run with the full set (names given on the command line select list
  # tests only).
  if [ "$all" = 1 ] && [ -z "${SKIP_EXT4:-}" ]; then
    if "$ROOT/scripts/ext4-persist-test.sh"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  fi
  # ... and the big initramfs booted in 256 MiB (scripts/big-initramfs-test.sh), with the full
  # kernel's own list (not the unikernel's or the simple kernel's).
  if [ "$all" = 1 ] && [ -z "${TEST_LIST:-}" ]; then
    if "$ROOT/scripts/big-initramfs-test.sh"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  fi
  for n in "${names[@]}"; do
    if grep -q '^PASS' "$OUTDIR/$n/result" 2>/dev/null; then
      passed=$((passed + 1))
    else
      failed=$((failed + 1))
      echo
      echo "---- $n: $(sed 's/^FAIL [^ ]* //' "$OUTDIR/$n/result" 2>/dev/null)  [files: ${OUTDIR#$ROOT/}/$n/]"
      if [ -s "$OUTDIR/$n/diff" ]; then
        head -n 120 "$OUTDIR/$n/diff"
        [ "$(wc -l <"$OUTDIR/$n/diff")" -le 120 ] || echo "... (diff truncated)"
      fi
      if grep -q '^status: none' "$OUTDIR/$n/actual" 2>/dev/null; then
        echo "-- last lines of the kernel log ($(cat "$OUTDIR/$n/kernel.log.rc" 2>/dev/null | sed 's/^/run.sh exit status /')):"
        tail -n 20 "$OUTDIR/$n/kernel.log" | tr -d '\r'
        sed 's/^/run.sh: /; s/^run.sh: run.sh: /run.sh: /' "$OUTDIR/$n/kernel.log.err" 2>/dev/null
      fi
    fi
  done
  echo
  echo "qemu-tests: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

main "$@"
