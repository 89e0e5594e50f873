//! The customer's preferred languages from the POSIX locale environment, as the BCP 47 tags
//! the app model negotiates against its translations (`de_DE.UTF-8` → `de-DE`).

use std::ffi::OsString;

/// The languages the environment asks for, most preferred first.
pub fn from_environment() -> Vec<String> {
    preferred_languages(|name| std::env::var_os(name))
}

/// gettext's order: `LANGUAGE` (a colon-separated list of preferences) first, then the one
/// locale that decides messages, `LC_ALL`, else `LC_MESSAGES`, else `LANG`. Like gettext,
/// `LANGUAGE` is ignored when that locale is "C" or "POSIX": the user asked for no
/// translation. Separate from the environment so that tests need not change process-wide
/// variables.
fn preferred_languages(var: impl Fn(&str) -> Option<OsString>) -> Vec<String> {
    let value = |name: &str| {
        var(name)
            .and_then(|v| v.into_string().ok())
            .filter(|v| !v.is_empty())
    };
    let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|name| value(name));
    let untranslated = locale
        .as_deref()
        .is_some_and(|l| matches!(l.split(['.', '@']).next(), Some("C" | "POSIX")));
    let listed = value("LANGUAGE").filter(|_| !untranslated);
    let mut tags: Vec<String> = Vec::new();
    for entry in listed
        .iter()
        .flat_map(|l| l.split(':'))
        .chain(locale.as_deref())
    {
        if let Some(tag) = bcp47(entry)
            && !tags.contains(&tag)
        {
            tags.push(tag);
        }
    }
    tags
}

/// `language[_territory][.codeset][@modifier]` → `language[-TERRITORY]`; `None` for "C",
/// "POSIX" and anything that is not a locale name.
fn bcp47(posix: &str) -> Option<String> {
    let name = posix.split(['.', '@']).next().unwrap_or_default();
    let mut parts = name.split(['_', '-']);
    let language = parts.next().unwrap_or_default();
    let letters = |s: &str, range: std::ops::RangeInclusive<usize>| {
        range.contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphabetic())
    };
    if !letters(language, 2..=3) {
        return None;
    }
    let language = language.to_ascii_lowercase();
    match parts.next() {
        Some(territory) if letters(territory, 2..=2) || territory.len() == 3 => {
            Some(format!("{language}-{}", territory.to_ascii_uppercase()))
        }
        _ => Some(language),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn languages(vars: &[(&str, &str)]) -> Vec<String> {
        preferred_languages(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| OsString::from(v))
        })
    }

    #[test]
    fn a_german_desktop_asks_for_german() {
        assert_eq!(languages(&[("LANG", "de_DE.UTF-8")]), ["de-DE"]);
        assert_eq!(languages(&[("LANG", "nl_BE.UTF-8@euro")]), ["nl-BE"]);
        assert_eq!(languages(&[("LANG", "nl")]), ["nl"]);
    }

    #[test]
    fn lc_all_overrides_lang_and_language_lists_preferences_first() {
        assert_eq!(
            languages(&[("LANG", "en_US.UTF-8"), ("LC_ALL", "de_AT.UTF-8")]),
            ["de-AT"]
        );
        assert_eq!(
            languages(&[("LANGUAGE", "nl_NL:de"), ("LANG", "en_GB.UTF-8")]),
            ["nl-NL", "de", "en-GB"]
        );
        // LC_MESSAGES decides messages when LC_ALL is unset.
        assert_eq!(
            languages(&[("LC_MESSAGES", "nl_NL.UTF-8"), ("LANG", "en_US.UTF-8")]),
            ["nl-NL"]
        );
    }

    #[test]
    fn the_c_locale_asks_for_no_language() {
        assert!(languages(&[("LANG", "C.UTF-8")]).is_empty());
        assert!(languages(&[("LC_ALL", "POSIX")]).is_empty());
        // gettext ignores LANGUAGE under the C locale.
        assert!(languages(&[("LANGUAGE", "de"), ("LC_ALL", "C")]).is_empty());
        assert!(languages(&[]).is_empty());
    }

    #[test]
    fn duplicates_and_garbage_are_dropped() {
        assert_eq!(
            languages(&[("LANGUAGE", "de_DE::x:de_DE:12"), ("LANG", "de_DE.UTF-8")]),
            ["de-DE"]
        );
    }
}
