//! A synthetic microphone: a sine tone that rises and falls four times a second, like the
//! syllables of speech.
//!
//! A steady tone would be silenced on the way: Opus's DTX takes a sound that never changes
//! for background noise and, after about a second, sends 1-byte comfort-noise packets. The
//! technician would hear the customer's synthetic microphone for one second and then
//! nothing.

use std::time::Duration;

use super::{
    AUDIO_FRAME_DURATION, AUDIO_FRAME_SAMPLES, AUDIO_SAMPLE_RATE, AudioFrame, AudioSource, Pacer,
    SourceError,
};

/// About -14 dBFS at the loudest: clearly audible, far from clipping, and leaves Opus's voice
/// mode headroom.
const AMPLITUDE: f64 = 0.2 * i16::MAX as f64;
/// Loudness swells per second (a syllable rate of speech).
const SYLLABLES_HZ: f64 = 4.0;
/// The quietest point of a swell, as a share of [`AMPLITUDE`]: never silent.
const FLOOR: f64 = 0.15;

/// An [`AudioSource`] producing a sine tone in real time.
pub struct SineTone {
    phase: f64,
    step: f64,
    swell_phase: f64,
    samples: [i16; AUDIO_FRAME_SAMPLES],
    pacer: Pacer,
}

impl SineTone {
    pub fn new(frequency_hz: f32) -> Self {
        Self {
            phase: 0.0,
            step: std::f64::consts::TAU * f64::from(frequency_hz) / f64::from(AUDIO_SAMPLE_RATE),
            swell_phase: 0.0,
            samples: [0; AUDIO_FRAME_SAMPLES],
            pacer: Pacer::new(AUDIO_FRAME_DURATION),
        }
    }

    /// Computes the next 20 ms without waiting for the clock (benches, tests).
    pub fn render(&mut self) -> &[i16; AUDIO_FRAME_SAMPLES] {
        use std::f64::consts::TAU;
        let swell_step = TAU * SYLLABLES_HZ / f64::from(AUDIO_SAMPLE_RATE);
        for sample in &mut self.samples {
            let swell = FLOOR + (1.0 - FLOOR) * 0.5 * (1.0 - self.swell_phase.cos());
            *sample = (self.phase.sin() * swell * AMPLITUDE) as i16;
            // Wrapped each sample so the phases never lose precision over a long session.
            self.phase = (self.phase + self.step) % TAU;
            self.swell_phase = (self.swell_phase + swell_step) % TAU;
        }
        &self.samples
    }
}

impl AudioSource for SineTone {
    fn next_frame(&mut self, timeout: Duration) -> Result<Option<AudioFrame<'_>>, SourceError> {
        let Some(captured_at) = self.pacer.wait(timeout) else {
            return Ok(None);
        };
        Ok(Some(AudioFrame {
            samples: self.render(),
            captured_at,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tone_has_the_requested_pitch_and_level() {
        let mut tone = SineTone::new(440.0);
        let mut all = Vec::new();
        for _ in 0..50 {
            all.extend_from_slice(tone.render());
        }
        // One second of a 440 Hz sine crosses zero upwards 440 times.
        let rising = all.windows(2).filter(|w| w[0] < 0 && w[1] >= 0).count();
        assert!(
            (439..=441).contains(&rising),
            "{rising} rising zero crossings"
        );
        let peak = all.iter().map(|s| s.unsigned_abs()).max().unwrap();
        assert!((6000..=6600).contains(&peak), "peak {peak}");
    }
}
