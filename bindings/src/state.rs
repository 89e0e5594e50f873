//! The session's states and events as the shells see them.
//!
//! `SessionState`, `SessionEvent` and `EndCause` translate core's types: an ending carries
//! the sentence the customer reads (core's `Ended::describe`), and core's `Ended` would clash
//! with the `Ended` state in Kotlin. The leaf types (`Eula`, `EndReason`, `JoinRefusal`,
//! `Device`, `CameraControl`, `LinkStats`, the engine's `MediaStats`) cross as they are: they
//! derive UniFFI's traits in their own crates (the `uniffi` features), so Kotlin and Swift
//! find them in the `lens_core` and `lens_engine` modules. A variant added in core fails to
//! compile here until the translation has it.

use lens_core::link_stats::LinkStats;
use lens_core::session as lens;
use lens_core::signal::{CameraControl, Device, DeviceProblem, EndReason, Eula, JoinRefusal};

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
    /// The technician handed the session to `technician_name`; the app's screen says so
    /// and their Start continues the session.
    Transferred {
        technician_name: String,
    },
    /// How many technicians receive the camera now: the lead and the collaborators with a
    /// connection (seed 004); 0 once media stops. The live screen's title says it too.
    Watching {
        technicians: u32,
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
            lens::SessionEvent::Transferred { technician_name } => {
                SessionEvent::Transferred { technician_name }
            }
            lens::SessionEvent::Watching { technicians } => SessionEvent::Watching { technicians },
        }
    }
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
