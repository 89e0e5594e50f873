//! A bound on Argon2 runs. Each password hash or check takes ~19 MiB and tens of
//! milliseconds of CPU on purpose; run without a bound, 100 concurrent log-ins held 100 of
//! them (issue 9: the server's memory went from 109 MiB to 1.99 GiB and stayed there).
//!
//! Two guards, both sized near the core count (more Argon2 runs at once than cores only
//! queue up in memory, they finish no sooner):
//! - [`global`]: every hash and check in the process passes through it
//!   (`technicians::check_password` and the hashing when an account is created or its
//!   password set), waiting for a slot: the memory bound.
//! - one per server for log-ins (`AppState::login_checks`): a log-in that finds it full is
//!   answered 503 at once instead of queueing, and it counts the checks a server ran (the
//!   security tests read the count).

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context;
use tokio::sync::{Semaphore, SemaphorePermit};

pub struct PasswordGuard {
    slots: Semaphore,
    checks_run: AtomicU64,
}

/// Every slot is taken: answer 503 with Retry-After.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("every password check slot is busy")]
pub struct Busy;

/// One slot per core the OS gives this process.
pub fn default_at_once() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// The process-wide guard every Argon2 run passes through.
pub fn global() -> &'static PasswordGuard {
    static GLOBAL: OnceLock<PasswordGuard> = OnceLock::new();
    GLOBAL.get_or_init(|| PasswordGuard::new(default_at_once()))
}

impl PasswordGuard {
    pub fn new(at_once: usize) -> PasswordGuard {
        PasswordGuard {
            slots: Semaphore::new(at_once.max(1)),
            checks_run: AtomicU64::new(0),
        }
    }

    /// Runs Argon2 work on a blocking thread (it would stall the async workers) once a slot
    /// is free.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let _slot = self
            .slots
            .acquire()
            .await
            .context("password guard closed")?;
        self.checks_run.fetch_add(1, Ordering::Relaxed);
        tokio::task::spawn_blocking(work)
            .await
            .context("password hashing task")
    }

    /// A slot if one is free now; the caller holds it while its check runs.
    pub fn try_enter(&self) -> Result<SemaphorePermit<'_>, Busy> {
        let slot = self.slots.try_acquire().map_err(|_| Busy)?;
        self.checks_run.fetch_add(1, Ordering::Relaxed);
        Ok(slot)
    }

    /// How many hashes or checks went through this guard.
    pub fn checks_run(&self) -> u64 {
        self.checks_run.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_guard_refuses_at_once_and_counts_what_ran() {
        let guard = PasswordGuard::new(2);
        let a = guard.try_enter().unwrap();
        let _b = guard.try_enter().unwrap();
        assert_eq!(guard.try_enter().unwrap_err(), Busy);
        drop(a);
        assert!(guard.try_enter().is_ok());
        assert_eq!(guard.run(|| 7).await.unwrap(), 7);
        assert_eq!(guard.checks_run(), 4);
    }
}
