//! Counters the media threads bump and [`MediaSession::stats`](super::MediaSession::stats)
//! reads. Relaxed atomics: each number is independent, and a snapshot a frame out of date is
//! fine for a UI or a test polling for progress.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};

/// A snapshot of what a session has sent and received.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
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
    /// RMS level of the last 100 ms of decoded remote audio, 0.0 to 1.0.
    pub remote_audio_level: f32,
}

#[derive(Debug, Default)]
pub(crate) struct StatsCounters {
    pub(crate) video_frames_sent: AtomicU64,
    pub(crate) video_keyframes_sent: AtomicU64,
    pub(crate) video_frames_dropped: AtomicU64,
    pub(crate) keyframe_requests: AtomicU64,
    pub(crate) audio_frames_sent: AtomicU64,
    pub(crate) remote_audio_frames_decoded: AtomicU64,
    /// f32 bits.
    remote_audio_level: AtomicU32,
}

impl StatsCounters {
    pub(crate) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Relaxed);
    }

    pub(crate) fn set_remote_audio_level(&self, level: f32) {
        self.remote_audio_level.store(level.to_bits(), Relaxed);
    }

    pub(crate) fn snapshot(&self) -> MediaStats {
        MediaStats {
            video_frames_sent: self.video_frames_sent.load(Relaxed),
            video_keyframes_sent: self.video_keyframes_sent.load(Relaxed),
            video_frames_dropped: self.video_frames_dropped.load(Relaxed),
            keyframe_requests: self.keyframe_requests.load(Relaxed),
            audio_frames_sent: self.audio_frames_sent.load(Relaxed),
            remote_audio_frames_decoded: self.remote_audio_frames_decoded.load(Relaxed),
            remote_audio_level: f32::from_bits(self.remote_audio_level.load(Relaxed)),
        }
    }
}
