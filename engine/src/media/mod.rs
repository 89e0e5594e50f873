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
//! [`MediaSession`] is the only entry point the driver needs; the submodules are public so the
//! benches, tests and future capture backends can reuse the pieces.

mod adapt;
mod capture;
pub mod codec;
mod config;
mod controls;
pub mod device;
mod error;
pub mod jitter;
mod keyframe;
pub mod ladder;
mod link_monitor;
mod passthrough;
mod peer;
mod pipeline;
pub mod playback;
pub mod pushed;
mod receive;
mod rtp_clock;
mod rtx_budget;
pub mod scale;
mod session;
pub mod source;
mod stats;

pub use codec::VoiceProfile;
pub use config::{AudioSourceConfig, IceServer, MediaConfig, VideoSourceConfig};
pub use controls::MediaControls;
pub use device::{DeviceError, DeviceInfo, DeviceList, list_devices};
pub use error::MediaError;
pub use playback::PlaybackConfig;
pub use pushed::{MediaHandles, ShellRequest};
pub use session::{MediaSession, PeerEvent};
pub use stats::MediaStats;
