//! PIN security (issue 4 part 5): what an attacker guessing PINs runs into, and what a log
//! reader never learns. The arithmetic behind the defaults is in docs/pin-security.md.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::common::TestServer;

/// Everything the server logs at info level and above in this test binary, as the
/// `lens-server` binary would print it.
fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = buffer.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_ansi(false)
            .with_writer(move || Capture(writer.clone()))
            .init();
        buffer
    })
    .clone()
}

struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logs_text() -> String {
    String::from_utf8_lossy(&captured_logs().lock().unwrap()).into_owned()
}

#[tokio::test]
async fn pins_never_appear_in_the_server_log_at_info_level() {
    captured_logs();
    let lens = TestServer::start().await;
    let tess = lens.tess().await;
    let mut pins = Vec::new();
    for name in ["Lola Log", "Lars Log"] {
        let (pin, _) = tess.new_pin(name).await;
        pins.push(pin);
    }
    // Every path a PIN takes: a right one, the same one again, a wrong one, one with spaces.
    let customer = lens.customer_joins(&pins[0]).await;
    assert_eq!(lens.join(&pins[0]).await.0, 409);
    let wrong = format!("{:06}", (pins[1].parse::<u32>().unwrap() + 1) % 1_000_000);
    assert_eq!(lens.join(&wrong).await.0, 404);
    assert_eq!(lens.join(&format!(" {} ", pins[1])).await.0, 200);
    drop(customer);
    tokio::time::sleep(Duration::from_millis(200)).await;

    let logs = logs_text();
    assert!(
        logs.contains("PIN refused"),
        "the refusals were logged:\n{logs}"
    );
    for pin in pins.iter().chain([&wrong]) {
        assert!(!logs.contains(pin.as_str()), "{pin} is in the log:\n{logs}");
    }
}

#[tokio::test]
async fn past_the_global_budget_an_alert_is_logged_and_look_ups_are_slowed_for_everyone() {
    captured_logs();
    let slowdown = Duration::from_millis(150);
    let lens = TestServer::start_with(|config| {
        // Many attackers' addresses, here one generous address: only the global budget bites.
        config.join_failures_allowed = 1_000;
        config.join_global_failures_per_minute = 4;
        config.join_slowdown = slowdown;
    })
    .await;
    let tess = lens.tess().await;
    let (pin, _) = tess.new_pin("Gina Global").await;

    for guess in ["000001", "000002", "000003", "000004"] {
        assert_eq!(lens.join(guess).await.0, 404);
    }
    assert!(
        !logs_text().contains("ALERT"),
        "within the budget: no alert"
    );
    assert_eq!(lens.join("000005").await.0, 404);
    let logs = logs_text();
    assert!(
        logs.contains("ALERT") && logs.contains("ERROR"),
        "an alert at error level:\n{logs}"
    );

    // Now look-ups pass one at a time, one per slowdown, whoever makes them: four at once
    // (from four addresses: one address has one look-up in flight at a time) take at least
    // four slowdowns, and the right PIN still works (just later).
    let started = Instant::now();
    let (a, b, c, right) = tokio::join!(
        join_from_address(&lens.url, 2, "000006"),
        join_from_address(&lens.url, 3, "000007"),
        join_from_address(&lens.url, 4, "000008"),
        join_from_address(&lens.url, 5, &pin)
    );
    assert!(started.elapsed() >= slowdown * 4, "{:?}", started.elapsed());
    assert_eq!((a, b, c, right), (404, 404, 404, 200));
    assert_eq!(
        logs_text().matches("ALERT").count(),
        1,
        "one alert a minute, not one per failure"
    );
}

/// The status of a join from 127.0.0.`n` to the server at `base`.
async fn join_from_address(base: &str, n: u8, pin: &str) -> u16 {
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, n]))
        .build()
        .unwrap()
        .post(format!("{base}/api/customer/join"))
        .json(&serde_json::json!({ "pin": pin }))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn five_wrong_pins_lock_the_address_out_for_fifteen_minutes() {
    let lens = TestServer::start().await;
    let tess = lens.tess().await;
    let (pin, _) = tess.new_pin("Lou Lockout").await;
    for guess in ["100000", "100001", "100002", "100003"] {
        assert_eq!(lens.join(guess).await.0, 404);
    }
    // The fifth failure is still answered as what it is; it uses up the allowance.
    assert_eq!(lens.join("100004").await.0, 404);
    let response = reqwest::Client::new()
        .post(format!("{}/api/customer/join", lens.url))
        .json(&serde_json::json!({ "pin": pin }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status().as_u16(),
        429,
        "even the right PIN is refused"
    );
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (14 * 60..=15 * 60).contains(&retry_after),
        "locked out for 15 minutes, told {retry_after} s"
    );
}

#[tokio::test]
async fn an_expired_pin_is_told_apart_for_a_day_then_it_is_just_not_found() {
    let lens = TestServer::start().await;
    let tess = lens.tess().await;
    let (pin, session_id) = tess.new_pin("Edna Expired").await;
    let day_ms = 24 * 3600 * 1000i64;
    let age = |ms: i64| {
        let db = lens.server().db().clone();
        let session_id = session_id.clone();
        async move {
            let now = lens_server::store::now_ms();
            sqlx::query("UPDATE sessions SET created_at = $1, pin_expires_at = $2 WHERE id = $3")
                .bind(now - ms - 600_000)
                .bind(now - ms)
                .bind(&session_id)
                .execute(&db)
                .await
                .unwrap();
        }
    };

    age(60_000).await;
    let (status, body) = lens.join(&pin).await;
    assert_eq!((status, body["error"].as_str()), (410, Some("pin_expired")));

    age(day_ms + 60_000).await;
    let (status, body) = lens.join(&pin).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("pin_not_found"))
    );
}

#[tokio::test]
async fn live_pins_are_six_digits_unique_and_single_use() {
    let lens = TestServer::start().await;
    let tess = lens.tess().await;
    let mut seen = std::collections::HashSet::new();
    for i in 0..200 {
        let (pin, _) = tess.new_pin(&format!("Customer {i}")).await;
        assert!(
            pin.len() == 6 && pin.bytes().all(|b| b.is_ascii_digit()),
            "{pin}"
        );
        assert!(seen.insert(pin.clone()), "{pin} issued twice");
    }
    let used = seen.iter().next().unwrap().clone();
    assert_eq!(lens.join(&used).await.0, 200);
    assert_eq!(lens.join(&used).await.0, 409, "single use");
}
