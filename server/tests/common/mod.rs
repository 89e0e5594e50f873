//! A real server on 127.0.0.1 with a fresh database (SQLite, or PostgreSQL: see `database.rs`), and the three parties that talk
//! to it: the technician's browser (HTTP with the cookie, and the console WebSocket), and
//! the customer app (join over HTTP, then its WebSocket).
#![allow(dead_code)] // each test file uses a different part of this

pub mod database;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use lens_core::signal::{
    self, CollaboratorMessage, CustomerMessage, JoinResponse, Message, ServerToCollaborator,
    ServerToCustomer, ServerToTechnician, SessionStatus, SessionSummary, TechnicianMessage,
};
use lens_server::{Config, Server};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{self, Message as Frame};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const TESS_EMAIL: &str = "tess@example.com";
pub const TESS_NAME: &str = "Tess Technician";
pub const TESS_PASSWORD: &str = "correct horse battery staple";

/// The password of the colleagues `TestServer::colleague` adds.
pub const COLLEAGUE_PASSWORD: &str = "another correct horse";

/// How long a test waits for something the server should do at once.
pub const PATIENCE: Duration = Duration::from_secs(5);

pub struct TestServer {
    pub server: Option<Server>,
    pub url: String,
    pub dir: PathBuf,
}

impl TestServer {
    /// A server with default settings and the technician Tess.
    pub async fn start() -> TestServer {
        TestServer::start_with(|_| {}).await
    }

    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> TestServer {
        let dir = temp_dir();
        let database_url = database::fresh_database_url(&dir, "lens.db").await;
        let mut config = Config::new("127.0.0.1:0".parse().unwrap(), database_url);
        adjust(&mut config);
        let server = lens_server::start(config).await.expect("server starts");
        add_technician(&server, TESS_EMAIL, TESS_NAME, TESS_PASSWORD).await;
        let url = server.url();
        TestServer {
            server: Some(server),
            url,
            dir,
        }
    }

    pub fn server(&self) -> &Server {
        self.server.as_ref().expect("running")
    }

    pub async fn add_technician(&self, email: &str, name: &str, password: &str) {
        add_technician(self.server(), email, name, password).await;
    }

    /// A colleague in Tess's organisation, added and signed in: their id and client.
    pub async fn colleague(&self, (email, name): (&str, &str)) -> (i64, Technician) {
        self.add_technician(email, name, COLLEAGUE_PASSWORD).await;
        let id = lens_server::flow::access::id_by_email(self.server().db(), email)
            .await
            .unwrap()
            .unwrap();
        (
            id,
            Technician::login(&self.url, email, COLLEAGUE_PASSWORD).await,
        )
    }

    /// Tess, signed in.
    pub async fn tess(&self) -> Technician {
        Technician::login(&self.url, TESS_EMAIL, TESS_PASSWORD).await
    }

    /// `POST /api/customer/join` from the customer app: the status and the JSON body.
    pub async fn join(&self, pin: &str) -> (u16, Value) {
        let response = reqwest::Client::new()
            .post(format!("{}/api/customer/join", self.url))
            .json(&json!({ "pin": pin }))
            .send()
            .await
            .expect("join request");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON body"))
    }

    /// A customer who typed the PIN: joined, socket open, Welcome read.
    /// Tess with her console open and a customer she started: the session is Active.
    pub async fn active_session(&self, name: &str) -> (Technician, Console, Customer, String) {
        let tess = self.tess().await;
        let mut console = tess.console().await;
        let (pin, session_id) = tess.new_pin(name).await;
        let mut customer = self.customer_joins(&pin).await;
        customer.accept_eula().await;
        console
            .wait_for_status(&session_id, SessionStatus::Waiting)
            .await;
        console.start(&session_id).await;
        assert_eq!(customer.socket.recv().await, ServerToCustomer::start());
        console
            .wait_for_status(&session_id, SessionStatus::Active)
            .await;
        (tess, console, customer, session_id)
    }

