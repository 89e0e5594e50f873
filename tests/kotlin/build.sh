#!/usr/bin/env bash
# Compiles the generated Kotlin glue and tests/kotlin/src into
# target/kotlin-test/lens-kotlin-test.jar: the binding tests (MainKt, run by run.sh) and the
# pushing customer app (PushingCustomerKt, run by tests/e2e/pushed-ffi.test.mjs).
# `make kotlin-jar` runs it after `make bindings-kotlin`. Needs kotlinc (npm kotlin-compiler in
# tests/node_modules) and JNA (Debian libjna-java). Prints the jar's path last.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
OUT=target/kotlin-test
JAR=$OUT/lens-kotlin-test.jar
# One file per crate with UniFFI scaffolding: lens_ffi, and lens_core and lens_engine, whose
# types cross as they are (their `uniffi` features).
GLUE_FILES=(bindings/generated/kotlin/uniffi/{lens_core/lens_core,lens_engine/lens_engine,lens_ffi/lens_ffi}.kt)
KOTLIN=tests/node_modules/kotlin-compiler
JNA=${JNA_JAR:-/usr/share/java/jna.jar}

fail() {
  echo "kotlin build: $*" >&2
  exit 1
}

for glue in "${GLUE_FILES[@]}"; do
  [ -f "$glue" ] || fail "$glue is missing: run \`make bindings-kotlin\`"
done
[ -x "$KOTLIN/bin/kotlinc" ] || fail "kotlinc is missing: run \`make deps-npm\`"
[ -f "$JNA" ] || fail "$JNA is missing: install libjna-java (\`make deps-apt\`)"

# kotlinc is slow: compile only when the glue or a source changed. By content, since
# `make bindings-kotlin` rewrites the glue every time.
mkdir -p "$OUT"
SOURCES=$(cat "${GLUE_FILES[@]}" tests/kotlin/src/*.kt | sha256sum | cut -d' ' -f1)
if [ ! -f "$JAR" ] || [ "$(cat "$JAR.sources" 2>/dev/null)" != "$SOURCES" ]; then
  echo "compiling the Kotlin glue and tests" >&2
  # A failed compile must not leave the previous sources' jar behind for a test to run.
  rm -f "$JAR.sources" "$JAR"
  "$KOTLIN/bin/kotlinc" -nowarn -cp "$JNA" -d "$JAR" "${GLUE_FILES[@]}" tests/kotlin/src/*.kt >&2 \
    || fail "compilation failed"
  echo "$SOURCES" >"$JAR.sources"
fi
echo "$JAR"
