//! Media pushed by the shell and the camera controls: the FFI side of
//! `lens_engine::media::pushed` and `lens_engine::controls`.
//!
//! The push calls are synchronous and take borrowed bytes (`&[u8]`): Kotlin passes a *direct*
//! `java.nio.ByteBuffer` (CameraX's `ImageProxy.planes[i].buffer` is one), Swift passes
//! `Data`; UniFFI 0.32 hands Rust a pointer into that memory, without a copy. Each call
//! converts or copies what it keeps before it returns, so the shell may reuse its buffer at
//! once. They never wait for the encoder.
//!
//! Kotlin: pass buffers whose position is 0 (`buffer.slice()` when it is not). UniFFI 0.32's
//! glue hands Rust the direct buffer's base address with `remaining()` as the length, so a
//! buffer read up to some position would give the first bytes again, not the rest (the
//! Android app's camera planes come at position 0; HardwareH264.kt slices the encoder's
//! output for this reason).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use lens_engine::media::ShellRequest;
use lens_engine::media::pushed::{PixelFormat, PushError, PushStats, Rotation, VideoFrameLayout};

use crate::error::{ApiError, FrameError};
use crate::session::LensSession;
use crate::task_handle::TaskHandle;

/// How the planes passed to `push_video_frame` are laid out.
#[derive(Debug, Clone, Copy, uniffi::Record)]
pub struct VideoFrameInfo {
    pub width: u32,
    pub height: u32,
    pub format: PixelFormat,
    /// Bytes from one row to the next in plane 0 (Y, or the RGBA/BGRA pixels).
    pub stride0: u32,
    /// Plane 1 (U for I420, interleaved chroma for NV12/NV21); 0 when unused.
    #[uniffi(default = 0)]
    pub stride1: u32,
    /// Plane 2 (V for I420); 0 when unused.
    #[uniffi(default = 0)]
    pub stride2: u32,
    /// Clockwise degrees that make the picture upright: 0, 90, 180 or 270 (CameraX's
    /// `imageInfo.rotationDegrees`).
    #[uniffi(default = 0)]
    pub rotation_degrees: u32,
    /// Capture time on the platform's monotonic clock, in microseconds.
    pub timestamp_us: u64,
    /// The Y, U and V planes span 0–255 (JFIF: Android's Camera2 `YUV_420_888`, iOS's
    /// `420YpCbCr8BiPlanarFullRange`) rather than BT.601's limited 16–235. Ignored for RGB.
    #[uniffi(default = false)]
    pub full_range: bool,
}

/// Counters of pushed media: how much was taken, dropped for being late, dropped before the
/// session was live, refused.
#[derive(Debug, Clone, Copy, uniffi::Record)]
pub struct PushedStats {
    pub video: PushStats,
    pub audio: PushStats,
    pub h264: PushStats,
}

/// Implemented by the shell's camera code. Called from a thread of the controller's own
/// (never the UI's, an engine or a media thread), one call at a time, in order; a call that
/// blocks holds up only the next request.
#[uniffi::export(foreign)]
pub trait CameraController: Send + Sync {
    fn on_request(&self, request: ShellRequest);
}

#[uniffi::export]
impl LensSession {
    /// One camera frame. `plane0`..`plane2` are the format's planes in order (I420: Y, U, V;
    /// NV12/NV21: Y, chroma, empty; BGRA/RGBA: pixels, empty, empty). Before the technician
    /// started (or after the end) frames are accepted and dropped unread.
    pub fn push_video_frame(
        &self,
        plane0: &[u8],
        plane1: &[u8],
        plane2: &[u8],
        info: VideoFrameInfo,
    ) -> Result<(), FrameError> {
        let rotation = Rotation::from_degrees(info.rotation_degrees)?;
        let layout = VideoFrameLayout {
            width: info.width,
            height: info.height,
            format: info.format,
            strides: [info.stride0, info.stride1, info.stride2],
            rotation,
            timestamp_us: info.timestamp_us,
            full_range: info.full_range,
        };
        guarded(|| {
            self.engine
                .media_handles()
                .video
                .push(&layout, [plane0, plane1, plane2])
        })
    }

    /// Interleaved signed 16-bit little-endian PCM, any rate from 8 to 192 kHz, 1 to 8
    /// channels; the engine mixes it to mono and resamples it to 48 kHz. Needs
    /// `SessionOptions.audio = Pushed`.
    pub fn push_audio(
        &self,
        pcm: &[u8],
        sample_rate: u32,
        channels: u32,
        timestamp_us: u64,
    ) -> Result<(), FrameError> {
        guarded(|| {
            self.engine
                .media_handles()
                .audio
                .push(pcm, sample_rate, channels, timestamp_us)
        })
    }

    /// One H.264 access unit (Annex B) from the platform's encoder, with its keyframe flag
    /// and the clockwise turn (0, 90, 180, 270) its picture still needs to be upright: not 0
    /// only while `receivers_turn_pictures()` says so. Needs `SessionOptions.video =
    /// PushedH264`.
    pub fn push_h264(
        &self,
        access_unit: &[u8],
        keyframe: bool,
        timestamp_us: u64,
        rotation_degrees: u32,
    ) -> Result<(), FrameError> {
        guarded(|| {
            let rotation = Rotation::from_degrees(rotation_degrees)?;
            self.engine
                .media_handles()
                .h264
                .push(access_unit, keyframe, timestamp_us, rotation)
        })
    }

    /// Whether every technician's browser turns pictures for display (the RTP
    /// video-orientation extension), so the hardware encoder may take the camera's pictures as
    /// the sensor lies, unturned, and `push_h264` says the turn. Asked before each picture.
    pub fn receivers_turn_pictures(&self) -> bool {
        self.engine.media_handles().h264.receivers_turn_pictures()
    }

    pub fn pushed_stats(&self) -> PushedStats {
        let handles = self.engine.media_handles();
        PushedStats {
            video: handles.video.stats(),
            audio: handles.audio.stats(),
            h264: handles.h264.stats(),
        }
    }

    /// Calls `controller` with every camera request until the handle is cancelled or dropped.
    /// One controller at a time: a new one replaces the previous.
    pub fn set_camera_controller(&self, controller: Arc<dyn CameraController>) -> Arc<TaskHandle> {
        TaskHandle::forward(
            self.runtime.handle(),
            self.engine.media_handles().requests.subscribe(),
            "camera controller",
            move |request| controller.on_request(request),
        )
    }

    /// Pauses the video: the session and the audio go on, the video track sends nothing.
    pub fn pause_video(&self) {
        self.engine.set_video_paused(true);
    }

    pub fn resume_video(&self) {
        self.engine.set_video_paused(false);
    }

    pub fn video_paused(&self) -> bool {
        self.engine.video_paused()
    }

    /// Throws `Unsupported` where the camera cannot switch (the desktop's test picture).
    pub fn switch_camera(&self) -> Result<(), ApiError> {
        Ok(self.engine.switch_camera()?)
    }

    /// Throws `Unsupported` where there is no torch (desktop).
    pub fn set_torch(&self, on: bool) -> Result<(), ApiError> {
        Ok(self.engine.set_torch(on)?)
    }
}

/// Nothing may unwind into the shell's camera thread: a bug here costs one frame.
fn guarded(push: impl FnOnce() -> Result<(), PushError>) -> Result<(), FrameError> {
    match catch_unwind(AssertUnwindSafe(push)) {
        Ok(result) => Ok(result?),
        Err(_) => Err(FrameError::Internal(
            "the engine failed on this frame".into(),
        )),
    }
}
