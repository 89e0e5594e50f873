//! What every handler and socket task shares.

use std::ops::Deref;
use std::sync::Arc;

use crate::store::Db;
use tokio::sync::{Notify, watch};
use url::Url;

use crate::accounts::password_guard::PasswordGuard;
use crate::config::Config;
use crate::net::rate_limit::{FailureLimiter, GlobalFailureBudget, LoginLimits};
use crate::ws::hub::Hub;
use crate::ws::seats::Seats;

#[derive(Clone)]
pub struct AppState(Arc<Services>);

/// The configuration, the database and the live parts (hub, limiters) every handler uses.
pub struct Services {
    pub config: Config,
    /// The resolved public URL (configured, or derived from the bound address).
    pub public_url: Url,
    pub db: Db,
    pub hub: Hub,
    /// The collaborators of each live session (seed 004).
    pub seats: Seats,
    pub join_failures: FailureLimiter,
    /// Wrong PINs from all addresses together.
    pub join_budget: GlobalFailureBudget,
    /// Failed log-ins per address, per account and from all addresses together.
    pub login_failures: LoginLimits,
    /// Log-in password checks running at once (see `password_guard.rs`).
    pub login_checks: PasswordGuard,
    /// Wakes the PIN expiry task when a new PIN may expire before what it is sleeping for.
    pub pin_expiry_changed: Notify,
    /// Becomes true when the server shuts down; socket tasks close their sockets.
    pub shutdown: watch::Receiver<bool>,
}

impl AppState {
    pub fn new(
        config: Config,
        public_url: Url,
        db: Db,
        shutdown: watch::Receiver<bool>,
    ) -> AppState {
        AppState(Arc::new(Services {
            join_failures: FailureLimiter::new(
                config.join_failures_allowed,
                config.join_failure_window,
            ),
            join_budget: GlobalFailureBudget::new(
                config.join_global_failures_per_minute,
                config.join_slowdown,
                config.join_queue_max_wait,
            ),
            login_failures: LoginLimits::new(&config),
            login_checks: PasswordGuard::new(config.password_checks_at_once),
            config,
            public_url,
            db,
            hub: Hub::new(),
            seats: Seats::default(),
            pin_expiry_changed: Notify::new(),
            shutdown,
        }))
    }

    /// The public URL without a trailing slash, ready for appending paths.
    pub fn public_base(&self) -> &str {
        self.public_url.as_str().trim_end_matches('/')
    }

    /// Whether the console cookie must carry `Secure`.
    pub fn is_https(&self) -> bool {
        self.public_url.scheme() == "https"
    }
}

impl Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// Resolves when the server shuts down (or its handle is gone).
pub async fn until_shutdown(shutdown: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is not Send; drop it here so callers can hold this
    // future across awaits in a socket task.
    let _ = shutdown.wait_for(|down| *down).await;
}
