//! How an app configures the engine.

use lens_core::join::{JoinConfig, JoinConfigError};
use lens_core::session::SessionConfig;
use url::Url;

use crate::media::MediaConfig;

#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// The Lens server, e.g. `https://lens.example.com`.
    pub server: Url,
    /// Which links the app accepts.
    pub join: JoinConfig,
    pub session: SessionConfig,
    pub media: MediaConfig,
}

impl EngineConfig {
    /// Accepts links to the server's own host and to `extra_hosts` (the operator's other
    /// domains). Plain `http` is allowed only when the server itself is a loopback `http`
    /// URL, i.e. a developer's machine.
    pub fn new(
        server: Url,
        extra_hosts: &[String],
        media: MediaConfig,
    ) -> Result<EngineConfig, JoinConfigError> {
        let insecure_loopback = server.scheme() == "http" && is_loopback(&server);
        let hosts = server
            .host_str()
            .map(str::to_owned)
            .into_iter()
            .chain(extra_hosts.iter().cloned());
        let join = JoinConfig::new(hosts, insecure_loopback)?;
        Ok(EngineConfig {
            server,
            join,
            session: SessionConfig::default(),
            media,
        })
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}
