//! Seats ending: a collaborator leaves or is removed, the lead changes permissions, the
//! session ends or moves.

use super::*;

// ---- seats ending ------------------------------------------------------------------------

/// How a seat came to end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Departure {
    /// The collaborator clicked Leave.
    Left,
    /// Their console did not come back in time.
    Gone,
    /// The lead removed them.
    Removed,
}

/// Ends one seat: the socket is closed, the customer drops the peer, the lead's list and
/// the log follow. False if the seat had already ended.
pub(super) async fn stand_up(
    state: &AppState,
    session_id: &str,
    invitation_id: &str,
    departure: Departure,
) -> anyhow::Result<bool> {
    let ended = (departure == Departure::Removed).then(|| ServerToCollaborator::Ended {
        reason: None,
        message: "The lead technician removed you from the session.".into(),
    });
    let stood = state.seats.stand_up(session_id, invitation_id, ended);
    let written = invitations::end(&state.db, invitation_id, now_ms()).await?;
    let Some((seat, peer)) = stood else {
        return Ok(written);
    };
    if let Some(peer) = peer {
        state
            .hub
            .send_to_customer(session_id, ServerToCustomer::CollaboratorLeft { peer });
    }
    let event = match departure {
        Departure::Removed => Event::CollaboratorRemoved,
        Departure::Left | Departure::Gone => Event::CollaboratorLeft,
    };
    session_log::record(&state.db, session_id, event, Some(&seat.name)).await;
    if let Some(row) = store::sessions::get(&state.db, session_id).await? {
        announce(state, session_id, row.technician_id);
    }
    tracing::info!(session = %session_id, ?departure, "collaborator left the session");
    Ok(true)
}

/// The collaborator clicked Leave.
pub async fn leave(state: &AppState, seat: &InvitationRow) -> anyhow::Result<()> {
    stand_up(state, &seat.session_id, &seat.id, Departure::Left).await?;
    Ok(())
}

/// The lead removes a collaborator (by the peer the lead's list shows).
pub async fn remove(
    state: &AppState,
    lead: i64,
    session_id: &str,
    peer: &str,
) -> Result<(), CollabError> {
    sessions::owned(state, lead, session_id).await?;
    let Some(seat) = state.seats.seat_of_peer(session_id, peer) else {
        return Err(no_such_collaborator());
    };
    stand_up(state, session_id, &seat.invitation_id, Departure::Removed).await?;
    Ok(())
}

fn no_such_collaborator() -> CollabError {
    CollabError::NotFound(
        "no_such_collaborator",
        "This technician is not in the session (any more).".into(),
    )
}

/// The lead changes what a collaborator may do. The collaborator is told; a change of
/// `talk` is a new `collaborator_joined` for the same peer, which replaces the customer's
/// connection with or without the collaborator's voice.
pub async fn set_permissions(
    state: &AppState,
    lead: i64,
    session_id: &str,
    peer: &str,
    permissions: CollaboratorPermissions,
) -> Result<(), CollabError> {
    let row = sessions::owned(state, lead, session_id).await?;
    let Some(before) = state.seats.set_permissions(session_id, peer, permissions) else {
        return Err(no_such_collaborator());
    };
    invitations::set_permissions(&state.db, &before.invitation_id, flags(permissions)).await?;
    state.seats.send_to_peer(
        session_id,
        peer,
        ServerToCollaborator::Permissions { permissions },
    );
    if before.permissions.talk != permissions.talk
        && row.status_at(now_ms()).0 == SessionStatus::Active
    {
        let ice = ice::for_session(state, row.technician_id, session_id).await?;
        state.hub.send_to_customer(
            session_id,
            ServerToCustomer::CollaboratorJoined {
                peer: peer.to_owned(),
                technician_name: before.name.clone(),
                talk: permissions.talk,
                ice,
            },
        );
    }
    let detail = format!("{}: {}", before.name, describe(permissions));
    session_log::record(
        &state.db,
        session_id,
        Event::CollaboratorPermissions,
        Some(&detail),
    )
    .await;
    announce(state, session_id, row.technician_id);
    Ok(())
}

/// The session ended (`reason`) or moved to another technician (`transferred_to`): every
/// collaborator is told and closed, every invitation and seat ends.
pub async fn session_over(
    state: &AppState,
    session_id: &str,
    reason: Option<EndReason>,
    transferred_to: Option<&str>,
) {
    let message = match (reason, transferred_to) {
        (Some(reason), _) => reason.describe().to_owned(),
        (None, Some(name)) => {
            format!("The session was transferred to {name}; the collaboration has ended.")
        }
        (None, None) => "The collaboration has ended.".to_owned(),
    };
    let cleared = state
        .seats
        .clear(session_id, &ServerToCollaborator::Ended { reason, message });
    if let Err(error) = invitations::end_all(&state.db, session_id, now_ms()).await {
        tracing::error!(session = %session_id, error = format!("{error:#}"), "ending the session's invitations failed");
    }
    for (seat, peer) in cleared {
        if let Some(peer) = peer
            && reason.is_none()
        {
            // A transferred session goes on: the customer drops the collaborators' links.
            state
                .hub
                .send_to_customer(session_id, ServerToCustomer::CollaboratorLeft { peer });
        }
        session_log::record(
            &state.db,
            session_id,
            Event::CollaboratorLeft,
            Some(&seat.name),
        )
        .await;
    }
}
