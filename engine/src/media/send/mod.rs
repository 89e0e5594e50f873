//! The send side: one OS thread per medium pulls frames from its source and encodes them
//! (`video`, `audio`; `passthrough` for H.264 the shell encoded), and one async task per medium
//! hands the encoded frames to webrtc-rs (`writer`).
//!
//! Between them sits a small bounded channel the thread never waits on: when the network side
//! falls behind, the newest frame is dropped instead of queued, so latency stays at most a few
//! frames. A dropped video frame breaks the decoder's reference chain, so the thread then sends
//! nothing until it can send a keyframe (`keyframe::KeyframeGate`, `frame::VideoQueue`).
//!
//! Nothing is encoded while the peer connection is not connected. Frames keep being pulled, so
//! a camera keeps its cadence, but no work is done and nothing queues up for the moment the
//! connection comes up; the first frame after connecting is then a keyframe.

use std::time::Duration;

pub(crate) mod adapt;
pub(crate) mod audio;
pub(crate) mod frame;
pub(crate) mod keyframe;
pub(crate) mod passthrough;
pub(crate) mod rtp_clock;
pub(crate) mod track;
pub(crate) mod upright;
pub(crate) mod video;
pub(crate) mod writer;

/// How long a source may block before the thread checks whether it should stop: bounds how
/// long `close` waits for capture to end.
const SOURCE_POLL: Duration = Duration::from_millis(50);

/// About 100 ms of video and 100 ms of audio may wait for the network, no more.
const VIDEO_QUEUE: usize = 3;
pub(crate) const AUDIO_QUEUE: usize = 5;
