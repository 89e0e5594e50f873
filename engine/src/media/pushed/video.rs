//! Camera frames pushed by a shell (CameraX/Camera2 on Android, AVCaptureSession on iOS).
//!
//! The shell calls [`PushedVideo::push`] from its camera callback with borrowed planes. The
//! frame is checked, converted to I420 as it lies (its turn upright goes with it) on the
//! caller's thread (the borrow ends with the call) and left in a [`DropOldest`] slot of depth
//! one for the encoder thread, which pulls it through [`PushedVideoSource`], an ordinary
//! [`VideoSource`].
//!
//! Privacy: frames pushed while no media session is attached (before the customer accepted
//! the licence and the technician started, or after the end) are counted and dropped here,
//! before any conversion.

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::convert::to_i420;
use super::latest::{DropOldest, Published};
use super::types::{CaptureClock, PushCounters, PushError, PushStats, Rotation, VideoFrameLayout};
use crate::media::source::{I420Buffer, SourceError, VideoFrame, VideoSource};

/// A converted picture waiting for the encoder, as it lies.
pub(crate) struct PushedPicture {
    pub(crate) buffer: I420Buffer,
    pub(crate) captured_at: Instant,
    /// The turn the shell said it needs to be upright.
    pub(crate) rotation: Rotation,
}

struct VideoInner {
    slot: DropOldest<PushedPicture>,
    /// Set while a media session pulls frames.
    live: AtomicBool,
    counters: PushCounters,
    clock: Mutex<CaptureClock>,
}

/// The shell's side of pushed video. Cheap to clone; every clone feeds the same slot.
#[derive(Clone)]
pub struct PushedVideo {
    inner: Arc<VideoInner>,
}

impl std::fmt::Debug for PushedVideo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushedVideo")
            .field("stats", &self.stats())
            .finish()
    }
}

impl Default for PushedVideo {
    fn default() -> Self {
        Self {
            inner: Arc::new(VideoInner {
                // Depth one: the encoder always gets the newest picture.
                slot: DropOldest::new(1),
                live: AtomicBool::new(false),
                counters: PushCounters::default(),
                clock: Mutex::new(CaptureClock::default()),
            }),
        }
    }
}

impl PushedVideo {
    /// Checks, converts and hands over one camera frame. Returns at once: it never waits for
    /// the encoder. `planes` are the layout's planes in order; pass empty slices for planes
    /// the format does not use.
    pub fn push(&self, layout: &VideoFrameLayout, planes: [&[u8]; 3]) -> Result<(), PushError> {
        let result = self.push_inner(layout, planes);
        self.inner.counters.count(&result);
        result
    }

    fn push_inner(&self, layout: &VideoFrameLayout, planes: [&[u8]; 3]) -> Result<(), PushError> {
        layout.validate(planes)?;
        let inner = &*self.inner;
        if !inner.live.load(Relaxed) {
            inner.counters.dropped_not_live.fetch_add(1, Relaxed);
            return Ok(());
        }
        let mut picture = inner.slot.spare().unwrap_or_else(|| PushedPicture {
            buffer: I420Buffer::new(2, 2),
            captured_at: Instant::now(),
            rotation: Rotation::R0,
        });
        if let Err(error) = to_i420(layout, planes, &mut picture.buffer) {
            inner.slot.recycle(picture);
            return Err(error);
        }
        picture.rotation = layout.rotation;
        let now = Instant::now();
        picture.captured_at = inner
            .clock
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .instant(layout.timestamp_us, now);
        inner.counters.accepted.fetch_add(1, Relaxed);
        if inner.slot.publish(picture) == Published::DroppedOldest {
            inner.counters.dropped_oldest.fetch_add(1, Relaxed);
        }
        Ok(())
    }

    pub fn stats(&self) -> PushStats {
        self.inner.counters.snapshot()
    }

    /// The encoder's side, for a media session that starts now. Pushed frames are accepted
    /// from now until the source is dropped.
    pub fn attach(&self, frame_interval: Duration) -> PushedVideoSource {
        self.inner.slot.clear();
        self.inner.live.store(true, Relaxed);
        PushedVideoSource {
            inner: Arc::clone(&self.inner),
            current: None,
            frame_interval,
        }
    }
}

/// A [`VideoSource`] fed by [`PushedVideo::push`].
pub struct PushedVideoSource {
    inner: Arc<VideoInner>,
    /// The picture lent out by the last `next_frame`, returned to the pool on the next call.
    current: Option<PushedPicture>,
    frame_interval: Duration,
}

impl VideoSource for PushedVideoSource {
    fn frame_interval(&self) -> Duration {
        self.frame_interval
    }

    fn next_frame(&mut self, timeout: Duration) -> Result<Option<VideoFrame<'_>>, SourceError> {
        if let Some(done) = self.current.take() {
            self.inner.slot.recycle(done);
        }
        self.current = self.inner.slot.pop(timeout);
        Ok(self.current.as_ref().map(|p| VideoFrame {
            rotation: p.rotation,
            ..p.buffer.frame(p.captured_at)
        }))
    }
}

