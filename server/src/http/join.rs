//! `POST /api/customer/join`: a customer redeems a PIN.
//!
//! Wrong PINs are counted per client address and against a global budget (see
//! `rate_limit.rs` and docs/pin-security.md): each attempt is charged before its look-up
//! and given back if the PIN was right. The address is the client's as `client_addr.rs`
//! finds it (the TCP peer, or the forwarded client behind a trusted proxy).

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lens_core::signal::{JoinRefusal, JoinRefused, JoinRequest, JoinResponse};

use crate::flow::pins;
use crate::flow::sessions;
use crate::http::error::ApiError;
use crate::net::client_addr::ClientAddr;
use crate::net::rate_limit::{self, Held};
use crate::state::AppState;
use crate::tokens::{random_token, sha256_hex};

/// How long a join waits for the look-up of another join from the same address: longer than
/// a look-up takes, shorter than a customer's patience.
const TURN_PATIENCE: Duration = Duration::from_secs(2);

pub async fn join(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    body: Result<Json<JoinRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(request) = body?;
    // One look-up per address (IPv6 /64) at a time: concurrent guesses wait their turn and
    // cannot overtake the lock-out, and one address holds at most one place in the global
    // gate's queue. Waiting longer than that is answered 503 with Retry-After.
    let Some(_flight) = state.join_failures.turn(&client, TURN_PATIENCE).await else {
        return Ok(refusal(JoinRefusal::Busy, Some(Duration::from_secs(1))));
    };
    // Checked before the PIN so that a blocked client learns nothing, not even from a
    // right guess; and before the gate, so that it does not take a turn there.
    if let Some(wait) = state.join_failures.blocked_for(&client) {
        return Ok(refusal(JoinRefusal::RateLimited, Some(wait)));
    }
    // Under a guessing alarm every look-up waits its turn, so the rate of guesses is capped
    // however many addresses they come from; a full queue answers 503 at once.
    let global = match state.join_budget.admit().await {
        Ok(charged) => charged,
        Err(Held::Busy(wait)) => return Ok(refusal(JoinRefusal::Busy, Some(wait))),
    };
    // Charged (and so checked again) after any wait and before the look-up; given back if
    // the PIN is right.
    if let Err(wait) = state.join_failures.charge(&client) {
        state.join_budget.give_back(global);
        return Ok(refusal(JoinRefusal::RateLimited, Some(wait)));
    }
    let outcome = look_up(&state, &request.pin).await;
    if !matches!(outcome, Ok(Err(_))) {
        state.join_failures.refund(&client);
        state.join_budget.give_back(global);
    }
    match outcome? {
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
            // The failure that spends the allowance is still answered as what it was; the
            // lock-out applies from the next attempt.
            state.join_failures.failed(&client);
            Ok(refusal(reason, None))
        }
    }
}

/// The one look-up an attempt is charged for. A PIN that is not six digits cannot match
/// and is not looked up, but costs the same attempt.
async fn look_up(
    state: &AppState,
    pin: &str,
) -> anyhow::Result<Result<(pins::Joined, String), JoinRefusal>> {
    let pin = pin.trim();
    if !is_pin_shaped(pin) {
        return Ok(Err(JoinRefusal::PinNotFound));
    }
    let token = random_token();
    Ok(sessions::join(state, pin, &sha256_hex(token.as_bytes()))
        .await?
        .map(|joined| (joined, token)))
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
        // Nothing was charged: the client may retry after Retry-After.
        JoinRefusal::Busy => (
            StatusCode::SERVICE_UNAVAILABLE,
            "The server is busy. Try again in a few seconds.",
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
        rate_limit::set_retry_after(&mut response, wait);
    }
    response
}
