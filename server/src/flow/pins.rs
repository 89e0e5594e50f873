//! Six-digit PINs: issuing one with a new session, and redeeming it when a customer joins.
//!
//! PINs are single use and short-lived. A used or expired PIN is remembered for a day (see
//! [`memory_ms`]) so that a customer who types it again is told "already used" or "expired"
//! rather than "not found", and it is not handed out again during that day, so that such an
//! answer can never be about somebody else's session.

use std::time::Duration;

use crate::store::pins::Candidate;
use crate::store::{self, Db};
use lens_core::signal::JoinRefusal;

use crate::store::duration_ms;
use crate::tokens::{random_id, random_pin};

/// Attempts at finding a free PIN before giving up. With a million PINs and at most a day's
/// worth in use, needing more than a handful means something is wrong.
const ISSUE_ATTEMPTS: usize = 64;

/// How long a PIN is remembered (and kept out of circulation) after it was issued.
pub fn memory_ms(pin_ttl: Duration) -> i64 {
    (24 * 3600 * 1000i64).max(duration_ms(pin_ttl).saturating_mul(2))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedPin {
    pub session_id: String,
    pub pin: String,
    /// Unix milliseconds.
    pub expires_at: i64,
}

/// Creates a Pending session for the technician with a fresh PIN.
pub async fn issue(
    db: &Db,
    technician_id: i64,
    customer_name: &str,
    pin_ttl: Duration,
    now: i64,
) -> anyhow::Result<IssuedPin> {
    let expires_at = now.saturating_add(duration_ms(pin_ttl));
    let remembered_since = now - memory_ms(pin_ttl);
    for _ in 0..ISSUE_ATTEMPTS {
        let session_id = random_id();
        let pin = random_pin();
        let new = store::pins::NewPin {
            session_id: &session_id,
            technician_id,
            customer_name,
            pin: &pin,
            expires_at,
            now,
            remembered_since,
        };
        if store::pins::insert_if_free(db, &new).await? {
            return Ok(IssuedPin {
                session_id,
                pin,
                expires_at,
            });
        }
    }
    anyhow::bail!("no free PIN found after {ISSUE_ATTEMPTS} attempts")
}

/// A redeemed PIN: the session the customer joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Joined {
    pub session_id: String,
    pub technician_id: i64,
    pub technician_name: String,
    pub customer_name: String,
}

/// Redeems `pin`, binding the session to the customer token whose hash is given.
pub async fn redeem(
    db: &Db,
    pin: &str,
    customer_token_hash: &str,
    pin_ttl: Duration,
    now: i64,
) -> anyhow::Result<Result<Joined, JoinRefusal>> {
    // Every look-up makes this one query, and a wrong PIN and an expired (or used) one are
    // told apart only afterwards, in memory: both cost the same index probe, so the time to
    // answer does not tell an attacker which PINs exist (measured by `make bench-pins`).
    let candidate = newest_with_pin(db, pin, now - memory_ms(pin_ttl)).await?;
    let verdict = match &candidate {
        None => Some(JoinRefusal::PinNotFound),
        Some(candidate) => candidate.refusal(now),
    };
    let candidate = match (verdict, candidate) {
        (None, Some(candidate)) => candidate,
        (verdict, _) => return Ok(Err(verdict.unwrap_or(JoinRefusal::PinNotFound))),
    };
    // Conditional on the PIN still being unredeemed and unexpired: of two customers typing
    // the same PIN at once, exactly one gets the session.
    let claimed = store::pins::claim(db, &candidate.session_id, customer_token_hash, now).await?;
    if claimed {
        return Ok(Ok(Joined {
            session_id: candidate.session_id,
            technician_id: candidate.technician_id,
            technician_name: candidate.technician_name,
            customer_name: candidate.customer_name,
        }));
    }
    // Lost a race: say why as of now.
    let refusal = match newest_with_pin(db, pin, now - memory_ms(pin_ttl)).await? {
        Some(now_candidate) => now_candidate
            .refusal(now)
            .unwrap_or(JoinRefusal::PinAlreadyUsed),
        None => JoinRefusal::PinNotFound,
    };
    Ok(Err(refusal))
}

impl Candidate {
    /// Why this session cannot be joined with its PIN now, if it cannot.
    fn refusal(&self, now: i64) -> Option<JoinRefusal> {
        if self.joined_at.is_some() {
            Some(JoinRefusal::PinAlreadyUsed)
        } else if self.status != "pending" || self.pin_expires_at <= now {
            // Expired, or ended by the technician before anyone joined: either way the
            // customer needs a new PIN.
            Some(JoinRefusal::PinExpired)
        } else {
            None
        }
    }
}

/// The newest session issued with `pin` since `since` (the memory horizon, at least twice a
/// PIN's validity, so a live PIN is always inside it).
async fn newest_with_pin(db: &Db, pin: &str, since: i64) -> anyhow::Result<Option<Candidate>> {
    store::pins::newest_with_pin(db, pin, since).await
}
