//! Hand-offs in the database: which Lens session a chat system's remote-assistance dialog
//! currently stands for. "Create another PIN" points the hand-off at the replacement
//! session; its id, which the chat system keeps, never changes.

use crate::store::Db;

/// Records a new hand-off of `session_id`, made with the API key `api_key_id`.
pub async fn insert(
    db: &Db,
    id: &str,
    api_key_id: &str,
    session_id: &str,
    now: i64,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO handoffs (id, api_key_id, session_id, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(api_key_id)
    .bind(session_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// The session behind hand-off `id`, if that hand-off was made with the same key: another
/// key's hand-offs read as missing, so one integration cannot probe another's.
pub async fn session_of(db: &Db, api_key_id: &str, id: &str) -> anyhow::Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT session_id FROM handoffs WHERE id = $1 AND api_key_id = $2")
            .bind(id)
            .bind(api_key_id)
            .fetch_optional(db)
            .await?,
    )
}

/// Points the hand-off at `new_session`, only if it still points at `old_session`; false
/// when a concurrent replacement got there first.
pub async fn replace_session(
    db: &Db,
    id: &str,
    old_session: &str,
    new_session: &str,
) -> anyhow::Result<bool> {
    let done = sqlx::query("UPDATE handoffs SET session_id = $1 WHERE id = $2 AND session_id = $3")
        .bind(new_session)
        .bind(id)
        .bind(old_session)
        .execute(db)
        .await?;
    Ok(done.rows_affected() == 1)
}
