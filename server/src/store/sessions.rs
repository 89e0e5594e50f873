//! Sessions in the database. Every status change is one conditional `UPDATE`, so two
//! requests racing for the same session (two Starts, a Start and a Leave) cannot both win:
//! the loser sees zero rows changed.

use crate::store::Db;
use lens_core::signal::{EndReason, SessionStatus, SessionSummary};

/// How far back a technician's list reaches for sessions that are over.
const LIST_HISTORY_MS: i64 = 24 * 3600 * 1000;
/// At most this many rows in a list (newest first).
const LIST_LIMIT: i64 = 100;

/// The statuses in which a session can still change.
const LIVE: &str = "('pending', 'waiting', 'active')";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub id: String,
    pub technician_id: i64,
    pub customer_name: String,
    pub status: SessionStatus,
    pub end_reason: Option<EndReason>,
    pub pin: String,
    pub pin_expires_at: i64,
    pub joined_at: Option<i64>,
    pub created_at: i64,
    pub eula_version: Option<String>,
    /// Set while the technician has the (stored as active) session on hold.
    pub held_at: Option<i64>,
    /// How the PIN reached the customer ("pin", "email", "link").
    pub method: String,
}

impl SessionRow {
    /// The status as of `now`: an unredeemed PIN past its time is Expired even before the
    /// sweep has written that down.
    pub fn status_at(&self, now: i64) -> (SessionStatus, Option<EndReason>) {
        if self.status == SessionStatus::Pending
            && self.joined_at.is_none()
            && self.pin_expires_at <= now
        {
            (SessionStatus::Expired, Some(EndReason::PinExpired))
        } else if self.status == SessionStatus::Active && self.held_at.is_some() {
            (SessionStatus::OnHold, None)
        } else if self.status == SessionStatus::Closed
            && matches!(
                self.end_reason,
                Some(EndReason::WaitingTimedOut | EndReason::IdleTimedOut)
            )
        {
            // Stored as closed (the one-active index and the sweeps only know the stored
            // statuses); shown as Timed out with the reason saying which timeout.
            (SessionStatus::TimedOut, self.end_reason)
        } else {
            (self.status, self.end_reason)
        }
    }

    pub fn is_live(&self, now: i64) -> bool {
        matches!(
            self.status_at(now).0,
            SessionStatus::Pending
                | SessionStatus::Waiting
                | SessionStatus::Active
                | SessionStatus::OnHold
        )
    }

    pub fn summary(&self, now: i64) -> SessionSummary {
        let (status, end_reason) = self.status_at(now);
        SessionSummary {
            id: self.id.clone(),
            customer_name: self.customer_name.clone(),
            status,
            // Only while it can still be redeemed: the technician may need to read it out again.
            pin: (status == SessionStatus::Pending && self.joined_at.is_none())
                .then(|| self.pin.clone()),
            created_at: self.created_at,
            end_reason,
            end_reason_text: end_reason.map(|reason| reason.describe().to_owned()),
            // Filled in from the live registry by whoever sends the list.
            collaborators: 0,
        }
    }
}

type RawRow = (
    String,
    i64,
    String,
    String,
    Option<String>,
    String,
    i64,
    Option<i64>,
    i64,
    Option<String>,
    Option<i64>,
    String,
);

const COLUMNS: &str = "id, technician_id, customer_name, status, end_reason, pin, pin_expires_at, joined_at, \
                       created_at, eula_version, held_at, method";

fn from_raw(raw: RawRow) -> anyhow::Result<SessionRow> {
    let (
        id,
        technician_id,
        customer_name,
        status,
        end_reason,
        pin,
        pin_expires_at,
        joined_at,
        created_at,
        eula_version,
        held_at,
        method,
    ) = raw;
    Ok(SessionRow {
        status: status
            .parse()
            .map_err(|error| anyhow::anyhow!("session {id}: {error}"))?,
        end_reason: end_reason.as_deref().and_then(|name| name.parse().ok()),
        id,
        technician_id,
        customer_name,
        pin,
        pin_expires_at,
        joined_at,
        created_at,
        eula_version,
        held_at,
        method,
    })
}

/// Records how the PIN reaches the customer ("pin", "email", "link").
pub async fn set_method(db: &Db, session_id: &str, method: &str) -> anyhow::Result<()> {
    sqlx::query("UPDATE sessions SET method = $1 WHERE id = $2")
        .bind(method)
        .bind(session_id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn get(db: &Db, session_id: &str) -> anyhow::Result<Option<SessionRow>> {
    let raw: Option<RawRow> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM sessions WHERE id = $1"))
            .bind(session_id)
            .fetch_optional(db)
            .await?;
    raw.map(from_raw).transpose()
}

pub async fn by_customer_token_hash(
    db: &Db,
    token_hash: &str,
) -> anyhow::Result<Option<SessionRow>> {
    let raw: Option<RawRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM sessions WHERE customer_token_hash = $1"
    ))
    .bind(token_hash)
    .fetch_optional(db)
    .await?;
    raw.map(from_raw).transpose()
}

