//! Opens the sources a [`MediaConfig`](super::MediaConfig) names and the encoders that fit
//! them. A device that cannot be opened is not a failed session: it comes back as a
//! [`DeviceError`] so that the session starts with what works and tells the technician.

use std::time::Duration;

use super::codec::{H264Encoder, H264Settings, OpusEncoder};
use super::config::{AudioSourceConfig, MediaConfig, VideoSourceConfig};
use super::device::DeviceError;
use super::error::MediaError;
use super::pushed::PushedH264Source;
use super::source::{AudioSource, SineTone, TestPattern, VideoSource};

/// How the video track is fed.
pub(crate) enum VideoPath {
    /// Raw frames (synthetic, a camera, or pushed by the shell) through openh264. The
    /// encoder is boxed: it is far larger than the passthrough's state.
    Encode(Box<dyn VideoSource>, Box<H264Encoder>),
    /// The shell's own H.264, with the bitrate it is first asked for.
    Passthrough(PushedH264Source, u32),
}

pub(crate) type AudioPath = (Box<dyn AudioSource>, OpusEncoder);

/// The outer error fails the session (a bad configuration, an encoder that cannot start);
/// the inner one only drops the video track.
pub(crate) fn open_video(
    config: &MediaConfig,
) -> Result<Result<VideoPath, DeviceError>, MediaError> {
    let (source, width, height, fps): OpenedSource = match &config.video {
        &VideoSourceConfig::Synthetic { width, height, fps } => (
            Box::new(TestPattern::new(width, height, fps)),
            width,
            height,
            fps,
        ),
        VideoSourceConfig::Camera {
            device,
            width,
            height,
            fps,
        } => match open_camera(device.as_deref(), *width, *height, *fps)? {
            Ok(opened) => opened,
            Err(error) => return Ok(Err(error)),
        },
        &VideoSourceConfig::Pushed { width, height, fps } => {
            let interval = Duration::from_secs_f64(1.0 / f64::from(fps.max(1)));
            (
                Box::new(config.handles.video.attach(interval)),
                width,
                height,
                fps,
            )
        }
        VideoSourceConfig::PushedH264 { .. } => {
            let bitrate = config.video.target_bitrate_bps();
            return Ok(Ok(VideoPath::Passthrough(
                config.handles.h264.attach(),
                bitrate,
            )));
        }
    };
    // The bitrate follows what is actually sent, which for a camera may differ from the ask.
    let sent = VideoSourceConfig::Synthetic { width, height, fps };
    sent.validate()?;
    let encoder = H264Encoder::new(H264Settings {
        width,
        height,
        fps,
        bitrate_bps: sent.target_bitrate_bps(),
    })?;
    Ok(Ok(VideoPath::Encode(source, Box::new(encoder))))
}

pub(crate) fn open_audio(
    config: &MediaConfig,
) -> Result<Result<AudioPath, DeviceError>, MediaError> {
    let encoder = OpusEncoder::new(config.voice)?;
    let source: Box<dyn AudioSource> = match &config.audio {
        &AudioSourceConfig::Synthetic { frequency_hz } => Box::new(SineTone::new(frequency_hz)),
        AudioSourceConfig::Microphone { device } => match open_microphone(device.as_deref())? {
            Ok(microphone) => microphone,
            Err(error) => return Ok(Err(error)),
        },
        AudioSourceConfig::Pushed => Box::new(config.handles.audio.attach()),
    };
    Ok(Ok((source, encoder)))
}

/// A source with the size and frame rate it really delivers.
type OpenedSource = (Box<dyn VideoSource>, u32, u32, u32);

#[cfg(feature = "camera")]
fn open_camera(
    device: Option<&str>,
    width: u32,
    height: u32,
    fps: u32,
) -> Result<Result<OpenedSource, DeviceError>, MediaError> {
    Ok(
        super::source::camera::Camera::open(device, width, height, fps).map(|camera| {
            let n = camera.negotiated();
            (
                Box::new(camera) as Box<dyn VideoSource>,
                n.width,
                n.height,
                n.fps.min(60),
            )
        }),
    )
}

#[cfg(not(feature = "camera"))]
fn open_camera(
    _device: Option<&str>,
    _width: u32,
    _height: u32,
    _fps: u32,
) -> Result<Result<OpenedSource, DeviceError>, MediaError> {
    Err(MediaError::InvalidConfig(
        "this build has no camera capture (lens-engine feature \"camera\" is off)".into(),
    ))
}

#[cfg(feature = "microphone")]
fn open_microphone(
    device: Option<&str>,
) -> Result<Result<Box<dyn AudioSource>, DeviceError>, MediaError> {
    Ok(super::source::microphone::Microphone::open(device)
        .map(|microphone| Box::new(microphone) as Box<dyn AudioSource>))
}

#[cfg(not(feature = "microphone"))]
fn open_microphone(
    _device: Option<&str>,
) -> Result<Result<Box<dyn AudioSource>, DeviceError>, MediaError> {
    Err(MediaError::InvalidConfig(
        "this build has no microphone capture (lens-engine feature \"microphone\" is off)".into(),
    ))
}
