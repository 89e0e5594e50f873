//! lens-server: technicians sign in to a web console, create sessions with six-digit PINs
//! and links, and see live video from the customer who joined with one. The server keeps
//! the sessions (SQLite or PostgreSQL), checks every step of their life (`flow/sessions.rs`)
//! and relays the WebRTC signalling between the customer app and the console
//! (`ws/hub.rs`); media flows peer to peer and never through it.
//!
//! The folders are the layers: `net/` accepts connections (TLS, ACME, the client's address,
//! rate limits), `http/` routes requests (auth, the APIs, pages, assets), `ws/` runs the two
//! sockets and the hub, `flow/` decides each step of a session, `accounts/` holds
//! technicians, groups and API keys, and `store/` is the SQL.
//!
//! [`start`] runs a server from a [`Config`]; the `lens-server` binary and the integration
//! tests both use it.

pub mod accounts;
pub mod config;
pub mod email;
pub mod flow;
pub mod http;
pub mod net;
pub mod state;
pub mod store;
pub mod tokens;
pub mod ws;

use std::net::SocketAddr;
use std::time::Duration;

use crate::store::Db;
use anyhow::Context;
use tokio::sync::watch;
use url::Url;

pub use config::Config;
use state::AppState;

/// How long a shutdown waits for connections to finish before giving up on them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// A running server.
pub struct Server {
    local_addr: SocketAddr,
    public_url: Url,
    state: AppState,
    shutdown: watch::Sender<bool>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Opens the database, binds the listener and serves in the background.
pub async fn start(mut config: Config) -> anyhow::Result<Server> {
    config.app_links = config.app_links.validated()?;
    http::app_links::log_configuration(&config.app_links);
    let db = store::open(&config.database_url).await?;
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .with_context(|| format!("binding {}", config.bind))?;
    let local_addr = listener.local_addr()?;
    let public_url = match (&config.public_url, &config.tls) {
        (Some(url), _) => url.clone(),
        // The certificate's name is the one people reach the server by.
        (None, Some(net::tls::TlsSource::Acme(acme))) => {
            let domain = acme.domains.first().context("ACME needs a domain")?;
            config::parse_public_url(&format!("https://{domain}:{}/", local_addr.port()))?
        }
        (None, tls) => config::public_url_for(local_addr, tls.is_some()),
    };
    anyhow::ensure!(
        config.tls.is_none() || public_url.scheme() == "https",
        "with built-in TLS the public URL must start with https:// (it is {public_url})"
    );
    let tls = config.tls.as_ref().map(net::tls::acceptor).transpose()?;
    let (shutdown, shutdown_rx) = watch::channel(false);
    let limits = config.connection_limits.clone();
    let trusted = config.trusted_proxies.clone();
    let state = AppState::new(config, public_url.clone(), db, shutdown_rx);
    flow::sessions::resume_after_restart(&state).await?;
    flow::collaboration::resume_after_restart(&state).await?;
    flow::housekeeping::spawn(&state);
    let app = http::router(state.clone());
    let task = tokio::spawn(net::serve::run(
        listener,
        app,
        tls,
        limits,
        trusted,
        state.shutdown.clone(),
    ));
    tracing::info!(address = %local_addr, public_url = %public_url, "listening");
    Ok(Server {
        local_addr,
        public_url,
        state,
        shutdown,
        task,
    })
}

impl Server {
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `http://<bound address>` (`https://` with built-in TLS), for talking to this server
    /// directly.
    pub fn url(&self) -> String {
        let scheme = if self.state.config.tls.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.local_addr)
    }

    /// The URL links and the console address are built on.
    pub fn public_url(&self) -> &Url {
        &self.public_url
    }

    /// Log-in password checks this server has run (the security tests count them).
    pub fn login_password_checks(&self) -> u64 {
        self.state.login_checks.checks_run()
    }

    pub fn db(&self) -> &Db {
        &self.state.db
    }

    /// Closes every socket (customers are told the server is going away and reconnect to
    /// the next one within their grace period) and stops serving.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(true);
        match tokio::time::timeout(SHUTDOWN_GRACE, self.task).await {
            Ok(joined) => joined.context("server task")?.context("serving")?,
            Err(_) => {
                tracing::warn!("connections still open after the shutdown grace; stopping anyway")
            }
        }
        self.state.db.close().await;
        Ok(())
    }

    /// Serves until the server fails (it only stops by [`Server::shutdown`]).
    pub async fn wait_for_error(&mut self) -> anyhow::Error {
        match (&mut self.task).await {
            Ok(Ok(())) => anyhow::anyhow!("the server stopped"),
            Ok(Err(error)) => anyhow::Error::from(error).context("serving"),
            Err(error) => anyhow::Error::from(error).context("server task"),
        }
    }
}
