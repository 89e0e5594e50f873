//! From whatever a capture device delivers (any rate, any channel count) to the engine's
//! 48 kHz mono, in 20 ms frames.
//!
//! Device-independent so that it is tested and benchmarked without a sound card: the
//! microphone's callback hands interleaved `f32` buffers of any length to
//! [`MonoResampler::push_interleaved`], and the encoder thread takes whole frames with
//! [`MonoResampler::pop_frame`].

use std::collections::VecDeque;

use rubato::{FftFixedIn, Resampler};

use super::{AUDIO_FRAME_SAMPLES, AUDIO_SAMPLE_RATE};

/// The resampler works on 10 ms blocks of input: small enough for low latency, large enough
/// for an efficient FFT.
const BLOCK_MS: u32 = 10;
/// Half a second of 48 kHz audio waiting for the encoder, at most: if the encoder thread
/// stalls, old audio is dropped rather than played late.
const MAX_PENDING: usize = AUDIO_SAMPLE_RATE as usize / 2;

/// Why the resampler could not be built (a device rate rubato refuses).
#[derive(Debug, thiserror::Error)]
#[error("cannot resample {rate} Hz to 48 kHz: {reason}")]
pub struct ResampleError {
    pub rate: u32,
    pub reason: String,
}

/// Down-mixes to mono and resamples to 48 kHz.
pub struct MonoResampler {
    /// `None` when the device already runs at 48 kHz.
    fft: Option<FftFixedIn<f32>>,
    /// Mono input at the device rate, waiting for a whole block.
    input: Vec<f32>,
    block: usize,
    output: Vec<Vec<f32>>,
    /// 48 kHz mono, waiting for the encoder.
    pending: VecDeque<f32>,
}

impl MonoResampler {
    pub fn new(input_rate: u32) -> Result<Self, ResampleError> {
        let block = (input_rate * BLOCK_MS / 1000) as usize;
        if input_rate == 0 || block == 0 {
            return Err(ResampleError {
                rate: input_rate,
                reason: "the rate is too low".into(),
            });
        }
        let fft = if input_rate == AUDIO_SAMPLE_RATE {
            None
        } else {
            Some(
                FftFixedIn::<f32>::new(
                    input_rate as usize,
                    AUDIO_SAMPLE_RATE as usize,
                    block,
                    1,
                    1,
                )
                .map_err(|e| ResampleError {
                    rate: input_rate,
                    reason: e.to_string(),
                })?,
            )
        };
        let output_len = fft.as_ref().map_or(block, |f| f.output_frames_max());
        Ok(Self {
            fft,
            input: Vec::with_capacity(block),
            block,
            output: vec![vec![0.0; output_len]],
            pending: VecDeque::with_capacity(MAX_PENDING),
        })
    }

    /// Adds interleaved samples of `channels` channels, averaging the channels into one.
    pub fn push_interleaved(&mut self, samples: &[f32], channels: usize) {
        let channels = channels.max(1);
        for frame in samples.chunks_exact(channels) {
            self.input.push(down_mix(frame));
            if self.input.len() == self.block {
                self.process_block();
            }
        }
    }

    /// The next 20 ms at 48 kHz, if that much has accumulated.
    pub fn pop_frame(&mut self, out: &mut [i16; AUDIO_FRAME_SAMPLES]) -> bool {
        if self.pending.len() < AUDIO_FRAME_SAMPLES {
            return false;
        }
        for (slot, sample) in out
            .iter_mut()
            .zip(self.pending.drain(..AUDIO_FRAME_SAMPLES))
        {
            *slot = (sample.clamp(-1.0, 1.0) * f32::from(i16::MAX)) as i16;
        }
        true
    }

    fn process_block(&mut self) {
        match &mut self.fft {
            None => self.pending.extend(self.input.iter()),
            Some(fft) => {
                let input = [&self.input[..]];
                match fft.process_into_buffer(&input, &mut self.output, None) {
                    Ok((_, produced)) => self.pending.extend(&self.output[0][..produced]),
                    // Only possible with wrong buffer sizes, which `new` rules out; losing
                    // 10 ms is better than stopping the microphone.
                    Err(error) => tracing::warn!(%error, "resampling failed for one block"),
                }
            }
        }
        self.input.clear();
        let overflow = self.pending.len().saturating_sub(MAX_PENDING);
        self.pending.drain(..overflow);
    }
}

