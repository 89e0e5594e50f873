#!/usr/bin/env python3
"""Writes ../../app.toml's values into project.yml, Resources/LensApp.entitlements, the
accent colour and the app icon (the Android launcher's mark, white lens rings on the brand
colour) in Resources/Assets.xcassets.

One app per operator: edit app.toml, run this, then `xcodegen`. `make test` checks that the
files agree with app.toml and with the server's apple-app-site-association. app.toml is kept
flat (`key = "string"` or `key = ["string", ...]`), so its values read as JSON; no TOML
library is needed (macOS's python3 is 3.9, older than tomllib).
"""
import json
import pathlib
import re
import struct
import sys
import zlib
from urllib.parse import urlsplit

HERE = pathlib.Path(__file__).resolve().parent


def read_app_toml(path):
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\s*(\w+)\s*=\s*(.+?)\s*$", line)
        if match:
            values[match.group(1)] = json.loads(match.group(2))
    return values


def write_accent_colour(path, brand):
    red, green, blue = (f"0x{brand[i:i + 2].upper()}" for i in (1, 3, 5))
    colour = {"color-space": "srgb", "components": {"alpha": "1.000", "red": red, "green": green, "blue": blue}}
    contents = {"colors": [{"color": colour, "idiom": "universal"}], "info": {"author": "xcode", "version": 1}}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(contents, indent=2) + "\n", encoding="utf-8")


def write_icon(path, brand, size=1024):
    """A PNG without alpha (the App Store refuses one), the rings drawn with 1 px of smoothing."""
    background = bytes.fromhex(brand.lstrip("#"))
    scale = size / 108  # the Android drawable's 108-unit canvas
    centre, ring, ring_half_width, dot = 54 * scale, 22 * scale, 2.5 * scale, 10 * scale
    rows = bytearray()
    for y in range(size):
        rows.append(0)  # PNG filter: none
        for x in range(size):
            d = ((x + 0.5 - centre) ** 2 + (y + 0.5 - centre) ** 2) ** 0.5
            white = max(0.0, min(1.0, max(ring_half_width + 0.5 - abs(d - ring), dot + 0.5 - d)))
            rows.extend(round(c + (255 - c) * white) for c in background)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)  # 8-bit RGB
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + chunk(b"IEND", b"")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png)


def main():
    app = read_app_toml(HERE.parent.parent / "app.toml")
    host = urlsplit(app["url"]).hostname
    if not re.fullmatch(r"#[0-9A-Fa-f]{6}", app["brand_colour"]):
        sys.exit(f"app.toml: brand_colour {app['brand_colour']!r} is not #RRGGBB")
    settings = {
        "PRODUCT_BUNDLE_IDENTIFIER": app["ios_bundle_id"],
        "DEVELOPMENT_TEAM": app["apple_team_id"],
        "LENS_DISPLAY_NAME": app["name"],
        "LENS_SERVER_URL": app["url"],
        "LENS_EXTRA_HOSTS": " ".join(app["extra_hosts"]),
    }
    project = HERE / "project.yml"
    text = project.read_text(encoding="utf-8")
    for key, value in settings.items():
        # JSON strings are YAML strings: quoted, so "#" and ":" stay part of the value.
        text, count = re.subn(rf"(?m)^(\s+{key}:).*$", lambda m: f"{m.group(1)} {json.dumps(value)}", text, count=1)
        if count != 1:
            sys.exit(f"project.yml has no {key} line")
    project.write_text(text, encoding="utf-8")
    entitlements = HERE / "Resources" / "LensApp.entitlements"
    text, count = re.subn(r"<string>applinks:[^<]*</string>", f"<string>applinks:{host}</string>",
                          entitlements.read_text(encoding="utf-8"))
    if count != 1:
        sys.exit("LensApp.entitlements has no applinks: entry")
    entitlements.write_text(text, encoding="utf-8")
    assets = HERE / "Resources" / "Assets.xcassets"
    write_accent_colour(assets / "AccentColor.colorset" / "Contents.json", app["brand_colour"])
    write_icon(assets / "AppIcon.appiconset" / "AppIcon.png", app["brand_colour"])
    print(f"project.yml LensApp.entitlements, the colour and the icon now name {app['ios_bundle_id']} on {host}")


if __name__ == "__main__":
    main()
