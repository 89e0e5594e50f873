//! The customer's sentences for the core's typed errors and events. Every `match` is
//! exhaustive on purpose: a new variant does not compile until it has its words.

use super::{Arg, Texts};
use crate::join::JoinInputError;
use crate::session::Ended;
use crate::signal::{CameraControl, Device, DeviceProblem, EndReason, JoinRefusal};

impl Texts {
    /// The sentence for what is wrong with a typed PIN or an opened link.
    pub fn join_input_error(&self, error: &JoinInputError) -> String {
        let id = match error {
            JoinInputError::Empty => "join-error-empty",
            JoinInputError::TooLong => "join-error-too-long",
            JoinInputError::WrongLength { found } => {
                let found = i64::try_from(*found).unwrap_or(i64::MAX);
                return self.format("join-error-wrong-length", &[("found", Arg::Number(found))]);
            }
            JoinInputError::NotDigits => "join-error-not-digits",
            JoinInputError::UnknownHost { host } => {
                return self.format("join-error-unknown-host", &[("host", Arg::Text(host))]);
            }
            JoinInputError::InsecureScheme => "join-error-insecure-scheme",
            JoinInputError::CredentialsInLink => "join-error-credentials",
            JoinInputError::PortInLink => "join-error-port",
            JoinInputError::ConflictingPins => "join-error-conflicting-pins",
            JoinInputError::UnsupportedLink => "join-error-unsupported-link",
            JoinInputError::Unreadable => "join-error-unreadable",
        };
        self.get(id)
    }

    /// Why the session is over, as the customer reads it.
    pub fn ended(&self, reason: Ended) -> String {
        self.get(match reason {
            Ended::Session(reason) => match reason {
                EndReason::TechnicianEnded => "ended-technician-ended",
                EndReason::CustomerLeft => "ended-customer-left",
                EndReason::EulaDeclined => "ended-eula-declined",
                EndReason::WaitingTimedOut => "ended-waiting-timed-out",
                EndReason::ConnectionLost => "ended-connection-lost",
                EndReason::MediaFailed => "ended-media-failed",
                EndReason::PinExpired => "ended-pin-expired",
                EndReason::IdleTimedOut => "ended-idle-timed-out",
                EndReason::PinReplaced => "ended-pin-replaced",
            },
            Ended::JoinRefused(refusal) => match refusal {
                JoinRefusal::PinNotFound => "ended-pin-not-found",
                // The same sentence as a session whose PIN ran out while waiting.
                JoinRefusal::PinExpired => "ended-pin-expired",
                JoinRefusal::PinAlreadyUsed => "ended-pin-already-used",
                JoinRefusal::RateLimited => "ended-rate-limited",
                JoinRefusal::Busy => "ended-busy",
            },
            Ended::ServerUnreachable => "ended-server-unreachable",
            Ended::PermissionsDenied => "ended-permissions-denied",
        })
    }

    /// A camera or microphone that failed during the session.
    pub fn device_problem(&self, device: Device, problem: DeviceProblem) -> String {
        let device = self.get(match device {
            Device::Camera => "device-camera",
            Device::Microphone => "device-microphone",
        });
        let id = match problem {
            DeviceProblem::Missing => "device-problem-missing",
            DeviceProblem::Busy => "device-problem-busy",
            DeviceProblem::PermissionDenied => "device-problem-permission-denied",
            DeviceProblem::Disconnected => "device-problem-disconnected",
            DeviceProblem::Unusable => "device-problem-unusable",
        };
        self.format(id, &[("device", Arg::Text(&device))])
    }

    /// What the technician did to the customer's camera (`refused`: why the phone did not).
    pub fn technician_control(
        &self,
        technician: &str,
        control: CameraControl,
        refused: Option<&str>,
    ) -> String {
        let technician = ("technician", Arg::Text(technician));
        if let Some(reason) = refused {
            return self.format(
                "technician-control-refused",
                &[technician, ("reason", Arg::Text(reason))],
            );
        }
        let id = match control {
            CameraControl::PauseVideo => "technician-paused-video",
            CameraControl::ResumeVideo => "technician-resumed-video",
            CameraControl::SwitchCamera => "technician-switched-camera",
            CameraControl::TorchOn => "technician-torch-on",
            CameraControl::TorchOff => "technician-torch-off",
        };
        self.format(id, &[technician])
    }
}
