"""One app per operator: app.toml, the Xcode project (project.yml), the app's Info.plist and
entitlements, and the server's /.well-known/apple-app-site-association name the same app and
hosts. A link only opens the app when all of them agree, and nothing here can try it."""

import json
import pathlib
import plistlib
import re
import subprocess
import tempfile
import urllib.parse

import yaml

from ios import APP, ROOT, app_toml, relative


def app_target():
    """The application target's build settings, and its Info.plist and entitlements files."""
    project = yaml.safe_load((APP / "project.yml").read_text())
    targets = [t for t in project["targets"].values() if t.get("type") == "application"]
    assert len(targets) == 1, "project.yml has not exactly one application target"
    target = targets[0]
    settings = {}
    for source in (project.get("settings", {}), target.get("settings", {})):
        settings.update({k: v for k, v in source.items() if k not in ("base", "configs", "groups")})
        settings.update(source.get("base", {}))
    info = target.get("info", {}).get("path") or settings.get("INFOPLIST_FILE")
    entitlements = target.get("entitlements", {}).get("path") or settings.get("CODE_SIGN_ENTITLEMENTS")
    assert info and entitlements, "project.yml names no Info.plist or entitlements for the app"
    return {k: str(v) for k, v in settings.items()}, APP / info, APP / entitlements


def resolved(value, settings):
    """An Info.plist string as Xcode writes it into the app: $(NAME) replaced by the setting."""
    return re.sub(r"\$\((\w+)\)", lambda m: settings.get(m.group(1), m.group(0)), value)


def test_the_project_builds_the_app_that_app_toml_names():
    app = app_toml()
    settings, info_path, _ = app_target()
    info = plistlib.loads(info_path.read_bytes())
    expected = {
        "PRODUCT_BUNDLE_IDENTIFIER": app["app"]["ios_bundle_id"],
        "DEVELOPMENT_TEAM": app["app"]["apple_team_id"],
        "LENS_SERVER_URL": app["server"]["url"],
        "LENS_EXTRA_HOSTS": " ".join(app["server"]["extra_hosts"]),
    }
    wrong = {k: (settings.get(k), v) for k, v in expected.items() if settings.get(k) != v}
    assert not wrong, f"project.yml (found, app.toml): {wrong}"
    built = {
        "CFBundleIdentifier": app["app"]["ios_bundle_id"],
        "CFBundleDisplayName": app["app"]["name"],
        "LensServerURL": app["server"]["url"],
    }
    wrong = {k: (resolved(info.get(k, ""), settings), v) for k, v in built.items()
             if resolved(info.get(k, ""), settings) != v}
    assert not wrong, f"{relative(info_path)} as built (found, app.toml): {wrong}"


def colour_component(value):
    """An asset catalog colour component, "0x15" or "0.082", as 0 to 255."""
    return int(value, 16) if value.startswith("0x") else round(float(value) * 255)


def test_the_accent_colour_is_the_brand_colour():
    # SwiftUI tints with the asset catalog's global accent colour.
    settings, _, _ = app_target()
    name = settings.get("ASSETCATALOG_COMPILER_GLOBAL_ACCENT_COLOR_NAME")
    assert name, "project.yml names no global accent colour"
    colorset = next(APP.rglob(f"*.xcassets/{name}.colorset/Contents.json"), None)
    assert colorset, f"no {name}.colorset in the app's asset catalogs"
    colours = json.loads(colorset.read_text())["colors"]
    found = set()
    for colour in colours:
        components = colour["color"]["components"]
        found.add("#" + "".join(f"{colour_component(components[c]):02X}" for c in ("red", "green", "blue")))
    assert found == {app_toml()["app"]["brand_colour"].upper()}, f"{relative(colorset)}: {found}"


def test_the_associated_domains_are_the_link_hosts():
    app = app_toml()
    _, _, entitlements_path = app_target()
    entitlements = plistlib.loads(entitlements_path.read_bytes())
    domains = entitlements.get("com.apple.developer.associated-domains", [])
    host = urllib.parse.urlsplit(app["server"]["url"]).hostname
    assert f"applinks:{host}" in domains, f"{relative(entitlements_path)} lacks applinks:{host}: {domains}"
    allowed = {f"applinks:{h}" for h in [host, *app["server"]["extra_hosts"]]}
    assert set(domains) <= allowed, f"domains app.toml does not name: {set(domains) - allowed}"


def test_the_server_associates_its_links_with_this_app():
    app = app_toml()
    work = pathlib.Path(tempfile.mkdtemp(prefix="lens-ios-aasa."))
    # The server refuses an Android id without certificates; until the operator has put its
    # own in app.toml, a stand-in flag (which wins over the file) lets it start, as
    # tests/android/run.sh does. The Apple half comes from app.toml alone.
    certificate = [] if app["app"]["android_cert_sha256"] else ["--android-cert-sha256", ":".join(["A0"] * 32)]
    # tests/lib/lens-server.sh: a fresh database, a free loopback port.
    script = """
        . tests/lib/lens-server.sh
        work=$0
        lens_server_start "$work" --app-config app.toml "$@" || exit 1
        curl -sS -D "$work/headers" -o "$work/aasa.json" "$LENS_SERVER_URL/.well-known/apple-app-site-association"
        rc=$?; lens_server_stop; exit $rc
    """
    run = subprocess.run(["bash", "-c", script, work, *certificate], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, f"the server did not answer:\n{run.stderr}"
    headers = (work / "headers").read_text().lower()
    assert headers.startswith("http/1.1 200"), headers
    assert "content-type: application/json" in headers, headers
    details = json.loads((work / "aasa.json").read_text())["applinks"]["details"]
    app_id = f"{app['app']['apple_team_id']}.{app['app']['ios_bundle_id']}"
    assert [d["appIDs"] for d in details] == [[app_id]], details
    # The link forms the server hands out (/<pin>, /join/<pin>, /?code=<pin>) are all covered.
    components = details[0]["components"]
    assert {c["/"] for c in components} == {"/??????", "/join/??????", "/"}, components
