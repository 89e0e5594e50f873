#!/usr/bin/env bash
# `make ios`: LensFFI.xcframework for ios/LensKit from the Rust library, on macOS with Xcode.
#   ios/build-xcframework.sh --check   lists what this machine lacks (exit 1), or exits 0
#   ios/build-xcframework.sh           builds it; the Swift glue must be in bindings/generated/swift
#                                      (`make bindings-swift`, which `make ios` runs first)
# Slices: the device (aarch64-apple-ios); the simulator (aarch64-apple-ios-sim and
# x86_64-apple-ios in one `lipo` archive: an XCFramework holds one library per platform); the
# Mac (aarch64/x86_64-apple-darwin), only so that `swift test` runs LensKit's tests there.
# Each is lens-ffi alone in the phone profile with the `phone` feature (DEVELOPERS.md).
set -euo pipefail
cd "$(dirname "$0")/.."

DEVICE=aarch64-apple-ios
SIMULATOR=(aarch64-apple-ios-sim x86_64-apple-ios)
MAC=(aarch64-apple-darwin x86_64-apple-darwin)
GLUE=bindings/generated/swift
OUT=ios/LensKit/LensFFI.xcframework
WORK=target/ios
LIB=liblens_ffi.a
# The oldest systems the package supports (Package.swift, project.yml): the C inside the
# library (openh264, opus, ring) is compiled for them too.
export IPHONEOS_DEPLOYMENT_TARGET=16.0 MACOSX_DEPLOYMENT_TARGET=13.0

missing=()
if [ "$(uname -s)" != Darwin ]; then
  missing+=("macOS: xcodebuild -create-xcframework and Apple's SDKs exist only there")
else
  xcrun --find xcodebuild >/dev/null 2>&1 \
    || missing+=("Xcode 16 or later (xcodebuild): install it, then sudo xcode-select -s /Applications/Xcode.app")
  xcrun --find lipo >/dev/null 2>&1 || missing+=("lipo (Xcode's command line tools)")
fi
command -v cargo >/dev/null || missing+=("Rust (cargo): https://rustup.rs")
# As on Linux (Makefile's APT_PACKAGES): cmake builds libopus; nasm openh264's SIMD for the
# x86_64 simulator and Mac slices (engine/build.rs refuses to build them without it).
command -v cmake >/dev/null || missing+=("cmake: brew install cmake")
command -v nasm >/dev/null || missing+=("nasm: brew install nasm")
if command -v rustup >/dev/null; then
  installed=$(rustup target list --installed)
  for target in "$DEVICE" "${SIMULATOR[@]}" "${MAC[@]}"; do
    grep -qx "$target" <<<"$installed" || missing+=("the Rust target $target: rustup target add $target")
  done
else
  missing+=("rustup, for the targets $DEVICE ${SIMULATOR[*]} ${MAC[*]}")
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "make ios: cannot build LensFFI.xcframework here; missing:" >&2
  printf '  - %s\n' "${missing[@]}" >&2
  exit 1
fi
[ "${1:-}" = --check ] && exit 0

shopt -s nullglob
headers=("$GLUE"/*FFI.h)
modulemaps=("$GLUE"/*FFI.modulemap)
if [ ${#headers[@]} -eq 0 ] || [ ${#headers[@]} -ne ${#modulemaps[@]} ]; then
  echo "make ios: no Swift glue in $GLUE: run make bindings-swift first" >&2
  exit 1
fi

for target in "$DEVICE" "${SIMULATOR[@]}" "${MAC[@]}"; do
  cargo build --profile phone -p lens-ffi --lib --features phone --target "$target"
done

# One module map for the three glue modules (lens_ffiFFI, lens_coreFFI, lens_engineFFI):
# an XCFramework slice has one Headers folder, which Xcode adds to the search path.
rm -rf "$WORK" "$OUT"
mkdir -p "$WORK/headers" "$WORK/simulator" "$WORK/mac"
cp "${headers[@]}" "$WORK/headers/"
for map in "${modulemaps[@]}"; do cat "$map"; echo; done >"$WORK/headers/module.modulemap"
# One library per platform: the simulator's and the Mac's two architectures in one archive.
merge() {
  local out=$1 libs=() target
  shift
  for target in "$@"; do libs+=("target/$target/phone/$LIB"); done
  lipo -create "${libs[@]}" -output "$out"
}
merge "$WORK/simulator/$LIB" "${SIMULATOR[@]}"
merge "$WORK/mac/$LIB" "${MAC[@]}"

xcodebuild -create-xcframework \
  -library "target/$DEVICE/phone/$LIB" -headers "$WORK/headers" \
  -library "$WORK/simulator/$LIB" -headers "$WORK/headers" \
  -library "$WORK/mac/$LIB" -headers "$WORK/headers" \
  -output "$OUT"
echo "make ios: $OUT ($(du -sh "$OUT" | cut -f1)); next: cd ios/LensKit && swift test"
