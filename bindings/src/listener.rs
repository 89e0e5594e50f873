//! Session events delivered to the shell's listener, from one task per subscription.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use lens_core::session as lens;
use tokio::sync::mpsc::UnboundedReceiver;
use tracing::warn;

use crate::state::SessionEvent;

/// Implemented by the shell. Called from one of the engine's threads, never the UI's and
/// never a media thread: post to the main thread to update the UI. Calls for one
/// subscription never overlap and come in order.
#[uniffi::export(foreign)]
pub trait SessionListener: Send + Sync {
    fn on_event(&self, event: SessionEvent);
}

/// Hands every event to `listener` until the session is gone or `stopped` is set. The
/// engine's receiver already starts with the current state, through the same channel as
/// later changes, so the shell neither misses nor reorders one.
pub(crate) async fn forward(
    mut events: UnboundedReceiver<lens::SessionEvent>,
    listener: Arc<dyn SessionListener>,
    stopped: Arc<AtomicBool>,
) {
    while let Some(event) = events.recv().await {
        if stopped.load(Ordering::Acquire) {
            return;
        }
        let event = SessionEvent::from(event);
        // UniFFI turns an exception thrown by the listener into a panic on this side. A bug
        // in one callback must cost that event, not the subscription or a runtime thread.
        if catch_unwind(AssertUnwindSafe(|| listener.on_event(event))).is_err() {
            warn!("the session listener threw; that event is lost");
        }
    }
}
