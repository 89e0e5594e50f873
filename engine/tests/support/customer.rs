//! The customer's media in the engine's integration tests.

use std::net::Ipv4Addr;

use lens_engine::media::{MediaConfig, VideoSourceConfig};

/// The customer's media on loopback, bound to 127.0.0.1 with no STUN or TURN server (so no
/// packet leaves `lo`), with `video` as its camera, a 440 Hz synthetic microphone and no
/// loudspeaker (`MediaConfig::default`'s).
pub fn on_loopback(video: VideoSourceConfig) -> MediaConfig {
    MediaConfig {
        bind_ip: Ipv4Addr::LOCALHOST.into(),
        video,
        ..MediaConfig::default()
    }
}
