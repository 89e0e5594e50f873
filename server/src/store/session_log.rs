//! The session log: every step of a session with its time (seed 000: "the PIN is shown in
//! the dialog and in the session log"). The console shows it for the selected session;
//! `GET /api/sessions/{id}/log` returns it.

use std::sync::atomic::{AtomicI64, Ordering};

use serde::Serialize;

use crate::store::{Db, now_ms};

/// One kind of step. The wire names are what the API returns and the console translates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    Created,
    PinIssued,
    EmailSent,
    CustomerJoined,
    EulaAccepted,
    EulaDeclined,
    Started,
    OnHold,
    Resumed,
    Ended,
    Expired,
    TimedOut,
    /// The technician asked the customer's camera for something (detail: what).
    CameraControl,
    /// The customer's app did not do it (detail: what, and why).
    ControlRefused,
    /// The technician created another PIN in this one's place (detail: the new PIN and
    /// session).
    PinReplaced,
    /// The technician handed the session to a colleague (detail: from whom to whom).
    Transferred,
    /// The customer's media connection broke and its app is restarting ICE (detail: the
    /// sentence).
    Reconnecting,
    /// Media flows again after [`Event::Reconnecting`].
    Reconnected,
    /// A STUN or TURN server failed for the customer's app or the console (detail: which
    /// server, the error, what to check).
    IceServerError,
    /// A technician was invited to collaborate (detail: who invited whom, how, with which
    /// permissions).
    CollaboratorInvited,
    /// An invited technician joined (detail: their name).
    CollaboratorJoined,
    /// A collaborator left or their console went away for good (detail: their name).
    CollaboratorLeft,
    /// The lead removed a collaborator (detail: their name).
    CollaboratorRemoved,
    /// The lead changed what a collaborator may do (detail: the name and the new permissions).
    CollaboratorPermissions,
    /// The log reached [`MAX_ROWS`]; nothing after this row was kept.
    LogTruncated,
}

impl Event {
    pub fn name(self) -> &'static str {
        match self {
            Event::Created => "created",
            Event::PinIssued => "pin_issued",
            Event::EmailSent => "email_sent",
            Event::CustomerJoined => "customer_joined",
            Event::EulaAccepted => "eula_accepted",
            Event::EulaDeclined => "eula_declined",
            Event::Started => "started",
            Event::OnHold => "on_hold",
            Event::Resumed => "resumed",
            Event::Ended => "ended",
            Event::Expired => "expired",
            Event::TimedOut => "timed_out",
            Event::CameraControl => "camera_control",
            Event::ControlRefused => "control_refused",
            Event::PinReplaced => "pin_replaced",
            Event::Transferred => "transferred",
            Event::Reconnecting => "reconnecting",
            Event::Reconnected => "reconnected",
            Event::IceServerError => "ice_server_error",
            Event::CollaboratorInvited => "collaborator_invited",
            Event::CollaboratorJoined => "collaborator_joined",
            Event::CollaboratorLeft => "collaborator_left",
            Event::CollaboratorRemoved => "collaborator_removed",
            Event::CollaboratorPermissions => "collaborator_permissions",
            Event::LogTruncated => "log_truncated",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Unix milliseconds.
    pub at: i64,
    pub event: String,
    /// The PIN, the address an e-mail went to, the end reason, the technician's name…
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Strictly increasing microsecond stamps: entries written in the same millisecond keep
/// their order, and stamps after a restart follow those before it (the clock moved on).
fn next_seq() -> i64 {
    static LAST: AtomicI64 = AtomicI64::new(0);
    let now_us = now_ms().saturating_mul(1000);
    let mut last = LAST.load(Ordering::Relaxed);
    loop {
        let next = now_us.max(last + 1);
        match LAST.compare_exchange_weak(last, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(seen) => last = seen,
        }
    }
}

/// Rows one session's log keeps. An honest session writes a few dozen (each camera control
/// is a click); a hostile app or console that repeats a logged message would otherwise grow
/// the database without bound (issue 9, finding 8).
pub const MAX_ROWS: i64 = 1000;

/// Appends a step, up to [`MAX_ROWS`] rows; the row after them says the log was truncated
/// and nothing more is written. The count is part of the insert (the primary key's index
/// on the session's rows), so capping costs no extra query. A failure to log is reported
/// but never undoes the step it describes.
pub async fn record(db: &Db, session_id: &str, event: Event, detail: Option<&str>) {
    let result = sqlx::query(
        "INSERT INTO session_log (session_id, seq, at, event, detail) \
         SELECT $1, $2, $3, \
                CASE WHEN logged.n < $6 THEN $4 ELSE $7 END, \
                CASE WHEN logged.n < $6 THEN $5 ELSE NULL END \
         FROM (SELECT COUNT(*) AS n FROM session_log WHERE session_id = $1) AS logged \
         WHERE logged.n <= $6",
    )
    .bind(session_id)
    .bind(next_seq())
    .bind(now_ms())
    .bind(event.name())
    .bind(detail)
    .bind(MAX_ROWS)
    .bind(Event::LogTruncated.name())
    .execute(db)
    .await;
    if let Err(error) = result {
        tracing::warn!(session = %session_id, event = event.name(), error = %error, "writing the session log failed");
    }
}

pub async fn entries(db: &Db, session_id: &str) -> anyhow::Result<Vec<Entry>> {
    let rows: Vec<(i64, String, Option<String>)> = sqlx::query_as(
        "SELECT at, event, detail FROM session_log WHERE session_id = $1 ORDER BY seq",
    )
    .bind(session_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(at, event, detail)| Entry { at, event, detail })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_numbers_only_go_up() {
        let stamps: Vec<i64> = (0..1000).map(|_| next_seq()).collect();
        assert!(stamps.windows(2).all(|w| w[0] < w[1]));
    }
}
