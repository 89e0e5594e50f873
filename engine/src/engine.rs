//! [`Engine`]: the app's handle on a running session. The app model (core's [`CustomerApp`],
//! which owns the session machine) belongs to the driver task (`driver.rs`), as str0m's
//! `Rtc` belongs to its loop: the app's calls become inputs sent to it, and what it decides
//! comes back as screens, effects, events and figures the app reads here.
//!
//! Two ways to drive it: the app model's [`Engine::intent`] with [`Engine::screen`] and
//! [`Engine::subscribe_app`] (the phone apps and the desktop window draw its screens), and
//! the older session API ([`Engine::join`], [`Engine::accept_eula`], …, [`Engine::subscribe`])
//! for shells and scripts that decide their own flow. Both feed the same session.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lens_core::app::{AppInput, CustomerApp, Intent, Screen};
use lens_core::eula::{EulaStore, stored_acceptance};
use lens_core::join::parse_join_input;
use lens_core::session::{Input, NotNow, SessionEvent, SessionState};
use tokio::sync::{mpsc, oneshot};

use crate::config::EngineConfig;
use crate::driver::Driver;
use crate::error::EngineError;
use crate::listeners::{AppUpdate, Listeners};
use crate::media::MediaStats;

/// What the app asks of the driver.
pub(crate) enum Request {
    /// A customer action for the session machine (the older API).
    Act(Input),
    /// A customer's tap for the app model.
    Intent(Intent),
    /// Deliver what is owed to the server, close everything, then answer.
    Shutdown(oneshot::Sender<()>),
}

/// What the driver publishes for the app to read: the session's state and events, the app
/// model's screen and effects (both through [`Listeners`]) and the last media figures.
/// Written only by the driver.
pub(crate) struct Published {
    pub(crate) listeners: Listeners<SessionEvent>,
    pub(crate) app: Listeners<AppUpdate>,
    pub(crate) stats: Mutex<Option<MediaStats>>,
}

/// How long a shutdown waits for the last signalling messages to leave.
pub(crate) const FLUSH_GRACE: Duration = Duration::from_secs(2);

/// The customer's session engine. Dropping it stops the driver and closes everything.
pub struct Engine {
    pub(crate) config: Arc<EngineConfig>,
    requests: mpsc::UnboundedSender<Request>,
    published: Arc<Published>,
    driver: tokio::task::JoinHandle<()>,
}

impl Engine {
    /// Starts the driver on the current tokio runtime.
    pub fn start(config: EngineConfig, eula_store: Arc<dyn EulaStore>) -> Engine {
        let config = Arc::new(config);
        let stored = stored_acceptance(eula_store.as_ref());
        let now = std::time::Instant::now();
        let mut app = CustomerApp::new(config.app_config(), stored, now);
        if !config.media.video.is_shells() {
            // No shell will say what its camera can do: the engine's own have no torch and
            // no second camera, so the Live screen offers neither.
            let opened = Intent::CameraOpened {
                torch: false,
                another_camera: false,
            };
            // Admitted on any screen.
            let _ = app.handle_input(AppInput::Intent(opened), now);
        }
        let published = Arc::new(Published {
            listeners: Listeners::new(SessionState::Idle),
            app: Listeners::new(app.screen().clone()),
            stats: Mutex::new(None),
        });
        let (requests, requests_rx) = mpsc::unbounded_channel();
        let driver = Driver::new(
            app,
            config.clone(),
            published.clone(),
            eula_store,
            requests_rx,
        );
        Engine {
            config,
            requests,
            published,
            driver: tokio::spawn(driver.run()),
        }
    }

    /// The customer typed a PIN or opened a link.
    pub fn join(&self, input: &str) -> Result<(), EngineError> {
        let pin = parse_join_input(input, &self.config.join)?;
        Ok(self.act(Input::Join(pin))?)
    }

    pub fn answer_permissions(&self, camera: bool, microphone: bool) -> Result<(), NotNow> {
        self.act(Input::PermissionsAnswered { camera, microphone })
    }

