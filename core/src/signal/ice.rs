//! How a peer connection reaches the other side: the STUN and TURN servers the server hands
//! out for one call, whether only relayed paths may be used, and which path a call took.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One STUN or TURN server, in the shape of the browser's `RTCIceServer`.
///
/// `credential` is a short-lived TURN password (see the server's `ice` module); `Debug` never
/// prints it, so a logged message cannot leak it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IceServer {
    /// `stun:host:port`, `turn:host:port?transport=udp|tcp` or `turns:host:port`.
    pub urls: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

impl fmt::Debug for IceServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IceServer")
            .field("urls", &self.urls)
            .field("username", &self.username)
            .field("credential", &self.credential.as_ref().map(|_| "<hidden>"))
            .finish()
    }
}

/// The ICE configuration of one call, issued by the server: with the customer's `start` and
/// with the technician's `offer`. Neither side keeps a long-lived credential.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IceConfig {
    #[serde(default)]
    pub ice_servers: Vec<IceServer>,
    /// Both sides use relay (TURN) candidates only, so neither learns the other's address.
    /// Set per technician group; off by default.
    #[serde(default)]
    pub relay_only: bool,
}

/// The path a call's media takes, from the selected candidate pair: the console shows it,
/// the customer's stats carry it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[serde(rename_all = "snake_case")]
pub enum MediaPath {
    /// No pair selected yet (or an older app that does not say).
    #[default]
    Unknown,
    /// Host to host: both sides on reachable addresses.
    Direct,
    /// At least one side's address was learnt through STUN (server- or peer-reflexive).
    ThroughNat,
    /// Through a TURN server.
    Relayed,
}

impl MediaPath {
    /// The path of a candidate pair, from the two candidates' `typ` ("host", "srflx", "prflx",
    /// "relay"): the less direct side decides.
    pub fn of_pair(local_type: &str, remote_type: &str) -> MediaPath {
        let rank = |typ: &str| match typ {
            "host" => MediaPath::Direct,
            "srflx" | "prflx" => MediaPath::ThroughNat,
            "relay" => MediaPath::Relayed,
            _ => MediaPath::Unknown,
        };
        let (local, remote) = (rank(local_type), rank(remote_type));
        if local == MediaPath::Unknown || remote == MediaPath::Unknown {
            return MediaPath::Unknown;
        }
        local.max(remote)
    }

    /// The words a person reads.
    pub fn describe(self) -> &'static str {
        match self {
            MediaPath::Unknown => "Not connected yet",
            MediaPath::Direct => "Direct",
            MediaPath::ThroughNat => "Through NAT",
            MediaPath::Relayed => "Relayed (TURN)",
        }
    }
}

impl PartialOrd for MediaPath {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Ordered from most to least direct, so that a pair's path is the larger of its two sides.
impl Ord for MediaPath {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let order = |path: &MediaPath| match path {
            MediaPath::Unknown => 0,
            MediaPath::Direct => 1,
            MediaPath::ThroughNat => 2,
            MediaPath::Relayed => 3,
        };
        order(self).cmp(&order(other))
    }
}

/// The `typ` of an ICE candidate line ("candidate:1 1 udp 2130706431 10.0.0.1 5000 typ
/// host"), or `None` if the line has none.
pub fn candidate_type(candidate: &str) -> Option<&str> {
    let mut words = candidate.split_ascii_whitespace();
    while let Some(word) = words.next() {
        if word == "typ" {
            return words.next();
        }
    }
    None
}

/// The mid of an SDP's first media section: under BUNDLE, the one every candidate goes with.
pub fn first_mid(sdp: &str) -> Option<&str> {
    sdp.lines()
        .find_map(|line| line.trim_end().strip_prefix("a=mid:"))
        .filter(|mid| !mid.is_empty())
}

/// A relay candidate with its related address hidden (`raddr 0.0.0.0 rport 0`, as browsers
/// write it): the related address of a relay candidate is the sender's own address, which a
/// relay-only call must not tell the other side. Other candidates are returned unchanged.
pub fn hide_related_address(candidate: &str) -> String {
    if candidate_type(candidate) != Some("relay") {
        return candidate.to_owned();
    }
    let mut words: Vec<&str> = candidate.split_ascii_whitespace().collect();
    for i in 0..words.len().saturating_sub(1) {
        match words[i] {
            "raddr" => words[i + 1] = "0.0.0.0",
            "rport" => words[i + 1] = "0",
            _ => {}
        }
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_takes_the_less_direct_sides_path() {
        assert_eq!(MediaPath::of_pair("host", "host"), MediaPath::Direct);
        assert_eq!(MediaPath::of_pair("host", "srflx"), MediaPath::ThroughNat);
        assert_eq!(MediaPath::of_pair("prflx", "host"), MediaPath::ThroughNat);
        assert_eq!(MediaPath::of_pair("relay", "host"), MediaPath::Relayed);
        assert_eq!(MediaPath::of_pair("srflx", "relay"), MediaPath::Relayed);
        assert_eq!(MediaPath::of_pair("host", "bogus"), MediaPath::Unknown);
    }

    #[test]
    fn candidate_types_are_read_from_the_line() {
        let line = "candidate:1 1 udp 2130706431 10.0.0.1 5000 typ host generation 0";
        assert_eq!(candidate_type(line), Some("host"));
        let relay = "candidate:2 1 udp 16777215 10.9.0.1 49152 typ relay raddr 0.0.0.0 rport 0";
        assert_eq!(candidate_type(relay), Some("relay"));
        assert_eq!(candidate_type("candidate:3 1 udp 1 10.0.0.1 5000"), None);
    }

    #[test]
    fn the_first_media_sections_mid_is_the_bundle_mid() {
        let sdp = "v=0\r\na=group:BUNDLE 0 1\r\nm=video 9 UDP/TLS/RTP/SAVPF 102\r\na=mid:0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:1\r\n";
        assert_eq!(first_mid(sdp), Some("0"));
        assert_eq!(first_mid("v=0\r\n"), None);
    }

    #[test]
    fn a_relay_candidate_does_not_tell_its_own_address() {
        let relay =
            "candidate:2 1 udp 16777215 10.77.0.1 49152 typ relay raddr 10.77.5.2 rport 40000";
        assert_eq!(
            hide_related_address(relay),
            "candidate:2 1 udp 16777215 10.77.0.1 49152 typ relay raddr 0.0.0.0 rport 0"
        );
        let host = "candidate:1 1 udp 2130706431 10.77.5.2 40000 typ host";
        assert_eq!(hide_related_address(host), host);
    }

    #[test]
    fn a_turn_password_never_shows_in_debug_output() {
        let server = IceServer {
            urls: vec!["turn:turn.example:3478".into()],
            username: Some("1767225600:s1".into()),
            credential: Some("c2VjcmV0LXBhc3N3b3Jk".into()),
        };
        let printed = format!(
            "{:?}",
            IceConfig {
                ice_servers: vec![server],
                relay_only: true,
            }
        );
        assert!(!printed.contains("c2VjcmV0"), "{printed}");
        assert!(printed.contains("<hidden>"));
    }

    #[test]
    fn a_start_without_ice_from_an_older_server_means_no_servers() {
        let config: IceConfig = serde_json::from_str("{}").unwrap();
        assert_eq!(config, IceConfig::default());
    }
}
