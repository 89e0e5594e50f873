//! How a shell configures a session: [`SessionOptions`] becomes the engine's `MediaConfig`
//! and the app model's settings in its `EngineConfig`.

use std::net::IpAddr;

use lens_engine::media::{
    AudioSourceConfig, IceServer, MediaConfig, PlaybackConfig, VideoSourceConfig, VoiceProfile,
};

use lens_engine::EngineConfig;

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
    /// Opus complexity 0 to 10 for the customer's voice on a clean link (two more, at most
    /// 10, while the technician's receiver reports loss); null/nil for the engine's default
    /// (6: as cheap as 5, within 0.1 PESQ of 10; `VoiceProfile`). Below 2 the voice carries
    /// no FEC until the technician's receiver reports loss.
    #[uniffi(default = None)]
    pub voice_complexity: Option<u8>,
    /// The sound to send; null/nil for the engine's default. `Pushed` for the shell's
    /// microphone through `LensSession.pushAudio`.
    #[uniffi(default = None)]
    pub audio: Option<AudioSourceConfig>,
    /// The device's preferred languages, most preferred first (Android's
    /// `LocaleList.getDefault()`, iOS's `Locale.preferredLanguages`); English when empty or
    /// when none is translated.
    #[uniffi(default)]
    pub locales: Vec<String>,
    /// The operator's name on the PIN screen; null/nil for the server's host.
    #[uniffi(default = None)]
    pub organisation: Option<String>,
    /// The tutorial was seen on an earlier start (the app stored `Effect.SaveTutorialSeen`).
    #[uniffi(default = false)]
    pub tutorial_seen: bool,
    /// What the platform already knows about the camera and microphone permissions;
    /// null/nil when the app must ask.
    #[uniffi(default = None)]
    pub permissions: Option<PermissionGrants>,
    /// Whether the customer may join without the microphone when it was refused.
    #[uniffi(default = true)]
    pub allow_without_microphone: bool,
}

/// The camera and microphone permissions as the platform reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct PermissionGrants {
    pub camera: bool,
    pub microphone: bool,
}

impl SessionOptions {
    /// The app model's settings, into a config made for the server.
    pub(crate) fn apply_app_settings(&self, config: &mut EngineConfig) {
        config.locales = self.locales.clone();
        if let Some(organisation) = &self.organisation {
            config.organisation = organisation.clone();
        }
        config.tutorial_seen = self.tutorial_seen;
        config.permissions = self.permissions.map(|p| (p.camera, p.microphone));
        config.allow_without_microphone = self.allow_without_microphone;
    }

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
