//! The tokio runtime the engine's async half runs on, built the same way for every shell
//! (the desktop app and the UniFFI session).
//!
//! One worker thread. The per-frame work has threads of its own (`lens-video` encodes,
//! `lens-audio` encodes the voice); what runs on the runtime is signalling and webrtc-rs's
//! packet path. With two workers, each packet a frame was cut into was handed from the
//! writer's worker to the peer connection's, waking a sleeping thread several times a frame:
//! one worker cut the customer process's CPU per 720p frame by about 4 %
//! (`tests/bench/side-by-side.mjs`). It is still the multi-thread scheduler, so tasks keep
//! running while the shell's own thread is elsewhere (a current-thread runtime would only
//! run them inside `block_on`).

use tokio::runtime::{Builder, Runtime};

/// Worker threads of the engine's runtime; see the module's comment.
pub const WORKER_THREADS: usize = 1;

/// A runtime for one engine, its threads named `lens-engine`.
pub fn build() -> std::io::Result<Runtime> {
    Builder::new_multi_thread()
        .worker_threads(WORKER_THREADS)
        .thread_name("lens-engine")
        .enable_all()
        .build()
}
