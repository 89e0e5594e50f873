//! The customer's session, sans-IO (in the manner of str0m): feed it with
//! [`CustomerSession::handle_input`] and drain [`CustomerSession::poll_output`] until it
//! answers [`Output::Timeout`]. It never reads a clock, opens a socket or spawns a thread,
//! so tests run half an hour of waiting in microseconds.
//!
//! Both orders of the seed flows are accepted: the PIN flow (the app asks for permissions,
//! then the customer types the PIN, then accepts the EULA) and the link flow (the link opens
//! the app with the PIN, then permissions, then the EULA).
//!
//! Privacy invariant: [`Command::StartMedia`] is the only command that makes media leave the
//! device, and it is output only while the customer's acceptance of *this* session's EULA is
//! recorded and the technician has started the session.

mod admits;
mod camera;
pub use camera::{NO_OTHER_CAMERA, NO_TORCH};
mod collaborators;
mod media_link;
mod reconnect;
mod server;
mod types;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

pub use types::*;

use crate::eula::{EulaRecord, is_accepted};
use crate::pin::Pin;
use crate::signal::{CustomerMessage, EndReason, JoinResponse};
use collaborators::Collaborators;
use media_link::MediaRecovery;
use reconnect::Reconnect;

/// How far ahead [`Output::Timeout`] points when no deadline is pending: the engine only
/// needs *a* time to sleep until.
const IDLE_WAKE: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Signalling {
    Closed,
    Connecting,
    Connected,
}

/// The customer's side of one Lens session.
pub struct CustomerSession {
    config: SessionConfig,
    state: SessionState,
    now: Instant,
    stored_eula: Option<EulaRecord>,
    /// `(camera, microphone)` once the platform answered the permission requests.
    permissions: Option<(bool, bool)>,
    join: Option<JoinResponse>,
    /// The customer accepted the EULA of `join` (by tapping, or earlier for the same version).
    eula_accepted: bool,
    media_running: bool,
    /// Who paused the customer's video, if it is paused; told to the technician, and kept
    /// across a hold and a restart of media like the pause itself.
    paused_by: Option<PausedBy>,
    signalling: Signalling,
    /// Messages for the server while the socket is not connected, sent in order on connect.
    outbox: VecDeque<CustomerMessage>,
    /// The session ended with messages still in `outbox` (a decline before the socket was
    /// up): close the socket once they are delivered.
    close_after_flush: bool,
    reconnect: Option<Reconnect>,
    /// The media path broke while live and ICE is being restarted.
    media_recovery: Option<MediaRecovery>,
    /// A recovery ended with a new peer connection: "reconnected" is said once it is up.
    restored_owed: bool,
    /// A [`Command::RestartIce`] went out: the next local offer is the restart's.
    ice_restart_offer_owed: bool,
    /// An ICE restart's offer went to the technician and its answer is not back yet.
    restart_offer_unanswered: bool,
    /// The network changed while [`Self::restart_offer_unanswered`]: restart again once that
    /// answer is in (see `media_link.rs`).
    restart_when_answered: bool,
    /// The collaborating technicians the server announced (see `collaborators.rs`).
    collaborators: Collaborators,
    /// The last [`SessionEvent::Watching`] count said.
    watchers_announced: u32,
    /// The current state's deadline (resolve, waiting or connect).
    deadline: Option<Instant>,
    outputs: VecDeque<Output>,
}

impl CustomerSession {
    /// `stored_eula` is what the host's EULA store holds (see
    /// [`crate::eula::stored_acceptance`]): a matching version is not asked again.
    pub fn new(config: SessionConfig, stored_eula: Option<EulaRecord>, now: Instant) -> Self {
        CustomerSession {
            config,
            state: SessionState::Idle,
            now,
            stored_eula,
            permissions: None,
            join: None,
            eula_accepted: false,
            media_running: false,
            paused_by: None,
            signalling: Signalling::Closed,
            outbox: VecDeque::new(),
            close_after_flush: false,
            reconnect: None,
            media_recovery: None,
            restored_owed: false,
            ice_restart_offer_owed: false,
            restart_offer_unanswered: false,
            restart_when_answered: false,
            collaborators: Collaborators::new(),
            watchers_announced: 0,
            deadline: None,
            outputs: VecDeque::new(),
        }
    }

    pub fn state(&self) -> &SessionState {
        &self.state
    }

    /// Whether the video is paused as decided here (by the customer or the technician).
    pub fn video_paused(&self) -> bool {
        self.paused_by.is_some()
    }

    /// Who paused the video, if it is paused.
    pub fn paused_by(&self) -> Option<PausedBy> {
        self.paused_by
    }

    /// Messages are waiting for a socket that is still being opened (a decline typed before
    /// the connection was up): a host shutting down should give them a moment to leave.
    pub fn has_undelivered_messages(&self) -> bool {
        !self.outbox.is_empty() && self.signalling == Signalling::Connecting
    }

