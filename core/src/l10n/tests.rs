use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;

use fluent_syntax::ast;

use super::*;
use crate::join::JoinInputError;
use crate::session::Ended;
use crate::signal::{CameraControl, Device, DeviceProblem, EndReason, JoinRefusal};

/// Each message id of a shipped file with the variables it uses (selectors included).
fn messages(language: &Language) -> BTreeMap<String, BTreeSet<String>> {
    let resource = fluent_syntax::parser::parse(language.source)
        .unwrap_or_else(|(_, errors)| panic!("{}.ftl does not parse: {errors:?}", language.tag));
    let mut messages = BTreeMap::new();
    for entry in resource.body {
        match entry {
            ast::Entry::Message(message) => {
                let mut variables = BTreeSet::new();
                let value = message.value.as_ref();
                assert!(value.is_some(), "{} has no value", message.id.name);
                assert!(
                    message.attributes.is_empty(),
                    "{} has attributes",
                    message.id.name
                );
                value
                    .into_iter()
                    .for_each(|p| pattern_variables(p, &mut variables));
                let id = message.id.name.to_owned();
                let duplicate = messages.insert(id.clone(), variables).is_some();
                assert!(!duplicate, "{id} twice in {}.ftl", language.tag);
            }
            ast::Entry::Term(term) => panic!("unexpected term -{}", term.id.name),
            ast::Entry::Junk { content } => panic!("junk in {}.ftl: {content}", language.tag),
            ast::Entry::Comment(_)
            | ast::Entry::GroupComment(_)
            | ast::Entry::ResourceComment(_) => {}
        }
    }
    messages
}

fn pattern_variables(pattern: &ast::Pattern<&str>, variables: &mut BTreeSet<String>) {
    for element in &pattern.elements {
        if let ast::PatternElement::Placeable { expression } = element {
            expression_variables(expression, variables);
        }
    }
}

fn expression_variables(expression: &ast::Expression<&str>, variables: &mut BTreeSet<String>) {
    match expression {
        ast::Expression::Select { selector, variants } => {
            inline_variables(selector, variables);
            for variant in variants {
                pattern_variables(&variant.value, variables);
            }
        }
        ast::Expression::Inline(inline) => inline_variables(inline, variables),
    }
}

fn inline_variables(inline: &ast::InlineExpression<&str>, variables: &mut BTreeSet<String>) {
    match inline {
        ast::InlineExpression::VariableReference { id } => {
            variables.insert(id.name.to_owned());
        }
        ast::InlineExpression::FunctionReference { arguments, .. } => {
            let named = arguments.named.iter().map(|argument| &argument.value);
            for argument in arguments.positional.iter().chain(named) {
                inline_variables(argument, variables);
            }
        }
        ast::InlineExpression::Placeable { expression } => {
            expression_variables(expression, variables)
        }
        ast::InlineExpression::StringLiteral { .. }
        | ast::InlineExpression::NumberLiteral { .. }
        | ast::InlineExpression::MessageReference { .. }
        | ast::InlineExpression::TermReference { .. } => {}
    }
}

fn language(tag: &str) -> &'static Language {
    LANGUAGES
        .iter()
        .find(|l| l.tag == tag)
        .expect("a shipped language")
}

/// A sample value for each variable the files use.
fn sample(variable: &str) -> Arg<'static> {
    match variable {
        "found" | "attempt" | "collaborators" | "step" | "steps" => Arg::Number(4),
        "device" => Arg::Text("camera"),
        "host" => Arg::Text("evil.example"),
        "technician" => Arg::Text("Anna"),
        "organisation" => Arg::Text("Acme Support"),
        "reason" => Arg::Text("no torch"),
        other => panic!("no sample value for ${other}: add one here"),
    }
}

/// What the customer must never see: an id, a Fluent placeable, an isolation mark.
fn assert_readable(text: &str, what: &str) {
    assert!(!text.trim().is_empty(), "{what}: empty");
    assert!(
        !text.contains(['{', '}']),
        "{what}: leftover brace in {text:?}"
    );
    assert!(
        !text.contains(['\u{2068}', '\u{2069}']),
        "{what}: isolation mark in {text:?}"
    );
    static IDS: OnceLock<BTreeMap<String, BTreeSet<String>>> = OnceLock::new();
    let is_id = IDS
        .get_or_init(|| messages(&ENGLISH))
        .contains_key(text.trim());
    assert!(!is_id, "{what}: an id, not a sentence: {text:?}");
}

