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
    ///
    /// The tone and its swell are phasors turned by a fixed step each sample (a complex
    /// multiplication: four multiplications and two additions), started each frame from the
    /// exact phases: a `sin` and a `cos` per sample cost about a percent of a 720p call's
    /// CPU. Over one frame's 960 steps the rotation drifts by far less than a sample's LSB.
    pub fn render(&mut self) -> &[i16; AUDIO_FRAME_SAMPLES] {
        use std::f64::consts::TAU;
        let swell_step = TAU * SYLLABLES_HZ / f64::from(AUDIO_SAMPLE_RATE);
        let mut tone = Phasor::at(self.phase, self.step);
        let mut swell = Phasor::at(self.swell_phase, swell_step);
        for sample in &mut self.samples {
            let loudness = FLOOR + (1.0 - FLOOR) * 0.5 * (1.0 - swell.cos);
            *sample = (tone.sin * loudness * AMPLITUDE) as i16;
            tone.turn();
            swell.turn();
        }
        // Wrapped each frame so the phases never lose precision over a long session.
        let steps = AUDIO_FRAME_SAMPLES as f64;
        self.phase = (self.phase + self.step * steps) % TAU;
        self.swell_phase = (self.swell_phase + swell_step * steps) % TAU;
        &self.samples
    }
}

/// `(cos, sin)` of a phase that advances by a fixed step.
struct Phasor {
    cos: f64,
    sin: f64,
    step_cos: f64,
    step_sin: f64,
}

impl Phasor {
    fn at(phase: f64, step: f64) -> Self {
        Phasor {
            cos: phase.cos(),
            sin: phase.sin(),
            step_cos: step.cos(),
            step_sin: step.sin(),
        }
    }

    fn turn(&mut self) {
        let (c, s) = (self.cos, self.sin);
        self.cos = c * self.step_cos - s * self.step_sin;
        self.sin = s * self.step_cos + c * self.step_sin;
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

    #[test]
    fn the_turned_phasors_draw_the_same_samples_as_sin_and_cos() {
        use std::f64::consts::TAU;
        let mut tone = SineTone::new(440.0);
        let step = TAU * 440.0 / f64::from(AUDIO_SAMPLE_RATE);
        let swell_step = TAU * SYLLABLES_HZ / f64::from(AUDIO_SAMPLE_RATE);
        // A minute: the phases wrap many times.
        for frame in 0..3000usize {
            let samples = *tone.render();
            for (i, &sample) in samples.iter().enumerate() {
                let n = (frame * AUDIO_FRAME_SAMPLES + i) as f64;
                let swell = FLOOR + (1.0 - FLOOR) * 0.5 * (1.0 - (n * swell_step % TAU).cos());
                let exact = ((n * step % TAU).sin() * swell * AMPLITUDE) as i16;
                assert!(
                    (i32::from(sample) - i32::from(exact)).abs() <= 1,
                    "sample {n}: {sample} against {exact}"
                );
            }
        }
    }
}
