//! Limits on failed attempts: per client address (wrong PINs — a six-digit PIN is guessable
//! given enough tries — and wrong console passwords), and a global budget of wrong PINs
//! across all addresses (an attacker with many addresses).
//!
//! Only failures count, so an office behind one NAT address can join many sessions. Once an
//! address has used its allowance, *every* attempt from it is refused for the whole window
//! (five wrong PINs lock the address out for 15 minutes by default), including one with a
//! right PIN: otherwise the limit would only slow guessing down, not stop it from succeeding.
//! See docs/pin-security.md for what these limits mean for an attacker's chances.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

type Limiter =
    RateLimiter<IpAddr, DefaultKeyedStateStore<IpAddr>, DefaultClock, StateInformationMiddleware>;

pub struct FailureLimiter {
    /// Counts failures: `allowed` per `window`, refilling steadily.
    failures: Limiter,
    /// Addresses that have no allowance left, until when. Kept beside the governor because
    /// asking the governor consumes a cell, and a blocked address must be refused without
    /// being charged again.
    blocked: Mutex<HashMap<IpAddr, Instant>>,
    /// How long an address that used its allowance is locked out: the whole window, by
    /// which time the governor has refilled the allowance completely.
    lockout: Duration,
}

impl FailureLimiter {
    /// `allowed` failures per `window` for each address.
    pub fn new(allowed: u32, window: Duration) -> FailureLimiter {
        let allowed = NonZeroU32::new(allowed.max(1)).expect("at least one");
        let refill = (window / allowed.get()).max(Duration::from_millis(1));
        let quota = Quota::with_period(refill)
            .expect("a non-zero period")
            .allow_burst(allowed);
        FailureLimiter {
            failures: RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>(),
            blocked: Mutex::new(HashMap::new()),
            lockout: refill * allowed.get(),
        }
    }

    /// How long attempts from this address are still refused, if they are.
    pub fn blocked_for(&self, address: IpAddr) -> Option<Duration> {
        let key = bucket(address);
        let mut blocked = self.blocked.lock().expect("limiter lock");
        let until = *blocked.get(&key)?;
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            blocked.remove(&key);
            return None;
        }
        Some(left)
    }

    pub fn is_blocked(&self, address: IpAddr) -> bool {
        self.blocked_for(address).is_some()
    }

    /// Records a failed attempt. Returns true if this attempt was already over the limit
    /// (answer it as rate limited).
    pub fn record_failure(&self, address: IpAddr) -> bool {
        let key = bucket(address);
        match self.failures.check_key(&key) {
            Ok(state) => {
                if state.remaining_burst_capacity() == 0 {
                    // That was the last allowed failure: locked out for the whole window.
                    self.block(key, self.lockout);
                }
                false
            }
            Err(not_until) => {
                let refill = not_until.wait_time_from(DefaultClock::default().now());
                self.block(key, self.lockout.max(refill));
                true
            }
        }
    }

    fn block(&self, key: IpAddr, wait: Duration) {
        self.blocked
            .lock()
            .expect("limiter lock")
            .insert(key, Instant::now() + wait);
    }

    /// Drops state for addresses that have been quiet long enough; call periodically.
    pub fn forget_idle(&self) {
        self.failures.retain_recent();
        self.failures.shrink_to_fit();
        let now = Instant::now();
        self.blocked
            .lock()
            .expect("limiter lock")
            .retain(|_, until| *until > now);
    }
}

/// A budget of failed PIN look-ups per minute for the whole server. Beyond it the server is
/// probably being guessed at from many addresses: an alert is logged, and for the next
/// minute every look-up (anyone's) first waits its turn at a gate that lets one through per
/// `slowdown`, which caps the guessing rate no matter how many addresses the attacker has.
/// Legitimate customers are slowed too; that is the price of keeping PINs six digits long.
pub struct GlobalFailureBudget {
    failures: RateLimiter<
        governor::state::NotKeyed,
        governor::state::InMemoryState,
        DefaultClock,
        governor::middleware::NoOpMiddleware,
    >,
    per_minute: u32,
    slowdown: Duration,
    /// Until when look-ups are slowed, and when the alert was last logged.
    alarm: Mutex<Alarm>,
    /// Look-ups pass one at a time while slowed.
    gate: tokio::sync::Mutex<()>,
}

#[derive(Default)]
struct Alarm {
    slowed_until: Option<Instant>,
    last_logged: Option<Instant>,
}

/// How long the server stays slowed after the budget was last exceeded.
const SLOWED_FOR: Duration = Duration::from_secs(60);

impl GlobalFailureBudget {
    pub fn new(per_minute: u32, slowdown: Duration) -> GlobalFailureBudget {
        let per_minute = per_minute.max(1);
        let quota = Quota::per_minute(NonZeroU32::new(per_minute).expect("at least one"));
        GlobalFailureBudget {
            failures: RateLimiter::direct(quota),
            per_minute,
            slowdown,
            alarm: Mutex::new(Alarm::default()),
            gate: tokio::sync::Mutex::new(()),
        }
    }

