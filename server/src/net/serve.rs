//! The accept loop: every TCP connection is counted against a total and a per-address cap
//! before anything is read from it, gets a bounded time for its TLS handshake and for each
//! request's headers (also the idle time between keep-alive requests), and is then served
//! as HTTP/1.1 with WebSocket upgrades.
//!
//! `axum::serve` has none of these bounds: 500 connections that never finish their headers
//! were held for as long as the clients liked, and 300 silent ones exhausted a 256-file
//! descriptor limit, making the server unreachable for everyone.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, watch};
use tower::ServiceExt;

use crate::net::client_addr::{TrustedProxies, bucket};
use crate::net::tls::Acceptor;
use crate::state::until_shutdown;

/// The bounds on connections, from `Config`.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// Whole headers (and a TLS handshake) must arrive within this; it is also how long an
    /// idle keep-alive connection is kept. WebSockets are not affected once upgraded: their
    /// keep-alive (ws.rs) notices a silent peer.
    pub header_timeout: Duration,
    /// Connections open at once, WebSockets included. Lowered at start to what the process's
    /// file-descriptor limit can hold.
    pub max_connections: usize,
    /// Connections open at once from one client (an IPv4 address or an IPv6 /64). Trusted
    /// proxies are exempt: all clients arrive through them.
    pub max_per_address: usize,
}

impl Default for ConnectionLimits {
    fn default() -> ConnectionLimits {
        ConnectionLimits {
            header_timeout: Duration::from_secs(10),
            // 10,000 waiting customers (make bench-server) with room for their technicians.
            max_connections: 20_000,
            // Generous for an office or a carrier-grade NAT full of customers, small next to
            // the total.
            max_per_address: 256,
        }
    }
}

/// File descriptors kept back from the connection cap: the database, its journal, logs,
/// outgoing SMTP connections, and accepting (then refusing) one more connection.
const RESERVED_FDS: usize = 64;

/// Serves `app` on `listener` until shutdown, then waits for open connections to close.
pub async fn run(
    listener: TcpListener,
    app: Router,
    tls: Option<Acceptor>,
    limits: ConnectionLimits,
    trusted: TrustedProxies,
    mut shutdown: watch::Receiver<bool>,
) -> io::Result<()> {
    let max_connections = limits.max_connections.min(usable_file_descriptors());
    // However the caps are set, one client never holds more than a quarter of the whole.
    let max_per_address = limits.max_per_address.min((max_connections / 4).max(1));
    tracing::info!(
        max_connections,
        max_per_address,
        header_timeout_ms = limits.header_timeout.as_millis() as u64,
        tls = tls.is_some(),
        "accepting connections"
    );
    let tracker = Arc::new(Tracker::new(max_connections, max_per_address, trusted));
    // Every connection holds a clone of `open`; when the last one is gone, `closed` ends.
    let (open, mut closed) = mpsc::channel::<()>(1);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let Some(permit) = tracker.admit(peer.ip()) else {
                        // Closed at once, before reading a byte: the cheapest refusal.
                        drop(stream);
                        continue;
                    };
                    let connection = Connection {
                        app: app.clone(),
                        peer,
                        permit: Permit { _slot: permit, _open: open.clone() },
                        header_timeout: limits.header_timeout,
                        shutdown: shutdown.clone(),
                    };
                    tokio::spawn(connection.serve(stream, tls.clone()));
                }
                Err(error) => accept_failed(error).await,
            },
            () = until_shutdown(&mut shutdown) => break,
        }
    }
    drop(listener);
    drop(open);
    let _ = closed.recv().await;
    Ok(())
}

/// Out of file descriptors or memory, the error repeats until connections close: wait a
/// little instead of spinning. Errors of one connection (reset before accept) are its own.
async fn accept_failed(error: io::Error) {
    use io::ErrorKind::*;
    if matches!(
        error.kind(),
        ConnectionAborted | ConnectionReset | ConnectionRefused | Interrupted
    ) {
        return;
    }
    tracing::warn!(%error, "accepting a connection failed");
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// Raises the soft file-descriptor limit to the hard one, and returns how many connections
/// fit under it.
fn usable_file_descriptors() -> usize {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit/setrlimit only read and write the struct passed to them.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
                return usize::MAX;
            }
            if limit.rlim_cur < limit.rlim_max {
                let raised = libc::rlimit {
                    rlim_cur: limit.rlim_max,
                    rlim_max: limit.rlim_max,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                    limit = raised;
                }
            }
        }
        usize::try_from(limit.rlim_cur)
            .unwrap_or(usize::MAX)
            .saturating_sub(RESERVED_FDS)
            .max(1)
    }
    #[cfg(not(unix))]
    {
        usize::MAX
    }
}

