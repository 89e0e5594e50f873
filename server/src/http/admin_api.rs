//! The admin area's HTTP API: groups with their permissions and timeouts, technicians with
//! their group and admin role. Only admins manage groups and change memberships; a
//! technician whose group may "invite technicians" can add colleagues to their own group.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::accounts::groups::{self, Group, GroupChange, GroupError, Permission};
use crate::accounts::technicians::{self, CreateError};
use crate::flow::access::{self, Member};
use crate::http::auth::AuthedTechnician;
use crate::http::error::ApiError;
use crate::state::AppState;

impl From<GroupError> for ApiError {
    fn from(error: GroupError) -> ApiError {
        match error {
            GroupError::Invalid(message) => ApiError::bad_request("invalid_group", message),
            GroupError::NotFound(_) => {
                ApiError::new(StatusCode::NOT_FOUND, "no_such_group", error.to_string())
            }
            GroupError::NameTaken(_) => {
                ApiError::new(StatusCode::CONFLICT, "group_exists", error.to_string())
            }
            GroupError::Internal(error) => error.into(),
        }
    }
}

/// Relay-only needs a relay: without a TURN server such a group's calls could never connect,
/// so switching it on is refused until the server has one.
fn check_relay_only(state: &AppState, change: &GroupChange) -> Result<(), ApiError> {
    if change.relay_only == Some(true) && !state.config.ice.has_turn() {
        return Err(ApiError::bad_request(
            "no_turn_server",
            "Relay-only needs a TURN server, and this server has none: start lens-server with \
             --turn-url and --turn-secret first (relay-only without a relay cannot connect).",
        ));
    }
    Ok(())
}

/// `GET /api/admin/groups`: every group (admins), or just one's own (inviters pick no group).
pub async fn list_groups(
    State(state): State<AppState>,
    auth: AuthedTechnician,
) -> Result<Json<Vec<Group>>, ApiError> {
    auth.access.require_admin()?;
    Ok(Json(groups::list(&state.db).await?))
}

pub async fn create_group(
    State(state): State<AppState>,
    auth: AuthedTechnician,
    body: Result<Json<GroupChange>, JsonRejection>,
) -> Result<(StatusCode, Json<Group>), ApiError> {
    auth.access.require_admin()?;
    let Json(change) = body?;
    check_relay_only(&state, &change)?;
    let group = groups::create(&state.db, &change).await?;
    tracing::info!(group = %group.id, by = auth.technician.id, "group created");
    Ok((StatusCode::CREATED, Json(group)))
}

pub async fn update_group(
    State(state): State<AppState>,
    auth: AuthedTechnician,
    Path(id): Path<String>,
    body: Result<Json<GroupChange>, JsonRejection>,
) -> Result<Json<Group>, ApiError> {
    auth.access.require_admin()?;
    let Json(change) = body?;
    check_relay_only(&state, &change)?;
    let group = groups::update(&state.db, &id, &change).await?;
    tracing::info!(group = %group.id, by = auth.technician.id, "group changed");
    Ok(Json(group))
}

pub async fn list_technicians(
    State(state): State<AppState>,
    auth: AuthedTechnician,
) -> Result<Json<Vec<Member>>, ApiError> {
    auth.access.require_admin()?;
    Ok(Json(access::members(&state.db).await?))
}

#[derive(Deserialize)]
pub struct InviteRequest {
    pub email: String,
    pub name: String,
    /// Left out: a random one, returned once in the answer for the inviter to pass on.
    pub password: Option<String>,
    /// Left out: the inviter's own group.
    pub group_id: Option<String>,
    #[serde(default)]
    pub is_admin: bool,
}

#[derive(Serialize)]
pub struct Invited {
    pub technician: Member,
    /// Only when the server chose it; shown once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// `POST /api/admin/technicians`: a new technician account in a group.
pub async fn invite_technician(
    State(state): State<AppState>,
    auth: AuthedTechnician,
    body: Result<Json<InviteRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<Invited>), ApiError> {
    let Json(request) = body?;
    let own_group = auth.access.group.as_ref().map(|g| g.id.clone());
    let group_id = request
        .group_id
        .clone()
        .or(own_group.clone())
        .unwrap_or_else(|| groups::DEFAULT_GROUP_ID.to_owned());
    if !auth.access.is_admin {
        // Inviting is a group permission; choosing another group or the admin role is not.
        auth.access.require(Permission::InviteTechnicians)?;
        if request.is_admin || Some(&group_id) != own_group.as_ref() {
            auth.access.require_admin()?;
        }
    }
    if groups::get(&state.db, &group_id).await?.is_none() {
        return Err(GroupError::NotFound(group_id).into());
    }
    let generated = request
        .password
        .is_none()
        .then(crate::tokens::random_password);
    let password = request
        .password
        .clone()
        .or(generated.clone())
        .unwrap_or_default();
    technicians::validate(&request.email, &request.name, &password)
        .map_err(|e| ApiError::bad_request("invalid_technician", format!("{e:#}")))?;
    // Only ever a new account: an existing address (in any case, also one inserted by a
    // concurrent invite) is refused and its account left untouched.
    let membership = technicians::Membership {
        group_id: &group_id,
        is_admin: request.is_admin,
    };
    let id = technicians::create(
        &state.db,
        &request.email,
        &request.name,
        &password,
        membership,
    )
    .await
    .map_err(|error| match error {
        CreateError::Exists(_) => ApiError::new(
            StatusCode::CONFLICT,
            "technician_exists",
            "A technician with this e-mail address already exists.",
        ),
        CreateError::Other(error) => error.into(),
    })?;
    tracing::info!(
        technician = id,
        by = auth.technician.id,
        "technician invited"
    );
    let technician = access::member(&state.db, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the technician just created is missing"))?;
    Ok((
        StatusCode::CREATED,
        Json(Invited {
            technician,
            password: generated,
        }),
    ))
}

#[derive(Deserialize)]
pub struct MembershipChange {
    pub group_id: Option<String>,
    pub is_admin: Option<bool>,
}

/// `PUT /api/admin/technicians/{id}`: another group, or the admin role given or taken.
pub async fn update_technician(
    State(state): State<AppState>,
    auth: AuthedTechnician,
    Path(id): Path<i64>,
    body: Result<Json<MembershipChange>, JsonRejection>,
) -> Result<Json<Member>, ApiError> {
    auth.access.require_admin()?;
    let Json(change) = body?;
    if id == auth.technician.id && change.is_admin == Some(false) {
        // Otherwise the last admin could lock everyone out of the admin area.
        return Err(ApiError::bad_request(
            "own_admin_role",
            "You cannot take away your own admin role; ask another admin.",
        ));
    }
    if let Some(group_id) = &change.group_id
        && groups::get(&state.db, group_id).await?.is_none()
    {
        return Err(GroupError::NotFound(group_id.clone()).into());
    }
    if !access::assign(&state.db, id, change.group_id.as_deref(), change.is_admin).await? {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no_such_technician",
            "There is no such technician.",
        ));
    }
    // A changed group changes what the console shows; its list follows the new rights.
    state.hub.sessions_changed(id);
    let member = access::member(&state.db, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the technician just changed is missing"))?;
    Ok(Json(member))
}
