//! The collaborator's socket and the customer's side: the signalling of each
//! collaborator's own peer connection, camera controls, and what everyone must hear.

use super::*;

// ---- the collaborator's socket -----------------------------------------------------------

/// What a newly connected collaborator console is told first, and what the customer is told.
pub async fn connected(
    state: &AppState,
    seat: &InvitationRow,
    peer: &str,
    replaced: Option<String>,
) -> Result<ServerToCollaborator, FlowError> {
    let row = sessions::existing(state, &seat.session_id).await?;
    let status = row.status_at(now_ms()).0;
    let lead_name = store::technicians::by_id(&state.db, row.technician_id)
        .await?
        .map(|t| t.name)
        .unwrap_or_default();
    if let Some(old) = replaced {
        state
            .hub
            .send_to_customer(&row.id, ServerToCustomer::CollaboratorLeft { peer: old });
    }
    let live = state.seats.seat(&seat.session_id, &seat.id);
    let permissions = live.map_or_else(|| permissions_of(seat), |s| s.permissions);
    if status == SessionStatus::Active {
        let ice = ice::for_session(state, row.technician_id, &row.id).await?;
        state.hub.send_to_customer(
            &row.id,
            ServerToCustomer::CollaboratorJoined {
                peer: peer.to_owned(),
                technician_name: seat.name.clone(),
                talk: permissions.talk,
                ice,
            },
        );
    }
    announce(state, &row.id, row.technician_id);
    Ok(ServerToCollaborator::Welcome {
        session_id: row.id.clone(),
        customer_name: row.customer_name.clone(),
        lead_name,
        note: seat.note.clone(),
        permissions,
        status,
    })
}

/// The collaborator's console went away without leaving: the customer drops its peer
/// connection; the seat waits for the console for the grace period.
pub async fn disconnected(state: &AppState, seat: &InvitationRow, peer: &str, absence: u64) {
    state.hub.send_to_customer(
        &seat.session_id,
        ServerToCustomer::CollaboratorLeft {
            peer: peer.to_owned(),
        },
    );
    if let Ok(Some(row)) = store::sessions::get(&state.db, &seat.session_id).await {
        announce(state, &row.id, row.technician_id);
    }
    watch_seat(
        state.clone(),
        seat.session_id.clone(),
        seat.id.clone(),
        absence,
    );
}

/// The collaborator's answer or candidate, for the customer's connection of `peer`.
pub async fn relay_to_customer(
    state: &AppState,
    seat: &InvitationRow,
    message: ServerToCustomer,
) -> Result<(), FlowError> {
    let row = sessions::existing(state, &seat.session_id).await?;
    match row.status_at(now_ms()).0 {
        SessionStatus::Active => {}
        SessionStatus::OnHold => {
            return Err(FlowError::Refused(
                "The session is on hold; wait for the lead technician to resume it.".into(),
            ));
        }
        _ => return Err(FlowError::Refused(ALREADY_OVER.into())),
    }
    if !state.hub.send_to_customer(&row.id, message) {
        tracing::debug!(session = %row.id, "customer not connected; dropped a collaborator's signalling message");
    }
    Ok(())
}

pub fn answer(peer: &str, sdp: String) -> ServerToCustomer {
    ServerToCustomer::PeerAnswer {
        peer: peer.to_owned(),
        sdp,
    }
}

pub fn candidate(peer: &str, candidate: IceCandidate) -> ServerToCustomer {
    ServerToCustomer::PeerCandidate {
        peer: peer.to_owned(),
        candidate,
    }
}

