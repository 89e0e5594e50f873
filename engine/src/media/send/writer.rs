//! The async end of each send path: hands encoded frames to the track, which packetizes them
//! (FU-A/STAP-A for H.264) and sends them through the interceptors.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};

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

pub(crate) async fn write_frames(
    track: Arc<TrackLocalStaticSample>,
    ssrc: u32,
    medium: Medium,
    payload_types: Arc<PayloadTypes>,
    stats: Arc<StatsCounters>,
    mut frames: mpsc::Receiver<EncodedFrame>,
) {
    let mut failures = 0u64;
    while let Some(frame) = frames.recv().await {
        let payload_type = payload_types.slot(medium).load(Ordering::Relaxed);
        let sample = Sample {
            data: frame.data,
            duration: frame.duration,
            prev_dropped_packets: frame.prev_dropped,
            ..Sample::new(frame.captured_at)
        };
        match track.write_sample(ssrc, payload_type, &sample, &[]).await {
            Ok(()) => match medium {
                Medium::Video => {
                    StatsCounters::bump(&stats.video_frames_sent);
                    if frame.keyframe {
                        StatsCounters::bump(&stats.video_keyframes_sent);
                    }
                }
                Medium::Audio => StatsCounters::bump(&stats.audio_frames_sent),
            },
            Err(error) => {
                // Happens around connection state changes; logging every one at 30 fps would
                // flood the log.
                failures += 1;
                if failures.is_power_of_two() {
                    tracing::debug!(?medium, %error, failures, "could not send a frame");
                }
            }
        }
    }
}
