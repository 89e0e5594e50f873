//! Finding 4, the direct set-up with ACME: the server orders its own certificate from a real
//! ACME CA, Pebble (Let's Encrypt's test CA, built by `make deps`), answers the CA's
//! TLS-ALPN-01 challenge on its own TLS port, and then serves the console with the
//! certificate it was issued. Pebble resolves the domain through pebble-challtestsrv, whose
//! DNS answers 127.0.0.1 for every name.

use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use lens_server::net::acme::AcmeSettings;
use lens_server::net::tls::TlsSource;

use crate::common::TestServer;

/// The domain the certificate is ordered for.
const DOMAIN: &str = "support.lens.test";

fn go_bin(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/.go/bin")
        .join(name);
    assert!(
        path.exists(),
        "{} is missing: `make deps` builds Pebble for this test",
        path.display()
    );
    path
}

fn free_tcp_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Child processes killed on drop.
struct Processes(Vec<Child>);

impl Drop for Processes {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

struct Pebble {
    _processes: Processes,
    directory: String,
    /// Pebble's own HTTPS certificate (what the server must trust for the directory).
    https_ca: PathBuf,
    management: String,
}

/// Pebble on loopback, validating challenges against `tls_port`. Ports are picked free and
/// then handed to Pebble, so another test can take one in between; a start that exits is
/// retried with fresh ports, and a start that fails three times reports what Pebble said.
async fn start_pebble(dir: &Path, tls_port: u16) -> Pebble {
    let mut said = String::new();
    for attempt in 1..=3 {
        match try_start_pebble(dir, tls_port, attempt).await {
            Ok(pebble) => return pebble,
            Err(output) => said.push_str(&format!("attempt {attempt}: {output}\n")),
        }
    }
    panic!("pebble did not start:\n{said}");
}

async fn try_start_pebble(dir: &Path, tls_port: u16, attempt: u32) -> Result<Pebble, String> {
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into()]).unwrap();
    let https_ca = dir.join("pebble-https.pem");
    std::fs::write(&https_ca, made.cert.pem()).unwrap();
    std::fs::write(
        dir.join("pebble-https.key"),
        made.signing_key.serialize_pem(),
    )
    .unwrap();
    let (acme_port, management_port, dns_port) =
        (free_tcp_port(), free_tcp_port(), free_udp_port());
    let config = serde_json::json!({ "pebble": {
        "listenAddress": format!("127.0.0.1:{acme_port}"),
        "managementListenAddress": format!("127.0.0.1:{management_port}"),
        "certificate": dir.join("pebble-https.pem"),
        "privateKey": dir.join("pebble-https.key"),
        "httpPort": free_tcp_port(),
        "tlsPort": tls_port,
        "ocspResponderURL": "",
        "externalAccountBindingRequired": false,
    }});
    std::fs::write(dir.join("pebble.json"), config.to_string()).unwrap();
    let log_to = |command: &mut Command, name: &str| {
        let log = std::fs::File::create(dir.join(format!("{name}-{attempt}.log"))).unwrap();
        command.stdout(log.try_clone().unwrap()).stderr(log);
    };
    let mut dns = Command::new(go_bin("pebble-challtestsrv"));
    dns.args(["-defaultIPv4", "127.0.0.1", "-defaultIPv6", ""])
        .args(["-dnsserver", &format!("127.0.0.1:{dns_port}")])
        .args(["-management", &format!("127.0.0.1:{}", free_tcp_port())])
        .args(["-http01", "", "-https01", "", "-tlsalpn01", "", "-doh", ""]);
    log_to(&mut dns, "challtestsrv");
    let dns = dns.spawn().expect("pebble-challtestsrv runs");
    let mut pebble = Command::new(go_bin("pebble"));
    pebble
        .arg("-config")
        .arg(dir.join("pebble.json"))
        .args(["-dnsserver", &format!("127.0.0.1:{dns_port}")])
        // No random wait before validating, and no nonces refused on purpose: this test
        // is about the server's ACME flow, not about a client's retries.
        .env("PEBBLE_VA_NOSLEEP", "1")
        .env("PEBBLE_WFE_NONCEREJECT", "0");
    log_to(&mut pebble, "pebble");
    let pebble = pebble.spawn().expect("pebble runs");
    let mut processes = Processes(vec![dns, pebble]);
    let address: SocketAddr = format!("127.0.0.1:{acme_port}").parse().unwrap();
    let started = Instant::now();
    while tokio::net::TcpStream::connect(address).await.is_err() {
        let exited = processes
            .0
            .iter_mut()
            .any(|child| matches!(child.try_wait(), Ok(Some(_))));
        if exited || started.elapsed() > Duration::from_secs(30) {
            let read = |name: &str| {
                std::fs::read_to_string(dir.join(format!("{name}-{attempt}.log")))
                    .unwrap_or_default()
            };
            return Err(format!(
                "{} after {:?}\npebble: {}\nchalltestsrv: {}",
                if exited { "exited" } else { "no listener" },
                started.elapsed(),
                read("pebble"),
                read("challtestsrv")
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(Pebble {
        _processes: processes,
        directory: format!("https://127.0.0.1:{acme_port}/dir"),
        https_ca,
        management: format!("https://127.0.0.1:{management_port}"),
    })
}

#[tokio::test]
async fn the_server_orders_its_certificate_over_acme_and_serves_with_it() {
    let dir = std::env::temp_dir().join(format!(
        "lens-acme-{}-{}",
        std::process::id(),
        lens_server::tokens::random_id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_tcp_port();
    let pebble = start_pebble(&dir, port).await;
    let cache_dir = dir.join("acme-cache");
    let settings = AcmeSettings {
        domains: vec![DOMAIN.into()],
        contact: vec!["mailto:ops@lens.test".into()],
        cache_dir: cache_dir.clone(),
        directory: pebble.directory.clone(),
        directory_ca: Some(pebble.https_ca.clone()),
    };
    let server = TestServer::start_with(move |config| {
        config.bind = format!("127.0.0.1:{port}").parse().unwrap();
        config.tls = Some(TlsSource::Acme(settings));
    })
    .await;
    assert_eq!(
        server.server().public_url().as_str(),
        format!("https://{DOMAIN}:{port}/"),
        "the public URL is the certificate's name"
    );

    // The root Pebble issues from, as a browser would have it for a real CA.
    let management = reqwest::Client::builder()
        .add_root_certificate(
            reqwest::Certificate::from_pem(&std::fs::read(&pebble.https_ca).unwrap()).unwrap(),
        )
        .build()
        .unwrap();
    let root = management
        .get(format!("{}/roots/0", pebble.management))
        .send()
        .await
        .expect("Pebble's management interface")
        .bytes()
        .await
        .unwrap();
    let browser = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&root).unwrap())
        .resolve(DOMAIN, format!("127.0.0.1:{port}").parse().unwrap())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    // Ordering takes a few round trips and one validation; bounded at 60 s.
    let started = Instant::now();
    let health = loop {
        match browser
            .get(format!("https://{DOMAIN}:{port}/api/health"))
            .send()
            .await
        {
            Ok(response) => break response,
            Err(error) => {
                assert!(
                    started.elapsed() < Duration::from_secs(60),
                    "no certificate from the ACME CA after 60 s: {error:?}"
                );
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
    };
    eprintln!(
        "certificate issued and served after {:?}",
        started.elapsed()
    );
    assert_eq!(health.text().await.unwrap(), "ok");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&cache_dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "the ACME cache holds private keys");
    }
    assert!(
        std::fs::read_dir(&cache_dir).unwrap().count() > 0,
        "the account and certificate are cached for the next start"
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
