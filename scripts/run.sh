#!/usr/bin/env bash
# Boot the kernel in QEMU with a directory of riscv64 programs as the root file system:
# unpacked from an initramfs (default), or on an ext4 disk (docs/STORAGE.md).
#
#   ROOTFS=dir      the directory packed into the initramfs (default: $BUILD/rootfs)
#   ROOTFS_TYPE=    initramfs (default): ROOTFS becomes the initramfs;
#                   ext4: ROOTFS becomes an ext4 image (mkfs.ext4 -d, into $EXT4_IMAGE) that is
#                         attached as /dev/vda and booted with root=/dev/vda;
#                   disk: boot from the existing image $DISK (root=/dev/vda), e.g. a second boot
#                         of the image an ext4 run left behind
#   EXT4_IMAGE=img  where ROOTFS_TYPE=ext4 builds its image (default: a temporary file in $BUILD,
#                   removed afterwards; name one to keep it)
#   DISK_SIZE=MiB   its size (default: the directory's size * 1.5 + 32 MiB)
#   DISK=img        a raw disk image attached as virtio-blk /dev/vda (with ROOTFS_TYPE=initramfs it
#                   is just a disk to mount(2); with ROOTFS_TYPE=disk it is the root)
#   DISK_RO=1       attach DISK read-only (several QEMUs may share it; the kernel mounts it read-only)
#   DISK2=img       a second raw disk image, attached read-write after DISK: /dev/vdb (or /dev/vda
#                   without DISK), e.g. a scratch disk for tests of block devices
#   ROOT_RO=1       mount the root disk read-only (bootarg ro)
#   INIT="cmd ..."  what to run; several programs separated by " ; " run at once (default /bin/demo);
#                   leading NAME=value words of a program are added to its environment
#   LOG=level       kernel log level: error|warn|info|debug|trace (default warn)
#   TRACE=1         print every syscall strace-style (boot argument `trace`)
#   FAULT=name      make that syscall panic (boot argument `panic_on=`: tests of panic isolation)
#   NET=1           attach a virtio-net device on QEMU's user networking (no root, no host set-up:
#                   the guest gets 10.0.2.15 by DHCP, the host is 10.0.2.2)
#   PORTS=h:g[,...] forward TCP port h of the host's 127.0.0.1 to port g of the guest (implies
#                   NET=1), e.g. PORTS=8080:80 makes a guest server on port 80 http://127.0.0.1:8080
#   IP=...          the guest's boot argument ip= (default DHCP), e.g. IP=10.0.2.15/24,10.0.2.2
#   TIMEOUT=secs    give up after that long and exit 124 (default: no limit)
#   QEMU_FLAGS=...  extra QEMU options, e.g. "-icount shift=0" for deterministic guest time
#   KERNEL=path     the kernel image (default: what scripts/build-kernel.sh builds; with GDB=1,
#                   what DEBUGINFO=1 scripts/build-kernel.sh builds)
#
# Debugging (`make debug`, README "Debugging"):
#   GDB=1           QEMU starts halted (-S) in the background with its gdbstub on 127.0.0.1:GDB_PORT
#                   and gdb-multiarch runs in the foreground, attached, with the kernel's symbols.
#                   The guest's console is not this terminal (gdb has it): it is the Unix socket
#                   CONSOLE_SOCK (`make console` in another terminal connects to it with socat), and
#                   all it prints also goes to CONSOLE_LOG; in gdb, `console` shows the last lines.
#                   When gdb exits, QEMU is stopped. Exit status: gdb's.
#   GDB_PORT=n      the gdbstub's TCP port (default 1234, the port of QEMU's -s)
#   GDB_X=file      gdb commands run after attaching (gdb stays interactive)
#   GDB_BATCH=file  gdb commands run in batch mode (gdb -batch: no prompt; scripts/debug-smoke.sh)
#   CONSOLE_SOCK=path, CONSOLE_LOG=path   (default $BUILD/console.sock, $BUILD/console.log)
#
# Exit status: init's exit status N, or 128+S if a signal S killed it (from the kernel's last line,
# "init exited with status N" / "init killed by signal S"); QEMU's status after a program's
# reboot(2) ("reboot: Power down", 0); QEMU's own status (or 1) if none of these lines appeared
# (kernel panic, init not found: 127); 124 on timeout.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/bin:/usr/sbin:/sbin:$PATH"   # mkfs.ext4 lives in sbin
BUILD="${BUILD:-$PWD/build}"
ROOTFS="${ROOTFS:-$BUILD/rootfs}"
ROOTFS_TYPE="${ROOTFS_TYPE:-initramfs}"
DISK="${DISK:-}"
DISK2="${DISK2:-}"
EXT4_IMAGE="${EXT4_IMAGE:-}"
DISK_SIZE="${DISK_SIZE:-}"
ROOT_RO="${ROOT_RO:-}"
INIT="${INIT:-/bin/demo}"
LOG="${LOG:-warn}"
TIMEOUT="${TIMEOUT:-}"
QEMU_FLAGS="${QEMU_FLAGS:-}"
NET="${NET:-}"
PORTS="${PORTS:-}"
IP="${IP:-}"
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/bakaex/target}"
GDB="${GDB:-}"
if [ "$GDB" = 1 ]; then
  KERNEL="${KERNEL:-$CARGO_TARGET_DIR/debuginfo/riscv64imac-unknown-none-elf/release/kernel}"
