//! The technician's side over HTTP: signing in to the console, creating a session (seed
//! 000: New Session, customer name, Create PIN gives a six-digit PIN; seeds 002/003: the
//! mobile and desktop links), and the pages the server serves.

use crate::common::{TESS_EMAIL, TESS_NAME, TESS_PASSWORD, Technician, TestServer};
use lens_core::signal::{SessionStatus, SessionSummary};
use serde_json::{Value, json};

#[tokio::test]
async fn a_wrong_password_is_refused() {
    let lens = TestServer::start().await;
    let http = reqwest::Client::new();
    for (email, password) in [
        (TESS_EMAIL, "wrong password"),
        ("nobody@example.com", TESS_PASSWORD),
    ] {
        let response = http
            .post(format!("{}/api/login", lens.url))
            .json(&json!({ "email": email, "password": password }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401);
        assert!(response.headers().get("set-cookie").is_none());
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_credentials");
    }
}

#[tokio::test]
async fn signing_in_sets_a_strict_http_only_cookie_and_signing_out_ends_it() {
    let lens = TestServer::start().await;
    let http = reqwest::Client::new();
    let response = http
        .post(format!("{}/api/login", lens.url))
        .json(&json!({ "email": TESS_EMAIL, "password": TESS_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let set_cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(set_cookie.starts_with("lens_session="), "{set_cookie}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(
            set_cookie.contains(attribute),
            "{attribute} missing in {set_cookie}"
        );
    }
    assert!(
        !set_cookie.contains("Secure"),
        "plain http must not mark the cookie Secure: {set_cookie}"
    );
    let token = set_cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("lens_session=");
    assert!(token.len() >= 32, "at least 128 bits of token");

    let tess = lens.tess().await;
    let me: Value = tess.get("/api/me").await;
    assert_eq!(me["email"], TESS_EMAIL);
    assert_eq!(me["name"], TESS_NAME);

    let anonymous = http
        .get(format!("{}/api/me", lens.url))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    let mut console = tess.console().await;
    let logout = tess
        .http
        .post(format!("{}/api/logout", lens.url))
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 204);
    // The cookie no longer works, even if someone kept a copy...
    let kept = http
        .get(format!("{}/api/me", lens.url))
        .header("cookie", &tess.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(kept.status(), 401);
    // ...and the open console is closed with the "signed out" code.
    let close = console.closed().await.expect("a close frame");
    assert_eq!(u16::from(close.code), 4401);
}

#[tokio::test]
async fn creating_a_session_gives_a_six_digit_pin_and_both_links() {
    let lens = TestServer::start_with(|config| {
        config.public_url = Some("https://lens.example.com/".parse().unwrap());
    })
    .await;
    let tess = lens.tess().await;
    let created = tess.create_session("Carl Customer").await;

    let pin = created["pin"].as_str().unwrap();
    assert!(
        pin.len() == 6 && pin.bytes().all(|b| b.is_ascii_digit()),
        "{pin}"
    );
    assert_eq!(
        created["links"]["mobile"],
        format!("https://lens.example.com/{pin}")
    );
    assert_eq!(
        created["links"]["desktop"],
        format!("https://lens.example.com/?code={pin}")
    );
    assert_eq!(created["customer_name"], "Carl Customer");
    let expires_at = created["expires_at"].as_i64().unwrap();
    let now = lens_server::store::now_ms();
    assert!(
        (now + 590_000..=now + 600_000).contains(&expires_at),
        "ten minutes by default"
    );

    // The list shows it Pending, with the PIN so the technician can read it out again.
    let list: Vec<SessionSummary> = tess.get("/api/sessions").await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].id, created["session_id"].as_str().unwrap());
    assert_eq!(list[0].status, SessionStatus::Pending);
    assert_eq!(list[0].pin.as_deref(), Some(pin));
}

#[tokio::test]
async fn live_pins_are_distinct() {
    let lens = TestServer::start().await;
    let tess = lens.tess().await;
    let mut pins = std::collections::HashSet::new();
    for i in 0..40 {
        let (pin, _) = tess.new_pin(&format!("Customer {i}")).await;
        assert!(pins.insert(pin), "a PIN was handed out twice");
    }
}

#[tokio::test]
async fn sessions_need_a_signed_in_technician_and_a_customer_name() {
    let lens = TestServer::start().await;
    let anonymous = reqwest::Client::new()
        .post(format!("{}/api/sessions", lens.url))
        .json(&json!({ "customer_name": "Eve" }))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    let tess = lens.tess().await;
    for name in ["", "   ", &"x".repeat(101)] {
        let response = tess
            .http
            .post(format!("{}/api/sessions", lens.url))
            .json(&json!({ "customer_name": name }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{name:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_customer_name");
    }
}

#[tokio::test]
async fn each_technician_sees_only_their_own_sessions() {
    let lens = TestServer::start().await;
    lens.add_technician("other@example.com", "Otto Other", "another password")
        .await;
    let tess = lens.tess().await;
    let otto = Technician::login(&lens.url, "other@example.com", "another password").await;
    tess.create_session("Tess's customer").await;
    let mut otto_console = otto.console().await;
    otto.create_session("Otto's customer").await;
    let sessions = otto_console
        .recv_until(|m| match m {
            lens_core::signal::ServerToTechnician::Sessions { sessions }
                if !sessions.is_empty() =>
            {
                Some(sessions)
            }
            _ => None,
        })
        .await;
    let names: Vec<_> = sessions.iter().map(|s| s.customer_name.as_str()).collect();
    assert_eq!(names, ["Otto's customer"]);
}

#[tokio::test]
async fn the_console_and_the_link_pages_are_served() {
    let lens = TestServer::start().await;
    let http = reqwest::Client::new();

    for path in ["/", "/console"] {
        let response = http
            .get(format!("{}{path}", lens.url))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(
            response.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("script-src 'self'")
        );
        let html = response.text().await.unwrap();
        for id in [
            "login-email",
            "login-password",
            "login-submit",
            "new-session-open",
            "remote-video",
            "message",
            "session-end",
        ] {
            assert!(
                html.contains(&format!("data-testid=\"{id}\"")),
                "{id} missing on {path}"
            );
        }
    }
    let script = http
        .get(format!("{}/assets/main.js", lens.url))
        .send()
        .await
        .unwrap();
    assert!(
        script.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    let script = script.text().await.unwrap();
    assert!(script.contains("window.lens") && script.contains("RTCPeerConnection"));
    let css = http
        .get(format!("{}/assets/console.css", lens.url))
        .send()
        .await
        .unwrap();
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );

    // The mobile and desktop links land on a page that shows the PIN in large digits.
    for path in ["/042917", "/?code=042917"] {
        let response = http
            .get(format!("{}{path}", lens.url))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["referrer-policy"], "no-referrer");
        let html = response.text().await.unwrap();
        assert!(html.contains(">042917<"), "{path}: {html}");
        assert!(html.contains("Lens app"), "{path}");
    }
    for path in ["/12345", "/abcdef", "/?code=<script>"] {
        let response = http
            .get(format!("{}{path}", lens.url))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{path}");
        assert!(!response.text().await.unwrap().contains("<script>"));
    }
}
