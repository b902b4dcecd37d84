#!/bin/sh
# BakaEx's busybox test (docs/BUSYBOX.md): a POSIX sh script run by busybox sh that exercises the
# shell and ~110 applets. scripts/busybox-test.sh runs it twice, on the kernel as init
# (INIT="/bin/sh /busybox-test.sh") and under Linux (the same busybox under qemu-riscv64-static,
# chrooted into the same root file system), and compares the output section by section.
#
# Rules, so that the output is the same everywhere:
# - everything goes to stdout (stderr is merged into it below); stdin is /dev/null
# - fixed TZ, locale, umask, PATH; work in a fresh directory per section under $T, relative paths
# - no pids, times, sizes of directories or file systems, host names, kernel versions: print
#   properties instead ("ps lists the sleep: yes")
# - stdout is a terminal on the kernel but a file for Linux: always `ls -1`/`ls -l` with
#   --color=never, never an applet's tty-dependent layout
# - anything whose order is not defined (find, readdir, parallel jobs) is sorted
# Each section starts with "SECTION <name>" and ends with "-- <name> status N". Arguments, if any,
# name the sections to run (`sh /busybox-test.sh files text`). The first two use
# only shell builtins (no fork, exec or pipe); every later one runs in a subshell, so that it can
# neither change the environment of the next one nor end the script.
exec </dev/null 2>&1
export PATH=/bin:/usr/bin:/sbin:/usr/sbin TZ=UTC LC_ALL=C HOME=/
umask 022
T=/tmp/busybox-test

section() { echo "SECTION $1"; }
yesno() { if "$@"; then echo yes; else echo no; fi; }