else
  KERNEL="${KERNEL:-$CARGO_TARGET_DIR/riscv64imac-unknown-none-elf/release/kernel}"
fi

[ -f "$KERNEL" ] || { echo "run.sh: no kernel at $KERNEL (run scripts/build-kernel.sh)" >&2; exit 2; }
case $ROOTFS_TYPE in
  initramfs|ext4)
    [ -d "$ROOTFS" ] || { echo "run.sh: no root file system directory $ROOTFS (set ROOTFS=dir)" >&2; exit 2; } ;;
  disk)
    [ -f "$DISK" ] || { echo "run.sh: ROOTFS_TYPE=disk needs DISK=<image> (no file '$DISK')" >&2; exit 2; } ;;
  *) echo "run.sh: ROOTFS_TYPE must be initramfs, ext4 or disk (not '$ROOTFS_TYPE')" >&2; exit 2 ;;
esac

mkdir -p "$BUILD"
# Several runs may share $BUILD (scripts/qemu-tests.sh runs tests in parallel): each packs its own
# archive and keeps its own copy of the output, both removed at the end.
CPIO="$BUILD/initramfs.$$.cpio"
LOGFILE="$BUILD/qemu.$$.log"
TMP_IMAGE=""
trap 'rm -f "$CPIO" "$LOGFILE" ${TMP_IMAGE:+"$TMP_IMAGE"}' EXIT
BOOTARGS="log=$LOG"
[ "${TRACE:-0}" = 1 ] && BOOTARGS+=" trace"
[ -n "${FAULT:-}" ] && BOOTARGS+=" panic_on=$FAULT"
CONSOLE=(-nographic)   # the console (the serial port) on this terminal
if [ "$GDB" = 1 ]; then
  GDB_PORT="${GDB_PORT:-1234}"
  CONSOLE_SOCK="${CONSOLE_SOCK:-$BUILD/console.sock}"
  CONSOLE_LOG="${CONSOLE_LOG:-$BUILD/console.log}"
  command -v gdb-multiarch >/dev/null || { echo "run.sh: gdb-multiarch not found (scripts/setup.sh installs it)" >&2; exit 2; }
  for f in ${GDB_X:+"$GDB_X"} ${GDB_BATCH:+"$GDB_BATCH"}; do
    [ -f "$f" ] || { echo "run.sh: no gdb command file $f" >&2; exit 2; }
  done
  # The console is a Unix socket (a client may come and go) with a log of all that is printed.
  CONSOLE=(-display none -monitor none
           -chardev "socket,id=con,path=$CONSOLE_SOCK,server=on,wait=off,logfile=$CONSOLE_LOG,logappend=off"
           -serial chardev:con
           -S -gdb "tcp:127.0.0.1:$GDB_PORT")
