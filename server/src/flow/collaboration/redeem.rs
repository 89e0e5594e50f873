//! Redeeming an invitation for a seat, and the seat that waits for its console.

use super::*;

// ---- redeeming ---------------------------------------------------------------------------

/// What the invited technician typed or clicked.
pub enum Credential<'a> {
    Pin(&'a str),
    Token(&'a str),
}

/// A redeemed invitation: the credential for the collaborator's console (set as a cookie)
/// and what its page shows before the socket opens.
#[derive(Debug, Clone)]
pub struct Redeemed {
    pub seat_token: String,
    pub session_id: String,
    pub name: String,
}

/// Redeems an invitation. `console` is the technician signed in to this browser's console,
/// if any: an internal invitation is for that one technician only.
pub async fn redeem(
    state: &AppState,
    credential: Credential<'_>,
    console: Option<i64>,
) -> Result<Redeemed, CollabError> {
    let now = now_ms();
    let found = match credential {
        Credential::Pin(pin) => {
            invitations::newest_with_pin(&state.db, pin, now - memory_ms(Duration::from_secs(3600)))
                .await?
        }
        Credential::Token(token) => {
            invitations::by_token_hash(&state.db, &sha256_hex(token.as_bytes())).await?
        }
    };
    let Some(invitation) = found else {
        return Err(CollabError::NotFound(
            "invitation_not_found",
            NOT_FOUND.into(),
        ));
    };
    let session = sessions::existing(state, &invitation.session_id).await?;
    let live = matches!(
        session.status_at(now).0,
        SessionStatus::Active | SessionStatus::OnHold
    );
    if !live {
        invitations::end(&state.db, &invitation.id, now).await?;
        return Err(CollabError::Gone("already_ended", ALREADY_OVER.into()));
    }
    if invitation.redeemed_at.is_some() {
        return Err(CollabError::Conflict("invitation_used", USED.into()));
    }
    if invitation.ended_at.is_some() || invitation.expires_at <= now {
        return Err(CollabError::Gone("invitation_expired", EXPIRED.into()));
    }
    if let Some(invited) = invitation.technician_id {
        match console {
            Some(id) if id == invited => {}
            Some(_) => {
                return Err(forbidden(
                    "wrong_technician",
                    format!(
                        "This invitation is for {}; only their console log-in can use it.",
                        invitation.name
                    ),
                ));
            }
            None => {
                return Err(CollabError::SignInFirst(
                    "sign_in_required",
                    format!(
                        "This invitation is for {}: sign in to the Lens console as {} first.",
                        invitation.name, invitation.name
                    ),
                ));
            }
        }
    }
    let seat_token = random_token();
    if !invitations::redeem(
        &state.db,
        &invitation.id,
        &sha256_hex(seat_token.as_bytes()),
        now,
        MAX_COLLABORATORS,
    )
    .await?
    {
        // Lost a race: another redemption of this one, or the last seat went meanwhile.
        return match invitations::by_id(&state.db, &invitation.id).await? {
            Some(again) if again.redeemed_at.is_some() => {
                Err(CollabError::Conflict("invitation_used", USED.into()))
            }
            Some(again) if again.ended_at.is_some() || again.expires_at <= now => {
                Err(CollabError::Gone("invitation_expired", EXPIRED.into()))
            }
            _ => Err(CollabError::Conflict(
                "too_many_technicians",
                TOO_MANY.into(),
            )),
        };
    }
    let seat = Seat {
        invitation_id: invitation.id.clone(),
        name: invitation.name.clone(),
        external: invitation.kind != "internal",
        permissions: permissions_of(&invitation),
        joined_at: now,
    };
    let absence = state.seats.sit(&invitation.session_id, seat);
    watch_seat(
        state.clone(),
        invitation.session_id.clone(),
        invitation.id.clone(),
        absence,
    );
    session_log::record(
        &state.db,
        &invitation.session_id,
        Event::CollaboratorJoined,
        Some(&invitation.name),
    )
    .await;
    tracing::info!(session = %invitation.session_id, "collaborator redeemed an invitation");
    Ok(Redeemed {
        seat_token,
        session_id: invitation.session_id,
        name: invitation.name,
    })
}

/// The live seat a collaborator's credential opens, if any.
pub async fn seat_of_credential(
    state: &AppState,
    seat_token: &str,
) -> anyhow::Result<Option<InvitationRow>> {
    invitations::seat_by_hash(&state.db, &sha256_hex(seat_token.as_bytes())).await
}

/// After a restart no collaborator's console is connected: each seat waits the reconnect
/// grace period for it, then is given up (and stops counting against the limit).
pub async fn resume_after_restart(state: &AppState) -> anyhow::Result<()> {
    for seat in invitations::live_seats(&state.db).await? {
        let absence = state.seats.sit(&seat.session_id, seat_of_row(&seat));
        watch_seat(state.clone(), seat.session_id, seat.id, absence);
    }
    Ok(())
}

/// A seat whose console has not (re)connected within the reconnect grace period is given
/// up: the collaborator left.
pub fn watch_seat(state: AppState, session_id: String, invitation_id: String, absence: u64) {
    tokio::spawn(async move {
        let mut shutdown = state.shutdown.clone();
        tokio::select! {
            () = tokio::time::sleep(state.config.reconnect_grace) => {}
            () = crate::state::until_shutdown(&mut shutdown) => return,
        }
        if !state
            .seats
            .still_absent(&session_id, &invitation_id, absence)
        {
            return;
        }
        if let Err(error) = stand_up(&state, &session_id, &invitation_id, Departure::Gone).await {
            tracing::error!(session = %session_id, error = format!("{error:#}"), "giving up an empty seat failed");
        }
    });
}
