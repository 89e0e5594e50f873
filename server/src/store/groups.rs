//! Technician groups in the database: their permission flags, timeouts (in milliseconds,
//! NULL for the server's setting), the relay-only flag and the External tab's options.

use crate::store::Db;

/// A group's row: id, name, the six permission flags (start Lens sessions, start private
/// sessions, PIN, e-mail, link, invite), then the PIN lifetime, waiting and idle timeouts,
/// then relay-only, then the External tab's two invitation options (0 or 1 each).
pub type GroupRow = (
    String,
    String,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    i64,
    i64,
    i64,
);

const COLUMNS: &str = "id, name, can_start_lens, can_start_private, can_use_pin, can_use_email, \
                       can_use_link, can_invite, pin_ttl_ms, waiting_timeout_ms, idle_timeout_ms, \
                       relay_only, can_invite_approved, can_invite_unlisted";

/// What [`update`] writes over a group's row.
#[derive(Debug, Clone, Copy)]
pub struct GroupUpdate<'a> {
    pub name: &'a str,
    pub name_key: &'a str,
    /// The permission flags, in [`GroupRow`] order.
    pub flags: [i64; 6],
    pub pin_ttl_ms: Option<i64>,
    pub waiting_timeout_ms: Option<i64>,
    pub idle_timeout_ms: Option<i64>,
    /// 0 or 1.
    pub relay_only: i64,
    /// Invite an approved external technician, invite an unlisted one: 0 or 1 each.
    pub invite_external: [i64; 2],
}

/// Every group, by name.
pub async fn all(db: &Db) -> anyhow::Result<Vec<GroupRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM technician_groups ORDER BY name_key"
    ))
    .fetch_all(db)
    .await?)
}

pub async fn by_id(db: &Db, id: &str) -> anyhow::Result<Option<GroupRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM technician_groups WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await?)
}

/// The group whose id is `id` or whose lower-cased name is `name_key`.
pub async fn by_id_or_name_key(
    db: &Db,
    id: &str,
    name_key: &str,
) -> anyhow::Result<Option<GroupRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM technician_groups WHERE id = $1 OR name_key = $2"
    ))
    .bind(id)
    .bind(name_key)
    .fetch_optional(db)
    .await?)
}

/// The group of the technician, if both exist.
pub async fn of_technician(db: &Db, technician_id: i64) -> anyhow::Result<Option<GroupRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {} FROM technician_groups g JOIN technicians t ON t.group_id = g.id WHERE t.id = $1",
        COLUMNS
            .split(", ")
            .map(|c| format!("g.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ")
    ))
    .bind(technician_id)
    .fetch_optional(db)
    .await?)
}

/// Inserts a group with the columns' defaults; the error tells a taken name (a unique
/// violation) from other failures.
pub async fn insert(
    db: &Db,
    id: &str,
    name: &str,
    name_key: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO technician_groups (id, name, name_key, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(name)
    .bind(name_key)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// Overwrites the group's name, flags, timeouts and relay-only setting; the error tells a taken name (a unique
/// violation) from other failures.
pub async fn update(db: &Db, id: &str, group: &GroupUpdate<'_>) -> Result<(), sqlx::Error> {
    let [lens, private, pin, email, link, invite] = group.flags;
    sqlx::query(
        "UPDATE technician_groups SET name = $1, name_key = $2, can_start_lens = $3, can_start_private = $4, \
         can_use_pin = $5, can_use_email = $6, can_use_link = $7, can_invite = $8, pin_ttl_ms = $9, \
         waiting_timeout_ms = $10, idle_timeout_ms = $11, relay_only = $12, can_invite_approved = $13, \
         can_invite_unlisted = $14 WHERE id = $15",
    )
    .bind(group.name)
    .bind(group.name_key)
    .bind(lens)
    .bind(private)
    .bind(pin)
    .bind(email)
    .bind(link)
    .bind(invite)
    .bind(group.pin_ttl_ms)
    .bind(group.waiting_timeout_ms)
    .bind(group.idle_timeout_ms)
    .bind(group.relay_only)
    .bind(group.invite_external[0])
    .bind(group.invite_external[1])
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}
