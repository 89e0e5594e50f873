//! What the technician's decoded voice is pushed into: the [`AudioSink`] every output
//! implements (the sound card in `playback`, the shell's pull in `controls`), and the bounded
//! ring both buffer it in. A file of its own so that `playback` and `controls` share it
//! without importing each other.

use std::collections::VecDeque;

use crate::media::source::AUDIO_SAMPLE_RATE;

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

/// Bounded FIFO of samples between the decoder and the device callback (or the shell's).
#[derive(Debug)]
pub(crate) struct SampleRing {
    samples: VecDeque<i16>,
    priming: bool,
}

impl SampleRing {
    pub(crate) fn new() -> Self {
        Self {
            samples: VecDeque::with_capacity(RING_CAPACITY),
            priming: true,
        }
    }

    pub(crate) fn push(&mut self, pcm: &[i16]) {
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
