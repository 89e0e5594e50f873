//! The technician's voice waits here between the network and the decoder.
//!
//! Packets arrive early, late, twice or not at all; the speaker wants exactly one 20 ms frame
//! every 20 ms. [`JitterBuffer`] holds a few packets ordered by RTP sequence number and is
//! drained once per frame by the playout clock, which gets one [`Playout`] decision a frame:
//! - the packet itself, when it arrived in time;
//! - the *next* packet to rebuild a lost one from Opus's in-band FEC, when that one is here;
//! - concealment (Opus PLC) for a short gap with nothing to rebuild from;
//! - nothing, while priming or after a longer gap, until enough has arrived again.
//!
//! Sans-IO: no clock and no decoder inside, so the tests below walk every case exactly.
//! Packets older than the one being played are late and dropped; the buffer never holds more
//! than [`MAX_PACKETS`], so a burst after a stall costs at most that much latency.
//!
//! That latency would otherwise stay: after a stall on the downlink (a Wi-Fi hiccup) the
//! burst that follows leaves up to 200 ms waiting, and one packet in and one out per frame
//! keeps it waiting for the rest of the call, so the technician's voice comes late to every
//! answer. The buffer therefore watches how many packets are left after each decision; what
//! never went below the cushion for a whole second is *standing*, not jitter, and
//! [`JitterBuffer::shed`] lets the receiver skip that many frames, one at a time, where the
//! talker pauses (the receiver hears which frames are quiet; the buffer does not decode).

use std::collections::BTreeMap;

use bytes::Bytes;

use super::standing::StandingWatch;

/// 60 ms of voice waits before playout starts: covers the jitter of a mobile uplink without
/// making the conversation feel delayed.
pub const TARGET_DEPTH: usize = 3;
/// 200 ms: more than this and the oldest packets are dropped.
pub const MAX_PACKETS: usize = 10;
/// Packets left after a decision when the buffer is at its target: one came in for the one
/// that went out.
const CUSHION: usize = TARGET_DEPTH - 1;
/// Up to three missing frames in a row are concealed; after that the talker has stopped or the
/// network is down, and synthesised sound would only be noise.
pub const MAX_CONCEALED: u32 = 3;

/// What the playout clock does for the next 20 ms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Playout {
    /// Decode this packet.
    Packet(Bytes),
    /// The packet for this slot is lost; decode the FEC data of this following packet.
    Recover(Bytes),
    /// Lost with nothing to rebuild from: let the decoder conceal.
    Conceal,
    /// Nothing to play (priming, or a gap longer than [`MAX_CONCEALED`]).
    Silence,
}

/// What became of an inserted packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    Accepted,
    /// Its slot was already played (or concealed): too late to be useful.
    Late,
    Duplicate,
}

/// See the module docs.
#[derive(Debug)]
pub struct JitterBuffer {
    /// Keyed by the extended (never wrapping) sequence number.
    packets: BTreeMap<u64, Bytes>,
    /// The extended sequence number of the next slot to play; `None` before the first packet.
    next: Option<u64>,
    /// The highest extended sequence number seen, to extend the next 16-bit one.
    highest: Option<u64>,
    playing: bool,
    missed_in_a_row: u32,
    /// What waits above the cushion for good (see `standing.rs`).
    watch: StandingWatch,
}

impl Default for JitterBuffer {
    fn default() -> Self {
        Self::new()
    }
}

impl JitterBuffer {
    pub fn new() -> Self {
        Self {
            packets: BTreeMap::new(),
            next: None,
            highest: None,
            playing: false,
            missed_in_a_row: 0,
            watch: StandingWatch::default(),
        }
    }

    /// Packets waiting.
    pub fn len(&self) -> usize {
        self.packets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.packets.is_empty()
    }

    /// Adds a packet with its RTP sequence number.
    pub fn insert(&mut self, sequence: u16, payload: Bytes) -> Arrival {
        let extended = self.extend(sequence);
        if self.next.is_some_and(|next| extended < next) {
            return Arrival::Late;
        }
        if self.packets.contains_key(&extended) {
            return Arrival::Duplicate;
        }
        self.packets.insert(extended, payload);
        self.highest = Some(self.highest.map_or(extended, |h| h.max(extended)));
        while self.packets.len() > MAX_PACKETS {
            // Too far behind: skip ahead to what is newest rather than grow the delay.
            if let Some((oldest, _)) = self.packets.pop_first() {
                self.next = Some(oldest + 1);
            }
        }
        Arrival::Accepted
    }

