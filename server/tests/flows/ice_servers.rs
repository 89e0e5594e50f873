//! STUN and TURN handed out by the server (issue 14): every Start and every offer relayed to
//! the console carries the configured servers with a credential issued for that session in
//! coturn's `use-auth-secret` scheme; relay-only follows the technician's group; the app's
//! reconnects and failed STUN/TURN servers reach the console and the session log; the secret
//! never shows in the server's output.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use hmac::{Hmac, Mac};
use lens_core::signal::{
    CustomerMessage, IceConfig, IceServer, JoinResponse, MAX_MESSAGE_BYTES, ServerToCustomer,
    ServerToTechnician, SessionStatus, TechnicianMessage,
};
use lens_server::config::ice::{IceSettings, TurnSecret, parse_ice_url};
use serde_json::{Value, json};
use sha1::Sha1;

use crate::common::{Console, Customer, PATIENCE, Socket, TESS_EMAIL, Technician, TestServer};

const SECRET: &str = "test-turn-secret-5f1d2c";
const TTL: Duration = Duration::from_secs(600);

fn ice_settings() -> IceSettings {
    IceSettings {
        stun_urls: vec![parse_ice_url("stun:10.77.0.1:3478").unwrap()],
        turn_urls: vec![
            parse_ice_url("turn:10.77.0.1:3478?transport=udp").unwrap(),
            parse_ice_url("turns:turn.lens.test:5349").unwrap(),
        ],
        turn_secret: Some(TurnSecret::new(SECRET).unwrap()),
        credential_ttl: TTL,
    }
}

