//! Limits on failed attempts: per client address (wrong PINs — a six-digit PIN is guessable
//! given enough tries — and wrong console passwords), per console account, and global
//! budgets across all addresses (an attacker with many addresses).
//!
//! Only failures count, so an office behind one NAT address can join many sessions. Once an
//! address has used its allowance, *every* attempt from it is refused for the whole window
//! (five wrong PINs lock the address out for 15 minutes by default), including one with a
//! right PIN: otherwise the limit would only slow guessing down, not stop it from succeeding.
//!
//! Every attempt is **charged before** the work that could reveal a secret (the PIN look-up,
//! the Argon2 check) and given back if it succeeded. Checking first and recording the failure
//! afterwards let concurrent attempts all pass the check before the first failure was
//! recorded (issue 9: 40 simultaneous PINs from one address made 39 look-ups).
//! See docs/pin-security.md for what these limits mean for an attacker's chances.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A refusal: how long the client should wait before trying again (`Retry-After`).
pub type RetryAfter = Duration;

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
        crate::client_addr::bucket(*self)
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

/// How long the server stays slowed after the budget was last exceeded.
const SLOWED_FOR: Duration = Duration::from_secs(60);

/// Logs an alert at most once per [`SLOWED_FOR`]: one line a minute is an alert, one per
/// failure would be a flood in the logs.
#[derive(Default)]
struct AlertOnce {
    last_logged: Mutex<Option<Instant>>,
}

impl AlertOnce {
    fn due(&self) -> bool {
        let now = Instant::now();
        let mut last = self.last_logged.lock().expect("alert lock");
        let due = last.is_none_or(|at| now.duration_since(at) >= SLOWED_FOR);
        if due {
            *last = Some(now);
        }
        due
    }
}

/// Why a PIN look-up may not run now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    /// The gate's queue is full: answer 503 with this Retry-After.
    Busy(RetryAfter),
}

/// A budget of failed PIN look-ups per minute for the whole server. Beyond it the server is
/// probably being guessed at from many addresses: an alert is logged, and for the next
/// minute every look-up (anyone's) first takes a turn at a gate that lets one through per
/// `slowdown`, which caps the guessing rate no matter how many addresses the attacker has.
///
/// The gate is no open-ended queue (issue 9: an honest customer waited 30 s behind 30 parked
/// guesses): a look-up is only given a turn within `max_wait`, so at most
/// `max_wait / slowdown` wait at once; the rest are refused at once with Retry-After. Each
/// address has at most one look-up in flight (`FailureLimiter::single_flight`), so one
/// address holds at most one place in the queue.
pub struct GlobalFailureBudget {
    failures: Allowance<()>,
    per_minute: u32,
    slowdown: Duration,
    max_wait: Duration,
    /// Until when look-ups are slowed.
    slowed_until: Mutex<Option<Instant>>,
    alert: AlertOnce,
    /// When the last look-up given a turn at the gate passes.
    last_turn: Mutex<Instant>,
}

impl GlobalFailureBudget {
    pub fn new(per_minute: u32, slowdown: Duration, max_wait: Duration) -> GlobalFailureBudget {
        let per_minute = per_minute.max(1);
        GlobalFailureBudget {
            failures: Allowance::new(per_minute, Duration::from_secs(60)),
            per_minute,
            slowdown,
            // A gate that admits nobody would refuse every look-up.
            max_wait: max_wait.max(slowdown),
            slowed_until: Mutex::new(None),
            alert: AlertOnce::default(),
            last_turn: Mutex::new(Instant::now()),
        }
    }

    /// Charges the budget for a look-up about to run and, while slowed, waits for its turn.
    /// Ok(true): a cell was taken, to be given back by [`GlobalFailureBudget::give_back`]
    /// if the look-up does not fail.
    pub async fn admit(&self) -> Result<bool, Held> {
        let charged = self.failures.take(&()).is_ok();
        if !charged {
            self.raise_alarm();
        }
        if self.is_slowed()
            && let Err(held) = self.wait_turn().await
        {
            self.give_back(charged);
            return Err(held);
        }
        Ok(charged)
    }

    /// The admitted look-up succeeded or did not run: its charge is given back.
    pub fn give_back(&self, charged: bool) {
        if charged {
            self.failures.give_back(&());
        }
    }

