//! The congestion controller's latest estimate of the uplink, in bit/s: written by the RTCP
//! tap (see `net/rtcp_tap.rs`), read by the video thread's ladder, the retransmission budget,
//! the link monitor and the app.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};

/// Cheap to clone; every clone reads and writes the same estimate.
#[derive(Debug, Clone)]
pub(crate) struct BandwidthEstimate(Arc<AtomicU32>);

impl BandwidthEstimate {
    pub(crate) fn new(initial_bps: u32) -> Self {
        Self(Arc::new(AtomicU32::new(initial_bps)))
    }

    pub(crate) fn bps(&self) -> u32 {
        self.0.load(Relaxed)
    }

    pub(crate) fn set(&self, bps: u32) {
        self.0.store(bps, Relaxed);
    }
}

/// What the one encoder may use when it sends to several technicians (seed 004): the
/// lowest of their connections' estimates, since the same encoded frames go to each and the
/// weakest link must still carry them. With no collaborator it is the lead's estimate.
#[derive(Debug, Clone)]
pub(crate) struct EncoderEstimate {
    lead: BandwidthEstimate,
    collaborators: Arc<std::sync::Mutex<Vec<(String, BandwidthEstimate)>>>,
}

impl EncoderEstimate {
    pub(crate) fn new(lead: BandwidthEstimate) -> Self {
        Self {
            lead,
            collaborators: Arc::default(),
        }
    }

    pub(crate) fn bps(&self) -> u32 {
        let collaborators = self.collaborators.lock().expect("estimate lock");
        collaborators
            .iter()
            .map(|(_, estimate)| estimate.bps())
            .fold(self.lead.bps(), u32::min)
    }

    pub(crate) fn add(&self, peer: &str, estimate: BandwidthEstimate) {
        let mut collaborators = self.collaborators.lock().expect("estimate lock");
        collaborators.retain(|(known, _)| known != peer);
        collaborators.push((peer.to_owned(), estimate));
    }

    pub(crate) fn remove(&self, peer: &str) {
        let mut collaborators = self.collaborators.lock().expect("estimate lock");
        collaborators.retain(|(known, _)| known != peer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_encoder_follows_the_weakest_technician() {
        let lead = BandwidthEstimate::new(2_000_000);
        let encoder = EncoderEstimate::new(lead.clone());
        assert_eq!(encoder.bps(), 2_000_000);
        let slow = BandwidthEstimate::new(600_000);
        encoder.add("c1", slow.clone());
        encoder.add("c2", BandwidthEstimate::new(1_500_000));
        assert_eq!(encoder.bps(), 600_000);
        slow.set(900_000);
        assert_eq!(encoder.bps(), 900_000);
        lead.set(800_000);
        assert_eq!(encoder.bps(), 800_000, "the lead can be the weakest too");
        encoder.remove("c1");
        encoder.remove("c2");
        lead.set(2_000_000);
        assert_eq!(encoder.bps(), 2_000_000, "back to the lead alone");
    }
}
