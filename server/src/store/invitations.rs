//! Invitations to collaborate and the seats they become (seed 004), and the admin's list of
//! approved external technicians. Redeeming and the five-technician limit are conditional
//! statements, so two redemptions racing for the last seat cannot both win.

use crate::store::Db;

/// An invitation as it is written.
#[derive(Debug, Clone)]
pub struct NewInvitation<'a> {
    pub id: &'a str,
    pub session_id: &'a str,
    pub invited_by: &'a str,
    pub kind: &'a str,
    pub technician_id: Option<i64>,
    pub approved_id: Option<&'a str>,
    pub name: &'a str,
    pub email: Option<&'a str>,
    /// talk, camera controls, invite, session log: 0 or 1 each.
    pub permissions: [i64; 4],
    pub note: &'a str,
    pub method: &'a str,
    pub pin: Option<&'a str>,
    pub token_hash: Option<&'a str>,
    pub now: i64,
    pub expires_at: i64,
    /// The PIN must not have been issued to another invitation after this.
    pub remembered_since: i64,
}

/// What a conditional insert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    Yes,
    /// The session already has `limit` seats and live invitations.
    Full,
    /// Another invitation holds the PIN; draw another.
    PinTaken,
}

/// The seats (redeemed, not ended) and the unused invitations still valid at `now`: what
/// counts against the technician limit besides the lead.
const TAKEN: &str = "SELECT COUNT(*) FROM invitations WHERE session_id = $1 AND ended_at IS NULL \
                     AND (redeemed_at IS NOT NULL OR expires_at > $2)";

pub async fn taken(db: &Db, session_id: &str, now: i64) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar(TAKEN)
        .bind(session_id)
        .bind(now)
        .fetch_one(db)
        .await?)
}

/// Inserts the invitation if the session has fewer than `limit` seats and live invitations
/// and the PIN (if any) is free, in one statement.
pub async fn insert_if_room(
    db: &Db,
    new: &NewInvitation<'_>,
    limit: i64,
) -> anyhow::Result<Inserted> {
    let [talk, camera, invite, log] = new.permissions;
    let inserted = sqlx::query(
        "INSERT INTO invitations (id, session_id, invited_by, kind, technician_id, approved_id, name, \
         email, can_talk, can_control_camera, can_invite, can_read_log, note, method, pin, token_hash, \
         created_at, expires_at) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18 \
         WHERE (SELECT COUNT(*) FROM invitations WHERE session_id = $2 AND ended_at IS NULL \
                AND (redeemed_at IS NOT NULL OR expires_at > $17)) < $19 \
         AND ($15 IS NULL OR NOT EXISTS (SELECT 1 FROM invitations WHERE pin = $15 AND created_at > $20))",
    )
    .bind(new.id)
    .bind(new.session_id)
    .bind(new.invited_by)
    .bind(new.kind)
    .bind(new.technician_id)
    .bind(new.approved_id)
    .bind(new.name)
    .bind(new.email)
    .bind(talk)
    .bind(camera)
    .bind(invite)
    .bind(log)
    .bind(new.note)
    .bind(new.method)
    .bind(new.pin)
    .bind(new.token_hash)
    .bind(new.now)
    .bind(new.expires_at)
    .bind(limit)
    .bind(new.remembered_since)
    .execute(db)
    .await?;
    if inserted.rows_affected() == 1 {
        return Ok(Inserted::Yes);
    }
    if taken(db, new.session_id, new.now).await? >= limit {
        Ok(Inserted::Full)
    } else {
        Ok(Inserted::PinTaken)
    }
}

/// An invitation or seat as redeeming and connecting read it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InvitationRow {
    pub id: String,
    pub session_id: String,
    pub invited_by: String,
    pub kind: String,
    pub technician_id: Option<i64>,
    pub name: String,
    pub can_talk: i64,
    pub can_control_camera: i64,
    pub can_invite: i64,
    pub can_read_log: i64,
    pub note: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub redeemed_at: Option<i64>,
    pub ended_at: Option<i64>,
}

const COLUMNS: &str = "id, session_id, invited_by, kind, technician_id, name, can_talk, \
                       can_control_camera, can_invite, can_read_log, note, created_at, expires_at, \
                       redeemed_at, ended_at";

/// The newest invitation issued with `pin` after `since` (an index range on (pin, created_at)).
pub async fn newest_with_pin(
    db: &Db,
    pin: &str,
    since: i64,
) -> anyhow::Result<Option<InvitationRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM invitations WHERE pin = $1 AND created_at > $2 \
         ORDER BY created_at DESC LIMIT 1"
    ))
    .bind(pin)
    .bind(since)
    .fetch_optional(db)
    .await?)
}

