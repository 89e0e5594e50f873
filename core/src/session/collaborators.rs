//! Collaborating technicians (seed 004): each gets a peer connection of its own from the
//! phone, carrying the same encoded camera as the lead's. The phone decides, not the server:
//! a collaborator's connection exists only while the lead's media runs (licence accepted,
//! session started, not on hold), and a collaborator without the talk permission is never
//! heard. A collaborator's connection that fails, or loses its path for a few seconds, is
//! replaced by a new one, and every collaborator gets a new one at once when the phone's
//! network changes, as the lead's connection restarts ICE (`media_link.rs`): their console
//! answers each new offer.

use std::collections::BTreeMap;
use std::time::Instant;

use super::{Command, CustomerSession, SessionEvent};
use crate::signal::{CustomerMessage, IceCandidate, IceConfig, MAX_TECHNICIANS_PER_SESSION};

/// Longest collaborator id accepted from the server (its own ids are far shorter).
const MAX_PEER_ID_CHARS: usize = 64;
/// Longest collaborator name put on the customer's screen; a longer one is cut.
const MAX_NAME_CHARS: usize = 100;
/// New connections offered to a collaborator whose connections keep failing, one every
/// `ice_restart_interval` (5 s): about as long as the lead's own media is given to recover
/// (`media_reconnect_grace`, 30 s). After that their console's reconnect starts afresh.
const MAX_RENEWALS: u32 = 6;

/// One collaborating technician as the app knows them.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Collaborator {
    name: String,
    talk: bool,
    ice: IceConfig,
    /// Their peer connection exists (started and not stopped since).
    media: bool,
    /// When a failed connection is offered again.
    renew_at: Option<Instant>,
    /// Connections that failed since the last one that came up.
    failures: u32,
}

/// The collaborators the server announced, by peer id.
pub(super) type Collaborators = BTreeMap<String, Collaborator>;

impl CustomerSession {
    pub(super) fn on_collaborator_joined(
        &mut self,
        peer: String,
        technician_name: String,
        talk: bool,
        ice: IceConfig,
    ) {
        // Before the licence is accepted there is nothing a collaborator may see; the server
        // repeats the announcement once the session is live.
        if !self.eula_accepted || !valid_peer_id(&peer) {
            return;
        }
        let name: String = technician_name.chars().take(MAX_NAME_CHARS).collect();
        if let Some(known) = self.collaborators.get_mut(&peer) {
            if known.talk == talk {
                // A repeat (after a resume or a reconnect of this app's socket).
                known.name = name;
                known.ice = ice;
                return;
            }
            // The lead changed the talk permission: the audio direction is negotiated, so a
            // new connection replaces the old one.
            known.talk = talk;
            known.ice = ice;
            if known.media {
                known.media = false;
                self.command(Command::StopCollaboratorMedia { peer: peer.clone() });
                self.start_collaborator(&peer);
            }
            return;
        }
        // The lead plus four: the phone encodes once but sends to each, and the server
        // enforces the same limit.
        if self.collaborators.len() + 1 >= MAX_TECHNICIANS_PER_SESSION {
            return;
        }
        self.collaborators.insert(
            peer.clone(),
            Collaborator {
                name,
                talk,
                ice,
                media: false,
                renew_at: None,
                failures: 0,
            },
        );
        if self.media_running {
            self.start_collaborator(&peer);
        }
    }

    pub(super) fn on_collaborator_left(&mut self, peer: &str) {
        if let Some(gone) = self.collaborators.remove(peer)
            && gone.media
        {
            self.command(Command::StopCollaboratorMedia {
                peer: peer.to_owned(),
            });
            self.announce_watchers();
        }
    }

    pub(super) fn on_collaborator_connected(&mut self, peer: &str) {
        if let Some(collaborator) = self.collaborators.get_mut(peer)
            && collaborator.media
        {
            collaborator.renew_at = None;
            collaborator.failures = 0;
        }
    }

    /// The collaborator's connection lost its path: it gets `ice_restart_interval` to come
    /// back by itself before a new one replaces it (as the lead's restarts ICE).
    pub(super) fn on_collaborator_interrupted(&mut self, peer: &str) {
        let renew_at = self.now + self.config.ice_restart_interval;
        if let Some(collaborator) = self.collaborators.get_mut(peer)
            && collaborator.media
        {
            collaborator.renew_at.get_or_insert(renew_at);
        }
    }

    /// The collaborator's connection failed: it is closed, and a new one is offered when
    /// `ice_restart_interval` has passed since it broke (their network, or the phone's, may
    /// be back by then).
    pub(super) fn on_collaborator_media_failed(&mut self, peer: &str) {
        let renew_at = self.now + self.config.ice_restart_interval;
        if let Some(collaborator) = self.collaborators.get_mut(peer)
            && collaborator.media
        {
            collaborator.media = false;
            collaborator.renew_at.get_or_insert(renew_at);
            self.command(Command::StopCollaboratorMedia {
                peer: peer.to_owned(),
            });
            self.announce_watchers();
        }
    }

