#!/usr/bin/env bash
# Check that every row of the syscall table (crates/syscalls/src/table.rs) was called by a host
# test through the dispatcher: `make test-host` runs the tests with BAKAEX_SYSCALL_COVERAGE=DIR,
# which leaves the numbers each test process called in DIR (crates/syscalls/src/coverage.rs).
# The fuzzer's processes do not count: they call everything, and check nothing.
#
#   scripts/syscall-coverage.sh DIR
#
# Prints "syscalls: N in the table, M called by host tests" and fails listing the rows no test
# called.
set -euo pipefail
dir=${1:?usage: $0 DIR}
cd "$(dirname "$0")/.."
export PATH=/usr/bin:$PATH
table=$(cargo run -q -p syscalls --example syscall-list)
called=$(find "$dir" -type f ! -name 'fuzz-*' -exec cat {} + 2>/dev/null | sort -un)
total=0; hit=0; missing=()
while read -r no name _; do
  total=$((total + 1))
  if grep -qx "$no" <<<"$called"; then hit=$((hit + 1)); else missing+=("$name"); fi
done <<<"$table"
echo "syscalls: $total in the table, $hit called by host tests"
if [ ${#missing[@]} -gt 0 ]; then
  echo "syscall-coverage: no host test calls: ${missing[*]}" >&2
  exit 1
fi
