//! The customer's signalling WebSocket: one task per connection that reports what happens
//! to it as [`SignallingEvent`]s and writes what the driver hands it.
//!
//! A TCP connection whose local address went away (the phone left the Wi-Fi) stays "open"
//! for minutes while everything written to it vanishes. So the socket pings the server
//! every [`KEEPALIVE`] and on demand ([`SignallingConnection::check`]), and reports the
//! connection lost when no frame answers within [`ANSWER_WITHIN`], or at once when the
//! check finds that the address the connection was made from is no longer the device's.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use lens_core::signal::{
    CUSTOMER_WS_PATH, CustomerMessage, MAX_MESSAGE_BYTES, ServerToCustomer, SignalError, decode,
    encode,
};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::network_watch::is_local_address;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use url::Url;

#[derive(Debug)]
pub enum SignallingEvent {
    Connected,
    Message(ServerToCustomer),
    /// A frame the protocol does not know; logged, the connection goes on.
    Invalid(SignalError),
    /// The connection failed or closed.
    Lost(String),
}

/// How often an idle connection proves it is alive.
const KEEPALIVE: Duration = Duration::from_secs(10);
/// How long a ping may go unanswered (by the pong or any other frame). Generous for a mobile
/// link's round trip, short enough that a dead socket is noticed within a handover.
const ANSWER_WITHIN: Duration = Duration::from_secs(3);

/// One signalling connection. Dropping it closes the socket.
pub struct SignallingConnection {
    outgoing: mpsc::UnboundedSender<Outgoing>,
    task: tokio::task::JoinHandle<()>,
}

enum Outgoing {
    Text(String),
    /// Ping now and expect an answer within [`ANSWER_WITHIN`].
    Check,
}

impl SignallingConnection {
    /// Starts connecting; every event is tagged with `id` so the driver can ignore events of a
    /// connection it already replaced.
    pub fn open<T: Send + 'static>(
        server: &Url,
        token: &str,
        id: u64,
        events: mpsc::UnboundedSender<(u64, T)>,
        wrap: fn(SignallingEvent) -> T,
    ) -> SignallingConnection {
        let url = websocket_url(server, token);
        let (outgoing, mut to_send) = mpsc::unbounded_channel::<Outgoing>();
        let task = tokio::spawn(async move {
            let report = |event| {
                let _ = events.send((id, wrap(event)));
            };
            let config = WebSocketConfig::default()
                .max_message_size(Some(MAX_MESSAGE_BYTES * 2))
                .max_frame_size(Some(MAX_MESSAGE_BYTES * 2));
            let socket = match url {
                Ok(url) => {
                    tokio_tungstenite::connect_async_with_config(url.as_str(), Some(config), false)
                        .await
                }
                Err(reason) => return report(SignallingEvent::Lost(reason)),
            };
            let (socket, local_ip) = match socket {
                Ok((socket, _)) => {
                    let local_ip = socket.get_ref().get_ref().local_addr().ok().map(|a| a.ip());
                    (socket, local_ip)
                }
                Err(e) => return report(SignallingEvent::Lost(e.to_string())),
            };
            let (mut sink, mut stream) = socket.split();
            report(SignallingEvent::Connected);
            let mut keepalive = tokio::time::interval_at(Instant::now() + KEEPALIVE, KEEPALIVE);
            keepalive.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            // Set while a ping waits for its answer; any frame from the server clears it.
            let mut answer_by: Option<Instant> = None;
            loop {
                let ping = tokio::select! {
                    frame = stream.next() => {
                        answer_by = None;
                        match frame {
                            Some(Ok(Message::Text(text))) => report(match decode::<ServerToCustomer>(&text) {
                                Ok(message) => SignallingEvent::Message(message),
                                Err(e) => SignallingEvent::Invalid(e),
                            }),
                            Some(Ok(Message::Close(_))) | None => return report(SignallingEvent::Lost("closed by the server".into())),
                            Some(Ok(_)) => {} // pongs, and pings tungstenite answers; binary is not ours
                            Some(Err(e)) => return report(SignallingEvent::Lost(e.to_string())),
                        }
                        false
                    }
                    outgoing = to_send.recv() => match outgoing {
                        Some(Outgoing::Text(text)) => {
                            if let Err(e) = sink.send(Message::text(text)).await {
                                return report(SignallingEvent::Lost(e.to_string()));
                            }
                            false
                        }
                        // A connection from an address this device no longer has is dead:
                        // no need to wait for a ping to go unanswered.
                        Some(Outgoing::Check) if local_ip.is_some_and(|ip| !is_local_address(ip)) => {
                            return report(SignallingEvent::Lost("the network address it used is gone".into()));
                        }
                        Some(Outgoing::Check) => true,
                        // The driver dropped the connection: say goodbye properly.
                        None => { let _ = sink.send(Message::Close(None)).await; return; }
                    },
                    _ = keepalive.tick() => true,
                    _ = sleep_until(answer_by) => {
                        return report(SignallingEvent::Lost(format!(
                            "the server did not answer a ping within {} s", ANSWER_WITHIN.as_secs()
                        )));
                    }
                };
                if ping {
                    if let Err(e) = sink.send(Message::Ping(Default::default())).await {
                        return report(SignallingEvent::Lost(e.to_string()));
                    }
                    answer_by.get_or_insert(Instant::now() + ANSWER_WITHIN);
                }
            }
        });
        SignallingConnection { outgoing, task }
    }

    pub fn send(&self, message: &CustomerMessage) {
        // A closed channel means the task already reported Lost; the session reconnects.
        let _ = self.outgoing.send(Outgoing::Text(encode(message)));
    }

    /// Pings the server now; the connection is reported lost unless something answers
    /// within [`ANSWER_WITHIN`].
    pub fn check(&self) {
        let _ = self.outgoing.send(Outgoing::Check);
    }

    /// Sends what is queued and a close frame, then ends. The returned task finishes once
    /// that is done; await it where the last message matters (a decline, a leave).
    pub fn close(self) -> tokio::task::JoinHandle<()> {
        drop(self.outgoing);
        self.task
    }
}

