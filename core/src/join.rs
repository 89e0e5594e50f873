//! What a customer typed or tapped to join a session, turned into a [`Pin`].
//!
//! Customers read a PIN over the phone ("123 456"), copy it from a text message
//! ("123-456"), or tap a link the technician sent (`https://support.example/123456`,
//! `lens://join/123456`). [`parse_join_input`] accepts all of these and nothing else, and
//! every refusal is a [`JoinInputError`] whose message the app can show as it is.
//!
//! Links are only trusted for the operator's own hosts ([`JoinConfig`]): a link to any
//! other host could come from someone impersonating the technician, and the app would
//! otherwise join a session on a server the customer never meant to talk to.

use std::net::{Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

use crate::pin::{PIN_DIGITS, Pin};

/// Longest input looked at. Real links are under a hundred bytes; the limit keeps a
/// pasted document from reaching the URL parser at all.
pub const MAX_INPUT_BYTES: usize = 2 * 1024;

/// The custom scheme the apps register, so that `lens://join/123456` opens the app.
pub const APP_SCHEME: &str = "lens";
/// The only "host" of an app link: `lens://join/<pin>`.
const APP_LINK_HOST: &str = "join";
/// The path prefix of `https://<host>/join/<pin>`.
const JOIN_SEGMENT: &str = "join";
/// The query parameter of `https://<host>/?code=<pin>`.
const CODE_PARAMETER: &str = "code";

/// Why what the customer entered is not a PIN. The messages are meant for the customer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JoinInputError {
    #[error("Please enter the six-digit code your technician gave you.")]
    Empty,
    #[error("That is too long to be a code or a session link.")]
    TooLong,
    #[error("The code has six digits; this one has {found}.")]
    WrongLength { found: usize },
    #[error("The code can contain only digits, for example 123 456.")]
    NotDigits,
    #[error("This link is for {host}, which is not a support service this app knows.")]
    UnknownHost { host: String },
    #[error("This link is not secure. Please use the link that starts with https://.")]
    InsecureScheme,
    #[error("This link contains a user name or password, which session links never do.")]
    CredentialsInLink,
    #[error("This link contains a port number, which session links never do.")]
    PortInLink,
    #[error("This link contains two different codes.")]
    ConflictingPins,
    #[error("This is not a session link. Please check the link, or type the six-digit code.")]
    UnsupportedLink,
    #[error("This is neither a six-digit code nor a link this app can read.")]
    Unreadable,
}

/// A configured host that is not a bare host name or IP address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("accepted host {host:?} is not a host name or IP address (no scheme, port or path)")]
pub struct JoinConfigError {
    pub host: String,
}

/// Which links [`parse_join_input`] trusts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinConfig {
    // Private so that every host went through the same normalisation as a link's host;
    // a raw "RescueMobile.com" or "bücher.example" would otherwise never match.
    accepted_hosts: Vec<Host>,
    allow_insecure_loopback: bool,
}

