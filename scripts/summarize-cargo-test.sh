#!/usr/bin/env bash
# Pass cargo test output through and end with one line "host tests: N passed, M failed".
# Exits non-zero if any test failed or the build broke (cargo's status is checked by pipefail).
set -o pipefail
passed=0; failed=0
while IFS= read -r line; do
  printf '%s\n' "$line"
  if [[ $line =~ ^test\ result:.*\ ([0-9]+)\ passed\;\ ([0-9]+)\ failed ]]; then
    passed=$((passed + BASH_REMATCH[1])); failed=$((failed + BASH_REMATCH[2]))
  fi
done
echo "host-tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