    fn raise_alarm(&self) {
        *self.slowed_until.lock().expect("budget lock") = Some(Instant::now() + SLOWED_FOR);
        if self.alert.due() {
            tracing::error!(
                budget_per_minute = self.per_minute,
                slowdown_ms = self.slowdown.as_millis() as u64,
                "ALERT: more failed PIN look-ups than the global budget allows, from any \
                 address; someone may be guessing PINs. All look-ups are slowed for a minute"
            );
        }
    }

    pub fn is_slowed(&self) -> bool {
        let mut slowed_until = self.slowed_until.lock().expect("budget lock");
        match *slowed_until {
            Some(until) if until > Instant::now() => true,
            Some(_) => {
                *slowed_until = None;
                false
            }
            None => false,
        }
    }

    /// Books the next turn at the gate, one `slowdown` after the previous one, and sleeps
    /// until it; refused if that turn is more than `max_wait` away.
    async fn wait_turn(&self) -> Result<(), Held> {
        let now = Instant::now();
        let turn = {
            let mut last = self.last_turn.lock().expect("budget lock");
            let turn = (*last).max(now) + self.slowdown;
            let wait = turn - now;
            if wait > self.max_wait {
                // By then the queue has shrunk enough for a turn to be given.
                return Err(Held::Busy(wait - self.max_wait));
            }
            *last = turn;
            turn
        };
        tokio::time::sleep_until(turn.into()).await;
        Ok(())
    }
}

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

/// 503 with Retry-After: the attempt was not made (the server is slowed and its queue is
/// full, the address already has one in flight, every password check slot is taken) and
/// nothing was charged for it.
pub fn busy(retry_after: RetryAfter) -> Response {
    let mut response = crate::error::ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "busy",
        "The server is busy. Try again in a few seconds.",
    )
    .into_response();
    set_retry_after(&mut response, retry_after);
    response
}

