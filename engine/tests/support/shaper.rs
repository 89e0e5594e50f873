//! A link shaper for tests: a UDP relay on loopback between the customer and the technician
//! that limits the customer's uplink (token bucket with a bounded drop-tail queue, like a
//! home router's upstream), delays it (with jitter) and drops packets at random, all
//! changeable while the call runs.
//!
//! # How it gets onto the media path
//!
//! Each side is told the *relay's* address instead of the other side's: the customer's offer
//! has its host candidate rewritten to the relay's technician-facing socket, the technician's
//! answer to the relay's customer-facing socket (see [`Shaper::route_offer`] and
//! [`Shaper::route_answer`]). Both peers bind 127.0.0.1 only, have one host candidate each and
//! no STUN server, so there is no other path: every ICE check, DTLS record, RTP and RTCP packet
//! goes through the relay, and a peer sees packets come from the very address it was given.
//!
//! Only the customer → technician direction is shaped: the uplink is where a phone's video
//! suffers; feedback (RTCP, TWCC) comes back unharmed, as on most real links. The downlink
//! can only stall ([`Shaper::hold_downlink`]): what the technician sends meanwhile arrives all
//! at once when it ends, as after a Wi-Fi hiccup.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::net::UdpSocket;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// What the uplink does to packets now.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Conditions {
    /// Bits per second; `None` for no limit.
    pub rate_bps: Option<u64>,
    /// Added one way, after the bottleneck.
    pub delay: Duration,
    /// Up to this much more delay, drawn per packet; a packet never overtakes the one before
    /// it (a queue that fills and drains, as on a busy Wi-Fi or mobile link).
    pub jitter: Duration,
    /// Probability that a packet is dropped on the way in, 0.0 to 1.0.
    pub loss: f64,
    /// Bytes that may wait for the bottleneck; a packet that does not fit is dropped.
    pub queue_bytes: usize,
}

impl Default for Conditions {
    fn default() -> Self {
        Self {
            rate_bps: None,
            delay: Duration::ZERO,
            jitter: Duration::ZERO,
            loss: 0.0,
            queue_bytes: 64 * 1024,
        }
    }
}

/// What the relay did, for assertions and for the test's log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    pub uplink_packets: u64,
    pub uplink_bytes_delivered: u64,
    pub dropped_by_loss: u64,
    pub dropped_by_queue: u64,
}

struct State {
    conditions: Conditions,
    counters: Counters,
    queue: VecDeque<Vec<u8>>,
    queued_bytes: usize,
    /// Until when the downlink holds what the technician sends.
    downlink_held_until: Option<Instant>,
    /// The real addresses, learnt from the SDP.
    customer: Option<SocketAddr>,
    technician: Option<SocketAddr>,
}

pub struct Shaper {
    /// The technician sends here, believing it is the customer.
    technician_facing: SocketAddr,
    /// The customer sends here, believing it is the technician.
    customer_facing: SocketAddr,
    state: Arc<Mutex<State>>,
    tasks: Vec<JoinHandle<()>>,
}

impl Shaper {
    pub async fn start() -> Shaper {
        let to_technician = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
        let to_customer = Arc::new(UdpSocket::bind("127.0.0.1:0").await.unwrap());
        let state = Arc::new(Mutex::new(State {
            conditions: Conditions::default(),
            counters: Counters::default(),
            queue: VecDeque::new(),
            queued_bytes: 0,
            downlink_held_until: None,
            customer: None,
            technician: None,
        }));
        let queued = Arc::new(Notify::new());
        let tasks = vec![
            tokio::spawn(uplink_in(
                Arc::clone(&to_customer),
                Arc::clone(&state),
                Arc::clone(&queued),
            )),
            tokio::spawn(uplink_out(
                Arc::clone(&to_technician),
                Arc::clone(&state),
                queued,
            )),
            tokio::spawn(downlink(
                Arc::clone(&to_technician),
                to_customer.clone(),
                Arc::clone(&state),
            )),
        ];
        Shaper {
            technician_facing: to_technician.local_addr().unwrap(),
            customer_facing: to_customer.local_addr().unwrap(),
            state,
            tasks,
        }
    }

    pub fn set(&self, conditions: Conditions) {
        self.state.lock().unwrap().conditions = conditions;
    }

    /// Stalls the downlink for `stall`: every packet the technician sends meanwhile is
    /// delivered when the stall ends, all at once and in the order sent.
    pub fn hold_downlink(&self, stall: Duration) {
        self.state.lock().unwrap().downlink_held_until = Some(Instant::now() + stall);
    }

    pub fn counters(&self) -> Counters {
        self.state.lock().unwrap().counters
    }

    /// The customer's offer as the technician must see it: its host candidate is the relay.
    pub fn route_offer(&self, offer: &str) -> String {
        let (sdp, customer) = rewrite_candidates(offer, self.technician_facing);
        self.state.lock().unwrap().customer = Some(customer);
        sdp
    }

    /// The technician's answer as the customer must see it.
    pub fn route_answer(&self, answer: &str) -> String {
        let (sdp, technician) = rewrite_candidates(answer, self.customer_facing);
        self.state.lock().unwrap().technician = Some(technician);
        sdp
    }
}

