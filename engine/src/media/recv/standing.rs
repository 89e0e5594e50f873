//! Delay that stands in a playout buffer, and the pauses where it may go unheard.
//!
//! A buffer that is filled and drained at the same pace keeps whatever level a burst left it
//! at: the packets that arrive at once after a stall on the downlink (`jitter.rs`), or the
//! samples that piled up while the audio output did not pull (`sink.rs`). Each such burst
//! would make every later word of the technician's come that much later, for the rest of the
//! call. [`StandingWatch`] finds what stayed above a buffer's cushion for a whole second:
//! jitter goes up and down within that time, standing delay does not. [`is_pause`] says where
//! 20 ms of it may be skipped without a listener missing anything.

use crate::media::codec::rms;

/// Below this RMS (-40 dBFS, full scale 1.0) 20 ms is a pause: room tone after the
/// technician's browser suppressed the noise, or the fading tail of a word.
const PAUSE_RMS: f32 = 0.01;

/// Levels observed (one a 20 ms frame) before what stayed above the cushion counts as
/// standing: one second, longer than any jitter a cushion is for.
const WATCH_FRAMES: u32 = 50;

/// Whether `pcm` is a pause in the talk.
pub(crate) fn is_pause(pcm: &[i16]) -> bool {
    rms(pcm) < PAUSE_RMS
}

/// The lowest level a buffer kept over the last [`WATCH_FRAMES`] observations, and how much
/// of it may still be skipped (in the buffer's own unit: packets, samples).
#[derive(Debug, Default)]
pub(crate) struct StandingWatch {
    lowest: Option<usize>,
    observed: u32,
    standing: usize,
}

impl StandingWatch {
    /// Notes the buffer's `level` once a frame, at the point of its cycle where it is lowest.
    /// After a second, what stayed above `cushion` all along stands, in place of what stood
    /// before.
    pub(crate) fn observe(&mut self, level: usize, cushion: usize) {
        self.lowest = Some(self.lowest.map_or(level, |lowest| lowest.min(level)));
        self.observed += 1;
        if self.observed == WATCH_FRAMES {
            self.standing = self.lowest.map_or(0, |l| l.saturating_sub(cushion));
            self.lowest = None;
            self.observed = 0;
        }
    }

    /// What may still be skipped. The next observation records the lower level, so skipping
    /// needs no other correction.
    pub(crate) fn standing(&self) -> usize {
        self.standing
    }

    pub(crate) fn skipped(&mut self, amount: usize) {
        self.standing = self.standing.saturating_sub(amount);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_stayed_above_the_cushion_for_a_whole_second_stands() {
        let mut watch = StandingWatch::default();
        for frame in 0..WATCH_FRAMES - 1 {
            // Jitter: down to the cushion once in a while.
            watch.observe(if frame % 10 == 0 { 2 } else { 9 }, 2);
        }
        assert_eq!(watch.standing(), 0, "not a second yet");
        watch.observe(9, 2);
        assert_eq!(watch.standing(), 0, "it went down to the cushion: jitter");
        for _ in 0..WATCH_FRAMES {
            watch.observe(9, 2);
        }
        assert_eq!(watch.standing(), 7);
        watch.skipped(3);
        assert_eq!(watch.standing(), 4);
        watch.skipped(10);
        assert_eq!(watch.standing(), 0);
    }

    #[test]
    fn silence_and_a_faint_tail_are_pauses_and_speech_is_not() {
        assert!(is_pause(&[0; 960]));
        assert!(is_pause(&[200; 960]), "-44 dBFS");
        assert!(!is_pause(&[400; 960]), "-38 dBFS");
        assert!(!is_pause(&[6_000; 960]));
    }
}
