//! Seed 002, "Create another PIN" from the technician's console
//! (`POST /api/sessions/{id}/pin`): the customer lost the PIN or it was read out wrong, so
//! the technician issues a new one. The old PIN stops working at once, the list and the log
//! say why the old session ended, and the list carries the end reason in the server's words.

use crate::common::{Technician, TestServer};
use lens_core::signal::{EndReason, SessionStatus, TechnicianMessage};
use serde_json::{Value, json};

fn text(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
}

#[tokio::test]
async fn another_pin_replaces_the_old_one_at_once() {
    let lens = TestServer::start().await;
    let tess = lens.tess().await;
    let mut console = tess.console().await;
    let (old_pin, old_session) = tess.new_pin("Pia Pinless").await;

    let (status, created) = tess.another_pin(&old_session).await;
    assert_eq!(status, 200, "{created}");
    let new_pin = text(&created["pin"]);
    let new_session = text(&created["session_id"]);
    assert!(
        new_pin.len() == 6 && new_pin.bytes().all(|b| b.is_ascii_digit()),
        "{new_pin}"
    );
    assert_ne!(new_pin, old_pin);
    assert_ne!(new_session, old_session);
    assert_eq!(created["customer_name"], "Pia Pinless");
    assert_eq!(
        created["links"]["mobile"],
        format!("{}/{new_pin}", lens.url)
    );
    assert_eq!(
        created["links"]["desktop"],
        format!("{}/?code={new_pin}", lens.url)
    );
    assert!(created["links"]["manual_entry"].is_string(), "{created}");
    let now = lens_server::store::now_ms();
    let expires_at = created["expires_at"].as_i64().unwrap();
    assert!(
        (now + 590_000..=now + 600_000).contains(&expires_at),
        "a fresh ten minutes: {created}"
    );

    // The old PIN is refused like any PIN that ended before it was used.
    let (status, refused) = lens.join(&old_pin).await;
    assert_eq!((status, text(&refused["error"])), (410, "pin_expired"));

    // The list shows why the old session ended, in the server's words, and the new PIN.
    let old_row = console
        .wait_for_status(&old_session, SessionStatus::Closed)
        .await;
    assert_eq!(old_row.end_reason, Some(EndReason::PinReplaced));
    assert_eq!(
        old_row.end_reason_text.as_deref(),
        Some("The technician replaced this PIN with a new one")
    );
    let new_row = console
        .wait_for_status(new_session, SessionStatus::Pending)
        .await;
    assert_eq!(new_row.pin.as_deref(), Some(new_pin));
    assert_eq!(new_row.end_reason_text, None, "a live session has no end");

    // The old session's log says it was replaced, and by which PIN and session.
    let log = tess.log(&old_session).await;
    let replaced = log
        .iter()
        .find(|entry| entry["event"] == "pin_replaced")
        .unwrap_or_else(|| panic!("no pin_replaced entry in {log:?}"));
    let detail = text(&replaced["detail"]);
    assert!(
        detail.contains(new_pin) && detail.contains(new_session),
        "{detail}"
    );
    assert!(
        log.iter().any(|entry| entry["event"] == "ended"
            && entry["detail"] == EndReason::PinReplaced.describe()),
        "{log:?}"
    );

    // The new PIN works.
    lens.customer_joins(new_pin).await;
}

#[tokio::test]
async fn every_ended_row_carries_its_reason_in_words() {
    let lens = TestServer::start_with(|config| {
        config.pin_ttl = std::time::Duration::from_millis(300);
    })
    .await;
    let tess = lens.tess().await;
    let mut console = tess.console().await;
    let (_, ended) = tess.new_pin("Ernie Ended").await;
    let (_, expired) = tess.new_pin("Esme Expired").await;
    console
        .send(&TechnicianMessage::End {
            session_id: ended.clone(),
        })
        .await;
    let row = console.wait_for_status(&ended, SessionStatus::Closed).await;
    assert_eq!(row.end_reason, Some(EndReason::TechnicianEnded));
    assert_eq!(
        row.end_reason_text.as_deref(),
        Some(EndReason::TechnicianEnded.describe())
    );

    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let row = console
        .wait_for_status(&expired, SessionStatus::Expired)
        .await;
    assert_eq!(
        row.end_reason_text.as_deref(),
        Some("The PIN expired before it was used")
    );

    // An expired PIN can be replaced too (the customer was slow), and the log says so.
    let (status, created) = tess.another_pin(&expired).await;
    assert_eq!(status, 200, "{created}");
    let log = tess.log(&expired).await;
    assert!(
        log.iter().any(|entry| entry["event"] == "pin_replaced"
            && text(&entry["detail"]).contains(text(&created["pin"]))),
        "{log:?}"
    );
}