async fn with_turn() -> TestServer {
    TestServer::start_with(|config| config.ice = ice_settings()).await
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Checks one call's configuration: the STUN entry without credentials, the TURN entry with
/// a credential for `session_id` that the secret verifies and that runs out within the TTL.
fn assert_issued(ice: &IceConfig, session_id: &str, secret: &str) {
    let [stun, turn] = ice.ice_servers.as_slice() else {
        panic!("one STUN and one TURN entry: {ice:?}");
    };
    assert_eq!(stun.urls, ["stun:10.77.0.1:3478"]);
    assert_eq!((&stun.username, &stun.credential), (&None, &None));
    assert_eq!(
        turn.urls,
        [
            "turn:10.77.0.1:3478?transport=udp",
            "turns:turn.lens.test:5349"
        ]
    );
    let username = turn.username.as_deref().expect("a TURN user name");
    let (expiry, named) = username.split_once(':').expect("<expiry>:<session id>");
    assert_eq!(named, session_id);
    let expiry: u64 = expiry.parse().unwrap();
    let now = unix_now();
    assert!(
        expiry > now && expiry <= now + TTL.as_secs() + 1,
        "expires {expiry}, now {now}"
    );
    // What coturn computes: base64(HMAC-SHA1(secret, user name)).
    let mut mac = Hmac::<Sha1>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(username.as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    assert_eq!(turn.credential.as_deref(), Some(expected.as_str()));
}

/// Tess's console and a customer who accepted the EULA, Tess clicks Start: the Start's ICE
/// configuration.
async fn start_session(base: &str, tess: &Technician) -> (Console, Customer, String, IceConfig) {
    let mut console = tess.console().await;
    let (pin, session_id) = tess.new_pin("Iris Ice").await;
    let joined: JoinResponse = reqwest::Client::new()
        .post(format!("{base}/api/customer/join"))
        .json(&json!({ "pin": pin }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let socket = Socket::connect(base, &joined.customer_token).await.unwrap();
    let mut customer = Customer { joined, socket };
    assert!(matches!(
        customer.socket.recv().await,
        ServerToCustomer::Welcome { .. }
    ));
    customer.accept_eula().await;
    console
        .wait_for_status(&session_id, SessionStatus::Waiting)
        .await;
    console.start(&session_id).await;
    let ice = match customer.socket.recv().await {
        ServerToCustomer::Start { ice } => ice,
        other => panic!("expected start, got {other:?}"),
    };
    console
        .wait_for_status(&session_id, SessionStatus::Active)
        .await;
    (console, customer, session_id, ice)
}

async fn offer_reaches_console(
    customer: &mut Customer,
    console: &mut Console,
    ice_restart: bool,
) -> (bool, IceConfig) {
    customer
        .socket
        .send(&CustomerMessage::Offer {
            sdp: "v=0 offer".into(),
            ice_restart,
        })
        .await;
    console
        .recv_until(|m| match m {
            ServerToTechnician::Offer {
                sdp,
                ice_restart,
                ice,
                ..
            } if sdp == "v=0 offer" => Some((ice_restart, ice)),
            _ => None,
        })
        .await
}

async fn make_admin(lens: &TestServer) {
    let db = lens.server().db();
    let id = lens_server::flow::access::id_by_email(db, TESS_EMAIL)
        .await
        .unwrap()
        .unwrap();
    lens_server::flow::access::assign(db, id, None, Some(true))
        .await
        .unwrap();
}

async fn put_group(tess: &Technician, id: &str, body: Value) -> (u16, Value) {
    let response = tess
        .http
        .put(format!("{}/api/admin/groups/{id}", tess.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn start_and_each_offer_carry_the_servers_with_a_fresh_credential() {
    let lens = with_turn().await;
    let tess = lens.tess().await;
    let (mut console, mut customer, session_id, ice) = start_session(&lens.url, &tess).await;
    assert!(!ice.relay_only, "relay-only is off by default");
    assert_issued(&ice, &session_id, SECRET);

    let (restart, offered) = offer_reaches_console(&mut customer, &mut console, false).await;
    assert!(!restart);
    assert!(!offered.relay_only);
    assert_issued(&offered, &session_id, SECRET);

    // An ICE restart offer is marked as one and comes with credentials of its own.
    let (restart, offered) = offer_reaches_console(&mut customer, &mut console, true).await;
    assert!(restart);
    assert_issued(&offered, &session_id, SECRET);

    // A customer that reconnects its socket mid-call gets a Start with credentials too.
    let token = customer.joined.customer_token.clone();
    customer.socket.vanish();
    let mut again = Socket::<ServerToCustomer, CustomerMessage>::connect(&lens.url, &token)
        .await
        .unwrap();
    assert!(matches!(
        again.recv().await,
        ServerToCustomer::Welcome { .. }
    ));
    match again.recv().await {
        ServerToCustomer::Start { ice } => assert_issued(&ice, &session_id, SECRET),
        other => panic!("expected start, got {other:?}"),
    }
}

#[tokio::test]
async fn relay_only_follows_the_group_and_needs_a_turn_server() {
    let lens = with_turn().await;
    make_admin(&lens).await;
    let tess = lens.tess().await;
    let (status, group) = put_group(&tess, "default", json!({ "relay_only": true })).await;
    assert_eq!(status, 200, "{group}");
    assert_eq!(group["relay_only"], true);
    let (mut console, mut customer, session_id, ice) = start_session(&lens.url, &tess).await;
    assert!(ice.relay_only);
    assert_issued(&ice, &session_id, SECRET);
    let (_, offered) = offer_reaches_console(&mut customer, &mut console, false).await;
    assert!(offered.relay_only);

    // Saving other settings leaves it on; switching it off is always allowed.
    let (status, group) = put_group(&tess, "default", json!({ "idle_timeout_secs": 60 })).await;
    assert_eq!((status, &group["relay_only"]), (200, &json!(true)));
    let (status, group) = put_group(&tess, "default", json!({ "relay_only": false })).await;
    assert_eq!((status, &group["relay_only"]), (200, &json!(false)));

    // Without a TURN server, a relay-only group could never connect: refused in words.
    let bare = TestServer::start().await;
    make_admin(&bare).await;
    let tess = bare.tess().await;
    let (status, refusal) = put_group(&tess, "default", json!({ "relay_only": true })).await;
    assert_eq!(status, 400, "{refusal}");
    assert_eq!(refusal["error"], "no_turn_server", "{refusal}");
    let message = refusal["message"].as_str().unwrap_or_default();
    assert!(message.contains("--turn-url"), "{refusal}");
    let groups: Vec<Value> = tess.get("/api/admin/groups").await;
    assert!(
        groups.iter().all(|g| g["relay_only"] == false),
        "{groups:?}"
    );
    // A server without STUN or TURN hands out an empty list, as before.
    let (_console, _customer, _id, ice) = start_session(&bare.url, &tess).await;
    assert_eq!(ice, IceConfig::default());
}

#[tokio::test]
async fn reconnects_reach_the_console_and_the_session_log() {
    let lens = TestServer::start().await;
    let (tess, mut console, mut customer, session_id) = lens.active_session("Rita Roam").await;
    customer.socket.send(&CustomerMessage::Reconnecting).await;
    let reconnecting = console
        .recv_until(|m| matches!(m, ServerToTechnician::Reconnecting { .. }).then_some(m))
        .await;
    assert_eq!(
        reconnecting,
        ServerToTechnician::Reconnecting {
            session_id: session_id.clone()
        }
    );
    customer.socket.send(&CustomerMessage::Reconnected).await;
    let reconnected = console
        .recv_until(|m| matches!(m, ServerToTechnician::Reconnected { .. }).then_some(m))
        .await;
    assert_eq!(
        reconnected,
        ServerToTechnician::Reconnected {
            session_id: session_id.clone()
        }
    );
    // The console is told first and the log written right after: read it once it has
    // caught up (on a loaded machine with PostgreSQL that takes a few milliseconds).
    let deadline = tokio::time::Instant::now() + crate::common::PATIENCE;
    let log = loop {
        let log = tess.log(&session_id).await;
        if log.iter().any(|e| e["event"] == "reconnected") || tokio::time::Instant::now() > deadline
        {
            break log;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let entry = |event: &str| {
        log.iter()
            .find(|e| e["event"] == event)
            .unwrap_or_else(|| panic!("no {event} in {log:?}"))["detail"]
            .clone()
    };
    assert_eq!(
        entry("reconnecting"),
        "Media connection interrupted; the customer's app is reconnecting"
    );
    assert_eq!(entry("reconnected"), "Media connection restored");
}

#[tokio::test]
async fn failed_ice_servers_are_told_in_words_and_bad_reports_are_refused() {
    let lens = TestServer::start().await;
    let (tess, mut console, mut customer, session_id) = lens.active_session("Walt Wrong").await;
    customer
        .socket
        .send(&CustomerMessage::IceServerError {
            url: "turn:1767225600:s1:c2VjcmV0@10.0.0.1:3478?transport=udp".into(),
            code: 401,
            text: "Unauthorized".into(),
        })
        .await;
    let (message, server, code) = console
        .recv_until(|m| match m {
            ServerToTechnician::IceServerError {
                session_id: id,
                message,
                server,
                code,
            } if id == session_id => Some((message, server, code)),
            _ => None,
        })
        .await;
    // The server and the code as the console names its own (no credentials, no parameters).
    assert_eq!((server.as_str(), code), ("turn:10.0.0.1:3478", 401));
    assert!(
        message.starts_with(
            "The customer's app could not use the relay server turn:10.0.0.1:3478 \
             (401 Unauthorized): check the TURN secret"
        ),
        "{message}"
    );
    assert!(!message.contains("c2VjcmV0"), "{message}");

    // Too large for the protocol, or not the message's shape: a typed error each.
    let huge = json!({
        "type": "ice_server_error",
        "url": "turn:10.0.0.1",
        "code": 500,
        "text": "x".repeat(MAX_MESSAGE_BYTES),
    });
    customer.socket.send_raw(&huge.to_string()).await;
    assert!(matches!(
        customer.socket.recv().await,
        ServerToCustomer::Error { .. }
    ));
    let garbled = r#"{"type":"ice_server_error","url":["turn:x"],"code":"many"}"#;
    customer.socket.send_raw(garbled).await;
    assert!(matches!(
        customer.socket.recv().await,
        ServerToCustomer::Error { .. }
    ));
    // Long text with control characters within the limit: cut short and cleaned.
    customer
        .socket
        .send(&CustomerMessage::IceServerError {
            url: "stun:10.0.0.1:3478".into(),
            code: 701,
            text: format!("\u{1b}[31mno answer\n{}", "z".repeat(20_000)),
        })
        .await;
    let message = console
        .recv_until(|m| match m {
            ServerToTechnician::IceServerError { message, .. } => Some(message),
            _ => None,
        })
        .await;
    assert!(message.chars().count() < 300, "{message}");
    assert!(!message.chars().any(char::is_control), "{message:?}");
    assert!(message.contains("the STUN server stun:10.0.0.1:3478 (701"));

    // The session goes on: the customer's next message still reaches the console.
    customer.socket.send(&CustomerMessage::Reconnected).await;
    console
        .recv_until(|m| matches!(m, ServerToTechnician::Reconnected { .. }).then_some(()))
        .await;

    // The console's own failures go to the session log.
    console
        .send(&TechnicianMessage::IceServerError {
            session_id: session_id.clone(),
            url: "turns:turn.lens.test:5349".into(),
            code: 701,
            text: "".into(),
        })
        .await;
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let log = tess.log(&session_id).await;
        let details: Vec<&str> = log
            .iter()
            .filter(|e| e["event"] == "ice_server_error")
            .filter_map(|e| e["detail"].as_str())
            .collect();
        if details.iter().any(|d| {
            d.starts_with(
                "The console could not use the relay server turns:turn.lens.test:5349 (701)",
            )
        }) {
            assert_eq!(details.len(), 3, "{details:?}");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{log:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `lens-server serve` as an operator runs it, output captured.
struct Serving {
    child: Child,
    stdout: std::sync::mpsc::Receiver<String>,
    seen: Vec<String>,
    stderr_file: std::path::PathBuf,
}

impl Serving {
    fn start(dir: &Path, extra: &[&str], envs: &[(&str, &str)]) -> Serving {
        let stderr_file = dir.join("stderr.log");
        let database = format!("sqlite://{}?mode=rwc", dir.join("lens.db").display());
        let mut child = Command::new(env!("CARGO_BIN_EXE_lens-server"))
            .current_dir(dir)
            .args(["serve", "--bind", "127.0.0.1:0", "--database", &database])
            .args(extra)
            .env_remove("LENS_TURN_SECRET")
            .envs(envs.iter().copied())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr_file).unwrap())
            .spawn()
            .expect("lens-server runs");
        let out = child.stdout.take().unwrap();
        let (tx, stdout) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Serving {
            child,
            stdout,
            seen: Vec::new(),
            stderr_file,
        }
    }

    fn wait_until_listening(&mut self) -> String {
        loop {
            let line = self
                .stdout
                .recv_timeout(Duration::from_secs(30))
                .unwrap_or_else(|_| panic!("no ready line: {:?}\n{}", self.seen, self.stderr()));
            self.seen.push(line.clone());
            if let Some(url) = line.strip_prefix("Lens server listening on ") {
                return url.to_owned();
            }
        }
    }

    fn printed(&self, prefix: &str) -> String {
        self.seen
            .iter()
            .find_map(|l| l.strip_prefix(prefix).map(str::to_owned))
            .unwrap_or_else(|| panic!("nothing printed as {prefix:?}: {:?}", self.seen))
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_file).unwrap_or_default()
    }

    /// Stops the server; everything it wrote.
    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.seen.extend(self.stdout.try_iter());
        format!("{}\n{}", self.seen.join("\n"), self.stderr())
    }
}

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "lens-ice-{tag}-{}-{}",
        std::process::id(),
        lens_server::tokens::random_id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn the_secret_and_credentials_never_reach_the_servers_output() {
    let dir = temp_dir("log");
    let mut serving = Serving::start(
        &dir,
        &[
            "--demo",
            "--stun-url",
            "stun:10.77.0.1:3478",
            "--turn-url",
            "turn:10.77.0.1:3478?transport=udp,turns:turn.lens.test:5349",
            "--turn-credential-ttl",
            "600",
        ],
        // Debug logging, as an operator chasing a problem would run it.
        &[("LENS_TURN_SECRET", SECRET), ("RUST_LOG", "debug")],
    );
    let url = serving.wait_until_listening();
    let email = serving.printed("Demo technician email: ");
    let password = serving.printed("Demo technician password: ");
    let tess = Technician::login(&url, &email, &password).await;
    let (mut console, mut customer, session_id, ice) = start_session(&url, &tess).await;
    assert_issued(&ice, &session_id, SECRET);
    let (_, offered) = offer_reaches_console(&mut customer, &mut console, false).await;
    customer
        .socket
        .send(&CustomerMessage::IceServerError {
            url: "turn:10.77.0.1:3478".into(),
            code: 401,
            text: "Unauthorized".into(),
        })
        .await;
    console
        .recv_until(|m| matches!(m, ServerToTechnician::IceServerError { .. }).then_some(()))
        .await;
    let output = serving.stop();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        output.contains("STUN and TURN servers for calls"),
        "the log was captured: {output}"
    );
    let credentials = [&ice, &offered]
        .iter()
        .flat_map(|c| c.ice_servers.iter())
        .filter_map(|s: &IceServer| s.credential.clone())
        .collect::<Vec<_>>();
    assert_eq!(credentials.len(), 2);
    assert!(!output.contains(SECRET), "the secret was logged");
    for credential in credentials {
        assert!(!output.contains(&credential), "a credential was logged");
    }
}

#[tokio::test]
async fn bad_ice_settings_stop_the_server_with_a_clear_error() {
    let dir = temp_dir("bad");
    let secret_file = dir.join("turn-secret");
    std::fs::write(&secret_file, "\n").unwrap();
    let secret_file = secret_file.to_str().unwrap().to_owned();
    for (args, says) in [
        (
            vec!["--stun-url", "stun.example.com:3478"],
            "must start with stun:",
        ),
        (
            vec!["--turn-url", "turn:user:pw@10.0.0.1"],
            "user name or password",
        ),
        (vec!["--turn-url", "turn:10.0.0.1:99999"], "not a port"),
        (vec!["--turn-url", "turn:10.0.0.1"], "--turn-secret"),
        (vec!["--stun-url", "turn:10.0.0.1"], "--turn-url"),
        (
            vec![
                "--turn-url",
                "turn:10.0.0.1",
                "--turn-secret-file",
                &secret_file,
            ],
            "empty",
        ),
        (
            vec![
                "--turn-url",
                "turn:x",
                "--turn-secret",
                "s",
                "--turn-credential-ttl",
                "0",
            ],
            "--turn-credential-ttl",
        ),
    ] {
        let database = format!("sqlite://{}?mode=rwc", dir.join("lens.db").display());
        let output = Command::new(env!("CARGO_BIN_EXE_lens-server"))
            .current_dir(&dir)
            .args(["serve", "--bind", "127.0.0.1:0", "--database", &database])
            .args(&args)
            .env_remove("LENS_TURN_SECRET")
            .env("RUST_LOG", "warn")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?} started");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
