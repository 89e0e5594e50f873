//! Seed 002 through the hand-off API: a chat system, holding an API key, starts remote
//! assistance for its agent (a Lens technician), gets the PIN and the links to paste into
//! the chat, can create another PIN (the old one stops working at once) and end the
//! session; the agent's console shows the session as if the agent had created it.

use crate::common::{TESS_EMAIL, TestServer};
use lens_core::signal::{EndReason, ServerToCustomer, SessionStatus};
use serde_json::{Value, json};

/// The chat system: an HTTP client with its API key.
struct ChatSystem {
    base: String,
    key: String,
    http: reqwest::Client,
}

impl ChatSystem {
    async fn new(lens: &TestServer, name: &str) -> ChatSystem {
        // Tess is in the default group; the key acts for its technicians.
        let key =
            lens_server::accounts::api_keys::create(lens.server().db(), name, &default_group())
                .await
                .expect("key created");
        ChatSystem {
            base: format!("{}/api/v1/handoff", lens.url),
            key,
            http: reqwest::Client::new(),
        }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> (u16, Value) {
        let response = request
            .bearer_auth(&self.key)
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "every answer is JSON"
        );
        (status, response.json().await.expect("JSON body"))
    }

    async fn start(&self, body: Value) -> (u16, Value) {
        self.send(
            self.http
                .post(format!("{}/sessions", self.base))
                .json(&body),
        )
        .await
    }

    async fn status(&self, id: &str) -> (u16, Value) {
        self.send(self.http.get(format!("{}/sessions/{id}", self.base)))
            .await
    }

    async fn another_pin(&self, id: &str) -> (u16, Value) {
        self.send(self.http.post(format!("{}/sessions/{id}/pin", self.base)))
            .await
    }

    async fn end(&self, id: &str) -> (u16, Value) {
        self.send(self.http.post(format!("{}/sessions/{id}/end", self.base)))
            .await
    }
}

fn default_group() -> [String; 1] {
    ["default".to_owned()]
}

fn text(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
}

#[tokio::test]
async fn the_chat_system_starts_a_session_for_its_agent_and_gets_pin_and_links() {
    let lens = TestServer::start_with(|config| {
        config.public_url = Some("https://lens.example.com/".parse().unwrap());
    })
    .await;
    let chat = ChatSystem::new(&lens, "Contact centre").await;
    let tess = lens.tess().await;
    let mut console = tess.console().await;

    // The agent is named by e-mail, in whatever case the chat system has it.
    let (status, session) = chat
        .start(json!({ "agent_email": "TESS@example.com", "customer_name": "Chris Chat" }))
        .await;
    assert_eq!(status, 201, "{session}");
    let pin = text(&session["pin"]);
    assert!(
        pin.len() == 6 && pin.bytes().all(|b| b.is_ascii_digit()),
        "{pin}"
    );
    assert_eq!(session["agent_email"], TESS_EMAIL);
    assert_eq!(session["customer_name"], "Chris Chat");
    assert_eq!(session["status"], "pending");
    assert_eq!(
        session["links"]["mobile"],
        format!("https://lens.example.com/{pin}")
    );
    assert_eq!(
        session["links"]["desktop"],
        format!("https://lens.example.com/?code={pin}")
    );
    assert_eq!(
        session["links"]["manual_entry"],
        "https://lens.example.com/join"
    );

    // The session is in the agent's console list with its PIN, like one made there.
    let row = console
        .recv_until(|message| match message {
            lens_core::signal::ServerToTechnician::Sessions { sessions } => sessions
                .into_iter()
                .find(|s| s.customer_name == "Chris Chat"),
            _ => None,
        })
        .await;
    assert_eq!(row.pin.as_deref(), Some(pin));

    // The customer joins with the PIN and accepts the EULA: the chat system reads Waiting.
    let mut customer = lens.customer_joins(pin).await;
    customer.accept_eula().await;
    console
        .wait_for_status(&row.id, SessionStatus::Waiting)
        .await;
    let (status, read) = chat.status(text(&session["id"])).await;
    assert_eq!(status, 200);
    assert_eq!(read["status"], "waiting");
    assert_eq!(read["id"], session["id"]);

    // Now that the customer is in, there is no PIN to replace.
    let (status, refused) = chat.another_pin(text(&session["id"])).await;
    assert_eq!((status, text(&refused["error"])), (409, "customer_joined"));

    // "End": the waiting customer is told, the console shows it closed.
    let (status, ended) = chat.end(text(&session["id"])).await;
    assert_eq!(status, 200, "{ended}");
    assert_eq!(ended["status"], "closed");
    assert_eq!(ended["end_reason"], "technician_ended");
    let told = customer
        .socket
        .recv_until(|message| match message {
            ServerToCustomer::End { reason } => Some(reason),
            _ => None,
        })
        .await;
    assert_eq!(told, EndReason::TechnicianEnded);
    console
        .wait_for_status(&row.id, SessionStatus::Closed)
        .await;

    // Ending it again is a conflict, not a silent success.
    let (status, again) = chat.end(text(&session["id"])).await;
    assert_eq!((status, text(&again["error"])), (409, "already_ended"));
}

