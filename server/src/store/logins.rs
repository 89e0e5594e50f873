//! Console log-ins in the database: the SHA-256 of each cookie token, whose it is and
//! until when it holds.

use crate::store::Db;
use crate::store::technicians::Technician;

pub async fn insert(
    db: &Db,
    token_hash: &str,
    technician_id: i64,
    now: i64,
    expires_at: i64,
) -> anyhow::Result<()> {
    sqlx::query("INSERT INTO login_sessions (token_hash, technician_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(token_hash)
        .bind(technician_id)
        .bind(now)
        .bind(expires_at)
        .execute(db)
        .await?;
    Ok(())
}

/// Forgets the log-in (signing out).
pub async fn delete(db: &Db, token_hash: &str) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM login_sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(db)
        .await?;
    Ok(())
}

/// The technician of a log-in that has not expired by `now`, and when it expires.
pub async fn technician_of(
    db: &Db,
    token_hash: &str,
    now: i64,
) -> anyhow::Result<Option<(Technician, i64)>> {
    let row: Option<(i64, String, String, i64)> = sqlx::query_as(
        "SELECT t.id, t.email, t.display_name, l.expires_at FROM login_sessions l \
         JOIN technicians t ON t.id = l.technician_id WHERE l.token_hash = $1 AND l.expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(id, email, name, expires_at)| (Technician { id, email, name }, expires_at)))
}

/// Whether the log-in exists and has not expired by `now`.
pub async fn is_live(db: &Db, token_hash: &str, now: i64) -> anyhow::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT technician_id FROM login_sessions WHERE token_hash = $1 AND expires_at > $2",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(db)
    .await?;
    Ok(found.is_some())
}

/// Deletes the log-ins expired by `now`.
pub async fn delete_expired(db: &Db, now: i64) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM login_sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}