    pub async fn customer_joins(&self, pin: &str) -> Customer {
        let (status, body) = self.join(pin).await;
        assert_eq!(status, 200, "join with {pin}: {body}");
        let joined: JoinResponse = serde_json::from_value(body).unwrap();
        let mut socket =
            Socket::<ServerToCustomer, CustomerMessage>::connect(&self.url, &joined.customer_token)
                .await
                .expect("customer socket");
        match socket.recv().await {
            ServerToCustomer::Welcome {
                session_id, status, ..
            } => {
                assert_eq!(session_id, joined.session_id);
                assert_eq!(status, SessionStatus::Pending);
            }
            other => panic!("expected welcome, got {other:?}"),
        }
        Customer { joined, socket }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn add_technician(server: &Server, email: &str, name: &str, password: &str) {
    lens_server::accounts::technicians::upsert(server.db(), email, name, password)
        .await
        .expect("technician added");
}

fn temp_dir() -> PathBuf {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "lens-server-test-{}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        lens_server::tokens::random_id(),
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The technician's browser: the session cookie and an HTTP client.
pub struct Technician {
    pub base: String,
    pub cookie: String,
    pub http: reqwest::Client,
}

impl Technician {
    pub async fn login(base: &str, email: &str, password: &str) -> Technician {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        Technician::login_through(base, email, password, http).await
    }

    /// Signs in with a client of the caller's (one that trusts a test certificate, or comes
    /// from a chosen address); it must keep cookies.
    pub async fn login_through(
        base: &str,
        email: &str,
        password: &str,
        http: reqwest::Client,
    ) -> Technician {
        let response = http
            .post(format!("{base}/api/login"))
            .json(&json!({ "email": email, "password": password }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "login of {email}");
        let set_cookie = response
            .headers()
            .get("set-cookie")
            .expect("a session cookie")
            .to_str()
            .unwrap()
            .to_owned();
        let cookie = set_cookie.split(';').next().unwrap().to_owned();
        Technician {
            base: base.to_owned(),
            cookie,
            http,
        }
    }

    /// New Session → customer name → Create PIN.
    pub async fn create_session(&self, customer_name: &str) -> Value {
        let response = self
            .http
            .post(format!("{}/api/sessions", self.base))
            .json(&json!({ "customer_name": customer_name }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    /// The PIN and session id of a new session.
    pub async fn new_pin(&self, customer_name: &str) -> (String, String) {
        let created = self.create_session(customer_name).await;
        (
            created["pin"].as_str().unwrap().to_owned(),
            created["session_id"].as_str().unwrap().to_owned(),
        )
    }

    /// "Create another PIN" for one of the console's sessions: the status and the body.
    pub async fn another_pin(&self, session_id: &str) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}/api/sessions/{session_id}/pin", self.base))
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON body"))
    }

    /// `GET <path>` with the console's cookie, answered 200 with JSON.
    pub async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "GET {path}");
        response.json().await.unwrap()
    }

    /// The session's log as `GET /api/sessions/{id}/log` returns it.
    pub async fn log(&self, session_id: &str) -> Vec<Value> {
        self.get(&format!("/api/sessions/{session_id}/log")).await
    }

    /// The session log as (event, detail) pairs, oldest first.
    pub async fn events(&self, session_id: &str) -> Vec<(String, Option<String>)> {
        self.log(session_id)
            .await
            .into_iter()
            .map(|e| {
                (
                    e["event"].as_str().unwrap().to_owned(),
                    e["detail"].as_str().map(str::to_owned),
                )
            })
            .collect()
    }

    /// Opens the console socket and reads the first list.
    pub async fn console(&self) -> Console {
        let mut console = Console::connect_with_cookie(&self.base, &self.cookie)
            .await
            .expect("console socket");
        match console.recv().await {
            ServerToTechnician::Sessions { .. } => {}
            other => panic!("expected the session list first, got {other:?}"),
        }
        console
    }
}

pub struct Customer {
    pub joined: JoinResponse,
    pub socket: Socket<ServerToCustomer, CustomerMessage>,
}

impl Customer {
    pub async fn accept_eula(&mut self) {
        let version = self.joined.eula.version.clone();
        self.socket
            .send(&CustomerMessage::EulaAccepted { version })
            .await;
    }
}

pub type Console = Socket<ServerToTechnician, TechnicianMessage>;

/// One side's WebSocket: `In` is what it receives, `Out` what it sends.
pub struct Socket<In, Out> {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    _types: std::marker::PhantomData<(In, Out)>,
}

impl<In: Message + std::fmt::Debug, Out: Message> Socket<In, Out> {
    async fn open(
        request: tungstenite::handshake::client::Request,
    ) -> Result<Self, tungstenite::Error> {
        let (stream, _) = tokio_tungstenite::connect_async(request).await?;
        Ok(Socket {
            stream,
            _types: std::marker::PhantomData,
        })
    }

    pub async fn send(&mut self, message: &Out) {
        self.send_raw(&signal::encode(message)).await;
    }

    pub async fn send_raw(&mut self, text: &str) {
        self.stream
            .send(Frame::text(text.to_owned()))
            .await
            .expect("frame sent");
    }

    /// The next protocol message; fails the test after [`PATIENCE`].
    pub async fn recv(&mut self) -> In {
        match self.try_recv(PATIENCE).await {
            Ok(message) => message,
            Err(why) => panic!("no message: {why}"),
        }
    }

    pub async fn try_recv(&mut self, patience: Duration) -> Result<In, String> {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .map_err(|_| "timed out".to_owned())?;
            match frame {
                Some(Ok(Frame::Text(text))) => {
                    return signal::decode::<In>(text.as_str())
                        .map_err(|e| format!("undecodable {text}: {e}"));
                }
                Some(Ok(Frame::Close(close))) => return Err(format!("socket closed: {close:?}")),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(format!("socket error: {e}")),
                None => return Err("socket ended".into()),
            }
        }
    }

    /// Skips messages until one matches.
    pub async fn recv_until<T>(&mut self, mut pick: impl FnMut(In) -> Option<T>) -> T {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.try_recv(left).await {
                Ok(message) => {
                    if let Some(found) = pick(message) {
                        return found;
                    }
                }
                Err(why) => panic!("the expected message did not come: {why}"),
            }
        }
    }

    /// The close frame the server ends with (after any messages still queued).
    pub async fn closed(&mut self) -> Option<tungstenite::protocol::CloseFrame> {
        loop {
            match tokio::time::timeout(PATIENCE, self.stream.next())
                .await
                .expect("socket closes")
            {
                Some(Ok(Frame::Close(close))) => return close,
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    }

    /// Drops the TCP connection without a close handshake (a phone losing its network).
    pub fn vanish(self) {
        drop(self.stream);
    }
}

impl Socket<ServerToCustomer, CustomerMessage> {
    pub async fn connect(base: &str, token: &str) -> Result<Self, tungstenite::Error> {
        let url = format!(
            "{}/api/customer/ws?token={token}",
            base.replacen("http", "ws", 1)
        );
        Socket::open(url.into_client_request()?).await
    }
}

/// A collaborating technician's console (seed 004).
pub type CollaboratorSocket = Socket<ServerToCollaborator, CollaboratorMessage>;

impl Socket<ServerToCollaborator, CollaboratorMessage> {
    /// Opens `/ws/collaborator` with the credential cookie a redeemed invitation set.
    pub async fn connect_collaborator(
        base: &str,
        cookie: &str,
    ) -> Result<Self, tungstenite::Error> {
        let url = format!("{}/ws/collaborator", base.replacen("http", "ws", 1));
        let mut request = url.into_client_request()?;
        request
            .headers_mut()
            .insert("cookie", cookie.parse().unwrap());
        Socket::open(request).await
    }
}

impl Socket<ServerToTechnician, TechnicianMessage> {
    pub async fn connect_with_cookie(base: &str, cookie: &str) -> Result<Self, tungstenite::Error> {
        let url = format!("{}/api/technician/ws", base.replacen("http", "ws", 1));
        let mut request = url.into_client_request()?;
        request
            .headers_mut()
            .insert("cookie", cookie.parse().unwrap());
        Socket::open(request).await
    }

    /// Reads lists until the session has `status`; returns its row.
    pub async fn wait_for_status(
        &mut self,
        session_id: &str,
        status: SessionStatus,
    ) -> SessionSummary {
        self.recv_until(|message| match message {
            ServerToTechnician::Sessions { sessions } => sessions
                .into_iter()
                .find(|s| s.id == session_id && s.status == status),
            _ => None,
        })
        .await
    }

    /// The technician clicks Start on this session.
    pub async fn start(&mut self, session_id: &str) {
        let session_id = session_id.to_owned();
        self.send(&TechnicianMessage::Start { session_id }).await;
    }

    /// Reads until a refusal; returns its text.
    pub async fn refusal(&mut self) -> String {
        self.recv_until(|message| match message {
            ServerToTechnician::Refused { message } => Some(message),
            _ => None,
        })
        .await
    }
}
