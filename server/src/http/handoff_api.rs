//! The hand-off API for chat and contact-centre systems (seed 002): an agent clicks "start
//! remote assistance" in a chat, the chat system asks Lens for a session on that agent's
//! behalf and shows the PIN, the mobile link, the desktop link and the manual-entry URL;
//! "create another PIN" and "end" act on the same hand-off; a status read tells the chat
//! system whether the customer arrived.
//!
//! Authentication is an API key (`api_keys.rs`). Sessions are created, re-issued and ended
//! by the same functions a technician's console uses (`sessions.rs`), so the session shows
//! up in the agent's console list exactly as if the agent had created it there.
//!
//! The OpenAPI description is generated from these handlers ([`openapi`]), served at
//! `/api/v1/openapi.json` and committed as `docs/handoff-openapi.json` (a test keeps that
//! file current).

use axum::Json;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use lens_core::signal::SessionStatus;
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::accounts::api_keys::{self, ApiClient};
use crate::accounts::groups::Permission;
use crate::accounts::technicians;
use crate::flow::access::Access;
use crate::flow::sessions;
use crate::http::error::ApiError;
use crate::http::links::PinLinks;
use crate::state::AppState;
use crate::store::handoffs;
use crate::store::now_ms;
use crate::store::{self, sessions::SessionRow};
use crate::tokens::random_id;

/// Where the routes below are nested.
pub const PREFIX: &str = "/api/v1";
/// Stored for a hand-off whose customer's name the chat system did not give.
pub const DEFAULT_CUSTOMER_NAME: &str = "Chat customer";
const MAX_EMAIL_CHARS: usize = 254;

/// The routes, relative to [`PREFIX`].
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/handoff/sessions", post(create_session))
        .route("/handoff/sessions/{id}", get(get_session))
        .route("/handoff/sessions/{id}/pin", post(replace_pin))
        .route("/handoff/sessions/{id}/end", post(end_session))
        .route("/openapi.json", get(openapi_json))
        // Under the versioned prefix every answer is JSON, a wrong path included.
        .fallback(|| async {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "There is no such API path.",
            )
        })
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Lens hand-off API",
        version = "1.0.0",
        description = "Lets a chat or contact-centre system start a Lens remote-support session \
                       for one of its agents (a Lens technician) and hand the customer a PIN or \
                       a link. Authenticate with an API key created by `lens-server api-key \
                       create --name <system> --group <group>`, sent as `Authorization: Bearer \
                       <key>`. A key acts only for agents of the technician groups it was \
                       created for.",
        license(name = "Apache-2.0")
    ),
    paths(create_session, get_session, replace_pin, end_session),
    components(schemas(CreateHandoff, HandoffSession, HandoffStatus, PinLinks, ErrorBody)),
    modifiers(&ApiKeyScheme),
    security(("api_key" = [])),
    tags((name = "handoff", description = "Remote-assistance sessions started from a chat"))
)]
struct HandoffApi;

struct ApiKeyScheme;

impl Modify for ApiKeyScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API key from `lens-server api-key create`."))
                    .build(),
            ),
        );
    }
}

/// The OpenAPI document of this API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    HandoffApi::openapi()
}

/// The document as committed in `docs/handoff-openapi.json`, final newline included.
pub fn openapi_json_text() -> String {
    let mut text = openapi()
        .to_pretty_json()
        .expect("the OpenAPI document serialises");
    text.push('\n');
    text
}

async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi())
}

/// Start remote assistance for an agent.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct CreateHandoff {
    /// The agent's e-mail address: a Lens technician's account.
    #[schema(format = "email", example = "agent@example.com", max_length = 254)]
    pub agent_email: String,
    /// The customer's name or an identifier from the chat, shown in the agent's session
    /// list. Default: "Chat customer".
    #[schema(example = "Chris Chat", min_length = 1, max_length = 100)]
    #[serde(default)]
    pub customer_name: Option<String>,
}

