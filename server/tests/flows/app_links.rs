//! Seed 001/002's "tapping the link starts the app, or sends the customer to the app store
//! first": the files that let the phone open links in the app, the landing page a link
//! shows when the app is missing, and the page for typing a PIN by hand.

use crate::common::TestServer;
use lens_server::config::AppLinksConfig;
use serde_json::{Value, json};

const FINGERPRINT: &str = "14:6D:E9:83:C5:73:06:50:D8:EE:B9:95:2F:34:FC:64:16:A0:83:42:E6:1D:BE:A8:8A:04:96:B2:3F:CF:44:E5";

fn configured() -> AppLinksConfig {
    AppLinksConfig {
        apple_team_id: Some("ABCDE12345".into()),
        apple_bundle_id: Some("org.lens.customer".into()),
        apple_app_store_id: Some("1234567890".into()),
        android_package: Some("org.lens.customer".into()),
        android_cert_fingerprints: vec![FINGERPRINT.to_lowercase()],
        ..AppLinksConfig::default()
    }
}

async fn server_with_apps() -> TestServer {
    TestServer::start_with(|config| {
        config.public_url = Some("https://lens.example.com/".parse().unwrap());
        config.app_links = configured();
    })
    .await
}

/// A client that reports redirects instead of following them.
fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn get(lens: &TestServer, path: &str, user_agent: &str) -> (u16, String, String) {
    let response = http()
        .get(format!("{}{path}", lens.url))
        .header("user-agent", user_agent)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let location = response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = response.text().await.unwrap();
    (status, content_type, location.unwrap_or(body))
}

const IPHONE: &str =
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148";
const ANDROID: &str =
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36";

#[tokio::test]
async fn the_apple_file_is_json_at_its_exact_path_and_covers_the_pin_links() {
    let lens = server_with_apps().await;
    let (status, content_type, body) =
        get(&lens, "/.well-known/apple-app-site-association", IPHONE).await;
    assert_eq!(status, 200, "served directly, no redirect: {body}");
    assert_eq!(content_type, "application/json");
    let aasa: Value = serde_json::from_str(&body).unwrap();
    let details = &aasa["applinks"]["details"][0];
    assert_eq!(details["appIDs"], json!(["ABCDE12345.org.lens.customer"]));
    assert_eq!(details["appID"], "ABCDE12345.org.lens.customer");
    let components = details["components"].as_array().unwrap();
    assert!(components.iter().any(|c| c["/"] == "/??????"), "/<pin>");
    assert!(
        components
            .iter()
            .any(|c| c["/"] == "/" && c["?"]["code"] == "??????"),
        "/?code=<pin>"
    );
    assert_eq!(aasa["applinks"]["apps"], json!([]));
}

#[tokio::test]
async fn the_android_file_names_the_package_and_its_certificates() {
    let lens = server_with_apps().await;
    let (status, content_type, body) = get(&lens, "/.well-known/assetlinks.json", ANDROID).await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "application/json");
    let links: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        links,
        json!([{
            "relation": ["delegate_permission/common.handle_all_urls"],
            "target": {
                "namespace": "android_app",
                "package_name": "org.lens.customer",
                // Upper case, as Android compares it.
                "sha256_cert_fingerprints": [FINGERPRINT],
            }
        }])
    );
}

#[tokio::test]
async fn without_configuration_both_files_are_missing() {
    let lens = TestServer::start().await;
    for path in [
        "/.well-known/apple-app-site-association",
        "/.well-known/assetlinks.json",
    ] {
        let (status, _, _) = get(&lens, path, IPHONE).await;
        assert_eq!(status, 404, "{path}");
    }
}

