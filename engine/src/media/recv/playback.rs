//! Where the technician's decoded voice goes.
//!
//! The receive task pushes 48 kHz mono frames into an [`AudioSink`]. The sink must return at
//! once: the device sink copies into a bounded ring buffer that the sound card's callback
//! drains, and when the ring is full the *oldest* audio is dropped, so a stalled device costs
//! at most [`RING_CAPACITY`] of latency, never a blocked media task.

use std::sync::Arc;

use super::sink::SampleRing;
pub use super::sink::{AudioSink, NullSink, RING_CAPACITY};
use crate::media::error::MediaError;
use crate::media::source::AUDIO_SAMPLE_RATE;

/// What to do with the technician's voice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PlaybackConfig {
    /// Decode and count it (tests, headless runs).
    #[default]
    Null,
    /// Play it on the default output device (cpal). Needs the `playback` feature; without it
    /// `MediaSession::start` fails with [`MediaError::Playback`].
    Device,
    /// Keep it for the app's own audio callback, which pulls 10 ms frames with
    /// [`MediaControls::pull_playback`](crate::media::MediaControls::pull_playback) (mobile shells).
    Pulled,
}

/// Opens the sink `config` names. Fails if the device cannot be opened (no sound card, no
/// permission) or the `playback` feature is off.
pub fn open(
    config: PlaybackConfig,
    controls: &crate::media::controls::MediaControls,
) -> Result<Arc<dyn AudioSink>, MediaError> {
    match config {
        PlaybackConfig::Null => Ok(Arc::new(NullSink)),
        PlaybackConfig::Pulled => Ok(controls.pulled_sink()),
        #[cfg(feature = "playback")]
        PlaybackConfig::Device => Ok(Arc::new(device::DeviceSink::open()?)),
        #[cfg(not(feature = "playback"))]
        PlaybackConfig::Device => Err(MediaError::Playback(
            "this build has no sound card playback (lens-engine feature \"playback\" is off)"
                .into(),
        )),
    }
}

/// Linear interpolation from 48 kHz to whatever the device runs at. Speech has little energy
/// where linear interpolation's aliasing falls, and it costs two multiplies a sample.
#[derive(Debug)]
#[cfg_attr(not(feature = "playback"), allow(dead_code))]
struct Resampler {
    /// Input samples per output sample.
    step: f64,
    /// Position between `prev` (0.0) and `next` (1.0).
    pos: f64,
    prev: f32,
    next: f32,
}

#[cfg_attr(not(feature = "playback"), allow(dead_code))]
impl Resampler {
    fn new(output_rate: u32) -> Self {
        Self {
            step: f64::from(AUDIO_SAMPLE_RATE) / f64::from(output_rate),
            pos: 1.0,
            prev: 0.0,
            next: 0.0,
        }
    }

    fn next_sample(&mut self, ring: &mut SampleRing) -> f32 {
        while self.pos >= 1.0 {
            self.prev = self.next;
            self.next = ring.pop().map_or(0.0, |s| f32::from(s) / 32768.0);
            self.pos -= 1.0;
        }
        let value = self.prev + (self.next - self.prev) * self.pos as f32;
        self.pos += self.step;
        value
    }
}

#[cfg(feature = "playback")]
mod device {
    use std::sync::mpsc;
    use std::sync::{Arc, Mutex};

    use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
    use cpal::{FromSample, SampleFormat, SizedSample, StreamConfig};

    use super::{AudioSink, Resampler, SampleRing};
    use crate::media::error::MediaError;
    use crate::media::source::AUDIO_SAMPLE_RATE;

    /// Plays on the default output device.
    ///
    /// cpal's `Stream` may not leave the thread that made it on every platform, so a small
    /// thread owns it for the sink's lifetime; dropping the sink ends that thread and closes
    /// the device.
    pub(super) struct DeviceSink {
        ring: Arc<Mutex<SampleRing>>,
        _stop: mpsc::Sender<()>,
    }

