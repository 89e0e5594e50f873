//! Technician groups, permissions and the admin role (seeds 001 and 003: the group must
//! allow Lens sessions, private sessions and the connection method), On hold, the waiting
//! and idle timeouts, and the session log.

use std::time::Duration;

use crate::common::{TESS_EMAIL, Technician, TestServer};
use lens_core::signal::{EndReason, ServerToCustomer, SessionStatus, TechnicianMessage};
use lens_server::accounts::groups::{self, GroupChange, Permission};
use lens_server::flow::access;
use serde_json::{Value, json};

async fn post(tech: &Technician, path: &str, body: Value) -> (u16, Value) {
    let response = tech
        .http
        .post(format!("{}{path}", tech.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn get(tech: &Technician, path: &str) -> (u16, Value) {
    let response = tech
        .http
        .get(format!("{}{path}", tech.base))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Puts Tess in a new group with only these permissions.
async fn restrict_tess(lens: &TestServer, permissions: Vec<Permission>) -> groups::Group {
    let db = lens.server().db();
    let group = groups::create(
        db,
        &GroupChange {
            name: Some("Restricted".into()),
            permissions: Some(permissions),
            ..GroupChange::default()
        },
    )
    .await
    .unwrap();
    let id = access::id_by_email(db, TESS_EMAIL).await.unwrap().unwrap();
    access::assign(db, id, Some(&group.id), None).await.unwrap();
    group
}

async fn make_admin(lens: &TestServer, email: &str) {
    let db = lens.server().db();
    let id = access::id_by_email(db, email).await.unwrap().unwrap();
    access::assign(db, id, None, Some(true)).await.unwrap();
}

#[tokio::test]
async fn a_new_technician_is_in_the_default_group_with_every_permission() {
    let lens = TestServer::start().await;
    let tess = lens.tess().await;
    let (status, me) = get(&tess, "/api/me").await;
    assert_eq!(status, 200);
    assert_eq!(me["is_admin"], false);
    assert_eq!(me["group"]["id"], "default");
    let permissions: Vec<&str> = me["group"]["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(
        permissions,
        Permission::ALL.iter().map(|p| p.name()).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_group_without_email_permission_is_refused_the_email_method_with_a_typed_403() {
    let lens = TestServer::start().await;
    restrict_tess(
        &lens,
        vec![
            Permission::StartLensSessions,
            Permission::StartPrivateSessions,
            Permission::UsePin,
            Permission::UseLink,
        ],
    )
    .await;
    let tess = lens.tess().await;

    let (status, body) = post(
        &tess,
        "/api/sessions",
        json!({ "customer_name": "Carl", "method": "email" }),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"], "permission_denied");
    assert_eq!(body["permission"], "use_email");
    assert!(body["message"].as_str().unwrap().contains("e-mail"));

    // PIN and link still work.
    for method in ["pin", "link"] {
        let (status, body) = post(
            &tess,
            "/api/sessions",
            json!({ "customer_name": "Carl", "method": method }),
        )
        .await;
        assert_eq!(status, 200, "{method}: {body}");
    }
    // Nothing was created for the refused request.
    let (_, list) = get(&tess, "/api/sessions").await;
    assert_eq!(list.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn every_session_call_needs_lens_and_private_session_permissions() {
    let lens = TestServer::start().await;
    let group = restrict_tess(&lens, vec![Permission::UsePin]).await;
    let tess = lens.tess().await;
    let (status, body) = post(&tess, "/api/sessions", json!({ "customer_name": "Carl" })).await;
    assert_eq!(
        (status, body["permission"].as_str()),
        (403, Some("start_lens_sessions"))
    );
    let (status, body) = get(&tess, "/api/sessions").await;
    assert_eq!(
        (status, body["permission"].as_str()),
        (403, Some("start_lens_sessions"))
    );

    groups::update(
        lens.server().db(),
        &group.id,
        &GroupChange {
            permissions: Some(vec![Permission::StartLensSessions, Permission::UsePin]),
            ..GroupChange::default()
        },
    )
    .await
    .unwrap();
    // The change applies at once, without signing in again.
    let (status, body) = post(&tess, "/api/sessions", json!({ "customer_name": "Carl" })).await;
    assert_eq!(
        (status, body["permission"].as_str()),
        (403, Some("start_private_sessions"))
    );
}

#[tokio::test]
async fn only_admins_manage_groups_and_technicians() {
    let lens = TestServer::start().await;
    let tess = lens.tess().await;
    let (status, body) = get(&tess, "/api/admin/groups").await;
    assert_eq!((status, body["error"].as_str()), (403, Some("admin_only")));
    let (status, _) = post(&tess, "/api/admin/groups", json!({ "name": "Sneaky" })).await;
    assert_eq!(status, 403);

    make_admin(&lens, TESS_EMAIL).await;
    let (status, group) = post(
        &tess,
        "/api/admin/groups",
        json!({ "name": "Field", "permissions": ["start_lens_sessions", "start_private_sessions", "use_link"], "pin_ttl_secs": 120 }),
    )
    .await;
    assert_eq!(status, 201, "{group}");
    assert_eq!(group["pin_ttl_secs"], 120);
    let (status, _) = post(&tess, "/api/admin/groups", json!({ "name": "field" })).await;
    assert_eq!(status, 409, "names are unique regardless of case");

    let (status, invited) = post(
        &tess,
        "/api/admin/technicians",
        json!({ "email": "finn@example.com", "name": "Finn Field", "group_id": group["id"] }),
    )
    .await;
    assert_eq!(status, 201, "{invited}");
    let password = invited["password"]
        .as_str()
        .expect("a generated password, shown once");
    let finn = Technician::login(&lens.url, "finn@example.com", password).await;
    let (_, me) = get(&finn, "/api/me").await;
    assert_eq!(me["group"]["name"], "Field");

    // Finn's group has the link method only; his PIN lasts the group's two minutes.
    let before = lens_server::store::now_ms();
    let (status, created) = post(
        &finn,
        "/api/sessions",
        json!({ "customer_name": "C", "method": "link" }),
    )
    .await;
    let after = lens_server::store::now_ms();
    assert_eq!(status, 200, "{created}");
    let expires_at = created["expires_at"].as_i64().unwrap();
    assert!(
        (before + 120_000..=after + 120_000).contains(&expires_at),
        "the group's 120 s, not the server's 600 s"
    );
    let (status, body) = post(
        &finn,
        "/api/sessions",
        json!({ "customer_name": "C", "method": "pin" }),
    )
    .await;
    assert_eq!(
        (status, body["permission"].as_str()),
        (403, Some("use_pin"))
    );

    // Finn is no admin and his group may not invite.
    let (status, body) = post(
        &finn,
        "/api/admin/technicians",
        json!({ "email": "x@example.com", "name": "X" }),
    )
    .await;
    assert_eq!(
        (status, body["permission"].as_str()),
        (403, Some("invite_technicians"))
    );

    // An admin cannot lock themselves out.
    let tess_id = me_id(&tess).await;
    let response = tess
        .http
        .put(format!("{}/api/admin/technicians/{tess_id}", tess.base))
        .json(&json!({ "is_admin": false }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

async fn me_id(tech: &Technician) -> i64 {
    get(tech, "/api/me").await.1["id"].as_i64().unwrap()
}

#[tokio::test]
async fn on_hold_stops_media_keeps_the_session_and_start_resumes_it() {
    let lens = TestServer::start().await;
    let tess = lens.tess().await;
    let mut console = tess.console().await;
    let (pin, session_id) = tess.new_pin("Carl Customer").await;
    let mut customer = lens.customer_joins(&pin).await;
    customer.accept_eula().await;
    console
        .wait_for_status(&session_id, SessionStatus::Waiting)
        .await;
    console.start(&session_id).await;
    customer
        .socket
        .recv_until(|m| (m == ServerToCustomer::start()).then_some(()))
        .await;
    console
        .wait_for_status(&session_id, SessionStatus::Active)
        .await;

    console
        .send(&TechnicianMessage::Hold {
            session_id: session_id.clone(),
        })
        .await;
    customer
        .socket
        .recv_until(|m| (m == ServerToCustomer::Hold).then_some(()))
        .await;
    let row = console
        .wait_for_status(&session_id, SessionStatus::OnHold)
        .await;
    assert_eq!(row.end_reason, None, "on hold is not an end");

    // Start resumes: the customer is told to start its media again.
    console.start(&session_id).await;
    customer
        .socket
        .recv_until(|m| (m == ServerToCustomer::start()).then_some(()))
        .await;
    console
        .wait_for_status(&session_id, SessionStatus::Active)
        .await;

    let (status, log) = get(&tess, &format!("/api/sessions/{session_id}/log")).await;
    assert_eq!(status, 200);
    let events: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        [
            "created",
            "pin_issued",
            "customer_joined",
            "eula_accepted",
            "started",
            "on_hold",
            "resumed"
        ]
    );
    let entries = log.as_array().unwrap();
    assert_eq!(
        entries[1]["detail"],
        pin.as_str(),
        "the PIN is in the session log"
    );
    assert!(
        entries
            .windows(2)
            .all(|w| w[0]["at"].as_i64() <= w[1]["at"].as_i64())
    );
}

#[tokio::test]
async fn a_customer_waiting_too_long_is_timed_out_and_told_so() {
    let lens = TestServer::start_with(|config| {
        config.waiting_timeout = Duration::from_millis(300);
        config.timeout_sweep = Duration::from_millis(50);
    })
    .await;
    let tess = lens.tess().await;
    let mut console = tess.console().await;
    let (pin, session_id) = tess.new_pin("Carl Customer").await;
    let mut customer = lens.customer_joins(&pin).await;
    customer.accept_eula().await;

    let reason = customer
        .socket
        .recv_until(|m| match m {
            ServerToCustomer::End { reason } => Some(reason),
            _ => None,
        })
        .await;
    assert_eq!(reason, EndReason::WaitingTimedOut);
    let row = console
        .wait_for_status(&session_id, SessionStatus::TimedOut)
        .await;
    assert_eq!(row.end_reason, Some(EndReason::WaitingTimedOut));

    let (_, log) = get(&tess, &format!("/api/sessions/{session_id}/log")).await;
    let last = log.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["event"], "timed_out");
    assert_eq!(last["detail"], EndReason::WaitingTimedOut.describe());
}

#[tokio::test]
async fn a_session_on_hold_too_long_is_timed_out_by_its_groups_idle_timeout() {
    let lens =
        TestServer::start_with(|config| config.timeout_sweep = Duration::from_millis(50)).await;
    // The server default is an hour; the group says one second.
    let group = restrict_tess(&lens, Permission::ALL.to_vec()).await;
    groups::update(
        lens.server().db(),
        &group.id,
        &GroupChange {
            idle_timeout_secs: Some(Some(1)),
            ..GroupChange::default()
        },
    )
    .await
    .unwrap();
    let tess = lens.tess().await;
    let mut console = tess.console().await;
    let (pin, session_id) = tess.new_pin("Carl Customer").await;
    let mut customer = lens.customer_joins(&pin).await;
    customer.accept_eula().await;
    console
        .wait_for_status(&session_id, SessionStatus::Waiting)
        .await;
    console.start(&session_id).await;
    console
        .wait_for_status(&session_id, SessionStatus::Active)
        .await;
    console
        .send(&TechnicianMessage::Hold {
            session_id: session_id.clone(),
        })
        .await;
    console
        .wait_for_status(&session_id, SessionStatus::OnHold)
        .await;

    let reason = customer
        .socket
        .recv_until(|m| match m {
            ServerToCustomer::End { reason } => Some(reason),
            _ => None,
        })
        .await;
    assert_eq!(reason, EndReason::IdleTimedOut);
    let row = console
        .wait_for_status(&session_id, SessionStatus::TimedOut)
        .await;
    assert_eq!(row.end_reason, Some(EndReason::IdleTimedOut));
}

#[tokio::test]
async fn the_log_is_only_for_the_sessions_technician() {
    let lens = TestServer::start().await;
    lens.add_technician("otto@example.com", "Otto", "another good password")
        .await;
    let tess = lens.tess().await;
    let otto = Technician::login(&lens.url, "otto@example.com", "another good password").await;
    let (_, session_id) = tess.new_pin("Carl").await;
    let (status, _) = get(&otto, &format!("/api/sessions/{session_id}/log")).await;
    assert_eq!(status, 404);
    let (status, log) = get(&tess, &format!("/api/sessions/{session_id}/log")).await;
    assert_eq!(status, 200);
    assert_eq!(log[0]["event"], "created");
}
