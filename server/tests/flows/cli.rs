//! The `lens-server` binary as an operator uses it: `serve --demo` on a fresh database,
//! and `add-technician` to create an account or reset a password.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_lens-server");

struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str) -> Dir {
        let dir = std::env::temp_dir().join(format!("lens-cli-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }

    fn database(&self) -> String {
        format!("sqlite://{}?mode=rwc", self.0.join("db/lens.db").display())
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running `lens-server serve`, killed on drop.
struct Serving {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Serving {
    fn start(dir: &Path, database: &str, extra: &[&str]) -> Serving {
        let mut child = Command::new(BIN)
            .current_dir(dir)
            .args(["serve", "--bind", "127.0.0.1:0", "--database", database])
            .args(extra)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("lens-server runs");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Serving {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Reads stdout until the ready line; returns the address it names.
    fn wait_until_listening(&mut self) -> String {
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(30))
                .unwrap_or_else(|_| {
                    panic!("no ready line; stdout so far:\n{}", self.seen.join("\n"))
                });
            self.seen.push(line.clone());
            if let Some(url) = line.strip_prefix("Lens server listening on ") {
                return url.to_owned();
            }
        }
    }

    fn printed(&self, prefix: &str) -> Option<String> {
        self.seen
            .iter()
            .find_map(|l| l.strip_prefix(prefix).map(str::to_owned))
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn login(url: &str, email: &str, password: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{url}/api/login"))
        .json(&serde_json::json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn serve_demo_prints_the_console_and_credentials_once() {
    let dir = Dir::new("demo");
    let mut first = Serving::start(&dir.0, &dir.database(), &["--demo"]);
    let url = first.wait_until_listening();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert_eq!(
        first.printed("Technician console: ").as_deref(),
        Some(format!("{url}/").as_str())
    );
    let email = first
        .printed("Demo technician email: ")
        .expect("email printed");
    let password = first
        .printed("Demo technician password: ")
        .expect("password printed");
    assert_eq!(email, "demo@lens.local");
    assert_eq!(login(&url, &email, &password).await, 200);
    drop(first);

    // A second start finds the account and says how to reset it instead of a password.
    let mut second = Serving::start(&dir.0, &dir.database(), &["--demo"]);
    let url = second.wait_until_listening();
    assert!(
        second.seen.iter().any(|l| l.contains("already exists")),
        "{:?}",
        second.seen
    );
    assert!(
        second.seen.iter().any(|l| l.contains("add-technician")),
        "{:?}",
        second.seen
    );
    assert!(second.printed("Demo technician password: ").is_none());
    assert_eq!(login(&url, &email, &password).await, 200);
}

#[tokio::test]
async fn the_default_database_lives_in_dot_lens() {
    let dir = Dir::new("default-db");
    let mut child = Command::new(BIN)
        .current_dir(&dir.0)
        .env_remove("LENS_DATABASE_URL")
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ready = lines.find(|l| {
        l.as_ref()
            .is_ok_and(|l| l.starts_with("Lens server listening on"))
    });
    let _ = child.kill();
    let _ = child.wait();
    assert!(ready.is_some());
    assert!(dir.0.join(".lens/lens.db").exists());
}

#[tokio::test]
async fn add_technician_creates_an_account_and_resets_its_password() {
    let dir = Dir::new("add");
    let add = |password: &str| {
        let mut child = Command::new(BIN)
            .args([
                "add-technician",
                "--email",
                "sam@example.com",
                "--name",
                "Sam Support",
                "--password-stdin",
            ])
            .args(["--database", &dir.database()])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success());
        String::from_utf8(output.stdout).unwrap()
    };
    assert!(add("first password").contains("created"));
    assert!(add("second password").contains("new password"));

    let too_short = Command::new(BIN)
        .args([
            "add-technician",
            "--email",
            "sam@example.com",
            "--name",
            "Sam",
            "--password",
            "short",
        ])
        .args(["--database", &dir.database()])
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(!too_short.status.success());

    let mut serving = Serving::start(&dir.0, &dir.database(), &[]);
    let url = serving.wait_until_listening();
    assert_eq!(login(&url, "sam@example.com", "first password").await, 401);
    assert_eq!(
        login(&url, "SAM@example.com", "second password").await,
        200,
        "e-mail addresses ignore case"
    );
}
