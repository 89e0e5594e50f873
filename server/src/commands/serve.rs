//! `lens-server serve`: flags and environment into a [`Config`], then run until a signal.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use lens_server::accounts::technicians::{self, DEMO_EMAIL, DEMO_NAME};
use lens_server::config::{self, Config};

use super::app_links::AppLinksArgs;
use super::ice_servers::IceArgs;
use lens_server::flow::access;

use crate::DatabaseArg;

#[derive(clap::Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "LENS_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Address people reach the server at (links and the console URL use it; https makes
    /// the console cookie Secure). Default: http://<bind>.
    #[arg(long, env = "LENS_PUBLIC_URL")]
    public_url: Option<String>,
    #[command(flatten)]
    database: DatabaseArg,
    /// How long a new PIN can be used, in seconds (at most an hour: see docs/pin-security.md).
    #[arg(long, env = "LENS_PIN_TTL_SECS", default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..=config::MAX_PIN_TTL.as_secs()))]
    pin_ttl_secs: u64,
    /// How long a customer who lost the connection may take to reconnect, in seconds.
    #[arg(long, env = "LENS_RECONNECT_GRACE_SECS", default_value_t = 60)]
    reconnect_grace_secs: u64,
    /// How long a console sign-in lasts, in seconds.
    #[arg(long, env = "LENS_LOGIN_TTL_SECS", default_value_t = 12 * 3600, value_parser = clap::value_parser!(u64).range(60..))]
    login_ttl_secs: u64,
    /// Text file with the licence agreement customers must accept (default: built-in text).
    #[arg(long, env = "LENS_EULA_FILE")]
    eula_file: Option<PathBuf>,
    /// Create a demo technician (no admin) on first start and print its credentials; only
    /// with a loopback --bind.
    #[arg(long, env = "LENS_DEMO")]
    demo: bool,
    /// How long a joined customer may wait for Start before the session times out, in
    /// seconds (a group may set its own).
    #[arg(long, env = "LENS_WAITING_TIMEOUT_SECS", default_value_t = 30 * 60, value_parser = clap::value_parser!(u64).range(1..))]
    waiting_timeout_secs: u64,
    /// How long a session may stay on hold before it times out, in seconds (a group may set
    /// its own).
    #[arg(long, env = "LENS_IDLE_TIMEOUT_SECS", default_value_t = 60 * 60, value_parser = clap::value_parser!(u64).range(1..))]
    idle_timeout_secs: u64,
    /// How often the timeouts are checked, in milliseconds.
    #[arg(long, env = "LENS_TIMEOUT_SWEEP_MS", default_value_t = 5000, value_parser = clap::value_parser!(u64).range(10..))]
    timeout_sweep_ms: u64,
    /// SMTP relay for e-mails sent on a technician's behalf: smtp://host:port (plain),
    /// smtp://user:pass@host:587?tls=required (STARTTLS) or smtps://user:pass@host.
    #[arg(
        long,
        env = "LENS_SMTP_URL",
        hide_env_values = true,
        requires = "smtp_from"
    )]
    smtp_url: Option<String>,
    /// The From address of those e-mails, e.g. "Example Support <support@example.com>".
    #[arg(long, env = "LENS_SMTP_FROM")]
    smtp_from: Option<String>,
    /// The organisation named in the e-mails.
    #[arg(long, env = "LENS_ORGANISATION", default_value = "Lens remote support")]
    organisation: String,
    #[command(flatten)]
    app_links: AppLinksArgs,
    #[command(flatten)]
    network: NetworkArgs,
    #[command(flatten)]
    ice: IceArgs,
}

