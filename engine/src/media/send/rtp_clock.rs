//! RTP timestamps from capture times.
//!
//! webrtc-rs stamps a sample with the track's running timestamp and *then* advances it by the
//! sample's `duration`: a sample's duration really sets the timestamp of the one after it.
//! [`RtpClock`] therefore picks each duration so that the running timestamp lands where the
//! next frame is expected (this frame's capture time plus one nominal interval). Timestamps
//! follow the capture clock without drift, a skipped or dropped frame shows up as a gap, and
//! the error is at most one frame's jitter.

use std::time::{Duration, Instant};

#[derive(Debug)]
pub(crate) struct RtpClock {
    rate: u64,
    nominal_ticks: u64,
    origin: Option<Instant>,
    /// Ticks handed out so far: the running timestamp, relative to the first frame.
    emitted: u64,
}

impl RtpClock {
    pub(crate) fn new(rate: u32, nominal_interval: Duration) -> Self {
        let rate = u64::from(rate);
        // Rounded: 1/30 s is 33_333_333 ns, which truncates to 2999 ticks instead of 3000.
        let nominal_ticks =
            ((nominal_interval.as_nanos() as u64 * rate + 500_000_000) / 1_000_000_000).max(1);
        Self {
            rate,
            nominal_ticks,
            origin: None,
            emitted: 0,
        }
    }

    /// The duration to give the frame captured at `captured_at`, and the clock state to
    /// [`commit`](Self::commit) if the frame is actually sent.
    pub(crate) fn duration_for(&self, captured_at: Instant) -> (Duration, RtpClockCommit) {
        let origin = self.origin.unwrap_or(captured_at);
        let elapsed = captured_at.saturating_duration_since(origin);
        let target = (elapsed.as_nanos() as u64).saturating_mul(self.rate) / 1_000_000_000;
        // Never less than half a frame, so frames that arrive bunched up keep distinct,
        // increasing timestamps; the clock catches up over the next frames.
        let ticks = (target + self.nominal_ticks)
            .saturating_sub(self.emitted)
            .max(self.nominal_ticks / 2)
            .max(1);
        (
            ticks_to_duration(ticks, self.rate),
            RtpClockCommit {
                origin,
                emitted: self.emitted + ticks,
            },
        )
    }

    pub(crate) fn commit(&mut self, commit: RtpClockCommit) {
        self.origin = Some(commit.origin);
        self.emitted = commit.emitted;
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct RtpClockCommit {
    origin: Instant,
    emitted: u64,
}

/// A duration webrtc-rs turns back into exactly `ticks` (it computes
/// `(duration.as_secs_f64() * rate) as u32`, which truncates): rounding the nanoseconds up
/// keeps the product just above the integer instead of just below it.
pub(crate) fn ticks_to_duration(ticks: u64, rate: u64) -> Duration {
    Duration::from_nanos((ticks * 1_000_000_000).div_ceil(rate))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn webrtc_ticks(d: Duration, rate: u64) -> u64 {
        (d.as_secs_f64() * rate as f64) as u32 as u64
    }

    #[test]
    fn durations_convert_back_to_exact_ticks() {
        for ticks in [1, 2999, 3000, 3001, 960, 90_000, 1_234_567] {
            assert_eq!(
                webrtc_ticks(ticks_to_duration(ticks, 90_000), 90_000),
                ticks
            );
            assert_eq!(
                webrtc_ticks(ticks_to_duration(ticks, 48_000), 48_000),
                ticks
            );
        }
    }

    #[test]
    fn timestamps_follow_capture_times_including_gaps() {
        let t0 = Instant::now();
        let mut clock = RtpClock::new(90_000, Duration::from_secs(1) / 30);
        let mut running = 0u64;
        let mut stamps = Vec::new();
        // 30 fps, with frame 3 never sent (dropped) and frame 5 a whole frame late.
        let captures_ms = [0u64, 33, 67, 100, 133, 200, 233];
        for (i, ms) in captures_ms.iter().enumerate() {
            let (d, commit) = clock.duration_for(t0 + Duration::from_millis(*ms));
            if i == 3 {
                continue;
            }
            stamps.push(running);
            running += webrtc_ticks(d, 90_000);
            clock.commit(commit);
        }
        // Sent frames 0, 1, 2, 4, 5, 6: each is stamped where the previous sent frame predicted
        // it (that frame's capture time + 1/30 s), so a gap shows one frame late and no error
        // accumulates.
        assert_eq!(stamps, vec![0, 3000, 5970, 9030, 14970, 21000]);
    }
}
