//! `POST /api/customer/join`: a customer redeems a PIN.
//!
//! Wrong PINs are counted per client address and against a global budget (see
//! `rate_limit.rs` and docs/pin-security.md). The address is the TCP
//! peer: behind a reverse proxy every customer shares the proxy's address, so a proxy
//! deployment needs the proxy to do this limiting instead.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lens_core::signal::{JoinRefusal, JoinRefused, JoinRequest, JoinResponse};

use crate::error::ApiError;
use crate::sessions;
use crate::state::AppState;
use crate::tokens::{random_token, sha256_hex};

pub async fn join(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Result<Json<JoinRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(request) = body?;
    let client = peer.ip();
    // Checked before the PIN so that a blocked client learns nothing, not even from a
    // right guess.
    if let Some(wait) = state.join_failures.blocked_for(client) {
        return Ok(refusal(JoinRefusal::RateLimited, Some(wait)));
    }
    // Under a guessing alarm every look-up waits its turn, so the rate of guesses is capped
    // however many addresses they come from.
    state.join_budget.pace().await;
    let pin = request.pin.trim();
    let outcome = if is_pin_shaped(pin) {
        let token = random_token();
        sessions::join(&state, pin, &sha256_hex(token.as_bytes()))
            .await?
            .map(|joined| (joined, token))
    } else {
        Err(JoinRefusal::PinNotFound)
    };
    match outcome {
        Ok((joined, customer_token)) => Ok(Json(JoinResponse {
            session_id: joined.session_id,
            customer_token,
            technician_name: joined.technician_name,
            customer_name: joined.customer_name,
            eula: state.config.eula.clone(),
        })
        .into_response()),
        Err(reason) => {
            // PINs stay out of info-level logs: a log reader could otherwise join.
            tracing::info!(client = %client, reason = ?reason, "PIN refused");
            state.join_budget.record_failure();
            if state.join_failures.record_failure(client) {
                return Ok(refusal(
                    JoinRefusal::RateLimited,
                    state.join_failures.blocked_for(client),
                ));
            }
            Ok(refusal(reason, None))
        }
    }
}

/// A PIN is exactly six ASCII digits; anything else cannot match and is not looked up.
pub fn is_pin_shaped(pin: &str) -> bool {
    pin.len() == 6 && pin.bytes().all(|b| b.is_ascii_digit())
}

/// The sentences are the ones the customer app shows for each refusal (core's `Ended::describe`).
fn refusal(reason: JoinRefusal, retry_after: Option<Duration>) -> Response {
    let (status, message) = match reason {
        JoinRefusal::PinNotFound => (
            StatusCode::NOT_FOUND,
            "This PIN is not valid. Check the digits or ask the technician for a new PIN.",
        ),
        JoinRefusal::PinExpired => (
            StatusCode::GONE,
            "This PIN has expired. Ask the technician for a new PIN.",
        ),
        JoinRefusal::PinAlreadyUsed => (
            StatusCode::CONFLICT,
            "This PIN has already been used. Ask the technician for a new PIN.",
        ),
        JoinRefusal::RateLimited => (
            StatusCode::TOO_MANY_REQUESTS,
            "Too many wrong PINs. Wait a few minutes and try again.",
        ),
    };
    let mut response = (
        status,
        Json(JoinRefused {
            error: reason,
            message: message.to_owned(),
        }),
    )
        .into_response();
    if let Some(wait) = retry_after {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(wait.as_secs().max(1)),
        );
    }
    response
}