/// A hand-off: the session the chat started, with what to give the customer.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct HandoffSession {
    /// Stays the same when another PIN is created.
    #[schema(example = "5f0c2a9e8b7d4c1f9a3e6b2d0c8f7a41")]
    pub id: String,
    #[schema(example = "agent@example.com")]
    pub agent_email: String,
    #[schema(example = "Chris Chat")]
    pub customer_name: String,
    pub status: HandoffStatus,
    /// Why the session ended, once it has (for example `technician_ended`, `customer_left`,
    /// `pin_expired`).
    #[schema(example = json!(null))]
    pub end_reason: Option<String>,
    /// The six-digit PIN of the current session.
    #[schema(example = "123456", pattern = "^[0-9]{6}$")]
    pub pin: String,
    /// When the PIN stops working if nobody has used it, Unix milliseconds.
    #[schema(example = 1_767_225_600_000_i64)]
    pub pin_expires_at: i64,
    pub links: PinLinks,
}

/// Where the session is: `pending` (PIN issued; the customer may have opened it but not yet
/// accepted the licence agreement), `waiting` (the customer is waiting for the agent to
/// click Start), `active`, `on_hold` (the agent paused the session; media stopped),
/// `closed`, `expired` (nobody used the PIN in time), `timed_out` (the customer waited, or the
/// session stayed on hold, longer than the agent's group allows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HandoffStatus {
    Pending,
    Waiting,
    Active,
    OnHold,
    Closed,
    Expired,
    TimedOut,
}

impl From<SessionStatus> for HandoffStatus {
    fn from(status: SessionStatus) -> HandoffStatus {
        match status {
            SessionStatus::Pending => HandoffStatus::Pending,
            SessionStatus::Waiting => HandoffStatus::Waiting,
            SessionStatus::Active => HandoffStatus::Active,
            SessionStatus::OnHold => HandoffStatus::OnHold,
            SessionStatus::Closed => HandoffStatus::Closed,
            SessionStatus::Expired => HandoffStatus::Expired,
            SessionStatus::TimedOut => HandoffStatus::TimedOut,
        }
    }
}

/// Every error of this API (the shape `error.rs` writes).
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct ErrorBody {
    /// A code to act on: `missing_api_key`, `invalid_api_key`, `unknown_agent`,
    /// `unknown_session`, `already_ended`, `customer_joined`, `invalid_request`,
    /// `invalid_agent_email`, `invalid_customer_name`, `not_found`.
    #[schema(example = "unknown_session")]
    pub error: String,
    /// A sentence for a person.
    #[schema(example = "There is no such hand-off session for this API key.")]
    pub message: String,
}

fn unprocessable(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
}

/// The one answer for an address that is nobody's and for a technician outside the key's
/// groups: a different answer would tell a chat system which addresses have accounts.
fn unknown_agent() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_agent",
        "This API key may not act for this e-mail address: no technician of the key's groups has it.",
    )
}

fn unknown_session() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "unknown_session",
        "There is no such hand-off session for this API key.",
    )
}

