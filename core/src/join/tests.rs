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
    let config = JoinConfig::new([" RescueMobile.com ", "Bücher.example", "::1"], false).unwrap();
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
