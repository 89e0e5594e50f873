//! The customer's intents: whether the screen on show offers them, and what each does to
//! the app's state, the session and the shell.

use std::time::Instant;

use crate::join::parse_join_input;
use crate::session::{Input, NotNow, SessionState};

use super::ui::{CameraAbilities, PinField, TUTORIAL_STEPS};
use super::{AppOutput, CustomerApp, Effect, Intent, Screen};

impl CustomerApp {
    /// Carries out `intent`, or refuses it, changing nothing, when the screen did not offer
    /// it (a stale tap, a shell that drew an old screen).
    pub(super) fn on_intent(&mut self, intent: Intent, now: Instant) -> Result<(), NotNow> {
        if !self.offers(&intent) {
            return Err(NotNow {
                action: action_name(&intent),
                state: self.screen.name(),
            });
        }
        match intent {
            Intent::TutorialNext => match self.ui.tutorial_step {
                Some(step) if step < TUTORIAL_STEPS => self.ui.tutorial_step = Some(step + 1),
                _ => self.finish_tutorial(),
            },
            Intent::TutorialSkip => self.finish_tutorial(),
            Intent::AllowPermissions => self.effect(Effect::RequestPermissions),
            Intent::OpenSettings => self.effect(Effect::OpenSystemSettings),
            Intent::PermissionsAnswered { camera, microphone } => {
                self.ui.answer_permissions(camera, microphone);
                self.tell_session_permissions(now);
            }
            Intent::JoinWithoutMicrophone => {
                self.ui.without_microphone = true;
                self.tell_session_permissions(now);
            }
            Intent::Typed { text } => self.ui.pin = PinField::typed(&text, &self.config),
            Intent::Join => {
                if let Ok(pin) = self.ui.pin.checked.clone() {
                    self.session.handle_input(Input::Join(pin), now)?;
                }
            }
            Intent::OpenedLink { url } => match parse_join_input(&url, &self.config.join) {
                Ok(pin) => {
                    self.session.handle_input(Input::Join(pin.clone()), now)?;
                    self.ui.pin = PinField {
                        text: pin.as_str().to_owned(),
                        checked: Ok(pin),
                    };
                }
                // The link's sentence shows under an empty field: the link itself is not
                // something to edit.
                Err(error) => {
                    self.ui.pin = PinField {
                        text: String::new(),
                        checked: Err(error),
                    };
                    self.ui.back_to_start = true;
                }
            },
            Intent::Accept { at_unix_ms } => {
                self.session
                    .handle_input(Input::AcceptEula { at_unix_ms }, now)?;
            }
            Intent::Decline => self.session.handle_input(Input::DeclineEula, now)?,
            Intent::SetMuted { muted } => {
                self.ui.muted = muted;
                self.effect(Effect::SetMicrophoneMuted { muted });
            }
            Intent::SetVideoPaused { paused } => {
                self.session
                    .handle_input(Input::VideoPaused { paused }, now)?;
            }
            Intent::SwitchCamera => self.effect(Effect::SwitchCamera),
            Intent::SetTorch { on } => {
                self.ui.torch_on = on;
                self.effect(Effect::SetTorch { on });
            }
            Intent::CameraOpened {
                torch,
                another_camera,
            } => {
                self.ui.camera = CameraAbilities {
                    torch,
                    another_camera,
                };
                // The torch switch outlasts a camera without one (the front camera): a
                // camera with a torch that opens while it is on lights it again.
                if torch && self.ui.torch_on {
                    self.effect(Effect::SetTorch { on: true });
                }
            }
            Intent::Leave => self.session.handle_input(Input::Leave, now)?,
            Intent::BackToStart => {
                self.ui.back_to_start = true;
                self.ui.pin = PinField::empty();
            }
        }
        Ok(())
    }