#[test]
fn texts_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Texts>();
}

#[test]
fn the_shipped_tags_parse_for_plural_rules() {
    for language in &LANGUAGES {
        let tag: Result<unic_langid::LanguageIdentifier, _> = language.tag.parse();
        assert_eq!(tag.map(|t| t.to_string()).as_deref(), Ok(language.tag));
    }
}

#[test]
fn every_language_has_the_same_ids_and_variables_as_english() {
    let english = messages(&ENGLISH);
    assert!(
        english.len() > 50,
        "en.ftl has only {} messages",
        english.len()
    );
    for tag in ["de", "nl"] {
        let translated = messages(language(tag));
        let missing: Vec<_> = english
            .keys()
            .filter(|id| !translated.contains_key(*id))
            .collect();
        let extra: Vec<_> = translated
            .keys()
            .filter(|id| !english.contains_key(*id))
            .collect();
        assert!(missing.is_empty(), "{tag}.ftl lacks {missing:?}");
        assert!(
            extra.is_empty(),
            "{tag}.ftl has ids en.ftl does not: {extra:?}"
        );
        for (id, variables) in &english {
            assert_eq!(
                &translated[id], variables,
                "{tag}.ftl {id}: other variables"
            );
        }
    }
}

#[test]
fn every_message_renders_in_every_language_with_its_arguments() {
    for language in &LANGUAGES {
        let bundle = bundle(language);
        for (id, variables) in messages(language) {
            // A count of one takes the other branch of plural selections.
            for count in [1, 4] {
                let mut args = FluentArgs::new();
                for variable in &variables {
                    match sample(variable) {
                        Arg::Text(text) => args.set(variable.as_str(), text),
                        Arg::Number(_) => args.set(variable.as_str(), count),
                    }
                }
                let what = format!("{}.ftl {id}", language.tag);
                let text = format_message(&bundle, &id, &args)
                    .unwrap_or_else(|| panic!("{what}: not in the bundle"))
                    .unwrap_or_else(|text| panic!("{what}: formatting errors in {text:?}"));
                assert_readable(&text, &what);
            }
        }
    }
}

#[test]
fn german_and_dutch_are_translations_not_copies_of_english() {
    let english = Texts::for_locales(&["en"]);
    // Words that are the same in both languages.
    let same_on_purpose = [
        ("de", &["tutorial-ok"][..]),
        ("nl", &["tutorial-ok", "device-camera"]),
    ];
    for (tag, allowed) in same_on_purpose {
        let translated = Texts::for_locales(&[tag]);
        assert_eq!(translated.language(), tag);
        let copied: Vec<String> = messages(&ENGLISH)
            .into_iter()
            .filter(|(id, variables)| {
                let args: Vec<_> = variables.iter().map(|v| (v.as_str(), sample(v))).collect();
                translated.format(id, &args) == english.format(id, &args)
            })
            .map(|(id, _)| id)
            .filter(|id| !allowed.contains(&id.as_str()))
            .collect();
        assert!(copied.is_empty(), "{tag}: the same as English: {copied:?}");
    }
}

#[test]
fn the_device_language_is_negotiated_with_english_as_the_fallback() {
    let cases: [(&[&str], &str); 11] = [
        (&["de-AT"], "de"),
        (&["nl_BE"], "nl"),
        (&["fr-FR", "de"], "de"),
        (&["fr"], "en"),
        (&[], "en"),
        (&["", "x-garbage-"], "en"),
        (&["", "x-garbage-", "nl-NL"], "nl"),
        (&["en-GB"], "en"),
        (&["en-US", "de-DE"], "en"),
        (&["DE-ch"], "de"),
        (&["nl-Latn-NL", "en"], "nl"),
    ];
    for (preferred, expected) in cases {
        assert_eq!(
            Texts::for_locales(preferred).language(),
            expected,
            "{preferred:?}"
        );
    }
    assert_eq!(
        Texts::for_locales(&["de-AT".to_owned()]).get("tutorial-skip"),
        "Überspringen"
    );
    assert_eq!(
        Texts::for_locales(&["nl"]).get("tutorial-skip"),
        "Overslaan"
    );
}

