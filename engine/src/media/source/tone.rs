//! A synthetic microphone: a steady sine tone.

use std::time::Duration;

use super::{
    AUDIO_FRAME_DURATION, AUDIO_FRAME_SAMPLES, AUDIO_SAMPLE_RATE, AudioFrame, AudioSource, Pacer,
    SourceError,
};

/// About -14 dBFS: clearly audible, far from clipping, and leaves Opus's voice mode headroom.
const AMPLITUDE: f64 = 0.2 * i16::MAX as f64;

/// An [`AudioSource`] producing a sine tone in real time.
pub struct SineTone {
    phase: f64,
    step: f64,
    samples: [i16; AUDIO_FRAME_SAMPLES],
    pacer: Pacer,
}

impl SineTone {
    pub fn new(frequency_hz: f32) -> Self {
        Self {
            phase: 0.0,
            step: std::f64::consts::TAU * f64::from(frequency_hz) / f64::from(AUDIO_SAMPLE_RATE),
            samples: [0; AUDIO_FRAME_SAMPLES],
            pacer: Pacer::new(AUDIO_FRAME_DURATION),
        }
    }

    /// Computes the next 20 ms without waiting for the clock (benches, tests).
    pub fn render(&mut self) -> &[i16; AUDIO_FRAME_SAMPLES] {
        for sample in &mut self.samples {
            *sample = (self.phase.sin() * AMPLITUDE) as i16;
            // Wrapped each sample so the phase never loses precision over a long session.
            self.phase = (self.phase + self.step) % std::f64::consts::TAU;
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
