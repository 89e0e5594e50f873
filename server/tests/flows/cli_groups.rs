//! `lens-server group add|set|list` and `add-technician --group/--admin`, as an operator
//! runs them against a database.

use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_lens-server");

struct Db(std::path::PathBuf);

impl Db {
    fn new() -> Db {
        let dir = std::env::temp_dir().join(format!(
            "lens-cli-groups-{}-{}",
            std::process::id(),
            lens_server::tokens::random_id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Db(dir)
    }

    fn url(&self) -> String {
        format!("sqlite://{}?mode=rwc", self.0.join("lens.db").display())
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(args)
            .args(["--database", &self.url()])
            .env("RUST_LOG", "warn")
            .output()
            .expect("lens-server runs")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn groups_are_added_changed_and_listed() {
    let db = Db::new();
    let added = db.ok(&[
        "group",
        "add",
        "Field team",
        "--permissions",
        "start_lens_sessions,start_private_sessions,use_link",
        "--pin-ttl-secs",
        "300",
    ]);
    assert!(
        added.starts_with("Field team\tid=")
            && added.contains("\tpermissions=start_lens_sessions,start_private_sessions,use_link\tpin_ttl=300s\twaiting_timeout=server\tidle_timeout=server"),
        "{added}"
    );

    let changed = db.ok(&[
        "group",
        "set",
        "field TEAM",
        "--rename",
        "Field",
        "--permissions",
        "start_lens_sessions,use-pin",
        "--pin-ttl-secs",
        "0",
        "--idle-timeout-secs",
        "90",
    ]);
    assert!(
        changed.starts_with("Field\t")
            && changed.contains("\tpermissions=start_lens_sessions,use_pin\tpin_ttl=server\twaiting_timeout=server\tidle_timeout=90s"),
        "{changed}"
    );

    let listed = db.ok(&["group", "list"]);
    let names: Vec<&str> = listed
        .lines()
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Default", "Field"],
        "the Default group exists from the start"
    );
    assert!(listed.lines().next().unwrap().contains("permissions=start_lens_sessions,start_private_sessions,use_pin,use_email,use_link,invite_technicians"));
}

#[test]
fn mistakes_are_refused_with_a_sentence() {
    let db = Db::new();
    let out = db.run(&["group", "add", "X", "--permissions", "use_pigeon"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown permission \"use_pigeon\""));

    db.ok(&["group", "add", "Support"]);
    let out = db.run(&["group", "add", "support"]);
    assert!(!out.status.success(), "names are unique regardless of case");

    let out = db.run(&[
        "add-technician",
        "--email",
        "a@example.com",
        "--name",
        "A",
        "--password",
        "long enough pw",
        "--group",
        "Nope",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("there is no group \"Nope\""));
}

#[tokio::test]
async fn add_technician_sets_the_group_and_the_admin_role() {
    let db = Db::new();
    db.ok(&["group", "add", "Field"]);
    db.ok(&[
        "add-technician",
        "--email",
        "finn@example.com",
        "--name",
        "Finn",
        "--password",
        "long enough pw",
        "--group",
        "field",
        "--admin",
    ]);
    db.ok(&[
        "add-technician",
        "--email",
        "tess@example.com",
        "--name",
        "Tess",
        "--password",
        "long enough pw",
    ]);

    let pool = lens_server::store::open(&db.url()).await.unwrap();
    let members = lens_server::flow::access::members(&pool).await.unwrap();
    let field = lens_server::accounts::groups::find(&pool, "Field")
        .await
        .unwrap()
        .unwrap();
    let finn = members
        .iter()
        .find(|m| m.email == "finn@example.com")
        .unwrap();
    assert_eq!(
        (finn.group_id.as_str(), finn.is_admin),
        (field.id.as_str(), true)
    );
    let tess = members
        .iter()
        .find(|m| m.email == "tess@example.com")
        .unwrap();
    assert_eq!((tess.group_id.as_str(), tess.is_admin), ("default", false));

    // A password reset leaves group and role alone unless told; --no-admin takes the role.
    db.ok(&[
        "add-technician",
        "--email",
        "finn@example.com",
        "--name",
        "Finn",
        "--password",
        "another long pw",
        "--no-admin",
    ]);
    let members = lens_server::flow::access::members(&pool).await.unwrap();
    let finn = members
        .iter()
        .find(|m| m.email == "finn@example.com")
        .unwrap();
    assert_eq!(
        (finn.group_id.as_str(), finn.is_admin),
        (field.id.as_str(), false)
    );
    pool.close().await;
}
