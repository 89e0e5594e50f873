#!/usr/bin/env bash
# The APK packaging check: assembles a debug APK from what build.sh compiled, the way the
# Android Gradle plugin would, with Debian's aapt, D8 (from Maven's r8), zipalign and
# apksigner under a throwaway key made for this run, then reads the APK back (apksigner
# verify, aapt dump badging and xmltree, dexdump) and checks that it is app.toml's app with
# the manifest's permissions, links and service. The APK has no native libraries: the Rust
# library for phones needs the NDK (`make android`). Writes target/android-build/lens-debug.apk
# and prints its size. Last line: `android: N passed, M failed, 0 skipped`.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
source "$HERE/app-config.sh"
KOTLIN=tests/node_modules/kotlin-compiler
DEPS=target/android-deps
passed=0 failed=0

give_up() {
  echo "android apk: $*" >&2
  echo "android: $passed passed, $((failed + 1)) failed, 0 skipped"
  exit 1
}
for tool in aapt zipalign apksigner dexdump keytool mvn; do
  command -v $tool >/dev/null || give_up "$tool is missing (\`make deps-apt\`)"
done
OUT=$("$HERE/build.sh" | tail -1) || give_up "compilation failed (tests/android/build.sh)"
ANDROID_JAR=$(echo "$DEPS"/sdk/android-all-*.jar)
R8=$(echo "$DEPS"/tools/r8-*.jar)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lens-apk-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
# A copy of what build.sh made (under its lock), so that a build started meanwhile changes
# nothing under the packaging.
BUILT=$WORK/build
mkdir -p "$BUILT"
flock "$OUT.lock" cp -r "$OUT/app.jar" "$OUT/r-classes" "$OUT/resources.ap_" "$OUT/gen/version" "$BUILT/"

# JNA as the app ships it: the catalog's version, the AAR's classes (its libjnidispatch.so
# files are native libraries, left out like the Rust library). Kept once fetched.
JNA_VERSION=$(sed -n 's/^jna *= *"\(.*\)"/\1/p' android/gradle/libs.versions.toml)
JNA_CLASSES=$OUT/jna-$JNA_VERSION-classes.jar
if [ ! -f "$JNA_CLASSES" ]; then
  mvn -q -B -Dstyle.color=never dependency:copy -Dartifact="net.java.dev.jna:jna:$JNA_VERSION:aar" \
    -DoutputDirectory="$WORK" >/dev/null 2>&1 || give_up "JNA $JNA_VERSION (aar) did not resolve"
  unzip -p "$WORK/jna-$JNA_VERSION.aar" classes.jar >"$JNA_CLASSES.new" && mv "$JNA_CLASSES.new" "$JNA_CLASSES"
fi

# D8 takes minutes on a busy machine: the dex is kept while its inputs are the same.
(cd "$BUILT/r-classes" && jar cf "$WORK/r.jar" .)
DEX_INPUTS=("$BUILT/app.jar" "$WORK/r.jar" "$KOTLIN/lib/kotlin-stdlib.jar" "$JNA_CLASSES")
DEX=$OUT/dex
stamp=$(for jar in "${DEX_INPUTS[@]}"; do unzip -p "$jar" '*.class' | sha256sum; done | sha256sum | cut -d' ' -f1)
if [ "$(cat "$DEX.sources" 2>/dev/null)" != "$stamp" ]; then
  echo "dexing (D8)" >&2
  rm -rf "$DEX" "$DEX.sources"
  mkdir -p "$DEX"
  java -cp "$R8" com.android.tools.r8.D8 --debug --min-api 24 --lib "$ANDROID_JAR" --output "$DEX" \
    "${DEX_INPUTS[@]}" 2>"$WORK/d8.log" || { cat "$WORK/d8.log" >&2; give_up "D8 failed"; }
  echo "$stamp" >"$DEX.sources"
fi

# The resources and manifest build.sh compiled (aapt, app.toml's id and version), plus dex.
source "$BUILT/version"
APPLICATION_ID=$(app_config app.android_application_id)
cp "$BUILT/resources.ap_" "$WORK/unaligned.apk"
(cd "$DEX" && aapt add "$WORK/unaligned.apk" classes*.dex >/dev/null) || give_up "aapt add failed"
zipalign -p -f 4 "$WORK/unaligned.apk" "$WORK/aligned.apk" || give_up "zipalign failed"

