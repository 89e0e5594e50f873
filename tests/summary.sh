#!/bin/sh
# Adds up the results of every test runner's log into one closing line.
# Usage: tests/summary.sh LOG...
set -eu
awk '
  /^test result: /             { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed;?$/) p += $i; if ($(i+1) ~ /^failed;?$/) f += $i } }
  /^# pass [0-9]+$/            { p += $3 }
  /^# fail [0-9]+$/            { f += $3 }
  # node reports the tests under a failed before() hook as cancelled: they did not pass.
  /^# cancelled [0-9]+$/       { f += $3 }
  /^# skipped [0-9]+$/         { s += $3 }
  /^kotlin: [0-9]+ passed, [0-9]+ failed$/ { p += $2; f += $4 }
  /^android: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$/ { p += $2; f += $4; s += $6 }
  /^ios: [0-9]+ passed, [0-9]+ failed$/ { p += $2; f += $4 }
  /^schemathesis: [0-9]+ passed, [0-9]+ failed$/ { p += $2; f += $4 }
  /^lint: [0-9]+ passed, [0-9]+ failed$/ { p += $2; f += $4 }
  END { printf "%d passed, %d failed, %d skipped\n", p, f, s; exit (f > 0) }
' "$@"
