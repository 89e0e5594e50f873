//! Media pushed by a mobile shell: camera frames ([`PushedVideo`]), microphone PCM
//! ([`PushedAudio`]) or the platform encoder's H.264 ([`PushedH264`]), and what the engine
//! asks of the shell's camera in return ([`ShellRequests`]).
//!
//! These handles exist for the whole life of an app's session, before and after the media
//! session: the shell may push from the moment its camera runs. Only while a media session is
//! live (licence accepted and technician started) is anything kept; otherwise pushes are
//! counted and dropped unread.

mod audio;
mod convert;
mod h264;
mod latest;
mod requests;
mod types;
mod video;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub use audio::{PushedAudio, PushedAudioSource};
pub(crate) use h264::PushedH264Source;
pub use h264::{PushedH264, annex_b_nal_types};
pub use requests::{ShellRequest, ShellRequests};
pub use types::{MAX_PUSHED_SIDE, PixelFormat, PushError, PushStats, Rotation, VideoFrameLayout};
pub use video::{PushedVideo, PushedVideoSource};

/// Converts one frame, for the benches: the work [`PushedVideo::push`] does on the shell's
/// thread. `out` is reused between calls.
pub fn convert_frame(
    layout: &VideoFrameLayout,
    planes: [&[u8]; 3],
    out: &mut crate::media::source::I420Buffer,
) -> Result<(), PushError> {
    layout.validate(planes)?;
    convert::to_i420(layout, planes, out)
}

/// The pushed inputs and the live controls of one app session, shared by the shell's calls
/// and whichever media session runs. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct MediaHandles {
    pub video: PushedVideo,
    pub h264: PushedH264,
    pub audio: PushedAudio,
    pub requests: ShellRequests,
    controls: Arc<Controls>,
}

#[derive(Debug, Default)]
struct Controls {
    video_paused: AtomicBool,
}

impl MediaHandles {
    /// Pauses or resumes the video track; returns whether that changed anything. While
    /// paused the track sends nothing (see `send/video.rs`), and the shell is told so that it can
    /// stop its camera.
    pub fn set_video_paused(&self, paused: bool) -> bool {
        let changed = self.controls.video_paused.swap(paused, Ordering::AcqRel) != paused;
        if changed {
            self.requests.send(ShellRequest::VideoPaused { paused });
        }
        changed
    }

    pub fn video_paused(&self) -> bool {
        self.controls.video_paused.load(Ordering::Acquire)
    }
}
