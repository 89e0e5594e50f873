//! A budget for NACK retransmissions.
//!
//! webrtc-rs's NACK responder resends every packet a receiver asks for, as often as it is
//! asked. On a congested uplink that is a feedback loop: the bottleneck drops packets, the
//! receiver asks for them again every round trip, the retransmissions crowd out new media and
//! get dropped in turn. Measured with the link shaper at 500 kbit/s: 20 Mbit/s of
//! retransmissions against an 80 kbit/s encoder. Browsers bound this (Chromium caps
//! retransmissions to a share of the send rate); so does this interceptor: a token bucket
//! refilled at [`SHARE`] of the congestion controller's estimate, with [`BURST`] of it saved
//! up. A retransmission that does not fit is dropped; the receiver then recovers with a PLI
//! and a keyframe, which is what a lost cause should cost.
//!
//! Before the budget, a retransmission must still be able to help: not of a packet first sent
//! too long ago (`resend_window.rs`, where the call it once cost is told).
//!
//! It sits just below the NACK responder (slot 3 500, the responder is at 4 000), so it sees
//! every retransmission and nothing else is delayed.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rtc::interceptor::{Attribute, Interceptor, Packet, StreamInfo, TaggedPacket};
use rtc::shared::marshal::MarshalSize;

use super::resend_window::ResendWindow;
use crate::media::estimate::BandwidthEstimate;
use crate::media::stats::StatsCounters;

/// Retransmissions may use this share of the estimated uplink. A random loss of 10 % needs
/// about 11 % of the media rate back and 30 % about 43 %; Chromium allows up to the whole
/// target rate. At 15 % a 30 % loss decoded 31 to 61 pictures in 12 s, at 35 % 110 to 138
/// (`link_shaper.rs`), and the congested 500 kbit/s link still does not flood.
const SHARE: f64 = 0.35;
/// How much unused budget may be saved for a burst of requests.
const BURST: Duration = Duration::from_millis(250);
/// The bucket always holds at least this many bytes: two full-size packets. At a low
/// estimate [`BURST`]'s share is smaller than one packet, and a bucket that small never
/// serves one: with the former 15 % share, a lossy link below 260 kbit/s (the bottom of the
/// ladder) got no retransmission at all, and every lost packet became a PLI and a keyframe
/// (found by the 10 % loss run).
const MIN_CAPACITY: f64 = 2.0 * 1_200.0;

pub(crate) struct RetransmissionBudget {
    estimate: BandwidthEstimate,
    /// Where the receiver reports' round-trip time is kept (`rtcp_tap.rs`).
    stats: Arc<StatsCounters>,
    window: ResendWindow,
    /// The media SSRC each RTX SSRC repairs. With RTX negotiated (Chromium does) a
    /// retransmission leaves on the RTX stream, under a sequence number of its own, and names
    /// the packet it repeats in its first two payload bytes (RFC 4588).
    repairs: HashMap<u32, u32>,
    bucket: Bucket,
    read_queue: VecDeque<TaggedPacket>,
    write_queue: VecDeque<TaggedPacket>,
}

impl RetransmissionBudget {
    pub(crate) fn new(estimate: BandwidthEstimate, stats: Arc<StatsCounters>) -> Self {
        Self {
            estimate,
            stats,
            window: ResendWindow::default(),
            repairs: HashMap::new(),
            bucket: Bucket::default(),
            read_queue: VecDeque::new(),
            write_queue: VecDeque::new(),
        }
    }

    /// Whether this packet goes out: every first copy does; a retransmission only while it
    /// can still help and the budget has room for it.
    fn admit(&mut self, now: Instant, packet: &rtc::rtp::Packet, retransmission: bool) -> bool {
        let (ssrc, sequence) = (packet.header.ssrc, packet.header.sequence_number);
        let rtt = self
            .stats
            .reported()
            .0
            .map(|ms| Duration::from_millis(u64::from(ms)));
        if !retransmission {
            self.window.sent(now, ssrc, sequence, rtt);
            return true;
        }
        let (ssrc, sequence) = match self.repairs.get(&ssrc) {
            Some(&media) if packet.payload.len() >= 2 => (
                media,
                u16::from_be_bytes([packet.payload[0], packet.payload[1]]),
            ),
            _ => (ssrc, sequence),
        };
        self.window.may_resend(now, ssrc, sequence, rtt)
            && self
                .bucket
                .take(now, self.estimate.bps(), packet.marshal_size())
    }
}

/// Bytes that may be retransmitted; time and rate passed in.
#[derive(Debug, Default)]
struct Bucket {
    tokens: f64,
    last: Option<Instant>,
}

impl Bucket {
    fn take(&mut self, now: Instant, estimate_bps: u32, bytes: usize) -> bool {
        let rate = f64::from(estimate_bps) * SHARE / 8.0;
        let capacity = (rate * BURST.as_secs_f64()).max(MIN_CAPACITY);
        // The first request finds a full bucket.
        let refill = self.last.map_or(capacity, |last| {
            rate * now.saturating_duration_since(last).as_secs_f64()
        });
        self.last = Some(now);
        self.tokens = (self.tokens + refill).min(capacity);
        if self.tokens >= bytes as f64 {
            self.tokens -= bytes as f64;
            true
        } else {
            false
        }
    }
}

impl rtc::sansio::Protocol<TaggedPacket, TaggedPacket, ()> for RetransmissionBudget {
    type Rout = TaggedPacket;
    type Wout = TaggedPacket;
    type Eout = ();
    type Error = rtc::shared::error::Error;
    type Time = Instant;