/// The technician's list: everything still live plus the last day's history, newest first.
pub async fn list_for_technician(
    db: &Db,
    technician_id: i64,
    now: i64,
) -> anyhow::Result<Vec<SessionSummary>> {
    let raws: Vec<RawRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM sessions WHERE technician_id = $1 AND (status IN {LIVE} OR created_at > $2) \
         ORDER BY created_at DESC, id LIMIT $3"
    ))
    .bind(technician_id)
    .bind(now - LIST_HISTORY_MS)
    .bind(LIST_LIMIT)
    .fetch_all(db)
    .await?;
    raws.into_iter()
        .map(|raw| from_raw(raw).map(|row| row.summary(now)))
        .collect()
}

/// Sessions a customer has joined and that are not over: after a restart each gets the
/// reconnect grace period to have its customer come back.
pub async fn joined_live_sessions(db: &Db) -> anyhow::Result<Vec<String>> {
    Ok(sqlx::query_scalar(&format!(
        "SELECT id FROM sessions WHERE status IN {LIVE} AND joined_at IS NOT NULL"
    ))
    .fetch_all(db)
    .await?)
}

/// Pending (joined) → Waiting. False if the session was not in that state.
pub async fn accept_eula(db: &Db, session_id: &str, version: &str) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE sessions SET status = 'waiting', eula_version = $1 \
         WHERE id = $2 AND status = 'pending' AND joined_at IS NOT NULL",
    )
    .bind(version)
    .bind(session_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Waiting → Active, only if the technician has no other active session. False if either
/// condition did not hold (the caller looks at why).
pub async fn start(
    db: &Db,
    session_id: &str,
    technician_id: i64,
    now: i64,
) -> anyhow::Result<bool> {
    let result = sqlx::query(
        "UPDATE sessions SET status = 'active', started_at = $1 \
         WHERE id = $2 AND technician_id = $3 AND status = 'waiting' \
           AND NOT EXISTS (SELECT 1 FROM sessions WHERE technician_id = $4 AND status = 'active')",
    )
    .bind(now)
    .bind(session_id)
    .bind(technician_id)
    .bind(technician_id)
    .execute(db)
    .await;
    one_row_unless_active_elsewhere(result)
}

/// Whether a write guarded by "the technician has no other active session" changed its one
/// row. The one-active-per-technician index catches the race the `NOT EXISTS` cannot see (two
/// writes at once): that is a refusal like the guard's, not an error.
fn one_row_unless_active_elsewhere(
    result: Result<sqlx::any::AnyQueryResult, sqlx::Error>,
) -> anyhow::Result<bool> {
    match result {
        Ok(done) => Ok(done.rows_affected() == 1),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
        Err(e) => Err(e.into()),
    }
}

pub async fn active_session_of(db: &Db, technician_id: i64) -> anyhow::Result<Option<String>> {
    Ok(
        sqlx::query_scalar(
            "SELECT id FROM sessions WHERE technician_id = $1 AND status = 'active'",
        )
        .bind(technician_id)
        .fetch_optional(db)
        .await?,
    )
}

/// Any live status → Closed. Returns the technician to notify, or None if the session was
/// already over (someone else closed it first).
pub async fn close(
    db: &Db,
    session_id: &str,
    reason: EndReason,
    now: i64,
) -> anyhow::Result<Option<i64>> {
    Ok(sqlx::query_scalar(&format!(
        "UPDATE sessions SET status = 'closed', end_reason = $1, ended_at = $2 \
         WHERE id = $3 AND status IN {LIVE} RETURNING technician_id"
    ))
    .bind(reason.as_str())
    .bind(now)
    .bind(session_id)
    .fetch_optional(db)
    .await?)
}

/// Pending and never joined → Closed (the PIN was replaced). Returns the technician, or
/// None if a customer joined first or the session was no longer pending.
pub async fn close_unredeemed(
    db: &Db,
    session_id: &str,
    reason: EndReason,
    now: i64,
) -> anyhow::Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "UPDATE sessions SET status = 'closed', end_reason = $1, ended_at = $2 \
         WHERE id = $3 AND status = 'pending' AND joined_at IS NULL RETURNING technician_id",
    )
    .bind(reason.as_str())
    .bind(now)
    .bind(session_id)
    .fetch_optional(db)
    .await?)
}

