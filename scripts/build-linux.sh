#!/usr/bin/env bash
# Builds a small Linux 6.1 kernel `Image` for riscv64 (QEMU virt) from Debian bookworm's own source
# package, the reference kernel of the side-by-side benchmarks (scripts/bench.sh,
# docs/BENCHMARKS.md) and of the Linux column of docs/LTP.md (scripts/ltp.sh --linux). Prints the
# Image's path on stdout.
#
#   scripts/build-linux.sh           build (cached) and print the path of the Image
#   scripts/build-linux.sh --force   rebuild (the unpacked source is kept)
#
# Steps, each skipped when already done:
#   1. host packages for a kernel build (flex, bison, bc, libssl-dev, libelf-dev, dpkg-dev, the
#      riscv64 cross gcc, cpio, qemu-system-misc), installed with apt-get when missing
#   2. a deb-src entry for bookworm (/etc/apt/sources.list.d/bakaex-deb-src.sources, the file
#      scripts/build-busybox.sh also writes) if apt has none, then `apt-get update`
#   3. `apt-get source linux` into $CACHE/linux/src (about 140 MB download, 1.4 GB unpacked,
#      Debian's patches applied by dpkg-source)
#   4. `make tinyconfig`, the fragments below on top (what QEMU virt and the benchmarks need, then
#      what LTP's syscall tests need), `make olddefconfig`, every fragment line checked to be in
#      effect, `make -j$JOBS Image` out of tree in $CACHE/linux/build (about 4 minutes on 2 idle
#      cores, 15 when they are shared)
#   5. a boot check: a static init that prints a line and calls reboot(RB_POWER_OFF), in an
#      initramfs, under qemu-system-riscv64 -machine virt (a few seconds)
#   Only then are $CACHE/linux/Image, config (the .config, which LTP's guests get as
#   /boot/config-<release>), version (linux-6.1.N), release (uname -r) and stamp written. The
#   stamp is a hash of the recipe number, the cross compiler and the fragments: a changed fragment
#   rebuilds, anything else finds the Image and exits at once.
#
# Environment: CACHE (~/.cache/bakaex), CROSS_COMPILE (riscv64-linux-gnu-), JOBS (2).
set -euo pipefail
case ${CACHE:-} in ''|/*) ;; *) CACHE=$PWD/$CACHE ;; esac   # a relative CACHE is relative to the caller
cd "$(dirname "$0")/.."
export PATH=/usr/bin:/usr/sbin:/bin:/sbin:$PATH
CACHE=${CACHE:-$HOME/.cache/bakaex}
LX=$CACHE/linux
CROSS_COMPILE=${CROSS_COMPILE:-riscv64-linux-gnu-}
JOBS=${JOBS:-2}
FORCE=0
[ "${1:-}" != --force ] || FORCE=1
# Bump when the recipe below changes in a way that needs a rebuild.
RECIPE=1
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo

log() { echo "build-linux: $*" >&2; }
die() { log "$*"; exit 1; }

# What QEMU's virt machine and the benchmark programs need, on top of tinyconfig. Each line must
# survive olddefconfig (checked), so a symbol whose dependencies are missing is caught.
fragment() {
  cat <<'EOF'
CONFIG_ARCH_RV64I=y
CONFIG_64BIT=y
CONFIG_MMU=y
CONFIG_SOC_VIRT=y
CONFIG_FPU=y
CONFIG_RISCV_ISA_C=y
CONFIG_CMODEL_MEDANY=y
CONFIG_CC_OPTIMIZE_FOR_PERFORMANCE=y
# CONFIG_CC_OPTIMIZE_FOR_SIZE is not set
CONFIG_SLUB=y
# CONFIG_SLOB is not set
CONFIG_RISCV_SBI_V01=y
CONFIG_PRINTK=y
CONFIG_BUG=y
CONFIG_TTY=y
CONFIG_SERIAL_8250=y
CONFIG_SERIAL_8250_CONSOLE=y
CONFIG_SERIAL_OF_PLATFORM=y
CONFIG_SERIAL_EARLYCON_RISCV_SBI=y
CONFIG_HVC_RISCV_SBI=y
CONFIG_VIRTIO_MENU=y
CONFIG_VIRTIO_MMIO=y
CONFIG_BLOCK=y
CONFIG_BLK_DEV=y
CONFIG_VIRTIO_BLK=y
CONFIG_BLK_DEV_INITRD=y
CONFIG_BINFMT_ELF=y
CONFIG_BINFMT_SCRIPT=y
CONFIG_PROC_FS=y
CONFIG_SYSFS=y
CONFIG_DEVTMPFS=y
CONFIG_DEVTMPFS_MOUNT=y
CONFIG_SHMEM=y
CONFIG_TMPFS=y
CONFIG_FUTEX=y
CONFIG_EPOLL=y
CONFIG_SIGNALFD=y
CONFIG_TIMERFD=y
CONFIG_EVENTFD=y
CONFIG_POSIX_TIMERS=y
CONFIG_MULTIUSER=y
CONFIG_FILE_LOCKING=y
CONFIG_UNIX98_PTYS=y
CONFIG_NET=y
CONFIG_INET=y
CONFIG_UNIX=y
CONFIG_NETDEVICES=y
EOF
}

# What LTP's syscall tests (make ltp, scripts/ltp.sh --linux) need on top: the system calls and
# file systems a small distribution kernel has, so that the Linux column of docs/LTP.md measures
# Linux and not this configuration. EMBEDDED off (it hides memfd_secret), EXPERT kept. The RTC
# (QEMU virt's goldfish, which BakaEx reads too) gives the wall clock today's date: from 1970,
# clock_settime cannot set the time back (not below the boot time) and LTP's clock tests break.
# Not here on purpose: modules, mkfs-only file systems (btrfs, xfs, vfat...), NUMA, BPF,
# SECURITY (so no fanotify permission events), CHECKPOINT_RESTORE, cgroup controllers (MEMCG's
# charging of every page and kernel object made make bench's fork_exit_wait 8 % and
# mmap_touch_1m 27 % slower; the syscall tests need only the cgroup core).
fragment_ltp() {
  cat <<'EOF'
# CONFIG_EMBEDDED is not set
CONFIG_EXPERT=y
CONFIG_BASE_FULL=y
CONFIG_HIGH_RES_TIMERS=y
CONFIG_SYSVIPC=y
CONFIG_POSIX_MQUEUE=y
CONFIG_CROSS_MEMORY_ATTACH=y
CONFIG_BSD_PROCESS_ACCT=y
CONFIG_BSD_PROCESS_ACCT_V3=y
CONFIG_PROC_SYSCTL=y
CONFIG_PROC_PAGE_MONITOR=y
CONFIG_COREDUMP=y
CONFIG_ELF_CORE=y
CONFIG_FHANDLE=y
CONFIG_AIO=y
CONFIG_IO_URING=y
CONFIG_ADVISE_SYSCALLS=y
CONFIG_MEMBARRIER=y
CONFIG_KCMP=y
CONFIG_RSEQ=y
CONFIG_SECCOMP=y
CONFIG_SECCOMP_FILTER=y
CONFIG_USERFAULTFD=y
CONFIG_SECRETMEM=y
CONFIG_SWAP=y
CONFIG_VM_EVENT_COUNTERS=y
CONFIG_TRANSPARENT_HUGEPAGE=y
CONFIG_TRANSPARENT_HUGEPAGE_MADVISE=y
CONFIG_KSM=y
CONFIG_HUGETLBFS=y
CONFIG_PERF_EVENTS=y
CONFIG_KEYS=y
CONFIG_PERSISTENT_KEYRINGS=y
CONFIG_NAMESPACES=y
CONFIG_UTS_NS=y
CONFIG_TIME_NS=y
CONFIG_IPC_NS=y
CONFIG_USER_NS=y
CONFIG_PID_NS=y
CONFIG_NET_NS=y
CONFIG_CGROUPS=y
CONFIG_TMPFS_XATTR=y
CONFIG_TMPFS_POSIX_ACL=y
CONFIG_EXT4_FS=y
CONFIG_EXT4_FS_POSIX_ACL=y
CONFIG_BLK_DEV_LOOP=y
CONFIG_INOTIFY_USER=y
CONFIG_DNOTIFY=y
CONFIG_FANOTIFY=y
CONFIG_PACKET=y
CONFIG_IP_MULTICAST=y
CONFIG_IPV6=y
CONFIG_RTC_CLASS=y
CONFIG_RTC_HCTOSYS=y
CONFIG_RTC_DRV_GOLDFISH=y
EOF
}

want_stamp() {
  { echo "recipe $RECIPE"; echo "cross $CROSS_COMPILE $("${CROSS_COMPILE}gcc" -dumpfullversion 2>/dev/null)"; fragment; fragment_ltp; } |
    sha256sum | cut -d' ' -f1
}

# --- 1: host packages ----------------------------------------------------------------------------
PKGS=(make gcc libc6-dev flex bison bc libssl-dev libelf-dev dpkg-dev xz-utils cpio
  gcc-riscv64-linux-gnu libc6-dev-riscv64-cross qemu-system-misc)
install_packages() {
  local missing=() p
  for p in "${PKGS[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  local err
  err=$(mktemp)
  if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >/dev/null 2>"$err"; then
    cat "$err" >&2; rm -f "$err"
    die "apt-get install ${missing[*]} failed"
  fi
  rm -f "$err"
}

# --- 2 + 3: Debian's source package ---------------------------------------------------------------
. scripts/lib/deb-src.sh   # have_deb_src, add_deb_src

source_dir() {
  [ -d "$LX/src" ] || return 0
  find "$LX/src" -mindepth 1 -maxdepth 1 -type d -name 'linux-*' 2>/dev/null | head -n 1
}

fetch_source() {
  local updated=0 try dir
  if ! have_deb_src; then
    add_deb_src
    $SUDO apt-get update -qq
    updated=1
  fi
  rm -rf "$LX/src.tmp"
  mkdir -p "$LX/src.tmp"
  log "apt-get source linux (about 140 MB, then unpacking and Debian's patches: 1-3 minutes)"
  for try in 1 2; do
    # -o APT::Sandbox::User=root: no "download is performed unsandboxed" warning when root.
    if (cd "$LX/src.tmp" && apt-get source -qq -o APT::Sandbox::User=root linux >"$LX/src.tmp.log" 2>&1); then
      break
    fi
    if [ $try = 1 ] && [ $updated = 0 ]; then
      log "apt-get source failed; running apt-get update (the source index may be missing)"
      $SUDO apt-get update -qq
      updated=1
      rm -rf "$LX/src.tmp"; mkdir -p "$LX/src.tmp"
      continue
    fi
    cat "$LX/src.tmp.log" >&2
    die "apt-get source linux failed"
  done
  dir=$(find "$LX/src.tmp" -mindepth 1 -maxdepth 1 -type d -name 'linux-*' | head -n 1)
  [ -n "$dir" ] && [ -f "$dir/Makefile" ] || die "apt-get source linux gave no linux-* directory"
  # The tarballs are not needed once unpacked.
  find "$LX/src.tmp" -mindepth 1 -maxdepth 1 -type f -delete
  rm -rf "$LX/src"
  mv "$LX/src.tmp" "$LX/src"
  rm -f "$LX/src.tmp.log"
}

# --- 4: configure and build ------------------------------------------------------------------------
build() {
  local src=$1 out=$LX/build start=$SECONDS frag=$LX/fragment.config
  local mk=(make -C "$src" O="$out" ARCH=riscv CROSS_COMPILE="$CROSS_COMPILE" -s)
  mkdir -p "$out"
  { fragment; fragment_ltp; } >"$frag"
  log "configuring $(basename "$src"): tinyconfig + $(grep -c . "$frag") options"
  "${mk[@]}" tinyconfig >"$LX/config.log" 2>&1 || { cat "$LX/config.log" >&2; die "make tinyconfig failed"; }
  # merge_config.sh: the fragment's lines replace tinyconfig's, then olddefconfig.
  (cd "$out" && "$src/scripts/kconfig/merge_config.sh" -m .config "$frag") >>"$LX/config.log" 2>&1 ||
    { cat "$LX/config.log" >&2; die "merge_config.sh failed"; }
  "${mk[@]}" olddefconfig >>"$LX/config.log" 2>&1 || { cat "$LX/config.log" >&2; die "make olddefconfig failed"; }
  local line bad=0
  while IFS= read -r line; do
    case $line in
      CONFIG_*=*) grep -qxF -- "$line" "$out/.config" ;;
      "# CONFIG_"*" is not set") line=${line#\# }; ! grep -q "^${line% is not set}=" "$out/.config" ;;
      *) continue ;;
    esac || { log "fragment line not in effect after olddefconfig: $line"; bad=1; }
  done <"$frag"
  [ $bad = 0 ] || die "the config fragment does not apply (dependencies missing?)"
  log "make -j$JOBS Image (about 3-4 minutes on 2 cores; log: $LX/build.log)"
  # Reproducible-ish: no host name, time or build count in the version string.
  if ! KBUILD_BUILD_USER=bakaex KBUILD_BUILD_HOST=bench KBUILD_BUILD_TIMESTAMP="$(date -u -d @0)" KBUILD_BUILD_VERSION=1 \
      "${mk[@]}" -j"$JOBS" Image >"$LX/build.log" 2>&1; then
    tail -n 40 "$LX/build.log" >&2
    die "make Image failed (whole log: $LX/build.log)"
  fi
  [ -f "$out/arch/riscv/boot/Image" ] || die "no arch/riscv/boot/Image after the build"
  log "built $(basename "$src") Image: $(stat -c %s "$out/arch/riscv/boot/Image") bytes, $((SECONDS - start)) s"
}

# --- 5: boot check ---------------------------------------------------------------------------------
verify_boot() {
  local image=$1 dir=$LX/verify
  rm -rf "$dir"
  mkdir -p "$dir/root"
  cat >"$dir/init.c" <<'EOF'
#include <stdio.h>
#include <sys/reboot.h>
#include <sys/utsname.h>
#include <unistd.h>
int main(void) {
  struct utsname u;
  uname(&u);
  printf("bakaex-linux-check: %s %s %s pid %d\n", u.sysname, u.release, u.machine, (int)getpid());
  fflush(stdout);
  sync();
  reboot(RB_POWER_OFF);
  return 1;
}
EOF
  "${CROSS_COMPILE}gcc" -static -O2 -o "$dir/root/init" "$dir/init.c"
  (cd "$dir/root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$dir/initramfs.cpio"
  if ! timeout -k 5 120 qemu-system-riscv64 -machine virt -nographic -bios default -m 256M -no-reboot -smp 1 \
      -kernel "$image" -initrd "$dir/initramfs.cpio" -append "console=ttyS0 rdinit=/init quiet" \
      </dev/null >"$dir/boot.log" 2>&1; then
    cat "$dir/boot.log" >&2
    die "the Linux Image did not boot and power off (log: $dir/boot.log)"
  fi
  grep -q 'bakaex-linux-check: Linux 6\.1.* riscv64 pid 1' "$dir/boot.log" || {
    cat "$dir/boot.log" >&2; die "the boot check's init did not print its line (log: $dir/boot.log)"; }
  log "boot check: $(grep -a 'bakaex-linux-check:' "$dir/boot.log" | tr -d '\r' | head -n 1)"
}

install_packages
if [ $FORCE = 1 ] || [ ! -f "$LX/Image" ] || [ "$(cat "$LX/stamp" 2>/dev/null)" != "$(want_stamp)" ]; then
  start=$SECONDS
  mkdir -p "$LX"
  src=$(source_dir)
  if [ -z "$src" ] || [ ! -f "$src/Makefile" ]; then
    fetch_source
    src=$(source_dir)
  fi
  rm -f "$LX/stamp"
  build "$src"
  verify_boot "$LX/build/arch/riscv/boot/Image"
  cp -f "$LX/build/arch/riscv/boot/Image" "$LX/Image.tmp"
  cp -f "$LX/build/.config" "$LX/config"
  basename "$src" >"$LX/version"
  cp -f "$LX/build/include/config/kernel.release" "$LX/release"
  mv -f "$LX/Image.tmp" "$LX/Image"
  want_stamp >"$LX/stamp"
  log "$LX/Image ready ($(cat "$LX/version"), $((SECONDS - start)) s in all)"
fi
# (an Image built before the release file was kept: the build directory still knows it)
[ -f "$LX/release" ] || cp -f "$LX/build/include/config/kernel.release" "$LX/release"
echo "$LX/Image"
