#!/usr/bin/env bash
# LTP's syscall tests on BakaEx (make ltp; the regression list of make test), and on the Linux 6.1
# reference kernel for comparison. docs/LTP.md.
#
#   scripts/ltp.sh                     every entry of runtest/syscalls
#   scripts/ltp.sh --list FILE         the entries named in FILE (one tag per line, # comments)
#   scripts/ltp.sh --check FILE        the same, and exit 1 unless every one passes (make test)
#   scripts/ltp.sh TAG...              these entries
#   scripts/ltp.sh --doc               every entry, then docs/LTP.md and the regression list
#                                      user/ltp/pass.txt from the results (make ltp; entries named
#                                      in user/ltp/timing.txt stay out of the list). The doc's
#                                      Linux column comes from the cache below, measured first
#                                      (scripts/ltp.sh --linux) when it is stale.
#   scripts/ltp.sh --linux [...]       any of the above but --doc, on Linux 6.1 instead: the Image
#                                      scripts/build-linux.sh builds (the one make bench uses; its
#                                      configuration has what LTP's syscall tests need). Results in
#                                      $BUILD/ltp-linux/; a run of the whole list is also cached.
#
# How: scripts/build-ltp.sh builds the programs (cached); they go on an ext4 image (cached beside
# them) that every guest mounts read-only at /opt/ltp, so a boot is not limited by the initramfs
# size. The entries are split over JOBS guests; each boots with /bin/ltprun (user/ltp/ltprun.c) as
# init, which runs its entries one by one under a timeout and prints a result line for each. A
# guest that stops answering (a kernel panic or hang: no output for LTP_TIMEOUT + 60 s) is
# killed, its entry recorded as "crash", and it boots again with the entries after it.
# Every guest also has a spare disk, as LTP wants one for the tests that need a block device: a
# sparse file of LTP_DEV_MB (300) MiB in its shard directory, made anew for each boot and
# attached read-write as /dev/vdb; the entries find it in LTP_DEV. There is no mkfs in the guest:
# tests that format the device skip, and those for all file systems run on tmpfs only.
# (busybox's mkfs.ext2 makes volumes the kernel mounts as "ext2"; with busybox as sh, cp and
# mkfs.ext2 in the guest, a test killed at its deadline leaves the disk mounted and later ones
# fail to clear it: see docs/STORAGE.md, "Block-special files", before adding it.) The guest does
# have busybox as sh, cp and cat (built by scripts/build-busybox.sh): LTP copies its helper
# programs with system("cp ...").
#
# Linux runs the same entries the same way: the same ltprun (it mounts /dev, /proc, /sys, /tmp and
# /dev/shm itself and brings lo up, which Linux needs and BakaEx already has), the same LTP disk
# read-only as the first virtio disk (/dev/vda) and the spare one second (/dev/vdb), the same
# /etc/passwd and /etc/group, QEMU -m 256M -smp 1, the same timeout, watchdog and restart after a
# crash (one shard function, the boot command being the only difference). The guest is booted
# directly: qemu-system-riscv64 -machine virt -kernel Image with the shard's directory as the
# initramfs, ltprun as rdinit, its arguments and environment on the kernel command line (as
# scripts/bench.sh boots Linux), loglevel=1 so that kernel messages do not cut into ltprun's lines
# (a panic still shows) and panic=1 so that a panic ends QEMU at once. LTP decides what to skip
# from the kernel's configuration at /boot/config-$(uname -r): BakaEx's guests get
# user/ltp/kconfig there, Linux's get Linux's real .config ($CACHE/linux/config).
# A run of the whole list on Linux is kept in $CACHE/ltp/linux-results.txt and linux-why.txt,
# with linux-key.txt: the Linux stamp, LTP's build stamp and ltprun.c's checksum. --doc measures
# Linux again only when that key changed (a new Image, LTP build or ltprun), about 15-20 minutes.
#
# Results: $BUILD/ltp/results.txt ($BUILD/ltp-linux/results.txt), "tag result" per entry, result one of
#   pass (exit 0), conf (TCONF only: exit 32), fail (TFAIL or TWARN), broken (TBROK),
#   signal-N, timeout, crash, missing (not built)
# and a summary line "ltp: N passed, N failed" (failed: everything but pass and conf).
#
# Environment: BUILD (./build), CACHE (~/.cache/bakaex), JOBS (2), LTP_TIMEOUT (60 s per entry),
# LTP_DEV_MB (300: the spare disk's size, LTP's default device size), KERNEL (default:
# scripts/build-kernel.sh's), LOG (error), LINUX_IMAGE (default: scripts/build-linux.sh's; the
# cache is then not used or written, as the key cannot name it; --doc always uses the built one).
set -uo pipefail
case ${BUILD:-} in ''|/*) ;; *) BUILD=$PWD/$BUILD ;; esac
case ${CACHE:-} in ''|/*) ;; *) CACHE=$PWD/$CACHE ;; esac
cd "$(dirname "$0")/.."
ROOT=$PWD
export PATH=/usr/bin:/usr/sbin:/bin:/sbin:$PATH
export BUILD=${BUILD:-$ROOT/build}
export CACHE=${CACHE:-$HOME/.cache/bakaex}
JOBS=${JOBS:-2}
LTP_TIMEOUT=${LTP_TIMEOUT:-60}
LTP_DEV_MB=${LTP_DEV_MB:-300}
OUT=$BUILD/ltp
CROSS_COMPILE=${CROSS_COMPILE:-riscv64-linux-gnu-}

die() { echo "ltp: $*" >&2; exit 2; }

target=bakaex
if [ "${1:-}" = --linux ]; then
  target=linux
  shift
fi
mode=all list=""
case ${1:-} in
  --list|--check) mode=${1#--}; list=$2; shift 2 ;;
  --doc) mode=doc; shift ;;
esac
tags=("$@")
[ "$target:$mode" != linux:doc ] || die "--doc writes BakaEx's doc (with the Linux column): not with --linux"

LTP=$(scripts/build-ltp.sh | tail -n 1) || die "building LTP failed"
[ -f "$LTP/runtest/syscalls" ] || die "no $LTP/runtest/syscalls"

# The disk every guest mounts: the installed tree, rebuilt when the build changed.
IMG=$CACHE/ltp/ltp.img
if [ ! -f "$IMG" ] || [ "$CACHE/ltp/stamp" -nt "$IMG" ]; then
  size=$(( $(du -sm "$LTP" | cut -f1) * 5 / 4 + 64 ))
  rm -f "$IMG.tmp"
  mkfs.ext4 -q -F -b 4096 -O ^dir_index -E root_owner=0:0 -L ltp -d "$LTP" "$IMG.tmp" "${size}M" \
    || die "mkfs.ext4 of $LTP failed"
  mv -f "$IMG.tmp" "$IMG"
fi

# The entries: runtest/syscalls, less comments, filtered by --list or the tags given.
[ $target = bakaex ] || OUT=$BUILD/ltp-linux
mkdir -p "$OUT"
grep -v '^\s*#' "$LTP/runtest/syscalls" | awk 'NF >= 2' >"$OUT/all.txt"
if [ -n "$list" ]; then
  grep -v '^\s*#' "$list" | awk 'NF {print $1}' >"$OUT/wanted.txt"
elif [ ${#tags[@]} -gt 0 ]; then
  printf '%s\n' "${tags[@]}" >"$OUT/wanted.txt"
else
  awk '{print $1}' "$OUT/all.txt" >"$OUT/wanted.txt"
fi
awk 'FILENAME == ARGV[1] { want[$1] = 1; next } want[$1]' "$OUT/wanted.txt" "$OUT/all.txt" >"$OUT/entries.txt"
total=$(wc -l <"$OUT/entries.txt")
[ "$total" -gt 0 ] || die "no entries to run"

mkdir -p "$OUT/root/bin"
"${CROSS_COMPILE}gcc" -static -O2 -Wall -Werror -o "$OUT/root/bin/ltprun" user/ltp/ltprun.c || die "ltprun failed to build"
scripts/build-busybox.sh "$OUT/busybox-root" >"$OUT/busybox.log" 2>&1 || die "building busybox failed (log: $OUT/busybox.log)"
# The Linux cache's key: what the results depend on.
LINUX_CACHE=$CACHE/ltp/linux
linux_key() {
  echo "linux $(cat "$CACHE/linux/stamp" 2>/dev/null) ltp $(cat "$CACHE/ltp/stamp" 2>/dev/null)" \
    "ltprun $(sha256sum user/ltp/ltprun.c | cut -c1-16) guest-tools sh,cp,cat"
}
linux_cached=0   # whether this run may write the cache: the whole list on the Image build-linux.sh made
if [ $target = linux ]; then
  if [ -z "${LINUX_IMAGE:-}" ]; then
    LINUX_IMAGE=$(scripts/build-linux.sh) || die "the Linux build failed"
    [ "$mode:${#tags[@]}" != all:0 ] || linux_cached=1
    key=$(linux_key)   # (taken now: what was built is what runs)
  fi
  [ -f "$LINUX_IMAGE" ] || die "no Linux Image at $LINUX_IMAGE"
  LINUX_RELEASE=$(cat "$CACHE/linux/release" 2>/dev/null) || die "no $CACHE/linux/release (scripts/build-linux.sh writes it)"
elif [ -z "${KERNEL:-}" ]; then
  scripts/build-kernel.sh >/dev/null || die "kernel build failed"
fi

# One boot of the guest of shard DIR, its console to LOG; exec'd in the background, so that the
# watchdog's pid is QEMU's (Linux) or run.sh's, QEMU's parent (BakaEx).
boot_bakaex() {  # dir log
  BUILD=$1/run ROOTFS=$1/root DISK=$IMG DISK_RO=1 DISK2=$1/spare.img LOG=${LOG:-error} TIMEOUT=100000 \
    INIT="LTP_TIMEOUT=$LTP_TIMEOUT LTP_DEV=/dev/vdb /bin/ltprun /ltp/list /dev/vda /opt/ltp" \
    exec scripts/run.sh </dev/null >"$2" 2>&1
}
boot_linux() {  # dir log
  (cd "$1/root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$1/initramfs.cpio" || exit 2
  # Words with "=" before "--" that the kernel does not know go to init's environment; the words
  # after "--" are its arguments. (QEMU virt gives the first -device the first virtio slot Linux
  # probes: the LTP disk is /dev/vda, as on BakaEx.)
  exec qemu-system-riscv64 -machine virt -nographic -bios default -m 256M -no-reboot -smp 1 \
    -kernel "$LINUX_IMAGE" -initrd "$1/initramfs.cpio" \
    -drive "file=$IMG,if=none,format=raw,id=hd0,readonly=on" -device virtio-blk-device,drive=hd0 \
    -drive "file=$1/spare.img,if=none,format=raw,id=hd1" -device virtio-blk-device,drive=hd1 \
    -append "console=ttyS0 loglevel=1 panic=1 rdinit=/bin/ltprun LTP_TIMEOUT=$LTP_TIMEOUT LTP_DEV=/dev/vdb -- /ltp/list /dev/vda /opt/ltp" \
    </dev/null >"$2" 2>&1
}

# One guest: boot on its entries until all have a result.
shard() {  # index
  local i=$1 dir=$OUT/shard$1 boot=0
  rm -rf "$dir"
  mkdir -p "$dir/root/bin" "$dir/root/ltp" "$dir/root/etc" "$dir/root/boot"
  cp "$OUT/root/bin/ltprun" "$dir/root/bin/"
  # A shell, cp and cat: LTP copies helper programs into its temporary directories with
  # system("cp ...") and some tests read /bin/cat as a sample file. No mkfs (see above).
  cp "$CACHE/busybox/busybox" "$dir/root/bin/busybox"
  for tool in sh cp cat; do ln -sf busybox "$dir/root/bin/$tool"; done
  # What the kernel has, in Linux's configuration terms (LTP's tests skip what is missing): for
  # Linux, its own configuration under its own release.
  if [ $target = linux ]; then
    cp "$CACHE/linux/config" "$dir/root/boot/config-$LINUX_RELEASE"
  else
    cp user/ltp/kconfig "$dir/root/boot/config-6.1.0-bakaex"
  fi
  # The users and groups LTP's tests look up (nobody, bin, daemon), as on a Debian system.
  printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin' \
    'bin:x:2:2:bin:/bin:/usr/sbin/nologin' 'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin' \
    >"$dir/root/etc/passwd"
  printf '%s\n' 'root:x:0:' 'daemon:x:1:' 'bin:x:2:' 'users:x:100:' 'nogroup:x:65534:' >"$dir/root/etc/group"
  awk -v n="$JOBS" -v i="$i" '(NR - 1) % n == i' "$OUT/entries.txt" >"$dir/pending"
  : >"$dir/results"
  : >"$dir/why"
  while [ -s "$dir/pending" ]; do
    boot=$((boot + 1))
    cp "$dir/pending" "$dir/root/ltp/list"
    local log=$dir/console.$boot.log
    # The spare disk, empty for every boot (sparse: it takes no room until written).
    rm -f "$dir/spare.img"
    truncate -s "${LTP_DEV_MB}M" "$dir/spare.img" || die "cannot make $dir/spare.img"
    "boot_$target" "$dir" "$log" &
    local qemu=$!
    # The watchdog: a guest silent for too long is dead.
    while kill -0 "$qemu" 2>/dev/null; do
      sleep 5
      if [ $(( $(date +%s) - $(stat -c %Y "$log") )) -gt $((LTP_TIMEOUT + 60)) ]; then
        pkill -KILL -P "$qemu" 2>/dev/null
        kill -KILL "$qemu" 2>/dev/null
        echo "ltp: shard $i: the guest stopped answering (boot $boot)" >>"$dir/events"
      fi
    done
    wait "$qemu" 2>/dev/null
    tr -d '\r' <"$log" | awk '
      /^ltprun: start / { cur = $3; next }
      /^ltprun: noexec / { missing[$3] = 1; next }
      /^ltprun: result / {
        tag = $3; r = $4
        if (r == "exit") {
          s = $5 + 0
          if (s == 0) r = "pass"; else if (s == 32) r = "conf"; else if (s == 127 && missing[tag]) r = "missing"
          else if (int(s / 2) % 2 == 1) r = "broken"; else r = "fail"
        } else if (r == "signal") r = "signal-" $5
        print tag, r; cur = ""; next
      }
      END { if (cur != "") print cur, "crash" }' >>"$dir/results"
    # Why each entry did not pass: its first TBROK, TFAIL or TCONF line, without colours and
    # source positions.
    tr -d '\r' <"$log" | sed 's/\x1b\[[0-9;]*m//g' | awk '
      /^ltprun: start / { cur = $3; seen = 0; next }
      /^ltprun: result / { cur = ""; next }
      cur != "" && !seen && /(TBROK|TFAIL|TCONF)/ {
        line = $0; sub(/^[^ ]*:[0-9]+: /, "", line); sub(/^[A-Za-z0-9_]+ +[0-9]+ +/, "", line)
        sub(/ *: *[A-Za-z0-9_.]+\.c:[0-9]+: /, ": ", line)
        print cur "\t" line; seen = 1
      }' >>"$dir/why"
    # What is still to run: the pending entries without a result.
    awk 'FILENAME == ARGV[1] { done[$1] = 1; next } !done[$1]' "$dir/results" "$dir/pending" >"$dir/pending.next"
    if cmp -s "$dir/pending" "$dir/pending.next"; then
      # Nothing ran at all (the guest did not boot): give up on this shard.
      awk '{print $1, "crash"}' "$dir/pending" >>"$dir/results"
      echo "ltp: shard $i: no progress in boot $boot; see $log" >>"$dir/events"
      : >"$dir/pending.next"
    fi
    mv -f "$dir/pending.next" "$dir/pending"
  done
  rm -f "$dir/spare.img" "$dir/initramfs.cpio"
}

echo "ltp: $total entries on $JOBS $target guests (timeout ${LTP_TIMEOUT} s per entry)" >&2
start=$(date +%s)
rm -rf "$OUT"/shard*   # (an earlier run with more JOBS must not add its results)
for i in $(seq 0 $((JOBS - 1))); do
  shard "$i" &
done
wait
cat "$OUT"/shard*/events 2>/dev/null >&2
sort "$OUT"/shard*/results >"$OUT/results.txt"
sort -t "$(printf '\t')" -k1,1 -u "$OUT"/shard*/why >"$OUT/why.txt"
passed=$(awk '$2 == "pass"' "$OUT/results.txt" | wc -l)
conf=$(awk '$2 == "conf"' "$OUT/results.txt" | wc -l)
failed=$(( $(wc -l <"$OUT/results.txt") - passed - conf ))
awk '{print $2}' "$OUT/results.txt" | sed 's/^signal-.*/signal/' | sort | uniq -c | sort -rn | awk '{printf "ltp:   %-8s %d\n", $2, $1}' >&2
secs=$(( $(date +%s) - start ))
echo "ltp: done in $secs s; results in ${OUT#$ROOT/}/results.txt" >&2
echo "ltp: $passed passed, $failed failed, $conf skipped"
if [ $linux_cached = 1 ]; then
  # Kept for --doc, which needs Linux's column only when the key changed.
  mkdir -p "$CACHE/ltp"
  cp -f "$OUT/results.txt" "$LINUX_CACHE-results.txt"
  cp -f "$OUT/why.txt" "$LINUX_CACHE-why.txt"
  echo "$(cat "$CACHE/linux/version") ($LINUX_RELEASE), $JOBS guests, ${LTP_TIMEOUT} s per entry, $secs s, $(date -u +%Y-%m-%d)" \
    >"$LINUX_CACHE-run.txt"
  echo "$key" >"$LINUX_CACHE-key.txt"
  echo "ltp: cached in $LINUX_CACHE-{results,why,run,key}.txt" >&2
