//! Where raw pictures and sound come from.
//!
//! # Pull, with a timeout
//!
//! Both traits are *pulled* by the thread that encodes: `next_frame(timeout)` blocks until the
//! next frame is due or `timeout` passes. The encoder thread owns the loop, so pacing, encoding
//! and stopping live in one place, and the timeout lets it notice a stop request within a
//! fraction of a second even if a camera stalls.
//!
//! Every kind of source fits this shape without the encoder knowing which it has:
//! - synthetic sources sleep until their next deadline ([`TestPattern`], [`SineTone`]);
//! - a desktop camera or microphone (nokhwa, cpal) is itself a blocking read, or a callback
//!   that fills a small ring the pull side waits on;
//! - frames pushed by a mobile shell over FFI go into a *bounded queue that drops its oldest
//!   frame when full*; `next_frame` pops from it. The shell's camera thread then never waits
//!   on the encoder, and a slow encoder sheds frames instead of building up latency.
//!
//! A frame is a borrow of the source's own buffer, valid until the next call. A source reuses
//! that buffer, so the per-frame path allocates nothing.

#[cfg(feature = "camera")]
pub mod camera;
pub mod clock_stamp;
#[cfg(feature = "microphone")]
pub mod microphone;
mod paint;
pub mod resample;
mod rotation;
mod test_pattern;
mod tone;

use std::time::{Duration, Instant};

pub use rotation::{Rotation, turn_upright};
pub use test_pattern::{TestPattern, luma_psnr, read_frame_counter};
pub use tone::SineTone;

/// Audio is 48 kHz mono everywhere in the engine: Opus's native rate, no resampling.
pub const AUDIO_SAMPLE_RATE: u32 = 48_000;
/// One 20 ms frame, the Opus frame size WebRTC uses.
pub const AUDIO_FRAME_SAMPLES: usize = 960;
pub const AUDIO_FRAME_DURATION: Duration = Duration::from_millis(20);

/// A source stopped for good (camera unplugged, permission revoked). Timeouts are not errors.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SourceError(pub String);

/// One I420 (YUV 4:2:0 planar) picture borrowed from a source.
#[derive(Debug, Clone, Copy)]
pub struct VideoFrame<'a> {
    /// Even, in pixels.
    pub width: u32,
    pub height: u32,
    /// `height` rows of `y_stride` bytes.
    pub y: &'a [u8],
    /// `height / 2` rows of `uv_stride` bytes each.
    pub u: &'a [u8],
    pub v: &'a [u8],
    pub y_stride: usize,
    pub uv_stride: usize,
    /// When the picture was taken; drives the RTP timestamps.
    pub captured_at: Instant,
    /// How far it must turn clockwise to be upright: a phone's sensor delivers a picture on
    /// its side while the phone is held upright. Turned before encoding, or sent as is with
    /// the turn in the video-orientation extension (`rotation.rs`).
    pub rotation: Rotation,
}

/// Produces pictures. See the module docs for the pull model.
pub trait VideoSource: Send {
    /// The nominal time between frames, for the encoder's rate control.
    fn frame_interval(&self) -> Duration;

    /// Blocks until the next frame or until `timeout`; `Ok(None)` means no frame yet.
    fn next_frame(&mut self, timeout: Duration) -> Result<Option<VideoFrame<'_>>, SourceError>;
}

/// [`AUDIO_FRAME_SAMPLES`] samples of 48 kHz mono audio borrowed from a source.
#[derive(Debug, Clone, Copy)]
pub struct AudioFrame<'a> {
    pub samples: &'a [i16],
    pub captured_at: Instant,
}

/// Produces sound in 20 ms frames. See the module docs for the pull model.
pub trait AudioSource: Send {
    /// Blocks until the next frame or until `timeout`; `Ok(None)` means no frame yet.
    fn next_frame(&mut self, timeout: Duration) -> Result<Option<AudioFrame<'_>>, SourceError>;
}

