//! The signalling protocol between the customer app, the server and the technician's
//! console. The server, the engine and (by hand, in `console.js`) the web console all speak
//! exactly these types, so they live here in core.
//!
//! Every WebSocket text frame is one JSON object: `{"v": 1, "type": "<kind>", ...fields}`.
//! Unknown *fields* are ignored so that a newer peer can add information without breaking an
//! older one; an unknown *type*, a different protocol version, or a frame over
//! [`MAX_MESSAGE_BYTES`] is a typed [`SignalError`], never a panic.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The protocol version this build speaks. Bumped only for incompatible changes.
pub const PROTOCOL_VERSION: u32 = 1;

/// Largest signalling frame accepted. An SDP offer with two m-lines is about 3 KiB; 64 KiB
/// leaves room for many candidates while keeping a hostile peer from making us buffer megabytes.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

/// Why a signalling frame was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignalError {
    #[error("signalling message of {size} bytes is over the {max} byte limit")]
    TooLarge { size: usize, max: usize },
    #[error("signalling message is not a JSON object with a \"type\": {0}")]
    Malformed(String),
    #[error(
        "signalling protocol version {0} is not supported (this build speaks {PROTOCOL_VERSION})"
    )]
    UnsupportedVersion(u32),
    #[error("unknown signalling message type {0:?}")]
    UnknownType(String),
    #[error("signalling message {kind:?} has invalid fields: {detail}")]
    InvalidFields { kind: String, detail: String },
}

/// A direction of the protocol: the set of message types one side may send.
pub trait Message: Serialize + DeserializeOwned {
    /// Every `type` value of this direction, so that an unknown one is told apart from a
    /// known one with bad fields.
    const TYPES: &'static [&'static str];
}

/// Serialises a message with the protocol version stamped in.
pub fn encode<M: Message>(message: &M) -> String {
    let mut value = serde_json::to_value(message).expect("signalling types always serialise");
    if let serde_json::Value::Object(map) = &mut value {
        map.insert("v".into(), PROTOCOL_VERSION.into());
    }
    value.to_string()
}

/// Parses one signalling frame, checking size, version and type before the fields.
pub fn decode<M: Message>(text: &str) -> Result<M, SignalError> {
    if text.len() > MAX_MESSAGE_BYTES {
        return Err(SignalError::TooLarge {
            size: text.len(),
            max: MAX_MESSAGE_BYTES,
        });
    }
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| SignalError::Malformed(e.to_string()))?;
    let object = value
        .as_object()
        .ok_or_else(|| SignalError::Malformed("not an object".into()))?;
    // A frame without "v" is taken as version 1: the first console shipped without it.
    let version = match object.get("v") {
        None => PROTOCOL_VERSION,
        Some(v) => v
            .as_u64()
            .and_then(|v| u32::try_from(v).ok())
            .ok_or_else(|| SignalError::Malformed("\"v\" is not a version number".into()))?,
    };
    if version != PROTOCOL_VERSION {
        return Err(SignalError::UnsupportedVersion(version));
    }
    let kind = object
        .get("type")
        .and_then(|t| t.as_str())
        .ok_or_else(|| SignalError::Malformed("missing \"type\"".into()))?
        .to_owned();
    if !M::TYPES.contains(&kind.as_str()) {
        return Err(SignalError::UnknownType(kind));
    }
    serde_json::from_value(value).map_err(|e| SignalError::InvalidFields {
        kind,
        detail: e.to_string(),
    })
}

/// The licence agreement the customer must accept, as the server supplies it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Eula {
    /// Opaque version id; a different id means the customer is asked again.
    pub version: String,
    pub text: String,
}

/// Status of a Lens session as the technician's list shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    /// PIN issued, no customer has used it yet.
    Pending,
    /// The customer joined and accepted the EULA; the technician may Start.
    Waiting,
    /// The technician started; media flows.
    Active,
    /// The technician put the active session on hold: media stopped, the session kept;
    /// a `start` resumes it.
    OnHold,
    /// Ended by either side (or the EULA was declined).
    Closed,
    /// The PIN ran out before a customer used it.
    Expired,
    /// The server ended it because nobody acted in time (waiting or idle timeout); the
    /// end reason says which.
    TimedOut,
}

/// Why a session ended, as both sides show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    TechnicianEnded,
    CustomerLeft,
    EulaDeclined,
    /// The technician did not start within the waiting time.
    WaitingTimedOut,
    /// The peer or the server disappeared and did not come back in time.
    ConnectionLost,
    /// The media connection could not be established.
    MediaFailed,
    PinExpired,
    /// The session stayed on hold longer than its group's idle timeout.
    IdleTimedOut,
}