fi
if [ "$mode" = doc ]; then
  # Linux's column: measured now if the cache is not of this Image, LTP build and ltprun.
  scripts/build-linux.sh >/dev/null || die "the Linux build failed"
  if [ "$(cat "$LINUX_CACHE-key.txt" 2>/dev/null)" != "$(linux_key)" ] || [ ! -f "$LINUX_CACHE-results.txt" ]; then
    echo "ltp: Linux's results are not of this Image, LTP and ltprun: running the list on Linux" >&2
    env -u LINUX_IMAGE scripts/ltp.sh --linux >/dev/null || die "the Linux run failed"
  else
    echo "ltp: Linux's results from $LINUX_CACHE-results.txt ($(cat "$LINUX_CACHE-run.txt"))" >&2
  fi
  python3 scripts/lib/ltp-doc.py "$OUT/results.txt" "$OUT/why.txt" "$LTP/runtest/syscalls" \
    "$LINUX_CACHE-results.txt" "$LINUX_CACHE-why.txt" "$LINUX_CACHE-run.txt" >docs/LTP.md.new ||
    die "writing docs/LTP.md failed"
  mv -f docs/LTP.md.new docs/LTP.md
  echo "ltp: wrote docs/LTP.md" >&2
  # The regression list: what passed in a full run, less the entries that time themselves.
  if [ ${#tags[@]} -eq 0 ]; then
    { sed -n '1,/^[^#]/{/^#/p}' user/ltp/pass.txt
      awk 'FILENAME == ARGV[1] { if ($1 !~ /^#/) skip[$1] = 1; next } $2 == "pass" && !skip[$1] {print $1}' \
        user/ltp/timing.txt "$OUT/results.txt"; } >user/ltp/pass.txt.new
    mv -f user/ltp/pass.txt.new user/ltp/pass.txt
    echo "ltp: wrote user/ltp/pass.txt ($(grep -vc '^#' user/ltp/pass.txt) entries)" >&2
  fi
fi
# The regression list: every entry must pass (a TCONF there is a regression too).
if [ "$mode" = check ] && [ "$passed" -lt "$total" ]; then
  awk '$2 != "pass"' "$OUT/results.txt" | head -n 30 >&2
  exit 1
fi
exit 0
