//! Command-line arguments of `lens`: no subcommand opens the window, `lens join` runs
//! headless.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use lens_engine::media::{
    AudioSourceConfig, IceServer, MediaConfig, MediaControls, PlaybackConfig, VideoSourceConfig,
    VoiceProfile,
};
use url::Url;

use crate::eula_file::EulaFile;

/// The server a developer runs with `make run`.
const DEFAULT_SERVER: &str = "http://127.0.0.1:8080";

#[derive(Parser)]
#[command(
    name = "lens",
    version,
    about = "Lens customer app for the desktop",
    long_about = "Lens customer app for the desktop.\n\n\
        Without a command it opens the app's window: the tutorial, the PIN field, the licence \
        agreement, waiting for the technician and the live session, in the language of \
        LANGUAGE, LC_ALL, LC_MESSAGES or LANG. `lens join <PIN>` runs the same session \
        headless, for scripts and terminals.",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The window's options (when no command is given).
    #[command(flatten)]
    pub window: WindowArgs,
}

#[derive(Subcommand)]
pub enum Command {
    /// Join a technician's session with a six-digit PIN or a link, without a window.
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
    /// Start with the microphone muted (type "unmute" to speak).
    #[arg(long)]
    pub muted: bool,
    /// The Lens server. Defaults to the link's own server, or to a local development server.
    #[arg(long, env = "LENS_SERVER")]
    pub server: Option<Url>,
    /// Accept the licence agreement without asking.
    #[arg(long)]
    pub accept_eula: bool,
    /// Do not share the camera.
    #[arg(long)]
    pub no_camera: bool,
    /// Do not share the microphone.
    #[arg(long)]
    pub no_microphone: bool,
    #[command(flatten)]
    pub app: AppArgs,
}

/// `lens` without a command: the window.
#[derive(Args)]
pub struct WindowArgs {
    /// The Lens server.
    #[arg(long, env = "LENS_SERVER", default_value = DEFAULT_SERVER)]
    pub server: Url,
    /// The support organisation named on the PIN screen ("Support by …"); default: the
    /// server's host.
    #[arg(long, env = "LENS_ORGANISATION")]
    pub organisation: Option<String>,
    /// Append every screen the app shows to this file, one JSON object a line, and where
    /// its buttons are once drawn (for tests and support).
    #[arg(long, env = "LENS_SCREEN_LOG", value_name = "FILE")]
    pub screen_log: Option<PathBuf>,
    /// Save a PNG of every screen the app shows into this directory.
    #[arg(long, env = "LENS_SCREENSHOT_DIR", value_name = "DIR")]
    pub screenshot_dir: Option<PathBuf>,
    #[command(flatten)]
    pub app: AppArgs,
}

/// What the window and `lens join` share: links, storage and the media sources.
#[derive(Args)]
pub struct AppArgs {
    /// Another host whose links are accepted (the operator's other domains).
    #[arg(long)]
    pub accept_host: Vec<String>,
    /// Where the licence acceptance is remembered (default: ~/.config/lens/eula.json); the
    /// window remembers the tutorial as seen in the same directory.
    #[arg(long, env = "LENS_EULA_STORE")]
    pub eula_store: Option<PathBuf>,
    /// Share this camera (an index or a name from `lens join --list-devices`) instead of the
    /// test pattern.
    #[arg(long, value_name = "NAME|INDEX")]
    pub camera: Option<String>,
    /// Share this microphone (an index or a name from `lens join --list-devices`; "default"
    /// for the system's) instead of a test tone.
    #[arg(long, value_name = "NAME|INDEX")]
    pub mic: Option<String>,
    /// Opus complexity 0 to 10 for the customer's voice on a clean link (two more, at most 10,
    /// while the technician reports loss).
    #[arg(long, default_value_t = VoiceProfile::default().complexity)]
    pub voice_complexity: u8,
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
    /// STUN/TURN servers for the media connection, besides those the server hands out with
    /// each call.
    #[arg(long)]
    pub ice_server: Vec<String>,
    /// How long a started session may take to connect its media before it ends.
    #[arg(long, env = "LENS_CONNECT_TIMEOUT_SECS", default_value_t = 30)]
    pub connect_timeout_secs: u64,
    /// How long a live session keeps restarting ICE after its media path broke before it
    /// ends.
    #[arg(long, env = "LENS_MEDIA_RECONNECT_GRACE_SECS", default_value_t = 30)]
    pub media_reconnect_grace_secs: u64,
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
}

impl AppArgs {
    /// The licence record's file: `--eula-store`, else the default under the user's config
    /// directory; `None` when there is no home directory to put it in.
    pub fn eula_path(&self) -> Option<PathBuf> {
        self.eula_store.clone().or_else(EulaFile::default_path)
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