    /// Feeds one input. A customer action that does not fit the current state is refused
    /// with [`NotNow`] and changes nothing; anything from the server or the media driver that
    /// does not fit (late, duplicated) is ignored.
    pub fn handle_input(&mut self, input: Input, now: Instant) -> Result<(), NotNow> {
        self.now = self.now.max(now);
        self.state.admits(&input)?;
        match input {
            Input::Join(pin) => self.on_join(pin),
            Input::PermissionsAnswered { camera, microphone } => {
                self.on_permissions(camera, microphone)
            }
            Input::AcceptEula { at_unix_ms } => self.on_accept_eula(at_unix_ms),
            Input::DeclineEula => self.on_decline_eula(),
            Input::Leave => self.leave(Ended::Session(EndReason::CustomerLeft)),
            Input::VideoPaused { paused } => self.on_customer_paused(paused),
            Input::CameraControlResult { control, result } => {
                self.on_camera_control_result(control, result)
            }
            Input::Resolved(response) => self.on_resolved(response),
            Input::ResolveFailed(failure) => self.on_resolve_failed(failure),
            Input::SignallingConnected => self.on_signalling_connected(),
            Input::SignallingLost => self.on_signalling_lost(),
            Input::FromServer(message) => self.on_server_message(message),
            Input::LocalOffer(sdp) => {
                if self.media_running {
                    let ice_restart = self.take_ice_restart_offer();
                    self.restart_offer_unanswered |= ice_restart;
                    self.send(CustomerMessage::Offer { sdp, ice_restart });
                    // Paused before the technician started: say so with the first offer.
                    if let Some(by) = self.paused_by.filter(|_| !ice_restart) {
                        self.send(CustomerMessage::MediaState {
                            video_paused: true,
                            paused_by: Some(by),
                        });
                    }
                }
            }
            Input::LocalCandidate(candidate) => {
                if self.media_running {
                    self.send(CustomerMessage::Candidate { candidate });
                }
            }
            Input::DeviceFailed {
                device,
                problem,
                detail,
            } => {
                // Only while media runs: a late report from a stopped session means nothing.
                if self.media_running {
                    self.event(SessionEvent::DeviceProblem {
                        device,
                        problem,
                        detail: detail.clone(),
                    });
                    self.send(CustomerMessage::DeviceProblem {
                        device,
                        problem,
                        detail,
                    });
                }
            }
            Input::PeerConnected => {
                if self.state == SessionState::Connecting {
                    self.deadline = None;
                    self.set_state(SessionState::Live);
                }
                if self.state == SessionState::Live {
                    self.on_media_path_restored();
                }
            }
            Input::PeerInterrupted => self.on_media_path_broken(false),
            Input::PeerFailed => match self.state {
                SessionState::Connecting => self.leave(Ended::Session(EndReason::MediaFailed)),
                SessionState::Live => self.on_media_path_broken(false),
                _ => {}
            },
            Input::NetworkChanged => self.on_media_path_broken(true),
            Input::IceServerError { url, code, text } => {
                if self.media_running {
                    self.send(CustomerMessage::IceServerError { url, code, text });
                }
            }
            Input::MediaStats(stats) => {
                if self.state == SessionState::Live {
                    // Not queued while signalling is down: a stale second is worth nothing.
                    if self.signalling == Signalling::Connected {
                        self.command(Command::Send(CustomerMessage::Stats { stats }));
                    }
                    self.event(SessionEvent::LinkStats(stats));
                }
            }
            Input::CollaboratorOffer { peer, sdp } => self.on_collaborator_offer(peer, sdp),
            Input::CollaboratorCandidate { peer, candidate } => {
                self.on_collaborator_local_candidate(peer, candidate)
            }
            Input::CollaboratorConnected { peer } => self.on_collaborator_connected(&peer),
            Input::CollaboratorInterrupted { peer } => self.on_collaborator_interrupted(&peer),
            Input::CollaboratorMediaFailed { peer } => self.on_collaborator_media_failed(&peer),
            Input::Timeout => self.on_timeout(),
        }
        Ok(())
    }

    /// The next thing to do, or the time to call back.
    pub fn poll_output(&mut self) -> Output {
        if let Some(output) = self.outputs.pop_front() {
            return output;
        }
        let next = [
            self.deadline,
            self.reconnect.as_ref().map(Reconnect::next_deadline),
            self.media_recovery_deadline(),
            self.collaborator_renewal_deadline(),
        ]
        .into_iter()
        .flatten()
        .min();
        Output::Timeout(next.unwrap_or(self.now + IDLE_WAKE))
    }

    // ---- customer actions (admitted by `SessionState::admits`) ------------------------

    fn on_join(&mut self, pin: Pin) {
        // A new join starts afresh; only the permissions, the stored EULA and the customer's
        // own pause carry over.
        self.forget_technicians_pause();
        self.collaborators.clear();
        self.join = None;
        self.eula_accepted = false;
        self.outbox.clear();
        self.close_after_flush = false;
        self.reconnect = None;
        self.command(Command::ResolvePin(pin));
        self.deadline = Some(self.now + self.config.resolve_timeout);
        self.set_state(SessionState::ResolvingPin);
    }

