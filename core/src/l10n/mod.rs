//! The customer's words in English, German and Dutch, from Fluent resources
//! (`core/locales/*.ftl`), chosen from the device's preferred languages with English as the
//! fallback. The typed errors keep their English `Display` for logs; what the customer
//! reads comes from here.

mod typed;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use fluent_langneg::{NegotiationStrategy, convert_vec_str_to_langids_lossy, negotiate_languages};

/// An argument of a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg<'a> {
    Text(&'a str),
    Number(i64),
}

/// A language the app ships: its BCP 47 tag and its Fluent source, embedded so that the
/// phone library needs no files next to it.
struct Language {
    tag: &'static str,
    source: &'static str,
}

/// English first: it is the default and the fallback.
const ENGLISH: Language = Language {
    tag: "en",
    source: include_str!("../../locales/en.ftl"),
};
const LANGUAGES: [Language; 3] = [
    ENGLISH,
    Language {
        tag: "de",
        source: include_str!("../../locales/de.ftl"),
    },
    Language {
        tag: "nl",
        source: include_str!("../../locales/nl.ftl"),
    },
];

/// The messages of one language. `Send + Sync`: the engine's driver task owns it.
pub struct Texts {
    language: &'static str,
    bundle: FluentBundle<FluentResource>,
    /// English, for messages missing or failing in `bundle`; `None` when `bundle` is English.
    fallback: Option<FluentBundle<FluentResource>>,
}

impl Texts {
    /// The best language for `preferred` (BCP 47 tags, most preferred first), English when
    /// none of them is translated.
    pub fn for_locales<S: AsRef<str>>(preferred: &[S]) -> Texts {
        Texts::of(Texts::negotiate(preferred), &ENGLISH)
    }

    /// The tag of the language [`Texts::for_locales`] picks for `preferred` ("en", "de" or
    /// "nl"), without building its bundles: a caller that keeps texts per language (the fuzz
    /// target) looks them up by it.
    pub fn language_for<S: AsRef<str>>(preferred: &[S]) -> &'static str {
        Texts::negotiate(preferred).tag
    }

    /// The texts of a tag [`Texts::language_for`] gave; English for any other.
    pub fn for_language(tag: &str) -> Texts {
        let chosen = LANGUAGES
            .iter()
            .find(|language| language.tag == tag)
            .unwrap_or(&ENGLISH);
        Texts::of(chosen, &ENGLISH)
    }

    fn negotiate<S: AsRef<str>>(preferred: &[S]) -> &'static Language {
        // Tags that do not parse (empty, garbage, a platform's odd spelling) are skipped
        // rather than failing the whole list: the next preference may still be usable.
        let requested = convert_vec_str_to_langids_lossy(preferred.iter().map(|s| s.as_ref()));
        let available = convert_vec_str_to_langids_lossy(LANGUAGES.iter().map(|l| l.tag));
        let default = available.first();
        negotiate_languages(
            &requested,
            &available,
            default,
            NegotiationStrategy::Filtering,
        )
        .first()
        .map(|best| best.to_string())
        .and_then(|best| LANGUAGES.iter().find(|language| language.tag == best))
        .unwrap_or(&ENGLISH)
    }

    /// The texts of `chosen`, falling back to `english` (the tests also pass a partial one).
    fn of(chosen: &Language, english: &Language) -> Texts {
        let fallback = (chosen.tag != english.tag).then(|| bundle(english));
        Texts {
            language: chosen.tag,
            bundle: bundle(chosen),
            fallback,
        }
    }

    /// The chosen language's tag: "en", "de" or "nl".
    pub fn language(&self) -> &str {
        self.language
    }

    /// The message `id` with no arguments.
    pub fn get(&self, id: &str) -> String {
        self.format(id, &[])
    }

    /// The message `id` with its arguments. A message missing in this language falls back
    /// to English; one missing in English too comes back as its id (tests forbid both).
    pub fn format(&self, id: &str, args: &[(&str, Arg)]) -> String {
        let mut fluent_args = FluentArgs::with_capacity(args.len());
        for (name, value) in args {
            let value = match value {
                Arg::Text(text) => FluentValue::from(*text),
                Arg::Number(number) => FluentValue::from(*number),
            };
            fluent_args.set(*name, value);
        }
        if let Some(Ok(text)) = format_message(&self.bundle, id, &fluent_args) {
            return text;
        }
        let english = self.fallback.as_ref().unwrap_or(&self.bundle);
        match format_message(english, id, &fluent_args) {
            // English with an error (a missing argument) still reads better than an id:
            // Fluent leaves the faulty placeable visible and renders the rest.
            Some(Ok(text) | Err(text)) => text,
            None => id.to_owned(),
        }
    }
}

/// The bundle of one language. A resource that fails to parse in part still yields every
/// message that did parse (Fluent's recovery); the tests keep the shipped files clean.
fn bundle(language: &Language) -> FluentBundle<FluentResource> {
    let resource = FluentResource::try_new(language.source.to_owned())
        .unwrap_or_else(|(partial, _errors)| partial);
    // The tags above are constants that parse; a failure would only lose plural rules.
    let mut bundle = FluentBundle::new_concurrent(vec![language.tag.parse().unwrap_or_default()]);
    // Isolation marks (U+2068/U+2069) around arguments only help right-to-left text, which
    // no shipped language is; on the phone they show up as stray boxes in some fonts.
    bundle.set_use_isolating(false);
    // Duplicate ids keep their first definition; the tests reject duplicates.
    let _ = bundle.add_resource(resource);
    bundle
}

/// `None` when the bundle has no such message (or it has no value); `Err` with Fluent's
/// best-effort text when formatting reported errors.
fn format_message(
    bundle: &FluentBundle<FluentResource>,
    id: &str,
    args: &FluentArgs,
) -> Option<Result<String, String>> {
    let pattern = bundle.get_message(id)?.value()?;
    let mut errors = Vec::new();
    let text = bundle
        .format_pattern(pattern, Some(args), &mut errors)
        .into_owned();
    Some(if errors.is_empty() {
        Ok(text)
    } else {
        Err(text)
    })
}

#[cfg(test)]
mod tests;
