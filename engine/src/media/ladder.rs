//! Which picture size and frame rate to send for the bandwidth the transport estimates.
//!
//! The estimate comes from webrtc-rs's send-side congestion controller (GCC over transport-wide
//! CC feedback, see `net/peer.rs`). Squeezing 720p into 300 kbit/s gives a smeared, blocky picture
//! in which a technician can read nothing; a smaller, sharp picture is worth more. So the
//! ladder steps the resolution down *before* the encoder's quality collapses, then the frame
//! rate (a still device label reads fine at 15 fps), and climbs back when the link recovers.
//!
//! # Hysteresis
//!
//! Every step costs a keyframe (the encoder restarts at the new size), and flapping between
//! two rungs looks worse than either. So:
//! - down: the estimate stays below the rung's floor for [`DOWN_AFTER`]; a large collapse
//!   (below half the floor) steps down at once, possibly several rungs;
//! - up: the estimate stays at least [`UP_MARGIN`] above the next rung's floor for
//!   [`UP_AFTER`], and not sooner than [`UP_HOLD_AFTER_DOWN`] after the last step down (the
//!   link just proved it cannot hold that rate).
//!
//! Sans-IO: the caller passes the estimate and the time; tests run minutes in microseconds.

use std::time::{Duration, Instant};

use super::codec::VOICE_BITRATE_BPS;

/// One rung: the largest picture, the frame rate, and the least bandwidth (total send rate,
/// audio included) it needs to look right.
///
/// A picture is measured by its shorter side (its height in landscape, its width in
/// portrait): a phone held upright sends 360x640, the same pixels as 640x360, and must get
/// the same rung, not the one a 640-line picture would need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rung {
    /// The largest shorter side ("720" of 720p).
    pub short_side: u32,
    pub fps: u32,
    /// Below this estimate the rung is left for a lower one.
    pub floor_bps: u32,
    /// The encoder is never asked for more than this at this rung: beyond it the picture does
    /// not improve visibly and the bits are better kept for the next rung up.
    pub ceiling_bps: u32,
}

/// 720p30 → 540p30 → 360p30 → 360p15 → 270p15 → 180p15. Floors follow the bitrates at which
/// Constrained Baseline at each size still shows small text (about 0.04 bits per pixel and
/// frame for camera content); the last rung has no floor: it is what a very bad link gets.
pub const LADDER: [Rung; 6] = [
    Rung {
        short_side: 720,
        fps: 30,
        floor_bps: 1_200_000,
        ceiling_bps: 2_500_000,
    },
    Rung {
        short_side: 540,
        fps: 30,
        floor_bps: 700_000,
        ceiling_bps: 1_500_000,
    },
    Rung {
        short_side: 360,
        fps: 30,
        floor_bps: 380_000,
        ceiling_bps: 900_000,
    },
    Rung {
        short_side: 360,
        fps: 15,
        floor_bps: 220_000,
        ceiling_bps: 500_000,
    },
    Rung {
        short_side: 270,
        fps: 15,
        floor_bps: 130_000,
        ceiling_bps: 300_000,
    },
    Rung {
        short_side: 180,
        fps: 15,
        floor_bps: 0,
        ceiling_bps: 180_000,
    },
];

/// What the audio track takes of the estimate before video gets the rest: the voice's Opus
/// bitrate plus its 50 packets a second of IP, UDP, RTP and SRTP headers with their
/// extensions, about 60 bytes each (24 kbit/s).
pub const AUDIO_RESERVE_BPS: u32 = VOICE_BITRATE_BPS + 24_000;
/// Video is never asked for less than this: openh264 cannot go lower usefully.
pub const MIN_VIDEO_BPS: u32 = 80_000;

pub const DOWN_AFTER: Duration = Duration::from_secs(1);
pub const UP_AFTER: Duration = Duration::from_secs(4);
pub const UP_HOLD_AFTER_DOWN: Duration = Duration::from_secs(8);
/// The estimate must exceed the next rung's floor by this factor to climb.
pub const UP_MARGIN: f64 = 1.25;