/// Start a session for an agent.
///
/// Creates a Lens session in the agent's console with a fresh PIN, as if the agent had
/// clicked New Session there, and returns the PIN and the links to paste into the chat.
#[utoipa::path(
    post,
    path = "/api/v1/handoff/sessions",
    tag = "handoff",
    request_body = CreateHandoff,
    responses(
        (status = 201, description = "The session and its PIN", body = HandoffSession),
        (status = 401, description = "API key missing, unknown or revoked", body = ErrorBody),
        (status = 403, description = "The agent's group may not start Lens sessions or use links", body = ErrorBody),
        (status = 404, description = "No technician of the key's groups has this e-mail address (whether the address belongs to another technician is not told)", body = ErrorBody),
        (status = 422, description = "The body is not valid", body = ErrorBody),
    )
)]
pub async fn create_session(
    State(state): State<AppState>,
    client: ApiClient,
    body: Result<Json<CreateHandoff>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(request) =
        body.map_err(|rejection| unprocessable("invalid_request", rejection.body_text()))?;
    let email = request.agent_email.trim();
    if email.chars().count() > MAX_EMAIL_CHARS
        || !email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty())
    {
        return Err(unprocessable(
            "invalid_agent_email",
            "agent_email must be the agent's e-mail address.",
        ));
    }
    let customer_name = match request.customer_name.as_deref() {
        None => DEFAULT_CUSTOMER_NAME,
        Some(name) => sessions::validate_customer_name(name)
            .map_err(|message| unprocessable("invalid_customer_name", message))?,
    };
    let agent = technicians::by_email(&state.db, email).await?;
    // The scope is read for an unknown address too, so that neither the answer nor its
    // timing tells "no such technician" from "not yours".
    let agent_id = agent.as_ref().map_or(-1, |agent| agent.id);
    let in_scope = api_keys::may_act_for(&state.db, &client.key_id, agent_id).await?;
    let Some(agent) = agent.filter(|_| in_scope) else {
        return Err(unknown_agent());
    };
    let pin_ttl = agent_pin_ttl(&state, agent.id).await?;
    let issued = sessions::create(&state, agent.id, customer_name, HANDOFF_METHOD, pin_ttl).await?;
    let id = random_id();
    handoffs::insert(&state.db, &id, &client.key_id, &issued.session_id, now_ms()).await?;
    tracing::info!(handoff = %id, session = %issued.session_id, technician = agent.id, "hand-off created");
    let session = describe(&state, &id, &issued.session_id).await?;
    Ok((StatusCode::CREATED, Json(session)).into_response())
}

/// Read a hand-off's status.
#[utoipa::path(
    get,
    path = "/api/v1/handoff/sessions/{id}",
    tag = "handoff",
    params(("id" = String, Path, description = "The hand-off's id")),
    responses(
        (status = 200, description = "The session as it is now", body = HandoffSession),
        (status = 401, description = "API key missing, unknown or revoked", body = ErrorBody),
        (status = 404, description = "No such hand-off for this key", body = ErrorBody),
    )
)]
pub async fn get_session(
    State(state): State<AppState>,
    client: ApiClient,
    Path(id): Path<String>,
) -> Result<Json<HandoffSession>, ApiError> {
    let session_id = session_of(&state, &client, &id).await?;
    Ok(Json(describe(&state, &id, &session_id).await?))
}

/// Create another PIN.
///
/// The current PIN stops working at once (a customer who types it is told it expired) and
/// a new PIN and new links are returned; the hand-off keeps its id. Refused once the
/// customer has joined or the session is over.
#[utoipa::path(
    post,
    path = "/api/v1/handoff/sessions/{id}/pin",
    tag = "handoff",
    params(("id" = String, Path, description = "The hand-off's id")),
    responses(
        (status = 200, description = "The session with its new PIN", body = HandoffSession),
        (status = 401, description = "API key missing, unknown or revoked", body = ErrorBody),
        (status = 403, description = "The agent's group may no longer start Lens sessions or use links", body = ErrorBody),
        (status = 404, description = "No such hand-off for this key", body = ErrorBody),
        (status = 409, description = "The customer already joined, or the session is over", body = ErrorBody),
    )
)]
pub async fn replace_pin(
    State(state): State<AppState>,
    client: ApiClient,
    Path(id): Path<String>,
) -> Result<Json<HandoffSession>, ApiError> {
    let old_session = session_of(&state, &client, &id).await?;
    let row = session_row(&state, &old_session).await?;
    // A new PIN lands in the agent's console: only while the agent is still in the key's
    // groups (an admin may have moved the agent since the hand-off began).
    if !api_keys::may_act_for(&state.db, &client.key_id, row.technician_id).await? {
        return Err(unknown_session());
    }
    let pin_ttl = agent_pin_ttl(&state, row.technician_id).await?;
    let issued = sessions::replace_pin(&state, row.technician_id, &old_session, pin_ttl)
        .await
        .map_err(|error| ApiError::conflict(error, "customer_joined"))?;
    if !handoffs::replace_session(&state.db, &id, &old_session, &issued.session_id).await? {
        // Another "create another PIN" for this hand-off won; this PIN must not live on.
        sessions::end(
            &state,
            &issued.session_id,
            lens_core::signal::EndReason::TechnicianEnded,
        )
        .await?;
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "already_replaced",
            "Another PIN was created for this session at the same moment.",
        ));
    }
    tracing::info!(handoff = %id, session = %issued.session_id, "hand-off PIN replaced");
    Ok(Json(describe(&state, &id, &issued.session_id).await?))
}