# ---------------------------------------------------------------------------------------------
# Sections without fork/exec/pipe: shell builtins only.
# ---------------------------------------------------------------------------------------------
sec_builtins() {
  echo "echo: plain words"
  echo -n "no newline"; echo " <- joined"
  echo -e 'escapes:\ttab\\backslash'
  printf '%s|%5s|%-5s|%d|%x|%o|%c|%%\n' str ab cd 42 255 8 xyz
  printf '%05.1f %.3e %i\n' 3.14159 12345.678 -17
  printf '%s\n' reused format
  printf '%b\n' 'b:\tx'
  x=hello.tar.gz
  echo "lengths and trims: ${#x} ${x%.*} ${x%%.*} ${x#*.} ${x##*.}"
  echo "defaults: ${unset_var:-default} ${unset_var-dash} [${empty_var:+alt}] [${x:+alt}]"
  : "${assigned:=value}"; echo "assigned: $assigned"
  echo "bash-style: ${x/l/L} ${x//l/L} ${x:1:3}"
  echo "arith: $((3 + 4 * 5)) $(( (3 + 4) * 5 )) $((17 / 5)) $((17 % 5)) $((1 << 10)) $((0x1f)) $((-7 / 2)) $((7 > 3)) $((i = 5, i * 2))"
  i=0
  while [ $i -lt 6 ]; do
    i=$((i + 1))
    [ $i -eq 2 ] && continue
    [ $i -eq 5 ] && break
    echo "while $i"
  done
  until [ $i -le 0 ]; do i=$((i - 1)); done
  echo "until -> $i"
  for w in one "two three" four; do echo "for [$w]"; done
  set -- a "b c" d
  echo "params: $# [$1] [$2]"
  shift
  echo "after shift: $# [$*]"
  for a in "$@"; do echo "arg [$a]"; done
  v="a:b::c"
  old_ifs=$IFS; IFS=:; set -- $v; IFS=$old_ifs
  echo "IFS split: $# fields, third [$3]"
  for f in foo.c foo.h bar; do
    case $f in
      *.c) echo "case $f: source" ;;
      *.h) echo "case $f: header" ;;
      *) echo "case $f: other" ;;
    esac
  done
  case x in [abc]) echo no ;; [x-z]) echo "case range: yes" ;; esac
  f() { local v=inner; echo "function: $1 $v"; return 3; }
  v=outer; f arg; echo "return $? v=$v"
  fact() { if [ "$1" -le 1 ]; then r=1; else fact $(($1 - 1)); r=$((r * $1)); fi; }
  fact 10; echo "recursion: 10! = $r"
  [ -z "" ] && [ -n x ] && [ abc = abc ] && [ abc != abd ] && echo "test strings: ok"
  [ 3 -gt 2 ] && [ ! 1 -eq 2 ] && [ 2 -le 2 ] && [ -1 -lt 0 ] && echo "test numbers: ok"
  [ -d / ] && [ -f /bin/busybox ] && [ -x /bin/busybox ] && [ -L /bin/sh ] && [ ! -e /nonexistent ] && echo "test files: ok"
  [ abc \< abd ] && test 1 -lt 2 -a 2 -lt 3 && [[ abc == a* ]] && echo "test misc: ok"
  false; echo "false: $?"; true; echo "true: $?"; ! true; echo "! true: $?"
  eval 'echo "eval: $((40 + 2))"'
  command -v echo; command -v ls; command -v cd
  type cd
  alias hi='echo alias works'; eval hi; unalias hi
  set -- -a -b val rest1 rest2
  OPTIND=1
  while getopts ab: o; do echo "getopts: $o ${OPTARG-}"; done
  shift $((OPTIND - 1)); echo "getopts rest: $*"
  umask
  cd /usr/bin && pwd && cd .. && pwd && cd / && pwd
  echo "globs: " /bin/bas* /etc/pass*
  echo "no match: " /nonexistent/*
  [ "$$" -gt 0 ] && echo "\$\$ > 0: yes"
  echo "\$0: $0"
  readonly ro=1; echo "readonly: $ro"
  unset x; echo "unset: [${x-gone}]"
  export EXPORTED=1; echo "exported: $EXPORTED"
}

sec_redirect() {
  cd /tmp || return 1
  echo first >bbt-r.txt
  echo second >>bbt-r.txt
  while read -r line; do echo "read: $line"; done <bbt-r.txt
  read -r a b <bbt-r.txt; echo "read one line: a=$a b=[$b]"
  { echo grouped1; echo grouped2; } >bbt-g.txt
  while read -r l; do echo "$l"; done <bbt-g.txt
  echo "to stderr (merged)" >&2
  { echo "to file"; echo "err to the old stdout" >&2; } 2>&1 >bbt-o.txt
  read -r l <bbt-o.txt; echo "file has: $l"
  exec 3>bbt-fd3.txt; echo "via fd 3" >&3; exec 3>&-
  read -r x <bbt-fd3.txt; echo "fd3: $x"
  exec 4<bbt-r.txt; read -r l1 <&4; read -r l2 <&4; exec 4<&-
  echo "fd4: $l1 $l2"
  exec 5<>bbt-rw.txt; echo "read-write" >&5; exec 5>&-
  read -r l <bbt-rw.txt; echo "<>: $l"
  set -C
  if (echo x >bbt-r.txt) 2>/dev/null; then :; fi
  echo forced >|bbt-r.txt
  set +C
  read -r l <bbt-r.txt; echo ">|: $l"
  echo discarded >/dev/null; echo "/dev/null: ok"
  read -r l </dev/null; echo "read /dev/null: $? [$l]"
  read -r l <bbt-missing.txt; echo "missing file: $?"
  printf 'x:y:z\n' >bbt-ifs.txt
  IFS=: read -r p q r <bbt-ifs.txt; echo "IFS read: $p $q $r"
  printf 'back\\slash\n' >bbt-bs.txt
  read -r raw <bbt-bs.txt; read cooked <bbt-bs.txt; echo "read -r: $raw, read: $cooked"
}

# ---------------------------------------------------------------------------------------------
# Sections that run programs.
# ---------------------------------------------------------------------------------------------
sec_exec() {
  /bin/true; echo "/bin/true: $?"
  /bin/false; echo "/bin/false: $?"
  /bin/echo "external echo"
  /bin/busybox echo "busybox echo"
  busybox basename /a/b/c
  nosuchcommand; echo "not found: $?"
  printf '#!/bin/sh\necho "script: $# $1"\nexit 7\n' >s.sh
  chmod +x s.sh; ./s.sh arg; echo "script status: $?"
  printf 'echo "no shebang: $1"\n' >ns.sh
  chmod +x ns.sh; ./ns.sh x; echo "no shebang status: $?"
  chmod -x s.sh; ./s.sh; echo "not executable: $?"
  sh -c 'echo "sh -c: $0 $1 $#"' zero one
  sh -c 'exit 5'; echo "sh -c exit: $?"
  (exec /bin/echo "exec replaced the subshell"; echo "not reached")
  FOO=bar sh -c 'echo "FOO=$FOO"'
  export EXP=exported; sh -c 'echo "EXP=$EXP"'
  sh s.sh viash; echo "sh file: $?"
  . ./ns.sh sourced
  /usr/bin/env sh -c 'echo "env sh: ok"'
  args=$(/bin/echo 1 2 3 4 5 6 7 8 9 10); echo "argv: $args"
  /bin/busybox sh -c 'echo "nested: $(sh -c "echo deeper")"'
}

sec_subshell() {
  x=1; (x=2; echo "inner $x"); echo "outer $x"
  (exit 3); echo "subshell status: $?"
  (cd /bin && pwd); pwd
  v=$(echo cmdsub); echo "\$(): $v"
  v=`echo backtick`; echo "backticks: $v"
  echo "nested: $(echo "$(echo deep)")"
  n=$(printf 'a\nb\n\n\n'); echo "trailing newlines stripped: [$n]"
  v=$(exit 4); echo "cmdsub status: $?"
  { echo "group"; }; echo "group status: $?"
  (trap 'echo "EXIT trap ran"' EXIT; echo "in subshell with trap")
  (set -e; false; echo "not reached"); echo "set -e: $?"
  (set -u; echo "$undefined_var"); echo "set -u: $?"
  sh -c 'trap "echo trapped TERM; exit 9" TERM; kill -TERM $$; echo after'; echo "trap status: $?"
  lines=$(seq 1 500); echo "long cmdsub: ${#lines} bytes"
}

sec_pipes() {
  echo hello | cat
  echo a b c | wc -w
  seq 1 10000 | wc -l
  seq 1 10000 | tail -n 1
  seq 1 100000 | md5sum
  false | true; echo "false | true: $?"
  true | false; echo "true | false: $?"
  ! false; echo "! false: $?"
  (set -o pipefail; false | true; echo "pipefail: $?")
  echo x | { read -r y; echo "read from a pipe: $y"; }
  seq 3 | while read -r n; do echo "loop $n"; done
  yes | head -n 3
  yes abc | head -c 1000000 | wc -c
  head -c 100000 /dev/zero | wc -c
  cat /dev/zero | head -c 70000 | md5sum
  seq 20 | sort -rn | head -n 5 | tr '\n' ' ' | sed 's/ $/\n/'
  echo 'a | b' | sed 's/|/PIPE/'
  dd if=/dev/zero bs=4096 count=64 2>/dev/null | wc -c
  seq 1 2000 | xargs echo | wc -c
}

sec_heredoc() {
  cat <<EOF
plain: $HOME $((1 + 2)) $(echo cmdsub)
EOF
  cat <<'EOF'
quoted: $HOME $((1 + 2))
EOF
  cat <<-EOF
	tabs stripped
	EOF
  read -r a b <<EOF
first second
EOF
  echo "read from heredoc: $a $b"
  while read -r l; do echo "line: $l"; done <<EOF
one
two
EOF
  # Longer than a pipe's atomic size: the shell writes it from a child process.
  cat <<EOF | wc -c
$(seq 1 3000)
EOF
  cat <<EOF >hd.txt
to a file
EOF
  cat hd.txt
}

sec_jobs() {
  sleep 0.2 & p=$!
  wait $p; echo "wait: $?"
  (exit 7) & wait $!; echo "background exit: $?"
  for i in 1 2 3; do (sleep 0.$i; echo "job $i done" >job.$i) & done
  wait; echo "waited for all"; cat job.1 job.2 job.3
  # `wait PID 2>/dev/null`: whether the shell reports "Terminated" depends on which of its
  # waits reaps the job first, so the notice is not compared.
  sleep 10 & p=$!
  kill $p; wait $p 2>/dev/null; echo "SIGTERM: $?"
  sleep 10 & p=$!
  kill -9 $p; wait $p 2>/dev/null; echo "SIGKILL: $?"
  sleep 10 & p=$!
  /bin/kill $p; wait $p 2>/dev/null; echo "/bin/kill: $?"
  /bin/kill -0 $p 2>/dev/null; echo "/bin/kill -0 after: $?"
  kill -0 $$ && echo "kill -0 self: ok"
  kill -l 15; kill -l TERM
  sh -c 'trap "echo got USR1" USR1; kill -USR1 $$; echo after USR1'
  sh -c 'trap "" TERM; kill -TERM $$; echo "TERM ignored"'
  sh -c 'kill -TERM $$; echo not reached'; echo "self TERM: $?"
  timeout 1 sleep 5; echo "timeout: $?"
  timeout 5 true; echo "timeout true: $?"
  sleep 0.1; echo "sleep 0.1: $?"
  usleep 1000; echo "usleep: $?"
  echo "background output" >bg.txt & wait; cat bg.txt
}

sec_files() {
  mkdir -p a/b/c; mkdir d; touch f1 a/f2 a/b/f3; echo content >f4
  ls -1 --color=never
  ls -1 --color=never a
  ls -1R --color=never a
  ls -1a --color=never a
  ls -1F --color=never a
  ls -1d --color=never a/*
  cp f4 f5; cat f5
  cp -r a a2; find a2 | sort
  cp -p f4 f4p; cmp f4 f4p && echo "cp -p: same"
  mv f5 f6; [ -e f5 ] || echo "mv: f5 gone"; cat f6
  mv f6 a/; ls -1 --color=never a
  rm a/f6; rm -r a2; [ -e a2 ] || echo "rm -r: a2 gone"
  rm nosuch; echo "rm nosuch: $?"
  rm -f nosuch; echo "rm -f nosuch: $?"
  rmdir d; echo "rmdir: $?"
  rmdir a; echo "rmdir non-empty: $?"
  mkdir a; echo "mkdir existing: $?"
  mkdir -p a/b; echo "mkdir -p existing: $?"
  ln f4 hard; ln -s f4 soft; ln -s a/b dirlink
  readlink soft; cat soft; stat -c '%h %n' f4 hard
  ls -1 --color=never dirlink
  ln -sf f1 soft; readlink soft
  realpath soft; readlink -f dirlink
  basename /a/b/c.txt .txt; dirname /a/b/c.txt; basename a/b/; dirname file
  chmod 640 f4; stat -c '%a %A %n' f4
  chmod u+x,g-r,o+w f4; stat -c '%a %A' f4
  chmod -R 700 a; stat -c '%a %n' a a/b a/f2
  chmod 644 f4
  touch -d '2001-02-03 04:05:06' f4; stat -c '%s %Y %y %F %U %G' f4
  ls -l --color=never f4 hard f1 | sed 's/ [A-Z][a-z][a-z] [ 0-9][0-9] [ 0-9][0-9]:[0-9][0-9] / <recent> /'
  ls -ln --color=never f4
  touch -r f4 f7; stat -c '%Y' f7
  touch -d '2002-01-01 00:00' f7
  [ f7 -nt f4 ] && echo "f7 newer than f4"
  date -r f4 '+%F %T'
  find . -name 'f*' | sort
  find . -type d | sort
  find . -type l | sort
  find . -newer f4 -type f | sort
  find . -name f4 -exec cat {} \;
  find . -maxdepth 1 -type f -size +0 | sort
  find a -print0 | xargs -0 -n 1 echo | sort
  du -a a | cut -f2 | sort
  df -P /tmp >/dev/null; echo "df: $?"; df /dev | sed -n 1p | cut -c1-10
  truncate -s 1000 t; stat -c '%s' t
  truncate -s 10 t; stat -c '%s' t
  dd if=/dev/zero of=z bs=1k count=3 2>/dev/null; stat -c '%s' z
  mkfifo p; stat -c '%F' p
  (echo "through the fifo" >p &); cat p
  install -m 755 f4 inst; stat -c '%a' inst
  d=$(mktemp -d -p .); [ -d "$d" ] && echo "mktemp -d: dir"
  f=$(mktemp -p .); [ -f "$f" ] && echo "mktemp: file"
  printf 'abcdefgh' >sp; split -b 3 sp part-; ls -1 --color=never part-*; cat part-ac; echo
  sync; echo "sync: $?"
  chown 0:0 f4; echo "chown: $?"
  umask 027; touch um; stat -c '%a' um; umask 022
  echo abc >ro; chmod 444 ro; cat ro
  cd a/b && pwd && cd ../.. && pwd
}

sec_text() {
  printf '3 banana\n1 apple\n2 cherry\n1 apple\n10 date\n' >fruits
  cat fruits; cat -n fruits
  head -n 2 fruits; head -c 5 fruits; echo; tail -n 2 fruits; tail -c 6 fruits; tail -n +4 fruits
  echo "-- sort"
  sort fruits; sort -n fruits; sort -rn fruits; sort -u fruits; sort -k2 fruits
  sort -t ' ' -k1,1n -k2,2r fruits
  echo "-- uniq"
  sort fruits | uniq; sort fruits | uniq -c; sort fruits | uniq -d; sort fruits | uniq -u
  echo "-- wc"
  wc fruits; wc -l <fruits; wc -c fruits; wc -w fruits; wc -L fruits
  echo "-- grep"
  grep apple fruits; grep -c apple fruits; grep -v apple fruits; grep -n an fruits
  grep -i APPLE fruits; grep -E '^[0-9]{2}' fruits; egrep 'apple|date' fruits; fgrep '1 a' fruits
  grep -o an fruits; grep -w date fruits; grep -x '2 cherry' fruits
  grep -q nothing fruits; echo "grep -q: $?"
  grep -l apple fruits /dev/null; grep -h apple fruits fruits; grep -A1 cherry fruits; grep -B1 cherry fruits
  mkdir g; echo needle >g/one; echo hay >g/two; grep -r needle g
  echo "-- sed"
  sed 's/a/A/' fruits; sed 's/a/A/g' fruits; sed -n '2,3p' fruits; sed '/apple/d' fruits
  sed -e 's/^/> /' -e '$a\
end' fruits
  sed 'y/abc/ABC/' fruits; sed -n '$=' fruits; sed -E 's/([0-9]+) (.*)/\2=\1/' fruits
  sed -n '/banana/,/cherry/p' fruits; sed '1!G;h;$!d' fruits; sed = fruits | sed 'N;s/\n/ /'
  cp fruits f2; sed -i 's/banana/BANANA/' f2; cat f2
  echo "-- awk"
  awk '{print $2}' fruits
  awk '{s += $1} END {print "sum", s, "lines", NR}' fruits
  awk '$1 > 1 {printf "%-8s|%3d\n", $2, $1}' fruits
  awk 'BEGIN {x["a"] = 1; x["b"] = 2; n = 0; for (k in x) n += x[k]; print n
    print length("hello"), substr("hello", 2, 3), toupper("abc"), tolower("XyZ"), index("hello", "ll")
    print split("a:b:c", p, ":"), p[3]; printf "%.3f %d %s\n", atan2(0, -1), int(7 / 2), 2 ^ 10
    s = "foo bar foo"; print gsub(/foo/, "baz", s), s; print sprintf("%05d", 42)
    if (match("xxabcxx", /abc/)) print RSTART, RLENGTH }'
  awk 'function sq(x) { return x * x } BEGIN { print sq(12) }'
  awk '{a[$2]++} END {for (k in a) print k, a[k]}' fruits | sort
  awk -F: -v OFS=- '{$1 = $1; print}' <<EOF
a:b:c
EOF
  awk 'NR % 2' fruits; awk 'END {print NR}' fruits; awk 'length($0) > 7' fruits
  echo "-- cut tr"
  cut -d ' ' -f2 fruits; cut -c1-3 fruits; echo a:b:c:d | cut -d: -f2,4; echo a:b:c:d | cut -d: -f2-
  echo 'Hello World' | tr a-z A-Z; echo hello | tr -d l; echo 'heLLLo  wo' | tr -s 'L '; echo hello | tr el ip
  echo 'a1b2c3' | tr -cd '0-9\n'; echo 'a-b' | tr -c 'a-z\n' '_'
  echo "-- tee paste expand fold rev nl"
  echo tee-test | tee t1 t2 >/dev/null; cat t1 t2; echo more | tee -a t1; cat t1
  printf 'a\nb\n' >c1; printf '1\n2\n' >c2; paste c1 c2; paste -d, c1 c2; paste -s c1
  printf 'a\tb\tc\n' | expand; printf 'a\tb\n' | expand -t 4; printf 'a       b\n' | unexpand -a | od -c
  echo 'the quick brown fox jumps over the lazy dog' | fold -w 10
  echo 'the quick brown fox jumps over the lazy dog' | fold -s -w 10
  echo hello | rev; nl fruits; nl -ba -w2 -s: fruits; tac fruits
  echo "-- seq yes printf echo"
  seq 5; seq 2 3 11; seq -s, 1 5; seq -w 8 10; seq 5 -1 1
  yes | head -n 3; yes abc | head -n 2
  /usr/bin/printf '%s-%d|%5.2f\n' x 5 2.5; /bin/echo -e 'a\tb'; /bin/echo -n 'x'; echo
  printf 'a\nb\n' | unix2dos | od -c; printf 'a\r\nb\r\n' | dos2unix | od -c
  printf 'abc\0def\0ghi' | strings -n 3 2>/dev/null || printf 'abc\0def' | tr '\0' '\n'
}

sec_compare() {
  printf 'a\nb\nc\nd\n' >x; printf 'a\nB\nc\nd\ne\n' >y
  diff x y; echo "diff: $?"
  diff -u -L x -L y x y; echo "diff -u: $?"
  diff x x; echo "diff same: $?"
  cmp x y; echo "cmp: $?"
  cmp -s x y; echo "cmp -s: $?"
  cmp -l x y; echo "cmp -l: $?"
  printf 'a\nb\nc\n' >s1; printf 'b\nc\nd\n' >s2
  comm s1 s2; comm -12 s1 s2; comm -3 s1 s2
  diff -u -L x -L y x y >p.diff; patch x <p.diff; cmp x y && echo "patched: same"
  mkdir d1 d2; echo 1 >d1/f; echo 2 >d2/f; echo only >d1/g
  diff -r d1 d2; echo "diff -r: $?"
}

sec_digest() {
  printf 'hello world\n' >h
  od -c h; od -An -tx1 h; od -b h; od -An -tu2 h
  hexdump -C h; hexdump -e '16/1 "%02x" "\n"' h; xxd h; xxd -p h
  md5sum h; sha1sum h; sha256sum h; sha512sum h; sha3sum h; cksum h; sum h; crc32 h
  base64 h; base64 h | base64 -d; base32 h
  md5sum h >h.md5; md5sum -c h.md5
  sha256sum h >h.sha; echo corrupt >>h; sha256sum -c h.sha; echo "sha256sum -c: $?"
  seq 1 10000 >big; md5sum big; sha256sum big; wc -c big
  dd if=big bs=100 skip=2 count=3 2>/dev/null | md5sum
  head -c 1000 /dev/zero | md5sum
}

sec_archive() {
  mkdir -p src/sub; seq 1 1000 >src/nums; echo hi >src/sub/hi; ln -s nums src/link
  touch -d '2001-02-03 04:05:06' src/nums src/sub/hi src/sub src
  tar cf a.tar src; tar tf a.tar | sort
  tar tvf a.tar | grep -v ' -> ' | sort -k6
  mkdir out; tar xf a.tar -C out; find out | sort; cmp src/nums out/src/nums && echo "tar x: same"
  stat -c '%Y %n' out/src/nums out/src/sub/hi; readlink out/src/link
  tar czf a.tgz src; tar tzf a.tgz | sort
  mkdir out2; tar xzf a.tgz -C out2; cmp src/nums out2/src/nums && echo "tar xz: same"
  tar cf - src | tar tf - | sort
  gzip -c src/nums >n.gz; gzip -t n.gz && echo "gzip -t: ok"
  gunzip -c n.gz | md5sum; zcat n.gz | wc -l
  cp src/nums n2; gzip n2; ls -1 --color=never n2*; gunzip n2.gz; md5sum n2
  gzip -9 -c n2 | gzip -d | md5sum
  bzip2 -c src/nums >n.bz2; bunzip2 -c n.bz2 | md5sum; bzcat n.bz2 | tail -n 1
  lzop -c src/nums >n.lzo; lzop -dc n.lzo | md5sum
  (cd src && find . | sort | cpio -o -H newc >../a.cpio)
  cpio -t <a.cpio
  mkdir cp && (cd cp && cpio -i -d <../a.cpio) && find cp | sort
  cmp src/nums cp/nums && echo "cpio: same"
}

sec_process() {
  env -i A=1 B=2 /usr/bin/env | sort
  env -u HOME sh -c 'echo "HOME=${HOME-unset}"'
  printenv PATH TZ
  id -u; id -g; id -un; id -gn; whoami; id
  uname -s; uname -m; uname -sm
  date -u -d '2001-02-03 04:05:06' '+%Y-%m-%d %H:%M:%S %s %a %b %j %u'
  date -u -d @1234567890; date -u -R -d @0; date -d '2024-02-29 12:00' +%A
  expr 1 + 2; expr 7 \* 6; expr length hello; expr substr hello 2 3; expr index hello l
  expr hello : 'h\(.*\)o'; expr 5 \> 3; expr 0; echo "expr 0: $?"
  test 5 -gt 3 && echo "test: ok"; /usr/bin/test -f /bin/busybox && echo "external test: ok"
  /usr/bin/[ 1 = 1 ] && echo "external [: ok"
  printf 'a\nb\nc\n' | xargs echo; printf 'a\nb\n' | xargs -n 1 echo x
  echo 'a b c d e' | xargs -n 2; echo 'x y' | xargs -I{} echo '[{}]'
  which ls sh busybox; which nosuch; echo "which nosuch: $?"
  n=$(nproc); [ "$n" -ge 1 ] && echo "nproc >= 1: yes"
  nice -n 5 nice; nice
  echo "-- ps, kill"
  sleep 5 & p=$!
  i=0; c=""
  # Until the child has exec'd sleep (at most 5 s; at once if there is no /proc/PID).
  while [ $i -lt 500 ] && [ -e /proc/$p ]; do
    read -r c 2>/dev/null </proc/$p/comm; [ "$c" = sleep ] && break; i=$((i + 1)); sleep 0.01
  done
  echo "/proc/PID/comm: $c"
  ps -o pid,comm >ps.out; head -n 1 ps.out
  echo "ps lists the sleep: $(yesno grep -q "^ *$p sleep\$" ps.out)"
  echo "ps lists itself: $(yesno grep -q ' ps$' ps.out)"
  echo "ps lists pid 1: $(yesno grep -q '^ *1 ' ps.out)"
  echo "pidof: $(yesno [ "$(pidof sleep)" = "$p" ])"
  echo "pgrep: $(yesno [ "$(pgrep -x sleep)" = "$p" ])"
  kill $p; wait $p 2>/dev/null; echo "kill: $?"
  kill $p 2>/dev/null; echo "kill again: $?"
  echo "-- /proc"
  read -r c </proc/1/comm; echo "/proc/1/comm: $c"
  readlink /proc/self/exe
  tr '\0' ' ' </proc/self/cmdline; echo
  cat /proc/self/cmdline | tr '\0' ' '; echo
  grep '^Name:' /proc/self/status
  cut -d ' ' -f 2 /proc/self/stat
  grep -c '^MemTotal:' /proc/meminfo
  free | head -n 1 | tr -s ' '
  uptime >/dev/null; echo "uptime: $?"
  [ -d /proc/self/fd ] && echo "/proc/self/fd: dir"
  ls -1 --color=never /proc/self/fd | sort -n | head -n 3
}

sec_misc() {
  echo '2^64' | bc; echo 'scale=5; 4*a(1)' | bc -l; echo '3 4 + p' | dc
  factor 1001 360 65537
  cal 2 2000
  getopt -o ab: -- -a -b x y
  echo "word count" | wc -w
  printf '%s\n' 10 9 100 | sort -n | tr '\n' ' '; echo
  seq 10 | sed -n '3,5p;8q'
  echo abcdef | cut -c 2-4
  mkdir -p deep/er; touch deep/er/file; find deep -type f
  echo "-- shell in busybox"
  busybox sh -c 'echo "\$((6 * 7)) = $((6 * 7))"'
  busybox ash -c 'echo ash'
  busybox hush -c 'echo hush'
  busybox | head -n 1 | cut -d ' ' -f 1,2
  busybox --list | grep -c .
}

# Network tools over the loopback interface. The Linux reference shares the host's network (its
# interfaces, their counters, other programs' sockets), so only lo and this section's own sockets
# are printed, ephemeral ports masked.
wait_for() {  # netstat-args pattern: until netstat lists it (at most ~5 s)
  i=0
  until netstat $1 2>/dev/null | grep -q "$2"; do
    i=$((i + 1)); [ $i -gt 250 ] && { echo "never listed: $2"; return 1; }
    usleep 20000
  done
}
sec_net() {
  ifconfig lo > lo.txt; echo "ifconfig lo: status $?"
  head -n 4 lo.txt | sed 's/ *$//'
  echo "counter lines: $(grep -c -e '^ *RX packets:[0-9]* errors:0 dropped:0 overruns:0 frame:0$' \
    -e '^ *TX packets:[0-9]* errors:0 dropped:0 overruns:0 carrier:0$' -e '^ *RX bytes:[0-9]* (.*)  TX bytes:[0-9]* (.*)$' lo.txt)"
  echo "ifconfig lists lo: $(ifconfig | grep -c '^lo ')"
  ifconfig nosuch0; echo "ifconfig nosuch0: status $?"
  echo "-- nc: a listener and a client"
  nc -l -p 47615 > got.txt &
  listener=$!
  wait_for -tln ':47615 '
  netstat -tln | sed -n '1,2p' | sed 's/ *$//'
  netstat -tln | grep ':47615 ' | sed 's/ *$//'
  echo "through nc" | nc 127.0.0.1 47615; echo "nc client: status $?"
  wait $listener; echo "nc listener: status $?"
  cat got.txt
  echo "-- a connection open"
  usleep 2000000 | nc -l -p 47616 > /dev/null &
  listener=$!
  wait_for -tln ':47616 '
  usleep 2000000 | nc 127.0.0.1 47616 &
  client=$!
  wait_for -tn ':47616 .*ESTABLISHED'
  usleep 100000
  netstat -tn | grep ':47616 .*ESTABLISHED' |
    awk '{ for (i = 4; i <= 5; i++) if ($i !~ /:47616$/) sub(/:[0-9]+$/, ":PORT", $i); print $1, $2, $3, $4, $5, $6 }' | sort
  netstat -an 2>/dev/null | grep -c ':47616 .*ESTABLISHED'
  wait $client; echo "client: status $?"
  wait $listener; echo "listener: status $?"
  echo "-- udp"
  nc -u -l -p 47617 > /dev/null &
  listener=$!
  wait_for -uln ':47617 '
  netstat -uln | grep ':47617 ' | sed 's/ *$//'
  # ash's "Terminated" notice comes or not depending on when the child is reaped (on Linux too).
  kill $listener; wait $listener 2>/dev/null; echo "udp listener killed: status $?"
  echo "-- wget from busybox httpd"
  mkdir www; echo "served by busybox httpd" > www/index.html
  busybox httpd -f -p 127.0.0.1:47618 -h www &
  server=$!
  wait_for -tln '127.0.0.1:47618 '
  wget -q -O - http://127.0.0.1:47618/; echo "wget: status $?"
  wget -q -O got.html http://127.0.0.1:47618/index.html; echo "wget to a file: status $?"; cat got.html
  wget -q -O - http://127.0.0.1:47618/missing; echo "wget of a missing file: status $?"
  kill $server; wait $server 2>/dev/null; echo "httpd killed: status $?"
}

sec_end() {
  echo "all sections ran"
}

ONLY=" $* "   # sections named as arguments: run only those (and "end")
run() {  # name [direct]
  case $ONLY in "  " | *" $1 "*) ;; *) [ "$1" = end ] || return 0 ;; esac
  section "$1"
  if [ "${2-}" = direct ]; then
    "sec_$1"
  else
    (mkdir -p "$T/$1" && cd "$T/$1" && "sec_$1")
  fi
  echo "-- $1 status $?"
}

run builtins direct
run redirect direct
cd /
run exec
run subshell
run pipes
run heredoc
run jobs
run files
run text
run compare
run digest
run archive
run process
run misc
run net
run end direct
rm -rf "$T" /tmp/bbt-*.txt
