//! WebSocket: a collaborating technician's console <-> server, and what the lead's console
//! reads about its collaborators.
//!
//! A collaborator (seed 004) is a second to fifth technician the lead invited into a live
//! session: from the organisation, or from outside it without an account. Their socket is
//! bound to that one session by the invitation they redeemed, so no message names a session.
//! Media goes from the customer's phone to each collaborator over a peer connection of its
//! own ([`crate::signal::ServerToCustomer::CollaboratorJoined`]); the server only relays the
//! signalling.

use serde::{Deserialize, Serialize};

use super::{CameraControl, EndReason, IceCandidate, IceConfig, Message, PausedBy, SessionStatus};

/// The technicians a session may have at once, the lead included. Seed 004: the customer's
/// phone sends to each of them, so "four or five at most".
pub const MAX_TECHNICIANS_PER_SESSION: usize = 5;

/// What the lead allows a collaborator to do (seed 004's "access rights"). Anything not
/// granted is refused by the server (camera controls, invitations, the log) or by the phone
/// (a collaborator without `talk` is never heard: the app does not receive their audio).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollaboratorPermissions {
    /// Talk to the customer (and be heard by them).
    #[serde(default)]
    pub talk: bool,
    /// Pause and resume the video, switch the camera, the torch.
    #[serde(default)]
    pub camera_controls: bool,
    /// Invite more technicians.
    #[serde(default)]
    pub invite: bool,
    /// Read the session log.
    #[serde(default)]
    pub session_log: bool,
}

/// One collaborator, as the lead's live panel lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollaboratorSummary {
    /// The server's name for the collaborator in this session (also the customer's `peer`).
    pub id: String,
    pub name: String,
    /// From outside the organisation (no account on this server).
    pub external: bool,
    pub permissions: CollaboratorPermissions,
    /// Unix milliseconds.
    pub joined_at: i64,
}

/// From a collaborator's console to the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CollaboratorMessage {
    /// The answer to the customer's [`ServerToCollaborator::Offer`].
    Answer {
        sdp: String,
    },
    Candidate {
        candidate: IceCandidate,
    },
    /// Only with [`CollaboratorPermissions::camera_controls`]; otherwise `refused`.
    CameraControl {
        control: CameraControl,
    },
    /// A STUN or TURN server failed for the collaborator's browser: logged in the session log.
    IceServerError {
        url: String,
        code: u16,
        text: String,
    },
    /// The collaborator leaves; the session goes on with the others.
    Leave,
}

impl Message for CollaboratorMessage {
    const TYPES: &'static [&'static str] = &[
        "answer",
        "candidate",
        "camera_control",
        "ice_server_error",
        "leave",
    ];
}

/// From the server to a collaborator's console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerToCollaborator {
    /// Sent once the socket is accepted: the session, the lead's note and what the
    /// collaborator may do. The customer's offer follows while the session is live.
    Welcome {
        session_id: String,
        customer_name: String,
        lead_name: String,
        note: String,
        permissions: CollaboratorPermissions,
        status: SessionStatus,
    },
    /// The session's status changed (the lead put it on hold, or resumed it: a fresh
    /// `offer` follows).
    Status {
        status: SessionStatus,
    },
    /// The customer's offer for this collaborator's own peer connection.
    Offer {
        sdp: String,
        #[serde(default)]
        ice: IceConfig,
    },
    Candidate {
        candidate: IceCandidate,
    },
    /// The lead changed what the collaborator may do.
    Permissions {
        permissions: CollaboratorPermissions,
    },
    /// The customer paused or resumed the video.
    MediaState {
        video_paused: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        paused_by: Option<PausedBy>,
    },
    /// The customer's app did not carry out a camera control; `message` is the sentence.
    ControlRefused {
        control: CameraControl,
        message: String,
    },
    /// A request was refused (a permission the lead did not give); nothing changed.
    Refused {
        message: String,
    },
    /// The collaboration is over for this console: the session ended (`reason`), or the lead
    /// removed the collaborator (`reason` absent). `message` is the sentence to show; the
    /// server closes the socket after it.
    Ended {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<EndReason>,
        message: String,
    },
}

impl Message for ServerToCollaborator {
    const TYPES: &'static [&'static str] = &[
        "welcome",
        "status",
        "offer",
        "candidate",
        "permissions",
        "media_state",
        "control_refused",
        "refused",
        "ended",
    ];
}
