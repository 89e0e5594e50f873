//! WebSocket: customer <-> server

use serde::{Deserialize, Serialize};

use super::{
    CameraControl, Device, DeviceProblem, EndReason, IceCandidate, IceConfig, Message, PausedBy,
    SessionStatus,
};

/// From the customer app to the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CustomerMessage {
    /// The customer accepted this EULA version: the session becomes Waiting.
    EulaAccepted {
        version: String,
    },
    /// The customer declined: the session closes and the technician sees why.
    EulaDeclined {
        version: String,
    },
    /// The SDP offer, sent at once after the server said [`ServerToCustomer::start()`]; the
    /// candidates follow as `candidate` messages (trickle ICE).
    Offer {
        sdp: String,
        /// An ICE restart of the connection that exists (the network changed or the path
        /// broke): the technician's console answers on the same peer connection.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        ice_restart: bool,
    },
    Candidate {
        candidate: IceCandidate,
    },
    /// The customer ends the session.
    Leave,
    /// Once a second while media flows: the customer's view of the link, for the console's
    /// stats panel. Older servers refuse the type with a typed error and the session goes on.
    Stats {
        stats: crate::link_stats::LinkStats,
    },
    /// A camera or microphone failed; the session goes on without it. `detail` is the
    /// system's own words, for the technician's troubleshooting.
    DeviceProblem {
        device: Device,
        problem: DeviceProblem,
        detail: String,
    },
    /// The customer's camera state changed (paused from the app or at the technician's
    /// request): the console shows it. Relayed as [`ServerToTechnician::MediaState`].
    MediaState {
        video_paused: bool,
        /// Who paused it (absent from older apps, and while not paused).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        paused_by: Option<PausedBy>,
    },
    /// The app did not carry out the technician's [`ServerToCustomer::CameraControl`];
    /// `message` is the sentence the technician reads. Relayed as
    /// [`ServerToTechnician::ControlRefused`].
    ControlRefused {
        control: CameraControl,
        message: String,
    },
    /// The media connection broke (ICE disconnected or failed, or the phone changed network):
    /// the app is restarting ICE. The server logs it and tells the console.
    Reconnecting,
    /// Media flows again after [`CustomerMessage::Reconnecting`].
    Reconnected,
    /// A STUN or TURN server failed for the app (the browser's `icecandidateerror`): wrong
    /// or expired credentials, unreachable. `url` never carries a credential.
    IceServerError {
        url: String,
        code: u16,
        text: String,
    },
    /// The offer of the peer connection for a collaborating technician (`peer`, from
    /// [`ServerToCustomer::CollaboratorJoined`]): the same encoded camera, one connection per
    /// technician, so media stays encrypted from the phone to each of them.
    PeerOffer {
        peer: String,
        sdp: String,
    },
    /// A local candidate of `peer`'s connection.
    PeerCandidate {
        peer: String,
        candidate: IceCandidate,
    },
}

impl Message for CustomerMessage {
    const TYPES: &'static [&'static str] = &[
        "eula_accepted",
        "eula_declined",
        "offer",
        "candidate",
        "leave",
        "stats",
        "device_problem",
        "media_state",
        "control_refused",
        "reconnecting",
        "reconnected",
        "ice_server_error",
        "peer_offer",
        "peer_candidate",
    ];
}

/// From the server to the customer app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerToCustomer {
    /// Sent once the WebSocket is accepted, with the session's current status (on a
    /// reconnect this tells the app whether the technician started meanwhile).
    Welcome {
        session_id: String,
        status: SessionStatus,
        /// Who has the session now: a transfer made while the app was away shows at once.
        /// Absent from older servers and on a session that is over.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        technician_name: Option<String>,
    },
    /// The technician clicked Start: create the peer connection and send an offer. `ice` is
    /// this call's STUN/TURN servers with fresh credentials (absent from older servers).
    Start {
        #[serde(default)]
        ice: IceConfig,
    },
    /// The technician put the session on hold: stop sending media, keep the session; a
    /// `start` follows when the technician resumes.
    Hold,
    /// The technician handed the session to a colleague (`technician_name`): media stops as
    /// for [`ServerToCustomer::Hold`] and the new technician's `start` brings it back. The
    /// customer keeps the session: no new PIN, no second licence.
    Transferred {
        technician_name: String,
    },
    Answer {
        sdp: String,
    },
    Candidate {
        candidate: IceCandidate,
    },
    End {
        reason: EndReason,
    },
    /// A request was refused; the session goes on unless an `end` follows.
    Error {
        message: String,
    },
    /// The technician's [`TechnicianMessage::CameraControl`]. The app answers a pause or
    /// resume with `media_state`, a refusal with `control_refused`. A control this build
    /// does not know is an [`SignalError::InvalidFields`] and the session goes on.
    CameraControl {
        control: CameraControl,
    },
    /// A collaborating technician joined the session (`peer` is the server's name for their
    /// connection): while the session is live the app makes one more peer connection and
    /// sends [`CustomerMessage::PeerOffer`]. Each collaborator socket gets a new `peer`, so
    /// a console that reconnects is a new peer (and the old one is `collaborator_left`). The
    /// server repeats `collaborator_joined` for everyone in the session after a resume and
    /// when the app's socket comes back: the same `peer` with the same `talk` changes nothing,
    /// a changed `talk` replaces that connection. `talk` is the permission the lead gave: without it the collaborator's voice is not
    /// received at all, since the phone, not the server, holds the media.
    CollaboratorJoined {
        peer: String,
        technician_name: String,
        #[serde(default)]
        talk: bool,
        #[serde(default)]
        ice: IceConfig,
    },
    /// The collaborator left or was removed: the app closes `peer`'s connection.
    CollaboratorLeft {
        peer: String,
    },
    /// The collaborator's answer to [`CustomerMessage::PeerOffer`].
    PeerAnswer {
        peer: String,
        sdp: String,
    },
    /// A candidate of the collaborator's side of `peer`'s connection.
    PeerCandidate {
        peer: String,
        candidate: IceCandidate,
    },
}

impl ServerToCustomer {
    /// A Start with no STUN or TURN server: host candidates only (loopback tests, a LAN).
    pub fn start() -> ServerToCustomer {
        ServerToCustomer::Start {
            ice: IceConfig::default(),
        }
    }
}

impl Message for ServerToCustomer {
    const TYPES: &'static [&'static str] = &[
        "welcome",
        "start",
        "hold",
        "transferred",
        "answer",
        "candidate",
        "end",
        "error",
        "camera_control",
        "collaborator_joined",
        "collaborator_left",
        "peer_answer",
        "peer_candidate",
    ];
}
