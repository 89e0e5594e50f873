//! Replays every committed input of every fuzz target through the same function libFuzzer
//! calls: the seed corpus (`fuzz/corpus/<target>/`, grown by `make fuzz` runs worth keeping)
//! and every crash ever found (`fuzz/regressions/<target>/`). Stable toolchain, no
//! sanitizer: a crash that was fixed stays fixed in `make test`.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

fn inputs(folder: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .map(|entry| entry.expect("a readable folder").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

#[test]
fn every_committed_input_of_every_target_runs_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut failures = Vec::new();
    for (target, body) in lens_fuzz::TARGETS {
        let corpus = inputs(&root.join("corpus").join(target));
        assert!(
            !corpus.is_empty(),
            "{target} has no seed corpus in fuzz/corpus/{target}"
        );
        let regressions = inputs(&root.join("regressions").join(target));
        for path in corpus.iter().chain(&regressions) {
            let data = std::fs::read(path).expect("a readable input");
            if catch_unwind(AssertUnwindSafe(|| body(&data))).is_err() {
                failures.push(path.display().to_string());
            }
        }
        println!(
            "{target}: {} corpus inputs, {} past crashes",
            corpus.len(),
            regressions.len()
        );
    }
    assert!(failures.is_empty(), "inputs that fail: {failures:#?}");
}

#[test]
fn every_target_has_a_libfuzzer_entry_point() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("libfuzzer/fuzz_targets");
    for (target, _) in lens_fuzz::TARGETS {
        let file = root.join(format!("{target}.rs"));
        let source = std::fs::read_to_string(&file)
            .unwrap_or_else(|_| panic!("{} is missing", file.display()));
        assert!(
            source.contains(&format!("lens_fuzz::{target}(")),
            "{} does not call lens_fuzz::{target}",
            file.display()
        );
    }
}

/// The signalling seeds are real messages (`seed-*`), so that libFuzzer starts from inputs
/// that reach past the decoder's first refusal and the round trip is exercised.
#[test]
fn the_signalling_seeds_are_messages_of_their_direction() {
    use lens_core::signal::{
        CustomerMessage, ServerToCustomer, ServerToTechnician, TechnicianMessage, decode,
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    fn check<M: lens_core::signal::Message>(text: &str) -> Result<(), String> {
        decode::<M>(text).map(drop).map_err(|e| e.to_string())
    }
    type Check = fn(&str) -> Result<(), String>;
    let checks: [(&str, Check); 4] = [
        ("signal_customer", check::<CustomerMessage>),
        ("signal_server_to_customer", check::<ServerToCustomer>),
        ("signal_technician", check::<TechnicianMessage>),
        ("signal_server_to_technician", check::<ServerToTechnician>),
    ];
    let mut wrong = Vec::new();
    for (target, decodes) in checks {
        for path in inputs(&root.join(target)) {
            if !path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("seed-")
            {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            if let Err(error) = decodes(&text) {
                wrong.push(format!("{}: {error}", path.display()));
            }
        }
    }
    assert!(wrong.is_empty(), "seeds that are not messages: {wrong:#?}");
}
