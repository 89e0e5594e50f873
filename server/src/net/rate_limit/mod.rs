//! Limits on failed attempts: per client address (wrong PINs — a six-digit PIN is guessable
//! given enough tries — and wrong console passwords), per console account, and global
//! budgets across all addresses (an attacker with many addresses).
//!
//! Only failures count, so an office behind one NAT address can join many sessions. Once an
//! address has used its allowance, *every* attempt from it is refused for the whole window
//! (five wrong PINs lock the address out for 15 minutes by default), including one with a
//! right PIN: otherwise the limit would only slow guessing down, not stop it from succeeding.
//!
//! Every attempt is **charged before** the work that could reveal a secret (the PIN look-up,
//! the Argon2 check) and given back if it succeeded. Checking first and recording the failure
//! afterwards let concurrent attempts all pass the check before the first failure was
//! recorded (issue 9: 40 simultaneous PINs from one address made 39 look-ups).
//! See docs/pin-security.md for what these limits mean for an attacker's chances.

mod failures;
mod global;
mod logins;

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

pub use failures::{Allowance, FailureLimiter, Flight, LimitKey};
pub use global::{GlobalFailureBudget, Held};
pub use logins::{LoginLimits, LoginRefusal};

/// A refusal: how long the client should wait before trying again (`Retry-After`).
pub type RetryAfter = Duration;

/// 503 with Retry-After: the attempt was not made (the server is slowed and its queue is
/// full, the address already has one in flight, every password check slot is taken) and
/// nothing was charged for it.
pub fn busy(retry_after: RetryAfter) -> Response {
    let mut response = crate::http::error::ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "busy",
        "The server is busy. Try again in a few seconds.",
    )
    .into_response();
    set_retry_after(&mut response, retry_after);
    response
}

pub fn set_retry_after(response: &mut Response, wait: RetryAfter) {
    // Whole seconds, rounded up: a client that waits what it is told is not refused again
    // for waiting a fraction too little.
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
}

#[cfg(test)]
mod tests;
