//! The customer's signalling WebSocket: one task per connection that reports what happens
//! to it as [`SignallingEvent`]s and writes what the driver hands it.

use futures_util::{SinkExt, StreamExt};
use lens_core::signal::{
    CUSTOMER_WS_PATH, CustomerMessage, MAX_MESSAGE_BYTES, ServerToCustomer, SignalError, decode,
    encode,
};
use tokio::sync::mpsc;
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

/// One signalling connection. Dropping it closes the socket.
pub struct SignallingConnection {
    outgoing: mpsc::UnboundedSender<String>,
    task: tokio::task::JoinHandle<()>,
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
        let (outgoing, mut to_send) = mpsc::unbounded_channel::<String>();
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
            let (mut sink, mut stream) = match socket {
                Ok((socket, _)) => socket.split(),
                Err(e) => return report(SignallingEvent::Lost(e.to_string())),
            };
            report(SignallingEvent::Connected);
            loop {
                tokio::select! {
                    frame = stream.next() => match frame {
                        Some(Ok(Message::Text(text))) => report(match decode::<ServerToCustomer>(&text) {
                            Ok(message) => SignallingEvent::Message(message),
                            Err(e) => SignallingEvent::Invalid(e),
                        }),
                        Some(Ok(Message::Close(_))) | None => return report(SignallingEvent::Lost("closed by the server".into())),
                        Some(Ok(_)) => {} // pings are answered by tungstenite; binary is not ours
                        Some(Err(e)) => return report(SignallingEvent::Lost(e.to_string())),
                    },
                    text = to_send.recv() => match text {
                        Some(text) => if let Err(e) = sink.send(Message::text(text)).await {
                            return report(SignallingEvent::Lost(e.to_string()));
                        },
                        // The driver dropped the connection: say goodbye properly.
                        None => { let _ = sink.send(Message::Close(None)).await; return; }
                    },
                }
            }
        });
        SignallingConnection { outgoing, task }
    }

    pub fn send(&self, message: &CustomerMessage) {
        // A closed channel means the task already reported Lost; the session reconnects.
        let _ = self.outgoing.send(encode(message));
    }

    /// Sends what is queued and a close frame, then ends. The returned task finishes once
    /// that is done; await it where the last message matters (a decline, a leave).
    pub fn close(self) -> tokio::task::JoinHandle<()> {
        drop(self.outgoing);
        self.task
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
