//! API keys in the database: the keys (only their SHA-256) and the technician groups each
//! one acts for.

use crate::store::Db;

/// Inserts a key and binds it to `group_ids`, in one transaction; false (and nothing
/// written) if a key named `name` already exists.
pub async fn insert(
    db: &Db,
    id: &str,
    name: &str,
    key_hash: &str,
    now: i64,
    group_ids: &[String],
) -> anyhow::Result<bool> {
    let mut tx = db.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO api_keys (id, name, key_hash, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(id)
    .bind(name)
    .bind(key_hash)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() != 1 {
        return Ok(false);
    }
    for group_id in group_ids {
        sqlx::query("INSERT INTO api_key_groups (api_key_id, group_id) VALUES ($1, $2)")
            .bind(id)
            .bind(group_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Binds the live key named `name` also to `group_ids` (those it has already stay), in one
/// transaction; false if there is no live key of that name.
pub async fn add_groups(db: &Db, name: &str, group_ids: &[String]) -> anyhow::Result<bool> {
    let mut tx = db.begin().await?;
    let key_id: Option<String> =
        sqlx::query_scalar("SELECT id FROM api_keys WHERE name = $1 AND revoked_at IS NULL")
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(key_id) = key_id else {
        return Ok(false);
    };
    for group_id in group_ids {
        sqlx::query(
            "INSERT INTO api_key_groups (api_key_id, group_id) VALUES ($1, $2) \
             ON CONFLICT (api_key_id, group_id) DO NOTHING",
        )
        .bind(&key_id)
        .bind(group_id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Whether the technician is in one of the groups the key is bound to.
pub async fn covers_technician(db: &Db, key_id: &str, technician_id: i64) -> anyhow::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT t.id FROM technicians t JOIN api_key_groups k ON k.group_id = t.group_id \
         WHERE k.api_key_id = $1 AND t.id = $2",
    )
    .bind(key_id)
    .bind(technician_id)
    .fetch_optional(db)
    .await?;
    Ok(found.is_some())
}

/// Every key, revoked ones too: (id, name, created_at, revoked_at), oldest first.
pub async fn all(db: &Db) -> anyhow::Result<Vec<(String, String, i64, Option<i64>)>> {
    Ok(sqlx::query_as(
        "SELECT id, name, created_at, revoked_at FROM api_keys ORDER BY created_at, name",
    )
    .fetch_all(db)
    .await?)
}

/// Every binding of a key to a group: (key id, group name), by group name.
pub async fn all_group_names(db: &Db) -> anyhow::Result<Vec<(String, String)>> {
    Ok(sqlx::query_as(
        "SELECT k.api_key_id, g.name FROM api_key_groups k \
         JOIN technician_groups g ON g.id = k.group_id ORDER BY g.name",
    )
    .fetch_all(db)
    .await?)
}

/// Marks the live key named `name` revoked; false if there is none.
pub async fn revoke(db: &Db, name: &str, now: i64) -> anyhow::Result<bool> {
    let done =
        sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(name)
            .execute(db)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// The id of the live key whose SHA-256 is `key_hash`.
pub async fn live_id_by_hash(db: &Db, key_hash: &str) -> anyhow::Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL")
            .bind(key_hash)
            .fetch_optional(db)
            .await?,
    )
}
