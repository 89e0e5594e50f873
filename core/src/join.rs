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
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn config() -> JoinConfig {
        JoinConfig::new(
            [
                "RescueMobile.com",
                "oty.com",
                "bücher.example",
                "192.0.2.7",
                "2001:db8::7",
            ],
            false,
        )
        .unwrap()
    }

    fn development() -> JoinConfig {
        JoinConfig::new(["oty.com"], true).unwrap()
    }

    fn parse(input: &str) -> Result<String, JoinInputError> {
        parse_join_input(input, &config()).map(|pin| pin.to_string())
    }

    fn parse_dev(input: &str) -> Result<String, JoinInputError> {
        parse_join_input(input, &development()).map(|pin| pin.to_string())
    }

    /// Every link form the server or a technician might send for `pin` on `host`.
    fn links_for(pin: &str, host: &str) -> Vec<String> {
        vec![
            format!("https://{host}/{pin}"),
            format!("https://{host}/{pin}/"),
            format!("https://{host}/?code={pin}"),
            format!("https://{host}?code={pin}"),
            format!("https://{host}/join/{pin}"),
            format!("https://{host}/join/{pin}/"),
            format!("https://{host}/join?code={pin}"),
            format!("https://{host}/{pin}?code={pin}"),
            format!("lens://join/{pin}"),
            format!("lens://join/{pin}/"),
            format!("lens://join?code={pin}"),
        ]
    }

    #[test]
    fn typed_codes_in_every_grouping() {
        for input in [
            "123456",
            "123 456",
            "123-456",
            "123.456",
            "12.34.56",
            "12 34 56",
            "1 2 3 4 5 6",
            "1-2-3-4-5-6",
            "12 34-56",
            "  123 456\n",
            "\t123456 ",
        ] {
            assert_eq!(parse(input), Ok("123456".into()), "{input:?}");
        }
    }

    #[test]
    fn the_customers_own_link_forms() {
        assert_eq!(
            parse("https://RescueMobile.com/123456"),
            Ok("123456".into())
        );
        assert_eq!(parse("https://oty.com/?code=123456"), Ok("123456".into()));
        for link in links_for("042001", "oty.com") {
            assert_eq!(parse(&link), Ok("042001".into()), "{link}");
        }
    }

    #[test]
    fn hosts_match_whatever_their_case_or_script() {
        for host in [
            "OTY.com",
            "oty.com.",
            "BÜCHER.example",
            "xn--bcher-kva.example",
            "192.0.2.7",
            "[2001:db8::7]",
        ] {
            assert_eq!(
                parse(&format!("https://{host}/123456")),
                Ok("123456".into()),
                "{host}"
            );
        }
    }

    #[test]
    fn configured_hosts_are_normalised() {
        let config =
            JoinConfig::new([" RescueMobile.com ", "Bücher.example", "::1"], false).unwrap();
        let hosts: Vec<String> = config.accepted_hosts().collect();
        assert_eq!(
            hosts,
            ["rescuemobile.com", "xn--bcher-kva.example", "[::1]"]
        );
    }

    #[test]
    fn configured_hosts_must_be_bare_hosts() {
        for bad in [
            "",
            "https://oty.com",
            "oty.com:443",
            "oty.com/join",
            "user@oty.com",
        ] {
            assert_eq!(
                JoinConfig::new([bad], false),
                Err(JoinConfigError { host: bad.into() }),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn an_app_link_ignores_case_and_scheme_spelling() {
        assert_eq!(parse("LENS://JOIN/123456"), Ok("123456".into()));
    }

    #[test]
    fn tracking_parameters_and_fragments_are_ignored() {
        assert_eq!(
            parse("https://oty.com/123456?utm_source=sms#top"),
            Ok("123456".into())
        );
    }

    #[test]
    fn an_explicit_default_port_is_the_same_server() {
        assert_eq!(parse("https://oty.com:443/123456"), Ok("123456".into()));
    }

    #[test]
    fn empty() {
        for input in ["", "   ", "\n\t"] {
            assert_eq!(parse(input), Err(JoinInputError::Empty), "{input:?}");
        }
    }

    #[test]
    fn too_long_is_refused_before_parsing() {
        let padded = format!("{}123456", " ".repeat(MAX_INPUT_BYTES));
        assert_eq!(parse(&padded), Err(JoinInputError::TooLong));
        let link = format!("https://oty.com/123456?pad={}", "x".repeat(MAX_INPUT_BYTES));
        assert_eq!(parse(&link), Err(JoinInputError::TooLong));
        let just_fits = format!("{}123456", " ".repeat(MAX_INPUT_BYTES - 6));
        assert_eq!(parse(&just_fits), Ok("123456".into()));
    }

    #[test]
    fn wrong_length() {
        assert_eq!(
            parse("12345"),
            Err(JoinInputError::WrongLength { found: 5 })
        );
        assert_eq!(
            parse("123 4567"),
            Err(JoinInputError::WrongLength { found: 7 })
        );
        assert_eq!(
            parse("https://oty.com/12345"),
            Err(JoinInputError::WrongLength { found: 5 })
        );
        assert_eq!(
            parse("https://oty.com/join/1234567"),
            Err(JoinInputError::WrongLength { found: 7 })
        );
        assert_eq!(
            parse("https://oty.com/?code="),
            Err(JoinInputError::WrongLength { found: 0 })
        );
        assert_eq!(
            parse("lens://join/1234"),
            Err(JoinInputError::WrongLength { found: 4 })
        );
    }

    #[test]
    fn not_digits() {
        for input in [
            "12345a",
            "abcdef",
            "١٢٣٤٥٦",
            "１２３４５６",
            "123_456",
            "123  456",
            "-123456",
            "123456.",
            "123--456",
        ] {
            assert_eq!(parse(input), Err(JoinInputError::NotDigits), "{input:?}");
        }
        assert_eq!(
            parse("https://oty.com/join/12345a"),
            Err(JoinInputError::NotDigits)
        );
        assert_eq!(
            parse("https://oty.com/?code=12345a"),
            Err(JoinInputError::NotDigits)
        );
        assert_eq!(parse("lens://join/abcdef"), Err(JoinInputError::NotDigits));
    }

    #[test]
    fn unknown_host() {
        assert_eq!(
            parse("https://evil.example/123456"),
            Err(JoinInputError::UnknownHost {
                host: "evil.example".into()
            })
        );
        // An accepted domain does not vouch for its subdomains, nor for look-alikes.
        for host in ["www.oty.com", "oty.com.evil.example", "otу.com"] {
            assert!(
                matches!(
                    parse(&format!("https://{host}/123456")),
                    Err(JoinInputError::UnknownHost { .. })
                ),
                "{host}"
            );
        }
        // Loopback is only special in development.
        assert!(matches!(
            parse("https://127.0.0.1/123456"),
            Err(JoinInputError::UnknownHost { .. })
        ));
    }

    #[test]
    fn insecure_scheme() {
        assert_eq!(
            parse("http://oty.com/123456"),
            Err(JoinInputError::InsecureScheme)
        );
        assert_eq!(
            parse("http://127.0.0.1:8080/123456"),
            Err(JoinInputError::InsecureScheme)
        );
        assert_eq!(
            parse_dev("http://oty.com/123456"),
            Err(JoinInputError::InsecureScheme)
        );
    }

    #[test]
    fn loopback_in_development() {
        for link in [
            "http://127.0.0.1:8080/123456",
            "http://127.0.0.1:8080/join/123456/",
            "http://127.1.2.3/?code=123456",
            "http://localhost:3000/123456",
            "http://[::1]:3000/123456",
            "https://127.0.0.1:8443/123456",
        ] {
            assert_eq!(parse_dev(link), Ok("123456".into()), "{link}");
        }
        assert_eq!(parse_dev("https://oty.com/123456"), Ok("123456".into()));
    }

    #[test]
    fn credentials_in_link() {
        for link in [
            "https://oty.com@evil.example/123456",
            "https://user:secret@oty.com/123456",
            "https://:secret@oty.com/123456",
            "lens://me@join/123456",
        ] {
            assert_eq!(
                parse(link),
                Err(JoinInputError::CredentialsInLink),
                "{link}"
            );
        }
        assert_eq!(
            parse_dev("http://me@127.0.0.1:8080/123456"),
            Err(JoinInputError::CredentialsInLink)
        );
    }

    #[test]
    fn port_in_link() {
        for link in ["https://oty.com:8443/123456", "lens://join:80/123456"] {
            assert_eq!(parse(link), Err(JoinInputError::PortInLink), "{link}");
        }
        assert_eq!(
            parse_dev("https://oty.com:8443/123456"),
            Err(JoinInputError::PortInLink)
        );
    }

    #[test]
    fn conflicting_pins() {
        for link in [
            "https://oty.com/123456?code=654321",
            "https://oty.com/join/123456?code=654321",
            "https://oty.com/?code=123456&code=654321",
            "lens://join/123456?code=654321",
        ] {
            assert_eq!(parse(link), Err(JoinInputError::ConflictingPins), "{link}");
        }
    }

    #[test]
    fn unsupported_link_shapes() {
        for link in [
            "https://oty.com/",
            "https://oty.com/about",
            "https://oty.com/123456//",
            "https://oty.com//123456",
            "https://oty.com/join/123456/extra",
            "https://oty.com/session/123456",
            "ftp://oty.com/123456",
            "javascript:alert(123456)",
            "mailto:123456@oty.com",
            "lens:join/123456",
            "lens://start/123456",
            "lens://join/",
        ] {
            assert_eq!(parse(link), Err(JoinInputError::UnsupportedLink), "{link}");
        }
    }

    #[test]
    fn unreadable() {
        for input in [
            "oty.com/123456",
            "123/456",
            "12:34:56",
            "https://",
            "https://[oty.com]/123456",
            "://123456",
        ] {
            assert_eq!(parse(input), Err(JoinInputError::Unreadable), "{input:?}");
        }
    }

    #[test]
    fn errors_read_as_sentences() {
        let error = parse("12345").unwrap_err().to_string();
        assert_eq!(error, "The code has six digits; this one has 5.");
    }

    fn valid_pin() -> impl Strategy<Value = String> {
        "[0-9]{6}"
    }

    /// The PIN split into groups, joined by one separator each, with whitespace around.
    fn grouped(pin: &str, cuts: &[bool], separators: &[char], before: &str, after: &str) -> String {
        let mut out = before.to_owned();
        for (i, c) in pin.chars().enumerate() {
            if i > 0 && cuts[i - 1] {
                out.push(separators[i - 1]);
            }
            out.push(c);
        }
        out.push_str(after);
        out
    }

    proptest! {
        #[test]
        fn arbitrary_input_never_panics(input in any::<String>()) {
            let _ = parse_join_input(&input, &config());
            let _ = parse_join_input(&input, &development());
        }

        #[test]
        fn arbitrary_long_input_never_panics(input in ".{0,3000}") {
            let _ = parse_join_input(&input, &config());
        }

        #[test]
        fn arbitrary_parts_spliced_into_links_never_panic(a in any::<String>(), b in ".*") {
            for link in [
                format!("https://{a}/{b}"),
                format!("https://oty.com/{a}"),
                format!("https://oty.com/?code={a}&code={b}"),
                format!("https://oty.com/join/{a}?{b}"),
                format!("https://{a}@oty.com:{b}/123456"),
                format!("http://127.0.0.1:{a}/{b}"),
                format!("http://[{a}]/123456"),
                format!("lens://{a}/{b}"),
                format!("lens://join/{a}"),
                format!("{a}://{b}"),
                format!("{a}:{b}"),
            ] {
                let _ = parse_join_input(&link, &config());
                let _ = parse_join_input(&link, &development());
            }
        }

        #[test]
        fn every_pin_survives_every_link_form(pin in valid_pin()) {
            let hosts = [
                "rescuemobile.com",
                "RescueMobile.com",
                "bücher.example",
                "xn--bcher-kva.example",
                "[2001:db8::7]",
            ];
            for host in hosts {
                for link in links_for(&pin, host) {
                    prop_assert_eq!(parse(&link), Ok(pin.clone()), "{}", link);
                }
            }
            for link in links_for(&pin, "127.0.0.1:8080") {
                let insecure = link.replacen("https:", "http:", 1);
                prop_assert_eq!(parse_dev(&insecure), Ok(pin.clone()), "{}", insecure);
            }
        }

        #[test]
        fn every_pin_survives_every_grouping(
            pin in valid_pin(),
            cuts in prop::collection::vec(any::<bool>(), PIN_DIGITS - 1),
            separators in
                prop::collection::vec(prop::sample::select(vec![' ', '-', '.']), PIN_DIGITS - 1),
            before in "[ \t\n]{0,3}",
            after in "[ \t\n]{0,3}",
        ) {
            let input = grouped(&pin, &cuts, &separators, &before, &after);
            prop_assert_eq!(parse(&input), Ok(pin), "{:?}", input);
        }
    }
}
