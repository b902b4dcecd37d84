#!/usr/bin/env bash
# The guest's HTTP server seen from the host through virtio-net and QEMU's user networking
# (make test-net; README "Networking").
#
# Boots the kernel with NET=1 PORTS=<free port>:80 and a root holding the server and a directory
# of files (/www: text, empty, 64 KiB and 1 MiB binary, a nested one), waits until the port
# answers, then, with the host's curl, only ever to 127.0.0.1:
#   - keep-alive: one curl run fetching many URLs over one connection (and that it was one);
#   - concurrency: 8 curl runs at a time, each a keep-alive series of 3 URLs;
#   - every body compared byte for byte with its file, HEAD's Content-Length, 404s;
#   - then the quit path: the server answers, exits, init ends and the guest powers off; QEMU
#     must exit with status 0 and the console must say "init exited with status 0".
#
#   net-test.sh [--init "<init= line>"] [--quit <path>] [--requests N]
#     --init   how the guest starts the server (default: "/bin/httpd -n -s /quit /www", the C
#              server of user/c/httpd.c). A linked application serving /www the same way is
#              tested with e.g. --init "httpd /www" (and KERNEL=<image with it> if not default).
#     --quit   the request path that makes the server exit (default /quit)
#   Environment: BUILD, CARGO_TARGET_DIR, KERNEL (as scripts/run.sh), KEEP=1 keeps the work dir.
# Exit status 0 when all passed.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/bin:$PATH"
BUILD="${BUILD:-$PWD/build}"
INIT_LINE="/bin/httpd -n -s /quit /www"
QUIT=/quit
REQUESTS=300
while [ $# -gt 0 ]; do
  case $1 in
    --init) INIT_LINE=$2; shift 2 ;;
    --quit) QUIT=$2; shift 2 ;;
    --requests) REQUESTS=$2; shift 2 ;;
    *) echo "net-test: unknown argument $1" >&2; exit 2 ;;
  esac
done
command -v curl >/dev/null || { echo "net-test: curl not found (scripts/setup.sh installs it)" >&2; exit 2; }
[ -x "$BUILD/rootfs/bin/httpd" ] || { echo "net-test: no $BUILD/rootfs/bin/httpd (scripts/build-user.sh)" >&2; exit 2; }

mkdir -p "$BUILD"
WORK=$(mktemp -d "$BUILD/net-test.XXXXXX")
QEMU_PID=
cleanup() {
  if [ -n "$QEMU_PID" ] && kill -0 "$QEMU_PID" 2>/dev/null; then
    kill -- "-$QEMU_PID" 2>/dev/null || kill "$QEMU_PID" 2>/dev/null
  fi
  [ "${KEEP:-}" = 1 ] && echo "net-test: kept $WORK" >&2 || rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "net-test: FAIL: $*" >&2; echo "net-test: the guest's console (last lines):" >&2; tail -n 20 "$WORK/console.log" >&2; exit 1; }

# --- the root: the server and the files it serves ----------------------------------------------
ROOT=$WORK/root
mkdir -p "$ROOT/bin" "$ROOT/www/sub" "$ROOT/etc"
cp "$BUILD/rootfs/bin/httpd" "$ROOT/bin/"
printf '<html><body>BakaEx over virtio-net</body></html>\n' > "$ROOT/www/index.html"
printf 'hello from the guest\n' > "$ROOT/www/hello.txt"
: > "$ROOT/www/empty.txt"
head -c 65536 /dev/urandom > "$ROOT/www/medium.bin"
head -c 1048576 /dev/urandom > "$ROOT/www/large.bin"
seq 1 5000 > "$ROOT/www/sub/numbers.txt"
FILES=(index.html hello.txt empty.txt medium.bin large.bin sub/numbers.txt)

# --- a free port of the host's 127.0.0.1 ---------------------------------------------------------
port_taken() {
  awk -v p=":$(printf %04X "$1")" 'substr($2, length($2) - 4) == p { f = 1 } END { exit !f }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null
}
pick_port() {
  local p
  for _ in $(seq 50); do
    p=$(( 20000 + RANDOM % 40000 ))
    port_taken "$p" || { echo "$p"; return; }
  done
  echo "net-test: no free port found" >&2; exit 2
}

# --- boot; retry with another port if QEMU could not take the one chosen (a race with others) ----
boot() {
  PORT=$(pick_port)
  : > "$WORK/console.log"
  # A session of its own: cleanup ends run.sh and QEMU together.
  setsid env ROOTFS="$ROOT" INIT="$INIT_LINE" NET=1 PORTS="$PORT:80" TIMEOUT=240 LOG=warn \
    scripts/run.sh </dev/null >"$WORK/console.log" 2>&1 &
  QEMU_PID=$!
  local deadline=$((SECONDS + 90))
  while [ $SECONDS -lt $deadline ]; do
    if ! kill -0 "$QEMU_PID" 2>/dev/null; then
      grep -q "Could not set up host forwarding" "$WORK/console.log" && return 1
      fail "the guest ended before its server answered"
    fi
    if curl -s -o /dev/null -m 2 "http://127.0.0.1:$PORT/hello.txt"; then
      return 0
    fi
    sleep 0.3
  done
  fail "no answer on 127.0.0.1:$PORT within 90 s"
}
for try in 1 2 3; do
  boot && break
  [ "$try" = 3 ] && fail "QEMU could not forward any port"