/// End the session.
///
/// Closes the session; a customer who is waiting or connected is told the agent ended it.
#[utoipa::path(
    post,
    path = "/api/v1/handoff/sessions/{id}/end",
    tag = "handoff",
    params(("id" = String, Path, description = "The hand-off's id")),
    responses(
        (status = 200, description = "The session, now closed", body = HandoffSession),
        (status = 401, description = "API key missing, unknown or revoked", body = ErrorBody),
        (status = 404, description = "No such hand-off for this key", body = ErrorBody),
        (status = 409, description = "The session has already ended", body = ErrorBody),
    )
)]
pub async fn end_session(
    State(state): State<AppState>,
    client: ApiClient,
    Path(id): Path<String>,
) -> Result<Json<HandoffSession>, ApiError> {
    let session_id = session_of(&state, &client, &id).await?;
    let row = session_row(&state, &session_id).await?;
    sessions::end_by_technician(&state, row.technician_id, &session_id)
        .await
        .map_err(|error| ApiError::conflict(error, "already_ended"))?;
    tracing::info!(handoff = %id, session = %session_id, "hand-off ended");
    Ok(Json(describe(&state, &id, &session_id).await?))
}

async fn session_of(state: &AppState, client: &ApiClient, id: &str) -> Result<String, ApiError> {
    handoffs::session_of(&state.db, &client.key_id, id)
        .await?
        .ok_or_else(unknown_session)
}

async fn session_row(state: &AppState, session_id: &str) -> Result<SessionRow, ApiError> {
    // The foreign key keeps the session; a missing row would be a broken database.
    store::sessions::get(&state.db, session_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("hand-off points at missing session {session_id}").into())
}

async fn describe(
    state: &AppState,
    id: &str,
    session_id: &str,
) -> Result<HandoffSession, ApiError> {
    let row = session_row(state, session_id).await?;
    let agent = technicians::by_id(&state.db, row.technician_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("session {session_id} has no technician"))?;
    let (status, end_reason) = row.status_at(now_ms());
    Ok(HandoffSession {
        id: id.to_owned(),
        agent_email: agent.email,
        customer_name: row.customer_name,
        status: status.into(),
        end_reason: end_reason.map(|reason| reason.as_str().to_owned()),
        links: PinLinks::for_pin(state, &row.pin),
        pin: row.pin,
        pin_expires_at: row.pin_expires_at,
    })
}

/// How a hand-off's PIN reaches the customer: the chat system passes the links on.
const HANDOFF_METHOD: &str = "link";

/// The hand-off acts for the agent, so the agent's group decides (seeds 001, 003): it must
/// start Lens sessions and use links. Returns the group's PIN validity.
async fn agent_pin_ttl(state: &AppState, agent_id: i64) -> Result<std::time::Duration, ApiError> {
    let access = Access::of(&state.db, agent_id).await?;
    access.require(Permission::StartLensSessions)?;
    access.require(Permission::UseLink)?;
    Ok(access
        .group
        .as_ref()
        .map_or(state.config.pin_ttl, |group| group.pin_ttl(&state.config)))
}
