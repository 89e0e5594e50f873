#!/usr/bin/env bash
# The Android tests: compiles the app and tests/android/src (build.sh), starts a real
# lens-server on loopback with a fresh database and the operator's app.toml
# (tests/lib/lens-server.sh), and runs every *Tests class under Robolectric 4.17 on the JVM,
# offline, with target/release/liblens_ffi.so loaded through JNA.
#
# `make test-android` runs it inside a loopback-only network namespace (tests/netns.sh).
# Needs target/release/lens-server and liblens_ffi.so (`make bindings-kotlin`),
# target/release/examples/technician_answer (`make build-examples`), Java 17, JNA, kotlinc,
# aapt and Maven (deps.sh). LENS_ANDROID_TESTS=AppConfigTests runs one class.
# The last line is always `android: N passed, M failed, K skipped` (tests/summary.sh).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
source "$HERE/app-config.sh"
RELEASE=target/release
KOTLIN=tests/node_modules/kotlin-compiler
JNA=${JNA_JAR:-/usr/share/java/jna.jar}
JAVA=${JAVA_17:-/usr/lib/jvm/java-17-openjdk-amd64/bin/java}

# A failure before any test ran still counts as one in the summary.
give_up() {
  echo "android: $*" >&2
  echo "android: 0 passed, 1 failed, 0 skipped"
  exit 1
}

[ -f "$RELEASE/liblens_ffi.so" ] || give_up "$RELEASE/liblens_ffi.so is missing: run \`make bindings-kotlin\`"
[ -x "$RELEASE/lens-server" ] || give_up "$RELEASE/lens-server is missing: run \`make build\`"
[ -x "$RELEASE/examples/technician_answer" ] || give_up "$RELEASE/examples/technician_answer is missing: run \`make build-examples\`"
[ -x "$JAVA" ] || give_up "$JAVA is missing: Robolectric's SDK 34 runs on Java 17 (openjdk-17-jre-headless)"
OUT=$("$HERE/build.sh" | tail -1) || give_up "compilation failed (tests/android/build.sh)"
DEPS=target/android-deps

source tests/lib/lens-server.sh
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lens-android-XXXXXX")
cleanup() {
  lens_server_stop
  rm -rf "$WORK"
}
trap cleanup EXIT

# The server names the app of app.toml in /.well-known/assetlinks.json (AppConfigTests checks
# they agree). Until the operator has put its signing certificates in app.toml, a stand-in
# fingerprint is passed as a flag (which wins over the file), so that the document exists.
export LENS_APP_TOML=$ROOT/app.toml
export LENS_TEST_CERT_SHA256=$(printf 'A0:%.0s' $(seq 31))A0
CERT_ARGS=()
[ -n "$(app_config app.android_cert_sha256)" ] || CERT_ARGS=(--android-cert-sha256 "$LENS_TEST_CERT_SHA256")
lens_server_start "$WORK" --app-config "$LENS_APP_TOML" "${CERT_ARGS[@]}" || give_up "lens-server did not start"

# The tests run from a copy, so that a build started meanwhile (build.sh) cannot change the
# jars or the resources under them.
BUILT=$WORK/build
mkdir -p "$BUILT/test-config/com/android/tools"
flock "$OUT.lock" cp -r "$OUT/tests.jar" "$OUT/app.jar" "$OUT/r-classes" "$OUT/resources.ap_" \
  "$OUT/gen/merged/AndroidManifest.xml" "$BUILT/"
cat >"$BUILT/test-config/com/android/tools/test_config.properties" <<EOF
android_merged_manifest=$BUILT/AndroidManifest.xml
android_resource_apk=$BUILT/resources.ap_
android_custom_package=app.lens
EOF
CLASSPATH=$BUILT/tests.jar:$BUILT/app.jar:$BUILT/r-classes:$BUILT/test-config:$KOTLIN/lib/kotlin-stdlib.jar:$JNA
CLASSPATH+=:$(find "$DEPS/lib" -name '*.jar' | sort | paste -sd:)
# Last, as the Android Gradle plugin puts android.jar: JUnit reads annotations (@Config's
# defaults name android.app.Application) outside Robolectric's sandbox, which then loads the
# instrumented framework for the tests themselves.
CLASSPATH+=:$(echo "$DEPS"/sdk/android-all-*.jar)
set +e
RUST_BACKTRACE=0 "$JAVA" -Xmx2g -Djna.library.path="$RELEASE" \
  -Drobolectric.offline=true -Drobolectric.dependency.dir="$DEPS/robolectric" \
  -Drobolectric.logging=stderr -cp "$CLASSPATH" app.lens.test.support.AndroidTestMainKt "$BUILT/tests.jar" \
  | tee "$WORK/test.log"
status=${PIPESTATUS[0]}
set -e
# A JVM that died in native code printed no verdict.
grep -Eq '^android: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$WORK/test.log" \
  || give_up "the JVM exited with $status and no verdict"
if [ "$status" -ne 0 ] && grep -Eq '^android: [0-9]+ passed, 0 failed' "$WORK/test.log"; then
  give_up "the JVM exited with $status after the tests passed"
fi
if [ "$status" -ne 0 ]; then
  echo "--- lens-server log ---" >&2
  lens_server_log >&2
fi
exit "$status"
