//! Everything the server needs to know at start-up. The CLI (`main.rs`) fills it from flags
//! and environment variables; tests build it directly with a temporary database and short
//! timeouts.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use lens_core::signal::Eula;
use url::Url;

use crate::tokens::sha256_hex;

pub mod ice;

/// The database the server uses when none is given: an embedded SQLite file next to where
/// it runs, so that `lens-server serve --demo` works with no setup at all.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://.lens/lens.db?mode=rwc";

/// The longest a PIN may live, the server's and every group's: the PIN arithmetic
/// (docs/pin-security.md) counts guesses over a PIN's life, and PINs are remembered for a
/// day after issue so that a refusal names the right session.
pub const MAX_PIN_TTL: Duration = Duration::from_secs(3600);

/// Shown to customers when no `--eula-file` is configured.
pub const DEFAULT_EULA_TEXT: &str = "\
Lens remote support - licence agreement

By accepting, you allow the technician named on this screen to see live video from your \
device's camera and to talk with you for the duration of this support session. Nothing is \
shared until the technician starts the session, and you can end it at any time. The session \
is not recorded by Lens.";

#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen. Port 0 picks a free port (tests).
    pub bind: SocketAddr,
    /// The address customers and technicians use to reach the server; links are built on it
    /// and the cookie is marked Secure when it is https. None: `http://<bound address>/`,
    /// known only once the listener is bound (port 0 in tests).
    pub public_url: Option<Url>,
    pub database_url: String,
    /// How long a new PIN can be redeemed (at most [`MAX_PIN_TTL`]).
    pub pin_ttl: Duration,
    /// How long a customer who lost the connection may take to come back before the
    /// session ends with `connection_lost`.
    pub reconnect_grace: Duration,
    /// How long a console log-in lasts.
    pub login_ttl: Duration,
    /// How often an open console socket checks that its log-in still stands (a password
    /// reset in another process deletes it); it also checks on every command.
    pub login_check_every: Duration,
    pub eula: Eula,
    /// Failed PIN look-ups allowed per client address in `join_failure_window`.
    pub join_failures_allowed: u32,
    pub join_failure_window: Duration,
    /// Failed PIN look-ups per minute from all addresses together before the alarm.
    pub join_global_failures_per_minute: u32,
    /// While the alarm is up, look-ups pass one per this long (see `rate_limit.rs`).
    pub join_slowdown: Duration,
    /// While the alarm is up, a look-up that would wait longer than this for its turn is
    /// answered 503 with Retry-After instead (the gate's queue is bounded by it).
    pub join_queue_max_wait: Duration,
    /// Failed log-ins allowed per client address in `login_failure_window`.
    pub login_failures_allowed: u32,
    pub login_failure_window: Duration,
    /// Failed log-ins allowed per account (normalised e-mail), from any address, in
    /// `login_failure_window`.
    pub login_account_failures_allowed: u32,
    /// Failed log-ins per minute from all addresses together; beyond, log-ins get 503.
    pub login_global_failures_per_minute: u32,
    /// Log-in password checks (Argon2, ~19 MiB each) run at once; more are answered 503.
    pub password_checks_at_once: usize,
    /// The phone apps this server's links open (universal links, app links, store pages).
    pub app_links: AppLinksConfig,
    /// How long a joined customer may wait for Start before the session times out, unless
    /// the technician's group sets its own.
    pub waiting_timeout: Duration,
    /// How long a session may stay on hold before it times out, unless the group sets its own.
    pub idle_timeout: Duration,
    /// How often the timeouts are checked (tests make it short).
    pub timeout_sweep: Duration,
    /// Where "send on my behalf" e-mails go out; None: that option is unavailable.
    pub smtp: Option<crate::email::SmtpConfig>,
    /// Named in invitation e-mails ("… from Example Support").
    pub organisation: String,
    /// Reverse proxies whose forwarding header names the client (see `client_addr.rs`).
    pub trusted_proxies: crate::net::client_addr::TrustedProxies,
    /// Built-in TLS (certificate files or ACME); None: plain HTTP, for loopback or behind a
    /// proxy.
    pub tls: Option<crate::net::tls::TlsSource>,
    /// Caps on open connections and how long a client may take to send its headers.
    pub connection_limits: crate::net::serve::ConnectionLimits,
    /// The STUN and TURN servers handed to both sides of every call (none: host
    /// candidates only, which works on one network).
    pub ice: ice::IceSettings,
}

