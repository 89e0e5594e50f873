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
