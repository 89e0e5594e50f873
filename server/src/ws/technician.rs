//! The console's WebSocket, `GET /api/technician/ws` (authenticated by the session cookie).
//!
//! The console gets its whole session list on connect and again after every change; it
//! sends Start, its answer and candidates, Hold, camera controls and End. Refusals come
//! back as `refused` and the socket stays open.

use axum::extract::State;
use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use lens_core::signal::{ServerToCustomer, ServerToTechnician, TechnicianMessage};
use tokio::sync::mpsc;

use crate::flow::sessions::{self, FlowError};
use crate::flow::{collaboration, media_events};
use crate::http::auth::{AuthedTechnician, origin_allowed};
use crate::http::error::ApiError;
use crate::state::AppState;
use crate::store::now_ms;
use crate::ws::hub::{CloseReason, ConnId, ToTechnician};
use crate::ws::{self, Inbound, Keepalive};

pub async fn upgrade(
    State(state): State<AppState>,
    auth: AuthedTechnician,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    if !origin_allowed(&headers, &state) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden_origin",
            "This page may not open a console socket.",
        ));
    }
    Ok(ws::limit(upgrade)
        .on_upgrade(move |socket| run(state, socket, auth))
        .into_response())
}

async fn run(state: AppState, mut socket: WebSocket, auth: AuthedTechnician) {
    let technician_id = auth.technician.id;
    let (conn, mut outbox) = state
        .hub
        .connect_technician(technician_id, auth.login.clone());
    tracing::info!(technician = technician_id, conn, "console connected");
    if send_list(&state, &mut socket, technician_id).await
        && send_collaborators(&state, &mut socket, technician_id).await
    {
        serve(&state, &mut socket, &auth, conn, &mut outbox).await;
    }
    state.hub.disconnect_technician(technician_id, conn);
    tracing::info!(technician = technician_id, conn, "console disconnected");
}

async fn serve(
    state: &AppState,
    socket: &mut WebSocket,
    auth: &AuthedTechnician,
    conn: ConnId,
    outbox: &mut mpsc::Receiver<ToTechnician>,
) {
    let technician_id = auth.technician.id;
    let mut keepalive = Keepalive::new();
    let mut shutdown = state.shutdown.clone();
    // The console is signed out when its log-in runs out, even mid-session.
    let login_left = u64::try_from(auth.expires_at - now_ms()).unwrap_or(0);
    let login_over = tokio::time::sleep(std::time::Duration::from_millis(login_left));
    tokio::pin!(login_over);
    // ...and as soon as its log-in is gone for another reason (a password reset deletes
    // them, also from another process): checked on every command and on this tick.
    let every = state.config.login_check_every;
    let mut login_check = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    login_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            frame = socket.recv() => {
                let refusal = match keepalive.receive::<TechnicianMessage>(socket, frame).await {
                    Inbound::Message(message) => {
                        if let Err(reason) = check_login(state, auth).await {
                            ws::close(socket, reason).await;
                            return;
                        }
                        match handle(state, technician_id, conn, message).await {
                            Ok(()) => None,
                            Err(FlowError::Refused(message)) => Some(message),
                            Err(FlowError::Internal(error)) => {
                                tracing::error!(technician = technician_id, error = format!("{error:#}"), "console request failed");
                                Some("Something went wrong on the server; try again.".to_owned())
                            }
                        }
                    }
                    Inbound::Invalid(error) => {
                        tracing::debug!(technician = technician_id, %error, "bad frame from console");
                        Some(error.to_string())
                    }
                    Inbound::Control => None,
                    Inbound::Closed => return,
                };
                if let Some(message) = refusal
                    && !ws::send(socket, &ServerToTechnician::Refused { message }).await
                {
                    return;
                }
            }
            item = outbox.recv() => {
                let alive = match item {
                    Some(ToTechnician::Send(message)) => ws::send(socket, &message).await,
                    Some(ToTechnician::SessionsChanged) => send_list(state, socket, technician_id).await,
                    Some(ToTechnician::Close(reason)) => {
                        ws::close(socket, reason).await;
                        false
                    }
                    None => {
                        ws::close(socket, CloseReason::TOO_SLOW).await;
                        false
                    }
                };
                if !alive {
                    return;
                }
            }
            () = keepalive.tick() => {
                if !keepalive.ping(socket).await {
                    ws::close(socket, CloseReason::IDLE).await;
                    return;
                }
            }
            _ = login_check.tick() => {
                if let Err(reason) = check_login(state, auth).await {
                    ws::close(socket, reason).await;
                    return;
                }
            }
            () = &mut login_over => {
                ws::close(socket, CloseReason::SIGNED_OUT).await;
                return;
            }
            () = crate::state::until_shutdown(&mut shutdown) => {
                ws::close(socket, CloseReason::GOING_AWAY).await;
                return;
            }
        }
    }
}