    /// Records a failed look-up; past the budget, raises the alarm.
    pub fn record_failure(&self) {
        if self.failures.check().is_ok() {
            return;
        }
        let now = Instant::now();
        let mut alarm = self.alarm.lock().expect("budget lock");
        alarm.slowed_until = Some(now + SLOWED_FOR);
        // One line a minute is an alert; one per failure would be a flood in the logs.
        if alarm
            .last_logged
            .is_none_or(|at| now.duration_since(at) >= SLOWED_FOR)
        {
            alarm.last_logged = Some(now);
            tracing::error!(
                budget_per_minute = self.per_minute,
                slowdown_ms = self.slowdown.as_millis() as u64,
                "ALERT: more failed PIN look-ups than the global budget allows, from any \
                 address; someone may be guessing PINs. All look-ups are slowed for a minute"
            );
        }
    }

    pub fn is_slowed(&self) -> bool {
        let mut alarm = self.alarm.lock().expect("budget lock");
        match alarm.slowed_until {
            Some(until) if until > Instant::now() => true,
            Some(_) => {
                alarm.slowed_until = None;
                false
            }
            None => false,
        }
    }

    /// Waits as a look-up must before it runs: not at all normally, and its turn at the
    /// gate plus `slowdown` while the alarm is up.
    pub async fn pace(&self) {
        if !self.is_slowed() {
            return;
        }
        let _turn = self.gate.lock().await;
        tokio::time::sleep(self.slowdown).await;
    }
}

/// IPv6 clients usually control a whole /64, so one client is one /64, not one address.
fn bucket(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::V6(segments.into())
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_allowance_and_only_that_address() {
        let limiter = FailureLimiter::new(3, Duration::from_secs(900));
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..3 {
            assert!(!limiter.is_blocked(a));
            assert!(!limiter.record_failure(a));
        }
        assert!(limiter.is_blocked(a));
        assert!(!limiter.is_blocked(b));
        assert!(
            limiter.record_failure(a),
            "a failure past the allowance is over the limit"
        );
    }

    #[test]
    fn locks_out_for_the_whole_window_then_allows_the_full_allowance_again() {
        let limiter = FailureLimiter::new(2, Duration::from_millis(1000));
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        limiter.record_failure(a);
        limiter.record_failure(a);
        let left = limiter.blocked_for(a).expect("locked out");
        assert!(left > Duration::from_millis(900), "{left:?}");
        // Past the time one failure is forgiven (500 ms), the address is still locked out.
        std::thread::sleep(Duration::from_millis(600));
        assert!(
            limiter.is_blocked(a),
            "still locked out after half the window"
        );
        std::thread::sleep(Duration::from_millis(500));
        assert!(!limiter.is_blocked(a));
        assert!(!limiter.record_failure(a));
        assert!(
            !limiter.is_blocked(a),
            "a whole allowance again, not one failure"
        );
        assert!(!limiter.record_failure(a));
        assert!(limiter.is_blocked(a));
    }

    #[test]
    fn the_default_lock_out_is_fifteen_minutes_after_five_failures() {
        let limiter = FailureLimiter::new(5, Duration::from_secs(15 * 60));
        let a: IpAddr = "192.0.2.7".parse().unwrap();
        for _ in 0..4 {
            limiter.record_failure(a);
            assert!(!limiter.is_blocked(a));
        }
        limiter.record_failure(a);
        let left = limiter.blocked_for(a).expect("locked out after five");
        assert!(left > Duration::from_secs(15 * 60 - 5), "{left:?}");
    }

    #[tokio::test]
    async fn the_global_budget_slows_everyone_once_spent() {
        let budget = GlobalFailureBudget::new(3, Duration::from_millis(50));
        for _ in 0..3 {
            budget.record_failure();
        }
        assert!(!budget.is_slowed(), "within the budget");
        budget.record_failure();
        assert!(budget.is_slowed());
        // Four look-ups pass the gate one after another.
        let started = Instant::now();
        tokio::join!(budget.pace(), budget.pace(), budget.pace(), budget.pace());
        assert!(started.elapsed() >= Duration::from_millis(200));
    }

    #[test]
    fn ipv6_neighbours_share_an_allowance() {
        let limiter = FailureLimiter::new(1, Duration::from_secs(900));
        limiter.record_failure("2001:db8::1".parse().unwrap());
        assert!(limiter.is_blocked("2001:db8::ffff".parse().unwrap()));
        assert!(!limiter.is_blocked("2001:db8:0:1::1".parse().unwrap()));
        limiter.record_failure("::ffff:192.0.2.9".parse().unwrap());
        assert!(limiter.is_blocked("192.0.2.9".parse().unwrap()));
    }
}
