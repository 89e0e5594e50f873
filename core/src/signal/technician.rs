//! WebSocket: technician console <-> server

use serde::{Deserialize, Serialize};

use super::{
    CameraControl, CollaboratorSummary, Device, DeviceProblem, EndReason, IceCandidate, IceConfig,
    Message, PausedBy, SessionStatus,
};

/// One row of the technician's session list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionSummary {
    pub id: String,
    pub customer_name: String,
    pub status: SessionStatus,
    /// Shown while the session is Pending so the technician can read it out again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin: Option<String>,
    /// Unix milliseconds.
    pub created_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_reason: Option<EndReason>,
    /// `end_reason`'s sentence ([`EndReason::describe`]), so the console shows the server's
    /// words instead of keeping its own copy of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_reason_text: Option<String>,
    /// Collaborating technicians in the session now: the console shows "Collaborating"
    /// while there is one (seed 004). Absent from older servers.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub collaborators: u32,
}

fn is_zero(count: &u32) -> bool {
    *count == 0
}

/// From the technician's console to the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TechnicianMessage {
    Start {
        session_id: String,
    },
    Answer {
        session_id: String,
        sdp: String,
    },
    Candidate {
        session_id: String,
        candidate: IceCandidate,
    },
    End {
        session_id: String,
    },
    /// Put an active session on hold (media stops, the session stays); `start` resumes it.
    Hold {
        session_id: String,
    },
    /// Ask the customer's app to pause, resume, switch camera or use the torch. Relayed
    /// only for the technician's own active session; otherwise `refused`.
    CameraControl {
        session_id: String,
        control: CameraControl,
    },
    /// A STUN or TURN server failed for the console (`icecandidateerror`): logged in the
    /// session log. `url` never carries a credential.
    IceServerError {
        session_id: String,
        url: String,
        code: u16,
        text: String,
    },
}

impl Message for TechnicianMessage {
    const TYPES: &'static [&'static str] = &[
        "start",
        "answer",
        "candidate",
        "end",
        "hold",
        "camera_control",
        "ice_server_error",
    ];
}

/// From the server to the technician's console.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerToTechnician {
    /// The whole list, on connect and after every change (lists are short).
    Sessions {
        sessions: Vec<SessionSummary>,
    },
    /// The customer's offer, with this call's ICE configuration (fresh TURN credentials,
    /// relay-only or not). An `ice_restart` offer belongs on the peer connection the console
    /// already has for the session.
    Offer {
        session_id: String,
        sdp: String,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        ice_restart: bool,
        #[serde(default)]
        ice: IceConfig,
    },
    Candidate {
        session_id: String,
        candidate: IceCandidate,
    },
    /// A request was refused (for example a second active session).
    Refused {
        message: String,
    },
    /// The customer's [`CustomerMessage::Stats`], relayed as it came.
    Stats {
        session_id: String,
        stats: crate::link_stats::LinkStats,
    },
    /// The customer's camera or microphone failed; `message` is the sentence to show.
    DeviceProblem {
        session_id: String,
        device: Device,
        problem: DeviceProblem,
        message: String,
        detail: String,
    },
    /// The customer paused or resumed the video (see [`CustomerMessage::MediaState`]).
    MediaState {
        session_id: String,
        video_paused: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        paused_by: Option<PausedBy>,
    },
    /// The customer's app did not carry out a camera control (see
    /// [`CustomerMessage::ControlRefused`]); `message` is the sentence to show.
    ControlRefused {
        session_id: String,
        control: CameraControl,
        message: String,
    },
    /// The customer's media connection broke and the app is restarting ICE: the console
    /// shows "Reconnecting" until [`ServerToTechnician::Reconnected`] or the session ends.
    Reconnecting {
        session_id: String,
    },
    Reconnected {
        session_id: String,
    },
    /// The customer's app could not use a STUN or TURN server; `message` is the sentence to
    /// show. `server` names it without credentials or parameters (`turn:host:port`, empty
    /// when the app's URL made no sense) and `code` is the app's error code, so the console
    /// can tell a refusal it shares from a server it cannot reach.
    IceServerError {
        session_id: String,
        message: String,
        #[serde(default)]
        server: String,
        #[serde(default)]
        code: u16,
    },
    /// A colleague (`from_technician`) handed this session to the console's technician: it
    /// is in their list now, on hold if it was live, and their Start continues it.
    SessionTransferred {
        session_id: String,
        customer_name: String,
        from_technician: String,
    },
    /// A colleague invited this console's technician to collaborate on their live session:
    /// the console offers "Join", which opens `invitation_url` (only this technician's
    /// console log-in can redeem it).
    InvitedToCollaborate {
        session_id: String,
        customer_name: String,
        from_technician: String,
        note: String,
        invitation_url: String,
    },
    /// The collaborators of the lead's session now, after every join, leave, removal or
    /// permission change (and when the console connects).
    Collaborators {
        session_id: String,
        collaborators: Vec<CollaboratorSummary>,
    },
}

impl Message for ServerToTechnician {
    const TYPES: &'static [&'static str] = &[
        "sessions",
        "offer",
        "candidate",
        "refused",
        "stats",
        "device_problem",
        "media_state",
        "control_refused",
        "reconnecting",
        "reconnected",
        "ice_server_error",
        "session_transferred",
        "invited_to_collaborate",
        "collaborators",
    ];
}
