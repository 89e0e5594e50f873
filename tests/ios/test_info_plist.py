"""The system's camera and microphone prompts: Info.plist states each purpose, and the app's
three languages (en, de, nl) each have it in their own words. App Review rejects a missing
usage description; a customer reading German must not get the English one."""

import plistlib
import re

from ios import APP, relative

LANGUAGES = ("en", "de", "nl")
REQUIRED = ("NSCameraUsageDescription", "NSMicrophoneUsageDescription")


def strings_file(language):
    """InfoPlist.strings as a dict: `"key" = "value";` lines, comments allowed."""
    path = APP / "Resources" / f"{language}.lproj" / "InfoPlist.strings"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"/\*.*?\*/|^\s*//.*$", "", text, flags=re.S | re.M)
    entries = re.findall(r'^\s*"([^"]+)"\s*=\s*"((?:[^"\\]|\\.)*)"\s*;\s*$', text, re.M)
    leftover = [line for line in text.splitlines() if line.strip() and not re.match(r'\s*"[^"]+"\s*=', line)]
    assert not leftover, f"{relative(path)}: lines that are not \"key\" = \"value\";: {leftover}"
    return dict(entries)


def info_plist():
    return plistlib.loads((APP / "Resources" / "Info.plist").read_bytes())


def usage_keys():
    keys = sorted(k for k in info_plist() if k.endswith("UsageDescription"))
    missing = set(REQUIRED) - set(keys)
    assert not missing, f"Info.plist lacks {missing}"
    return keys


def test_every_usage_description_is_in_every_language():
    keys = usage_keys()
    problems = [
        f"{language}.lproj/InfoPlist.strings: {key} missing or empty"
        for language in LANGUAGES
        for key in keys
        if not strings_file(language).get(key, "").strip()
    ]
    assert not problems, "\n".join(problems)


def test_the_english_strings_are_the_info_plist_ones():
    # Info.plist's own text is what a language without a .lproj gets: it must be the English.
    info, english = info_plist(), strings_file("en")
    differ = [k for k in usage_keys() if info[k] != english.get(k)]
    assert not differ, f"Info.plist and en.lproj differ for {differ}"


def test_german_and_dutch_are_translations_not_copies():
    english = strings_file("en")
    copies = [
        f"{language}: {key}"
        for language in ("de", "nl")
        for key, text in strings_file(language).items()
        if key in english and text.strip().casefold() == english[key].strip().casefold()
    ]
    assert not copies, f"copied from English: {copies}"
