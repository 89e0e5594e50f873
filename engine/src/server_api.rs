//! The customer's HTTP call to the server: redeem a PIN.

use std::time::Duration;

use lens_core::pin::Pin;
use lens_core::session::ResolveFailure;
use lens_core::signal::{JOIN_PATH, JoinRefusal, JoinRefused, JoinRequest, JoinResponse};
use url::Url;

/// Answers are small; anything bigger is not the protocol's.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// How often a join the server was too busy for is tried again, and the longest
/// Retry-After followed: beyond that the customer reads "busy" and can try again.
const BUSY_RETRIES: usize = 3;
const LONGEST_RETRY_AFTER: Duration = Duration::from_secs(5);

/// Asks the server which session has `pin`. A 503 with a short Retry-After (the server is
/// pacing PIN look-ups) is retried after that wait, a few times; nothing is charged for it.
pub async fn resolve_pin(
    http: &reqwest::Client,
    server: &Url,
    pin: &Pin,
) -> Result<JoinResponse, ResolveFailure> {
    let url = server
        .join(JOIN_PATH)
        .map_err(|e| ResolveFailure::Unreachable(e.to_string()))?;
    let mut tries = 0;
    loop {
        tries += 1;
        match ask(http, url.clone(), pin).await {
            Err((ResolveFailure::Refused(JoinRefusal::Busy), Some(wait)))
                if tries <= BUSY_RETRIES && wait <= LONGEST_RETRY_AFTER =>
            {
                tokio::time::sleep(wait).await;
            }
            other => return other.map_err(|(failure, _)| failure),
        }
    }
}

/// One join request: the session, or why not and the answer's Retry-After.
async fn ask(
    http: &reqwest::Client,
    url: Url,
    pin: &Pin,
) -> Result<JoinResponse, (ResolveFailure, Option<Duration>)> {
    let unreachable = |why: String| (ResolveFailure::Unreachable(why), None);
    let answer = http
        .post(url)
        .json(&JoinRequest {
            pin: pin.as_str().to_owned(),
        })
        .send()
        .await
        .map_err(|e| unreachable(e.without_url().to_string()))?;
    let status = answer.status();
    let retry_after = answer
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok()?.trim().parse().ok())
        .map(Duration::from_secs);
    let body = answer
        .bytes()
        .await
        .map_err(|e| unreachable(e.to_string()))?;
    if body.len() > MAX_ANSWER_BYTES {
        return Err(unreachable(format!(
            "answer of {} bytes is too large",
            body.len()
        )));
    }
    if status.is_success() {
        serde_json::from_slice::<JoinResponse>(&body)
            .map_err(|e| unreachable(format!("unexpected answer: {e}")))
    } else {
        match serde_json::from_slice::<JoinRefused>(&body) {
            Ok(refused) => Err((ResolveFailure::Refused(refused.error), retry_after)),
            Err(_) => Err(unreachable(format!("server answered {status}"))),
        }
    }
}
