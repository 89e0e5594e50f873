//! The engine's session tests on loopback, one test binary for all of them: each file directly
//! under `tests/` links the whole dependency tree again (about 25 s of a cold build each), so
//! the tests that need no process of their own are modules here (DEVELOPERS.md, "Keeping a
//! cold `make test` short").
//!
//! Apart, each in a binary of its own:
//! - `log_redaction`: it installs a global tracing subscriber;
//! - `playback_device`: the sound card, run with `--ignored` against ALSA's null device;
//! - `link_shaper` and `voice_delay`: they time what a shaped link does to the stream, so they
//!   do not share the 2 cores with the tests here.
//!
//! Loopback only: run inside the test namespace like every WebRTC test
//! (`tests/netns.sh cargo test --release -p lens-engine --test loopback [module::]`).

#[path = "../stand_in/mod.rs"]
mod stand_in;
#[path = "../support/mod.rs"]
mod support;

mod app_model;
mod collaborators;
mod media_loopback;
mod newer_server;
mod passthrough_pli;
mod video_orientation;
