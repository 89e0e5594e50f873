//! PINs in the database: a session row is created together with its PIN, and redeemed by
//! a conditional `UPDATE`, so two customers typing the same PIN cannot both get it.

use crate::store::Db;

/// What a new session with a PIN is made of.
#[derive(Debug, Clone, Copy)]
pub struct NewPin<'a> {
    pub session_id: &'a str,
    pub technician_id: i64,
    pub customer_name: &'a str,
    pub pin: &'a str,
    pub expires_at: i64,
    pub now: i64,
    /// The PIN must not have been issued after this (nor be pending at all).
    pub remembered_since: i64,
}

/// Inserts a Pending session with the PIN unless the PIN is in use or remembered; false if
/// it is. One statement, so the "is it free" check and the insert cannot be split by a
/// concurrent issue of the same PIN.
pub async fn insert_if_free(db: &Db, new: &NewPin<'_>) -> anyhow::Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO sessions (id, technician_id, customer_name, pin, pin_expires_at, status, created_at) \
         SELECT $1, $2, $3, $4, $5, 'pending', $6 \
         WHERE NOT EXISTS (SELECT 1 FROM sessions WHERE pin = $4 AND (created_at > $7 OR status = 'pending'))",
    )
    .bind(new.session_id)
    .bind(new.technician_id)
    .bind(new.customer_name)
    .bind(new.pin)
    .bind(new.expires_at)
    .bind(new.now)
    .bind(new.remembered_since)
    .execute(db)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Marks the session joined by the customer token whose hash is given, only if its PIN is
/// still unredeemed and unexpired at `now`; false if it is not.
pub async fn claim(
    db: &Db,
    session_id: &str,
    customer_token_hash: &str,
    now: i64,
) -> anyhow::Result<bool> {
    let claimed = sqlx::query(
        "UPDATE sessions SET joined_at = $1, customer_token_hash = $2 \
         WHERE id = $3 AND status = 'pending' AND joined_at IS NULL AND pin_expires_at > $4",
    )
    .bind(now)
    .bind(customer_token_hash)
    .bind(session_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(claimed.rows_affected() == 1)
}

/// The newest session issued with a PIN, as a customer's join looks at it.
#[derive(Debug, sqlx::FromRow)]
pub struct Candidate {
    pub session_id: String,
    pub technician_id: i64,
    pub technician_name: String,
    pub customer_name: String,
    pub status: String,
    pub pin_expires_at: i64,
    pub joined_at: Option<i64>,
}

/// The newest session issued with `pin` after `since`: an index range on (pin, created_at).
pub async fn newest_with_pin(db: &Db, pin: &str, since: i64) -> anyhow::Result<Option<Candidate>> {
    Ok(sqlx::query_as(
        "SELECT s.id AS session_id, s.technician_id, t.display_name AS technician_name, \
                s.customer_name, s.status, s.pin_expires_at, s.joined_at \
         FROM sessions s JOIN technicians t ON t.id = s.technician_id \
         WHERE s.pin = $1 AND s.created_at > $2 \
         ORDER BY s.created_at DESC LIMIT 1",
    )
    .bind(pin)
    .bind(since)
    .fetch_optional(db)
    .await?)
}
