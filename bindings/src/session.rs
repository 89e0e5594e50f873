//! [`LensSession`]: one customer session, and the runtime its engine runs on.

use std::sync::Arc;
use std::time::Duration;

use lens_engine::media::MediaStats;
use lens_engine::{Engine, EngineConfig};
use tokio::runtime::{Handle, Runtime};
use url::Url;

use crate::error::ApiError;
use crate::eula_storage::{EulaStorage, ForeignEulaStore};
use crate::listener::SessionListener;
use crate::options::SessionOptions;
use crate::state::{SessionEvent, SessionState};
use crate::task_handle::TaskHandle;

/// Samples returned by each [`LensSession::pull_playback_audio`]: 10 ms at 48 kHz.
pub const PLAYBACK_FRAME_SAMPLES: u32 = 480;

/// How long closing a session waits for the engine's threads before leaving them behind.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// One customer session: join with a PIN or link, answer the permission requests, accept the
/// licence agreement, then camera and microphone stream to the technician.
///
/// Every method returns at once; what follows arrives through `subscribe`. Close it (Kotlin
/// `close()`, Swift deinit) to end everything it started; call `leave` first to tell the
/// technician.
#[derive(uniffi::Object)]
pub struct LensSession {
    // Declared before `runtime`, so dropped first: the engine stops its tasks before the
    // runtime that runs them shuts down.
    pub(crate) engine: Engine,
    pub(crate) runtime: EngineRuntime,
}

#[uniffi::export]
impl LensSession {
    /// `server_url` is the Lens server, e.g. `https://lens.example.com`; its links are
    /// trusted, and plain http only when it is a loopback http URL (development).
    #[uniffi::constructor]
    pub fn new(
        server_url: String,
        options: SessionOptions,
        eula_store: Arc<dyn EulaStorage>,
    ) -> Result<Arc<LensSession>, ApiError> {
        crate::logging::init();
        let server = Url::parse(server_url.trim()).map_err(|e| ApiError::InvalidConfiguration {
            message: format!("server URL {server_url:?}: {e}"),
        })?;
        let mut config = EngineConfig::new(server, &options.extra_hosts, options.media_config()?)?;
        options.apply_app_settings(&mut config);
        let runtime = EngineRuntime::new()?;
        let engine = {
            let _context = runtime.handle().enter();
            Engine::start(config, Arc::new(ForeignEulaStore(eula_store)))
        };
        Ok(Arc::new(LensSession { engine, runtime }))
    }

    /// The PIN the customer typed or the link that opened the app. Throws `InvalidPin` with a
    /// sentence for the customer when it is neither.
    pub fn join(&self, input: &str) -> Result<(), ApiError> {
        Ok(self.engine.join(input)?)
    }

    /// The platform's answers to the camera and microphone permission requests; before or
    /// after `join`, as the app's flow has it.
    pub fn answer_permissions(&self, camera: bool, microphone: bool) -> Result<(), ApiError> {
        Ok(self.engine.answer_permissions(camera, microphone)?)
    }

    pub fn accept_eula(&self) -> Result<(), ApiError> {
        Ok(self.engine.accept_eula()?)
    }

    pub fn decline_eula(&self) -> Result<(), ApiError> {
        Ok(self.engine.decline_eula()?)
    }

    /// Ends the session for both sides.
    pub fn leave(&self) -> Result<(), ApiError> {
        Ok(self.engine.leave()?)
    }

    pub fn state(&self) -> SessionState {
        self.engine.state().into()
    }

    /// Call when the platform says the device's network changed (Android's
    /// `ConnectivityManager.NetworkCallback`, iOS's `NWPathMonitor`): a live session moves
    /// its media to the new network at once.
    pub fn network_changed(&self) {
        self.engine.network_changed();
    }

    /// The last media figures while media runs (refreshed every second) or after it stopped;
    /// null/nil before the technician started the session.
    pub fn media_stats(&self) -> Option<MediaStats> {
        self.engine.media_stats()
    }

    /// Mutes or unmutes the customer's microphone, before or during media. While muted the
    /// technician receives silence (a quiet track), not a broken one.
    pub fn set_microphone_muted(&self, muted: bool) {
        self.engine.set_microphone_muted(muted);
    }

    pub fn microphone_muted(&self) -> bool {
        self.engine.microphone_muted()
    }

    /// The next 10 ms of the technician's voice for the app's audio callback: exactly
    /// [`PLAYBACK_FRAME_SAMPLES`] samples of 48 kHz mono 16-bit PCM, silence while nothing
    /// has arrived. Synchronous and never blocking, so it may be called from the platform's
    /// audio thread (AAudio/Oboe, AVAudioEngine source node).
    ///
    /// UniFFI 0.32 cannot lend a foreign buffer mutably (`&mut [i16]` is not a supported
    /// argument), so the samples come back as a new array: one 960-byte copy every 10 ms.
    pub fn pull_playback_audio(&self) -> Vec<i16> {
        let mut out = vec![0i16; PLAYBACK_FRAME_SAMPLES as usize];
        self.engine.pull_playback_audio(&mut out);
        out
    }

    /// Calls `listener` with the current state, then with every event, until the returned
    /// handle is cancelled or dropped, or the session is closed.
    pub fn subscribe(&self, listener: Arc<dyn SessionListener>) -> Arc<TaskHandle> {
        TaskHandle::forward(
            self.runtime.handle(),
            self.engine.subscribe(),
            "session listener",
            move |event| listener.on_event(SessionEvent::from(event)),
        )
    }
}

impl Drop for LensSession {
    fn drop(&mut self) {
        // Deliver what the session still owes the server (a leave, a decline) and close the
        // media before the runtime goes. Not possible from one of the runtime's own threads
        // (a listener callback closing the session): there everything is cut at once.
        if Handle::try_current().is_err()
            && let Some(runtime) = &self.runtime.0
        {
            runtime.block_on(self.engine.shutdown());
        }
    }
}

/// A multi-thread tokio runtime owned by one session, so that Kotlin and Swift need none.
pub(crate) struct EngineRuntime(Option<Runtime>);

impl EngineRuntime {
    fn new() -> Result<EngineRuntime, ApiError> {
        let runtime = lens_engine::runtime::build().map_err(|e| ApiError::Internal {
            message: format!("the engine's threads could not start: {e}"),
        })?;
        Ok(EngineRuntime(Some(runtime)))
    }

    pub(crate) fn handle(&self) -> &Handle {
        self.0
            .as_ref()
            .expect("the runtime lives until drop")
            .handle()
    }
}

impl Drop for EngineRuntime {
    fn drop(&mut self) {
        let Some(runtime) = self.0.take() else { return };
        if Handle::try_current().is_ok() {
            // Closed from a listener callback, i.e. on one of this runtime's own threads:
            // waiting there for the workers cannot finish (tokio panics rather than try).
            runtime.shutdown_background();
        } else {
            runtime.shutdown_timeout(SHUTDOWN_GRACE);
        }
    }
}