fi
QEMU=(qemu-system-riscv64 -machine virt "${CONSOLE[@]}" -bios default -kernel "$KERNEL" -m 256M -no-reboot -smp 1)
case $ROOTFS_TYPE in
  initramfs)
    (cd "$ROOTFS" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) > "$CPIO" || {
      echo "run.sh: cannot pack $ROOTFS" >&2; exit 2; }
    QEMU+=(-initrd "$CPIO") ;;
  ext4)
    command -v mkfs.ext4 >/dev/null || { echo "run.sh: mkfs.ext4 not found (e2fsprogs; scripts/setup.sh)" >&2; exit 2; }
    if [ -z "$EXT4_IMAGE" ]; then
      EXT4_IMAGE="$BUILD/rootfs.$$.ext4"
      TMP_IMAGE=$EXT4_IMAGE
    fi
    size=${DISK_SIZE:-$(( $(du -sm "$ROOTFS" | cut -f1) * 3 / 2 + 32 ))}
    # 4 KiB blocks and no dir_index (htree): see docs/STORAGE.md for why.
    rm -f "$EXT4_IMAGE"
    mkfs.ext4 -q -F -b 4096 -O ^dir_index -E root_owner=0:0 -L bakaex-root -d "$ROOTFS" "$EXT4_IMAGE" "${size}M" || {
      echo "run.sh: mkfs.ext4 of $ROOTFS failed" >&2; exit 2; }
    DISK=$EXT4_IMAGE ;;
esac
if [ -n "$DISK" ]; then
  [ -f "$DISK" ] || { echo "run.sh: no disk image $DISK" >&2; exit 2; }
  QEMU+=(-drive "file=$DISK,if=none,format=raw,id=hd0${DISK_RO:+,readonly=on}" -device virtio-blk-device,drive=hd0)
fi
if [ -n "$DISK2" ]; then
  [ -f "$DISK2" ] || { echo "run.sh: no disk image $DISK2" >&2; exit 2; }
  QEMU+=(-drive "file=$DISK2,if=none,format=raw,id=hd1" -device virtio-blk-device,drive=hd1)
fi
if [ "$ROOTFS_TYPE" != initramfs ]; then
  BOOTARGS+=" root=/dev/vda"
  [ -z "$ROOT_RO" ] || BOOTARGS+=" ro"
fi
[ -n "$PORTS" ] && NET=1
if [ "$NET" = 1 ]; then
  netdev="user,id=net0"
  IFS=',' read -ra fwds <<<"$PORTS"
  for f in "${fwds[@]}"; do
    [ -n "$f" ] || continue
    if ! [[ "$f" =~ ^([0-9]+):([0-9]+)$ ]] || [ "${BASH_REMATCH[1]}" -gt 65535 ] || [ "${BASH_REMATCH[2]}" -gt 65535 ]; then
      echo "run.sh: PORTS wants <host port>:<guest port>[,...], not '$f'" >&2; exit 2
    fi
    # The host side is always 127.0.0.1: nothing of the guest is exposed beyond this machine.
    netdev+=",hostfwd=tcp:127.0.0.1:${BASH_REMATCH[1]}-:${BASH_REMATCH[2]}"
  done
  QEMU+=(-netdev "$netdev" -device virtio-net-device,netdev=net0)
elif [ -n "$NET" ] && [ "$NET" != 0 ]; then
  echo "run.sh: NET must be 1 or empty (not '$NET')" >&2; exit 2
fi
[ -n "$IP" ] && BOOTARGS+=" ip=$IP"
QEMU+=(-append "$BOOTARGS init=$INIT")
# shellcheck disable=SC2206  # QEMU_FLAGS is a list of words on purpose
QEMU+=($QEMU_FLAGS)