#[tokio::test]
async fn another_pin_makes_the_old_one_stop_working_at_once() {
    let lens = TestServer::start().await;
    let chat = ChatSystem::new(&lens, "Chat").await;
    let (_, first) = chat.start(json!({ "agent_email": TESS_EMAIL })).await;
    assert_eq!(
        first["customer_name"],
        lens_server::http::handoff_api::DEFAULT_CUSTOMER_NAME
    );
    let id = text(&first["id"]);
    let old_pin = text(&first["pin"]);

    let (status, second) = chat.another_pin(id).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["id"], first["id"], "the hand-off keeps its id");
    let new_pin = text(&second["pin"]);
    assert_ne!(new_pin, old_pin);
    assert_eq!(second["status"], "pending");
    assert_eq!(second["links"]["mobile"], format!("{}/{new_pin}", lens.url));

    // The customer who got the old PIN is told to ask for a new one.
    let (status, refused) = lens.join(old_pin).await;
    assert_eq!((status, text(&refused["error"])), (410, "pin_expired"));
    // The new PIN works, and the status read follows the new session.
    let mut customer = lens.customer_joins(new_pin).await;
    customer.accept_eula().await;
    let (_, read) = chat.status(id).await;
    assert_eq!(read["pin"], new_pin);
    assert!(
        matches!(text(&read["status"]), "pending" | "waiting"),
        "{read}"
    );
}

#[tokio::test]
async fn an_expired_pin_can_be_replaced_but_an_ended_session_cannot() {
    let lens = TestServer::start_with(|config| {
        config.pin_ttl = std::time::Duration::from_millis(300);
    })
    .await;
    let chat = ChatSystem::new(&lens, "Chat").await;
    let (_, first) = chat.start(json!({ "agent_email": TESS_EMAIL })).await;
    let id = text(&first["id"]);
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let (_, read) = chat.status(id).await;
    assert_eq!(read["status"], "expired");
    assert_eq!(read["end_reason"], "pin_expired");

    let (status, renewed) = chat.another_pin(id).await;
    assert_eq!(status, 200, "{renewed}");
    assert_eq!(renewed["status"], "pending");

    let (status, _) = chat.end(id).await;
    assert_eq!(status, 200);
    let (status, refused) = chat.another_pin(id).await;
    assert_eq!((status, text(&refused["error"])), (409, "already_ended"));
}