    fn on_permissions(&mut self, camera: bool, microphone: bool) {
        self.permissions = Some((camera, microphone));
        if !camera && !microphone && self.join.is_some() {
            self.leave(Ended::PermissionsDenied);
        } else {
            self.advance();
        }
    }

    fn on_accept_eula(&mut self, at_unix_ms: i64) {
        let SessionState::NeedsEula { eula, .. } = &self.state else {
            return;
        };
        let record = EulaRecord {
            version: eula.version.clone(),
            accepted_at_unix_ms: at_unix_ms,
        };
        self.stored_eula = Some(record.clone());
        self.command(Command::SaveEula(record));
        self.accept_eula();
    }

    fn on_decline_eula(&mut self) {
        let SessionState::NeedsEula { eula, .. } = &self.state else {
            return;
        };
        let version = eula.version.clone();
        self.send(CustomerMessage::EulaDeclined { version });
        self.end(Ended::Session(EndReason::EulaDeclined));
    }

    fn on_timeout(&mut self) {
        self.on_media_recovery_timeout();
        self.renew_collaborators_due();
        let now = self.now;
        if let Some(reconnect) = &mut self.reconnect {
            if reconnect.gave_up(now) {
                self.reconnect = None;
                self.end(Ended::Session(EndReason::ConnectionLost));
                return;
            }
            if reconnect.due(now) {
                let token = self.join.as_ref().map(|j| j.customer_token.as_str().into());
                if let Some(token) = token {
                    self.signalling = Signalling::Connecting;
                    self.command(Command::ConnectSignalling { token });
                }
            }
        }
        if self.deadline.is_some_and(|deadline| deadline <= now) {
            self.deadline = None;
            match self.state {
                SessionState::ResolvingPin => self.end(Ended::ServerUnreachable),
                SessionState::WaitingForTechnician { .. } => {
                    self.leave(Ended::Session(EndReason::WaitingTimedOut))
                }
                SessionState::Connecting => self.leave(Ended::Session(EndReason::MediaFailed)),
                _ => {}
            }
        }
    }

    // ---- the flow ---------------------------------------------------------------------

    /// Moves to whichever step the collected facts call for. Both seed orders end up here.
    fn advance(&mut self) {
        let Some(join) = &self.join else { return };
        if self.permissions.is_none() {
            self.set_state(SessionState::NeedsPermissions);
            return;
        }
        if !self.eula_accepted {
            if is_accepted(self.stored_eula.as_ref(), &join.eula) {
                self.accept_eula();
            } else {
                let state = SessionState::NeedsEula {
                    eula: join.eula.clone(),
                    technician_name: join.technician_name.clone(),
                };
                self.set_state(state);
            }
        }
    }

    fn accept_eula(&mut self) {
        let Some(join) = &self.join else { return };
        let version = join.eula.version.clone();
        let technician_name = join.technician_name.clone();
        self.eula_accepted = true;
        self.send(CustomerMessage::EulaAccepted { version });
        self.deadline = Some(self.now + self.config.waiting_timeout);
        self.set_state(SessionState::WaitingForTechnician { technician_name });
    }

    /// Tells the server the customer is gone (when it knows the session), then ends.
    fn leave(&mut self, reason: Ended) {
        if self.join.is_some() {
            self.send(CustomerMessage::Leave);
        }
        self.end(reason);
    }

    fn end(&mut self, reason: Ended) {
        if matches!(self.state, SessionState::Ended { .. }) {
            return;
        }
        self.stop_media(true);
        self.forget_media_recovery();
        self.deadline = None;
        self.reconnect = None;
        match self.signalling {
            // Deliver what is queued (a decline, a leave) before closing.
            Signalling::Connecting if !self.outbox.is_empty() => self.close_after_flush = true,
            Signalling::Connecting | Signalling::Connected => self.close_signalling(),
            Signalling::Closed => self.outbox.clear(),
        }
        self.set_state(SessionState::Ended { reason });
    }

    /// Stops every connection (the lead's and the collaborators'). `forget_collaborators`
    /// on an end or a transfer; a hold keeps them for the resume.
    fn stop_media(&mut self, forget_collaborators: bool) {
        if self.media_running {
            self.media_running = false;
            self.command(Command::StopMedia);
        }
        self.collaborators_media_stopped(forget_collaborators);
        self.announce_no_watchers();
    }

    // ---- outputs ----------------------------------------------------------------------

    fn send(&mut self, message: CustomerMessage) {
        if self.signalling == Signalling::Connected {
            self.command(Command::Send(message));
        } else {
            self.outbox.push_back(message);
        }
    }

    fn close_signalling(&mut self) {
        self.signalling = Signalling::Closed;
        self.outbox.clear();
        self.command(Command::CloseSignalling);
    }

    fn set_state(&mut self, state: SessionState) {
        if self.state != state {
            self.state = state.clone();
            self.event(SessionEvent::StateChanged(state));
        }
    }

    fn command(&mut self, command: Command) {
        self.outputs.push_back(Output::Command(command));
    }

    fn event(&mut self, event: SessionEvent) {
        self.outputs.push_back(Output::Event(event));
    }
}

#[cfg(test)]
mod tests;
