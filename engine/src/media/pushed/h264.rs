//! H.264 access units pushed by a shell from the platform's hardware encoder (MediaCodec,
//! VideoToolbox), sent without decoding or re-encoding: the cheapest path a phone has.
//!
//! The engine cannot make a keyframe itself here, so it asks the shell for one
//! ([`ShellRequest::KeyframeNeeded`](super::ShellRequest)) when the receiver sends PLI/FIR, when the
//! connection (re)starts and after it had to drop an access unit.

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::latest::{DropOldest, Published};
use super::types::{CaptureClock, PushCounters, PushError, PushStats, Rotation};

/// Two access units: a keyframe may take longer to send than one frame interval.
const QUEUE_UNITS: usize = 2;
/// A 4K IDR at a high bitrate stays well below this; anything larger is not a frame.
const MAX_ACCESS_UNIT: usize = 4 * 1024 * 1024;

const NAL_IDR: u8 = 5;

pub(crate) struct AccessUnit {
    pub(crate) data: Bytes,
    pub(crate) keyframe: bool,
    pub(crate) captured_at: Instant,
    /// The turn the picture still needs to be upright, for the receiver to make.
    pub(crate) rotation: Rotation,
}

struct H264Inner {
    queue: DropOldest<AccessUnit>,
    live: AtomicBool,
    /// Set when an access unit was dropped: the decoder's reference chain is broken.
    gap: AtomicBool,
    counters: PushCounters,
    clock: Mutex<CaptureClock>,
    /// Every technician takes the video-orientation extension (see
    /// [`PushedH264::receivers_turn_pictures`]); kept by the passthrough thread.
    receivers_turn: AtomicBool,
}

/// The shell's side of pushed H.264. Cheap to clone.
#[derive(Clone)]
pub struct PushedH264 {
    inner: Arc<H264Inner>,
}

impl std::fmt::Debug for PushedH264 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushedH264")
            .field("stats", &self.stats())
            .finish()
    }
}

impl Default for PushedH264 {
    fn default() -> Self {
        Self {
            inner: Arc::new(H264Inner {
                queue: DropOldest::new(QUEUE_UNITS),
                live: AtomicBool::new(false),
                gap: AtomicBool::new(false),
                counters: PushCounters::default(),
                clock: Mutex::new(CaptureClock::default()),
                receivers_turn: AtomicBool::new(false),
            }),
        }
    }
}

/// The NAL unit types in an Annex B byte stream.
pub fn annex_b_nal_types(data: &[u8]) -> impl Iterator<Item = u8> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        while i + 3 <= data.len() {
            if data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1 {
                i += 3;
                return data.get(i).map(|header| header & 0x1f);
            }
            i += 1;
        }
        None
    })
}

impl PushedH264 {
    /// One access unit (all NAL units of one picture, Annex B with start codes; SPS and PPS
    /// before every IDR, as MediaCodec and VideoToolbox produce with the usual settings).
    /// `keyframe` is the encoder's flag (`BUFFER_FLAG_KEY_FRAME`, no `NotSync` attachment).
    /// `rotation` is the turn the encoded picture still needs to be upright: anything but
    /// `R0` only while [`receivers_turn_pictures`](Self::receivers_turn_pictures) says so.
    /// The data is copied: the packetizer runs after this call returns.
    pub fn push(
        &self,
        access_unit: &[u8],
        keyframe: bool,
        timestamp_us: u64,
        rotation: Rotation,
    ) -> Result<(), PushError> {
        let result = self.push_inner(access_unit, keyframe, timestamp_us, rotation);
        self.inner.counters.count(&result);
        result
    }

    /// Whether the shell may encode pictures as the camera sensor lies and push them with the
    /// turn they need: true while every technician's connection takes the RTP
    /// video-orientation extension, so their browsers turn the pictures for display. A shell
    /// asks before encoding each picture; while false it turns the picture upright first (an
    /// H.264 picture cannot be turned afterwards), which changes its size and so needs a new
    /// encoder.
    pub fn receivers_turn_pictures(&self) -> bool {
        self.inner.receivers_turn.load(Relaxed)
    }