#[tokio::test]
async fn errors_are_typed_json() {
    let lens = TestServer::start().await;
    let chat = ChatSystem::new(&lens, "Chat").await;
    let http = reqwest::Client::new();
    let sessions = format!("{}/sessions", chat.base);

    // No key, a wrong key, a revoked key: 401 with a Bearer challenge.
    let missing = http
        .post(&sessions)
        .json(&json!({ "agent_email": TESS_EMAIL }))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 401);
    assert_eq!(missing.headers()["www-authenticate"], "Bearer");
    assert_eq!(
        missing.json::<Value>().await.unwrap()["error"],
        "missing_api_key"
    );
    let wrong = http
        .post(&sessions)
        .bearer_auth("lens_not-a-key")
        .json(&json!({ "agent_email": TESS_EMAIL }))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert_eq!(
        wrong.json::<Value>().await.unwrap()["error"],
        "invalid_api_key"
    );

    // Unknown agent and unknown session: 404.
    let (status, body) = chat
        .start(json!({ "agent_email": "nobody@example.com" }))
        .await;
    assert_eq!((status, text(&body["error"])), (404, "unknown_agent"));
    for (status, body) in [
        chat.status("no-such-id").await,
        chat.another_pin("no-such-id").await,
        chat.end("no-such-id").await,
    ] {
        assert_eq!((status, text(&body["error"])), (404, "unknown_session"));
    }

    // Bad input: 422.
    for (body, code) in [
        (json!({}), "invalid_request"),
        (json!({ "agent_email": 7 }), "invalid_request"),
        (
            json!({ "agent_email": "no-at-sign" }),
            "invalid_agent_email",
        ),
        (
            json!({ "agent_email": TESS_EMAIL, "customer_name": "  " }),
            "invalid_customer_name",
        ),
        (
            json!({ "agent_email": TESS_EMAIL, "customer_name": "x".repeat(101) }),
            "invalid_customer_name",
        ),
    ] {
        let (status, answer) = chat.start(body.clone()).await;
        assert_eq!((status, text(&answer["error"])), (422, code), "{body}");
    }
    let (status, answer) = chat
        .send(
            http.post(&sessions)
                .header("content-type", "application/json")
                .body("{not json"),
        )
        .await;
    assert_eq!((status, text(&answer["error"])), (422, "invalid_request"));

    // One integration cannot see another's hand-offs.
    let (_, mine) = chat.start(json!({ "agent_email": TESS_EMAIL })).await;
    let other = ChatSystem::new(&lens, "Other chat").await;
    let (status, _) = other.status(text(&mine["id"])).await;
    assert_eq!(status, 404);

    // A revoked key stops working at once.
    assert!(
        lens_server::accounts::api_keys::revoke(lens.server().db(), "Chat")
            .await
            .unwrap()
    );
    let (status, body) = chat.status(text(&mine["id"])).await;
    assert_eq!((status, text(&body["error"])), (401, "invalid_api_key"));
}

#[tokio::test]
async fn keys_are_stored_only_as_hashes_and_names_are_unique() {
    let lens = TestServer::start().await;
    let db = lens.server().db();
    let key = lens_server::accounts::api_keys::create(db, "Chat", &default_group())
        .await
        .unwrap();
    assert!(
        key.starts_with(lens_server::accounts::api_keys::KEY_PREFIX) && key.len() > 60,
        "{key}"
    );
    let stored: Vec<String> = sqlx::query_scalar("SELECT key_hash FROM api_keys")
        .fetch_all(db)
        .await
        .unwrap();
    assert_eq!(
        stored,
        vec![lens_server::tokens::sha256_hex(key.as_bytes())]
    );
    assert!(
        lens_server::accounts::api_keys::create(db, "Chat", &default_group())
            .await
            .is_err()
    );
    assert!(
        lens_server::accounts::api_keys::create(db, " ", &default_group())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn the_openapi_description_is_served_and_the_committed_copy_is_current() {
    let lens = TestServer::start().await;
    let served: Value = reqwest::get(format!("{}/api/v1/openapi.json", lens.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(served["info"]["title"], "Lens hand-off API");
    for path in [
        "/api/v1/handoff/sessions",
        "/api/v1/handoff/sessions/{id}",
        "/api/v1/handoff/sessions/{id}/pin",
        "/api/v1/handoff/sessions/{id}/end",
    ] {
        assert!(served["paths"][path].is_object(), "{path} documented");
    }
    let committed_path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/handoff-openapi.json");
    let committed = std::fs::read_to_string(&committed_path).expect("docs/handoff-openapi.json");
    assert!(
        committed == lens_server::http::handoff_api::openapi_json_text(),
        "docs/handoff-openapi.json is out of date: run `target/release/lens-server openapi > docs/handoff-openapi.json`"
    );
    assert_eq!(serde_json::from_str::<Value>(&committed).unwrap(), served);
}
