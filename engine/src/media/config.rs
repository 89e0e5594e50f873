//! What a [`MediaSession`](super::MediaSession) is started with.

use std::net::{IpAddr, Ipv4Addr};

use super::codec::VoiceProfile;
use super::controls::MediaControls;
use super::error::MediaError;
use super::pushed::MediaHandles;
use super::recv::playback::PlaybackConfig;

/// Everything [`MediaSession::start`](super::MediaSession::start) needs.
#[derive(Debug, Clone)]
pub struct MediaConfig {
    /// The address the UDP sockets bind to, port 0. Tests use 127.0.0.1: webrtc-rs expands a
    /// wildcard (`0.0.0.0`) to every interface *except* loopback.
    pub bind_ip: IpAddr,
    /// STUN/TURN servers; empty on loopback.
    pub ice_servers: Vec<IceServer>,
    pub video: VideoSourceConfig,
    pub audio: AudioSourceConfig,
    pub playback: PlaybackConfig,
    /// How the customer's voice is encoded.
    pub voice: VoiceProfile,
    /// Mute and pulled playback, shared with the app for the engine's whole life.
    pub controls: MediaControls,
    /// What a shell pushes (frames, PCM, H.264) and the live controls (pause). Shared by
    /// every clone of the config, so the app can push into it before any media session.
    pub handles: MediaHandles,
}

impl Default for MediaConfig {
    fn default() -> Self {
        Self {
            bind_ip: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            ice_servers: Vec::new(),
            // The top of the ladder (see `ladder.rs`): the congestion controller steps it down.
            video: VideoSourceConfig::Synthetic {
                width: 1280,
                height: 720,
                fps: 30,
            },
            audio: AudioSourceConfig::Synthetic {
                frequency_hz: 440.0,
            },
            playback: PlaybackConfig::Null,
            voice: VoiceProfile::default(),
            controls: MediaControls::default(),
            handles: MediaHandles::default(),
        }
    }
}

/// One STUN or TURN server. TURN needs the credentials; STUN ignores them. `Debug` hides
/// the credential, so a logged configuration cannot leak it.
#[derive(Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct IceServer {
    pub url: String,
    #[cfg_attr(feature = "uniffi", uniffi(default = ""))]
    pub username: String,
    #[cfg_attr(feature = "uniffi", uniffi(default = ""))]
    pub credential: String,
}

impl std::fmt::Debug for IceServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IceServer")
            .field("url", &self.url)
            .field("username", &self.username)
            .field("credential", &"<hidden>")
            .finish()
    }
}

impl From<String> for IceServer {
    fn from(url: String) -> Self {
        Self {
            url,
            username: String::new(),
            credential: String::new(),
        }
    }
}

impl From<&str> for IceServer {
    fn from(url: &str) -> Self {
        Self::from(url.to_owned())
    }
}

/// Where the pictures come from: a test pattern, a camera of this computer, or the shell (raw
/// frames it pushes, or H.264 from its hardware encoder).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum VideoSourceConfig {
    /// Colour bars, a moving box and a frame counter (see [`super::source::TestPattern`]).
    Synthetic { width: u32, height: u32, fps: u32 },
    /// A camera of this computer (lens-engine feature `camera`): `device` is an index or a
    /// name from [`list_devices`](super::list_devices), `None` the first camera. The size and
    /// rate are what is asked for; the camera's nearest format is what is sent.
    Camera {
        device: Option<String>,
        width: u32,
        height: u32,
        fps: u32,
    },
    /// Frames the shell pushes ([`super::pushed::PushedVideo`]), encoded with openh264.
    /// `width` and `height` are the expected size of the pictures as they reach the encoder
    /// (the first encoder's, and the bitrate's basis); frames of another size re-create it.
    Pushed { width: u32, height: u32, fps: u32 },
    /// H.264 access units from the shell's hardware encoder
    /// ([`super::pushed::PushedH264`]), sent as they are. `width`, `height` and `fps` give
    /// the bitrate the shell is asked for.
    PushedH264 { width: u32, height: u32, fps: u32 },
}

