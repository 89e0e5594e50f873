//! Finding 1: a technician allowed to invite colleagues took over the admin's account by
//! inviting the admin's e-mail address in capitals with a password of their choosing (the
//! existence check compared the address as typed, the insert lower-cased it and reset that
//! account's password and name).

use serde_json::{Value, json};

use crate::common::{PATIENCE, TESS_EMAIL, TESS_NAME, TESS_PASSWORD, Technician, TestServer};
use crate::operator::{add_technician_ok, start_with_database};
use crate::support::client_from;

const ADA_EMAIL: &str = "ada@example.com";
const ADA_PASSWORD: &str = "the admin's own password";
const CHOSEN_PASSWORD: &str = "chosen by the attacker";

/// The status of a log-in attempt, from 127.0.0.`from`.
async fn sign_in(server: &TestServer, from: u8, email: &str, password: &str) -> u16 {
    client_from(from)
        .post(format!("{}/api/login", server.url))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn invite(inviter: &Technician, body: Value) -> (u16, Value) {
    let response = inviter
        .http
        .post(format!("{}/api/admin/technicians", inviter.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_inviter_cannot_take_over_the_admin_by_changing_the_case_of_the_email() {
    let (lens, database) = start_with_database(|_| {}).await;
    add_technician_ok(
        &database,
        ADA_EMAIL,
        "Ada Admin",
        ADA_PASSWORD,
        &["--admin"],
    )
    .await;
    // Tess is no admin, but her group (Default) may invite technicians.
    let tess = lens.tess().await;
    for typed in ["ADA@EXAMPLE.COM", " Ada@Example.com ", ADA_EMAIL] {
        let (status, body) = invite(
            &tess,
            json!({ "email": typed, "name": "Mallory", "password": CHOSEN_PASSWORD }),
        )
        .await;
        assert_eq!(status, 409, "inviting {typed:?}: {body}");
        assert_eq!(body["error"], "technician_exists", "{body}");
    }
    assert_eq!(
        sign_in(&lens, 2, ADA_EMAIL, CHOSEN_PASSWORD).await,
        401,
        "the attacker's password must not open the admin's account"
    );
    let ada = Technician::login(&lens.url, ADA_EMAIL, ADA_PASSWORD).await;
    let me: Value = ada.get("/api/me").await;
    assert_eq!(me["name"], "Ada Admin", "the admin's name is untouched");
    assert_eq!(me["is_admin"], true);
}

#[tokio::test]
async fn concurrent_invites_of_one_new_address_make_exactly_one_account() {
    let lens = TestServer::start().await;
    let tess = lens.tess().await;
    // Four invites race for one address typed in different cases, each with its own
    // password: one account is made, the others are refused, none resets the winner.
    let typed = [
        "new@example.com",
        "NEW@example.com",
        "New@Example.com",
        "nEw@eXample.com",
    ];
    let answers = futures_util::future::join_all(typed.iter().enumerate().map(|(i, email)| {
        invite(
            &tess,
            json!({ "email": email, "name": "New", "password": format!("password number {i}") }),
        )
    }));
    let answers = tokio::time::timeout(PATIENCE * 4, answers)
        .await
        .expect("the invites are answered");
    let statuses: Vec<u16> = answers.iter().map(|(status, _)| *status).collect();
    let winners: Vec<usize> = (0..typed.len()).filter(|&i| statuses[i] == 201).collect();
    assert_eq!(winners.len(), 1, "statuses {statuses:?}: {answers:?}");
    assert_eq!(
        statuses.iter().filter(|&&s| s == 409).count(),
        typed.len() - 1,
        "the losers get 409 technician_exists, never a 500: {answers:?}"
    );
    for i in 0..typed.len() {
        let expected = if winners.contains(&i) { 200 } else { 401 };
        let password = format!("password number {i}");
        assert_eq!(
            sign_in(&lens, 3, "new@example.com", &password).await,
            expected,
            "password {i}"
        );
    }
}

#[tokio::test]
async fn the_operator_resetting_a_password_typed_in_capitals_resets_that_account() {
    let (lens, database) = start_with_database(|_| {}).await;
    let printed = add_technician_ok(
        &database,
        &TESS_EMAIL.to_uppercase(),
        TESS_NAME,
        "a brand new password",
        &[],
    )
    .await;
    assert!(printed.contains("updated"), "{printed}");
    assert!(printed.contains(TESS_EMAIL), "{printed}");
    assert_eq!(sign_in(&lens, 4, TESS_EMAIL, TESS_PASSWORD).await, 401);
    assert_eq!(
        sign_in(&lens, 4, TESS_EMAIL, "a brand new password").await,
        200
    );
}
