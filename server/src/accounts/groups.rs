//! Technician groups: what their members may do (seeds 001 and 003: start Lens sessions,
//! start private sessions, each connection method, inviting technicians) and their
//! timeouts, and whether their calls are relay-only. Every technician belongs to one group; `permissions::require` checks these on
//! every API call.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::{Config, MAX_PIN_TTL};
use crate::store::groups::GroupRow;
use crate::store::{self, Db, now_ms};
use crate::tokens::random_id;

/// The group that existed before groups did (migration 0002) and that new technicians join
/// unless told otherwise.
pub const DEFAULT_GROUP_ID: &str = "default";

/// One permission, named the same in the API, the refusals, the CLI and the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    StartLensSessions,
    StartPrivateSessions,
    UsePin,
    UseEmail,
    UseLink,
    InviteTechnicians,
}

impl Permission {
    pub const ALL: [Permission; 6] = [
        Permission::StartLensSessions,
        Permission::StartPrivateSessions,
        Permission::UsePin,
        Permission::UseEmail,
        Permission::UseLink,
        Permission::InviteTechnicians,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Permission::StartLensSessions => "start_lens_sessions",
            Permission::StartPrivateSessions => "start_private_sessions",
            Permission::UsePin => "use_pin",
            Permission::UseEmail => "use_email",
            Permission::UseLink => "use_link",
            Permission::InviteTechnicians => "invite_technicians",
        }
    }

    pub fn parse(text: &str) -> Option<Permission> {
        let text = text.trim().replace('-', "_");
        Permission::ALL.into_iter().find(|p| p.name() == text)
    }

    /// What a person reads in a refusal.
    pub fn describe(self) -> &'static str {
        match self {
            Permission::StartLensSessions => "start Lens sessions",
            Permission::StartPrivateSessions => "start private sessions",
            Permission::UsePin => "use the PIN connection method",
            Permission::UseEmail => "use the e-mail connection method",
            Permission::UseLink => "use the link connection method",
            Permission::InviteTechnicians => "invite technicians",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub id: String,
    pub name: String,
    /// The permissions the group has, in [`Permission::ALL`] order.
    pub permissions: Vec<Permission>,
    /// Per-group timeouts in seconds; None follows the server's setting.
    pub pin_ttl_secs: Option<i64>,
    pub waiting_timeout_secs: Option<i64>,
    pub idle_timeout_secs: Option<i64>,
    /// Calls use TURN relay candidates only, so the customer and the technician never learn
    /// each other's IP address (privacy); needs a TURN server. Off by default.
    pub relay_only: bool,
    /// Seed 004's External tab: members may invite a technician from the admin's approved
    /// list to collaborate, or anyone by name and e-mail address. Off by default.
    #[serde(default)]
    pub invite_approved: bool,
    #[serde(default)]
    pub invite_unlisted: bool,
}

impl Group {
    pub fn allows(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }

    /// The lifetime of the group's PINs, never more than [`MAX_PIN_TTL`].
    pub fn pin_ttl(&self, config: &Config) -> Duration {
        secs_or(self.pin_ttl_secs, config.pin_ttl).min(MAX_PIN_TTL)
    }

    pub fn waiting_timeout(&self, config: &Config) -> Duration {
        secs_or(self.waiting_timeout_secs, config.waiting_timeout)
    }

    pub fn idle_timeout(&self, config: &Config) -> Duration {
        secs_or(self.idle_timeout_secs, config.idle_timeout)
    }
}

fn max_pin_ttl_secs() -> i64 {
    i64::try_from(MAX_PIN_TTL.as_secs()).expect("an hour fits")
}

fn secs_or(secs: Option<i64>, default: Duration) -> Duration {
    secs.and_then(|s| u64::try_from(s).ok())
        .map_or(default, Duration::from_secs)
}

