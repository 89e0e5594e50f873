//! The video thread's side of adaptation: follows the congestion controller's estimate with
//! the encoder's bitrate, rebuilds the encoder when the ladder changes rung, and scales and
//! thins the camera's frames to the rung's size and rate (see `ladder.rs`, `scale.rs`).

use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use super::codec::{H264Encoder, H264Settings};
use super::error::MediaError;
use super::ladder::{EncodeTarget, FrameGate, Ladder};
use super::scale::Scaler;
use super::source::VideoFrame;
use super::stats::StatsCounters;

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
        assert_eq!(stats.video_target_bps.load(Relaxed), 250_000);
        let (size, first) = encode(5, &mut adapter, &mut encoder);
        assert_eq!(size, (640, 360));
        let first = first.expect("the first frame at the new size is encoded");
        assert!(first.keyframe && is_keyframe(&first.data));
        assert!(
            has_parameter_sets_before_idr(&first.data),
            "SPS and PPS precede the IDR"
        );
    }
}
