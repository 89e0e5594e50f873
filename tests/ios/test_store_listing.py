"""The App Store listing (fastlane's metadata/<locale>/ layout): every field App Store
Connect requires is there in English, German and Dutch, within Apple's limits, which
`fastlane deliver` otherwise reports only at upload."""

from ios import IOS, app_toml, relative

METADATA = IOS / "fastlane" / "metadata"
LOCALES = ("en-US", "de-DE", "nl-NL")
# Characters, as App Store Connect counts them. None: required, Apple's limit not ours to check.
LIMITS = {"name.txt": 30, "subtitle.txt": 30, "keywords.txt": 100, "promotional_text.txt": 170,
          "description.txt": 4000, "release_notes.txt": 4000}
REQUIRED = ("name.txt", "description.txt", "keywords.txt", "privacy_url.txt", "support_url.txt")


def field(locale, name):
    path = METADATA / locale / name
    return path.read_text(encoding="utf-8").strip() if path.is_file() else None


def test_every_locale_has_the_required_fields():
    missing = [f"{locale}/{name}" for locale in LOCALES for name in REQUIRED if not field(locale, name)]
    assert not missing, f"missing or empty: {missing}"


def test_every_field_is_within_apples_limit():
    over = [
        f"{relative(METADATA / locale / name)}: {len(text)} characters (limit {limit})"
        for locale in LOCALES
        for name, limit in LIMITS.items()
        if (text := field(locale, name)) is not None and len(text) > limit
    ]
    assert not over, "\n".join(over)


def test_keywords_are_a_comma_list_without_empty_or_repeated_entries():
    for locale in LOCALES:
        keywords = [k.strip() for k in field(locale, "keywords.txt").split(",")]
        assert all(keywords), f"{locale}: an empty keyword (a stray comma) wastes characters"
        repeated = {k for k in keywords if keywords.count(k) > 1}
        assert not repeated, f"{locale}: repeated keywords {repeated}"


def test_the_listing_names_the_app_of_app_toml():
    name = app_toml()["app"]["name"]
    wrong = [locale for locale in LOCALES if name not in field(locale, "name.txt")]
    assert not wrong, f"store name without app.toml's name {name!r}: {wrong}"