done
echo "net-test: server up on 127.0.0.1:$PORT (guest port 80), started by: $INIT_LINE"
URL=http://127.0.0.1:$PORT
OUT=$WORK/out
mkdir -p "$OUT"
total=0

# --- keep-alive: many URLs in one curl run, one connection --------------------------------------
n=$(( REQUESTS / 3 ))
: > "$WORK/keepalive.cfg"
for i in $(seq "$n"); do
  f=${FILES[$(( i % ${#FILES[@]} ))]}
  printf 'url = "%s/%s"\noutput = "%s/ka.%d"\n' "$URL" "$f" "$OUT" "$i" >> "$WORK/keepalive.cfg"
done
curl -s -m 120 --fail -K "$WORK/keepalive.cfg" -w '%{num_connects}\n' > "$WORK/ka.connects" \
  || fail "keep-alive series: curl failed ($?)"
connects=$(awk '{ s += $1 } END { print s }' "$WORK/ka.connects")
[ "$connects" = 1 ] || fail "keep-alive series of $n requests used $connects connections (want 1)"
for i in $(seq "$n"); do
  f=${FILES[$(( i % ${#FILES[@]} ))]}
  cmp -s "$OUT/ka.$i" "$ROOT/www/$f" || fail "keep-alive request $i ($f): body differs"
done
total=$(( total + n ))
echo "net-test: $n requests over one kept-alive connection, every body identical"

# --- concurrency: 8 clients at a time, each a keep-alive series of 3 ----------------------------
m=$(( (REQUESTS - n) / 3 ))
one_client() {  # index: fetch 3 files over one connection, compare each
  local i=$1 a b c
  a=${FILES[$(( i % 6 ))]}; b=${FILES[$(( (i / 6 + 1) % 6 ))]}; c=${FILES[$(( (i + 3) % 6 ))]}
  curl -s -m 60 --fail "$URL/$a" -o "$OUT/c.$i.1" "$URL/$b" -o "$OUT/c.$i.2" "$URL/$c" -o "$OUT/c.$i.3" \
    || { echo "client $i: curl failed ($?)"; return 1; }
  cmp -s "$OUT/c.$i.1" "$ROOT/www/$a" && cmp -s "$OUT/c.$i.2" "$ROOT/www/$b" && cmp -s "$OUT/c.$i.3" "$ROOT/www/$c" \
    || { echo "client $i: a body differs"; return 1; }
}
export -f one_client
export URL OUT ROOT
FILES_LIST="${FILES[*]}"
export FILES_LIST
if ! seq "$m" | xargs -P 8 -I{} bash -c 'FILES=($FILES_LIST); one_client {}' > "$WORK/concurrent.log" 2>&1; then
  head -n 5 "$WORK/concurrent.log" >&2
  fail "concurrent clients"
fi
total=$(( total + 3 * m ))
echo "net-test: $m clients, 8 at a time, 3 requests each over keep-alive, every body identical"

# --- HEAD, 404 ------------------------------------------------------------------------------------
len=$(curl -s -m 10 -I "$URL/large.bin" | tr -d '\r' | awk -F': ' 'tolower($1) == "content-length" { print $2 }')
[ "$len" = 1048576 ] || fail "HEAD /large.bin: Content-Length '$len' (want 1048576)"
for p in /missing.txt /sub/nothing /sub; do
  code=$(curl -s -m 10 -o "$OUT/404" -w '%{http_code}' "$URL$p")
  [ "$code" = 404 ] || fail "GET $p: status $code (want 404)"
done
total=$(( total + 4 ))
echo "net-test: HEAD Content-Length and 404s right"

# --- the server ends, the guest powers off ---------------------------------------------------------
curl -s -m 10 "$URL$QUIT" > "$OUT/quit" || fail "GET $QUIT failed"
total=$(( total + 1 ))
for _ in $(seq 300); do
  kill -0 "$QEMU_PID" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$QEMU_PID" 2>/dev/null && fail "the guest did not power off within 30 s of $QUIT"
wait "$QEMU_PID"
status=$?
QEMU_PID=
tr -d '\r' < "$WORK/console.log" | grep -qx "init exited with status 0" \
  || fail "no 'init exited with status 0' on the console"
[ "$status" = 0 ] || fail "run.sh (QEMU) exited with status $status"
echo "net-test: PASS ($total requests; the guest powered off cleanly, status 0)"
