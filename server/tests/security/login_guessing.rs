//! Issue 9, finding 5: 100 concurrent wrong log-ins from one address (limit 10) ran 100
//! Argon2 checks (the server's memory went from 109 MiB to 1.99 GiB and stayed). Now each
//! attempt is charged to the address, the account and the server before its check, only a
//! few checks run at once (503 beyond), and an account is limited across all addresses.

use std::time::Duration;

use crate::common::{TESS_EMAIL, TESS_PASSWORD, TestServer};
use crate::support::{client_from, retry_after};

/// `POST /api/login` from 127.0.0.`from`: the status and the Retry-After.
async fn login_from(
    lens: &TestServer,
    from: u8,
    email: &str,
    password: &str,
) -> (u16, Option<u64>) {
    let response = client_from(from)
        .post(format!("{}/api/login", lens.url))
        .json(&serde_json::json!({ "email": email, "password": password }))
        .send()
        .await
        .expect("log-in request");
    (response.status().as_u16(), retry_after(&response))
}

/// `n` wrong log-ins at once from 127.0.0.`from`.
async fn wrong_logins_at_once(lens: &TestServer, from: u8, n: usize) -> Vec<(u16, Option<u64>)> {
    let attempts = (0..n).map(|i| async move {
        login_from(lens, from, TESS_EMAIL, &format!("wrong password {i}")).await
    });
    tokio::time::timeout(
        Duration::from_secs(60),
        futures_util::future::join_all(attempts),
    )
    .await
    .expect("the log-ins are answered")
}

#[tokio::test]
async fn a_hundred_concurrent_wrong_logins_run_no_more_argon2_checks_than_the_allowance() {
    // Slots for all hundred, so that only the charge taken before each check stands between
    // the attack and the checks (with the default, a few slots, most get 503: tested below).
    let lens = TestServer::start_with(|config| config.password_checks_at_once = 100).await;
    let before = lens.server().login_password_checks();
    let answers = wrong_logins_at_once(&lens, 41, 100).await;
    let checks = lens.server().login_password_checks() - before;
    assert!(
        checks <= 10,
        "{checks} Argon2 checks for an allowance of 10: {answers:?}"
    );
    assert!(
        answers
            .iter()
            .all(|(status, _)| matches!(status, 401 | 429 | 503)),
        "{answers:?}"
    );
    // The address is locked out now, even for the right password.
    let (status, wait) = login_from(&lens, 41, TESS_EMAIL, TESS_PASSWORD).await;
    assert_eq!(status, 429, "{answers:?}");
    assert!(wait.is_some_and(|w| w > 60));
}

#[tokio::test]
async fn a_burst_beyond_the_check_slots_is_answered_503_and_costs_nothing() {
    let lens = TestServer::start_with(|config| {
        config.password_checks_at_once = 1;
        config.login_failures_allowed = 100;
        config.login_account_failures_allowed = 100;
        config.login_global_failures_per_minute = 100;
    })
    .await;
    let before = lens.server().login_password_checks();
    let answers = wrong_logins_at_once(&lens, 42, 20).await;
    let checks = lens.server().login_password_checks() - before;
    let busy: Vec<_> = answers
        .iter()
        .filter(|(status, _)| *status == 503)
        .collect();
    assert!(
        !busy.is_empty(),
        "one slot, 20 at once, none refused: {answers:?}"
    );
    assert!(
        busy.iter().all(|(_, wait)| wait.is_some()),
        "503 with Retry-After"
    );
    assert_eq!(
        checks as usize,
        answers.iter().filter(|(status, _)| *status == 401).count(),
        "a check ran for each 401 and for nothing else"
    );
    // The refused attempts were not charged: the right password still signs in.
    assert_eq!(
        login_from(&lens, 42, TESS_EMAIL, TESS_PASSWORD).await.0,
        200
    );
}

#[tokio::test]
async fn one_account_guessed_from_many_addresses_is_locked_out() {
    let lens = TestServer::start().await;
    // Ten addresses, one wrong password each: no address reaches its own limit of ten.
    for from in 51..=60 {
        assert_eq!(
            login_from(&lens, from, TESS_EMAIL, "wrong password")
                .await
                .0,
            401
        );
    }
    // The account has had its ten: the right password from a fresh address is refused,
    // and the e-mail's case does not get around it.
    let (status, wait) = login_from(&lens, 61, "TESS@Example.COM", TESS_PASSWORD).await;
    assert_eq!(status, 429);
    assert!(wait.is_some_and(|w| w > 60));
    // Another account is not affected.
    lens.add_technician("otto@example.com", "Otto", TESS_PASSWORD)
        .await;
    assert_eq!(
        login_from(&lens, 61, "otto@example.com", TESS_PASSWORD)
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn past_the_global_budget_of_failed_logins_every_login_waits() {
    let lens = TestServer::start_with(|config| config.login_global_failures_per_minute = 3).await;
    // Password spraying: one wrong password per account, per address.
    for (from, email) in [
        (71, "a@example.com"),
        (72, "b@example.com"),
        (73, "c@example.com"),
    ] {
        assert_eq!(
            login_from(&lens, from, email, "wrong password").await.0,
            401
        );
    }
    let (status, wait) = login_from(&lens, 74, "d@example.com", "wrong password").await;
    assert_eq!(status, 503, "past the budget");
    assert!(wait.is_some_and(|w| (1..=20).contains(&w)), "{wait:?}");
}
