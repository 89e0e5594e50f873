//! A stand-in Lens server for the engine's driver tests: it answers the PIN look-up over
//! HTTP and relays the customer's WebSocket, speaking the protocol's JSON on a loopback
//! socket as a real (or a newer) server would.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use lens_core::eula::{EulaStore, EulaStoreError};
use lens_core::session::{SessionEvent, SessionState};
use lens_core::signal::{CustomerMessage, Eula, JoinResponse, decode};
use lens_engine::media::MediaConfig;
use lens_engine::{Engine, EngineConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

/// The token the stand-in hands out: distinctive, so a test can look for it in logs.
pub const CUSTOMER_TOKEN: &str = "tok-Zq81vX3mKp";

/// A stand-in server running on loopback.
pub struct Server {
    pub url: url::Url,
    /// Every text frame the customer sent.
    pub from_customer: mpsc::UnboundedReceiver<String>,
    /// Frames to send the customer as they are.
    pub to_customer: mpsc::UnboundedSender<String>,
}

pub async fn start_server() -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = url::Url::parse(&format!("http://{}", listener.local_addr().unwrap())).unwrap();
    let (from_customer_tx, from_customer) = mpsc::unbounded_channel();
    let (to_customer, to_customer_rx) = mpsc::unbounded_channel();
    tokio::spawn(stand_in_server(listener, from_customer_tx, to_customer_rx));
    Server {
        url,
        from_customer,
        to_customer,
    }
}

/// An engine joined to a fresh stand-in server.
pub struct StandIn {
    pub engine: Engine,
    pub from_customer: mpsc::UnboundedReceiver<String>,
    pub to_customer: mpsc::UnboundedSender<String>,
}

pub async fn engine_with_stand_in() -> StandIn {
    engine_with_stand_in_configured(|_| {}).await
}

/// [`engine_with_stand_in`], with the app's settings changed by `configure` first.
pub async fn engine_with_stand_in_configured(configure: impl FnOnce(&mut EngineConfig)) -> StandIn {
    let Server {
        url,
        from_customer,
        to_customer,
    } = start_server().await;
    let media = MediaConfig {
        bind_ip: "127.0.0.1".parse().unwrap(),
        ..MediaConfig::default()
    };
    let mut config = EngineConfig::new(url, &[], media).unwrap();
    configure(&mut config);
    let engine = Engine::start(config, Arc::new(MemoryStore::default()));
    StandIn {
        engine,
        from_customer,
        to_customer,
    }
}

/// Joins with `pin`, accepts the licence and waits for the technician: the customer's side
/// of the flow up to `EulaAccepted` reaching the server. Returns the engine's events.
pub async fn join_and_accept(
    engine: &Engine,
    pin: &str,
    from_customer: &mut mpsc::UnboundedReceiver<String>,
) -> mpsc::UnboundedReceiver<SessionEvent> {
    let mut events = engine.subscribe();
    assert_eq!(next_state(&mut events).await, SessionState::Idle);
    engine.answer_permissions(true, true).unwrap();
    engine.join(pin).unwrap();
    assert_eq!(next_state(&mut events).await, SessionState::ResolvingPin);
    assert!(matches!(
        next_state(&mut events).await,
        SessionState::NeedsEula { .. }
    ));
    engine.accept_eula().unwrap();
    assert!(matches!(
        next_state(&mut events).await,
        SessionState::WaitingForTechnician { .. }
    ));
    assert!(matches!(
        next_from_customer(from_customer).await,
        CustomerMessage::EulaAccepted { .. }
    ));
    events
}

#[derive(Default)]
pub struct MemoryStore(Mutex<Option<String>>);

impl EulaStore for MemoryStore {
    fn load(&self) -> Result<Option<String>, EulaStoreError> {
        Ok(self.0.lock().unwrap().clone())
    }
    fn save(&self, data: String) -> Result<(), EulaStoreError> {
        *self.0.lock().unwrap() = Some(data);
        Ok(())
    }
}

/// Answers the PIN look-up over HTTP, then relays the customer's WebSocket: what the test
/// puts in `to_customer` is sent as it is, every text frame from the customer comes out of
/// `from_customer`.
async fn stand_in_server(
    listener: TcpListener,
    from_customer: mpsc::UnboundedSender<String>,
    mut to_customer: mpsc::UnboundedReceiver<String>,
) {
    loop {
        let Ok((mut stream, _)) = listener.accept().await else {
            return;
        };
        let mut first = [0u8; 4];
        if stream.peek(&mut first).await.is_err() {
            continue;
        }
        if &first == b"POST" {
            answer_join(&mut stream).await;
            continue;
        }
        let Ok(socket) = tokio_tungstenite::accept_async(stream).await else {
            continue;
        };
        let (mut sink, mut frames) = socket.split();
        loop {
            tokio::select! {
                frame = frames.next() => match frame {
                    Some(Ok(Message::Text(text))) => { let _ = from_customer.send(text.to_string()); }
                    Some(Ok(_)) => {}
                    _ => break,
                },
                text = to_customer.recv() => match text {
                    Some(text) => { let _ = sink.send(Message::text(text)).await; }
                    None => return,
                },
            }
        }
    }
}

async fn answer_join(stream: &mut TcpStream) {
    // The request is small; read until its body (a JSON PIN) has arrived.
    let mut request = Vec::new();
    let mut buf = [0u8; 2048];
    while !String::from_utf8_lossy(&request).contains("\"pin\"") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let body = serde_json::to_string(&JoinResponse {
        session_id: "s-newer".into(),
        customer_token: CUSTOMER_TOKEN.into(),
        technician_name: "Tess Technician".into(),
        customer_name: "Nina Newer".into(),
        eula: Eula {
            version: "v1".into(),
            text: "You agree.".into(),
        },
    })
    .unwrap();
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

pub async fn next_state(events: &mut mpsc::UnboundedReceiver<SessionEvent>) -> SessionState {
    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), events.recv())
            .await
            .expect("a state change within 10 s")
            .expect("the engine is running");
        if let SessionEvent::StateChanged(state) = event {
            return state;
        }
    }
}

pub async fn next_from_customer(
    from_customer: &mut mpsc::UnboundedReceiver<String>,
) -> CustomerMessage {
    let text = tokio::time::timeout(Duration::from_secs(10), from_customer.recv())
        .await
        .expect("a message from the customer within 10 s")
        .expect("the stand-in server is running");
    decode::<CustomerMessage>(&text).unwrap_or_else(|e| panic!("the customer sent {text}: {e}"))
}
