//! Collaborating technicians (seed 004): the lead of an active session, or a collaborator
//! allowed to, invites up to four more technicians (from the organisation, from the admin's
//! approved list, or anyone by name); an invitation is redeemed once, by PIN or link, and
//! becomes a seat whose console gets its own peer connection from the customer's phone. The
//! server relays that connection's signalling, enforces what the lead allowed, and tells
//! everyone when the session holds, resumes, moves or ends.
//!
//! Nothing here trusts the collaborator's client for identity: a seat is found by the hash
//! of the credential its redemption set, and every relay uses the session bound to that seat.

use std::time::Duration;

use lens_core::signal::{
    CameraControl, CollaboratorPermissions, EndReason, IceCandidate, MAX_TECHNICIANS_PER_SESSION,
    ServerToCollaborator, ServerToCustomer, ServerToTechnician, SessionStatus, SessionSummary,
};
use serde::{Deserialize, Serialize};

use crate::email;
use crate::flow::ice;
use crate::flow::pins::memory_ms;
use crate::flow::sessions::{self, ALREADY_OVER, FlowError, validate_customer_name};
use crate::http::sessions_api::Method;
use crate::state::AppState;
use crate::store::invitations::{self, InvitationRow};
use crate::store::session_log::{self, Event};
use crate::store::sessions::SessionRow;
use crate::store::{self, now_ms};
use crate::tokens::{random_id, random_token, sha256_hex};
use crate::ws::seats::Seat;

/// Collaborators a session may have besides its lead.
pub const MAX_COLLABORATORS: i64 = MAX_TECHNICIANS_PER_SESSION as i64 - 1;
/// Longest note to the invited technician.
pub const MAX_NOTE_CHARS: usize = 500;
/// Where an invitation link points; the token follows `#`, so it never reaches a server log.
pub const COLLABORATE_PATH: &str = "/collaborate";
/// Attempts at a free invitation PIN (see `pins.rs`).
const ISSUE_ATTEMPTS: usize = 64;

const TOO_MANY: &str = "A session can have at most 5 technicians (you and 4 collaborators), \
                        counting unused invitations; remove a collaborator or wait for an invitation to expire.";
const NOT_ACTIVE: &str = "Technicians can only be invited to an active session.";
const NOT_FOUND: &str =
    "This invitation is not valid. Check the PIN or ask the technician for a new invitation.";
const EXPIRED: &str = "This invitation has expired. Ask the technician for a new one.";
const USED: &str = "This invitation has already been used. Ask the technician for a new one.";