impl Drop for PushedVideoSource {
    fn drop(&mut self) {
        // The session ended: from now on pushed frames are dropped unread again.
        self.inner.live.store(false, Relaxed);
        let dropped = self.inner.slot.clear();
        self.inner
            .counters
            .dropped_not_live
            .fetch_add(dropped as u64, Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::super::types::{PixelFormat, Rotation};
    use super::*;

    fn layout(width: u32, height: u32, format: PixelFormat, strides: [u32; 3]) -> VideoFrameLayout {
        VideoFrameLayout {
            width,
            height,
            format,
            strides,
            rotation: Rotation::R0,
            timestamp_us: 0,
            full_range: false,
        }
    }

    #[test]
    fn bad_geometry_is_a_typed_error() {
        let y = vec![0u8; 16 * 16];
        let c = vec![0u8; 8 * 8];
        let ok = layout(16, 16, PixelFormat::I420, [16, 8, 8]);
        assert_eq!(ok.validate([&y, &c, &c]), Ok(()));
        assert!(matches!(
            layout(0, 16, PixelFormat::I420, [16, 8, 8]).validate([&y, &c, &c]),
            Err(PushError::ZeroSize { .. })
        ));
        assert!(matches!(
            layout(15, 16, PixelFormat::I420, [16, 8, 8]).validate([&y, &c, &c]),
            Err(PushError::OddSize { .. })
        ));
        assert!(matches!(
            layout(16, 16, PixelFormat::I420, [8, 8, 8]).validate([&y, &c, &c]),
            Err(PushError::StrideTooSmall { plane: 0, .. })
        ));
        assert_eq!(
            layout(16, 16, PixelFormat::I420, [16, 8, 8]).validate([&y, &c[..63], &c]),
            Err(PushError::BufferTooSmall {
                plane: 1,
                needed: 64,
                got: 63
            })
        );
        assert!(matches!(
            layout(16, 16, PixelFormat::Bgra, [64, 0, 0]).validate([&y, &[], &[]]),
            Err(PushError::BufferTooSmall {
                plane: 0,
                needed: 1024,
                got: 256
            })
        ));
        assert!(matches!(
            layout(4000, 16, PixelFormat::Bgra, [16000, 0, 0]).validate([&y, &[], &[]]),
            Err(PushError::TooLarge { .. })
        ));
        assert_eq!(
            Rotation::from_degrees(45),
            Err(PushError::Rotation { degrees: 45 })
        );
        assert_eq!(Rotation::from_degrees(270), Ok(Rotation::R270));
    }

    #[test]
    fn the_last_row_may_come_without_its_padding() {
        // NV12 as Android hands it: stride 24 for a 16-wide picture, last chroma row short.
        let y = vec![0u8; 24 * 15 + 16];
        let uv = vec![0u8; 24 * 7 + 16];
        assert_eq!(
            layout(16, 16, PixelFormat::Nv12, [24, 24, 0]).validate([&y, &uv, &[]]),
            Ok(())
        );
    }

    #[test]
    fn frames_pushed_before_the_session_is_live_are_dropped_unread() {
        let video = PushedVideo::default();
        let y = vec![0u8; 16 * 16];
        let c = vec![0u8; 8 * 8];
        let l = layout(16, 16, PixelFormat::I420, [16, 8, 8]);
        video.push(&l, [&y, &c, &c]).unwrap();
        assert_eq!(video.stats().dropped_not_live, 1);
        assert_eq!(video.stats().accepted, 0);

        let mut source = video.attach(Duration::from_millis(33));
        assert!(
            source
                .next_frame(Duration::from_millis(1))
                .unwrap()
                .is_none(),
            "nothing from before"
        );
        // Faster than the encoder: three pushes, one pull sees only the newest.
        for t in [1_000, 2_000, 3_000] {
            video
                .push(
                    &VideoFrameLayout {
                        timestamp_us: t,
                        ..l
                    },
                    [&y, &c, &c],
                )
                .unwrap();
        }
        assert_eq!(video.stats().dropped_oldest, 2);
        assert!(
            source
                .next_frame(Duration::from_millis(1))
                .unwrap()
                .is_some()
        );
        assert!(
            source
                .next_frame(Duration::from_millis(1))
                .unwrap()
                .is_none()
        );
        drop(source);
        video.push(&l, [&y, &c, &c]).unwrap();
        assert_eq!(video.stats().dropped_not_live, 2);
    }

    #[test]
    fn a_turned_picture_reaches_the_encoder_as_it_lies_with_its_turn() {
        let video = PushedVideo::default();
        let mut source = video.attach(Duration::from_millis(33));
        // 32x16, dark, with a bright top-left block.
        let mut y = vec![16u8; 32 * 16];
        for row in y.chunks_exact_mut(32).take(4) {
            row[..4].fill(235);
        }
        let c = vec![128u8; 16 * 8];
        for rotation in [Rotation::R90, Rotation::R180, Rotation::R270] {
            let l = VideoFrameLayout {
                rotation,
                ..layout(32, 16, PixelFormat::I420, [32, 16, 16])
            };
            video.push(&l, [&y, &c, &c]).unwrap();
            let frame = source
                .next_frame(Duration::from_millis(100))
                .unwrap()
                .expect("the pushed frame");
            assert_eq!((frame.width, frame.height), (32, 16), "{rotation:?}");
            assert_eq!(frame.rotation, rotation);
            assert_eq!(
                frame.y[..32 * 16],
                y[..],
                "{rotation:?}: the picture unturned"
            );
        }
    }

    #[test]
    fn the_capture_clock_follows_the_shell_and_survives_jumps() {
        let mut clock = CaptureClock::default();
        let t0 = Instant::now();
        assert_eq!(clock.instant(5_000_000, t0), t0);
        assert_eq!(clock.instant(5_033_000, t0), t0 + Duration::from_millis(33));
        // The camera restarted with its clock at zero: re-anchored, not in the past.
        let later = t0 + Duration::from_millis(100);
        assert_eq!(clock.instant(10, later), later);
    }
}
