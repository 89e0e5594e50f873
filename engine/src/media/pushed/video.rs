//! Camera frames pushed by a shell (CameraX/Camera2 on Android, AVCaptureSession on iOS).
//!
//! The shell calls [`PushedVideo::push`] from its camera callback with borrowed planes. The
//! frame is checked, converted to upright I420 on the caller's thread (the borrow ends with
//! the call) and left in a [`DropOldest`] slot of depth one for the encoder thread, which
//! pulls it through [`PushedVideoSource`], an ordinary [`VideoSource`].
//!
//! Privacy: frames pushed while no media session is attached (before the customer accepted
//! the licence and the technician started, or after the end) are counted and dropped here,
//! before any conversion.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::convert::to_upright_i420;
use super::latest::{DropOldest, Published};
use crate::media::source::{I420Buffer, SourceError, VideoFrame, VideoSource};

/// Pixel layouts the shells' cameras deliver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PixelFormat {
    /// Three planes: Y, U (Cb), V (Cr), chroma at half width and height.
    I420,
    /// Two planes: Y, then interleaved U,V (iOS `420YpCbCr8BiPlanar`, Android `YUV_420_888`
    /// with a pixel stride of 2).
    Nv12,
    /// Two planes: Y, then interleaved V,U (Android's legacy camera default).
    Nv21,
    /// One plane, 4 bytes a pixel in memory order B,G,R,A (iOS `32BGRA`).
    Bgra,
    /// One plane, 4 bytes a pixel in memory order R,G,B,A.
    Rgba,
}

impl PixelFormat {
    /// Bytes per pixel in each plane's row (0: the plane is not used), and rows per plane as a
    /// divisor of the height.
    fn planes(self) -> [(usize, usize); 3] {
        match self {
            // Chroma rows are width/2 samples of 1 byte: expressed per *luma* pixel below.
            PixelFormat::I420 => [(1, 1), (1, 2), (1, 2)],
            PixelFormat::Nv12 | PixelFormat::Nv21 => [(1, 1), (2, 2), (0, 0)],
            PixelFormat::Bgra | PixelFormat::Rgba => [(4, 1), (0, 0), (0, 0)],
        }
    }

    /// NV12 and NV21: plane 1 holds U and V in pairs.
    pub(crate) fn interleaved_chroma(self) -> bool {
        matches!(self, PixelFormat::Nv12 | PixelFormat::Nv21)
    }

    /// Whether width and height must be even: 4:2:0 chroma covers 2x2 pixels.
    fn subsampled(self) -> bool {
        !matches!(self, PixelFormat::Bgra | PixelFormat::Rgba)
    }
}

/// How far the picture must turn clockwise to be upright.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rotation {
    R0,
    R90,
    R180,
    R270,
}

impl Rotation {
    /// From degrees as the platforms report them; anything but a multiple of 90 is refused.
    pub fn from_degrees(degrees: u32) -> Result<Rotation, PushError> {
        match degrees % 360 {
            0 => Ok(Rotation::R0),
            90 => Ok(Rotation::R90),
            180 => Ok(Rotation::R180),
            270 => Ok(Rotation::R270),
            _ => Err(PushError::Rotation { degrees }),
        }
    }
}

/// Describes the planes handed to [`PushedVideo::push`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VideoFrameLayout {
    pub width: u32,
    pub height: u32,
    pub format: PixelFormat,
    /// Bytes from one row to the next, per plane; unused planes' strides are ignored.
    pub strides: [u32; 3],
    pub rotation: Rotation,
    /// The capture time on the shell's monotonic clock, in microseconds.
    pub timestamp_us: u64,
}

/// Largest picture accepted, either way round: 4K, what openh264 takes.
pub const MAX_PUSHED_SIDE: u32 = 3840;

/// Why a pushed frame or sample block was refused. Nothing is kept of a refused push.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushError {
    #[error("the frame is {width}x{height}: width and height must be non-zero")]
    ZeroSize { width: u32, height: u32 },
    #[error("the frame is {width}x{height}: {format:?} needs an even width and height")]
    OddSize {
        width: u32,
        height: u32,
        format: PixelFormat,
    },
    #[error("the frame is {width}x{height}: at most {MAX_PUSHED_SIDE} on either side")]
    TooLarge { width: u32, height: u32 },
    #[error("plane {plane}: a stride of {stride} bytes is shorter than a row of {row_bytes}")]
    StrideTooSmall {
        plane: u8,
        stride: u32,
        row_bytes: u32,
    },
    #[error("plane {plane}: {got} bytes, but the layout needs at least {needed}")]
    BufferTooSmall { plane: u8, needed: u64, got: u64 },
    #[error("rotation {degrees}°: must be 0, 90, 180 or 270")]
    Rotation { degrees: u32 },
    #[error("audio: {0}")]
    Audio(String),
    #[error("H.264: {0}")]
    H264(String),
    #[error("colour conversion failed: {0}")]
    Conversion(String),
}