    impl DeviceSink {
        pub(super) fn open() -> Result<Self, MediaError> {
            let ring = Arc::new(Mutex::new(SampleRing::new()));
            let (ready_tx, ready_rx) = mpsc::sync_channel(1);
            let (stop_tx, stop_rx) = mpsc::channel::<()>();
            let callback_ring = Arc::clone(&ring);
            std::thread::Builder::new()
                .name("lens-playback".into())
                .spawn(move || {
                    let stream = match start_stream(callback_ring) {
                        Ok(stream) => stream,
                        Err(error) => {
                            let _ = ready_tx.send(Err(error));
                            return;
                        }
                    };
                    let _ = ready_tx.send(Ok(()));
                    // Returns when the sink, and with it the sender, is dropped.
                    let _ = stop_rx.recv();
                    drop(stream);
                })?;
            ready_rx.recv().map_err(|_| {
                MediaError::Playback("the playback thread ended before opening the device".into())
            })??;
            Ok(Self {
                ring,
                _stop: stop_tx,
            })
        }
    }

    impl AudioSink for DeviceSink {
        fn push(&self, pcm: &[i16]) {
            // The callback only holds the lock while copying one buffer out.
            if let Ok(mut ring) = self.ring.lock() {
                ring.push(pcm);
            }
        }
    }

    fn start_stream(ring: Arc<Mutex<SampleRing>>) -> Result<cpal::Stream, MediaError> {
        let device = cpal::default_host()
            .default_output_device()
            .ok_or_else(|| MediaError::Playback("no default output device".into()))?;
        let (config, format) = choose_config(&device)?;
        let stream = match format {
            SampleFormat::F32 => build::<f32>(&device, config, ring),
            SampleFormat::I16 => build::<i16>(&device, config, ring),
            SampleFormat::U16 => build::<u16>(&device, config, ring),
            SampleFormat::I32 => build::<i32>(&device, config, ring),
            other => {
                return Err(MediaError::Playback(format!(
                    "unsupported sample format {other}"
                )));
            }
        }?;
        stream
            .play()
            .map_err(|e| MediaError::Playback(format!("cannot start playback: {e}")))?;
        Ok(stream)
    }

    /// 48 kHz in a format we can write if the device has it (no resampling); otherwise the
    /// device's default, resampled to.
    fn choose_config(device: &cpal::Device) -> Result<(StreamConfig, SampleFormat), MediaError> {
        let native = device
            .supported_output_configs()
            .map_err(|e| MediaError::Playback(format!("cannot query the output device: {e}")))?
            .filter(|range| matches!(range.sample_format(), SampleFormat::F32 | SampleFormat::I16))
            .filter_map(|range| range.try_with_sample_rate(AUDIO_SAMPLE_RATE))
            .min_by_key(|config| {
                (
                    config.channels(),
                    config.sample_format() != SampleFormat::F32,
                )
            });
        let chosen = match native {
            Some(config) => config,
            None => device.default_output_config().map_err(|e| {
                MediaError::Playback(format!("no usable output configuration: {e}"))
            })?,
        };
        Ok((chosen.config(), chosen.sample_format()))
    }

    fn build<T>(
        device: &cpal::Device,
        config: StreamConfig,
        ring: Arc<Mutex<SampleRing>>,
    ) -> Result<cpal::Stream, MediaError>
    where
        T: SizedSample + FromSample<f32>,
    {
        let channels = usize::from(config.channels.max(1));
        let mut resampler = Resampler::new(config.sample_rate);
        tracing::info!(
            rate = config.sample_rate,
            channels,
            format = %T::FORMAT,
            "playing the technician's audio"
        );
        device
            .build_output_stream(
                config,
                move |data: &mut [T], _: &cpal::OutputCallbackInfo| {
                    // The audio thread must never wait: if the decoder holds the lock right
                    // now, play silence for this buffer instead.
                    let Ok(mut ring) = ring.try_lock() else {
                        data.fill(T::EQUILIBRIUM);
                        return;
                    };
                    for frame in data.chunks_mut(channels) {
                        let value = T::from_sample(resampler.next_sample(&mut ring));
                        frame.fill(value);
                    }
                },
                |error| tracing::warn!(%error, "audio output error"),
                None,
            )
            .map_err(|e| MediaError::Playback(format!("cannot open the output stream: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resampling_keeps_a_constant_signal_and_the_rate() {
        let mut ring = SampleRing::new();
        ring.push(&[16384; 4800]);
        let mut resampler = Resampler::new(44_100);
        let out: Vec<f32> = (0..4000)
            .map(|_| resampler.next_sample(&mut ring))
            .collect();
        assert!(out[10..].iter().all(|v| (v - 0.5).abs() < 1e-6));
        // 4000 outputs at 44.1 kHz consume 4000 * 48/44.1 = 4354 inputs.
        let consumed = 4800 - ring.len();
        assert!((4350..=4358).contains(&consumed), "{consumed}");
    }
}
