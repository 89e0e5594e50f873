//! What the customer's screen depends on that the session does not know: where the customer
//! is in the tutorial, what the PIN field holds, the permission answers, the live controls'
//! positions and the latest word from the session's events. Kept up to date by the intents
//! (`flow.rs`) and by watching the session's outputs here; `view.rs` draws it.

use crate::join::{JoinInputError, MAX_INPUT_BYTES, parse_join_input};
use crate::pin::Pin;
use crate::session::{Command, NO_OTHER_CAMERA, NO_TORCH, SessionEvent, SessionState};
use crate::signal::{CameraControl, Device, DeviceProblem};

use super::AppConfig;

/// Steps of the first-start tutorial (`tutorial-1` … `tutorial-3` in the resources).
pub(super) const TUTORIAL_STEPS: u32 = 3;

/// The PIN field: its text and what is wrong with it.
#[derive(Debug, Clone)]
pub(super) struct PinField {
    pub(super) text: String,
    pub(super) checked: Result<Pin, JoinInputError>,
}

impl PinField {
    pub(super) fn empty() -> PinField {
        PinField {
            text: String::new(),
            checked: Err(JoinInputError::Empty),
        }
    }

    /// The field after a keystroke or paste. What is kept is capped (a pasted document
    /// need not be held, nor drawn), but the check sees the whole text so that the
    /// customer reads "too long" rather than a sentence about the cut-off remainder.
    pub(super) fn typed(text: &str, config: &AppConfig) -> PinField {
        PinField {
            text: capped(text, MAX_INPUT_BYTES).to_owned(),
            checked: parse_join_input(text, &config.join),
        }
    }

    /// The sentence-worthy problem: an empty field is not a mistake, only a Join button
    /// that cannot be pressed yet.
    pub(super) fn problem(&self) -> Option<&JoinInputError> {
        match &self.checked {
            Err(JoinInputError::Empty) | Ok(_) => None,
            Err(error) => Some(error),
        }
    }
}

fn capped(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The latest word shown on the live screen.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Notice {
    Technician {
        control: CameraControl,
        refused: Option<String>,
    },
    Device {
        device: Device,
        problem: DeviceProblem,
    },
}

/// The app's own state, besides the session's.
#[derive(Debug, Clone)]
pub(super) struct Ui {
    /// The tutorial step shown (from 1), `None` once finished, skipped, seen on an earlier
    /// start, or overtaken by a session that got as far as waiting.
    pub(super) tutorial_step: Option<u32>,
    /// The platform's answers `(camera, microphone)`, once known.
    pub(super) permissions: Option<(bool, bool)>,
    /// The customer chose to go on with the camera only after refusing the microphone.
    pub(super) without_microphone: bool,
    pub(super) pin: PinField,
    /// The customer pressed Back to start on the end screen: the PIN field shows again
    /// while the session stays ended until the next join.
    pub(super) back_to_start: bool,
    pub(super) muted: bool,
    /// The customer's or the technician's last torch switch. It outlasts a switch to the
    /// front camera: the app lights the torch again when a camera that has one opens.
    pub(super) torch_on: bool,
    pub(super) camera: CameraAbilities,
    /// The technician's name, from the last session state that carried it (Connecting and
    /// Live do not).
    pub(super) technician: String,
    /// The technician started this session at least once: waiting again means on hold.
    pub(super) technician_started: bool,
    /// The session was handed to another technician and waits for their Start.
    pub(super) transferred: bool,
    /// The attempt the session is reconnecting with, until it is back.
    pub(super) reconnecting: Option<u32>,
    /// The latest quality score, 0 to 5.
    pub(super) quality: Option<u8>,
    pub(super) notice: Option<Notice>,
    /// Technicians receiving the camera now (the lead and collaborators; seed 004).
    pub(super) watching: u32,
}

/// What the open camera can do, as the shell last said ([`super::Intent::CameraOpened`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CameraAbilities {
    pub torch: bool,
    pub another_camera: bool,
}

impl Default for CameraAbilities {
    /// Before the shell said: every control stays offered, as for a shell that never says.
    fn default() -> Self {
        CameraAbilities {
            torch: true,
            another_camera: true,
        }
    }
}

impl CameraAbilities {
    /// Why `control` cannot be carried out on this camera, or `None` when it can (or may:
    /// turning a torch off is never refused, and pause and resume are not the camera's).
    pub fn refusal(&self, control: CameraControl) -> Option<&'static str> {
        match control {
            CameraControl::TorchOn if !self.torch => Some(NO_TORCH),
            CameraControl::SwitchCamera if !self.another_camera => Some(NO_OTHER_CAMERA),
            _ => None,
        }
    }
}

