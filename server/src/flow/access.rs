//! Who may do what: a technician's group and admin role, the checks every API call makes,
//! and the admin's changes to a technician's membership.
//!
//! A missing permission is a 403 whose JSON names it
//! (`{"error": "permission_denied", "permission": "use_email", ...}`), so the console and
//! any other client can tell exactly what was refused.

use axum::http::StatusCode;
use serde::Serialize;

use crate::accounts::groups::{self, Group, Permission};
use crate::http::error::ApiError;
use crate::store::{Db, technicians};

/// What the signed-in technician may do, read fresh for every request so that an admin's
/// change applies at once.
#[derive(Debug, Clone, Serialize)]
pub struct Access {
    pub is_admin: bool,
    /// None only if the technician's group was removed from under them: nothing allowed.
    pub group: Option<Group>,
}

impl Access {
    pub async fn of(db: &Db, technician_id: i64) -> anyhow::Result<Access> {
        let is_admin = technicians::is_admin(db, technician_id).await?;
        Ok(Access {
            is_admin: is_admin.unwrap_or(0) != 0,
            group: groups::of_technician(db, technician_id).await?,
        })
    }

    pub fn allows(&self, permission: Permission) -> bool {
        self.group.as_ref().is_some_and(|g| g.allows(permission))
    }

    /// Ok if the group has `permission`, else the typed refusal.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if self.allows(permission) {
            Ok(())
        } else {
            Err(permission_denied(permission))
        }
    }

    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.is_admin {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "admin_only",
                "Only an administrator can manage groups and technicians.",
            )
            .with_permission("admin"))
        }
    }
}

pub fn permission_denied(permission: Permission) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "permission_denied",
        format!(
            "Your technician group is not allowed to {}.",
            permission.describe()
        ),
    )
    .with_permission(permission.name())
}

/// A technician as the admin pages list them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub group_id: String,
    pub is_admin: bool,
}

pub async fn members(db: &Db) -> anyhow::Result<Vec<Member>> {
    let rows = technicians::members(db).await?;
    Ok(rows
        .into_iter()
        .map(|(id, email, name, group_id, is_admin)| Member {
            id,
            email,
            name,
            group_id,
            is_admin: is_admin != 0,
        })
        .collect())
}

pub async fn member(db: &Db, technician_id: i64) -> anyhow::Result<Option<Member>> {
    Ok(members(db)
        .await?
        .into_iter()
        .find(|m| m.id == technician_id))
}

/// Puts the technician into a group (by id or name) and sets or
/// clears the admin role (None leaves it). False if there is no such technician.
pub async fn assign(
    db: &Db,
    technician_id: i64,
    group_id: Option<&str>,
    is_admin: Option<bool>,
) -> anyhow::Result<bool> {
    if let Some(group_id) = group_id {
        anyhow::ensure!(
            groups::get(db, group_id).await?.is_some(),
            "there is no group {group_id:?}"
        );
        if !technicians::set_group(db, technician_id, group_id).await? {
            return Ok(false);
        }
    }
    if let Some(is_admin) = is_admin
        && !technicians::set_admin(db, technician_id, is_admin).await?
    {
        return Ok(false);
    }
    Ok(true)
}

/// The account with this address, whatever case it is typed in.
pub async fn id_by_email(db: &Db, email: &str) -> anyhow::Result<Option<i64>> {
    technicians::id_by_email(db, &crate::accounts::technicians::normalized_email(email)).await
}
