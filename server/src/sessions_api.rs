//! The technician's HTTP API for sessions: `POST /api/sessions` (new PIN and links, by the
//! PIN, e-mail or link method of the New Session dialog), `GET /api/sessions` (the list;
//! the console normally gets it over its WebSocket) and `GET /api/sessions/{id}/log`.
//! Each checks the technician's group permissions first (`access.rs`).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use lens_core::signal::SessionSummary;
use serde::{Deserialize, Serialize};

use crate::auth::AuthedTechnician;
use crate::db::now_ms;
use crate::email::{self, InvitationFacts};
use crate::error::ApiError;
use crate::groups::Permission;
use crate::links::PinLinks;
use crate::session_log::{self, Entry, Event};
use crate::session_store;
use crate::sessions;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct CreateSessionRequest {
    pub customer_name: String,
    /// How the PIN reaches the customer; the PIN tab when left out.
    #[serde(default)]
    pub method: Method,
    /// For the e-mail method: send on the technician's behalf to this address. Without it
    /// the console opens the technician's own mail client with [`CreatedSession::email`].
    #[serde(default)]
    pub email_to: Option<String>,
}

/// The three tabs of the New Session dialog (seeds 000, 001, 003).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    #[default]
    Pin,
    Email,
    Link,
}

impl Method {
    fn permission(self) -> Permission {
        match self {
            Method::Pin => Permission::UsePin,
            Method::Email => Permission::UseEmail,
            Method::Link => Permission::UseLink,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Method::Pin => "pin",
            Method::Email => "email",
            Method::Link => "link",
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub struct CreatedSession {
    pub session_id: String,
    pub pin: String,
    pub customer_name: String,
    /// The mobile and desktop links (seeds 002, 003) and the manual entry page.
    pub links: PinLinks,
    /// When the PIN stops working, Unix milliseconds.
    pub expires_at: i64,
    /// The invitation for the technician's own mail client (e-mail method).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<email::Invitation>,
    /// The address the server sent the invitation to (e-mail on the technician's behalf).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emailed_to: Option<String>,
}

pub async fn create(
    State(state): State<AppState>,
    auth: AuthedTechnician,
    body: Result<Json<CreateSessionRequest>, JsonRejection>,
) -> Result<Json<CreatedSession>, ApiError> {
    let Json(request) = body?;
    // Seeds 001 and 003: a technician-started Lens session is a private session, and each
    // connection method is a permission of its own.
    let access = &auth.access;
    access.require(Permission::StartLensSessions)?;
    access.require(Permission::StartPrivateSessions)?;
    access.require(request.method.permission())?;
    let customer_name = sessions::validate_customer_name(&request.customer_name)
        .map_err(|message| ApiError::bad_request("invalid_customer_name", message))?;
    // Checked before a PIN is issued: a refused e-mail leaves no session behind.
    let send_to = match (&request.email_to, request.method) {
        (Some(to), Method::Email) if !to.trim().is_empty() => {
            if state.config.smtp.is_none() {
                return Err(ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "email_relay_not_configured",
                    "This server has no mail relay; send the e-mail from your own mail client.",
                ));
            }
            Some(
                email::parse_address(to)
                    .map_err(|e| ApiError::bad_request("invalid_email_address", e.to_string()))?,
            )
        }
        _ => None,
    };
    let pin_ttl = access
        .group
        .as_ref()
        .map_or(state.config.pin_ttl, |g| g.pin_ttl(&state.config));
    let issued = sessions::create(
        &state,
        auth.technician.id,
        customer_name,
        request.method.name(),
        pin_ttl,
    )
    .await?;
    let links = PinLinks::for_pin(&state, &issued.pin);
    let mut created = CreatedSession {
        session_id: issued.session_id,
        pin: issued.pin,
        customer_name: customer_name.to_owned(),
        expires_at: issued.expires_at,
        email: None,
        emailed_to: None,
        links,
    };
    if request.method == Method::Email {
        let invitation = email::invitation(&InvitationFacts {
            organisation: &state.config.organisation,
            technician_name: &auth.technician.name,
            customer_name,
            link: &created.links.mobile,
            pin: &created.pin,
            valid_minutes: pin_ttl.as_secs().div_ceil(60),
        });
        match (send_to, &state.config.smtp) {
            (Some(to), Some(smtp)) => {
                let address = to.email.to_string();
                if let Err(error) = email::send(smtp, to, &invitation).await {
                    tracing::warn!(session = %created.session_id, error = %error, "sending the invitation failed");
                    // The customer never got the PIN: it must not stay redeemable.
                    sessions::end(
                        &state,
                        &created.session_id,
                        lens_core::signal::EndReason::TechnicianEnded,
                    )
                    .await?;
                    return Err(ApiError::new(
                        StatusCode::BAD_GATEWAY,
                        "email_not_sent",
                        error.to_string(),
                    ));
                }
                session_log::record(
                    &state.db,
                    &created.session_id,
                    Event::EmailSent,
                    Some(&address),
                )
                .await;
                created.emailed_to = Some(address);
            }
            _ => created.email = Some(invitation),
        }
    }
    Ok(Json(created))
}

/// `GET /api/sessions/{id}/log`: the steps of one of the technician's sessions.
pub async fn log(
    State(state): State<AppState>,
    auth: AuthedTechnician,
    Path(session_id): Path<String>,
) -> Result<Json<Vec<Entry>>, ApiError> {
    auth.access.require(Permission::StartLensSessions)?;
    match session_store::get(&state.db, &session_id).await? {
        Some(row) if row.technician_id == auth.technician.id => {}
        // Someone else's session reads as missing, so ids cannot be probed.
        _ => {
            return Err(ApiError::new(
                StatusCode::NOT_FOUND,
                "no_such_session",
                "There is no such session in your list.",
            ));
        }
    }
    Ok(Json(session_log::entries(&state.db, &session_id).await?))
}

pub async fn list(
    State(state): State<AppState>,
    auth: AuthedTechnician,
) -> Result<Json<Vec<SessionSummary>>, ApiError> {
    auth.access.require(Permission::StartLensSessions)?;
    Ok(Json(
        session_store::list_for_technician(&state.db, auth.technician.id, now_ms()).await?,
    ))
}
