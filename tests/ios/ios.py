"""What the iOS checks share: the repository's paths, app.toml, the hand-written Swift."""

import pathlib
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[2]
IOS = ROOT / "ios"
APP = IOS / "LensApp"
KIT = IOS / "LensKit"
# Copied in by `make bindings-swift`, never written by hand.
GENERATED = KIT / "Sources" / "LensKit" / "Generated"


def app_toml():
    with open(ROOT / "app.toml", "rb") as f:
        return tomllib.load(f)


def handwritten_swift():
    """Every .swift in ios/ that a person wrote (not the glue, not SwiftPM's build folder)."""
    return sorted(
        path for path in IOS.rglob("*.swift")
        if GENERATED not in path.parents and ".build" not in path.parts
    )


def relative(path):
    return path.relative_to(ROOT)
