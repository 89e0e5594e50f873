//! The customer's HTTP call to the server: redeem a PIN.

use lens_core::pin::Pin;
use lens_core::session::ResolveFailure;
use lens_core::signal::{JoinRefused, JoinRequest, JoinResponse, JOIN_PATH};
use url::Url;

/// Answers are small; anything bigger is not the protocol's.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// Asks the server which session has `pin`.
pub async fn resolve_pin(
    http: &reqwest::Client,
    server: &Url,
    pin: &Pin,
) -> Result<JoinResponse, ResolveFailure> {
    let url = server.join(JOIN_PATH).map_err(|e| ResolveFailure::Unreachable(e.to_string()))?;
    let answer = http
        .post(url)
        .json(&JoinRequest { pin: pin.as_str().to_owned() })
        .send()
        .await
        .map_err(|e| ResolveFailure::Unreachable(e.without_url().to_string()))?;
    let status = answer.status();
    let body = answer.bytes().await.map_err(|e| ResolveFailure::Unreachable(e.to_string()))?;
    if body.len() > MAX_ANSWER_BYTES {
        return Err(ResolveFailure::Unreachable(format!("answer of {} bytes is too large", body.len())));
    }
    if status.is_success() {
        serde_json::from_slice::<JoinResponse>(&body)
            .map_err(|e| ResolveFailure::Unreachable(format!("unexpected answer: {e}")))
    } else {
        match serde_json::from_slice::<JoinRefused>(&body) {
            Ok(refused) => Err(ResolveFailure::Refused(refused.error)),
            Err(_) => Err(ResolveFailure::Unreachable(format!("server answered {status}"))),
        }
    }
}
