#!/usr/bin/env bash
# Compiles the Android app here, without the Android SDK or Gradle, the way
# android/app/build.gradle.kts does in Android Studio, for the Robolectric tests (run.sh) and
# the APK packaging check (package-apk.sh). Into target/android-build/:
#   gen/         the manifest with app.toml's placeholders filled, R.java, AppConfig.kt
#                (Debian's aapt v1, with android-all's resources.arsc as the framework: SDK
#                34 knows the attributes and flags an SDK 29 framework-res.apk refuses, such
#                as foregroundServiceType="camera|microphone"), the generated colour;
#   resources.ap_ the compiled resources and manifest (what Robolectric reads, and the start
#                of package-apk.sh's APK); gen/version its version name and code;
#   r-classes/   R (javac);
#   app.jar      the generated UniFFI glue and android/app/src/main/kotlin (kotlinc, against
#                android-all for SDK 34 in place of android.jar);
#   tests.jar    tests/android/src and the technician's side of tests/kotlin/src (its console
#                and the media answerer, the words of core/locales), as the app's friend
#                module: tests see its `internal` members, as Gradle's unit tests do;
#   test-config/ com/android/tools/test_config.properties, which points Robolectric at the
#                manifest and resources (as the Android Gradle plugin does for unit tests).
# kotlinc is slow: each jar is rebuilt only when its inputs' content changed. Prints the
# build directory last.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
source "$HERE/app-config.sh"

OUT=target/android-build
APP=android/app/src/main
KOTLIN=tests/node_modules/kotlin-compiler
JNA=${JNA_JAR:-/usr/share/java/jna.jar}
GLUE_FILES=(bindings/generated/kotlin/uniffi/{lens_core/lens_core,lens_engine/lens_engine,lens_ffi/lens_ffi}.kt)
# The technician's side of the Kotlin binding tests, shared rather than copied.
SHARED_TEST_FILES=(tests/kotlin/src/{TechnicianConsole,MediaAnswerer,Locales,Json,Checks}.kt)
NAMESPACE=app.lens
MIN_SDK=24
TARGET_SDK=35

fail() {
  echo "android build: $*" >&2
  exit 1
}

for glue in "${GLUE_FILES[@]}"; do
  [ -f "$glue" ] || fail "$glue is missing: run \`make bindings-kotlin\`"
done
[ -x "$KOTLIN/bin/kotlinc" ] || fail "kotlinc is missing: run \`make deps-npm\`"
[ -f "$JNA" ] || fail "$JNA is missing: install libjna-java (\`make deps-apt\`)"
command -v aapt >/dev/null || fail "aapt is missing: install aapt (\`make deps-apt\`)"
mkdir -p "$OUT"
# Five people and CI share checkouts: one build at a time (a second waits), or one would
# delete the jar the other is compiling against. run.sh and package-apk.sh take the same
# lock while they copy or read what this made.
exec 9>"$OUT.lock"
flock 9
DEPS=$("$HERE/deps.sh")
ANDROID_JAR=$(echo "$DEPS"/sdk/android-all-*.jar)
TEST_LIBS=$(find "$DEPS/lib" -name '*.jar' | sort | paste -sd:)

# The app's version, as the Gradle build derives it: the workspace's version in
# core/Cargo.toml, and a code that grows with it (major * 1,000,000 + minor * 1,000 + patch).
VERSION_NAME=$(sed -n 's/^version = "\(.*\)"/\1/p' core/Cargo.toml | head -1)
IFS=. read -r major minor patch <<<"${VERSION_NAME%%-*}"
VERSION_CODE=$((major * 1000000 + minor * 1000 + patch))

APPLICATION_ID=$(app_config app.android_application_id)
APP_NAME=$(app_config app.name)
BRAND_COLOUR=$(app_config app.brand_colour)
SERVER_URL=$(app_config server.url)
LINK_HOST=$(app_link_host)
mapfile -t EXTRA_HOSTS < <(app_config server.extra_hosts)

rm -rf "$OUT/gen"
mkdir -p "$OUT/gen/java" "$OUT/gen/res/values" "$OUT/gen/merged"

# Gradle's manifestPlaceholders; `package` is the namespace for aapt (R is generated there)
# and the application id in the merged manifest Robolectric reads, as in Gradle's output.
xml_escape() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g'; }
fill_manifest() {
  sed -e "s|<manifest |<manifest package=\"$1\" |" \
    -e "s|\${applicationId}|$APPLICATION_ID|g" \
    -e "s|\${linkHost}|$LINK_HOST|g" \
    -e "s|\${appName}|$(xml_escape <<<"$APP_NAME")|g" \
    "$APP/AndroidManifest.xml"
}
fill_manifest "$NAMESPACE" >"$OUT/gen/AndroidManifest.xml"
# Gradle's merged manifest carries the SDK levels (aapt takes them as flags): without them
# Robolectric would treat the app as targeting SDK 1 (permissions granted at install).
fill_manifest "$APPLICATION_ID" \
  | sed "/^<manifest /a\\    <uses-sdk android:minSdkVersion=\"$MIN_SDK\" android:targetSdkVersion=\"$TARGET_SDK\" />" \
  >"$OUT/gen/merged/AndroidManifest.xml"
! grep -n '\${' "$OUT/gen/AndroidManifest.xml" || fail "a manifest placeholder is not filled"