#[tokio::test]
async fn another_pin_is_refused_once_the_customer_joined_or_the_session_is_over() {
    let lens = TestServer::start().await;
    let tess = lens.tess().await;
    let mut console = tess.console().await;
    let (pin, session_id) = tess.new_pin("Jo Joined").await;
    let mut customer = lens.customer_joins(&pin).await;

    let (status, refused) = tess.another_pin(&session_id).await;
    assert_eq!(
        (status, text(&refused["error"])),
        (409, "customer_joined"),
        "{refused}"
    );
    assert_eq!(
        refused["message"],
        "The customer has already joined with this PIN."
    );
    // The customer who got in keeps the session.
    customer.accept_eula().await;
    console
        .wait_for_status(&session_id, SessionStatus::Waiting)
        .await;

    console
        .send(&TechnicianMessage::End {
            session_id: session_id.clone(),
        })
        .await;
    console
        .wait_for_status(&session_id, SessionStatus::Closed)
        .await;
    let (status, refused) = tess.another_pin(&session_id).await;
    assert_eq!((status, text(&refused["error"])), (409, "customer_joined"));

    // A session that ended before anyone joined is over: no new PIN from it either.
    let (_, cancelled) = tess.new_pin("Cy Cancelled").await;
    console
        .send(&TechnicianMessage::End {
            session_id: cancelled.clone(),
        })
        .await;
    console
        .wait_for_status(&cancelled, SessionStatus::Closed)
        .await;
    let (status, refused) = tess.another_pin(&cancelled).await;
    assert_eq!(
        (status, text(&refused["error"])),
        (409, "already_ended"),
        "{refused}"
    );
    assert_eq!(refused["message"], "This session has already ended.");
}

#[tokio::test]
async fn another_technicians_session_reads_as_missing() {
    let lens = TestServer::start().await;
    lens.add_technician("other@example.com", "Otto Other", "another password")
        .await;
    let tess = lens.tess().await;
    let otto = Technician::login(&lens.url, "other@example.com", "another password").await;
    let (pin, session_id) = tess.new_pin("Tess's customer").await;

    for id in [session_id.as_str(), "no-such-session"] {
        let (status, refused) = otto.another_pin(id).await;
        assert_eq!(
            (status, text(&refused["error"])),
            (404, "no_such_session"),
            "{id}: {refused}"
        );
    }
    // Tess's PIN was not touched.
    lens.customer_joins(&pin).await;
}

#[tokio::test]
async fn another_pin_needs_the_technicians_cookie_and_a_json_body() {
    let lens = TestServer::start().await;
    let tess = lens.tess().await;
    let (pin, session_id) = tess.new_pin("Cora Csrf").await;
    let url = format!("{}/api/sessions/{session_id}/pin", lens.url);

    let anonymous = reqwest::Client::new()
        .post(&url)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    // What a cross-site form could send if the browser attached the cookie: not JSON.
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let forged = tess
            .http
            .post(&url)
            .header("content-type", content_type)
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 415, "{content_type}");
    }

    // None of that replaced the PIN.
    lens.customer_joins(&pin).await;
}

#[tokio::test]
async fn an_emailed_pin_is_replaced_by_an_invitation_with_the_new_one() {
    let lens = TestServer::start().await;
    let tess = lens.tess().await;
    let response = tess
        .http
        .post(format!("{}/api/sessions", lens.url))
        .json(&json!({ "customer_name": "Emil Email", "method": "email" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let first: Value = response.json().await.unwrap();
    assert!(first["email"]["text"].is_string(), "{first}");

    let (status, created) = tess.another_pin(text(&first["session_id"])).await;
    assert_eq!(status, 200, "{created}");
    let new_pin = text(&created["pin"]);
    let invitation = text(&created["email"]["text"]);
    assert!(invitation.contains(new_pin), "{invitation}");
    assert!(
        !invitation.contains(text(&first["pin"])),
        "the invitation still has the old PIN: {invitation}"
    );

    // A PIN-tab session gets no invitation.
    let (_, plain) = tess.new_pin("Pat Plain").await;
    let (_, created) = tess.another_pin(&plain).await;
    assert!(created.get("email").is_none(), "{created}");
}

/// The console reads the JSON, so the field's wire name is part of the contract.
#[tokio::test]
async fn the_list_names_the_field_end_reason_text() {
    let lens = TestServer::start().await;
    let tess = lens.tess().await;
    let mut console = tess.console().await;
    let (_, session_id) = tess.new_pin("Wes Wire").await;
    console
        .send(&TechnicianMessage::End {
            session_id: session_id.clone(),
        })
        .await;
    console
        .wait_for_status(&session_id, SessionStatus::Closed)
        .await;
    let list: Vec<Value> = tess.get("/api/sessions").await;
    assert_eq!(list[0]["end_reason"], "technician_ended");
    assert_eq!(
        list[0]["end_reason_text"],
        "The technician ended the session"
    );
}
