//! `make bench-server`: the server under load, on the database `LENS_BENCH_DATABASE_URL`
//! names (PostgreSQL from tests/pg.sh) or a fresh SQLite file. Three phases, each bounded:
//!
//! 1. Wrong vs expired PIN: the time `pins::redeem` takes to refuse each (median, p99 and
//!    their difference) — the answer must not tell an attacker which PINs exist.
//! 2. PIN look-ups per second: a real release `lens-server` on loopback, offered an
//!    open-loop rate of joins with live PINs, stepped up; reports the highest rate whose p99
//!    stays under 20 ms. (Successful joins do not count against the per-address limiter.)
//! 3. Waiting customers held: join, open the customer WebSocket, accept the EULA, keep it
//!    open; up to 10,000; reports the server's RSS at that count.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use lens_core::signal::{CustomerMessage, JoinResponse};
use lens_server::accounts::technicians;
use lens_server::flow::pins;
use lens_server::store;
use tokio_tungstenite::tungstenite::Message as Frame;

const BIN: &str = env!("CARGO_BIN_EXE_lens-server");
const P99_GOAL: Duration = Duration::from_millis(20);
const STEP: Duration = Duration::from_secs(5);
const RATES: &[u32] = &[250, 500, 1000, 2000, 3000, 4000, 6000, 8000];
const CUSTOMERS_GOAL: usize = 10_000;
/// Well under the server's 256 connections per address: a customer's join connection may
/// still be closing when its WebSocket opens.
const CUSTOMERS_PER_ADDRESS: usize = 100;
const PHASE_LIMIT: Duration = Duration::from_secs(60);

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("lens-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let url = match std::env::var("LENS_BENCH_DATABASE_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => format!("sqlite://{}?mode=rwc", dir.join("lens.db").display()),
    };
    let engine = if url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!("== lens-server benchmarks on {engine} ==");
    let pool = store::open(&url).await?;
    technicians::upsert(
        &pool,
        "bench@example.com",
        "Bench Technician",
        "bench password",
    )
    .await?;
    let technician: i64 = sqlx::query_scalar("SELECT id FROM technicians WHERE email = $1")
        .bind("bench@example.com")
        .fetch_one(&pool)
        .await?;

    wrong_vs_expired(&pool, technician).await?;

    let mut server = Server::start(&url)?;
    let base = server.url.clone();
    let result = async {
        lookups_per_second(&pool, technician, &base).await?;
        waiting_customers(&pool, technician, &base, server.child.id()).await
    }
    .await;
    server.stop();
    pool.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// Phase 1: the same number of wrong and expired look-ups, interleaved.
async fn wrong_vs_expired(pool: &store::Db, technician: i64) -> anyhow::Result<()> {
    const SAMPLES: usize = 2_000;
    let ttl = Duration::from_secs(600);
    let mut expired = Vec::new();
    let long_ago = store::now_ms() - 3_600_000;
    for i in 0..SAMPLES {
        // Issued an hour ago with a ten-minute validity: expired, and remembered for a day.
        expired.push(
            pins::issue(pool, technician, &format!("Expired {i}"), ttl, long_ago)
                .await?
                .pin,
        );
    }
    let taken: std::collections::HashSet<&String> = expired.iter().collect();
    let mut wrong = Vec::new();
    while wrong.len() < SAMPLES {
        let pin = lens_server::tokens::random_pin();
        if !taken.contains(&pin) {
            wrong.push(pin);
        }
    }
    let (mut wrong_times, mut expired_times) = (Vec::new(), Vec::new());
    for i in 0..SAMPLES {
        for (pin, times) in [
            (&wrong[i], &mut wrong_times),
            (&expired[i], &mut expired_times),
        ] {
            let started = Instant::now();
            let outcome = pins::redeem(pool, pin, "unused", ttl, store::now_ms()).await?;
            times.push(started.elapsed());
            assert!(outcome.is_err(), "a refused PIN");
        }
    }
    let (w50, w99) = (
        percentile(&mut wrong_times, 50.0),
        percentile(&mut wrong_times, 99.0),
    );
    let (e50, e99) = (
        percentile(&mut expired_times, 50.0),
        percentile(&mut expired_times, 99.0),
    );
    println!(
        "wrong vs expired PIN, {SAMPLES} each: wrong median {w50:?} p99 {w99:?}; expired median {e50:?} p99 {e99:?}"
    );
    println!(
        "wrong vs expired PIN: difference of medians {:+.1} us, of p99s {:+.1} us",
        (e50.as_secs_f64() - w50.as_secs_f64()) * 1e6,
        (e99.as_secs_f64() - w99.as_secs_f64()) * 1e6
    );
    Ok(())
}

