//! Seed 000 over the two WebSockets: the customer accepts the EULA and appears Waiting in
//! the technician's list; the technician clicks Start; offer, answer and candidates pass
//! through; either side ends. Plus what happens on declines, refusals, bad frames and lost
//! connections.

use std::time::Duration;

use crate::common;
use crate::common::{Console, Customer, Technician, TestServer};
use lens_core::signal::{
    CustomerMessage, EndReason, IceCandidate, MAX_MESSAGE_BYTES, ServerToCustomer,
    ServerToTechnician, SessionStatus, TechnicianMessage,
};

/// Tess with her console open, and a customer who joined with her PIN and accepted the EULA.
async fn waiting_customer(lens: &TestServer, name: &str) -> (Technician, Console, Customer) {
    let tess = lens.tess().await;
    let mut console = tess.console().await;
    let (pin, session_id) = tess.new_pin(name).await;
    let mut customer = lens.customer_joins(&pin).await;
    customer.accept_eula().await;
    console
        .wait_for_status(&session_id, SessionStatus::Waiting)
        .await;
    (tess, console, customer)
}

fn candidate(text: &str) -> IceCandidate {
    IceCandidate {
        candidate: text.into(),
        sdp_mid: Some("0".into()),
        sdp_mline_index: Some(0),
    }
}

#[tokio::test]
async fn accepting_the_eula_puts_the_customer_in_the_list_as_waiting() {
    let lens = TestServer::start().await;
    let tess = lens.tess().await;
    let mut console = tess.console().await;
    let (pin, session_id) = tess.new_pin("Carl Customer").await;
    console
        .wait_for_status(&session_id, SessionStatus::Pending)
        .await;

    let mut customer = lens.customer_joins(&pin).await;
    // Joined but not yet accepted: still Pending, and the used PIN is no longer shown.
    let row = console
        .wait_for_status(&session_id, SessionStatus::Pending)
        .await;
    assert_eq!(row.pin, None);

    customer.accept_eula().await;
    let row = console
        .wait_for_status(&session_id, SessionStatus::Waiting)
        .await;
    assert_eq!(row.customer_name, "Carl Customer");
    assert_eq!(row.end_reason, None);
}

#[tokio::test]
async fn declining_the_eula_closes_the_session_and_the_technician_sees_why() {
    let lens = TestServer::start().await;
    let tess = lens.tess().await;
    let mut console = tess.console().await;
    let (pin, session_id) = tess.new_pin("Dora Decliner").await;
    let mut customer = lens.customer_joins(&pin).await;

    let version = customer.joined.eula.version.clone();
    customer
        .socket
        .send(&CustomerMessage::EulaDeclined { version })
        .await;
    assert_eq!(
        customer.socket.recv().await,
        ServerToCustomer::End {
            reason: EndReason::EulaDeclined
        }
    );
    customer.socket.closed().await;

    let row = console
        .wait_for_status(&session_id, SessionStatus::Closed)
        .await;
    assert_eq!(row.end_reason, Some(EndReason::EulaDeclined));
}

#[tokio::test]
async fn an_old_eula_version_is_not_accepted() {
    let lens = TestServer::start().await;
    let tess = lens.tess().await;
    let (pin, _) = tess.new_pin("Olga Old").await;
    let mut customer = lens.customer_joins(&pin).await;
    customer
        .socket
        .send(&CustomerMessage::EulaAccepted {
            version: "not-the-current-one".into(),
        })
        .await;
    match customer.socket.recv().await {
        ServerToCustomer::Error { message } => {
            assert!(message.contains("not the current one"), "{message}")
        }
        other => panic!("expected an error, got {other:?}"),
    }
}

