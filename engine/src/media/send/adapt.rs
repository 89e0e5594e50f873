//! The video thread's side of adaptation: follows the congestion controller's estimate with
//! the encoder's bitrate, rebuilds the encoder when the ladder changes rung, and scales and
//! thins the camera's frames to the rung's size and rate (see `ladder.rs`, `scale.rs`).

use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use crate::media::codec::{H264Encoder, H264Settings};
use crate::media::error::MediaError;
use crate::media::ladder::{EncodeTarget, FrameGate, Ladder};
use crate::media::scale::Scaler;
use crate::media::source::VideoFrame;
use crate::media::stats::StatsCounters;

/// The ladder's timers need a look at least this often even when the estimate holds still.
const RECHECK: Duration = Duration::from_millis(250);
/// Bitrate changes smaller than this are not worth an encoder call.
const BITRATE_STEP: f64 = 0.05;

pub(crate) struct VideoAdapter {
    ladder: Ladder,
    gate: FrameGate,
    scaler: Scaler,
    target: EncodeTarget,
    last_check: Option<Instant>,
    last_estimate: u32,
}

impl VideoAdapter {
    /// `source` is what the camera delivers (the encoder is first built for it).
    pub(crate) fn new(source: H264Settings, initial_estimate_bps: u32) -> Self {
        let ladder = Ladder::new(
            source.width,
            source.height,
            source.fps,
            initial_estimate_bps,
        );
        Self {
            target: ladder.target(),
            ladder,
            gate: FrameGate::default(),
            scaler: Scaler::default(),
            last_check: None,
            last_estimate: initial_estimate_bps,
        }
    }

    /// Brings the encoder in line with the estimate; call before each frame. Rebuilding the
    /// encoder for a new size makes its next frame an IDR with SPS and PPS.
    pub(crate) fn follow(
        &mut self,
        now: Instant,
        estimate_bps: u32,
        encoder: &mut H264Encoder,
        stats: &StatsCounters,
    ) -> Result<(), MediaError> {
        let due = self
            .last_check
            .is_none_or(|at| now.saturating_duration_since(at) >= RECHECK);
        if estimate_bps == self.last_estimate && !due {
            return Ok(());
        }
        self.last_check = Some(now);
        self.last_estimate = estimate_bps;
        let rung_changed = self.ladder.update(now, estimate_bps);
        self.target = self.ladder.target();
        let target = self.target;
        let current = encoder.settings();
        if rung_changed
            || (current.width, current.height, current.fps)
                != (target.width, target.height, target.fps)
        {
            tracing::info!(
                width = target.width,
                height = target.height,
                fps = target.fps,
                bitrate = target.bitrate_bps,
                estimate = estimate_bps,
                "video steps to a new rung"
            );
            *encoder = H264Encoder::new(H264Settings {
                width: target.width,
                height: target.height,
                fps: target.fps,
                bitrate_bps: target.bitrate_bps,
            })?;
        } else {
            let old = f64::from(current.bitrate_bps);
            if (f64::from(target.bitrate_bps) - old).abs() > old * BITRATE_STEP {
                encoder.set_bitrate(target.bitrate_bps)?;
            }
        }
        stats.encode_width.store(target.width, Relaxed);
        stats.encode_height.store(target.height, Relaxed);
        stats.encode_fps.store(target.fps, Relaxed);
        stats
            .ladder_steps_down
            .store(self.ladder.steps_down(), Relaxed);
        stats
            .video_target_bps
            .store(encoder.settings().bitrate_bps, Relaxed);
        Ok(())
    }

    /// Whether this frame is sent at the rung's frame rate.
    pub(crate) fn admit(&mut self, captured_at: Instant) -> bool {
        self.gate.admit(captured_at, self.target.fps)
    }

