//! The customer app as the customer sees it, sans-IO like the session it wraps: which
//! [`Screen`] shows, what each button does, in the customer's language. The Android, iOS and
//! desktop shells draw the screen and send [`Intent`]s; every decision is made here, once,
//! and tested here.
//!
//! [`CustomerApp`] owns the [`CustomerSession`]: the engine feeds it the world's inputs
//! ([`AppInput::Session`]) and the customer's intents ([`AppInput::Intent`]) and drains
//! [`CustomerApp::poll_output`], which passes the session's commands and events through
//! and adds a [`Screen`] whenever what the customer sees changes, and the [`Effect`]s the
//! shell carries out (system prompts, settings, torch).

mod flow;
mod intent;
mod notification;
mod screen;
mod ui;
mod view;

use std::collections::VecDeque;
use std::time::Instant;

pub use crate::session::{NO_OTHER_CAMERA, NO_TORCH};
pub use intent::{Effect, Intent};
pub use notification::LiveNotification;
pub use screen::{Button, LiveControls, MediaUse, Quality, Screen, Toggle};
pub use ui::CameraAbilities;

use crate::eula::EulaRecord;
use crate::join::JoinConfig;
use crate::l10n::Texts;
use crate::session::{
    Command, CustomerSession, Input, NotNow, Output, SessionConfig, SessionEvent,
};
use ui::Ui;
use view::View;

/// How the app starts: the operator's settings and what the device already knows.
#[derive(Debug, Clone)]
pub struct AppConfig {
    pub session: SessionConfig,
    /// Which links the app trusts (the operator's hosts).
    pub join: JoinConfig,
    /// The device's preferred languages, most preferred first ("de-AT", "nl-NL", "en").
    pub locales: Vec<String>,
    /// The operator's name, shown on the PIN screen ("Support by …").
    pub organisation: String,
    /// The tutorial was seen on an earlier start ([`Effect::SaveTutorialSeen`]).
    pub tutorial_seen: bool,
    /// The grants the platform already knows without asking (`(camera, microphone)`), or
    /// `None` when it must ask.
    pub permissions: Option<(bool, bool)>,
    /// Whether the customer may join without the microphone when it was refused.
    pub allow_without_microphone: bool,
}

/// Everything that can happen to the app.
#[derive(Debug, Clone, PartialEq)]
pub enum AppInput {
    /// The customer's tap or keystroke, or the platform's answer.
    Intent(Intent),
    /// The world's input for the session (server, media, time), as the engine reports it.
    Session(Input),
}

/// One item drained from [`CustomerApp::poll_output`].
#[derive(Debug, Clone, PartialEq)]
pub enum AppOutput {
    /// The session's command for the engine.
    Command(Command),
    /// The session's event, as before the app model (logs, `subscribe`).
    Event(SessionEvent),
    /// What the customer sees changed.
    Screen(Screen),
    /// For the shell.
    Effect(Effect),
    /// Nothing more to do until this instant (or any earlier input).
    Timeout(Instant),
}

/// The customer app.
pub struct CustomerApp {
    session: CustomerSession,
    config: AppConfig,
    texts: Texts,
    ui: Ui,
    /// What the customer sees now (the last one queued).
    screen: Screen,
    outputs: VecDeque<AppOutput>,
    /// The session's next deadline, as its last drain said.
    timeout: Instant,
}

impl CustomerApp {
    pub fn new(config: AppConfig, stored_eula: Option<EulaRecord>, now: Instant) -> Self {
        let texts = Texts::for_locales(&config.locales);
        let session = CustomerSession::new(config.session.clone(), stored_eula, now);
        let ui = Ui::new(&config);
        let screen = View {
            ui: &ui,
            session: &session,
            texts: &texts,
            config: &config,
        }
        .screen();
        let mut app = CustomerApp {
            session,
            config,
            texts,
            ui,
            screen: screen.clone(),
            outputs: VecDeque::from([AppOutput::Screen(screen)]),
            timeout: now,
        };
        // What the platform already knows needs no prompt; the session keeps it for the
        // join to come.
        if let Some((camera, microphone)) = app.ui.permissions
            && app.ui.permissions_acceptable()
        {
            let input = Input::PermissionsAnswered { camera, microphone };
            // Idle admits it.
            let _ = app.session.handle_input(input, now);
        }
        app.drain_session();
        app.refresh_screen();
        app
    }

    /// What the customer sees now.
    pub fn screen(&self) -> &Screen {
        &self.screen
    }

    /// What the open camera can do, as the shell last said: the engine refuses a technician's
    /// control the camera cannot carry out ([`CameraAbilities::refusal`]).
    pub fn camera(&self) -> CameraAbilities {
        self.ui.camera
    }

    /// The session inside (its state, for the engine's older API and logs).
    pub fn session(&self) -> &CustomerSession {
        &self.session
    }

    /// Feeds one input. A customer action that does not fit (a button the screen did not
    /// offer) is refused with [`NotNow`] and changes nothing.
    pub fn handle_input(&mut self, input: AppInput, now: Instant) -> Result<(), NotNow> {
        let result = match input {
            AppInput::Intent(intent) => self.on_intent(intent, now),
            AppInput::Session(input) => {
                // The engine's older API answers the permission prompts on the session
                // directly: the screens must know the answer too.
                let answer = match input {
                    Input::PermissionsAnswered { camera, microphone } => Some((camera, microphone)),
                    _ => None,
                };
                let result = self.session.handle_input(input, now);
                if let (Ok(()), Some((camera, microphone))) = (&result, answer) {
                    self.ui.answer_permissions(camera, microphone);
                }
                result
            }
        };
        self.drain_session();
        self.refresh_screen();
        result
    }

    pub fn poll_output(&mut self) -> AppOutput {
        self.outputs
            .pop_front()
            .unwrap_or(AppOutput::Timeout(self.timeout))
    }

    /// Passes the session's outputs on, in order, and follows its events.
    fn drain_session(&mut self) {
        loop {
            match self.session.poll_output() {
                Output::Command(command) => {
                    let lit = self.ui.torch_on;
                    self.ui.observe_command(&command);
                    self.outputs.push_back(AppOutput::Command(command));
                    // The torch goes out with the media, also when the camera goes on for
                    // the preview (on hold): the shell puts it out, rather than leave it lit
                    // with no switch on the screen to turn it off.
                    if lit && !self.ui.torch_on {
                        let out = Effect::SetTorch { on: false };
                        self.outputs.push_back(AppOutput::Effect(out));
                    }
                }
                Output::Event(event) => {
                    self.ui.observe_event(&event);
                    self.outputs.push_back(AppOutput::Event(event));
                }
                Output::Timeout(at) => {
                    self.timeout = at;
                    return;
                }
            }
        }
    }

    /// Queues the screen when it differs from the one the customer sees.
    fn refresh_screen(&mut self) {
        let screen = View {
            ui: &self.ui,
            session: &self.session,
            texts: &self.texts,
            config: &self.config,
        }
        .screen();
        if screen != self.screen {
            self.screen = screen.clone();
            self.outputs.push_back(AppOutput::Screen(screen));
        }
    }
}

#[cfg(test)]
mod tests;
