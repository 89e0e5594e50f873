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
use crate::session_store;
use crate::sessions;
use crate::state::AppState;

const MAX_CUSTOMER_NAME_CHARS: usize = 100;

#[derive(Deserialize)]
pub struct CreateSessionRequest {
    pub customer_name: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct CreatedSession {
    pub session_id: String,
    pub pin: String,
    pub customer_name: String,
    pub links: Links,
    /// When the PIN stops working, Unix milliseconds.
    pub expires_at: i64,
}

/// The two ways to hand the PIN to a customer as a link (see the seeds: a mobile link
/// with the PIN as the path, a desktop link with it as `?code=`).
#[derive(Debug, Serialize, Deserialize)]
pub struct Links {
    pub mobile: String,
    pub desktop: String,
}

pub async fn create(
    State(state): State<AppState>,
    auth: AuthedTechnician,
    body: Result<Json<CreateSessionRequest>, JsonRejection>,
) -> Result<Json<CreatedSession>, ApiError> {
    let Json(request) = body?;
    let customer_name = request.customer_name.trim();
    if customer_name.is_empty()
        || customer_name.chars().count() > MAX_CUSTOMER_NAME_CHARS
        || customer_name.chars().any(char::is_control)
    {
        return Err(ApiError::bad_request(
            "invalid_customer_name",
            format!("Enter the customer's name (1 to {MAX_CUSTOMER_NAME_CHARS} characters)."),
        ));
    }
    let issued = sessions::create(&state, auth.technician.id, customer_name).await?;
    let base = state.public_base();
    Ok(Json(CreatedSession {
        links: Links {
            mobile: format!("{base}/{}", issued.pin),
            desktop: format!("{base}/?code={}", issued.pin),
        },
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