    fn handle_read(&mut self, msg: TaggedPacket) -> Result<(), Self::Error> {
        self.read_queue.push_back(msg);
        Ok(())
    }

    fn poll_read(&mut self) -> Option<TaggedPacket> {
        self.read_queue.pop_front()
    }

    fn handle_write(&mut self, msg: TaggedPacket) -> Result<(), Self::Error> {
        if let Packet::Rtp(packet) = &msg.message.packet
            && !self.admit(msg.now, packet, msg.message.has(&Attribute::Retransmission))
        {
            return Ok(());
        }
        self.write_queue.push_back(msg);
        Ok(())
    }

    fn poll_write(&mut self) -> Option<TaggedPacket> {
        self.write_queue.pop_front()
    }
}

// The queue plumbing above and the empty remote-stream hooks below repeat the RTCP tap's:
// they are the shape webrtc-rs's sans-IO interceptor traits require of every interceptor,
// and a shared macro would hide more than these few lines cost.
impl Interceptor for RetransmissionBudget {
    fn bind_local_stream(&mut self, info: &StreamInfo) {
        if let Some(rtx) = info.ssrc_rtx {
            self.repairs.insert(rtx, info.ssrc);
        }
    }
    fn unbind_local_stream(&mut self, info: &StreamInfo) {
        if let Some(rtx) = info.ssrc_rtx {
            self.repairs.remove(&rtx);
        }
    }
    fn bind_remote_stream(&mut self, _info: &StreamInfo) {}
    fn unbind_remote_stream(&mut self, _info: &StreamInfo) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rtp(ssrc: u32, sequence_number: u16, payload: &[u8]) -> rtc::rtp::Packet {
        rtc::rtp::Packet {
            header: rtc::rtp::header::Header {
                ssrc,
                sequence_number,
                ..Default::default()
            },
            payload: bytes::Bytes::copy_from_slice(payload),
        }
    }

    #[test]
    fn a_retransmission_is_matched_to_its_original_on_either_stream() {
        const VIDEO: u32 = 1111;
        const RTX: u32 = 2222;
        let t0 = Instant::now();
        let mut budget = RetransmissionBudget::new(
            BandwidthEstimate::new(2_000_000),
            Arc::new(StatsCounters::default()),
        );
        budget.bind_local_stream(&StreamInfo {
            ssrc: VIDEO,
            ssrc_rtx: Some(RTX),
            ..Default::default()
        });
        assert!(budget.admit(t0, &rtp(VIDEO, 500, &[0x65; 1000]), false));
        let later = t0 + Duration::from_millis(200);
        // RFC 4588: the RTX stream's own sequence number, the original's in front.
        let mut repair = vec![0x01, 0xf4];
        repair.extend_from_slice(&[0x65; 1000]);
        assert!(budget.admit(later, &rtp(RTX, 7, &repair), true));
        // Without RTX, the original's own SSRC and number.
        assert!(budget.admit(later, &rtp(VIDEO, 500, &[0x65; 1000]), true));
        assert!(
            !budget.admit(later, &rtp(RTX, 8, &[0x01, 0xf5, 0x65]), true),
            "packet 501 was never sent"
        );
        let too_late = t0 + Duration::from_secs(4);
        assert!(!budget.admit(too_late, &rtp(RTX, 9, &repair), true));
    }

    #[test]
    fn retransmissions_get_a_share_of_the_estimate_and_no_more() {
        let t0 = Instant::now();
        let mut bucket = Bucket::default();
        // 500 kbit/s estimate: 175 kbit/s for retransmissions, about 21.9 kB a second.
        let mut sent = 0usize;
        for ms in 0..10_000u64 {
            // Asked for a 1200-byte packet every millisecond: 9.6 Mbit/s of requests.
            if bucket.take(t0 + Duration::from_millis(ms), 500_000, 1200) {
                sent += 1200;
            }
        }
        let bps = sent as f64 * 8.0 / 10.0;
        assert!((170_000.0..=182_000.0).contains(&bps), "{bps} bit/s");
    }

    #[test]
    fn a_burst_after_a_quiet_spell_is_served() {
        let t0 = Instant::now();
        let mut bucket = Bucket::default();
        assert!(
            bucket.take(t0, 2_000_000, 1200),
            "the first request finds a full bucket"
        );
        let later = t0 + Duration::from_secs(1);
        // 2 Mbit/s * 35 % * 250 ms = 21875 bytes saved: eighteen packets, not nineteen.
        let served = (0..30)
            .filter(|_| bucket.take(later, 2_000_000, 1200))
            .count();
        assert_eq!(served, 18);
    }

    #[test]
    fn a_slow_link_still_gets_its_full_size_packets_back() {
        let t0 = Instant::now();
        let mut bucket = Bucket::default();
        // 100 kbit/s, GCC's floor: 35 kbit/s for retransmissions, 4.4 kB a second; a
        // 1200-byte packet is more than 250 ms of it, and is still served.
        let mut served = 0;
        for ms in (0..10_000u64).step_by(10) {
            if bucket.take(t0 + Duration::from_millis(ms), 100_000, 1200) {
                served += 1;
            }
        }
        let bps = f64::from(served * 1200 * 8) / 10.0;
        assert!(served > 0, "no retransmission at all");
        assert!((33_000.0..=37_000.0).contains(&bps), "{bps} bit/s");
    }
}