    /// Whether the screen on show has a place for `intent`.
    fn offers(&self, intent: &Intent) -> bool {
        let session = self.session.state();
        match (intent, &self.screen) {
            (Intent::TutorialNext | Intent::TutorialSkip, Screen::Tutorial { .. }) => true,
            (
                Intent::AllowPermissions,
                Screen::Permissions { .. } | Screen::PermissionsRefused { .. },
            ) => true,
            (Intent::OpenSettings, Screen::PermissionsRefused { .. }) => true,
            (
                Intent::JoinWithoutMicrophone,
                Screen::PermissionsRefused {
                    without_microphone: Some(button),
                    ..
                },
            ) => button.enabled,
            // The platform's answer comes after the prompts the permission screens asked
            // for, or at start with what it already knows: any time before the session
            // settled them.
            (Intent::PermissionsAnswered { .. }, screen) => {
                matches!(
                    screen,
                    Screen::Permissions { .. } | Screen::PermissionsRefused { .. }
                ) || matches!(
                    session,
                    SessionState::Idle
                        | SessionState::ResolvingPin
                        | SessionState::NeedsPermissions
                )
            }
            (Intent::Typed { .. }, Screen::EnterPin { .. }) => true,
            (Intent::Join, Screen::EnterPin { join, .. }) => join.enabled,
            // A link opens the app whatever it shows, but never replaces a session in
            // progress: the customer would be moved to another technician unasked.
            (Intent::OpenedLink { .. }, _) => {
                matches!(session, SessionState::Idle | SessionState::Ended { .. })
            }
            (Intent::Accept { .. } | Intent::Decline, Screen::Licence { .. }) => true,
            (Intent::SetMuted { .. }, Screen::Live { controls, .. }) => controls.mute.enabled,
            (Intent::SetVideoPaused { .. }, Screen::Live { controls, .. }) => {
                controls.pause_video.enabled
            }
            (Intent::SwitchCamera, Screen::Live { controls, .. }) => controls.switch_camera.enabled,
            (Intent::SetTorch { .. }, Screen::Live { controls, .. }) => controls.torch.enabled,
            // A fact about the device, like the permissions: whatever shows.
            (Intent::CameraOpened { .. }, _) => true,
            (
                Intent::Leave,
                Screen::Waiting { .. }
                | Screen::Connecting { .. }
                | Screen::Live { .. }
                | Screen::OnHold { .. }
                | Screen::Reconnecting { .. },
            ) => true,
            (Intent::BackToStart, Screen::Ended { .. }) => true,
            _ => false,
        }
    }

    fn finish_tutorial(&mut self) {
        self.ui.tutorial_step = None;
        self.effect(Effect::SaveTutorialSeen);
    }

    /// Passes acceptable answers on to the session, which uses them for this and later
    /// joins. A refusal is not passed on: the customer is shown what it means and may
    /// still change it, while the session would end on it.
    fn tell_session_permissions(&mut self, now: Instant) {
        let Some((camera, microphone)) = self.ui.permissions else {
            return;
        };
        if !self.ui.permissions_acceptable() {
            return;
        }
        let input = Input::PermissionsAnswered { camera, microphone };
        if self.session.state().admits(&input).is_ok() {
            // Admitted, so it cannot be refused.
            let _ = self.session.handle_input(input, now);
        }
    }

    fn effect(&mut self, effect: Effect) {
        self.outputs.push_back(AppOutput::Effect(effect));
    }
}

/// The intent's name in a [`NotNow`] ("… is not possible while the session is …").
fn action_name(intent: &Intent) -> &'static str {
    match intent {
        Intent::TutorialNext => "the tutorial's next step",
        Intent::TutorialSkip => "skipping the tutorial",
        Intent::AllowPermissions => "asking for the permissions",
        Intent::PermissionsAnswered { .. } => "answering the permission requests",
        Intent::OpenSettings => "opening the settings",
        Intent::JoinWithoutMicrophone => "joining without the microphone",
        Intent::Typed { .. } => "typing a PIN",
        Intent::Join => "joining",
        Intent::OpenedLink { .. } => "opening a session link",
        Intent::Accept { .. } => "accepting the licence agreement",
        Intent::Decline => "declining the licence agreement",
        Intent::SetMuted { .. } => "muting",
        Intent::SetVideoPaused { .. } => "pausing the video",
        Intent::SwitchCamera => "switching the camera",
        Intent::SetTorch { .. } => "the torch",
        Intent::CameraOpened { .. } => "opening the camera",
        Intent::Leave => "leaving",
        Intent::BackToStart => "going back to the start",
    }
}
