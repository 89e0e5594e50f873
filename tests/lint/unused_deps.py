#!/usr/bin/env python3
"""Unused dependencies of the workspace's crates, the way `cargo machete` finds them.

A dependency is used when its crate name appears as a path (`name::`), in a `use`, or in an
`extern crate` in the crate's sources. A normal dependency that only tests use belongs in
`[dev-dependencies]`. A dependency that is needed without being named (one that only turns
on a feature of another crate, say) is listed with its reason under
`[package.metadata.cargo-machete] ignored = [...]`, the key cargo-machete reads, so that
either tool can be used.

cargo-machete itself is not installed by `make test`: compiling it would cost the cold run
minutes, and this check is what it does (a regex over the sources).

Exit status 1 and one line per finding when something is unused; one summary line always.
"""

import pathlib
import re
import sys
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[2]

# Sources that only tests compile: integration tests, benches, examples, and the
# `#[cfg(test)] mod tests;` files.
TEST_DIRS = ("tests", "benches", "examples")


def dependency_tables(manifest):
    """(kind, table) for [dependencies], [dev-dependencies], [build-dependencies], also per target."""
    kinds = ("dependencies", "dev-dependencies", "build-dependencies")
    for kind in kinds:
        yield kind, manifest.get(kind, {})
    for target in manifest.get("target", {}).values():
        for kind in kinds:
            yield kind, target.get(kind, {})


def crate_ident(name, spec):
    package = spec.get("package", name) if isinstance(spec, dict) else name
    # A renamed dependency is named by its key; otherwise by its package name.
    return (name if package != name else package).replace("-", "_")


def is_test_source(crate_dir, path):
    if not path.is_relative_to(crate_dir):
        return True  # only tests borrow another crate's modules
    relative = path.relative_to(crate_dir).parts
    return relative[0] in TEST_DIRS or path.name == "tests.rs" or "tests" in relative[1:-1]


def sources(crate_dir):
    own = [p for p in crate_dir.rglob("*.rs") if "target" not in p.relative_to(crate_dir).parts]
    # Modules borrowed from another crate's folder with `#[path = "…"]` (a test stand-in
    # shared by two crates) are this crate's sources too, with the folder they head.
    borrowed = set()
    for path in own:
        for target in re.findall(r'#\[path\s*=\s*"([^"]+)"\]', path.read_text()):
            module = (path.parent / target).resolve()
            if not module.is_relative_to(crate_dir):
                borrowed.add(module)
                if module.name == "mod.rs":
                    borrowed.update(module.parent.rglob("*.rs"))
    return own + sorted(borrowed)


def mentions(ident, text):
    pattern = rf"(?<![\w:])(?:{ident}::|use\s+{ident}\b|extern\s+crate\s+{ident}\b|{ident}\s*!)"
    return re.search(pattern, text) is not None


def check_crate(manifest_path):
    crate_dir = manifest_path.parent
    manifest = tomllib.loads(manifest_path.read_text())
    ignored = set(
        manifest.get("package", {}).get("metadata", {}).get("cargo-machete", {}).get("ignored", [])
    )
    texts = {path: path.read_text() for path in sources(crate_dir)}
    build_script = crate_dir / manifest.get("package", {}).get("build", "build.rs")
    findings = []
    checked = 0
    for kind, table in dependency_tables(manifest):
        for name, spec in table.items():
            if name in ignored:
                continue
            checked += 1
            ident = crate_ident(name, spec)
            if kind == "build-dependencies":
                used_in = [p for p in texts if p == build_script and mentions(ident, texts[p])]
                if not used_in:
                    findings.append(f"{manifest_path.relative_to(ROOT)}: build-dependency {name} is unused")
                continue
            used_in = [p for p, text in texts.items() if p != build_script and mentions(ident, text)]
            if not used_in:
                findings.append(f"{manifest_path.relative_to(ROOT)}: {kind[:-3]}y {name} is unused")
            elif kind == "dependencies" and all(is_test_source(crate_dir, p) for p in used_in):
                findings.append(
                    f"{manifest_path.relative_to(ROOT)}: dependency {name} is only used by tests "
                    "(it belongs in [dev-dependencies])"
                )
    return checked, findings


def main():
    workspace = tomllib.loads((ROOT / "Cargo.toml").read_text())["workspace"]
    checked = 0
    findings = []
    for member in workspace["members"]:
        count, found = check_crate(ROOT / member / "Cargo.toml")
        checked += count
        findings += found
    for finding in findings:
        print(finding)
    members = len(workspace["members"])
    print(f"unused dependencies: {len(findings)} of {checked} in {members} crates")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
