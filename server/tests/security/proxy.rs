//! Finding 4, the proxy set-up: Lens behind a real nginx that terminates the connection and
//! says who its client was in `X-Forwarded-For` (the configuration README.md shows). Before
//! `--trusted-proxy`, every client had the proxy's address, so five wrong PINs from anyone
//! locked every customer out for 15 minutes.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use lens_core::signal::{CustomerMessage, JoinResponse, ServerToCustomer};
use serde_json::json;

use crate::common::{Socket, TestServer};
use crate::support::client_from;

/// Debian's nginx (installed by `make deps`).
const NGINX: &str = "/usr/sbin/nginx";

/// nginx in the foreground with its files in a temporary directory; stopped on drop.
struct Nginx {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The `location` block README.md's deployment section shows.
fn proxy_config(upstream: &str) -> String {
    format!(
        r#"
        location / {{
            proxy_pass {upstream};
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_read_timeout 120s;
        }}"#
    )
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Nginx {
    async fn start(upstream: &str) -> Nginx {
        assert!(
            Path::new(NGINX).exists(),
            "{NGINX} is missing: `make deps` installs Debian's nginx for this test"
        );
        let dir = std::env::temp_dir().join(format!(
            "lens-nginx-{}-{}",
            std::process::id(),
            lens_server::tokens::random_id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let port = free_port();
        let d = dir.display();
        let config = format!(
            r#"
daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    server {{
        listen 127.0.0.1:{port};
        {location}
    }}
}}
"#,
            location = proxy_config(upstream)
        );
        std::fs::write(dir.join("nginx.conf"), config).unwrap();
        let child = Command::new(NGINX)
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx runs");
        let nginx = Nginx { child, dir, port };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return nginx;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "nginx did not start: {}",
            std::fs::read_to_string(nginx.dir.join("error.log")).unwrap_or_default()
        );
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

async fn join_from(client: &reqwest::Client, base: &str, pin: &str, spoof: Option<&str>) -> u16 {
    let mut request = client
        .post(format!("{base}/api/customer/join"))
        .json(&json!({ "pin": pin }));
    if let Some(claimed) = spoof {
        request = request.header("X-Forwarded-For", claimed);
    }
    request
        .send()
        .await
        .expect("join through nginx")
        .status()
        .as_u16()
}

#[tokio::test]
async fn behind_nginx_a_guesser_locks_out_only_itself() {
    let server = TestServer::start_with(|config| {
        // nginx reaches Lens from 127.0.0.1; clients come from 127.0.0.2 and up.
        config.trusted_proxies.networks = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let nginx = Nginx::start(&server.url).await;
    let tess = server.tess().await;
    let (pin, _) = tess.new_pin("Carla").await;

    let guesser = client_from(2);
    for _ in 0..5 {
        assert_eq!(join_from(&guesser, &nginx.url(), "000000", None).await, 404);
    }
    assert_eq!(
        join_from(&guesser, &nginx.url(), "000001", None).await,
        429,
        "the guesser is locked out after five wrong PINs"
    );
    // Claiming another address does not help: nginx appends the real one, and only the
    // right-most untrusted hop counts.
    assert_eq!(
        join_from(&guesser, &nginx.url(), "000002", Some("198.51.100.77")).await,
        429,
        "a forged X-Forwarded-For is not believed"
    );

    // Carla, behind the same proxy on another address, joins with her PIN.
    let carla = client_from(3);
    let joined = carla
        .post(format!("{}/api/customer/join", nginx.url()))
        .json(&json!({ "pin": pin }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        joined.status(),
        200,
        "an honest customer behind the proxy joins"
    );
    let joined: JoinResponse = joined.json().await.unwrap();

    // Her WebSocket goes through nginx too (the Upgrade and Connection headers).
    let mut socket =
        Socket::<ServerToCustomer, CustomerMessage>::connect(&nginx.url(), &joined.customer_token)
            .await
            .expect("the customer socket through nginx");
    match socket.recv().await {
        ServerToCustomer::Welcome { session_id, .. } => assert_eq!(session_id, joined.session_id),
        other => panic!("expected welcome, got {other:?}"),
    }
}

#[tokio::test]
async fn without_trust_the_proxy_headers_are_ignored() {
    // A client talking to Lens directly cannot pick its own address with the header.
    let server = TestServer::start().await;
    let client = client_from(4);
    for n in 0..5 {
        let claimed = format!("198.51.100.{n}");
        assert_eq!(
            join_from(&client, &server.url, "000000", Some(&claimed)).await,
            404
        );
    }
    assert_eq!(
        join_from(&client, &server.url, "000000", Some("203.0.113.200")).await,
        429
    );
}