/// Marks unredeemed PINs that ran out as Expired; returns the sessions and their
/// technicians (to log and to notify).
pub async fn expire_due(db: &Db, now: i64) -> anyhow::Result<Vec<(String, i64)>> {
    Ok(sqlx::query_as(
        "UPDATE sessions SET status = 'expired', end_reason = 'pin_expired', ended_at = pin_expires_at \
         WHERE status = 'pending' AND joined_at IS NULL AND pin_expires_at <= $1 RETURNING id, technician_id",
    )
    .bind(now)
    .fetch_all(db)
    .await?)
}

/// Active → on hold (media stops, the session stays). False if it was not active and
/// running.
pub async fn hold(db: &Db, session_id: &str, technician_id: i64, now: i64) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE sessions SET held_at = $1 \
         WHERE id = $2 AND technician_id = $3 AND status = 'active' AND held_at IS NULL",
    )
    .bind(now)
    .bind(session_id)
    .bind(technician_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// On hold → active. False if it was not on hold.
pub async fn resume(db: &Db, session_id: &str, technician_id: i64) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE sessions SET held_at = NULL \
         WHERE id = $1 AND technician_id = $2 AND status = 'active' AND held_at IS NOT NULL",
    )
    .bind(session_id)
    .bind(technician_id)
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Hands a joined session (Waiting, Active or on hold) from `from` to `to`, only while `to`
/// has no active session. An active session is put on hold on the way, so that the
/// receiver's Start brings the media back as after a hold. False if any condition did not
/// hold (the caller looks at why).
pub async fn transfer(
    db: &Db,
    session_id: &str,
    from: i64,
    to: i64,
    now: i64,
) -> anyhow::Result<bool> {
    let result = sqlx::query(
        "UPDATE sessions SET technician_id = $1, \
                held_at = CASE WHEN status = 'active' THEN COALESCE(held_at, $2) ELSE held_at END \
         WHERE id = $3 AND technician_id = $4 AND status IN ('waiting', 'active') \
           AND NOT EXISTS (SELECT 1 FROM sessions WHERE technician_id = $5 AND status = 'active')",
    )
    .bind(to)
    .bind(now)
    .bind(session_id)
    .bind(from)
    .bind(to)
    .execute(db)
    .await;
    one_row_unless_active_elsewhere(result)
}

/// A session a timeout may end: since when the clock runs, and the group's setting (None:
/// the server's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeoutCandidate {
    pub session_id: String,
    pub since: i64,
    pub group_timeout_ms: Option<i64>,
}

/// Customers waiting for the technician (joined, not started), since they joined.
pub async fn waiting_since(db: &Db) -> anyhow::Result<Vec<TimeoutCandidate>> {
    timeout_candidates(
        db,
        "s.joined_at, g.waiting_timeout_ms",
        "s.status IN ('pending', 'waiting') AND s.joined_at IS NOT NULL",
    )
    .await
}

/// Sessions on hold, since they were put on hold.
pub async fn held_since(db: &Db) -> anyhow::Result<Vec<TimeoutCandidate>> {
    timeout_candidates(
        db,
        "s.held_at, g.idle_timeout_ms",
        "s.status = 'active' AND s.held_at IS NOT NULL",
    )
    .await
}

async fn timeout_candidates(
    db: &Db,
    columns: &str,
    condition: &str,
) -> anyhow::Result<Vec<TimeoutCandidate>> {
    let rows: Vec<(String, i64, Option<i64>)> = sqlx::query_as(&format!(
        "SELECT s.id, {columns} FROM sessions s JOIN technicians t ON t.id = s.technician_id \
         LEFT JOIN technician_groups g ON g.id = t.group_id WHERE {condition}"
    ))
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(session_id, since, group_timeout_ms)| TimeoutCandidate {
            session_id,
            since,
            group_timeout_ms,
        })
        .collect())
}

/// When the next unredeemed PIN runs out, if any is pending.
pub async fn next_pin_expiry(db: &Db) -> anyhow::Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT MIN(pin_expires_at) FROM sessions WHERE status = 'pending' AND joined_at IS NULL",
    )
    .fetch_one(db)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unredeemed_pin_past_its_time_reads_as_expired() {
        let row = SessionRow {
            id: "s".into(),
            technician_id: 1,
            customer_name: "Ann".into(),
            status: SessionStatus::Pending,
            end_reason: None,
            pin: "123456".into(),
            pin_expires_at: 1_000,
            joined_at: None,
            created_at: 0,
            eula_version: None,
            held_at: None,
            method: "pin".into(),
        };
        assert_eq!(row.summary(999).pin.as_deref(), Some("123456"));
        let later = row.summary(1_000);
        assert_eq!(
            (later.status, later.end_reason, later.pin),
            (SessionStatus::Expired, Some(EndReason::PinExpired), None)
        );
        let joined = SessionRow {
            joined_at: Some(500),
            ..row
        };
        assert_eq!(joined.summary(2_000).status, SessionStatus::Pending);
        assert_eq!(joined.summary(2_000).pin, None);
    }
}