impl Config {
    /// Defaults for a server on `bind` with the given database; the public URL is derived
    /// from the bind address.
    pub fn new(bind: SocketAddr, database_url: impl Into<String>) -> Config {
        Config {
            bind,
            public_url: None,
            database_url: database_url.into(),
            pin_ttl: Duration::from_secs(600),
            reconnect_grace: Duration::from_secs(60),
            login_ttl: Duration::from_secs(12 * 3600),
            // As often as the sockets' keep-alive ping (ws.rs).
            login_check_every: Duration::from_secs(20),
            eula: default_eula(),
            join_failures_allowed: 5,
            join_failure_window: Duration::from_secs(15 * 60),
            join_global_failures_per_minute: 60,
            join_slowdown: Duration::from_secs(1),
            join_queue_max_wait: Duration::from_secs(5),
            login_failures_allowed: 10,
            login_failure_window: Duration::from_secs(15 * 60),
            login_account_failures_allowed: 10,
            login_global_failures_per_minute: 60,
            password_checks_at_once: crate::accounts::password_guard::default_at_once(),
            app_links: AppLinksConfig::default(),
            waiting_timeout: Duration::from_secs(30 * 60),
            idle_timeout: Duration::from_secs(60 * 60),
            timeout_sweep: Duration::from_secs(5),
            smtp: None,
            organisation: "Lens remote support".to_owned(),
            trusted_proxies: Default::default(),
            tls: None,
            connection_limits: Default::default(),
            ice: ice::IceSettings::default(),
        }
    }
}

/// Which apps may open this server's links, and where to get them. Everything is optional:
/// without the Apple (Android) part, `/.well-known/apple-app-site-association`
/// (`/.well-known/assetlinks.json`) answers 404 and the landing page shows no such button.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppLinksConfig {
    /// Apple developer team id, ten characters (`ABCDE12345`).
    pub apple_team_id: Option<String>,
    /// The iOS app's bundle id (`com.example.lens`).
    pub apple_bundle_id: Option<String>,
    /// The app's numeric App Store id, for the Smart App Banner (`app-id=`).
    pub apple_app_store_id: Option<String>,
    /// The App Store page; default `https://apps.apple.com/app/id<app store id>`.
    pub app_store_url: Option<Url>,
    /// The Android app's package name (`com.example.lens`).
    pub android_package: Option<String>,
    /// SHA-256 fingerprints of the Android signing certificates, `AA:BB:…` (32 bytes).
    pub android_cert_fingerprints: Vec<String>,
    /// The Google Play page; default `https://play.google.com/store/apps/details?id=<package>`.
    pub play_store_url: Option<Url>,
}