    /// The decision for the next 20 ms; call once per frame from the playout clock.
    pub fn pop(&mut self) -> Playout {
        let decision = self.decide();
        match self.playing {
            true => self.watch.observe(self.packets.len(), CUSHION),
            // Priming or run dry: whatever stood before is gone.
            false => self.watch = StandingWatch::default(),
        }
        decision
    }

    /// The packet after the one just played, to play in its place, when the buffer has held
    /// more than its cushion for a whole watch: call it only when the frame just decoded is one
    /// a listener would not miss (quiet, like the one before it), and decode the frame in
    /// between all the same, so the decoder's state runs on unbroken. `None` when nothing
    /// stands, or the next packet is not here (a loss is never shed: it is concealed).
    pub fn shed(&mut self) -> Option<Bytes> {
        if !self.playing || self.watch.standing() == 0 {
            return None;
        }
        let slot = self.next?;
        let packet = self.packets.remove(&slot)?;
        self.next = Some(slot + 1);
        self.watch.skipped(1);
        Some(packet)
    }

    fn decide(&mut self) -> Playout {
        if !self.playing {
            if self.packets.len() < TARGET_DEPTH {
                return Playout::Silence;
            }
            self.playing = true;
            self.missed_in_a_row = 0;
            // After priming, start at the oldest packet we have: anything before it is lost
            // for good (or belonged to a gap we already played as silence).
            self.next = self.packets.keys().next().copied();
        }
        let Some(slot) = self.next else {
            return Playout::Silence;
        };
        self.next = Some(slot + 1);
        if let Some(packet) = self.packets.remove(&slot) {
            self.missed_in_a_row = 0;
            return Playout::Packet(packet);
        }
        self.missed_in_a_row += 1;
        if self.packets.is_empty() && self.missed_in_a_row > MAX_CONCEALED {
            // Run dry: rebuild the cushion before playing again.
            self.playing = false;
            return Playout::Silence;
        }
        match self.packets.get(&(slot + 1)) {
            Some(following) => Playout::Recover(following.clone()),
            None if self.missed_in_a_row <= MAX_CONCEALED => Playout::Conceal,
            None => Playout::Silence,
        }
    }

