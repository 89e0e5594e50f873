//! Runs core's [`CustomerApp`] (and the session machine it owns) against the world: turns
//! the session's commands into HTTP, WebSocket and media calls, everything that comes back
//! into its inputs, and carries out the app's effects on the microphone and camera.
//!
//! The driver task is the app's one owner (as str0m's loop owns its `Rtc`): the app's
//! calls arrive as [`Request`]s on a channel, the world's answers as [`Report`]s, and the
//! task owns every socket and the media session, so commands run in the order core gave
//! them and each command's payload is read where it is carried out.

use std::sync::Arc;
use std::time::Instant;

use lens_core::app::{AppInput, AppOutput, CustomerApp, Effect, Intent};
use lens_core::eula::{EulaStore, save_acceptance};
use lens_core::session::{Command, Input};
use lens_core::signal::{CameraControl, IceConfig};
use tokio::sync::{mpsc, oneshot};
use tracing::{debug, info, warn};

use crate::config::EngineConfig;
use crate::controls::{app_camera_control, torch};
use crate::engine::{FLUSH_GRACE, Published, Request};
use crate::listeners::AppUpdate;
use crate::media::{IceServer, MediaError, MediaSession, Negotiation, PeerEvent};
use crate::server_api::resolve_pin;
use crate::signalling::{SignallingConnection, SignallingEvent};

mod collaborators;
mod wake;

use wake::{Wake, next_wake};

/// What the driver's helpers report back, tagged with the generation they belong to so that
/// a late report from a replaced connection or media session is ignored.
enum Report {
    Resolved(Input),
    Signalling(SignallingEvent),
    MediaStarted(Result<(MediaSession, String), MediaError>),
    Peer(PeerEvent),
    /// An event of a collaborator's connection: the peer id and which of its connections
    /// (a replaced one's last events are stale).
    Collaborator(String, u64, PeerEvent),
}

/// The app model's owner: every socket, the media session and the model itself.
pub(crate) struct Driver {
    app: CustomerApp,
    config: Arc<EngineConfig>,
    published: Arc<Published>,
    eula_store: Arc<dyn EulaStore>,
    requests: mpsc::UnboundedReceiver<Request>,
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
    /// Collaborators core asked for while the media session was still starting.
    pending_collaborators: Vec<(String, bool, IceConfig)>,
    /// The generation of each collaborator's current connection.
    collaborator_connections: std::collections::HashMap<String, u64>,
}

impl Driver {
    pub(crate) fn new(
        app: CustomerApp,
        config: Arc<EngineConfig>,
        published: Arc<Published>,
        eula_store: Arc<dyn EulaStore>,
        requests: mpsc::UnboundedReceiver<Request>,
    ) -> Driver {
        let (reports_tx, reports) = mpsc::unbounded_channel();
        Driver {
            app,
            config,
            published,
            eula_store,
            requests,
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
            pending_collaborators: Vec::new(),
            collaborator_connections: Default::default(),
        }
    }