#[test]
fn a_message_missing_or_failing_in_a_language_falls_back_to_english() {
    let partial = Language {
        tag: "de",
        source: "tutorial-skip = Überspringen\n\
                 live-title = { $somebody } sieht zu\n",
    };
    let texts = Texts::of(&partial, &ENGLISH);
    assert_eq!(texts.get("tutorial-skip"), "Überspringen");
    assert_eq!(texts.get("tutorial-next"), "Next");
    let live = texts.format("live-title", &[("technician", Arg::Text("Anna"))]);
    assert_eq!(live, "Anna is watching");
}

#[test]
fn a_message_missing_in_english_too_comes_back_as_its_id() {
    for tag in ["en", "de", "nl"] {
        assert_eq!(
            Texts::for_locales(&[tag]).get("no-such-message"),
            "no-such-message"
        );
    }
}

#[test]
fn arguments_appear_without_isolation_marks() {
    let texts = Texts::for_locales(&["en"]);
    let intro = texts.format("licence-intro", &[("technician", Arg::Text("Anna"))]);
    assert_eq!(
        intro,
        "Anna will help you. Please read and accept the licence agreement to continue."
    );
    let german = Texts::for_locales(&["de"]);
    let attempt = german.format("reconnecting-body", &[("attempt", Arg::Number(3))]);
    assert!(attempt.contains("(3. Versuch)"), "{attempt}");
}

fn join_input_errors() -> Vec<JoinInputError> {
    vec![
        JoinInputError::Empty,
        JoinInputError::TooLong,
        JoinInputError::WrongLength { found: 1 },
        JoinInputError::WrongLength { found: 5 },
        JoinInputError::NotDigits,
        JoinInputError::UnknownHost {
            host: "evil.example".to_owned(),
        },
        JoinInputError::InsecureScheme,
        JoinInputError::CredentialsInLink,
        JoinInputError::PortInLink,
        JoinInputError::ConflictingPins,
        JoinInputError::UnsupportedLink,
        JoinInputError::Unreadable,
    ]
}

fn endings() -> Vec<Ended> {
    let refusals = [
        JoinRefusal::PinNotFound,
        JoinRefusal::PinExpired,
        JoinRefusal::PinAlreadyUsed,
        JoinRefusal::RateLimited,
        JoinRefusal::Busy,
    ];
    let sessions = EndReason::ALL.iter().map(|reason| Ended::Session(*reason));
    let refused = refusals.into_iter().map(Ended::JoinRefused);
    sessions
        .chain(refused)
        .chain([Ended::ServerUnreachable, Ended::PermissionsDenied])
        .collect()
}

const DEVICE_PROBLEMS: [DeviceProblem; 5] = [
    DeviceProblem::Missing,
    DeviceProblem::Busy,
    DeviceProblem::PermissionDenied,
    DeviceProblem::Disconnected,
    DeviceProblem::Unusable,
];

const CAMERA_CONTROLS: [CameraControl; 5] = [
    CameraControl::PauseVideo,
    CameraControl::ResumeVideo,
    CameraControl::SwitchCamera,
    CameraControl::TorchOn,
    CameraControl::TorchOff,
];

#[test]
fn every_typed_error_and_event_reads_as_a_sentence_in_every_language() {
    for tag in ["en", "de", "nl"] {
        let texts = Texts::for_locales(&[tag]);
        for error in join_input_errors() {
            assert_readable(&texts.join_input_error(&error), &format!("{tag} {error:?}"));
        }
        for ended in endings() {
            assert_readable(&texts.ended(ended), &format!("{tag} {ended:?}"));
        }
        for device in [Device::Camera, Device::Microphone] {
            for problem in DEVICE_PROBLEMS {
                let text = texts.device_problem(device, problem);
                assert_readable(&text, &format!("{tag} {device:?} {problem:?}"));
            }
        }
        for control in CAMERA_CONTROLS {
            for refused in [None, Some("no torch")] {
                let text = texts.technician_control("Anna", control, refused);
                assert_readable(&text, &format!("{tag} {control:?} {refused:?}"));
                assert!(text.contains("Anna"), "{tag} {control:?}: {text}");
                assert_eq!(text.contains("no torch"), refused.is_some(), "{text}");
            }
        }
    }
}

