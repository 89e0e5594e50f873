//! What the app changes while a session runs, shared between the app's thread and the media
//! threads: the microphone's mute switch and, for the mobile shells, the technician's voice
//! waiting to be pulled by the app's audio callback.
//!
//! The engine keeps one [`MediaControls`] for its whole life (it is part of the
//! `MediaConfig`), so a mute set before the technician starts, or across a media restart,
//! still holds.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use super::recv::sink::{AudioSink, SampleRing};

/// Cheap to clone; every clone controls the same session.
#[derive(Debug, Clone, Default)]
pub struct MediaControls {
    muted: Arc<AtomicBool>,
    pulled: Arc<PulledPlayback>,
}

impl MediaControls {
    /// While muted the microphone keeps running but the encoder is fed silence: the track
    /// stays up and carries DTX frames, so the technician's side sees a quiet talker, not a
    /// broken stream, and unmuting is instant.
    pub fn set_microphone_muted(&self, muted: bool) {
        self.muted.store(muted, Ordering::Release);
    }

    pub fn microphone_muted(&self) -> bool {
        self.muted.load(Ordering::Acquire)
    }

    /// Fills `out` with the technician's voice (48 kHz mono) for
    /// [`PlaybackConfig::Pulled`](super::PlaybackConfig::Pulled); silence where there is none
    /// yet. Returns how many samples were real audio. Never blocks for long: it takes a lock
    /// the receive side holds only while copying one 20 ms frame.
    pub fn pull_playback(&self, out: &mut [i16]) -> usize {
        self.pulled.pull(out)
    }

    pub(crate) fn pulled_sink(&self) -> Arc<dyn AudioSink> {
        Arc::clone(&self.pulled) as Arc<dyn AudioSink>
    }
}

/// The technician's voice between the receive task and the shell's audio callback.
#[derive(Debug)]
struct PulledPlayback {
    ring: Mutex<SampleRing>,
}

impl Default for PulledPlayback {
    fn default() -> Self {
        Self {
            ring: Mutex::new(SampleRing::new()),
        }
    }
}

impl PulledPlayback {
    fn pull(&self, out: &mut [i16]) -> usize {
        let Ok(mut ring) = self.ring.lock() else {
            out.fill(0);
            return 0;
        };
        let mut real = 0;
        for sample in out.iter_mut() {
            match ring.pop() {
                Some(value) => {
                    *sample = value;
                    real += 1;
                }
                None => *sample = 0,
            }
        }
        real
    }
}

impl AudioSink for PulledPlayback {
    fn push(&self, pcm: &[i16]) {
        if let Ok(mut ring) = self.ring.lock() {
            ring.push(pcm);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pulled_audio_comes_out_in_10_ms_frames_after_priming() {
        let controls = MediaControls::default();
        let mut out = [1i16; 480];
        assert_eq!(controls.pull_playback(&mut out), 0, "nothing received yet");
        assert!(out.iter().all(|&s| s == 0), "silence, not stale memory");
        let sink = controls.pulled_sink();
        sink.push(&[500; 960]);
        sink.push(&[-500; 960]);
        assert_eq!(controls.pull_playback(&mut out), 480);
        assert!(out.iter().all(|&s| s == 500));
        for _ in 0..3 {
            controls.pull_playback(&mut out);
        }
        assert!(out.iter().all(|&s| s == -500));
        assert_eq!(controls.pull_playback(&mut out), 0, "ran dry");
    }

    #[test]
    fn mute_is_shared_by_every_clone() {
        let controls = MediaControls::default();
        let engine_side = controls.clone();
        engine_side.set_microphone_muted(true);
        assert!(controls.microphone_muted());
        engine_side.set_microphone_muted(false);
        assert!(!controls.microphone_muted());
    }
}
