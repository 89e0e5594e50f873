//! The technician's camera controls and the customer's own pause, decided here so that the
//! privacy rule holds whatever the shell or the console does: the technician may pause, and
//! may resume only a pause the technician made; the customer can always pause and resume.

use super::{Command, CustomerSession, PausedBy, SessionEvent, Signalling};
use crate::signal::{CameraControl, CustomerMessage};

/// What the technician reads when resuming a pause the customer made.
pub const CUSTOMER_PAUSED: &str = "The customer paused the video; only they can resume it";
/// What the technician reads for a control sent while the customer's media is not running
/// (the server relays only in an active session, so this is a race with a hold or an end).
pub const NO_MEDIA: &str = "The customer's video is not running now";
/// What the technician reads when the phone's camera cannot do what they asked (the app's
/// `CameraAbilities::refusal`, from what the shell said it opened).
pub const NO_TORCH: &str = "The customer's camera has no torch";
pub const NO_OTHER_CAMERA: &str = "The customer's phone has no other camera";

impl CustomerSession {
    /// The customer paused or resumed in the app. A customer's pause on top of the
    /// technician's becomes the customer's, so the technician can no longer lift it.
    pub(super) fn on_customer_paused(&mut self, paused: bool) {
        let by = paused.then_some(PausedBy::Customer);
        self.set_paused(by);
    }

    pub(super) fn on_camera_control(&mut self, control: CameraControl) {
        if !self.media_running {
            return self.refuse(control, NO_MEDIA.to_owned());
        }
        match control {
            CameraControl::PauseVideo => {
                // On a pause already in place (the customer's) nothing changes hands;
                // repeating the state answers the console all the same.
                if self.paused_by.is_none() {
                    self.set_paused(Some(PausedBy::Technician));
                    self.event(SessionEvent::TechnicianControl {
                        control,
                        refused: None,
                    });
                } else {
                    self.send_media_state();
                }
            }
            CameraControl::ResumeVideo => match self.paused_by {
                Some(PausedBy::Customer) => self.refuse(control, CUSTOMER_PAUSED.to_owned()),
                Some(PausedBy::Technician) => {
                    self.set_paused(None);
                    self.event(SessionEvent::TechnicianControl {
                        control,
                        refused: None,
                    });
                }
                None => self.send_media_state(),
            },
            // Only the engine knows whether this camera has a torch or a second lens.
            CameraControl::SwitchCamera | CameraControl::TorchOn | CameraControl::TorchOff => {
                self.command(Command::CameraControl(control))
            }
        }
    }

    pub(super) fn on_camera_control_result(
        &mut self,
        control: CameraControl,
        result: Result<(), String>,
    ) {
        match result {
            Ok(()) => self.event(SessionEvent::TechnicianControl {
                control,
                refused: None,
            }),
            Err(message) => self.refuse(control, message),
        }
    }

    /// A technician's pause belongs to its session: a new join does not inherit it (the
    /// customer's own pause is the customer's choice and stays).
    pub(super) fn forget_technicians_pause(&mut self) {
        if self.paused_by == Some(PausedBy::Technician) {
            self.paused_by = None;
            self.command(Command::SetVideoPaused { paused: false });
        }
    }

    fn set_paused(&mut self, by: Option<PausedBy>) {
        let before = self.paused_by;
        self.paused_by = by;
        self.command(Command::SetVideoPaused {
            paused: by.is_some(),
        });
        // Before media runs the first offer carries the state (see `Input::LocalOffer`).
        if by != before && self.media_running {
            self.send_media_state();
        }
    }

    fn send_media_state(&mut self) {
        let paused_by = self.paused_by;
        self.send(CustomerMessage::MediaState {
            video_paused: paused_by.is_some(),
            paused_by,
        });
    }

    fn refuse(&mut self, control: CameraControl, message: String) {
        self.event(SessionEvent::TechnicianControl {
            control,
            refused: Some(message.clone()),
        });
        // Not queued while signalling is down: by the time it is back the console moved on.
        if self.signalling == Signalling::Connected {
            self.command(Command::Send(CustomerMessage::ControlRefused {
                control,
                message,
            }));
        }
    }
}