#[tokio::test]
async fn start_reaches_the_customer_and_offer_answer_and_candidates_pass_through() {
    let lens = TestServer::start().await;
    let (_tess, mut console, mut customer) = waiting_customer(&lens, "Carl Customer").await;
    let session_id = customer.joined.session_id.clone();

    console.start(&session_id).await;
    assert_eq!(customer.socket.recv().await, ServerToCustomer::start());
    console
        .wait_for_status(&session_id, SessionStatus::Active)
        .await;

    customer
        .socket
        .send(&CustomerMessage::Offer {
            sdp: "v=0 offer".into(),
            ice_restart: false,
        })
        .await;
    customer
        .socket
        .send(&CustomerMessage::Candidate {
            candidate: candidate("candidate:customer"),
        })
        .await;
    let offer = console
        .recv_until(|m| matches!(m, ServerToTechnician::Offer { .. }).then_some(m))
        .await;
    assert_eq!(
        offer,
        ServerToTechnician::Offer {
            session_id: session_id.clone(),
            sdp: "v=0 offer".into(),
            ice_restart: false,
            ice: Default::default(),
        }
    );
    assert_eq!(
        console.recv().await,
        ServerToTechnician::Candidate {
            session_id: session_id.clone(),
            candidate: candidate("candidate:customer")
        }
    );

    console
        .send(&TechnicianMessage::Answer {
            session_id: session_id.clone(),
            sdp: "v=0 answer".into(),
        })
        .await;
    console
        .send(&TechnicianMessage::Candidate {
            session_id: session_id.clone(),
            candidate: candidate("candidate:tech"),
        })
        .await;
    assert_eq!(
        customer.socket.recv().await,
        ServerToCustomer::Answer {
            sdp: "v=0 answer".into()
        }
    );
    assert_eq!(
        customer.socket.recv().await,
        ServerToCustomer::Candidate {
            candidate: candidate("candidate:tech")
        }
    );

    // End reaches the customer, and the list says how it ended.
    console
        .send(&TechnicianMessage::End {
            session_id: session_id.clone(),
        })
        .await;
    assert_eq!(
        customer.socket.recv().await,
        ServerToCustomer::End {
            reason: EndReason::TechnicianEnded
        }
    );
    let close = customer.socket.closed().await.expect("close frame");
    assert_eq!(u16::from(close.code), 1000);
    let row = console
        .wait_for_status(&session_id, SessionStatus::Closed)
        .await;
    assert_eq!(row.end_reason, Some(EndReason::TechnicianEnded));
}

/// The sockets read in 4 KiB (so that 10,000 waiting customers fit in little memory); an
/// offer and answer many times that size, as a phone with many interfaces sends, still pass
/// through whole, both ways.
#[tokio::test]
async fn offers_and_answers_far_bigger_than_the_read_buffer_pass_through_whole() {
    let lens = TestServer::start().await;
    let (_tess, mut console, mut customer) = waiting_customer(&lens, "Bea Bigoffer").await;
    let session_id = customer.joined.session_id.clone();
    console.start(&session_id).await;
    assert_eq!(customer.socket.recv().await, ServerToCustomer::start());

    let big_sdp = |side: &str, bytes: usize| {
        let mut sdp = format!("v=0 {side}\r\n");
        let mut n = 0;
        while sdp.len() < bytes {
            sdp.push_str(&format!(
                "a=candidate:{n} 1 udp 2122260223 192.0.2.{} 5{n:04} typ host\r\n",
                n % 250
            ));
            n += 1;
        }
        sdp
    };
    // Half the message limit: the JSON escaping of every line end adds to it.
    let offer_sdp = big_sdp("offer", MAX_MESSAGE_BYTES / 2);
    customer
        .socket
        .send(&CustomerMessage::Offer {
            sdp: offer_sdp.clone(),
            ice_restart: false,
        })
        .await;
    let offer = console
        .recv_until(|m| match m {
            ServerToTechnician::Offer { sdp, .. } => Some(sdp),
            _ => None,
        })
        .await;
    assert_eq!(offer.len(), offer_sdp.len());
    assert_eq!(offer, offer_sdp);

    let answer_sdp = big_sdp("answer", MAX_MESSAGE_BYTES / 2);
    console
        .send(&TechnicianMessage::Answer {
            session_id: session_id.clone(),
            sdp: answer_sdp.clone(),
        })
        .await;
    assert_eq!(
        customer.socket.recv().await,
        ServerToCustomer::Answer { sdp: answer_sdp }
    );
}

