//! Issue 9, finding 3: once the global budget of wrong PINs was spent, every look-up waited
//! in one unbounded queue at one per `join_slowdown`: a customer with a valid PIN on a clean
//! address waited 30 s behind 30 parked guesses. Now one address holds at most one place in
//! the queue, a look-up is only queued if its turn comes within `join_queue_max_wait`, and
//! the rest are answered 503 with Retry-After at once.

use std::time::{Duration, Instant};

use crate::common::TestServer;
use crate::support::{client_from, join_from, retry_after};

/// Parked guesses, each from its own address (127.0.0.100…129).
const PARKED: u8 = 30;

#[tokio::test]
async fn thirty_parked_guesses_delay_an_honest_customer_by_seconds_not_half_a_minute() {
    // One turn per 250 ms: the old queue held the customer 30 × 250 ms = 7.5 s. With turns
    // given only within 1 s, four guesses wait and the customer is told to come back in a
    // second: a join within 5 s (the correctness bound; the expected time is ~1.3 s).
    let slowdown = Duration::from_millis(250);
    let lens = TestServer::start_with(|config| {
        config.join_global_failures_per_minute = 4;
        config.join_slowdown = slowdown;
        config.join_queue_max_wait = Duration::from_secs(1);
    })
    .await;
    let (pin, _) = lens.tess().await.new_pin("Hana Honest").await;

    // Raise the alarm: five wrong PINs (budget 4) from two addresses.
    for (from, guess) in [
        (31, "000001"),
        (31, "000002"),
        (31, "000003"),
        (32, "000004"),
        (32, "000005"),
    ] {
        assert_eq!(join_from(&client_from(from), &lens.url, guess).await.0, 404);
    }
    // Thirty guesses at once from thirty addresses, left waiting in the queue.
    let url = lens.url.clone();
    let parked = tokio::spawn(async move {
        let guesses = (0..PARKED).map(|n| {
            let url = url.clone();
            async move {
                join_from(
                    &client_from(100 + n),
                    &url,
                    &format!("{:06}", 100 + u32::from(n)),
                )
                .await
                .0
            }
        });
        futures_util::future::join_all(guesses).await
    });
    tokio::time::sleep(Duration::from_millis(100)).await;

    // The customer on a clean address joins, coming back when told to (at most 4 tries).
    let customer = client_from(200);
    let started = Instant::now();
    let mut joined = false;
    for _ in 0..4 {
        let response = tokio::time::timeout(
            Duration::from_secs(15),
            customer
                .post(format!("{}/api/customer/join", lens.url))
                .json(&serde_json::json!({ "pin": pin }))
                .send(),
        )
        .await
        .expect("an answer within 15 s")
        .unwrap();
        match response.status().as_u16() {
            200 => {
                joined = true;
                break;
            }
            503 => {
                let wait = retry_after(&response).expect("503 says when to come back");
                assert!(wait <= 5, "told to wait {wait} s");
                tokio::time::sleep(Duration::from_secs(wait)).await;
            }
            other => panic!("the customer got {other}"),
        }
    }
    let waited = started.elapsed();
    assert!(joined, "the customer never joined");
    assert!(
        waited < Duration::from_secs(5),
        "the customer waited {waited:?}"
    );

    // The queue stayed bounded: the parked guesses were answered promptly, most refused
    // without a look-up (a 404 is a look-up made).
    let statuses = tokio::time::timeout(Duration::from_secs(15), parked)
        .await
        .expect("the parked guesses are answered")
        .unwrap();
    let looked_up = statuses.iter().filter(|s| **s == 404).count();
    assert!(
        looked_up <= 5,
        "{looked_up} guesses were looked up: {statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| matches!(s, 404 | 503)),
        "{statuses:?}"
    );
}