/// What the encoder should produce now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodeTarget {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub bitrate_bps: u32,
}

#[derive(Debug)]
pub struct Ladder {
    source_width: u32,
    source_height: u32,
    source_fps: u32,
    /// Index into [`LADDER`] of the highest rung this source can fill.
    top: usize,
    current: usize,
    estimate_bps: u32,
    below_since: Option<Instant>,
    above_since: Option<Instant>,
    last_down: Option<Instant>,
}

impl Ladder {
    /// Starts at the highest rung the source can fill that `initial_estimate_bps` affords.
    pub fn new(
        source_width: u32,
        source_height: u32,
        source_fps: u32,
        initial_estimate_bps: u32,
    ) -> Self {
        // Rungs taller than the source would upscale; the top is the smallest full-rate rung
        // that still holds the whole source (a 480-line camera sends 480 lines at 30 fps on
        // the 540 rung, a 240-line one on the 360p30 rung).
        let short_side = source_width.min(source_height);
        let top = LADDER
            .iter()
            .rposition(|r| r.short_side >= short_side && r.fps == LADDER[0].fps)
            .unwrap_or(0);
        let current = (top..LADDER.len())
            .find(|&i| initial_estimate_bps >= LADDER[i].floor_bps)
            .unwrap_or(LADDER.len() - 1);
        Self {
            source_width,
            source_height,
            source_fps,
            top,
            current,
            estimate_bps: initial_estimate_bps,
            below_since: None,
            above_since: None,
            last_down: None,
        }
    }

    pub fn rung(&self) -> Rung {
        LADDER[self.current]
    }

    /// How many rungs below the best this source can get: 0 on a good link.
    pub fn steps_down(&self) -> u32 {
        (self.current - self.top) as u32
    }

    /// Feeds the latest estimate (call on every change and at least once a second); returns
    /// whether the rung changed, in which case the encoder must be rebuilt at [`Self::target`].
    pub fn update(&mut self, now: Instant, estimate_bps: u32) -> bool {
        self.estimate_bps = estimate_bps;
        let rung = LADDER[self.current];

        // Down.
        if estimate_bps < rung.floor_bps {
            self.above_since = None;
            let since = *self.below_since.get_or_insert(now);
            let collapsed = estimate_bps < rung.floor_bps / 2;
            if collapsed || now.saturating_duration_since(since) >= DOWN_AFTER {
                // Straight to the rung the estimate affords: after a collapse, one step at a
                // time would spend seconds (and keyframes) on rungs that cannot work.
                let next = (self.current + 1..LADDER.len())
                    .find(|&i| estimate_bps >= LADDER[i].floor_bps)
                    .unwrap_or(LADDER.len() - 1);
                self.current = next;
                self.below_since = None;
                self.last_down = Some(now);
                return true;
            }
            return false;
        }
        self.below_since = None;

        // Up, one rung at a time.
        if self.current == self.top {
            self.above_since = None;
            return false;
        }
        let up = LADDER[self.current - 1];
        if f64::from(estimate_bps) < f64::from(up.floor_bps) * UP_MARGIN {
            self.above_since = None;
            return false;
        }
        let since = *self.above_since.get_or_insert(now);
        let held = self
            .last_down
            .is_none_or(|down| now.saturating_duration_since(down) >= UP_HOLD_AFTER_DOWN);
        if held && now.saturating_duration_since(since) >= UP_AFTER {
            self.current -= 1;
            self.above_since = None;
            return true;
        }
        false
    }

