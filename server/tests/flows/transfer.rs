//! Transfer (seed 004): Tess hands a live session to Bob, a colleague signed in to his
//! console; the customer keeps the session (no new PIN, no second licence) and waits on
//! hold until Bob continues it. Every refusal changes nothing, and two transfers racing
//! for one session cannot both win.

use std::time::Duration;

use crate::common::{Console, Customer, TESS_NAME, Technician, TestServer};
use lens_core::signal::{ServerToCustomer, ServerToTechnician, SessionStatus, TechnicianMessage};
use lens_server::accounts::groups::{self, GroupChange, Permission};
use lens_server::flow::access;
use serde_json::{Value, json};

const BOB: (&str, &str) = ("bob@example.com", "Bob Builder");
const CARL: (&str, &str) = ("carl@example.com", "Carl Colleague");

async fn transfer(tech: &Technician, session_id: &str, to: Value) -> (u16, Value) {
    let response = tech
        .http
        .post(format!("{}/api/sessions/{session_id}/transfer", tech.base))
        .json(&json!({ "technician_id": to }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn targets(tech: &Technician, session_id: &str) -> Vec<Value> {
    tech.get(&format!("/api/sessions/{session_id}/transfer"))
        .await
}

/// Nothing reached the customer and the session is still Tess's and Active.
async fn nothing_changed(tess: &Technician, customer: &mut Customer, session_id: &str) {
    if let Ok(message) = customer.socket.try_recv(Duration::from_millis(300)).await {
        panic!("the customer was told {message:?}");
    }
    let sessions: Vec<Value> = tess.get("/api/sessions").await;
    let row = sessions
        .iter()
        .find(|s| s["id"] == session_id)
        .expect("still in Tess's list");
    assert_eq!(row["status"], "active");
}

#[tokio::test]
async fn a_live_session_goes_to_a_colleague_who_continues_it() {
    let lens = TestServer::start().await;
    let (tess, mut tess_console, mut customer, session_id) =
        lens.active_session("Hanna Transfer").await;
    let (bob_id, bob) = lens.colleague(BOB).await;
    let mut bob_console = bob.console().await;

    let listed = targets(&tess, &session_id).await;
    assert_eq!(listed.len(), 1, "Tess herself is not listed: {listed:?}");
    assert_eq!(listed[0]["name"], BOB.1);
    assert_eq!(listed[0]["online"], true);
    assert!(listed[0].get("unavailable").is_none(), "{listed:?}");

    let (status, body) = transfer(&tess, &session_id, json!(bob_id)).await;
    assert_eq!((status, &body["technician_name"]), (200, &json!(BOB.1)));

    // The customer stops its media and reads Bob's name; no new PIN, no licence again.
    assert_eq!(
        customer.socket.recv().await,
        ServerToCustomer::Transferred {
            technician_name: BOB.1.into()
        }
    );
    // Bob is told who sent it, and has it on hold in his list; Tess no longer has it.
    let told = bob_console
        .recv_until(|m| match m {
            ServerToTechnician::SessionTransferred {
                session_id,
                customer_name,
                from_technician,
            } => Some((session_id, customer_name, from_technician)),
            _ => None,
        })
        .await;
    assert_eq!(
        told,
        (
            session_id.clone(),
            "Hanna Transfer".into(),
            TESS_NAME.into()
        )
    );
    bob_console
        .wait_for_status(&session_id, SessionStatus::OnHold)
        .await;
    tess_console
        .recv_until(|m| match m {
            ServerToTechnician::Sessions { sessions } => {
                sessions.iter().all(|s| s.id != session_id).then_some(())
            }
            _ => None,
        })
        .await;

    // Tess's old console cannot reach the customer any more.
    tess_console
        .send(&TechnicianMessage::Answer {
            session_id: session_id.clone(),
            sdp: "v=0".into(),
        })
        .await;
    assert_eq!(
        tess_console.refusal().await,
        "There is no such session in your list."
    );

    // A customer whose socket comes back meanwhile is told who has the session now.
    customer.socket.vanish();
    let mut again =
        crate::common::Socket::<ServerToCustomer, lens_core::signal::CustomerMessage>::connect(
            &lens.url,
            &customer.joined.customer_token,
        )
        .await
        .unwrap();
    assert_eq!(
        again.recv().await,
        ServerToCustomer::Welcome {
            session_id: session_id.clone(),
            status: SessionStatus::OnHold,
            technician_name: Some(BOB.1.into()),
        }
    );
    customer.socket = again;

    // Bob's Start continues the same session.
    bob_console.start(&session_id).await;
    assert!(matches!(
        customer.socket.recv().await,
        ServerToCustomer::Start { .. }
    ));
    bob_console
        .wait_for_status(&session_id, SessionStatus::Active)
        .await;
    let log = bob.log(&session_id).await;
    let events: Vec<&str> = log.iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(
        events[events.len() - 3..],
        ["started", "transferred", "resumed"]
    );
    let transferred = log.iter().find(|e| e["event"] == "transferred").unwrap();
    assert_eq!(transferred["detail"], "From Tess Technician to Bob Builder");
    // The log follows the session: Tess's request for it now reads as no such session.
    let response = tess
        .http
        .get(format!("{}/api/sessions/{session_id}/log", tess.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn a_transfer_nobody_may_take_is_refused_and_changes_nothing() {
    let lens = TestServer::start().await;
    let (tess, _tess_console, mut customer, session_id) = lens.active_session("Iris Refused").await;
    let tess_id = access::id_by_email(lens.server().db(), crate::common::TESS_EMAIL)
        .await
        .unwrap()
        .unwrap();

    // Carl has an account but no console open.
    let (carl_id, _carl) = lens.colleague(CARL).await;
    // Dora's group may not take Lens sessions.
    let (dora_id, dora) = lens.colleague(("dora@example.com", "Dora Denied")).await;
    let _dora_console = dora.console().await;
    let no_lens = groups::create(
        lens.server().db(),
        &GroupChange {
            name: Some("Phones only".into()),
            permissions: Some(vec![Permission::UsePin]),
            ..GroupChange::default()
        },
    )
    .await
    .unwrap();
    access::assign(lens.server().db(), dora_id, Some(&no_lens.id), None)
        .await
        .unwrap();

    let refusals: [(Value, &str); 5] = [
        // An external technician has no account here: whatever id they are given.
        (json!(9_999), "never to an external technician"),
        (json!(tess_id), "already yours"),
        (
            json!(carl_id),
            "Carl Colleague is not signed in to the console.",
        ),
        (
            json!(dora_id),
            "Dora Denied is not allowed to take Lens sessions.",
        ),
        (json!(-1), "never to an external technician"),
    ];
    for (to, sentence) in refusals {
        let (status, body) = transfer(&tess, &session_id, to.clone()).await;
        assert_eq!(status, 409, "to {to}: {body}");
        assert_eq!(body["error"], "transfer_refused");
        let message = body["message"].as_str().unwrap();
        assert!(message.contains(sentence), "to {to}: {message}");
        nothing_changed(&tess, &mut customer, &session_id).await;
    }
    // What the dialog lists says the same.
    let listed = targets(&tess, &session_id).await;
    let why = |name: &str| {
        listed.iter().find(|t| t["name"] == name).unwrap()["unavailable"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        why(CARL.1),
        "Carl Colleague is not signed in to the console."
    );
    assert_eq!(
        why("Dora Denied"),
        "Dora Denied is not allowed to take Lens sessions."
    );

    // Not a number, or no body at all: a bad request, nothing changes.
    let (status, _) = transfer(&tess, &session_id, json!("bob")).await;
    assert_eq!(status, 422);
    nothing_changed(&tess, &mut customer, &session_id).await;

    // Bob, busy with his own customer, cannot take a second active session.
    let (bob_id, bob) = lens.colleague(BOB).await;
    let mut bob_console = bob.console().await;
    let (pin, bobs_session) = bob.new_pin("Bob's own customer").await;
    let mut bobs_customer = lens.customer_joins(&pin).await;
    bobs_customer.accept_eula().await;
    bob_console
        .wait_for_status(&bobs_session, SessionStatus::Waiting)
        .await;
    bob_console.start(&bobs_session).await;
    bob_console
        .wait_for_status(&bobs_session, SessionStatus::Active)
        .await;
    let (status, body) = transfer(&tess, &session_id, json!(bob_id)).await;
    assert_eq!(status, 409);
    assert_eq!(
        body["message"],
        "Bob Builder already has an active session."
    );
    nothing_changed(&tess, &mut customer, &session_id).await;

    // Bob cannot move Tess's session, and a PIN nobody redeemed cannot be transferred.
    let (status, _) = transfer(&bob, &session_id, json!(tess_id)).await;
    assert_eq!(status, 404);
    let (_pin, unredeemed) = tess.new_pin("Not joined yet").await;
    let (status, body) = transfer(&tess, &unredeemed, json!(carl_id)).await;
    assert_eq!(status, 409, "{body}");
    nothing_changed(&tess, &mut customer, &session_id).await;
}

#[tokio::test]
async fn two_transfers_racing_for_one_session_cannot_both_win() {
    let lens = TestServer::start().await;
    let (tess, _tess_console, mut customer, session_id) = lens.active_session("Jack Race").await;
    let (bob_id, bob) = lens.colleague(BOB).await;
    let (carl_id, carl) = lens.colleague(CARL).await;
    let (_bob_console, _carl_console): (Console, Console) =
        (bob.console().await, carl.console().await);

    let (to_bob, to_carl) = tokio::join!(
        transfer(&tess, &session_id, json!(bob_id)),
        transfer(&tess, &session_id, json!(carl_id)),
    );
    // The loser finds the session already moved (no longer in Tess's list) or its
    // conditional write changed nothing.
    let mut statuses = [to_bob.0, to_carl.0];
    statuses.sort_unstable();
    assert!(
        statuses == [200, 404] || statuses == [200, 409],
        "exactly one wins: {to_bob:?} {to_carl:?}"
    );
    let winner = if to_bob.0 == 200 { BOB.1 } else { CARL.1 };
    assert_eq!(
        customer.socket.recv().await,
        ServerToCustomer::Transferred {
            technician_name: winner.into()
        }
    );
    assert!(
        customer
            .socket
            .try_recv(Duration::from_millis(300))
            .await
            .is_err(),
        "the customer was told once"
    );

    // Once ended, a session cannot be transferred either.
    let owner = if to_bob.0 == 200 { &bob } else { &carl };
    let other = if to_bob.0 == 200 { carl_id } else { bob_id };
    let mut owner_console = owner.console().await;
    owner_console
        .send(&TechnicianMessage::End {
            session_id: session_id.clone(),
        })
        .await;
    owner_console
        .wait_for_status(&session_id, SessionStatus::Closed)
        .await;
    let (status, body) = transfer(owner, &session_id, json!(other)).await;
    assert_eq!((status, &body["error"]), (409, &json!("already_ended")));
    drop(tess);
}