impl AppLinksConfig {
    /// Checks every configured value and brings fingerprints to the upper-case form
    /// Android compares; a typo here would silently break app links on every phone.
    pub fn validated(mut self) -> anyhow::Result<AppLinksConfig> {
        if let Some(team) = &self.apple_team_id {
            anyhow::ensure!(
                team.len() == 10
                    && team
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()),
                "--apple-team-id {team:?} must be ten upper-case letters or digits"
            );
        }
        for (flag, id) in [
            ("--apple-bundle-id", &self.apple_bundle_id),
            ("--android-package", &self.android_package),
        ] {
            if let Some(id) = id {
                anyhow::ensure!(
                    id.len() <= 255
                        && id.split('.').count() >= 2
                        && id.split('.').all(|part| {
                            !part.is_empty()
                                && part
                                    .bytes()
                                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                        }),
                    "{flag} {id:?} must look like com.example.app"
                );
            }
        }
        anyhow::ensure!(
            self.apple_team_id.is_some() == self.apple_bundle_id.is_some(),
            "--apple-team-id and --apple-bundle-id go together"
        );
        if let Some(id) = &self.apple_app_store_id {
            anyhow::ensure!(
                !id.is_empty() && id.len() <= 20 && id.bytes().all(|b| b.is_ascii_digit()),
                "--apple-app-store-id {id:?} must be the App Store's numeric id"
            );
        }
        for fingerprint in &mut self.android_cert_fingerprints {
            let upper = fingerprint.trim().to_ascii_uppercase();
            let parts: Vec<&str> = upper.split(':').collect();
            anyhow::ensure!(
                parts.len() == 32
                    && parts
                        .iter()
                        .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit())),
                "--android-cert-sha256 {fingerprint:?} must be 32 hex bytes separated by colons"
            );
            *fingerprint = upper;
        }
        // A package without certificates is an app not signed yet (app.toml before the first
        // release): the landing page links to its store page and assetlinks.json answers 404,
        // so links open the browser until the operator adds the fingerprints.
        anyhow::ensure!(
            self.android_package.is_some() || self.android_cert_fingerprints.is_empty(),
            "--android-cert-sha256 needs --android-package"
        );
        for url in [&self.app_store_url, &self.play_store_url]
            .into_iter()
            .flatten()
        {
            anyhow::ensure!(url.scheme() == "https", "store URL {url} must be https");
        }
        Ok(self)
    }

    /// The App Store page, configured or derived from the numeric id.
    pub fn app_store_url(&self) -> Option<Url> {
        self.app_store_url.clone().or_else(|| {
            let id = self.apple_app_store_id.as_ref()?;
            Url::parse(&format!("https://apps.apple.com/app/id{id}")).ok()
        })
    }

    /// The Google Play page, configured or derived from the package name.
    pub fn play_store_url(&self) -> Option<Url> {
        self.play_store_url.clone().or_else(|| {
            let package = self.android_package.as_ref()?;
            Url::parse_with_params(
                "https://play.google.com/store/apps/details",
                [("id", package)],
            )
            .ok()
        })
    }
}

/// The URL a browser would use for `bind`, used when no public URL is configured.
pub fn public_url_for(bind: SocketAddr, tls: bool) -> Url {
    let host = if bind.ip().is_unspecified() {
        // Listening on all interfaces: the loopback address is at least reachable locally.
        match bind {
            SocketAddr::V4(_) => "127.0.0.1".to_owned(),
            SocketAddr::V6(_) => "[::1]".to_owned(),
        }
    } else {
        match bind {
            SocketAddr::V4(a) => a.ip().to_string(),
            SocketAddr::V6(a) => format!("[{}]", a.ip()),
        }
    };
    let scheme = if tls { "https" } else { "http" };
    Url::parse(&format!("{scheme}://{host}:{}/", bind.port()))
        .expect("a socket address makes a valid URL")
}

/// Parses and checks a `--public-url`.
pub fn parse_public_url(text: &str) -> anyhow::Result<Url> {
    let url = Url::parse(text).with_context(|| format!("--public-url {text:?} is not a URL"))?;
    anyhow::ensure!(
        matches!(url.scheme(), "http" | "https"),
        "--public-url must start with http:// or https://"
    );
    anyhow::ensure!(
        url.query().is_none() && url.fragment().is_none(),
        "--public-url must not have a query or fragment"
    );
    Ok(url)
}

/// The built-in licence text, versioned like a configured one.
pub fn default_eula() -> Eula {
    eula_from_text(DEFAULT_EULA_TEXT.to_owned())
}

/// The version is a short hash of the text, so editing the file makes customers accept the
/// new text without anyone having to remember to bump a number.
pub fn eula_from_text(text: String) -> Eula {
    let version = sha256_hex(text.as_bytes())[..16].to_owned();
    Eula { version, text }
}

