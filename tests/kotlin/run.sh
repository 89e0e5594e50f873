#!/usr/bin/env bash
# The Kotlin binding tests: compiles the generated glue and tests/kotlin/src into
# target/kotlin-test/lens-kotlin-test.jar (tests/kotlin/build.sh), starts a real lens-server
# on loopback with a fresh database, and runs the tests on the JVM against target/release/liblens_ffi.so.
#
# `make test-kotlin` runs it after `make bindings-kotlin`, inside a loopback-only network
# namespace (tests/netns.sh). Needs target/release/lens-server (`make build`),
# target/release/examples/technician_answer (`make build-examples`: the technician's media for
# the app-model test), a JRE, JNA (Debian libjna-java) and kotlinc (npm kotlin-compiler in
# tests/node_modules).
# The last line is always `kotlin: N passed, M failed` (tests/summary.sh adds it up).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
RELEASE=target/release
OUT=target/kotlin-test
JAR=$OUT/lens-kotlin-test.jar
KOTLIN=tests/node_modules/kotlin-compiler
JNA=${JNA_JAR:-/usr/share/java/jna.jar}

# A failure before any test ran still counts as one in the summary.
give_up() {
  echo "kotlin: $*" >&2
  echo "kotlin: 0 passed, 1 failed"
  exit 1
}

[ -f "$RELEASE/liblens_ffi.so" ] || give_up "$RELEASE/liblens_ffi.so is missing: run \`make bindings-kotlin\`"
[ -x "$RELEASE/lens-server" ] || give_up "$RELEASE/lens-server is missing: run \`make build\`"
[ -x "$RELEASE/examples/technician_answer" ] || give_up "$RELEASE/examples/technician_answer is missing: run \`make build-examples\`"
[ -f "$JNA" ] || give_up "$JNA is missing: install libjna-java (\`make deps-apt\`)"
tests/kotlin/build.sh >/dev/null || give_up "compilation failed (tests/kotlin/build.sh)"

source tests/lib/lens-server.sh
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lens-kotlin-XXXXXX")
cleanup() {
  lens_server_stop
  rm -rf "$WORK"
}
trap cleanup EXIT
lens_server_start "$WORK" || give_up "lens-server did not start"

set +e
RUST_BACKTRACE=0 java -Djna.library.path="$RELEASE" -cp "$JAR:$KOTLIN/lib/kotlin-stdlib.jar:$JNA" MainKt \
  | tee "$WORK/test.log"
status=${PIPESTATUS[0]}
set -e
# A JVM that died in native code printed no verdict.
grep -Eq '^kotlin: [0-9]+ passed, [0-9]+ failed$' "$WORK/test.log" || give_up "the JVM exited with $status and no verdict"
if [ "$status" -ne 0 ] && grep -q '^kotlin: [0-9]* passed, 0 failed$' "$WORK/test.log"; then
  give_up "the JVM exited with $status after the tests passed"
fi
if [ "$status" -ne 0 ]; then
  echo "--- lens-server log ---" >&2
  lens_server_log >&2
fi
exit "$status"