impl EndReason {
    /// The sentence a person reads (console list, customer app, `lens join`).
    pub fn describe(self) -> &'static str {
        match self {
            EndReason::TechnicianEnded => "The technician ended the session",
            EndReason::CustomerLeft => "The customer left the session",
            EndReason::EulaDeclined => "The customer declined the licence agreement",
            EndReason::WaitingTimedOut => "The technician did not start the session in time",
            EndReason::ConnectionLost => "The connection was lost",
            EndReason::MediaFailed => "The video connection could not be established",
            EndReason::PinExpired => "The PIN expired before it was used",
            EndReason::IdleTimedOut => "The session was on hold for too long",
        }
    }
}

/// One ICE candidate, in the form browsers' `RTCIceCandidateInit` uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IceCandidate {
    pub candidate: String,
    #[serde(default, rename = "sdpMid", skip_serializing_if = "Option::is_none")]
    pub sdp_mid: Option<String>,
    #[serde(
        default,
        rename = "sdpMLineIndex",
        skip_serializing_if = "Option::is_none"
    )]
    pub sdp_mline_index: Option<u16>,
}

/// A camera or a microphone on the customer's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Device {
    Camera,
    Microphone,
}

/// What went wrong with a [`Device`]; the session goes on with whatever still works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceProblem {
    /// There is no such device (none at all, or not the one asked for).
    Missing,
    /// Another program holds it.
    Busy,
    /// The system refused access (privacy settings, group membership).
    PermissionDenied,
    /// It was unplugged or stopped delivering during the session.
    Disconnected,
    /// It opened but cannot deliver anything the engine can use.
    Unusable,
}

impl DeviceProblem {
    /// The sentence the technician reads, e.g. "The customer's camera is in use by another
    /// program".
    pub fn describe(self, device: Device) -> String {
        let device = match device {
            Device::Camera => "camera",
            Device::Microphone => "microphone",
        };
        match self {
            DeviceProblem::Missing => format!("The customer has no {device}"),
            DeviceProblem::Busy => format!("The customer's {device} is in use by another program"),
            DeviceProblem::PermissionDenied => {
                format!("The customer's system refused access to the {device}")
            }
            DeviceProblem::Disconnected => format!("The customer's {device} stopped working"),
            DeviceProblem::Unusable => format!("The customer's {device} cannot be used"),
        }
    }
}

/// What the technician may ask of the customer's camera during an active session. Whether
/// the app obeys is decided by the customer's app (core's session): see
/// [`PausedBy`] for who may resume a paused video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CameraControl {
    PauseVideo,
    ResumeVideo,
    /// Between front and back camera (a phone's; a desktop refuses).
    SwitchCamera,
    TorchOn,
    TorchOff,
}

impl CameraControl {
    /// The wire name, also the session log's detail.
    pub fn name(self) -> &'static str {
        match self {
            CameraControl::PauseVideo => "pause_video",
            CameraControl::ResumeVideo => "resume_video",
            CameraControl::SwitchCamera => "switch_camera",
            CameraControl::TorchOn => "torch_on",
            CameraControl::TorchOff => "torch_off",
        }
    }

    /// The technician's words for it (console buttons, the session log).
    pub fn label(self) -> &'static str {
        match self {
            CameraControl::PauseVideo => "Pause video",
            CameraControl::ResumeVideo => "Resume video",
            CameraControl::SwitchCamera => "Switch camera",
            CameraControl::TorchOn => "Torch on",
            CameraControl::TorchOff => "Torch off",
        }
    }

    /// What the customer reads: "The technician paused your video".
    pub fn describe(self) -> &'static str {
        match self {
            CameraControl::PauseVideo => "The technician paused your video",
            CameraControl::ResumeVideo => "The technician resumed your video",
            CameraControl::SwitchCamera => "The technician asked to switch the camera",
            CameraControl::TorchOn => "The technician asked to turn the torch on",
            CameraControl::TorchOff => "The technician asked to turn the torch off",
        }
    }
}

/// Who paused the customer's video. The technician may resume only its own pause: a
/// customer who paused for privacy is never overruled from the console (decided by the
/// customer's app, `crate::session`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PausedBy {
    Customer,
    Technician,
}

// ---------------------------------------------------------------------------------------
// HTTP: the customer redeems a PIN.  POST /api/customer/join
// ---------------------------------------------------------------------------------------

