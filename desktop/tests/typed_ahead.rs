//! Lines the customer types (or a script pipes) before the prompt asks are not lost: the
//! licence answer and the commands after it, written to `lens join`'s stdin all at once,
//! are each acted on. The server is the engine tests' stand-in on loopback.

#[path = "../../engine/tests/stand_in/mod.rs"]
mod stand_in;

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use lens_core::signal::CustomerMessage;
use stand_in::{Server, next_from_customer, start_server};

/// The customer's process, killed if the test fails before it exits.
struct Lens(Child);

impl Drop for Lens {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_answer_and_the_commands_typed_at_once_are_all_acted_on() {
    let Server {
        url,
        mut from_customer,
        to_customer,
    } = start_server().await;
    let store = std::env::temp_dir().join(format!("lens-typed-ahead-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&store);
    let mut lens = Lens(
        Command::new(env!("CARGO_BIN_EXE_lens"))
            .args([
                "join",
                "483920",
                "--server",
                url.as_str(),
                "--bind-ip",
                "127.0.0.1",
            ])
            .args(["--no-playback", "--width", "320", "--height", "240"])
            .arg("--eula-store")
            .arg(&store)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("target/release/lens runs"),
    );

    // Everything at once, before the licence prompt: accept, mute, leave.
    let mut stdin = lens.0.stdin.take().unwrap();
    stdin.write_all(b"y\nmute\nleave\n").unwrap();
    drop(stdin);

    assert!(matches!(
        next_from_customer(&mut from_customer).await,
        CustomerMessage::EulaAccepted { .. }
    ));
    // The technician starts: now the typed commands are read.
    to_customer
        .send(r#"{"v":1,"type":"start"}"#.into())
        .unwrap();
    loop {
        match next_from_customer(&mut from_customer).await {
            CustomerMessage::Leave => break,
            // The media connection being set up, and the like.
            _ => continue,
        }
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = lens.0.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "lens did not exit after leaving");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut stdout = String::new();
    lens.0
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    let _ = std::fs::remove_file(&store);
    assert!(status.success(), "{status}\n{stdout}");
    assert!(stdout.contains("microphone: muted"), "{stdout}");
    assert!(stdout.contains("leaving the session"), "{stdout}");
}
