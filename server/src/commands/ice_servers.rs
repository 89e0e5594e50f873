//! `serve`'s STUN and TURN flags (`IceSettings`): the servers both sides of a call use to
//! find a path across NATs and firewalls, and coturn's shared secret, from which the server
//! issues short-lived per-session credentials. The secret is read here and never printed.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use lens_server::config::ice::{DEFAULT_CREDENTIAL_TTL, IceSettings, TurnSecret};

#[derive(clap::Args)]
pub(crate) struct IceArgs {
    /// A STUN server for both sides of every call: stun:host[:port] (repeatable or
    /// comma-separated).
    #[arg(long, env = "LENS_STUN_URL", value_delimiter = ',')]
    stun_url: Vec<String>,
    /// A TURN server: turn:host[:port][?transport=udp|tcp] or turns:host[:port]
    /// (repeatable or comma-separated); needs --turn-secret. Each session gets its own
    /// short-lived credentials.
    #[arg(long, env = "LENS_TURN_URL", value_delimiter = ',')]
    turn_url: Vec<String>,
    /// The TURN server's shared secret (coturn: use-auth-secret, static-auth-secret).
    /// Prefer LENS_TURN_SECRET or --turn-secret-file: a flag shows in the process list.
    #[arg(
        long,
        env = "LENS_TURN_SECRET",
        hide_env_values = true,
        conflicts_with = "turn_secret_file"
    )]
    turn_secret: Option<String>,
    /// A file holding the TURN shared secret (one line).
    #[arg(long, env = "LENS_TURN_SECRET_FILE")]
    turn_secret_file: Option<PathBuf>,
    /// How long a session's TURN credential is valid, in seconds.
    #[arg(long, env = "LENS_TURN_CREDENTIAL_TTL", default_value_t = DEFAULT_CREDENTIAL_TTL.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
    turn_credential_ttl: u64,
}

impl IceArgs {
    pub(crate) fn into_settings(self) -> anyhow::Result<IceSettings> {
        let secret = match (self.turn_secret, &self.turn_secret_file) {
            (Some(secret), _) => Some(TurnSecret::new(secret)?),
            (None, Some(path)) => {
                let content = std::fs::read_to_string(path)
                    .with_context(|| format!("reading the TURN secret file {}", path.display()))?;
                Some(
                    TurnSecret::from_file_content(&content)
                        .with_context(|| format!("the TURN secret file {}", path.display()))?,
                )
            }
            (None, None) => None,
        };
        if secret.is_some() && self.turn_url.is_empty() {
            tracing::warn!("a TURN secret is set but no --turn-url: calls are not relayed");
        }
        IceSettings::from_flags(
            &self.stun_url,
            &self.turn_url,
            secret,
            Duration::from_secs(self.turn_credential_ttl),
        )
    }
}
