//! The server's answers: the join look-up, the signalling socket coming and going, and
//! the messages the server relays (Start, Hold, the technician's answer, End).

use super::reconnect::Reconnect;
use super::{
    Command, CustomerSession, Ended, ResolveFailure, SessionEvent, SessionState, Signalling,
};
use crate::signal::{
    CustomerMessage, EndReason, IceConfig, JoinResponse, ServerToCustomer, SessionStatus,
};

/// Longest technician name a transfer may put on the customer's screen (the server's
/// display names are shorter; a longer one is cut, not refused).
const MAX_TECHNICIAN_NAME_CHARS: usize = 100;

impl CustomerSession {
    pub(super) fn on_resolved(&mut self, response: JoinResponse) {
        if self.state != SessionState::ResolvingPin {
            return;
        }
        self.deadline = None;
        self.signalling = Signalling::Connecting;
        self.command(Command::ConnectSignalling {
            token: response.customer_token.as_str().into(),
        });
        self.join = Some(response);
        if self.permissions == Some((false, false)) {
            self.leave(Ended::PermissionsDenied);
        } else {
            self.advance();
        }
    }

    pub(super) fn on_resolve_failed(&mut self, failure: ResolveFailure) {
        if self.state != SessionState::ResolvingPin {
            return;
        }
        self.end(match failure {
            ResolveFailure::Refused(refusal) => Ended::JoinRefused(refusal),
            ResolveFailure::Unreachable(_) => Ended::ServerUnreachable,
        });
    }

    pub(super) fn on_signalling_connected(&mut self) {
        if self.signalling == Signalling::Closed && !self.close_after_flush {
            return; // a late answer to a socket we already gave up on
        }
        self.signalling = Signalling::Connected;
        if self.reconnect.take().is_some() {
            self.restate_media_recovery();
            self.announce_if_reconnected();
            if self.media_running {
                self.drop_negotiation_of_replaced_connections();
            }
        }
        while let Some(message) = self.outbox.pop_front() {
            self.command(Command::Send(message));
        }
        if self.close_after_flush {
            self.close_after_flush = false;
            self.close_signalling();
        }
    }

    /// The server answers a socket that came back during a started session with Start, and
    /// a new peer connection replaces every one there is: the offers and candidates still
    /// queued belong to the ones being replaced. Sent, they would be answered, and an answer
    /// to the old connection's offer, arriving after the new one was made, is applied to the
    /// new one (which then refuses its own answer, or has none to take) and the session ends
    /// as a failed connection. So they are dropped here, before the flush.
    fn drop_negotiation_of_replaced_connections(&mut self) {
        self.outbox.retain(|message| {
            !matches!(
                message,
                CustomerMessage::Offer { .. }
                    | CustomerMessage::Candidate { .. }
                    | CustomerMessage::PeerOffer { .. }
                    | CustomerMessage::PeerCandidate { .. }
            )
        });
    }

    pub(super) fn on_signalling_lost(&mut self) {
        if matches!(self.state, SessionState::Ended { .. }) || self.join.is_none() {
            self.outbox.clear();
            self.close_after_flush = false;
            self.signalling = Signalling::Closed;
            return;
        }
        self.signalling = Signalling::Closed;
        let reconnect = match self.reconnect.take() {
            Some(previous) => previous.failed_again(self.now, &self.config),
            None => Reconnect::start(self.now, &self.config),
        };
        // The media path's own recovery already told the customer; the signalling attempt
        // counts on.
        self.event(SessionEvent::Reconnecting {
            attempt: reconnect.attempt(),
        });
        self.reconnect = Some(reconnect);
    }

