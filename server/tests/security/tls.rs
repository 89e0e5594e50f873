//! Finding 4, the direct set-up: built-in TLS from certificate files, for a server that faces
//! the internet without a proxy. The console cookie is Secure, HSTS is sent, plain HTTP is
//! not served on the TLS port, and the customer's WebSocket works over it.

use std::sync::Arc;
use std::time::Duration;

use lens_server::net::tls::{TlsFiles, TlsSource};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::common::{TESS_EMAIL, TESS_PASSWORD, TestServer};

struct SelfSigned {
    pem: String,
    der: CertificateDer<'static>,
}

/// A certificate for 127.0.0.1 and localhost, written where the server's flags would point.
fn self_signed(dir: &std::path::Path) -> (TlsFiles, SelfSigned) {
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()])
        .expect("a self-signed certificate");
    let files = TlsFiles {
        cert: dir.join("fullchain.pem"),
        key: dir.join("privkey.pem"),
    };
    std::fs::write(&files.cert, made.cert.pem()).unwrap();
    std::fs::write(&files.key, made.signing_key.serialize_pem()).unwrap();
    let certificate = SelfSigned {
        pem: made.cert.pem(),
        der: made.cert.der().clone(),
    };
    (files, certificate)
}

async fn tls_server() -> (TestServer, SelfSigned) {
    let dir = std::env::temp_dir().join(format!(
        "lens-tls-{}-{}",
        std::process::id(),
        lens_server::tokens::random_id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let (files, certificate) = self_signed(&dir);
    let server =
        TestServer::start_with(move |config| config.tls = Some(TlsSource::Files(files))).await;
    (server, certificate)
}

fn trusting(certificate: &SelfSigned) -> reqwest::Client {
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(certificate.pem.as_bytes()).unwrap())
        .timeout(Duration::from_secs(5))
        .cookie_store(true)
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_console_is_served_over_tls_with_a_secure_cookie_and_hsts() {
    let (server, certificate) = tls_server().await;
    assert!(
        server.url.starts_with("https://127.0.0.1:"),
        "{}",
        server.url
    );
    let http = trusting(&certificate);
    let login = http
        .post(format!("{}/api/login", server.url))
        .json(&json!({ "email": TESS_EMAIL, "password": TESS_PASSWORD }))
        .send()
        .await
        .expect("HTTPS request");
    assert_eq!(login.status(), 200);
    let cookie = login.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("Secure"), "{cookie}");
    let console = http
        .get(format!("{}/console", server.url))
        .send()
        .await
        .unwrap();
    let hsts = console
        .headers()
        .get("strict-transport-security")
        .expect("HSTS over https")
        .to_str()
        .unwrap();
    assert!(hsts.contains("max-age="), "{hsts}");
}

#[tokio::test]
async fn plain_http_is_not_served_on_the_tls_port() {
    let (server, _) = tls_server().await;
    let mut stream = tokio::net::TcpStream::connect(server.server().local_addr())
        .await
        .unwrap();
    stream
        .write_all(b"GET /api/health HTTP/1.1\r\nHost: lens\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    assert!(
        !String::from_utf8_lossy(&answer).contains("ok"),
        "a plaintext request must not be answered"
    );
}

#[tokio::test]
async fn a_customer_joins_and_opens_its_socket_over_tls() {
    let (server, certificate) = tls_server().await;
    let tess = crate::common::Technician::login_through(
        &server.url,
        TESS_EMAIL,
        TESS_PASSWORD,
        trusting(&certificate),
    )
    .await;
    let (pin, _) = tess.new_pin("Carla").await;
    let joined: serde_json::Value = trusting(&certificate)
        .post(format!("{}/api/customer/join", server.url))
        .json(&json!({ "pin": pin }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = joined["customer_token"].as_str().expect("joined");
    // The customer's WebSocket, over TLS that trusts only this certificate.
    let mut roots = tokio_rustls::rustls::RootCertStore::empty();
    roots.add(certificate.der.clone()).unwrap();
    let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(Arc::new(
        tokio_rustls::rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let address = server.server().local_addr();
    let tcp = tokio::net::TcpStream::connect(address).await.unwrap();
    let tls = TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from("127.0.0.1").unwrap(), tcp)
        .await
        .expect("TLS handshake");
    let request = format!(
        "wss://127.0.0.1:{}{}?token={token}",
        address.port(),
        lens_core::signal::CUSTOMER_WS_PATH
    )
    .into_client_request()
    .unwrap();
    let (mut socket, response) = tokio_tungstenite::client_async(request, tls)
        .await
        .expect("WebSocket over TLS");
    assert_eq!(response.status(), 101);
    use futures_util::StreamExt;
    let first = tokio::time::timeout(Duration::from_secs(5), socket.next())
        .await
        .expect("a message")
        .expect("a frame")
        .unwrap();
    assert!(first.to_text().unwrap().contains("welcome"), "{first:?}");
}