/// A camera control from a collaborator: only with the lead's `camera_controls`.
pub async fn camera_control(
    state: &AppState,
    seat: &InvitationRow,
    control: CameraControl,
) -> Result<(), FlowError> {
    if !seat_permissions(state, seat).camera_controls {
        return Err(FlowError::Refused(
            "The lead technician has not allowed you to control the customer's camera.".into(),
        ));
    }
    let row = sessions::existing(state, &seat.session_id).await?;
    if row.status_at(now_ms()).0 != SessionStatus::Active {
        return Err(FlowError::Refused(
            "The camera can only be controlled during an active session.".into(),
        ));
    }
    if !state
        .hub
        .send_to_customer(&row.id, ServerToCustomer::CameraControl { control })
    {
        return Err(FlowError::Refused(
            "The customer's app is reconnecting; try again in a moment.".into(),
        ));
    }
    let detail = format!("{} (by {})", control.label(), seat.name);
    session_log::record(&state.db, &row.id, Event::CameraControl, Some(&detail)).await;
    Ok(())
}

/// A STUN or TURN server failed for the collaborator's browser.
pub async fn ice_server_error(
    state: &AppState,
    seat: &InvitationRow,
    url: &str,
    code: u16,
    text: &str,
) {
    let who = format!("The console of {}", seat.name);
    let message = crate::flow::media_events::describe_ice_server_error(&who, url, code, text);
    session_log::record(
        &state.db,
        &seat.session_id,
        Event::IceServerError,
        Some(&message),
    )
    .await;
}

// ---- the customer's side -----------------------------------------------------------------

/// The customer's offer or candidate for a collaborator's connection. A peer that is gone
/// (its console left or reconnected as a new peer) gets nothing.
pub async fn relay_to_collaborator(
    state: &AppState,
    session_id: &str,
    peer: &str,
    message: ServerToCollaborator,
) -> Result<(), FlowError> {
    let row = sessions::existing(state, session_id).await?;
    if row.status_at(now_ms()).0 != SessionStatus::Active {
        return Err(FlowError::Refused(
            "The technician has not started the session; wait for \"start\".".into(),
        ));
    }
    if !state.seats.send_to_peer(session_id, peer, message) {
        tracing::debug!(session = %session_id, "no such collaborator peer; dropped a signalling message");
    }
    Ok(())
}

/// The customer's offer for `peer`, with that collaborator's ICE servers.
pub async fn offer_for(
    state: &AppState,
    session_id: &str,
    sdp: String,
) -> Result<ServerToCollaborator, FlowError> {
    let row = sessions::existing(state, session_id).await?;
    Ok(ServerToCollaborator::Offer {
        sdp,
        ice: ice::for_session(state, row.technician_id, session_id).await?,
    })
}

/// Tells the customer about every connected collaborator (after a Start, a resume, or when
/// its socket came back): repeats are harmless to the app.
pub async fn introduce_all(state: &AppState, row: &SessionRow) -> anyhow::Result<()> {
    for peer in state.seats.peers(&row.id) {
        let ice = ice::for_session(state, row.technician_id, &row.id).await?;
        state.hub.send_to_customer(
            &row.id,
            ServerToCustomer::CollaboratorJoined {
                peer: peer.peer,
                technician_name: peer.name,
                talk: peer.talk,
                ice,
            },
        );
    }
    Ok(())
}

/// Start (or resume) the customer's media, then one connection per collaborator again.
pub async fn start_media(
    state: &AppState,
    row: &SessionRow,
    start: ServerToCustomer,
) -> anyhow::Result<()> {
    state.hub.send_to_customer(&row.id, start);
    introduce_all(state, row).await
}

/// The lead put the session on hold: the customer stops its media (its collaborators'
/// connections too) and every collaborator reads the status.
pub fn put_on_hold(state: &AppState, session_id: &str) {
    state
        .hub
        .send_to_customer(session_id, ServerToCustomer::Hold);
    status_changed(state, session_id, SessionStatus::OnHold);
}

/// The session's status changed (hold, resume): every collaborator is told.
pub fn status_changed(state: &AppState, session_id: &str, status: SessionStatus) {
    state
        .seats
        .broadcast(session_id, &ServerToCollaborator::Status { status });
}

/// Something of the customer's camera every technician in the session should see.
pub fn tell_all(state: &AppState, session_id: &str, message: ServerToCollaborator) {
    state.seats.broadcast(session_id, &message);
}
