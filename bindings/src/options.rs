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
