#!/usr/bin/env bash
# `make fuzz`: runs every fuzz target for FUZZ_SECONDS (default 60) under libFuzzer with
# AddressSanitizer (nightly, cargo-fuzz), one after the other, and prints executions and
# crashes per target. New interesting inputs go to fuzz/libfuzzer/corpus/<target> (not
# committed; copy the ones worth keeping into fuzz/corpus/<target>); a crash is written to
# fuzz/libfuzzer/artifacts/<target>/: copy it into fuzz/regressions/<target>/, where
# `make test` replays it for ever, and fix the code. FUZZ_RUNS stops each target after that
# many executions (the issue's goal is 10 million), whichever of the two comes first.
# Usage: fuzz/run.sh [target …]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SECONDS_PER_TARGET=${FUZZ_SECONDS:-60}
RUNS=${FUZZ_RUNS:--1}
DIR=fuzz/libfuzzer

command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
rustup toolchain list | grep -q '^nightly' || { echo "fuzz: needs the nightly toolchain (rustup toolchain install nightly)" >&2; exit 1; }

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(ls "$DIR/fuzz_targets" | sed 's/\.rs$//')
fi
cargo +nightly fuzz build --fuzz-dir "$DIR"

total=0
crashed=0
printf '%-30s %14s %10s %8s\n' target executions exec/s crashes
for target in "${targets[@]}"; do
  mkdir -p "$DIR/corpus/$target" "$DIR/artifacts/$target"
  log=$(mktemp)
  status=0
  cargo +nightly fuzz run --fuzz-dir "$DIR" "$target" "$DIR/corpus/$target" "fuzz/corpus/$target" -- \
    -max_total_time="$SECONDS_PER_TARGET" -runs="$RUNS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    >"$log" 2>&1 || status=$?
  runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -1)
  runs=${runs:-0}
  rate=$(grep -Eo 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -Eo '[0-9]+$' | tail -1)
  found=$(find "$DIR/artifacts/$target" -type f | wc -l)
  if [ "$status" -ne 0 ]; then
    crashed=$((crashed + 1))
    grep -E 'panicked|ERROR: AddressSanitizer|SUMMARY|Test unit written' "$log" | head -5 >&2 || true
  fi
  printf '%-30s %14s %10s %8s\n' "$target" "$runs" "${rate:-?}" "$found"
  total=$((total + runs))
  rm -f "$log"
done
printf '%-30s %14s\n' total "$total"
[ "$crashed" -eq 0 ]