    /// The frame at the rung's size: itself if it already is, a scaled copy otherwise.
    pub(crate) fn fit<'a, 'f: 'a>(
        &'a mut self,
        frame: VideoFrame<'f>,
    ) -> Result<VideoFrame<'a>, MediaError> {
        if (frame.width, frame.height) == (self.target.width, self.target.height) {
            return Ok(frame);
        }
        self.scaler
            .scale(&frame, self.target.width, self.target.height)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::codec::h264::{has_parameter_sets_before_idr, is_keyframe};
    use crate::media::source::TestPattern;

    #[test]
    fn a_collapse_rebuilds_the_encoder_smaller_and_starts_with_sps_pps_idr() {
        let source = H264Settings {
            width: 1280,
            height: 720,
            fps: 30,
            bitrate_bps: 2_000_000,
        };
        let mut encoder = H264Encoder::new(source).unwrap();
        let mut adapter = VideoAdapter::new(source, 2_500_000);
        let stats = StatsCounters::default();
        let mut pattern = TestPattern::new(1280, 720, 30);
        let t0 = Instant::now();
        let mut encode = |i: u64, adapter: &mut VideoAdapter, encoder: &mut H264Encoder| {
            let frame = pattern.render(i).frame(t0 + Duration::from_millis(33 * i));
            let frame = adapter.fit(frame).unwrap();
            let size = (frame.width, frame.height);
            (size, encoder.encode(&frame).unwrap())
        };

        adapter.follow(t0, 2_500_000, &mut encoder, &stats).unwrap();
        for i in 0..5 {
            let (size, _) = encode(i, &mut adapter, &mut encoder);
            assert_eq!(size, (1280, 720));
        }
        assert_eq!(stats.encode_height.load(Relaxed), 720);

        // The link collapses to 300 kbit/s: straight down to 360p15.
        adapter
            .follow(
                t0 + Duration::from_millis(200),
                300_000,
                &mut encoder,
                &stats,
            )
            .unwrap();
        assert_eq!(stats.encode_height.load(Relaxed), 360);
        assert_eq!(stats.encode_fps.load(Relaxed), 15);
        assert_eq!(
            stats.video_target_bps.load(Relaxed),
            300_000 - crate::media::ladder::AUDIO_RESERVE_BPS
        );
        let (size, first) = encode(5, &mut adapter, &mut encoder);
        assert_eq!(size, (640, 360));
        let first = first.expect("the first frame at the new size is encoded");
        assert!(first.keyframe && is_keyframe(&first.data));
        assert!(
            has_parameter_sets_before_idr(&first.data),
            "SPS and PPS precede the IDR"
        );
    }

    /// Walks the estimate from each rung's floor to past its ceiling and back, the way GCC
    /// moves it, and reads openh264's own rate-control target after every step: it must
    /// follow the estimate both ways, and its maximum must stay within the rung's ceiling.
    #[test]
    fn the_encoder_target_follows_the_estimate_up_and_down_at_every_rung() {
        use crate::media::ladder::{AUDIO_RESERVE_BPS, LADDER, MIN_VIDEO_BPS};

        let source = H264Settings {
            width: 1280,
            height: 720,
            fps: 30,
            bitrate_bps: 2_000_000,
        };
        let mut pattern = TestPattern::new(1280, 720, 30);
        let stats = StatsCounters::default();
        for (index, rung) in LADDER.iter().enumerate() {
            // The last rung has no floor: start it where video gets its least.
            let floor = rung.floor_bps.max(MIN_VIDEO_BPS);
            let top = (rung.ceiling_bps + AUDIO_RESERVE_BPS) * 13 / 10;
            let mut estimates = Vec::new();
            let mut e = floor;
            while e < top {
                estimates.push(e);
                e += e / 10;
            }
            estimates.push(top);
            let down: Vec<u32> = estimates.iter().rev().skip(1).copied().collect();
            estimates.extend(down);

            let mut encoder = H264Encoder::new(source).unwrap();
            let mut adapter = VideoAdapter::new(source, floor);
            // Steps 10 ms apart: the whole walk takes less than the ladder's UP_AFTER, so the
            // rung stays put and only the bitrate moves.
            let t0 = Instant::now();
            let (mut highest, mut lowest_after_peak, mut peaked) = (0, u32::MAX, false);
            for (step, &estimate) in estimates.iter().enumerate() {
                let now = t0 + Duration::from_millis(10 * step as u64);
                adapter
                    .follow(now, estimate, &mut encoder, &stats)
                    .unwrap_or_else(|e| {
                        panic!("rung {index}, estimate {estimate}: {e}");
                    });
                assert_eq!(adapter.ladder.rung(), *rung, "rung {index} held");
                let frame = pattern.render(step as u64).frame(now);
                let frame = adapter.fit(frame).unwrap();
                encoder.encode(&frame).unwrap();

                let wanted = estimate
                    .saturating_sub(AUDIO_RESERVE_BPS)
                    .clamp(MIN_VIDEO_BPS, rung.ceiling_bps);
                let (target, max) = encoder.encoder_bitrates().expect("initialised");
                // The adapter leaves changes under BITRATE_STEP alone.
                let off = (f64::from(target) - f64::from(wanted)).abs();
                assert!(
                    off <= f64::from(target) * BITRATE_STEP,
                    "rung {index}, estimate {estimate}: openh264 targets {target}, wanted {wanted}"
                );
                assert!(
                    target <= max && max <= rung.ceiling_bps,
                    "rung {index}: target {target}, max {max}, ceiling {}",
                    rung.ceiling_bps
                );
                highest = highest.max(target);
                peaked |= estimate == top;
                if peaked {
                    lowest_after_peak = lowest_after_peak.min(target);
                }
            }
            assert!(
                f64::from(highest) >= f64::from(rung.ceiling_bps) * (1.0 - BITRATE_STEP),
                "rung {index} climbs to its ceiling {}, not {highest}",
                rung.ceiling_bps
            );
            let floor_video = floor.saturating_sub(AUDIO_RESERVE_BPS).max(MIN_VIDEO_BPS);
            assert!(
                f64::from(lowest_after_peak) <= f64::from(floor_video) * (1.0 + BITRATE_STEP),
                "rung {index} comes back down to {floor_video}, not {lowest_after_peak}"
            );
        }
    }
}
