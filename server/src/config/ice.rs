//! The STUN and TURN servers the operator configures (`--stun-url`, `--turn-url`,
//! `--turn-secret`): checked at start-up, so that a typo is a clear error instead of calls
//! that quietly fail to connect across networks.

use std::fmt;
use std::net::Ipv6Addr;
use std::time::Duration;

/// How long a TURN credential stays valid when `--turn-credential-ttl` is not given: long
/// enough for a long support call (coturn checks it when an allocation is made or
/// refreshed), short enough that a leaked one is soon worthless.
pub const DEFAULT_CREDENTIAL_TTL: Duration = Duration::from_secs(6 * 3600);

/// The longest URL accepted: far more than any real host name needs.
const MAX_URL_CHARS: usize = 300;

/// The shared secret of coturn's `use-auth-secret`. It never leaves the server and never
/// shows in `Debug` output (the whole `Config` is debug-printable).
#[derive(Clone, PartialEq, Eq)]
pub struct TurnSecret(String);

impl TurnSecret {
    /// Refuses an empty secret (a secret file with only a newline is a mistake).
    pub fn new(secret: impl Into<String>) -> anyhow::Result<TurnSecret> {
        let secret = secret.into();
        anyhow::ensure!(
            !secret.trim().is_empty(),
            "the TURN secret is empty (--turn-secret, LENS_TURN_SECRET or --turn-secret-file)"
        );
        Ok(TurnSecret(secret))
    }

    /// A secret file's content without its trailing line break, as `openssl rand -hex 32 >
    /// file` or an editor writes it.
    pub fn from_file_content(content: &str) -> anyhow::Result<TurnSecret> {
        TurnSecret::new(content.trim_end_matches(['\r', '\n']))
    }

    pub fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for TurnSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TurnSecret(<hidden>)")
    }
}

/// The STUN and TURN servers handed to both sides of every call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IceSettings {
    /// `stun:host[:port]`, given to everyone without credentials.
    pub stun_urls: Vec<IceUrl>,
    /// `turn:` / `turns:` URLs, given with a fresh credential per session.
    pub turn_urls: Vec<IceUrl>,
    pub turn_secret: Option<TurnSecret>,
    /// How long an issued TURN credential is valid.
    pub credential_ttl: Duration,
}

impl Default for IceSettings {
    fn default() -> IceSettings {
        IceSettings {
            stun_urls: Vec::new(),
            turn_urls: Vec::new(),
            turn_secret: None,
            credential_ttl: DEFAULT_CREDENTIAL_TTL,
        }
    }
}

impl IceSettings {
    /// The settings from the command line's texts, each URL checked.
    pub fn from_flags(
        stun_urls: &[String],
        turn_urls: &[String],
        turn_secret: Option<TurnSecret>,
        credential_ttl: Duration,
    ) -> anyhow::Result<IceSettings> {
        let stun_urls = stun_urls
            .iter()
            .map(|text| parse_flag(text, "--stun-url", false))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let turn_urls = turn_urls
            .iter()
            .map(|text| parse_flag(text, "--turn-url", true))
            .collect::<anyhow::Result<Vec<_>>>()?;
        IceSettings {
            stun_urls,
            turn_urls,
            turn_secret,
            credential_ttl,
        }
        .validated()
    }

    /// Checks the combination: TURN needs its secret, credentials need a lifetime.
    pub fn validated(self) -> anyhow::Result<IceSettings> {
        anyhow::ensure!(
            self.turn_urls.is_empty() || self.turn_secret.is_some(),
            "--turn-url needs the TURN server's shared secret (coturn's static-auth-secret): \
             give --turn-secret, LENS_TURN_SECRET or --turn-secret-file"
        );
        anyhow::ensure!(
            !self.credential_ttl.is_zero(),
            "--turn-credential-ttl must be at least 1 second"
        );
        Ok(self)
    }

