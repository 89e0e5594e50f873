//! Issue 9, finding 11: an admin could give a group's PINs a lifetime of up to 7 days (the
//! server's `--pin-ttl-secs` had no upper bound either), while PINs are remembered for a day
//! and the PIN arithmetic (docs/pin-security.md) assumes minutes. Now both are capped at an
//! hour: larger values are refused, and rows stored before the cap are clamped when read.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use lens_server::flow::access;
use serde_json::{Value, json};

use crate::common::{TESS_EMAIL, TestServer};

const HOUR_MS: i64 = 3_600_000;
const WEEK_SECS: i64 = 7 * 24 * 3600;

async fn post(lens: &TestServer, http: &reqwest::Client, path: &str, body: Value) -> (u16, Value) {
    let response = http
        .post(format!("{}{path}", lens.url))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

#[tokio::test]
async fn a_group_cannot_give_its_pins_more_than_an_hour() {
    let lens = TestServer::start().await;
    let db = lens.server().db();
    let tess_id = access::id_by_email(db, TESS_EMAIL).await.unwrap().unwrap();
    access::assign(db, tess_id, None, Some(true)).await.unwrap();
    let tess = lens.tess().await;

    // The admin API refuses a week, and an hour and a second.
    for secs in [WEEK_SECS, 3601] {
        let (status, body) = post(
            &lens,
            &tess.http,
            "/api/admin/groups",
            json!({ "name": format!("Long {secs}"), "pin_ttl_secs": secs }),
        )
        .await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_group")),
            "{secs} s: {body}"
        );
    }
    let (status, group) = post(
        &lens,
        &tess.http,
        "/api/admin/groups",
        json!({ "name": "Hour", "pin_ttl_secs": 3600 }),
    )
    .await;
    assert_eq!(status, 201, "{group}");
    let group_id = group["id"].as_str().unwrap().to_owned();

    // A row written before the cap (a week) is clamped, and the PIN gets the clamped hour.
    sqlx::query("UPDATE technician_groups SET pin_ttl_ms = $1 WHERE id = $2")
        .bind(WEEK_SECS * 1000)
        .bind(&group_id)
        .execute(db)
        .await
        .unwrap();
    access::assign(db, tess_id, Some(&group_id), None)
        .await
        .unwrap();
    let before = lens_server::store::now_ms();
    let created = tess.create_session("Wes Week").await;
    let after = lens_server::store::now_ms();
    let expires_at = created["expires_at"].as_i64().unwrap();
    assert!(
        (before + HOUR_MS..=after + HOUR_MS).contains(&expires_at),
        "the PIN lives {} s, not an hour",
        (expires_at - before) / 1000
    );
    let groups: Vec<Value> = tess.get("/api/admin/groups").await;
    let stored = groups
        .iter()
        .find(|g| g["id"] == group_id.as_str())
        .unwrap();
    assert_eq!(stored["pin_ttl_secs"], 3600, "{stored}");
}

#[test]
fn the_server_refuses_a_pin_lifetime_over_an_hour() {
    let dir =
        std::env::temp_dir().join(format!("lens-pin-ttl-{}", lens_server::tokens::random_id()));
    std::fs::create_dir_all(&dir).unwrap();
    let database = format!("sqlite://{}?mode=rwc", dir.join("lens.db").display());
    let mut server = Command::new(env!("CARGO_BIN_EXE_lens-server"))
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--pin-ttl-secs",
            "7200",
            "--database",
            &database,
        ])
        .env_remove("LENS_PIN_TTL_SECS")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("lens-server runs");
    // Refused at once; a server that starts instead is stopped after 10 s.
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            server.kill().unwrap();
            server.wait().unwrap();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = std::fs::remove_dir_all(&dir);
    let status = status.expect("the server started with PINs living two hours");
    assert!(!status.success());
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut server.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(stderr.contains("pin-ttl-secs"), "{stderr}");
}
