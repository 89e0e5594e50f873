//! Counters the media threads bump and [`MediaSession::stats`](super::MediaSession::stats)
//! reads. Relaxed atomics: each number is independent, and a snapshot a frame out of date is
//! fine for a UI or a test polling for progress.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, AtomicU32, AtomicU64, Ordering::Relaxed};

use lens_core::link_stats::LinkStats;

/// A snapshot of what a session has sent and received.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MediaStats {
    /// H.264 access units handed to the peer connection.
    pub video_frames_sent: u64,
    /// Of those, IDR pictures.
    pub video_keyframes_sent: u64,
    /// Encoded frames dropped because the network side fell behind (each forces a keyframe).
    pub video_frames_dropped: u64,
    /// PLI and FIR packets received for the video track.
    pub keyframe_requests: u64,
    /// 20 ms Opus frames handed to the peer connection.
    pub audio_frames_sent: u64,
    /// Opus frames of the technician's voice decoded.
    pub remote_audio_frames_decoded: u64,
    /// Of those, frames not played: pauses in the technician's talk skipped to take back the
    /// delay a stall on the downlink left waiting (`recv/jitter.rs`).
    pub remote_audio_frames_shed: u64,
    /// RMS level of the last 100 ms of decoded remote audio, 0.0 to 1.0.
    pub remote_audio_level: f32,
    /// The Opus complexity the customer's voice is encoded at now: the voice profile's on a
    /// clean link, `VoiceProfile::complexity_under_loss` while the technician reports loss. 0
    /// before the audio thread has started.
    pub voice_complexity: u8,
    /// The last complete second of the link (all zeros before the first; see `link_monitor`).
    pub link: LinkStats,
}

#[derive(Debug)]
pub(crate) struct StatsCounters {
    pub(crate) video_frames_sent: AtomicU64,
    pub(crate) video_keyframes_sent: AtomicU64,
    pub(crate) video_frames_dropped: AtomicU64,
    pub(crate) keyframe_requests: AtomicU64,
    pub(crate) audio_frames_sent: AtomicU64,
    pub(crate) remote_audio_frames_decoded: AtomicU64,
    pub(crate) remote_audio_frames_shed: AtomicU64,
    /// f32 bits.
    remote_audio_level: AtomicU32,
    /// Set by the audio thread when it starts and after each loss plan (once a second).
    voice_complexity: AtomicU8,
    /// What the video thread encodes now: set when the ladder or the estimate moves it.
    pub(crate) encode_width: AtomicU32,
    pub(crate) encode_height: AtomicU32,
    pub(crate) encode_fps: AtomicU32,
    pub(crate) video_target_bps: AtomicU32,
    /// Rungs of the ladder given up for the link (0: the best the source allows).
    pub(crate) ladder_steps_down: AtomicU32,
    /// Written once a second by the link monitor.
    pub(crate) link: Mutex<LinkStats>,
    /// From the technician's latest RTCP report blocks (see `net/rtcp_tap.rs`); `u32::MAX` until the
    /// first RTT measurement.
    rtt_ms: AtomicU32,
    /// Each kind's own last report: one receiver reports every stream in a packet of its own
    /// (webrtc-rs does), another all in one, so "the last packet's worst" would flip between
    /// them.
    audio_loss_permille: AtomicU32,
    video_loss_permille: AtomicU32,
}

impl Default for StatsCounters {
    fn default() -> Self {
        Self {
            video_frames_sent: AtomicU64::default(),
            video_keyframes_sent: AtomicU64::default(),
            video_frames_dropped: AtomicU64::default(),
            keyframe_requests: AtomicU64::default(),
            audio_frames_sent: AtomicU64::default(),
            remote_audio_frames_decoded: AtomicU64::default(),
            remote_audio_frames_shed: AtomicU64::default(),
            remote_audio_level: AtomicU32::default(),
            voice_complexity: AtomicU8::default(),
            encode_width: AtomicU32::default(),
            encode_height: AtomicU32::default(),
            encode_fps: AtomicU32::default(),
            video_target_bps: AtomicU32::default(),
            ladder_steps_down: AtomicU32::default(),
            link: Mutex::default(),
            rtt_ms: AtomicU32::new(u32::MAX),
            audio_loss_permille: AtomicU32::default(),
            video_loss_permille: AtomicU32::default(),
        }
    }
}

impl StatsCounters {
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Relaxed);
    }

    pub(crate) fn set_remote_audio_level(&self, level: f32) {
        self.remote_audio_level.store(level.to_bits(), Relaxed);
    }

    pub(crate) fn set_voice_complexity(&self, complexity: u8) {
        self.voice_complexity.store(complexity, Relaxed);
    }

    pub(crate) fn set_round_trip_time_ms(&self, ms: u64) {
        self.rtt_ms
            .store(ms.min(u64::from(u32::MAX - 1)) as u32, Relaxed);
    }

    /// The loss a report block gives for one of this connection's streams, audio or not.
    pub(crate) fn set_reported_loss_permille(&self, audio: bool, permille: u32) {
        match audio {
            true => self.audio_loss_permille.store(permille, Relaxed),
            false => self.video_loss_permille.store(permille, Relaxed),
        }
    }

    /// The last reported round-trip time (ms) and loss (per mille; the worse of the audio's
    /// and the video's last reports): what the link is.
    pub(crate) fn reported(&self) -> (Option<u32>, u32) {
        let rtt = self.rtt_ms.load(Relaxed);
        let loss = self.reported_voice_loss_permille();
        (
            (rtt != u32::MAX).then_some(rtt),
            loss.max(self.video_loss_permille.load(Relaxed)),
        )
    }

    /// The audio stream's own last reported loss (per mille), which the voice's in-band FEC
    /// is planned for: the video's loss is repaired by retransmission and says nothing of it.
    pub(crate) fn reported_voice_loss_permille(&self) -> u32 {
        self.audio_loss_permille.load(Relaxed)
    }

    pub(crate) fn snapshot(&self) -> MediaStats {
        MediaStats {
            video_frames_sent: self.video_frames_sent.load(Relaxed),
            video_keyframes_sent: self.video_keyframes_sent.load(Relaxed),
            video_frames_dropped: self.video_frames_dropped.load(Relaxed),
            keyframe_requests: self.keyframe_requests.load(Relaxed),
            audio_frames_sent: self.audio_frames_sent.load(Relaxed),
            remote_audio_frames_decoded: self.remote_audio_frames_decoded.load(Relaxed),
            remote_audio_frames_shed: self.remote_audio_frames_shed.load(Relaxed),
            remote_audio_level: f32::from_bits(self.remote_audio_level.load(Relaxed)),
            voice_complexity: self.voice_complexity.load(Relaxed),
            link: *self.link.lock().expect("link stats lock"),
        }
    }
}