# A debug key for this run only: never committed, gone with $WORK.
keytool -genkeypair -keystore "$WORK/debug.jks" -storepass android -keypass android -alias debug \
  -keyalg RSA -keysize 2048 -validity 1 -dname "CN=Lens test debug key" >/dev/null 2>&1 \
  || give_up "keytool could not make the throwaway key"
APK=$OUT/lens-debug.apk
apksigner sign --ks "$WORK/debug.jks" --ks-pass pass:android --ks-key-alias debug --out "$APK" \
  "$WORK/aligned.apk" || give_up "apksigner sign failed"

# check WHAT COMMAND...: one line per check, counted.
check() {
  local what=$1
  shift
  if "$@" >/dev/null 2>&1; then
    echo "ok - $what"
    passed=$((passed + 1))
  else
    echo "FAIL - $what"
    failed=$((failed + 1))
  fi
}
contains() { grep -qF -- "$2" <<<"$1"; }

check "apksigner verify: the signature holds from SDK 24 on" \
  apksigner verify --min-sdk-version 24 "$APK"
check "zipalign: 4-byte aligned, page-aligned where needed" zipalign -c -p 4 "$APK"
BADGING=$(aapt dump badging "$APK")
MANIFEST=$(aapt dump xmltree "$APK" AndroidManifest.xml)
check "package is app.toml's application id $APPLICATION_ID, version $VERSION_NAME ($VERSION_CODE)" \
  contains "$BADGING" "package: name='$APPLICATION_ID' versionCode='$VERSION_CODE' versionName='$VERSION_NAME'"
check "minSdk 24, targetSdk 35" contains "$BADGING" "sdkVersion:'24'"$'\n'"targetSdkVersion:'35'"
check "the label is app.toml's name" contains "$BADGING" "application-label:'$(app_config app.name)'"
check "the launcher opens app.lens.ui.MainActivity" \
  contains "$BADGING" "launchable-activity: name='app.lens.ui.MainActivity'"
for permission in INTERNET CAMERA RECORD_AUDIO MODIFY_AUDIO_SETTINGS FOREGROUND_SERVICE \
  FOREGROUND_SERVICE_CAMERA FOREGROUND_SERVICE_MICROPHONE POST_NOTIFICATIONS; do
  check "uses-permission $permission" contains "$BADGING" "uses-permission: name='android.permission.$permission'"
done
# The manifest as Android reads it: one attribute per line, values as aapt prints them.
attribute() { grep -A30 "$1" <<<"$MANIFEST" | grep -q -- "$2"; }
check "App Links filter: autoVerify" contains "$MANIFEST" 'android:autoVerify(0x010104ee)=(type 0x12)0xffffffff'
check "App Links filter: https on the server's host $(app_link_host)" \
  contains "$MANIFEST" "android:host(0x01010028)=\"$(app_link_host)\""
check "App Links filter: /<pin>, /?code=<pin> (path /) and /join/<pin>" \
  eval 'contains "$MANIFEST" "android:pathPattern(0x0101002c)=\"/0.....\"" &&
    contains "$MANIFEST" "android:path(0x0101002a)=\"/\"" &&
    contains "$MANIFEST" "android:pathPattern(0x0101002c)=\"/join/......\""'
check "lens://join links open the app" \
  eval 'contains "$MANIFEST" "android:scheme(0x01010027)=\"lens\"" && contains "$MANIFEST" "android:host(0x01010028)=\"join\""'
check "the live service is camera|microphone (0x40|0x80)" \
  attribute 'app.lens.service.LiveSessionService' 'android:foregroundServiceType(0x01010599)=(type 0x11)0xc0'
# Every component the manifest names is in the dex (a typo there crashes on the phone only).
DEX_CLASSES=$(for dex in "$DEX"/classes*.dex; do dexdump "$dex"; done | sed -n "s/^  Class descriptor  : 'L\(.*\);'/\1/p" | tr / .)
for component in $(grep -o 'android:name(0x01010003)="app\.lens\.[A-Za-z.]*"' <<<"$MANIFEST" | cut -d'"' -f2); do
  check "the manifest's $component is in classes.dex" grep -qx "$component" <<<"$DEX_CLASSES"
done

size=$(stat -c %s "$APK")
echo "android apk: $APK, $size bytes ($(awk -v s="$size" 'BEGIN { printf "%.2f MB", s / 1e6 }')) without native libraries (the Rust library and JNA's need the NDK build)"
echo "android: $passed passed, $failed failed, 0 skipped"
[ "$failed" -eq 0 ]
