# Sourced by the test harnesses (qemu-tests.sh, busybox-test.sh): boot BakaEx with a command as
# init and cut the program's output out of the console log.
#
# run_on_kernel ROOTFS COMMAND LOG OUT SCRATCH
#   Boots scripts/run.sh (or $RUN_SH) with ROOTFS and INIT=COMMAND, LOG=$TEST_LOG and
#   TIMEOUT=$TEST_TIMEOUT. The whole console goes to LOG (stderr to LOG.err, run.sh's exit status
#   to LOG.rc); the program's output, between "bakaex: run ..." and the final "init exited with
#   status N" / "init killed by signal S" line, \r stripped, followed by a "status: ..." line,
#   goes to OUT. SCRATCH is run.sh's BUILD directory (one per run, so runs at once do not
#   overwrite each other's initramfs); it is removed afterwards.
run_on_kernel() {
  local rootfs=$1 cmd=$2 log=$3 out=$4 scratch=$5
  mkdir -p "$scratch"
  BUILD=$scratch ROOTFS=$rootfs INIT="$cmd" LOG=$TEST_LOG TIMEOUT=$TEST_TIMEOUT \
    timeout -k 5 $((TEST_TIMEOUT + 30)) "$RUN_SH" </dev/null >"$log" 2>"$log.err"
  echo "$?" >"$log.rc"
  rm -rf "$scratch"
  awk '
    { gsub(/\r/, "") }
    !started { if (index($0, "bakaex: run ") > 0) started = 1; next }
    { line[++n] = $0 }
    END {
      for (i = n; i >= 1; i--)
        if (match(line[i], /init (exited with status|killed by signal) [0-9]+/)) break
      if (i < 1) {
        for (j = 1; j <= n; j++) print line[j]
        print started ? "status: none (no \"init exited\" line: timeout or crash)" \
                      : "status: none (no \"bakaex: run\" line: the kernel did not start init)"
        exit
      }
      for (j = 1; j < i; j++) print line[j]
      if (RSTART > 1) print substr(line[i], 1, RSTART - 1)   # output without a final newline
      s = substr(line[i], RSTART, RLENGTH)
      num = s; sub(/.* /, "", num)
      print (s ~ /exited/ ? "status: exit " : "status: signal ") num
    }' "$log" >"$out"
}
