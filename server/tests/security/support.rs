//! What the attack modules share: HTTP clients that come from a chosen loopback address.
#![allow(dead_code)]

use std::net::{IpAddr, Ipv4Addr};

/// An HTTP client whose requests come from 127.0.0.`n` (n in 1..=254).
pub fn client_from(n: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, n)))
        .cookie_store(true)
        .build()
        .expect("HTTP client")
}

/// `POST /api/customer/join` from `client`: the status and the JSON body (Null if none).
pub async fn join_from(
    client: &reqwest::Client,
    base: &str,
    pin: &str,
) -> (u16, serde_json::Value) {
    let response = client
        .post(format!("{base}/api/customer/join"))
        .json(&serde_json::json!({ "pin": pin }))
        .send()
        .await
        .expect("join request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default())
}

/// The Retry-After of a response, in seconds.
pub fn retry_after(response: &reqwest::Response) -> Option<u64> {
    response
        .headers()
        .get("retry-after")?
        .to_str()
        .ok()?
        .parse()
        .ok()
}