    /// The size (aspect ratio of the source kept, even dimensions), frame rate and video
    /// bitrate to encode at.
    pub fn target(&self) -> EncodeTarget {
        let rung = LADDER[self.current];
        let (w, h) = (self.source_width, self.source_height);
        let source_short = w.min(h);
        let short = rung.short_side.min(source_short);
        let (width, height) = if short == source_short {
            (w, h)
        } else {
            // Scale both sides by short/source_short, keeping the aspect ratio.
            let scale = |side: u32| {
                ((u64::from(side) * u64::from(short) / u64::from(source_short)) as u32) & !1
            };
            (scale(w), scale(h))
        };
        let video = self
            .estimate_bps
            .saturating_sub(AUDIO_RESERVE_BPS)
            .clamp(MIN_VIDEO_BPS, rung.ceiling_bps.max(MIN_VIDEO_BPS));
        EncodeTarget {
            width,
            height,
            fps: rung.fps.min(self.source_fps),
            bitrate_bps: video,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(t0: Instant, s: f64) -> Instant {
        t0 + Duration::from_secs_f64(s)
    }

    #[test]
    fn a_good_link_sends_720p30_at_up_to_the_ceiling() {
        let ladder = Ladder::new(1280, 720, 30, 3_000_000);
        assert_eq!(
            ladder.target(),
            EncodeTarget {
                width: 1280,
                height: 720,
                fps: 30,
                bitrate_bps: 2_500_000
            }
        );
    }

    #[test]
    fn a_phone_held_upright_gets_the_rung_of_the_same_picture_held_sideways() {
        let upright = Ladder::new(360, 640, 30, 1_000_000);
        let sideways = Ladder::new(640, 360, 30, 1_000_000);
        assert_eq!(upright.rung(), sideways.rung());
        let target = upright.target();
        assert_eq!(
            (target.width, target.height, target.fps),
            (360, 640, 30),
            "sent whole, not shrunk"
        );
        // A 720x1280 portrait camera on a 540 link: 540x960, the portrait of 960x540.
        let mut tall = Ladder::new(720, 1280, 30, 1_000_000);
        assert_eq!(tall.rung().short_side, 540);
        let target = tall.target();
        assert_eq!((target.width, target.height), (540, 960));
        tall.update(Instant::now(), 1_000_000);
        assert_eq!(tall.rung().short_side, 540);
    }

    #[test]
    fn a_small_source_starts_at_its_own_size() {
        let ladder = Ladder::new(640, 480, 30, 3_000_000);
        let target = ladder.target();
        assert_eq!((target.width, target.height, target.fps), (640, 480, 30));
        assert_eq!(ladder.rung(), LADDER[1], "on the 540 rung, never upscaled");
    }

    #[test]
    fn a_tiny_source_keeps_the_full_frame_rate_at_the_top() {
        let ladder = Ladder::new(320, 240, 30, 3_000_000);
        let target = ladder.target();
        assert_eq!((target.width, target.height, target.fps), (320, 240, 30));
        assert_eq!(ladder.steps_down(), 0);
    }

    #[test]
    fn steps_down_after_a_second_below_the_floor_not_before() {
        let t0 = Instant::now();
        let mut ladder = Ladder::new(1280, 720, 30, 2_000_000);
        assert_eq!(ladder.rung().short_side, 720);
        assert!(!ladder.update(secs(t0, 0.0), 1_000_000));
        assert!(!ladder.update(secs(t0, 0.5), 1_000_000));
        assert!(ladder.update(secs(t0, 1.0), 1_000_000));
        assert_eq!(ladder.rung().short_side, 540);
        let target = ladder.target();
        assert_eq!((target.width, target.height), (960, 540));
        assert_eq!(target.bitrate_bps, 1_000_000 - AUDIO_RESERVE_BPS);
    }

    #[test]
    fn a_brief_dip_is_ignored() {
        let t0 = Instant::now();
        let mut ladder = Ladder::new(1280, 720, 30, 2_000_000);
        assert!(!ladder.update(secs(t0, 0.0), 1_000_000));
        assert!(!ladder.update(secs(t0, 0.8), 1_500_000));
        assert!(!ladder.update(secs(t0, 1.5), 1_000_000));
        assert_eq!(ladder.rung().short_side, 720);
    }

    #[test]
    fn a_collapse_jumps_to_the_rung_the_link_affords() {
        let t0 = Instant::now();
        let mut ladder = Ladder::new(1280, 720, 30, 2_000_000);
        assert!(ladder.update(t0, 400_000));
        assert_eq!(ladder.rung(), LADDER[2], "360p30 at 400 kbit/s");
        assert!(ladder.update(secs(t0, 0.2), 150_000));
        assert_eq!(ladder.rung(), LADDER[4], "270p15 at 150 kbit/s");
        assert_eq!(ladder.target().fps, 15);
    }

    #[test]
    fn climbs_back_one_rung_at_a_time_with_hysteresis() {
        let t0 = Instant::now();
        let mut ladder = Ladder::new(1280, 720, 30, 2_000_000);
        assert!(ladder.update(t0, 400_000));
        assert_eq!(ladder.rung(), LADDER[2]);

        // The link recovers at once, but the ladder waits out the hold after a step down.
        let mut steps = Vec::new();
        let mut t = 0.0;
        while t < 60.0 {
            t += 0.25;
            if ladder.update(secs(t0, t), 3_000_000) {
                steps.push((t, ladder.rung().short_side));
            }
        }
        assert_eq!(steps.len(), 2, "{steps:?}");
        assert!(steps[0].0 >= 8.0, "not before the hold: {steps:?}");
        assert_eq!(steps[0].1, 540);
        assert!(
            steps[1].0 - steps[0].0 >= 4.0,
            "one rung per UP_AFTER: {steps:?}"
        );
        assert_eq!(steps[1].1, 720);
    }

    #[test]
    fn just_above_the_floor_does_not_climb() {
        let t0 = Instant::now();
        let mut ladder = Ladder::new(1280, 720, 30, 800_000);
        assert_eq!(ladder.rung(), LADDER[1]);
        for i in 0..100 {
            assert!(
                !ladder.update(secs(t0, f64::from(i)), 1_300_000),
                "1.3 < 1.2 * 1.25 Mbit/s"
            );
        }
    }

    #[test]
    fn video_leaves_room_for_audio_and_never_drops_below_the_minimum() {
        let t0 = Instant::now();
        let mut ladder = Ladder::new(1280, 720, 30, 100_000);
        ladder.update(t0, 100_000);
        let target = ladder.target();
        assert_eq!((target.width, target.height, target.fps), (320, 180, 15));
        assert_eq!(target.bitrate_bps, MIN_VIDEO_BPS);
    }
}

/// Lets through the frames of a lower frame rate than the source's: at 15 fps from a 30 fps
/// camera, every other one. Deadlines advance by the interval, so the rate stays exact even
/// when the camera's own timing jitters; a stall restarts the schedule instead of bursting.
#[derive(Debug, Default)]
pub struct FrameGate {
    next: Option<Instant>,
}

impl FrameGate {
    pub fn admit(&mut self, captured_at: Instant, fps: u32) -> bool {
        let interval = Duration::from_secs(1) / fps.max(1);
        // A quarter-interval of slack: a frame a little early for its slot still takes it.
        let slack = interval / 4;
        match self.next {
            Some(next) if captured_at + slack < next => false,
            Some(next) if captured_at < next + interval => {
                self.next = Some(next + interval);
                true
            }
            _ => {
                self.next = Some(captured_at + interval);
                true
            }
        }
    }
}

#[cfg(test)]
mod gate_tests {
    use super::*;

    #[test]
    fn half_the_frames_of_a_30_fps_source_pass_at_15() {
        let t0 = Instant::now();
        let mut gate = FrameGate::default();
        let passed = (0..300u64)
            .filter(|&i| {
                // The camera jitters by up to 3 ms either way.
                let jitter = Duration::from_millis(i % 7);
                gate.admit(t0 + Duration::from_micros(33_333 * i) + jitter, 15)
            })
            .count();
        assert!((148..=152).contains(&passed), "{passed}");
    }

    #[test]
    fn the_full_rate_passes_everything() {
        let t0 = Instant::now();
        let mut gate = FrameGate::default();
        assert!((0..90u64).all(|i| gate.admit(t0 + Duration::from_micros(33_333 * i), 30)));
    }
}