    pub(crate) async fn run(mut self) {
        let mut stats_tick = tokio::time::interval(std::time::Duration::from_secs(1));
        // Once shutdown is asked for: who to tell, and until when core may still deliver
        // what it queued for a socket that is being opened.
        let mut shutting_down: Option<(oneshot::Sender<()>, Instant)> = None;
        loop {
            let mut wake_at = self.drain().await;
            if let Some((_, deadline)) = &shutting_down {
                let owes = self.app.session().has_undelivered_messages();
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
            let wake = next_wake(
                &mut self.requests,
                &mut self.reports,
                wake_at,
                &mut stats_tick,
            );
            match wake.await {
                Wake::Request(Request::Act(input)) => self.act(input),
                Wake::Request(Request::Intent(intent)) => self.intent(intent),
                Wake::Request(Request::Shutdown(done)) => {
                    if shutting_down.is_none() {
                        shutting_down = Some((done, Instant::now() + FLUSH_GRACE));
                    }
                }
                Wake::Report((generation, report)) => self.on_report(generation, report).await,
                Wake::Deadline => self.feed(Input::Timeout),
                Wake::StatsTick => self.refresh_stats(),
            }
        }
    }

    /// Carries out everything the app asked for; returns when to wake it next.
    async fn drain(&mut self) -> Instant {
        loop {
            match self.app.poll_output() {
                AppOutput::Command(command) => self.execute(command).await,
                AppOutput::Event(event) => self.published.listeners.publish(event),
                // The first screen is published before the driver starts; the model queues it
                // too, and a subscriber should not draw it twice.
                AppOutput::Screen(screen) if screen == self.published.app.current() => {}
                AppOutput::Screen(screen) => {
                    debug!(screen = screen.name(), "screen");
                    self.published.app.publish(AppUpdate::Screen(screen));
                }
                AppOutput::Effect(effect) => self.carry_out(effect),
                AppOutput::Timeout(at) => return at,
            }
        }
    }

    fn feed(&mut self, input: Input) {
        // Inputs from the world that do not fit are ignored by the machine, never refused.
        let _ = self
            .app
            .handle_input(AppInput::Session(input), Instant::now());
    }

    /// The app's action through the older API. It was admitted against the state the app was
    /// last shown; the session may have moved on since (the technician ended it a moment
    /// before).
    fn act(&mut self, input: Input) {
        if let Err(refused) = self
            .app
            .handle_input(AppInput::Session(input), Instant::now())
        {
            info!("the app's action came too late: {refused}");
        }
    }

    /// The customer's tap. A tap the screen did not offer changes nothing: the screen the
    /// shell draws next is the truth, so the refusal is only worth a log line.
    fn intent(&mut self, intent: Intent) {
        let name = intent_name(&intent);
        if let Err(refused) = self
            .app
            .handle_input(AppInput::Intent(intent), Instant::now())
        {
            info!(intent = name, "the customer's tap was refused: {refused}");
        }
    }

    /// The microphone, camera and torch effects are the engine's to carry out, through the
    /// same controls as [`crate::Engine::set_microphone_muted`], `switch_camera` and
    /// `set_torch`; the others only the shell can do, so they go to its subscribers.
    fn carry_out(&mut self, effect: Effect) {
        match effect {
            Effect::SetMicrophoneMuted { muted } => {
                self.config.media.controls.set_microphone_muted(muted)
            }
            Effect::SwitchCamera => self.customer_camera(CameraControl::SwitchCamera),
            Effect::SetTorch { on } => self.customer_camera(torch(on)),
            Effect::RequestPermissions | Effect::OpenSystemSettings | Effect::SaveTutorialSeen => {
                self.published.app.publish(AppUpdate::Effect(effect))
            }
        }
    }

    fn customer_camera(&self, control: CameraControl) {
        if let Err(refusal) = app_camera_control(&self.config, self.app.camera(), control) {
            // The screen offers only what the open camera can do (`Intent::CameraOpened`),
            // so this is a shell that did not say, or a camera that failed; the log says.
            warn!(
                control = control.name(),
                "the customer's camera control failed: {refusal}"
            );
        }
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
                    self.config.server.clone(),
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
                    &self.config.server,
                    token.as_str(),
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
            Command::StartMedia {
                camera,
                microphone,
                ice,
            } => self.start_media(camera, microphone, ice),
            Command::CheckSignalling => {
                if let Some((_, connection)) = &self.signalling {
                    connection.check();
                }
            }
            Command::RestartIce => {
                if let Some((_, media)) = &self.media {
                    match media.restart_ice().await {
                        Ok(offer) => self.feed(Input::LocalOffer(offer)),
                        // The session's recovery timer tries again, then gives up in words.
                        Err(e) => warn!("could not restart ICE: {e}"),
                    }
                }
            }
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
            Command::SetVideoPaused { paused } => {
                self.config.media.handles.set_video_paused(paused);
            }
            Command::CameraControl(control) => {
                let result = app_camera_control(&self.config, self.app.camera(), control)
                    .map_err(|e| e.to_string());
                if let Err(refusal) = &result {
                    info!(
                        control = control.name(),
                        "the technician's camera control was refused: {refusal}"
                    );
                }
                self.feed(Input::CameraControlResult { control, result });
            }
            Command::StartCollaboratorMedia { .. }
            | Command::StopCollaboratorMedia { .. }
            | Command::ApplyCollaboratorAnswer { .. }
            | Command::AddCollaboratorCandidate { .. } => self.collaborator_command(command).await,
            Command::StopMedia => {
                self.pending_collaborators.clear();
                self.collaborator_connections.clear();
                // Any start still under way becomes stale and is closed when it reports.
                self.media_generation = self.generation();
                if let Some((_, media)) = self.media.take() {
                    *self.published.stats.lock().expect("stats lock") = Some(media.stats());
                    media.close().await;
                    info!("media stopped");
                }
            }
        }
    }

