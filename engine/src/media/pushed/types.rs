//! The types every pushed input shares: the shells' pixel layouts and rotations, what a
//! push can be refused for, the counters the shells read back, and the capture clock that
//! maps a shell's timestamps onto ours. Kept apart from the inputs themselves so that video,
//! audio, H.264 and the converter each depend on these, never on one another.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

/// Pixel layouts the shells' cameras deliver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
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

    /// The planes hold Y, U and V (not RGB), 4:2:0: width and height must be even.
    pub(crate) fn is_yuv(self) -> bool {
        !matches!(self, PixelFormat::Bgra | PixelFormat::Rgba)
    }

    /// NV12 and NV21: plane 1 holds U and V in pairs.
    pub(crate) fn interleaved_chroma(self) -> bool {
        matches!(self, PixelFormat::Nv12 | PixelFormat::Nv21)
    }
}

pub use crate::media::source::Rotation;

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
    /// The YUV planes span the full 0–255 range (JFIF, what Android's Camera2 hands out),
    /// not BT.601's limited 16–235; the engine scales them to what its encoder says it sends.
    /// Ignored for RGB formats.
    pub full_range: bool,
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
        debug_assert!(format.is_yuv() || width % 2 == 0);
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
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
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