/// Phase 2: open-loop joins at stepped rates.
async fn lookups_per_second(pool: &store::Db, technician: i64, base: &str) -> anyhow::Result<()> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(512)
        .build()?;
    let join_url = Arc::new(format!("{base}/api/customer/join"));
    let phase_started = Instant::now();
    let mut best = None;
    for &rate in RATES {
        if phase_started.elapsed() + STEP > PHASE_LIMIT {
            break;
        }
        let count = (rate as f64 * STEP.as_secs_f64()) as usize;
        let live = issue_pins(pool, technician, count).await?;
        let interval = Duration::from_secs_f64(1.0 / f64::from(rate));
        let started = tokio::time::Instant::now();
        let mut tasks = Vec::with_capacity(count);
        for (i, pin) in live.into_iter().enumerate() {
            tokio::time::sleep_until(started + interval * i as u32).await;
            let (client, join_url) = (client.clone(), join_url.clone());
            tasks.push(tokio::spawn(async move {
                let sent = Instant::now();
                let status = client
                    .post(join_url.as_str())
                    .json(&serde_json::json!({ "pin": pin }))
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                    .unwrap_or(0);
                (sent.elapsed(), status)
            }));
        }
        let mut latencies = Vec::with_capacity(count);
        let mut failed = 0;
        for task in tasks {
            let (latency, status) = task.await?;
            latencies.push(latency);
            failed += usize::from(status != 200);
        }
        let achieved = count as f64 / started.elapsed().as_secs_f64();
        let (p50, p99) = (
            percentile(&mut latencies, 50.0),
            percentile(&mut latencies, 99.0),
        );
        let ok = p99 < P99_GOAL && failed == 0;
        println!(
            "PIN look-ups offered {rate}/s: achieved {achieved:.0}/s, median {p50:?}, p99 {p99:?}, non-200 {failed} -> {}",
            if ok { "meets p99 < 20 ms" } else { "misses" }
        );
        if !ok {
            break;
        }
        best = Some(rate);
    }
    match best {
        Some(rate) => println!("PIN look-ups per second with p99 < 20 ms: {rate}"),
        None => println!(
            "PIN look-ups per second with p99 < 20 ms: below {}",
            RATES[0]
        ),
    }
    Ok(())
}

async fn issue_pins(
    pool: &store::Db,
    technician: i64,
    count: usize,
) -> anyhow::Result<Vec<String>> {
    let ttl = Duration::from_secs(600);
    let mut issuing = tokio::task::JoinSet::new();
    let per_task = count.div_ceil(8);
    for task in 0..8 {
        let pool = pool.clone();
        let n = per_task.min(count.saturating_sub(task * per_task));
        issuing.spawn(async move {
            let mut pins = Vec::with_capacity(n);
            for i in 0..n {
                pins.push(
                    pins::issue(
                        &pool,
                        technician,
                        &format!("Load {task}-{i}"),
                        ttl,
                        store::now_ms(),
                    )
                    .await?
                    .pin,
                );
            }
            anyhow::Ok(pins)
        });
    }
    let mut all = Vec::with_capacity(count);
    while let Some(pins) = issuing.join_next().await {
        all.extend(pins??);
    }
    Ok(all)
}