pub const JOIN_PATH: &str = "/api/customer/join";
/// The customer's WebSocket; the token from [`JoinResponse`] goes in the `token` query
/// parameter.
pub const CUSTOMER_WS_PATH: &str = "/api/customer/ws";
/// The technician console's WebSocket (authenticated by the console's session cookie).
pub const TECHNICIAN_WS_PATH: &str = "/api/technician/ws";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinRequest {
    pub pin: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinResponse {
    pub session_id: String,
    /// Random bearer token for this session only; authenticates the customer's WebSocket.
    pub customer_token: String,
    pub technician_name: String,
    pub customer_name: String,
    pub eula: Eula,
}

/// Why the server refused a PIN; the `error` field of a refused join's JSON body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JoinRefusal {
    /// No live session has this PIN.
    PinNotFound,
    /// The PIN existed but ran out; the customer should ask for a new one.
    PinExpired,
    /// A customer already joined with this PIN (PINs are single use).
    PinAlreadyUsed,
    /// Too many wrong PINs from this address; try again later.
    RateLimited,
    /// The server could not look the PIN up now (under a guessing alarm, or another join
    /// from the same address took too long); nothing was charged, and a retry after the
    /// answer's Retry-After usually succeeds.
    Busy,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinRefused {
    pub error: JoinRefusal,
    pub message: String,
}

// ---------------------------------------------------------------------------------------
// WebSocket: customer <-> server
// ---------------------------------------------------------------------------------------

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
    /// The SDP offer, sent after the server said [`ServerToCustomer::Start`].
    Offer {
        sdp: String,
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
    },
    /// The technician clicked Start: create the peer connection and send an offer.
    Start,
    /// The technician put the session on hold: stop sending media, keep the session; a
    /// `start` follows when the technician resumes.
    Hold,
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
}

impl Message for ServerToCustomer {
    const TYPES: &'static [&'static str] = &[
        "welcome",
        "start",
        "hold",
        "answer",
        "candidate",
        "end",
        "error",
        "camera_control",
    ];
}

// ---------------------------------------------------------------------------------------
// WebSocket: technician console <-> server
// ---------------------------------------------------------------------------------------

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
}