# A TCP port is taken when /proc/net/tcp{,6} lists it in state 0A (LISTEN).
listening() {
  awk -v p=":$(printf %04X "$1")" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

if [ "$GDB" = 1 ]; then
  if listening "$GDB_PORT"; then
    echo "run.sh: TCP port $GDB_PORT is in use (another debug session?): set GDB_PORT=<port>" >&2
    exit 2
  fi
  QEMU_PIDFILE="$BUILD/qemu.$$.pid"
  QEMU_ERR="$BUILD/qemu.$$.err"
  GDB_CMDS="$BUILD/gdb.$$.cmds"
  rm -f "$CONSOLE_SOCK"
  trap 'if [ -s "$QEMU_PIDFILE" ]; then kill "$(cat "$QEMU_PIDFILE")" 2>/dev/null; fi
        rm -f "$CPIO" "$LOGFILE" "$QEMU_PIDFILE" "$QEMU_ERR" "$GDB_CMDS" "$CONSOLE_SOCK" ${TMP_IMAGE:+"$TMP_IMAGE"}' EXIT
  # QEMU in a session of its own: a ^C typed at gdb (which interrupts the guest) must not end it.
  setsid "${QEMU[@]}" -pidfile "$QEMU_PIDFILE" </dev/null >/dev/null 2>"$QEMU_ERR" &
  qemu=$!
  for _ in $(seq 100); do
    listening "$GDB_PORT" && break
    kill -0 "$qemu" 2>/dev/null || break
    sleep 0.1
  done
  if ! listening "$GDB_PORT"; then
    echo "run.sh: QEMU did not start its gdbstub on port $GDB_PORT:" >&2
    cat "$QEMU_ERR" >&2
    exit 2
  fi
  cat >"$GDB_CMDS" <<GDBCMDS
set pagination off
target remote 127.0.0.1:$GDB_PORT
define console
  shell tail -n 25 '$CONSOLE_LOG'
end
document console
Show the last 25 lines the guest printed on its console ($CONSOLE_LOG).
end
GDBCMDS
  [ -n "${GDB_BATCH:-}" ] || cat >&2 <<MSG
run.sh: QEMU is halted at its first instruction; gdb attaches on 127.0.0.1:$GDB_PORT.
run.sh: the guest's console: 'make console' in another terminal (socat on $CONSOLE_SOCK),
run.sh: or 'console' in gdb for its last lines ($CONSOLE_LOG). Quitting gdb stops QEMU.
MSG
  GDB_CMD=(gdb-multiarch -q "$KERNEL" -x "$GDB_CMDS")
  if [ -n "${GDB_BATCH:-}" ]; then
    GDB_CMD=(gdb-multiarch -q -nx -batch "$KERNEL" -x "$GDB_CMDS" -x "$GDB_BATCH")   # no ~/.gdbinit
  elif [ -n "${GDB_X:-}" ]; then
    GDB_CMD+=(-x "$GDB_X")
  fi
  [ -z "$TIMEOUT" ] || GDB_CMD=(timeout --foreground -k 5 "$TIMEOUT" "${GDB_CMD[@]}")
  # On a terminal, gdb runs as a job of its own (set -m): a ^C typed to interrupt the guest
  # reaches gdb only, not this script nor make, which would end the session when gdb quits.
  [ -t 0 ] && set -m
  "${GDB_CMD[@]}"
  status=$?
  set +m
  exit "$status"
fi

if [ -n "$TIMEOUT" ]; then
  QEMU=(timeout --foreground -k 5 "$TIMEOUT" "${QEMU[@]}")
fi

# Standard input becomes the console's input (a terminal, or e.g. `printf 'ls\n' | run.sh`);
# a closed stdin (some CI runners) is replaced by /dev/null.
{ true <&0; } 2>/dev/null || exec </dev/null
"${QEMU[@]}" | tee "$LOGFILE"
status=${PIPESTATUS[0]}

if [ -n "$TIMEOUT" ] && [ "$status" -eq 124 ]; then
  echo "run.sh: timed out after ${TIMEOUT}s" >&2
  exit 124
fi
last=$(tr -d '\r' < "$LOGFILE" | grep -E '^(init (exited with status|killed by signal) [0-9]+|reboot: .*)$' | tail -n 1)
case "$last" in
  "init exited with status "*) exit "${last##* }" ;;
  "init killed by signal "*) exit $((128 + ${last##* })) ;;
  "reboot: "*) exit "$status" ;;   # poweroff/reboot(2): QEMU's own status, 0 when all went well
esac
[ "$status" -ne 0 ] && exit "$status"
exit 1
