//! Finding 8: a joined customer floods its socket with frames the server writes to the
//! session log (`control_refused`, relayed to the console and logged, once per frame). The
//! socket is closed with 4429 once it goes over its frame budget, and however often the
//! customer reconnects, one session's log stops at 1,000 rows plus one "log truncated" row.
//! And what the customer writes in those frames reaches the console and the log cut short.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use lens_core::signal::{
    self, CameraControl, CustomerMessage, Device, DeviceProblem, ServerToCustomer,
    ServerToTechnician,
};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;

use crate::common::{PATIENCE, Technician, TestServer};

/// The rows one session's log may hold before the truncation row (session_log.rs).
const LOG_CAP: usize = 1000;

/// Tess with her console open (drained in the background, as a browser would) and an
/// active session whose customer token the attacker holds.
async fn active_session(lens: &TestServer) -> (Technician, String, String) {
    let (tess, mut console, customer, session_id) = lens.active_session("Flo Flood").await;
    // The console reads everything relayed to it; a console that stopped reading would be
    // dropped by the hub and the relays (and their log rows) would stop for another reason.
    tokio::spawn(async move { while console.try_recv(Duration::from_secs(60)).await.is_ok() {} });
    let token = customer.joined.customer_token.clone();
    customer.socket.vanish();
    (tess, session_id, token)
}

fn refusal_frame(n: usize) -> String {
    signal::encode(&CustomerMessage::ControlRefused {
        control: CameraControl::SwitchCamera,
        message: format!("refusal {n}"),
    })
}

async fn customer_socket(
    url: &str,
    token: &str,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let url = format!(
        "{}/api/customer/ws?token={token}",
        url.replacen("http", "ws", 1)
    );
    tokio_tungstenite::connect_async(url)
        .await
        .expect("customer socket")
        .0
}

async fn log_events(tess: &Technician, session_id: &str) -> Vec<String> {
    let response = tess
        .http
        .get(format!("{}/api/sessions/{session_id}/log", tess.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let entries: Vec<Value> = response.json().await.unwrap();
    entries
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_owned())
        .collect()
}

/// Sends `frames` refusals as fast as the connection takes them while reading what comes
/// back; returns how many were written and the close frame, if the server sent one.
async fn flood(url: &str, token: &str, frames: usize) -> (usize, Option<CloseFrame>) {
    let (mut sink, mut stream) = customer_socket(url, token).await.split();
    let writer = tokio::spawn(async move {
        let mut sent = 0;
        for n in 0..frames {
            if sink.send(Frame::text(refusal_frame(n))).await.is_err() {
                break;
            }
            sent += 1;
        }
        sent
    });
    let close = tokio::time::timeout(PATIENCE, async {
        while let Some(Ok(frame)) = stream.next().await {
            if let Frame::Close(close) = frame {
                return close;
            }
        }
        None
    })
    .await
    .unwrap_or(None);
    writer.abort();
    (writer.await.unwrap_or(frames), close)
}

#[tokio::test]
async fn a_customer_flooding_its_socket_is_closed_with_4429() {
    let lens = TestServer::start().await;
    let (tess, session_id, token) = active_session(&lens).await;
    let before = log_events(&tess, &session_id).await.len();

    let (sent, close) = flood(&lens.url, &token, 3000).await;

    let close = close.expect("the server closes a flooding socket");
    assert_eq!(
        (u16::from(close.code), close.reason.as_str()),
        (4429, "too many messages"),
        "after {sent} frames"
    );
    let logged = log_events(&tess, &session_id).await.len() - before;
    eprintln!("flood: {sent} frames written, {logged} log rows, closed with 4429");
    // The budget is a burst of 100 and 20 a second after it; the flood lasts well under a
    // second, so anything near 100 is the budget working.
    assert!(logged <= 150, "{logged} rows from one socket");
}

#[tokio::test]
async fn a_session_log_stops_at_its_cap_however_often_the_customer_reconnects() {
    let lens = TestServer::start().await;
    let (tess, session_id, token) = active_session(&lens).await;

    // Each connection stays under its frame budget (90 of a burst of 100) and learns that
    // all its frames were handled from the answer to a last, invalid one.
    let connections = 30;
    for round in 0..connections {
        let mut socket = customer_socket(&lens.url, &token).await;
        for n in 0..90 {
            socket
                .send(Frame::text(refusal_frame(round * 90 + n)))
                .await
                .expect("frame sent");
        }
        socket
            .send(Frame::text("not json"))
            .await
            .expect("frame sent");
        let answered = tokio::time::timeout(PATIENCE, async {
            while let Some(Ok(frame)) = socket.next().await {
                if let Frame::Text(text) = frame
                    && matches!(
                        signal::decode::<ServerToCustomer>(text.as_str()),
                        Ok(ServerToCustomer::Error { .. })
                    )
                {
                    return true;
                }
            }
            false
        })
        .await
        .unwrap_or(false);
        assert!(answered, "connection {round} was cut off");
        let _ = socket.close(None).await;
    }

    let events = log_events(&tess, &session_id).await;
    let truncations = events.iter().filter(|e| *e == "log_truncated").count();
    eprintln!(
        "log cap: {} frames over {connections} connections, {} log rows",
        connections * 90,
        events.len()
    );
    assert_eq!(events.len(), LOG_CAP + 1, "rows in one session's log");
    assert_eq!(truncations, 1);
    assert_eq!(events.last().map(String::as_str), Some("log_truncated"));
}

/// The customer's own words (why a control was refused, a device's error) reach the console
/// and the session log cut to 300 characters, however long the customer made them.
#[tokio::test]
async fn a_customers_long_words_reach_the_console_and_the_log_cut_short() {
    let lens = TestServer::start().await;
    let (tess, mut console, mut customer, session_id) = lens.active_session("Wanda Words").await;
    // Two bytes a character: the cut must fall between characters, not inside one.
    let long = "é".repeat(3_000);
    let kept = "é".repeat(300);

    customer
        .socket
        .send(&CustomerMessage::ControlRefused {
            control: CameraControl::TorchOn,
            message: long.clone(),
        })
        .await;
    let refusal = console
        .recv_until(|m| match m {
            ServerToTechnician::ControlRefused { message, .. } => Some(message),
            _ => None,
        })
        .await;
    assert_eq!(refusal, kept, "the refusal on the console");

    customer
        .socket
        .send(&CustomerMessage::DeviceProblem {
            device: Device::Camera,
            problem: DeviceProblem::Disconnected,
            detail: long,
        })
        .await;
    let detail = console
        .recv_until(|m| match m {
            ServerToTechnician::DeviceProblem { detail, .. } => Some(detail),
            _ => None,
        })
        .await;
    assert_eq!(detail, kept, "the device's error on the console");

    let logged = tess
        .events(&session_id)
        .await
        .into_iter()
        .find(|(event, _)| event == "control_refused")
        .and_then(|(_, detail)| detail);
    assert_eq!(logged, Some(format!("Torch on: {kept}")), "the session log");
}
