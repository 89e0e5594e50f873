#!/usr/bin/env bash
# The FFI library's size (x86_64 Linux, stripped), step by step from the library `make build`
# leaves to the one the phones ship (`make phone-lib`), and what each step saved.
#
#   tests/bench/ffi_size.sh   (four builds of the dependency tree: 10 to 25 minutes each on two
#                             shared cores; a rerun only rebuilds what changed)
#
# Steps, each on top of the one before:
#   1. release, workspace   target/release/liblens_ffi.so as `make build` made it (built if
#                           missing); the workspace build unifies lens-engine's features, so
#                           the desktop's camera, microphone and sound card are in it.
#   2. lens-ffi alone       `cargo build --release -p lens-ffi --lib`: only the phone features.
#   3. fat LTO, 1 CGU       [profile.phone] as it is (opt-level 3, as in release).
#   4. log levels           --features phone: debug and trace logging compiled out.
# After the table, for comparison: the same library at opt-level "s", which the phones no
# longer ship (Cargo.toml says what it cost per frame).
# Every size is of a stripped copy (`strip`), so debug info never counts.
#
# Steps 2 to 4 and the comparison build in their own target directory (CARGO_TARGET_DIR,
# default target/phone-size) so that they never rebuild what `make build` and `make test` use.
# The `ffisize*` profiles are defined here through cargo's environment configuration, derived
# from [profile.phone] in Cargo.toml, so the last step is exactly `make phone-lib`.
set -euo pipefail
cd "$(dirname "$0")/../.."

CARGO=${CARGO:-cargo}
SIZE_TARGET=${CARGO_TARGET_DIR:-$PWD/target/phone-size}
WORK=$SIZE_TARGET/ffi-size
mkdir -p "$WORK"

labels=()
sizes=()

# stripped_size LIBRARY COPY: strips LIBRARY into COPY and prints COPY's size in bytes.
stripped_size() {
  strip -o "$2" "$1"
  stat -c %s "$2"
}

# record LABEL LIBRARY: a stripped copy of LIBRARY measured under LABEL.
record() {
  sizes+=("$(stripped_size "$2" "$WORK/step${#labels[@]}.so")")
  labels+=("$1")
}

# build PROFILE [CARGO ARGS…]: lens-ffi's library in the separate target directory.
build() {
  local profile=$1
  shift
  echo "== building lens-ffi, profile $profile $*" >&2
  CARGO_TARGET_DIR=$SIZE_TARGET nice -n 19 "$CARGO" build --profile "$profile" -p lens-ffi \
    --lib "$@" >&2
}

if [ ! -f target/release/liblens_ffi.so ]; then
  echo "== building the workspace (make build)" >&2
  "$CARGO" build --release --workspace --bins --lib >&2
fi
record "release, workspace (make build)" target/release/liblens_ffi.so

build release
record "release, lens-ffi alone" "$SIZE_TARGET/release/liblens_ffi.so"

# [profile.phone] as it is, under another name: the next step's feature would otherwise
# rebuild this one's directory on every run.
CARGO_PROFILE_FFISIZELTO_INHERITS=phone build ffisizelto
record "+ fat LTO, 1 codegen unit" "$SIZE_TARGET/ffisizelto/liblens_ffi.so"

build phone --features phone
record "+ debug/trace logs compiled out (make phone-lib)" "$SIZE_TARGET/phone/liblens_ffi.so"

# The table: each step's size in bytes and MB (10^6 bytes), and what it saved.
for i in "${!labels[@]}"; do
  printf '%s\t%s\n' "${labels[i]}" "${sizes[i]}"
done | awk -F '\t' '
  BEGIN { printf "%-50s %11s %8s %11s\n", "step (x86_64 liblens_ffi.so, stripped)", "bytes", "MB", "saved" }
  { printf "%-50s %11d %8.2f %11s\n", $1, $2, $2 / 1e6, (NR > 1 ? prev - $2 : ""); prev = $2
    if (NR == 1) first = $2 }
  END { printf "%-50s %11s %8s %11d (%.0f %%)\n", "total saved", "", "", first - prev, 100 * (first - prev) / first }'

# Not shipped: the last step at opt-level "s", the size it would save against what it costs.
CARGO_PROFILE_FFISIZES_INHERITS=phone CARGO_PROFILE_FFISIZES_OPT_LEVEL=s build ffisizes \
  --features phone
small=$(stripped_size "$SIZE_TARGET/ffisizes/liblens_ffi.so" "$WORK/opt-s.so")
awk -v s="$small" -v p="${sizes[-1]}" 'BEGIN {
  printf "not shipped: the same at opt-level \"s\" %d bytes (%.2f MB), %d smaller (%.0f %%)\n",
    s, s / 1e6, p - s, 100 * (p - s) / p }'