# Gradle's resValue("color", "brand", …).
cat >"$OUT/gen/res/values/generated.xml" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<resources>
    <color name="brand">$BRAND_COLOUR</color>
</resources>
EOF

# app.lens.AppConfig: app.toml's values for the app's code; app/build.gradle.kts generates
# the same file (its generateAppConfig task). The brand colour as an opaque ARGB Int.
kotlin_string() { printf '"%s"' "$(sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/\$/\\$/g' <<<"$1")"; }
[[ $BRAND_COLOUR =~ ^#[0-9A-Fa-f]{6}$ ]] || fail "app.toml: brand_colour $BRAND_COLOUR is not #RRGGBB"
hosts=""
for host in "${EXTRA_HOSTS[@]}"; do hosts+="${hosts:+, }$(kotlin_string "$host")"; done
mkdir -p "$OUT/gen/kotlin/app/lens"
cat >"$OUT/gen/kotlin/app/lens/AppConfig.kt" <<EOF
// Generated from app.toml by tests/android/build.sh (in Android Studio: the Gradle build).
package $NAMESPACE

object AppConfig {
    const val SERVER_URL: String = $(kotlin_string "$SERVER_URL")
    val EXTRA_HOSTS: List<String> = listOf($hosts)
    const val NAME: String = $(kotlin_string "$APP_NAME")
    const val BRAND_COLOUR: Int = 0xFF${BRAND_COLOUR#\#}.toInt()
}
EOF

aapt package -f -m --auto-add-overlay \
  -M "$OUT/gen/AndroidManifest.xml" -S "$APP/res" -S "$OUT/gen/res" -I "$ANDROID_JAR" \
  -J "$OUT/gen/java" -F "$OUT/resources.ap_.new" \
  --rename-manifest-package "$APPLICATION_ID" \
  --min-sdk-version "$MIN_SDK" --target-sdk-version "$TARGET_SDK" \
  --version-code "$VERSION_CODE" --version-name "$VERSION_NAME" >&2 \
  || fail "aapt could not compile the resources and manifest"
mv "$OUT/resources.ap_.new" "$OUT/resources.ap_"
printf 'VERSION_NAME=%s\nVERSION_CODE=%s\n' "$VERSION_NAME" "$VERSION_CODE" >"$OUT/gen/version"

mkdir -p "$OUT/test-config/com/android/tools"
cat >"$OUT/test-config/com/android/tools/test_config.properties" <<EOF
android_merged_manifest=$ROOT/$OUT/gen/merged/AndroidManifest.xml
android_resource_apk=$ROOT/$OUT/resources.ap_
android_custom_package=$NAMESPACE
EOF

# The content of every input, with its name (a renamed file is a change).
fingerprint() {
  for file in "$@"; do printf '%s\n' "$file"; cat "$file"; done | sha256sum | cut -d' ' -f1
}
# build NAME OUTPUT INPUTS... -- COMMAND...: runs COMMAND unless OUTPUT was built from
# these inputs already. A failed build leaves no output behind for a test to run.
build() {
  local name=$1 output=$2
  shift 2
  local inputs=()
  while [ "$1" != "--" ]; do inputs+=("$1"); shift; done
  shift
  local stamp
  # The command line too: another compiler option or class path is another build.
  stamp=$({ fingerprint "${inputs[@]}"; printf '%s\n' "$@"; } | sha256sum | cut -d' ' -f1)
  [ -e "$output" ] && [ "$(cat "$output.sources" 2>/dev/null)" = "$stamp" ] && return 0
  echo "compiling $name" >&2
  rm -rf "$output" "$output.sources"
  "$@" >&2 || fail "compiling $name failed"
  echo "$stamp" >"$output.sources"
}

mapfile -t GEN_JAVA < <(find "$OUT/gen/java" -name '*.java' | sort)
build "R" "$OUT/r-classes" "${GEN_JAVA[@]}" -- \
  javac -nowarn --release 11 -cp "$ANDROID_JAR" -d "$OUT/r-classes" "${GEN_JAVA[@]}"

mapfile -t APP_SOURCES < <(find "$APP/kotlin" -name '*.kt' 2>/dev/null | sort)
KOTLINC=("$KOTLIN/bin/kotlinc" -nowarn -jvm-target 17)
APP_SOURCES+=("$OUT/gen/kotlin/app/lens/AppConfig.kt")
build "the app" "$OUT/app.jar" "${GLUE_FILES[@]}" "${APP_SOURCES[@]}" "${GEN_JAVA[@]}" -- \
  "${KOTLINC[@]}" -cp "$ANDROID_JAR:$JNA:$OUT/r-classes" -d "$OUT/app.jar" \
  "${GLUE_FILES[@]}" "${APP_SOURCES[@]}"

mapfile -t TEST_SOURCES < <(find tests/android/src -name '*.kt' | sort)
build "the Android tests" "$OUT/tests.jar" "${TEST_SOURCES[@]}" "${SHARED_TEST_FILES[@]}" \
  "$OUT/app.jar.sources" -- \
  "${KOTLINC[@]}" -cp "$ANDROID_JAR:$JNA:$OUT/r-classes:$OUT/app.jar:$TEST_LIBS" \
  -Xfriend-paths="$OUT/app.jar" -d "$OUT/tests.jar" "${TEST_SOURCES[@]}" "${SHARED_TEST_FILES[@]}"
echo "$OUT"