impl Drop for Shaper {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Replaces the address of every `a=candidate` line with `relay`; returns the new SDP and the
/// address it replaced (each test peer has exactly one).
fn rewrite_candidates(sdp: &str, relay: SocketAddr) -> (String, SocketAddr) {
    let mut original = None;
    let lines: Vec<String> = sdp
        .split("\r\n")
        .map(|line| {
            if !line.starts_with("a=candidate:") {
                return line.to_owned();
            }
            // candidate:<foundation> <component> <transport> <priority> <address> <port> typ …
            let mut fields: Vec<String> = line.split(' ').map(str::to_owned).collect();
            assert!(
                fields.len() > 7 && fields[6] == "typ",
                "unexpected candidate line {line}"
            );
            let address: SocketAddr = format!("{}:{}", fields[4], fields[5]).parse().unwrap();
            assert!(
                original.is_none_or(|o| o == address),
                "the shaper routes one candidate per peer; got {original:?} and {address}"
            );
            original = Some(address);
            fields[4] = relay.ip().to_string();
            fields[5] = relay.port().to_string();
            fields.join(" ")
        })
        .collect();
    (
        lines.join("\r\n"),
        original.expect("the SDP has a candidate"),
    )
}

/// Customer → relay: random loss, then the bounded queue.
async fn uplink_in(socket: Arc<UdpSocket>, state: Arc<Mutex<State>>, queued: Arc<Notify>) {
    let mut rng = StdRng::seed_from_u64(0x1e45);
    let mut buf = vec![0u8; 2048];
    while let Ok((len, _from)) = socket.recv_from(&mut buf).await {
        let mut state = state.lock().unwrap();
        state.counters.uplink_packets += 1;
        let conditions = state.conditions;
        if conditions.loss > 0.0 && rng.random::<f64>() < conditions.loss {
            state.counters.dropped_by_loss += 1;
            continue;
        }
        if state.queued_bytes + len > conditions.queue_bytes {
            state.counters.dropped_by_queue += 1;
            continue;
        }
        state.queued_bytes += len;
        state.queue.push_back(buf[..len].to_vec());
        drop(state);
        queued.notify_one();
    }
}

/// The bottleneck: releases queued packets at the rate limit, then after the delay sends them
/// on to the technician.
async fn uplink_out(socket: Arc<UdpSocket>, state: Arc<Mutex<State>>, queued: Arc<Notify>) {
    // When the bottleneck has finished serialising the previous packet.
    let mut free_at = Instant::now();
    let mut rng = StdRng::seed_from_u64(0x717e);
    // When the previous packet leaves the delay line: the next one never leaves earlier.
    let mut last_release = Instant::now();
    loop {
        let next = {
            let mut state = state.lock().unwrap();
            state.queue.pop_front().map(|packet| {
                state.queued_bytes -= packet.len();
                (packet, state.conditions, state.technician)
            })
        };
        let Some((packet, conditions, technician)) = next else {
            queued.notified().await;
            continue;
        };
        if let Some(rate) = conditions.rate_bps {
            let start = free_at.max(Instant::now());
            free_at = start + Duration::from_secs_f64(packet.len() as f64 * 8.0 / rate as f64);
            tokio::time::sleep_until(free_at).await;
        }
        let Some(technician) = technician else {
            continue;
        };
        state.lock().unwrap().counters.uplink_bytes_delivered += packet.len() as u64;
        let delay = conditions.delay + conditions.jitter.mul_f64(rng.random::<f64>());
        if delay.is_zero() {
            let _ = socket.send_to(&packet, technician).await;
        } else {
            let release = (Instant::now() + delay).max(last_release);
            last_release = release;
            let socket = Arc::clone(&socket);
            tokio::spawn(async move {
                tokio::time::sleep_until(release).await;
                let _ = socket.send_to(&packet, technician).await;
            });
        }
    }
}

/// Technician → relay → customer, untouched unless held.
async fn downlink(
    from_technician: Arc<UdpSocket>,
    to_customer: Arc<UdpSocket>,
    state: Arc<Mutex<State>>,
) {
    let mut buf = vec![0u8; 2048];
    let mut held: Vec<Vec<u8>> = Vec::new();
    loop {
        let until = state.lock().unwrap().downlink_held_until;
        let received = match until {
            Some(until) if Instant::now() < until => {
                match tokio::time::timeout_at(until, from_technician.recv_from(&mut buf)).await {
                    Ok(received) => received,
                    // The stall is over: what it held goes first.
                    Err(_) => continue,
                }
            }
            _ => {
                let customer = state.lock().unwrap().customer;
                if let Some(customer) = customer {
                    for packet in held.drain(..) {
                        let _ = to_customer.send_to(&packet, customer).await;
                    }
                }
                from_technician.recv_from(&mut buf).await
            }
        };
        let Ok((len, _from)) = received else {
            return;
        };
        let (customer, holding) = {
            let state = state.lock().unwrap();
            let holding = state
                .downlink_held_until
                .is_some_and(|until| Instant::now() < until);
            (state.customer, holding)
        };
        match customer {
            // Behind what is still held, in the order sent (the next turn sends them all).
            _ if holding || !held.is_empty() => held.push(buf[..len].to_vec()),
            Some(customer) => {
                let _ = to_customer.send_to(&buf[..len], customer).await;
            }
            None => {}
        }
    }
}
