//! The driver's share of collaborating technicians (seed 004): core's commands for their
//! connections, and what those connections report. The media session does the work; this
//! keeps the order (a collaborator asked for while the lead's media is still starting waits
//! for it) and tells a replaced connection's last events from the current one's.

use lens_core::session::{Command, Input};
use lens_core::signal::IceConfig;
use tokio::sync::mpsc;
use tracing::{debug, info, warn};

use super::{Driver, Report, media_ice_servers};
use crate::media::{Negotiation, PeerEvent};

impl Driver {
    /// Carries out the four collaborator commands.
    pub(super) async fn collaborator_command(&mut self, command: Command) {
        match command {
            Command::StartCollaboratorMedia { peer, talk, ice } => {
                if self.media.is_some() {
                    self.start_collaborator(peer, talk, ice).await;
                } else {
                    // The lead's media is starting: the collaborator shares its encoder.
                    self.pending_collaborators
                        .retain(|(known, ..)| *known != peer);
                    self.pending_collaborators.push((peer, talk, ice));
                }
            }
            Command::StopCollaboratorMedia { peer } => {
                self.pending_collaborators
                    .retain(|(known, ..)| *known != peer);
                self.collaborator_connections.remove(&peer);
                if let Some((_, media)) = &mut self.media {
                    media.remove_collaborator(&peer).await;
                    info!(peer, "a collaborator's connection closed");
                }
            }
            Command::ApplyCollaboratorAnswer { peer, sdp } => {
                if let Some((_, media)) = &self.media
                    && let Err(e) = media.apply_collaborator_answer(&peer, sdp).await
                {
                    warn!(peer, "a collaborator's answer was refused: {e}");
                    self.feed(Input::CollaboratorMediaFailed { peer });
                }
            }
            Command::AddCollaboratorCandidate { peer, candidate } => {
                if let Some((_, media)) = &self.media
                    && let Err(e) = media.add_collaborator_candidate(&peer, candidate).await
                {
                    debug!(peer, "a collaborator's candidate ignored: {e}");
                }
            }
            // `execute` sends only the four above here.
            other => debug!(?other, "not a collaborator command"),
        }
    }

    /// Adds collaborator `peer`'s connection to the running media and hands core its offer.
    pub(super) async fn start_collaborator(&mut self, peer: String, talk: bool, ice: IceConfig) {
        let connection = self.generation();
        let mut config = self.config.media.clone();
        config.ice_servers.extend(media_ice_servers(&ice));
        let negotiation = Negotiation {
            trickle: true,
            relay_only: ice.relay_only,
        };
        let (events_tx, mut events) = mpsc::unbounded_channel();
        let Some((generation, media)) = &mut self.media else {
            return;
        };
        let started = media
            .add_collaborator(&peer, talk, &config, negotiation, events_tx)
            .await;
        match started {
            Ok(offer) => {
                let (reports, generation, tag) =
                    (self.reports_tx.clone(), *generation, peer.clone());
                tokio::spawn(async move {
                    while let Some(event) = events.recv().await {
                        let report = Report::Collaborator(tag.clone(), connection, event);
                        if reports.send((generation, report)).is_err() {
                            break;
                        }
                    }
                });
                info!(peer, talk, "a collaborator's connection started");
                self.collaborator_connections
                    .insert(peer.clone(), connection);
                self.feed(Input::CollaboratorOffer { peer, sdp: offer });
            }
            Err(e) => {
                warn!(peer, "a collaborator's connection could not start: {e}");
                self.feed(Input::CollaboratorMediaFailed { peer });
            }
        }
    }

    pub(super) fn on_collaborator_event(
        &mut self,
        peer: String,
        connection: u64,
        event: PeerEvent,
    ) {
        if self.collaborator_connections.get(&peer) != Some(&connection) {
            return; // a replaced or closed connection's last words
        }
        match event {
            PeerEvent::LocalCandidate(candidate) => {
                self.feed(Input::CollaboratorCandidate { peer, candidate })
            }
            PeerEvent::Connected => {
                info!(peer, "a collaborator's connection is up");
                self.feed(Input::CollaboratorConnected { peer });
            }
            // ICE may still recover; core replaces it if it does not within seconds.
            PeerEvent::Disconnected => {
                info!(peer, "a collaborator's connection interrupted");
                self.feed(Input::CollaboratorInterrupted { peer });
            }
            PeerEvent::Failed | PeerEvent::Closed => {
                self.collaborator_connections.remove(&peer);
                self.feed(Input::CollaboratorMediaFailed { peer });
            }
            // The lead's connection reports the same servers to the technician.
            PeerEvent::IceServerError { url, code, .. } => {
                debug!(
                    peer,
                    url, code, "a collaborator's STUN or TURN server failed"
                )
            }
            PeerEvent::DeviceProblem(_) => {}
        }
    }
}
