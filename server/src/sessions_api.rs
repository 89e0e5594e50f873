//! The technician's HTTP API for sessions: `POST /api/sessions` (new PIN and links) and
//! `GET /api/sessions` (the list; the console normally gets it over its WebSocket).

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use lens_core::signal::SessionSummary;
use serde::{Deserialize, Serialize};

use crate::auth::AuthedTechnician;
use crate::db::now_ms;
use crate::error::ApiError;
use crate::links::PinLinks;
use crate::session_store;
use crate::sessions;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct CreateSessionRequest {
    pub customer_name: String,
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
}

pub async fn create(
    State(state): State<AppState>,
    auth: AuthedTechnician,
    body: Result<Json<CreateSessionRequest>, JsonRejection>,
) -> Result<Json<CreatedSession>, ApiError> {
    let Json(request) = body?;
    let customer_name = sessions::validate_customer_name(&request.customer_name)
        .map_err(|message| ApiError::bad_request("invalid_customer_name", message))?;
    let issued = sessions::create(&state, auth.technician.id, customer_name).await?;
    Ok(Json(CreatedSession {
        links: PinLinks::for_pin(&state, &issued.pin),
        session_id: issued.session_id,
        pin: issued.pin,
        customer_name: customer_name.to_owned(),
        expires_at: issued.expires_at,
    }))
}

pub async fn list(
    State(state): State<AppState>,
    auth: AuthedTechnician,
) -> Result<Json<Vec<SessionSummary>>, ApiError> {
    Ok(Json(
        session_store::list_for_technician(&state.db, auth.technician.id, now_ms()).await?,
    ))
}
