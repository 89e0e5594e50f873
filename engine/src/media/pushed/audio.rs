//! 16-bit PCM pushed by a shell (AudioRecord on Android, AVAudioEngine on iOS): down-mixed to
//! mono, resampled to 48 kHz, cut into 20 ms frames for Opus.
//!
//! Like pushed video, a push never waits: complete frames go into a short drop-oldest queue
//! (100 ms), and pushes while no session is live are dropped unread.

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rubato::{FftFixedInOut, Resampler};

use super::latest::{DropOldest, Published};
use super::types::{CaptureClock, PushCounters, PushError, PushStats};
use crate::media::source::{
    AUDIO_FRAME_DURATION, AUDIO_FRAME_SAMPLES, AUDIO_SAMPLE_RATE, AudioFrame, AudioSource,
    SourceError,
};

/// Five 20 ms frames: enough to ride out an encoder hiccup, short enough to stay live.
const QUEUE_FRAMES: usize = 5;
/// Input rates the shells' microphones use, from narrow-band Bluetooth to pro audio.
const RATES: std::ops::RangeInclusive<u32> = 8_000..=192_000;
const MAX_CHANNELS: u32 = 8;

pub(crate) struct PcmFrame {
    samples: [i16; AUDIO_FRAME_SAMPLES],
    captured_at: Instant,
}

/// Any rate to 48 kHz, in blocks of 10 ms of input. The one place pushed audio is resampled.
struct To48k {
    rate: u32,
    resampler: FftFixedInOut<f32>,
    input: Vec<f32>,
    output: Vec<f32>,
}

impl To48k {
    fn new(rate: u32) -> Result<Self, PushError> {
        let resampler = FftFixedInOut::new(
            rate as usize,
            AUDIO_SAMPLE_RATE as usize,
            rate as usize / 100,
            1,
        )
        .map_err(|e| PushError::Audio(format!("cannot resample from {rate} Hz: {e}")))?;
        let output = vec![0.0; resampler.output_frames_max()];
        Ok(Self {
            rate,
            resampler,
            input: Vec::new(),
            output,
        })
    }

    /// Appends `mono` at the input rate and calls `emit` with every block of 48 kHz samples
    /// it completes.
    fn process(&mut self, mono: impl Iterator<Item = f32>, mut emit: impl FnMut(&[f32])) {
        self.input.extend(mono);
        let mut start = 0;
        loop {
            let need = self.resampler.input_frames_next();
            if self.input.len() - start < need {
                break;
            }
            let chunk = &self.input[start..start + need];
            match self
                .resampler
                .process_into_buffer(&[chunk], &mut [&mut self.output[..]], None)
            {
                Ok((_, written)) => emit(&self.output[..written]),
                Err(error) => tracing::warn!(%error, "dropping pushed audio that did not resample"),
            }
            start += need;
        }
        self.input.drain(..start);
    }
}

struct Assembly {
    resampler: Option<To48k>,
    frame: [i16; AUDIO_FRAME_SAMPLES],
    filled: usize,
    clock: CaptureClock,
}

struct AudioInner {
    queue: DropOldest<PcmFrame>,
    live: AtomicBool,
    counters: PushCounters,
    assembly: Mutex<Assembly>,
}

/// The shell's side of pushed audio. Cheap to clone.
#[derive(Clone)]
pub struct PushedAudio {
    inner: Arc<AudioInner>,
}

impl std::fmt::Debug for PushedAudio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushedAudio")
            .field("stats", &self.stats())
            .finish()
    }
}

impl Default for PushedAudio {
    fn default() -> Self {
        Self {
            inner: Arc::new(AudioInner {
                queue: DropOldest::new(QUEUE_FRAMES),
                live: AtomicBool::new(false),
                counters: PushCounters::default(),
                assembly: Mutex::new(Assembly {
                    resampler: None,
                    frame: [0; AUDIO_FRAME_SAMPLES],
                    filled: 0,
                    clock: CaptureClock::default(),
                }),
            }),
        }
    }
}