    /// Whether calls can be relayed (what a relay-only group needs).
    pub fn has_turn(&self) -> bool {
        !self.turn_urls.is_empty() && self.turn_secret.is_some()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IceScheme {
    Stun,
    Stuns,
    Turn,
    Turns,
}

impl IceScheme {
    fn parse(text: &str) -> Option<IceScheme> {
        match text.to_ascii_lowercase().as_str() {
            "stun" => Some(IceScheme::Stun),
            "stuns" => Some(IceScheme::Stuns),
            "turn" => Some(IceScheme::Turn),
            "turns" => Some(IceScheme::Turns),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            IceScheme::Stun => "stun",
            IceScheme::Stuns => "stuns",
            IceScheme::Turn => "turn",
            IceScheme::Turns => "turns",
        }
    }

    pub fn is_turn(self) -> bool {
        matches!(self, IceScheme::Turn | IceScheme::Turns)
    }
}

/// One STUN or TURN URL (RFC 7064, RFC 7065), brought to one spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IceUrl {
    pub scheme: IceScheme,
    /// A host name, an IPv4 address or a bracketed IPv6 address.
    pub host: String,
    pub port: Option<u16>,
    /// `udp` or `tcp` (TURN only).
    pub transport: Option<String>,
}

impl IceUrl {
    /// `scheme:host[:port]` without the transport: how a log line or a message names the
    /// server.
    pub fn server(&self) -> String {
        match self.port {
            Some(port) => format!("{}:{}:{port}", self.scheme.name(), self.host),
            None => format!("{}:{}", self.scheme.name(), self.host),
        }
    }
}

impl fmt::Display for IceUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.server())?;
        if let Some(transport) = &self.transport {
            write!(f, "?transport={transport}")?;
        }
        Ok(())
    }
}

fn parse_flag(text: &str, flag: &str, turn: bool) -> anyhow::Result<IceUrl> {
    let url = parse_ice_url(text).map_err(|why| anyhow::anyhow!("{flag} {text:?}: {why}"))?;
    match (turn, url.scheme.is_turn()) {
        (false, true) => anyhow::bail!(
            "{flag} {text:?} is a TURN URL: give it with --turn-url (it needs credentials)"
        ),
        (true, false) => {
            anyhow::bail!("{flag} {text:?} is a STUN URL: give it with --stun-url")
        }
        _ => Ok(url),
    }
}

/// Parses `stun:host[:port]`, `turn:host[:port][?transport=udp|tcp]` or `turns:…`; the
/// error says what is wrong in words. User names and passwords in the URL are refused: TURN
/// credentials are issued per session, never configured.
pub fn parse_ice_url(text: &str) -> Result<IceUrl, String> {
    let text = text.trim();
    if text.chars().count() > MAX_URL_CHARS {
        return Err(format!("longer than {MAX_URL_CHARS} characters"));
    }
    let (scheme, rest) = text
        .split_once(':')
        .ok_or("must start with stun:, turn: or turns:")?;
    let scheme = IceScheme::parse(scheme).ok_or("must start with stun:, turn: or turns:")?;
    if rest.starts_with("//") {
        return Err(format!("has no \"//\": write {}:host:port", scheme.name()));
    }
    if rest.contains('@') {
        return Err(
            "must not carry a user name or password: TURN credentials are issued per \
                    session from --turn-secret"
                .into(),
        );
    }
    let (authority, query) = match rest.split_once('?') {
        Some((authority, query)) => (authority, Some(query)),
        None => (rest, None),
    };
    let (host, port) = parse_host_port(authority)?;
    let transport = match query {
        None => None,
        Some(_) if !scheme.is_turn() => {
            return Err("a STUN URL takes no ?transport= (or any query)".into());
        }
        Some(query) => match query.strip_prefix("transport=") {
            Some(t) if t.eq_ignore_ascii_case("udp") || t.eq_ignore_ascii_case("tcp") => {
                Some(t.to_ascii_lowercase())
            }
            _ => return Err("the only query allowed is ?transport=udp or ?transport=tcp".into()),
        },
    };
    Ok(IceUrl {
        scheme,
        host,
        port,
        transport,
    })
}

