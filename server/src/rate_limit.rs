//! Limits on failed attempts per client address: wrong PINs (a six-digit PIN is guessable
//! given enough tries) and wrong console passwords.
//!
//! Only failures count, so an office behind one NAT address can join many sessions. Once an
//! address has used its allowance, *every* attempt from it is refused until the allowance
//! refills, including one with a right PIN: otherwise the limit would only slow guessing
//! down, not stop it from succeeding.

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
    /// Time for one failure to be forgiven.
    refill: Duration,
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
            refill,
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
                    // That was the last allowed failure: the next cell arrives one refill later.
                    self.block(key, self.refill);
                }
                false
            }
            Err(not_until) => {
                self.block(key, not_until.wait_time_from(DefaultClock::default().now()));
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
    fn refills_over_time() {
        let limiter = FailureLimiter::new(2, Duration::from_millis(100));
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        limiter.record_failure(a);
        limiter.record_failure(a);
        assert!(limiter.is_blocked(a));
        std::thread::sleep(Duration::from_millis(80));
        assert!(!limiter.is_blocked(a));
        assert!(!limiter.record_failure(a));
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
