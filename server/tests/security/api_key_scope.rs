//! Finding 13: hand-off API keys were not scoped. A chat system's key could open a session
//! in any technician's console, and an unknown agent answered 404 `unknown_agent` while a
//! known one got a session: an oracle for which e-mail addresses have accounts. Keys now act
//! only for agents of the groups they were created for; any other address, known or not,
//! gets the very same answer; a key from before scopes acts for nobody until it is scoped.

use serde_json::{Value, json};

use crate::common::{TESS_EMAIL, TestServer};

/// `POST /api/v1/handoff/sessions` for `agent_email`: status and body.
async fn hand_off(lens: &TestServer, key: &str, agent_email: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/handoff/sessions", lens.url))
        .bearer_auth(key)
        .json(&json!({ "agent_email": agent_email, "customer_name": "Chris Chat" }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// Tess's own list: sessions someone opened in her console.
async fn tess_sessions(lens: &TestServer) -> usize {
    let tess = lens.tess().await;
    let list: Vec<Value> = tess.get("/api/sessions").await;
    list.len()
}

#[tokio::test]
async fn a_key_from_before_scopes_acts_for_nobody_and_hides_which_addresses_exist() {
    let lens = TestServer::start().await;
    // A key as `api-key create` wrote it before keys had groups.
    let key = "lens_legacy_key_made_before_scopes";
    sqlx::query(
        "INSERT INTO api_keys (id, name, key_hash, created_at) VALUES ('legacy', 'Old chat', $1, 0)",
    )
    .bind(lens_server::tokens::sha256_hex(key.as_bytes()))
    .execute(lens.server().db())
    .await
    .unwrap();

    let known = hand_off(&lens, key, TESS_EMAIL).await;
    let unknown = hand_off(&lens, key, "nobody@example.com").await;

    assert_eq!(
        known.0, 404,
        "a key without a group opened a session: {}",
        known.1
    );
    assert_eq!(
        known, unknown,
        "a known and an unknown agent must look alike"
    );
    assert_eq!(tess_sessions(&lens).await, 0);
}

#[tokio::test]
async fn a_key_acts_only_for_agents_of_its_groups() {
    let lens = TestServer::start().await;
    let db = lens.server().db();
    // Sam is in Sales; Tess stays in the default group.
    let sales = lens_server::accounts::groups::create(
        db,
        &lens_server::accounts::groups::GroupChange {
            name: Some("Sales".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    lens.add_technician("sam@example.com", "Sam Sales", "sam's long password")
        .await;
    let sam = lens_server::flow::access::id_by_email(db, "sam@example.com")
        .await
        .unwrap()
        .unwrap();
    lens_server::flow::access::assign(db, sam, Some(&sales.id), None)
        .await
        .unwrap();
    let key = lens_server::accounts::api_keys::create(db, "Sales chat", &["Sales".to_owned()])
        .await
        .unwrap();

    let (status, body) = hand_off(&lens, &key, "sam@example.com").await;
    assert_eq!(status, 201, "{body}");
    // The attack: the Sales chat's key opens a session in Tess's console.
    let other_group = hand_off(&lens, &key, TESS_EMAIL).await;
    let nobody = hand_off(&lens, &key, "nobody@example.com").await;
    assert_eq!(other_group.0, 404, "{}", other_group.1);
    assert_eq!(
        other_group, nobody,
        "a known and an unknown agent must look alike"
    );
    assert_eq!(tess_sessions(&lens).await, 0);
}