#[test]
fn typed_errors_carry_their_details_in_the_customers_language() {
    let german = Texts::for_locales(&["de-DE"]);
    let wrong_length = german.join_input_error(&JoinInputError::WrongLength { found: 5 });
    assert_eq!(
        wrong_length,
        "Der PIN-Code hat sechs Stellen; Sie haben 5 eingegeben."
    );
    let one = german.join_input_error(&JoinInputError::WrongLength { found: 1 });
    assert_eq!(
        one,
        "Der PIN-Code hat sechs Stellen; Sie haben nur eine eingegeben."
    );
    let host = JoinInputError::UnknownHost {
        host: "evil.example".to_owned(),
    };
    assert!(german.join_input_error(&host).contains("evil.example"));
    assert_eq!(
        german.device_problem(Device::Microphone, DeviceProblem::Busy),
        "Eine andere App verwendet gerade das Mikrofon. Die Sitzung wird trotzdem fortgesetzt."
    );
    let dutch = Texts::for_locales(&["nl"]);
    assert_eq!(
        dutch.ended(Ended::JoinRefused(JoinRefusal::PinExpired)),
        "Deze pincode is verlopen. Vraag uw technicus om een nieuwe pincode."
    );
    assert_eq!(
        dutch.device_problem(Device::Camera, DeviceProblem::Disconnected),
        "De camera werkt niet meer. De sessie gaat gewoon verder."
    );
    // Each ending has its own words except the two expired-PIN cases, which mean the same.
    let english = Texts::for_locales(&["en"]);
    let sentences: BTreeSet<String> = endings().into_iter().map(|e| english.ended(e)).collect();
    assert_eq!(sentences.len(), endings().len() - 1);
}

/// Every `.rs` file under `dir` except tests, which mention ids without using them.
fn production_sources(dir: &Path, sources: &mut String) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if path.is_dir() && name != "tests" {
            production_sources(&path, sources);
        } else if name.ends_with(".rs") && name != "tests.rs" {
            sources.push_str(&std::fs::read_to_string(&path).expect("a readable source"));
        }
    }
}

#[test]
fn every_english_message_is_used_by_the_code() {
    // The core's app model uses nearly all of them; the shells that call `Texts` directly
    // (the desktop window) use a few of their own.
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut sources = String::new();
    for krate in ["core", "engine", "bindings", "desktop"] {
        let dir = workspace.join(krate).join("src");
        if dir.is_dir() {
            production_sources(&dir, &mut sources);
        }
    }
    // Ids the app model composes at run time from a number.
    let composed = |id: &str| {
        let quality = id
            .strip_prefix("quality-")
            .is_some_and(|n| n.parse::<u8>().is_ok());
        let tutorial = id.strip_prefix("tutorial-").is_some_and(|rest| {
            let (n, part) = rest.split_once('-').unwrap_or_default();
            n.parse::<u8>().is_ok() && (part == "title" || part == "body")
        });
        quality || tutorial
    };
    let unused: Vec<String> = messages(&ENGLISH)
        .into_keys()
        .filter(|id| !composed(id) && !sources.contains(&format!("\"{id}\"")))
        .collect();
    assert!(
        unused.is_empty(),
        "en.ftl messages no code uses: {unused:?}"
    );
}

#[test]
fn the_language_picked_alone_gives_the_same_texts() {
    for preferred in [
        &["de-AT", "en"][..],
        &["nl_BE"],
        &["fr-FR"],
        &[""],
        &["x-garbage!!", "de"],
    ] {
        let tag = Texts::language_for(preferred);
        let whole = Texts::for_locales(preferred);
        assert_eq!(tag, whole.language());
        assert_eq!(
            Texts::for_language(tag).get("on-hold-body"),
            whole.get("on-hold-body")
        );
    }
    assert_eq!(Texts::language_for(&["de-CH"]), "de");
    assert_eq!(Texts::for_language("xx").language(), "en");
}
