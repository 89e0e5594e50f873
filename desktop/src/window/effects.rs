//! What the app model asks of the desktop shell ([`Effect`]s the engine passes on).

use lens_core::app::{Effect, Intent};
use lens_engine::Engine;

use crate::tutorial_file::TutorialFile;

pub struct Shell {
    pub tutorial: TutorialFile,
}

impl Shell {
    pub fn carry_out(&self, engine: &Engine, effect: Effect) {
        match effect {
            // A desktop has no camera and microphone prompt of the kind phones show: the
            // desktop's sources (the test pattern and tone, or a device named on the command
            // line) need no grant, and a device that cannot be opened is reported by the
            // engine as a device problem during the session. So the answer is yes, at once.
            Effect::RequestPermissions => engine.intent(Intent::PermissionsAnswered {
                camera: true,
                microphone: true,
            }),
            // Never asked for after the yes above; a desktop has no per-app settings page to
            // open, so it is noted and nothing else happens.
            Effect::OpenSystemSettings => {
                tracing::info!("the app asked for the system settings; the desktop has none")
            }
            Effect::SaveTutorialSeen => {
                if let Err(e) = self.tutorial.save() {
                    // The customer sees the tutorial again next time; nothing else is lost.
                    tracing::warn!(
                        "cannot remember the tutorial as seen in {}: {e}",
                        self.tutorial.path().display()
                    );
                }
            }
            // The engine carries these out itself and does not pass them on (see
            // lens_engine::AppUpdate); listed so that a new effect is a compile error here.
            Effect::SetMicrophoneMuted { .. } | Effect::SwitchCamera | Effect::SetTorch { .. } => {}
        }
    }
}
