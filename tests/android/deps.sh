#!/usr/bin/env bash
# Fetches what the Android build and tests need from Maven (tests/android/pom.xml) into
# target/android-deps/, once per version of the pom:
#   lib/         Robolectric 4.17, JUnit and their dependencies (the tests' class path); the
#                Google AARs among them (androidx.test monitor, espresso-idling-resource)
#                reduced to their classes.jar;
#   sdk/         android-all (SDK 34): what kotlinc and javac compile the app against;
#   robolectric/ android-all-instrumented (SDK 34): what Robolectric runs, offline
#                (-Drobolectric.dependency.dir);
#   tools/       r8 (D8) for the APK packaging check.
# Prints the directory last.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
DEPS=target/android-deps
POM=tests/android/pom.xml
STAMP=$(sha256sum "$POM" | cut -d' ' -f1)

if [ "$(cat "$DEPS/.pom" 2>/dev/null)" != "$STAMP" ]; then
  command -v mvn >/dev/null || { echo "android deps: mvn is missing (\`make deps-apt\`)" >&2; exit 1; }
  echo "fetching the Android test dependencies (Maven)" >&2
  rm -rf "$DEPS"
  mkdir -p "$DEPS"/{lib,sdk,robolectric,tools}
  mvn -q -B -Dstyle.color=never -f "$POM" dependency:copy-dependencies -DoutputDirectory="$ROOT/$DEPS/lib" >&2
  mv "$DEPS"/lib/android-all-[0-9]*.jar "$DEPS/sdk/"
  mv "$DEPS"/lib/android-all-instrumented-*.jar "$DEPS/robolectric/"
  mv "$DEPS"/lib/r8-*.jar "$DEPS/tools/"
  for aar in "$DEPS"/lib/*.aar; do
    unzip -p "$aar" classes.jar >"${aar%.aar}.jar"
    rm "$aar"
  done
  echo "$STAMP" >"$DEPS/.pom"
fi
echo "$DEPS"
