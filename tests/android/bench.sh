#!/usr/bin/env bash
# `make bench-android`: the app's own per-picture Kotlin on the JVM (bench/*.kt), compiled
# against the app that build.sh made, as its friend module like the tests.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
KOTLIN=tests/node_modules/kotlin-compiler
JAVA=${JAVA_17:-/usr/lib/jvm/java-17-openjdk-amd64/bin/java}
JNA=${JNA_JAR:-/usr/share/java/jna.jar}

OUT=$("$HERE/build.sh" | tail -1)
ANDROID_JAR=$(echo target/android-deps/sdk/android-all-*.jar)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lens-android-bench-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
flock "$OUT.lock" cp "$OUT/app.jar" "$WORK/"
"$KOTLIN/bin/kotlinc" -nowarn -jvm-target 17 -cp "$ANDROID_JAR:$WORK/app.jar" \
  -Xfriend-paths="$WORK/app.jar" -d "$WORK/bench.jar" "$HERE"/bench/*.kt
"$JAVA" -cp "$WORK/bench.jar:$WORK/app.jar:$ANDROID_JAR:$KOTLIN/lib/kotlin-stdlib.jar:$JNA" \
  app.lens.media.CopyPlaneBenchKt
