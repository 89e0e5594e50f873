//! A collaborating technician's console, `GET /ws/collaborator` (seed 004), authenticated by
//! the credential cookie its redeemed invitation set. The socket is bound to that one
//! session: no message names a session, and every relay uses the seat's.
//!
//! The server says `welcome`, tells the customer to open one more peer connection (while the
//! session is live), and then relays that connection's offer, answer and candidates. Camera
//! controls need the lead's permission; `leave` ends the seat. A socket that drops leaves the
//! seat waiting for the reconnect grace period; the console that comes back is a new peer.

use axum::extract::State;
use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use lens_core::signal::{CollaboratorMessage, ServerToCollaborator};
use tokio::sync::mpsc;

use crate::flow::collaboration;
use crate::flow::sessions::FlowError;
use crate::http::auth::origin_allowed;
use crate::http::error::ApiError;
use crate::state::AppState;
use crate::store::invitations::InvitationRow;
use crate::ws::hub::CloseReason;
use crate::ws::seats::ToCollaborator;
use crate::ws::{self, Inbound, Keepalive};

/// Where the collaborator's console connects.
pub const COLLABORATOR_WS_PATH: &str = "/ws/collaborator";

/// The HttpOnly cookie holding a seat's credential.
pub const COLLABORATOR_COOKIE: &str = "lens_collaborator";

/// The live seat this request's cookie opens, if any.
pub async fn seat_of(
    state: &AppState,
    headers: &HeaderMap,
) -> anyhow::Result<Option<InvitationRow>> {
    let jar = CookieJar::from_headers(headers);
    let Some(cookie) = jar.get(COLLABORATOR_COOKIE) else {
        return Ok(None);
    };
    collaboration::seat_of_credential(state, cookie.value()).await
}

pub async fn upgrade(
    State(state): State<AppState>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    if !origin_allowed(&headers, &state) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden_origin",
            "This page may not open a collaborator socket.",
        ));
    }
    let Some(seat) = seat_of(&state, &headers).await? else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "no_invitation",
            "Open your invitation (its link or PIN) first; this collaboration is over or was never joined.",
        ));
    };
    Ok(ws::limit(upgrade)
        .on_upgrade(move |socket| run(state, socket, seat))
        .into_response())
}

async fn run(state: AppState, mut socket: WebSocket, seat: InvitationRow) {
    // After a server restart the seat is only in the database: it sits down again.
    if state.seats.seat(&seat.session_id, &seat.id).is_none() {
        state
            .seats
            .sit(&seat.session_id, collaboration::seat_of_row(&seat));
    }
    let Some((_, peer, conn, mut outbox, replaced)) =
        state.seats.connect(&seat.session_id, &seat.id)
    else {
        return ws::close(&mut socket, CloseReason::SESSION_ENDED).await;
    };
    tracing::info!(session = %seat.session_id, conn, "collaborator connected");
    let welcome = match collaboration::connected(&state, &seat, &peer, replaced).await {
        Ok(welcome) => Some(welcome),
        Err(error) => {
            tracing::error!(session = %seat.session_id, error = %error, "could not welcome a collaborator");
            None
        }
    };
    let left = match welcome {
        Some(welcome) if ws::send(&mut socket, &welcome).await => {
            serve(&state, &mut socket, &seat, &peer, &mut outbox).await
        }
        Some(_) => false,
        None => {
            ws::close(&mut socket, CloseReason::SERVER_ERROR).await;
            false
        }
    };
    if !left && let Some(absence) = state.seats.disconnect(&seat.session_id, &seat.id, conn) {
        tracing::info!(session = %seat.session_id, "collaborator disconnected; waiting for a reconnect");
        collaboration::disconnected(&state, &seat, &peer, absence).await;
    }
}

/// Runs the socket until it ends; true if the collaborator left (the seat is gone).
async fn serve(
    state: &AppState,
    socket: &mut WebSocket,
    seat: &InvitationRow,
    peer: &str,
    outbox: &mut mpsc::Receiver<ToCollaborator>,
) -> bool {
    let mut keepalive = Keepalive::new();
    let mut shutdown = state.shutdown.clone();
    loop {
        tokio::select! {
            frame = socket.recv() => {
                let refusal = match keepalive.receive::<CollaboratorMessage>(socket, frame).await {
                    Inbound::Message(CollaboratorMessage::Leave) => {
                        if let Err(error) = collaboration::leave(state, seat).await {
                            tracing::error!(session = %seat.session_id, error = format!("{error:#}"), "a collaborator's leave failed");
                        }
                        ws::close(socket, CloseReason::SESSION_ENDED).await;
                        return true;
                    }
                    Inbound::Message(message) => match handle(state, seat, peer, message).await {
                        Ok(()) => None,
                        Err(FlowError::Refused(message)) => Some(message),
                        Err(FlowError::Internal(error)) => {
                            tracing::error!(session = %seat.session_id, error = format!("{error:#}"), "collaborator request failed");
                            Some("Something went wrong on the server; try again.".to_owned())
                        }
                    },
                    Inbound::Invalid(error) => {
                        tracing::debug!(session = %seat.session_id, %error, "bad frame from a collaborator");
                        Some(error.to_string())
                    }
                    Inbound::Control => None,
                    Inbound::Closed => return false,
                };
                if let Some(message) = refusal
                    && !ws::send(socket, &ServerToCollaborator::Refused { message }).await
                {
                    return false;
                }
            }
            item = outbox.recv() => match item {
                Some(ToCollaborator::Send(message)) => {
                    if !ws::send(socket, &message).await {
                        return false;
                    }
                }
                Some(ToCollaborator::Close(reason)) => {
                    ws::close(socket, reason).await;
                    return false;
                }
                None => {
                    ws::close(socket, CloseReason::TOO_SLOW).await;
                    return false;
                }
            },
            () = keepalive.tick() => {
                if !keepalive.ping(socket).await {
                    ws::close(socket, CloseReason::IDLE).await;
                    return false;
                }
            }
            () = crate::state::until_shutdown(&mut shutdown) => {
                ws::close(socket, CloseReason::GOING_AWAY).await;
                return false;
            }
        }
    }
}

async fn handle(
    state: &AppState,
    seat: &InvitationRow,
    peer: &str,
    message: CollaboratorMessage,
) -> Result<(), FlowError> {
    match message {
        CollaboratorMessage::Answer { sdp } => {
            collaboration::relay_to_customer(state, seat, collaboration::answer(peer, sdp)).await
        }
        CollaboratorMessage::Candidate { candidate } => {
            collaboration::relay_to_customer(state, seat, collaboration::candidate(peer, candidate))
                .await
        }
        CollaboratorMessage::CameraControl { control } => {
            collaboration::camera_control(state, seat, control).await
        }
        CollaboratorMessage::IceServerError { url, code, text } => {
            collaboration::ice_server_error(state, seat, &url, code, &text).await;
            Ok(())
        }
        // Handled by the loop (it ends the socket).
        CollaboratorMessage::Leave => Ok(()),
    }
}
