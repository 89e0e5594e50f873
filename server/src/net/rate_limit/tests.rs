use std::net::IpAddr;
use std::time::{Duration, Instant};

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
