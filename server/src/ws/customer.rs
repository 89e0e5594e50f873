//! The customer app's WebSocket, `GET /api/customer/ws?token=...`.
//!
//! On connect the server says Welcome with the session's status (and Start again if the
//! session is Active, so that an app that reconnected makes a new offer). The app then
//! accepts or declines the EULA, sends its offer and candidates once started (and says when
//! its media path breaks and comes back, or a STUN/TURN server fails), or leaves.
//! If the socket drops while the session is live, the session survives for the reconnect
//! grace period.

use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use lens_core::signal::{
    CustomerMessage, EndReason, ServerToCollaborator, ServerToCustomer, ServerToTechnician,
    SessionStatus,
};
use serde::Deserialize;

use crate::flow::sessions::{self, FlowError};
use crate::flow::{collaboration, ice, media_events};
use crate::http::error::ApiError;
use crate::state::AppState;
use crate::store::now_ms;
use crate::store::{self, sessions::SessionRow};
use crate::tokens::sha256_hex;
use crate::ws::hub::{CloseReason, ToCustomer};
use crate::ws::{self, Inbound, Keepalive};

#[derive(Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

pub async fn upgrade(
    State(state): State<AppState>,
    Query(query): Query<TokenQuery>,
    upgrade: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let token = query.token.unwrap_or_default();
    let session =
        match store::sessions::by_customer_token_hash(&state.db, &sha256_hex(token.as_bytes()))
            .await?
        {
            Some(session) if !token.is_empty() => session,
            _ => {
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "invalid_token",
                    "This customer token does not belong to any session; join with the PIN again.",
                ));
            }
        };
    Ok(ws::limit(upgrade)
        .on_upgrade(move |socket| run(state, socket, session.id))
        .into_response())
}

async fn run(state: AppState, mut socket: WebSocket, session_id: String) {
    // A session that is over only gets told how it ended; nothing is registered for it.
    match store::sessions::get(&state.db, &session_id).await {
        Ok(Some(row)) if !row.is_live(now_ms()) => return say_it_is_over(&mut socket, &row).await,
        Ok(Some(_)) => {}
        Ok(None) | Err(_) => {
            tracing::error!(session = %session_id, "could not read the session of a connecting customer");
            return ws::close(&mut socket, CloseReason::SERVER_ERROR).await;
        }
    }
    let (conn, mut outbox) = state.hub.connect_customer(&session_id);
    // Read the status again after registering: a change made in between (a Start, an End)
    // then reaches this socket one way or the other.
    match store::sessions::get(&state.db, &session_id).await {
        Ok(Some(row)) if row.is_live(now_ms()) => {
            tracing::info!(session = %session_id, "customer connected");
            let status = row.status_at(now_ms()).0;
            let technician_name = match store::technicians::by_id(&state.db, row.technician_id)
                .await
            {
                Ok(technician) => technician.map(|t| t.name),
                Err(error) => {
                    tracing::error!(session = %session_id, error = format!("{error:#}"), "could not read the technician of a connecting customer");
                    None
                }
            };
            let welcome = ServerToCustomer::Welcome {
                session_id: session_id.clone(),
                status,
                technician_name,
            };
            let mut alive = ws::send(&mut socket, &welcome).await;
            if alive && status == SessionStatus::Active {
                // The app lost its peer connection with the socket: it must offer again,
                // with fresh credentials (the old ones may have run out meanwhile).
                alive = match ice::for_session(&state, row.technician_id, &session_id).await {
                    Ok(ice) => ws::send(&mut socket, &ServerToCustomer::Start { ice }).await,
                    Err(error) => {
                        tracing::error!(session = %session_id, error = format!("{error:#}"), "could not issue the ICE servers of a reconnecting customer");
                        ws::close(&mut socket, CloseReason::SERVER_ERROR).await;
                        false
                    }
                };
            }
            if alive && status == SessionStatus::Active {
                // ...and one connection per collaborator again; queued behind the Start.
                if let Err(error) = collaboration::introduce_all(&state, &row).await {
                    tracing::error!(session = %session_id, error = format!("{error:#}"), "could not introduce the collaborators to a reconnecting customer");
                }
            }
            if alive {
                serve(&state, &mut socket, &session_id, &mut outbox).await;
            }
        }
        Ok(Some(row)) => {
            state.hub.forget_session(&session_id);
            return say_it_is_over(&mut socket, &row).await;
        }
        Ok(None) | Err(_) => {
            tracing::error!(session = %session_id, "could not read the session of a connecting customer");
            ws::close(&mut socket, CloseReason::SERVER_ERROR).await;
        }
    }
    if let Some(absence) = state.hub.disconnect_customer(&session_id, conn) {
        tracing::info!(session = %session_id, "customer disconnected; waiting for a reconnect");
        sessions::watch_absence(state.clone(), session_id, absence);
    }
}

/// A customer coming back to a session that ended meanwhile learns how it ended.
async fn say_it_is_over(socket: &mut WebSocket, row: &SessionRow) {
    let (status, reason) = row.status_at(now_ms());
    let session_id = row.id.clone();
    let welcome = ServerToCustomer::Welcome {
        session_id,
        status,
        technician_name: None,
    };
    if ws::send(socket, &welcome).await {
        let reason = reason.unwrap_or(EndReason::ConnectionLost);
        ws::send(socket, &ServerToCustomer::End { reason }).await;
    }
    ws::close(socket, CloseReason::SESSION_ENDED).await;
}