    fn push_inner(
        &self,
        access_unit: &[u8],
        keyframe: bool,
        timestamp_us: u64,
        rotation: Rotation,
    ) -> Result<(), PushError> {
        if access_unit.is_empty() || access_unit.len() > MAX_ACCESS_UNIT {
            return Err(PushError::H264(format!(
                "an access unit of {} bytes: must be 1 byte to {MAX_ACCESS_UNIT}",
                access_unit.len()
            )));
        }
        if !(access_unit.starts_with(&[0, 0, 1]) || access_unit.starts_with(&[0, 0, 0, 1])) {
            return Err(PushError::H264(
                "the access unit does not start with an Annex B start code".into(),
            ));
        }
        let has_idr = annex_b_nal_types(access_unit).any(|t| t == NAL_IDR);
        if keyframe && !has_idr {
            return Err(PushError::H264(
                "flagged as a keyframe but holds no IDR slice".into(),
            ));
        }
        let inner = &*self.inner;
        if !inner.live.load(Relaxed) {
            inner.counters.dropped_not_live.fetch_add(1, Relaxed);
            return Ok(());
        }
        let captured_at = inner
            .clock
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .instant(timestamp_us, Instant::now());
        inner.counters.accepted.fetch_add(1, Relaxed);
        let unit = AccessUnit {
            data: Bytes::copy_from_slice(access_unit),
            keyframe: has_idr,
            captured_at,
            rotation,
        };
        if inner.queue.publish(unit) == Published::DroppedOldest {
            inner.counters.dropped_oldest.fetch_add(1, Relaxed);
            inner.gap.store(true, Relaxed);
        }
        Ok(())
    }

    pub fn stats(&self) -> PushStats {
        self.inner.counters.snapshot()
    }

    pub(crate) fn attach(&self) -> PushedH264Source {
        self.inner.queue.clear();
        self.inner.gap.store(false, Relaxed);
        self.inner.live.store(true, Relaxed);
        PushedH264Source {
            inner: Arc::clone(&self.inner),
        }
    }
}

/// The passthrough thread's side.
pub(crate) struct PushedH264Source {
    inner: Arc<H264Inner>,
}

impl PushedH264Source {
    /// The next access unit, and whether any were dropped before it.
    pub(crate) fn next(&self, timeout: Duration) -> Option<(AccessUnit, bool)> {
        let unit = self.inner.queue.pop(timeout)?;
        Some((unit, self.inner.gap.swap(false, Relaxed)))
    }

    /// Tells the shell whether every technician turns pictures for display.
    pub(crate) fn set_receivers_turn(&self, all_do: bool) {
        self.inner.receivers_turn.store(all_do, Relaxed);
    }
}

impl Drop for PushedH264Source {
    fn drop(&mut self) {
        self.inner.live.store(false, Relaxed);
        self.inner.receivers_turn.store(false, Relaxed);
        self.inner.queue.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_units_are_checked() {
        let h264 = PushedH264::default();
        assert!(matches!(
            h264.push(&[], false, 0, Rotation::R0),
            Err(PushError::H264(_))
        ));
        assert!(matches!(
            h264.push(&[1, 2, 3, 4], false, 0, Rotation::R0),
            Err(PushError::H264(_))
        ));
        // A P slice (type 1) flagged as a keyframe.
        assert!(matches!(
            h264.push(&[0, 0, 0, 1, 0x41, 0x9a], true, 0, Rotation::R0),
            Err(PushError::H264(_))
        ));
        // SPS, PPS, IDR.
        let idr = [
            0, 0, 0, 1, 0x67, 0x42, 0, 0, 1, 0x68, 0xce, 0, 0, 1, 0x65, 0x88,
        ];
        assert_eq!(annex_b_nal_types(&idr).collect::<Vec<_>>(), vec![7, 8, 5]);
        assert_eq!(h264.push(&idr, true, 0, Rotation::R0), Ok(()));
        assert_eq!(
            h264.stats().dropped_not_live,
            1,
            "no session yet: dropped unread"
        );
    }

    #[test]
    fn a_dropped_unit_is_reported_as_a_gap() {
        let h264 = PushedH264::default();
        let source = h264.attach();
        let p = [0, 0, 0, 1, 0x41, 0x9a];
        for _ in 0..3 {
            h264.push(&p, false, 0, Rotation::R0).unwrap();
        }
        let (_, gap) = source.next(Duration::ZERO).unwrap();
        assert!(gap);
        let (_, gap) = source.next(Duration::ZERO).unwrap();
        assert!(!gap);
    }
}
