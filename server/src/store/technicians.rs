//! Technician accounts in the database: their addresses (stored lower-cased), names,
//! password hashes, groups and admin role.

use serde::Serialize;

use crate::store::Db;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Technician {
    pub id: i64,
    pub email: String,
    /// Shown to the customer ("Your technician: ...") and in the console.
    pub name: String,
}

/// A technician as the admin pages list them: (id, email, name, group id, is_admin).
pub type MemberRow = (i64, String, String, String, i64);

/// Inserts an account with the next free id (one more than the largest) and returns the
/// id. The error tells a unique violation (the address, or a concurrent insert's id) from
/// other failures.
pub async fn insert(
    db: &Db,
    email: &str,
    name: &str,
    password_hash: &str,
    now: i64,
    group_id: &str,
    is_admin: bool,
) -> Result<i64, sqlx::Error> {
    // Small sequential ids (no AUTOINCREMENT/SERIAL: the schema is portable), safe as JSON
    // numbers in the console.
    sqlx::query_scalar(
        "INSERT INTO technicians (id, email, display_name, password_hash, created_at, updated_at, group_id, is_admin) \
         SELECT COALESCE(MAX(id), 0) + 1, $1, $2, $3, $4, $5, $6, $7 FROM technicians RETURNING id",
    )
    .bind(email)
    .bind(name)
    .bind(password_hash)
    .bind(now)
    .bind(now)
    .bind(group_id)
    .bind(i64::from(is_admin))
    .fetch_one(db)
    .await
}

/// Sets the name and password hash of the account with this (normalised) address and
/// deletes all its log-ins, in one transaction. The account's id, None if there is none.
pub async fn reset_password(
    db: &Db,
    email: &str,
    name: &str,
    password_hash: &str,
    now: i64,
) -> anyhow::Result<Option<i64>> {
    let mut tx = db.begin().await?;
    let id: Option<i64> = sqlx::query_scalar(
        "UPDATE technicians SET display_name = $1, password_hash = $2, updated_at = $3 \
         WHERE email = $4 RETURNING id",
    )
    .bind(name)
    .bind(password_hash)
    .bind(now)
    .bind(email)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(id) = id {
        sqlx::query("DELETE FROM login_sessions WHERE technician_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// The id of the account with this (normalised) address.
pub async fn id_by_email(db: &Db, email: &str) -> anyhow::Result<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM technicians WHERE email = $1")
            .bind(email)
            .fetch_optional(db)
            .await?,
    )
}

pub async fn by_id(db: &Db, id: i64) -> anyhow::Result<Option<Technician>> {
    Ok(
        sqlx::query_as("SELECT id, email, display_name AS name FROM technicians WHERE id = $1")
            .bind(id)
            .fetch_optional(db)
            .await?,
    )
}

/// The account with this (normalised) address.
pub async fn by_email(db: &Db, email: &str) -> anyhow::Result<Option<Technician>> {
    Ok(
        sqlx::query_as("SELECT id, email, display_name AS name FROM technicians WHERE email = $1")
            .bind(email)
            .fetch_optional(db)
            .await?,
    )
}

/// The account with this (normalised) address and its password hash.
pub async fn with_password_hash(
    db: &Db,
    email: &str,
) -> anyhow::Result<Option<(Technician, String)>> {
    let row: Option<(i64, String, String, String)> = sqlx::query_as(
        "SELECT id, email, display_name, password_hash FROM technicians WHERE email = $1",
    )
    .bind(email)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|(id, email, name, hash)| (Technician { id, email, name }, hash)))
}

/// The technician's admin flag (0 or 1); None if there is no such technician.
pub async fn is_admin(db: &Db, technician_id: i64) -> anyhow::Result<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT is_admin FROM technicians WHERE id = $1")
            .bind(technician_id)
            .fetch_optional(db)
            .await?,
    )
}

/// Every technician with group and role, by name.
pub async fn members(db: &Db) -> anyhow::Result<Vec<MemberRow>> {
    Ok(sqlx::query_as(
        "SELECT id, email, display_name, group_id, is_admin FROM technicians ORDER BY display_name, id",
    )
    .fetch_all(db)
    .await?)
}

/// Moves the technician into the group; false if there is no such technician.
pub async fn set_group(db: &Db, technician_id: i64, group_id: &str) -> anyhow::Result<bool> {
    let done = sqlx::query("UPDATE technicians SET group_id = $1 WHERE id = $2")
        .bind(group_id)
        .bind(technician_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() != 0)
}

/// Gives or takes the admin role; false if there is no such technician.
pub async fn set_admin(db: &Db, technician_id: i64, is_admin: bool) -> anyhow::Result<bool> {
    let done = sqlx::query("UPDATE technicians SET is_admin = $1 WHERE id = $2")
        .bind(i64::from(is_admin))
        .bind(technician_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() != 0)
}