/// The mean of one frame's channels: keeps a centred voice at its level, and a voice on one
/// channel only (a headset's mono mic on a stereo input) at half, never clipping.
pub fn down_mix(frame: &[f32]) -> f32 {
    frame.iter().sum::<f32>() / frame.len().max(1) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(rate: u32, hz: f64, seconds: f64, channels: usize) -> Vec<f32> {
        let n = (f64::from(rate) * seconds) as usize;
        (0..n)
            .flat_map(|i| {
                let v =
                    (0.5 * (std::f64::consts::TAU * hz * i as f64 / f64::from(rate)).sin()) as f32;
                std::iter::repeat_n(v, channels)
            })
            .collect()
    }

    fn drain(r: &mut MonoResampler) -> Vec<i16> {
        let mut all = Vec::new();
        let mut frame = [0i16; AUDIO_FRAME_SAMPLES];
        while r.pop_frame(&mut frame) {
            all.extend_from_slice(&frame);
        }
        all
    }

    #[test]
    fn a_44_1_khz_tone_comes_out_at_48_khz_with_the_same_pitch() {
        let mut r = MonoResampler::new(44_100).unwrap();
        // Pushed in odd-sized pieces, as a sound card's callback delivers them.
        let input = tone(44_100, 1000.0, 1.0, 1);
        let mut out = Vec::new();
        for piece in input.chunks(441 * 3 + 7) {
            r.push_interleaved(piece, 1);
            out.extend(drain(&mut r));
        }
        // One second in gives one second out, less what waits in the last partial block.
        assert!(
            (47_000..=48_000).contains(&out.len()),
            "{} samples",
            out.len()
        );
        // Skip the filter's start-up, then count rising zero crossings over 0.5 s at 48 kHz.
        let settled = &out[4800..4800 + 24_000];
        let rising = settled.windows(2).filter(|w| w[0] < 0 && w[1] >= 0).count();
        assert!(
            (499..=501).contains(&rising),
            "{rising} cycles in 0.5 s, want 500"
        );
        let peak = settled.iter().map(|s| s.unsigned_abs()).max().unwrap();
        assert!(
            (15_500..=17_300).contains(&peak),
            "peak {peak}, want about 16384"
        );
    }

    #[test]
    fn stereo_is_averaged_to_mono() {
        assert_eq!(down_mix(&[0.5, 0.5]), 0.5);
        assert_eq!(down_mix(&[0.4, 0.0]), 0.2);
        assert_eq!(down_mix(&[1.0, -1.0]), 0.0);
        let mut r = MonoResampler::new(48_000).unwrap();
        let stereo: Vec<f32> = (0..960).flat_map(|_| [0.5f32, -0.25]).collect();
        r.push_interleaved(&stereo, 2);
        let mut frame = [0i16; AUDIO_FRAME_SAMPLES];
        assert!(r.pop_frame(&mut frame));
        assert!(
            frame.iter().all(|&s| s == (0.125 * 32767.0) as i16),
            "{}",
            frame[0]
        );
    }

    #[test]
    fn a_48_khz_device_passes_through_in_20_ms_frames() {
        let mut r = MonoResampler::new(48_000).unwrap();
        r.push_interleaved(&tone(48_000, 440.0, 0.03, 1), 1);
        let mut frame = [0i16; AUDIO_FRAME_SAMPLES];
        assert!(r.pop_frame(&mut frame), "30 ms in: one frame");
        assert!(!r.pop_frame(&mut frame), "10 ms left: not a whole frame");
    }

    #[test]
    fn a_stalled_reader_loses_old_audio_not_memory() {
        let mut r = MonoResampler::new(48_000).unwrap();
        r.push_interleaved(&vec![0.1; 48_000 * 3], 1);
        assert!(r.pending.len() <= MAX_PENDING);
    }
}