/// How the server meets the network: built-in TLS or a trusted reverse proxy, and the caps
/// on connections (see README.md, "Deployment").
#[derive(clap::Args)]
pub(crate) struct NetworkArgs {
    /// PEM certificate chain for built-in TLS (e.g. certbot's fullchain.pem); re-read when
    /// the file changes.
    #[arg(long, env = "LENS_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert (e.g. certbot's privkey.pem).
    #[arg(long, env = "LENS_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Built-in TLS with a certificate from Let's Encrypt (or --acme-directory) for this
    /// name (repeatable); the server must be reachable on port 443 under it.
    #[arg(
        long,
        env = "LENS_ACME_DOMAIN",
        value_delimiter = ',',
        conflicts_with = "tls_cert"
    )]
    acme_domain: Vec<String>,
    /// An e-mail address the CA may write to about the certificate (repeatable).
    #[arg(long, env = "LENS_ACME_CONTACT", value_delimiter = ',')]
    acme_contact: Vec<String>,
    /// Where the ACME account and certificates are kept (private keys: made 0700).
    #[arg(long, env = "LENS_ACME_CACHE", default_value = ".lens/acme")]
    acme_cache: PathBuf,
    /// The ACME CA's directory URL.
    #[arg(long, env = "LENS_ACME_DIRECTORY", default_value = lens_server::net::acme::LETS_ENCRYPT)]
    acme_directory: String,
    /// Trust only this CA (PEM) for the ACME directory's HTTPS (a private ACME CA).
    #[arg(long, env = "LENS_ACME_DIRECTORY_CA")]
    acme_directory_ca: Option<PathBuf>,
    /// A reverse proxy (address or CIDR, repeatable or comma-separated) whose forwarding
    /// header names the client; rate limits then apply to that client, not to the proxy.
    #[arg(long, env = "LENS_TRUSTED_PROXY", value_delimiter = ',')]
    trusted_proxy: Vec<ipnet::IpNet>,
    /// The header the trusted proxies write: x-forwarded-for or forwarded (RFC 7239).
    #[arg(long, env = "LENS_FORWARDED_HEADER", default_value = "x-forwarded-for")]
    forwarded_header: lens_server::net::client_addr::ForwardedHeader,
    /// Connections open at once (WebSockets included); lowered to what the file-descriptor
    /// limit allows.
    #[arg(long, env = "LENS_MAX_CONNECTIONS", default_value_t = 20_000, value_parser = clap::value_parser!(u64).range(1..))]
    max_connections: u64,
    /// Connections open at once from one client address (an IPv6 /64); trusted proxies are
    /// exempt.
    #[arg(long, env = "LENS_MAX_CONNECTIONS_PER_ADDRESS", default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..))]
    max_connections_per_address: u64,
    /// Seconds a client has for its TLS handshake and for each request's headers, and how
    /// long an idle keep-alive connection is kept.
    #[arg(long, env = "LENS_HEADER_TIMEOUT_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    header_timeout_secs: u64,
}

impl NetworkArgs {
    fn apply(self, config: &mut Config) {
        use lens_server::net::tls::{TlsFiles, TlsSource};
        config.tls = match (self.tls_cert.zip(self.tls_key), self.acme_domain.is_empty()) {
            (Some((cert, key)), _) => Some(TlsSource::Files(TlsFiles { cert, key })),
            (None, false) => Some(TlsSource::Acme(lens_server::net::acme::AcmeSettings {
                domains: self.acme_domain,
                contact: self
                    .acme_contact
                    .into_iter()
                    .map(|c| {
                        if c.contains(':') {
                            c
                        } else {
                            format!("mailto:{c}")
                        }
                    })
                    .collect(),
                cache_dir: self.acme_cache,
                directory: self.acme_directory,
                directory_ca: self.acme_directory_ca,
            })),
            (None, true) => None,
        };
        config.trusted_proxies = lens_server::net::client_addr::TrustedProxies {
            networks: self.trusted_proxy,
            header: self.forwarded_header,
        };
        config.connection_limits = lens_server::net::serve::ConnectionLimits {
            header_timeout: Duration::from_secs(self.header_timeout_secs),
            max_connections: usize::try_from(self.max_connections).unwrap_or(usize::MAX),
            max_per_address: usize::try_from(self.max_connections_per_address)
                .unwrap_or(usize::MAX),
        };
    }
}

