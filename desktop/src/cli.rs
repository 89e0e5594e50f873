//! Command-line arguments of `lens`.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use lens_engine::media::{AudioSourceConfig, IceServer, MediaConfig, PlaybackConfig, VideoSourceConfig};
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
    Join(JoinArgs),
}

#[derive(Args)]
pub struct JoinArgs {
    /// The PIN (`123456`, `123 456`) or the link the technician sent.
    pub input: String,
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
    /// Video size and rate of the synthetic camera.
    #[arg(long, default_value_t = 640)]
    pub width: u32,
    #[arg(long, default_value_t = 480)]
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
            ice_servers: self.ice_server.iter().map(|url| IceServer::from(url.as_str())).collect(),
            video: VideoSourceConfig::Synthetic { width: self.width, height: self.height, fps: self.fps },
            audio: AudioSourceConfig::Synthetic { frequency_hz: 440.0 },
            playback: if self.no_playback { PlaybackConfig::Null } else { PlaybackConfig::Device },
            ..MediaConfig::default()
        }
    }
}
