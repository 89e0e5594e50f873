//! Runs core's [`CustomerSession`] against the world: turns its commands into HTTP,
//! WebSocket and media calls, and everything that comes back into its inputs.
//!
//! The state machine sits behind a mutex so that a customer action is answered at once
//! (with [`NotNow`] when it does not fit); a single driver task owns every socket and the
//! media session, so commands run in the order core gave them.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use lens_core::eula::{EulaStore, save_acceptance, stored_acceptance};
use lens_core::join::parse_join_input;
use lens_core::session::{
    Command, CustomerSession, Input, NotNow, Output, SessionEvent, SessionState,
};
use tokio::sync::{Notify, mpsc, oneshot};
use tracing::{debug, info, warn};

use crate::config::EngineConfig;
use crate::error::EngineError;
use crate::listeners::Listeners;
use crate::media::{MediaError, MediaSession, MediaStats, PeerEvent};
use crate::server_api::resolve_pin;
use crate::signalling::{SignallingConnection, SignallingEvent};

/// What the driver's helpers report back, tagged with the generation they belong to so that
/// a late report from a replaced connection or media session is ignored.
enum Report {
    Resolved(Input),
    Signalling(SignallingEvent),
    MediaStarted(Result<(MediaSession, String), MediaError>),
    Peer(PeerEvent),
}

/// The customer's session engine. Cheap to share; dropping the last handle stops the driver
/// and closes everything.
pub struct Engine {
    pub(crate) inner: Arc<Shared>,
    driver: tokio::task::JoinHandle<()>,
}

pub(crate) struct Shared {
    pub(crate) config: EngineConfig,
    machine: Mutex<CustomerSession>,
    /// Wakes the driver after a customer action fed the machine.
    wake: Notify,
    listeners: Listeners,
    stats: Mutex<Option<MediaStats>>,
    /// Set by [`Engine::shutdown`]; the driver answers once everything is closed.
    shutdown: Mutex<Option<oneshot::Sender<()>>>,
}

/// How long a shutdown waits for the last signalling messages to leave.
const FLUSH_GRACE: Duration = Duration::from_secs(2);

impl Engine {
    /// Starts the driver on the current tokio runtime.
    pub fn start(config: EngineConfig, eula_store: Arc<dyn EulaStore>) -> Engine {
        let stored = stored_acceptance(eula_store.as_ref());
        let machine = CustomerSession::new(config.session.clone(), stored, Instant::now());
        let inner = Arc::new(Shared {
            config,
            machine: Mutex::new(machine),
            wake: Notify::new(),
            listeners: Listeners::new(SessionState::Idle),
            stats: Mutex::new(None),
            shutdown: Mutex::new(None),
        });
        let driver = tokio::spawn(Driver::new(inner.clone(), eula_store).run());
        Engine { inner, driver }
    }

    /// The customer typed a PIN or opened a link.
    pub fn join(&self, input: &str) -> Result<(), EngineError> {
        let pin = parse_join_input(input, &self.inner.config.join)?;
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
        self.inner.listeners.current()
    }

    /// Every event from now on, starting with the current state: the first item is always
    /// `StateChanged(current)`, and nothing between it and the next is lost.
    pub fn subscribe(&self) -> mpsc::UnboundedReceiver<SessionEvent> {
        self.inner.listeners.subscribe()
    }

    /// Mutes or unmutes the customer's microphone. Holds for the rest of the session, also
    /// before media starts; while muted the technician receives silence (Opus DTX), not a
    /// broken track.
    pub fn set_microphone_muted(&self, muted: bool) {
        self.inner.config.media.controls.set_microphone_muted(muted);
    }

    pub fn microphone_muted(&self) -> bool {
        self.inner.config.media.controls.microphone_muted()
    }

    /// Fills `out` with the technician's voice, 48 kHz mono, for an app that plays it with
    /// its own audio callback (`PlaybackConfig::Pulled`); silence where none has arrived.
    /// Returns how many samples were real audio. Never blocks.
    pub fn pull_playback_audio(&self, out: &mut [i16]) -> usize {
        self.inner.config.media.controls.pull_playback(out)
    }

