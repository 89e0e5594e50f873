//! What the operator does next to a running test server: `lens-server add-technician` on
//! its database, as a separate process (the built binary), exactly as on a real install.
#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

use lens_server::Config;

use crate::common::TestServer;

pub const BIN: &str = env!("CARGO_BIN_EXE_lens-server");

/// A test server (with Tess), and its database URL for the operator's commands.
pub async fn start_with_database(adjust: impl FnOnce(&mut Config)) -> (TestServer, String) {
    let mut database = String::new();
    let server = TestServer::start_with(|config| {
        adjust(config);
        database = config.database_url.clone();
    })
    .await;
    (server, database)
}

/// `lens-server add-technician … --password-stdin` (create, or reset the password), with
/// `extra` flags such as `--admin`; off the async workers, since it waits for the process.
pub async fn add_technician(
    database: &str,
    email: &str,
    name: &str,
    password: &str,
    extra: &[&str],
) -> Output {
    let mut command = Command::new(BIN);
    command
        .args(["add-technician", "--email", email, "--name", name])
        .args(["--password-stdin", "--database", database])
        .args(extra)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().expect("lens-server runs");
        writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
        child.wait_with_output().expect("lens-server ends")
    })
    .await
    .unwrap()
}

/// Like [`add_technician`], and it must succeed.
pub async fn add_technician_ok(
    database: &str,
    email: &str,
    name: &str,
    password: &str,
    extra: &[&str],
) -> String {
    let output = add_technician(database, email, name, password, extra).await;
    assert!(
        output.status.success(),
        "add-technician {email} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}