    pub fn accept_eula(&self) -> Result<(), NotNow> {
        self.act(Input::AcceptEula {
            at_unix_ms: unix_ms_now(),
        })
    }

    pub fn decline_eula(&self) -> Result<(), NotNow> {
        self.act(Input::DeclineEula)
    }

    pub fn leave(&self) -> Result<(), NotNow> {
        self.act(Input::Leave)
    }

    pub fn state(&self) -> SessionState {
        self.published.listeners.current()
    }

    /// The device's network changed (Wi-Fi to mobile, a new address): a live session
    /// restarts ICE at once instead of waiting for the old path to time out. Harmless at any
    /// other time.
    pub fn network_changed(&self) {
        // Not a customer action: every state admits it, so the result is always Ok.
        let _ = self.act(Input::NetworkChanged);
    }

    /// Every event from now on, starting with the current state: the first item is always
    /// `StateChanged(current)`, and nothing between it and the next is lost.
    pub fn subscribe(&self) -> mpsc::UnboundedReceiver<SessionEvent> {
        self.published.listeners.subscribe()
    }

    /// The customer's tap or keystroke on the app model's screen. Returns at once; the screen
    /// that follows comes through [`Engine::subscribe_app`]. An intent the screen did not
    /// offer (or no longer offers: the session moved on) changes nothing; the driver logs it,
    /// and the screen stays the truth.
    pub fn intent(&self, intent: Intent) {
        // A closed channel means the driver is gone (shut down): nothing is listening.
        let _ = self.requests.send(Request::Intent(intent));
    }

    /// What the customer sees now.
    pub fn screen(&self) -> Screen {
        self.published.app.current()
    }

    /// The app model's updates from now on: the current screen first, then every screen
    /// change and every effect only the shell can carry out (see [`AppUpdate`]), in order,
    /// nothing lost between.
    pub fn subscribe_app(&self) -> mpsc::UnboundedReceiver<AppUpdate> {
        self.published.app.subscribe()
    }

    /// Mutes or unmutes the customer's microphone. Holds for the rest of the session, also
    /// before media starts; while muted the technician receives silence (Opus DTX), not a
    /// broken track.
    pub fn set_microphone_muted(&self, muted: bool) {
        self.config.media.controls.set_microphone_muted(muted);
    }

    pub fn microphone_muted(&self) -> bool {
        self.config.media.controls.microphone_muted()
    }

    /// Fills `out` with the technician's voice, 48 kHz mono, for an app that plays it with
    /// its own audio callback (`PlaybackConfig::Pulled`); silence where none has arrived.
    /// Returns how many samples were real audio. Never blocks.
    pub fn pull_playback_audio(&self, out: &mut [i16]) -> usize {
        self.config.media.controls.pull_playback(out)
    }

    /// The last media figures, while media runs or after it stopped.
    pub fn media_stats(&self) -> Option<MediaStats> {
        *self.published.stats.lock().expect("stats lock")
    }

    /// Closes the media connection and the signalling socket after delivering what core
    /// queued for the server (a decline or a leave must reach the technician), then stops the
    /// driver. Call it before the process or the app's session ends; dropping the engine
    /// instead cuts everything at once.
    pub async fn shutdown(&self) {
        let (done_tx, done_rx) = oneshot::channel();
        if self.requests.send(Request::Shutdown(done_tx)).is_ok() {
            let _ = tokio::time::timeout(FLUSH_GRACE * 2, done_rx).await;
        }
    }

    /// Hands a customer action to the driver. It is answered at once against the state the
    /// app was last shown (core's rule, [`SessionState::admits`]), so the app's thread never
    /// waits for the driver; should the session move on before the driver takes it, the
    /// machine applies the same rule again and the driver logs the late refusal.
    pub(crate) fn act(&self, input: Input) -> Result<(), NotNow> {
        self.published.listeners.current().admits(&input)?;
        // A closed channel means the driver is gone (shut down): nothing is listening.
        let _ = self.requests.send(Request::Act(input));
        Ok(())
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        // Aborting drops the driver, which drops the signalling connection and the media
        // session; MediaSession's own Drop stops its tasks.
        self.driver.abort();
    }
}

fn unix_ms_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