    /// The last media figures, while media runs or after it stopped.
    pub fn media_stats(&self) -> Option<MediaStats> {
        *self.inner.stats.lock().expect("stats lock")
    }

    /// Closes the media connection and the signalling socket after delivering what core
    /// queued for the server (a decline or a leave must reach the technician), then stops the
    /// driver. Call it before the process or the app's session ends; dropping the engine
    /// instead cuts everything at once.
    pub async fn shutdown(&self) {
        let (done_tx, done_rx) = oneshot::channel();
        *self.inner.shutdown.lock().expect("shutdown lock") = Some(done_tx);
        self.inner.wake.notify_one();
        let _ = tokio::time::timeout(FLUSH_GRACE * 2, done_rx).await;
    }

    fn act(&self, input: Input) -> Result<(), NotNow> {
        self.inner
            .machine
            .lock()
            .expect("session lock")
            .handle_input(input, Instant::now())?;
        self.inner.wake.notify_one();
        Ok(())
    }
}

impl Shared {
    /// Feeds the customer's pause or resume (if any), then applies core's current pause
    /// decision to the media, under the machine's lock. Reading the decision under the same
    /// lock that makes it keeps a technician's resume, queued just before the customer
    /// paused, from unpausing the customer's video. Returns whether the media changed.
    pub(crate) fn apply_video_pause(&self, input: Option<Input>) -> bool {
        let mut machine = self.machine.lock().expect("session lock");
        if let Some(input) = input {
            // The customer may pause or resume in any state.
            let _ = machine.handle_input(input, Instant::now());
        }
        let changed = self
            .config
            .media
            .handles
            .set_video_paused(machine.video_paused());
        drop(machine);
        self.wake.notify_one();
        changed
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        // Aborting drops the driver, which drops the signalling connection and the media
        // session; MediaSession's own Drop stops its tasks.
        self.driver.abort();
    }
}

struct Driver {
    shared: Arc<Shared>,
    eula_store: Arc<dyn EulaStore>,
    http: reqwest::Client,
    reports_tx: mpsc::UnboundedSender<(u64, Report)>,
    reports: mpsc::UnboundedReceiver<(u64, Report)>,
    /// Bumped by every join, connection and media start: reports of older ones are stale.
    join_generation: u64,
    signalling: Option<(u64, SignallingConnection)>,
    media: Option<(u64, MediaSession)>,
    media_generation: u64,
    next_generation: u64,
    /// Signalling connections being closed: their last messages are still leaving.
    closing: Vec<tokio::task::JoinHandle<()>>,
}

