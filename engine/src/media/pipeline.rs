//! The send side: one OS thread per medium pulls frames from its source and encodes them, and
//! one async task per medium hands the encoded frames to webrtc-rs.
//!
//! Between them sits a small bounded channel the thread never waits on: when the network side
//! falls behind, the newest frame is dropped instead of queued, so latency stays at most a few
//! frames. A dropped video frame breaks the decoder's reference chain, so the thread then sends
//! nothing until it can send a keyframe.
//!
//! Nothing is encoded while the peer connection is not connected. Frames keep being pulled, so
//! a camera keeps its cadence, but no work is done and nothing queues up for the moment the
//! connection comes up; the first frame after connecting is then a keyframe.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use rtc::media::Sample;
use tokio::sync::mpsc::{self, error::TrySendError};
use webrtc::media_stream::track_local::static_sample::TrackLocalStaticSample;

use super::adapt::VideoAdapter;
use super::codec::{H264Encoder, OpusEncoder};
use super::device::{Device, DeviceError, DeviceProblem};
use super::keyframe::{KeyframePacer, MIN_KEYFRAME_INTERVAL};
use super::rtp_clock::RtpClock;
use super::session::PeerEvent;
use super::session::Shared;
use super::source::{
    AUDIO_FRAME_DURATION, AUDIO_FRAME_SAMPLES, AudioSource, SourceError, VideoSource,
};
use super::stats::StatsCounters;

/// How long a source may block before the thread checks whether it should stop: bounds how
/// long `close` waits for capture to end.
const SOURCE_POLL: Duration = Duration::from_millis(50);

/// About 100 ms of video and 100 ms of audio may wait for the network, no more.
const VIDEO_QUEUE: usize = 3;
const AUDIO_QUEUE: usize = 5;
/// The technician's receiver reports come about once a second: 50 frames of 20 ms.
const LOSS_PLAN_EVERY_FRAMES: u32 = 50;

const VIDEO_CLOCK_RATE: u32 = 90_000;

const SILENCE: [i16; AUDIO_FRAME_SAMPLES] = [0; AUDIO_FRAME_SAMPLES];

/// A source that ended mid-session: unplugged, or the system took it away.
fn device_stopped(device: Device, error: &SourceError) -> PeerEvent {
    PeerEvent::DeviceProblem(DeviceError::new(
        device,
        DeviceProblem::Disconnected,
        error.to_string(),
    ))
}

/// One encoded frame on its way to the peer connection.
#[derive(Debug)]
pub(crate) struct EncodedFrame {
    data: Bytes,
    captured_at: Instant,
    /// Advances the RTP timestamp after this frame (see `rtp_clock`).
    duration: Duration,
    keyframe: bool,
    /// Frames dropped just before this one; audio reports them as lost packets so the receiver
    /// conceals the gap instead of playing the next frame early.
    prev_dropped: u16,
}

