#!/bin/bash
# Runs lens-server's test binaries exactly as `cargo test --release --workspace` built them,
# with the arguments given (e.g. again on PostgreSQL: LENS_TEST_DATABASE_URL=… tests/server-tests.sh).
#
# `cargo test -p lens-server` would unify the dependencies' features over the server alone,
# a different set from the workspace's, and compile the server's whole dependency tree a
# second time (minutes on two cores). Running the binaries the workspace build made reuses
# that one build.
set -euo pipefail
cd "$(dirname "$0")/.."
# The same targets as `make test-rust` (TEST_TARGETS): not the examples only the benchmarks use.
binaries=$(cargo test --release --workspace --offline --lib --bins --tests --no-run \
  --message-format=json 2>/dev/null \
  | python3 -c '
import json, sys
for line in sys.stdin:
    message = json.loads(line)
    if (message.get("reason") == "compiler-artifact" and message.get("executable")
            and message["profile"]["test"] and "/server#" in message["package_id"]):
        print(message["executable"])
')
[ -n "$binaries" ] || { echo "no lens-server test binaries were built" >&2; exit 1; }
rc=0
# Like cargo, run each binary from the package's directory.
cd server
for binary in $binaries; do
  echo "     Running $(basename "$binary")"
  "$binary" "$@" || rc=$?
done
exit $rc
