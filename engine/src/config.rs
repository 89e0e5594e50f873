//! How an app configures the engine.

use lens_core::app::AppConfig;
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
    /// The device's preferred languages, most preferred first ("de-AT", "nl", "en"); the
    /// customer reads English when none of them is translated.
    pub locales: Vec<String>,
    /// The operator's name on the PIN screen; the server's host unless the app names it.
    pub organisation: String,
    /// The tutorial was seen on an earlier start (the shell stored `SaveTutorialSeen`).
    pub tutorial_seen: bool,
    /// The camera and microphone grants the platform already knows (`(camera,
    /// microphone)`), or `None` when the app must ask.
    pub permissions: Option<(bool, bool)>,
    /// Whether the customer may join without the microphone when it was refused.
    pub allow_without_microphone: bool,
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
            organisation: server.host_str().unwrap_or_default().to_owned(),
            server,
            join,
            session: SessionConfig::default(),
            media,
            locales: Vec::new(),
            tutorial_seen: false,
            permissions: None,
            allow_without_microphone: true,
        })
    }

    /// The app model's configuration: the same session and links, and what the device knows.
    pub fn app_config(&self) -> AppConfig {
        AppConfig {
            session: self.session.clone(),
            join: self.join.clone(),
            locales: self.locales.clone(),
            organisation: self.organisation.clone(),
            tutorial_seen: self.tutorial_seen,
            permissions: self.permissions,
            allow_without_microphone: self.allow_without_microphone,
        }
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