    /// The phone's network changed: every collaborator's connection gathered on interfaces
    /// that may be gone, so each gets a new one now rather than after it fails.
    pub(super) fn renew_collaborators_now(&mut self) {
        let peers: Vec<String> = self
            .collaborators
            .iter()
            .filter(|(_, c)| c.media || c.renew_at.is_some())
            .map(|(peer, _)| peer.clone())
            .collect();
        for peer in peers {
            if let Some(collaborator) = self.collaborators.get_mut(&peer) {
                collaborator.failures = 0;
                if std::mem::take(&mut collaborator.media) {
                    self.command(Command::StopCollaboratorMedia { peer: peer.clone() });
                }
            }
            self.start_collaborator(&peer);
        }
    }

    /// The timer's share: replaces the broken connections whose time came, up to
    /// [`MAX_RENEWALS`] times in a row for a collaborator whose connections never come up.
    pub(super) fn renew_collaborators_due(&mut self) {
        let now = self.now;
        let due: Vec<String> = self
            .collaborators
            .iter()
            .filter(|(_, c)| c.renew_at.is_some_and(|at| at <= now))
            .map(|(peer, _)| peer.clone())
            .collect();
        for peer in due {
            let Some(collaborator) = self.collaborators.get_mut(&peer) else {
                continue;
            };
            collaborator.renew_at = None;
            if !self.media_running || collaborator.failures >= MAX_RENEWALS {
                continue;
            }
            collaborator.failures += 1;
            if std::mem::take(&mut collaborator.media) {
                self.command(Command::StopCollaboratorMedia { peer: peer.clone() });
            }
            self.start_collaborator(&peer);
        }
    }

    pub(super) fn collaborator_renewal_deadline(&self) -> Option<Instant> {
        self.collaborators.values().filter_map(|c| c.renew_at).min()
    }

    /// The lead's media started (Start, or resume after a hold): every collaborator gets
    /// a connection too. Called after [`Command::StartMedia`] is output, so the engine has
    /// the capture to share.
    pub(super) fn start_collaborators(&mut self) {
        let peers: Vec<String> = self.collaborators.keys().cloned().collect();
        for peer in peers {
            self.start_collaborator(&peer);
        }
        self.announce_watchers();
    }

    /// Media stopped (hold, transfer, end): the engine's StopMedia closed every connection.
    /// On a transfer or an end the collaborators are forgotten too (the server ends their
    /// collaboration); on a hold they stay and come back with the resume.
    pub(super) fn collaborators_media_stopped(&mut self, forget: bool) {
        for collaborator in self.collaborators.values_mut() {
            collaborator.media = false;
            collaborator.renew_at = None;
            collaborator.failures = 0;
        }
        if forget {
            self.collaborators.clear();
        }
    }

    fn start_collaborator(&mut self, peer: &str) {
        let Some(collaborator) = self.collaborators.get_mut(peer) else {
            return;
        };
        collaborator.media = true;
        collaborator.renew_at = None;
        let command = Command::StartCollaboratorMedia {
            peer: peer.to_owned(),
            talk: collaborator.talk,
            ice: collaborator.ice.clone(),
        };
        self.command(command);
        self.announce_watchers();
    }

    pub(super) fn on_collaborator_offer(&mut self, peer: String, sdp: String) {
        if self.collaborator_media(&peer) {
            self.send(CustomerMessage::PeerOffer { peer, sdp });
        }
    }

    pub(super) fn on_collaborator_local_candidate(
        &mut self,
        peer: String,
        candidate: IceCandidate,
    ) {
        if self.collaborator_media(&peer) {
            self.send(CustomerMessage::PeerCandidate { peer, candidate });
        }
    }

    pub(super) fn on_collaborator_answer(&mut self, peer: String, sdp: String) {
        if self.collaborator_media(&peer) {
            self.command(Command::ApplyCollaboratorAnswer { peer, sdp });
        }
    }

    pub(super) fn on_collaborator_remote_candidate(
        &mut self,
        peer: String,
        candidate: IceCandidate,
    ) {
        if self.collaborator_media(&peer) {
            self.command(Command::AddCollaboratorCandidate { peer, candidate });
        }
    }

    fn collaborator_media(&self, peer: &str) -> bool {
        self.media_running && self.collaborators.get(peer).is_some_and(|c| c.media)
    }

    /// How many technicians receive the customer's camera now: the lead while media runs,
    /// plus each collaborator with a connection.
    pub fn technicians_watching(&self) -> u32 {
        if !self.media_running {
            return 0;
        }
        let collaborators = self.collaborators.values().filter(|c| c.media).count();
        1 + u32::try_from(collaborators).unwrap_or(u32::MAX)
    }

    /// The names of the collaborators whose connection exists, for the customer's screen.
    pub fn collaborator_names(&self) -> Vec<String> {
        self.collaborators
            .values()
            .filter(|c| c.media && self.media_running)
            .map(|c| c.name.clone())
            .collect()
    }

    fn announce_watchers(&mut self) {
        let technicians = self.technicians_watching();
        if self.watchers_announced != technicians {
            self.watchers_announced = technicians;
            self.event(SessionEvent::Watching { technicians });
        }
    }

    /// Media stopped: zero watchers, said once.
    pub(super) fn announce_no_watchers(&mut self) {
        self.announce_watchers();
    }
}

/// The server's ids are short and plain; anything else is not from a server of ours.
fn valid_peer_id(peer: &str) -> bool {
    !peer.is_empty()
        && peer.chars().count() <= MAX_PEER_ID_CHARS
        && peer
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}