pub(crate) async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    if args.demo {
        refuse_demo_beyond_loopback(args.bind)?;
    }
    let mut config = Config::new(args.bind, args.database.url());
    config.public_url = args
        .public_url
        .as_deref()
        .map(config::parse_public_url)
        .transpose()?;
    config.pin_ttl = Duration::from_secs(args.pin_ttl_secs);
    config.reconnect_grace = Duration::from_secs(args.reconnect_grace_secs);
    config.login_ttl = Duration::from_secs(args.login_ttl_secs);
    config.app_links = args.app_links.into_config()?.validated()?;
    config.waiting_timeout = Duration::from_secs(args.waiting_timeout_secs);
    config.idle_timeout = Duration::from_secs(args.idle_timeout_secs);
    config.timeout_sweep = Duration::from_millis(args.timeout_sweep_ms);
    config.organisation = args.organisation.clone();
    args.network.apply(&mut config);
    config.ice = args.ice.into_settings()?;
    log_ice_servers(&config.ice);
    if let (Some(url), Some(from)) = (&args.smtp_url, &args.smtp_from) {
        config.smtp = Some(lens_server::email::SmtpConfig::new(url, from)?);
    }
    if let Some(path) = &args.eula_file {
        config.eula = config::load_eula(path)?;
    }
    if config.public_url.is_none() && args.bind.ip().is_unspecified() {
        tracing::warn!(
            "listening on all interfaces without --public-url: links will point at the loopback address"
        );
    }

    let mut server = lens_server::start(config).await?;
    if args.demo {
        ensure_demo_technician(server.db()).await?;
    }
    warn_while_the_demo_account_exists(server.db()).await?;
    let console_url = server.public_url().as_str().to_owned();
    println!("Technician console: {console_url}");
    // Scripts and tests wait for this line: everything above it is already printed.
    println!("Lens server listening on {}", server.url());

    tokio::select! {
        error = server.wait_for_error() => return Err(error),
        () = shutdown_signal() => {}
    }
    tracing::info!("shutting down");
    server.shutdown().await
}

/// Names the servers (never the secret): an operator reading the log sees what calls get.
fn log_ice_servers(ice: &lens_server::config::ice::IceSettings) {
    let names = |urls: &[lens_server::config::ice::IceUrl]| {
        urls.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if ice.stun_urls.is_empty() && ice.turn_urls.is_empty() {
        tracing::info!(
            "no STUN or TURN server configured: calls connect only where both sides reach each other directly"
        );
    } else {
        tracing::info!(
            stun = %names(&ice.stun_urls),
            turn = %names(&ice.turn_urls),
            credential_ttl_secs = ice.credential_ttl.as_secs(),
            "STUN and TURN servers for calls"
        );
    }
}

/// `--demo` prints a password on the terminal and makes an account that outlives the demo,
/// so it is for trying Lens on one machine, never for a server others can reach.
fn refuse_demo_beyond_loopback(bind: SocketAddr) -> anyhow::Result<()> {
    anyhow::ensure!(
        bind.ip().is_loopback(),
        "--demo is only allowed on a loopback address (e.g. --bind 127.0.0.1:8080), not on {bind}: \
         it prints the demo account's password on the terminal. On a server others can reach, \
         create accounts with `lens-server add-technician`."
    );
    Ok(())
}

/// The demo account's password is printed once and stored nowhere but as its hash. The
/// account is in the Default group (every permission, so the demo works) but no admin: a
/// password seen on a terminal must not manage technicians.
async fn ensure_demo_technician(db: &lens_server::store::Db) -> anyhow::Result<()> {
    let password = lens_server::tokens::random_password();
    let membership = technicians::Membership::default();
    match technicians::create(db, DEMO_EMAIL, DEMO_NAME, &password, membership).await {
        Ok(_) => {
            println!("Demo technician created. These credentials are shown only once:");
            println!("Demo technician email: {DEMO_EMAIL}");
            println!("Demo technician password: {password}");
        }
        Err(technicians::CreateError::Exists(_)) => {
            // Versions before issue 9 made it an admin.
            if let Some(id) = access::id_by_email(db, DEMO_EMAIL).await? {
                access::assign(db, id, None, Some(false)).await?;
            }
            println!(
                "Demo technician {DEMO_EMAIL} already exists (its password was printed when it was created)."
            );
            println!("To set a new password: {}", demo_reset_command());
        }
        Err(technicians::CreateError::Other(error)) => return Err(error),
    }
    Ok(())
}

/// The demo account signs in with a password once shown on a terminal, also after restarts
/// without `--demo`: every start says so until the operator locks it.
async fn warn_while_the_demo_account_exists(db: &lens_server::store::Db) -> anyhow::Result<()> {
    if technicians::exists(db, DEMO_EMAIL).await? {
        tracing::warn!(
            "the demo account {DEMO_EMAIL} exists and signs in with the password printed when it \
             was created; lock it with a password nobody knows (same --database): \
             head -c 32 /dev/urandom | base64 | {}",
            demo_reset_command()
        );
    }
    Ok(())
}

fn demo_reset_command() -> String {
    format!(
        "lens-server add-technician --email {DEMO_EMAIL} --name \"{DEMO_NAME}\" --password-stdin"
    )
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {}
            _ = terminate.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