#[tokio::test]
async fn bad_app_settings_stop_the_server_from_starting() {
    let dir = std::env::temp_dir().join(format!(
        "lens-applinks-{}",
        lens_server::tokens::random_id()
    ));
    let mut config = lens_server::Config::new(
        "127.0.0.1:0".parse().unwrap(),
        format!("sqlite://{}?mode=rwc", dir.join("lens.db").display()),
    );
    config.app_links = AppLinksConfig {
        android_cert_fingerprints: vec!["not a fingerprint".into()],
        ..configured()
    };
    let error = lens_server::start(config).await.err().expect("refused");
    assert!(
        format!("{error:#}").contains("--android-cert-sha256"),
        "{error:#}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_link_without_the_app_shows_the_pin_the_stores_and_a_banner_carrying_the_link() {
    let lens = server_with_apps().await;
    for path in ["/042917", "/?code=042917", "/join/042917"] {
        let (status, content_type, html) = get(&lens, path, IPHONE).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(content_type, "text/html; charset=utf-8");
        assert!(
            html.contains(r#"data-testid="landing-pin" aria-label="PIN 042917">042917<"#),
            "{path}"
        );
        // The banner hands the link to the app after installing, so the PIN survives.
        assert!(
            html.contains(r#"<meta name="apple-itunes-app" content="app-id=1234567890, app-argument=https://lens.example.com/042917">"#),
            "{path}: {html}"
        );
        assert!(html.contains(r#"href="https://apps.apple.com/app/id1234567890""#));
        assert!(
            html.contains(
                r#"href="https://play.google.com/store/apps/details?id=org.lens.customer""#
            )
        );
        assert!(
            html.contains(r#"href="lens://join/042917""#),
            "custom-scheme fallback"
        );
    }
    // On Android the button is an intent: the app if installed, else Google Play.
    let (_, _, html) = get(&lens, "/042917", ANDROID).await;
    assert!(
        html.contains("href=\"intent://lens.example.com/042917#Intent;scheme=https;package=org.lens.customer;\
                       S.browser_fallback_url=https%3A%2F%2Fplay.google.com%2Fstore%2Fapps%2Fdetails%3Fid%3Dorg.lens.customer;end\""),
        "{html}"
    );
    // The same PIN again is the core parser's PIN: the link the banner carries joins.
    let config = lens_core::join::JoinConfig::new(["lens.example.com"], false).unwrap();
    let pin =
        lens_core::join::parse_join_input("https://lens.example.com/042917", &config).unwrap();
    assert_eq!(pin.as_str(), "042917");
}

#[tokio::test]
async fn without_store_settings_the_page_still_shows_the_pin() {
    let lens = TestServer::start().await;
    let (status, _, html) = get(&lens, "/042917", IPHONE).await;
    assert_eq!(status, 200);
    assert!(html.contains(">042917<"));
    assert!(
        !html.contains("apple-itunes-app"),
        "no banner without an App Store id"
    );
    assert!(!html.contains("landing-app-store"));
}

#[tokio::test]
async fn the_manual_entry_page_sends_a_valid_pin_on_and_explains_a_wrong_one() {
    let lens = server_with_apps().await;
    let (status, content_type, html) = get(&lens, "/join", IPHONE).await;
    assert_eq!(
        (status, content_type.as_str()),
        (200, "text/html; charset=utf-8")
    );
    assert!(html.contains(r#"name="pin""#));

    // Grouped digits and this server's own links are read as the app reads them.
    for (typed, pin) in [
        ("042917", "042917"),
        ("042 917", "042917"),
        ("042-917", "042917"),
        ("https://lens.example.com/042917", "042917"),
        ("https://lens.example.com/?code=042917", "042917"),
    ] {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("pin", typed)
            .finish();
        let (status, _, location) = get(&lens, &format!("/join?{query}"), IPHONE).await;
        assert_eq!(
            (status, location.as_str()),
            (303, format!("/{pin}").as_str()),
            "{typed}"
        );
    }
    for (typed, message) in [
        ("", "Please enter the six-digit code"),
        ("12345", "The code has six digits; this one has 5."),
        ("12a456", "The code can contain only digits"),
        (
            "https://evil.example/042917",
            "not a support service this app knows",
        ),
    ] {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("pin", typed)
            .finish();
        let (status, _, html) = get(&lens, &format!("/join?{query}"), IPHONE).await;
        assert_eq!(status, 422, "{typed}");
        assert!(html.contains(message), "{typed}: {html}");
    }
    // What was typed is echoed back escaped.
    let (_, _, html) = get(&lens, "/join?pin=%3Cscript%3E", IPHONE).await;
    assert!(!html.contains("<script>") && html.contains("&lt;script&gt;"));
}
