//! Collaborating technicians (seed 004): Tess, leading an active session, invites more
//! technicians (a colleague of her organisation, an external technician); each redeems the
//! invitation once, by PIN or link, and gets a peer connection of their own from the
//! customer's phone through the server's relay. At most five technicians per session; what
//! the lead did not allow is refused and nothing reaches the customer; every refusal
//! changes nothing.

use std::time::Duration;

use crate::common::{
    CollaboratorSocket, Console, Customer, Socket, TESS_NAME, Technician, TestServer,
};
use lens_core::signal::{
    CameraControl, CollaboratorMessage, CollaboratorPermissions, CustomerMessage, EndReason,
    IceCandidate, ServerToCollaborator, ServerToCustomer, ServerToTechnician, SessionStatus,
};
use lens_server::accounts::groups::{self, GroupChange};
use lens_server::flow::access;
use serde_json::{Value, json};

const BOB: (&str, &str) = ("bob@example.com", "Bob Builder");
const CARL: (&str, &str) = ("carl@example.com", "Carl Colleague");
const XAVIER: &str = "Xavier External";

/// Tess's group may invite external technicians (the admin's External tab switches).
async fn allow_external(lens: &TestServer, pin_ttl_secs: Option<i64>) {
    groups::update(
        lens.server().db(),
        "default",
        &GroupChange {
            invite_approved: Some(true),
            invite_unlisted: Some(true),
            pin_ttl_secs: pin_ttl_secs.map(Some),
            ..GroupChange::default()
        },
    )
    .await
    .unwrap();
}

