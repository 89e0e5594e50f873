//! The admin's side of the hand-off API and app links, as commands: `api-key create`
//! prints the key once, `list` never shows it, `revoke` ends it; `openapi` prints the
//! committed description; bad app-link settings stop `serve` with a sentence.

use std::path::PathBuf;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_lens-server");

struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str) -> Dir {
        let dir = std::env::temp_dir().join(format!(
            "lens-cli-{tag}-{}-{}",
            std::process::id(),
            lens_server::tokens::random_id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }

    fn database(&self) -> String {
        format!("sqlite://{}?mode=rwc", self.0.join("lens.db").display())
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("lens-server runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn an_api_key_is_printed_once_listed_by_name_and_revoked() {
    let dir = Dir::new("api-key");
    let db = dir.database();
    let created = run(&[
        "api-key",
        "create",
        "--database",
        &db,
        "--name",
        "Contact centre",
        "--group",
        "default",
    ]);
    assert!(created.status.success(), "{}", stderr(&created));
    let printed = stdout(&created);
    let key = printed.lines().last().unwrap().trim().to_owned();
    assert!(key.starts_with("lens_") && key.len() == 69, "{printed}");
    assert!(printed.contains("shown only this once"), "{printed}");

    let again = run(&[
        "api-key",
        "create",
        "--database",
        &db,
        "--name",
        "Contact centre",
        "--group",
        "Default",
    ]);
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );

    let listed = run(&["api-key", "list", "--database", &db]);
    let listing = stdout(&listed);
    assert!(listing.starts_with("Contact centre\tlive\t"), "{listing}");
    assert!(listing.contains("groups Default"), "{listing}");
    assert!(
        !listing.contains(&key),
        "the key itself is never shown again"
    );

    let revoked = run(&[
        "api-key",
        "revoke",
        "--database",
        &db,
        "--name",
        "Contact centre",
    ]);
    assert!(revoked.status.success(), "{}", stderr(&revoked));
    let listing = stdout(&run(&["api-key", "list", "--database", &db]));
    assert!(
        listing.starts_with("Contact centre\trevoked\t"),
        "{listing}"
    );
    let twice = run(&[
        "api-key",
        "revoke",
        "--database",
        &db,
        "--name",
        "Contact centre",
    ]);
    assert!(!twice.status.success());
}

/// A key acts for the technicians of named groups only: it cannot be made without one,
/// an unknown group is named in the error, and `scope` adds groups to a key.
#[test]
fn an_api_key_needs_a_group_and_scope_adds_more() {
    let dir = Dir::new("api-key-groups");
    let db = dir.database();
    let create = |name: &str, extra: &[&str]| {
        let mut args = vec!["api-key", "create", "--database", &db, "--name", name];
        args.extend_from_slice(extra);
        run(&args)
    };
    let without = create("No group", &[]);
    assert!(!without.status.success());
    assert!(stderr(&without).contains("--group"), "{}", stderr(&without));
    let unknown = create("Bad group", &["--group", "Nowhere"]);
    assert!(!unknown.status.success());
    assert!(
        stderr(&unknown).contains("\"Nowhere\""),
        "{}",
        stderr(&unknown)
    );

    let groups = run(&["group", "add", "Sales", "--database", &db]);
    assert!(groups.status.success(), "{}", stderr(&groups));
    assert!(create("Chat", &["--group", "Sales"]).status.success());
    let scoped = run(&[
        "api-key",
        "scope",
        "--database",
        &db,
        "--name",
        "Chat",
        "--group",
        "default",
    ]);
    assert!(scoped.status.success(), "{}", stderr(&scoped));
    let listing = stdout(&run(&["api-key", "list", "--database", &db]));
    assert!(listing.contains("groups Default, Sales"), "{listing}");
}

#[test]
fn openapi_prints_the_committed_description() {
    let printed = run(&["openapi"]);
    assert!(printed.status.success());
    let committed = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/handoff-openapi.json"),
    )
    .unwrap();
    assert_eq!(stdout(&printed), committed);
}

#[test]
fn bad_app_link_settings_stop_serve_with_a_sentence() {
    let dir = Dir::new("app-links");
    let db = dir.database();
    let output = run(&[
        "serve",
        "--bind",
        "127.0.0.1:0",
        "--database",
        &db,
        "--apple-team-id",
        "team",
        "--apple-bundle-id",
        "org.lens.customer",
    ]);
    assert!(!output.status.success());
    assert!(
        stderr(&output)
            .contains("--apple-team-id \"team\" must be ten upper-case letters or digits"),
        "{}",
        stderr(&output)
    );
}
