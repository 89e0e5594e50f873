#!/usr/bin/env bash
# Many sessions in one app process (issue 17, tests/kotlin/src/ManySessions.kt): N sessions
# (default 200) through the Kotlin bindings against a real lens-server, sampling RSS,
# descriptors and threads after each. Run inside the loopback namespace:
#
#     tests/netns.sh tests/kotlin/many-sessions.sh [N]
#
# Needs what tests/kotlin/run.sh needs (`make build build-examples bindings-kotlin deps-npm`).
# The heap is fixed and committed up front (-Xms = -Xmx, AlwaysPreTouch) so that the RSS
# figures show the native library, not the JVM growing its heap.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
RELEASE=target/release
KOTLIN=tests/node_modules/kotlin-compiler
JNA=${JNA_JAR:-/usr/share/java/jna.jar}
JAR=$(tests/kotlin/build.sh)

source tests/lib/lens-server.sh
WORK=$(mktemp -d "${TMPDIR:-/tmp}/lens-many-XXXXXX")
cleanup() {
  lens_server_stop
  rm -rf "$WORK"
}
trap cleanup EXIT
lens_server_start "$WORK" || { echo "many sessions: lens-server did not start" >&2; exit 1; }

# Two malloc arenas instead of glibc's 8 per core: each new engine thread would otherwise
# warm up an arena of its own, and the figures would show glibc rather than Lens.
MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2} RUST_BACKTRACE=0 java -Xms192m -Xmx192m -XX:+AlwaysPreTouch -XX:NativeMemoryTracking=summary -Djna.library.path="$RELEASE" \
  -cp "$JAR:$KOTLIN/lib/kotlin-stdlib.jar:$JNA" ManySessionsKt "${1:-200}"
