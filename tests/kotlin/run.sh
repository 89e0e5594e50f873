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

WORK=$(mktemp -d "${TMPDIR:-/tmp}/lens-kotlin-XXXXXX")
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

EMAIL=tess@example.com
NAME="Tess Technician"
PASSWORD="correct horse battery staple"
DATABASE="sqlite://$WORK/lens.db?mode=rwc"
"$RELEASE/lens-server" add-technician --database "$DATABASE" --email "$EMAIL" --name "$NAME" \
  --password "$PASSWORD" >/dev/null || give_up "lens-server add-technician failed"

# A free port: the links the server hands out carry it, so it must be known before start.
start_server() {
  local port
  for _ in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
    RUST_LOG=${RUST_LOG:-warn} "$RELEASE/lens-server" serve --database "$DATABASE" \
      --bind "127.0.0.1:$port" --public-url "http://127.0.0.1:$port" >"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 100); do
      if grep -q "listening on" "$WORK/server.log"; then
        SERVER_URL="http://127.0.0.1:$port"
        return 0
      fi
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
  done
  cat "$WORK/server.log" >&2 || true
  return 1
}
start_server || give_up "lens-server did not start"

set +e
LENS_SERVER_URL=$SERVER_URL LENS_TECHNICIAN_EMAIL=$EMAIL LENS_TECHNICIAN_NAME=$NAME \
  LENS_TECHNICIAN_PASSWORD=$PASSWORD RUST_BACKTRACE=0 \
  java -Djna.library.path="$RELEASE" -cp "$JAR:$KOTLIN/lib/kotlin-stdlib.jar:$JNA" MainKt \
  | tee "$WORK/test.log"
status=${PIPESTATUS[0]}
set -e
# A JVM that died in native code printed no verdict.
grep -Eq '^kotlin: [0-9]+ passed, [0-9]+ failed$' "$WORK/test.log" || give_up "the JVM exited with $status and no verdict"
if [ "$status" -ne 0 ] && grep -q '^kotlin: [0-9]* passed, 0 failed$' "$WORK/test.log"; then
  give_up "the JVM exited with $status after the tests passed"
fi
if [ "$status" -ne 0 ] && [ -s "$WORK/server.log" ]; then
  echo "--- lens-server log ---" >&2
  cat "$WORK/server.log" >&2
fi
exit "$status"
