//! The technician's HTTP API for sessions: `POST /api/sessions` (new PIN and links, by the
//! PIN, e-mail or link method of the New Session dialog), `GET /api/sessions` (the list;
//! the console normally gets it over its WebSocket), `GET /api/sessions/{id}/log` and
//! `POST /api/sessions/{id}/pin` ("Create another PIN").
//! Each checks the technician's group permissions first (`access.rs`).

use std::time::Duration;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use lens_core::signal::SessionSummary;
use serde::{Deserialize, Serialize};

use crate::accounts::groups::Permission;
use crate::email::{self, InvitationFacts};
use crate::flow::pins::IssuedPin;
use crate::flow::sessions;
use crate::http::auth::AuthedTechnician;
use crate::http::error::ApiError;
use crate::http::links::PinLinks;
use crate::state::AppState;
use crate::store::session_log::{self, Entry, Event};
use crate::store::{self, sessions::SessionRow};

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
#[serde(into = "&'static str", try_from = "String")]
pub enum Method {
    #[default]
    Pin,
    Email,
    Link,
}

lens_core::wire_names!(Method, "connection method" {
    Pin => "pin",
    Email => "email",
    Link => "link",
});

impl Method {
    fn permission(self) -> Permission {
        match self {
            Method::Pin => Permission::UsePin,
            Method::Email => Permission::UseEmail,
            Method::Link => Permission::UseLink,
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

impl CreatedSession {
    fn new(state: &AppState, issued: IssuedPin, customer_name: &str) -> CreatedSession {
        CreatedSession {
            links: PinLinks::for_pin(state, &issued.pin),
            session_id: issued.session_id,
            pin: issued.pin,
            customer_name: customer_name.to_owned(),
            expires_at: issued.expires_at,
            email: None,
            emailed_to: None,
        }
    }

    /// The e-mail method's invitation, from the technician, with this PIN and its link.
    fn invitation(
        &self,
        state: &AppState,
        auth: &AuthedTechnician,
        pin_ttl: Duration,
    ) -> email::Invitation {
        email::invitation(&InvitationFacts {
            organisation: &state.config.organisation,
            technician_name: &auth.technician.name,
            customer_name: &self.customer_name,
            link: &self.links.mobile,
            pin: &self.pin,
            valid_minutes: pin_ttl.as_secs().div_ceil(60),
        })
    }
}

/// The checks every way of issuing a PIN from the console makes (seeds 001 and 003): a
/// technician-started Lens session is a private session, and each connection method is a
/// permission of its own. Returns how long the technician's group keeps a PIN valid.
fn may_issue_pin(
    state: &AppState,
    auth: &AuthedTechnician,
    method: Method,
) -> Result<Duration, ApiError> {
    let access = &auth.access;
    access.require(Permission::StartLensSessions)?;
    access.require(Permission::StartPrivateSessions)?;
    access.require(method.permission())?;
    Ok(access
        .group
        .as_ref()
        .map_or(state.config.pin_ttl, |g| g.pin_ttl(&state.config)))
}

pub async fn create(
    State(state): State<AppState>,
    auth: AuthedTechnician,
    body: Result<Json<CreateSessionRequest>, JsonRejection>,
) -> Result<Json<CreatedSession>, ApiError> {
    let Json(request) = body?;
    let pin_ttl = may_issue_pin(&state, &auth, request.method)?;
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
    let issued = sessions::create(
        &state,
        auth.technician.id,
        customer_name,
        request.method.as_str(),
        pin_ttl,
    )
    .await?;
    let mut created = CreatedSession::new(&state, issued, customer_name);
    if request.method == Method::Email {
        let invitation = created.invitation(&state, &auth, pin_ttl);
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
/// Its lead reads it, and so does a collaborator the lead allowed to (seed 004).
pub async fn log(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(session_id): Path<String>,
) -> Result<Json<Vec<Entry>>, ApiError> {
    let caller = crate::http::collaboration_api::caller_for(&state, &headers, &session_id).await?;
    crate::flow::collaboration::may_read_log(&state, &caller, &session_id).await?;
    Ok(Json(session_log::entries(&state.db, &session_id).await?))
}

/// The body of `POST /api/sessions/{id}/pin`: nothing to say yet, but a JSON body all the
/// same, so that a cross-site form (which cannot send `application/json`) is refused like
/// on every other POST.
#[derive(Deserialize)]
pub struct ReplacePinRequest {}

/// `POST /api/sessions/{id}/pin`: "Create another PIN" for a customer who has not joined
/// yet. The old PIN stops working at once; the answer is the new session, as from
/// [`create`], reaching the customer the same way as the old one.
pub async fn replace_pin(
    State(state): State<AppState>,
    auth: AuthedTechnician,
    Path(session_id): Path<String>,
    body: Result<Json<ReplacePinRequest>, JsonRejection>,
) -> Result<Json<CreatedSession>, ApiError> {
    let Json(ReplacePinRequest {}) = body?;
    auth.access.require(Permission::StartLensSessions)?;
    let old = own_session(&state, &auth, &session_id).await?;
    let method: Method = old
        .method
        .parse()
        .map_err(|error| anyhow::anyhow!("session {session_id}: {error}"))?;
    let pin_ttl = may_issue_pin(&state, &auth, method)?;
    let issued = sessions::replace_pin(&state, auth.technician.id, &session_id, pin_ttl)
        .await
        .map_err(|error| ApiError::conflict(error, "customer_joined"))?;
    let mut created = CreatedSession::new(&state, issued, &old.customer_name);
    // The new PIN goes out as the old one did; an e-mail is for the technician's own mail
    // client, since the address the server may have sent the first one to is not kept.
    if method == Method::Email {
        created.email = Some(created.invitation(&state, &auth, pin_ttl));
    }
    Ok(Json(created))
}

/// One of the technician's sessions. Someone else's session reads as missing, so ids cannot
/// be probed.
pub(crate) async fn own_session(
    state: &AppState,
    auth: &AuthedTechnician,
    session_id: &str,
) -> Result<SessionRow, ApiError> {
    match store::sessions::get(&state.db, session_id).await? {
        Some(row) if row.technician_id == auth.technician.id => Ok(row),
        _ => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "no_such_session",
            "There is no such session in your list.",
        )),
    }
}

pub async fn list(
    State(state): State<AppState>,
    auth: AuthedTechnician,
) -> Result<Json<Vec<SessionSummary>>, ApiError> {
    auth.access.require(Permission::StartLensSessions)?;
    Ok(Json(
        crate::flow::collaboration::list_for_technician(&state, auth.technician.id).await?,
    ))
}