/// Phase 3: customers who joined, accepted the EULA and wait on their WebSocket.
async fn waiting_customers(
    pool: &store::Db,
    technician: i64,
    base: &str,
    server_pid: u32,
) -> anyhow::Result<()> {
    let phase_started = Instant::now();
    let ws_base = base.replacen("http", "ws", 1);
    let server_addr: std::net::SocketAddr = base.trim_start_matches("http://").parse()?;
    let mut sockets = Vec::with_capacity(CUSTOMERS_GOAL);
    // Each customer's `POST /join`, and join → socket welcomed → EULA sent, while the
    // customers before them wait on their sockets.
    let (mut join_times, mut waiting_times) = (Vec::new(), Vec::new());
    let rss_before = rss_kib(server_pid);
    'outer: while sockets.len() < CUSTOMERS_GOAL {
        let batch = issue_pins(pool, technician, 500.min(CUSTOMERS_GOAL - sockets.len())).await?;
        let mut joining = tokio::task::JoinSet::new();
        for pin in batch {
            // Customers come from many addresses, and the server holds at most 256
            // connections per address: each group of CUSTOMERS_PER_ADDRESS gets a loopback
            // address of its own (all of 127/8 is loopback).
            let group = sockets.len() + joining.len();
            let local = std::net::Ipv4Addr::new(
                127,
                1,
                (group / CUSTOMERS_PER_ADDRESS / 250) as u8,
                (group / CUSTOMERS_PER_ADDRESS % 250 + 1) as u8,
            );
            let client = reqwest::Client::builder()
                .local_address(std::net::IpAddr::V4(local))
                .build()?;
            let (base, ws_base) = (base.to_owned(), ws_base.clone());
            joining.spawn(async move {
                let started = Instant::now();
                let joined: JoinResponse = client
                    .post(format!("{base}/api/customer/join"))
                    .json(&serde_json::json!({ "pin": pin }))
                    .send()
                    .await?
                    .error_for_status()?
                    .json()
                    .await?;
                let join_took = started.elapsed();
                drop(client); // its pooled HTTP connection counts against the address too
                let tcp = tokio::net::TcpSocket::new_v4()?;
                tcp.bind(std::net::SocketAddr::new(std::net::IpAddr::V4(local), 0))?;
                let stream = tcp.connect(server_addr).await?;
                let (mut socket, _) = tokio_tungstenite::client_async(
                    format!("{ws_base}/api/customer/ws?token={}", joined.customer_token),
                    tokio_tungstenite::MaybeTlsStream::Plain(stream),
                )
                .await?;
                socket.next().await; // Welcome
                let accept = CustomerMessage::EulaAccepted {
                    version: joined.eula.version,
                };
                socket
                    .send(Frame::text(lens_core::signal::encode(&accept)))
                    .await?;
                anyhow::Ok((socket, join_took, started.elapsed()))
            });
        }
        while let Some(socket) = joining.join_next().await {
            match socket? {
                Ok((socket, join_took, waiting_took)) => {
                    sockets.push(socket);
                    join_times.push(join_took);
                    waiting_times.push(waiting_took);
                }
                Err(error) => {
                    println!(
                        "waiting customers: stopped at {} ({error:#})",
                        sockets.len()
                    );
                    break 'outer;
                }
            }
        }
        if phase_started.elapsed() > PHASE_LIMIT {
            println!("waiting customers: time limit reached");
            break;
        }
    }
    // Let the server settle (EULA acceptances written, lists sent) before reading its memory.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let waiting: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE status = 'waiting'")
        .fetch_one(pool)
        .await?;
    let rss = rss_kib(server_pid);
    println!(
        "waiting customers held on WebSockets: {} open ({waiting} Waiting in the database) in {:.1} s; server RSS {:.1} MiB (idle {:.1} MiB), {:.1} KiB per customer",
        sockets.len(),
        phase_started.elapsed().as_secs_f64(),
        rss as f64 / 1024.0,
        rss_before as f64 / 1024.0,
        (rss - rss_before) as f64 / sockets.len().max(1) as f64
    );
    println!(
        "while they wait, joins in batches of 500 at once: POST /join median {:?}, p99 {:?}; join to socket welcomed and EULA sent median {:?}, p99 {:?}",
        percentile(&mut join_times, 50.0),
        percentile(&mut join_times, 99.0),
        percentile(&mut waiting_times, 50.0),
        percentile(&mut waiting_times, 99.0)
    );
    Ok(())
}

fn rss_kib(pid: u32) -> i64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort_unstable();
    let index = ((p / 100.0) * (samples.len() as f64 - 1.0)).round() as usize;
    samples.get(index).copied().unwrap_or_default()
}

struct Server {
    child: Child,
    url: String,
}

impl Server {
    fn start(database: &str) -> anyhow::Result<Server> {
        let mut child = Command::new(BIN)
            .args(["serve", "--bind", "127.0.0.1:0", "--database", database])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
        let url = loop {
            let line = lines
                .next()
                .ok_or_else(|| anyhow::anyhow!("lens-server exited"))??;
            if let Some(url) = line.strip_prefix("Lens server listening on ") {
                break url.to_owned();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Ok(Server { child, url })
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