pub fn load_eula(path: &Path) -> anyhow::Result<Eula> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the EULA file {}", path.display()))?;
    anyhow::ensure!(
        !text.trim().is_empty(),
        "the EULA file {} is empty",
        path.display()
    );
    Ok(eula_from_text(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_url_follows_the_bind_address() {
        assert_eq!(
            public_url_for("127.0.0.1:8080".parse().unwrap(), false).as_str(),
            "http://127.0.0.1:8080/"
        );
        assert_eq!(
            public_url_for("0.0.0.0:80".parse().unwrap(), false).as_str(),
            "http://127.0.0.1/"
        );
        assert_eq!(
            public_url_for("[::1]:9".parse().unwrap(), true).as_str(),
            "https://[::1]:9/",
            "built-in TLS makes the derived URL https"
        );
    }

    #[test]
    fn eula_version_changes_with_the_text() {
        let a = eula_from_text("a".into());
        let b = eula_from_text("b".into());
        assert_eq!(a.version.len(), 16);
        assert_ne!(a.version, b.version);
        assert_eq!(a, eula_from_text("a".into()));
    }

    #[test]
    fn an_eula_file_is_read_and_versioned() {
        let path =
            std::env::temp_dir().join(format!("lens-eula-{}.txt", crate::tokens::random_id()));
        std::fs::write(&path, "Our terms.\n").unwrap();
        let eula = load_eula(&path).unwrap();
        assert_eq!(eula.text, "Our terms.\n");
        assert_ne!(eula.version, default_eula().version);
        std::fs::write(&path, "  \n").unwrap();
        assert!(load_eula(&path).is_err(), "an empty agreement is a mistake");
        std::fs::remove_file(&path).unwrap();
        assert!(load_eula(&path).is_err());
    }

    #[test]
    fn app_link_settings_are_checked() {
        let fingerprint = ["ab"; 32].join(":");
        let good = AppLinksConfig {
            apple_team_id: Some("ABCDE12345".into()),
            apple_bundle_id: Some("com.example.lens".into()),
            android_package: Some("com.example.lens".into()),
            android_cert_fingerprints: vec![fingerprint.clone()],
            apple_app_store_id: Some("1234567890".into()),
            ..AppLinksConfig::default()
        }
        .validated()
        .unwrap();
        assert_eq!(
            good.android_cert_fingerprints,
            vec![fingerprint.to_uppercase()]
        );
        assert_eq!(
            good.app_store_url().unwrap().as_str(),
            "https://apps.apple.com/app/id1234567890"
        );
        assert_eq!(
            good.play_store_url().unwrap().as_str(),
            "https://play.google.com/store/apps/details?id=com.example.lens"
        );
        assert!(
            AppLinksConfig::default().validated().is_ok(),
            "nothing configured is fine"
        );
        for bad in [
            AppLinksConfig {
                apple_team_id: Some("abc".into()),
                ..good.clone()
            },
            AppLinksConfig {
                apple_bundle_id: None,
                ..good.clone()
            },
            AppLinksConfig {
                android_package: Some("lens".into()),
                ..good.clone()
            },
            AppLinksConfig {
                android_cert_fingerprints: vec!["AB:CD".into()],
                ..good.clone()
            },
            // Certificates without the app they sign (a package without certificates is an
            // app not released yet, which is allowed).
            AppLinksConfig {
                android_package: None,
                ..good.clone()
            },
            AppLinksConfig {
                apple_app_store_id: Some("id12".into()),
                ..good.clone()
            },
        ] {
            assert!(bad.clone().validated().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn public_url_must_be_http() {
        assert!(parse_public_url("https://lens.example.com/support/").is_ok());
        assert!(parse_public_url("ftp://x").is_err());
        assert!(parse_public_url("http://x/?a=b").is_err());
    }
}
