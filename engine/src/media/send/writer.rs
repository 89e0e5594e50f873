//! The async end of each send path: hands encoded frames to the track, which packetizes them
//! (FU-A/STAP-A for H.264) and sends them through the interceptors.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

use rtc::media::Sample;
use tokio::sync::mpsc;
use webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample;

use super::frame::EncodedFrame;
use crate::media::stats::StatsCounters;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Medium {
    Video,
    Audio,
}

/// The payload types the answer settled on; a receiver may renumber the offered ones.
#[derive(Debug)]
pub(crate) struct PayloadTypes {
    video: AtomicU8,
    audio: AtomicU8,
}

impl PayloadTypes {
    pub(crate) fn new(video: u8, audio: u8) -> Self {
        Self {
            video: AtomicU8::new(video),
            audio: AtomicU8::new(audio),
        }
    }

    pub(crate) fn slot(&self, medium: Medium) -> &AtomicU8 {
        match medium {
            Medium::Video => &self.video,
            Medium::Audio => &self.audio,
        }
    }
}

/// One technician's track of one medium: where the writer sends each encoded frame.
#[derive(Clone)]
pub(crate) struct Outlet {
    /// The collaborator's peer id; `None` for the lead.
    pub(crate) peer: Option<String>,
    pub(crate) track: Arc<TrackLocalStaticSample>,
    pub(crate) ssrc: u32,
    pub(crate) payload_types: Arc<PayloadTypes>,
    /// Set while this track must start (again) at a keyframe: a collaborator joining a
    /// stream already running, whose decoder can do nothing with the frames before one.
    pub(crate) awaiting_keyframe: Arc<AtomicBool>,
}

/// Every technician's track of one medium. The same encoded frame goes to each (seed 004:
/// encode once, one peer connection per technician); collaborators come and go while the
/// writer runs. The list is shared copy-on-write: the writer takes it with a reference count
/// for each frame, and only a technician joining or leaving copies it.
#[derive(Clone, Default)]
pub(crate) struct Outlets(Arc<Mutex<Arc<Vec<Outlet>>>>);

impl Outlets {
    pub(crate) fn add(&self, outlet: Outlet) {
        Arc::make_mut(&mut self.list()).push(outlet);
    }

    /// Removes the collaborator's track; the lead's stays.
    pub(crate) fn remove(&self, peer: &str) {
        Arc::make_mut(&mut self.list()).retain(|outlet| outlet.peer.as_deref() != Some(peer));
    }

    fn list(&self) -> std::sync::MutexGuard<'_, Arc<Vec<Outlet>>> {
        // A plain list: nothing is left half-updated by a panic.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn snapshot(&self) -> Arc<Vec<Outlet>> {
        Arc::clone(&self.list())
    }
}

pub(crate) async fn write_frames(
    outlets: Outlets,
    medium: Medium,
    stats: Arc<StatsCounters>,
    mut frames: mpsc::Receiver<EncodedFrame>,
) {
    let mut failures = 0u64;
    while let Some(frame) = frames.recv().await {
        let sample = Sample {
            data: frame.data,
            duration: frame.duration,
            prev_dropped_packets: frame.prev_dropped,
            ..Sample::new(frame.captured_at)
        };
        // A snapshot, so that a collaborator joining never waits for a frame to be written.
        let mut written = false;
        for outlet in outlets.snapshot().iter() {
            if medium == Medium::Video && outlet.awaiting_keyframe.load(Ordering::Acquire) {
                if !frame.keyframe {
                    continue;
                }
                outlet.awaiting_keyframe.store(false, Ordering::Release);
            }
            let payload_type = outlet.payload_types.slot(medium).load(Ordering::Relaxed);
            match outlet
                .track
                .write_sample(outlet.ssrc, payload_type, &sample, &[])
                .await
            {
                // The lead's counts are the session's: a collaborator's write adds nothing.
                Ok(()) => written |= outlet.peer.is_none(),
                Err(error) => {
                    // Happens around connection state changes; logging every one at 30 fps
                    // would flood the log.
                    failures += 1;
                    if failures.is_power_of_two() {
                        tracing::debug!(?medium, %error, failures, "could not send a frame");
                    }
                }
            }
        }
        if written {
            match medium {
                Medium::Video => {
                    StatsCounters::bump(&stats.video_frames_sent);
                    if frame.keyframe {
                        StatsCounters::bump(&stats.video_keyframes_sent);
                    }
                }
                Medium::Audio => StatsCounters::bump(&stats.audio_frames_sent),
            }
        }
    }
}
