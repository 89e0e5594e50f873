#!/usr/bin/env python3
"""No source file over 500 lines outside tests.

A file that long holds more than one idea; split it by what its parts do. Tests are exempt:
a test file reads top to bottom as a list of cases. Tests are the `tests/` folders, the
`tests.rs` files that `#[cfg(test)] mod tests;` points to, and generated code.

Exit status 1 and one line per file over the limit; one summary line always.
"""

import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
LIMIT = 500
SOURCE_SUFFIXES = {".rs", ".js", ".mjs", ".kt", ".swift", ".py", ".sh", ".html", ".css"}
# Written by tools, not by us.
GENERATED = ("bindings/generated/",)


def tracked_files():
    listing = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    return [ROOT / line for line in listing.splitlines()]


def is_test(relative):
    parts = relative.parts
    return "tests" in parts[:-1] or relative.name == "tests.rs" or parts[0] == "tests"


def main():
    checked = 0
    over = []
    for path in tracked_files():
        relative = path.relative_to(ROOT)
        if path.suffix not in SOURCE_SUFFIXES or not path.is_file():
            continue
        if is_test(relative) or str(relative).startswith(GENERATED):
            continue
        checked += 1
        lines = path.read_text(errors="replace").count("\n")
        if lines > LIMIT:
            over.append((lines, relative))
    for lines, relative in sorted(over, reverse=True):
        print(f"{relative}: {lines} lines (limit {LIMIT} outside tests)")
    print(f"file sizes: {len(over)} of {checked} source files over {LIMIT} lines")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