/// `POST /api/sessions/{id}/invitations` from `http` (the lead's or a collaborator's).
async fn invite(http: &reqwest::Client, base: &str, session_id: &str, body: Value) -> (u16, Value) {
    let response = http
        .post(format!("{base}/api/sessions/{session_id}/invitations"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn unlisted(name: &str, permissions: Value) -> Value {
    json!({
        "kind": "unlisted",
        "name": name,
        "permissions": permissions,
        "note": "The boiler in the cellar; check the pressure gauge.",
        "method": "pin",
    })
}

/// The invited technician's browser: it redeems an invitation and keeps the credential.
struct Invited {
    http: reqwest::Client,
    cookie: Option<String>,
}

impl Invited {
    fn new() -> Invited {
        Invited {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .build()
                .unwrap(),
            cookie: None,
        }
    }

    /// `POST /api/collaborate/join` with a PIN or a token; with `console`'s cookie if given.
    async fn redeem(
        &mut self,
        base: &str,
        body: Value,
        console: Option<&Technician>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .post(format!("{base}/api/collaborate/join"))
            .json(&body);
        if let Some(technician) = console {
            request = request.header("cookie", &technician.cookie);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        if let Some(set) = response.headers().get("set-cookie") {
            let set = set.to_str().unwrap();
            assert!(set.contains("HttpOnly"), "{set}");
            self.cookie = Some(set.split(';').next().unwrap().to_owned());
        }
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn console(&self, base: &str) -> CollaboratorSocket {
        Socket::connect_collaborator(base, self.cookie.as_deref().expect("redeemed"))
            .await
            .expect("collaborator socket")
    }

    async fn get(&self, base: &str, path: &str) -> (u16, Value) {
        let response = self
            .http
            .get(format!("{base}{path}"))
            .header("cookie", self.cookie.as_deref().unwrap_or_default())
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

/// Tess invites an unlisted technician by PIN, who redeems it and opens the console: their
/// socket (welcomed) and the customer's peer for them.
async fn external_joins(
    base: &str,
    tess: &Technician,
    customer: &mut Customer,
    session_id: &str,
    name: &str,
    permissions: Value,
) -> (Invited, CollaboratorSocket, String) {
    let (status, issued) = invite(&tess.http, base, session_id, unlisted(name, permissions)).await;
    assert_eq!(status, 201, "{issued}");
    let pin = issued["pin"].as_str().expect("a PIN").to_owned();
    assert_eq!(pin.len(), 6);
    let mut invited = Invited::new();
    let (status, body) = invited.redeem(base, json!({ "pin": pin }), None).await;
    assert_eq!(status, 200, "{body}");
    let mut socket = invited.console(base).await;
    assert!(matches!(
        socket.recv().await,
        ServerToCollaborator::Welcome { .. }
    ));
    let peer = customer
        .socket
        .recv_until(|m| match m {
            ServerToCustomer::CollaboratorJoined {
                peer,
                technician_name,
                ..
            } if technician_name == name => Some(peer),
            _ => None,
        })
        .await;
    (invited, socket, peer)
}

fn candidate(line: &str) -> IceCandidate {
    IceCandidate {
        candidate: line.into(),
        sdp_mid: Some("0".into()),
        sdp_mline_index: Some(0),
    }
}

/// Nothing reaches the customer for a moment.
async fn customer_hears_nothing(customer: &mut Customer) {
    if let Ok(message) = customer.socket.try_recv(Duration::from_millis(300)).await {
        panic!("the customer was told {message:?}");
    }
}

/// The lead's list row of the session (the console shows "Collaborating" when > 0).
async fn collaborators_in_list(console: &mut Console, session_id: &str, count: u32) {
    console
        .recv_until(|m| match m {
            ServerToTechnician::Sessions { sessions } => sessions
                .into_iter()
                .find(|s| {
                    s.id == session_id
                        && s.status == SessionStatus::Active
                        && s.collaborators == count
                })
                .map(|_| ()),
            _ => None,
        })
        .await;
}

#[tokio::test]
async fn an_external_technician_joins_by_pin_and_gets_a_connection_of_their_own() {
    let lens = TestServer::start().await;
    allow_external(&lens, None).await;
    let (tess, mut console, mut customer, session_id) = lens.active_session("Hanna Boiler").await;

    let (_xavier, mut xavier, peer) = external_joins(
        &lens.url,
        &tess,
        &mut customer,
        &session_id,
        XAVIER,
        json!({ "session_log": true }),
    )
    .await;

    // The lead sees who is in, and the session shows as Collaborating.
    let listed = console
        .recv_until(|m| match m {
            ServerToTechnician::Collaborators {
                session_id: id,
                collaborators,
            } if id == session_id && !collaborators.is_empty() => Some(collaborators),
            _ => None,
        })
        .await;
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].name.as_str(), listed[0].external),
        (XAVIER, true)
    );
    assert_eq!(listed[0].id, peer, "the lead's id is the customer's peer");
    assert!(listed[0].permissions.session_log && !listed[0].permissions.talk);
    collaborators_in_list(&mut console, &session_id, 1).await;

    // The customer's phone offers Xavier a connection of his own; the signalling goes both
    // ways with the right peer.
    customer
        .socket
        .send(&CustomerMessage::PeerOffer {
            peer: peer.clone(),
            sdp: "v=0 offer for xavier".into(),
        })
        .await;
    assert!(matches!(
        xavier.recv().await,
        ServerToCollaborator::Offer { sdp, .. } if sdp == "v=0 offer for xavier"
    ));
    customer
        .socket
        .send(&CustomerMessage::PeerCandidate {
            peer: peer.clone(),
            candidate: candidate("candidate:1 1 udp 1 127.0.0.1 5000 typ host"),
        })
        .await;
    assert_eq!(
        xavier.recv().await,
        ServerToCollaborator::Candidate {
            candidate: candidate("candidate:1 1 udp 1 127.0.0.1 5000 typ host")
        }
    );
    xavier
        .send(&CollaboratorMessage::Answer {
            sdp: "v=0 answer from xavier".into(),
        })
        .await;
    assert_eq!(
        customer.socket.recv().await,
        ServerToCustomer::PeerAnswer {
            peer: peer.clone(),
            sdp: "v=0 answer from xavier".into()
        }
    );
    xavier
        .send(&CollaboratorMessage::Candidate {
            candidate: candidate("candidate:2 1 udp 1 127.0.0.1 6000 typ host"),
        })
        .await;
    assert_eq!(
        customer.socket.recv().await,
        ServerToCustomer::PeerCandidate {
            peer: peer.clone(),
            candidate: candidate("candidate:2 1 udp 1 127.0.0.1 6000 typ host"),
        }
    );
    // The lead's own media signalling is untouched: nothing of Xavier's reached her.
    if let Ok(ServerToTechnician::Offer { .. } | ServerToTechnician::Candidate { .. }) =
        console.try_recv(Duration::from_millis(200)).await
    {
        panic!("the lead got a collaborator's signalling");
    }
    // An offer for a peer that does not exist goes nowhere.
    customer
        .socket
        .send(&CustomerMessage::PeerOffer {
            peer: "not-a-peer".into(),
            sdp: "v=0".into(),
        })
        .await;
    assert!(xavier.try_recv(Duration::from_millis(200)).await.is_err());

    // Without camera controls Xavier is refused, and nothing reaches the customer.
    xavier
        .send(&CollaboratorMessage::CameraControl {
            control: CameraControl::PauseVideo,
        })
        .await;
    assert!(matches!(
        xavier.recv().await,
        ServerToCollaborator::Refused { .. }
    ));
    customer_hears_nothing(&mut customer).await;

    // Tess gives him camera controls and talk: he is told, the customer replaces his
    // connection with one that receives his voice (same peer, talk now true).
    let response = tess
        .http
        .patch(format!(
            "{}/api/sessions/{session_id}/collaborators/{peer}",
            lens.url
        ))
        .json(&json!({ "permissions": { "camera_controls": true, "talk": true, "session_log": true } }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert!(matches!(
        xavier.recv().await,
        ServerToCollaborator::Permissions { permissions } if permissions.camera_controls && permissions.talk
    ));
    assert!(matches!(
        customer.socket.recv().await,
        ServerToCustomer::CollaboratorJoined { peer: p, talk: true, .. } if p == peer
    ));
    xavier
        .send(&CollaboratorMessage::CameraControl {
            control: CameraControl::PauseVideo,
        })
        .await;
    assert_eq!(
        customer.socket.recv().await,
        ServerToCustomer::CameraControl {
            control: CameraControl::PauseVideo
        }
    );
    // The customer's answer reaches the lead and the collaborator.
    customer
        .socket
        .send(&CustomerMessage::MediaState {
            video_paused: true,
            paused_by: Some(lens_core::signal::PausedBy::Technician),
        })
        .await;
    assert!(matches!(
        xavier.recv().await,
        ServerToCollaborator::MediaState {
            video_paused: true,
            ..
        }
    ));

    // Xavier leaves: the customer closes his connection, the session is Active again.
    xavier.send(&CollaboratorMessage::Leave).await;
    assert_eq!(
        customer.socket.recv().await,
        ServerToCustomer::CollaboratorLeft { peer: peer.clone() }
    );
    collaborators_in_list(&mut console, &session_id, 0).await;

    let log = tess.events(&session_id).await;
    let names: Vec<&str> = log.iter().map(|(e, _)| e.as_str()).collect();
    for expected in [
        "collaborator_invited",
        "collaborator_joined",
        "collaborator_permissions",
        "collaborator_left",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    let invited = log
        .iter()
        .find(|(e, _)| e == "collaborator_invited")
        .unwrap();
    assert_eq!(
        invited.1.as_deref(),
        Some("Tess Technician invited Xavier External (external, unlisted) by pin: session log")
    );
    assert!(log.iter().any(|(e, d)| e == "camera_control"
        && d.as_deref()
            == Some(&format!("{} (by {XAVIER})", CameraControl::PauseVideo.label()) as &str)));
}

#[tokio::test]
async fn a_colleague_joins_by_link_with_their_own_log_in_only() {
    let lens = TestServer::start().await;
    let (tess, mut console, mut customer, session_id) = lens.active_session("Ivo Link").await;
    let (bob_id, bob) = lens.colleague(BOB).await;
    let (_carl_id, carl) = lens.colleague(CARL).await;
    let mut bob_console = bob.console().await;

    // The dialog lists the organisation's technicians, signed-in first; the External tab's
    // options are off until the admin turns them on.
    let options: Value = tess
        .get(&format!("/api/sessions/{session_id}/invitations"))
        .await;
    assert_eq!(options["internal"][0]["name"], BOB.1);
    assert_eq!(options["internal"][0]["online"], true);
    assert_eq!(options["unlisted"], false);
    assert!(options.get("approved").is_none());
    assert_eq!(options["places_left"], 4);
    let (status, refused) = invite(
        &tess.http,
        &lens.url,
        &session_id,
        unlisted(XAVIER, json!({})),
    )
    .await;
    assert_eq!(
        (status, &refused["permission"]),
        (403, &json!("invite_unlisted"))
    );

    let (status, issued) = invite(
        &tess.http,
        &lens.url,
        &session_id,
        json!({ "kind": "internal", "technician_id": bob_id, "method": "link",
                "permissions": { "talk": true }, "note": "Second opinion?" }),
    )
    .await;
    assert_eq!(status, 201, "{issued}");
    let link = issued["link"].as_str().unwrap().to_owned();
    let token = link
        .split_once("/collaborate#")
        .expect("a collaborate link")
        .1
        .to_owned();
    assert_eq!(issued["notified"], 1);
    // Bob's console is told, with the same link.
    let told = bob_console
        .recv_until(|m| match m {
            ServerToTechnician::InvitedToCollaborate {
                from_technician,
                note,
                invitation_url,
                customer_name,
                ..
            } => Some((from_technician, note, invitation_url, customer_name)),
            _ => None,
        })
        .await;
    assert_eq!(
        told,
        (
            TESS_NAME.to_owned(),
            "Second opinion?".to_owned(),
            link.clone(),
            "Ivo Link".to_owned()
        )
    );

    // Neither a stranger nor another colleague can use Bob's invitation.
    let mut stranger = Invited::new();
    let (status, body) = stranger
        .redeem(&lens.url, json!({ "token": token }), None)
        .await;
    assert_eq!((status, &body["error"]), (401, &json!("sign_in_required")));
    let (status, body) = stranger
        .redeem(&lens.url, json!({ "token": token }), Some(&carl))
        .await;
    assert_eq!((status, &body["error"]), (403, &json!("wrong_technician")));
    assert!(stranger.cookie.is_none());

    let mut bobs_browser = Invited::new();
    let (status, body) = bobs_browser
        .redeem(&lens.url, json!({ "token": token }), Some(&bob))
        .await;
    assert_eq!(status, 200, "{body}");
    let mut socket = bobs_browser.console(&lens.url).await;
    assert_eq!(
        socket.recv().await,
        ServerToCollaborator::Welcome {
            session_id: session_id.clone(),
            customer_name: "Ivo Link".into(),
            lead_name: TESS_NAME.into(),
            note: "Second opinion?".into(),
            permissions: CollaboratorPermissions {
                talk: true,
                ..CollaboratorPermissions::default()
            },
            status: SessionStatus::Active,
        }
    );
    assert!(matches!(
        customer.socket.recv().await,
        ServerToCustomer::CollaboratorJoined { technician_name, talk: true, .. } if technician_name == BOB.1
    ));
    collaborators_in_list(&mut console, &session_id, 1).await;

    // Single use.
    let (status, body) = Invited::new()
        .redeem(&lens.url, json!({ "token": token }), Some(&bob))
        .await;
    assert_eq!((status, &body["error"]), (409, &json!("invitation_used")));

    // Bob is a collaborator here, not the lead: Tess's transfer, end and log stay hers.
    let response = bob
        .http
        .post(format!("{}/api/sessions/{session_id}/transfer", lens.url))
        .json(&json!({ "technician_id": bob_id }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let (status, _) = bobs_browser
        .get(&lens.url, &format!("/api/sessions/{session_id}/log"))
        .await;
    assert_eq!(status, 403, "Bob was not given the session log");
    let response = bob
        .http
        .get(format!("{}/api/sessions/{session_id}/log", lens.url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);

    // The customer's socket comes back: it is told about Bob again (after its Start).
    customer.socket.vanish();
    let mut again = Socket::<ServerToCustomer, CustomerMessage>::connect(
        &lens.url,
        &customer.joined.customer_token,
    )
    .await
    .unwrap();
    assert!(matches!(
        again.recv().await,
        ServerToCustomer::Welcome { .. }
    ));
    assert!(matches!(again.recv().await, ServerToCustomer::Start { .. }));
    assert!(matches!(
        again.recv().await,
        ServerToCustomer::CollaboratorJoined { technician_name, .. } if technician_name == BOB.1
    ));
}

#[tokio::test]
async fn a_fifth_technician_is_refused_until_a_place_is_free() {
    let lens = TestServer::start().await;
    allow_external(&lens, None).await;
    let (tess, mut console, mut customer, session_id) = lens.active_session("Jan Full").await;

    // Two join, two more are invited and have not used their PINs yet: four places taken.
    let (first, first_socket, first_peer) = external_joins(
        &lens.url,
        &tess,
        &mut customer,
        &session_id,
        "First Helper",
        json!({}),
    )
    .await;
    let (_second, _second_socket, _) = external_joins(
        &lens.url,
        &tess,
        &mut customer,
        &session_id,
        "Second Helper",
        json!({}),
    )
    .await;
    let mut pins = Vec::new();
    for name in ["Third Helper", "Fourth Helper"] {
        let (status, issued) = invite(
            &tess.http,
            &lens.url,
            &session_id,
            unlisted(name, json!({})),
        )
        .await;
        assert_eq!(status, 201, "{issued}");
        pins.push(issued["pin"].as_str().unwrap().to_owned());
    }
    let (status, refused) = invite(
        &tess.http,
        &lens.url,
        &session_id,
        unlisted("Fifth Helper", json!({})),
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(refused["error"], "too_many_technicians");
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("at most 5 technicians"),
        "{refused}"
    );
    let options: Value = tess
        .get(&format!("/api/sessions/{session_id}/invitations"))
        .await;
    assert_eq!(options["places_left"], 0);

    // The third and fourth take their seats. An invitation written past the limit (as a
    // racing writer could have) cannot be redeemed: the fifth seat is refused too.
    let mut helpers = Vec::new();
    for pin in &pins {
        let mut invited = Invited::new();
        let (status, body) = invited.redeem(&lens.url, json!({ "pin": pin }), None).await;
        assert_eq!(status, 200, "{body}");
        helpers.push(invited.console(&lens.url).await);
    }
    for _ in &pins {
        customer
            .socket
            .recv_until(|m| matches!(m, ServerToCustomer::CollaboratorJoined { .. }).then_some(()))
            .await;
    }
    let (past_limit, past_limit_pin) = (lens_server::tokens::random_id(), "424242");
    let now = lens_server::store::now_ms();
    let written = lens_server::store::invitations::insert_if_room(
        lens.server().db(),
        &lens_server::store::invitations::NewInvitation {
            id: &past_limit,
            session_id: &session_id,
            invited_by: TESS_NAME,
            kind: "unlisted",
            technician_id: None,
            approved_id: None,
            name: "Sixth Wheel",
            email: None,
            permissions: [0; 4],
            note: "",
            method: "pin",
            pin: Some(past_limit_pin),
            token_hash: None,
            now,
            expires_at: now + 60_000,
            remembered_since: now - 1,
        },
        10,
    )
    .await
    .unwrap();
    assert_eq!(written, lens_server::store::invitations::Inserted::Yes);
    let (status, body) = Invited::new()
        .redeem(&lens.url, json!({ "pin": past_limit_pin }), None)
        .await;
    assert_eq!(
        (status, &body["error"]),
        (409, &json!("too_many_technicians"))
    );
    customer_hears_nothing(&mut customer).await;
    lens_server::store::invitations::end(lens.server().db(), &past_limit, now)
        .await
        .unwrap();

    // Tess removes the first helper: their console is told and closed, the customer drops
    // the peer, their credential opens nothing any more, and a place is free again.
    let response = tess
        .http
        .delete(format!(
            "{}/api/sessions/{session_id}/collaborators/{first_peer}",
            lens.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let mut first_socket = first_socket;
    assert!(matches!(
        first_socket.recv().await,
        ServerToCollaborator::Ended { reason: None, .. }
    ));
    assert!(first_socket.closed().await.is_some());
    assert_eq!(
        customer.socket.recv().await,
        ServerToCustomer::CollaboratorLeft {
            peer: first_peer.clone()
        }
    );
    assert!(
        Socket::connect_collaborator(&lens.url, first.cookie.as_deref().unwrap())
            .await
            .is_err(),
        "a removed collaborator cannot come back"
    );
    collaborators_in_list(&mut console, &session_id, 3).await;
    let (status, issued) = invite(
        &tess.http,
        &lens.url,
        &session_id,
        unlisted("Fifth Helper", json!({})),
    )
    .await;
    assert_eq!(status, 201, "{issued}");
    assert!(
        tess.events(&session_id)
            .await
            .contains(&("collaborator_removed".into(), Some("First Helper".into())))
    );
}

#[tokio::test]
async fn hold_resume_transfer_and_end_reach_the_collaborators() {
    let lens = TestServer::start().await;
    allow_external(&lens, None).await;
    let (tess, mut console, mut customer, session_id) = lens.active_session("Kim Hold").await;
    let (_x, mut xavier, peer) = external_joins(
        &lens.url,
        &tess,
        &mut customer,
        &session_id,
        XAVIER,
        json!({}),
    )
    .await;

    // Hold: Xavier reads the status; his answers are refused while it lasts.
    console
        .send(&lens_core::signal::TechnicianMessage::Hold {
            session_id: session_id.clone(),
        })
        .await;
    assert_eq!(
        xavier.recv().await,
        ServerToCollaborator::Status {
            status: SessionStatus::OnHold
        }
    );
    xavier
        .send(&CollaboratorMessage::Answer { sdp: "v=0".into() })
        .await;
    assert!(matches!(
        xavier.recv().await,
        ServerToCollaborator::Refused { .. }
    ));
    // No invitation to a session on hold.
    let (status, body) = invite(
        &tess.http,
        &lens.url,
        &session_id,
        unlisted("Late", json!({})),
    )
    .await;
    assert_eq!(
        (status, &body["error"]),
        (409, &json!("session_not_active"))
    );

    // Resume: the customer starts again and is told about Xavier again, same peer.
    console.start(&session_id).await;
    assert_eq!(
        xavier.recv().await,
        ServerToCollaborator::Status {
            status: SessionStatus::Active
        }
    );
    customer
        .socket
        .recv_until(|m| matches!(m, ServerToCustomer::Hold).then_some(()))
        .await;
    assert!(matches!(
        customer.socket.recv().await,
        ServerToCustomer::Start { .. }
    ));
    assert!(matches!(
        customer.socket.recv().await,
        ServerToCustomer::CollaboratorJoined { peer: p, .. } if p == peer
    ));

    // A transfer ends the collaboration (the new technician did not invite anyone).
    let (bob_id, bob) = lens.colleague(BOB).await;
    let _bob_console = bob.console().await;
    let response = tess
        .http
        .post(format!("{}/api/sessions/{session_id}/transfer", lens.url))
        .json(&json!({ "technician_id": bob_id }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    match xavier.recv().await {
        ServerToCollaborator::Ended {
            reason: None,
            message,
        } => assert!(message.contains(BOB.1), "{message}"),
        other => panic!("expected ended, got {other:?}"),
    }
    assert!(xavier.closed().await.is_some());
}

#[tokio::test]
async fn the_end_of_the_session_ends_every_collaboration() {
    let lens = TestServer::start().await;
    allow_external(&lens, None).await;
    let (tess, mut console, mut customer, session_id) = lens.active_session("Lea End").await;
    let (xavier_browser, mut xavier, _) = external_joins(
        &lens.url,
        &tess,
        &mut customer,
        &session_id,
        XAVIER,
        json!({}),
    )
    .await;
    let (status, issued) = invite(
        &tess.http,
        &lens.url,
        &session_id,
        unlisted("Unused", json!({})),
    )
    .await;
    assert_eq!(status, 201);
    let unused_pin = issued["pin"].as_str().unwrap().to_owned();

    console
        .send(&lens_core::signal::TechnicianMessage::End {
            session_id: session_id.clone(),
        })
        .await;
    assert_eq!(
        xavier.recv().await,
        ServerToCollaborator::Ended {
            reason: Some(EndReason::TechnicianEnded),
            message: EndReason::TechnicianEnded.describe().into(),
        }
    );
    assert!(xavier.closed().await.is_some());
    // The invitation died with the session; the seat too.
    let (status, body) = Invited::new()
        .redeem(&lens.url, json!({ "pin": unused_pin }), None)
        .await;
    assert_eq!((status, &body["error"]), (410, &json!("already_ended")));
    assert!(
        Socket::connect_collaborator(&lens.url, xavier_browser.cookie.as_deref().unwrap())
            .await
            .is_err()
    );
}

#[tokio::test]
async fn refused_invitations_and_requests_change_nothing() {
    let lens = TestServer::start().await;
    allow_external(&lens, None).await;
    let (tess, _console, mut customer, session_id) = lens.active_session("Mo Refusals").await;
    // From now on, PINs of Tess's group live one second.
    allow_external(&lens, Some(1)).await;

    // Bad input is refused before anything is written.
    for (body, code) in [
        (
            json!({ "kind": "unlisted", "name": "", "method": "pin" }),
            "invalid_name",
        ),
        (
            json!({ "kind": "unlisted", "name": "N", "method": "pin", "note": "x".repeat(501) }),
            "invalid_note",
        ),
        (
            json!({ "kind": "unlisted", "name": "N", "method": "email" }),
            "invalid_email_address",
        ),
        (
            json!({ "kind": "approved", "approved_id": "nobody", "method": "pin" }),
            "no_such_technician",
        ),
        (
            json!({ "kind": "internal", "technician_id": 999, "method": "pin" }),
            "no_such_technician",
        ),
    ] {
        let (status, refused) = invite(&tess.http, &lens.url, &session_id, body).await;
        assert_eq!(refused["error"], code, "{status} {refused}");
    }

    // An expired invitation.
    let (_, issued) = invite(
        &tess.http,
        &lens.url,
        &session_id,
        unlisted("Slow", json!({})),
    )
    .await;
    let expired_pin = issued["pin"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let (status, body) = Invited::new()
        .redeem(&lens.url, json!({ "pin": expired_pin }), None)
        .await;
    assert_eq!(
        (status, &body["error"]),
        (410, &json!("invitation_expired"))
    );

    // Namespaces: the customer's PIN is no invitation, an invitation PIN joins no session.
    let (other_pin, _) = tess.new_pin("Somebody Else").await;
    let (status, body) = Invited::new()
        .redeem(&lens.url, json!({ "pin": other_pin }), None)
        .await;
    assert_eq!(
        (status, &body["error"]),
        (404, &json!("invitation_not_found"))
    );
    let (_, issued) = invite(
        &tess.http,
        &lens.url,
        &session_id,
        unlisted("Fresh", json!({})),
    )
    .await;
    let invitation_pin = issued["pin"].as_str().unwrap().to_owned();
    let (status, _) = lens.join(&invitation_pin).await;
    assert_eq!(status, 404);

    // A collaborator without permissions tries the lead's requests.
    let mut fresh = Invited::new();
    let (status, body) = fresh
        .redeem(&lens.url, json!({ "pin": invitation_pin }), None)
        .await;
    assert_eq!(status, 200, "{body}");
    let mut socket = fresh.console(&lens.url).await;
    assert!(matches!(
        socket.recv().await,
        ServerToCollaborator::Welcome { .. }
    ));
    let _ = customer.socket.recv().await; // collaborator_joined
    // ...an invitation, the log (403), a transfer (no console log-in: 401)...
    let (status, body) = invite(
        &fresh.http,
        &lens.url,
        &session_id,
        unlisted("Friend", json!({})),
    )
    .await;
    assert_eq!((status, &body["permission"]), (403, &json!("collaborator")));
    let (status, _) = fresh
        .get(&lens.url, &format!("/api/sessions/{session_id}/log"))
        .await;
    assert_eq!(status, 403);
    let response = fresh
        .http
        .post(format!("{}/api/sessions/{session_id}/transfer", lens.url))
        .json(&json!({ "technician_id": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    // ...the lead's socket messages (no such type here), and the permission change.
    socket
        .send_raw(&format!(
            r#"{{"v":1,"type":"end","session_id":"{session_id}"}}"#
        ))
        .await;
    assert!(matches!(
        socket.recv().await,
        ServerToCollaborator::Refused { .. }
    ));
    let response = fresh
        .http
        .patch(format!(
            "{}/api/sessions/{session_id}/collaborators/x",
            lens.url
        ))
        .json(&json!({ "permissions": { "invite": true } }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    customer_hears_nothing(&mut customer).await;

    // Nothing changed: still Tess's, still active, one collaborator, no new invitation.
    let sessions: Vec<Value> = tess.get("/api/sessions").await;
    let row = sessions.iter().find(|s| s["id"] == session_id).unwrap();
    assert_eq!(
        (&row["status"], &row["collaborators"]),
        (&json!("active"), &json!(1))
    );
    let log = tess.events(&session_id).await;
    assert_eq!(
        log.iter()
            .filter(|(e, _)| e == "collaborator_invited")
            .count(),
        2,
        "{log:?}"
    );
    assert!(!log.iter().any(|(e, _)| e == "transferred" || e == "ended"));

    // With the lead's permission the same collaborator reads the log.
    let mut console = tess.console().await;
    let peer = console
        .recv_until(|m| match m {
            ServerToTechnician::Collaborators { collaborators, .. } => {
                collaborators.first().map(|c| c.id.clone())
            }
            _ => None,
        })
        .await;
    let response = tess
        .http
        .patch(format!(
            "{}/api/sessions/{session_id}/collaborators/{peer}",
            lens.url
        ))
        .json(&json!({ "permissions": { "session_log": true, "invite": true } }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert!(matches!(
        socket.recv().await,
        ServerToCollaborator::Permissions { permissions } if permissions.invite && permissions.session_log
    ));
    let (status, log) = fresh
        .get(&lens.url, &format!("/api/sessions/{session_id}/log"))
        .await;
    assert_eq!(status, 200, "{log}");
    // ...and, allowed to invite, invites a friend into this session (never another).
    let (status, issued) = invite(
        &fresh.http,
        &lens.url,
        &session_id,
        unlisted("Friend", json!({})),
    )
    .await;
    assert_eq!(status, 201, "{issued}");
    let (_, other_session) = tess.new_pin("Not Theirs").await;
    let (status, _) = invite(
        &fresh.http,
        &lens.url,
        &other_session,
        unlisted("Friend", json!({})),
    )
    .await;
    assert_eq!(status, 401, "a seat opens only its own session");
    // An outsider allowed to invite never sees the organisation's technicians, nor invites one.
    let (bob, _) = lens.colleague(("bob@example.com", "Bob Builder")).await;
    let (_, lead_view) = tess
        .http
        .get(format!(
            "{}/api/sessions/{session_id}/invitations",
            lens.url
        ))
        .send()
        .await
        .map(|r| (r.status().as_u16(), r))
        .unwrap();
    let lead_view: Value = lead_view.json().await.unwrap();
    assert_eq!(
        lead_view["internal"][0]["name"],
        json!("Bob Builder"),
        "{lead_view}"
    );
    let (status, options) = fresh
        .get(
            &lens.url,
            &format!("/api/sessions/{session_id}/invitations"),
        )
        .await;
    assert_eq!(status, 200, "{options}");
    assert_eq!(options["internal"], json!([]), "{options}");
    let (status, refused) = invite(
        &fresh.http,
        &lens.url,
        &session_id,
        json!({ "kind": "internal", "technician_id": bob, "method": "pin" }),
    )
    .await;
    assert_eq!(
        (status, &refused["error"]),
        (403, &json!("permission_denied"))
    );
    let log = tess.events(&session_id).await;
    assert!(
        log.contains(&(
            "collaborator_invited".into(),
            Some("Fresh invited Friend (external, unlisted) by pin: watch only".into())
        )),
        "{log:?}"
    );
}

/// An SMTP relay on loopback that takes every message and hands its text to the test.
async fn accepting_relay() -> (String, tokio::sync::mpsc::Receiver<String>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (mails, received) = tokio::sync::mpsc::channel(4);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let mails = mails.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 relay.example ESMTP\r\n").await;
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(text) = &mut data {
                        if line == "." {
                            let _ = mails.send(std::mem::take(text)).await;
                            data = None;
                            let _ = write.write_all(b"250 queued\r\n").await;
                        } else {
                            text.push_str(&line);
                            text.push('\n');
                        }
                        continue;
                    }
                    let verb = line.get(..4).unwrap_or_default().to_ascii_uppercase();
                    let answer: &[u8] = match verb.as_str() {
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go on\r\n"
                        }
                        "QUIT" => b"221 bye\r\n",
                        _ => b"250 ok\r\n",
                    };
                    let _ = write.write_all(answer).await;
                    if verb == "QUIT" {
                        return;
                    }
                }
            });
        }
    });
    (format!("smtp://{address}"), received)
}

#[tokio::test]
async fn an_approved_technician_is_invited_by_an_email_the_server_sends() {
    let (relay, mut mails) = accepting_relay().await;
    let lens = TestServer::start_with(|config| {
        config.smtp =
            Some(lens_server::email::SmtpConfig::new(&relay, "lens@example.com").unwrap());
    })
    .await;
    let (tess, _console, mut customer, session_id) = lens.active_session("Pia Pump").await;
    let tess_id = access::id_by_email(lens.server().db(), crate::common::TESS_EMAIL)
        .await
        .unwrap()
        .unwrap();
    access::assign(lens.server().db(), tess_id, None, Some(true))
        .await
        .unwrap();

    // The admin keeps the approved list and turns the External tab's option on.
    let approve = |body: Value| {
        let http = tess.http.clone();
        let url = format!("{}/api/admin/approved-technicians", lens.url);
        async move {
            let response = http.post(url).json(&body).send().await.unwrap();
            let status = response.status().as_u16();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (status, vera) =
        approve(json!({ "name": "Vera Vendor", "email": "vera@vendor.example" })).await;
    assert_eq!(status, 201, "{vera}");
    let (status, again) = approve(json!({ "name": "Vera", "email": "VERA@vendor.example" })).await;
    assert_eq!((status, &again["error"]), (409, &json!("already_approved")));
    let (status, bad) = approve(json!({ "name": "Nobody", "email": "not an address" })).await;
    assert_eq!(
        (status, &bad["error"]),
        (400, &json!("invalid_email_address"))
    );
    let listed: Vec<Value> = tess.get("/api/admin/approved-technicians").await;
    assert_eq!(listed, vec![vera.clone()]);
    let response = tess
        .http
        .put(format!("{}/api/admin/groups/default", lens.url))
        .json(&json!({ "invite_approved": true }))
        .send()
        .await
        .unwrap();
    let group: Value = response.json().await.unwrap();
    assert_eq!(
        (
            group["invite_approved"].clone(),
            group["invite_unlisted"].clone()
        ),
        (json!(true), json!(false))
    );
    let options: Value = tess
        .get(&format!("/api/sessions/{session_id}/invitations"))
        .await;
    assert_eq!(options["approved"], json!([vera.clone()]));
    assert_eq!(options["email_relay"], true);

    // By e-mail from the technician's own client: the text comes back, nothing is sent.
    let (status, own_client) = invite(
        &tess.http,
        &lens.url,
        &session_id,
        json!({ "kind": "approved", "approved_id": vera["id"], "method": "email", "note": "Pump P2" }),
    )
    .await;
    assert_eq!(status, 201, "{own_client}");
    assert_eq!(own_client["email_to"], "vera@vendor.example");
    assert!(
        own_client["email"]["text"]
            .as_str()
            .unwrap()
            .contains("/collaborate#")
    );
    assert!(mails.try_recv().is_err());

    // By e-mail the server sends: the link in the mail joins the session.
    let (status, sent) = invite(
        &tess.http,
        &lens.url,
        &session_id,
        json!({ "kind": "approved", "approved_id": vera["id"], "method": "email",
                "send_email": true, "note": "Pump P2", "permissions": { "talk": true } }),
    )
    .await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(sent["emailed_to"], "vera@vendor.example");
    let mail = tokio::time::timeout(Duration::from_secs(5), mails.recv())
        .await
        .expect("the relay got the mail")
        .unwrap();
    let unfolded = mail.replace("=\n", "");
    let token = unfolded
        .split("/collaborate#")
        .nth(1)
        .expect("the link is in the mail")
        .chars()
        .take(64)
        .collect::<String>();
    assert!(
        unfolded.contains("Tess Technician") && unfolded.contains("Pump P2"),
        "{mail}"
    );
    let mut vera_browser = Invited::new();
    let (status, body) = vera_browser
        .redeem(&lens.url, json!({ "token": token }), None)
        .await;
    assert_eq!(status, 200, "{body}");
    let mut socket = vera_browser.console(&lens.url).await;
    assert!(matches!(
        socket.recv().await,
        ServerToCollaborator::Welcome { permissions, .. } if permissions.talk
    ));
    assert!(matches!(
        customer.socket.recv().await,
        ServerToCustomer::CollaboratorJoined { technician_name, talk: true, .. } if technician_name == "Vera Vendor"
    ));
    assert!(
        tess.events(&session_id)
            .await
            .contains(&("email_sent".into(), Some("vera@vendor.example".into())))
    );

    // Off the list again.
    let remove = format!(
        "{}/api/admin/approved-technicians/{}",
        lens.url,
        vera["id"].as_str().unwrap()
    );
    assert_eq!(
        tess.http.delete(&remove).send().await.unwrap().status(),
        204
    );
    assert_eq!(
        tess.http.delete(&remove).send().await.unwrap().status(),
        404
    );
}

#[tokio::test]
async fn after_a_restart_a_collaborator_comes_back_and_an_empty_seat_is_given_up() {
    let dir_holder = TestServer::start().await;
    let database_url =
        crate::common::database::fresh_database_url(&dir_holder.dir, "restart.db").await;
    let config = |url: &str| {
        let mut config = lens_server::Config::new("127.0.0.1:0".parse().unwrap(), url.to_owned());
        config.reconnect_grace = Duration::from_secs(2);
        config
    };
    let first = lens_server::start(config(&database_url)).await.unwrap();
    lens_server::accounts::technicians::upsert(
        first.db(),
        crate::common::TESS_EMAIL,
        TESS_NAME,
        crate::common::TESS_PASSWORD,
    )
    .await
    .unwrap();
    groups::update(
        first.db(),
        "default",
        &GroupChange {
            invite_unlisted: Some(true),
            ..GroupChange::default()
        },
    )
    .await
    .unwrap();
    let base = first.url();
    let tess = Technician::login(
        &base,
        crate::common::TESS_EMAIL,
        crate::common::TESS_PASSWORD,
    )
    .await;
    let mut console = tess.console().await;
    let (pin, session_id) = tess.new_pin("Rita Restart").await;
    let response = reqwest::Client::new()
        .post(format!("{base}/api/customer/join"))
        .json(&json!({ "pin": pin }))
        .send()
        .await
        .unwrap();
    let joined: lens_core::signal::JoinResponse = response.json().await.unwrap();
    let mut customer = Customer {
        socket: Socket::connect(&base, &joined.customer_token)
            .await
            .unwrap(),
        joined,
    };
    customer.socket.recv().await;
    customer.accept_eula().await;
    console
        .wait_for_status(&session_id, SessionStatus::Waiting)
        .await;
    console.start(&session_id).await;
    customer.socket.recv().await;
    let (stays, mut stays_socket, _) = external_joins(
        &base,
        &tess,
        &mut customer,
        &session_id,
        "Stays Around",
        json!({}),
    )
    .await;
    let (_goes, _goes_socket, _) = external_joins(
        &base,
        &tess,
        &mut customer,
        &session_id,
        "Goes Away",
        json!({}),
    )
    .await;

    first.shutdown().await.unwrap();
    assert!(stays_socket.closed().await.is_some());
    let second = lens_server::start(config(&database_url)).await.unwrap();
    let base = second.url();
    // The customer and one collaborator come back; the other never does.
    let mut customer_socket = Socket::<ServerToCustomer, CustomerMessage>::connect(
        &base,
        &customer.joined.customer_token,
    )
    .await
    .unwrap();
    assert!(matches!(
        customer_socket.recv().await,
        ServerToCustomer::Welcome { .. }
    ));
    let mut back = Socket::connect_collaborator(&base, stays.cookie.as_deref().unwrap())
        .await
        .unwrap();
    assert!(matches!(
        back.recv().await,
        ServerToCollaborator::Welcome { .. }
    ));
    customer_socket
        .recv_until(|m| match m {
            ServerToCustomer::CollaboratorJoined {
                technician_name, ..
            } => (technician_name == "Stays Around").then_some(()),
            _ => None,
        })
        .await;
    // After the grace period the empty seat is given up: a place is free again.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let tess = Technician::login(
        &base,
        crate::common::TESS_EMAIL,
        crate::common::TESS_PASSWORD,
    )
    .await;
    let options: Value = tess
        .get(&format!("/api/sessions/{session_id}/invitations"))
        .await;
    assert_eq!(options["places_left"], 3);
    let log = tess.events(&session_id).await;
    assert!(
        log.contains(&("collaborator_left".into(), Some("Goes Away".into()))),
        "{log:?}"
    );
    assert!(
        !log.contains(&("collaborator_left".into(), Some("Stays Around".into()))),
        "{log:?}"
    );
    second.shutdown().await.unwrap();
}
