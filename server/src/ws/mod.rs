//! The two WebSockets (`customer`, `technician`) and the hub that relays between them. This
//! file is what the two sockets have in common: frame limits, a frame budget, reading a
//! frame into a typed message, sending with a deadline, keep-alive and closing.

pub mod collaborator;
pub mod customer;
pub mod hub;
pub mod seats;
pub mod technician;

use std::num::NonZeroU32;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message as Frame, WebSocket, WebSocketUpgrade};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use lens_core::signal::{self, MAX_MESSAGE_BYTES, Message, SignalError};
use tokio::time::{Instant, Interval, MissedTickBehavior};

use crate::ws::hub::CloseReason;

/// Frames up to this size are read and answered with a typed "too large" error; bigger
/// ones end the connection. Reading a little over the protocol limit lets a client that
/// overshoots learn why, without letting one make us buffer megabytes.
const MAX_FRAME_BYTES: usize = 4 * MAX_MESSAGE_BYTES;

/// Each socket's read buffer. tungstenite's default is 128 KiB, allocated and zeroed for
/// every connection: 137.8 KiB a waiting customer in all (`make bench-server`), almost all of
/// it this buffer. Signalling messages are a few KiB at most (an SDP with its candidates),
/// and a bigger frame still grows the buffer as far as it needs, up to `MAX_FRAME_BYTES`.
const READ_BUFFER_BYTES: usize = 4 * 1024;

/// A Ping this often keeps NAT bindings and proxies from dropping a quiet socket...
const PING_EVERY: Duration = Duration::from_secs(20);
/// ...and a peer silent for this long (not even a Pong) is gone. Mobile networks drop
/// connections without a FIN; this is how the server notices and starts the grace period.
const SILENCE_LIMIT: Duration = Duration::from_secs(60);

/// A peer that does not take a frame within this time is treated as gone.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// How many frames a peer may send: a burst of 100, then 20 a second. A customer sends its
/// offer, a few dozen trickled ICE candidates (most at once), a `stats` message a second and
/// the odd media state or refusal; a console about as much. Many frames cost a database
/// read or write, so a peer far above this is flooding, not signalling (issue 9, finding 8).
const FRAME_QUOTA: Quota =
    Quota::per_second(NonZeroU32::new(20).unwrap()).allow_burst(NonZeroU32::new(100).unwrap());

/// A peer over its frame budget is closed with this (4429 echoes HTTP 429).
pub const TOO_MANY_MESSAGES: CloseReason = CloseReason {
    code: 4429,
    reason: "too many messages",
};

pub fn limit(upgrade: WebSocketUpgrade) -> WebSocketUpgrade {
    upgrade
        .read_buffer_size(READ_BUFFER_BYTES)
        .max_message_size(MAX_FRAME_BYTES)
        .max_frame_size(MAX_FRAME_BYTES)
}

/// One frame from the peer, as the socket loop needs to see it.
pub enum Inbound<M> {
    Message(M),
    /// Not a valid message of this direction: answer with an error, keep the socket.
    Invalid(SignalError),
    /// Ping, Pong: only proves the peer is there.
    Control,
    /// The peer closed, or the connection broke.
    Closed,
}

pub fn read<M: Message>(frame: Option<Result<Frame, axum::Error>>) -> Inbound<M> {
    match frame {
        None | Some(Err(_)) | Some(Ok(Frame::Close(_))) => Inbound::Closed,
        Some(Ok(Frame::Text(text))) => match signal::decode::<M>(text.as_str()) {
            Ok(message) => Inbound::Message(message),
            Err(error) => Inbound::Invalid(error),
        },
        Some(Ok(Frame::Binary(_))) => Inbound::Invalid(SignalError::Malformed(
            "binary frame; signalling messages are JSON text frames".into(),
        )),
        Some(Ok(Frame::Ping(_) | Frame::Pong(_))) => Inbound::Control,
    }
}

/// Sends one protocol message. False if the peer is gone or too slow to take it.
pub async fn send<M: Message>(socket: &mut WebSocket, message: &M) -> bool {
    send_frame(socket, Frame::text(signal::encode(message))).await
}

async fn send_frame(socket: &mut WebSocket, frame: Frame) -> bool {
    matches!(
        tokio::time::timeout(SEND_TIMEOUT, socket.send(frame)).await,
        Ok(Ok(()))
    )
}

pub async fn close(socket: &mut WebSocket, reason: CloseReason) {
    let frame = CloseFrame {
        code: reason.code,
        reason: reason.reason.into(),
    };
    let _ = send_frame(socket, Frame::Close(Some(frame))).await;
}

/// Watches one peer: pings it, notices when it has gone silent, and charges each frame it
/// sends to its frame budget.
pub struct Keepalive {
    ticker: Interval,
    last_heard: Instant,
    budget: DefaultDirectRateLimiter,
}

impl Default for Keepalive {
    fn default() -> Keepalive {
        Keepalive::new()
    }
}

impl Keepalive {
    pub fn new() -> Keepalive {
        let mut ticker = tokio::time::interval_at(Instant::now() + PING_EVERY, PING_EVERY);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        Keepalive {
            ticker,
            last_heard: Instant::now(),
            budget: RateLimiter::direct(FRAME_QUOTA),
        }
    }

    /// Takes one frame from the peer. A peer over its frame budget is closed with
    /// [`TOO_MANY_MESSAGES`] and the frame reads as `Closed`, so the socket loop ends.
    pub async fn receive<M: Message>(
        &mut self,
        socket: &mut WebSocket,
        frame: Option<Result<Frame, axum::Error>>,
    ) -> Inbound<M> {
        self.heard();
        let inbound = read(frame);
        if !matches!(inbound, Inbound::Closed) && self.budget.check().is_err() {
            tracing::info!("a peer sent more frames than its budget; closing its socket");
            close(socket, TOO_MANY_MESSAGES).await;
            return Inbound::Closed;
        }
        inbound
    }

    /// Any frame from the peer counts as a sign of life.
    pub fn heard(&mut self) {
        self.last_heard = Instant::now();
    }

    pub async fn tick(&mut self) {
        self.ticker.tick().await;
    }

    /// Called on each tick: pings, or returns false if the peer has been silent too long
    /// or cannot take the ping.
    pub async fn ping(&mut self, socket: &mut WebSocket) -> bool {
        if self.last_heard.elapsed() > SILENCE_LIMIT {
            return false;
        }
        send_frame(socket, Frame::Ping(Default::default())).await
    }
}
