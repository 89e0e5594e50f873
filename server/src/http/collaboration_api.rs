//! Collaborating technicians (seed 004) over HTTP (`flow/collaboration.rs` has the rules):
//!
//! - `GET /api/sessions/{id}/invitations`: what the Invite Technician dialog offers;
//!   `POST` invites (the lead, or a collaborator allowed to invite).
//! - `PATCH /api/sessions/{id}/collaborators/{peer}`: the lead changes a collaborator's
//!   permissions; `DELETE` removes them.
//! - `POST /api/collaborate/join`: the invited technician redeems the PIN or the link's
//!   token for the credential cookie of `/ws/collaborator`.
//! - `/api/admin/approved-technicians`: the admin's approved external technicians.

use std::time::Duration;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use lens_core::signal::CollaboratorPermissions;
use serde::{Deserialize, Serialize};

use crate::accounts::groups::Permission;
use crate::flow::collaboration::{
    self, ApprovedTechnician, Caller, CollabError, Credential, InviteOptions, InviteRequest,
    IssuedInvitation,
};
use crate::http::auth::{AuthedTechnician, technician_of};
use crate::http::error::ApiError;
use crate::http::join::is_pin_shaped;
use crate::net::client_addr::ClientAddr;
use crate::net::rate_limit::{self, Held};
use crate::state::AppState;
use crate::ws::collaborator::{COLLABORATOR_COOKIE, seat_of};

/// How long a redemption waits for another one from the same address (as `join.rs`).
const TURN_PATIENCE: Duration = Duration::from_secs(2);
/// A link token: 64 hex digits (`tokens::random_token`).
const TOKEN_CHARS: usize = 64;
/// The credential cookie lives at most this long; the seat ends with its session anyway.
const SEAT_COOKIE_HOURS: i64 = 12;

impl From<CollabError> for ApiError {
    fn from(error: CollabError) -> ApiError {
        match error {
            CollabError::Invalid(code, message) => ApiError::bad_request(code, message),
            CollabError::SignInFirst(code, message) => {
                ApiError::new(StatusCode::UNAUTHORIZED, code, message)
            }
            CollabError::Forbidden {
                code,
                message,
                permission,
            } => {
                let error = ApiError::new(StatusCode::FORBIDDEN, code, message);
                match permission {
                    Some(permission) => error.with_permission(permission),
                    None => error,
                }
            }
            CollabError::NotFound(code, message) => {
                ApiError::new(StatusCode::NOT_FOUND, code, message)
            }
            CollabError::Conflict(code, message) => {
                ApiError::new(StatusCode::CONFLICT, code, message)
            }
            CollabError::Gone(code, message) => ApiError::new(StatusCode::GONE, code, message),
            CollabError::Mail(sent, message) => {
                if sent {
                    ApiError::new(StatusCode::BAD_GATEWAY, "email_not_sent", message)
                } else {
                    ApiError::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "email_relay_not_configured",
                        message,
                    )
                }
            }
            CollabError::Internal(error) => error.into(),
        }
    }
}

/// Who asks about `session_id`: its lead (the console log-in that owns it), else a
/// collaborator seated in it (the credential cookie), else a technician asking about a
/// session that is not theirs (refused as missing further on), else nobody (401).
pub async fn caller_for(
    state: &AppState,
    headers: &HeaderMap,
    session_id: &str,
) -> Result<Caller, ApiError> {
    let technician = technician_of(state, headers).await?;
    if let Some(auth) = &technician {
        let owns = crate::store::sessions::get(&state.db, session_id)
            .await?
            .is_some_and(|row| row.technician_id == auth.technician.id);
        if owns {
            return lead(auth);
        }
    }
    if let Some(seat) = seat_of(state, headers).await?
        && seat.session_id == session_id
    {
        return Ok(Caller::Collaborator {
            seat: Box::new(seat),
        });
    }
    match &technician {
        Some(auth) => lead(auth),
        None => Err(ApiError::unauthorized()),
    }
}

fn lead(auth: &AuthedTechnician) -> Result<Caller, ApiError> {
    auth.access.require(Permission::StartLensSessions)?;
    Ok(Caller::Lead {
        technician_id: auth.technician.id,
        name: auth.technician.name.clone(),
    })
}

/// `GET /api/sessions/{id}/invitations`.
pub async fn options(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(session_id): Path<String>,
) -> Result<Json<InviteOptions>, ApiError> {
    let caller = caller_for(&state, &headers, &session_id).await?;
    Ok(Json(
        collaboration::options(&state, &caller, &session_id).await?,
    ))
}

/// `POST /api/sessions/{id}/invitations`.
pub async fn invite(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(session_id): Path<String>,
    body: Result<Json<InviteRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<IssuedInvitation>), ApiError> {
    let Json(request) = body?;
    let caller = caller_for(&state, &headers, &session_id).await?;
    let issued = collaboration::invite(&state, &caller, &session_id, &request).await?;
    Ok((StatusCode::CREATED, Json(issued)))
}

#[derive(Deserialize)]
pub struct PermissionsChange {
    pub permissions: CollaboratorPermissions,
}

