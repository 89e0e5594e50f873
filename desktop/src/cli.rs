//! Command-line arguments of `lens`.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use lens_engine::media::{
    AudioSourceConfig, IceServer, MediaConfig, MediaControls, PlaybackConfig, VideoSourceConfig,
    VoiceProfile,
};
use url::Url;

/// The server a developer runs with `make run`.
const DEFAULT_SERVER: &str = "http://127.0.0.1:8080";

#[derive(Parser)]
#[command(name = "lens", version, about = "Lens customer app for the desktop")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Join a technician's session with a six-digit PIN or a link.
    #[command(after_help = TYPED_COMMANDS)]
    Join(JoinArgs),
}

/// What the customer can type while joined (`lens join --help` shows it).
pub const TYPED_COMMANDS: &str = "\
While the session runs, type a command and Enter:
  pause    pause the video (only you can resume a pause you made)
  resume   resume the video (also after the technician paused it)
  mute     mute the microphone
  unmute   unmute the microphone
  leave    leave the session (like Ctrl-C)";

#[derive(Args)]
pub struct JoinArgs {
    /// The PIN (`123456`, `123 456`) or the link the technician sent.
    #[arg(required_unless_present = "list_devices", default_value = "")]
    pub input: String,
    /// Print the cameras and microphones `--camera` and `--mic` can name, then exit.
    #[arg(long)]
    pub list_devices: bool,
    /// Share this camera (an index or a name from --list-devices) instead of the test pattern.
    #[arg(long, value_name = "NAME|INDEX")]
    pub camera: Option<String>,
    /// Share this microphone (an index or a name from --list-devices; "default" for the
    /// system's) instead of a test tone.
    #[arg(long, value_name = "NAME|INDEX")]
    pub mic: Option<String>,
    /// Start with the microphone muted (type "unmute" to speak).
    #[arg(long)]
    pub muted: bool,
    /// Opus complexity 0 to 10 for the customer's voice.
    #[arg(long, default_value_t = 5)]
    pub voice_complexity: u8,
    /// The Lens server. Defaults to the link's own server, or to a local development server.
    #[arg(long, env = "LENS_SERVER")]
    pub server: Option<Url>,
    /// Another host whose links are accepted (the operator's other domains).
    #[arg(long)]
    pub accept_host: Vec<String>,
    /// Accept the licence agreement without asking.
    #[arg(long)]
    pub accept_eula: bool,
    /// Where the licence acceptance is remembered (default: ~/.config/lens/eula.json).
    #[arg(long, env = "LENS_EULA_STORE")]
    pub eula_store: Option<PathBuf>,
    /// Do not share the camera.
    #[arg(long)]
    pub no_camera: bool,
    /// Do not share the microphone.
    #[arg(long)]
    pub no_microphone: bool,
    /// Video size and rate of the synthetic camera (the top of the adaptive ladder).
    #[arg(long, default_value_t = 1280)]
    pub width: u32,
    #[arg(long, default_value_t = 720)]
    pub height: u32,
    #[arg(long, default_value_t = 30)]
    pub fps: u32,
    /// Local address for the media connection (tests use 127.0.0.1).
    #[arg(long, env = "LENS_BIND_IP", default_value_t = IpAddr::V4(Ipv4Addr::UNSPECIFIED))]
    pub bind_ip: IpAddr,
    /// STUN/TURN servers for the media connection.
    #[arg(long)]
    pub ice_server: Vec<String>,
    /// Decode the technician's voice without playing it (no sound card needed).
    #[arg(long)]
    pub no_playback: bool,
}

impl JoinArgs {
    /// `--server`, else the origin of a web link, else the local development server.
    pub fn server_url(&self) -> Url {
        if let Some(server) = &self.server {
            return server.clone();
        }
        match Url::parse(self.input.trim()) {
            Ok(link) if matches!(link.scheme(), "http" | "https") => {
                Url::parse(&link.origin().ascii_serialization()).unwrap_or(link)
            }
            _ => Url::parse(DEFAULT_SERVER).expect("valid default"),
        }
    }

    pub fn media_config(&self) -> MediaConfig {
        MediaConfig {
            bind_ip: self.bind_ip,
            ice_servers: self
                .ice_server
                .iter()
                .map(|url| IceServer::from(url.as_str()))
                .collect(),
            video: match &self.camera {
                Some(camera) => VideoSourceConfig::Camera {
                    device: Some(camera.clone()),
                    width: self.width,
                    height: self.height,
                    fps: self.fps,
                },
                None => VideoSourceConfig::Synthetic {
                    width: self.width,
                    height: self.height,
                    fps: self.fps,
                },
            },
            audio: match self.mic.as_deref() {
                // The system's default device follows the desktop's sound settings.
                Some("default") => AudioSourceConfig::Microphone { device: None },
                Some(mic) => AudioSourceConfig::Microphone {
                    device: Some(mic.to_owned()),
                },
                None => AudioSourceConfig::Synthetic {
                    frequency_hz: 440.0,
                },
            },
            playback: if self.no_playback {
                PlaybackConfig::Null
            } else {
                PlaybackConfig::Device
            },
            voice: VoiceProfile {
                complexity: self.voice_complexity,
                ..VoiceProfile::default()
            },
            controls: MediaControls::default(),
            ..MediaConfig::default()
        }
    }
}
