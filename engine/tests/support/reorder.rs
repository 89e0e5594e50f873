//! The receiver's jitter buffer, as a browser keeps one: RTP packets are released in sequence
//! order, a missing packet is waited for (its NACK retransmission arrives late and out of
//! order) for at most [`WAIT`], and only then is it given up as a gap that damages its frame.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// How long a hole in the sequence is held open for a retransmission: webrtc-rs's NACK
/// generator asks every 100 ms, so this covers a retransmission that got lost once more on
/// loopback and one round trip of a few hundred milliseconds.
pub const WAIT: Duration = Duration::from_millis(400);

/// What the buffer releases, in order.
pub enum Released<P> {
    Packet(P),
    /// One or more packets that never came.
    Gap,
}

pub struct ReorderBuffer<P> {
    held: BTreeMap<u64, (P, Instant)>,
    /// The unwrapped sequence number released next.
    next: Option<u64>,
    /// The unwrapped number of the newest packet seen, to unwrap the next one.
    newest: Option<u64>,
}

impl<P> Default for ReorderBuffer<P> {
    fn default() -> Self {
        Self {
            held: BTreeMap::new(),
            next: None,
            newest: None,
        }
    }
}

impl<P> ReorderBuffer<P> {
    /// Takes a packet; a duplicate or one already given up on is dropped.
    pub fn push(&mut self, sequence: u16, packet: P, now: Instant) {
        let unwrapped = match self.newest {
            None => u64::from(sequence) + (1 << 16),
            Some(newest) => {
                let step = sequence.wrapping_sub(newest as u16);
                if step < 0x8000 {
                    newest + u64::from(step)
                } else {
                    newest - u64::from(step.wrapping_neg())
                }
            }
        };
        self.newest = Some(self.newest.map_or(unwrapped, |n| n.max(unwrapped)));
        let next = *self.next.get_or_insert(unwrapped);
        if unwrapped >= next {
            self.held.entry(unwrapped).or_insert((packet, now));
        }
    }

    /// Everything that can be released at `now`: packets in order, a gap once the packet
    /// after a hole has waited [`WAIT`].
    pub fn pop(&mut self, now: Instant) -> Vec<Released<P>> {
        let mut out = Vec::new();
        while let Some(next) = self.next {
            if let Some((packet, _)) = self.held.remove(&next) {
                out.push(Released::Packet(packet));
                self.next = Some(next + 1);
                continue;
            }
            match self.held.first_key_value() {
                Some((&first, (_, arrived))) if now.saturating_duration_since(*arrived) >= WAIT => {
                    out.push(Released::Gap);
                    self.next = Some(first);
                }
                _ => break,
            }
        }
        out
    }
}
