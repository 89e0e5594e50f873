//! Finding 12: the headers a browser gets. Every answer carries a Content-Security-Policy
//! whose `connect-src` is this server only (an injected script cannot open a socket or a
//! request to another host and send PINs there); the pages that show a PIN, and the
//! console, are never stored by a browser or a proxy; over https the browser is told to
//! keep using https (HSTS).

use reqwest::header::HeaderMap;

use crate::common::TestServer;

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .map_or("", |value| value.to_str().unwrap_or(""))
}

/// The sources `connect-src` allows.
fn connect_sources(csp: &str) -> Vec<&str> {
    csp.split(';')
        .map(str::trim)
        .find_map(|directive| directive.strip_prefix("connect-src "))
        .map_or_else(Vec::new, |sources| sources.split_whitespace().collect())
}

async fn get(path_and_query: &str, base: &str) -> (u16, HeaderMap) {
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{base}{path_and_query}"))
        .send()
        .await
        .expect("request");
    (response.status().as_u16(), response.headers().clone())
}

#[tokio::test]
async fn pages_allow_connections_only_to_this_server_and_pin_pages_are_not_stored() {
    let lens = TestServer::start().await;
    let (pin, _) = lens.tess().await.new_pin("Hedda Header").await;

    // Every page that shows a PIN (or the console, which lists them), and a redirect whose
    // address carries one.
    let pin_pages = [
        format!("/{pin}"),
        format!("/join/{pin}"),
        format!("/?code={pin}"),
        "/join".to_owned(),
        "/join?pin=12".to_owned(),
        format!("/join?pin={pin}"),
        "/".to_owned(),
        "/console".to_owned(),
    ];
    for path in &pin_pages {
        let (status, headers) = get(path, &lens.url).await;
        assert!(status < 500, "{path}: {status}");
        let csp = header(&headers, "content-security-policy");
        assert_eq!(connect_sources(csp), ["'self'"], "{path}: CSP {csp:?}");
        assert!(
            csp.contains("frame-ancestors 'none'"),
            "{path}: CSP {csp:?}"
        );
        assert_eq!(header(&headers, "cache-control"), "no-store", "{path}");
        assert_eq!(
            header(&headers, "strict-transport-security"),
            "",
            "{path}: http"
        );
    }
    // Scripts, styles, the API and unknown paths carry the policy too.
    for path in [
        "/assets/main.js",
        "/assets/console.css",
        "/api/health",
        "/api/me",
        "/nope",
    ] {
        let (_, headers) = get(path, &lens.url).await;
        let csp = header(&headers, "content-security-policy");
        assert_eq!(connect_sources(csp), ["'self'"], "{path}: CSP {csp:?}");
    }
}

#[tokio::test]
async fn a_server_with_an_https_public_url_sends_hsts() {
    let lens = TestServer::start_with(|config| {
        config.public_url = Some("https://lens.example".parse().unwrap());
    })
    .await;
    for path in ["/console", "/join", "/api/health"] {
        let (_, headers) = get(path, &lens.url).await;
        let hsts = header(&headers, "strict-transport-security");
        assert!(hsts.starts_with("max-age="), "{path}: {hsts:?}");
        let max_age: u64 = hsts["max-age=".len()..]
            .split(';')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(max_age >= 180 * 24 * 3600, "{path}: {hsts:?}");
    }
}
