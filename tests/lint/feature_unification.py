#!/usr/bin/env python3
"""The dependencies `cargo build --workspace` builds have the features `cargo test --workspace`
gives them, so that `make test` builds each of them once (see hack/Cargo.toml for why they
would differ and how lens-workspace-hack makes them agree).

It compares `cargo tree` without and with the dev-dependencies: every package of the first
must have the same feature sets in the second. Packages only dev-dependencies bring are not
compared (only tests build them). Exit status 1 and one line per difference; one summary line
always.
"""

import collections
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def features(edges):
    """{package: {feature list, …}} as `cargo tree` resolves it with these dependency edges."""
    out = subprocess.run(
        ["cargo", "tree", "--offline", "--workspace", "-e", edges, "--prefix", "none",
         "-f", "{p}|{f}"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    found = collections.defaultdict(set)
    for line in out.splitlines():
        if "|" not in line:
            continue
        package, feature_list = line.split("|", 1)
        package = package.split(" (")[0].strip()
        found[package].add(feature_list.replace(" (*)", "").strip())
    return found


def main():
    built = features("normal,build")
    tested = features("normal,build,dev")
    differences = [
        f"{package}: `cargo build` features {sorted(built[package])}, "
        f"`cargo test` features {sorted(tested[package])}"
        for package in sorted(built)
        if built[package] != tested[package]
    ]
    for line in differences:
        print(f"feature unification: {line}")
    print(f"feature unification: {len(built)} packages compared, {len(differences)} differ "
          "(add the test build's features to hack/Cargo.toml)" if differences else
          f"feature unification: {len(built)} packages compared, the same in both builds")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