impl JoinConfig {
    /// `accepted_hosts` are the operator's own domains (or IP addresses), matched exactly:
    /// a subdomain is not implied, since owning a domain does not vouch for every name
    /// under it. Case and Unicode spelling do not matter (`RescueMobile.com`,
    /// `bücher.example` and `xn--bcher-kva.example` are normalised as browsers do).
    ///
    /// `allow_insecure_loopback` is for development only: it additionally accepts
    /// `http` and `https` links to 127.0.0.0/8, `::1` and `localhost`, with any port,
    /// which is where the test server runs.
    pub fn new<I, S>(
        accepted_hosts: I,
        allow_insecure_loopback: bool,
    ) -> Result<JoinConfig, JoinConfigError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let accepted_hosts = accepted_hosts
            .into_iter()
            .map(|host| {
                let raw = host.as_ref();
                normalise_configured_host(raw).ok_or_else(|| JoinConfigError {
                    host: raw.to_owned(),
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(JoinConfig {
            accepted_hosts,
            allow_insecure_loopback,
        })
    }

    /// The accepted hosts in their normalised (lower-case, punycode) form.
    pub fn accepted_hosts(&self) -> impl Iterator<Item = String> + '_ {
        self.accepted_hosts.iter().map(Host::to_string)
    }

    pub fn allow_insecure_loopback(&self) -> bool {
        self.allow_insecure_loopback
    }

    fn accepts(&self, host: &Host) -> bool {
        self.accepted_hosts.contains(host)
    }
}

fn normalise_configured_host(raw: &str) -> Option<Host> {
    let raw = raw.trim();
    // Operators write IPv6 addresses without brackets; URLs need them.
    if let Ok(v6) = raw.parse::<Ipv6Addr>() {
        return Some(Host::Ipv6(v6));
    }
    // `Host::parse` is what `Url::parse` runs on a link's host (IDNA, lower case, IPv4
    // forms), so both sides end up spelled the same way.
    Host::parse(raw).ok().map(without_root_dot)
}

/// `example.com.` is the same name as `example.com`; links sometimes carry the dot.
fn without_root_dot(host: Host) -> Host {
    match host {
        Host::Domain(name) => match name.strip_suffix('.') {
            Some(stripped) if !stripped.is_empty() => Host::Domain(stripped.to_owned()),
            _ => Host::Domain(name),
        },
        other => other,
    }
}

fn is_loopback(host: &Host) -> bool {
    match host {
        Host::Domain(name) => name == "localhost",
        Host::Ipv4(v4) => Ipv4Addr::is_loopback(v4),
        Host::Ipv6(v6) => Ipv6Addr::is_loopback(v6),
    }
}

/// Turns what the customer typed, pasted or tapped into a PIN. See the module docs for
/// the accepted forms.
pub fn parse_join_input(input: &str, config: &JoinConfig) -> Result<Pin, JoinInputError> {
    if input.len() > MAX_INPUT_BYTES {
        return Err(JoinInputError::TooLong);
    }
    let input = input.trim();
    if input.is_empty() {
        return Err(JoinInputError::Empty);
    }
    // Neither character can appear in a typed code, and every link has at least one.
    if input.contains([':', '/']) {
        parse_link(input, config)
    } else {
        parse_typed_code(input)
    }
}

/// Six digits, optionally in groups separated by one space, dash or dot, because that is
/// how PINs get read aloud and written down.
fn parse_typed_code(input: &str) -> Result<Pin, JoinInputError> {
    let mut digits = String::with_capacity(PIN_DIGITS);
    let mut found = 0;
    let mut well_grouped = true;
    // Starts true so that a leading separator counts as misplaced.
    let mut after_separator = true;
    for c in input.chars() {
        if c.is_ascii_digit() {
            found += 1;
            if found <= PIN_DIGITS {
                digits.push(c);
            }
            after_separator = false;
        } else if matches!(c, ' ' | '-' | '.') {
            well_grouped &= !after_separator;
            after_separator = true;
        } else {
            return Err(JoinInputError::NotDigits);
        }
    }
    if !well_grouped || after_separator {
        return Err(JoinInputError::NotDigits);
    }
    if found != PIN_DIGITS {
        return Err(JoinInputError::WrongLength { found });
    }
    Pin::from_digits(&digits).ok_or(JoinInputError::NotDigits)
}

fn parse_link(input: &str, config: &JoinConfig) -> Result<Pin, JoinInputError> {
    let url = Url::parse(input).map_err(|_| JoinInputError::Unreadable)?;
    match url.scheme() {
        "https" => parse_web_link(&url, config, false),
        "http" => parse_web_link(&url, config, true),
        APP_SCHEME => parse_app_link(&url),
        _ => Err(JoinInputError::UnsupportedLink),
    }
}

/// `https://<host>/<pin>`, `https://<host>/join/<pin>`, `https://<host>/?code=<pin>`.
fn parse_web_link(url: &Url, config: &JoinConfig, insecure: bool) -> Result<Pin, JoinInputError> {
    let host = url
        .host()
        .map(|h| without_root_dot(h.to_owned()))
        .ok_or(JoinInputError::UnsupportedLink)?;
    let development = config.allow_insecure_loopback && is_loopback(&host);
    if insecure && !development {
        return Err(JoinInputError::InsecureScheme);
    }
    reject_credentials(url)?;
    // `Url` drops a scheme's default port (`:443`), which is harmless: it names the same
    // server. Any other port would be a server the operator did not publish.
    if url.port().is_some() && !development {
        return Err(JoinInputError::PortInLink);
    }
    if !development && !config.accepts(&host) {
        return Err(JoinInputError::UnknownHost {
            host: host.to_string(),
        });
    }
    let segments = path_segments(url)?;
    let from_path = match segments.as_slice() {
        [] | [JOIN_SEGMENT] => None,
        [JOIN_SEGMENT, pin] => Some(strict_pin(pin)?),
        // A bare first segment is a PIN only if it looks like one: `/about` is some other
        // page of the operator's site, not a code with letters in it.
        [segment] if looks_numeric(segment) => Some(strict_pin(segment)?),
        _ => return Err(JoinInputError::UnsupportedLink),
    };
    agreeing_pin(from_path, url)
}

/// `lens://join/<pin>` (and `lens://join?code=<pin>`, for symmetry with web links).
fn parse_app_link(url: &Url) -> Result<Pin, JoinInputError> {
    reject_credentials(url)?;
    if url.port().is_some() {
        return Err(JoinInputError::PortInLink);
    }
    // Non-special schemes keep the host's case; the app link is not case-sensitive.
    if !url
        .host_str()
        .is_some_and(|h| h.eq_ignore_ascii_case(APP_LINK_HOST))
    {
        return Err(JoinInputError::UnsupportedLink);
    }
    let from_path = match path_segments(url)?.as_slice() {
        [] => None,
        [pin] => Some(strict_pin(pin)?),
        _ => return Err(JoinInputError::UnsupportedLink),
    };
    agreeing_pin(from_path, url)
}

fn reject_credentials(url: &Url) -> Result<(), JoinInputError> {
    // `https://support.example@evil.example/` is a classic way to disguise a host.
    if !url.username().is_empty() || url.password().is_some() {
        return Err(JoinInputError::CredentialsInLink);
    }
    Ok(())
}

/// The path split at `/`, one trailing slash tolerated.
fn path_segments(url: &Url) -> Result<Vec<&str>, JoinInputError> {
    let path = url.path();
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let mut segments: Vec<&str> = path
        .strip_prefix('/')
        .ok_or(JoinInputError::UnsupportedLink)?
        .split('/')
        .collect();
    if segments.last() == Some(&"") {
        segments.pop();
    }
    Ok(segments)
}

/// Combines the path's PIN with every `code` query parameter: all that are present must
/// agree, since a link carrying two codes is ambiguous and joining either could put the
/// customer in a stranger's session.
fn agreeing_pin(from_path: Option<Pin>, url: &Url) -> Result<Pin, JoinInputError> {
    let mut chosen = from_path;
    for (key, value) in url.query_pairs() {
        if key != CODE_PARAMETER {
            // Link shorteners and mail clients add tracking parameters; they are harmless.
            continue;
        }
        let pin = strict_pin(&value)?;
        match &chosen {
            Some(existing) if *existing != pin => return Err(JoinInputError::ConflictingPins),
            Some(_) => {}
            None => chosen = Some(pin),
        }
    }
    chosen.ok_or(JoinInputError::UnsupportedLink)
}

fn looks_numeric(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// A PIN in a link is written by the server: exactly six digits, no grouping.
fn strict_pin(s: &str) -> Result<Pin, JoinInputError> {
    if s.bytes().all(|b| b.is_ascii_digit()) {
        Pin::from_digits(s).ok_or(JoinInputError::WrongLength { found: s.len() })
    } else {
        Err(JoinInputError::NotDigits)
    }
}

#[cfg(test)]
mod tests;