/// A frame buffer owned by a source and lent out as a [`VideoFrame`].
#[derive(Debug, Clone)]
pub struct I420Buffer {
    pub width: u32,
    pub height: u32,
    pub y: Vec<u8>,
    pub u: Vec<u8>,
    pub v: Vec<u8>,
}

impl I420Buffer {
    /// A black picture; `width` and `height` must be even.
    pub fn new(width: u32, height: u32) -> Self {
        let (w, h) = (width as usize, height as usize);
        Self {
            width,
            height,
            y: vec![16; w * h],
            u: vec![128; w * h / 4],
            v: vec![128; w * h / 4],
        }
    }

    pub fn frame(&self, captured_at: Instant) -> VideoFrame<'_> {
        VideoFrame {
            width: self.width,
            height: self.height,
            y: &self.y,
            u: &self.u,
            v: &self.v,
            y_stride: self.width as usize,
            uv_stride: self.width as usize / 2,
            captured_at,
            rotation: Rotation::R0,
        }
    }

    /// Resizes the planes for a `width` x `height` picture (even sizes), keeping the
    /// allocation when it is large enough.
    pub(crate) fn reshape(&mut self, width: u32, height: u32) {
        let (w, h) = (width as usize, height as usize);
        self.width = width;
        self.height = height;
        self.y.resize(w * h, 16);
        self.u.resize(w * h / 4, 128);
        self.v.resize(w * h / 4, 128);
    }
}

/// Releases frames on a fixed schedule for synthetic sources.
///
/// Deadlines are absolute (`start + n * interval`), so sleeping late once does not shift every
/// later frame. After a long stall (a suspended laptop) it skips ahead rather than releasing a
/// burst of stale frames.
#[derive(Debug)]
pub(crate) struct Pacer {
    interval: Duration,
    next: Option<Instant>,
}

impl Pacer {
    pub(crate) fn new(interval: Duration) -> Self {
        Self {
            interval,
            next: None,
        }
    }

    /// Waits for the next deadline if it is within `timeout`; returns the deadline, which is
    /// the frame's nominal capture time.
    pub(crate) fn wait(&mut self, timeout: Duration) -> Option<Instant> {
        let now = Instant::now();
        let due = *self.next.get_or_insert(now);
        if due > now {
            let wait = due - now;
            if wait > timeout {
                std::thread::sleep(timeout);
                return None;
            }
            std::thread::sleep(wait);
        }
        let mut next = due + self.interval;
        let now = Instant::now();
        if now > next + self.interval * 4 {
            next = now + self.interval;
        }
        self.next = Some(next);
        Some(due)
    }
}

/// Lists the cameras (feature `camera`) and microphones (feature `microphone`).
pub fn list_devices() -> super::device::DeviceList {
    let mut list = super::device::DeviceList::default();
    #[cfg(feature = "camera")]
    match camera::list() {
        Ok(cameras) => list.cameras = cameras,
        Err(error) => list.problems.push(error.to_string()),
    }
    #[cfg(not(feature = "camera"))]
    list.problems
        .push("this build has no camera capture (lens-engine feature \"camera\" is off)".into());
    #[cfg(feature = "microphone")]
    match microphone::list() {
        Ok(microphones) => list.microphones = microphones,
        Err(error) => list.problems.push(error.to_string()),
    }
    #[cfg(not(feature = "microphone"))]
    list.problems.push(
        "this build has no microphone capture (lens-engine feature \"microphone\" is off)".into(),
    );
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pacer_keeps_the_schedule_and_reports_timeouts() {
        let mut pacer = Pacer::new(Duration::from_millis(20));
        let first = pacer
            .wait(Duration::from_millis(100))
            .expect("first frame is due at once");
        // 20 ms away with a 1 ms timeout: not yet.
        assert!(pacer.wait(Duration::from_millis(1)).is_none());
        let second = pacer
            .wait(Duration::from_millis(100))
            .expect("second frame");
        assert_eq!(second - first, Duration::from_millis(20));
        assert!(Instant::now() >= second);
    }
}
