//! The words both sides of the protocol share: session statuses, end reasons, devices,
//! camera controls. Their wire names are fixed here (serde, or `wire_names!` where the
//! server's store needs them too), and the server's store and the console use the same names.

use serde::{Deserialize, Serialize};

use crate::wire_names;

/// The licence agreement the customer must accept, as the server supplies it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Eula {
    /// Opaque version id; a different id means the customer is asked again.
    pub version: String,
    pub text: String,
}

/// Status of a Lens session as the technician's list shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "&'static str", try_from = "String")]
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
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(into = "&'static str", try_from = "String")]
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
    /// The technician created another PIN for the customer before anyone used this one.
    PinReplaced,
}

wire_names!(SessionStatus, "session status" {
    Pending => "pending",
    Waiting => "waiting",
    Active => "active",
    OnHold => "on_hold",
    Closed => "closed",
    Expired => "expired",
    TimedOut => "timed_out",
});

wire_names!(EndReason, "end reason" {
    TechnicianEnded => "technician_ended",
    CustomerLeft => "customer_left",
    EulaDeclined => "eula_declined",
    WaitingTimedOut => "waiting_timed_out",
    ConnectionLost => "connection_lost",
    MediaFailed => "media_failed",
    PinExpired => "pin_expired",
    IdleTimedOut => "idle_timed_out",
    PinReplaced => "pin_replaced",
});

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
            EndReason::PinReplaced => "The technician replaced this PIN with a new one",
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
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum Device {
    Camera,
    Microphone,
}

/// What went wrong with a [`Device`]; the session goes on with whatever still works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
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
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
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
