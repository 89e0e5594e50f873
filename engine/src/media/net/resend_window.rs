//! Which NACK retransmissions are still worth sending.
//!
//! webrtc-rs's NACK responder resends whatever a receiver asks for, for as long as the packet
//! is in its buffer, and webrtc-rs's NACK generator asks again every round of its timer with
//! no limit. A packet the receiver can no longer take (it fell out of its SRTP replay window,
//! or its frame was given up on long ago) is then asked for and resent again and again,
//! for good. Each copy is also a packet the congestion controller hears nothing back about,
//! so it counts as lost: after 15 s of 30 % loss through the link shaper, two such packets
//! kept the estimate at its 100 kbit/s floor for the rest of the call, on a clean link
//! (`link_shaper.rs`, `a_lossy_or_slow_link_keeps_the_call`).
//!
//! So a packet is resent only while a receiver can still want it: not once it was first sent
//! more than [`MIN_KEEP`] or [`KEEP_RTTS`] round trips ago, whichever is longer. Chromium's
//! receiver asks for a packet at most 10 times, about a round trip apart (100 ms while it
//! knows none), so nothing it asks for is much older than a second and a half, and three
//! seconds never turns down a request of its own. (Chromium's sender keeps a packet for
//! max(1 s, 3 RTT).) Through the network lab at 20 % loss, Chromium's freezes are the same
//! with this window as without it (`bench/loss.mjs`, longest gap between pictures, median of
//! 9 and 8 stretches: 333 and 384 ms).

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// A packet is resent at most this long after it was first sent, on a short round trip.
pub(crate) const MIN_KEEP: Duration = Duration::from_secs(3);
/// On a long round trip, this many of them: a first request arrives one round trip after the
/// packet left, and its answer needs another to arrive.
pub(crate) const KEEP_RTTS: u32 = 3;

/// One packet: the media SSRC and RTP sequence number it was first sent under (a repair on
/// the RTX stream is looked up by the original's, see `rtx_budget.rs`).
type Key = (u32, u16);

/// The packets sent within the window, in sending order. Time and the round trip are passed
/// in, so the rules are tested without a network.
#[derive(Debug, Default)]
pub(crate) struct ResendWindow {
    order: VecDeque<(Instant, Key)>,
    /// When each packet was first sent.
    sent: HashMap<Key, Instant>,
}

impl ResendWindow {
    /// A packet left for the first time.
    pub(crate) fn sent(&mut self, now: Instant, ssrc: u32, sequence: u16, rtt: Option<Duration>) {
        self.forget_before(now, rtt);
        let key = (ssrc, sequence);
        self.order.push_back((now, key));
        self.sent.insert(key, now);
    }

    /// Whether a packet a receiver asked for again can still help it: it was sent within the
    /// window (one sent before it, or never, is too old).
    pub(crate) fn may_resend(
        &mut self,
        now: Instant,
        ssrc: u32,
        sequence: u16,
        rtt: Option<Duration>,
    ) -> bool {
        self.forget_before(now, rtt);
        self.sent.contains_key(&(ssrc, sequence))
    }

    /// How many packets are remembered (for the tests: the window stays bounded).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.sent.len()
    }

    fn forget_before(&mut self, now: Instant, rtt: Option<Duration>) {
        let keep = rtt.map_or(MIN_KEEP, |rtt| MIN_KEEP.max(rtt * KEEP_RTTS));
        while let Some(&(first, key)) = self.order.front() {
            if now.saturating_duration_since(first) <= keep {
                break;
            }
            self.order.pop_front();
            // Sequence numbers wrap after 65 536 packets, minutes at any video rate, so the
            // key is the same packet's unless a newer one took it over.
            if self.sent.get(&key) == Some(&first) {
                self.sent.remove(&key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VIDEO: u32 = 0x1234;

    fn ms(t0: Instant, n: u64) -> Instant {
        t0 + Duration::from_millis(n)
    }

    #[test]
    fn a_packet_asked_for_soon_is_resent() {
        let t0 = Instant::now();
        let mut window = ResendWindow::default();
        window.sent(t0, VIDEO, 7, None);
        assert!(window.may_resend(ms(t0, 120), VIDEO, 7, None));
        assert!(
            !window.may_resend(ms(t0, 120), VIDEO, 8, None),
            "a packet never sent is not resent"
        );
    }

    #[test]
    fn a_packet_older_than_three_seconds_is_not_resent_on_a_short_round_trip() {
        let t0 = Instant::now();
        let rtt = Some(Duration::from_millis(40));
        let mut window = ResendWindow::default();
        window.sent(t0, VIDEO, 7, rtt);
        // Chromium's last requests, up to a second and a half after the packet left.
        assert!(window.may_resend(ms(t0, 1_600), VIDEO, 7, rtt));
        assert!(window.may_resend(ms(t0, 2_900), VIDEO, 7, rtt));
        // A receiver that keeps asking for it for good is not answered any more.
        for n in 31..100 {
            assert!(!window.may_resend(ms(t0, n * 100), VIDEO, 7, rtt));
        }
    }

    #[test]
    fn a_long_round_trip_keeps_packets_for_three_of_them() {
        let t0 = Instant::now();
        let rtt = Some(Duration::from_millis(1_500));
        let mut window = ResendWindow::default();
        window.sent(t0, VIDEO, 7, rtt);
        assert!(window.may_resend(ms(t0, 4_400), VIDEO, 7, rtt));
        assert!(!window.may_resend(ms(t0, 4_600), VIDEO, 7, rtt));
    }

    #[test]
    fn the_window_forgets_what_it_no_longer_resends() {
        let t0 = Instant::now();
        let mut window = ResendWindow::default();
        // 400 packets a second for a minute, sequence numbers wrapping on the way.
        for n in 0..24_000u64 {
            window.sent(ms(t0, n * 5 / 2), VIDEO, (60_000 + n) as u16, None);
        }
        assert!(window.len() <= 1_201, "{} packets remembered", window.len());
        let last = (60_000 + 23_999u64) as u16;
        assert!(window.may_resend(ms(t0, 60_000), VIDEO, last, None));
    }
}
