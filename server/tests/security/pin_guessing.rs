//! Issue 9, finding 2: concurrent PIN guesses from one address got past the per-address
//! lock-out (the lock-out was checked before the look-up and the failure recorded after it:
//! 40 simultaneous requests made 39 failed look-ups, and the right PIN, sent 20th, joined),
//! also while the global alarm was up. Now each attempt is charged before its look-up, one
//! address has one look-up in flight at a time; the rest wait their turn (or, waiting too
//! long, are refused without a look-up) and are charged only then.

use std::time::Duration;

use crate::common::TestServer;
use crate::support::{client_from, join_from};

/// The attack of the report: 40 requests at once from one address, the right PIN 20th.
const BURST: usize = 40;
const RIGHT_ONE: usize = 19;
/// The default allowance of wrong PINs per address.
const ALLOWANCE: usize = 5;

/// Sends the burst from 127.0.0.`from`; the statuses in the order the PINs were written.
async fn burst(lens: &TestServer, from: u8, right_pin: &str) -> Vec<u16> {
    let client = client_from(from);
    let right: u32 = right_pin.parse().unwrap();
    let requests = (0..BURST).map(|i| {
        let pin = if i == RIGHT_ONE {
            right_pin.to_owned()
        } else {
            format!("{:06}", (right + 1 + i as u32) % 1_000_000)
        };
        let client = client.clone();
        async move { join_from(&client, &lens.url, &pin).await.0 }
    });
    tokio::time::timeout(
        Duration::from_secs(30),
        futures_util::future::join_all(requests),
    )
    .await
    .expect("the burst is answered")
}

/// What the attacker must not get: a join, or more look-ups than the allowance. A failed
/// look-up is the only answer that is a 404; every other one is a refusal without a look-up.
fn assert_contained(statuses: &[u16]) {
    assert_ne!(
        statuses[RIGHT_ONE], 200,
        "the right PIN joined: {statuses:?}"
    );
    assert!(!statuses.contains(&200), "{statuses:?}");
    let looked_up = statuses.iter().filter(|s| **s == 404).count();
    assert!(
        looked_up <= ALLOWANCE,
        "{looked_up} look-ups were made for one address, allowance {ALLOWANCE}: {statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| matches!(s, 404 | 429 | 503)),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn forty_simultaneous_guesses_from_one_address_get_no_more_than_the_allowance() {
    let lens = TestServer::start().await;
    let (pin, _) = lens.tess().await.new_pin("Bea Burst").await;
    let statuses = burst(&lens, 21, &pin).await;
    assert_contained(&statuses);
    // The PIN was not used up by the attack: the customer it was meant for still joins.
    assert_eq!(join_from(&client_from(22), &lens.url, &pin).await.0, 200);
}

#[tokio::test]
async fn under_the_global_alarm_the_same_burst_gets_no_more() {
    let lens = TestServer::start_with(|config| {
        config.join_global_failures_per_minute = 3;
        config.join_slowdown = Duration::from_millis(50);
    })
    .await;
    let (pin, _) = lens.tess().await.new_pin("Alma Alarm").await;
    // Another address spends the global budget: the alarm is up, look-ups pass the gate.
    let other = client_from(23);
    for guess in ["000001", "000002", "000003", "000004"] {
        assert_eq!(join_from(&other, &lens.url, guess).await.0, 404);
    }
    let statuses = burst(&lens, 24, &pin).await;
    assert_contained(&statuses);
    assert_eq!(join_from(&client_from(25), &lens.url, &pin).await.0, 200);
}