impl PushedAudio {
    /// `pcm` is interleaved signed 16-bit little-endian samples (what AudioRecord's
    /// `ENCODING_PCM_16BIT` and iOS's `Int16` buffers hold), `channels` of them per frame.
    pub fn push(
        &self,
        pcm: &[u8],
        sample_rate: u32,
        channels: u32,
        timestamp_us: u64,
    ) -> Result<(), PushError> {
        let result = self.push_inner(pcm, sample_rate, channels, timestamp_us);
        self.inner.counters.count(&result);
        result
    }

    fn push_inner(
        &self,
        pcm: &[u8],
        sample_rate: u32,
        channels: u32,
        timestamp_us: u64,
    ) -> Result<(), PushError> {
        if !RATES.contains(&sample_rate) {
            return Err(PushError::Audio(format!(
                "sample rate {sample_rate} Hz: must be 8000 to 192000"
            )));
        }
        if channels == 0 || channels > MAX_CHANNELS {
            return Err(PushError::Audio(format!(
                "{channels} channels: must be 1 to {MAX_CHANNELS}"
            )));
        }
        let frame_bytes = 2 * channels as usize;
        if !pcm.len().is_multiple_of(frame_bytes) {
            return Err(PushError::Audio(format!(
                "{} bytes is not a whole number of {channels}-channel 16-bit sample frames",
                pcm.len()
            )));
        }
        let inner = &*self.inner;
        if !inner.live.load(Relaxed) {
            inner.counters.dropped_not_live.fetch_add(1, Relaxed);
            return Ok(());
        }
        inner.counters.accepted.fetch_add(1, Relaxed);

        // Down-mix: the average of the channels, in f32 so that it cannot clip.
        let scale = 1.0 / (f32::from(i16::MAX) * channels as f32);
        let mono = pcm.chunks_exact(frame_bytes).map(move |frame| {
            frame
                .chunks_exact(2)
                .map(|s| f32::from(i16::from_le_bytes([s[0], s[1]])))
                .sum::<f32>()
                * scale
        });

        let mut assembly = inner.assembly.lock().unwrap_or_else(|p| p.into_inner());
        let assembly = &mut *assembly;
        let captured_at = assembly.clock.instant(timestamp_us, Instant::now());
        let mut add = |block: &mut dyn Iterator<Item = f32>| {
            for sample in block {
                assembly.frame[assembly.filled] = (sample * f32::from(i16::MAX)).round() as i16;
                assembly.filled += 1;
                if assembly.filled == AUDIO_FRAME_SAMPLES {
                    assembly.filled = 0;
                    let frame = PcmFrame {
                        samples: assembly.frame,
                        captured_at,
                    };
                    if inner.queue.publish(frame) == Published::DroppedOldest {
                        inner.counters.dropped_oldest.fetch_add(1, Relaxed);
                    }
                }
            }
        };
        if sample_rate == AUDIO_SAMPLE_RATE {
            add(&mut mono.map(|s| s.clamp(-1.0, 1.0)));
        } else {
            if assembly
                .resampler
                .as_ref()
                .is_none_or(|r| r.rate != sample_rate)
            {
                assembly.resampler = Some(To48k::new(sample_rate)?);
            }
            let mut resampler = assembly.resampler.take().expect("just made");
            resampler.process(mono, |block| {
                add(&mut block.iter().map(|s| s.clamp(-1.0, 1.0)))
            });
            assembly.resampler = Some(resampler);
        }
        Ok(())
    }

    pub fn stats(&self) -> PushStats {
        self.inner.counters.snapshot()
    }

    /// The encoder's side, for a media session that starts now.
    pub fn attach(&self) -> PushedAudioSource {
        self.inner.queue.clear();
        self.inner.live.store(true, Relaxed);
        PushedAudioSource {
            inner: Arc::clone(&self.inner),
            current: None,
        }
    }
}

