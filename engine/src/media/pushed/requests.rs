//! What the engine asks of a shell's camera: the other direction of pushed media.
//!
//! Requests are queued to one subscriber (the bindings forward them to the app's
//! `CameraController` from a task of their own), so no media thread ever calls foreign code.

use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

/// One thing the shell's camera should do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ShellRequest {
    /// The receiver needs a keyframe (PLI/FIR, a new connection, a dropped access unit):
    /// MediaCodec `PARAMETER_KEY_REQUEST_SYNC_FRAME`, VideoToolbox `ForceKeyFrame`.
    KeyframeNeeded,
    /// The hardware encoder's new target bitrate.
    TargetBitrate { bps: u32 },
    /// Switch between the front and the back camera.
    SwitchCamera,
    /// Turn the torch on or off.
    Torch { on: bool },
    /// Video is paused (the session and audio go on): the shell may stop its camera.
    VideoPaused { paused: bool },
}

/// The queue of [`ShellRequest`]s. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct ShellRequests {
    tx: Arc<Mutex<Option<mpsc::UnboundedSender<ShellRequest>>>>,
}

impl ShellRequests {
    /// Every request from now on; a new subscriber replaces the previous one.
    pub fn subscribe(&self) -> mpsc::UnboundedReceiver<ShellRequest> {
        let (tx, rx) = mpsc::unbounded_channel();
        *self.tx.lock().unwrap_or_else(|p| p.into_inner()) = Some(tx);
        rx
    }

    /// Queues `request`; without a subscriber it is logged and dropped (a desktop build).
    pub fn send(&self, request: ShellRequest) {
        let sent = match &*self.tx.lock().unwrap_or_else(|p| p.into_inner()) {
            Some(tx) => tx.send(request).is_ok(),
            None => false,
        };
        if !sent {
            tracing::debug!(?request, "no camera controller to ask");
        }
    }
}
