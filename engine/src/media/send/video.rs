//! The video thread: pulls the camera's frames, scales and encodes them with openh264 at what
//! the congestion controller allows (see `adapt.rs`), and queues them for the writer task.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

use tokio::sync::mpsc;

use super::adapt::VideoAdapter;
use super::frame::{EncodedFrame, Queued, VideoQueue};
use super::keyframe::{KeyframeGate, KeyframeRequests};
use super::upright::Upright;
use super::writer::Outlets;
use super::{SOURCE_POLL, VIDEO_QUEUE};
use crate::media::codec::H264Encoder;
use crate::media::device::Device;
use crate::media::estimate::EncoderEstimate;
use crate::media::events::{EventSender, PeerEvent};
use crate::media::pushed::MediaHandles;
use crate::media::run_state::RunState;
use crate::media::source::VideoSource;
use crate::media::stats::StatsCounters;

/// What the video thread reads and reports through.
pub(crate) struct VideoLinks {
    pub(crate) run: Arc<RunState>,
    pub(crate) events: Arc<EventSender>,
    pub(crate) stats: Arc<StatsCounters>,
    pub(crate) keyframe_requests: Arc<KeyframeRequests>,
    /// The app's pause switch (see `MediaHandles::set_video_paused`).
    pub(crate) pause: MediaHandles,
    /// The lowest of the technicians' estimates: the same frames go to each.
    pub(crate) estimate: EncoderEstimate,
    /// Every technician's video track, asked whether all can be told a picture's turn.
    pub(crate) outlets: Outlets,
}

pub(crate) fn spawn(
    mut source: Box<dyn VideoSource>,
    mut encoder: H264Encoder,
    links: VideoLinks,
) -> std::io::Result<(JoinHandle<()>, mpsc::Receiver<EncodedFrame>)> {
    let (tx, rx) = mpsc::channel(VIDEO_QUEUE);
    let handle = std::thread::Builder::new()
        .name("lens-video".into())
        .spawn(move || {
            let VideoLinks {
                run,
                events,
                stats,
                keyframe_requests,
                pause,
                estimate,
                outlets,
            } = links;
            let mut upright = Upright::new(outlets);
            let mut gate = KeyframeGate::new(keyframe_requests);
            let mut queue = VideoQueue::new(tx, source.frame_interval(), Arc::clone(&stats));
            let mut source_size = encoder.size();
            let mut adapter = VideoAdapter::new(encoder.settings(), estimate.bps());

            while !run.stopping() {
                let frame = match source.next_frame(SOURCE_POLL) {
                    Ok(Some(frame)) => frame,
                    Ok(None) => continue,
                    Err(error) => {
                        tracing::warn!(%error, "video source ended");
                        events.emit(PeerEvent::device_stopped(Device::Camera, &error));
                        break;
                    }
                };
                // Paused video sends nothing; resuming starts like a new connection, with a
                // keyframe.
                if !gate.live(run.connected() && !pause.video_paused()) {
                    continue;
                }
                let frame = match upright.frame(frame) {
                    Ok(frame) => frame,
                    Err(error) => {
                        tracing::warn!(%error, "dropping a picture that could not be turned");
                        continue;
                    }
                };
                let now = Instant::now();
                if (frame.width, frame.height) != source_size {
                    // A pushed camera switched, or turned with a receiver that needs it upright
                    // (or one joined or left that does): a new encoder for the new size, whose
                    // first frame is a keyframe with the new SPS, and a ladder measured from
                    // it. (The encoder's own size is the ladder's rung, not the source's.)
                    match encoder.resized(frame.width, frame.height) {
                        Ok(resized) => encoder = resized,
                        Err(error) => {
                            tracing::warn!(%error, "dropping a frame of a new size");
                            continue;
                        }
                    }
                    source_size = (frame.width, frame.height);
                    adapter = VideoAdapter::new(encoder.settings(), estimate.bps());
                    gate.restart();
                }
                // Size, rate and bitrate follow the congestion controller (see `adapt.rs`).
                if let Err(error) = adapter.follow(now, estimate.bps(), &mut encoder, &stats) {
                    tracing::warn!(%error, "cannot adapt the video encoder");
                }
                if !adapter.admit(frame.captured_at) {
                    continue;
                }
                let frame = match adapter.fit(frame) {
                    Ok(frame) => frame,
                    Err(error) => {
                        tracing::warn!(%error, "dropping a video frame");
                        continue;
                    }
                };
                if gate.due(now) {
                    encoder.force_keyframe();
                } else if gate.awaiting() {
                    // A keyframe is due but rate-limited; a P frame now would not decode.
                    continue;
                }

                let encoded = match encoder.encode(&frame) {
                    Ok(Some(encoded)) => encoded,
                    Ok(None) => continue,
                    Err(error) => {
                        tracing::warn!(%error, "dropping a video frame");
                        continue;
                    }
                };
                if !gate.admit(encoded.keyframe, now) {
                    continue;
                }
                let sent = queue.send(
                    encoded.data,
                    frame.captured_at,
                    encoded.keyframe,
                    frame.rotation,
                    &mut gate,
                );
                if sent == Queued::Closed {
                    break;
                }
            }
        })?;
    Ok((handle, rx))
}
