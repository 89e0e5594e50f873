//! Transfer (seed 004) from the console's live panel: `GET /api/sessions/{id}/transfer`
//! lists the colleagues the session could go to, `POST /api/sessions/{id}/transfer` hands
//! it to one of them (`flow/transfer.rs` has the rules).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};

use crate::accounts::groups::Permission;
use crate::flow::transfer::{self, TransferTarget};
use crate::http::auth::AuthedTechnician;
use crate::http::error::ApiError;
use crate::http::sessions_api::own_session;
use crate::state::AppState;

pub async fn targets(
    State(state): State<AppState>,
    auth: AuthedTechnician,
    Path(session_id): Path<String>,
) -> Result<Json<Vec<TransferTarget>>, ApiError> {
    auth.access.require(Permission::StartLensSessions)?;
    own_session(&state, &auth, &session_id).await?;
    transfer::targets(&state, auth.technician.id, &session_id)
        .await
        .map(Json)
        .map_err(|error| ApiError::conflict(error, "not_transferable"))
}

#[derive(Deserialize)]
pub struct TransferRequest {
    pub technician_id: i64,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Transferred {
    /// The colleague who has the session now.
    pub technician_name: String,
}

pub async fn transfer(
    State(state): State<AppState>,
    auth: AuthedTechnician,
    Path(session_id): Path<String>,
    body: Result<Json<TransferRequest>, JsonRejection>,
) -> Result<Json<Transferred>, ApiError> {
    let Json(request) = body?;
    auth.access.require(Permission::StartLensSessions)?;
    own_session(&state, &auth, &session_id).await?;
    let technician_name =
        transfer::transfer(&state, &auth.technician, &session_id, request.technician_id)
            .await
            .map_err(|error| ApiError::conflict(error, "transfer_refused"))?;
    Ok(Json(Transferred { technician_name }))
}