pub async fn by_id(db: &Db, id: &str) -> anyhow::Result<Option<InvitationRow>> {
    Ok(
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM invitations WHERE id = $1"))
            .bind(id)
            .fetch_optional(db)
            .await?,
    )
}

pub async fn by_token_hash(db: &Db, token_hash: &str) -> anyhow::Result<Option<InvitationRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM invitations WHERE token_hash = $1"
    ))
    .bind(token_hash)
    .fetch_optional(db)
    .await?)
}

/// The live seat whose console credential hashes to `seat_hash`.
pub async fn seat_by_hash(db: &Db, seat_hash: &str) -> anyhow::Result<Option<InvitationRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM invitations WHERE seat_token_hash = $1 AND ended_at IS NULL \
         AND redeemed_at IS NOT NULL"
    ))
    .bind(seat_hash)
    .fetch_optional(db)
    .await?)
}

/// Every seat that has not ended (after a restart no console sits in them).
pub async fn live_seats(db: &Db) -> anyhow::Result<Vec<InvitationRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM invitations WHERE redeemed_at IS NOT NULL AND ended_at IS NULL"
    ))
    .fetch_all(db)
    .await?)
}

/// Turns the invitation into a seat, only if it is unused, unexpired and not ended at `now`
/// and the session has fewer than `seats` seats; false otherwise.
pub async fn redeem(
    db: &Db,
    id: &str,
    seat_hash: &str,
    now: i64,
    seats: i64,
) -> anyhow::Result<bool> {
    let redeemed = sqlx::query(
        "UPDATE invitations SET redeemed_at = $1, seat_token_hash = $2 \
         WHERE id = $3 AND redeemed_at IS NULL AND ended_at IS NULL AND expires_at > $1 \
         AND (SELECT COUNT(*) FROM invitations AS seated \
              WHERE seated.session_id = invitations.session_id \
              AND seated.redeemed_at IS NOT NULL AND seated.ended_at IS NULL) < $4",
    )
    .bind(now)
    .bind(seat_hash)
    .bind(id)
    .bind(seats)
    .execute(db)
    .await?;
    Ok(redeemed.rows_affected() == 1)
}

/// Ends one invitation or seat; false if it had already ended.
pub async fn end(db: &Db, id: &str, now: i64) -> anyhow::Result<bool> {
    let ended =
        sqlx::query("UPDATE invitations SET ended_at = $1 WHERE id = $2 AND ended_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(db)
            .await?;
    Ok(ended.rows_affected() == 1)
}

/// Ends every invitation and seat of the session (it ended, or moved to another technician).
pub async fn end_all(db: &Db, session_id: &str, now: i64) -> anyhow::Result<()> {
    sqlx::query("UPDATE invitations SET ended_at = $1 WHERE session_id = $2 AND ended_at IS NULL")
        .bind(now)
        .bind(session_id)
        .execute(db)
        .await?;
    Ok(())
}

/// talk, camera controls, invite, session log: 0 or 1 each.
pub async fn set_permissions(db: &Db, id: &str, permissions: [i64; 4]) -> anyhow::Result<()> {
    let [talk, camera, invite, log] = permissions;
    sqlx::query(
        "UPDATE invitations SET can_talk = $1, can_control_camera = $2, can_invite = $3, \
         can_read_log = $4 WHERE id = $5",
    )
    .bind(talk)
    .bind(camera)
    .bind(invite)
    .bind(log)
    .bind(id)
    .execute(db)
    .await?;
    Ok(())
}

/// An approved external technician: id, name, e-mail address.
pub type ApprovedRow = (String, String, String);

pub async fn approved(db: &Db) -> anyhow::Result<Vec<ApprovedRow>> {
    Ok(
        sqlx::query_as("SELECT id, name, email FROM approved_technicians ORDER BY name, email_key")
            .fetch_all(db)
            .await?,
    )
}

pub async fn approved_by_id(db: &Db, id: &str) -> anyhow::Result<Option<ApprovedRow>> {
    Ok(
        sqlx::query_as("SELECT id, name, email FROM approved_technicians WHERE id = $1")
            .bind(id)
            .fetch_optional(db)
            .await?,
    )
}

/// Adds one; the error tells a listed address (a unique violation) from other failures.
pub async fn insert_approved(
    db: &Db,
    row: &ApprovedRow,
    email_key: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO approved_technicians (id, name, email, email_key, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&row.0)
    .bind(&row.1)
    .bind(&row.2)
    .bind(email_key)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// False if there was no such entry.
pub async fn delete_approved(db: &Db, id: &str) -> anyhow::Result<bool> {
    let deleted = sqlx::query("DELETE FROM approved_technicians WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(deleted.rows_affected() == 1)
}