/// Ok while the socket's log-in stands; otherwise how to close the socket. A database that
/// cannot answer closes it too (the console reconnects and signs in again if it must):
/// a socket is never kept on a log-in nobody could confirm.
async fn check_login(state: &AppState, auth: &AuthedTechnician) -> Result<(), CloseReason> {
    match crate::http::auth::login_is_live(&state.db, &auth.login).await {
        Ok(true) => Ok(()),
        Ok(false) => {
            tracing::info!(
                technician = auth.technician.id,
                "console log-in revoked; closing its socket"
            );
            Err(CloseReason::SIGNED_OUT)
        }
        Err(error) => {
            tracing::error!(
                technician = auth.technician.id,
                error = format!("{error:#}"),
                "checking the console log-in failed"
            );
            Err(CloseReason::SERVER_ERROR)
        }
    }
}

async fn handle(
    state: &AppState,
    technician_id: i64,
    conn: ConnId,
    message: TechnicianMessage,
) -> Result<(), FlowError> {
    match message {
        TechnicianMessage::Start { session_id } => {
            require_lens(state, technician_id).await?;
            sessions::start(state, technician_id, conn, &session_id).await
        }
        TechnicianMessage::Hold { session_id } => {
            require_lens(state, technician_id).await?;
            sessions::hold(state, technician_id, &session_id).await
        }
        TechnicianMessage::Answer { session_id, sdp } => {
            sessions::relay_to_customer(
                state,
                technician_id,
                &session_id,
                ServerToCustomer::Answer { sdp },
            )
            .await
        }
        TechnicianMessage::Candidate {
            session_id,
            candidate,
        } => {
            sessions::relay_to_customer(
                state,
                technician_id,
                &session_id,
                ServerToCustomer::Candidate { candidate },
            )
            .await
        }
        TechnicianMessage::End { session_id } => {
            sessions::end_by_technician(state, technician_id, &session_id).await
        }
        TechnicianMessage::CameraControl {
            session_id,
            control,
        } => sessions::camera_control(state, technician_id, &session_id, control).await,
        TechnicianMessage::IceServerError {
            session_id,
            url,
            code,
            text,
        } => {
            media_events::technician_ice_server_error(
                state,
                technician_id,
                &session_id,
                &url,
                code,
                &text,
            )
            .await
        }
    }
}

/// Starting and holding sessions need the group's "start Lens sessions" permission, read
/// fresh so that an admin's change applies to an open console.
async fn require_lens(state: &AppState, technician_id: i64) -> Result<(), FlowError> {
    let access = crate::flow::access::Access::of(&state.db, technician_id).await?;
    if access.allows(crate::accounts::groups::Permission::StartLensSessions) {
        Ok(())
    } else {
        Err(FlowError::Refused(
            crate::flow::access::permission_denied(
                crate::accounts::groups::Permission::StartLensSessions,
            )
            .message,
        ))
    }
}

/// The collaborators of the technician's sessions, for a console that just connected; false
/// if the socket is gone.
async fn send_collaborators(state: &AppState, socket: &mut WebSocket, technician_id: i64) -> bool {
    let Ok(sessions) = collaboration::list_for_technician(state, technician_id).await else {
        return true;
    };
    for message in collaboration::lists_of(state, &sessions) {
        if !ws::send(socket, &message).await {
            return false;
        }
    }
    true
}

/// Reads the list now and sends it; false if the socket is gone.
async fn send_list(state: &AppState, socket: &mut WebSocket, technician_id: i64) -> bool {
    match collaboration::list_for_technician(state, technician_id).await {
        Ok(sessions) => ws::send(socket, &ServerToTechnician::Sessions { sessions }).await,
        Err(error) => {
            tracing::error!(
                technician = technician_id,
                error = format!("{error:#}"),
                "reading the session list failed"
            );
            ws::send(
                socket,
                &ServerToTechnician::Refused {
                    message: "Could not load your sessions; reload the page.".into(),
                },
            )
            .await
        }
    }
}
