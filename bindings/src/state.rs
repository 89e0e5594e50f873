//! The session's states and events as the shells see them.
//!
//! `SessionState`, `SessionEvent` and `EndCause` mirror core's types: an ending carries the
//! sentence the customer reads (core's `Ended::describe`), and core's `Ended` would clash
//! with the `Ended` state in Kotlin. The leaf types (`Eula`, `EndReason`, `JoinRefusal`,
//! `MediaStats`) cross as they are, as UniFFI remote types. Either way a variant added in
//! core or the engine fails to compile here until it is added.

use lens_core::link_stats::LinkStats;
use lens_core::session as lens;
use lens_core::signal::{CameraControl, Device, DeviceProblem, EndReason, Eula, JoinRefusal};
use lens_engine::media::MediaStats;

/// Where the customer is, as the app shows it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum SessionState {
    /// No PIN or link yet.
    Idle,
    /// The server is looking the PIN up.
    ResolvingPin,
    /// The session is known; ask for the camera and microphone, then `answer_permissions`.
    NeedsPermissions,
    /// Show this licence agreement; then `accept_eula` or `decline_eula`.
    NeedsEula { eula: Eula, technician_name: String },
    /// Accepted; the technician may start the session.
    WaitingForTechnician { technician_name: String },
    /// The technician started; the media connection is being set up.
    Connecting,
    /// Video and audio flow.
    Live,
    /// Over. `description` is the sentence to show the customer.
    Ended {
        reason: EndCause,
        description: String,
    },
}

/// Why the session is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum EndCause {
    /// The session ran (or its EULA was declined) and ended for this reason.
    Session { reason: EndReason },
    /// The server refused the PIN.
    JoinRefused { refusal: JoinRefusal },
    /// The server could not be reached, or did not answer in time.
    ServerUnreachable,
    /// Neither camera nor microphone may be used: there is nothing to share.
    PermissionsDenied,
}

/// What a `SessionListener` is told.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum SessionEvent {
    StateChanged {
        state: SessionState,
    },
    /// The connection to the server dropped; the app retries (attempts count from 1).
    Reconnecting {
        attempt: u32,
    },
    /// The connection to the server is back.
    Reconnected,
    /// Once a second while live: the numbers for a stats panel and the 0–5 quality score.
    LinkStats {
        stats: LinkStats,
    },
    /// A camera or microphone failed; the session goes on without it and the technician
    /// was told. `description` is the sentence to show, `detail` the system's own words.
    DeviceProblem {
        device: Device,
        problem: DeviceProblem,
        description: String,
        detail: String,
    },
    /// The technician paused or resumed the video or asked for the other camera or the
    /// torch: show `description` ("The technician paused your video"). Switch and torch
    /// reach the `CameraController` as requests too. `refused` is why the app did not do it
    /// (the technician was told the same), e.g. a resume of a pause the customer made.
    TechnicianControl {
        control: CameraControl,
        description: String,
        refused: Option<String>,
    },
}

impl From<lens::SessionState> for SessionState {
    fn from(state: lens::SessionState) -> Self {
        match state {
            lens::SessionState::Idle => SessionState::Idle,
            lens::SessionState::ResolvingPin => SessionState::ResolvingPin,
            lens::SessionState::NeedsPermissions => SessionState::NeedsPermissions,
            lens::SessionState::NeedsEula {
                eula,
                technician_name,
            } => SessionState::NeedsEula {
                eula,
                technician_name,
            },
            lens::SessionState::WaitingForTechnician { technician_name } => {
                SessionState::WaitingForTechnician { technician_name }
            }
            lens::SessionState::Connecting => SessionState::Connecting,
            lens::SessionState::Live => SessionState::Live,
            lens::SessionState::Ended { reason } => SessionState::Ended {
                reason: reason.into(),
                description: reason.describe().to_owned(),
            },
        }
    }
}

impl From<lens::Ended> for EndCause {
    fn from(ended: lens::Ended) -> Self {
        match ended {
            lens::Ended::Session(reason) => EndCause::Session { reason },
            lens::Ended::JoinRefused(refusal) => EndCause::JoinRefused { refusal },
            lens::Ended::ServerUnreachable => EndCause::ServerUnreachable,
            lens::Ended::PermissionsDenied => EndCause::PermissionsDenied,
        }
    }
}

