//! The shell's listener for session events.

use crate::state::SessionEvent;

/// Implemented by the shell. Called from a thread of the subscription's own, never the UI's,
/// an engine or a media thread: post to the main thread to update the UI (a call that
/// blocks holds up only this subscription). Calls for one
/// subscription never overlap and come in order; the first is the current state, through
/// the same channel as later changes, so the shell neither misses nor reorders one.
#[uniffi::export(foreign)]
pub trait SessionListener: Send + Sync {
    fn on_event(&self, event: SessionEvent);
}
