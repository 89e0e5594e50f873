//! The desktop's microphone through cpal (ALSA, CoreAudio, WASAPI).
//!
//! The device runs at its own rate and channel count; its callback down-mixes and resamples
//! to 48 kHz mono straight into a [`MonoResampler`] (no allocation on the audio thread), and
//! the encoder thread takes 20 ms frames out of it, waiting on a condition variable.
//!
//! cpal's `Stream` may not leave the thread that built it on every platform, so a small
//! thread owns it for the source's lifetime, as the playback sink does.

use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{ErrorKind, FromSample, SampleFormat, SizedSample, StreamConfig};

use super::resample::MonoResampler;
use super::{AUDIO_FRAME_SAMPLES, AudioFrame, AudioSource, SourceError};
use crate::media::device::{Device, DeviceError, DeviceInfo, DeviceProblem, select};

/// What the callback and the encoder thread share.
struct Capture {
    state: Mutex<CaptureState>,
    ready: Condvar,
}

struct CaptureState {
    resampler: MonoResampler,
    /// Set by the stream's error callback when the device is gone.
    failed: Option<String>,
}

/// An [`AudioSource`] capturing from a microphone.
pub struct Microphone {
    capture: Arc<Capture>,
    frame: [i16; AUDIO_FRAME_SAMPLES],
    name: String,
    /// Dropping it ends the thread that owns the stream, which closes the device.
    _stop: mpsc::Sender<()>,
}