    fn start_media(&mut self, camera: bool, microphone: bool, ice: IceConfig) {
        self.media_generation = self.generation();
        let generation = self.media_generation;
        let mut config = self.config.media.clone();
        // The server's servers (with this call's credentials) after any configured locally.
        config.ice_servers.extend(media_ice_servers(&ice));
        let negotiation = Negotiation {
            trickle: true,
            relay_only: ice.relay_only,
        };
        let reports = self.reports_tx.clone();
        tokio::spawn(async move {
            let (peer_tx, mut peer_rx) = mpsc::unbounded_channel();
            let started =
                MediaSession::start_negotiated(config, camera, microphone, negotiation, peer_tx)
                    .await;
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
                    for (peer, talk, ice) in std::mem::take(&mut self.pending_collaborators) {
                        self.start_collaborator(peer, talk, ice).await;
                    }
                }
                // Stopped while it was starting: close it without a word to the machine.
                Ok((media, _)) => media.close().await,
                Err(e) if generation == self.media_generation => {
                    warn!("media could not start: {e}");
                    self.feed(Input::PeerFailed);
                }
                Err(_) => {}
            },
            Report::Collaborator(peer, connection, event) => {
                if generation == self.media_generation {
                    self.on_collaborator_event(peer, connection, event);
                }
            }
            Report::Peer(event) => {
                if generation != self.media_generation {
                    return;
                }
                match event {
                    PeerEvent::Connected => self.feed(Input::PeerConnected),
                    // The session restarts ICE while live; it ends only after its grace.
                    PeerEvent::Disconnected => {
                        info!("media connection interrupted");
                        self.feed(Input::PeerInterrupted)
                    }
                    PeerEvent::Failed | PeerEvent::Closed => self.feed(Input::PeerFailed),
                    PeerEvent::IceServerError { url, code, text } => {
                        self.feed(Input::IceServerError { url, code, text })
                    }
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

    fn refresh_stats(&mut self) {
        if let Some(stats) = self.media.as_ref().map(|(_, media)| media.stats()) {
            *self.published.stats.lock().expect("stats lock") = Some(stats);
            // Core shows them to the customer and sends them to the technician while live.
            if stats.link != Default::default() {
                self.feed(Input::MediaStats(stats.link));
            }
        }
    }
}

/// The server's STUN and TURN servers in the engine's form: one entry per URL.
fn media_ice_servers(ice: &IceConfig) -> Vec<IceServer> {
    ice.ice_servers
        .iter()
        .flat_map(|server| {
            server.urls.iter().map(|url| IceServer {
                url: url.clone(),
                username: server.username.clone().unwrap_or_default(),
                credential: server.credential.clone().unwrap_or_default(),
            })
        })
        .collect()
}

/// The intent's kind for the log, never what the customer typed (a PIN is a secret while
/// its session runs).
fn intent_name(intent: &Intent) -> &'static str {
    match intent {
        Intent::TutorialNext => "tutorial_next",
        Intent::TutorialSkip => "tutorial_skip",
        Intent::AllowPermissions => "allow_permissions",
        Intent::PermissionsAnswered { .. } => "permissions_answered",
        Intent::OpenSettings => "open_settings",
        Intent::JoinWithoutMicrophone => "join_without_microphone",
        Intent::Typed { .. } => "typed",
        Intent::Join => "join",
        Intent::OpenedLink { .. } => "opened_link",
        Intent::Accept { .. } => "accept",
        Intent::Decline => "decline",
        Intent::SetMuted { .. } => "set_muted",
        Intent::SetVideoPaused { .. } => "set_video_paused",
        Intent::SwitchCamera => "switch_camera",
        Intent::SetTorch { .. } => "set_torch",
        Intent::CameraOpened { .. } => "camera_opened",
        Intent::Leave => "leave",
        Intent::BackToStart => "back_to_start",
    }
}