/// `host`, `host:port`, `1.2.3.4:port` or `[::1]:port`.
pub fn parse_host_port(authority: &str) -> Result<(String, Option<u16>), String> {
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (address, after) = bracketed
            .split_once(']')
            .ok_or("an IPv6 address needs its closing ]")?;
        address
            .parse::<Ipv6Addr>()
            .map_err(|_| format!("{address:?} is not an IPv6 address"))?;
        let port = match after {
            "" => None,
            _ => Some(
                after
                    .strip_prefix(':')
                    .ok_or("only :port may follow the IPv6 address")?,
            ),
        };
        (format!("[{}]", address.to_ascii_lowercase()), port)
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host.to_owned(), Some(port)),
            None => (authority.to_owned(), None),
        }
    };
    if !host.starts_with('[') && !valid_host_name(&host) {
        return Err(if host.is_empty() {
            "has no host".into()
        } else {
            format!("{host:?} is not a host name or address")
        });
    }
    let port = match port {
        None => None,
        Some(port) => match port.parse::<u16>() {
            Ok(p) if p > 0 && port.bytes().all(|b| b.is_ascii_digit()) => Some(p),
            _ => return Err(format!("{port:?} is not a port (1 to 65535)")),
        },
    };
    Ok((host.to_ascii_lowercase(), port))
}

/// Letters, digits, hyphens and dots in non-empty labels (IPv4 addresses pass too).
fn valid_host_name(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> String {
        parse_ice_url(text).unwrap().to_string()
    }

    #[test]
    fn good_urls_are_read_in_one_spelling() {
        assert_eq!(url("stun:stun.example.com"), "stun:stun.example.com");
        assert_eq!(url("STUN:10.0.0.1:3478"), "stun:10.0.0.1:3478");
        assert_eq!(
            url("turn:Turn.Example.com:3478?transport=TCP"),
            "turn:turn.example.com:3478?transport=tcp"
        );
        assert_eq!(
            url("turns:turn.example.com:5349"),
            "turns:turn.example.com:5349"
        );
        assert_eq!(url("turn:[2001:DB8::1]:3478"), "turn:[2001:db8::1]:3478");
        assert_eq!(url(" turn:10.9.0.1 "), "turn:10.9.0.1");
    }

    #[test]
    fn bad_urls_say_what_is_wrong() {
        for (text, says) in [
            ("http://stun.example.com", "must start with"),
            ("stun.example.com:3478", "must start with"),
            ("stun://x:1", "\"//\""),
            ("stun:", "has no host"),
            ("stun::3478", "has no host"),
            ("stun:x:0", "not a port"),
            ("stun:x:70000", "not a port"),
            ("stun:x:+1", "not a port"),
            ("stun:x?transport=udp", "STUN URL takes no"),
            ("turn:x?transport=sctp", "transport=udp"),
            ("turn:user:pass@x:3478", "user name or password"),
            ("turn:x y", "not a host name"),
            ("turn:[::1", "closing ]"),
            ("turn:[zz]:1", "not an IPv6 address"),
        ] {
            let why = parse_ice_url(text).unwrap_err();
            assert!(why.contains(says), "{text}: {why}");
        }
    }

    #[test]
    fn urls_go_with_their_flag_and_turn_needs_a_secret() {
        let ttl = DEFAULT_CREDENTIAL_TTL;
        let secret = || Some(TurnSecret::new("s3cret").unwrap());
        assert!(IceSettings::from_flags(&["turn:x".into()], &[], None, ttl).is_err());
        assert!(IceSettings::from_flags(&[], &["stun:x".into()], secret(), ttl).is_err());
        let no_secret = IceSettings::from_flags(&[], &["turn:x".into()], None, ttl).unwrap_err();
        assert!(
            no_secret.to_string().contains("--turn-secret"),
            "{no_secret}"
        );
        let zero = IceSettings::from_flags(&[], &["turn:x".into()], secret(), Duration::ZERO);
        assert!(zero.is_err());
        let good = IceSettings::from_flags(
            &["stun:x:3478".into()],
            &["turn:x:3478?transport=udp".into(), "turns:x:5349".into()],
            secret(),
            ttl,
        )
        .unwrap();
        assert!(good.has_turn());
        assert!(
            IceSettings::default().validated().is_ok(),
            "nothing is fine"
        );
        assert!(!IceSettings::default().has_turn());
    }

    #[test]
    fn the_secret_never_shows_in_debug_output() {
        let settings = IceSettings {
            turn_secret: Some(TurnSecret::new("north-wind-42").unwrap()),
            ..IceSettings::default()
        };
        let printed = format!("{settings:?}");
        assert!(!printed.contains("north-wind"), "{printed}");
        assert!(TurnSecret::new(" \n").is_err());
        assert_eq!(
            TurnSecret::from_file_content("abc\n").unwrap().expose(),
            b"abc"
        );
    }
}
