//! The ICE configuration of one call: the configured STUN servers, the TURN servers with a
//! credential issued for this session alone, and whether the technician's group wants
//! relayed paths only.
//!
//! TURN credentials follow coturn's `use-auth-secret` scheme (the "TURN REST API" draft):
//! the user name is `<unix expiry>:<session id>`, the password the base64 HMAC-SHA1 of the
//! user name keyed with the secret coturn shares with this server. coturn checks the HMAC
//! and the expiry itself, so nothing is stored, and a leaked credential is good for one
//! session's lifetime at most. Neither the secret nor a credential is ever logged.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use hmac::{Hmac, Mac};
use lens_core::signal::{IceConfig, IceServer};
use sha1::Sha1;

use crate::config::ice::{IceSettings, TurnSecret};
use crate::state::AppState;

/// A TURN user name and password, valid until `expires_at` (Unix seconds).
#[derive(Clone, PartialEq, Eq)]
pub struct TurnCredential {
    pub username: String,
    pub credential: String,
    pub expires_at: u64,
}

/// The credential for `session_id`, valid until `expires_at` (Unix seconds).
pub fn turn_credential(secret: &TurnSecret, session_id: &str, expires_at: u64) -> TurnCredential {
    let username = format!("{expires_at}:{session_id}");
    let mut mac =
        Hmac::<Sha1>::new_from_slice(secret.expose()).expect("HMAC takes a key of any length");
    mac.update(username.as_bytes());
    let credential = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    TurnCredential {
        username,
        credential,
        expires_at,
    }
}

/// The servers and fresh credentials for one call of `session_id`, issued at `now`.
/// STUN needs no credential; all TURN URLs share one entry with this session's credential.
pub fn ice_config(
    settings: &IceSettings,
    session_id: &str,
    relay_only: bool,
    now: SystemTime,
) -> IceConfig {
    let mut ice_servers = Vec::new();
    if !settings.stun_urls.is_empty() {
        ice_servers.push(IceServer {
            urls: settings.stun_urls.iter().map(ToString::to_string).collect(),
            username: None,
            credential: None,
        });
    }
    if let Some(secret) = &settings.turn_secret
        && !settings.turn_urls.is_empty()
    {
        let expires_at = (now + settings.credential_ttl)
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
            .as_secs();
        let issued = turn_credential(secret, session_id, expires_at);
        ice_servers.push(IceServer {
            urls: settings.turn_urls.iter().map(ToString::to_string).collect(),
            username: Some(issued.username),
            credential: Some(issued.credential),
        });
    }
    IceConfig {
        ice_servers,
        relay_only,
    }
}

/// The ICE configuration for a call in a session of `technician_id`, with the group's
/// relay-only setting read fresh (an admin's change applies to the next call).
pub async fn for_session(
    state: &AppState,
    technician_id: i64,
    session_id: &str,
) -> anyhow::Result<IceConfig> {
    let group = crate::accounts::groups::of_technician(&state.db, technician_id).await?;
    let relay_only = group.is_some_and(|g| g.relay_only);
    if relay_only && !state.config.ice.has_turn() {
        // Kept relay-only all the same: the group asked that no address be exposed, and a
        // call that cannot connect is better than one that leaks it.
        tracing::warn!(session = %session_id, "the technician's group is relay-only but no TURN server is configured: the call cannot connect");
    }
    Ok(ice_config(
        &state.config.ice,
        session_id,
        relay_only,
        SystemTime::now(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ice::{IceSettings, parse_ice_url};

    #[test]
    fn the_credential_matches_an_independent_hmac() {
        // Computed with OpenSSL, not with this code:
        //   printf '%s' '1767225600:session-1' \
        //     | openssl dgst -sha1 -hmac 'north-wind-42' -binary | base64
        let secret = TurnSecret::new("north-wind-42").unwrap();
        let issued = turn_credential(&secret, "session-1", 1_767_225_600);
        assert_eq!(issued.username, "1767225600:session-1");
        assert_eq!(issued.credential, "vDi5b+3JEWAFvrezAIeudxKS274=");
    }

    #[test]
    fn stun_goes_without_and_turn_with_a_fresh_credential() {
        let settings = IceSettings {
            stun_urls: vec![parse_ice_url("stun:10.0.0.1:3478").unwrap()],
            turn_urls: vec![
                parse_ice_url("turn:10.0.0.1:3478?transport=udp").unwrap(),
                parse_ice_url("turns:turn.example.com:5349").unwrap(),
            ],
            turn_secret: Some(TurnSecret::new("north-wind-42").unwrap()),
            credential_ttl: Duration::from_secs(600),
        };
        let now = UNIX_EPOCH + Duration::from_secs(1_767_225_000);
        let config = ice_config(&settings, "session-1", true, now);
        assert!(config.relay_only);
        let [stun, turn] = config.ice_servers.as_slice() else {
            panic!("{config:?}");
        };
        assert_eq!(stun.urls, ["stun:10.0.0.1:3478"]);
        assert_eq!((&stun.username, &stun.credential), (&None, &None));
        assert_eq!(
            turn.urls,
            [
                "turn:10.0.0.1:3478?transport=udp",
                "turns:turn.example.com:5349"
            ]
        );
        assert_eq!(turn.username.as_deref(), Some("1767225600:session-1"));
        assert_eq!(
            turn.credential.as_deref(),
            Some("vDi5b+3JEWAFvrezAIeudxKS274=")
        );
        assert!(!format!("{config:?}").contains("vDi5b"));
    }

    #[test]
    fn no_servers_configured_gives_an_empty_list() {
        let config = ice_config(&IceSettings::default(), "s", false, SystemTime::now());
        assert_eq!(config, IceConfig::default());
    }
}
