//! Failed attempts per key (a client address, an account): a refundable allowance and the
//! lock-out once it is spent.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::RetryAfter;

/// `allowed` attempts per `window` for each key, refilling steadily (the generic cell rate
/// algorithm: one "theoretical arrival time" per key).
///
/// Written here instead of using `governor` (which has the same algorithm) because a charge
/// must be refundable: the attempt is charged before the look-up and given back when it
/// succeeds, and governor can only take cells, never return them.
pub struct Allowance<K> {
    /// Time one cell takes to refill.
    period: Duration,
    /// `allowed` × `period`: how far ahead of now the arrival time may run.
    window: Duration,
    arrivals: Mutex<HashMap<K, Instant>>,
}

impl<K: Hash + Eq + Clone> Allowance<K> {
    pub fn new(allowed: u32, window: Duration) -> Allowance<K> {
        let allowed = allowed.max(1);
        let period = (window / allowed).max(Duration::from_millis(1));
        Allowance {
            period,
            window: period * allowed,
            arrivals: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a cell for `key`, or says how long until one is free.
    pub fn take(&self, key: &K) -> Result<(), RetryAfter> {
        let now = Instant::now();
        let mut arrivals = self.arrivals.lock().expect("allowance lock");
        let next = arrivals.get(key).map_or(now, |at| (*at).max(now)) + self.period;
        let limit = now + self.window;
        if next > limit {
            return Err(next - limit);
        }
        arrivals.insert(key.clone(), next);
        Ok(())
    }

    /// Gives back a cell taken by [`Allowance::take`] (the attempt succeeded).
    pub fn give_back(&self, key: &K) {
        let mut arrivals = self.arrivals.lock().expect("allowance lock");
        if let Some(at) = arrivals.get_mut(key) {
            *at = at.checked_sub(self.period).unwrap_or(*at);
        }
    }

    /// Whether no cell is left for `key` right now.
    pub fn is_spent(&self, key: &K) -> bool {
        let now = Instant::now();
        let arrivals = self.arrivals.lock().expect("allowance lock");
        arrivals
            .get(key)
            .is_some_and(|at| (*at).max(now) + self.period > now + self.window)
    }

    /// How long a key that was spent now stays refused: the whole window.
    fn window(&self) -> Duration {
        self.window
    }

    /// Drops keys whose allowance has refilled completely.
    pub fn forget_idle(&self) {
        let now = Instant::now();
        self.arrivals
            .lock()
            .expect("allowance lock")
            .retain(|_, at| *at > now);
    }
}

/// What a limit is kept per: IPv6 clients usually control a whole /64, so one client is one
/// /64, not one address; an account is its normalised e-mail address.
pub trait LimitKey: Hash + Eq + Clone {
    fn bucket(&self) -> Self;
}

impl LimitKey for IpAddr {
    fn bucket(&self) -> IpAddr {
        crate::net::client_addr::bucket(*self)
    }
}

impl LimitKey for String {
    fn bucket(&self) -> String {
        self.clone()
    }
}

/// Failed attempts per key: charged before each attempt, given back on success; the failure
/// that spends the allowance locks the key out for the whole window.
pub struct FailureLimiter<K = IpAddr> {
    allowance: Allowance<K>,
    /// Keys that have no allowance left, until when: refused without being charged again.
    blocked: Mutex<HashMap<K, Instant>>,
    /// Keys with an attempt in flight (see [`FailureLimiter::single_flight`]).
    in_flight: Mutex<HashSet<K>>,
    /// Told whenever an attempt in flight ends, for those waiting for their turn.
    released: Notify,
}

impl<K: LimitKey> FailureLimiter<K> {
    /// `allowed` failures per `window` for each key.
    pub fn new(allowed: u32, window: Duration) -> FailureLimiter<K> {
        FailureLimiter {
            allowance: Allowance::new(allowed, window),
            blocked: Mutex::new(HashMap::new()),
            in_flight: Mutex::new(HashSet::new()),
            released: Notify::new(),
        }
    }

    /// How long attempts for this key are still refused, if they are.
    pub fn blocked_for(&self, key: &K) -> Option<Duration> {
        let key = key.bucket();
        let mut blocked = self.blocked.lock().expect("limiter lock");
        let until = *blocked.get(&key)?;
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            blocked.remove(&key);
            return None;
        }
        Some(left)
    }

    pub fn is_blocked(&self, key: &K) -> bool {
        self.blocked_for(key).is_some()
    }

    /// Charges one attempt before it is made. Refused while locked out, and while earlier
    /// attempts still in flight hold the rest of the allowance.
    pub fn charge(&self, key: &K) -> Result<(), RetryAfter> {
        if let Some(left) = self.blocked_for(key) {
            return Err(left);
        }
        self.allowance.take(&key.bucket())
    }

    /// The charged attempt succeeded: it costs nothing.
    pub fn refund(&self, key: &K) {
        self.allowance.give_back(&key.bucket());
    }

    /// The charged attempt failed. Returns the lock-out if that spent the allowance; cells
    /// still held by attempts in flight count as spent, so a failure among concurrent
    /// attempts locks out early rather than late.
    pub fn failed(&self, key: &K) -> Option<Duration> {
        let key = key.bucket();
        if !self.allowance.is_spent(&key) {
            return None;
        }
        // By the end of the lock-out the allowance has refilled completely.
        let lockout = self.allowance.window();
        self.blocked
            .lock()
            .expect("limiter lock")
            .insert(key, Instant::now() + lockout);
        Some(lockout)
    }

    /// Charges an attempt and settles it at once as failed (tests and tools).
    pub fn record_failure(&self, key: &K) -> bool {
        if self.charge(key).is_err() {
            return true;
        }
        self.failed(key);
        false
    }

    /// Lets one attempt per key run at a time; None if one is already running.
    pub fn single_flight(&self, key: &K) -> Option<Flight<'_, K>> {
        let key = key.bucket();
        let mut in_flight = self.in_flight.lock().expect("limiter lock");
        // Lazily: a Flight made and dropped here would end the turn of the one in flight.
        in_flight.insert(key.clone()).then(|| Flight {
            in_flight: &self.in_flight,
            released: &self.released,
            key,
        })
    }