async fn serve(
    state: &AppState,
    socket: &mut WebSocket,
    session_id: &str,
    outbox: &mut tokio::sync::mpsc::Receiver<ToCustomer>,
) {
    let mut keepalive = Keepalive::new();
    let mut shutdown = state.shutdown.clone();
    loop {
        tokio::select! {
            frame = socket.recv() => {
                match keepalive.receive::<CustomerMessage>(socket, frame).await {
                    Inbound::Message(message) => {
                        if let Err(error) = handle(state, session_id, message).await {
                            let message = match error {
                                FlowError::Refused(message) => message,
                                FlowError::Internal(error) => {
                                    tracing::error!(session = %session_id, error = format!("{error:#}"), "customer request failed");
                                    "Something went wrong on the server; try again.".to_owned()
                                }
                            };
                            if !ws::send(socket, &ServerToCustomer::Error { message }).await {
                                return;
                            }
                        }
                    }
                    Inbound::Invalid(error) => {
                        tracing::debug!(session = %session_id, %error, "bad frame from customer");
                        if !ws::send(socket, &ServerToCustomer::Error { message: error.to_string() }).await {
                            return;
                        }
                    }
                    Inbound::Control => {}
                    Inbound::Closed => return,
                }
            }
            item = outbox.recv() => match item {
                Some(ToCustomer::Send(message)) => {
                    if !ws::send(socket, &message).await {
                        return;
                    }
                }
                Some(ToCustomer::Close(reason)) => {
                    ws::close(socket, reason).await;
                    return;
                }
                // The hub dropped this socket (it could not keep up).
                None => {
                    ws::close(socket, CloseReason::TOO_SLOW).await;
                    return;
                }
            },
            () = keepalive.tick() => {
                if !keepalive.ping(socket).await {
                    ws::close(socket, CloseReason::IDLE).await;
                    return;
                }
            }
            () = crate::state::until_shutdown(&mut shutdown) => {
                ws::close(socket, CloseReason::GOING_AWAY).await;
                return;
            }
        }
    }
}

async fn handle(
    state: &AppState,
    session_id: &str,
    message: CustomerMessage,
) -> Result<(), FlowError> {
    match message {
        CustomerMessage::EulaAccepted { version } => {
            sessions::accept_eula(state, session_id, &version).await
        }
        CustomerMessage::EulaDeclined { .. } => {
            sessions::end(state, session_id, EndReason::EulaDeclined).await?;
            Ok(())
        }
        CustomerMessage::Offer { sdp, ice_restart } => {
            media_events::relay_offer(state, session_id, sdp, ice_restart).await
        }
        CustomerMessage::Candidate { candidate } => {
            let message = ServerToTechnician::Candidate {
                session_id: session_id.to_owned(),
                candidate,
            };
            sessions::relay_to_technician(state, session_id, message).await
        }
        CustomerMessage::Leave => {
            sessions::end(state, session_id, EndReason::CustomerLeft).await?;
            Ok(())
        }
        CustomerMessage::Stats { stats } => {
            let message = ServerToTechnician::Stats {
                session_id: session_id.to_owned(),
                stats,
            };
            sessions::relay_to_technician(state, session_id, message).await
        }
        CustomerMessage::DeviceProblem {
            device,
            problem,
            detail,
        } => {
            let message = ServerToTechnician::DeviceProblem {
                session_id: session_id.to_owned(),
                device,
                problem,
                message: problem.describe(device),
                detail: bounded(detail),
            };
            sessions::relay_to_technician(state, session_id, message).await
        }
        CustomerMessage::MediaState {
            video_paused,
            paused_by,
        } => {
            collaboration::tell_all(
                state,
                session_id,
                ServerToCollaborator::MediaState {
                    video_paused,
                    paused_by,
                },
            );
            let message = ServerToTechnician::MediaState {
                session_id: session_id.to_owned(),
                video_paused,
                paused_by,
            };
            sessions::relay_to_technician(state, session_id, message).await
        }
        CustomerMessage::ControlRefused { control, message } => {
            let message = bounded(message);
            collaboration::tell_all(
                state,
                session_id,
                ServerToCollaborator::ControlRefused {
                    control,
                    message: message.clone(),
                },
            );
            sessions::control_refused(state, session_id, control, message).await
        }
        CustomerMessage::PeerOffer { peer, sdp } => {
            let offer = collaboration::offer_for(state, session_id, sdp).await?;
            collaboration::relay_to_collaborator(state, session_id, &peer, offer).await
        }
        CustomerMessage::PeerCandidate { peer, candidate } => {
            let message = ServerToCollaborator::Candidate { candidate };
            collaboration::relay_to_collaborator(state, session_id, &peer, message).await
        }
        CustomerMessage::Reconnecting => media_events::reconnecting(state, session_id).await,
        CustomerMessage::Reconnected => media_events::reconnected(state, session_id).await,
        CustomerMessage::IceServerError { url, code, text } => {
            media_events::customer_ice_server_error(state, session_id, &url, code, &text).await
        }
    }
}

/// The most of a customer's own words (a device's error, a refusal's reason) that reaches the
/// consoles and the session log: the customer's app or system wrote them, and a hostile client
/// must not flood a technician's screen.
const MAX_CUSTOMER_TEXT_CHARS: usize = 300;

fn bounded(mut text: String) -> String {
    if let Some((end, _)) = text.char_indices().nth(MAX_CUSTOMER_TEXT_CHARS) {
        text.truncate(end);
    }
    text
}