impl Ui {
    pub(super) fn new(config: &AppConfig) -> Ui {
        Ui {
            tutorial_step: (!config.tutorial_seen).then_some(1),
            permissions: config.permissions,
            without_microphone: false,
            pin: PinField::empty(),
            back_to_start: false,
            muted: false,
            torch_on: false,
            camera: CameraAbilities::default(),
            technician: String::new(),
            technician_started: false,
            transferred: false,
            reconnecting: None,
            quality: None,
            notice: None,
            watching: 0,
        }
    }

    /// Whether the answers let the session go on: the camera is essential (the technician
    /// must see), the microphone only if the customer chose to do without it.
    pub(super) fn permissions_acceptable(&self) -> bool {
        match self.permissions {
            Some((camera, microphone)) => camera && (microphone || self.without_microphone),
            None => false,
        }
    }

    /// Whether the microphone is in the session (the mute switch means something).
    pub(super) fn microphone_in_use(&self) -> bool {
        self.permissions.is_some_and(|(_, microphone)| microphone)
    }

    /// Records the platform's answers. A choice to do without the microphone stands while
    /// the microphone stays refused (the platform repeats what it knows on every resume).
    pub(super) fn answer_permissions(&mut self, camera: bool, microphone: bool) {
        self.permissions = Some((camera, microphone));
        if microphone {
            self.without_microphone = false;
        }
    }

    /// Follows the session's commands (the session's own record of the camera state).
    pub(super) fn observe_command(&mut self, command: &Command) {
        // The torch goes out with the media, even where the camera goes on for the preview
        // (on hold); `CustomerApp::drain_session` tells the shell.
        if matches!(command, Command::StopMedia) {
            self.torch_on = false;
        }
    }

    /// Follows the session's events.
    pub(super) fn observe_event(&mut self, event: &SessionEvent) {
        match event {
            SessionEvent::StateChanged(state) => self.observe_state(state),
            SessionEvent::Reconnecting { attempt } => self.reconnecting = Some(*attempt),
            SessionEvent::Reconnected => self.reconnecting = None,
            SessionEvent::LinkStats(stats) => self.quality = Some(stats.quality),
            SessionEvent::DeviceProblem {
                device, problem, ..
            } => {
                self.notice = Some(Notice::Device {
                    device: *device,
                    problem: *problem,
                })
            }
            SessionEvent::Watching { technicians } => self.watching = *technicians,
            SessionEvent::Transferred { technician_name } => {
                self.technician.clone_from(technician_name);
                self.transferred = true;
            }
            SessionEvent::TechnicianControl { control, refused } => {
                if refused.is_none() {
                    match control {
                        CameraControl::TorchOn => self.torch_on = true,
                        CameraControl::TorchOff => self.torch_on = false,
                        _ => {}
                    }
                }
                self.notice = Some(Notice::Technician {
                    control: *control,
                    refused: refused.clone(),
                });
            }
        }
    }

    fn observe_state(&mut self, state: &SessionState) {
        match state {
            // A new join (by the app's Join, a link, or the engine's older API): what the
            // last session showed is forgotten.
            SessionState::ResolvingPin => {
                self.back_to_start = false;
                self.technician.clear();
                self.technician_started = false;
                self.transferred = false;
                self.reconnecting = None;
                self.quality = None;
                self.notice = None;
            }
            SessionState::NeedsEula {
                technician_name, ..
            }
            | SessionState::WaitingForTechnician { technician_name } => {
                self.technician.clone_from(technician_name);
            }
            // Media (re)starts: the last connection's figures say nothing about this one.
            SessionState::Connecting => {
                self.technician_started = true;
                self.transferred = false;
                self.quality = None;
            }
            SessionState::Live => self.technician_started = true,
            SessionState::Idle | SessionState::NeedsPermissions | SessionState::Ended { .. } => {}
        }
        match state {
            // From here on the session's screens are what the customer must see: the
            // camera is about to be or is being shared. The tutorial is not saved as seen.
            SessionState::WaitingForTechnician { .. }
            | SessionState::Connecting
            | SessionState::Live => self.tutorial_step = None,
            SessionState::Ended { .. } => self.reconnecting = None,
            _ => {}
        }
    }
}