    pub(super) fn on_server_message(&mut self, message: ServerToCustomer) {
        if matches!(self.state, SessionState::Ended { .. }) {
            return;
        }
        match message {
            ServerToCustomer::Welcome {
                status,
                technician_name,
                ..
            } => {
                match status {
                    SessionStatus::Closed => self.end(Ended::Session(EndReason::ConnectionLost)),
                    SessionStatus::Expired => self.end(Ended::Session(EndReason::PinExpired)),
                    // The server follows this Welcome with an End saying which timeout it was.
                    SessionStatus::TimedOut => {}
                    // Put on hold while this app was away: its media must not come back.
                    SessionStatus::OnHold => self.on_hold(),
                    SessionStatus::Pending | SessionStatus::Waiting | SessionStatus::Active => {}
                }
                // Handed to a colleague while this app was away: as if it had been told.
                if let Some(name) = technician_name
                    && self
                        .join
                        .as_ref()
                        .is_some_and(|join| join.technician_name != name)
                {
                    self.on_transferred(name);
                }
            }
            ServerToCustomer::Start { ice } => self.on_start(ice),
            ServerToCustomer::Hold => self.on_hold(),
            ServerToCustomer::Transferred { technician_name } => {
                self.on_transferred(technician_name)
            }
            ServerToCustomer::Answer { sdp } => {
                if self.media_running {
                    self.command(Command::ApplyAnswer(sdp));
                    self.restart_offer_answered();
                }
            }
            ServerToCustomer::Candidate { candidate } => {
                if self.media_running {
                    self.command(Command::AddRemoteCandidate(candidate));
                }
            }
            ServerToCustomer::End { reason } => self.end(Ended::Session(reason)),
            // Informational: the engine logs it; the session goes on.
            ServerToCustomer::Error { .. } => {}
            ServerToCustomer::CameraControl { control } => self.on_camera_control(control),
            ServerToCustomer::CollaboratorJoined {
                peer,
                technician_name,
                talk,
                ice,
            } => self.on_collaborator_joined(peer, technician_name, talk, ice),
            ServerToCustomer::CollaboratorLeft { peer } => self.on_collaborator_left(&peer),
            ServerToCustomer::PeerAnswer { peer, sdp } => self.on_collaborator_answer(peer, sdp),
            ServerToCustomer::PeerCandidate { peer, candidate } => {
                self.on_collaborator_remote_candidate(peer, candidate)
            }
        }
    }

    /// The technician clicked Start. A Start while already connecting or live (the server
    /// repeats it after a reconnect, when the console may have lost its peer) restarts the
    /// media connection with a fresh offer.
    pub(super) fn on_start(&mut self, ice: IceConfig) {
        let restart = match self.state {
            SessionState::WaitingForTechnician { .. } => false,
            SessionState::Connecting | SessionState::Live => true,
            // Before the EULA is accepted a Start is a server bug: never act on it.
            _ => return,
        };
        debug_assert!(self.eula_accepted);
        if restart {
            self.stop_media(false);
        }
        self.media_replaced();
        self.forget_restart_offers();
        let (camera, microphone) = self.permissions.unwrap_or((false, false));
        self.media_running = true;
        self.command(Command::StartMedia {
            camera,
            microphone,
            ice,
        });
        self.start_collaborators();
        self.deadline = Some(self.now + self.config.connect_timeout);
        self.set_state(SessionState::Connecting);
    }

    /// The technician put the session on hold: media stops (nothing leaves the device), the
    /// session stays, and the app waits for the technician again; the server's `start`
    /// resumes it the way the first Start did. No client-side waiting deadline: the
    /// server's idle timeout bounds a hold.
    pub(super) fn on_hold(&mut self) {
        if !matches!(self.state, SessionState::Connecting | SessionState::Live) {
            return;
        }
        self.stop_media(false);
        self.forget_media_recovery();
        self.deadline = None;
        let technician_name = self
            .join
            .as_ref()
            .map(|j| j.technician_name.clone())
            .unwrap_or_default();
        self.set_state(SessionState::WaitingForTechnician { technician_name });
    }

    /// The session now belongs to another technician: the app shows their name from now on
    /// and waits for their Start as after a hold. A transfer before the first Start only
    /// changes the name the Waiting screen shows.
    pub(super) fn on_transferred(&mut self, technician_name: String) {
        let waiting = matches!(
            self.state,
            SessionState::WaitingForTechnician { .. }
                | SessionState::Connecting
                | SessionState::Live
        );
        if !waiting {
            return;
        }
        // The server's words reach a screen: bounded like every name it sends.
        let technician_name: String = technician_name
            .chars()
            .take(MAX_TECHNICIAN_NAME_CHARS)
            .collect();
        if let Some(join) = self.join.as_mut() {
            join.technician_name.clone_from(&technician_name);
        }
        self.event(SessionEvent::Transferred {
            technician_name: technician_name.clone(),
        });
        if matches!(self.state, SessionState::WaitingForTechnician { .. }) {
            self.set_state(SessionState::WaitingForTechnician { technician_name });
        } else {
            self.on_hold();
        }
        // The server ends every collaboration with a transfer; the new lead invites anew.
        self.collaborators_media_stopped(true);
    }
}
