"""The names LensKit's package and `make ios` expect are the ones uniffi-bindgen writes: a
renamed crate or module would otherwise first fail in Xcode, on a Mac.

Generates the Swift glue from target/release/liblens_ffi.so (`make build`) into a temporary
folder, as `make bindings-swift` does."""

import pathlib
import re
import subprocess
import tempfile
import tomllib

from ios import GENERATED, IOS, KIT, ROOT

BINDGEN = ROOT / "target/release/uniffi-bindgen"
LIBRARY = ROOT / "target/release/liblens_ffi.so"


def generated_glue():
    out = pathlib.Path(tempfile.mkdtemp(prefix="lens-swift-glue."))
    subprocess.run(
        [BINDGEN, "generate", "--library", LIBRARY, "--language", "swift", "--out-dir", out, "--no-format"],
        check=True, capture_output=True,
    )
    return out


def test_each_glue_module_imports_a_module_map_and_header_of_its_own():
    glue = generated_glue()
    swift = sorted(p.stem for p in glue.glob("*.swift"))
    assert swift == ["lens_core", "lens_engine", "lens_ffi"], f"glue modules: {swift}"
    for module in swift:
        source = (glue / f"{module}.swift").read_text()
        imported = re.findall(r"^#if canImport\((\w+)\)\nimport (\w+)$", source, re.M)
        assert imported == [(f"{module}FFI", f"{module}FFI")], f"{module}.swift imports {imported}"
        modulemap = (glue / f"{module}FFI.modulemap").read_text()
        # build-xcframework.sh concatenates *FFI.modulemap and copies *FFI.h next to them.
        assert re.search(rf'^module {module}FFI \{{', modulemap, re.M), modulemap
        header = re.search(r'header "([^"]+)"', modulemap).group(1)
        assert header == f"{module}FFI.h" and (glue / header).is_file(), f"{module}: header {header}"


def test_the_package_links_the_framework_the_build_script_makes():
    package = (KIT / "Package.swift").read_text()
    script = (IOS / "build-xcframework.sh").read_text()
    binary = re.search(r'\.binaryTarget\(name: "(\w+)", path: "([^"]+)"\)', package)
    assert binary, "Package.swift has no binaryTarget with a path"
    name, path = binary.groups()
    assert path == f"{name}.xcframework", f"{name} at {path}"
    assert f"OUT=ios/LensKit/{path}\n" in script, f"build-xcframework.sh does not write ios/LensKit/{path}"
    assert re.search(rf'\.target\(\s*name: "LensKit",\s*dependencies: \["{name}"\]', package), \
        "the LensKit target does not depend on the binary target"


def test_the_build_script_archives_the_library_cargo_names():
    with open(ROOT / "bindings/Cargo.toml", "rb") as f:
        manifest = tomllib.load(f)
    assert "staticlib" in manifest["lib"]["crate-type"], "lens-ffi builds no static library for iOS"
    script = (IOS / "build-xcframework.sh").read_text()
    assert f"LIB=lib{manifest['lib']['name']}.a\n" in script
    assert "-p lens-ffi" in script and manifest["package"]["name"] == "lens-ffi"


def test_make_bindings_swift_copies_the_glue_into_the_lenskit_target():
    makefile = (ROOT / "Makefile").read_text()
    glue_dir = re.search(r"^LENSKIT_GLUE := (\S+)$", makefile, re.M).group(1)
    assert ROOT / glue_dir == GENERATED, glue_dir
    # SwiftPM compiles Sources/<target> and everything below it.
    assert GENERATED.parent == KIT / "Sources" / "LensKit"
    ignored = (KIT / ".gitignore").read_text().split()
    assert "/Sources/LensKit/Generated/" in ignored and "/LensFFI.xcframework/" in ignored