#[tokio::test]
async fn a_technician_can_have_only_one_active_session() {
    let lens = TestServer::start().await;
    let tess = lens.tess().await;
    let mut console = tess.console().await;
    let (alice_pin, alice_id) = tess.new_pin("Alice Active").await;
    let (bob_pin, bob_id) = tess.new_pin("Bob Second").await;
    let mut alice = lens.customer_joins(&alice_pin).await;
    let mut bob = lens.customer_joins(&bob_pin).await;
    alice.accept_eula().await;
    bob.accept_eula().await;
    // Each acceptance arrives on its own socket and may be handled in either order: wait for
    // a list with both Waiting (a Start before Alice is Waiting would rightly be refused).
    console
        .recv_until(|message| match message {
            ServerToTechnician::Sessions { sessions } => {
                let waiting = |id: &str| {
                    sessions
                        .iter()
                        .any(|s| s.id == id && s.status == SessionStatus::Waiting)
                };
                (waiting(&alice_id) && waiting(&bob_id)).then_some(())
            }
            _ => None,
        })
        .await;

    console.start(&alice_id).await;
    console
        .wait_for_status(&alice_id, SessionStatus::Active)
        .await;
    assert_eq!(alice.socket.recv().await, ServerToCustomer::start());

    console.start(&bob_id).await;
    let refusal = console.refusal().await;
    assert!(
        refusal.contains("already have an active Lens session"),
        "{refusal}"
    );
    // Bob is still waiting and was never told to start.
    assert!(
        bob.socket
            .try_recv(Duration::from_millis(300))
            .await
            .is_err()
    );

    // Once Alice's session is over, Bob can be started.
    console
        .send(&TechnicianMessage::End {
            session_id: alice_id,
        })
        .await;
    console.start(&bob_id).await;
    console
        .wait_for_status(&bob_id, SessionStatus::Active)
        .await;
    assert_eq!(bob.socket.recv().await, ServerToCustomer::start());
}

#[tokio::test]
async fn start_is_refused_before_the_customer_is_waiting_and_for_other_technicians_sessions() {
    let lens = TestServer::start().await;
    lens.add_technician("otto@example.com", "Otto Other", "another password")
        .await;
    let tess = lens.tess().await;
    let mut console = tess.console().await;
    let (pin, session_id) = tess.new_pin("Paul Pending").await;

    console.start(&session_id).await;
    assert!(console.refusal().await.contains("not joined"));
    let _customer = lens.customer_joins(&pin).await;
    console.start(&session_id).await;
    assert!(console.refusal().await.contains("licence agreement"));

    let otto = Technician::login(&lens.url, "otto@example.com", "another password").await;
    let mut otto_console = otto.console().await;
    for message in [
        TechnicianMessage::Start {
            session_id: session_id.clone(),
        },
        TechnicianMessage::End {
            session_id: session_id.clone(),
        },
        TechnicianMessage::Answer {
            session_id: session_id.clone(),
            sdp: "v=0".into(),
        },
    ] {
        otto_console.send(&message).await;
        assert!(otto_console.refusal().await.contains("no such session"));
    }
}

#[tokio::test]
async fn media_signalling_before_start_is_refused() {
    let lens = TestServer::start().await;
    let (_tess, mut console, mut customer) = waiting_customer(&lens, "Eager Customer").await;
    let session_id = customer.joined.session_id.clone();

    customer
        .socket
        .send(&CustomerMessage::Offer {
            sdp: "v=0".into(),
            ice_restart: false,
        })
        .await;
    assert!(matches!(
        customer.socket.recv().await,
        ServerToCustomer::Error { .. }
    ));
    console
        .send(&TechnicianMessage::Answer {
            session_id,
            sdp: "v=0".into(),
        })
        .await;
    assert!(console.refusal().await.contains("not active"));
}

#[tokio::test]
async fn the_customer_leaving_closes_the_session() {
    let lens = TestServer::start().await;
    let (_tess, mut console, mut customer) = waiting_customer(&lens, "Lea Leaving").await;
    let session_id = customer.joined.session_id.clone();
    customer.socket.send(&CustomerMessage::Leave).await;
    assert_eq!(
        customer.socket.recv().await,
        ServerToCustomer::End {
            reason: EndReason::CustomerLeft
        }
    );
    let row = console
        .wait_for_status(&session_id, SessionStatus::Closed)
        .await;
    assert_eq!(row.end_reason, Some(EndReason::CustomerLeft));
}

