//! Whether media may flow: the session's stop switch and the peer connection's state, read by
//! every media thread and task before it does any work.

use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Debug, Default)]
pub(crate) struct RunState {
    /// Set when the media threads must end.
    stop: AtomicBool,
    /// Mirrors the peer connection state: encoders only work while this is set.
    connected: AtomicBool,
}

impl RunState {
    pub(crate) fn stopping(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }

    pub(crate) fn connected(&self) -> bool {
        self.connected.load(Ordering::Acquire)
    }

    pub(crate) fn set_connected(&self, connected: bool) {
        self.connected.store(connected, Ordering::Release);
    }

    /// Ends the media threads; nothing counts as connected after this.
    pub(crate) fn stop(&self) {
        self.stop.store(true, Ordering::Release);
        self.connected.store(false, Ordering::Release);
    }
}
