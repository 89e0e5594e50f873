//! What the technician's decoded voice is pushed into: the [`AudioSink`] every output
//! implements (the sound card in `playback`, the shell's pull in `controls`), and the bounded
//! ring both buffer it in. A file of its own so that `playback` and `controls` share it
//! without importing each other.
//!
//! When the output stops pulling for a while (a phone's audio route changing to a headset, a
//! sound card's hiccup), the pushes go on and the ring fills up to its capacity; pulled and
//! pushed at the same pace from then on, it would keep that delay for the rest of the call.
//! So the ring skips pushed frames that are pauses while more than its cushion stood in it for
//! a whole second (`standing.rs`).

use std::collections::VecDeque;

use super::standing::{StandingWatch, is_pause};
use crate::media::source::{AUDIO_FRAME_SAMPLES, AUDIO_SAMPLE_RATE};

/// Receives decoded audio: 48 kHz mono. Must not block.
pub trait AudioSink: Send + Sync {
    fn push(&self, pcm: &[i16]);
}

/// Discards everything.
#[derive(Debug, Default)]
pub struct NullSink;

impl AudioSink for NullSink {
    fn push(&self, _pcm: &[i16]) {}
}

/// 200 ms: enough to ride out scheduling hiccups, short enough to keep a conversation natural.
pub const RING_CAPACITY: usize = AUDIO_SAMPLE_RATE as usize / 5;
/// After running dry, wait for 40 ms before playing again: resuming on every packet that
/// trickles in would sound like crackle.
const PRIME_LEVEL: usize = AUDIO_SAMPLE_RATE as usize / 25;
/// What waits before a push, at the lowest, in a ring that started at [`PRIME_LEVEL`] and is
/// pulled as evenly as it is pushed: one 20 ms frame. More than this for a whole second is
/// delay the output's stall left, which the ring skips in pauses.
const CUSHION: usize = AUDIO_FRAME_SAMPLES;

/// Bounded FIFO of samples between the decoder and the device callback (or the shell's).
#[derive(Debug)]
pub(crate) struct SampleRing {
    samples: VecDeque<i16>,
    priming: bool,
    /// Samples waiting above the priming level for good, observed before each push (the
    /// lowest point of the ring's cycle).
    watch: StandingWatch,
    last_was_pause: bool,
}

impl SampleRing {
    pub(crate) fn new() -> Self {
        Self {
            samples: VecDeque::with_capacity(RING_CAPACITY),
            priming: true,
            watch: StandingWatch::default(),
            last_was_pause: true,
        }
    }

    pub(crate) fn push(&mut self, pcm: &[i16]) {
        self.watch.observe(self.samples.len(), CUSHION);
        let pause = is_pause(pcm);
        if pause && self.last_was_pause && self.watch.standing() >= pcm.len() {
            // A pause between pauses while the ring holds more than it needs: skipped, the
            // delay is a frame shorter.
            self.watch.skipped(pcm.len());
            return;
        }
        self.last_was_pause = pause;
        let pcm = &pcm[pcm.len().saturating_sub(RING_CAPACITY)..];
        let overflow = (self.samples.len() + pcm.len()).saturating_sub(RING_CAPACITY);
        self.samples.drain(..overflow);
        self.samples.extend(pcm);
    }

    /// How many samples wait.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn len(&self) -> usize {
        self.samples.len()
    }

    /// The next sample, or `None` while empty or refilling.
    pub(crate) fn pop(&mut self) -> Option<i16> {
        if self.priming {
            if self.samples.len() < PRIME_LEVEL {
                return None;
            }
            self.priming = false;
        }
        let sample = self.samples.pop_front();
        self.priming = sample.is_none();
        sample
    }
}

#[cfg(test)]
mod tests {
    use std::ops::Range;

    use super::*;

    #[test]
    fn the_ring_drops_the_oldest_audio_when_full() {
        let mut ring = SampleRing::new();
        let first: Vec<i16> = (0..RING_CAPACITY as i32).map(|i| i as i16).collect();
        ring.push(&first);
        ring.push(&[-1; 960]);
        assert_eq!(ring.samples.len(), RING_CAPACITY);
        assert_eq!(ring.pop(), Some(960), "the first 960 samples were dropped");
        assert_eq!(ring.samples.back(), Some(&-1));
    }

    /// An output that pulls 10 ms every 10 ms, except for the ticks in `stalled`, from a ring
    /// pushed `frame` every 20 ms; returns the level before each push (the lowest point).
    fn levels_before_pushes(ticks: usize, stalled: Range<usize>, frame: &[i16]) -> Vec<usize> {
        let mut ring = SampleRing::new();
        let mut levels = Vec::new();
        for tick in 0..ticks {
            if tick % 2 == 0 {
                levels.push(ring.len());
                ring.push(frame);
            }
            if !stalled.contains(&tick) {
                for _ in 0..480 {
                    ring.pop();
                }
            }
        }
        levels
    }

    #[test]
    fn after_the_output_stalled_the_ring_skips_pauses_back_to_its_cushion() {
        // 300 ms without a pull, 1 s into the call; 5 s in all.
        let levels = levels_before_pushes(500, 100..130, &[0; 960]);
        assert_eq!(levels[40], CUSHION, "20 ms waits before a push once primed");
        assert_eq!(levels[70], RING_CAPACITY - 960, "full after the stall");
        assert_eq!(levels[249], CUSHION, "{:?}", &levels[60..]);
    }

    #[test]
    fn the_ring_never_skips_speech() {
        let levels = levels_before_pushes(500, 100..130, &[6_000; 960]);
        assert_eq!(
            levels[249],
            RING_CAPACITY - 960,
            "the delay stays rather than cut a word"
        );
    }

    #[test]
    fn the_ring_waits_for_40_ms_after_running_dry() {
        let mut ring = SampleRing::new();
        ring.push(&[7; 960]);
        assert_eq!(ring.pop(), None, "20 ms is not enough to start");
        ring.push(&[7; 960]);
        assert_eq!(ring.pop(), Some(7));
        while ring.pop().is_some() {}
        ring.push(&[7; 960]);
        assert_eq!(ring.pop(), None, "refilling after an underrun");
    }
}
