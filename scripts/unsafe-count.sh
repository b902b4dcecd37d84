#!/usr/bin/env bash
# The unsafe boundary, counted (docs/ARCHITECTURE.md, "The unsafe boundary"): for every package of
# the workspace, the `unsafe { }` blocks, `unsafe fn`s, `unsafe impl`s and `unsafe extern` blocks
# in its Rust files (src/, tests/, examples/), comments left out, and whether its crate roots say
# #![forbid(unsafe_code)] ("lib": the library does, a binary or example of the package does not).
#
#   scripts/unsafe-count.sh          the table
#   scripts/unsafe-count.sh -v       and every file with unsafe code in it
set -euo pipefail
cd "$(dirname "$0")/.."
verbose=${1:-}

# Code without comments: `//` to the end of the line (doc comments too) and `/* ... */` on a line.
strip() { sed -e 's://.*$::' -e 's:/\*.*\*/::g' "$@"; }
count() { grep -oE "$1" | wc -l || true; }

printf '%-14s %6s %4s %5s %6s %5s  %s\n' crate blocks fns impls extern total forbid
sum=0
for dir in crates/* apps/* examples/*; do
  [ -f "$dir/Cargo.toml" ] || continue
  mapfile -t files < <(find "$dir" -name '*.rs' -not -path '*/target/*' | sort)
  code=$(strip "${files[@]}")
  blocks=$(count 'unsafe[[:space:]]*\{' <<<"$code")
  fns=$(count 'unsafe[[:space:]]+(extern[[:space:]]+"[^"]*"[[:space:]]+)?fn\b' <<<"$code")
  impls=$(count 'unsafe[[:space:]]+impl\b' <<<"$code")
  externs=$(count 'unsafe[[:space:]]+extern[[:space:]]+"[^"]*"[[:space:]]*\{' <<<"$code")
  total=$((blocks + fns + impls + externs))
  sum=$((sum + total))
  forbid=no
  roots=()
  for r in "$dir/src/lib.rs" "$dir/src/main.rs" "$dir"/src/bin/*.rs "$dir"/examples/*.rs; do
    [ -f "$r" ] && roots+=("$r")
  done
  have=0
  for r in "${roots[@]}"; do grep -q '^#!\[forbid(unsafe_code)\]' "$r" && have=$((have + 1)); done
  if [ "$have" -gt 0 ] && [ "$have" -eq "${#roots[@]}" ]; then forbid=yes
  elif [ "$have" -gt 0 ]; then forbid=lib; fi
  printf '%-14s %6d %4d %5d %6d %5d  %s\n' "$(basename "$dir")" "$blocks" "$fns" "$impls" "$externs" "$total" "$forbid"
  if [ "$verbose" = -v ]; then
    for f in "${files[@]}"; do
      n=$(strip "$f" | count 'unsafe[[:space:]]*(\{|fn\b|impl\b|extern[[:space:]]+"[^"]*"[[:space:]]*(\{|fn\b))')
      [ "$n" -gt 0 ] && printf '    %3d  %s\n' "$n" "$f"
    done
  fi
done
printf '%-14s %29d\n' total "$sum"
