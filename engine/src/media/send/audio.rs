//! The audio thread: pulls 20 ms microphone frames, encodes them with Opus (silence while
//! muted) and queues them for the writer task.

use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::sync::mpsc::{self, error::TrySendError};

use super::frame::EncodedFrame;
use super::{AUDIO_QUEUE, SOURCE_POLL};
use crate::media::codec::OpusEncoder;
use crate::media::controls::MediaControls;
use crate::media::device::Device;
use crate::media::events::{EventSender, PeerEvent};
use crate::media::run_state::RunState;
use crate::media::source::{AUDIO_FRAME_DURATION, AUDIO_FRAME_SAMPLES, AudioSource};
use crate::media::stats::StatsCounters;

/// The technician's receiver reports come about once a second: 50 frames of 20 ms.
const LOSS_PLAN_EVERY_FRAMES: u32 = 50;

const SILENCE: [i16; AUDIO_FRAME_SAMPLES] = [0; AUDIO_FRAME_SAMPLES];

/// What the audio thread reads and reports through.
pub(crate) struct AudioLinks {
    pub(crate) run: Arc<RunState>,
    pub(crate) events: Arc<EventSender>,
    /// The loss the technician reports, for Opus's in-band FEC.
    pub(crate) stats: Arc<StatsCounters>,
    /// The microphone's mute switch.
    pub(crate) controls: MediaControls,
}

pub(crate) fn spawn(
    mut source: Box<dyn AudioSource>,
    mut encoder: OpusEncoder,
    links: AudioLinks,
) -> std::io::Result<(JoinHandle<()>, mpsc::Receiver<EncodedFrame>)> {
    let (tx, rx) = mpsc::channel(AUDIO_QUEUE);
    let handle = std::thread::Builder::new()
        .name("lens-audio".into())
        .spawn(move || {
            let AudioLinks {
                run,
                events,
                stats,
                controls,
            } = links;
            let mut dropped: u16 = 0;
            let mut frames_encoded: u32 = 0;
            while !run.stopping() {
                let frame = match source.next_frame(SOURCE_POLL) {
                    Ok(Some(frame)) => frame,
                    Ok(None) => continue,
                    Err(error) => {
                        tracing::warn!(%error, "audio source ended");
                        events.emit(PeerEvent::device_stopped(Device::Microphone, &error));
                        break;
                    }
                };
                if !run.connected() {
                    dropped = 0;
                    continue;
                }
                // Muted: the encoder hears silence and sends DTX frames, so the track and its
                // timing stay intact for the receiver.
                let samples = if controls.microphone_muted() {
                    &SILENCE[..]
                } else {
                    frame.samples
                };
                // Once a second, plan the in-band FEC for the loss the technician reports.
                frames_encoded = frames_encoded.wrapping_add(1);
                if frames_encoded.is_multiple_of(LOSS_PLAN_EVERY_FRAMES)
                    && let Err(error) = encoder.follow_reported_loss(stats.reported().1)
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
