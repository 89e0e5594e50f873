//! A collaborating technician joining a running session, as the server would bring them in.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::mpsc;
use webrtc::peer_connection::RTCIceCandidateInit;

use super::technician::Technician;
use lens_engine::media::{MediaConfig, MediaSession, Negotiation, PeerEvent};

/// Adds collaborator `peer` to `session` and answers its offer with `technician` (one of
/// `technician.rs`'s answering functions); the customer's trickled candidates are handed over
/// as the server would relay them. Returns the offer and the technician.
pub async fn collaborator_joins<F, Answered>(
    session: &mut MediaSession,
    peer: &str,
    talk: bool,
    config: &MediaConfig,
    technician: F,
) -> (String, Technician)
where
    F: FnOnce(String) -> Answered,
    Answered: Future<Output = Technician>,
{
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let offer = session
        .add_collaborator(peer, talk, config, Negotiation::default(), events_tx)
        .await
        .expect("a collaborator's connection");
    let technician = technician(offer.clone()).await;
    session
        .apply_collaborator_answer(peer, technician.answer.clone())
        .await
        .expect("the collaborator's answer");
    let pc = Arc::clone(&technician.pc);
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            if let PeerEvent::LocalCandidate(candidate) = event {
                let _ = pc
                    .add_ice_candidate(RTCIceCandidateInit {
                        candidate: candidate.candidate,
                        sdp_mid: candidate.sdp_mid,
                        sdp_mline_index: candidate.sdp_mline_index,
                        username_fragment: None,
                        url: None,
                    })
                    .await;
            }
        }
    });
    (offer, technician)
}
