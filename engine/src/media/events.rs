//! What the media session tells the driver, and the one sender every part of it reports
//! through.

use std::sync::Mutex;

use tokio::sync::mpsc;

use super::device::{Device, DeviceError, DeviceProblem};

/// What the peer connection reports to the driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerEvent {
    /// ICE and DTLS are up; media flows from now on.
    Connected,
    /// Connectivity was lost; ICE may still recover (back to `Connected`) or give up (`Failed`).
    Disconnected,
    Failed,
    Closed,
    /// A local candidate found after the offer was returned (trickle ICE): every candidate
    /// of a trickling session, only slow server-reflexive or relay ones otherwise.
    LocalCandidate(lens_core::signal::IceCandidate),
    /// A STUN or TURN server failed (wrong or expired credentials, unreachable); `url` is
    /// the server's URL as configured, which carries no credential.
    IceServerError {
        url: String,
        code: u16,
        text: String,
    },
    /// A camera or microphone could not be opened or stopped working; the session goes on
    /// with the other track.
    DeviceProblem(DeviceError),
}

impl PeerEvent {
    /// A source that ended mid-session: unplugged, or the system took it away.
    pub(crate) fn device_stopped(device: Device, error: &impl std::fmt::Display) -> Self {
        Self::DeviceProblem(DeviceError::new(
            device,
            DeviceProblem::Disconnected,
            error.to_string(),
        ))
    }
}

/// The driver's channel, shared by the peer connection's handler and the media threads.
#[derive(Debug)]
pub(crate) struct EventSender {
    /// Emptied by `close`: the driver's receiver then ends even if webrtc-rs keeps a closed
    /// connection (and with it this sender) alive.
    events: Mutex<Option<mpsc::UnboundedSender<PeerEvent>>>,
}

impl EventSender {
    pub(crate) fn new(events: mpsc::UnboundedSender<PeerEvent>) -> Self {
        Self {
            events: Mutex::new(Some(events)),
        }
    }

    pub(crate) fn emit(&self, event: PeerEvent) {
        if let Some(events) = &*self.events.lock().expect("events lock") {
            let _ = events.send(event);
        }
    }

    pub(crate) fn close(&self) {
        self.events.lock().expect("events lock").take();
    }
}