/// `PATCH /api/sessions/{id}/collaborators/{peer}`: the lead only.
pub async fn set_permissions(
    State(state): State<AppState>,
    auth: AuthedTechnician,
    Path((session_id, peer)): Path<(String, String)>,
    body: Result<Json<PermissionsChange>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(change) = body?;
    auth.access.require(Permission::StartLensSessions)?;
    collaboration::set_permissions(
        &state,
        auth.technician.id,
        &session_id,
        &peer,
        change.permissions,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /api/sessions/{id}/collaborators/{peer}`: the lead only.
pub async fn remove(
    State(state): State<AppState>,
    auth: AuthedTechnician,
    Path((session_id, peer)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    auth.access.require(Permission::StartLensSessions)?;
    collaboration::remove(&state, auth.technician.id, &session_id, &peer).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
pub struct RedeemRequest {
    #[serde(default)]
    pub pin: Option<String>,
    #[serde(default)]
    pub token: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Redeemed {
    pub session_id: String,
    /// The collaborator's name, as the invitation has it.
    pub name: String,
}

/// `POST /api/collaborate/join`: the PIN or the link's token for the seat's credential.
/// Charged to the client's address like a customer's PIN (`join.rs`): a wrong, expired or
/// used invitation spends an attempt, a right one gives it back.
pub async fn redeem(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    jar: CookieJar,
    body: Result<Json<RedeemRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(request) = body?;
    let Some(_flight) = state.join_failures.turn(&client, TURN_PATIENCE).await else {
        return Ok(busy(Duration::from_secs(1)));
    };
    if let Some(wait) = state.join_failures.blocked_for(&client) {
        return Ok(too_many(wait));
    }
    let global = match state.join_budget.admit().await {
        Ok(charged) => charged,
        Err(Held::Busy(wait)) => return Ok(busy(wait)),
    };
    if let Err(wait) = state.join_failures.charge(&client) {
        state.join_budget.give_back(global);
        return Ok(too_many(wait));
    }
    let outcome = look_up(&state, &headers, &request).await;
    let guessed_wrong = matches!(
        &outcome,
        Err(CollabError::NotFound(..))
            | Err(CollabError::Gone("invitation_expired", _))
            | Err(CollabError::Conflict("invitation_used", _))
    );
    if guessed_wrong {
        tracing::info!(client = %client, "invitation refused");
        state.join_failures.failed(&client);
    } else {
        state.join_failures.refund(&client);
        state.join_budget.give_back(global);
    }
    let redeemed = outcome?;
    let cookie = Cookie::build((COLLABORATOR_COOKIE, redeemed.seat_token))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.is_https())
        .path("/")
        .max_age(time::Duration::hours(SEAT_COOKIE_HOURS));
    Ok((
        jar.add(cookie),
        Json(Redeemed {
            session_id: redeemed.session_id,
            name: redeemed.name,
        }),
    )
        .into_response())
}

async fn look_up(
    state: &AppState,
    headers: &HeaderMap,
    request: &RedeemRequest,
) -> Result<collaboration::Redeemed, CollabError> {
    let not_found = || {
        CollabError::NotFound(
            "invitation_not_found",
            "This invitation is not valid. Check the PIN or ask the technician for a new invitation.".into(),
        )
    };
    let credential = match (request.pin.as_deref(), request.token.as_deref()) {
        (Some(pin), None) if is_pin_shaped(pin.trim()) => Credential::Pin(pin.trim()),
        (None, Some(token))
            if token.len() == TOKEN_CHARS && token.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            Credential::Token(token)
        }
        // Anything else cannot match and is not looked up, but costs the same attempt.
        _ => return Err(not_found()),
    };
    let console = technician_of(state, headers)
        .await
        .map_err(|_| anyhow::anyhow!("reading the console log-in failed"))?
        .map(|auth| auth.technician.id);
    collaboration::redeem(state, credential, console).await
}

fn busy(wait: Duration) -> Response {
    let mut response = ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "busy",
        "The server is busy. Try again in a few seconds.",
    )
    .into_response();
    rate_limit::set_retry_after(&mut response, wait);
    response
}

fn too_many(wait: Duration) -> Response {
    let mut response = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        "Too many wrong invitations. Wait a few minutes and try again.",
    )
    .into_response();
    rate_limit::set_retry_after(&mut response, wait);
    response
}

// ---- the admin's approved list -----------------------------------------------------------

pub async fn approved_list(
    State(state): State<AppState>,
    auth: AuthedTechnician,
) -> Result<Json<Vec<ApprovedTechnician>>, ApiError> {
    auth.access.require_admin()?;
    Ok(Json(collaboration::approved_list(&state).await?))
}

#[derive(Deserialize)]
pub struct ApproveRequest {
    pub name: String,
    pub email: String,
}

pub async fn approve(
    State(state): State<AppState>,
    auth: AuthedTechnician,
    body: Result<Json<ApproveRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<ApprovedTechnician>), ApiError> {
    auth.access.require_admin()?;
    let Json(request) = body?;
    let approved = collaboration::approve(&state, &request.name, &request.email).await?;
    tracing::info!(by = auth.technician.id, "external technician approved");
    Ok((StatusCode::CREATED, Json(approved)))
}

pub async fn unapprove(
    State(state): State<AppState>,
    auth: AuthedTechnician,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    auth.access.require_admin()?;
    if !crate::store::invitations::delete_approved(&state.db, &id).await? {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no_such_technician",
            "This technician is not on the approved list.",
        ));
    }
    Ok(StatusCode::NO_CONTENT)
}