impl From<lens::SessionEvent> for SessionEvent {
    fn from(event: lens::SessionEvent) -> Self {
        match event {
            lens::SessionEvent::StateChanged(state) => SessionEvent::StateChanged {
                state: state.into(),
            },
            lens::SessionEvent::Reconnecting { attempt } => SessionEvent::Reconnecting { attempt },
            lens::SessionEvent::Reconnected => SessionEvent::Reconnected,
            lens::SessionEvent::LinkStats(stats) => SessionEvent::LinkStats { stats },
            lens::SessionEvent::DeviceProblem {
                device,
                problem,
                detail,
            } => SessionEvent::DeviceProblem {
                device,
                problem,
                description: problem.describe(device),
                detail,
            },
            lens::SessionEvent::TechnicianControl { control, refused } => {
                SessionEvent::TechnicianControl {
                    control,
                    description: control.describe().to_owned(),
                    refused,
                }
            }
        }
    }
}

/// The licence agreement the server sent.
#[uniffi::remote(Record)]
pub struct Eula {
    /// Opaque version id: a different id asks the customer again.
    pub version: String,
    pub text: String,
}

/// Why a session that ran ended, as both sides show it.
#[uniffi::remote(Enum)]
pub enum EndReason {
    TechnicianEnded,
    CustomerLeft,
    EulaDeclined,
    WaitingTimedOut,
    ConnectionLost,
    MediaFailed,
    PinExpired,
    IdleTimedOut,
}

/// Why the server refused a PIN.
#[uniffi::remote(Enum)]
pub enum JoinRefusal {
    PinNotFound,
    PinExpired,
    PinAlreadyUsed,
    RateLimited,
    Busy,
}

/// A camera or a microphone.
#[uniffi::remote(Enum)]
pub enum Device {
    Camera,
    Microphone,
}

/// What went wrong with a camera or microphone.
#[uniffi::remote(Enum)]
pub enum DeviceProblem {
    Missing,
    Busy,
    PermissionDenied,
    Disconnected,
    Unusable,
}

/// What the technician asked of the customer's camera.
#[uniffi::remote(Enum)]
pub enum CameraControl {
    PauseVideo,
    ResumeVideo,
    SwitchCamera,
    TorchOn,
    TorchOff,
}

/// What the session has sent and received so far.
#[uniffi::remote(Record)]
pub struct MediaStats {
    /// H.264 access units handed to the peer connection.
    pub video_frames_sent: u64,
    /// Of those, IDR pictures.
    pub video_keyframes_sent: u64,
    /// Encoded frames dropped because the network fell behind.
    pub video_frames_dropped: u64,
    /// Keyframe requests (PLI, FIR) from the technician.
    pub keyframe_requests: u64,
    /// 20 ms Opus frames sent.
    pub audio_frames_sent: u64,
    /// Opus frames of the technician's voice decoded.
    pub remote_audio_frames_decoded: u64,
    /// Level of the technician's voice over the last 100 ms, 0.0 to 1.0.
    pub remote_audio_level: f32,
    /// The last second of the link (zeros until the first second has passed).
    pub link: LinkStats,
}

/// One second of the media connection (see `lens_core::link_stats`).
#[uniffi::remote(Record)]
pub struct LinkStats {
    /// Video and audio sent over the last second, RTP headers included.
    pub sent_kbps: u32,
    /// The technician's audio received over the last second.
    pub received_kbps: u32,
    /// What the video encoder is asked for now.
    pub target_kbps: u32,
    /// The congestion controller's estimate of the uplink.
    pub estimate_kbps: u32,
    /// Video frames sent over the last second.
    pub fps: u32,
    /// The size being encoded now.
    pub width: u32,
    pub height: u32,
    /// Round-trip time; null until the first receiver report.
    pub rtt_ms: Option<u32>,
    /// Packets lost (the worse of video and audio), per mille.
    pub loss_permille: u32,
    /// Network quality, 0 (unusable) to 5 (excellent).
    pub quality: u8,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ending_carries_the_customers_sentence() {
        let ended = lens::Ended::JoinRefused(JoinRefusal::PinNotFound);
        let state = SessionState::from(lens::SessionState::Ended { reason: ended });
        assert_eq!(
            state,
            SessionState::Ended {
                reason: EndCause::JoinRefused {
                    refusal: JoinRefusal::PinNotFound
                },
                description: ended.describe().to_owned(),
            }
        );
    }
}