impl Message for TechnicianMessage {
    const TYPES: &'static [&'static str] = &[
        "start",
        "answer",
        "candidate",
        "end",
        "hold",
        "camera_control",
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
    Offer {
        session_id: String,
        sdp: String,
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
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_carries_the_version() {
        let text = encode(&CustomerMessage::Offer { sdp: "v=0".into() });
        assert!(text.contains("\"v\":1"), "{text}");
        assert_eq!(
            decode::<CustomerMessage>(&text),
            Ok(CustomerMessage::Offer { sdp: "v=0".into() })
        );
    }

    #[test]
    fn unknown_fields_are_tolerated() {
        let m = decode::<ServerToCustomer>(r#"{"v":1,"type":"start","future":"field"}"#);
        assert_eq!(m, Ok(ServerToCustomer::Start));
    }

    #[test]
    fn unknown_type_is_a_typed_error() {
        let m = decode::<ServerToCustomer>(r#"{"v":1,"type":"teleport"}"#);
        assert_eq!(m, Err(SignalError::UnknownType("teleport".into())));
    }

    #[test]
    fn known_type_with_bad_fields_is_not_unknown() {
        let m = decode::<ServerToCustomer>(r#"{"v":1,"type":"answer"}"#);
        assert!(matches!(m, Err(SignalError::InvalidFields { .. })), "{m:?}");
    }

    #[test]
    fn oversized_message_is_refused_before_parsing() {
        let sdp = "a".repeat(MAX_MESSAGE_BYTES);
        let text = encode(&CustomerMessage::Offer { sdp });
        assert!(matches!(
            decode::<CustomerMessage>(&text),
            Err(SignalError::TooLarge { .. })
        ));
    }

    #[test]
    fn other_versions_are_refused() {
        let m = decode::<ServerToCustomer>(r#"{"v":2,"type":"start"}"#);
        assert_eq!(m, Err(SignalError::UnsupportedVersion(2)));
    }

    #[test]
    fn garbage_is_malformed() {
        assert!(matches!(
            decode::<ServerToCustomer>("[1,2"),
            Err(SignalError::Malformed(_))
        ));
        assert!(matches!(
            decode::<ServerToCustomer>("42"),
            Err(SignalError::Malformed(_))
        ));
    }

    #[test]
    fn hold_and_the_new_statuses_have_their_wire_names() {
        assert_eq!(
            decode::<ServerToCustomer>(r#"{"v":1,"type":"hold"}"#),
            Ok(ServerToCustomer::Hold)
        );
        let hold = decode::<TechnicianMessage>(r#"{"v":1,"type":"hold","session_id":"s"}"#);
        assert_eq!(
            hold,
            Ok(TechnicianMessage::Hold {
                session_id: "s".into()
            })
        );
        assert_eq!(
            serde_json::to_value(SessionStatus::OnHold).unwrap(),
            "on_hold"
        );
        assert_eq!(
            serde_json::to_value(SessionStatus::TimedOut).unwrap(),
            "timed_out"
        );
        assert_eq!(
            serde_json::to_value(EndReason::IdleTimedOut).unwrap(),
            "idle_timed_out"
        );
    }

    #[test]
    fn a_device_problem_crosses_in_snake_case() {
        let m = CustomerMessage::DeviceProblem {
            device: Device::Camera,
            problem: DeviceProblem::Busy,
            detail: "Device or resource busy".into(),
        };
        let text = encode(&m);
        assert!(
            text.contains(r#""type":"device_problem""#) && text.contains(r#""problem":"busy""#),
            "{text}"
        );
        assert_eq!(decode::<CustomerMessage>(&text), Ok(m));
        assert_eq!(
            DeviceProblem::PermissionDenied.describe(Device::Microphone),
            "The customer's system refused access to the microphone"
        );
    }

    #[test]
    fn the_paused_notice_round_trips() {
        let paused = CustomerMessage::MediaState {
            video_paused: true,
            paused_by: Some(PausedBy::Customer),
        };
        let text = encode(&paused);
        assert!(
            text.contains(r#""type":"media_state""#) && text.contains(r#""video_paused":true"#),
            "{text}"
        );
        assert!(text.contains(r#""paused_by":"customer""#), "{text}");
        assert_eq!(decode::<CustomerMessage>(&text), Ok(paused));
        // An app from before `paused_by` is still understood.
        let older =
            decode::<CustomerMessage>(r#"{"v":1,"type":"media_state","video_paused":false}"#);
        assert_eq!(
            older,
            Ok(CustomerMessage::MediaState {
                video_paused: false,
                paused_by: None
            })
        );
    }

    #[test]
    fn camera_controls_cross_in_snake_case_each_way() {
        let asked = decode::<TechnicianMessage>(
            r#"{"v":1,"type":"camera_control","session_id":"s","control":"torch_on"}"#,
        );
        assert_eq!(
            asked,
            Ok(TechnicianMessage::CameraControl {
                session_id: "s".into(),
                control: CameraControl::TorchOn
            })
        );
        let relayed = encode(&ServerToCustomer::CameraControl {
            control: CameraControl::PauseVideo,
        });
        assert!(
            relayed.contains(r#""type":"camera_control""#)
                && relayed.contains(r#""control":"pause_video""#),
            "{relayed}"
        );
        let refused = CustomerMessage::ControlRefused {
            control: CameraControl::SwitchCamera,
            message: "Switching camera is not supported".into(),
        };
        let text = encode(&refused);
        assert!(
            text.contains(r#""type":"control_refused""#)
                && text.contains(r#""control":"switch_camera""#),
            "{text}"
        );
        assert_eq!(decode::<CustomerMessage>(&text), Ok(refused));
        let to_console = encode(&ServerToTechnician::ControlRefused {
            session_id: "s".into(),
            control: CameraControl::ResumeVideo,
            message: "m".into(),
        });
        assert!(
            to_console.contains(r#""type":"control_refused""#),
            "{to_console}"
        );
        for control in [
            CameraControl::PauseVideo,
            CameraControl::ResumeVideo,
            CameraControl::SwitchCamera,
            CameraControl::TorchOn,
            CameraControl::TorchOff,
        ] {
            assert_eq!(serde_json::to_value(control).unwrap(), control.name());
        }
    }

    #[test]
    fn a_control_from_a_newer_server_is_a_typed_error_not_an_unknown_type() {
        let m =
            decode::<ServerToCustomer>(r#"{"v":1,"type":"camera_control","control":"zoom_in"}"#);
        assert!(
            matches!(&m, Err(SignalError::InvalidFields { kind, .. }) if kind == "camera_control"),
            "{m:?}"
        );
    }

    #[test]
    fn candidate_uses_browser_field_names() {
        let c = IceCandidate {
            candidate: "candidate:1".into(),
            sdp_mid: Some("0".into()),
            sdp_mline_index: Some(0),
        };
        let text = serde_json::to_string(&c).unwrap();
        assert!(
            text.contains("sdpMid") && text.contains("sdpMLineIndex"),
            "{text}"
        );
    }
}