/// Sleeps until `at`, or forever without one (a branch of `select!` that never fires).
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

fn websocket_url(server: &Url, token: &str) -> Result<Url, String> {
    let mut url = server.join(CUSTOMER_WS_PATH).map_err(|e| e.to_string())?;
    let scheme = match url.scheme() {
        "https" => "wss",
        "http" => "ws",
        other => return Err(format!("unsupported server scheme {other}")),
    };
    url.set_scheme(scheme)
        .map_err(|_| "cannot build the WebSocket URL".to_string())?;
    url.query_pairs_mut().clear().append_pair("token", token);
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An https server's socket is reached over TLS: the first bytes the server sees are a
    /// TLS handshake record (a ClientHello), not an HTTP upgrade request. (Before rustls was
    /// compiled in, a wss:// URL failed at once with "TLS support not compiled in".)
    #[tokio::test]
    async fn an_https_server_is_reached_over_tls() {
        use tokio::io::AsyncReadExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = Url::parse(&format!("https://localhost:{port}/")).unwrap();
        let (events, mut reports) = mpsc::unbounded_channel();
        let _connection = SignallingConnection::open(&server, "t", 1, events, |e| e);
        let (mut accepted, _) = listener.accept().await.unwrap();
        let mut first = [0u8; 3];
        accepted.read_exact(&mut first).await.unwrap();
        assert_eq!(first, [0x16, 0x03, 0x01], "a TLS handshake record");
        drop(accepted);
        // The server hung up mid-handshake: a typed loss, no panic.
        let (_, event) = reports.recv().await.unwrap();
        assert!(matches!(event, SignallingEvent::Lost(_)), "{event:?}");
    }

    #[test]
    fn websocket_url_follows_the_server_scheme() {
        let https = Url::parse("https://lens.example.com/").unwrap();
        assert_eq!(
            websocket_url(&https, "t").unwrap().as_str(),
            "wss://lens.example.com/api/customer/ws?token=t"
        );
        let http = Url::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(
            websocket_url(&http, "a b").unwrap().as_str(),
            "ws://127.0.0.1:8080/api/customer/ws?token=a+b"
        );
    }
}
