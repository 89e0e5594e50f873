#!/usr/bin/env bash
# The Gradle build cannot run here (no Android SDK, no Gradle distribution), so its versions
# are checked statically: every library and plugin of android/gradle/libs.versions.toml must
# resolve from the registry Maven uses here (Maven Central). A plugin is looked up by its
# marker (<id>:<id>.gradle.plugin); the Android Gradle plugin's marker is published on Google's
# Maven only, so its implementation (com.android.tools.build:gradle, which the marker names)
# is checked instead. What no registry here serves (the Gradle distribution of the wrapper) is
# reported as skipped, never passed. Last line: `android: N passed, M failed, K skipped`.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
CATALOG=android/gradle/libs.versions.toml
WRAPPER=android/gradle/wrapper/gradle-wrapper.properties
passed=0 failed=0 skipped=0

# toml_table TABLE: the lines of one [table] of the catalog, comments dropped.
toml_table() {
  awk -v table="[$1]" '/^\[/ { inside = ($0 == table); next } inside && !/^[[:space:]]*(#|$)/' "$CATALOG"
}
# field LINE NAME: NAME = "value" inside an inline table (or the value of `key = "value"`).
field() { sed -n "s/.*\b$2 *= *\"\([^\"]*\)\".*/\1/p" <<<"$1"; }

declare -A versions
while IFS= read -r line; do
  versions[${line%%[ =]*}]=$(sed -n 's/^[^=]*= *"\([^"]*\)".*/\1/p' <<<"$line")
done < <(toml_table versions)

version_of() {
  local line=$1 version
  version=$(field "$line" version)
  [ -n "$version" ] || version=${versions[$(field "$line" version.ref)]:-}
  echo "$version"
}

# exists GROUP:ARTIFACT:VERSION WHAT: the pom resolves (from ~/.m2 if fetched before, which
# only ever holds what a registry served).
exists() {
  local coordinates=$1 what=$2 group artifact version
  IFS=: read -r group artifact version <<<"$coordinates"
  if [ -z "$version" ]; then
    echo "FAIL - $what: no version in $CATALOG"
    failed=$((failed + 1))
    return
  fi
  if [ -f "$HOME/.m2/repository/${group//.//}/$artifact/$version/$artifact-$version.pom" ] \
    || mvn -q -B -Dstyle.color=never dependency:get -Dartifact="$coordinates:pom" -Dtransitive=false >/dev/null 2>&1; then
    echo "ok - $what: $coordinates"
    passed=$((passed + 1))
  else
    echo "FAIL - $what: $coordinates does not resolve"
    failed=$((failed + 1))
  fi
}

while IFS= read -r line; do
  name=${line%%[ =]*}
  exists "$(field "$line" module):$(version_of "$line")" "library $name"
done < <(toml_table libraries)

while IFS= read -r line; do
  name=${line%%[ =]*} id=$(field "$line" id) version=$(version_of "$line")
  case $id in
    com.android.*) exists "com.android.tools.build:gradle:$version" "plugin $name ($id, by its implementation)" ;;
    *) exists "$id:$id.gradle.plugin:$version" "plugin $name ($id)" ;;
  esac
done < <(toml_table plugins)

distribution=$(sed -n 's/^distributionUrl=.*gradle-\([0-9.]*\)-bin\.zip$/\1/p' "$WRAPPER")
if [ -n "$distribution" ]; then
  echo "SKIPPED - the wrapper's Gradle $distribution: no registry reached here serves Gradle distributions"
  skipped=$((skipped + 1))
else
  echo "FAIL - $WRAPPER names no Gradle distribution"
  failed=$((failed + 1))
fi

echo "android: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
