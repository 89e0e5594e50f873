//! The screen, as a pure function of the session's state, the app's own state and the
//! customer's language. Nothing here changes anything: `CustomerApp` recomputes it after
//! every input and tells the shell when it differs.

use crate::l10n::{Arg, Texts};
use crate::session::{CustomerSession, PausedBy, SessionState};

use super::ui::{Notice, TUTORIAL_STEPS, Ui};
use super::{AppConfig, Button, LiveControls, Quality, Screen, Toggle};

/// Everything a screen is drawn from.
pub(super) struct View<'a> {
    pub(super) ui: &'a Ui,
    pub(super) session: &'a CustomerSession,
    pub(super) texts: &'a Texts,
    pub(super) config: &'a AppConfig,
}

impl View<'_> {
    pub(super) fn screen(&self) -> Screen {
        let ui = self.ui;
        // The tutorial comes first on a first start, also when a link opened the app (seeds
        // 001 and 003: the link is tapped, then the tutorial, then the permissions); the
        // join runs meanwhile. It gives way once the session waits for the technician.
        if let Some(step) = ui.tutorial_step {
            return self.tutorial(step);
        }
        match self.session.state() {
            SessionState::Idle => self.start(),
            SessionState::Ended { .. } if ui.back_to_start => self.start(),
            SessionState::Ended { reason } => Screen::Ended {
                title: self.get("ended-title"),
                reason: self.texts.ended(*reason),
                back: self.button("ended-back"),
            },
            SessionState::ResolvingPin => Screen::Joining {
                title: self.get("joining-title"),
                body: self.get("joining-body"),
            },
            SessionState::NeedsPermissions => self.permissions(),
            // A refusal made after the session took earlier answers (a link opened on the
            // refusal screen) still stops the customer short of the licence.
            SessionState::NeedsEula { .. } if refused(ui) => self.permissions(),
            SessionState::NeedsEula { eula, .. } => Screen::Licence {
                title: self.get("licence-title"),
                intro: self.about_technician("licence-intro"),
                text: eula.text.clone(),
                accept: self.button("licence-accept"),
                decline: self.button("licence-decline"),
            },
            // The connection matters to the customer once the camera may be shared; before
            // that the session catches up quietly (what was tapped is sent on reconnect).
            _ if ui.reconnecting.is_some() => Screen::Reconnecting {
                title: self.get("reconnecting-title"),
                body: self.texts.format(
                    "reconnecting-body",
                    &[(
                        "attempt",
                        Arg::Number(i64::from(ui.reconnecting.unwrap_or(1))),
                    )],
                ),
                leave: self.button("leave"),
            },
            // Handed to a colleague after the first Start: on hold until they continue.
            SessionState::WaitingForTechnician { .. }
                if ui.technician_started && ui.transferred =>
            {
                Screen::OnHold {
                    title: self.get("transferred-title"),
                    body: self.about_technician("transferred-body"),
                    preview: true,
                    leave: self.button("leave"),
                }
            }
            SessionState::WaitingForTechnician { .. } if ui.technician_started => Screen::OnHold {
                title: self.get("on-hold-title"),
                body: self.about_technician("on-hold-body"),
                preview: true,
                leave: self.button("leave"),
            },
            SessionState::WaitingForTechnician { .. } => Screen::Waiting {
                title: self.get("waiting-title"),
                body: self.about_technician("waiting-body"),
                preview: true,
                leave: self.button("leave"),
            },
            SessionState::Connecting => Screen::Connecting {
                title: self.get("connecting-title"),
                body: self.about_technician("connecting-body"),
                preview: true,
                leave: self.button("leave"),
            },
            SessionState::Live => self.live(),
        }
    }

    fn tutorial(&self, step: u32) -> Screen {
        let last = step >= TUTORIAL_STEPS;
        Screen::Tutorial {
            step,
            steps: TUTORIAL_STEPS,
            progress: self.texts.format(
                "tutorial-progress",
                &[
                    ("step", Arg::Number(step.into())),
                    ("steps", Arg::Number(TUTORIAL_STEPS.into())),
                ],
            ),
            title: self.get(&format!("tutorial-{step}-title")),
            body: self.get(&format!("tutorial-{step}-body")),
            skip: self.button("tutorial-skip"),
            next: self.button(if last { "tutorial-ok" } else { "tutorial-next" }),
        }
    }

    /// Before a session: permissions first, then the PIN field.
    fn start(&self) -> Screen {
        if self.ui.permissions_acceptable() {
            self.enter_pin()
        } else {
            self.permissions()
        }
    }

    /// The explanation before the system's prompts, or what a refusal means.
    fn permissions(&self) -> Screen {
        let Some((camera, _)) = self.ui.permissions.filter(|_| refused(self.ui)) else {
            return Screen::Permissions {
                title: self.get("permissions-title"),
                body: self.get("permissions-body"),
                allow: self.button("permissions-allow"),
            };
        };
        let open_settings = self.button("permissions-open-settings");
        let try_again = self.button("permissions-try-again");
        if !camera {
            return Screen::PermissionsRefused {
                title: self.get("permissions-refused-title"),
                body: self.get("permissions-refused-camera-body"),
                open_settings,
                try_again,
                without_microphone: None,
            };
        }
        let allowed = self.config.allow_without_microphone;
        Screen::PermissionsRefused {
            title: self.get("permissions-refused-microphone-title"),
            body: self.get(if allowed {
                "permissions-refused-microphone-body"
            } else {
                "permissions-refused-microphone-required-body"
            }),
            open_settings,
            try_again,
            without_microphone: allowed.then(|| self.button("permissions-without-microphone")),
        }
    }

    fn enter_pin(&self) -> Screen {
        let pin = &self.ui.pin;
        Screen::EnterPin {
            title: self.get("enter-pin-title"),
            organisation: self.texts.format(
                "enter-pin-organisation",
                &[("organisation", Arg::Text(&self.config.organisation))],
            ),
            prompt: self.get("enter-pin-prompt"),
            input: pin.text.clone(),
            problem: pin.problem().map(|e| self.texts.join_input_error(e)),
            join: Button {
                label: self.get("enter-pin-join"),
                enabled: pin.checked.is_ok(),
            },
        }
    }

    fn live(&self) -> Screen {
        let ui = self.ui;
        let technician = ui.technician.as_str();
        let paused_by = self.session.paused_by();
        let video_paused_note = paused_by.map(|by| {
            self.about_technician(match by {
                PausedBy::Customer => "live-video-paused-by-you",
                PausedBy::Technician => "live-video-paused-by-technician",
            })
        });
        let quality = ui.quality.map(|score| {
            let bars = score.min(Quality::MAX_BARS);
            Quality {
                bars,
                max_bars: Quality::MAX_BARS,
                label: self.get(&format!("quality-{bars}")),
            }
        });
        let notice = ui.notice.as_ref().map(|notice| match notice {
            Notice::Technician { control, refused } => {
                self.texts
                    .technician_control(technician, *control, refused.as_deref())
            }
            Notice::Device { device, problem } => self.texts.device_problem(*device, *problem),
        });
        let controls = LiveControls {
            mute: self.toggle(ui.muted, "live-mute", "live-unmute", ui.microphone_in_use()),
            pause_video: self.toggle(
                paused_by.is_some(),
                "live-pause-video",
                "live-resume-video",
                true,
            ),
            switch_camera: Button {
                enabled: ui.camera.another_camera,
                ..self.button("live-switch-camera")
            },
            // A camera without a torch (a front camera) shows it off and out of reach.
            torch: self.toggle(
                ui.torch_on && ui.camera.torch,
                "live-torch-on",
                "live-torch-off",
                ui.camera.torch,
            ),
            leave: self.button("leave"),
        };
        Screen::Live {
            title: self.texts.format(
                "live-title",
                &[
                    ("technician", Arg::Text(&ui.technician)),
                    // The lead is the named one; the rest are the collaborators.
                    (
                        "collaborators",
                        Arg::Number(i64::from(ui.watching.saturating_sub(1))),
                    ),
                ],
            ),
            preview: true,
            video_paused_note,
            quality,
            notice,
            controls,
        }
    }

    fn get(&self, id: &str) -> String {
        self.texts.get(id)
    }

    fn about_technician(&self, id: &str) -> String {
        self.texts
            .format(id, &[("technician", Arg::Text(&self.ui.technician))])
    }

    fn button(&self, id: &str) -> Button {
        Button {
            label: self.get(id),
            enabled: true,
        }
    }

    /// A switch whose words say what pressing it does: `when_off` while it is off.
    fn toggle(&self, on: bool, when_off: &str, when_on: &str, enabled: bool) -> Toggle {
        Toggle {
            label: self.get(if on { when_on } else { when_off }),
            on,
            enabled,
        }
    }
}

/// The platform answered, and not in a way the session can go on with.
fn refused(ui: &Ui) -> bool {
    ui.permissions.is_some() && !ui.permissions_acceptable()
}