/// One accepted connection, before and after its TLS handshake.
struct Connection {
    app: Router,
    peer: SocketAddr,
    permit: Permit,
    header_timeout: Duration,
    shutdown: watch::Receiver<bool>,
}

impl Connection {
    async fn serve(self, stream: TcpStream, tls: Option<Acceptor>) {
        // Signalling messages are small and latency matters more than packing them.
        let _ = stream.set_nodelay(true);
        match tls {
            None => self.http(stream).await,
            Some(acceptor) => {
                match tokio::time::timeout(self.header_timeout, acceptor.accept(stream)).await {
                    Ok(Ok(Some(stream))) => self.http(stream).await,
                    Ok(Ok(None)) => tracing::info!("answered an ACME challenge"),
                    Ok(Err(error)) => tracing::debug!(%error, "TLS handshake failed"),
                    Err(_) => tracing::debug!("TLS handshake timed out"),
                }
            }
        }
    }

    async fn http<S>(self, stream: S)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let Connection {
            app,
            peer,
            permit,
            header_timeout,
            mut shutdown,
        } = self;
        let app = app.map_request(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            request
        });
        // The permit travels with the stream, into a WebSocket after an upgrade, so a
        // connection counts until its socket is really closed.
        let io = TokioIo::new(Counted {
            stream,
            _permit: permit,
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            .serve_connection(io, TowerToHyperService::new(app))
            .with_upgrades();
        tokio::pin!(connection);
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(%error, "connection ended with an error");
                }
            }
            () = until_shutdown(&mut shutdown) => {
                connection.as_mut().graceful_shutdown();
                let _ = connection.await;
            }
        }
    }
}

/// Counts open connections, in total and per client.
struct Tracker {
    total: Arc<Semaphore>,
    per_address: Mutex<HashMap<IpAddr, usize>>,
    max_per_address: usize,
    trusted: TrustedProxies,
}

impl Tracker {
    fn new(max_total: usize, max_per_address: usize, trusted: TrustedProxies) -> Tracker {
        Tracker {
            total: Arc::new(Semaphore::new(max_total.min(Semaphore::MAX_PERMITS))),
            per_address: Mutex::new(HashMap::new()),
            max_per_address,
            trusted,
        }
    }

    /// A permit for one more connection from `peer`, or None if a cap is reached.
    fn admit(self: &Arc<Tracker>, peer: IpAddr) -> Option<ConnectionSlot> {
        let total = self.total.clone().try_acquire_owned().ok()?;
        let address = if self.trusted.trusts(peer) {
            None
        } else {
            let key = bucket(peer);
            let mut counts = self.per_address.lock().expect("connection counts");
            let count = counts.entry(key).or_default();
            if *count >= self.max_per_address {
                return None;
            }
            *count += 1;
            Some(key)
        };
        Some(ConnectionSlot {
            _total: total,
            address,
            tracker: self.clone(),
        })
    }
}

/// One open connection's place in the counts; given back when dropped.
struct ConnectionSlot {
    _total: OwnedSemaphorePermit,
    address: Option<IpAddr>,
    tracker: Arc<Tracker>,
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let Some(address) = self.address else {
            return;
        };
        let mut counts = self.tracker.per_address.lock().expect("connection counts");
        if let Some(count) = counts.get_mut(&address) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&address);
            }
        }
    }
}

/// What a connection holds while open: its slot, and a handle that keeps shutdown waiting.
struct Permit {
    _slot: ConnectionSlot,
    _open: mpsc::Sender<()>,
}

/// A stream that holds its connection's permit until it is dropped.
struct Counted<S> {
    stream: S,
    _permit: Permit,
}

impl<S: AsyncRead + Unpin> AsyncRead for Counted<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Counted<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}