impl EncodedFrame {
    /// A video access unit made elsewhere (the shell's hardware encoder, see `passthrough`).
    pub(crate) fn video(
        data: Bytes,
        captured_at: Instant,
        duration: Duration,
        keyframe: bool,
    ) -> Self {
        Self {
            data,
            captured_at,
            duration,
            keyframe,
            prev_dropped: 0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Medium {
    Video,
    Audio,
}

pub(crate) fn spawn_video(
    mut source: Box<dyn VideoSource>,
    mut encoder: H264Encoder,
    shared: Arc<Shared>,
) -> std::io::Result<(JoinHandle<()>, mpsc::Receiver<EncodedFrame>)> {
    let (tx, rx) = mpsc::channel(VIDEO_QUEUE);
    let handle = std::thread::Builder::new()
        .name("lens-video".into())
        .spawn(move || {
            let mut pacer = KeyframePacer::new(MIN_KEYFRAME_INTERVAL);
            let mut clock = RtpClock::new(VIDEO_CLOCK_RATE, source.frame_interval());
            let mut was_connected = false;
            let mut awaiting_keyframe = true;
            let mut source_size = encoder.size();
            let mut adapter = VideoAdapter::new(
                encoder.settings(),
                shared.bandwidth_estimate_bps.load(Ordering::Relaxed),
            );

            while !shared.stop.load(Ordering::Acquire) {
                let frame = match source.next_frame(SOURCE_POLL) {
                    Ok(Some(frame)) => frame,
                    Ok(None) => continue,
                    Err(error) => {
                        tracing::warn!(%error, "video source ended");
                        shared.emit(device_stopped(Device::Camera, &error));
                        break;
                    }
                };
                // Paused video sends nothing (see `MediaHandles::set_video_paused`); resuming
                // starts like a new connection, with a keyframe.
                if !shared.connected.load(Ordering::Acquire) || shared.handles.video_paused() {
                    was_connected = false;
                    continue;
                }
                let now = Instant::now();
                if (frame.width, frame.height) != source_size {
                    // A pushed camera turned or switched: a new encoder for the new size, whose
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
                    adapter = VideoAdapter::new(
                        encoder.settings(),
                        shared.bandwidth_estimate_bps.load(Ordering::Relaxed),
                    );
                    awaiting_keyframe = true;
                    pacer.request();
                }
                if !was_connected {
                    // Connected, or reconnected after an ICE hiccup: the receiver needs a fresh
                    // starting point.
                    was_connected = true;
                    awaiting_keyframe = true;
                    pacer.request();
                }
                if shared.keyframe_requests.take() {
                    pacer.request();
                }
                // Size, rate and bitrate follow the congestion controller (see `adapt.rs`).
                let estimate = shared.bandwidth_estimate_bps.load(Ordering::Relaxed);
                if let Err(error) = adapter.follow(now, estimate, &mut encoder, &shared.stats) {
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
                if pacer.poll(now) {
                    encoder.force_keyframe();
                } else if awaiting_keyframe {
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
                if encoded.keyframe {
                    awaiting_keyframe = false;
                    pacer.keyframe_sent(now);
                } else if awaiting_keyframe {
                    continue;
                }

                let (duration, commit) = clock.duration_for(frame.captured_at);
                let out = EncodedFrame {
                    data: encoded.data,
                    captured_at: frame.captured_at,
                    duration,
                    keyframe: encoded.keyframe,
                    prev_dropped: 0,
                };
                match tx.try_send(out) {
                    Ok(()) => clock.commit(commit),
                    Err(TrySendError::Full(_)) => {
                        StatsCounters::bump(&shared.stats.video_frames_dropped);
                        awaiting_keyframe = true;
                        pacer.request();
                    }
                    Err(TrySendError::Closed(_)) => break,
                }
            }
        })?;
    Ok((handle, rx))
}

pub(crate) fn spawn_audio(
    mut source: Box<dyn AudioSource>,
    mut encoder: OpusEncoder,
    shared: Arc<Shared>,
) -> std::io::Result<(JoinHandle<()>, mpsc::Receiver<EncodedFrame>)> {
    let (tx, rx) = mpsc::channel(AUDIO_QUEUE);
    let handle = std::thread::Builder::new()
        .name("lens-audio".into())
        .spawn(move || {
            let mut dropped: u16 = 0;
            let mut frames_encoded: u32 = 0;
            while !shared.stop.load(Ordering::Acquire) {
                let frame = match source.next_frame(SOURCE_POLL) {
                    Ok(Some(frame)) => frame,
                    Ok(None) => continue,
                    Err(error) => {
                        tracing::warn!(%error, "audio source ended");
                        shared.emit(device_stopped(Device::Microphone, &error));
                        break;
                    }
                };
                if !shared.connected.load(Ordering::Acquire) {
                    dropped = 0;
                    continue;
                }
                // Muted: the encoder hears silence and sends DTX frames, so the track and its
                // timing stay intact for the receiver.
                let samples = if shared.controls.microphone_muted() {
                    &SILENCE[..]
                } else {
                    frame.samples
                };
                // Once a second, plan the in-band FEC for the loss the technician reports.
                frames_encoded = frames_encoded.wrapping_add(1);
                if frames_encoded.is_multiple_of(LOSS_PLAN_EVERY_FRAMES)
                    && let Err(error) = encoder.follow_reported_loss(shared.stats.reported().1)
                {
                    tracing::warn!(%error, "cannot set Opus's expected loss");
                }
                let data = match encoder.encode(samples) {
                    Ok(data) => data,
                    Err(error) => {
                        tracing::warn!(%error, "dropping an audio frame");
                        dropped = dropped.saturating_add(1);
                        continue;
                    }
                };
                let out = EncodedFrame {
                    data,
                    captured_at: frame.captured_at,
                    duration: AUDIO_FRAME_DURATION,
                    keyframe: false,
                    prev_dropped: dropped,
                };
                match tx.try_send(out) {
                    Ok(()) => dropped = 0,
                    Err(TrySendError::Full(_)) => dropped = dropped.saturating_add(1),
                    Err(TrySendError::Closed(_)) => break,
                }
            }
        })?;
    Ok((handle, rx))
}

/// Hands encoded frames to the track, which packetizes them (FU-A/STAP-A for H.264) and sends
/// them through the interceptors.
pub(crate) async fn write_frames(
    track: Arc<TrackLocalStaticSample>,
    ssrc: u32,
    medium: Medium,
    shared: Arc<Shared>,
    mut frames: mpsc::Receiver<EncodedFrame>,
) {
    let mut failures = 0u64;
    while let Some(frame) = frames.recv().await {
        let payload_type = match medium {
            Medium::Video => shared.video_payload_type.load(Ordering::Relaxed),
            Medium::Audio => shared.audio_payload_type.load(Ordering::Relaxed),
        };
        let sample = Sample {
            data: frame.data,
            duration: frame.duration,
            prev_dropped_packets: frame.prev_dropped,
            ..Sample::new(frame.captured_at)
        };
        match track.write_sample(ssrc, payload_type, &sample, &[]).await {
            Ok(()) => match medium {
                Medium::Video => {
                    StatsCounters::bump(&shared.stats.video_frames_sent);
                    if frame.keyframe {
                        StatsCounters::bump(&shared.stats.video_keyframes_sent);
                    }
                }
                Medium::Audio => StatsCounters::bump(&shared.stats.audio_frames_sent),
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