    /// Waits up to `patience` for this key's turn; None if it did not come. A look-up takes
    /// microseconds, so two customers behind one NAT both get theirs at once; an address
    /// firing a burst waits in line, each attempt after the one before it was charged (so the
    /// lock-out is checked again after the wait), and whoever waits too long is refused. The
    /// connection cap per address (serve.rs) bounds how many can wait.
    pub async fn turn(&self, key: &K, patience: Duration) -> Option<Flight<'_, K>> {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            // Registered before trying, so a release between the try and the wait is seen.
            let released = self.released.notified();
            tokio::pin!(released);
            released.as_mut().enable();
            if let Some(flight) = self.single_flight(key) {
                return Some(flight);
            }
            tokio::time::timeout_at(deadline, released).await.ok()?;
        }
    }

    /// Drops state for keys that have been quiet long enough; call periodically.
    pub fn forget_idle(&self) {
        self.allowance.forget_idle();
        let now = Instant::now();
        self.blocked
            .lock()
            .expect("limiter lock")
            .retain(|_, until| *until > now);
    }
}

/// The turn of a key's one attempt in flight; dropping it ends the turn.
pub struct Flight<'a, K: LimitKey> {
    in_flight: &'a Mutex<HashSet<K>>,
    released: &'a Notify,
    key: K,
}

impl<K: LimitKey> Drop for Flight<'_, K> {
    fn drop(&mut self) {
        self.in_flight
            .lock()
            .expect("limiter lock")
            .remove(&self.key);
        self.released.notify_waiters();
    }
}