#[tokio::test]
async fn a_reconnecting_customer_is_welcomed_back_and_asked_to_offer_again() {
    let lens = TestServer::start().await;
    let (_tess, mut console, customer) = waiting_customer(&lens, "Rhea Reconnect").await;
    let session_id = customer.joined.session_id.clone();
    let token = customer.joined.customer_token.clone();
    console.start(&session_id).await;
    console
        .wait_for_status(&session_id, SessionStatus::Active)
        .await;
    customer.socket.vanish();

    let mut again = common::Socket::<ServerToCustomer, CustomerMessage>::connect(&lens.url, &token)
        .await
        .unwrap();
    assert_eq!(
        again.recv().await,
        ServerToCustomer::Welcome {
            session_id: session_id.clone(),
            status: SessionStatus::Active,
            technician_name: Some("Tess Technician".into()),
        }
    );
    assert_eq!(again.recv().await, ServerToCustomer::start());
    // The new offer reaches the technician.
    again
        .send(&CustomerMessage::Offer {
            sdp: "v=0 again".into(),
            ice_restart: false,
        })
        .await;
    let offer = console
        .recv_until(|m| matches!(m, ServerToTechnician::Offer { .. }).then_some(m))
        .await;
    assert_eq!(
        offer,
        ServerToTechnician::Offer {
            session_id,
            sdp: "v=0 again".into(),
            ice_restart: false,
            ice: Default::default(),
        }
    );
}

#[tokio::test]
async fn a_customer_who_does_not_come_back_in_time_loses_the_session() {
    let lens =
        TestServer::start_with(|config| config.reconnect_grace = Duration::from_millis(300)).await;
    let (_tess, mut console, customer) = waiting_customer(&lens, "Gina Gone").await;
    let session_id = customer.joined.session_id.clone();
    let token = customer.joined.customer_token.clone();
    customer.socket.vanish();

    let row = console
        .wait_for_status(&session_id, SessionStatus::Closed)
        .await;
    assert_eq!(row.end_reason, Some(EndReason::ConnectionLost));

    // Coming back later only tells the app how the session ended.
    let mut late = common::Socket::<ServerToCustomer, CustomerMessage>::connect(&lens.url, &token)
        .await
        .unwrap();
    assert_eq!(
        late.recv().await,
        ServerToCustomer::Welcome {
            session_id,
            status: SessionStatus::Closed,
            technician_name: None,
        }
    );
    assert_eq!(
        late.recv().await,
        ServerToCustomer::End {
            reason: EndReason::ConnectionLost
        }
    );
}

#[tokio::test]
async fn a_customer_socket_needs_a_valid_token() {
    let lens = TestServer::start().await;
    for token in ["", "0000"] {
        let result =
            common::Socket::<ServerToCustomer, CustomerMessage>::connect(&lens.url, token).await;
        match result {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                assert_eq!(response.status(), 401)
            }
            Err(other) => panic!("unexpected error {other}"),
            Ok(_) => panic!("connected with token {token:?}"),
        }
    }
    let anonymous_console = Console::connect_with_cookie(&lens.url, "lens_session=forged").await;
    assert!(
        matches!(anonymous_console, Err(tokio_tungstenite::tungstenite::Error::Http(r)) if r.status() == 401)
    );
}

