//! The media half of the engine: camera and microphone frames in, H.264 and Opus over one
//! WebRTC peer connection out, and the technician's voice back to the speaker.
//!
//! ```text
//!  VideoSource ─► video thread (pace, H.264) ─► writer task ─► sample track ─┐
//!  AudioSource ─► audio thread (pace, Opus)  ─► writer task ─► sample track ─┤
//!                  ▲ PLI/FIR, rate-limited ◄── RTCP reader ◄────────────────┤ PeerConnection
//!  AudioSink   ◄── receive task (Opus decode, level) ◄── remote track ◄──────┘
//! ```
//!
//! Capture and encoding run on plain OS threads because cameras, microphones and both codecs
//! are blocking C APIs: a 2 ms H.264 encode must not stall the async runtime that also carries
//! signalling. Encoded frames cross to the runtime through small bounded channels that drop
//! rather than queue, so a slow network never turns into growing latency.
//!
//! The modules are grouped by direction: `send/` (the video, audio and passthrough threads,
//! the keyframe gate, the writer tasks), `net/` (the peer connection, the RTCP tap, the
//! retransmission budget, the link monitor), `recv/` (the technician's voice), `pushed/`
//! (frames the mobile shells push). [`MediaSession`] (`session.rs`) is the one place that
//! wires them, handing each part only the handles it uses; the parts never import it or
//! each other round a circle (`tests/lint/media_graph.py` checks).
//!
//! [`MediaSession`] is the only entry point the driver needs; some submodules are public so
//! the benches, tests and future capture backends can reuse the pieces.

mod capture;
pub mod codec;
mod config;
mod controls;
pub mod device;
mod error;
mod estimate;
mod events;
pub mod ladder;
mod net;
pub mod pushed;
mod recv;
mod release_memory;
mod run_state;
pub mod scale;
mod send;
mod session;
pub mod source;
mod stats;

pub use codec::VoiceProfile;
pub use config::{AudioSourceConfig, IceServer, MediaConfig, VideoSourceConfig};
pub use controls::MediaControls;
pub use device::{DeviceError, DeviceInfo, DeviceList};
pub use error::MediaError;
pub use events::PeerEvent;
pub use net::peer::Negotiation;
pub use pushed::{MediaHandles, ShellRequest};
pub use recv::playback::PlaybackConfig;
pub use recv::{jitter, playback};
pub use session::MediaSession;
pub use source::list_devices;
pub use stats::MediaStats;
