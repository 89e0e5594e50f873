//! Finding 7: connections that never finish their headers, idle keep-alive connections, and
//! one client holding every connection (or every file descriptor) the server has.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::common::TestServer;
use crate::support::client_from;

/// A TCP connection to `server` from 127.0.0.`n`.
async fn connect_from(n: u8, server: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket
        .bind(SocketAddr::new(IpAddr::V4(Ipv4Addr::new(127, 0, 0, n)), 0))
        .unwrap();
    socket.connect(server).await.expect("TCP connect")
}

/// Whether the server closed the connection (EOF or reset) within `patience`; data it sends
/// first (a 408 answer) is read past.
async fn closed_within(stream: &mut TcpStream, patience: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + patience;
    let mut buffer = [0u8; 1024];
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
        }
    }
}

fn address(server: &TestServer) -> SocketAddr {
    server.server().local_addr()
}

#[tokio::test]
async fn connections_that_trickle_their_headers_are_closed_after_the_header_timeout() {
    let server = TestServer::start_with(|config| {
        config.connection_limits.header_timeout = Duration::from_secs(1);
    })
    .await;
    // The slowloris attack: 50 connections each send a byte of header every 300 ms and
    // never finish. Before the fix they were all still open after 70 s.
    let mut attackers = Vec::new();
    for _ in 0..50 {
        let mut stream = connect_from(2, address(&server)).await;
        stream
            .write_all(b"GET /api/health HTTP/1.1\r\nHost: lens\r\n")
            .await
            .unwrap();
        attackers.push(stream);
    }
    let trickle = async {
        for _ in 0..10 {
            tokio::time::sleep(Duration::from_millis(300)).await;
            for stream in &mut attackers {
                let _ = stream.write_all(b"X").await;
            }
        }
    };
    trickle.await;
    let mut still_open = 0;
    for stream in &mut attackers {
        if !closed_within(stream, Duration::from_secs(2)).await {
            still_open += 1;
        }
    }
    assert_eq!(
        still_open, 0,
        "connections with unfinished headers must be closed after the 1 s header timeout"
    );
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let server = TestServer::start_with(|config| {
        config.connection_limits.header_timeout = Duration::from_secs(1);
    })
    .await;
    let mut stream = connect_from(2, address(&server)).await;
    stream
        .write_all(b"GET /api/health HTTP/1.1\r\nHost: lens\r\n\r\n")
        .await
        .unwrap();
    let mut answer = [0u8; 512];
    let read = stream.read(&mut answer).await.unwrap();
    assert!(
        String::from_utf8_lossy(&answer[..read]).starts_with("HTTP/1.1 200"),
        "the request itself is answered"
    );
    assert!(
        closed_within(&mut stream, Duration::from_secs(4)).await,
        "a keep-alive connection left idle is closed after the header timeout"
    );
}

#[tokio::test]
async fn one_address_cannot_hold_every_connection() {
    let server = TestServer::start_with(|config| {
        config.connection_limits.max_per_address = 20;
        config.connection_limits.header_timeout = Duration::from_secs(30);
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..60 {
        held.push(connect_from(2, address(&server)).await);
    }
    // Past its 20, the attacker's connections are closed at once, before a byte is read.
    let mut refused = 0;
    for stream in held.iter_mut().skip(20) {
        if closed_within(stream, Duration::from_secs(2)).await {
            refused += 1;
        }
    }
    assert_eq!(
        refused, 40,
        "connections over the per-address cap are refused"
    );
    // Someone else is served at once.
    let started = Instant::now();
    let health = client_from(3)
        .get(format!("{}/api/health", server.url))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .expect("another client is served");
    assert_eq!(health.status(), 200);
    eprintln!("another client served in {:?}", started.elapsed());
    // And a closed connection gives its place back.
    held.truncate(19);
    let mut again = connect_from(2, address(&server)).await;
    again
        .write_all(b"GET /api/health HTTP/1.1\r\nHost: lens\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    again.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// The real binary under `ulimit -n 256`, killed on drop.
/// (The directory is removed when the server is gone.)
struct Limited(Child, #[allow(dead_code)] tempdir::Dir);

mod tempdir {
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl Drop for Limited {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve_with_fd_limit(limit: u32) -> (Limited, SocketAddr) {
    use std::io::BufRead;
    let dir = std::env::temp_dir().join(format!("lens-fd-limit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let database = format!("sqlite://{}?mode=rwc", dir.join("lens.db").display());
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -n {limit} && exec \"$0\" serve --bind 127.0.0.1:0 --database \"$1\" --header-timeout-secs 30"
        ))
        .arg(env!("CARGO_BIN_EXE_lens-server"))
        .arg(&database)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("lens-server runs");
    let stdout = child.stdout.take().unwrap();
    let mut lines = std::io::BufReader::new(stdout).lines();
    let address = loop {
        let line = lines
            .next()
            .expect("the server prints its address")
            .unwrap();
        if let Some(url) = line.strip_prefix("Lens server listening on http://") {
            break url.parse().expect("an address");
        }
    };
    (Limited(child, tempdir::Dir(dir)), address)
}

#[tokio::test]
async fn three_hundred_silent_connections_do_not_use_up_the_file_descriptors() {
    // Before the fix, 300 silent connections under `ulimit -n 256` made the server
    // unreachable: every accept failed with EMFILE until the attacker let go.
    let (_server, address) = serve_with_fd_limit(256);
    let mut silent = Vec::new();
    for _ in 0..300 {
        match tokio::time::timeout(Duration::from_secs(2), connect_from(2, address)).await {
            Ok(stream) => silent.push(stream),
            Err(_) => break, // the listen backlog is full: that is the attacker's problem
        }
    }
    assert!(silent.len() >= 200, "the attacker opened {}", silent.len());
    let health = client_from(3)
        .get(format!("http://{address}/api/health"))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .expect("an honest client is served while 300 silent connections are open");
    assert_eq!(health.status(), 200);
    drop(silent);
}
