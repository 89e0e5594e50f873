//! The customer types the PIN (seed 000). PINs are six digits, single use, short-lived, and
//! a client that keeps guessing is stopped.

use std::time::Duration;

use crate::common::TestServer;
use lens_core::signal::{JoinResponse, SessionStatus};

#[tokio::test]
async fn the_right_pin_joins_the_technicians_session() {
    let lens = TestServer::start().await;
    let tess = lens.tess().await;
    let (pin, session_id) = tess.new_pin("Carl Customer").await;

    let (status, body) = lens.join(&format!(" {pin} ")).await;
    assert_eq!(status, 200, "{body}");
    let joined: JoinResponse = serde_json::from_value(body).unwrap();
    assert_eq!(joined.session_id, session_id);
    assert_eq!(joined.technician_name, "Tess Technician");
    assert_eq!(joined.customer_name, "Carl Customer");
    assert!(joined.customer_token.len() >= 32, "at least 128 bits");
    assert!(!joined.eula.text.is_empty());
    assert_eq!(joined.eula, lens_server::config::default_eula());
}

#[tokio::test]
async fn a_wrong_pin_is_not_found() {
    let lens = TestServer::start().await;
    let tess = lens.tess().await;
    let (pin, _) = tess.new_pin("Walter Wrong").await;
    let wrong = format!("{:06}", (pin.parse::<u32>().unwrap() + 1) % 1_000_000);

    for attempt in [wrong.as_str(), "12345", "abcdef", ""] {
        let (status, body) = lens.join(attempt).await;
        assert_eq!(status, 404, "{attempt:?}: {body}");
        assert_eq!(body["error"], "pin_not_found");
        assert!(body["message"].as_str().unwrap().contains("not valid"));
    }
}

#[tokio::test]
async fn an_expired_pin_is_refused_and_the_technician_sees_it_expire() {
    let lens = TestServer::start_with(|config| config.pin_ttl = Duration::from_millis(400)).await;
    let tess = lens.tess().await;
    let mut console = tess.console().await;
    let (pin, session_id) = tess.new_pin("Ernie Expired").await;

    // The list changes by itself when the PIN runs out, without anyone asking.
    let row = console
        .wait_for_status(&session_id, SessionStatus::Expired)
        .await;
    assert_eq!(
        row.end_reason,
        Some(lens_core::signal::EndReason::PinExpired)
    );
    assert_eq!(row.pin, None);

    let (status, body) = lens.join(&pin).await;
    assert_eq!(status, 410, "{body}");
    assert_eq!(body["error"], "pin_expired");
}

#[tokio::test]
async fn a_pin_works_once_only() {
    let lens = TestServer::start().await;
    let tess = lens.tess().await;
    let (pin, _) = tess.new_pin("Una Used").await;

    let (first, _) = lens.join(&pin).await;
    assert_eq!(first, 200);
    let (second, body) = lens.join(&pin).await;
    assert_eq!(second, 409, "{body}");
    assert_eq!(body["error"], "pin_already_used");
}

#[tokio::test]
async fn two_customers_racing_for_one_pin_cannot_both_join() {
    let lens = TestServer::start().await;
    let tess = lens.tess().await;
    let (pin, _) = tess.new_pin("Rita Race").await;
    // From four addresses: one address has one look-up in flight at a time (the others
    // wait their turn), so the race in the database is between addresses.
    let attempts = (0..4u8).map(|n| {
        let client = reqwest::Client::builder()
            .local_address(std::net::IpAddr::from([127, 0, 0, 10 + n]))
            .build()
            .unwrap();
        let url = format!("{}/api/customer/join", lens.url);
        let pin = pin.clone();
        async move {
            let response = client
                .post(url)
                .json(&serde_json::json!({ "pin": pin }))
                .send();
            response.await.unwrap().status().as_u16()
        }
    });
    let mut statuses = futures_util::future::join_all(attempts).await;
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409, 409, 409]);
}

#[tokio::test]
async fn customers_behind_one_address_join_their_sessions_at_the_same_time() {
    // An office or a carrier-grade NAT: one address, several customers joining at once.
    // One look-up per address runs at a time, and the others wait their turn, not refused.
    let lens = TestServer::start().await;
    let tess = lens.tess().await;
    let mut pins = Vec::new();
    for name in ["Nina", "Noah", "Nora", "Nils"] {
        pins.push(tess.new_pin(name).await.0);
    }
    let attempts = futures_util::future::join_all(pins.iter().map(|pin| lens.join(pin))).await;
    let statuses: Vec<u16> = attempts.iter().map(|(status, _)| *status).collect();
    assert_eq!(statuses, [200, 200, 200, 200], "{attempts:?}");
}

#[tokio::test]
async fn repeated_wrong_pins_are_rate_limited_even_when_the_next_guess_is_right() {
    let lens = TestServer::start().await;
    let tess = lens.tess().await;
    let (pin, _) = tess.new_pin("Gus Guesser").await;
    let wrong = format!("{:06}", (pin.parse::<u32>().unwrap() + 500_000) % 1_000_000);

    // Five failures are allowed per 15 minutes by default.
    for _ in 0..5 {
        let (status, body) = lens.join(&wrong).await;
        assert_eq!(status, 404, "{body}");
    }
    let response = reqwest::Client::new()
        .post(format!("{}/api/customer/join", lens.url))
        .json(&serde_json::json!({ "pin": pin }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=15 * 60).contains(&retry_after), "{retry_after}");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"], "rate_limited");
}

#[tokio::test]
async fn a_successful_join_does_not_count_against_the_address() {
    let lens = TestServer::start_with(|config| config.join_failures_allowed = 2).await;
    let tess = lens.tess().await;
    // An office behind one address joins many sessions: only failures count.
    for i in 0..5 {
        let (pin, _) = tess.new_pin(&format!("Office worker {i}")).await;
        assert_eq!(lens.join(&pin).await.0, 200);
    }
    assert_eq!(lens.join("000000").await.0, 404);
}