    /// Unwraps a 16-bit sequence number to the one nearest the highest seen.
    fn extend(&self, sequence: u16) -> u64 {
        let Some(highest) = self.highest else {
            // Start well above zero so that slightly older packets still extend below it.
            return (1 << 16) + u64::from(sequence);
        };
        let base = highest & !0xFFFF;
        let candidates = [
            base.wrapping_sub(1 << 16) + u64::from(sequence),
            base + u64::from(sequence),
            base + (1 << 16) + u64::from(sequence),
        ];
        candidates
            .into_iter()
            .min_by_key(|c| c.abs_diff(highest))
            .expect("three candidates")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet(n: u16) -> Bytes {
        Bytes::from(n.to_be_bytes().to_vec())
    }

    fn played(b: &mut JitterBuffer, frames: usize) -> Vec<Playout> {
        (0..frames).map(|_| b.pop()).collect()
    }

    #[test]
    fn playout_waits_for_60_ms_then_plays_in_order() {
        let mut b = JitterBuffer::new();
        b.insert(100, packet(100));
        b.insert(101, packet(101));
        assert_eq!(b.pop(), Playout::Silence, "two packets are not enough yet");
        b.insert(102, packet(102));
        assert_eq!(
            played(&mut b, 3),
            [100, 101, 102].map(|n| Playout::Packet(packet(n)))
        );
    }

    #[test]
    fn packets_arriving_out_of_order_are_played_in_order() {
        let mut b = JitterBuffer::new();
        for n in [7, 5, 6, 9, 8] {
            assert_eq!(b.insert(n, packet(n)), Arrival::Accepted);
        }
        assert_eq!(
            played(&mut b, 5),
            [5, 6, 7, 8, 9].map(|n| Playout::Packet(packet(n)))
        );
    }

    #[test]
    fn a_lost_packet_is_rebuilt_from_the_next_one() {
        let mut b = JitterBuffer::new();
        for n in [1, 2, 4, 5] {
            b.insert(n, packet(n));
        }
        assert_eq!(
            played(&mut b, 5),
            vec![
                Playout::Packet(packet(1)),
                Playout::Packet(packet(2)),
                Playout::Recover(packet(4)),
                Playout::Packet(packet(4)),
                Playout::Packet(packet(5)),
            ]
        );
    }

    #[test]
    fn a_short_gap_is_concealed_and_a_long_one_goes_quiet_and_reprimes() {
        let mut b = JitterBuffer::new();
        for n in 1..=3 {
            b.insert(n, packet(n));
        }
        let out = played(&mut b, 8);
        assert_eq!(&out[..3], [1, 2, 3].map(|n| Playout::Packet(packet(n))));
        assert_eq!(
            &out[3..6],
            [Playout::Conceal, Playout::Conceal, Playout::Conceal]
        );
        assert_eq!(&out[6..], [Playout::Silence, Playout::Silence]);
        // The talker resumes after the gap: playout waits for a new cushion, then carries on.
        b.insert(20, packet(20));
        b.insert(21, packet(21));
        assert_eq!(b.pop(), Playout::Silence);
        b.insert(22, packet(22));
        assert_eq!(b.pop(), Playout::Packet(packet(20)));
    }

    #[test]
    fn late_and_duplicate_packets_are_refused() {
        let mut b = JitterBuffer::new();
        for n in 10..=12 {
            b.insert(n, packet(n));
        }
        assert_eq!(b.insert(12, packet(12)), Arrival::Duplicate);
        b.pop();
        b.pop();
        assert_eq!(
            b.insert(10, packet(10)),
            Arrival::Late,
            "slot 10 was played"
        );
        assert_eq!(
            b.insert(11, packet(11)),
            Arrival::Late,
            "slot 11 was played"
        );
        assert_eq!(b.pop(), Playout::Packet(packet(12)));
    }

    #[test]
    fn a_packet_that_arrives_after_its_slot_was_concealed_is_late() {
        let mut b = JitterBuffer::new();
        for n in [1, 2, 3, 5] {
            b.insert(n, packet(n));
        }
        played(&mut b, 3);
        assert_eq!(b.pop(), Playout::Recover(packet(5)));
        assert_eq!(b.insert(4, packet(4)), Arrival::Late);
        assert_eq!(b.pop(), Playout::Packet(packet(5)));
    }

    #[test]
    fn sequence_numbers_wrap_around() {
        let mut b = JitterBuffer::new();
        for n in [65534, 65535, 0, 1] {
            b.insert(n, packet(n));
        }
        assert_eq!(
            played(&mut b, 4),
            [65534, 65535, 0, 1].map(|n| Playout::Packet(packet(n)))
        );
    }

    #[test]
    fn a_burst_after_a_stall_keeps_only_the_newest_200_ms() {
        let mut b = JitterBuffer::new();
        for n in 0..30 {
            b.insert(n, packet(n));
        }
        assert_eq!(b.len(), MAX_PACKETS);
        assert_eq!(b.pop(), Playout::Packet(packet(20)));
    }

    /// A call through the buffer, as the receiver runs it: the talker sends packet `n` at
    /// `20 n` ms; it arrives 5 ms later, or when `held` ends if it was sent within it (a stall
    /// on the downlink); the playout clock decides at `20 n + 10` ms and, after a quiet frame
    /// that followed another, sheds. Returns, per decision that played a packet, its time (ms)
    /// and how long that packet had waited since it was sent (ms), and the packets shed.
    fn call(
        frames: u16,
        held: std::ops::Range<u64>,
        quiet: impl Fn(u16) -> bool,
    ) -> (Vec<(u64, u64)>, Vec<u16>) {
        let mut b = JitterBuffer::new();
        let arrival = |n: u16| {
            let sent = 20 * u64::from(n);
            match held.contains(&sent) {
                true => held.end,
                false => sent + 5,
            }
        };
        let mut arrivals: Vec<u16> = (0..frames).collect();
        arrivals.sort_by_key(|&n| arrival(n));
        let mut next_arrival = arrivals.into_iter().peekable();
        let (mut delays, mut shed) = (Vec::new(), Vec::new());
        let mut last_quiet = true;
        for tick in 0..u64::from(frames) {
            let now = 20 * tick + 10;
            while let Some(n) = next_arrival.next_if(|&n| arrival(n) <= now) {
                b.insert(n, packet(n));
            }
            let Playout::Packet(played) = b.pop() else {
                last_quiet = true;
                continue;
            };
            let mut n = u16::from_be_bytes([played[0], played[1]]);
            if quiet(n)
                && last_quiet
                && let Some(instead) = b.shed()
            {
                shed.push(n);
                n = u16::from_be_bytes([instead[0], instead[1]]);
            }
            last_quiet = quiet(n);
            delays.push((now, now - 20 * u64::from(n)));
        }
        (delays, shed)
    }

    /// The delay of the last packet played at or before `at` ms.
    fn delay_at(delays: &[(u64, u64)], at: u64) -> u64 {
        delays
            .iter()
            .rev()
            .find(|(t, _)| *t <= at)
            .expect("played by then")
            .1
    }

    /// A technician who says something for 200 ms each second and is quiet in between.
    fn talks_with_pauses(n: u16) -> bool {
        n % 50 >= 10
    }

    #[test]
    fn the_delay_a_stall_leaves_is_shed_in_the_talkers_pauses() {
        // 400 ms without a packet from 2 s on, then all of them at once.
        let (delays, shed) = call(300, 2_000..2_400, talks_with_pauses);
        let before = delay_at(&delays, 1_990);
        assert_eq!(
            before, 50,
            "60 ms of cushion, less the 10 ms to the next decision"
        );
        let after = delay_at(&delays, 2_990);
        assert!(
            after >= before + 120,
            "the burst after the stall stands in the buffer: {after} ms"
        );
        assert_eq!(delay_at(&delays, 5_990), before, "shed: {shed:?}");
        assert!(
            shed.iter().all(|&n| talks_with_pauses(n)),
            "only pauses: {shed:?}"
        );
        let first_shed = delays.iter().find(|(_, d)| *d < after).expect("shed").0;
        assert!(
            first_shed <= 2_400 + 1_500,
            "shed after a second's watch, not later: the first at {first_shed} ms"
        );
    }

    #[test]
    fn a_talker_who_never_pauses_is_never_cut() {
        let (delays, shed) = call(300, 2_000..2_400, |_| false);
        assert!(shed.is_empty(), "{shed:?}");
        assert_eq!(delay_at(&delays, 5_990), delay_at(&delays, 2_990));
    }

    #[test]
    fn jitter_within_the_cushion_is_never_shed() {
        let mut b = JitterBuffer::new();
        // Two packets every 40 ms: the level swings between one and three.
        for pair in 0..100u16 {
            b.insert(2 * pair, packet(2 * pair));
            b.insert(2 * pair + 1, packet(2 * pair + 1));
            for _ in 0..2 {
                b.pop();
                assert_eq!(b.shed(), None, "after pair {pair}");
            }
        }
    }

    #[test]
    fn a_lost_packet_is_never_shed_over() {
        let mut b = JitterBuffer::new();
        for n in 0..8 {
            b.insert(n, packet(n));
        }
        let mut next = 8;
        for _ in 0..50 {
            b.pop();
            b.insert(next, packet(next));
            next += 1;
        }
        // Five stand above the cushion now; the packet after the one just played is lost.
        let played = b.pop();
        b.insert(next + 1, packet(next + 1));
        let Playout::Packet(played) = played else {
            panic!("{played:?}")
        };
        let lost = u16::from_be_bytes([played[0], played[1]]) + 1;
        b.packets.remove(&b.extend(lost));
        assert!(b.watch.standing() > 0, "something stands: {:?}", b.watch);
        assert_eq!(
            b.shed(),
            None,
            "slot {lost} is missing: conceal it, do not skip it"
        );
    }
}