/// Why a collaboration request was refused; each maps to one HTTP status and code.
#[derive(Debug, thiserror::Error)]
pub enum CollabError {
    /// 400: the request itself is wrong.
    #[error("{1}")]
    Invalid(&'static str, String),
    /// 401: the invitation needs the invited technician's console log-in.
    #[error("{1}")]
    SignInFirst(&'static str, String),
    /// 403: not allowed to the caller (a permission the lead or the group did not give).
    #[error("{message}")]
    Forbidden {
        code: &'static str,
        message: String,
        permission: Option<&'static str>,
    },
    /// 404: no such thing (for this caller).
    #[error("{1}")]
    NotFound(&'static str, String),
    /// 409: not in the session's present state.
    #[error("{1}")]
    Conflict(&'static str, String),
    /// 410: expired or over.
    #[error("{1}")]
    Gone(&'static str, String),
    /// 502/503: the mail relay.
    #[error("{1}")]
    Mail(bool, String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<FlowError> for CollabError {
    fn from(error: FlowError) -> CollabError {
        match error {
            FlowError::Refused(message) if message == ALREADY_OVER => {
                CollabError::Gone("already_ended", message)
            }
            FlowError::Refused(message) => CollabError::NotFound("no_such_session", message),
            FlowError::Internal(error) => CollabError::Internal(error),
        }
    }
}

fn forbidden(code: &'static str, message: impl Into<String>) -> CollabError {
    CollabError::Forbidden {
        code,
        message: message.into(),
        permission: None,
    }
}

/// Who is asking: the session's lead (signed in to the console), or a collaborator in one of
/// its seats (found by the seat's credential, never by anything the client says).
#[derive(Debug, Clone)]
pub enum Caller {
    Lead { technician_id: i64, name: String },
    Collaborator { seat: Box<InvitationRow> },
}

impl Caller {
    fn name(&self) -> &str {
        match self {
            Caller::Lead { name, .. } => name,
            Caller::Collaborator { seat } => &seat.name,
        }
    }

    /// A collaborator from outside the organisation: never shown the organisation's
    /// technicians or the approved technicians' addresses, and cannot invite a colleague.
    fn is_external(&self) -> bool {
        matches!(self, Caller::Collaborator { seat } if seat.technician_id.is_none())
    }
}

/// What an external collaborator reads when asking for the organisation's technicians.
const NOT_FOR_EXTERNALS: &str =
    "Only technicians of the organisation can invite a colleague; ask the lead technician.";

/// The collaborator's permissions as the lead last set them: the live seat's, else the row's.
pub fn seat_permissions(state: &AppState, seat: &InvitationRow) -> CollaboratorPermissions {
    state
        .seats
        .seat(&seat.session_id, &seat.id)
        .map_or_else(|| permissions_of(seat), |live| live.permissions)
}

/// A seat as the registry keeps it, from its row (a console reconnecting after a restart).
pub fn seat_of_row(row: &InvitationRow) -> Seat {
    Seat {
        invitation_id: row.id.clone(),
        name: row.name.clone(),
        external: row.kind != "internal",
        permissions: permissions_of(row),
        joined_at: row.redeemed_at.unwrap_or(row.created_at),
    }
}

fn permissions_of(row: &InvitationRow) -> CollaboratorPermissions {
    CollaboratorPermissions {
        talk: row.can_talk != 0,
        camera_controls: row.can_control_camera != 0,
        invite: row.can_invite != 0,
        session_log: row.can_read_log != 0,
    }
}

fn flags(permissions: CollaboratorPermissions) -> [i64; 4] {
    [
        i64::from(permissions.talk),
        i64::from(permissions.camera_controls),
        i64::from(permissions.invite),
        i64::from(permissions.session_log),
    ]
}

/// "talk, camera controls" for the log and the lead's messages.
fn describe(permissions: CollaboratorPermissions) -> String {
    let names: Vec<&str> = [
        (permissions.talk, "talk"),
        (permissions.camera_controls, "camera controls"),
        (permissions.invite, "invite"),
        (permissions.session_log, "session log"),
    ]
    .into_iter()
    .filter_map(|(on, name)| on.then_some(name))
    .collect();
    if names.is_empty() {
        "watch only".to_owned()
    } else {
        names.join(", ")
    }
}

/// The session a caller may act on: the lead's own, or the collaborator's seat's (and only
/// if the collaborator has `permission`). Someone else's session reads as missing.
async fn session_for(
    state: &AppState,
    caller: &Caller,
    session_id: &str,
    permission: fn(&CollaboratorPermissions) -> bool,
    what: &str,
) -> Result<SessionRow, CollabError> {
    match caller {
        Caller::Lead { technician_id, .. } => {
            Ok(sessions::owned(state, *technician_id, session_id).await?)
        }
        Caller::Collaborator { seat } => {
            if seat.session_id != session_id {
                return Err(CollabError::NotFound(
                    "no_such_session",
                    "There is no such session in your list.".into(),
                ));
            }
            if !permission(&seat_permissions(state, seat)) {
                return Err(CollabError::Forbidden {
                    code: "permission_denied",
                    message: format!("The lead technician has not allowed you to {what}."),
                    permission: Some("collaborator"),
                });
            }
            Ok(sessions::existing(state, session_id).await?)
        }
    }
}

/// Whether the caller may read the session's log (the lead, or a collaborator with
/// `session_log`).
pub async fn may_read_log(
    state: &AppState,
    caller: &Caller,
    session_id: &str,
) -> Result<(), CollabError> {
    session_for(
        state,
        caller,
        session_id,
        |p| p.session_log,
        "read the session log",
    )
    .await
    .map(|_| ())
}

mod departures;
mod inviting;
mod options;
mod redeem;
mod relay;

pub use departures::*;
pub use inviting::*;
pub use options::*;
pub use redeem::*;
pub use relay::*;

// ---- the lead's view ---------------------------------------------------------------------

/// The lead's consoles get the collaborator list and a fresh session list ("Collaborating").
pub fn announce(state: &AppState, session_id: &str, lead: i64) {
    state.hub.send_to_technician(
        lead,
        ServerToTechnician::Collaborators {
            session_id: session_id.to_owned(),
            collaborators: state.seats.summaries(session_id),
        },
    );
    state.hub.sessions_changed(lead);
}

/// The technician's session list with each session's connected collaborators counted.
pub async fn list_for_technician(
    state: &AppState,
    technician_id: i64,
) -> anyhow::Result<Vec<SessionSummary>> {
    let mut list = store::sessions::list_for_technician(&state.db, technician_id, now_ms()).await?;
    for summary in &mut list {
        summary.collaborators = state.seats.connected(&summary.id);
    }
    Ok(list)
}

/// The collaborator lists a console needs when it connects: one per session that has any.
pub fn lists_of(state: &AppState, sessions: &[SessionSummary]) -> Vec<ServerToTechnician> {
    sessions
        .iter()
        .filter(|s| s.collaborators > 0)
        .map(|s| ServerToTechnician::Collaborators {
            session_id: s.id.clone(),
            collaborators: state.seats.summaries(&s.id),
        })
        .collect()
}
