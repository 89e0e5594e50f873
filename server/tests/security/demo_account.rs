//! Finding 9: `serve --demo` made an admin whose password is printed on the terminal, and
//! the account went on signing in as admin after restarts without `--demo`, on any bind
//! address. The real `lens-server` binary is run here, as an operator would.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::database::fresh_database_url;
use crate::operator::BIN;
use crate::support::client_from;

/// How long the binary may take to start (or to refuse to).
const START_PATIENCE: Duration = Duration::from_secs(30);

/// A directory of its own, removed at the end.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        let dir = std::env::temp_dir().join(format!(
            "lens-security-demo-{}-{}",
            std::process::id(),
            lens_server::tokens::random_id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running `lens-server serve`, its stdout and stderr lines merged; killed on drop.
struct Serving {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Serving {
    fn start(dir: &Scratch, database: &str, flags: &[&str]) -> Serving {
        let mut child = Command::new(BIN)
            .current_dir(&dir.0)
            .args(["serve", "--database", database])
            .args(flags)
            .env("RUST_LOG", "warn")
            .env_remove("LENS_DEMO")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("lens-server runs");
        let (tx, lines) = mpsc::channel();
        forward(child.stdout.take().unwrap(), tx.clone());
        forward(child.stderr.take().unwrap(), tx);
        Serving {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// The first line `pick` accepts within `patience`, reading on; None if none came.
    fn line(&mut self, patience: Duration, pick: impl Fn(&str) -> bool) -> Option<String> {
        if let Some(line) = self.seen.iter().find(|l| pick(l)) {
            return Some(line.clone());
        }
        let deadline = Instant::now() + patience;
        while let Ok(line) = self
            .lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            self.seen.push(line.clone());
            if pick(&line) {
                return Some(line);
            }
        }
        None
    }

    /// The address of the ready line.
    fn url(&mut self) -> String {
        let ready = self
            .line(START_PATIENCE, |l| {
                l.starts_with("Lens server listening on ")
            })
            .unwrap_or_else(|| panic!("no ready line; output:\n{}", self.seen.join("\n")));
        ready["Lens server listening on ".len()..].to_owned()
    }

    fn printed(&mut self, prefix: &str) -> String {
        let line = self
            .line(START_PATIENCE, |l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix:?}; output:\n{}", self.seen.join("\n")));
        line[prefix.len()..].to_owned()
    }
}

fn forward(stream: impl Read + Send + 'static, tx: mpsc::Sender<String>) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `serve --demo` on a fresh database: the console's address and the printed credentials.
async fn demo_server(dir: &Scratch, database: &str) -> (Serving, String, String, String) {
    let mut serving = Serving::start(dir, database, &["--bind", "127.0.0.1:0", "--demo"]);
    let url = serving.url();
    let email = serving.printed("Demo technician email: ");
    let password = serving.printed("Demo technician password: ");
    (serving, url, email, password)
}

/// Signs in from 127.0.0.`from`; the client (with the cookie) and the status.
async fn sign_in(url: &str, from: u8, email: &str, password: &str) -> (reqwest::Client, u16) {
    let client = client_from(from);
    let status = client
        .post(format!("{url}/api/login"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16();
    (client, status)
}

#[tokio::test]
async fn demo_mode_refuses_to_listen_beyond_loopback() {
    let dir = Scratch::new();
    let database = fresh_database_url(&dir.0, "lens.db").await;
    let mut serving = Serving::start(&dir, &database, &["--bind", "0.0.0.0:0", "--demo"]);
    let started = Instant::now();
    let exited = loop {
        if let Some(status) = serving.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < START_PATIENCE,
            "`serve --demo --bind 0.0.0.0:0` is still running; output:\n{}",
            serving.seen.join("\n")
        );
        // Reading the output meanwhile also shows whether it became ready.
        if serving
            .line(Duration::from_millis(100), |l| {
                l.starts_with("Lens server listening")
            })
            .is_some()
        {
            panic!(
                "`serve --demo` listens on 0.0.0.0; output:\n{}",
                serving.seen.join("\n")
            );
        }
    };
    assert!(!exited.success());
    let refusal = serving.line(Duration::from_secs(5), |l| l.contains("--demo"));
    let refusal = refusal.unwrap_or_else(|| panic!("no reason given: {:?}", serving.seen));
    assert!(refusal.contains("loopback"), "{refusal}");
    assert!(
        serving
            .seen
            .iter()
            .all(|l| !l.starts_with("Demo technician password")),
        "no demo password was printed: {:?}",
        serving.seen
    );
}

#[tokio::test]
async fn the_demo_account_cannot_manage_technicians_but_runs_the_demo() {
    let dir = Scratch::new();
    let database = fresh_database_url(&dir.0, "lens.db").await;
    let (_serving, url, email, password) = demo_server(&dir, &database).await;
    let (demo, status) = sign_in(&url, 2, &email, &password).await;
    assert_eq!(status, 200);
    // Whoever read the terminal tries the admin area: list, then give themselves a
    // colleague with the admin role.
    let listing = demo
        .get(format!("{url}/api/admin/technicians"))
        .send()
        .await
        .unwrap();
    assert_eq!(listing.status(), 403);
    let body: Value = listing.json().await.unwrap();
    assert_eq!(body["error"], "admin_only", "{body}");
    let invite = demo
        .post(format!("{url}/api/admin/technicians"))
        .json(&json!({ "email": "eve@example.com", "name": "Eve", "password": "eve's password", "is_admin": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(invite.status(), 403);
    // The demo itself still works: a PIN for a customer.
    let session = demo
        .post(format!("{url}/api/sessions"))
        .json(&json!({ "customer_name": "Demo Customer" }))
        .send()
        .await
        .unwrap();
    assert_eq!(session.status(), 200);
}

#[tokio::test]
async fn a_restart_without_demo_warns_that_the_demo_account_still_signs_in() {
    let dir = Scratch::new();
    let database = fresh_database_url(&dir.0, "lens.db").await;
    let (first, _, email, password) = demo_server(&dir, &database).await;
    drop(first);

    let mut second = Serving::start(&dir, &database, &["--bind", "127.0.0.1:0"]);
    let url = second.url();
    let warning = second.line(Duration::from_secs(5), |l| {
        l.contains("WARN") && l.contains(&email)
    });
    let warning = warning.unwrap_or_else(|| panic!("no warning: {:?}", second.seen));
    assert!(warning.contains("add-technician"), "it says how: {warning}");
    // Which is why: the printed password still opens the account.
    assert_eq!(sign_in(&url, 3, &email, &password).await.1, 200);
}