impl Microphone {
    /// Opens the microphone `wanted` names (see [`select`]); `None` is the system's default.
    pub fn open(wanted: Option<&str>) -> Result<Self, DeviceError> {
        let (ready_tx, ready_rx) = mpsc::sync_channel(1);
        let (stop_tx, stop_rx) = mpsc::channel::<()>();
        let wanted = wanted.map(str::to_owned);
        std::thread::Builder::new()
            .name("lens-microphone".into())
            .spawn(move || {
                let (stream, capture, name) = match start(wanted.as_deref()) {
                    Ok(opened) => opened,
                    Err(error) => {
                        let _ = ready_tx.send(Err(error));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok((capture, name)));
                // Returns when the source, and with it the sender, is dropped.
                let _ = stop_rx.recv();
                drop(stream);
            })
            .map_err(|e| unusable(format!("cannot start the capture thread: {e}")))?;
        let (capture, name) = ready_rx
            .recv()
            .map_err(|_| unusable("the capture thread ended before opening the device"))??;
        tracing::info!(microphone = %name, "capturing the microphone");
        Ok(Self {
            capture,
            frame: [0; AUDIO_FRAME_SAMPLES],
            name,
            _stop: stop_tx,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

impl AudioSource for Microphone {
    fn next_frame(&mut self, timeout: Duration) -> Result<Option<AudioFrame<'_>>, SourceError> {
        let deadline = Instant::now() + timeout;
        let mut state = self
            .capture
            .state
            .lock()
            .map_err(|_| SourceError("the microphone's capture state is poisoned".into()))?;
        loop {
            if let Some(reason) = &state.failed {
                return Err(SourceError(format!("microphone {}: {reason}", self.name)));
            }
            if state.resampler.pop_frame(&mut self.frame) {
                break;
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            state = self
                .capture
                .ready
                .wait_timeout(state, deadline - now)
                .map_err(|_| SourceError("the microphone's capture state is poisoned".into()))?
                .0;
        }
        drop(state);
        Ok(Some(AudioFrame {
            samples: &self.frame,
            // The last sample was captured about now; the frame began 20 ms earlier, which the
            // RTP timestamps do not need to know.
            captured_at: Instant::now(),
        }))
    }
}

/// The microphones cpal sees, default host.
pub fn list() -> Result<Vec<DeviceInfo>, DeviceError> {
    Ok(input_devices()?
        .into_iter()
        .enumerate()
        .map(|(index, device)| DeviceInfo {
            index: index as u32,
            name: device.to_string(),
        })
        .collect())
}

fn input_devices() -> Result<Vec<cpal::Device>, DeviceError> {
    Ok(cpal::default_host()
        .input_devices()
        .map_err(|e| classify(&e, DeviceProblem::Missing))?
        .collect())
}

fn start(wanted: Option<&str>) -> Result<(cpal::Stream, Arc<Capture>, String), DeviceError> {
    let device = match wanted {
        // The system's choice, which follows the desktop's sound settings.
        None => cpal::default_host()
            .default_input_device()
            .ok_or_else(|| missing("the system has no default microphone"))?,
        Some(wanted) => {
            let mut devices = input_devices()?;
            let names: Vec<String> = devices.iter().map(ToString::to_string).collect();
            let index = select(&names, Some(wanted)).map_err(missing)?;
            devices.swap_remove(index)
        }
    };
    let name = device.to_string();
    let supported = device
        .default_input_config()
        .map_err(|e| classify(&e, DeviceProblem::Unusable))?;
    let config = supported.config();
    let resampler = MonoResampler::new(config.sample_rate).map_err(|e| unusable(e.to_string()))?;
    let capture = Arc::new(Capture {
        state: Mutex::new(CaptureState {
            resampler,
            failed: None,
        }),
        ready: Condvar::new(),
    });
    let stream = match supported.sample_format() {
        SampleFormat::F32 => build::<f32>(&device, config, &capture),
        SampleFormat::I16 => build::<i16>(&device, config, &capture),
        SampleFormat::U16 => build::<u16>(&device, config, &capture),
        SampleFormat::I32 => build::<i32>(&device, config, &capture),
        SampleFormat::U8 => build::<u8>(&device, config, &capture),
        other => Err(unusable(format!("unsupported sample format {other}"))),
    }?;
    stream
        .play()
        .map_err(|e| classify(&e, DeviceProblem::Unusable))?;
    Ok((stream, capture, name))
}

fn build<T>(
    device: &cpal::Device,
    config: StreamConfig,
    capture: &Arc<Capture>,
) -> Result<cpal::Stream, DeviceError>
where
    T: SizedSample,
    f32: FromSample<T>,
{
    let channels = usize::from(config.channels.max(1));
    tracing::debug!(rate = config.sample_rate, channels, format = %T::FORMAT, "microphone format");
    let data = Arc::clone(capture);
    let errors = Arc::clone(capture);
    // Converting in place needs a buffer; one device buffer is at most a few thousand
    // samples, allocated once and reused.
    let mut converted: Vec<f32> = Vec::with_capacity(8192);
    device
        .build_input_stream(
            config,
            move |samples: &[T], _: &cpal::InputCallbackInfo| {
                converted.clear();
                converted.extend(samples.iter().map(|&s| s.to_sample::<f32>()));
                // The audio thread must never wait: if the encoder holds the lock right now,
                // this buffer is lost (a click), which beats an overrun of the device.
                if let Ok(mut state) = data.state.try_lock() {
                    state.resampler.push_interleaved(&converted, channels);
                    data.ready.notify_one();
                }
            },
            move |error| match error.kind() {
                // Gone for good: the session goes on without the microphone.
                ErrorKind::DeviceNotAvailable
                | ErrorKind::StreamInvalidated
                | ErrorKind::PermissionDenied => {
                    if let Ok(mut state) = errors.state.lock() {
                        state.failed = Some(error.to_string());
                    }
                    errors.ready.notify_all();
                }
                _ => tracing::warn!(%error, "microphone"),
            },
            None,
        )
        .map_err(|e| classify(&e, DeviceProblem::Unusable))
}

/// cpal's error kinds as the technician will read them.
fn classify(error: &cpal::Error, otherwise: DeviceProblem) -> DeviceError {
    let problem = match error.kind() {
        ErrorKind::DeviceBusy => DeviceProblem::Busy,
        ErrorKind::PermissionDenied => DeviceProblem::PermissionDenied,
        ErrorKind::DeviceNotAvailable | ErrorKind::HostUnavailable => DeviceProblem::Missing,
        // ALSA reports a held device as a backend error with EBUSY's text.
        _ if error.to_string().to_lowercase().contains("busy") => DeviceProblem::Busy,
        _ => otherwise,
    };
    DeviceError::new(Device::Microphone, problem, error.to_string())
}

fn missing(detail: impl Into<String>) -> DeviceError {
    DeviceError::new(Device::Microphone, DeviceProblem::Missing, detail)
}

fn unusable(detail: impl Into<String>) -> DeviceError {
    DeviceError::new(Device::Microphone, DeviceProblem::Unusable, detail)
}