impl Driver {
    fn new(shared: Arc<Shared>, eula_store: Arc<dyn EulaStore>) -> Driver {
        let (reports_tx, reports) = mpsc::unbounded_channel();
        Driver {
            shared,
            eula_store,
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(20))
                .build()
                .expect("a TLS backend is compiled in"),
            reports_tx,
            reports,
            join_generation: 0,
            signalling: None,
            media: None,
            media_generation: 0,
            next_generation: 0,
            closing: Vec::new(),
        }
    }

    async fn run(mut self) {
        let mut stats_tick = tokio::time::interval(std::time::Duration::from_secs(1));
        // Once shutdown is asked for: who to tell, and until when core may still deliver
        // what it queued for a socket that is being opened.
        let mut shutting_down: Option<(oneshot::Sender<()>, Instant)> = None;
        loop {
            let mut wake_at = self.drain().await;
            if shutting_down.is_none() {
                let asked = self.shared.shutdown.lock().expect("shutdown lock").take();
                shutting_down = asked.map(|done| (done, Instant::now() + FLUSH_GRACE));
            }
            if let Some((_, deadline)) = &shutting_down {
                let owes = self
                    .shared
                    .machine
                    .lock()
                    .expect("session lock")
                    .has_undelivered_messages();
                if !owes || Instant::now() >= *deadline {
                    self.close_everything().await;
                    if let Some((done, _)) = shutting_down.take() {
                        let _ = done.send(());
                    }
                    return;
                }
                wake_at = wake_at.min(*deadline);
            }
            self.closing.retain(|task| !task.is_finished());
            tokio::select! {
                _ = self.shared.wake.notified() => {}
                Some((generation, report)) = self.reports.recv() => self.on_report(generation, report).await,
                _ = tokio::time::sleep_until(wake_at.into()) => self.feed(Input::Timeout),
                _ = stats_tick.tick() => self.refresh_stats(),
            }
        }
    }

    /// Carries out everything the machine asked for; returns when to wake it next.
    async fn drain(&mut self) -> Instant {
        loop {
            let output = self
                .shared
                .machine
                .lock()
                .expect("session lock")
                .poll_output();
            match output {
                Output::Command(command) => self.execute(command).await,
                Output::Event(event) => self.shared.listeners.publish(event),
                Output::Timeout(at) => return at,
            }
        }
    }

    fn feed(&self, input: Input) {
        // Inputs from the world that do not fit are ignored by the machine, never refused.
        let _ = self
            .shared
            .machine
            .lock()
            .expect("session lock")
            .handle_input(input, Instant::now());
    }

    fn generation(&mut self) -> u64 {
        self.next_generation += 1;
        self.next_generation
    }

    async fn execute(&mut self, command: Command) {
        debug!(?command, "session command");
        match command {
            Command::ResolvePin(pin) => {
                self.join_generation = self.generation();
                let (http, server, reports) = (
                    self.http.clone(),
                    self.shared.config.server.clone(),
                    self.reports_tx.clone(),
                );
                let generation = self.join_generation;
                tokio::spawn(async move {
                    let input = match resolve_pin(&http, &server, &pin).await {
                        Ok(joined) => Input::Resolved(joined),
                        Err(failure) => Input::ResolveFailed(failure),
                    };
                    let _ = reports.send((generation, Report::Resolved(input)));
                });
            }
            Command::ConnectSignalling { token } => {
                let id = self.generation();
                let connection = SignallingConnection::open(
                    &self.shared.config.server,
                    &token,
                    id,
                    self.reports_tx.clone(),
                    Report::Signalling,
                );
                if let Some((_, old)) = self.signalling.replace((id, connection)) {
                    self.closing.push(old.close());
                }
            }
            Command::Send(message) => match &self.signalling {
                Some((_, connection)) => connection.send(&message),
                None => {
                    warn!("a message for the server with no connection; the session reconnects")
                }
            },
            Command::CloseSignalling => {
                if let Some((_, connection)) = self.signalling.take() {
                    self.closing.push(connection.close());
                }
            }
            Command::SaveEula(record) => {
                if let Err(e) = save_acceptance(self.eula_store.as_ref(), &record) {
                    // The customer accepted; failing to remember it only means asking again.
                    warn!("could not store the licence acceptance: {e}");
                }
            }
            Command::StartMedia { camera, microphone } => self.start_media(camera, microphone),
            Command::ApplyAnswer(sdp) => {
                if let Some((_, media)) = &self.media
                    && let Err(e) = media.apply_answer(sdp).await
                {
                    warn!("the technician's answer was refused: {e}");
                    self.feed(Input::PeerFailed);
                }
            }
            Command::AddRemoteCandidate(candidate) => {
                if let Some((_, media)) = &self.media
                    && let Err(e) = media.add_remote_candidate(candidate).await
                {
                    debug!("remote candidate ignored: {e}");
                }
            }
            Command::SetVideoPaused { .. } => {
                self.shared.apply_video_pause(None);
            }
            Command::CameraControl(control) => {
                let result = self
                    .shared
                    .camera_control(control)
                    .map_err(|e| e.to_string());
                if let Err(refusal) = &result {
                    info!(
                        control = control.name(),
                        "the technician's camera control was refused: {refusal}"
                    );
                }
                self.feed(Input::CameraControlResult { control, result });
            }
            Command::StopMedia => {
                // Any start still under way becomes stale and is closed when it reports.
                self.media_generation = self.generation();
                if let Some((_, media)) = self.media.take() {
                    *self.shared.stats.lock().expect("stats lock") = Some(media.stats());
                    media.close().await;
                    info!("media stopped");
                }
            }
        }
    }

    fn start_media(&mut self, camera: bool, microphone: bool) {
        self.media_generation = self.generation();
        let generation = self.media_generation;
        let config = self.shared.config.media.clone();
        let reports = self.reports_tx.clone();
        tokio::spawn(async move {
            let (peer_tx, mut peer_rx) = mpsc::unbounded_channel();
            let started = MediaSession::start(config, camera, microphone, peer_tx).await;
            let ok = started.is_ok();
            let _ = reports.send((generation, Report::MediaStarted(started)));
            if ok {
                while let Some(event) = peer_rx.recv().await {
                    if reports.send((generation, Report::Peer(event))).is_err() {
                        break;
                    }
                }
            }
        });
    }

    async fn on_report(&mut self, generation: u64, report: Report) {
        match report {
            Report::Resolved(input) if generation == self.join_generation => self.feed(input),
            Report::Resolved(_) => {}
            Report::Signalling(event) => {
                if self.signalling.as_ref().map(|(id, _)| *id) != Some(generation) {
                    return;
                }
                match event {
                    SignallingEvent::Connected => self.feed(Input::SignallingConnected),
                    SignallingEvent::Message(message) => self.feed(Input::FromServer(message)),
                    // A newer server's message or control this build does not know: the
                    // session goes on without it.
                    SignallingEvent::Invalid(e) => warn!("ignored a signalling frame: {e}"),
                    SignallingEvent::Lost(reason) => {
                        info!("signalling connection lost: {reason}");
                        self.signalling = None;
                        self.feed(Input::SignallingLost);
                    }
                }
            }
            Report::MediaStarted(result) => match result {
                Ok((media, offer)) if generation == self.media_generation => {
                    self.media = Some((generation, media));
                    self.feed(Input::LocalOffer(offer));
                }
                // Stopped while it was starting: close it without a word to the machine.
                Ok((media, _)) => media.close().await,
                Err(e) if generation == self.media_generation => {
                    warn!("media could not start: {e}");
                    self.feed(Input::PeerFailed);
                }
                Err(_) => {}
            },
            Report::Peer(event) => {
                if generation != self.media_generation {
                    return;
                }
                match event {
                    PeerEvent::Connected => self.feed(Input::PeerConnected),
                    PeerEvent::Failed | PeerEvent::Closed => self.feed(Input::PeerFailed),
                    PeerEvent::LocalCandidate(candidate) => {
                        self.feed(Input::LocalCandidate(candidate))
                    }
                    PeerEvent::DeviceProblem(error) => {
                        warn!("{error}");
                        self.feed(Input::DeviceFailed {
                            device: error.device,
                            problem: error.problem,
                            detail: error.detail,
                        });
                    }
                    // ICE may recover from a disconnect by itself; failure is reported separately.
                    PeerEvent::Disconnected => info!("media connection interrupted"),
                }
            }
        }
    }

    async fn close_everything(&mut self) {
        if self.media.is_some() {
            self.execute(Command::StopMedia).await;
        }
        if let Some((_, connection)) = self.signalling.take() {
            self.closing.push(connection.close());
        }
        let closing = std::mem::take(&mut self.closing);
        let _ = tokio::time::timeout(FLUSH_GRACE, futures_util::future::join_all(closing)).await;
    }

    fn refresh_stats(&self) {
        if let Some((_, media)) = &self.media {
            let stats = media.stats();
            *self.shared.stats.lock().expect("stats lock") = Some(stats);
            // Core shows them to the customer and sends them to the technician while live.
            if stats.link != Default::default() {
                self.feed(Input::MediaStats(stats.link));
            }
        }
    }
}

fn unix_ms_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