impl VideoSourceConfig {
    /// The shell's camera (pushed frames or H.264): the shell switches it and lights its
    /// torch. The engine's own (the synthetic picture, a desktop webcam) can do neither.
    pub fn is_shells(&self) -> bool {
        matches!(self, Self::Pushed { .. } | Self::PushedH264 { .. })
    }

    pub fn size(&self) -> (u32, u32) {
        match *self {
            Self::Synthetic { width, height, .. }
            | Self::Camera { width, height, .. }
            | Self::Pushed { width, height, .. }
            | Self::PushedH264 { width, height, .. } => (width, height),
        }
    }

    pub fn fps(&self) -> u32 {
        match *self {
            Self::Synthetic { fps, .. }
            | Self::Camera { fps, .. }
            | Self::Pushed { fps, .. }
            | Self::PushedH264 { fps, .. } => fps,
        }
    }

    /// The encoder's bitrate target. 1.5 Mbit/s at 640x480@30 gives a sharp picture of a
    /// device's screen or label; other sizes scale by pixel rate, within limits a home uplink
    /// carries. Only the encoder's first setting: from the first frame on the bitrate follows the
    /// congestion controller's estimate through the resolution ladder (`ladder.rs`).
    pub fn target_bitrate_bps(&self) -> u32 {
        let (w, h) = self.size();
        let pixel_rate = u64::from(w) * u64::from(h) * u64::from(self.fps());
        let bps = pixel_rate * 1_500_000 / (640 * 480 * 30);
        bps.clamp(150_000, 4_000_000) as u32
    }

    pub(crate) fn validate(&self) -> Result<(), MediaError> {
        let (w, h) = self.size();
        let fps = self.fps();
        // I420 halves both chroma dimensions, and openh264 refuses odd sizes and anything
        // beyond 3840x2160.
        if w == 0
            || h == 0
            || w % 2 != 0
            || h % 2 != 0
            || w > 3840
            || h > 3840
            || w * h > 3840 * 2160
        {
            return Err(MediaError::InvalidConfig(format!(
                "video size {w}x{h}: width and height must be even, non-zero and at most 3840x2160"
            )));
        }
        if fps == 0 || fps > 60 {
            return Err(MediaError::InvalidConfig(format!(
                "video rate {fps} fps: must be 1 to 60"
            )));
        }
        Ok(())
    }
}

/// Where the customer's sound comes from: a test tone, a microphone of this computer, or the
/// shell's pushed PCM.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum AudioSourceConfig {
    /// A sine tone swelling four times a second, so that DTX does not take it for noise (see
    /// [`super::source::SineTone`]).
    Synthetic { frequency_hz: f32 },
    /// A microphone of this computer (lens-engine feature `microphone`): `device` is an
    /// index or a name from [`list_devices`](super::list_devices), `None` the system default.
    Microphone { device: Option<String> },
    /// 16-bit PCM the shell pushes ([`super::pushed::PushedAudio`]).
    Pushed,
}

impl AudioSourceConfig {
    pub(crate) fn validate(&self) -> Result<(), MediaError> {
        match *self {
            Self::Synthetic { frequency_hz } => {
                // Above Nyquist the tone aliases into something nobody asked for.
                if !(frequency_hz > 0.0 && frequency_hz < 24_000.0) {
                    return Err(MediaError::InvalidConfig(format!(
                        "tone frequency {frequency_hz} Hz: must be between 0 and 24000"
                    )));
                }
                Ok(())
            }
            Self::Microphone { .. } | Self::Pushed => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitrate_is_1_5_mbit_at_vga_30() {
        let video = VideoSourceConfig::Synthetic {
            width: 640,
            height: 480,
            fps: 30,
        };
        assert_eq!(video.target_bitrate_bps(), 1_500_000);
    }

    #[test]
    fn odd_sizes_are_refused() {
        let video = VideoSourceConfig::Synthetic {
            width: 641,
            height: 480,
            fps: 30,
        };
        assert!(matches!(
            video.validate(),
            Err(MediaError::InvalidConfig(_))
        ));
    }
}
