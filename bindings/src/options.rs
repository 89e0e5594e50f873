//! How a shell configures a session: [`SessionOptions`] becomes the engine's `MediaConfig`.

use std::net::IpAddr;

use lens_engine::media::{
    AudioSourceConfig, IceServer, MediaConfig, PlaybackConfig, VideoSourceConfig, VoiceProfile,
};

use crate::error::ApiError;

/// Everything but the server URL and the EULA storage. Every field has a default, so
/// Kotlin can write `SessionOptions()` or `SessionOptions(bindIp = "127.0.0.1")`.
#[derive(Debug, Clone, uniffi::Record)]
pub struct SessionOptions {
    /// The operator's other domains whose links the app trusts, besides the server's host.
    #[uniffi(default)]
    pub extra_hosts: Vec<String>,
    /// The address the media sockets bind to; null/nil for every interface. Tests on
    /// loopback pass "127.0.0.1" (a wildcard address leaves loopback out).
    #[uniffi(default = None)]
    pub bind_ip: Option<String>,
    /// STUN and TURN servers; none on a local network.
    #[uniffi(default)]
    pub ice_servers: Vec<IceServer>,
    /// The picture to send; null/nil for the engine's default.
    #[uniffi(default = None)]
    pub video: Option<VideoSourceConfig>,
    /// Opus complexity 0 to 10 for the customer's voice; null/nil for 5, as phone dialers use.
    #[uniffi(default = None)]
    pub voice_complexity: Option<u8>,
    /// The sound to send; null/nil for the engine's default. `Pushed` for the shell's
    /// microphone through `LensSession.pushAudio`.
    #[uniffi(default = None)]
    pub audio: Option<AudioSourceConfig>,
}

impl SessionOptions {
    pub(crate) fn media_config(&self) -> Result<MediaConfig, ApiError> {
        let defaults = MediaConfig::default();
        let bind_ip = match &self.bind_ip {
            Some(ip) => {
                ip.trim()
                    .parse::<IpAddr>()
                    .map_err(|_| ApiError::InvalidConfiguration {
                        message: format!("bind address {ip:?} is not an IP address"),
                    })?
            }
            None => defaults.bind_ip,
        };
        let voice = VoiceProfile {
            complexity: self.voice_complexity.unwrap_or(defaults.voice.complexity),
            ..defaults.voice
        };
        if voice.complexity > 10 {
            return Err(ApiError::InvalidConfiguration {
                message: format!("voice complexity {} is not 0 to 10", voice.complexity),
            });
        }
        Ok(MediaConfig {
            bind_ip,
            ice_servers: self.ice_servers.clone(),
            video: self.video.clone().unwrap_or(defaults.video),
            voice,
            // The shells play the technician's voice with their own audio callback, which
            // pulls it with `LensSession::pull_playback_audio`.
            playback: PlaybackConfig::Pulled,
            audio: self.audio.clone().unwrap_or(defaults.audio),
            ..defaults
        })
    }
}

// The engine's own types cross as they are (UniFFI remote types). Each declaration must
// match the engine's: a field or variant added there fails to compile here until added.

/// One STUN or TURN server; STUN ignores the credentials.
#[uniffi::remote(Record)]
pub struct IceServer {
    pub url: String,
    #[uniffi(default = "")]
    pub username: String,
    #[uniffi(default = "")]
    pub credential: String,
}

/// Where the pictures come from. The camera and frames pushed by the shell arrive later.
#[uniffi::remote(Enum)]
pub enum VideoSourceConfig {
    /// Colour bars, a moving box and a frame counter.
    Synthetic { width: u32, height: u32, fps: u32 },
    /// A desktop camera (the engine's `camera` feature, off in the mobile builds, where
    /// starting with it fails with an invalid configuration).
    Camera {
        device: Option<String>,
        width: u32,
        height: u32,
        fps: u32,
    },
    /// Frames the shell pushes with `LensSession.pushVideoFrame`, encoded by the engine.
    /// `width` x `height` is the expected upright size; other sizes are accepted.
    Pushed { width: u32, height: u32, fps: u32 },
    /// H.264 from the platform's encoder, pushed with `LensSession.pushH264`; the engine
    /// asks for keyframes and bitrates through the `CameraController`.
    PushedH264 { width: u32, height: u32, fps: u32 },
}

/// Where the sound comes from.
#[uniffi::remote(Enum)]
pub enum AudioSourceConfig {
    /// A steady sine tone.
    Synthetic { frequency_hz: f32 },
    /// A desktop microphone (the engine's `microphone` feature, off in the mobile builds).
    Microphone { device: Option<String> },
    /// 16-bit PCM the shell pushes with `LensSession.pushAudio`.
    Pushed,
}