/// What a group is made or changed with (the admin API body and the CLI).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct GroupChange {
    pub name: Option<String>,
    pub permissions: Option<Vec<Permission>>,
    /// `Some(None)` (JSON null) goes back to the server's setting.
    #[serde(default, deserialize_with = "present")]
    pub pin_ttl_secs: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present")]
    pub waiting_timeout_secs: Option<Option<i64>>,
    #[serde(default, deserialize_with = "present")]
    pub idle_timeout_secs: Option<Option<i64>>,
    pub relay_only: Option<bool>,
    pub invite_approved: Option<bool>,
    pub invite_unlisted: Option<bool>,
}

/// Tells a field given as null (Some(None)) from a field left out (None).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    Ok(Some(Option::deserialize(d)?))
}

/// Why a group change was refused; the sentence is for the admin.
#[derive(Debug, thiserror::Error)]
pub enum GroupError {
    #[error("{0}")]
    Invalid(String),
    #[error("There is no group {0:?}.")]
    NotFound(String),
    #[error("A group named {0:?} already exists.")]
    NameTaken(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for GroupError {
    fn from(error: sqlx::Error) -> GroupError {
        GroupError::Internal(error.into())
    }
}

fn from_row(row: GroupRow) -> Group {
    let (
        id,
        name,
        lens,
        private,
        pin,
        email,
        link,
        invite,
        pin_ttl,
        waiting,
        idle,
        relay_only,
        invite_approved,
        invite_unlisted,
    ) = row;
    let flags = [lens, private, pin, email, link, invite];
    Group {
        id,
        name,
        permissions: Permission::ALL
            .into_iter()
            .zip(flags)
            .filter(|(_, on)| *on != 0)
            .map(|(p, _)| p)
            .collect(),
        // Rows written before the cap existed may hold up to 7 days: clamped when read.
        pin_ttl_secs: pin_ttl.map(|ms| (ms / 1000).min(max_pin_ttl_secs())),
        waiting_timeout_secs: waiting.map(|ms| ms / 1000),
        idle_timeout_secs: idle.map(|ms| ms / 1000),
        relay_only: relay_only != 0,
        invite_approved: invite_approved != 0,
        invite_unlisted: invite_unlisted != 0,
    }
}

pub async fn list(db: &Db) -> anyhow::Result<Vec<Group>> {
    let rows = store::groups::all(db).await?;
    Ok(rows.into_iter().map(from_row).collect())
}

pub async fn get(db: &Db, id: &str) -> anyhow::Result<Option<Group>> {
    let row = store::groups::by_id(db, id).await?;
    Ok(row.map(from_row))
}

/// A group by id or by name (the CLI takes names).
pub async fn find(db: &Db, id_or_name: &str) -> anyhow::Result<Option<Group>> {
    let key = id_or_name.trim().to_lowercase();
    let row = store::groups::by_id_or_name_key(db, id_or_name.trim(), &key).await?;
    Ok(row.map(from_row))
}

/// The group of a technician (a technician whose group vanished falls back to none:
/// every permission refused).
pub async fn of_technician(db: &Db, technician_id: i64) -> anyhow::Result<Option<Group>> {
    let row = store::groups::of_technician(db, technician_id).await?;
    Ok(row.map(from_row))
}

/// Creates a group; permissions left out are all granted (like the default group), so a
/// new group is restricted by saying what it may not do.
pub async fn create(db: &Db, change: &GroupChange) -> Result<Group, GroupError> {
    let name = valid_name(change.name.as_deref().unwrap_or_default())?;
    let id = random_id();
    let result = store::groups::insert(db, &id, &name, &name.to_lowercase(), now_ms()).await;
    match result {
        Ok(_) => {}
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Err(GroupError::NameTaken(name));
        }
        Err(e) => return Err(e.into()),
    }
    let unnamed = GroupChange {
        name: None,
        ..change.clone()
    };
    update(db, &id, &unnamed).await
}

/// Applies the fields given; the rest stay as they are.
pub async fn update(db: &Db, id: &str, change: &GroupChange) -> Result<Group, GroupError> {
    let mut group = get(db, id)
        .await?
        .ok_or_else(|| GroupError::NotFound(id.to_owned()))?;
    if let Some(name) = &change.name {
        group.name = valid_name(name)?;
    }
    if let Some(permissions) = &change.permissions {
        group.permissions = Permission::ALL
            .into_iter()
            .filter(|p| permissions.contains(p))
            .collect();
    }
    if let Some(Some(secs)) = change.pin_ttl_secs
        && !(1..=max_pin_ttl_secs()).contains(&secs)
    {
        return Err(GroupError::Invalid(format!(
            "A PIN lives 1 second to {} minutes, or empty for the server's setting.",
            max_pin_ttl_secs() / 60
        )));
    }
    for (field, value) in [
        (&mut group.pin_ttl_secs, change.pin_ttl_secs),
        (&mut group.waiting_timeout_secs, change.waiting_timeout_secs),
        (&mut group.idle_timeout_secs, change.idle_timeout_secs),
    ] {
        if let Some(value) = value {
            if value.is_some_and(|s| !(1..=7 * 24 * 3600).contains(&s)) {
                return Err(GroupError::Invalid(
                    "Timeouts are 1 second to 7 days, or empty for the server's setting.".into(),
                ));
            }
            *field = value;
        }
    }
    if let Some(relay_only) = change.relay_only {
        group.relay_only = relay_only;
    }
    if let Some(on) = change.invite_approved {
        group.invite_approved = on;
    }
    if let Some(on) = change.invite_unlisted {
        group.invite_unlisted = on;
    }
    let flag = |p| i64::from(group.allows(p));
    let name_key = group.name.to_lowercase();
    let update = store::groups::GroupUpdate {
        name: &group.name,
        name_key: &name_key,
        flags: [
            flag(Permission::StartLensSessions),
            flag(Permission::StartPrivateSessions),
            flag(Permission::UsePin),
            flag(Permission::UseEmail),
            flag(Permission::UseLink),
            flag(Permission::InviteTechnicians),
        ],
        pin_ttl_ms: group.pin_ttl_secs.map(|s| s * 1000),
        waiting_timeout_ms: group.waiting_timeout_secs.map(|s| s * 1000),
        idle_timeout_ms: group.idle_timeout_secs.map(|s| s * 1000),
        relay_only: i64::from(group.relay_only),
        invite_external: [
            i64::from(group.invite_approved),
            i64::from(group.invite_unlisted),
        ],
    };
    let result = store::groups::update(db, id, &update).await;
    match result {
        Ok(_) => Ok(group),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            Err(GroupError::NameTaken(group.name))
        }
        Err(e) => Err(e.into()),
    }
}