impl VideoFrameLayout {
    /// Checks the layout against the planes before anything reads them.
    pub fn validate(&self, planes: [&[u8]; 3]) -> Result<(), PushError> {
        let (width, height, format) = (self.width, self.height, self.format);
        if width == 0 || height == 0 {
            return Err(PushError::ZeroSize { width, height });
        }
        if width > MAX_PUSHED_SIDE || height > MAX_PUSHED_SIDE {
            return Err(PushError::TooLarge { width, height });
        }
        // The encoder takes even sizes only, so RGB pictures must be even too.
        if width % 2 != 0 || height % 2 != 0 {
            return Err(PushError::OddSize {
                width,
                height,
                format,
            });
        }
        debug_assert!(format.subsampled() || width % 2 == 0);
        for (plane, ((bytes_per_pixel, row_divisor), data)) in
            format.planes().into_iter().zip(planes).enumerate()
        {
            if bytes_per_pixel == 0 {
                continue;
            }
            let plane_u8 = plane as u8;
            // Chroma planes of I420 hold width/2 samples; NV12's holds width/2 pairs.
            let row_bytes = if row_divisor == 2 {
                u64::from(width) / 2 * bytes_per_pixel as u64
            } else {
                u64::from(width) * bytes_per_pixel as u64
            };
            let rows = u64::from(height) / row_divisor as u64;
            let stride = u64::from(self.strides[plane]);
            if stride < row_bytes {
                return Err(PushError::StrideTooSmall {
                    plane: plane_u8,
                    stride: self.strides[plane],
                    row_bytes: row_bytes as u32,
                });
            }
            // The last row need not carry its padding (Android often leaves it off). An
            // interleaved chroma plane may even lack its very last byte: CameraX's
            // YUV_420_888 with a pixel stride of 2 hands out the V (or U) plane's buffer, which
            // ends where the other plane's last sample would be (see `to_i420`).
            let short_by = u64::from(format.interleaved_chroma() && plane == 1);
            let needed = stride * (rows - 1) + row_bytes - short_by;
            let got = data.len() as u64;
            if got < needed {
                return Err(PushError::BufferTooSmall {
                    plane: plane_u8,
                    needed,
                    got,
                });
            }
        }
        Ok(())
    }
}

/// Counters of what happened to pushed frames; cheap to read at any rate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PushStats {
    /// Frames accepted while a media session was live.
    pub accepted: u64,
    /// Frames replaced in the slot by a newer one before the encoder took them.
    pub dropped_oldest: u64,
    /// Frames pushed while no media session was live: dropped unread (privacy).
    pub dropped_not_live: u64,
    /// Pushes refused with a [`PushError`].
    pub refused: u64,
}

#[derive(Debug, Default)]
pub(crate) struct PushCounters {
    pub(crate) accepted: AtomicU64,
    pub(crate) dropped_oldest: AtomicU64,
    pub(crate) dropped_not_live: AtomicU64,
    pub(crate) refused: AtomicU64,
}

impl PushCounters {
    pub(crate) fn snapshot(&self) -> PushStats {
        PushStats {
            accepted: self.accepted.load(Relaxed),
            dropped_oldest: self.dropped_oldest.load(Relaxed),
            dropped_not_live: self.dropped_not_live.load(Relaxed),
            refused: self.refused.load(Relaxed),
        }
    }

    pub(crate) fn count<T>(&self, result: &Result<T, PushError>) {
        if result.is_err() {
            self.refused.fetch_add(1, Relaxed);
        }
    }
}

/// Maps the shell's capture clock onto `Instant`s. Re-anchors when the shell's clock jumps
/// (a camera restart) so one bad timestamp cannot stall or rush the RTP clock.
#[derive(Debug, Default)]
pub(crate) struct CaptureClock {
    anchor: Option<(u64, Instant)>,
}

impl CaptureClock {
    /// More than this between the shell's clock and ours means the shell's clock restarted.
    const MAX_SKEW: Duration = Duration::from_secs(1);

    pub(crate) fn instant(&mut self, timestamp_us: u64, now: Instant) -> Instant {
        if let Some((base_us, base)) = self.anchor
            && timestamp_us >= base_us
        {
            let at = base + Duration::from_micros(timestamp_us - base_us);
            let skew = if at > now { at - now } else { now - at };
            if skew <= Self::MAX_SKEW {
                return at;
            }
        }
        self.anchor = Some((timestamp_us, now));
        now
    }
}

/// A converted picture waiting for the encoder.
pub(crate) struct PushedPicture {
    pub(crate) buffer: I420Buffer,
    pub(crate) captured_at: Instant,
}

struct VideoInner {
    slot: DropOldest<PushedPicture>,
    /// Set while a media session pulls frames.
    live: AtomicBool,
    counters: PushCounters,
    clock: Mutex<CaptureClock>,
    /// The unrotated picture, reused; only the pushing thread touches it.
    scratch: Mutex<I420Buffer>,
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
                scratch: Mutex::new(I420Buffer::new(2, 2)),
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
        });
        {
            let mut scratch = inner.scratch.lock().unwrap_or_else(|p| p.into_inner());
            if let Err(error) = to_upright_i420(layout, planes, &mut scratch, &mut picture.buffer) {
                inner.slot.recycle(picture);
                return Err(error);
            }
        }
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
        Ok(self.current.as_ref().map(|p| p.buffer.frame(p.captured_at)))
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

impl I420Buffer {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(width: u32, height: u32, format: PixelFormat, strides: [u32; 3]) -> VideoFrameLayout {
        VideoFrameLayout {
            width,
            height,
            format,
            strides,
            rotation: Rotation::R0,
            timestamp_us: 0,
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
