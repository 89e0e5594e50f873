//! Finding 14 (second half): a mail relay's error text reached the technician. A relay that
//! answers `554 secret relay detail` is a real SMTP peer on loopback; the technician who
//! sends an invitation through it gets a sentence, never the relay's words (they can name
//! internal hosts, accounts or policies); the detail goes to the server's log.

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::common::TestServer;

const RELAY_SECRET: &str = "secret relay detail";

/// An SMTP server that refuses every connection in its greeting.
async fn refusing_relay() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        // A handful of connections is all a test makes; the task ends with the runtime.
        for _ in 0..16 {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let _ = stream
                .write_all(format!("554 {RELAY_SECRET}\r\n").as_bytes())
                .await;
            let mut buf = [0u8; 512];
            let _ = tokio::time::timeout(std::time::Duration::from_secs(2), stream.read(&mut buf))
                .await;
        }
    });
    format!("smtp://{address}")
}

#[tokio::test]
async fn the_technician_gets_a_sentence_not_the_relays_error_text() {
    let relay = refusing_relay().await;
    let lens = TestServer::start_with(|config| {
        config.smtp =
            Some(lens_server::email::SmtpConfig::new(&relay, "lens@example.com").unwrap());
    })
    .await;
    let tess = lens.tess().await;

    let response = tess
        .http
        .post(format!("{}/api/sessions", lens.url))
        .json(&json!({
            "customer_name": "Sandy Smtp",
            "method": "email",
            "email_to": "sandy@example.com",
        }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();

    assert_eq!(
        (status, body["error"].as_str()),
        (502, Some("email_not_sent")),
        "{body}"
    );
    let message = body["message"].as_str().unwrap_or_default();
    assert!(
        !message.contains(RELAY_SECRET) && !message.contains("554"),
        "the relay's text reached the technician: {message:?}"
    );
    assert_eq!(
        message,
        "The e-mail could not be sent; check the address or try again later."
    );
}