fn valid_name(name: &str) -> Result<String, GroupError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 || name.chars().any(char::is_control) {
        return Err(GroupError::Invalid(
            "A group name has 1 to 60 characters.".into(),
        ));
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_names_round_trip_and_match_serde() {
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.name()), Some(p));
            assert_eq!(serde_json::to_value(p).unwrap(), p.name());
        }
        assert_eq!(Permission::parse("use-email"), Some(Permission::UseEmail));
        assert_eq!(Permission::parse("fly"), None);
    }

    #[test]
    fn pin_lifetimes_above_the_cap_are_clamped_when_read() {
        let row: GroupRow = (
            "g".into(),
            "G".into(),
            1,
            1,
            1,
            1,
            1,
            1,
            Some(7 * 24 * 3600 * 1000),
            None,
            None,
            0,
            0,
            0,
        );
        let group = from_row(row);
        assert_eq!(group.pin_ttl_secs, Some(3600));
        let config = Config::new("127.0.0.1:0".parse().unwrap(), "");
        assert_eq!(group.pin_ttl(&config), MAX_PIN_TTL);
    }

    #[test]
    fn a_null_timeout_differs_from_a_missing_one() {
        let change: GroupChange = serde_json::from_str(r#"{"pin_ttl_secs": null}"#).unwrap();
        assert_eq!(change.pin_ttl_secs, Some(None));
        assert_eq!(change.idle_timeout_secs, None);
    }
}
