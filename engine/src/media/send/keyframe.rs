//! When to force an H.264 keyframe.
//!
//! A receiver asks for one with PLI or FIR when it cannot decode; Chromium repeats the request
//! until a keyframe arrives, and several requests often land together (one per lost frame).
//! An IDR costs 5 to 10 P frames of uplink, so requests are merged: at most one forced
//! keyframe per [`MIN_KEYFRAME_INTERVAL`]. A request inside that window is *kept* and served
//! when the window ends rather than dropped, so a receiver is never left waiting for its own
//! retry.
//!
//! [`KeyframeGate`] holds the rules every video sender follows, whether openh264 encodes
//! (`video.rs`) or the shell did (`passthrough.rs`): nothing before a keyframe after a
//! start or a gap, and keyframes asked for at the pacer's rate.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

pub(crate) const MIN_KEYFRAME_INTERVAL: Duration = Duration::from_millis(500);

/// Raised from the async RTCP reader, taken by the video thread.
#[derive(Debug, Default)]
pub(crate) struct KeyframeRequests {
    pending: AtomicBool,
}

impl KeyframeRequests {
    pub(crate) fn request(&self) {
        self.pending.store(true, Ordering::Release);
    }

    pub(crate) fn take(&self) -> bool {
        self.pending.swap(false, Ordering::AcqRel)
    }
}

/// The video thread's side: rate-limits forced keyframes. Time is passed in, so the logic is
/// tested without sleeping.
#[derive(Debug)]
pub(crate) struct KeyframePacer {
    min_interval: Duration,
    last_keyframe: Option<Instant>,
    pending: bool,
}

impl KeyframePacer {
    pub(crate) fn new(min_interval: Duration) -> Self {
        Self {
            min_interval,
            last_keyframe: None,
            pending: false,
        }
    }

    pub(crate) fn request(&mut self) {
        self.pending = true;
    }

    /// Whether to force a keyframe for the frame being encoded at `now`.
    pub(crate) fn poll(&mut self, now: Instant) -> bool {
        let window_open = self
            .last_keyframe
            .is_none_or(|last| now.saturating_duration_since(last) >= self.min_interval);
        if self.pending && window_open {
            self.pending = false;
            self.last_keyframe = Some(now);
            return true;
        }
        false
    }

    /// The encoder produced a keyframe (forced or its own first): a request arriving now is
    /// already answered by it.
    pub(crate) fn keyframe_sent(&mut self, now: Instant) {
        self.last_keyframe = Some(now);
    }
}

/// A video sender's keyframe state: whether the receiver can decode what comes next, and
/// when to ask for (or force) a keyframe.
#[derive(Debug)]
pub(crate) struct KeyframeGate {
    pacer: KeyframePacer,
    requests: Arc<KeyframeRequests>,
    was_live: bool,
    awaiting: bool,
}

impl KeyframeGate {
    pub(crate) fn new(requests: Arc<KeyframeRequests>) -> Self {
        Self {
            pacer: KeyframePacer::new(MIN_KEYFRAME_INTERVAL),
            requests,
            was_live: false,
            awaiting: true,
        }
    }

    /// Called once per frame with whether media may flow now. Connecting, reconnecting after
    /// an ICE hiccup and resuming from a pause each give the receiver a fresh starting point;
    /// the receiver's own PLI/FIR are picked up here too.
    pub(crate) fn live(&mut self, live: bool) -> bool {
        if live && !self.was_live {
            self.restart();
        }
        self.was_live = live;
        if live && self.requests.take() {
            self.pacer.request();
        }
        live
    }

    /// What was sent no longer decodes on its own (a dropped frame, a gap, a new picture
    /// size): nothing but a keyframe may follow.
    pub(crate) fn restart(&mut self) {
        self.awaiting = true;
        self.pacer.request();
    }

    /// Whether to force (or ask the shell for) a keyframe now.
    pub(crate) fn due(&mut self, now: Instant) -> bool {
        self.pacer.poll(now)
    }

    /// Whether a P frame now would be undecodable.
    pub(crate) fn awaiting(&self) -> bool {
        self.awaiting
    }

    /// Whether this frame may be sent. A P frame while a keyframe is awaited is refused, and
    /// the keyframe asked for again in case the last request got lost (the pacer spaces them).
    pub(crate) fn admit(&mut self, keyframe: bool, now: Instant) -> bool {
        if keyframe {
            self.awaiting = false;
            self.pacer.keyframe_sent(now);
            true
        } else if self.awaiting {
            self.pacer.request();
            false
        } else {
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_merged_and_deferred_not_lost() {
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        let mut pacer = KeyframePacer::new(MIN_KEYFRAME_INTERVAL);

        assert!(!pacer.poll(ms(0)), "nothing asked, nothing forced");
        pacer.request();
        assert!(pacer.poll(ms(10)), "the first request is served at once");

        // A burst of requests 100 ms later: served once, when the window ends.
        pacer.request();
        pacer.request();
        assert!(!pacer.poll(ms(110)));
        assert!(!pacer.poll(ms(400)));
        assert!(pacer.poll(ms(510)));
        assert!(!pacer.poll(ms(1100)), "the burst was one request");
    }

    #[test]
    fn an_unforced_keyframe_restarts_the_window() {
        let t0 = Instant::now();
        let mut pacer = KeyframePacer::new(MIN_KEYFRAME_INTERVAL);
        pacer.keyframe_sent(t0);
        pacer.request();
        assert!(!pacer.poll(t0 + Duration::from_millis(100)));
        assert!(pacer.poll(t0 + Duration::from_millis(500)));
    }

    #[test]
    fn shared_requests_are_taken_once() {
        let requests = KeyframeRequests::default();
        assert!(!requests.take());
        requests.request();
        requests.request();
        assert!(requests.take());
        assert!(!requests.take());
    }

    #[test]
    fn the_gate_wants_a_keyframe_after_every_start_and_gap() {
        let t0 = Instant::now();
        let requests = Arc::new(KeyframeRequests::default());
        let mut gate = KeyframeGate::new(Arc::clone(&requests));
        assert!(!gate.live(false));
        assert!(gate.live(true));
        assert!(gate.due(t0), "a start forces a keyframe");
        assert!(!gate.admit(false, t0), "no P frame before it");
        assert!(gate.admit(true, t0));
        assert!(gate.admit(false, t0));

        gate.restart();
        assert!(!gate.admit(false, t0 + Duration::from_millis(100)));
        assert!(gate.due(t0 + Duration::from_millis(500)));

        requests.request();
        gate.live(true);
        assert!(
            gate.due(t0 + Duration::from_millis(1000)),
            "a PLI is served"
        );
    }
}