/// An [`AudioSource`] fed by [`PushedAudio::push`].
pub struct PushedAudioSource {
    inner: Arc<AudioInner>,
    current: Option<PcmFrame>,
}

impl AudioSource for PushedAudioSource {
    fn next_frame(&mut self, timeout: Duration) -> Result<Option<AudioFrame<'_>>, SourceError> {
        if let Some(done) = self.current.take() {
            self.inner.queue.recycle(done);
        }
        self.current = self.inner.queue.pop(timeout);
        Ok(self.current.as_ref().map(|f| AudioFrame {
            samples: &f.samples,
            captured_at: f.captured_at,
        }))
    }
}

impl Drop for PushedAudioSource {
    fn drop(&mut self) {
        self.inner.live.store(false, Relaxed);
        self.inner.queue.clear();
    }
}

const _: () = assert!(AUDIO_FRAME_DURATION.as_millis() == 20);

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(rate: u32, channels: u32, seconds: f32, hz: f32) -> Vec<u8> {
        let n = (rate as f32 * seconds) as usize;
        let mut out = Vec::with_capacity(n * 2 * channels as usize);
        for i in 0..n {
            let s = ((i as f32 / rate as f32 * hz * std::f32::consts::TAU).sin() * 8000.0) as i16;
            for _ in 0..channels {
                out.extend_from_slice(&s.to_le_bytes());
            }
        }
        out
    }

    #[test]
    fn stereo_44k1_becomes_48k_mono_frames_with_the_same_pitch() {
        let audio = PushedAudio::default();
        let mut source = audio.attach();
        let pcm = sine(44_100, 2, 1.0, 440.0);
        // Pushed in 10 ms blocks as a microphone callback would, and pulled as they come.
        let mut all = Vec::new();
        for block in pcm.chunks(441 * 4) {
            audio.push(block, 44_100, 2, 0).unwrap();
            while let Some(frame) = source.next_frame(Duration::ZERO).unwrap() {
                all.extend_from_slice(frame.samples);
            }
        }
        // About one second at 48 kHz (less the resampler's latency and the partial frame).
        assert!(
            all.len() >= 45 * AUDIO_FRAME_SAMPLES,
            "{} samples",
            all.len()
        );
        let seconds = all.len() as f32 / 48_000.0;
        let skip = 4_800; // the resampler's start-up
        let rising = all[skip..]
            .windows(2)
            .filter(|w| w[0] < 0 && w[1] >= 0)
            .count() as f32;
        let hz = rising / (seconds - skip as f32 / 48_000.0);
        assert!((430.0..450.0).contains(&hz), "{hz} Hz");
        let peak = all[skip..].iter().map(|s| s.unsigned_abs()).max().unwrap();
        assert!((7000..=9000).contains(&peak), "peak {peak}");
    }

    #[test]
    fn bad_pcm_is_refused() {
        let audio = PushedAudio::default();
        assert!(matches!(
            audio.push(&[0; 3], 48_000, 1, 0),
            Err(PushError::Audio(_))
        ));
        assert!(matches!(
            audio.push(&[0; 4], 48_000, 0, 0),
            Err(PushError::Audio(_))
        ));
        assert!(matches!(
            audio.push(&[0; 4], 1_000, 1, 0),
            Err(PushError::Audio(_))
        ));
        assert_eq!(audio.stats().refused, 3);
    }

    #[test]
    fn a_slow_encoder_loses_the_oldest_audio_not_the_newest() {
        let audio = PushedAudio::default();
        let mut source = audio.attach();
        // 200 ms at once into a 100 ms queue.
        audio
            .push(&sine(48_000, 1, 0.2, 440.0), 48_000, 1, 0)
            .unwrap();
        assert_eq!(audio.stats().dropped_oldest, 5);
        let mut n = 0;
        while source.next_frame(Duration::ZERO).unwrap().is_some() {
            n += 1;
        }
        assert_eq!(n, QUEUE_FRAMES);
    }
}
