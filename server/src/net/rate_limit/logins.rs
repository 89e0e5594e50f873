//! The console log-in limits: per address, per account and server-wide.

use std::net::IpAddr;
use std::time::Duration;

use super::global::AlertOnce;
use super::{Allowance, FailureLimiter, RetryAfter};

/// Why a log-in attempt may not check the password now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginRefusal {
    /// This address or this account used its allowance: 429.
    LockedOut(RetryAfter),
    /// The server-wide budget of failed log-ins is spent: 503.
    Busy(RetryAfter),
}

/// The limits on console log-ins: failures per address, per account (so many addresses
/// cannot brute-force one account) and for the whole server (password spraying across
/// accounts). All three are charged before the password is checked.
pub struct LoginLimits {
    per_address: FailureLimiter<IpAddr>,
    per_account: FailureLimiter<String>,
    global: Allowance<()>,
    alert: AlertOnce,
}

impl LoginLimits {
    pub fn new(config: &crate::config::Config) -> LoginLimits {
        LoginLimits {
            per_address: FailureLimiter::new(
                config.login_failures_allowed,
                config.login_failure_window,
            ),
            per_account: FailureLimiter::new(
                config.login_account_failures_allowed,
                config.login_failure_window,
            ),
            global: Allowance::new(
                config.login_global_failures_per_minute,
                Duration::from_secs(60),
            ),
            alert: AlertOnce::default(),
        }
    }

    /// Charges one attempt to the address, the account (its normalised e-mail) and the
    /// server; what was charged is given back if any of them refuses.
    pub fn reserve(&self, client: IpAddr, account: &str) -> Result<(), LoginRefusal> {
        let account = &account.to_owned();
        self.per_address
            .charge(&client)
            .map_err(LoginRefusal::LockedOut)?;
        if let Err(wait) = self.per_account.charge(account) {
            self.per_address.refund(&client);
            return Err(LoginRefusal::LockedOut(wait));
        }
        if let Err(wait) = self.global.take(&()) {
            self.per_address.refund(&client);
            self.per_account.refund(account);
            if self.alert.due() {
                tracing::error!(
                    "ALERT: more failed console log-ins than the global budget allows; someone \
                     may be guessing passwords. Log-ins are refused until the budget refills"
                );
            }
            return Err(LoginRefusal::Busy(wait));
        }
        Ok(())
    }

    /// The password was right, or it could not be checked: the attempt costs nothing.
    pub fn refund(&self, client: IpAddr, account: &str) {
        self.per_address.refund(&client);
        self.per_account.refund(&account.to_owned());
        self.global.give_back(&());
    }

    /// The password was wrong. Returns the lock-out if that spent an allowance.
    pub fn failed(&self, client: IpAddr, account: &str) -> Option<Duration> {
        let address = self.per_address.failed(&client);
        let account_lockout = self.per_account.failed(&account.to_owned());
        if account_lockout.is_some() {
            tracing::warn!(
                "a console account is locked out after too many wrong passwords from any address"
            );
        }
        address.max(account_lockout)
    }

    pub fn forget_idle(&self) {
        self.per_address.forget_idle();
        self.per_account.forget_idle();
        self.global.forget_idle();
    }
}
