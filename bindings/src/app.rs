//! The app model through the FFI: the shells draw core's `Screen` and send back `Intent`s.
//! `Screen`, `Intent` and `Effect` cross as they are (core's `uniffi` feature, Kotlin package
//! `uniffi.lens_core`); this file only forwards.

use std::sync::Arc;

use lens_core::app::{Effect, Intent, LiveNotification, MediaUse, Screen};
use lens_engine::AppUpdate;

use crate::session::LensSession;
use crate::task_handle::TaskHandle;

/// Implemented by the shell that draws the app model. Called from a thread of the
/// subscription's own, never the UI's, an engine or a media thread: post to the main thread
/// to draw (a call that blocks holds up only this subscription). Calls
/// for one subscription never overlap and come in order; the first is the current screen.
#[uniffi::export(foreign)]
pub trait AppListener: Send + Sync {
    /// Draw this screen (it replaces the one before).
    fn on_screen(&self, screen: Screen);
    /// Do this: `RequestPermissions` (show the system's camera and microphone prompts, then
    /// `act(PermissionsAnswered)`), `OpenSystemSettings`, `SaveTutorialSeen` (store it and
    /// pass `tutorialSeen` next time). The engine carries out the microphone, camera and
    /// torch effects itself; they do not come here.
    fn on_effect(&self, effect: Effect);
}

#[uniffi::export]
impl LensSession {
    /// The customer's tap or keystroke, or the platform's answer (`PermissionsAnswered`).
    /// Returns at once; the screen that follows comes to `subscribeApp`. One the screen did
    /// not offer changes nothing (the engine logs it): the screen is the truth.
    pub fn act(&self, intent: Intent) {
        self.engine.intent(intent);
    }

    /// What the customer sees now.
    pub fn screen(&self) -> Screen {
        self.engine.screen()
    }

    /// Calls `listener` with the current screen, then with every change and every effect
    /// for the shell, until the returned handle is cancelled or dropped, or the session is
    /// closed.
    pub fn subscribe_app(&self, listener: Arc<dyn AppListener>) -> Arc<TaskHandle> {
        TaskHandle::forward(
            self.runtime.handle(),
            self.engine.subscribe_app(),
            "app listener",
            move |update| match update {
                AppUpdate::Screen(screen) => listener.on_screen(screen),
                AppUpdate::Effect(effect) => listener.on_effect(effect),
            },
        )
    }
}

/// The words of the notification a phone shows while a session runs (Android's foreground
/// service), in the best language for `locales` (the device's, most preferred first).
#[uniffi::export]
pub fn live_notification(locales: Vec<String>) -> LiveNotification {
    LiveNotification::for_locales(&locales)
}

/// What the phone's camera and microphone do while `screen` shows: run them as it says.
#[uniffi::export]
pub fn screen_media(screen: Screen) -> MediaUse {
    screen.media()
}

/// Whether `screen` shows something under way (an activity indicator): see `Screen::under_way`.
#[uniffi::export]
pub fn screen_under_way(screen: Screen) -> bool {
    screen.under_way()
}