pub fn set_retry_after(response: &mut Response, wait: RetryAfter) {
    // Whole seconds, rounded up: a client that waits what it is told is not refused again
    // for waiting a fraction too little.
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(secs.max(1)));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn blocks_after_the_allowance_and_only_that_address() {
        let limiter = FailureLimiter::new(3, Duration::from_secs(900));
        let a = address("192.0.2.1");
        let b = address("192.0.2.2");
        for _ in 0..3 {
            assert!(!limiter.is_blocked(&a));
            assert!(!limiter.record_failure(&a));
        }
        assert!(limiter.is_blocked(&a));
        assert!(!limiter.is_blocked(&b));
        assert!(
            limiter.record_failure(&a),
            "a failure past the allowance is over the limit"
        );
    }

    #[test]
    fn charges_are_taken_before_and_refunded_after_success() {
        let limiter = FailureLimiter::new(2, Duration::from_secs(900));
        let a = address("192.0.2.1");
        // Two attempts in flight hold the whole allowance: a third is refused before it runs.
        assert!(limiter.charge(&a).is_ok());
        assert!(limiter.charge(&a).is_ok());
        assert!(limiter.charge(&a).is_err(), "no third attempt in flight");
        assert!(!limiter.is_blocked(&a), "nothing has failed yet");
        // Both succeed: they cost nothing, and the whole allowance is there again.
        limiter.refund(&a);
        limiter.refund(&a);
        assert!(limiter.charge(&a).is_ok());
        assert_eq!(limiter.failed(&a), None);
        assert!(limiter.charge(&a).is_ok());
        assert!(limiter.failed(&a).is_some(), "the second failure locks out");
        assert!(limiter.charge(&a).is_err());
    }

    #[test]
    fn one_attempt_in_flight_per_bucket() {
        let limiter = FailureLimiter::new(5, Duration::from_secs(900));
        let flight = limiter.single_flight(&address("2001:db8::1"));
        assert!(flight.is_some());
        assert!(
            limiter.single_flight(&address("2001:db8::2")).is_none(),
            "the same /64 waits its turn"
        );
        assert!(limiter.single_flight(&address("192.0.2.1")).is_some());
        drop(flight);
        assert!(limiter.single_flight(&address("2001:db8::2")).is_some());
    }

    #[test]
    fn locks_out_for_the_whole_window_then_allows_the_full_allowance_again() {
        let limiter = FailureLimiter::new(2, Duration::from_millis(1000));
        let a = address("192.0.2.1");
        limiter.record_failure(&a);
        limiter.record_failure(&a);
        let left = limiter.blocked_for(&a).expect("locked out");
        assert!(left > Duration::from_millis(900), "{left:?}");
        // Past the time one failure is forgiven (500 ms), the address is still locked out.
        std::thread::sleep(Duration::from_millis(600));
        assert!(
            limiter.is_blocked(&a),
            "still locked out after half the window"
        );
        std::thread::sleep(Duration::from_millis(500));
        assert!(!limiter.is_blocked(&a));
        assert!(!limiter.record_failure(&a));
        assert!(
            !limiter.is_blocked(&a),
            "a whole allowance again, not one failure"
        );
        assert!(!limiter.record_failure(&a));
        assert!(limiter.is_blocked(&a));
    }

    #[test]
    fn the_default_lock_out_is_fifteen_minutes_after_five_failures() {
        let limiter = FailureLimiter::new(5, Duration::from_secs(15 * 60));
        let a = address("192.0.2.7");
        for _ in 0..4 {
            limiter.record_failure(&a);
            assert!(!limiter.is_blocked(&a));
        }
        limiter.record_failure(&a);
        let left = limiter.blocked_for(&a).expect("locked out after five");
        assert!(left > Duration::from_secs(15 * 60 - 5), "{left:?}");
    }

    #[tokio::test]
    async fn the_global_budget_slows_everyone_once_spent() {
        let slowdown = Duration::from_millis(50);
        let budget = GlobalFailureBudget::new(3, slowdown, Duration::from_secs(5));
        for _ in 0..3 {
            assert_eq!(budget.admit().await, Ok(true));
        }
        assert!(!budget.is_slowed(), "within the budget");
        assert_eq!(budget.admit().await, Ok(false), "past the budget");
        assert!(budget.is_slowed());
        // Four look-ups pass the gate one after another.
        let started = Instant::now();
        let (a, b, c, d) = tokio::join!(
            budget.admit(),
            budget.admit(),
            budget.admit(),
            budget.admit()
        );
        assert!([a, b, c, d].iter().all(Result::is_ok));
        assert!(started.elapsed() >= slowdown * 4);
    }

    #[tokio::test]
    async fn the_gate_queue_is_bounded_by_the_longest_wait() {
        let slowdown = Duration::from_millis(100);
        let budget = GlobalFailureBudget::new(1, slowdown, Duration::from_millis(300));
        budget.admit().await.unwrap();
        budget.admit().await.unwrap();
        assert!(budget.is_slowed());
        // Turns are booked 100, 200 and 300 ms ahead; a fourth would wait 400 ms.
        let started = Instant::now();
        let results = futures_util::future::join_all((0..6).map(|_| budget.admit())).await;
        let refused = results.iter().filter(|r| r.is_err()).count();
        assert_eq!(refused, 3, "{results:?}");
        assert!(started.elapsed() < Duration::from_millis(450));
    }

    #[test]
    fn ipv6_neighbours_share_an_allowance() {
        let limiter = FailureLimiter::new(1, Duration::from_secs(900));
        limiter.record_failure(&address("2001:db8::1"));
        assert!(limiter.is_blocked(&address("2001:db8::ffff")));
        assert!(!limiter.is_blocked(&address("2001:db8:0:1::1")));
        limiter.record_failure(&address("::ffff:192.0.2.9"));
        assert!(limiter.is_blocked(&address("192.0.2.9")));
    }

    #[test]
    fn accounts_are_limited_across_addresses() {
        let mut config = crate::config::Config::new("127.0.0.1:0".parse().unwrap(), "");
        config.login_account_failures_allowed = 3;
        let limits = LoginLimits::new(&config);
        let account = "tess@example.com";
        for n in 1..=3 {
            let client = address(&format!("192.0.2.{n}"));
            limits.reserve(client, account).unwrap();
            limits.failed(client, account);
        }
        assert!(matches!(
            limits.reserve(address("192.0.2.99"), account),
            Err(LoginRefusal::LockedOut(_))
        ));
        assert!(
            limits
                .reserve(address("192.0.2.99"), "other@example.com")
                .is_ok()
        );
    }
}