#[tokio::test]
async fn unknown_and_oversized_frames_get_a_typed_error_and_the_sockets_stay_open() {
    let lens = TestServer::start().await;
    let (_tess, mut console, mut customer) = waiting_customer(&lens, "Fred Frames").await;
    let session_id = customer.joined.session_id.clone();

    customer
        .socket
        .send_raw(r#"{"v":1,"type":"teleport"}"#)
        .await;
    match customer.socket.recv().await {
        ServerToCustomer::Error { message } => assert!(
            message.contains("unknown signalling message type"),
            "{message}"
        ),
        other => panic!("{other:?}"),
    }
    let huge = format!(
        r#"{{"v":1,"type":"offer","sdp":"{}"}}"#,
        "a".repeat(MAX_MESSAGE_BYTES + 1)
    );
    customer.socket.send_raw(&huge).await;
    match customer.socket.recv().await {
        ServerToCustomer::Error { message } => assert!(message.contains("byte limit"), "{message}"),
        other => panic!("{other:?}"),
    }
    customer.socket.send_raw(r#"{"v":2,"type":"leave"}"#).await;
    assert!(matches!(
        customer.socket.recv().await,
        ServerToCustomer::Error { .. }
    ));

    console.send_raw("not json").await;
    assert!(console.refusal().await.contains("not a JSON object"));
    console.send_raw(r#"{"v":1,"type":"start"}"#).await;
    assert!(console.refusal().await.contains("invalid fields"));
    console.send_raw(&huge).await;
    assert!(console.refusal().await.contains("byte limit"));

    // Both sockets still work.
    console.start(&session_id).await;
    assert_eq!(customer.socket.recv().await, ServerToCustomer::start());
    console
        .wait_for_status(&session_id, SessionStatus::Active)
        .await;
}

#[tokio::test]
async fn a_restarted_server_lets_customers_and_consoles_carry_on() {
    let dir_holder = TestServer::start().await;
    let database_url = common::database::fresh_database_url(&dir_holder.dir, "restart.db").await;

    let config = |url: &str| {
        let mut config = lens_server::Config::new("127.0.0.1:0".parse().unwrap(), url.to_owned());
        config.reconnect_grace = Duration::from_secs(30);
        config
    };
    let first = lens_server::start(config(&database_url)).await.unwrap();
    lens_server::accounts::technicians::upsert(
        first.db(),
        common::TESS_EMAIL,
        common::TESS_NAME,
        common::TESS_PASSWORD,
    )
    .await
    .unwrap();
    let tess = Technician::login(&first.url(), common::TESS_EMAIL, common::TESS_PASSWORD).await;
    let (pin, session_id) = tess.new_pin("Sam Restart").await;
    let joined: lens_core::signal::JoinResponse = {
        let response = reqwest::Client::new()
            .post(format!("{}/api/customer/join", first.url()))
            .json(&serde_json::json!({ "pin": pin }))
            .send()
            .await
            .unwrap();
        response.json().await.unwrap()
    };
    let mut customer = common::Socket::<ServerToCustomer, CustomerMessage>::connect(
        &first.url(),
        &joined.customer_token,
    )
    .await
    .unwrap();
    customer.recv().await;
    let mut console = tess.console().await;
    customer
        .send(&CustomerMessage::EulaAccepted {
            version: joined.eula.version.clone(),
        })
        .await;
    console
        .wait_for_status(&session_id, SessionStatus::Waiting)
        .await;

    first.shutdown().await.unwrap();
    let close = customer.closed().await.expect("told the server goes away");
    assert_eq!(u16::from(close.code), 1001);

    let second = lens_server::start(config(&database_url)).await.unwrap();
    let mut customer = common::Socket::<ServerToCustomer, CustomerMessage>::connect(
        &second.url(),
        &joined.customer_token,
    )
    .await
    .unwrap();
    assert_eq!(
        customer.recv().await,
        ServerToCustomer::Welcome {
            session_id: session_id.clone(),
            status: SessionStatus::Waiting,
            technician_name: Some("Tess Technician".into()),
        }
    );
    let mut console = Console::connect_with_cookie(&second.url(), &tess.cookie)
        .await
        .unwrap();
    console
        .wait_for_status(&session_id, SessionStatus::Waiting)
        .await;
    console.start(&session_id).await;
    assert_eq!(customer.recv().await, ServerToCustomer::start());
    second.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_customer_who_joins_but_never_connects_does_not_stay_in_the_list() {
    let lens =
        TestServer::start_with(|config| config.reconnect_grace = Duration::from_millis(300)).await;
    let tess = lens.tess().await;
    let mut console = tess.console().await;
    let (pin, session_id) = tess.new_pin("Nick Never").await;
    assert_eq!(lens.join(&pin).await.0, 200);
    let row = console
        .wait_for_status(&session_id, SessionStatus::Closed)
        .await;
    assert_eq!(row.end_reason, Some(EndReason::ConnectionLost));
}
